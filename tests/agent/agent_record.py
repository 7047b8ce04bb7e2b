#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The agent records what ss and the kernel see.

Two namespaces joined by a veth pair: A (server, where the agent runs) and B
(client).  A scripted workload opens and closes connections on a schedule and
sends a known number of bytes; meanwhile this test samples `ss -tan` in A
several times a second.  Then:
  - `history sockets` at tick resolution: every state count of every row
    equals a count ss showed within one tick of that row's time;
  - `history ifaces`: the bytes the veth received and sent over the run equal
    the kernel's counter deltas over the same (quiet-ended) range;
  - `history series` lists the per-port and per-peer series of the workload;
  - SIGTERM ends the agent with exit 0 after writing what was pending.
Exit 77 without root or `ip netns`.
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

CM = os.path.abspath(sys.argv[1])
PID = os.getpid()
NS_A, NS_B = f"cmag{PID}a", f"cmag{PID}b"
VA, VB = f"cmaa{PID % 100000}", f"cmab{PID % 100000}"
ADDR_A, ADDR_B = "10.77.0.1", "10.77.0.2"
PORT = 8080

SERVER = r"""
import selectors, signal, socket, sys
held = []
sel = selectors.DefaultSelector()
ls = socket.socket(); ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind((sys.argv[1], int(sys.argv[2]))); ls.listen(512); sel.register(ls, selectors.EVENT_READ)
closing = [False]
signal.signal(signal.SIGUSR1, lambda *a: closing.__setitem__(0, True))
print("ready", flush=True)
while True:
    for key, _ in sel.select(0.05):
        s = key.fileobj
        if s is ls:
            c, _ = ls.accept(); held.append(c); sel.register(c, selectors.EVENT_READ)
        else:
            try:
                d = s.recv(65536)
            except OSError:
                d = b""
            if not d and not closing[0]:
                sel.unregister(s)   # peer closed: we keep it, CLOSE-WAIT
    if closing[0]:
        for c in held:
            try:
                sel.unregister(c)
            except (KeyError, ValueError):
                pass
            c.close()
        held = []
        closing[0] = False
"""

CLIENT = r"""
import socket, sys, time
addr, port = sys.argv[1], int(sys.argv[2])
conns = []
def opn(n):
    for _ in range(n):
        s = socket.create_connection((addr, port)); conns.append(s)
def step(msg):
    print(msg, flush=True); time.sleep(3)
opn(20); step("20 open")
opn(40); step("60 open")
conns[0].sendall(b"x" * (4 << 20)); step("4 MiB sent")
for s in conns[30:]:
    s.close()
del conns[30:]; step("30 closed by the client")
input()          # the server closes its side now
for s in conns:
    s.close()
step("all closed")
"""


def sh(*args, check=True, **kw):
    return subprocess.run(args, check=check, text=True, capture_output=True, **kw)


def in_a(*args, **kw):
    return sh("ip", "netns", "exec", NS_A, *args, **kw)


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
    for p in procs:
        if p and p.poll() is None:
            p.kill()
            p.wait()
    for ns in (NS_A, NS_B):
        sh("ip", "netns", "del", ns, check=False)


def ss_counts():
    out = in_a("ss", "-Htan").stdout
    counts = {}
    for line in out.splitlines():
        st = line.split()[0]
        counts[st] = counts.get(st, 0) + 1
    return counts


def kernel_bytes():
    base = f"/sys/class/net/{VA}/statistics/"
    rx = int(in_a("cat", base + "rx_bytes").stdout)
    tx = int(in_a("cat", base + "tx_bytes").stdout)
    return rx, tx


def sample_for(secs, samples):
    """Waits secs while the sampler thread records ss."""
    del samples
    time.sleep(secs)


class Sampler(threading.Thread):
    """ss in A every 0.1 s, all along, with the time each call started."""

    def __init__(self, samples):
        super().__init__(daemon=True)
        self.samples, self.stop = samples, threading.Event()

    def run(self):
        while not self.stop.is_set():
            t = time.time() * 1000
            self.samples.append((t, ss_counts()))
            time.sleep(0.1)


# ss's state names -> history sockets' JSON keys
STATES = {"ESTAB": "estab", "SYN-RECV": "synrecv", "TIME-WAIT": "timewait",
          "CLOSE-WAIT": "closewait", "LAST-ACK": "lastack", "LISTEN": "listen",
          "FIN-WAIT-1": "finwait1", "FIN-WAIT-2": "finwait2", "CLOSING": "closing"}


