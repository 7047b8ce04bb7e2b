#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The agent's JSON API (docs/API.md) against /metrics, the CLI and the kernel.

Two namespaces created here joined by a veth pair: A (a TCP server on port
8080 and the agent, listening on 127.0.0.1 inside A, responses on) and B (a
client holding 25 connections for the whole test).  The database is seeded
beforehand with three-day-old minute rollups of known values.  This process
enters A (setns) so its HTTP requests and CLI runs see A.  Checks:
  - /api/v1/live and /metrics of the same tick (the tick's seq unchanged
    around the scrape) agree on every state count, the sockets per family,
    the peer and port rows, the interfaces; `connmon summary --json` at the
    same moment agrees on ESTABLISHED within the test's own HTTP connection;
  - /api/v1/series over the last seconds comes from the ring at tick
    resolution and ends on the live count; over the seeded range it comes
    from the minute rollups with exactly the imported values (a gauge's
    means, a counter's rates), and with band=1 the baseline the agent
    computed from them;
  - /api/v1/alerts and /api/v1/blocks equal `connmon alerts --json` and
    `connmon blocks --json` (a per_ip_connections alert fires on B);
  - POST /api/v1/unblock: no token 401, a wrong one 403, a foreign Origin
    403, Sec-Fetch-Site cross-site 403, a form's content type 415, GET 405,
    the right token removes a block `connmon block` set (gone from the
    nftables set and from `blocks`), then answers "not blocked";
  - api.token was created with mode 0600.
Exit 77 without root, `ip netns` or nft.
"""

import ctypes
import http.client
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
import urllib.parse

CM = os.path.abspath(sys.argv[1])
PID = os.getpid()
NS_A, NS_B = f"cmapi{PID}a", f"cmapi{PID}b"
VA, VB = f"cmpa{PID % 100000}", f"cmpb{PID % 100000}"
ADDR_A, ADDR_B = "10.78.0.1", "10.78.0.2"
PORT, HTTP_PORT, NR_CONNS = 8080, 19556, 25
BLOCKED = "10.99.0.9"
HOUR, MIN = 3600 * 1000, 60 * 1000

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


def run(*args, check=True, timeout=60, **kw):
    r = subprocess.run(args, capture_output=True, text=True, timeout=timeout, **kw)
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


def seed(db, tmp, t0):
    """Two hours of minute rollups from t0: a gauge and a counter of known values."""
    lines, counter = [], 0.0
    for i in range(120):
        t = t0 + i * MIN
        g = 100 + i % 7
        rate = 50 + i % 5
        counter += rate * 60
        lines.append(json.dumps({"name": "connmon_tcp_sockets", "labels": {"state": "established"},
                                 "kind": "gauge", "tier": "minute", "t": t,
                                 "min": g - 1, "max": g + 1, "mean": g, "last": g}))
        lines.append(json.dumps({"name": "connmon_netstat_total",
                                 "labels": {"counter": "TcpOutSegs"}, "kind": "counter",
                                 "tier": "minute", "t": t, "min": rate, "max": rate,
                                 "mean": rate, "last": counter}))
    path = os.path.join(tmp, "seed.jsonl")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    run(CM, "history", "import", "--db", db, path)


class Api:
    def __init__(self):
        self.c = http.client.HTTPConnection("127.0.0.1", HTTP_PORT, timeout=10)

    def req(self, method, path, body=None, headers=None):
        for attempt in range(2):  # the server may have closed an idle connection
            try:
                self.c.request(method, path, body=body, headers=headers or {})
                r = self.c.getresponse()
                return r.status, dict(r.getheaders()), r.read().decode()
            except (http.client.HTTPException, ConnectionError):
                self.c.close()
                self.c = http.client.HTTPConnection("127.0.0.1", HTTP_PORT, timeout=10)
        raise RuntimeError(f"{method} {path}: no answer")

    def get(self, path, **params):
        q = urllib.parse.urlencode(params, doseq=True)
        status, _, body = self.req("GET", path + ("?" + q if q else ""))
        return status, json.loads(body) if body.startswith(("{", "[")) else body


def metrics_of(text):
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            k, v = line.rsplit(" ", 1)
            out[k] = float(v)
    return out


def m_get(m, name, **labels):
    want = ",".join(f'{k}="{v}"' for k, v in labels.items())
    return m.get(f"{name}{{{want}}}" if want else name)


def wait_ready(api):
    for _ in range(100):
        try:
            status, live = api.get("/api/v1/live")
            if status == 200 and live["seq"] >= 3 and live["tcp_states"].get(
                    "established", 0) >= NR_CONNS:
                return live
        except (OSError, RuntimeError, ValueError):
            pass
        time.sleep(0.2)
    raise RuntimeError("the agent's /api/v1/live never showed the connections")


def same_tick(api):
    """/api/v1/live and /metrics of one tick."""
    for _ in range(20):
        _, a = api.get("/api/v1/live")
        _, _, text = api.req("GET", "/metrics")
        _, b = api.get("/api/v1/live")
        if a["seq"] == b["seq"]:
            return a, metrics_of(text)
        time.sleep(0.1)
    raise RuntimeError("no two /api/v1/live answers of the same tick around a scrape")


def test_live(api):
    live, m = same_tick(api)
    for state, n in live["tcp_states"].items():
        expect(n == m_get(m, "connmon_tcp_sockets", state=state),
               f"live tcp_states.{state} {n} = /metrics")
    for s in live["sockets"]:
        expect(s["count"] == m_get(m, "connmon_sockets", proto=s["proto"], family=s["family"]),
               f"live sockets {s['proto']}/{s['family']} = /metrics")
    peer = {p["addr"]: p for p in live["top_peers"]}.get(ADDR_B)
    expect(peer is not None and peer["established"] == NR_CONNS ==
           m_get(m, "connmon_tcp_peer_sockets", addr=ADDR_B, state="established"),
           f"live top_peers has {ADDR_B} with {NR_CONNS} established, as /metrics")
    port = {p["port"]: p for p in live["top_ports"]}.get(PORT)
    port_sum = sum(v for k, v in m.items()
                   if k.startswith(f'connmon_tcp_port_sockets{{port="{PORT}",'))
    expect(port is not None and port["sockets"] == port_sum and port["backlog"] ==
           m_get(m, "connmon_listen_backlog", port=str(PORT)),
           f"live top_ports {PORT}: sockets {port and port['sockets']} = {port_sum}, backlog")
    names = {i["name"] for i in live["ifaces"]}
    m_names = {k.split('"')[1] for k in m if k.startswith("connmon_iface_rx_bytes_total{")}
    expect(names == m_names and VA in names, f"live ifaces {sorted(names)} = /metrics")
    summary = json.loads(run(CM, "summary", "--json").stdout)
    est = summary["tcp_states"]["ESTABLISHED"]["count"]
    _, now = api.get("/api/v1/live")
    # This test's own HTTP connection (2 sockets) may be open in one and not the other.
    expect(abs(now["tcp_states"]["established"] - est) <= 2,
           f"live established {now['tcp_states']['established']} = summary {est} (+-2)")


def test_series_ring(api):
    for _ in range(75):  # until the ring holds 10 s
        _, st = api.get("/api/v1/status")
        if st["ring_since_ms"] is not None and st["now_ms"] - st["ring_since_ms"] >= 10000:
            break
        time.sleep(0.2)
    _, live = api.get("/api/v1/live")
    sel = 'connmon_tcp_sockets{state="established"}'
    status, r = api.get("/api/v1/series", select=sel, since="-8s", points="100")
    expect(status == 200 and r["source"] == "ring" and r["step_ms"] == 1000,
           f"series over 8 s: from the ring at 1 s ({status} {r.get('source')} "
           f"{r.get('step_ms')})")
    vals = [v for _, v in r["series"][0]["points"] if v is not None] if status == 200 else []
    expect(len(vals) >= 5 and abs(vals[-1] - live["tcp_states"]["established"]) <= 2,
           f"ring series ends on the live count ({vals[-3:]})")
    # An hour, before the agent ran one: the store's ticks, its latest seconds from the ring.
    status, r = api.get("/api/v1/series", select=sel, since="-1h", points="3600")
    vals = [v for _, v in r["series"][0]["points"] if v is not None] if status == 200 else []
    expect(status == 200 and r["source"] == "ticks" and vals and
           abs(vals[-1] - live["tcp_states"]["established"]) <= 2,
           f"an hour: from the store's ticks, ending on the ring's latest ({vals[-3:]})")
    status, r = api.get("/api/v1/series", select="connmon_iface_rx_bytes_total",
                        since="-10s")
    expect(status == 200 and all(s["kind"] == "counter" for s in r["series"]) and
           all(v is None or v >= 0 for s in r["series"] for _, v in s["points"]),
           "counters from the ring are rates >= 0")
    _, _, text = api.req("GET", "/metrics")
    fams = ["connmon_sockstat", "connmon_sockets", "connmon_tcp_sockets",
            "connmon_netstat_total", "connmon_iface_rx_bytes_total",
            "connmon_iface_tx_bytes_total", "connmon_iface_rx_packets_total",
            "connmon_iface_tx_packets_total"]
    n = sum(1 for k in metrics_of(text) if k.split("{")[0] in fams)
    status, r = api.get("/api/v1/series", select=fams, since="-10s")
    expect(n > 64 and status == 400 and f"match {n} series" in r.get("error", "") and
           "at most 64" in r["error"], f"{n} series: 400 naming the count ({status} {r})"[:160])


def test_series_store(api, t0):
    since, until = t0 // 1000, (t0 + 2 * HOUR) // 1000
    status, r = api.get("/api/v1/series",
                        select=['connmon_tcp_sockets{state="established"}',
                                'connmon_netstat_total{counter="TcpOutSegs"}'],
                        since=f"@{since}", until=f"@{until}", points="120")
    ok = status == 200 and r["source"] == "minutes" and r["step_ms"] == MIN
    expect(ok, f"the seeded range from the minute rollups at 60 s ({status} {r})"[:200])
    if not ok:
        return
    by = {s["name"]: s for s in r["series"]}
    g = [v for _, v in by["connmon_tcp_sockets"]["points"]]
    c = [v for _, v in by["connmon_netstat_total"]["points"]]
    expect(g == [100 + i % 7 for i in range(120)], "gauge points are the imported means")
    expect(c == [50 + i % 5 for i in range(120)], "counter points are the imported rates")
    for _ in range(40):  # the agent computes bands a write interval after it starts
        status, r = api.get("/api/v1/series", select='connmon_tcp_sockets{state="established"}',
                            since=f"@{since}", until=f"@{until}", points="120", band="1")
        if status == 200 and "band" in r["series"][0]:
            break
        time.sleep(0.5)
    band = r["series"][0].get("band") if status == 200 else None
    expect(band is not None and len(band) == 120 and
           all(b[0] == p[0] for b, p in zip(band, r["series"][0]["points"])),
           "band=1: a band aligned on the points")
    if band:
        full = [b for b in band if b[1] is not None]
        expect(full and all(100 <= b[1] <= b[2] <= b[3] <= 106 for b in full),
               f"the band lies within the seeded values ({full[:2]})")


def test_alerts_blocks(api, conf, db):
    for _ in range(50):
        _, live = api.get("/api/v1/live")
        if any(a["rule"] == "per_ip_connections" for a in live["alerts_firing"]):
            break
        time.sleep(0.2)
    expect(any(a["rule"] == "per_ip_connections" and a["subject"].get("addr") == ADDR_B
               for a in live["alerts_firing"]), "live alerts_firing has per_ip_connections")
    time.sleep(1.5)  # the alert history is written with the tick
    for args, params in (([], {}), (["--all"], {"all": "1"}),
                         (["--rule", "syn_flood"], {"rule": "syn_flood"})):
        cli = json.loads(run(CM, "alerts", "--json", "--db", db, *args).stdout)
        status, r = api.get("/api/v1/alerts", **params)
        expect(status == 200 and r["alerts"] == cli,
               f"/api/v1/alerts {params} = connmon alerts --json {' '.join(args)} "
               f"({len(cli)} events)")
    r = run(CM, "block", BLOCKED, "--reason", "api test", "-c", conf, check=False)
    expect(r.returncode == 0, f"connmon block {BLOCKED} ({r.stderr.strip()})")
    cli = json.loads(run(CM, "blocks", "--json", "-c", conf).stdout)
    status, r = api.get("/api/v1/blocks")
    strip = lambda bl: [{k: v for k, v in b.items() if k != "remaining_s"} for b in bl]
    expect(status == 200 and strip(r["blocks"]) == strip(cli["blocks"]) and
           [b["addr"] for b in cli["blocks"]] == [BLOCKED],
           "/api/v1/blocks = connmon blocks --json")


def kernel_has(addr):
    r = run("nft", "-j", "list", "set", "inet", "connmon", "block4", check=False)
    return r.returncode == 0 and addr in r.stdout


def test_unblock(api, tmp, conf):
    path = os.path.join(tmp, "api.token")
    st = os.stat(path)
    expect(stat.S_IMODE(st.st_mode) == 0o600, f"api.token has mode 0600 ({oct(st.st_mode)})")
    token = open(path).read().strip()
    expect(len(token) == 64 and all(c in "0123456789abcdef" for c in token),
           "api.token holds 64 hex digits")
    expect(kernel_has(BLOCKED), "the block is in the kernel set before the unblock")
    body = json.dumps({"addrs": [BLOCKED]})
    js = {"Content-Type": "application/json"}
    auth = {"Authorization": "Bearer " + token}
    host = f"127.0.0.1:{HTTP_PORT}"
    cases = (
        ("no token", 401, js),
        ("a wrong token", 403, {**js, "Authorization": "Bearer " + token[:-1] + "0"}),
        ("a foreign Origin", 403, {**js, **auth, "Origin": "http://evil.example"}),
        ("Sec-Fetch-Site cross-site", 403, {**js, **auth, "Sec-Fetch-Site": "cross-site"}),
        ("a form's content type", 415,
         {**auth, "Content-Type": "application/x-www-form-urlencoded"}),
    )
    for what, want, headers in cases:
        status, _, text = api.req("POST", "/api/v1/unblock", body=body, headers=headers)
        expect(status == want and "error" in json.loads(text),
               f"unblock with {what}: {want} ({status} {text.strip()})")
    expect(kernel_has(BLOCKED), "no refused request removed the block")
    status, hdrs, _ = api.req("GET", "/api/v1/unblock")
    expect(status == 405 and hdrs.get("Allow") == "POST", f"GET on unblock: 405 ({status})")
    status, _, text = api.req("POST", "/api/v1/unblock", body=body,
                              headers={**js, **auth, "Origin": "http://" + host})
    r = json.loads(text)
    expect(status == 200 and r == {"removed": 1,
                                   "results": [{"addr": BLOCKED, "result": "removed"}]},
           f"unblock with the token: removed ({status} {text.strip()})")
    expect(not kernel_has(BLOCKED), "the element left the kernel set")
    cli = json.loads(run(CM, "blocks", "--json", "-c", conf).stdout)
    expect(cli["blocks"] == [], "connmon blocks no longer lists it")
    status, _, text = api.req("POST", "/api/v1/unblock", body=body, headers={**js, **auth})
    expect(status == 200 and json.loads(text)["results"][0]["result"] == "not blocked",
           f"a second unblock: not blocked ({text.strip()})")


def main():
    if os.geteuid() != 0 or not shutil.which("ip") or not shutil.which("nft"):
        print("skip: needs root, ip and nft")
        return 77
    tmp = tempfile.mkdtemp(prefix="cm-api-")
    procs = []
    db, conf = os.path.join(tmp, "c.db"), os.path.join(tmp, "c.conf")
    t0 = (int(time.time() * 1000) - 3 * 24 * HOUR) // HOUR * HOUR
    entered = False
    try:
        setup()
        enter(NS_A)
        entered = True
        seed(db, tmp, t0)
        with open(conf, "w") as f:
            f.write(f"[agent]\ndb = {db}\nlisten = 127.0.0.1:{HTTP_PORT}\nwrite_interval = 1s\n"
                    "[respond]\nmode = on\n"
                    '[rule "per_ip_connections"]\nmax = 10\nfor = 0s\nescalate_after = 0s\n'
                    "actions_warning = log\nactions_critical = log\n")
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
        wait_ready(api)
        test_live(api)
        test_series_ring(api)
        test_series_store(api, t0)
        test_alerts_blocks(api, conf, db)
        test_unblock(api, tmp, conf)
        agent.send_signal(signal.SIGTERM)
        expect(agent.wait(timeout=30) == 0, "the agent stops with exit 0")
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait(timeout=10)
        if entered:  # only ever in A: the host's table is not ours
            run(CM, "agent", "--remove-rules", check=False)
        for ns in (NS_A, NS_B):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)
        if failures:
            print(open(os.path.join(tmp, "agent.log")).read()[-3000:])
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{len(failures)} failed" if failures else "all passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
