#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""System tests of `connmon procs` state and defects (needs root; exits 77 without).

Two namespaces joined by a veth pair that this test creates, A (10.78.1.1)
and B (10.78.1.2), as in procs_test.py; peer.py runs the endpoints.

  unprivileged  `procs --engine tcpinfo` as nobody: works (no setns() into its
                own namespace), and attributes a nobody-owned sender's bytes
  netns         --all-netns closes its socket in a namespace that is gone, so
                the namespace dies while connmon still runs (a veth pair
                between it and a namespace of ours disappears then)
  any           capture on "any": 1,000 UDP datagrams of 52-byte Ethernet
                frames count 52,000 bytes, as on the interface itself
  short         capture engine, a connection opened, used and closed inside a
                4 s window by a process that then exits: its bytes belong to
                it, not to "unattributed"
  churn         240 short-lived clients: the JSON lists a bounded number of
                rows, the rest fold into "exited_processes", and every row
                together still adds up to the interface counters

Usage: procs_state.py CONNMON [PHASE...]
"""
import json
import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from procslib import (FAILURES, Run, check, finish, iface_bytes, last_json, log,  # noqa: E402
                      near, row, sh)

SKIP = 77
TAG = "%d" % os.getpid()
NS_A, NS_B, NS_E = "cmst-a-" + TAG, "cmst-b-" + TAG, "cmst-e-" + TAG
IF_A, IF_B = "cmsa" + TAG[-5:], "cmsb" + TAG[-5:]
IF_E, IF_F = "cmse" + TAG[-5:], "cmsf" + TAG[-5:]
A4, B4 = "10.78.1.1", "10.78.1.2"
# nobody must be able to run python: the system one, not a per-user install
PY = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
RUN = Run((NS_A, NS_B, NS_E), python=PY)
spawn, connmon = RUN.spawn, RUN.connmon


def on_signal(signum, _frame):
    RUN.cleanup()
    sys.exit(128 + signum)


def setup():
    sh("ip", "netns", "add", NS_A)
    sh("ip", "netns", "add", NS_B)
    sh("ip", "link", "add", IF_A, "netns", NS_A, "type", "veth", "peer", "name", IF_B,
       "netns", NS_B)
    for ns, ifc, a4 in ((NS_A, IF_A, A4), (NS_B, IF_B, B4)):
        sh("ip", "-n", ns, "link", "set", "lo", "up")
        sh("ip", "-n", ns, "addr", "add", a4 + "/24", "dev", ifc)
        sh("ip", "-n", ns, "link", "set", ifc, "up")
        sh("ip", "netns", "exec", ns, "ethtool", "-K", ifc, "tso", "off", "gso", "off",
           "gro", "off", check=False)
        # no IPv6 chatter (router solicitations) in the byte counts
        sh("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1",
           check=False)


def phase_unprivileged(cm):
    """issue 6: `procs` failed for every unprivileged user (setns into its own namespace)."""
    n = 1_500_000
    mon = connmon(cm, "-s", "1", "--engine", "tcpinfo", ns=NS_A, user=NOBODY)
    try:
        out, err = finish(mon), ""
    except RuntimeError as e:
        out, err = "", str(e)
    check("unprivileged procs exits 0", mon.returncode == 0, "exit %d %s" % (mon.returncode, err))
    check("unprivileged procs prints the table", "unattributed" in out, out[:200])
    mon = connmon(cm, "--engine", "tcpinfo", "-w", "1", "--iterations", "4", "--json", ns=NS_A,
                  user=NOBODY)
    time.sleep(0.5)
    spawn(NS_B, "tcp-sink", B4, 5101, 15)
    _, snd = spawn(NS_A, "tcp-send", B4, 5101, n, 0.5, 1.5, user=NOBODY)
    obj = last_json(mon)
    r = row(obj, snd)
    near("unprivileged: nobody's own sender is attributed", r and r["tx_bytes"], n)


def phase_netns(cm):
    """--all-netns must not keep a namespace alive once it has no name and no process."""
    sh("ip", "netns", "add", NS_E)
    sh("ip", "link", "add", IF_E, "netns", NS_E, "type", "veth", "peer", "name", IF_F,
       "netns", NS_A)
    mon = connmon(cm, "--engine", "tcpinfo", "--all-netns", "-w", "0.5", "--iterations", "24")
    time.sleep(2.0)  # a few discoveries: connmon holds a socket in E
    check("connmon runs with the namespace found", mon.poll() is None, "exit %s" % mon.poll())
    sh("ip", "netns", "del", NS_E)
    # E dies once nothing holds it; then the kernel deletes the veth pair, IF_F too.
    gone_after = None
    t0 = time.time()
    while time.time() - t0 < 6:
        if sh("ip", "-n", NS_A, "link", "show", IF_F, check=False).returncode != 0:
            gone_after = time.time() - t0
            break
        time.sleep(0.1)
    check("connmon still running when the namespace died", mon.poll() is None,
          "exit %s" % mon.poll())
    check("a deleted namespace dies while connmon runs", gone_after is not None,
          "its veth peer is still there 6 s later" if gone_after is None else
          "gone after %.1f s" % gone_after)
    mon.kill()


def phase_any(cm):
    """Cooked captures ("any") count the frame as Ethernet carries it, not SLL's 16 bytes."""
    count, size = 1000, 10  # 10 + 8 (UDP) + 20 (IPv4) + 14 (Ethernet) = 52-byte frames
    spawn(NS_B, "udp-sink", B4, 5103, 15)
    mon = connmon(cm, "--engine", "capture", "-i", "any", "-s", "3", "--json", ns=NS_A)
    time.sleep(1.0)
    _, snd = spawn(NS_A, "udp-send", B4, 5103, count, size, 0.2, 4)
    obj = last_json(mon)
    r = row(obj, snd)
    got = r and r["udp"]["tx_bytes"]
    check("-i any: 1,000 52-byte frames are 52,000 bytes", got == count * 52,
          "got %s" % got)


