#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""`connmon ifaces` against the kernel's own interface counters.

Two network namespaces made here (cmif-PID-a, cmif-PID-b) are joined by a
veth pair veth-a 10.77.0.1/24 <-> veth-b 10.77.0.2/24, IPv6 off on both so
nothing but the test's traffic crosses the link.  Then:

1. exact counts: `connmon ifaces -N A --json -i veth-a -w 1 4` runs while a
   TCP sender in A writes N bytes to a receiver in B and a UDP sender in B
   sends M datagrams of S bytes to a receiver in A, started after connmon's
   first interval and finished before its last sample.  The sum of connmon's
   per-interval deltas must equal the kernel's counters (ip -s -j link)
   read before connmon starts and after it ends, for every counter ip
   reports; each interval's delta must equal the change of connmon's own
   totals; rate * interval = delta; and the known transfer is all there
   (TCP payload, M datagrams with their 42 bytes of headers).
2. no speed on a veth: speed and utilisation null in JSON, "unknown" in text.
3. appear/vanish: a veth pair created and another deleted during an
   interval get "no rate" (null), never a number; in text a vanished
   interface says GONE, and after a re-creation the Average tells the old
   (GONE) from the new one.
4. usage errors and --csv shape.

Needs root and `ip netns`; exits 77 (skipped) otherwise.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time

SKIP = 77
N_TCP = 3_000_000
M_UDP = 200
S_UDP = 1200
UDP_WIRE = S_UDP + 8 + 20 + 14   # payload + UDP + IPv4 + Ethernet
PID = os.getpid()
A = f"cmif-{PID}-a"
B = f"cmif-{PID}-b"
procs = []
failures = []


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def check(cond, what):
    if not cond:
        failures.append(what)
        log("FAIL:", what)


def sh(*args, ns=None, **kw):
    cmd = (["ip", "netns", "exec", ns] if ns else []) + list(args)
    return subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=30, **kw)


def cleanup():
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait()
    for ns in (A, B):
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)


def setup():
    sh("ip", "netns", "add", A)
    sh("ip", "netns", "add", B)
    for ns in (A, B):
        sh("sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1", ns=ns)
        sh("sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1", ns=ns)
        sh("ip", "link", "set", "lo", "up", ns=ns)
    sh("ip", "-n", A, "link", "add", "veth-a", "type", "veth", "peer", "name", "veth-b",
       "netns", B)
    sh("ip", "-n", A, "addr", "add", "10.77.0.1/24", "dev", "veth-a")
    sh("ip", "-n", B, "addr", "add", "10.77.0.2/24", "dev", "veth-b")
    sh("ip", "-n", A, "link", "set", "veth-a", "up")
    sh("ip", "-n", B, "link", "set", "veth-b", "up")


def kernel_stats(ns, dev):
    """The kernel's 64-bit counters as ip reports them, in connmon's key names."""
    j = json.loads(sh("ip", "-n", ns, "-s", "-s", "-j", "link", "show", "dev", dev).stdout)[0]
    st = j["stats64"]
    rx, tx = st["rx"], st["tx"]
    out = {
        "rx_bytes": rx["bytes"], "rx_packets": rx["packets"], "rx_errors": rx["errors"],
        "rx_dropped": rx["dropped"], "multicast": rx["multicast"],
        "tx_bytes": tx["bytes"], "tx_packets": tx["packets"], "tx_errors": tx["errors"],
        "tx_dropped": tx["dropped"], "collisions": tx["collisions"],
    }
    for k, name in (("length_errors", "rx_length_errors"), ("crc_errors", "rx_crc_errors"),
                    ("frame_errors", "rx_frame_errors"), ("fifo_errors", "rx_fifo_errors"),
                    ("missed_errors", "rx_missed_errors")):
        if k in rx:
            out[name] = rx[k]
    for k, name in (("aborted_errors", "tx_aborted_errors"), ("fifo_errors", "tx_fifo_errors"),
                    ("window_errors", "tx_window_errors"),
                    ("heartbeat_errors", "tx_heartbeat_errors"),
                    ("carrier_errors", "tx_carrier_errors")):
        if k in tx:
            out[name] = tx[k]
    return out


