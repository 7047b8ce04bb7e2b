#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""System test of `connmon top` reading a running agent (docs/COMMANDS-top.md, "Agent mode").

Inside a network namespace it creates, with the fixed sockets of fixture.py and
an agent whose local socket is in a temporary directory (a config file says
where), driven in tmux:
  - `top --agent=PATH`: the header names the agent; the overview's state counts
    equal the agent's /api/v1/live (read over the same socket) and `connmon
    summary` at the same moment; every view renders at 80x24 and 200x50, and
    the listeners view's sockets of port 7001 equal the frame's;
  - scroll back: connections held for a few ticks and then closed are gone
    live, and `[` pressed until the header says "ago" shows them again; `L`
    is live again;
  - the agent stopped: the frame stays, marked stale, top keeps running; the
    agent started again: top reads it again; q quits with 0 and nothing on
    stderr (no sanitizer report);
  - `--agent` with a path where no agent listens: exit 2 naming the path;
  - autodetection: with the agent's socket at the default path (a tmpfs over
    /run in a mount namespace of the test's own) plain `top` reads the agent,
    `--standalone` does not, and scroll back there says it needs an agent.
Root only (exit 77 without); everything it starts is its own and is stopped.
"""

import json
import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PID = os.getpid()
NS = "cmtopa%d" % PID
SOCK = "cmtopa%d" % PID
FAILURES = []
STARTED = []


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def check(what, ok, detail=""):
    log("%s %s%s" % ("ok  " if ok else "FAIL", what, (": " + str(detail)) if detail else ""))
    if not ok:
        FAILURES.append(what)


def sh(*args, check_rc=True, timeout=30):
    return subprocess.run(args, check=check_rc, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          encoding="utf-8", errors="replace", timeout=timeout)


def tmux(*args):
    return sh("tmux", "-L", SOCK, *args, check_rc=False)


def start_tmux_server():
    """As top_test.py: a real /dev/null for tmux's daemon(3), in a mount namespace if need be."""
    if os.path.exists("/dev/null") and stat.S_ISCHR(os.stat("/dev/null").st_mode):
        tmux("start-server", ";", "new-session", "-d", "-s", "keep", "sleep 600")
        return
    node = os.path.join(TMP, "devnull")
    script = ("mknod %s c 1 3 && chmod 666 %s && mount --bind %s /dev/null && "
              "exec tmux -L %s new-session -d -s keep 'sleep 600'") % (node, node, node, SOCK)
    sh("unshare", "-m", "sh", "-c", script)


class Screen:
    """One tmux session running a shell command (top) in the namespace."""

    def __init__(self, name, cols, rows, inner):
        self.name = name
        self.exit_file = os.path.join(TMP, name + ".exit")
        cmd = "env LANG=C.UTF-8 %s 2>%s.err; echo $? > %s; sleep 120" % (
            inner, self.exit_file, self.exit_file)
        tmux("new-session", "-d", "-s", name, "-x", str(cols), "-y", str(rows), cmd)

    def keys(self, *keys, pause=0.3):
        for k in keys:
            tmux("send-keys", "-t", self.name, k)
            time.sleep(0.05)
        time.sleep(pause)

    def text(self):
        return tmux("capture-pane", "-p", "-t", self.name).stdout

    def wait(self, pattern, timeout=10.0):
        end = time.monotonic() + timeout
        text = ""
        while time.monotonic() < end:
            text = self.text()
            if re.search(pattern, text, re.M):
                return text
            time.sleep(0.2)
        return text

    def exit_code(self, timeout=8.0):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if os.path.exists(self.exit_file):
                with open(self.exit_file) as f:
                    data = f.read().strip()
                if data:
                    return int(data)
            time.sleep(0.2)
        return None

    def stderr(self):
        with open(self.exit_file + ".err") as f:
            return f.read()


def get(path, target):
    """GET target from the agent's socket (what curl --unix-socket does); the JSON body."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(path)
    s.sendall(("GET %s HTTP/1.1\r\nHost: l\r\nConnection: close\r\n\r\n" % target).encode())
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    head, _, body = data.partition(b"\r\n\r\n")
    if b" 200 " not in head.split(b"\r\n")[0]:
        return None
    return json.loads(body)


def start_agent(conf, wrap=""):
    log_file = open(os.path.join(TMP, "agent.log"), "a")
    cmd = ["ip", "netns", "exec", NS, CONNMON, "agent", "--config", conf]
    p = subprocess.Popen(cmd, stdout=log_file, stderr=subprocess.STDOUT)
    STARTED.append(p)
    return p


def stop(p):
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(timeout=5)


def wait_live(path, pred, timeout=15.0):
    """The agent's live frame once pred(frame) holds, or None."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            f = get(path, "/api/v1/live")
            if f and f.get("census_ms") and pred(f):
                return f
        except (OSError, ValueError):
            pass
        time.sleep(0.3)
    return None


def screen_states(text):
    m = re.search(r"ESTAB (\d+)  TIME-WAIT (\d+)  CLOSE-WAIT (\d+)  LISTEN (\d+)", text)
    return tuple(int(x) for x in m.groups()) if m else None


def estab(text):
    st = screen_states(text)
    return st[0] if st else -1


def frame_states(f):
    s = f["tcp_states"]
    return (s["established"], s["time_wait"], s["close_wait"], s["listen"])


def summary_states():
    sm = json.loads(sh("ip", "netns", "exec", NS, CONNMON, "summary", "--json").stdout)
    s = sm["tcp_states"]
    return tuple(s[k]["count"] for k in ("ESTABLISHED", "TIME_WAIT", "CLOSE_WAIT", "LISTEN"))


VIEWS = [("1", r"^overview \(agent\)"), ("2", r"^sockets: \d+ \(listed by top itself"),
         ("3", r"^flows \(agent\): no per-flow capture"), ("4", r"^procs \(agent\)"),
         ("5", r"^ifaces \(agent\): \d+"), ("6", r"^listeners \(agent\)"),
         ("7", r"^alerts \(agent\): \d+ firing")]


def test_views(s, size, path):
    for key, pattern in VIEWS:
        s.keys(key)
        text = s.wait(pattern, 6)
        check("%s: view %s renders from the agent" % (size, key), re.search(pattern, text, re.M),
              text.splitlines()[2:3])
        if key == "6":
            f = get(path, "/api/v1/live")
            want = [p["sockets"] for p in f["top_ports"] if p["port"] == 7001]
            m = re.search(r"^\s+7001\s+(\d+)", text, re.M)
            check("%s: listeners' port 7001 = the frame's" % size,
                  m and want and int(m.group(1)) == want[0], (m and m.group(0), want))
    s.keys("1")


def test_numbers(s, path):
    """The overview's states, the live frame's and summary's, read until they agree (bounded)."""
    seen = None
    for _ in range(10):
        text = s.wait(r"ESTAB \d+", 5)
        shown = screen_states(text)
        live = frame_states(get(path, "/api/v1/live"))
        summ = summary_states()
        seen = (shown, live, summ)
        if shown == live == summ:
            break
        time.sleep(1.2)
    check("overview = /api/v1/live = connmon summary (ESTAB, TIME-WAIT, CLOSE-WAIT, LISTEN)",
          seen[0] == seen[1] == seen[2] and seen[0][0] >= 10, seen)


HOLDER = """
import socket, sys, time
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("127.0.0.1", 7100)); l.listen(16)
keep = []
for _ in range(6):
    c = socket.create_connection(("127.0.0.1", 7100), timeout=5); a, _ = l.accept(); keep += [c, a]
print("held", flush=True)
sys.stdin.readline()
for x in keep: x.close()
l.close()
print("closed", flush=True)
sys.stdin.readline()
"""


def test_scroll_back(s, path):
    base = frame_states(get(path, "/api/v1/live"))[0]
    holder = subprocess.Popen(["ip", "netns", "exec", NS, sys.executable, "-c", HOLDER],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    STARTED.append(holder)
    check("scroll: 12 more established sockets", holder.stdout.readline().strip() == "held")
    f = wait_live(path, lambda f: f["tcp_states"]["established"] >= base + 12)
    check("scroll: the agent sees them", f is not None)
    time.sleep(3.5)  # a few ticks with them
    holder.stdin.write("close\n")
    holder.stdin.flush()
    holder.stdout.readline()
    f = wait_live(path, lambda f: f["tcp_states"]["established"] == base)
    check("scroll: the agent sees them closed", f is not None)
    text = s.wait(r"ESTAB %d " % base, 6)
    check("scroll: live shows them closed", estab(text) == base, screen_states(text))
    found = None
    for _ in range(40):
        s.keys("[", pause=0.2)
        text = s.text()
        if estab(text) >= base + 12:
            found = text
            break
    check("scroll: [ finds the earlier frame with them", found is not None,
          text.splitlines()[0] if text else "")
    if found:
        check("scroll: the header says how far back", re.search(r"\d\d:\d\d:\d\d, \d+s ago",
                                                                found.splitlines()[0]),
              found.splitlines()[0])
    s.keys("L", pause=1.5)
    text = s.text()
    check("scroll: L is live again", estab(text) == base and " ago" not in
          text.splitlines()[0], text.splitlines()[0])
    holder.stdin.close()
    holder.wait(timeout=10)


def test_stale(s, agent, conf, path):
    stop(agent)
    text = s.wait(r"\(stale", 8)
    check("agent stopped: the frame stays, marked stale", "(stale" in text and
          screen_states(text) is not None, text.splitlines()[0])
    check("agent stopped: the status line names the socket", path in text.splitlines()[-1],
          text.splitlines()[-1])
    agent = start_agent(conf)
    text = s.wait(r"the agent answers again", 12)
    check("agent back: top reads it again", "(stale" not in text.splitlines()[0],
          text.splitlines()[0])
    return agent


def test_alerts_view(s, path):
    """The alerts view reads the agent's /api/v1/blocks; u lifts a block as root."""
    db = os.path.join(TMP, "h.db")
    r = sh("ip", "netns", "exec", NS, CONNMON, "block", "--db", db, "198.51.100.9",
           check_rc=False)
    check("connmon block 198.51.100.9", r.returncode == 0, r.stderr.strip())
    s.keys("7")
    text = s.wait(r"^ block .*198\.51\.100\.9", 8)
    check("alerts view: the block, read through the agent's socket",
          re.search(r"^ block .*198\.51\.100\.9", text, re.M) and ("agent " + path)[:30] in text,
          text.splitlines()[2:6])
    s.keys("/")
    tmux("send-keys", "-t", s.name, "-l", "198.51.100.9")
    s.keys("Enter", "u")
    text = s.wait(r"Unblock 198\.51\.100\.9\?", 5)
    check("alerts view: u asks first", "Unblock 198.51.100.9?" in text)
    s.keys("y")
    text = s.wait(r"unblocked 198\.51\.100\.9", 8)
    check("alerts view: unblocked", "unblocked 198.51.100.9" in text, text.splitlines()[-1])
    text = s.wait(r"0 blocks in force", 5)
    check("alerts view: the agent lists none after it", "0 blocks in force" in text,
          text.splitlines()[2])
    s.keys("Escape", "1")


def test_bad_path():
    bad = os.path.join(TMP, "none", "agent.sock")
    r = sh("ip", "netns", "exec", NS, CONNMON, "top", "--agent=" + bad, check_rc=False)
    check("--agent with no agent: exit 2", r.returncode == 2, r.returncode)
    check("--agent with no agent: names the path and the cause",
          bad in r.stderr and "No such file" in r.stderr, r.stderr.strip())


def test_autodetect():
    conf = os.path.join(TMP, "auto.conf")
    with open(conf, "w") as f:
        f.write("[agent]\ninterval = 1s\nlisten = 127.0.0.1:9557\nsocket = "
                "/run/connmon/agent.sock\ndb = %s/auto.db\n" % TMP)
    pidf = os.path.join(TMP, "auto.pid")
    script = ("mount -t tmpfs tmpfs /run && mkdir -p /run/connmon && "
              "{ %s agent --config %s >%s/auto.log 2>&1 & echo $! > %s; } && "
              "n=0; while [ ! -S /run/connmon/agent.sock ] && [ $n -lt 50 ]; do sleep 0.2; "
              "n=$((n+1)); done; sleep 1.5; %s top -i 1 %%s") % (
                  CONNMON, conf, TMP, pidf, CONNMON)
    inner = "ip netns exec %s unshare -m --propagation private sh -c '%s'" % (NS, script)
    try:
        s = Screen("auto", 100, 30, inner % "")
        text = s.wait(r"overview \(agent\)", 15)
        check("autodetect: plain top reads the agent at the default socket",
              "agent /run/connmon/agent.sock" in text.splitlines()[0], text.splitlines()[:1])
        s.keys("q")
        with open(pidf) as f:
            os.kill(int(f.read()), signal.SIGTERM)
        time.sleep(1)
        s = Screen("auto2", 100, 30, inner % "--standalone")
        text = s.wait(r"^overview: \d+ TCP", 15)
        check("autodetect: --standalone collects itself", "standalone" in text.splitlines()[0],
              text.splitlines()[:1])
        s.keys("[")
        check("standalone: scroll back needs an agent",
              "scroll back needs an agent" in s.text().splitlines()[-1], s.text().splitlines()[-1])
        s.keys("q")
    finally:
        if os.path.exists(pidf):
            with open(pidf) as f:
                try:
                    os.kill(int(f.read()), signal.SIGTERM)
                except (ProcessLookupError, ValueError):
                    pass


def run():
    sh("ip", "netns", "add", NS)
    sh("ip", "netns", "exec", NS, "ip", "link", "set", "lo", "up")
    fixture = subprocess.Popen(["ip", "netns", "exec", NS, sys.executable,
                                os.path.join(HERE, "fixture.py")],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    STARTED.append(fixture)
    try:
        if fixture.stdout.readline().split()[:1] != ["ready"]:
            raise RuntimeError("the fixture did not start")
        path = os.path.join(TMP, "agent.sock")
        conf = os.path.join(TMP, "c.conf")
        with open(conf, "w") as f:
            f.write("[agent]\ninterval = 1s\nlisten = 127.0.0.1:9556\nsocket = %s\n"
                    "db = %s/h.db\n" % (path, TMP))
        agent = start_agent(conf)
        check("the agent serves a frame with a census",
              wait_live(path, lambda f: f["tcp_states"]["established"] >= 10) is not None)
        start_tmux_server()
        s = Screen("main", 80, 24, "ip netns exec %s %s top -i 1 --agent=%s" % (NS, CONNMON, path))
        text = s.wait(r"^overview \(agent\)")
        check("header names the agent", ("agent " + path)[:40] in text.splitlines()[0],
              text.splitlines()[0])
        test_numbers(s, path)
        test_views(s, "80x24", path)
        tmux("resize-window", "-t", s.name, "-x", "200", "-y", "50")
        time.sleep(0.5)
        test_views(s, "200x50", path)
        test_scroll_back(s, path)
        agent = test_stale(s, agent, conf, path)
        test_alerts_view(s, path)
        s.keys("q")
        check("q quits with exit code 0", s.exit_code() == 0, s.exit_code())
        check("nothing on stderr (no sanitizer report)", not s.stderr().strip(), s.stderr()[:500])
        test_bad_path()
        test_autodetect()
    finally:
        tmux("kill-server")
        sock = os.path.join(os.environ.get("TMUX_TMPDIR", "/tmp"), "tmux-%d" % os.getuid(), SOCK)
        if os.path.exists(sock):
            os.unlink(sock)
        for p in STARTED:
            if p.poll() is None:
                p.kill()
            p.wait(timeout=5)
        sh("ip", "netns", "del", NS, check_rc=False)


def main():
    global CONNMON, TMP
    if os.geteuid() != 0:
        log("skip: needs root (network namespaces)")
        return 77
    if not shutil.which("tmux") or not shutil.which("unshare"):
        log("skip: needs tmux and unshare")
        return 77
    CONNMON = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory(prefix="cmtopa") as TMP:
        run()
    if FAILURES:
        log("%d check(s) failed: %s" % (len(FAILURES), ", ".join(FAILURES)))
        return 1
    log("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
