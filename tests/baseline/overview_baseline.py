#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The overview's baseline lines, with and without a database.

In a namespace of its own with a veth pair (one end recorded) and three loopback TCP
connections (6 ESTABLISHED sockets), the overview runs against a database
that gen_baseline filled with four weeks of ESTABLISHED and of that
interface's rx and tx bytes, with stored bands (as the agent stores them):
  - text: a "Baseline" block of three sentences, ESTABLISHED at 6 and the
    interface's rates, against this hour's slot, 4 weeks deep;
  - JSON: the same three series; each slot object is the stored band of
    this hour as `connmon baseline --json` reads it;
  - a filter (not every TCP socket counted) drops the ESTABLISHED line;
  - no database at the default path (a private tmpfs over /var/lib): no
    baseline line, exit 0; an explicit --db that does not exist: a "n/a"
    line naming it, exit 0.
Exit 77 without root, `ip netns` or `unshare`.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

CM, GEN = (os.path.abspath(a) for a in sys.argv[1:3])
PID = os.getpid()
NS = f"cmblo{PID}"
IFACE, PEER = f"cmbo{PID % 100000}", f"cmbp{PID % 100000}"
OFFSET = 3 * 3600
ENV = dict(os.environ, TZ="XXX-3", COLUMNS="80")
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
HOLDER = r"""
import socket, sys
ls = socket.socket(); ls.bind(("127.0.0.1", 0)); ls.listen(8)
held = []
for _ in range(3):
    c = socket.create_connection(ls.getsockname()); held += [c, ls.accept()[0]]
print("ready", flush=True)
sys.stdin.read()
"""
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what, flush=True)


def slot_names():
    """This hour's slot and the next one's (the test may cross an hour)."""
    out = []
    for t in (time.time(), time.time() + 60):
        local = int(t) + OFFSET
        s = ((local // 86400 + 3) % 7) * 24 + (local % 86400) // 3600
        out.append((s, f"{DAYS[s // 24]} {s % 24:02d}:00"))
    return out


def in_ns(*args, **kw):
    return subprocess.run(["ip", "netns", "exec", NS, *args], env=ENV, capture_output=True,
                          text=True, timeout=60, **kw)


def baseline_block(out):
    lines = out.splitlines()
    start = [i for i, l in enumerate(lines) if l.startswith("Baseline ")]
    if not start:
        return ""
    block = [lines[start[0]]]
    for l in lines[start[0] + 1:]:
        if not l.startswith("           "):
            break
        block.append(l)
    return " ".join(l[11:] for l in block)


def check_text(db):
    p = in_ns(CM, "--db", db)
    check(p.returncode == 0, f"overview exit {p.returncode}: {p.stderr}")
    block = baseline_block(p.stdout)
    names = [n for _, n in slot_names()]
    print(block, file=sys.stderr)
    check(block.startswith("tcp established 6 — "), f"ESTABLISHED first, at 6: {block!r}")
    check(re.search(f" {IFACE} rx [0-9.]+ (B|KiB)/s — .* {IFACE} tx [0-9.]+ (B|KiB)/s — ", block),
          f"the interface's rx and tx: {block!r}")
    check(block.count("4 weeks)") == 3 and any(block.count(f"the {n} median") == 3 for n in names),
          f"three sentences against this hour's slot ({names}), 4 weeks deep: {block!r}")
    p = in_ns(CM, "--db", db, "sport", "=", ":22")
    block = baseline_block(p.stdout)
    check(p.returncode == 0 and block.startswith(f"{IFACE} rx"), f"a filter drops ESTABLISHED: {block!r}")


def check_json(db):
    p = in_ns(CM, "--json", "--db", db)
    check(p.returncode == 0, f"overview --json exit {p.returncode}: {p.stderr}")
    lines = json.loads(p.stdout)["baseline"]
    whats = [l["what"] for l in lines]
    check(whats == ["tcp established", f"{IFACE} rx", f"{IFACE} tx"], f"JSON lines: {whats}")
    ref = json.loads(subprocess.run([CM, "baseline", "--json", "--db", db], env=ENV,
                                    capture_output=True, text=True, timeout=60).stdout)
    bands = {(e["name"], e["labels"]): e["baseline"]["slots"] for e in ref["series"]}
    for l in lines:
        stored = bands[(l["name"], l["labels"])][l["slot"]["slot"]]
        check(l["slot"] == stored and l["slot"]["slot"] in [s for s, _ in slot_names()],
              f"{l['what']}: the stored band of this hour: {l['slot']} vs {stored}")
    check(lines and lines[0]["current"] == 6, f"ESTABLISHED current: {lines[:1]}")


def check_without(d):
    p = in_ns("unshare", "-m", "--propagation", "private", "sh", "-c",
              f"mount -t tmpfs cmbl /var/lib && exec {CM}")
    check(p.returncode == 0 and "Interfaces" in p.stdout and "Baseline" not in p.stdout,
          f"no database: no baseline line, exit 0 ({p.returncode}): {p.stdout}{p.stderr}")
    missing = os.path.join(d, "missing.db")
    p = in_ns(CM, "--db", missing)
    block = baseline_block(p.stdout)
    check(p.returncode == 0 and block.startswith("n/a (cannot open database") and missing in block,
          f"an explicit missing --db: {block!r}")


def main():
    if os.geteuid() != 0 or not shutil.which("ip") or not shutil.which("unshare"):
        print("SKIP: needs root, ip netns and unshare")
        return 77
    d = tempfile.mkdtemp(prefix="cmblo.")
    db = os.path.join(d, "connmon.db")
    holder = None
    try:
        subprocess.run(["ip", "netns", "add", NS], check=True)
        for k in ("all", "default"):  # no router solicitations on the veth
            in_ns("sysctl", "-qw", f"net.ipv6.conf.{k}.disable_ipv6=1", check=True)
        subprocess.run(["ip", "-n", NS, "link", "set", "lo", "up"], check=True)
        subprocess.run(["ip", "-n", NS, "link", "add", IFACE, "type", "veth", "peer", "name",
                        PEER], check=True)
        for dev in (IFACE, PEER):
            subprocess.run(["ip", "-n", NS, "link", "set", dev, "up"], check=True)
        subprocess.run([GEN, db, "28", str(int(time.time())), str(OFFSET), "--iface", IFACE,
                        "--bands"], env=ENV, check=True, stdout=subprocess.DEVNULL, timeout=300)
        holder = subprocess.Popen(["ip", "netns", "exec", NS, sys.executable, "-c", HOLDER],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        check(holder.stdout.readline().strip() == "ready", "the connections are up")
        check_text(db)
        check_json(db)
        check_without(d)
    finally:
        if holder:
            holder.stdin.close()
            holder.wait(timeout=10)
        subprocess.run(["ip", "netns", "del", NS], check=False)
        shutil.rmtree(d)
    if failures:
        print(f"{len(failures)} failure(s)")
        return 1
    print("ok")
    return 0


sys.exit(main())