TCP_RECV = r"""
import socket, sys
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("10.77.0.2", 5001)); l.listen(1)
print("ready", flush=True)
c, _ = l.accept(); n = 0
while True:
    b = c.recv(65536)
    if not b: break
    n += len(b)
c.close(); print(n, flush=True)
"""
TCP_SEND = r"""
import socket, sys
n = int(sys.argv[1]); s = socket.create_connection(("10.77.0.2", 5001), timeout=10)
s.sendall(b"t" * n); s.shutdown(socket.SHUT_WR)
while s.recv(65536): pass
s.close(); print("sent", flush=True)
"""
UDP_RECV = r"""
import socket, sys
m = int(sys.argv[1]); u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("10.77.0.1", 5002)); u.settimeout(8)
print("ready", flush=True); n = 0
try:
    while n < m:
        u.recv(65536); n += 1
except socket.timeout:
    pass
print(n, flush=True)
"""
UDP_SEND = r"""
import socket, sys, time
m, size = int(sys.argv[1]), int(sys.argv[2]); u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(m):
    u.sendto(b"u" * size, ("10.77.0.1", 5002))
    if i % 20 == 19: time.sleep(0.01)
print("sent", flush=True)
"""


def start(ns, code, *args):
    p = subprocess.Popen(["ip", "netns", "exec", ns, "python3", "-c", code, *map(str, args)],
                         stdout=subprocess.PIPE, text=True)
    procs.append(p)
    return p


def wait_line(p, timeout=10):
    """One line from p's stdout, bounded in time."""
    import select
    r, _, _ = select.select([p.stdout], [], [], timeout)
    if not r:
        raise RuntimeError("timed out waiting for a line")
    return p.stdout.readline().strip()


