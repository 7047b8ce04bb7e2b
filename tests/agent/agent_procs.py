#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The agent's per-process traffic adds up to what the processes moved.

Two namespaces joined by a veth pair: A (where the agent and two servers
run) and B (one client).  Each server names itself (prctl PR_SET_NAME, so
/proc/PID/comm says it), accepts one long-lived connection, counts every
byte it receives until the client says it is done, then sends a known reply
and keeps the connection open.  The client paces 20 MiB to one server and
5 MiB to the other over about 10 s.  After the agent has seen the quiet end
it is stopped with SIGTERM, and `history procs --json` over the run must
give each server (by comm and pid) its received and sent bytes within 2 %,
and every process series must be a counter that never went down.
Exit 77 without root or `ip netns`.
"""

import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time

CM = os.path.abspath(sys.argv[1])
PID = os.getpid()
NS_A, NS_B = f"cmpr{PID}a", f"cmpr{PID}b"
VA, VB = f"cmpa{PID % 100000}", f"cmpb{PID % 100000}"
ADDR_A, ADDR_B = "10.78.0.1", "10.78.0.2"
MIB = 1 << 20
# name (at most 15 bytes: the kernel's comm), port, bytes to receive, bytes to send back
SERVERS = [(f"cmbig{PID % 100000}", 8081, 20 * MIB, 3 * MIB),
           (f"cmsmall{PID % 100000}", 8082, 5 * MIB, 1 * MIB)]
MARK = b"\x00done"  # the client's last bytes; counted too

SERVER = r"""
import ctypes, socket, sys, time
name, addr, port, reply = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
ctypes.CDLL(None).prctl(15, name.encode(), 0, 0, 0)   # PR_SET_NAME
ls = socket.socket(); ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind((addr, port)); ls.listen(4)
print("ready", flush=True)
c, _ = ls.accept()
got, tail = 0, b""
while not tail.endswith(b"\x00done"):
    d = c.recv(1 << 16)
    if not d:
        break
    got += len(d); tail = (tail + d)[-5:]
