#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""One address holds 200 TCP connections to the victim; per_ip_connections fires on it.

The 200 connections are first proven by the victim's ss.  With the agent
(respond = on) in the victim: a firing per_ip_connections event whose subject
is the attacker's address within 2 s of the first connection (latency
printed), the address in the kernel set of `inet connmon`, its next
connection failing while the benign client's works, and the alert resolved
once the connections are gone.  The block drops the attacker's FINs, so the
victim's side of connections the agent did not kill is destroyed with
`ss -K` in the victim's namespace before waiting for the resolution (the
count of such leftovers is printed).
Exit 77 without root or nft; the connmon parts are skipped (exit 77, after
the kernel checks) while the agent lacks issue 8's options.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from agentctl import Agent, block_checks, latency, missing_interface, run_test  # noqa: E402
from scenarios import PROBE_PORT, PerIpConnections, probe_listener  # noqa: E402

CM = os.path.abspath(sys.argv[1])
RESOLVE_S = 50  # the rule's clear_for (30 s) after the leftovers are gone


def body(lab, v):
    sc = PerIpConnections(lab, n=200)
    sc.prepare()
    probe_listener(lab)
    reason = missing_interface(CM, "--alerts-file", "--respond")
    agent = None
    if reason:
        v.skip(reason)
    else:
        agent = Agent(lab, CM, respond="on")
        agent.start()
    sc.start()
    ev = None
    if agent:
        ev, seen = agent.wait_event("per_ip_connections",
                                    lambda s: s.get("addr") == lab.attacker_ip, timeout_s=10)
    sc.check()
    if agent and latency(v, "per_ip_connections", sc.t0, ev, seen, 2.0) is not None:
        v.expect(ev.get("value", 0) > 50, f"value {ev.get('value')}, wanted > 50 (200 held)")
        block_checks(v, lab, agent, lab.attacker_ip, ev, seen, PROBE_PORT)
    sc.finish()
    left = sc.leftover()
    print(f"connections left at the victim after the client closed: {left}", flush=True)
    if left:
        lab.run(lab.victim, ["ss", "-K", "dst", lab.attacker_ip])
    if ev:
        res, _ = agent.wait_event("per_ip_connections", status="resolved", alert_id=ev["id"],
                                  timeout_s=RESOLVE_S)
        v.expect(res, f"per_ip_connections did not resolve within {RESOLVE_S} s")
    if agent:
        v.expect(agent.stop() == 0, "the agent did not exit 0 on SIGTERM")


sys.exit(run_test("detect_per_ip", "pip", ["nft"], body))
