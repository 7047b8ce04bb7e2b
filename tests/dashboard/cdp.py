# SPDX-License-Identifier: GPL-2.0-or-later
"""A headless Chromium driven over the DevTools protocol, standard library only.

Chromium runs with --remote-debugging-pipe: it reads commands from its fd 3
and writes answers and events to its fd 4, each message one JSON object
ended by a NUL.  No port is opened, so nothing outside the test can reach
the browser.  The browser runs inside a network namespace (ip netns exec).

    b = Browser(ns, workdir)            # about:blank, 1280x800
    b.call("Page.navigate", url=...)    # a command of the page's session
    b.evaluate("1 + 1")                 # a JS expression's value (promises awaited)
    b.wait_for("expr", timeout)         # polls until expr is truthy
    b.problems()                        # console errors, exceptions, CSP violations
    b.close()

Every wait is bounded; a command with no answer within its timeout raises.
"""

import base64
import fcntl
import json
import os
import queue
import shutil
import subprocess
import tempfile
import threading
import time
import zlib

# Recorded before any script of the page runs: CSP violations the page's own
# code cannot see otherwise (a blocked inline script, style or fetch).
CSP_HOOK = """
window.__cm_csp = [];
document.addEventListener('securitypolicyviolation', (e) =>
    window.__cm_csp.push(e.violatedDirective + ' ' + e.blockedURI));
"""


