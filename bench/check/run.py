#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""`connmon check` at 10,000 connections against the cron script it replaces (issue 8).

    bench/check/run.py BUILD_DIR [RUNS]       (root; BUILD_DIR a release build)

In a network namespace of its own, bench/cm-fixture holds 10,000 established
loopback TCP connections (20 processes of 500).  Then, RUNS times (default
10) each, inside the namespace:

  connmon check --interval 1 --config EMPTY --db NONE   (every rule, one look)
  the seed's check as a shell script: ss -s; the ESTABLISHED count; the
  connections per remote address (ss -tan | awk | sort | uniq -c | sort -rn);
  the SYN-RECV count; TIME-WAIT's share; netstat -s's listen overflows

CPU is user + system time of the whole process tree (rusage of the waited
children), per run; the medians are compared.  Goal (exit 1 when missed):
connmon check <= 50 ms of CPU.  The ratio against the script is printed, not
judged.  Exit 2 when the set-up fails, 77 without root.  Prints a markdown
table (docs/PERFORMANCE.md, "connmon check").
"""
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

CONNS = 10000
CONN_PER_PROC = 500
GOAL_MS = 50.0
SCRIPT = r"""
ss -s >/dev/null
est=$(ss -tanH state established | wc -l)
ss -tanH state established | awk '{print $4}' | sed 's/:[0-9]*$//' | sort | uniq -c | sort -rn | head -5 >/dev/null
syn=$(ss -tanH state syn-recv | wc -l)
tw=$(ss -tanH state time-wait | wc -l)
all=$(ss -tanH | wc -l)
netstat -s 2>/dev/null | grep -i 'listen' >/dev/null
echo "$est $syn $tw $all"
"""


def run(args, **kw):
    return subprocess.run(args, check=True, capture_output=True, text=True, **kw).stdout


def cpu_ms(args):
    """Runs args to the end; the CPU of its process tree in ms and its exit status."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    p = subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    used = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return used * 1000.0, p.returncode


def main():
    if os.geteuid() != 0:
        print("skip: needs root")
        return 77
    build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build-rel")
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    cm = os.path.join(build, "connmon")
    fixture = os.path.join(build, "bench", "cm-fixture")
    ns = f"cmchk{os.getpid()}"
    tmp = tempfile.mkdtemp(prefix="cmchk")
    fx = None
    try:
        run(["ip", "netns", "add", ns])
        run(["ip", "-n", ns, "link", "set", "lo", "up"])
        nsx = ["ip", "netns", "exec", ns]
        run(nsx + ["sysctl", "-qw", "net.ipv4.ip_local_port_range=1024 65000"])
        out = os.path.join(tmp, "fixture.out")
        with open(out, "wb") as f:
            fx = subprocess.Popen(nsx + [fixture, "-p", str(CONNS // CONN_PER_PROC), "-c",
                                         str(CONN_PER_PROC), "-t", "600"], stdout=f,
                                  stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        for _ in range(1200):
            if open(out, "rb").read().startswith(b"ready"):
                break
            if fx.poll() is not None:
                print("cm-fixture exited: " + open(out).read())
                return 2
            time.sleep(0.1)
        est = run(nsx + ["ss", "-tanH", "state", "established"]).count("\n")
        if est < 2 * CONNS:
            print(f"ss sees {est} established sockets, expected {2 * CONNS}")
            return 2
        conf = os.path.join(tmp, "empty.conf")
        open(conf, "w").close()
        check = nsx + [cm, "check", "--interval", "1", "--config", conf, "--db",
                       os.path.join(tmp, "none.db")]
        script = nsx + ["sh", "-c", SCRIPT]
        cm_ms, sh_ms, codes = [], [], set()
        for _ in range(runs):
            ms, rc = cpu_ms(check)
            cm_ms.append(ms)
            codes.add(rc)
            sh_ms.append(cpu_ms(script)[0])
        if codes - {0, 1, 2}:
            print(f"connmon check exited {sorted(codes)}")
            return 2
        c, s = statistics.median(cm_ms), statistics.median(sh_ms)
        print(f"| figure ({est // 2} connections, {runs} runs, medians) | value |")
        print("| --- | --- |")
        print(f"| `connmon check` CPU (goal <= {GOAL_MS:.0f} ms) | {c:.1f} ms "
              f"(min {min(cm_ms):.1f}, max {max(cm_ms):.1f}) |")
        print(f"| the cron script's CPU (ss, awk, sort, netstat) | {s:.1f} ms |")
        print(f"| ratio connmon / script | {c / s:.2f} |")
        return 0 if c <= GOAL_MS else 1
    finally:
        if fx:
            fx.terminate()
            try:
                fx.wait(30)
            except subprocess.TimeoutExpired:
                fx.kill()
        subprocess.run(["ip", "netns", "del", ns], stderr=subprocess.DEVNULL)
        subprocess.run(["rm", "-rf", tmp])


if __name__ == "__main__":
    sys.exit(main())
