#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""CPU of `connmon proto` one-shot against nstat over the same 1 s interval.

    bench/proto/cpu_vs_nstat.py BUILD_DIR [ROUNDS]     (default 10 rounds)

Each round, interleaved so background noise hits both alike:
  connmon proto -s 1 >/dev/null                (two samples 1 s apart)
  nstat -n; sleep 1; nstat >/dev/null             (the nstat equivalent; only
                                                  the two nstat processes count)
CPU is user + system time of the measured processes from wait4()'s rusage.
Prints per-tool medians, the ratio nstat / connmon, and whether connmon meets
the goal (< 5 ms of CPU).  nstat keeps its history in a private temporary
file (NSTAT_HISTORY), so the caller's own nstat history is not touched.
Exit 0 if the goal is met, 1 if not, 2 if a command cannot run or fails.
"""
import os
import statistics
import subprocess
import sys
import tempfile
import time

GOAL_MS = 5.0


def cpu_ms(args, env=None):
    """Runs args with stdout to /dev/null; returns its CPU time in ms."""
    with open(os.devnull, "wb") as null:
        p = subprocess.Popen(args, stdout=null, env=env)
        _, status, ru = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode:
        print(f"bench: {args[0]} failed with {p.returncode}", file=sys.stderr)
        sys.exit(2)
    return (ru.ru_utime + ru.ru_stime) * 1000.0


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    connmon = os.path.join(sys.argv[1], "connmon")
    rounds = int(sys.argv[2]) if len(sys.argv) == 3 else 10
    cm, ns = [], []
    with tempfile.TemporaryDirectory(prefix="cmproto-bench-") as tmp:
        env = dict(os.environ, NSTAT_HISTORY=os.path.join(tmp, "hist"))
        for _ in range(rounds):
            cm.append(cpu_ms([connmon, "proto", "-s", "1"]))
            a = cpu_ms(["nstat", "-n"], env)
            time.sleep(1)
            ns.append(a + cpu_ms(["nstat"], env))
    mc, mn = statistics.median(cm), statistics.median(ns)
    print("| command | CPU median (ms) | min | max |")
    print("| --- | --- | --- | --- |")
    print(f"| `connmon proto` (1 s) | {mc:.2f} | {min(cm):.2f} | {max(cm):.2f} |")
    print(f"| `nstat -n; sleep 1; nstat` | {mn:.2f} | {min(ns):.2f} | {max(ns):.2f} |")
    print(f"ratio nstat/connmon: {mn / mc:.2f}x ({rounds} rounds); goal < {GOAL_MS} ms: "
          f"{'met' if mc < GOAL_MS else 'NOT met'}")
    return 0 if mc < GOAL_MS else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except OSError as e:
        print(f"bench: {e}", file=sys.stderr)
        sys.exit(2)
