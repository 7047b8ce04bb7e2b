#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The cost of one GET /metrics through the agent's local socket against TCP loopback.

Usage (root): sock_bench.py CONNMON SOCK_BENCH [SOCK_GET] [REQUESTS]
Runs an agent in a network namespace it creates (a tick a minute, so that sampling stays out of
the figures), then, in alternating rounds, REQUESTS (default 1,000) requests through each
transport with the same client code (sock_bench), one connection per request.  The agent's CPU
time is read from /proc/PID/stat before and after each round, the client's from its own rusage.
Prints the median round of each transport, client + agent, and the ratio unix / TCP; with
SOCK_GET, also the cost of the same requests through collect/agent_link.
docs/PERFORMANCE.md ("Local socket") records a run.
"""

import os
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

CM, BENCH = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
GET = os.path.abspath(sys.argv[3]) if len(sys.argv) > 3 and sys.argv[3] != "-" else None
N = int(sys.argv[4]) if len(sys.argv) > 4 else 1000
NS = f"cmsockb{os.getpid()}"
ROUNDS = 5
HZ = os.sysconf("SC_CLK_TCK")


def agent_cpu_ms(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / HZ  # utime + stime


def in_ns(*args):
    return ["ip", "netns", "exec", NS, *args]


def round_bench(pid, argv):
    """(client ms, agent ms, wall s) of one round of N requests."""
    a0, t0 = agent_cpu_ms(pid), time.monotonic()
    out = subprocess.run(in_ns(*argv), capture_output=True, text=True, timeout=300, check=True)
    wall, a1 = time.monotonic() - t0, agent_cpu_ms(pid)
    words = out.stdout.split()
    client = int(words[words.index("user_ms") + 1]) + int(words[words.index("sys_ms") + 1])
    return client, a1 - a0, wall


def round_link(pid, path):
    r0, a0 = resource.getrusage(resource.RUSAGE_CHILDREN), agent_cpu_ms(pid)
    subprocess.run([GET, path, "/metrics", str(N)], capture_output=True, timeout=300, check=True)
    r1, a1 = resource.getrusage(resource.RUSAGE_CHILDREN), agent_cpu_ms(pid)
    client = (r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime) * 1000
    return client, a1 - a0, 0.0


def wait_ready(proc, path):
    for _ in range(300):
        if proc.poll() is not None:
            return False
        if os.path.exists(path) and subprocess.run(
                in_ns(BENCH, "unix", path, "/metrics", "1"), capture_output=True).returncode == 0:
            return True
        time.sleep(0.1)
    return False


def report(name, rounds):
    client = statistics.median(r[0] for r in rounds)
    agent = statistics.median(r[1] for r in rounds)
    print(f"{name:<22} client {client:7.1f} ms  agent {agent:7.1f} ms  "
          f"total {client + agent:7.1f} ms  per request {(client + agent) * 1000 / N:6.1f} us")
    return client + agent


def main():
    if os.geteuid() != 0:
        print("SKIP: needs root")
        return 77
    tmp = tempfile.mkdtemp(prefix="connmon-sockb-")
    path = os.path.join(tmp, "agent.sock")
    with open(os.path.join(tmp, "c.conf"), "w") as f:
        f.write(f"[agent]\ninterval = 60s\nlisten = 127.0.0.1:9556\nsocket = {path}\n"
                "[detect]\ncapture = off\njournal = no\n")
    subprocess.run(["ip", "netns", "add", NS], check=True)
    proc = None
    try:
        subprocess.run(in_ns("ip", "link", "set", "lo", "up"), check=True)
        proc = subprocess.Popen(in_ns(CM, "agent", "--config", os.path.join(tmp, "c.conf"),
                                      "--db", os.path.join(tmp, "a.db")),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not wait_ready(proc, path):
            print("FAIL: the agent did not serve its socket")
            return 1
        size = subprocess.run(in_ns(BENCH, "unix", path, "/metrics", "1"), capture_output=True,
                              text=True).stdout.split()[3]
        print(f"{N} x GET /metrics ({size} bytes an answer), one connection each, "
              f"median of {ROUNDS} rounds")
        unix, tcp, link = [], [], []
        for _ in range(ROUNDS):
            unix.append(round_bench(proc.pid, [BENCH, "unix", path, "/metrics", str(N)]))
            tcp.append(round_bench(proc.pid, [BENCH, "tcp", "127.0.0.1", "9556", "/metrics",
                                              str(N)]))
            if GET:
                link.append(round_link(proc.pid, path))
        u = report("unix socket", unix)
        t = report("TCP loopback", tcp)
        if GET:
            report("unix via agent_link", link)
        print(f"ratio unix / TCP (client + agent CPU): {u / t:.2f}")
        return 0
    finally:
        if proc:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        subprocess.run(["ip", "netns", "del", NS])
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