def exact_counts(connmon):
    before = kernel_stats(A, "veth-a")
    cm = subprocess.Popen([connmon, "ifaces", "-N", A, "--json", "-i", "veth-a", "-w", "1", "4"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    procs.append(cm)
    tcp_rx = start(B, TCP_RECV)
    udp_rx = start(A, UDP_RECV, M_UDP)
    check(wait_line(tcp_rx) == "ready" and wait_line(udp_rx) == "ready", "receivers ready")
    lines = [wait_line(cm, 5)]           # the first interval: before any traffic
    t0 = time.monotonic()
    tcp_tx = start(A, TCP_SEND, N_TCP)
    udp_tx = start(B, UDP_SEND, M_UDP, S_UDP)
    check(wait_line(tcp_tx) == "sent" and wait_line(udp_tx) == "sent", "senders done")
    got_tcp = int(wait_line(tcp_rx))
    got_udp = int(wait_line(udp_rx))
    took = time.monotonic() - t0
    out, err = cm.communicate(timeout=15)
    after = kernel_stats(A, "veth-a")
    lines += [l for l in out.splitlines() if l.strip()]
    check(cm.returncode == 0, f"connmon exit {cm.returncode}: {err}")
    check(took < 2.5, f"transfer took {took:.2f}s: not inside connmon's window")
    check(got_tcp == N_TCP, f"TCP receiver got {got_tcp} of {N_TCP}")
    check(got_udp == M_UDP, f"UDP receiver got {got_udp} of {M_UDP}")
    docs = [json.loads(l) for l in lines]
    intervals = [d for d in docs if not d["average"]]
    avg = [d for d in docs if d["average"]]
    check(len(intervals) == 4 and len(avg) == 1, f"4 intervals + Average, got {len(docs)} docs")
    rows = [d["interfaces"][0] for d in intervals]
    for r in rows:
        check(r["name"] == "veth-a" and r["rate"] is True, f"row {r['name']} has a rate")
        check(r["kind"] == "veth", "kind veth")
        check(r["speed_mbps"] is None and r["util_pct"] is None and r["duplex"] is None,
              "veth: speed, duplex and utilisation unknown")
        for k in ("rx_bytes", "tx_bytes", "rx_packets", "tx_packets"):
            want = r[k] / r["interval_s"]
            check(abs(r[k + "_per_s"] - want) <= 1e-3 + 1e-6 * want, f"{k}_per_s = delta/interval")
    for prev, cur in zip(rows, rows[1:]):
        for k, v in cur["totals"].items():
            check(cur[k] == v - prev["totals"][k], f"{k}: delta = change of totals")
    for k in sorted(before):
        summed = sum(r[k] for r in rows)
        check(summed == after[k] - before[k],
              f"{k}: connmon {summed} vs kernel {after[k] - before[k]}")
    tx = sum(r["tx_bytes"] for r in rows)
    rxp = sum(r["rx_packets"] for r in rows)
    rxb = sum(r["rx_bytes"] for r in rows)
    check(tx >= N_TCP, f"tx_bytes {tx} holds the {N_TCP} TCP bytes")
    check(rxp >= M_UDP and rxb >= M_UDP * UDP_WIRE, f"rx holds {M_UDP} datagrams: {rxp} {rxb}")
    check(rows[0]["tx_bytes"] == 0 and rows[0]["rx_bytes"] == 0, "first interval is quiet")
    a = avg[0]["interfaces"][0] if avg else {}
    total_s = sum(r["interval_s"] for r in rows)
    if a:
        check(a["tx_bytes"] == tx, "Average: the summed delta")
        check(abs(a["tx_bytes_per_s"] - tx / total_s) <= 1e-3 + 1e-6 * tx,
              "Average: per second over all intervals")
    log(f"exact: tx {tx} B, rx {rxp} pkts / {rxb} B over {total_s:.3f} s; kernel agrees")


def no_speed_text(connmon):
    out = subprocess.run([connmon, "ifaces", "-N", A, "-i", "veth-a", "-s", "0.2", "--wide"],
                         capture_output=True, text=True, timeout=10)
    check(out.returncode == 0, "text one-shot exits 0")
    row = [l for l in out.stdout.splitlines() if " veth-a " in l]
    check(len(row) == 1 and "unknown" in row[0] and row[0].split()[-1] == "UP",
          f"--wide text row says unknown speed and UP: {row}")
    out = subprocess.run([connmon, "ifaces", "-N", A, "-s", "0.2"],
                         capture_output=True, text=True, timeout=10)
    lines = out.stdout.splitlines()
    check(out.returncode == 0 and lines and max(len(l) for l in lines) <= 80,
          f"default text fits 80 columns: {lines}")
    check("speed" not in lines[0] and "%util" in lines[0], f"80 columns: no speed: {lines[:1]}")
    csv = subprocess.run([connmon, "ifaces", "-N", A, "--csv", "-i", "veth-a,lo",
                          "-s", "0.2"], capture_output=True, text=True, timeout=10)
    lines = csv.stdout.splitlines()
    check(len(lines) == 3 and lines[0].startswith("time,iface,"), f"CSV: header + 2 rows")


def appear_vanish(connmon):
    sh("ip", "-n", A, "link", "add", "gone-a", "type", "veth", "peer", "name", "gone-b")
    sh("ip", "-n", A, "link", "set", "gone-a", "up")
    sh("ip", "-n", A, "link", "set", "gone-b", "up")
    cm = subprocess.Popen([connmon, "ifaces", "-N", A, "--json", "-w", "1", "2"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    procs.append(cm)
    time.sleep(0.4)
    sh("ip", "-n", A, "link", "del", "gone-a")
    sh("ip", "-n", A, "link", "add", "new-a", "type", "veth", "peer", "name", "new-b")
    out, err = cm.communicate(timeout=10)
    docs = [json.loads(l) for l in out.splitlines() if l.strip()]
    check(cm.returncode == 0 and len(docs) == 3, f"-w 1 2: 2 intervals + Average ({err})")
    first = {r["name"]: r for r in docs[0]["interfaces"]}
    second = {r["name"]: r for r in docs[1]["interfaces"]}
    for name, why in (("gone-a", "gone"), ("gone-b", "gone"), ("new-a", "new"), ("new-b", "new")):
        r = first.get(name)
        check(r is not None and r["rate"] is False and r["no_rate"] == why,
              f"{name}: no rate ({why}) in the interval it changed")
        if r:
            check(all(r[k] is None for k in ("rx_bytes", "tx_bytes_per_s", "rx_packets_per_s")),
                  f"{name}: null rates, no spike")
    check("gone-a" not in second and second.get("new-a", {}).get("rate") is True,
          "the next interval: gone-a absent, new-a has a rate")
    check(first.get("veth-a", {}).get("rate") is True, "veth-a unaffected")
    check(docs[2].get("gone_dropped") == 0, "Average: no vanished interface dropped")


def vanished_text(connmon):
    """Text says GONE (not UP) for a vanished interface, also in the Average
    after a re-creation, where the old and the new one must differ."""
    sh("ip", "-n", A, "link", "add", "re-a", "type", "veth", "peer", "name", "re-b")
    sh("ip", "-n", A, "link", "set", "re-a", "up")
    sh("ip", "-n", A, "link", "set", "re-b", "up")
    cm = subprocess.Popen([connmon, "ifaces", "-N", A, "-w", "1", "2"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    procs.append(cm)
    time.sleep(1.4)
    sh("ip", "-n", A, "link", "del", "re-a")
    sh("ip", "-n", A, "link", "add", "re-a", "type", "veth", "peer", "name", "re-b")
    sh("ip", "-n", A, "link", "set", "re-a", "up")
    sh("ip", "-n", A, "link", "set", "re-b", "up")
    out, err = cm.communicate(timeout=10)
    check(cm.returncode == 0, f"-w 1 2 text: exit {cm.returncode} ({err})")
    lines = out.splitlines()
    check(max(len(l) for l in lines) <= 80, "vanished/new rows fit 80 columns")
    rows = [l.split() for l in lines if len(l.split()) > 1 and l.split()[1] == "re-a"]
    interval = [r for r in rows if r[0] != "Average:"]
    avg = [r for r in rows if r[0] == "Average:"]
    check(any(r[-1] == "GONE" and "vanished" in r for r in interval),
          f"the interval it vanished in says GONE: {interval}")
    check(not any(r[-1] == "UP" and "vanished" in r for r in rows), "a vanished row never says UP")
    check(len(avg) == 2 and sorted(r[-1] for r in avg) == ["GONE", "UP"],
          f"Average: the old re-a is GONE, the new one UP: {avg}")


def usage(connmon):
    for args, code in ((["--bogus"], 2), (["-w", "0"], 2), (["-w", "1", "x"], 2),
                       (["--help"], 0), (["-i", "nope0", "-s", "0.1"], 1)):
        r = subprocess.run([connmon, "ifaces", "-N", A] + args, capture_output=True, text=True,
                           timeout=10)
        check(r.returncode == code, f"ifaces {' '.join(args)}: exit {r.returncode}, want {code}")
        if code == 2:
            check("Try 'connmon ifaces --help'." in r.stderr, f"{args}: hint on stderr")


def main():
    if len(sys.argv) != 2:
        log("usage: ifaces_vs_kernel.py CONNMON")
        return 2
    if os.geteuid() != 0 or not shutil.which("ip"):
        print("SKIP: needs root and ip(8)")
        return SKIP
    connmon = os.path.abspath(sys.argv[1])
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    try:
        setup()
        exact_counts(connmon)
        no_speed_text(connmon)
        appear_vanish(connmon)
        vanished_text(connmon)
        usage(connmon)
    finally:
        cleanup()
    if failures:
        log(f"{len(failures)} check(s) failed")
        return 1
    log("ifaces_vs_kernel: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
