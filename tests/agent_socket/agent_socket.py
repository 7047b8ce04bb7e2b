#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The agent's local read-only socket (docs/AGENT.md, "Local socket"), as its users meet it.

- a stale socket file at the path is replaced; the file has the configured mode and group;
- GET /metrics answers the same families through collect/agent_link (sock_get) and curl --unix-socket;
  /api/v1/status too when the API is in this build (404 is reported, not failed, otherwise);
- POST is 405 on every path, /api/v1/unblock included;
- a peer that is neither root, the agent's user nor in the socket's group: 403 when the mode lets it
  connect (0666), EACCES at connect(2) when it does not (0660), with a message naming the group;
  each 403 counts in /metrics' connmon_agent_socket_refused_total, a refused connect(2) does not;
  a member by its primary group or by a supplementary group (read from /proc) is served;
- a regular file at the path is left alone and the agent exits 2 naming it;
- the socket file is removed when the agent exits.
The agent runs in a network namespace the test creates; the socket lives in a temporary directory.
Exit 77 without root.
"""

import grp
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time

CM = os.path.abspath(sys.argv[1])
GET = os.path.abspath(sys.argv[2])
NS = f"cmsock{os.getpid()}"
FAILS = []


def check(cond, what):
    print(("ok: " if cond else "FAIL: ") + what, flush=True)
    if not cond:
        FAILS.append(what)


def config(tmp, mode, group="", listen="127.0.0.1:9556"):
    path = os.path.join(tmp, "agent.conf")
    with open(path, "w") as f:
        f.write(f"[agent]\nlisten = {listen}\nsocket = {tmp}/agent.sock\n"
                f"socket_mode = {mode}\nsocket_group = {group}\n"
                "[detect]\ncapture = off\njournal = no\n")
    return path


def start(tmp, conf):
    return subprocess.Popen(["ip", "netns", "exec", NS, CM, "agent", "--config", conf, "--db",
                             os.path.join(tmp, "a.db")], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def sock_get(path, target, user=None):
    """(exit code, stdout, stderr) of sock_get, as root or through setpriv as another user."""
    prefix = ["setpriv", *user] if user else []
    r = subprocess.run([*prefix, GET, path, target], capture_output=True, text=True, timeout=30)
    return r.returncode, r.stdout, r.stderr


def wait_served(proc, path):
    """Until the agent answers 200 on its socket (at most 20 s)."""
    for _ in range(200):
        if proc.poll() is not None:
            return False
        if os.path.exists(path):
            rc, out, _ = sock_get(path, "/metrics")
            if rc == 0 and out.startswith("status 200"):
                return True
        time.sleep(0.1)
    return False


def refused_total(path):
    """connmon_agent_socket_refused_total in the socket's /metrics, or None without it."""
    rc, out, _ = sock_get(path, "/metrics")
    for line in out.splitlines():
        if line.startswith("connmon_agent_socket_refused_total "):
            return float(line.split()[1])
    return None


def wait_refused(path, want):
    """Until the counter is want (the agent publishes after each tick; at most 10 s); the last value."""
    value = None
    for _ in range(100):
        value = refused_total(path)
        if value == want:
            break
        time.sleep(0.1)
    return value


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    try:
        out, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
    return proc.returncode, err


def curl(path, *args, user=None):
    prefix = ["setpriv", *user] if user else []
    r = subprocess.run([*prefix, "curl", "-s", "-m", "10", "--unix-socket", path, *args],
                       capture_output=True, text=True, timeout=30)
    return r.stdout


NOBODY = ["--reuid=nobody", "--regid=nogroup", "--clear-groups"]
OTHER_GID = "--regid=4243"


def run_open_mode(tmp):
    """Mode 0666, the agent's group: a stale file replaced, the routes, 405, and 403 for nobody."""
    path = os.path.join(tmp, "agent.sock")
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(path)
    stale.close()
    proc = start(tmp, config(tmp, "0666"))
    if not wait_served(proc, path):
        check(False, "the agent serves its socket over a stale one")
        print(stop(proc)[1])
        return
    st = os.lstat(path)
    # A stale socket refuses connections (and bind(2) fails on any file): serving means replaced.
    check(stat.S_ISSOCK(st.st_mode), "the stale socket is replaced by one that answers")
    check(stat.S_IMODE(st.st_mode) == 0o666 and st.st_gid == os.getegid(),
          f"the socket has mode 0666 and the agent's group ({oct(st.st_mode)}, gid {st.st_gid})")
    rc, out, err = sock_get(path, "/metrics")
    check(rc == 0 and out.startswith("status 200\n") and
          "# TYPE connmon_tcp_sockets gauge" in out, "GET /metrics through agent_link")
    body = curl(path, "http://localhost/metrics")
    check("# TYPE connmon_tcp_sockets gauge" in body and "connmon_iface_rx_bytes_total" in body,
          "GET /metrics through curl --unix-socket")
    check("# TYPE connmon_agent_socket_refused_total counter" in body,
          "/metrics has the family connmon_agent_socket_refused_total")
    value = refused_total(path)
    check(value == 0, f"no peer refused yet: connmon_agent_socket_refused_total 0 (got {value})")
    rc, out, err = sock_get(path, "/api/v1/status")
    if out.startswith("status 404"):
        print("note: /api/v1/status is 404: the JSON API is not in this build")
    else:
        check(out.startswith("status 200") and '"version"' in out, "GET /api/v1/status")
    code = curl(path, "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST",
                "http://localhost/metrics")
    check(code == "405", f"POST /metrics is 405 (got {code})")
    code = curl(path, "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", "-H",
                "Content-Type: application/json", "-d", '{"all":true}',
                "http://localhost/api/v1/unblock")
    check(code == "405", f"POST /api/v1/unblock is 405 on the socket (got {code})")
    rc, out, err = sock_get(path, "/metrics", NOBODY)
    check(rc == 0 and out.startswith("status 403"),
          f"nobody is refused with 403 ({out[:60]!r} {err.strip()})")
    code = curl(path, "-o", "/dev/null", "-w", "%{http_code}", "http://localhost/metrics",
                user=NOBODY)
    check(code == "403", f"curl as nobody: 403 (got {code})")
    value = wait_refused(path, 2)
    check(value == 2, f"the two 403s: connmon_agent_socket_refused_total 2 (got {value})")
    reload_listen(tmp, proc, path)
    rc, err = stop(proc)
    check(rc == 0, f"SIGTERM: exit 0 (got {rc})")
    check(not os.path.lexists(path), "the socket file is removed at exit")


