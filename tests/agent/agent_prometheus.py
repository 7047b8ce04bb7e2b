#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The agent's /metrics scraped by a real Prometheus (Debian's `prometheus`).

Inside a network namespace this test creates (loopback only): a fixed set of
sockets (listeners, established pairs, CLOSE-WAIT ones), the agent listening on
loopback, and Prometheus scraping it every second with its own config and data
directory.  After a few scrapes a PromQL query through Prometheus's HTTP API
must return, per state, the counts `ss -tan` shows in the namespace;
`promtool check metrics` must accept a scrape as it is.  Exit 77 without root,
ip netns or prometheus.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

CM = os.path.abspath(sys.argv[1])
NS = "cmprom%d" % os.getpid()
AGENT_PORT, PROM_PORT = 19561, 19562
FAILS = []

SOCKETS = r"""
import socket, time
ls = [socket.socket() for _ in range(3)]
for i, s in enumerate(ls):
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", 7100 + i)); s.listen(64)
held = []
for i in range(12):
    c = socket.create_connection(("127.0.0.1", 7100 + i % 3)); a, _ = ls[i % 3].accept()
    held += [c, a]
for c in held[:8:2]:
    c.close()          # 4 peers close: their accepted ends sit in CLOSE-WAIT
print("ready", flush=True)
time.sleep(120)
"""

# ss's state names -> the agent's state labels
STATES = {"ESTAB": "established", "LISTEN": "listen", "CLOSE-WAIT": "close_wait",
          "FIN-WAIT-2": "fin_wait2", "TIME-WAIT": "time_wait", "SYN-RECV": "syn_recv"}


def check(cond, what):
    print(("ok: " if cond else "FAIL: ") + what, flush=True)
    if not cond:
        FAILS.append(what)


def in_ns(*args, **kw):
    return ["ip", "netns", "exec", NS, *args]


def query(q, key="state"):
    url = "http://127.0.0.1:%d/api/v1/query?%s" % (PROM_PORT, urllib.parse.urlencode({"query": q}))
    out = subprocess.run(in_ns(sys.executable, "-c",
                               "import sys,urllib.request;sys.stdout.write(urllib.request.urlopen("
                               "sys.argv[1],timeout=5).read().decode())", url),
                         capture_output=True, text=True, timeout=20)
    data = json.loads(out.stdout or "{}")
    if data.get("status") != "success":
        return None
    return {r["metric"].get(key): float(r["value"][1]) for r in data["data"]["result"]}


def ss_counts(*filt):
    out = subprocess.run(in_ns("ss", "-Htan", *filt), capture_output=True, text=True).stdout
    counts = {}
    for line in out.splitlines():
        st = STATES.get(line.split()[0])
        if st:
            counts[st] = counts.get(st, 0) + 1
    return counts


def main():
    if os.geteuid() != 0 or not all(shutil.which(x) for x in ("ip", "prometheus", "promtool")):
        print("SKIP: needs root, ip netns, prometheus and promtool")
        return 77
    tmp = tempfile.mkdtemp(prefix="cmprom.")
    procs = []
    subprocess.run(["ip", "netns", "add", NS], check=True)
    try:
        subprocess.run(["ip", "-n", NS, "link", "set", "lo", "up"], check=True)
        socks = subprocess.Popen(in_ns(sys.executable, "-c", SOCKETS), stdout=subprocess.PIPE,
                                 text=True)
        procs.append(socks)
        check(socks.stdout.readline().strip() == "ready", "the sockets are set up")
        conf = os.path.join(tmp, "agent.conf")
        with open(conf, "w") as f:
            f.write("[agent]\nlisten = 127.0.0.1:%d\n" % AGENT_PORT)
        agent = subprocess.Popen(in_ns(CM, "agent", "--config", conf, "--db",
                                       os.path.join(tmp, "a.db")),
                                 stderr=open(os.path.join(tmp, "agent.log"), "w"))
        procs.append(agent)
        pconf = os.path.join(tmp, "prometheus.yml")
        with open(pconf, "w") as f:
            f.write("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
                    "scrape_configs:\n  - job_name: connmon\n    static_configs:\n"
                    "      - targets: ['127.0.0.1:%d']\n" % AGENT_PORT)
        prom = subprocess.Popen(in_ns("prometheus", "--config.file=" + pconf,
                                      "--storage.tsdb.path=" + os.path.join(tmp, "data"),
                                      "--web.listen-address=127.0.0.1:%d" % PROM_PORT,
                                      "--log.level=warn"),
                                stdout=subprocess.DEVNULL,
                                stderr=open(os.path.join(tmp, "prometheus.log"), "w"))
        procs.append(prom)
        # Prometheus's own scrapes and queries come and go (ESTAB, TIME-WAIT on the
        # agent's and Prometheus's ports); the fixture's states do not.  So: the states
        # the scrapes never touch, from the whole table, and the fixture's listening
        # ports' sockets per state, from the per-port series.
        fixture = ("( sport >= :7100 and sport <= :7102 )",)
        want = want_ports = got = got_ports = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            time.sleep(1)
            allst = ss_counts()
            want = {k: allst.get(k, 0) for k in ("listen", "close_wait", "fin_wait2")}
            ports = ss_counts(*fixture)  # a state filter would drop ss's State column
            want_ports = {k: ports.get(k, 0) for k in ("established", "close_wait")}
            try:
                got = query('connmon_tcp_sockets{job="connmon"}')
                got_ports = query('sum by (state) (connmon_tcp_port_sockets{job="connmon",'
                                  'port=~"7100|7101|7102"})')
            except (ValueError, OSError, subprocess.TimeoutExpired):
                got = got_ports = None
            if (got and got_ports and all(got.get(k) == v for k, v in want.items()) and
                    all(got_ports.get(k) == v for k, v in want_ports.items())):
                break
        print("ss: %s, fixture ports %s\nprometheus: %s, fixture ports %s"
              % (want, want_ports, got, got_ports), flush=True)
        check(want_ports == {"established": 8, "close_wait": 4} and want["fin_wait2"] == 4,
              "ss sees the fixture (8 established and 4 close-wait on its ports, 4 fin-wait-2)")
        check(got is not None and all(got.get(k) == v for k, v in want.items()),
              "PromQL returns the LISTEN, CLOSE-WAIT and FIN-WAIT-2 counts ss shows")
        check(got_ports is not None and all(got_ports.get(k) == v for k, v in want_ports.items()),
              "PromQL returns the fixture ports' per-state counts ss shows")
        scrape = subprocess.run(in_ns(sys.executable, "-c",
                                      "import sys,urllib.request;sys.stdout.write(urllib.request."
                                      "urlopen('http://127.0.0.1:%d/metrics',timeout=5).read()"
                                      ".decode())" % AGENT_PORT),
                                capture_output=True, text=True, timeout=20).stdout
        r = subprocess.run(["promtool", "check", "metrics"], input=scrape, capture_output=True,
                           text=True)
        check(r.returncode == 0 and scrape.count("\n") > 100,
              "promtool check metrics accepts a scrape of the agent (%s)" % (r.stdout + r.stderr)[:300])
        cw = query('sum(connmon_process_close_wait_sockets{job="connmon"})')
        check(cw is not None and sum(cw.values()) == 4,
              "the CLOSE-WAIT holders add up to ss's count (%s)" % cw)
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    p.kill()
        subprocess.run(["ip", "netns", "del", NS])
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d failed" % len(FAILS))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
