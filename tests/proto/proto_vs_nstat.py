#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""connmon proto against nstat, over the same window, in a scratch namespace.

    proto_vs_nstat.py CONNMON

Creates a network namespace, resets nstat's history inside it (a private
NSTAT_HISTORY file), starts `connmon proto -N NS --json` (once with -a, once
with the key list) with a 5 s interval, generates traffic on the namespace's
loopback once both have taken their first sample, lets the namespace go
quiet, and reads `nstat -az` after connmon's second sample.  With no traffic
around the sample points, every delta connmon reports must equal nstat's
exactly, and every counter nstat saw move must be in connmon's -a output.

Traffic: TCP connections with data, connects to a closed port (AttemptFails,
OutRsts), aborts with SO_LINGER 0 (EstabResets), a listener with backlog 1
that is never accepted from (ListenOverflows/ListenDrops, SYN retransmits),
UDP v4/v6 to closed ports (NoPorts), a UDP receiver with a tiny buffer that
never reads (RcvbufErrors), a send to an unrouted address (OutNoRoutes).

Then `-w 1 2 --json` is checked for two interval frames and an average
frame whose deltas are the sums of the intervals'.  Exit 77 without root.
"""
import json
import os
import subprocess
import sys
import tempfile
import time

TRAFFIC = r'''
import errno, socket, struct, time
def tcp_pairs(n):
    l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    l.bind(("127.0.0.1", 7201)); l.listen(64)
    for i in range(n):
        c = socket.create_connection(("127.0.0.1", 7201), timeout=5)
        s, _ = l.accept(); c.sendall(b"x" * 3000); got = 0
        while got < 3000:
            got += len(s.recv(4096))
        if i % 4 == 0:   # abort: RST from an established socket
            c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        c.close(); s.close()
    l.close()
def refused(n):
    for _ in range(n):
        try:
            socket.create_connection(("127.0.0.1", 7202), timeout=5).close()
        except OSError:
            pass
def overflow(n):
    l = socket.socket(); l.bind(("127.0.0.1", 7203)); l.listen(1)
    cs = []
    for _ in range(n):
        c = socket.socket(); c.setblocking(False)
        try:
            c.connect(("127.0.0.1", 7203))
        except BlockingIOError:
            pass
        cs.append(c)
    time.sleep(1.5)   # one SYN retransmission for the dropped ones
    for c in cs:
        c.close()
    l.close()
def udp_closed(fam, addr, n):
    u = socket.socket(fam, socket.SOCK_DGRAM)
    for _ in range(n):
        u.sendto(b"ping", (addr, 7204))
    u.close()
def rcvbuf(n):
    r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    r.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024); r.bind(("127.0.0.1", 7205))
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for _ in range(n):
        s.sendto(b"y" * 1000, ("127.0.0.1", 7205))
    r.close(); s.close()
def noroute():
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.sendto(b"z", ("10.99.0.1", 9))
    except OSError as e:
        assert e.errno == errno.ENETUNREACH, e
    u.close()
def udp6(n):
    r = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); r.bind(("::1", 7206))
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    for _ in range(n):
        s.sendto(b"v6", ("::1", 7206)); r.recv(10)
    r.close(); s.close()
tcp_pairs(20); refused(3); udp_closed(socket.AF_INET, "127.0.0.1", 7)
udp_closed(socket.AF_INET6, "::1", 2); rcvbuf(200); noroute(); udp6(5); overflow(6)
'''

INTERVAL = 5.0


def sh(*args, **kw):
    return subprocess.run(args, check=True, capture_output=True, text=True, **kw)


def nstat_deltas(ns, env):
    out = sh("ip", "netns", "exec", ns, "nstat", "-az", env=env).stdout
    vals = {}
    for line in out.splitlines():
        f = line.split()
        if len(f) >= 2 and not f[0].startswith("#"):
            vals[f[0]] = int(f[1])
    return vals


def check_window(connmon, ns, env, fails):
    sh("ip", "netns", "exec", ns, "nstat", "-n", env=env)
    base = [connmon, "proto", "-N", ns, "--json", "-s", str(INTERVAL)]
    procs = [subprocess.Popen(base + ["-a"], stdout=subprocess.PIPE, text=True),
             subprocess.Popen(base, stdout=subprocess.PIPE, text=True)]
    try:
        time.sleep(1.0)
        t0 = time.monotonic()
        sh("ip", "netns", "exec", ns, "timeout", "10", "python3", "-c", TRAFFIC)
        spent = time.monotonic() - t0
        if spent > INTERVAL - 2.0:
            print(f"traffic took {spent:.1f} s; the window is too tight", file=sys.stderr)
            return 77
        outs = [p.communicate(timeout=30)[0] for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    for p in procs:
        if p.returncode != 0:
            fails.append(f"connmon exited {p.returncode}")
            return 1
    oracle = nstat_deltas(ns, env)
    all_frame, key_frame = json.loads(outs[0]), json.loads(outs[1])
    compare(all_frame, key_frame, oracle, fails)
    return 0


def compare(all_frame, key_frame, oracle, fails):
    moved = {k: v for k, v in oracle.items() if v}
    got = all_frame["counters"]
    for name, v in moved.items():
        if name not in got:
            fails.append(f"-a lacks {name} (nstat: {v})")
        elif got[name].get("delta") != v:
            fails.append(f"-a {name}: connmon {got[name].get('delta')}, nstat {v}")
    for name in got:
        if name not in moved:
            fails.append(f"-a lists {name} that nstat saw unchanged")
    for name, c in key_frame["counters"].items():
        if c is None:
            if name in oracle:
                fails.append(f"key counter {name} missing, nstat has it")
            continue
        if c["delta"] != oracle.get(name, 0):
            fails.append(f"key {name}: connmon {c['delta']}, nstat {oracle.get(name)}")
        rate = c["delta"] / key_frame["interval_s"]
        if abs(c["rate"] - rate) > 0.001 + rate * 1e-6:
            fails.append(f"key {name}: rate {c['rate']} != delta/interval {rate}")
    expect = {"TcpActiveOpens": 20, "TcpAttemptFails": 3, "UdpNoPorts": 7, "Udp6NoPorts": 2,
              "UdpRcvbufErrors": 1, "IpOutNoRoutes": 1, "TcpExtListenOverflows": 1,
              "Udp6InDatagrams": 5, "TcpEstabResets": 1, "TcpRetransSegs": 1}
    for name, least in expect.items():
        if oracle.get(name, 0) < least:
            fails.append(f"traffic did not move {name} (nstat {oracle.get(name)})")
    for name in ("TcpExtListenOverflows", "UdpRcvbufErrors", "IpOutNoRoutes"):
        if key_frame["counters"][name] and not key_frame["counters"][name]["warn"]:
            fails.append(f"{name} moved but is not flagged")
    if not key_frame["warn"]:
        fails.append("frame not flagged despite listen overflows")
    print(f"compared {len(moved)} moved counters, {len(key_frame['counters'])} key counters")


def check_watch(connmon, ns, fails):
    p = subprocess.Popen([connmon, "proto", "-N", ns, "--json", "-a", "-w", "1", "2"],
                         stdout=subprocess.PIPE, text=True)
    try:
        time.sleep(0.5)
        sh("ip", "netns", "exec", ns, "timeout", "10", "python3", "-c",
           TRAFFIC.split("tcp_pairs(20)")[0] + "tcp_pairs(3); udp_closed(socket.AF_INET, '127.0.0.1', 2)")
        out = p.communicate(timeout=30)[0]
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    frames = [json.loads(line) for line in out.splitlines()]
    if [f["kind"] for f in frames] != ["interval", "interval", "average"]:
        fails.append(f"-w 1 2 frames: {[f.get('kind') for f in frames]}")
        return
    avg = frames[2]
    if avg["intervals"] != 2:
        fails.append(f"average spans {avg['intervals']} intervals")
    names = set(frames[0]["counters"]) | set(frames[1]["counters"])
    for name in names | set(avg["counters"]):
        total = sum((f["counters"].get(name) or {}).get("delta") or 0 for f in frames[:2])
        if (avg["counters"].get(name) or {}).get("delta", 0) != total:
            fails.append(f"average {name}: {avg['counters'].get(name)} != sum {total}")


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    connmon = os.path.abspath(sys.argv[1])
    if os.geteuid() != 0 or subprocess.run(["ip", "netns", "list"], capture_output=True).returncode:
        print("needs root and ip netns", file=sys.stderr)
        return 77
    ns = f"cmproto-{os.getpid()}"
    fails = []
    with tempfile.TemporaryDirectory(prefix="cmproto-") as tmp:
        env = dict(os.environ, NSTAT_HISTORY=os.path.join(tmp, "nstat.hist"))
        try:
            sh("ip", "netns", "add", ns)
            sh("ip", "-n", ns, "link", "set", "lo", "up")
            time.sleep(0.5)
            ret = check_window(connmon, ns, env, fails)
            if ret:
                return ret
            check_watch(connmon, ns, fails)
        finally:
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)
    for f in fails:
        print("FAIL:", f)
    print(f"{len(fails)} failures")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
