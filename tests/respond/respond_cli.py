#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""`connmon block`, `unblock`, `blocks` and `agent --remove-rules` against the kernel.

Three namespaces created here: V (the victim, where connmon acts, with a TCP
server on port 8080 over IPv4 and IPv6), A (an attacker) and B (a benign
client), each of A and B joined to V by a veth pair.  nftables changes happen
only inside V (connmon runs with -N V; nft is read with `ip netns exec V`).
Checks:
  - block A (v4 and v6): the elements are in the kernel sets, A's connects
    fail, B's still succeed; unblock: A connects again;
  - --for 2s: the kernel expires the element, A connects again, `blocks`
    no longer lists it;
  - -f FILE of 1,000 addresses: all in the set in one command;
  - allowlisted (loopback, V's own address, a configured network) and
    invalid addresses are refused with the reason and exit 1, the others
    in the same command are applied;
  - beside a recording agent (its writer lock held), block and unblock work;
  - no CAP_NET_ADMIN: exit 1 and one line saying so;
  - unblock --all empties the sets; agent --remove-rules deletes the table.
Exit 77 without root, `ip netns` or nft.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

CM = os.path.abspath(sys.argv[1])
PID = os.getpid()
NS_V, NS_A, NS_B = f"cmrv{PID}", f"cmra{PID}", f"cmrb{PID}"
A4, B4, V4A, V4B = "10.88.1.2", "10.88.2.2", "10.88.1.1", "10.88.2.1"
A6, V6A = "fd88:1::2", "fd88:1::1"
PORT = 8080

SERVER = r"""
import socket, threading
def serve(fam, addr):
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if fam == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    s.bind((addr, 8080)); s.listen(128)
    while True:
        c, _ = s.accept(); c.close()
threading.Thread(target=serve, args=(socket.AF_INET6, "::"), daemon=True).start()
print("ready", flush=True)
serve(socket.AF_INET, "0.0.0.0")
"""

failures = []


def run(*args, check=True, timeout=60, **kw):
    r = subprocess.run(args, capture_output=True, text=True, timeout=timeout, **kw)
    if check and r.returncode != 0:
        raise RuntimeError(f"{args}: exit {r.returncode}: {r.stderr}")
    return r


def ns(name, *args, **kw):
    return run("ip", "netns", "exec", name, *args, **kw)


def cm(*args, **kw):
    return run(CM, "-N", NS_V, *args, check=False, **kw)


def expect(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)


def connects(src_ns, addr):
    code = ("import socket,sys\n"
            f"s=socket.create_connection(('{addr}',{PORT}),timeout=1.0)\n"
            "s.close()\n")
    return ns(src_ns, "python3", "-c", code, check=False, timeout=10).returncode == 0


def kernel_set(name):
    r = ns(NS_V, "nft", "-j", "list", "set", "inet", "connmon", name, check=False)
    if r.returncode != 0:
        return None
    for obj in json.loads(r.stdout)["nftables"]:
        if "set" in obj:
            out = {}
            for e in obj["set"].get("elem", []):
                if isinstance(e, dict):
                    out[e["elem"]["val"]] = e["elem"].get("expires")
                else:
                    out[e] = None
            return out
    return {}


def setup():
    for n in (NS_V, NS_A, NS_B):
        run("ip", "netns", "add", n)
    for peer, va, pa, v4, p4 in ((NS_A, f"cmrva{PID % 10000}", f"cmrpa{PID % 10000}", V4A, A4),
                                 (NS_B, f"cmrvb{PID % 10000}", f"cmrpb{PID % 10000}", V4B, B4)):
        run("ip", "link", "add", va, "netns", NS_V, "type", "veth", "peer", "name", pa,
            "netns", peer)
        ns(NS_V, "ip", "addr", "add", f"{v4}/24", "dev", va)
        ns(peer, "ip", "addr", "add", f"{p4}/24", "dev", pa)
        if peer == NS_A:
            ns(NS_V, "ip", "addr", "add", f"{V6A}/64", "dev", va, "nodad")
            ns(peer, "ip", "addr", "add", f"{A6}/64", "dev", pa, "nodad")
        for n, d in ((NS_V, va), (peer, pa)):
            ns(n, "ip", "link", "set", d, "up")
            ns(n, "ip", "link", "set", "lo", "up")


def teardown(procs, tmp):
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait(timeout=10)
    for n in (NS_V, NS_A, NS_B):
        subprocess.run(["ip", "netns", "del", n], capture_output=True)
    shutil.rmtree(tmp, ignore_errors=True)


def test_block_unblock(db):
    expect(connects(NS_A, V4A) and connects(NS_B, V4B), "A and B connect before any block")
    r = cm("block", A4, A6, "--reason", "test", "--db", db)
    expect(r.returncode == 0 and "blocked 2 addresses until unblocked" in r.stdout,
           f"block A exits 0 ({r.returncode}: {r.stdout.strip()} {r.stderr.strip()})")
    expect(A4 in (kernel_set("block4") or {}), "A's IPv4 address is in block4")
    expect(A6 in (kernel_set("block6") or {}), "A's IPv6 address is in block6")
    expect(not connects(NS_A, V4A), "A cannot connect over IPv4")
    expect(not connects(NS_A, V6A), "A cannot connect over IPv6")
    expect(connects(NS_B, V4B), "B still connects")
    r = cm("blocks", "--json", "--db", db)
    rows = {b["addr"]: b for b in json.loads(r.stdout)["blocks"]} if r.returncode == 0 else {}
    expect(set(rows) == {A4, A6} and rows[A4]["expires"] is None
           and rows[A4]["reason"] == "test", "blocks --json lists both, without expiry")
    r = cm("unblock", A4, A6, "--db", db)
    expect(r.returncode == 0, f"unblock exits 0 ({r.stderr.strip()})")
    expect(A4 not in (kernel_set("block4") or {}), "A's address left the set")
    expect(connects(NS_A, V4A) and connects(NS_A, V6A), "A connects again after unblock")


def test_for(db):
    r = cm("block", A4, "--for", "2s", "--db", db)
    exp = (kernel_set("block4") or {}).get(A4)
    expect(r.returncode == 0 and exp is not None and 0 <= exp <= 2,
           f"--for 2s: the element expires in the kernel within 2 s ({exp})")
    expect(not connects(NS_A, V4A), "A blocked during --for")
    deadline = time.monotonic() + 10
    while A4 in (kernel_set("block4") or {}) and time.monotonic() < deadline:
        time.sleep(0.2)
    expect(A4 not in (kernel_set("block4") or {}), "the kernel removed the element")
    expect(connects(NS_A, V4A), "A connects after the block expired")
    r = cm("blocks", "--json", "--db", db)
    expect(r.returncode == 0 and json.loads(r.stdout)["count"] == 0,
           "blocks no longer lists the expired block")


def test_file(db, tmp):
    path = os.path.join(tmp, "many.txt")
    addrs = [f"198.18.{i // 250}.{i % 250 + 1}" for i in range(999)] + [A4]
    with open(path, "w") as f:
        f.write("# offenders\n\n" + "\n".join(addrs) + "\n")
    r = cm("block", "-f", path, "--for", "1h", "--db", db)
    s = kernel_set("block4") or {}
    expect(r.returncode == 0 and all(a in s for a in addrs),
           f"-f: all 1000 addresses are in the set ({len(s)})")
    expect(not connects(NS_A, V4A) and connects(NS_B, V4B), "-f: A blocked, B not")
    r = cm("unblock", "--all", "--db", db)
    expect(r.returncode == 0 and not kernel_set("block4"), "unblock --all empties the set")
    expect(connects(NS_A, V4A), "A connects after unblock --all")


def test_refused(db, tmp):
    conf = os.path.join(tmp, "c.conf")
    with open(conf, "w") as f:
        f.write("[respond]\nallow = 10.88.2.0/24\n")
    r = cm("block", "127.0.0.1", V4A, B4, "not-an-ip", "203.0.113.5", "-c", conf, "--db", db)
    err = r.stderr
    expect(r.returncode == 1, f"refusals exit 1 ({r.returncode})")
    expect("127.0.0.1: refused: allowlisted (loopback)" in err, "loopback refused with reason")
    expect(f"{V4A}: refused: allowlisted (local address)" in err, "own address refused")
    expect(f"{B4}: refused: allowlisted (configured)" in err, "configured network refused")
    expect("not-an-ip: refused:" in err, "invalid address refused")
    s = kernel_set("block4") or {}
    expect("203.0.113.5" in s and "127.0.0.1" not in s and B4 not in s,
           "the valid address was applied, the refused ones were not")
    expect(connects(NS_B, V4B), "B (allowlisted) still connects")
    cm("unblock", "--all", "--db", db)


def test_beside_agent(db):
    agent = subprocess.Popen([CM, "-N", NS_V, "agent", "--db", db, "--listen", "off",
                              "--interval", "0.5"], stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                with open(db + ".lock") as f:
                    if f.read().strip() == str(agent.pid):
                        break
            except OSError:
                pass
            time.sleep(0.1)
        time.sleep(1)
        r = cm("block", A4, "--db", db)
        expect(r.returncode == 0 and A4 in (kernel_set("block4") or {}),
               f"block beside a recording agent ({r.stderr.strip()})")
        r = cm("unblock", A4, "--db", db)
        expect(r.returncode == 0, "unblock beside a recording agent")
        expect(agent.poll() is None, "the agent still runs")
    finally:
        agent.terminate()
        agent.wait(timeout=20)
    expect(agent.returncode == 0, f"the agent ends cleanly ({agent.returncode})")


def test_no_cap(db):
    r = run("ip", "netns", "exec", NS_V, "setpriv", "--inh-caps=-net_admin",
            "--bounding-set=-net_admin", CM, "block", A4, "--db", db, check=False)
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    expect(r.returncode == 1 and len(lines) == 1 and "CAP_NET_ADMIN" in lines[0],
           f"no CAP_NET_ADMIN: exit 1 and one line ({r.returncode}: {lines})")


def test_remove_rules():
    r = cm("agent", "--remove-rules")
    tables = ns(NS_V, "nft", "list", "tables").stdout
    expect(r.returncode == 0 and "connmon" not in tables, "agent --remove-rules deletes the table")
    r = cm("agent", "--remove-rules")
    expect(r.returncode == 0, "--remove-rules without a table is fine")


def test_agent_options(tmp):
    r = run(CM, "agent", "--respond", "bogus", "--once", check=False)
    expect(r.returncode == 2 and "'--respond': not one of off, dry-run, on" in r.stderr,
           f"agent --respond bogus: usage error ({r.returncode})")
    r = run(CM, "agent", "--allow", "10.0.0.0/33", "--once", check=False)
    expect(r.returncode == 2 and "'--allow'" in r.stderr, "agent --allow with a bad prefix")
    conf = os.path.join(tmp, "bad.conf")
    with open(conf, "w") as f:
        f.write("[respond]\nallow = 10.0.0.1, nope\n")
    r = run(CM, "agent", "-c", conf, "--once", check=False)
    expect(r.returncode == 2 and f"{conf}:2: [respond] allow" in r.stderr,
           "a bad allow entry names the file, line and key")


def main():
    if os.geteuid() != 0 or not shutil.which("ip") or not shutil.which("nft"):
        print("skip: needs root, ip and nft")
        return 77
    tmp = tempfile.mkdtemp(prefix="connmon-respond-")
    db = os.path.join(tmp, "h.db")
    procs = []
    try:
        setup()
        srv = subprocess.Popen(["ip", "netns", "exec", NS_V, "python3", "-c", SERVER],
                               stdout=subprocess.PIPE, text=True)
        procs.append(srv)
        if srv.stdout.readline().strip() != "ready":
            raise RuntimeError("server did not start")
        test_block_unblock(db)
        test_for(db)
        test_file(db, tmp)
        test_refused(db, tmp)
        test_beside_agent(db)
        test_no_cap(db)
        test_remove_rules()
        test_agent_options(tmp)
    finally:
        teardown(procs, tmp)
    print(f"{len(failures)} failed" if failures else "all passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
