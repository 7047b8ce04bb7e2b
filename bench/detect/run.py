#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Detection speed and the agent under a SYN flood (issue 8, "Performance").

    bench/detect/run.py BUILD_DIR [FLOOD_S]      (root; BUILD_DIR a release build)

Uses the namespace lab and the scenarios of tests/detect (attacker, victim,
benign client; every attack bounded in count and time).

1. Latency, RUNS times each (default 3), a fresh lab and agent per run
   (`connmon agent --interval 1 --respond on` in the victim):
   SYN flood (hping3, 20,000 SYNs at up to 20,000/s), port scan (nmap -sS,
   ports 1-200) and 200 connections from one address.  Measured: from just
   before the attack's first packet to the alert line in the alerts file
   (and to the event's own time), and from the alert line's appearance to the
   attacker's address appearing in the kernel set of `inet connmon` (nft
   polled every 10 ms; negative: the set held it first, since the agent acts
   on an event before it records and sends it; a rule that logs first and
   blocks when it escalates, as port_scan, counts from its first alert).  Goals: every attack -> alert <= 2 s; every alert -> block <= 0.5 s.
2. Flood: hping3 --flood from the attacker for FLOOD_S seconds (default 20)
   at a victim listener while the agent (respond = off, /metrics on the
   victim namespace's own 127.0.0.1:9556) runs.  The rate reached is the
   victim's vatk rx_packets over the flood; the agent's late ticks are
   connmon_agent_late_ticks_total before and after, its ticks the count it
   logs at exit, its CPU utime + stime from /proc.  Goal: no late tick at
   >= 50,000 packets/s (a lower rate makes the goal unmeasured: exit 1, said).

Exit 0 when every goal is met, 1 when one is missed, 2 when the set-up fails,
77 without root or while the agent lacks issue 8's options.
Environment: RUNS, ONLY (a list of syn,scan,perip,flood).
Prints a markdown table for docs/PERFORMANCE.md.
"""
import os
import re
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "detect"))
from agentctl import Agent, missing_interface  # noqa: E402
from netlab import Lab, log, need_root, skip  # noqa: E402
from scenarios import HarnessError, PerIpConnections, PortScan, SynFlood  # noqa: E402

BUILD = sys.argv[1] if len(sys.argv) > 1 else "build"
CM = os.path.abspath(os.path.join(BUILD, "connmon"))
FLOOD_S = int(sys.argv[2]) if len(sys.argv) > 2 else 20
RUNS = int(os.environ.get("RUNS", "3"))
ONLY = os.environ.get("ONLY", "syn,scan,perip,flood").split(",")
ALERT_GOAL_S, BLOCK_GOAL_S, FLOOD_PPS = 2.0, 0.5, 50000


class BlockWatch:
    """Polls the victim's `inet connmon` sets every 10 ms until addr appears (at most max_s)."""

    def __init__(self, agent, addr, max_s=20):
        self.agent, self.addr, self.max_s = agent, addr, max_s
        self.at = None
        self.t = threading.Thread(target=self._run, daemon=True)
        self.t.start()

    def _run(self):
        end = time.monotonic() + self.max_s
        while self.at is None and time.monotonic() < end:
            if self.agent.blocked(self.addr):
                self.at = time.time()
            time.sleep(0.01)

    def wait(self, timeout_s):
        self.t.join(timeout_s)
        return self.at


SCENARIOS = {
    "syn": ("syn_flood", lambda lab: SynFlood(lab, count=20000),
            lambda lab, sc: (lambda s: s.get("port") == sc.port)),
    "scan": ("port_scan", lambda lab: PortScan(lab),
             lambda lab, sc: (lambda s: s.get("addr") == sc.src)),
    "perip": ("per_ip_connections", lambda lab: PerIpConnections(lab),
              lambda lab, sc: (lambda s: s.get("addr") == sc.src)),
}


def one_latency(kind):
    rule, make, pred = SCENARIOS[kind]
    lab = Lab(f"bd{kind[:2]}")
    try:
        lab.setup()
        sc = make(lab)
        sc.prepare()
        agent = Agent(lab, CM, respond="on")
        agent.start()
        watch = BlockWatch(agent, lab.attacker_ip)
        sc.start()
        ev, seen = agent.wait_event(rule, pred(lab, sc), timeout_s=15)
        blocked = watch.wait(5)
        sc.finish(timeout_s=30)
        agent.stop()
        if ev is None:
            return None, None
        # Both ends polled by us (10 ms): the event's own time is the tick's
        # stamp on the interval grid, up to half an interval off.
        return seen - sc.t0, (blocked - seen) if blocked else None
    finally:
        lab.cleanup()


def latencies():
    rows, ok = [], True
    for kind in ("syn", "scan", "perip"):
        if kind not in ONLY:
            continue
        alerts, blocks = [], []
        for i in range(RUNS):
            a, b = one_latency(kind)
            log(f"{kind} run {i + 1}: alert {a}, block {b}")
            alerts.append(a)
            blocks.append(b)
        good_a = [a for a in alerts if a is not None]
        good_b = [b for b in blocks if b is not None]
        met_a = len(good_a) == RUNS and max(good_a) <= ALERT_GOAL_S
        met_b = len(good_b) == RUNS and max(good_b) <= BLOCK_GOAL_S
        ok = ok and met_a and met_b
        rows.append((SCENARIOS[kind][0], fmt(good_a, RUNS), met_a, fmt(good_b, RUNS), met_b))
    print("\n| attack | attack -> alert (s) min / median / max | <= 2 s | "
          "alert -> kernel set (s) min / median / max | <= 0.5 s |")
    print("| --- | --- | --- | --- | --- |")
    for r in rows:
        yes = ("yes" if r[2] else "NO", "yes" if r[4] else "NO")
        print(f"| {r[0]} | {r[1]} | {yes[0]} | {r[3]} | {yes[1]} |")
    return ok


def fmt(vals, runs):
    if not vals:
        return f"none of {runs} runs"
    miss = f" ({runs - len(vals)} of {runs} runs without)" if len(vals) < runs else ""
    return (f"{min(vals):.3f} / {statistics.median(vals):.3f} / {max(vals):.3f}" + miss)


def scrape(lab, what):
    code = ("import urllib.request\n"
            "print(urllib.request.urlopen('http://127.0.0.1:9556/metrics', timeout=5)"
            ".read().decode())")
    text = lab.run(lab.victim, [sys.executable, "-c", code], timeout=20).stdout
    m = re.search(r"^connmon_agent_late_ticks_total(?:\{\})? (\S+)$", text, re.M)
    if not m:
        raise HarnessError(f"no connmon_agent_late_ticks_total on /metrics ({what})")
    return float(m.group(1))


def cpu_s(pid):
    """utime + stime of pid and its children (`ip netns exec` forks the agent), in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    total = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    with open(f"/proc/{pid}/task/{pid}/children") as f:
        for child in f.read().split():
            total += cpu_s(int(child))
    return total


def flood(plain):
    lab = Lab("bdfl")
    try:
        lab.setup()
        sc = SynFlood(lab, flood=True, seconds=FLOOD_S)
        sc.prepare()
        agent = Agent(lab, CM, respond="off", listen="127.0.0.1:9556", plain=plain)
        agent.start(settle_s=2)
        late0, cpu0 = scrape(lab, "before"), cpu_s(agent.proc.pid)
        sc.start()
        sc.finish()
        late1, cpu1 = scrape(lab, "after"), cpu_s(agent.proc.pid)
        sc.check()
        agent.stop()
        m = re.search(r"stopped after (\d+) ticks", agent.log_text())
        ticks = m.group(1) if m else "?"
    finally:
        lab.cleanup()
    pps = sc.evidence["rx_packets_per_s"]
    late = late1 - late0
    cpu = 100 * (cpu1 - cpu0) / sc.elapsed
    print(f"\n| SYN flood | packets/s at the victim | seconds | agent ticks (whole run) | "
          f"late ticks during the flood | agent CPU during the flood |")
    print("| --- | --- | --- | --- | --- | --- |")
    print(f"| hping3 --flood | {pps:,} | {sc.elapsed:.1f} | {ticks} | {late:.0f} | {cpu:.1f} % |")
    if pps < FLOOD_PPS:
        print(f"the flood reached {pps:,} packets/s, below the {FLOOD_PPS:,} the goal is stated "
              "for: not measured")
        return False
    return late == 0


def main():
    need_root(["hping3", "nmap", "nft"])
    reason = missing_interface(CM, "--alerts-file", "--respond")
    try:
        ok = True
        if set(ONLY) & set(SCENARIOS) and not reason:
            ok = latencies()
        if "flood" in ONLY:
            if reason:
                print("flood: the agent without issue 8's options (no rules evaluated)")
            ok = flood(bool(reason)) and ok
    except (HarnessError, AssertionError, subprocess.SubprocessError, RuntimeError) as e:
        print(f"bench detect: set-up failed: {e}")
        return 2
    if reason:
        print(f"latencies not measured: {reason}")
        if ok:
            skip(reason)
    print("bench detect: " + ("every goal met" if ok else "a goal missed"))
    return 0 if ok else 1


sys.exit(main())
