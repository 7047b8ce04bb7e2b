#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A full block set: refused, not grown, and said with an alert of its own.

The victim's agent runs with `[respond] set_size = 1` and the set already
holds one address (`connmon block` of a documentation address, into the same
database and table).  One address then opens 200 connections: the agent's
per_ip_connections alert carries a block action refused because the set is
full, the kernel set still holds exactly the one element, and the agent
raises `capacity` with subject resource `block_set`, critical.
Exit 77 without root or nft.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from agentctl import Agent, run_test  # noqa: E402
from scenarios import PerIpConnections, probe_listener  # noqa: E402

CM = os.path.abspath(sys.argv[1])
CONFIG = "[respond]\nset_size = 1\n"
FILLER = "192.0.2.77"


def elements(lab):
    p = lab.run(lab.victim, ["nft", "-j", "list", "set", "inet", "connmon", "block4"],
                check=False)
    if p.returncode:
        return None
    for item in json.loads(p.stdout).get("nftables", []):
        if "set" in item:
            return [e if isinstance(e, str) else e.get("elem", {}).get("val")
                    for e in item["set"].get("elem", [])]
    return []


def body(lab, v):
    sc = PerIpConnections(lab, n=200)
    sc.prepare()
    probe_listener(lab)
    agent = Agent(lab, CM, respond="on", config=CONFIG)
    agent.start()
    conf = os.path.join(os.path.dirname(agent.db), "filler.conf")
    with open(conf, "w") as f:
        f.write(CONFIG)
    r = lab.run(lab.victim, [CM, "block", "--config", conf, "--db", agent.db, "--for", "10m",
                             "--reason", "fills the set", FILLER], check=False)
    v.expect(r.returncode == 0, f"connmon block {FILLER}: exit {r.returncode} {r.stderr}")
    v.expect(elements(lab) == [FILLER], f"the set holds the filler only: {elements(lab)}")
    sc.start()
    ev, _ = agent.wait_event("per_ip_connections", lambda s: s.get("addr") == lab.attacker_ip,
                             timeout_s=10)
    sc.check()
    if v.expect(ev is not None, "no per_ip_connections alert"):
        acts = [a for a in ev.get("actions", []) if a.get("action") == "block"]
        v.expect(acts and "full" in acts[0].get("result", ""),
                 f"the block is refused because the set is full: {ev.get('actions')}")
    full, _ = agent.wait_event("capacity", lambda s: s.get("resource") == "block_set",
                               timeout_s=5)
    v.expect(full is not None and full.get("severity") == "critical",
             f"a critical capacity alert about the block set: {full}")
    v.expect(elements(lab) == [FILLER], f"the set did not grow: {elements(lab)}")
    sc.finish()
    v.expect(agent.stop() == 0, "the agent did not exit 0 on SIGTERM")


sys.exit(run_test("detect_set_full", "sfl", ["nft"], body))