class Browser:
    def __init__(self, ns, work, width=1280, height=800, timeout=30):
        self.work = work
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="chromium-", dir=work)
        to_chrome_r, self._w = os.pipe()
        self._r, from_chrome_w = os.pipe()
        # Above 9, so bash's 3<&A 4>&B cannot overwrite one with the other.
        a = fcntl.fcntl(to_chrome_r, fcntl.F_DUPFD, 10)
        b = fcntl.fcntl(from_chrome_w, fcntl.F_DUPFD, 10)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        args = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe",
                "--user-data-dir=" + self.profile, "--no-first-run", "--no-default-browser-check",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-extensions", "--hide-scrollbars", "--mute-audio",
                "--window-size=%d,%d" % (width, height), "about:blank"]
        cmd = "exec " + " ".join("'%s'" % x for x in args) + " 3<&%d 4>&%d" % (a, b)
        self.log = open(os.path.join(work, "chromium.log"), "ab")
        self.proc = subprocess.Popen(["ip", "netns", "exec", ns, "bash", "-c", cmd], pass_fds=(a, b),
                                     stdout=self.log, stderr=self.log, stdin=subprocess.DEVNULL)
        os.close(a)
        os.close(b)
        self._id = 0
        self._answers = {}
        self._cond = threading.Condition()
        self.events = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.session = None
        targets = self.call("Target.getTargets", session=False)["targetInfos"]
        page = next(t for t in targets if t["type"] == "page")
        self.session = self.call("Target.attachToTarget", session=False, targetId=page["targetId"],
                                 flatten=True)["sessionId"]
        for domain in ("Runtime", "Log", "Page"):
            self.call(domain + ".enable")
        self.call("Page.addScriptToEvaluateOnNewDocument", source=CSP_HOOK)
        self.call("Emulation.setDeviceMetricsOverride", width=width, height=height,
                  deviceScaleFactor=1, mobile=False)

    def _read(self):
        buf = b""
        while True:
            try:
                chunk = os.read(self._r, 65536)
            except OSError:
                chunk = b""
            if not chunk:
                with self._cond:
                    self._answers[None] = "closed"
                    self._cond.notify_all()
                return
            buf += chunk
            while b"\0" in buf:
                raw, buf = buf.split(b"\0", 1)
                msg = json.loads(raw)
                with self._cond:
                    if "id" in msg:
                        self._answers[msg["id"]] = msg
                    else:
                        self.events.append(msg)
                    self._cond.notify_all()

    def call(self, method, session=True, timeout=None, **params):
        """Sends one command, returns its result; raises RuntimeError on an error or a timeout."""
        with self._cond:
            self._id += 1
            mid = self._id
        msg = {"id": mid, "method": method, "params": params}
        if session and self.session:
            msg["sessionId"] = self.session
        os.write(self._w, json.dumps(msg).encode() + b"\0")
        end = time.monotonic() + (timeout or self.timeout)
        with self._cond:
            while mid not in self._answers:
                left = end - time.monotonic()
                if left <= 0 or None in self._answers:
                    raise RuntimeError("%s: no answer from chromium" % method)
                self._cond.wait(left)
            ans = self._answers.pop(mid)
        if "error" in ans:
            raise RuntimeError("%s: %s" % (method, ans["error"].get("message")))
        return ans.get("result", {})

    def evaluate(self, expr, timeout=None):
        """The value of a JS expression (JSON-able), a promise awaited; raises on an exception."""
        r = self.call("Runtime.evaluate", expression=expr, returnByValue=True, awaitPromise=True,
                      timeout=timeout)
        if "exceptionDetails" in r:
            raise RuntimeError("evaluate %r: %s" % (expr[:80], r["exceptionDetails"].get("text")))
        return r["result"].get("value")

    def wait_for(self, expr, timeout=20, step=0.1):
        """Polls expr until it is truthy; returns its value, or None after timeout seconds."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                v = self.evaluate(expr)
            except RuntimeError:  # a page being replaced: its context is gone
                v = None
            if v:
                return v
            time.sleep(step)
        return None

    def navigate(self, url):
        """Starts loading url; returns once the new document is there (scripts may still run)."""
        self.call("Page.navigate", url=url)
        self.wait_for("document.readyState !== 'loading' && location.href === %s" % json.dumps(url), 20, 0.01)

    def problems(self):
        """Console errors and warnings, uncaught exceptions and CSP violations seen so far."""
        out = []
        with self._cond:
            events = list(self.events)
        for ev in events:
            m, p = ev.get("method"), ev.get("params", {})
            if m == "Runtime.exceptionThrown":
                d = p.get("exceptionDetails", {})
                out.append("exception: %s %s" % (d.get("text"), d.get("exception", {}).get("description", "")))
            elif m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "warning", "assert"):
                out.append("console.%s: %s" % (p["type"], " ".join(str(a.get("value", a.get("description")))
                                                                    for a in p.get("args", []))))
            elif m == "Log.entryAdded" and p.get("entry", {}).get("level") in ("error", "warning"):
                e = p["entry"]
                out.append("log %s/%s: %s %s" % (e.get("source"), e["level"], e.get("text"), e.get("url", "")))
        try:
            out += ["csp: " + v for v in self.evaluate("window.__cm_csp || []")]
        except RuntimeError as e:
            out.append(str(e))
        return out

    def screenshot(self, path, selector=None):
        """Saves a PNG of the viewport, or of the element selector matches; returns the path."""
        params = {"format": "png"}
        if selector:
            r = self.evaluate("(() => { const r = document.querySelector(%s).getBoundingClientRect();"
                              " return [r.left + scrollX, r.top + scrollY, r.width, r.height]; })()"
                              % json.dumps(selector))
            params["clip"] = {"x": r[0], "y": r[1], "width": max(1, r[2]), "height": max(1, r[3]),
                              "scale": 1}
            params["captureBeyondViewport"] = True
        data = self.call("Page.captureScreenshot", **params)["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))
        return path

    def close(self):
        try:
            self.call("Browser.close", session=False, timeout=5)
        except RuntimeError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self._w, self._r):
            try:
                os.close(fd)
            except OSError:
                pass
        self.log.close()
        shutil.rmtree(self.profile, ignore_errors=True)


def png_colours(path, limit=4096):
    """(width, height, distinct colours up to limit) of an 8-bit non-interlaced PNG."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return 0, 0, 0
    pos, idat, hdr = 8, b"", None
    while pos + 8 <= len(data):
        n = int.from_bytes(data[pos:pos + 4], "big")
        kind = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            hdr = body
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    w, h = int.from_bytes(hdr[0:4], "big"), int.from_bytes(hdr[4:8], "big")
    depth, ctype, interlace = hdr[8], hdr[9], hdr[12]
    bpp = {2: 3, 6: 4}.get(ctype)
    if depth != 8 or interlace or not bpp:
        return w, h, 0
    raw = zlib.decompress(idat)
    stride = w * bpp
    prev = bytearray(stride)
    colours = set()
    for y in range(h):
        ft = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if ft == 1:
                line[i] = (line[i] + a) & 255
            elif ft == 2:
                line[i] = (line[i] + b) & 255
            elif ft == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif ft == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        prev = line
        if len(colours) < limit and y % 2 == 0:
            for x in range(0, stride, bpp * 3):
                colours.add(bytes(line[x:x + 3]))
    return w, h, min(len(colours), limit)
