#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""System test of the report's rendering (issue 7, section 5).

report_demo writes a page (every kind of chart, a gap, a band, a vanished
interface, hostile names) and single SVGs from generated data.  This test:

  - checks every SVG with xmllint --noout, and each chart inlined in the page
    the same way (the page is HTML, its charts must still be well-formed);
  - checks the files are self-contained: no URL but the SVG namespace, no
    script, no external reference, a Content-Security-Policy of
    default-src 'none'; hostile names only in their escaped form, no control
    byte anywhere; the week at 1 s resolution stays small;
  - renders the page and one SVG with headless Chromium, inside a network
    namespace it creates (root; exits 77 without), to PNGs, and checks that
    Chromium logged no console message and that the page started no network
    request (Chromium's own net log).  A control page with a script and an
    image URL first shows that both checks see what they look for.

Usage: report_test.py REPORT_DEMO
With CONNMON_REPORT_KEEP=DIR the files and screenshots are left in DIR.
"""
import glob
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

SKIP = 77
NS = "cmrep-%d" % os.getpid()
HOSTILE_RAW = "evil<script>"
HOSTILE_SHOWN = "evil&lt;script&gt;&amp;&quot;\\x1b[31m"  # the backslash is literal
SVG_NS = "http://www.w3.org/2000/svg"
failures = []


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def check(what, ok, detail=""):
    log("%s: %s%s" % ("ok" if ok else "FAIL", what, (" (%s)" % detail) if detail and not ok else ""))
    if not ok:
        failures.append(what)


def xmllint(data, name):
    r = subprocess.run(["xmllint", "--noout", "-"], input=data, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=60)
    check("xmllint accepts %s" % name, r.returncode == 0, r.stderr.decode(errors="replace")[:400])


def check_self_contained(name, text):
    urls = [u for u in re.findall(r"[a-zA-Z][a-zA-Z0-9+.-]*://[^\s\"'<>)]*", text) if u != SVG_NS]
    check("%s holds no URL but the SVG namespace" % name, not urls, " ".join(urls[:3]))
    for bad in ("<script", "src=", "href=", "url(", "@import", "<link", "<img", "<iframe"):
        check("%s holds no %s" % (name, bad), bad not in text.lower())
    check("%s holds no raw hostile name" % name, HOSTILE_RAW not in text)
    ctl = [c for c in text if (ord(c) < 0x20 and c not in "\n\t") or 0x7f <= ord(c) < 0xa0]
    check("%s holds no control character" % name, not ctl, repr(ctl[:3]))


def check_files(out):
    for path in sorted(glob.glob(os.path.join(out, "*.svg"))):
        name = os.path.basename(path)
        data = open(path, "rb").read()
        xmllint(data, name)
        check_self_contained(name, data.decode("utf-8"))
    check("week.svg (7 days of 1 s samples) is under 512 KiB",
          os.path.getsize(os.path.join(out, "week.svg")) < 512 * 1024)
    check("ifaces.svg shows the hostile interface escaped",
          HOSTILE_SHOWN in open(os.path.join(out, "ifaces.svg"), encoding="utf-8").read())
    check("empty.svg says there is no data",
          "no data in this range" in open(os.path.join(out, "empty.svg"), encoding="utf-8").read())

    page = open(os.path.join(out, "report.html"), encoding="utf-8").read()
    check_self_contained("report.html", page)
    check("report.html forbids every fetch (CSP)", "default-src 'none'" in page)
    check("report.html shows the hostile names escaped", page.count(HOSTILE_SHOWN) >= 4)
    svgs = re.findall(r"<svg .*?</svg>", page, re.S)
    check("report.html holds 7 inline charts", len(svgs) == 7, str(len(svgs)))
    for i, svg in enumerate(svgs):
        xmllint(svg.replace("<svg ", '<svg xmlns="%s" ' % SVG_NS, 1).encode(), "inline chart %d" % i)
    # Every kind of chart, with what it must show.
    check("a stacked chart", 'class="cm-area"' in page)
    check("a baseline band", '<path class="cm-band" d="M' in page)
    check("an alert mark", 'class="cm-mark"' in page)
    check("a chart without data", "no data in this range" in page)
    lines = re.findall(r'class="cm-line" fill="none" stroke="[^"]*" d="([^"]*)"', page)
    check("a line broken by a gap", any(d.count("M") > 1 for d in lines))
    check("a table beside a chart", '<div class="pair">' in page and "<table>" in page)


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    if len(head) < 24 or head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", head[16:24])


def chromium(url, png, size, work, tag):
    """Renders url to png inside the test's namespace; returns (stderr text, page requests)."""
    netlog = os.path.join(work, "netlog-%s.json" % tag)
    profile = tempfile.mkdtemp(prefix="profile-", dir=work)
    args = ["ip", "netns", "exec", NS, "chromium", "--headless", "--no-sandbox", "--disable-gpu",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--no-first-run", "--user-data-dir=" + profile, "--enable-logging=stderr", "--v=0",
            "--log-net-log=" + netlog, "--screenshot=" + png, "--window-size=" + size, url]
    try:
        r = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    except subprocess.TimeoutExpired:
        return "chromium timed out", []
    err = r.stderr.decode(errors="replace")
    requests = []
    try:
        net = json.load(open(netlog))
    except (OSError, ValueError) as e:
        return err + "\nno net log: %s" % e, ["(no net log)"]
    names = {v: k for k, v in net["constants"]["logEventTypes"].items()}
    for ev in net["events"]:
        p = ev.get("params", {})
        # Chromium's own fetches (updates, time) have no origin; the page's have one.
        if (names.get(ev["type"]) == "URL_REQUEST_START_JOB" and "url" in p
                and p.get("initiator") != "not an origin"):
            requests.append(p["url"])
    return err, requests


def console_lines(err):
    """Console messages, but those of Chromium's own chrome:// pages (its new-tab UI)."""
    return [l for l in err.splitlines()
            if (":CONSOLE" in l or "Refused to" in l) and "source: chrome://" not in l]


def render(out):
    ctl = os.path.join(out, "control.html")
    with open(ctl, "w") as f:
        f.write('<!DOCTYPE html><html><body><img src="http://127.0.0.1:9/x.png">'
                '<script>console.error("control")</script></body></html>\n')
    err, req = chromium("file://" + ctl, os.path.join(out, "control.png"), "400,300", out, "control")
    check("the console check sees a console message", len(console_lines(err)) > 0, err[-400:])
    check("the request check sees a page's request", any("127.0.0.1:9" in u for u in req), str(req))

    for name, size in (("report.html", "1280,2400"), ("report.html", "800,2400"),
                       ("states.svg", "1000,560")):
        tag = "%s-%s" % (name.split(".")[0], size.split(",")[0])
        png = os.path.join(out, tag + ".png")
        err, req = chromium("file://" + os.path.join(out, name), png, size, out, tag)
        want = tuple(int(x) for x in size.split(","))
        check("%s renders at %s" % (name, size), png_size(png) == want, err[-600:])
        check("%s at %s: no console message" % (name, size), not console_lines(err),
              "\n".join(console_lines(err))[:600])
        check("%s at %s: no network request" % (name, size), not req, " ".join(req)[:300])
        # A blank or broken render compresses to almost nothing.
        check("%s at %s: the picture has content" % (name, size),
              os.path.exists(png) and os.path.getsize(png) > 30000)


def main():
    if len(sys.argv) != 2:
        log("usage: report_test.py REPORT_DEMO")
        return 2
    for tool in ("xmllint", "chromium", "ip"):
        if not shutil.which(tool):
            log("'%s' is missing (scripts/setup.sh test installs it)" % tool)
            return 1
    keep = os.environ.get("CONNMON_REPORT_KEEP")
    out = keep or tempfile.mkdtemp(prefix="cmreport-")
    os.makedirs(out, exist_ok=True)
    try:
        r = subprocess.run([sys.argv[1], out], stderr=subprocess.PIPE, timeout=120)
        check("report_demo writes its files", r.returncode == 0, r.stderr.decode(errors="replace"))
        if r.returncode != 0:
            return 1
        check_files(out)
        if os.geteuid() != 0:
            log("skip: rendering needs root for its network namespace")
            return 1 if failures else SKIP
        subprocess.run(["ip", "netns", "add", NS], check=True, timeout=30)
        try:
            subprocess.run(["ip", "-n", NS, "link", "set", "lo", "up"], check=True, timeout=30)
            render(out)
        finally:
            subprocess.run(["ip", "netns", "del", NS], timeout=30)
    finally:
        if not keep:
            shutil.rmtree(out, ignore_errors=True)
        else:
            log("files and screenshots kept in %s" % out)
    log("%d failure(s)" % len(failures) if failures else "all checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
