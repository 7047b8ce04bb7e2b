#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A block covers ports published to a container by DNAT (docs/RESPOND.md).

Four namespaces the test creates: an attacker, a benign client, a host
(the victim, forwarding) and a "container" behind it.  The host publishes the
container's port 80 as its own port 8080 with a DNAT rule in a nat table of
its own, as Docker and Podman do; such packets are forwarded, never reach
the host's input path, and an input-chain ban (fail2ban's) misses them.
Checked: both clients reach host:8080 (the container answers); after
`connmon block ATTACKER` in the host the attacker's connection fails while the
benign client's still works; after `connmon unblock` it works again.
Exit 77 without root or nft.
"""
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

CM = os.path.abspath(sys.argv[1])
TAG = f"cmdn{os.getpid()}"
NS = {k: f"{TAG}{k}" for k in ("a", "b", "h", "c")}
ADDR = {"a": "10.88.1.2", "b": "10.88.2.2", "c": "10.88.3.2"}
HOST = {"a": "10.88.1.1", "b": "10.88.2.1", "c": "10.88.3.1"}
FAILS = []


def check(cond, what):
    print(("ok: " if cond else "FAIL: ") + what, flush=True)
    if not cond:
        FAILS.append(what)


def sh(*args, ns=None, check_rc=True, **kw):
    argv = (["ip", "netns", "exec", ns] if ns else []) + list(args)
    return subprocess.run(argv, check=check_rc, capture_output=True, text=True, timeout=30, **kw)


def setup():
    for n in NS.values():
        sh("ip", "netns", "add", n)
        sh("ip", "-n", n, "link", "set", "lo", "up")
    for k in ("a", "b", "c"):
        peer = f"{TAG}{k}x"
        sh("ip", "link", "add", peer, "netns", NS["h"], "type", "veth", "peer", "name",
           f"{TAG}{k}y", "netns", NS[k])
        sh("ip", "-n", NS["h"], "addr", "add", HOST[k] + "/24", "dev", peer)
        sh("ip", "-n", NS["h"], "link", "set", peer, "up")
        sh("ip", "-n", NS[k], "addr", "add", ADDR[k] + "/24", "dev", f"{TAG}{k}y")
        sh("ip", "-n", NS[k], "link", "set", f"{TAG}{k}y", "up")
        sh("ip", "-n", NS[k], "route", "add", "default", "via", HOST[k])
    sh("sysctl", "-qw", "net.ipv4.ip_forward=1", ns=NS["h"])
    rules = ("table ip pub {\n chain pre { type nat hook prerouting priority dstnat; "
             f"tcp dport 8080 dnat to {ADDR['c']}:80; }}\n}}\n")
    sh("nft", "-f", "-", ns=NS["h"], input=rules)


def connects(k):
    """One TCP connect from client k to the host's published port, 2 s at most."""
    code = ("import socket,sys\ns=socket.socket()\ns.settimeout(2)\n"
            f"try:\n s.connect(('{HOST[k]}',8080)); print(s.recv(16).decode())\n"
            "except OSError as e: print('no', e)\n")
    out = sh("python3", "-c", code, ns=NS[k]).stdout.strip()
    return out == "container"


def main():
    if os.geteuid() != 0 or not shutil.which("nft"):
        print("skip: needs root and nft")
        return 77
    tmp = tempfile.mkdtemp(prefix="cmdnat")
    server = None
    try:
        setup()
        server = subprocess.Popen(
            ["ip", "netns", "exec", NS["c"], "python3", "-c",
             "import socket\ns=socket.socket()\ns.setsockopt(socket.SOL_SOCKET,"
             "socket.SO_REUSEADDR,1)\ns.bind(('0.0.0.0',80))\ns.listen(16)\n"
             "for _ in range(64):\n c,_=s.accept(); c.sendall(b'container'); c.close()\n"])
        time.sleep(0.5)
        check(connects("a") and connects("b"), "both clients reach the published port")
        db = os.path.join(tmp, "h.db")
        r = sh(CM, "block", "--db", db, "--for", "5m", "--reason", "dnat test", ADDR["a"],
               ns=NS["h"], check_rc=False)
        check(r.returncode == 0, f"connmon block: exit 0 ({r.returncode}: {r.stderr.strip()})")
        check(not connects("a"), "the blocked attacker no longer reaches the DNATed port")
        check(connects("b"), "the benign client still does")
        r = sh(CM, "unblock", "--db", db, ADDR["a"], ns=NS["h"], check_rc=False)
        check(r.returncode == 0 and connects("a"), "after unblock the attacker reaches it again")
    finally:
        if server:
            server.kill()
            server.wait()
        for n in NS.values():
            subprocess.run(["ip", "netns", "del", n], stderr=subprocess.DEVNULL)
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{len(FAILS)} failed" if FAILS else "all ok")
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
