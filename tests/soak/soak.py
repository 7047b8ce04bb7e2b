#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Soak test: every repeating mode of connmon for minutes under churn, and
nothing may grow with time.

usage: soak.py PATH/TO/connmon        (SOAK_SECONDS, default 180)

Two network namespaces joined by a veth pair (10.77.0.1 in A, 10.77.0.2 in
B), created here and deleted afterwards.  For SOAK_SECONDS, all bounded:
  - connections: short TCP connections from B to a server in A (about 20 per
    second) beside a few long-lived ones that keep moving bytes;
  - processes: a new short-lived process in A every 0.25 s that connects to
    B, sends 2 kB and exits (about 700 in three minutes);
  - namespaces: one created every 3 s and deleted 6 s later;
  - interfaces: a veth pair created in A every second, the previous one
    deleted.
Meanwhile every repeating mode runs with CONNMON_SELFSTATS (one JSON line
per tick: resident memory and the size of every table it keeps):
  sockets -tanr -w 1, summary -w 1, the overview -w 1, ifaces -w 1,
  proto -w 1, procs -w 1 with the tcpinfo engine, with the capture engine,
  and with --all-netns, and flows on A's veth.
Then each is ended with SIGINT and must exit 0.  Flat means: after the first
third (warm-up), the largest value of every table and of the memory in the
last third exceeds the largest of the middle third by no more than the slack
below; a table that grows with the churn fails.
Exit 0 pass, 1 fail, 77 skip (not root, no `ip netns`).
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import socket

SKIP = 77
TAG = "%d" % os.getpid()
NS_A, NS_B = "cmsoak-a-" + TAG, "cmsoak-b-" + TAG
IF_A, IF_B = "cmsk" + TAG[-5:] + "a", "cmsk" + TAG[-5:] + "b"
ADDR_A, ADDR_B = "10.77.0.1", "10.77.0.2"
SECONDS = float(os.environ.get("SOAK_SECONDS", "180"))
# growth allowed from the middle third to the last: tables by count, memory in KiB
# (a leak under this churn adds hundreds of entries a minute; tables that are
# rebuilt periodically swing by a few dozen)
TABLE_SLACK = lambda mid: max(64, mid * 0.25)
RSS_SLACK_KIB = 3072

fails = []
procs = []
ns_made = []
stop = threading.Event()


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def sh(*argv, check=True):
    r = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    if check and r.returncode != 0:
        raise RuntimeError("%s: %s" % (" ".join(argv), r.stderr.strip()))
    return r


def setup():
    for ns in (NS_A, NS_B):
        sh("ip", "netns", "add", ns)
        ns_made.append(ns)
        sh("ip", "-n", ns, "link", "set", "lo", "up")
    sh("ip", "link", "add", IF_A, "netns", NS_A, "type", "veth", "peer", "name", IF_B,
       "netns", NS_B)
    sh("ip", "-n", NS_A, "addr", "add", ADDR_A + "/24", "dev", IF_A)
    sh("ip", "-n", NS_B, "addr", "add", ADDR_B + "/24", "dev", IF_B)
    sh("ip", "-n", NS_A, "link", "set", IF_A, "up")
    sh("ip", "-n", NS_B, "link", "set", IF_B, "up")


SERVER = r'''
import socket, sys, threading, time
addr, port, secs = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
end = time.monotonic() + secs
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind((addr, port)); l.listen(256); l.settimeout(1)
def serve(c):
    c.settimeout(5)
    try:
        while time.monotonic() < end:
            d = c.recv(65536)
            if not d:
                break
            c.sendall(d[:64])
    except OSError:
        pass
    c.close()
print("ready", flush=True)
while time.monotonic() < end:
    try:
        c, _ = l.accept()
    except OSError:
        continue
    threading.Thread(target=serve, args=(c,), daemon=True).start()
'''

# Three CLOSE-WAIT sockets held for the whole run (their clients closed at
# once): the CLOSE-WAIT holders' /proc walk runs on every tick from the first,
# so its tables are judged flat like the rest, not seen for the first time in
# the last third when a short-lived process happens to sit in CLOSE-WAIT.
LEAKER = r'''
import socket, sys, time
addr, secs = sys.argv[1], float(sys.argv[2])
srv = socket.socket()
srv.bind((addr, 7002))
srv.listen(8)
held = []
for _ in range(3):
    c = socket.create_connection((addr, 7002))
    held.append(srv.accept()[0])
    c.close()
print("ready", flush=True)
time.sleep(secs)
'''

