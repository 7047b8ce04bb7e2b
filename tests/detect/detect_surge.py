#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A traffic surge against an imported baseline: traffic_surge fires on the victim's interface.

Eight days of minute rollups of vatk's byte counters at about 20 kB/s (at
most 24 kB/s in any minute, so every hour's p90 is below it) are generated as
JSON lines (docs/EXPORT.md) and imported with `connmon history import` into
the agent's database; the agent computes their bands one write interval after
it starts (docs/BASELINE.md).  The attacker then sends 8 MB/s into vatk,
which the victim's sysfs counters prove is above 150 % of the largest
generated rate.  With the agent: a firing traffic_surge event for iface vatk,
and its resolution after the transfer stops.
The rule holds for 1 min by default; RULE_CONFIG shortens that to HOLD_S so
the test stays short (tests/detect/README.md).
Exit 77 without root; the connmon parts are skipped (exit 77, after the
kernel checks) while the agent lacks issue 8's options.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from agentctl import Agent, missing_interface, run_test  # noqa: E402
from scenarios import TrafficSurge  # noqa: E402

CM = os.path.abspath(sys.argv[1])
HOLD_S = 10
RULE_CONFIG = f'[rule "traffic_surge"]\nfor = {HOLD_S}s\nclear_for = 5s\n'
RESOLVE_S = 30


def body(lab, v):
    reason = missing_interface(CM, "--alerts-file")
    agent = Agent(lab, CM, respond="off", config=RULE_CONFIG)
    sc = TrafficSurge(lab, CM, agent.db, base_rate=20000, rate=8000000, seconds=HOLD_S + 20)
    sc.prepare()
    if reason:
        v.skip(reason)
        agent = None
    else:
        agent.start(settle_s=3)  # the bands are computed one write interval after the start
    sc.start()
    ev = None
    if agent:
        ev, seen = agent.wait_event("traffic_surge", lambda s: s.get("iface") == "vatk",
                                    timeout_s=HOLD_S + 20)
        if v.expect(ev, "no traffic_surge alert for vatk"):
            print(f"traffic_surge fired {seen - sc.t0:.1f} s after the transfer began "
                  f"(hold {HOLD_S} s): value {ev.get('value')}, threshold "
                  f"{ev.get('threshold')}", flush=True)
    sc.finish()
    sc.check()
    if ev:
        res, _ = agent.wait_event("traffic_surge", status="resolved", alert_id=ev["id"],
                                  timeout_s=RESOLVE_S)
        v.expect(res, f"traffic_surge did not resolve within {RESOLVE_S} s after the transfer")
    if agent:
        v.expect(agent.stop() == 0, "the agent did not exit 0 on SIGTERM")


sys.exit(run_test("detect_surge", "srg", [], body))