c.sendall(b"r" * reply)
print(got, flush=True)
sys.stdin.readline()     # the connection stays open until the test is done
"""

CLIENT = r"""
import socket, sys, time
addr = sys.argv[1]
plan = [tuple(map(int, a.split(":"))) for a in sys.argv[2:]]    # port:bytes:reply
conns = [socket.create_connection((addr, p)) for p, _, _ in plan]
steps = 40                         # 40 x 0.25 s
for i in range(steps):
    t = time.monotonic()
    for s, (_, n, _) in zip(conns, plan):
        s.sendall(b"x" * (n // steps + (n % steps if i == steps - 1 else 0)))
    time.sleep(max(0.0, 0.25 - (time.monotonic() - t)))
for s in conns:
    s.sendall(b"\x00done")
got = []
for s, (_, _, reply) in zip(conns, plan):
    s.settimeout(30)
    total = 0
    while total < reply:
        d = s.recv(1 << 16)
        if not d:
            break
        total += len(d)
    got.append(total)
print(" ".join(map(str, got)), flush=True)
sys.stdin.readline()     # the connections stay open until the test is done
"""


def sh(*args, check=True, **kw):
    return subprocess.run(args, check=check, text=True, capture_output=True, **kw)


def setup():
    sh("ip", "netns", "add", NS_A)
    sh("ip", "netns", "add", NS_B)
    sh("ip", "link", "add", VA, "netns", NS_A, "type", "veth", "peer", "name", VB,
       "netns", NS_B)
    for ns, dev, addr in ((NS_A, VA, ADDR_A), (NS_B, VB, ADDR_B)):
        sh("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1")
        sh("ip", "-n", ns, "addr", "add", addr + "/24", "dev", dev)
        sh("ip", "-n", ns, "link", "set", dev, "up")
        sh("ip", "-n", ns, "link", "set", "lo", "up")


def teardown(procs):
    # `ip netns exec` execs its command: each PID is the process we started.
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait()
    for ns in (NS_A, NS_B):
        sh("ip", "netns", "del", ns, check=False)


def spawn(procs, ns, *argv, **kw):
    p = subprocess.Popen(["ip", "netns", "exec", ns, *argv], text=True, **kw)
    procs.append(p)
    return p


def readline(p, what, secs=60):
    """A line of p's stdout, or a failure after secs (the pipe is polled, never waited on)."""
    end = time.monotonic() + secs
    while time.monotonic() < end:
        r, _, _ = select.select([p.stdout], [], [], 0.5)
        if r:
            line = p.stdout.readline()
            if line:
                return line.strip()
            break
    raise SystemExit(f"FAIL: no answer from {what}")


def check_counters(db):
    """Every stored process series is a counter (history series --json lists them)."""
    r = sh(CM, "history", "series", "--json", "--db", db, check=False)
    listing = json.loads(r.stdout or "[]")
    procs = [s for s in listing if s["name"].startswith("connmon_process_")
             and s["name"].endswith("_bytes_total")]
    return [f"{s['name']}{{{s['labels']}}} is a {s['kind']}" for s in procs
            if s["kind"] != "counter"], len(procs)


def main():
    if os.geteuid() != 0 or not shutil.which("ip"):
        print("SKIP: needs root and ip netns")
        return 77
    tmp = tempfile.mkdtemp(prefix="cmprocs.")
    db = os.path.join(tmp, "connmon.db")
    conf = os.path.join(tmp, "connmon.conf")
    with open(conf, "w") as f:
        f.write("[agent]\nlisten = off\nwrite_interval = 2s\n")
    procs = []
    try:
        setup()
        servers = []
        for name, port, _, reply in SERVERS:
            s = spawn(procs, NS_A, sys.executable, "-c", SERVER, name, ADDR_A, str(port),
                      str(reply), stdin=subprocess.PIPE, stdout=subprocess.PIPE)
            if readline(s, name) != "ready":
                raise SystemExit(f"FAIL: server {name} did not start")
            servers.append(s)
        agent = spawn(procs, NS_A, CM, "agent", "--config", conf, "--db", db, "--interval",
                      "1", stderr=subprocess.PIPE)
        t0 = int(time.time()) - 1
        time.sleep(2.5)  # the first census is the baseline; the connections come after it
        client = spawn(procs, NS_B, sys.executable, "-c", CLIENT, ADDR_A,
                       *[f"{port}:{n}:{reply}" for _, port, n, reply in SERVERS],
                       stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        received = [int(readline(s, "server", 60)) for s in servers]
        sent_back = [int(x) for x in readline(client, "client", 60).split()]
        time.sleep(3.5)  # two censuses see the quiet end, then it is published
        agent.send_signal(signal.SIGTERM)
        _, err = agent.communicate(timeout=30)
        t1 = int(time.time()) + 2
        if agent.returncode != 0:
            print(err, file=sys.stderr)
            print(f"FAIL: the agent exited {agent.returncode} after SIGTERM")
            return 1
        r = sh(CM, "history", "procs", "--json", "--db", db, "--since", f"@{t0}", "--until",
               f"@{t1}", check=False)
        if r.returncode != 0:
            print(f"FAIL: history procs: {r.stderr}")
            return 1
        rows = {row["comm"]: row for row in json.loads(r.stdout)["rows"]}
        print("history procs:", json.dumps(rows), file=sys.stderr)
        bad = []
        for (name, _, want_rx, want_tx), s, rx, tx in zip(SERVERS, servers, received, sent_back):
            if rx != want_rx + len(MARK) or tx != want_tx:
                bad.append(f"{name}: the workload moved rx {rx} tx {tx}, not as planned")
                continue
            row = rows.get(f"{name}/{s.pid}")
            if not row:
                bad.append(f"{name}/{s.pid}: no row in history procs")
                continue
            for key, want in (("rx_bytes", rx), ("tx_bytes", tx)):
                got = row[key] or 0
                print(f"{name} {key}: history {got:.0f}, moved {want}", file=sys.stderr)
                if abs(got - want) > 0.02 * want:
                    bad.append(f"{name} {key}: history says {got:.0f}, it moved {want}")
        wrong, nr_series = check_counters(db)
        bad += wrong
        if nr_series < 4:
            bad.append(f"only {nr_series} process series stored")
        if bad:
            print("FAIL: per-process totals:\n  " + "\n  ".join(bad))
            return 1
        print("ok: per-process totals within 2 % of what the processes moved")
        return 0
    finally:
        teardown(procs)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
