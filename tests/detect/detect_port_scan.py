#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Port scans: nmap -sS and -sT over ports 1-200 of the victim; port_scan fires on the source.

Each scan is first proven by the victim's kernel and by nmap's own report
(the three open ports found open, a RST for every closed one).  With the agent
(respond = on) in the victim: a firing port_scan event whose subject is the
scanning address within 2 s of the scan's start (latency printed), that
address in the kernel set of `inet connmon`, its next connection failing
while the benign client's works, and the alert resolved after the scan.
The SYN scan comes from 10.77.1.2, the connect scan from 10.77.1.3, so the
first block does not stop the second scan.
Exit 77 without root, nmap or nft; the connmon parts are skipped (exit 77,
after the kernel checks) while the agent lacks issue 8's options.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from agentctl import Agent, block_checks, latency, missing_interface, run_test  # noqa: E402
from scenarios import PROBE_PORT, PortScan, probe_listener  # noqa: E402

CM = os.path.abspath(sys.argv[1])
RESOLVE_S = 40  # the rule's window is 10 s


def one_scan(lab, v, agent, kind, src, listen):
    sc = PortScan(lab, kind=kind, src=src, listen=listen)
    sc.prepare()
    sc.start()
    ev = None
    if agent:
        ev, seen = agent.wait_event("port_scan", lambda s: s.get("addr") == src, timeout_s=15)
        if latency(v, f"port_scan -{kind}", sc.t0, ev, seen, 2.0) is not None:
            block_checks(v, lab, agent, src, ev, seen, PROBE_PORT)
    sc.finish()
    sc.check()
    if ev:
        res, _ = agent.wait_event("port_scan", status="resolved", alert_id=ev["id"],
                                  timeout_s=RESOLVE_S)
        v.expect(res, f"port_scan -{kind} from {src} did not resolve within {RESOLVE_S} s")


def body(lab, v):
    probe_listener(lab)
    reason = missing_interface(CM, "--alerts-file", "--respond")
    agent = None
    if reason:
        v.skip(reason)
    else:
        agent = Agent(lab, CM, respond="on")
        agent.start()
    one_scan(lab, v, agent, "sS", lab.attacker_ip, True)
    one_scan(lab, v, agent, "sT", lab.attacker_ip2, False)
    if agent:
        v.expect(agent.stop() == 0, "the agent did not exit 0 on SIGTERM")


sys.exit(run_test("detect_port_scan", "scan", ["nmap", "nft"], body))
