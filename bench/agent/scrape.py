#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The scraper of bench/agent/run.py: GETs HTTP endpoints at fixed rates.

    scrape.py --log FILE --max-seconds S [--watch NAME]... TARGET...
    scrape.py --once URL OUT_FILE

TARGET is NAME=URL@RATE (RATE in scrapes per second), for example
agent=http://127.0.0.1:9556/metrics@1.  Run inside the benchmark's network
namespace (ip netns exec), as a process of its own so that its CPU is
charged to no collector.

Each target has a thread and one kept-alive HTTP/1.1 connection (as
Prometheus scrapes), reopened after an error.  Scrapes are due at fixed
slots start + k / RATE; a scrape that runs past its next slot skips the
slots it missed rather than bunching up.  After each scrape one line goes
to the log:

    NAME EPOCH_S LATENCY_S STATUS BYTES [METRIC=VALUE]...

EPOCH_S is the wall-clock start (time.time()), so run.py can pick the
scrapes inside its measurement window; STATUS is the HTTP status or
"err"; each --watch NAME that the body holds as an unlabelled sample line,
or as a labelled one given whole (e.g. 'x{state="established"}'), is
logged with its value (no blanks in NAME).  The log is flushed after every
line.  The scraper stops after --max-seconds, or at SIGTERM/SIGINT.

--once fetches URL a single time and writes the body to OUT_FILE; exit 1
if the fetch fails.
"""
import http.client
import signal
import sys
import threading
import time
import urllib.parse

TIMEOUT_S = 10.0


def parse_target(text):
    name, _, rest = text.partition("=")
    url, _, rate = rest.rpartition("@")
    u = urllib.parse.urlsplit(url)
    if not name or u.scheme != "http" or not u.hostname or float(rate) <= 0:
        raise ValueError(f"bad target '{text}' (NAME=http://HOST:PORT/PATH@RATE)")
    path = u.path + ("?" + u.query if u.query else "")
    return name, u.hostname, u.port or 80, path or "/", float(rate)


def watched(body, names):
    """The values of the watched sample lines, as 'NAME=VALUE' words."""
    found = []
    if not names:
        return found
    for line in body.splitlines():
        key, _, value = line.rpartition(b" ")
        if key and key.decode("utf-8", "replace") in names:
            found.append(f"{key.decode()}={value.decode('utf-8', 'replace')}")
    return found


class Target:
    def __init__(self, spec, log, lock, names, stop):
        self.name, self.host, self.port, self.path, self.rate = parse_target(spec)
        self.log, self.lock, self.names, self.stop = log, lock, set(names), stop
        self.conn = None

    def get(self):
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=TIMEOUT_S)
        self.conn.request("GET", self.path)
        resp = self.conn.getresponse()
        return resp.status, resp.read()

    def scrape_once(self):
        t0 = time.time()
        m0 = time.monotonic()
        try:
            status, body = self.get()
        except (OSError, http.client.HTTPException):
            if self.conn is not None:
                self.conn.close()
            self.conn = None
            status, body = "err", b""
        words = [self.name, f"{t0:.3f}", f"{time.monotonic() - m0:.6f}", str(status),
                 str(len(body))] + watched(body, self.names)
        with self.lock:
            self.log.write(" ".join(words) + "\n")
            self.log.flush()

    def run(self, deadline):
        period = 1.0 / self.rate
        start = time.monotonic()
        k = 0
        while not self.stop.is_set():
            due = start + k * period
            now = time.monotonic()
            if due >= deadline:
                break
            if due > now and self.stop.wait(due - now):
                break
            self.scrape_once()
            # The next slot after now: late scrapes skip slots, never bunch up.
            k = max(k + 1, int((time.monotonic() - start) / period) + 1)


def once(url, out):
    name, host, port, path, _ = parse_target(f"x={url}@1")
    conn = http.client.HTTPConnection(host, port, timeout=TIMEOUT_S)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        body = resp.read()
    except (OSError, http.client.HTTPException) as e:
        print(f"scrape: {url}: {e}", file=sys.stderr)
        return 1
    with open(out, "wb") as f:
        f.write(body)
    return 0 if resp.status == 200 else 1


def main(argv):
    if len(argv) == 4 and argv[1] == "--once":
        return once(argv[2], argv[3])
    log_path, max_s, names, specs = None, None, [], []
    args = iter(argv[1:])
    for a in args:
        if a == "--log":
            log_path = next(args)
        elif a == "--max-seconds":
            max_s = float(next(args))
        elif a == "--watch":
            names.append(next(args))
        else:
            specs.append(a)
    if not log_path or max_s is None or not specs:
        sys.exit(__doc__)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    deadline = time.monotonic() + max_s
    lock = threading.Lock()
    with open(log_path, "a", encoding="utf-8") as log:
        targets = [Target(s, log, lock, names, stop) for s in specs]
        threads = [threading.Thread(target=t.run, args=(deadline,), daemon=True) for t in targets]
        for th in threads:
            th.start()
        # The main thread waits so that signals are handled promptly.
        while not stop.wait(0.2) and time.monotonic() < deadline:
            pass
        stop.set()
        for th in threads:
            th.join(TIMEOUT_S + 1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
