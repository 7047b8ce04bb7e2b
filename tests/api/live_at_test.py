#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""GET /api/v1/live?at=T (docs/API.md): the agent's frame at a past tick.

Two namespaces created here joined by a veth pair: A (a TCP server that never
closes what it accepts, and the agent, listening on 127.0.0.1 inside A) and B
(a client holding 20 connections, then closing them).  This process enters A
(setns) so its HTTP requests see A.  Checks:
  - at= a tick while the connections were held shows 20 established more
    than at= a tick after they closed (the server's ends went to CLOSE-WAIT),
    in every time form: epoch ms, @seconds, RFC 3339 and relative;
  - the frame's t_ms and at_ms are the tick at or before T, and seq counts back;
  - at= the latest tick, and at= a time in the future, equal /api/v1/live apart
    from at_ms (two answers of the same tick);
  - at= before the agent's hour is 404 with a sentence giving the hour's range;
    a bad time, a repeated at and an unknown parameter are 400.
Exit 77 without root or `ip netns`.
"""

import ctypes
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse

CM = os.path.abspath(sys.argv[1])
PID = os.getpid()
NS_A, NS_B = f"cmat{PID}a", f"cmat{PID}b"
VA, VB = f"cmta{PID % 100000}", f"cmtb{PID % 100000}"
ADDR_A, ADDR_B = "10.79.0.1", "10.79.0.2"
PORT, HTTP_PORT, NR_CONNS = 8080, 19557, 20

SERVER = r"""
import socket, sys
ls = socket.socket(); ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind((sys.argv[1], int(sys.argv[2]))); ls.listen(128)
held = []
print("ready", flush=True)
while True:
    c, _ = ls.accept(); held.append(c)
"""

CLIENT = r"""
import socket, sys
conns = [socket.create_connection((sys.argv[1], int(sys.argv[2]))) for _ in range(int(sys.argv[3]))]
print("held", flush=True)
sys.stdin.read()
"""

failures = []


def run(*args, check=True, timeout=60):
    r = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    if check and r.returncode != 0:
        raise RuntimeError(f"{args}: exit {r.returncode}: {r.stderr}")
    return r


def expect(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)


def setup():
    run("ip", "netns", "add", NS_A)
    run("ip", "netns", "add", NS_B)
    run("ip", "link", "add", VA, "netns", NS_A, "type", "veth", "peer", "name", VB, "netns", NS_B)
    for ns, dev, addr in ((NS_A, VA, ADDR_A), (NS_B, VB, ADDR_B)):
        run("ip", "-n", ns, "addr", "add", addr + "/24", "dev", dev)
        run("ip", "-n", ns, "link", "set", dev, "up")
        run("ip", "-n", ns, "link", "set", "lo", "up")


def enter(ns):
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(f"/run/netns/{ns}", os.O_RDONLY)
    if libc.setns(fd, 0x40000000) != 0:  # CLONE_NEWNET
        raise OSError(ctypes.get_errno(), "setns")
    os.close(fd)


class Api:
    def __init__(self):
        self.c = http.client.HTTPConnection("127.0.0.1", HTTP_PORT, timeout=10)

    def get(self, path, **params):
        q = urllib.parse.urlencode(params, doseq=True)
        for _ in range(2):  # the server may have closed an idle connection
            try:
                self.c.request("GET", path + ("?" + q if q else ""))
                r = self.c.getresponse()
                body = r.read().decode()
                return r.status, json.loads(body) if body.startswith("{") else body
            except (http.client.HTTPException, ConnectionError):
                self.c.close()
                self.c = http.client.HTTPConnection("127.0.0.1", HTTP_PORT, timeout=10)
        raise RuntimeError(f"GET {path}: no answer")


def wait_live(api, what, cond):
    """/api/v1/live once cond holds on it (bounded: 20 s)."""
    for _ in range(100):
        try:
            status, live = api.get("/api/v1/live")
            if status == 200 and cond(live):
                return live
        except (OSError, RuntimeError, ValueError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the agent's /api/v1/live never showed {what}")


def est(frame):
    return frame["tcp_states"]["established"]


def test_past(api, held, closed):
    """held, closed: /live frames while the connections were open, and after they closed."""
    t = held["t_ms"]
    forms = {"epoch ms": str(t + 999), "@seconds": f"@{(t + 999) // 1000}",
             "RFC 3339": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime((t + 999) // 1000))}
    for name, value in forms.items():
        status, f = api.get("/api/v1/live", at=value)
        expect(status == 200 and f["at_ms"] == f["t_ms"] and f["t_ms"] <= t + 999 and
               f["t_ms"] >= t - 1000, f"at={value} ({name}): the tick at or before it "
               f"({status} {f.get('t_ms') if status == 200 else f})")
        if status != 200:
            continue
        _, now = api.get("/api/v1/live", at=str(closed["t_ms"]))
        diff = est(f) - est(now)
        # This test's own HTTP connection (2 sockets) may be open at one tick and not the other.
        expect(abs(diff - NR_CONNS) <= 2,
               f"at={value} shows {NR_CONNS} established more than after the close "
               f"({est(f)} - {est(now)} = {diff})")
        expect(f["seq"] - now["seq"] == (f["t_ms"] - now["t_ms"]) // held["interval_ms"],
               f"seq counts the ticks back ({f['seq']} vs {now['seq']})")
    _, st = api.get("/api/v1/status")
    ago = (st["now_ms"] - held["t_ms"]) // 1000 + 1  # seconds back to before the held tick
    status, f = api.get("/api/v1/live", at=f"-{ago}s")
    expect(status == 200 and f["t_ms"] <= held["t_ms"] and est(f) - est(closed) >= NR_CONNS - 2,
           f"at=-{ago}s (relative) is before the close ({status})")


def test_latest(api):
    for _ in range(20):  # two answers of the same tick
        _, a = api.get("/api/v1/live")
        _, b = api.get("/api/v1/live", at=str(a["t_ms"] + 3600 * 1000))
        _, c = api.get("/api/v1/live")
        if a["seq"] == c["seq"] == b.get("seq"):
            break
        time.sleep(0.1)
    at = b.pop("at_ms", None)
    expect(at == a["t_ms"] and b == a, "at= the future is /api/v1/live (apart from at_ms)")
    _, b = api.get("/api/v1/live", at=str(a["t_ms"]))
    _, c = api.get("/api/v1/live")
    if c["seq"] == a["seq"]:
        b.pop("at_ms", None)
        expect(b == a, "at= the latest tick is /api/v1/live (apart from at_ms)")


def test_refused(api):
    _, st = api.get("/api/v1/status")
    status, r = api.get("/api/v1/live", at="-2h")
    expect(status == 404 and "in-memory hour holds" in r.get("error", "") and
           time.strftime("%Y-%m-%dT%H:%M", time.gmtime(st["ring_since_ms"] // 1000))
           in r["error"], f"at=-2h: 404 giving the hour's range ({status} {r})")
    for params, what in (({"at": "yesterdayish"}, "for 'at'"),
                         ({"at": ["-1m", "-2m"]}, "given twice"),
                         ({"since": "-1m"}, "unknown parameter")):
        status, r = api.get("/api/v1/live", **params)
        expect(status == 400 and what in r.get("error", ""),
               f"{params}: 400 '{what}' ({status} {r})")


def main():
    if os.geteuid() != 0 or not shutil.which("ip"):
        print("skipped: needs root and ip netns")
        return 77
    tmp = tempfile.mkdtemp(prefix="cm-liveat-")
    conf = os.path.join(tmp, "connmon.conf")
    procs = []
    try:
        setup()
        enter(NS_A)
        with open(conf, "w") as f:
            f.write(f"[agent]\ndb = {tmp}/connmon.db\nlisten = 127.0.0.1:{HTTP_PORT}\n"
                    "write_interval = 1s\n")
        srv = subprocess.Popen([sys.executable, "-c", SERVER, ADDR_A, str(PORT)],
                               stdout=subprocess.PIPE, text=True)
        procs.append(srv)
        srv.stdout.readline()
        cli = subprocess.Popen(["ip", "netns", "exec", NS_B, sys.executable, "-c", CLIENT,
                                ADDR_A, str(PORT), str(NR_CONNS)],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        procs.append(cli)
        cli.stdout.readline()
        agent = subprocess.Popen([CM, "agent", "--config", conf], stdout=subprocess.DEVNULL,
                                 stderr=open(os.path.join(tmp, "agent.log"), "w"))
        procs.append(agent)
        api = Api()
        held = wait_live(api, f"{NR_CONNS} connections",
                         lambda l: l["seq"] >= 3 and est(l) >= NR_CONNS)
        wait_live(api, "two more ticks", lambda l: l["seq"] >= held["seq"] + 2)
        cli.stdin.close()
        cli.wait(timeout=10)
        closed = wait_live(api, "the connections closed",
                           lambda l: l["tcp_states"]["close_wait"] >= NR_CONNS)
        test_past(api, held, closed)
        test_latest(api)
        test_refused(api)
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait(timeout=10)
        for ns in (NS_A, NS_B):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)
        if failures:
            print(open(os.path.join(tmp, "agent.log")).read()[-3000:])
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{len(failures)} failed" if failures else "all passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
