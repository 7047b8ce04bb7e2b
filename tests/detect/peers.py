#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""TCP endpoints the detection tests run inside their namespaces.

Every subcommand ends by itself after LIFE_S seconds at the latest (or
earlier on SIGTERM), so no endpoint outlives its test even if the test dies.
Servers print "ready PID" once listening; clients print "ready N" once they
hold their N connections (or "ready" when they start sending).

  peers.py serve ADDR PORT BACKLOG LIFE_S [COMM]
      accept, read and discard, close when the client closes (a well-behaved server)
  peers.py leak ADDR PORT LIFE_S [COMM]
      accept and never close: every client that closes leaves a CLOSE-WAIT socket
  peers.py hold ADDR PORT N SRC LIFE_S
      open N connections from source address SRC and hold them; close all on SIGTERM
  peers.py open-close ADDR PORT INITIAL EVERY_S STEPS LIFE_S
      connect and close INITIAL times at once, then once every EVERY_S, STEPS times
  peers.py http-serve ADDR PORT LIFE_S
      HTTP/1.1-like: answers each "GET /N" request with N bytes, keep-alive
  peers.py http-client ADDR PORT CONNS REQ_PER_S DURATION_S [close]
      CONNS keep-alive connections sending REQ_PER_S requests per second in
      total (with "close": a new connection per request, closed by the client)
  peers.py send ADDR PORT BYTES_PER_S DURATION_S
      one connection sending at BYTES_PER_S (paced in 10 ms steps) for DURATION_S
"""
import os
import selectors
import signal
import socket
import sys
import time

STOP = False


def on_term(_sig, _frm):
    global STOP
    STOP = True


def set_comm(name):
    """Names the process (what /proc/PID/comm, ss -p and connmon show)."""
    with open("/proc/self/comm", "w") as f:
        f.write(name[:15])


def listener(addr, port, backlog):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, port))
    ls.listen(backlog)
    ls.setblocking(False)
    return ls


def ready(what):
    print("ready", what, flush=True)


def serve(addr, port, backlog, life, comm=None, leak=False, http=False):
    if comm:
        set_comm(comm)
    ls = listener(addr, port, backlog)
    sel = selectors.DefaultSelector()
    sel.register(ls, selectors.EVENT_READ)
    ready(os.getpid())
    held = []
    bufs = {}
    end = time.monotonic() + life
    while not STOP and time.monotonic() < end:
        for key, _ in sel.select(0.2):
            s = key.fileobj
            if s is ls:
                try:
                    c, _ = ls.accept()
                except BlockingIOError:
                    continue
                if leak:
                    held.append(c)  # never read, never closed
                    continue
                sel.register(c, selectors.EVENT_READ)
                bufs[c] = b""
                continue
            try:
                data = s.recv(1 << 16)
            except (ConnectionResetError, BlockingIOError):
                data = b""
            if not data:
                sel.unregister(s)
                bufs.pop(s, None)
                s.close()
                continue
            if http:
                bufs[s] = answer(s, bufs[s] + data)
    return 0


def answer(s, buf):
    """Answers every complete request in buf; returns the rest."""
    while b"\r\n\r\n" in buf:
        req, buf = buf.split(b"\r\n\r\n", 1)
        try:
            n = int(req.split(b" ")[1].lstrip(b"/"))
        except (IndexError, ValueError):
            n = 0
        n = min(n, 1 << 20)
        s.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % n + b"x" * n)
    return buf


def hold(addr, port, n, src, life):
    conns = []
    for _ in range(n):
        c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        c.bind((src, 0))
        c.settimeout(5)
        c.connect((addr, port))
        conns.append(c)
    ready(len(conns))
    end = time.monotonic() + life
    while not STOP and time.monotonic() < end:
        time.sleep(0.1)
    for c in conns:
        c.close()
    return 0


def open_close(addr, port, initial, every, steps, life):
    end = time.monotonic() + life

    def one():
        c = socket.create_connection((addr, port), timeout=5)
        c.close()

    for _ in range(initial):
        one()
    ready(initial)
    for _ in range(steps):
        if STOP or time.monotonic() + every > end:
            break
        time.sleep(every)
        one()
    while not STOP and time.monotonic() < end:
        time.sleep(0.1)
    return 0


def request(c, size):
    c.sendall(b"GET /%d HTTP/1.1\r\nHost: victim\r\n\r\n" % size)
    buf = b""
    while b"\r\n\r\n" not in buf:
        d = c.recv(4096)
        if not d:
            raise ConnectionError("server closed")
        buf += d
    head, body = buf.split(b"\r\n\r\n", 1)
    want = int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0])
    while len(body) < want:
        d = c.recv(65536)
        if not d:
            raise ConnectionError("short body")
        body += d


def http_client(addr, port, conns, rate, duration, close=False):
    pool = [] if close else [socket.create_connection((addr, port), timeout=5)
                             for _ in range(conns)]
    ready(len(pool))
    end = time.monotonic() + duration
    i = 0
    nxt = time.monotonic()
    while not STOP and time.monotonic() < end:
        size = 200 + (i * 7919) % 4000
        if close:
            c = socket.create_connection((addr, port), timeout=5)
            request(c, size)
            c.close()
        else:
            request(pool[i % len(pool)], size)
        i += 1
        nxt += 1.0 / rate
        time.sleep(max(0.0, nxt - time.monotonic()))
    for c in pool:
        c.close()
    print("requests", i, flush=True)
    return 0


def send(addr, port, rate, duration):
    c = socket.create_connection((addr, port), timeout=5)
    chunk = b"y" * max(1, int(rate / 100))
    ready("")
    start = time.monotonic()
    sent = 0
    while not STOP and time.monotonic() - start < duration:
        c.sendall(chunk)
        sent += len(chunk)
        ahead = sent / rate - (time.monotonic() - start)
        if ahead > 0:
            time.sleep(ahead)
    c.close()
    print("sent", sent, flush=True)
    return 0


def main(argv):
    signal.signal(signal.SIGTERM, on_term)
    cmd, a = argv[0], argv[1:]
    if cmd == "serve":
        return serve(a[0], int(a[1]), int(a[2]), float(a[3]), a[4] if len(a) > 4 else None)
    if cmd == "leak":
        return serve(a[0], int(a[1]), 128, float(a[2]), a[3] if len(a) > 3 else None, leak=True)
    if cmd == "hold":
        return hold(a[0], int(a[1]), int(a[2]), a[3], float(a[4]))
    if cmd == "open-close":
        return open_close(a[0], int(a[1]), int(a[2]), float(a[3]), int(a[4]), float(a[5]))
    if cmd == "http-serve":
        return serve(a[0], int(a[1]), 128, float(a[2]), "httpd", http=True)
    if cmd == "http-client":
        return http_client(a[0], int(a[1]), int(a[2]), float(a[3]), float(a[4]),
                           len(a) > 5 and a[5] == "close")
    if cmd == "send":
        return send(a[0], int(a[1]), float(a[2]), float(a[3]))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
