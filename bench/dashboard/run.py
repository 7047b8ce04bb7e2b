#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""How long the dashboard takes to load with a week of history (docs/PERFORMANCE.md, "Dashboard").

    bench/dashboard/run.py BUILD_DIR [DB]

In a network namespace it creates: a recording agent on a database holding
a week of history and baselines (DB, else one made by bench/api/mkweek) and
headless Chromium driven over the DevTools protocol (tests/dashboard/cdp.py).
Each of 5 rounds navigates to the page with the 7-day history range selected
(#range=7d) and reads the page's marker `connmon-ready`, set when the first
data of every panel is drawn: its time since the navigation started is the
figure.  The peer, measured in the same run on the same database: `connmon
report` rendering the same 7 days to HTML, then Chromium loading that file
(generation + load, the way to see those charts without the agent).  Prints
the medians and their ratio; exit 1 when the page's median is above 1 s.
Root; exit 77 without root, 2 without chromium or curl.
"""

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "dashboard"))
import cdp  # noqa: E402

ROUNDS = 5
PORT = 9556
NS = "cmdashb-%d" % os.getpid()
BASE = "http://127.0.0.1:%d" % PORT


def run(*args, timeout=600):
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=True)


def wait_http(path, timeout=20):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        r = subprocess.run(["ip", "netns", "exec", NS, "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                            "--max-time", "2", BASE + path], capture_output=True, text=True)
        if r.stdout.strip() == "200":
            return True
        time.sleep(0.2)
    return False


def page_rounds(b):
    out = []
    for _ in range(ROUNDS):
        b.navigate("about:blank")
        b.wait_for("location.href === 'about:blank'", 5)
        b.navigate(BASE + "/#range=7d")
        ms = b.wait_for("(performance.getEntriesByName('connmon-ready')[0] || {}).startTime", 20, 0.02)
        if not ms:
            raise RuntimeError("the page set no ready marker within 20 s: drawn %s"
                               % b.evaluate("document.documentElement.dataset.drawn"))
        src = b.evaluate("document.querySelector('#c-history').dataset.source")
        pts = b.evaluate("document.querySelector('#c-history').dataset.points")
        # The 7-day request's own time (resource timing), to say where the time goes.
        req = b.evaluate("Math.max(0, ...performance.getEntriesByType('resource')"
                         ".filter((e) => e.name.includes('since=-7d')).map((e) => e.duration))")
        out.append(ms)
        print("  page: %.0f ms to every panel drawn (history from %s, %s points; its request %.0f ms)"
              % (ms, src, pts, req), flush=True)
    return out


def report_rounds(b, cm, db, work):
    out = []
    for i in range(ROUNDS):
        html = os.path.join(work, "report-%d.html" % i)
        t0 = time.monotonic()
        run(cm, "report", "--since", "-7d", "--db", db, "-o", html)
        gen = (time.monotonic() - t0) * 1000
        b.navigate("about:blank")
        b.wait_for("location.href === 'about:blank'", 5)
        b.navigate("file://" + html)
        b.wait_for("document.readyState === 'complete' && location.protocol === 'file:'", 30, 0.02)
        load = b.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd")
        out.append(gen + load)
        print("  peer: %.0f ms (connmon report %.0f ms + Chromium load %.0f ms)" % (gen + load, gen, load), flush=True)
    return out


def main():
    if len(sys.argv) not in (2, 3):
        print(__doc__)
        return 2
    build = sys.argv[1]
    cm = os.path.join(build, "connmon")
    if os.geteuid() != 0:
        print("SKIP: needs root (network namespaces)")
        return 77
    if not shutil.which("chromium") or not shutil.which("curl"):
        print("chromium or curl is missing (scripts/setup.sh bench installs them)")
        return 2
    work = tempfile.mkdtemp(prefix="cmdashb.")
    db = sys.argv[2] if len(sys.argv) == 3 else os.path.join(work, "week.db")
    agent = None
    run("ip", "netns", "add", NS)
    try:
        run("ip", "netns", "exec", NS, "ip", "link", "set", "lo", "up")
        if len(sys.argv) == 2:
            print("making a week of history (bench/api/mkweek)...", flush=True)
            run(os.path.join(HERE, "..", "api", "mkweek"), build, db)
        conf = os.path.join(work, "empty.conf")
        open(conf, "w").close()
        agent = subprocess.Popen(["ip", "netns", "exec", NS, cm, "agent", "--config", conf, "--db", db,
                                  "--listen", "127.0.0.1:%d" % PORT], stdout=subprocess.DEVNULL,
                                 stderr=open(os.path.join(work, "agent.log"), "w"))
        if not wait_http("/api/v1/live"):
            print("the agent does not answer /api/v1/live")
            return 1
        time.sleep(2)
        b = cdp.Browser(NS, work)
        try:
            b.navigate(BASE + "/#range=7d")  # one warm-up load, not counted
            b.wait_for("(performance.getEntriesByName('connmon-ready')[0] || {}).startTime", 20)
            page = page_rounds(b)
            peer = report_rounds(b, cm, db, work)
        finally:
            b.close()
    finally:
        if agent and agent.poll() is None:
            agent.terminate()
            agent.wait(timeout=20)
        subprocess.run(["ip", "netns", "delete", NS])
        shutil.rmtree(work, ignore_errors=True)
    pm, rm = statistics.median(page), statistics.median(peer)
    print("dashboard, 7 days of history: page ready in %.0f ms (median of %d); "
          "peer connmon report + load %.0f ms; ratio %.2f" % (pm, ROUNDS, rm, pm / rm))
    return 0 if pm <= 1000 else 1


if __name__ == "__main__":
    sys.exit(main())
