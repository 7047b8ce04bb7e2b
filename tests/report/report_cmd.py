#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""`connmon report` on a recorded database, end to end.

gen_baseline writes four weeks of minute rollups with stored bands; then
  - the HTML report holds every section's chart, the baseline band, and passes
    the self-containment checks (no URL, no script, CSP default-src 'none');
  - each single chart as SVG is well-formed (xmllint) and self-contained;
  - headless Chromium (inside a network namespace this test creates) renders the
    page with no console message and no network request;
  - bad input: a wrong extension or an unknown chart exits 2, a missing
    database exits 1 naming it.
Exit 77 without root, ip netns, chromium or xmllint.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import report_test as rt  # noqa: E402  (its checks and its Chromium driver)

CM, GEN = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
CHARTS = ("states", "listeners", "peers", "ifaces", "proto", "procs")


def cm(*args):
    return subprocess.run([CM, *args], capture_output=True, text=True, timeout=120)


def main():
    if os.geteuid() != 0 or not all(shutil.which(x) for x in ("ip", "chromium", "xmllint")):
        print("SKIP: needs root, ip netns, chromium and xmllint")
        return 77
    out = tempfile.mkdtemp(prefix="cmreport.")
    db = os.path.join(out, "h.db")
    rt.NS = "cmrepc-%d" % os.getpid()
    try:
        env = dict(os.environ, TZ="UTC")
        subprocess.run([GEN, db, "28", str(int(time.time())), "0", "--set", "real", "--iface",
                        "eth0", "--bands"], check=True, stdout=subprocess.DEVNULL, env=env)
        page = os.path.join(out, "report.html")
        r = cm("report", "--db", db, "--since", "-3d", "-o", page)
        rt.check("report -o FILE.html exits 0", r.returncode == 0, r.stderr)
        text = open(page, encoding="utf-8").read()
        rt.check_self_contained("report.html", text)
        rt.check("report.html forbids every fetch (CSP)", "default-src 'none'" in text)
        svgs = re.findall(r"<svg .*?</svg>", text, re.S)
        rt.check("report.html holds a chart per section", len(svgs) >= len(CHARTS), str(len(svgs)))
        rt.check("the states chart is stacked", 'class="cm-area"' in text)
        rt.check("the baseline band is drawn", '<path class="cm-band" d="M' in text)
        for i, svg in enumerate(svgs):
            rt.xmllint(svg.replace("<svg ", '<svg xmlns="%s" ' % rt.SVG_NS, 1).encode(),
                       "inline chart %d" % i)
        for chart in CHARTS:
            path = os.path.join(out, chart + ".svg")
            r = cm("report", "--db", db, "--since", "-3d", "-o", path, chart)
            rt.check("report -o %s.svg %s exits 0" % (chart, chart), r.returncode == 0, r.stderr)
            if r.returncode == 0:
                data = open(path, "rb").read()
                rt.xmllint(data, chart + ".svg")
                rt.check_self_contained(chart + ".svg", data.decode("utf-8"))

        subprocess.run(["ip", "netns", "add", rt.NS], check=True)
        subprocess.run(["ip", "-n", rt.NS, "link", "set", "lo", "up"], check=True)
        png = os.path.join(out, "report.png")
        err, req = rt.chromium("file://" + page, png, "1280,2600", out, "cmd")
        rt.check("the report renders", rt.png_size(png) == (1280, 2600), err[-400:])
        rt.check("no console message", not rt.console_lines(err), "\n".join(rt.console_lines(err)))
        rt.check("no network request", not req, " ".join(req)[:300])
        rt.check("the picture has content", os.path.exists(png) and os.path.getsize(png) > 30000)

        r = cm("report", "--db", db, "-o", os.path.join(out, "x.txt"))
        rt.check("-o FILE.txt exits 2", r.returncode == 2 and "FILE.html" in r.stderr, r.stderr)
        r = cm("report", "--db", db, "-o", os.path.join(out, "x.svg"), "nosuch")
        rt.check("an unknown chart exits 2 naming it", r.returncode == 2 and "nosuch" in r.stderr,
                 r.stderr)
        r = cm("report", "--db", os.path.join(out, "none.db"), "-o", page)
        rt.check("a missing database exits 1 naming it",
                 r.returncode == 1 and "none.db" in r.stderr, r.stderr)
    finally:
        subprocess.run(["ip", "netns", "del", rt.NS], stderr=subprocess.DEVNULL)
        if os.environ.get("CONNMON_REPORT_KEEP"):
            print("kept", out)
        else:
            shutil.rmtree(out, ignore_errors=True)
    print("%d failed" % len(rt.failures))
    return 1 if rt.failures else 0


if __name__ == "__main__":
    sys.exit(main())