def check_sockets(rows, samples):
    bad, checked = [], 0
    for r in rows:
        if r.get("average"):
            continue
        t = r["t"]
        window = [c for ts, c in samples if t - 1000 <= ts <= t + 1000]
        if not window:
            continue
        checked += 1
        for ss_name, key in STATES.items():
            seen = {c.get(ss_name, 0) for c in window}
            if round(r[key]) not in seen:
                bad.append(f"{r['time']} {key}={r[key]} but ss showed {sorted(seen)}")
    return bad, checked


def main():
    if os.geteuid() != 0 or not shutil.which("ip"):
        print("SKIP: needs root and ip netns")
        return 77
    tmp = tempfile.mkdtemp(prefix="cmagent.")
    db = os.path.join(tmp, "connmon.db")
    conf = os.path.join(tmp, "connmon.conf")
    with open(conf, "w") as f:
        f.write("[agent]\nlisten = off\nwrite_interval = 2s\n")
    procs, samples = [], []
    agent = server = client = None
    try:
        setup()
        server = subprocess.Popen(["ip", "netns", "exec", NS_A, sys.executable, "-c", SERVER,
                                   ADDR_A, str(PORT)], stdout=subprocess.PIPE, text=True)
        procs.append(server)
        assert server.stdout.readline().strip() == "ready"
        agent = subprocess.Popen(["ip", "netns", "exec", NS_A, CM, "agent", "--config", conf,
                                  "--db", db, "--interval", "1"],
                                 stderr=subprocess.PIPE, text=True)
        procs.append(agent)
        sampler = Sampler(samples)
        sampler.start()
        sample_for(3.5, samples)
        t0 = time.time()
        rx0, tx0 = kernel_bytes()
        client = subprocess.Popen(["ip", "netns", "exec", NS_B, sys.executable, "-c", CLIENT,
                                   ADDR_A, str(PORT)], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True)
        procs.append(client)
        for _ in range(4):
            print("workload:", client.stdout.readline().strip(), file=sys.stderr)
            sample_for(0.1, samples)
        sample_for(3, samples)
        server.send_signal(signal.SIGUSR1)
        sample_for(2, samples)
        client.stdin.write("\n")
        client.stdin.flush()
        print("workload:", client.stdout.readline().strip(), file=sys.stderr)
        client.wait(timeout=10)
        sample_for(3.5, samples)
        rx1, tx1 = kernel_bytes()
        t1 = time.time()
        sample_for(1.5, samples)
        sampler.stop.set()
        sampler.join()
        agent.send_signal(signal.SIGTERM)
        _, err = agent.communicate(timeout=20)
        print(err, file=sys.stderr)
        if agent.returncode != 0:
            print(f"FAIL: the agent exited {agent.returncode} after SIGTERM")
            return 1

        def history(*args):
            r = sh(CM, "history", *args, "--db", db, check=False)
            if r.returncode != 0:
                raise SystemExit(f"FAIL: history {args}: {r.stderr}")
            return r.stdout

        start, end = int(samples[0][0] / 1000) - 2, int(time.time()) + 2
        rows = json.loads(history("sockets", "--json", "--since", f"@{start}",
                                  "--until", f"@{end}"))["rows"]
        bad, checked = check_sockets(rows, samples)
        print(f"history sockets: {checked} rows checked against ss", file=sys.stderr)
        if bad or checked < 15:
            print("FAIL: history sockets disagrees with ss:\n  " + "\n  ".join(bad[:20]) +
                  f"\n({checked} rows checked)")
            return 1
        if max(r["estab"] for r in rows if "t" in r) < 60:
            print("FAIL: history never saw the 60 established connections")
            return 1

        # Bytes over the quiet-bounded range: the sum of the per-tick increases.
        rows = json.loads(history("ifaces", "--json", "-i", VA, "--since",
                                  f"@{int(t0) - 1}", "--until", f"@{int(t1) + 1}"))["rows"]
        rx = sum(r["rx_bytes"] or 0 for r in rows if "t" in r)
        tx = sum(r["tx_bytes"] or 0 for r in rows if "t" in r)
        print(f"ifaces: history rx {rx} tx {tx}; kernel rx {rx1 - rx0} tx {tx1 - tx0}",
              file=sys.stderr)
        if rx != rx1 - rx0 or tx != tx1 - tx0:
            print("FAIL: interface bytes in history differ from the kernel's counters")
            return 1

        listing = history("series")
        for want in (f'connmon_tcp_port_sockets{{port="{PORT}",state="close_wait"}}',
                     f'connmon_tcp_peer_sockets{{addr="{ADDR_B}",state="established"}}',
                     f'connmon_iface_rx_bytes_total{{iface="{VA}"}}'):
            if want not in listing:
                print(f"FAIL: history series does not list {want}")
                return 1
        print("ok: history agrees with ss and the kernel")
        return 0
    finally:
        teardown(procs)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