CLIENTS = r'''
import socket, sys, time
addr, port, secs = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
end = time.monotonic() + secs
longs = []
for i in range(4):
    s = socket.create_connection((addr, port)); longs.append(s)
n = 0
while time.monotonic() < end:
    for s in longs:
        s.sendall(b"x" * 1000); s.recv(100)
    try:
        c = socket.create_connection((addr, port), timeout=2)
        c.sendall(b"y" * 200); c.recv(100); c.close()
    except OSError:
        pass
    n += 1
    time.sleep(0.05)
print(n, flush=True)
'''


def start(argv, **kw):
    p = subprocess.Popen(argv, **kw)
    procs.append(p)
    return p


def churn_processes(deadline):
    """A new short-lived process in A every 0.25 s that sends 2 kB to B."""
    n = 0
    while time.monotonic() < deadline and not stop.is_set():
        subprocess.run(["ip", "netns", "exec", NS_A, "bash", "-c",
                        "exec 3<>/dev/tcp/%s/7001 && head -c 2000 /dev/zero >&3; exec 3>&-" % ADDR_B],
                       capture_output=True, timeout=10)
        n += 1
        time.sleep(0.25)
    return n


def churn_namespaces(deadline):
    alive, n = [], 0
    while time.monotonic() < deadline and not stop.is_set():
        name = "cmsoak-t-%s-%d" % (TAG, n)
        if sh("ip", "netns", "add", name, check=False).returncode == 0:
            alive.append(name)
            sh("ip", "-n", name, "link", "set", "lo", "up", check=False)
        n += 1
        while len(alive) > 2:
            sh("ip", "netns", "del", alive.pop(0), check=False)
        stop.wait(3)
    for name in alive:
        sh("ip", "netns", "del", name, check=False)
    return n


def churn_interfaces(deadline):
    prev, n = None, 0
    while time.monotonic() < deadline and not stop.is_set():
        name = "cmc%d" % (n % 10000)
        if sh("ip", "-n", NS_A, "link", "add", name + "a", "type", "veth", "peer", "name",
              name + "b", check=False).returncode == 0:
            sh("ip", "-n", NS_A, "link", "set", name + "a", "up", check=False)
        if prev:
            sh("ip", "-n", NS_A, "link", "del", prev + "a", check=False)
        prev, n = name, n + 1
        stop.wait(1)
    if prev:
        sh("ip", "-n", NS_A, "link", "del", prev + "a", check=False)
    return n


MODES = {
    "sockets": ["sockets", "-tanr", "-w", "1"],
    "summary": ["summary", "-w", "1"],
    "overview": ["-w", "1"],
    "ifaces": ["ifaces", "-w", "1"],
    "proto": ["proto", "-w", "1"],
    "procs-tcpinfo": ["procs", "--engine", "tcpinfo", "-w", "1", "--json"],
    "procs-capture": ["procs", "--engine", "capture", "-i", "any", "-w", "1", "--json"],
    "procs-allnetns": ["procs", "--engine", "tcpinfo", "--all-netns", "-w", "1", "--json"],
    "flows": ["flows", "-i", IF_A],
    # The agent: a ring of one minute, so series that churn (peers, processes)
    # expire within the run and its tables must be flat after warm-up.
    "agent": ["agent", "--config", "{tmp}/agent.conf", "--db", "{tmp}/agent.db"],
}
AGENT_CONF = ("[agent]\nlisten = 127.0.0.1:19557\nwrite_interval = 5s\n[series]\nring = 1m\n"
              "[store]\nidle = 1m\n")


def read_stats(path):
    rows = []
    with open(path) as f:
        for line in f:
            try:
                rows.append(json.loads(line))
            except ValueError:
                fails.append("%s: a line that is not JSON: %r" % (path, line[:80]))
    return rows


