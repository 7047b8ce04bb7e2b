#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""respond = dry-run alerts and says what it would do, and changes nothing in the kernel.

The agent runs with `--respond dry-run`; the attacker opens 200 connections
to the victim (proven by the victim's ss).  Wanted: a firing
per_ip_connections event for the attacker whose actions are marked dry-run,
the victim's `nft list ruleset` identical before the agent, during the alert
and after the agent exits, the attacker's next connection still working, and
the alert resolved once the connections close.
Exit 77 without root or nft; the connmon parts are skipped (exit 77, after
the kernel checks) while the agent lacks issue 8's options.
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from agentctl import Agent, latency, missing_interface, run_test  # noqa: E402
from scenarios import PROBE_PORT, PerIpConnections, can_connect, probe_listener  # noqa: E402

CM = os.path.abspath(sys.argv[1])
RESOLVE_S = 50  # per_ip_connections clears after 30 s below its clear level


def body(lab, v):
    sc = PerIpConnections(lab, n=200)
    sc.prepare()
    probe_listener(lab)
    before = lab.nft_ruleset(lab.victim)
    reason = missing_interface(CM, "--alerts-file", "--respond")
    agent = None
    if reason:
        v.skip(reason)
    else:
        agent = Agent(lab, CM, respond="dry-run")
        agent.start()
    sc.start()
    ev = None
    if agent:
        ev, seen = agent.wait_event("per_ip_connections",
                                    lambda s: s.get("addr") == lab.attacker_ip, timeout_s=10)
    sc.check()
    if agent and latency(v, "per_ip_connections (dry-run)", sc.t0, ev, seen) is not None:
        acts = [a for a in ev.get("actions", []) if a.get("action") != "log"]
        for a in acts:
            v.expect("dry-run" in a.get("result", ""), f"an action not marked dry-run: {a}")
        time.sleep(2)  # a respond = on agent would have blocked by now
        v.expect(lab.nft_ruleset(lab.victim) == before, "dry-run changed the victim's ruleset")
        v.expect(can_connect(lab, lab.attacker, lab.victim_ip, PROBE_PORT),
                 "the attacker can no longer connect under dry-run")
    sc.finish()
    if ev:
        res, _ = agent.wait_event("per_ip_connections", status="resolved", alert_id=ev["id"],
                                  timeout_s=RESOLVE_S)
        v.expect(res, f"per_ip_connections did not resolve within {RESOLVE_S} s")
    if agent:
        v.expect(agent.stop() == 0, "the agent did not exit 0 on SIGTERM")
        v.expect(lab.nft_ruleset(lab.victim) == before,
                 "the victim's ruleset differs after a dry-run agent exited")


sys.exit(run_test("detect_dryrun", "dry", ["nft"], body))
