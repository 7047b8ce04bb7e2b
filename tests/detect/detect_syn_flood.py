#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""SYN flood: hping3 from the attacker at a victim listener; syn_flood fires, blocks, resolves.

The flood (40,000 SYNs at up to 20,000/s, at most 5 s) is first proven by the
victim's kernel: SYN-RECV on the port above 100, SYN cookies sent.  With the
agent (respond = on) in the victim: a firing syn_flood event for the port
within 2 s of the first packet (the measured latency is printed), the
attacker among its sources, the attacker's address in the kernel set of
`inet connmon`, its next connection failing while the benign client's works,
and the alert resolved after the flood stops.
Exit 77 without root, hping3 or nft; the connmon parts are skipped (exit 77,
after the kernel checks) while the agent lacks issue 8's options.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from agentctl import Agent, block_checks, latency, missing_interface, run_test  # noqa: E402
from scenarios import PROBE_PORT, SynFlood, probe_listener  # noqa: E402

CM = os.path.abspath(sys.argv[1])
RESOLVE_S = 45  # SYN-RECV empties ~3 s after the flood; cookies count for 10 s


def body(lab, v):
    sc = SynFlood(lab)
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
        ev, seen = agent.wait_event("syn_flood", lambda s: s.get("port") == sc.port,
                                    timeout_s=sc.seconds + 5)
        if latency(v, "syn_flood", sc.t0, ev, seen, 2.0) is not None:
            v.expect(lab.attacker_ip in ev.get("sources", []),
                     f"the attacker is not among the sources: {ev.get('sources')}")
            block_checks(v, lab, agent, lab.attacker_ip, ev, seen, PROBE_PORT)
    sc.finish()
    sc.check()
    if agent:
        if ev:
            res, _ = agent.wait_event("syn_flood", status="resolved", alert_id=ev["id"],
                                      timeout_s=RESOLVE_S)
            v.expect(res, f"syn_flood did not resolve within {RESOLVE_S} s after the flood")
        v.expect(agent.stop() == 0, "the agent did not exit 0 on SIGTERM")


sys.exit(run_test("detect_syn_flood", "syn", ["hping3", "nft"], body))