def reload_listen(tmp, proc, path):
    """A SIGHUP that moves the TCP listener keeps the socket: same file, still served."""
    ino = os.lstat(path).st_ino
    config(tmp, "0666", listen="127.0.0.1:9557")
    proc.send_signal(signal.SIGHUP)
    tcp = ""
    for _ in range(100):
        tcp = subprocess.run(["ip", "netns", "exec", NS, "curl", "-s", "-m", "5",
                              "http://127.0.0.1:9557/metrics"], capture_output=True,
                             text=True).stdout
        if "# TYPE connmon_tcp_sockets gauge" in tcp:
            break
        time.sleep(0.1)
    check("# TYPE connmon_tcp_sockets gauge" in tcp, "after SIGHUP, /metrics on the new TCP port")
    rc, out, err = sock_get(path, "/metrics")
    check(rc == 0 and out.startswith("status 200") and os.lstat(path).st_ino == ino,
          "after SIGHUP, the same socket file still serves")


def run_group(tmp):
    """Mode 0660, group nogroup: members by primary or supplementary group, others stopped at connect."""
    path = os.path.join(tmp, "agent.sock")
    proc = start(tmp, config(tmp, "0660", "nogroup"))
    if not wait_served(proc, path):
        check(False, "the agent serves its socket with socket_group = nogroup")
        print(stop(proc)[1])
        return
    st = os.lstat(path)
    check(st.st_gid == grp.getgrnam("nogroup").gr_gid and stat.S_IMODE(st.st_mode) == 0o660,
          "the socket has mode 0660 and group nogroup")
    rc, out, err = sock_get(path, "/metrics", NOBODY)
    check(rc == 0 and out.startswith("status 200"),
          f"a member by its primary group is served ({err.strip()})")
    rc, out, err = sock_get(path, "/metrics", ["--reuid=nobody", OTHER_GID, "--groups=65534"])
    check(rc == 0 and out.startswith("status 200"),
          f"a member by a supplementary group is served ({out[:40]!r} {err.strip()})")
    rc, out, err = sock_get(path, "/metrics", ["--reuid=nobody", OTHER_GID, "--clear-groups"])
    check(rc == 1 and "Permission denied" in err and "'nogroup' group" in err and path in err,
          f"a non-member cannot connect: {err.strip()}")
    time.sleep(1.5)  # a tick or more: a wrongly counted refusal would be published by then
    value = refused_total(path)
    check(value == 0, f"members served and a connect(2) refused: the counter stays 0 (got {value})")
    rc, err = stop(proc)
    check(rc == 0 and not os.path.lexists(path), "exit 0, the socket removed")


def run_file_in_the_way(tmp):
    path = os.path.join(tmp, "agent.sock")
    with open(path, "w") as f:
        f.write("precious\n")
    proc = start(tmp, config(tmp, "0660"))
    try:
        out, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
    check(proc.returncode == 2, f"a regular file at the path: exit 2 (got {proc.returncode})")
    check(path in err and "not a socket" in err, f"the message names it: {err.strip()}")
    with open(path) as f:
        check(f.read() == "precious\n", "the regular file is left alone")
    os.unlink(path)


def main():
    if os.geteuid() != 0:
        print("SKIP: needs root (network namespaces, setpriv)")
        return 77
    for tool in ("ip", "setpriv", "curl"):
        if not shutil.which(tool):
            print(f"SKIP: no {tool}")
            return 77
    tmp = tempfile.mkdtemp(prefix="connmon-sock-")
    os.chmod(tmp, 0o755)  # nobody reaches the socket; its own mode decides the rest
    subprocess.run(["ip", "netns", "add", NS], check=True)
    try:
        subprocess.run(["ip", "netns", "exec", NS, "ip", "link", "set", "lo", "up"], check=True)
        run_open_mode(tmp)
        run_group(tmp)
        run_file_in_the_way(tmp)
    finally:
        subprocess.run(["ip", "netns", "del", NS])
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{len(FAILS)} failed" if FAILS else "all passed")
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
