#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The dashboard page in headless Chromium against a real agent (docs/DASHBOARD.md).

Inside a network namespace it creates: a database with two days of history
and baselines (bench/api/mkweek), a block made by `connmon block`, a TCP
server holding NCONN connections, a recording agent serving the page and the
API on 127.0.0.1 (with a rule that fires on the listeners), and Chromium
driven over the DevTools protocol (cdp.py).

Checks:
  - / and /index.html are the page, with the Content-Security-Policy;
  - every panel is drawn (the page's ready marker), and its screenshot at
    1280x800 has content (size and colours); the whole page at 1920x1080 and
    at 420 px wide has no horizontal overflow; a dark colour scheme is followed;
  - no console error or warning, no exception, no CSP violation (and a
    control: an image from another origin is seen as a violation);
  - the numbers the page shows (its data-v attributes) equal /api/v1/live's
    for the same t_ms, and the held connections are among them;
  - the alert that fires is listed, in the history table too;
  - the 7-day and 15-minute history ranges draw from the store (and the ring),
    with the baseline band and the alert marked, never more points than
    pixels; hovering shows the time, the value and the band;
  - unblock: a wrong token shows the API's sentence and keeps the block; the
    right one removes it (connmon blocks --json agrees).

Usage: dashboard_test.py CONNMON MKWEEK BUILD_DIR LOG_DIR
Exit 77 without root; 1 when ip, curl or chromium is missing.  Screenshots are
left in LOG_DIR.
"""

import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cdp  # noqa: E402

NCONN = 6
PORT = 9556
BLOCKED = "192.0.2.7"
NS = "cmdash-%d" % os.getpid()
BASE = "http://127.0.0.1:%d" % PORT
PANELS = ["header", "kpis", "states", "traffic", "health", "peers", "ports", "procs", "alerts",
          "blocks", "history"]
failures = []

# An alert that fires 2 s after the agent starts (the test's listeners), for
# the alerts panel and the history's marks.
RULE = """[rule "dash_listen"]
series = connmon_tcp_sockets{state="listen"}
above = 0
for = 2s
severity = warning
"""

# Holds NCONN connections to a listener on 127.0.0.1:8080 until killed.
HOLDER = """
import socket, time
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 8080)); srv.listen(64)
cl = [socket.create_connection(("127.0.0.1", 8080)) for _ in range(%d)]
acc = [srv.accept()[0] for _ in cl]
print("ready", flush=True)
time.sleep(600)
""" % NCONN


def check(what, cond, detail=""):
    print(("ok   " if cond else "FAIL ") + what + ("" if cond or not detail else ": " + str(detail)[:800]),
          flush=True)
    if not cond:
        failures.append(what)
    return cond


def run(*args, timeout=120, check_rc=True):
    r = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    if check_rc and r.returncode != 0:
        raise RuntimeError("%s: exit %d: %s" % (" ".join(args), r.returncode, r.stderr[-600:]))
    return r


def in_ns(*args, **kw):
    return run("ip", "netns", "exec", NS, *args, **kw)


def curl(*args):
    return in_ns("curl", "-s", "--max-time", "5", *args, check_rc=False)


def wait_http(path, timeout=20):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        r = curl("-o", "/dev/null", "-w", "%{http_code}", BASE + path)
        if r.stdout.strip() == "200":
            return True
        time.sleep(0.2)
    return False


def near(a, b):
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)


# Everything the page shows of one tick, as it stored the raw values.
READ_PAGE = """(() => {
  const v = (sel) => { const e = document.querySelector(sel); return e ? e.dataset.v : undefined; };
  const rows = (id, cols) => Array.from(document.querySelectorAll('#' + id + ' tr')).filter((tr) => !tr.querySelector('.none'))
    .map((tr) => cols.map((c) => tr.querySelector('[data-col="' + c + '"]').dataset.v));
  const legend = (id) => Object.fromEntries(Array.from(document.querySelectorAll('#' + id + ' .item'))
    .map((it) => [it.dataset.key, it.querySelector('b').dataset.v]));
  return { t: document.documentElement.dataset.tMs, states: legend('l-states'), traffic: legend('l-traffic'),
    health: legend('l-health'), kpi_est: v('#kpi-established .v'), kpi_blocks: v('#kpi-blocks .v'),
    kpi_alerts: v('#kpi-alerts .v'), header_t: v('#h-time'),
    peers: rows('t-peers', ['addr', 'sockets', 'established']), ports: rows('t-ports', ['port', 'sockets']),
    procs: rows('t-procs', ['pid', 'comm']),
    firing: Array.from(document.querySelectorAll('#a-firing li[data-id]')).map((li) => Number(li.dataset.id)),
    history: rows('t-alerts', ['rule', 'status']) };
})()"""


def num(s):
    return None if s in (None, "") else float(s)


def compare_live(b):
    """Reads the page and /api/v1/live until both show the same tick; compares them."""
    for _ in range(30):
        page = b.evaluate(READ_PAGE)
        live = b.evaluate("fetch('/api/v1/live', {cache: 'no-store'}).then((r) => r.json())")
        if page["t"] and int(page["t"]) == live["t_ms"]:
            break
        time.sleep(0.3)
    else:
        return check("the page and /api/v1/live meet on one tick", False, (page["t"], live["t_ms"]))
    check("the page's time is the tick's", num(page["header_t"]) == live["t_ms"])
    st = live["tcp_states"]
    bad = [s for s in st if not near(num(page["states"].get(s)), st[s])]
    check("TCP states equal the API's (%d states)" % len(st), not bad and len(st) == 11,
          [(s, page["states"].get(s), st[s]) for s in bad])
    check("the established figure equals the API's", near(num(page["kpi_est"]), st["established"]))
    check("the held connections are counted", st["established"] >= 2 * NCONN, st)
    for f in live["ifaces"]:
        for d in ("rx", "tx"):
            k = "%s:%s" % (f["name"], d)
            check("%s bytes/s equal the API's" % k, near(num(page["traffic"].get(k)), f[d + "_bytes_per_s"]),
                  (page["traffic"].get(k), f[d + "_bytes_per_s"]))
    h = live["health"]
    for k in ("retrans_segs_per_s", "listen_overflows_per_s", "estab_resets_per_s"):
        check("health %s equals the API's" % k, near(num(page["health"].get(k)), h[k]), (page["health"].get(k), h[k]))
    want = [[p["addr"], p["sockets"], p["established"]] for p in live["top_peers"]]
    got = [[r[0], num(r[1]), num(r[2])] for r in page["peers"]]
    check("top peers equal the API's", got == want, (got, want))
    check("the held connections' peer is on top", any(p[0] == "127.0.0.1" and p[1] >= 2 * NCONN for p in want), want)
    want = [[p["port"], p["sockets"]] for p in live["top_ports"]]
    got = [[num(r[0]), num(r[1])] for r in page["ports"]]
    check("top ports equal the API's", got == want, (got, want))
    check("the held connections' port is listed", any(p[0] == 8080 and p[1] >= NCONN for p in want), want)
    want = [[p["pid"], p["comm"]] for p in live["top_procs"]]
    got = [[num(r[0]), r[1]] for r in page["procs"]]
    check("top processes equal the API's", got == want, (got, want))
    want = [a["id"] for a in live["alerts_firing"]]
    check("the alerts firing equal the API's", page["firing"] == want, (page["firing"], want))
    check("the test's rule fires and is shown",
          any(a["rule"] == "dash_listen" for a in live["alerts_firing"]) and
          ["dash_listen", "firing"] in page["history"], (live["alerts_firing"], page["history"]))
    check("blocks and alerts figures equal the API's",
          near(num(page["kpi_blocks"]), live["blocks_active"]) and
          near(num(page["kpi_alerts"]), len(live["alerts_firing"])))
    return True


def shots(b, out):
    for p in PANELS:
        path = b.screenshot(os.path.join(out, "panel-%s.png" % p), "#p-" + p)
        w, h, colours = cdp.png_colours(path)
        check("panel %s has a picture with content (%dx%d, %d colours)" % (p, w, h, colours),
              w >= 200 and h >= 30 and colours >= 8 and os.path.getsize(path) > 1500)
    path = b.screenshot(os.path.join(out, "page-1280x800.png"))
    w, h, colours = cdp.png_colours(path)
    check("the page at 1280x800 (%d colours)" % colours, (w, h) == (1280, 800) and colours >= 32)


def sizes(b, out):
    for w, h in ((1920, 1080), (420, 900)):
        b.call("Emulation.setDeviceMetricsOverride", width=w, height=h, deviceScaleFactor=1, mobile=False)
        time.sleep(1.5)
        over = b.evaluate("document.documentElement.scrollWidth - innerWidth")
        check("no horizontal overflow at %dx%d" % (w, h), over <= 0, over)
        path = b.screenshot(os.path.join(out, "page-%dx%d.png" % (w, h)))
        check("the page at %dx%d has content" % (w, h), cdp.png_colours(path)[2] >= 32)
    b.call("Emulation.setDeviceMetricsOverride", width=1280, height=800, deviceScaleFactor=1, mobile=False)
    bg = "getComputedStyle(document.body).backgroundColor"
    light = b.evaluate(bg)
    b.call("Emulation.setEmulatedMedia", features=[{"name": "prefers-color-scheme", "value": "dark"}])
    time.sleep(1)
    dark = b.evaluate(bg)
    path = b.screenshot(os.path.join(out, "page-1280x800-dark.png"))
    check("a dark colour scheme is followed (%s, then %s)" % (light, dark),
          light != dark and cdp.png_colours(path)[2] >= 32)
    b.call("Emulation.setEmulatedMedia", features=[])
    time.sleep(1)


def history(b, out):
    for rng, sources in (("7d", ("minutes", "hours")), ("15m", ("ring", "ticks"))):
        b.evaluate("document.querySelector('#c-history').dataset.source = ''")
        b.evaluate("document.querySelector('[data-range=\"%s\"]').click()" % rng)
        src = b.wait_for("document.querySelector('#c-history').dataset.source", 20)
        d = b.evaluate("Object.assign({w: document.querySelector('#c-history').clientWidth,"
                       " paths: document.querySelectorAll('#c-history path[data-key]').length,"
                       " bands: document.querySelectorAll('#c-history path.band').length},"
                       " document.querySelector('#c-history').dataset)")
        check("history %s comes from %s (%s)" % (rng, "/".join(sources), src), src in sources, d)
        check("history %s draws a line over %s points" % (rng, d.get("points")),
              d["paths"] >= 1 and 0 < int(d["points"]) <= d["w"], d)
        check("history %s draws the baseline band (%s points)" % (rng, d.get("band")),
              int(d.get("band") or 0) > 0 and d["bands"] >= 1, d)
        marks = b.evaluate("document.querySelectorAll('#c-history path.mark').length")
        check("history %s marks the alert on the time axis" % rng, int(d.get("marks") or 0) >= 1 and marks >= 1, d)
        b.screenshot(os.path.join(out, "history-%s.png" % rng), "#p-history")
        if rng == "7d":
            hover(b)
    # A custom range: the last 3 hours but 10 minutes, typed as the browser's local time.
    b.evaluate("(() => { const f = (t) => { const d = new Date(t - d0.getTimezoneOffset() * 60e3);"
               " return d.toISOString().slice(0, 16); }, d0 = new Date(), now = Date.now();"
               " document.querySelector('[data-range=\"custom\"]').click();"
               " document.querySelector('#hist-from').value = f(now - 3 * 3600e3);"
               " document.querySelector('#hist-to').value = f(now - 600e3);"
               " document.querySelector('#c-history').dataset.source = '';"
               " document.querySelector('#hist-apply').click(); })()")
    src = b.wait_for("document.querySelector('#c-history').dataset.source", 20)
    span = b.evaluate("(() => { const p = Array.from(document.querySelectorAll('#c-history path[data-key]'));"
                      " return [p.length, Number(document.querySelector('#c-history').dataset.points)]; })()")
    info = b.evaluate("document.querySelector('#hist-info').textContent")
    check("a custom range draws (%s, %s points: %s)" % (src, span[1], info), src and span[0] >= 1 and span[1] > 0, info)


def hover(b):
    """The pointer over the middle of the history chart shows the time and the values there."""
    b.evaluate("document.querySelector('#c-history').scrollIntoView(); 1")
    r = b.evaluate("(() => { const r = document.querySelector('#c-history svg').getBoundingClientRect();"
                   " return [r.left, r.top, r.width, r.height]; })()")
    b.call("Input.dispatchMouseEvent", type="mouseMoved", x=r[0] + r[2] * 0.5, y=r[1] + r[3] * 0.5)
    tip = b.wait_for("(() => { const t = document.querySelector('#c-history .tip');"
                     " return t.style.display === 'block' && t.textContent; })()", 5)
    label = b.evaluate("document.querySelector('#l-history .item span:nth-child(2)').textContent")
    check("hovering the history shows a time and the value (%s)" % (tip or "")[:60],
          bool(tip) and tip[:2] == "20" and label in tip and "normal" in tip, tip)
    b.call("Input.dispatchMouseEvent", type="mouseMoved", x=1, y=1)


def unblock(b, cm, db, token):
    def blocked():
        r = in_ns(cm, "blocks", "--json", "--db", db, check_rc=False)
        return [x["addr"] for x in json.loads(r.stdout or "{}").get("blocks", [])]

    check("the block is listed in the page",
          b.wait_for("!!document.querySelector('button[data-addr=\"%s\"]')" % BLOCKED, 10))
    b.evaluate("sessionStorage.removeItem('connmon-token'); document.querySelector('button[data-addr=\"%s\"]').click()"
               % BLOCKED)
    check("unblock asks for the token", b.wait_for("document.querySelector('#b-token').classList.contains('shown')", 5))
    want = json.loads(curl("-X", "POST", "-H", "Content-Type: application/json", "-H", "Authorization: Bearer " + "0" * 64,
                           "-d", json.dumps({"addrs": [BLOCKED]}), BASE + "/api/v1/unblock").stdout or "{}").get("error")
    submit = ("(() => { const i = document.querySelector('#b-token-in'); i.value = %s;"
              " document.querySelector('#b-msg').textContent = ''; document.querySelector('#b-token').requestSubmit(); })()")
    b.evaluate(submit % json.dumps("f" * 64))
    msg = b.wait_for("document.querySelector('#b-msg').textContent", 10)
    check("a wrong token shows the API's sentence", msg and msg == want, (msg, want))
    check("a wrong token keeps the block", BLOCKED in blocked())
    check("a wrong token is forgotten and asked again",
          b.evaluate("sessionStorage.getItem('connmon-token') === null && "
                     "document.querySelector('#b-token').classList.contains('shown')"))
    b.evaluate(submit % json.dumps(token))
    msg = b.wait_for("document.querySelector('#b-msg').className.includes('ok') && document.querySelector('#b-msg').textContent", 10)
    check("the right token removes the block (%s)" % msg, msg and msg.startswith("Removed 1 block"), msg)
    check("connmon blocks agrees", BLOCKED not in blocked())
    gone = b.wait_for("!document.querySelector('button[data-addr=\"%s\"]')" % BLOCKED, 5)
    check("the page's list drops the block", gone)


def session(cm, db, tmp, out):
    r = curl("-D", "-", "-o", os.path.join(tmp, "index.html"), BASE + "/")
    head = r.stdout.lower()
    check("GET / answers 200 text/html", " 200" in head.split("\n")[0] and "content-type: text/html; charset=utf-8" in head, head)
    check("GET / carries the Content-Security-Policy", "content-security-policy: default-src 'self'" in head
          and "frame-ancestors 'none'" in head, head)
    page = open(os.path.join(tmp, "index.html"), "rb").read()
    r2 = curl(BASE + "/index.html")
    check("/index.html is the same page", r2.stdout.encode() == page and b"<html" in page)
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "src", "export", "dashboard.html")
    check("the page served is src/export/dashboard.html byte for byte", page == open(src, "rb").read())
    check("the page names no other origin", b"http://" not in page.replace(b"http://www.w3.org/2000/svg", b"")
          and b"https://" not in page)

    token = open(os.path.join(os.path.dirname(db), "api.token")).read().strip()
    b = cdp.Browser(NS, tmp)
    try:
        t0 = time.monotonic()
        b.navigate(BASE + "/")
        ready = b.wait_for("document.documentElement.dataset.ready", 20)
        check("every panel is drawn (%.2f s)" % (time.monotonic() - t0), ready,
              b.evaluate("document.documentElement.dataset.drawn"))
        time.sleep(3)  # a few live ticks in the charts
        shots(b, out)
        compare_live(b)
        history(b, out)
        sizes(b, out)
        probs = b.problems()
        check("no console error, exception or CSP violation", not probs, "\n".join(probs))
        b.evaluate("document.body.appendChild(Object.assign(document.createElement('img'), "
                   "{src: 'http://127.0.0.9:9/x.png'})); 1")
        time.sleep(0.5)
        check("control: an image from another origin is seen as a CSP violation",
              any("img-src" in p or "Content Security Policy" in p for p in b.problems()[len(probs):]), b.problems())
        unblock(b, cm, db, token)
    finally:
        b.close()


def main():
    if len(sys.argv) != 5:
        print(__doc__)
        return 2
    cm, mkweek, build, out = sys.argv[1:]
    if os.geteuid() != 0:
        print("SKIP: needs root (network namespaces)")
        return 77
    missing = [x for x in ("ip", "chromium", "curl") if not shutil.which(x)]
    if missing:
        print("'%s' missing (scripts/setup.sh test installs it)" % "', '".join(missing))
        return 1
    os.makedirs(out, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="cmdash.")
    db = os.path.join(tmp, "state", "connmon.db")
    os.makedirs(os.path.dirname(db))
    procs = []
    run("ip", "netns", "add", NS)
    try:
        in_ns("ip", "link", "set", "lo", "up")
        run(mkweek, build, db, "2", "1", timeout=300)
        in_ns(cm, "block", BLOCKED, "--reason", "dashboard test", "--db", db)
        conf = os.path.join(tmp, "agent.conf")
        with open(conf, "w") as f:
            f.write(RULE)
        holder = subprocess.Popen(["ip", "netns", "exec", NS, "python3", "-c", HOLDER], stdout=subprocess.PIPE,
                                  text=True)
        procs.append(holder)
        check("connections held", holder.stdout.readline().strip() == "ready")
        agent = subprocess.Popen(["ip", "netns", "exec", NS, cm, "agent", "--config", conf, "--db", db,
                                  "--listen", "127.0.0.1:%d" % PORT, "--interval", "1"],
                                 stdout=open(os.path.join(out, "agent.log"), "w"), stderr=subprocess.STDOUT)
        procs.append(agent)
        if check("the agent serves the page", wait_http("/") and wait_http("/api/v1/live")):
            time.sleep(2)
            session(cm, db, tmp, out)
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        run("ip", "netns", "delete", NS, check_rc=False)
        shutil.rmtree(tmp, ignore_errors=True)
    print("screenshots in %s" % out)
    print("%d failed" % len(failures) if failures else "all passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
