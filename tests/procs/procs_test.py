#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""System test of `connmon procs` (needs root; exits 77 without it).

Two namespaces joined by a veth pair that this test creates: A
(10.77.1.1, 2001:db8:77::1) runs the senders, B (.2, ::2) the sinks
(tests/procs/peer.py).  Known processes send known byte counts; connmon's
JSON must give each of them its bytes within 2 %:

  tcpinfo, -N A        TCP v4 and v6 senders: tx = payload; they exit, and
                       their rows stay (exited, totals kept)
  tcpinfo, --all-netns the sinks in B are found too: rx = payload
  capture, -N A -i     UDP v4/v6 senders: tx = datagrams x wire size; TCP
                       sender: payload <= tx <= payload + headers;
                       datagrams from B to a closed port of A land in
                       "unattributed" (and A's ICMP replies); every row
                       together equals the interface's own counters
  text, -N A           the table fits 80 columns, in IEC units; --wide adds
                       nethogs' DEV column

Usage: procs_test.py CONNMON
"""
import os
import re
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from procslib import (FAILURES, Run, check, iface_bytes, last_json, log, near,  # noqa: E402
                      result, row, sh)

SKIP = 77
TAG = "%d" % os.getpid()
NS_A, NS_B = "cmprocs-a-" + TAG, "cmprocs-b-" + TAG
IF_A, IF_B = "cmpa" + TAG[-5:], "cmpb" + TAG[-5:]
A4, B4, A6, B6 = "10.77.1.1", "10.77.1.2", "2001:db8:77::1", "2001:db8:77::2"
RUN = Run((NS_A, NS_B))
spawn, connmon = RUN.spawn, RUN.connmon


def on_signal(signum, _frame):
    RUN.cleanup()
    sys.exit(128 + signum)


def setup():
    sh("ip", "netns", "add", NS_A)
    sh("ip", "netns", "add", NS_B)
    sh("ip", "link", "add", IF_A, "netns", NS_A, "type", "veth", "peer", "name", IF_B,
       "netns", NS_B)
    for ns, ifc, a4, a6 in ((NS_A, IF_A, A4, A6), (NS_B, IF_B, B4, B6)):
        sh("ip", "-n", ns, "link", "set", "lo", "up")
        sh("ip", "-n", ns, "addr", "add", a4 + "/24", "dev", ifc)
        sh("ip", "-n", ns, "addr", "add", a6 + "/64", "dev", ifc, "nodad")
        sh("ip", "-n", ns, "link", "set", ifc, "up")
        # No offloads: the capture then sees packets as the wire carries them.
        sh("ip", "netns", "exec", ns, "ethtool", "-K", ifc, "tso", "off", "gso", "off",
           "gro", "off", check=False)


def phase_tcpinfo(cm):
    n4, n6 = 3_000_000, 2_000_000
    mon = connmon(cm, "--engine", "tcpinfo", "-N", NS_A, "-w", "1", "--iterations", "6", "--json")
    allns = connmon(cm, "--engine", "tcpinfo", "--all-netns", "-w", "1", "--iterations", "6",
                    "--json")
    time.sleep(0.5)
    _, s4 = spawn(NS_B, "tcp-sink", B4, 5001, 20)
    _, s6 = spawn(NS_B, "tcp-sink", B6, 5002, 20)
    _, t4 = spawn(NS_A, "tcp-send", B4, 5001, n4, 0.5, 1.5)
    _, t6 = spawn(NS_A, "tcp-send", B6, 5002, n6, 0.5, 1.5)
    obj = last_json(mon)
    check("tcpinfo engine shown", obj["engine"] == "tcpinfo", obj["engine"])
    for name, pid, n in (("TCP/IPv4", t4, n4), ("TCP/IPv6", t6, n6)):
        r = row(obj, pid)
        near("tcpinfo %s sender tx" % name, r and r["tcp"]["tx_bytes"], n)
        check("tcpinfo %s sender kept after exit" % name, bool(r and r["exited"]),
              "row %s" % r)
    obj = last_json(allns)
    for name, pid, n in (("TCP/IPv4", s4, n4), ("TCP/IPv6", s6, n6)):
        r = row(obj, pid)
        near("--all-netns %s sink rx (namespace B)" % name, r and r["rx_bytes"], n)
    r = row(obj, t4)
    near("--all-netns TCP/IPv4 sender tx (namespace A)", r and r["tx_bytes"], n4)


def phase_capture(cm):
    n4, c4, z4, c6, z6, blasts, bz = 2_000_000, 400, 1000, 400, 1200, 20, 1000
    tx0, rx0 = iface_bytes(NS_A, IF_A)
    mon = connmon(cm, "--engine", "capture", "-N", NS_A, "-i", IF_A, "-w", "1", "--iterations",
                  "6", "--json")
    time.sleep(1.0)
    _, u4s = spawn(NS_B, "udp-sink", B4, 5003, 20)
    _, u6s = spawn(NS_B, "udp-sink", B6, 5004, 20)
    _, s4 = spawn(NS_B, "tcp-sink", B4, 5005, 20)
    _, t4 = spawn(NS_A, "tcp-send", B4, 5005, n4, 0.3, 1.0)
    _, u4 = spawn(NS_A, "udp-send", B4, 5003, c4, z4, 0.3, 1.0)
    _, u6 = spawn(NS_A, "udp-send", B6, 5004, c6, z6, 0.3, 1.0)
    # Datagrams from B to a port nobody listens on in A: no socket, so unattributed.
    spawn(NS_B, "udp-blast", A4, 6999, blasts, bz, 0.3, 0.5)
    obj = last_json(mon)
    tx1, rx1 = iface_bytes(NS_A, IF_A)
    check("capture engine shown", obj["engine"] == "capture", obj["engine"])
    r = row(obj, u4)
    near("capture UDP/IPv4 sender tx", r and r["udp"]["tx_bytes"], c4 * (z4 + 8 + 20 + 14))
    r = row(obj, u6)
    near("capture UDP/IPv6 sender tx", r and r["udp"]["tx_bytes"], c6 * (z6 + 8 + 40 + 14))
    r = row(obj, t4)
    got = r and r["tcp"]["tx_bytes"]
    check("capture TCP/IPv4 sender tx", got is not None and n4 <= got <= n4 * 1.08,
          "got %s, expected %d .. %d (payload plus headers)" % (got, n4, n4 * 1.08))
    un = obj["unattributed"]
    stray = blasts * (bz + 8 + 20 + 14)
    check("capture unattributed row holds the datagrams to a closed port",
          un["rx_bytes"] >= stray,
          "tx %d (ICMP port unreachable) rx %d, datagrams %d" % (un["tx_bytes"], un["rx_bytes"], stray))
    sum_tx = un["tx_bytes"] + sum(p["tx_bytes"] for p in obj["processes"])
    sum_rx = un["rx_bytes"] + sum(p["rx_bytes"] for p in obj["processes"])
    near("capture rows add up to interface tx", sum_tx, tx1 - tx0)
    near("capture rows add up to interface rx", sum_rx, rx1 - rx0)


def phase_vanished(cm):
    """An interface deleted under the capture: the figures so far, then a clear error."""
    sh("ip", "-n", NS_A, "link", "add", "vg1", "type", "veth", "peer", "name", "vg2")
    sh("ip", "-n", NS_A, "link", "set", "vg1", "up")
    sh("ip", "-n", NS_A, "link", "set", "vg2", "up")
    mon = connmon(cm, "--engine", "capture", "-N", NS_A, "-i", "vg1", "-s", "4", "--json")
    time.sleep(1.5)
    sh("ip", "-n", NS_A, "link", "del", "vg1")
    out, err, rc = result(mon, timeout=30)
    check("vanished interface exits 1", rc == 1, "exit %d" % rc)
    check("vanished interface is named", "'vg1' vanished" in err, err.strip())
    check("vanished interface keeps the figures so far", '"engine"' in out, out[:120])


def phase_text(cm):
    """The text table fits 80 columns (the sender's long command line is cut,
    its program's directories first) and shows IEC units; --wide adds DEV."""
    spawn(NS_B, "tcp-sink", B4, 5003, 20)
    _, pid = spawn(NS_A, "tcp-send", B4, 5003, 40_000_000, 0.3, 3)
    outs = {}
    for extra in ((), ("--wide",)):
        p = connmon(cm, "--engine", "tcpinfo", "-N", NS_A, "-s", "2", *extra)
        out, err, rc = result(p, timeout=30)
        check("text %s exits 0" % (extra or ""), rc == 0, err.strip())
        outs[extra] = out.splitlines()
    lines = outs[()]
    mine = [l for l in lines if l.split()[:1] == [str(pid)]]
    check("text: every line fits 80 columns", all(len(l) <= 80 for l in lines),
          str([l for l in lines if len(l) > 80]))
    check("text: the sender's row, program without its directories",
          len(mine) == 1 and mine[0].split()[2] == os.path.basename(sys.executable), str(mine))
    check("text: sent rate and total in IEC units",
          bool(mine) and re.search(r" [0-9.]+ (KiB|MiB|GiB)/s +0 B/s +[0-9.]+ (KiB|MiB|GiB) +0 B$",
                                   mine[0]) is not None, str(mine))
    wide = outs[("--wide",)]
    check("--wide: nethogs' DEV column", any(re.match(r" +PID USER +PROGRAM +DEV ", l)
                                             for l in wide), str(wide[:6]))


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: procs_test.py CONNMON")
    if os.geteuid() != 0:
        print("SKIP: needs root")
        sys.exit(SKIP)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        setup()
        phase_tcpinfo(sys.argv[1])
        phase_capture(sys.argv[1])
        phase_vanished(sys.argv[1])
        phase_text(sys.argv[1])
    except Exception as e:  # report, clean up, fail
        log("FAIL: %s" % e)
        FAILURES.append(str(e))
    finally:
        RUN.cleanup()
    log("%d failed" % len(FAILURES))
    sys.exit(1 if FAILURES else 0)


if __name__ == "__main__":
    main()
