#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""An allowlisted attacker is alerted on and never blocked.

The agent runs with respond = on and `--allow 10.77.1.3`; 10.77.1.3 opens
200 connections to the victim (proven by the victim's ss).  Wanted: a firing
per_ip_connections event for 10.77.1.3 whose block action (if any) was not
done, the address never in the kernel set of `inet connmon` (sampled through
the attack), its next connection still working, and the alert resolved once
the connections close.
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
WATCH_S = 5
RESOLVE_S = 50  # per_ip_connections clears after 30 s below its clear level


def body(lab, v):
    src = lab.attacker_ip2
    sc = PerIpConnections(lab, n=200, src=src)
    sc.prepare()
    probe_listener(lab)
    reason = missing_interface(CM, "--alerts-file", "--respond", "--allow")
    agent = None
    if reason:
        v.skip(reason)
    else:
        agent = Agent(lab, CM, respond="on", allow=[src])
        agent.start()
    sc.start()
    ev = None
    if agent:
        ev, seen = agent.wait_event("per_ip_connections", lambda s: s.get("addr") == src,
                                    timeout_s=10)
    sc.check()
    if agent and latency(v, "per_ip_connections (allowlisted)", sc.t0, ev, seen) is not None:
        for a in ev.get("actions", []):
            v.expect(not (a.get("action") in ("block", "limit", "kill")
                          and a.get("result") == "done"),
                     f"an action was done on the allowlisted {src}: {a}")
        end = time.monotonic() + WATCH_S
        while time.monotonic() < end and v.expect(not agent.blocked(src),
                                                  f"the allowlisted {src} is in the kernel set"):
            time.sleep(0.25)
        v.expect(can_connect(lab, lab.attacker, lab.victim_ip, PROBE_PORT, src),
                 f"the allowlisted {src} can no longer connect")
    sc.finish()
    if ev:
        res, _ = agent.wait_event("per_ip_connections", status="resolved", alert_id=ev["id"],
                                  timeout_s=RESOLVE_S)
        v.expect(res, f"per_ip_connections did not resolve within {RESOLVE_S} s")
    if agent:
        v.expect(agent.stop() == 0, "the agent did not exit 0 on SIGTERM")


sys.exit(run_test("detect_allowlist", "alw", ["nft"], body))
