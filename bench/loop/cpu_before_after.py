#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""CPU of the shared sampling loop against the per-command loops it replaced.

    bench/loop/cpu_before_after.py BUILD_DIR [SECONDS] [BEFORE_COMMIT]

Builds BEFORE_COMMIT (default e7e93ff, the last commit with a loop per
command) in a temporary worktree (release, as `make release`), then runs, at
the same time for SECONDS (default 60):

  before: connmon ifaces -w 1     after: connmon ifaces -w 1
  before: connmon proto -w 1      after: connmon proto -w 1

all four (COPIES times each, interleaved) with stdout to /dev/null, reads the CPU time each has used from
/proc/PID/schedstat (nanoseconds of run time: rusage's tick-sampled user and
system times cannot tell 10 ms from 15 ms), then ends them with SIGINT.
Running them side by side gives both the same background.  Prints each pair and the ratio
after / before; the goal is that the shared loop costs no more (ratio <= 1.10,
the noise of two 60 s runs of a few ms of CPU each).  Exit 0 when both meet it.
"""
import os
import signal
import subprocess
import sys
import tempfile
import time

GOAL = 1.10
# copies of each of the four run side by side; their mean evens out a stray wake-up
COPIES = 10


def build_before(commit, tmp):
    top = subprocess.run(["git", "rev-parse", "--show-toplevel"], capture_output=True,
                         text=True, check=True, cwd=os.path.dirname(os.path.abspath(__file__))).stdout.strip()
    wt = os.path.join(tmp, "before")
    subprocess.run(["git", "-C", top, "worktree", "add", "-q", "--detach", wt, commit], check=True)
    try:
        subprocess.run(["meson", "setup", os.path.join(wt, "b"), wt, "--buildtype=release",
                        "-Db_lto=true"], check=True, stdout=subprocess.DEVNULL)
        subprocess.run(["ninja", "-C", os.path.join(wt, "b"), "connmon"], check=True,
                       stdout=subprocess.DEVNULL)
        exe = os.path.join(tmp, "connmon-before")
        os.rename(os.path.join(wt, "b", "connmon"), exe)
        return exe
    finally:
        subprocess.run(["git", "-C", top, "worktree", "remove", "--force", wt])


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    after = os.path.abspath(os.path.join(sys.argv[1], "connmon"))
    secs = float(sys.argv[2]) if len(sys.argv) > 2 else 60.0
    commit = sys.argv[3] if len(sys.argv) > 3 else "e7e93ff"
    with tempfile.TemporaryDirectory() as tmp:
        before = build_before(commit, tmp)
        runs = {}
        null = open(os.devnull, "wb")
        for i in range(COPIES):
            for cmd in ("ifaces", "proto"):
                for name, exe in (("before", before), ("after", after)):
                    runs[(cmd, name, i)] = subprocess.Popen([exe, cmd, "-w", "1"], stdout=null)
        time.sleep(secs)
        cpu = {}
        for key, p in runs.items():
            with open("/proc/%d/schedstat" % p.pid) as f:
                k = key[:2]
                cpu[k] = cpu.get(k, 0.0) + int(f.read().split()[0]) / 1e6 / COPIES
        for key, p in runs.items():
            p.send_signal(signal.SIGINT)
        for key, p in runs.items():
            _, status, _ = os.wait4(p.pid, 0)
            if os.waitstatus_to_exitcode(status) not in (0, -signal.SIGINT, 130):
                sys.exit("%s %s failed: %s" % (key[1], key[0], status))
    ok = True
    print("CPU over %.0f s of -w 1 (ms of run time, /proc/PID/schedstat, mean of %d copies), "
          "same run:" % (secs, COPIES))
    print("%-8s %10s %10s %8s %6s" % ("command", "before", "after", "ratio", "goal"))
    for cmd in ("ifaces", "proto"):
        b, a = cpu[(cmd, "before")], cpu[(cmd, "after")]
        ratio = a / b if b > 0 else float("inf")
        met = ratio <= GOAL
        ok &= met
        print("%-8s %10.1f %10.1f %8.3f %6s %s" % (cmd, b, a, ratio, "<=%.2f" % GOAL,
                                                  "PASS" if met else "MISSED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