def phase_short(cm):
    """Capture: a connection that lives well under the window is still its process's."""
    n = 2_000_000
    spawn(NS_B, "tcp-sink", B4, 5102, 15)
    mon = connmon(cm, "--engine", "capture", "-i", IF_A, "-s", "4", "--json", ns=NS_A)
    time.sleep(1.0)
    # connects, sends n bytes 0.3 s later, closes at once and exits: ~0.4 s of life
    p, snd = spawn(NS_A, "tcp-send", B4, 5102, n, 0.3, 0)
    p.wait(timeout=10)
    obj = last_json(mon)
    r = row(obj, snd)
    got = r and r["tcp"]["tx_bytes"]
    check("short connection's bytes go to its process", got is not None and n <= got <= n * 1.08,
          "got %s, expected %d .. %d; unattributed tx %d" %
          (got, n, n * 1.08, obj["unattributed"]["tx_bytes"]))


def phase_churn(cm):
    """Hundreds of short-lived clients: rows stay bounded, totals still add up."""
    batches, per_batch = 24, 10
    spawn(NS_B, "tcp-sink", B4, 5104, 60)
    tx0, rx0 = iface_bytes(NS_A, IF_A)
    mon = connmon(cm, "--engine", "capture", "-i", IF_A, "-w", "0.5", "--iterations", "34",
                  "--json", ns=NS_A)
    time.sleep(1.0)
    # each client: connect, send 1,000 bytes, live 0.4 s, exit; 10 at a time
    script = ("import os, socket, time\n"
              "for b in range(%d):\n"
              "    kids = []\n"
              "    for i in range(%d):\n"
              "        pid = os.fork()\n"
              "        if pid == 0:\n"
              "            s = socket.create_connection(('%s', 5104)); s.send(b'x' * 1000)\n"
              "            time.sleep(0.4); s.close(); os._exit(0)\n"
              "        kids.append(pid)\n"
              "    for k in kids: os.waitpid(k, 0)\n" % (batches, per_batch, B4))
    sh("ip", "netns", "exec", NS_A, PY, "-c", script)
    out = finish(mon)
    tx1, rx1 = iface_bytes(NS_A, IF_A)
    objs = [json.loads(line) for line in out.splitlines() if line.strip()]
    most = max(len(o["processes"]) for o in objs)
    last = objs[-1]
    ex = last.get("exited_processes")
    clients = batches * per_batch
    # PT_MAX_EXITED (64) exited rows, and the live ones (a batch, or two as they overlap)
    check("churn: rows stay bounded", most <= 64 + 2 * per_batch,
          "at most %d rows in a refresh for %d clients" % (most, clients))
    check("churn: exited clients fold into one row", ex is not None and ex["processes"] > 0,
          "exited_processes %s" % ex)
    sum_tx = last["unattributed"]["tx_bytes"] + sum(p["tx_bytes"] for p in last["processes"])
    sum_rx = last["unattributed"]["rx_bytes"] + sum(p["rx_bytes"] for p in last["processes"])
    if ex:
        sum_tx += ex["tx_bytes"]
        sum_rx += ex["rx_bytes"]
    near("churn: rows add up to interface tx", sum_tx, tx1 - tx0)
    near("churn: rows add up to interface rx", sum_rx, rx1 - rx0)
    attributed = sum_tx - last["unattributed"]["tx_bytes"]
    check("churn: the clients' bytes are theirs, not unattributed",
          attributed >= clients * 1000,
          "attributed tx %d, unattributed tx %d, clients sent %d payload bytes" %
          (attributed, last["unattributed"]["tx_bytes"], clients * 1000))


PHASES = {
    "unprivileged": phase_unprivileged,
    "netns": phase_netns,
    "any": phase_any,
    "short": phase_short,
    "churn": phase_churn,
}


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: procs_state.py CONNMON [PHASE...]")
    if os.geteuid() != 0:
        print("SKIP: needs root")
        sys.exit(SKIP)
    cm = os.path.abspath(sys.argv[1])
    names = sys.argv[2:] or list(PHASES)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        setup()
        for name in names:
            try:
                PHASES[name](cm)
            except Exception as e:  # report, go on with the next phase
                log("FAIL: %s: %s" % (name, e))
                FAILURES.append(name)
    finally:
        RUN.cleanup()
    log("%d failed" % len(FAILURES))
    sys.exit(1 if FAILURES else 0)


if __name__ == "__main__":
    main()
