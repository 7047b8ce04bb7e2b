#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The agent's side of the responses (respond_apply, reconcile) against the kernel.

respond-driver (respond_driver.c) hands one firing event with the actions
limit, block and kill to the responder, as the agent does each tick, inside
namespace V (the victim); A (an attacker) and B (a benign client) are joined
to V by veth pairs.  Checks:
  - dry-run: the results say "dry-run: would ...", and V has no nftables
    table at all;
  - an allowlisted attacker (configured network): every action refused with
    the reason, nothing in the kernel;
  - on: the block is in block4 with a 10-minute timeout, the limit
    (A . 8080) in limit4, A's established connection was killed, A's next
    connect fails, B's works; a second ban of A lasts 40 minutes
    (escalation from the offender table);
  - reconcile: a block row the kernel lost is re-added, a kernel element
    without a row is removed.
Exit 77 without root, `ip netns` or nft.
"""

import json
import re
import os
import shutil
import subprocess
import sys
import tempfile
import time

CM, DRIVER = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
PID = os.getpid()
NS_V, NS_A, NS_B = f"cmgv{PID}", f"cmga{PID}", f"cmgb{PID}"
A4, B4, V4A, V4B = "10.89.1.2", "10.89.2.2", "10.89.1.1", "10.89.2.1"

SERVER = r"""
import socket, threading
held = []
def serve(port):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port)); s.listen(128)
    while True:
        c, _ = s.accept(); held.append(c)
threading.Thread(target=serve, args=(8081,), daemon=True).start()
print("ready", flush=True)
serve(8080)
"""

HOLDER = r"""
import socket, sys, time
s = socket.create_connection((sys.argv[1], 8081), timeout=2)
print("up", flush=True)
s.settimeout(20)
try:
    d = s.recv(1)
    print("closed" if d == b"" else "data", flush=True)
except OSError as e:
    print("reset", flush=True)