def judge(mode, rows):
    n = len(rows)
    if n < 12:
        fails.append("%s: only %d ticks recorded" % (mode, n))
        return
    mid, last = rows[n // 3: 2 * n // 3], rows[2 * n // 3:]
    series = {"rss_kib": [r["rss_kib"] for r in rows]}
    for r in rows:
        for k in r["tables"]:
            series.setdefault(k, [])
    for k in series:
        if k != "rss_kib":
            series[k] = [r["tables"].get(k, 0) for r in rows]
    for k, v in sorted(series.items()):
        m, l = max(v[n // 3: 2 * n // 3]), max(v[2 * n // 3:])
        slack = RSS_SLACK_KIB if k == "rss_kib" else TABLE_SLACK(m)
        verdict = "ok" if l <= m + slack else "GROWS"
        log("  %-15s %-15s first %8d  middle max %8d  last max %8d  %s"
            % (mode, k, v[0], m, l, verdict))
        if verdict != "ok":
            fails.append("%s: %s grows from %d to %d after warm-up" % (mode, k, m, l))


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    cm = os.path.abspath(sys.argv[1])
    if os.geteuid() != 0 or not shutil.which("ip"):
        print("SKIP: needs root and ip netns")
        return SKIP
    tmp = tempfile.mkdtemp(prefix="cmsoak.")
    try:
        setup()
    except RuntimeError as e:
        print("SKIP: cannot build the namespaces: %s" % e)
        cleanup(tmp)
        return SKIP
    try:
        return run(cm, tmp)
    finally:
        cleanup(tmp)


def run(cm, tmp):
    secs = SECONDS
    srv = start(["ip", "netns", "exec", NS_A, sys.executable, "-c", SERVER, ADDR_A, "7000",
                 str(secs + 30)], stdout=subprocess.PIPE, text=True)
    sink = start(["ip", "netns", "exec", NS_B, sys.executable, "-c", SERVER, ADDR_B, "7001",
                  str(secs + 30)], stdout=subprocess.PIPE, text=True)
    leaker = start(["ip", "netns", "exec", NS_A, sys.executable, "-c", LEAKER, ADDR_A,
                    str(secs + 30)], stdout=subprocess.PIPE, text=True)
    if (srv.stdout.readline().strip() != "ready" or sink.stdout.readline().strip() != "ready"
            or leaker.stdout.readline().strip() != "ready"):
        fails.append("the servers did not start")
        return 1
    env = dict(os.environ)
    # a small quarantine: freed memory returns, so the resident size means something
    env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":quarantine_size_mb=4:detect_leaks=0"
    mons = {}
    with open(os.path.join(tmp, "agent.conf"), "w") as f:
        f.write(AGENT_CONF)
    for mode, args in MODES.items():
        args = [a.replace("{tmp}", tmp) for a in args]
        e = dict(env, CONNMON_SELFSTATS=os.path.join(tmp, mode + ".jsonl"))
        pre = [] if mode == "procs-allnetns" else ["ip", "netns", "exec", NS_A]
        out = open(os.path.join(tmp, mode + ".out"), "wb")
        err = open(os.path.join(tmp, mode + ".err"), "wb")
        mons[mode] = start(pre + [cm] + args, stdout=out, stderr=err, env=e)
    deadline = time.monotonic() + secs
    clients = start(["ip", "netns", "exec", NS_B, sys.executable, "-c", CLIENTS, ADDR_A, "7000",
                     str(secs)], stdout=subprocess.PIPE, text=True)
    counts = {}
    threads = [threading.Thread(target=lambda f=f, k=k: counts.__setitem__(k, f(deadline)))
               for k, f in (("processes", churn_processes), ("namespaces", churn_namespaces),
                            ("interfaces", churn_interfaces))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    counts["connections"] = int((clients.communicate(timeout=60)[0] or "0").strip() or 0)
    log("churn: %s" % counts)
    for k, least in (("processes", secs), ("interfaces", secs / 3), ("namespaces", secs / 10),
                     ("connections", secs * 5)):
        if counts.get(k, 0) < least:
            fails.append("churn too small to prove anything: %d %s" % (counts.get(k, 0), k))
    for mode, p in mons.items():
        p.send_signal(signal.SIGINT)
    for mode, p in mons.items():
        try:
            rc = p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
            rc = "hung"
        if rc != 0:
            fails.append("%s: exit %s: %s" % (mode, rc, open(os.path.join(tmp, mode + ".err"), "rb")
                                             .read()[-300:].decode(errors="replace")))
    for mode in MODES:
        judge(mode, read_stats(os.path.join(tmp, mode + ".jsonl")))
    for f in fails:
        log("FAIL: " + f)
    log("%d failures" % len(fails))
    return 1 if fails else 0


def cleanup(tmp):
    stop.set()
    for p in procs:
        if p.poll() is None:
            p.kill()
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
    for ns in ns_made:
        sh("ip", "netns", "del", ns, check=False)
    r = sh("ip", "netns", "list", check=False)
    for line in r.stdout.splitlines():
        name = line.split()[0] if line.split() else ""
        if name.startswith("cmsoak-t-%s-" % TAG):
            sh("ip", "netns", "del", name, check=False)
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