"""

failures = []


def run(*args, check=True, timeout=60):
    r = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    if check and r.returncode != 0:
        raise RuntimeError(f"{args}: exit {r.returncode}: {r.stderr}")
    return r


def ns(name, *args, **kw):
    return run("ip", "netns", "exec", name, *args, **kw)


def expect(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)


def connects(src_ns, addr, port=8080):
    code = ("import socket\n"
            f"s=socket.create_connection(('{addr}',{port}),timeout=1.0)\n"
            "s.close()\n")
    return ns(src_ns, "python3", "-c", code, check=False, timeout=10).returncode == 0


def driver(*args):
    r = ns(NS_V, DRIVER, *args, check=False)
    out = {}
    for line in r.stdout.splitlines():
        kind, dur, result = line.split(" ", 2)
        out[kind] = (int(dur), result)
    return r, out


def kernel_set(name):
    r = ns(NS_V, "nft", "-j", "list", "set", "inet", "connmon", name, check=False)
    if r.returncode != 0:
        return None
    out = {}
    for obj in json.loads(r.stdout)["nftables"]:
        for e in obj.get("set", {}).get("elem", []):
            v = e["elem"] if isinstance(e, dict) else {"val": e}
            val = v["val"]
            key = " . ".join(str(x) for x in val["concat"]) if isinstance(val, dict) else val
            out[key] = v.get("timeout")
    return out


def setup():
    for n in (NS_V, NS_A, NS_B):
        run("ip", "netns", "add", n)
    for peer, tag, v4, p4 in ((NS_A, "a", V4A, A4), (NS_B, "b", V4B, B4)):
        va, pa = f"cmgv{tag}{PID % 10000}", f"cmgp{tag}{PID % 10000}"
        run("ip", "link", "add", va, "netns", NS_V, "type", "veth", "peer", "name", pa,
            "netns", peer)
        ns(NS_V, "ip", "addr", "add", f"{v4}/24", "dev", va)
        ns(peer, "ip", "addr", "add", f"{p4}/24", "dev", pa)
        for n, d in ((NS_V, va), (peer, pa), (NS_V, "lo"), (peer, "lo")):
            ns(n, "ip", "link", "set", d, "up")


def test_dry_run(db):
    r, res = driver("apply", "dry-run", db, A4, "8080")
    expect(res.get("block", (0, ""))[1] == "dry-run: would block for 10m",
           f"dry-run block result ({res.get('block')})")
    expect(res.get("limit", (0, ""))[1] == "dry-run: would limit for 10m", "dry-run limit result")
    expect(res.get("kill", (0, ""))[1] == "dry-run: would kill", "dry-run kill result")
    expect("would block 10.89.1.2 for 10m (rule port_scan)" in r.stderr, "dry-run logs 'would'")
    tables = ns(NS_V, "nft", "list", "tables").stdout
    expect("connmon" not in tables, "dry-run created no nftables table")
    expect(connects(NS_A, V4A), "A still connects after dry-run")


def test_allowlisted(db):
    r, res = driver("apply", "on", db, A4, "8080", "10.89.1.0/24")
    expect(all(res.get(k, (0, ""))[1] == "refused: allowlisted (configured)"
               for k in ("limit", "block", "kill")), f"allowlisted attacker refused ({res})")
    expect(A4 not in (kernel_set("block4") or {}), "allowlisted attacker not in the set")
    expect(connects(NS_A, V4A), "allowlisted attacker still connects")


def test_on(db):
    holder = subprocess.Popen(["ip", "netns", "exec", NS_A, "python3", "-c", HOLDER, V4A],
                              stdout=subprocess.PIPE, text=True)
    try:
        expect(holder.stdout.readline().strip() == "up", "A holds a connection to port 8081")
        r, res = driver("apply", "on", db, A4, "8080")
        expect(res.get("block") == (600000, "done for 10m"), f"block done ({res.get('block')})")
        expect(res.get("limit") == (600000, "done for 10m"), f"limit done ({res.get('limit')})")
        kill = res.get("kill", (0, ""))[1]
        # the held one, and those of the earlier connects the server kept (CLOSE-WAIT)
        expect(re.fullmatch(r"done \(\d+ sockets?\)", kill) is not None and kill != "done (0 sockets)",
               f"kill destroyed A's sockets ({kill})")
        end = holder.stdout.readline().strip()
        expect(end in ("closed", "reset"), f"A's held connection ended ({end})")
    finally:
        holder.kill()
        holder.wait(timeout=10)
    b4 = kernel_set("block4") or {}
    expect(b4.get(A4) == 600, f"A in block4 with a 600 s timeout ({b4})")
    l4 = kernel_set("limit4") or {}
    expect(l4.get(f"{A4} . 8080") == 600, f"(A . 8080) in limit4 ({l4})")
    expect(not connects(NS_A, V4A), "A cannot connect after the block")
    expect(connects(NS_B, V4B), "B still connects")
    r, res = driver("apply", "on", db, A4, "8080")
    expect(res.get("block") == (2400000, "done for 40m"),
           f"the second ban lasts 40 minutes ({res.get('block')})")
    expect((kernel_set("block4") or {}).get(A4) == 2400, "the kernel's timeout was replaced")


def test_reconcile(db):
    ns(NS_V, "nft", "flush", "set", "inet", "connmon", "block4")
    ns(NS_V, "nft", "add", "element", "inet", "connmon", "block4", "{ 198.51.100.77 }")
    r = ns(NS_V, DRIVER, "reconcile", db, check=False)
    expect(r.stdout.strip() == "added 1 removed 1", f"reconcile counts ({r.stdout.strip()})")
    s = kernel_set("block4") or {}
    expect(A4 in s and "198.51.100.77" not in s, f"reconcile re-added A, removed the stray ({s})")
    expect(0 < (s.get(A4) or 0) <= 2400, "re-added with the time it had left")
    r = ns(NS_V, DRIVER, "reconcile", db, check=False)
    expect(r.stdout.strip() == "added 0 removed 0", "a second reconcile has nothing to do")


def main():
    if os.geteuid() != 0 or not shutil.which("ip") or not shutil.which("nft"):
        print("skip: needs root, ip and nft")
        return 77
    tmp = tempfile.mkdtemp(prefix="connmon-respond-agent-")
    db = os.path.join(tmp, "h.db")
    srv = None
    try:
        setup()
        srv = subprocess.Popen(["ip", "netns", "exec", NS_V, "python3", "-c", SERVER],
                               stdout=subprocess.PIPE, text=True)
        if srv.stdout.readline().strip() != "ready":
            raise RuntimeError("server did not start")
        test_dry_run(db)
        test_allowlisted(db)
        test_on(db)
        test_reconcile(db)
    finally:
        if srv and srv.poll() is None:
            srv.kill()
            srv.wait(timeout=10)
        for n in (NS_V, NS_A, NS_B):
            subprocess.run(["ip", "netns", "del", n], capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{len(failures)} failed" if failures else "all passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
