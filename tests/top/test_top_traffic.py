#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The traffic and alert views of `connmon top` in a real terminal (tmux), at 80x24 and 200x50.

Two namespaces joined by a veth pair (created here, deleted on every exit); A's
default route goes over the veth, so top captures there.  In A a paced sender
pushes RATE bytes a second to a sink in B (port 5001), and an idle process
holds a second connection (port 5002).  `connmon top` runs in A inside a
detached tmux session (its own tmux server, -L):
- flows (3): the pair 10.77.0.1 - 10.77.0.2 with a sent rate near RATE;
- procs (4): the sender's pid with a sent rate near RATE, and at 200 columns
  its one connection; '/' finds its row, Enter drills down to the sockets
  view narrowed to it: its socket to :5001 is there, the idle one to :5002
  is not; Esc comes back;
- both sizes: no line wider than the terminal;
- alerts (7): a short `connmon agent` run with a rule a listener makes
  true records an alert; top --db on that database lists it firing; without
  a database the view says where it looked and that the agent makes it;
- without CAP_NET_RAW (capsh --drop): the flows view says so, the sockets
  view still lists the connections;
- 'q' ends top with exit 0.
Exits 77 without root, ip(8), tmux or capsh.  Usage: test_top_traffic.py CONNMON
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

SKIP = 77
PID = os.getpid()
A, B = "cmtop2-a-%d" % PID, "cmtop2-b-%d" % PID
TMUX = ["tmux", "-L", "cmtop2-%d" % PID]
SESSION = "top"
RATE = 256 * 1024  # bytes a second the sender sends
RATE_RE = re.compile(r"(\d+(?:\.\d+)?) (B|KiB|MiB|GiB)/s")
UNIT = {"B": 1, "KiB": 1024, "MiB": 1 << 20, "GiB": 1 << 30}
fails = []

SINK = r"""
import select, socket, time
ls = []
for port in (5001, 5002):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(('10.77.0.2', port)); s.listen(8); ls.append(s)
conns, end = [], time.monotonic() + 170
print('ready', flush=True)
while time.monotonic() < end:
    r, _, _ = select.select(ls + conns, [], [], 0.2)
    for s in r:
        if s in ls:
            conns.append(s.accept()[0])
        elif not s.recv(1 << 16):
            conns.remove(s); s.close()
"""

# Paced: RATE/16 bytes every 1/16 s, on the monotonic clock, for argv[2] seconds.
SENDER = r"""
import socket, sys, time
s = socket.create_connection(('10.77.0.2', 5001), timeout=10)
print('ready', flush=True)
rate, end = int(sys.argv[1]), time.monotonic() + float(sys.argv[2])
chunk, t = b'x' * (rate // 16), time.monotonic()
while t < end:
    s.sendall(chunk)
    t += 1 / 16
    time.sleep(max(0, t - time.monotonic()))
"""

IDLE = r"""
import socket, time
s = socket.create_connection(('10.77.0.2', 5002), timeout=10)
print('ready', flush=True)
time.sleep(170)
"""

AGENT_CONF = """[rule "top_test_listen"]
series = connmon_tcp_sockets{state="listen"}
above = 0
for = 1s
severity = warning
"""


def check(ok, what, lines=None):
    print(("ok: " if ok else "FAIL: ") + what, flush=True)
    if not ok:
        fails.append(what)
        if lines:
            print("  the screen:\n  " + "\n  ".join(lines), flush=True)


def sh(*args, check_rc=True, timeout=30):
    return subprocess.run(args, check=check_rc, capture_output=True, text=True, timeout=timeout)


def setup():
    sh("ip", "netns", "add", A)
    sh("ip", "netns", "add", B)
    sh("ip", "link", "add", "va", "netns", A, "type", "veth", "peer", "name", "vb", "netns", B)
    for ns, dev, addr in ((A, "va", "10.77.0.1/24"), (B, "vb", "10.77.0.2/24")):
        sh("ip", "-n", ns, "addr", "add", addr, "dev", dev)
        sh("ip", "-n", ns, "link", "set", dev, "up")
        sh("ip", "-n", ns, "link", "set", "lo", "up")
    sh("ip", "-n", A, "route", "add", "default", "via", "10.77.0.2")


def spawn(started, ns, code, *args):
    p = subprocess.Popen(["ip", "netns", "exec", ns, "python3", "-c", code, *args],
                         stdout=subprocess.PIPE, text=True)
    started.append(p)
    if p.stdout.readline().strip() != "ready":
        raise RuntimeError("a helper did not start")
    return p


class Screen:
    """One `connmon top` in its own tmux server; its exit code lands in a file."""

    def __init__(self, cmd, width, height):
        self.status = os.path.join(tempfile.gettempdir(), "cmtop2-%d.rc" % PID)
        if os.path.exists(self.status):
            os.unlink(self.status)
        self.width = width
        sh(*TMUX, "new-session", "-d", "-s", SESSION, "-x", str(width), "-y", str(height),
           "%s; echo $? > %s" % (cmd, self.status))

    def keys(self, *keys):
        sh(*TMUX, "send-keys", "-t", SESSION, *keys)

    def lines(self):
        out = sh(*TMUX, "capture-pane", "-p", "-t", SESSION).stdout
        return [l.rstrip() for l in out.splitlines()]

    def wait(self, pred, timeout=10):
        end = time.monotonic() + timeout
        lines = []
        while time.monotonic() < end:
            lines = self.lines()
            if pred(lines):
                return lines
            time.sleep(0.25)
        return lines

    def quit(self):
        self.keys("q")
        end = time.monotonic() + 5
        while not os.path.exists(self.status) and time.monotonic() < end:
            time.sleep(0.1)
        rc = open(self.status).read().strip() if os.path.exists(self.status) else "none"
        sh(*TMUX, "kill-server", check_rc=False)
        if os.path.exists(self.status):
            os.unlink(self.status)
        return rc


def rates(line):
    return [float(v) * UNIT[u] for v, u in RATE_RE.findall(line)]


def row(lines, pred):
    for l in lines:
        if pred(l):
            return l
    return None


def flow_row(lines):
    return row(lines, lambda l: re.search(r"(^|\s)10\.77\.0\.2\s", l) and rates(l))


def proc_row(lines, pid):
    return row(lines, lambda l: re.match(r"\s*%d\s" % pid, l) and rates(l))


def in_range(v, lo=0.7, hi=1.4):
    return v is not None and lo * RATE <= v <= hi * RATE


def check_width(scr, lines, what):
    wide = [l for l in lines if len(l) > scr.width]
    check(not wide, "%s: no line wider than %d: %s" % (what, scr.width, wide[:2]))


def check_flows(scr, size):
    scr.keys("3")
    # The sent rate is the 10 s window's: a few seconds in, it holds the pace.
    lines = scr.wait(lambda l: flow_row(l) and in_range(rates(flow_row(l))[0]), 15)
    r = flow_row(lines)
    check(r is not None, "%s flows: the pair with 10.77.0.2 is listed" % size, lines)
    if r:
        check(in_range(rates(r)[0]), "%s flows: sent %.0f B/s, the sender paces %d B/s: %r"
              % (size, rates(r)[0], RATE, r))
    check(any("flows on va" in l for l in lines), "%s flows: the title names va" % size)
    check_width(scr, lines, size + " flows")


def check_procs(scr, size, sender):
    scr.keys("4")
    lines = scr.wait(lambda l: proc_row(l, sender) and in_range(rates(proc_row(l, sender))[0]),
                     15)
    r = proc_row(lines, sender)
    check(r is not None, "%s procs: the sender (pid %d) is listed" % (size, sender))
    if r:
        check(in_range(rates(r)[0]), "%s procs: sent %.0f B/s, the sender paces %d B/s: %r"
              % (size, rates(r)[0], RATE, r))
        if scr.width >= 200:
            check(r.split()[-1] == "1", "%s procs: one connection: %r" % (size, r))
    check_width(scr, lines, size + " procs")


def check_drill(scr, sender):
    scr.keys("/")
    scr.keys("-l", str(sender))
    scr.keys("Enter")
    time.sleep(0.5)
    scr.keys("Enter")
    lines = scr.wait(lambda l: any("pid %d" % sender in x for x in l), 8)
    text = "\n".join(lines)
    check("pid %d" % sender in text, "drill-down: the title names pid %d" % sender, lines)
    check("10.77.0.2:5001" in text, "drill-down: the sender's socket to :5001 is shown")
    check("10.77.0.2:5002" not in text, "drill-down: the idle process's socket is not")
    scr.keys("Escape")
    lines = scr.wait(lambda l: not any("pid %d" % sender in x for x in l), 5)
    check(not any("pid %d" % sender in x for x in lines), "Esc backs out of the drill-down")


def run_traffic(connmon, sender):
    """Each size in a top of its own (resizing is the screen's test, tests/top)."""
    for width, height in ((80, 24), (200, 50)):
        size = "%dx%d" % (width, height)
        scr = Screen("ip netns exec %s %s top --standalone -i 1" % (A, connmon), width, height)
        try:
            time.sleep(1)
            check_flows(scr, size)
            check_procs(scr, size, sender)
            if width == 200:
                check_drill(scr, sender)
        finally:
            rc = scr.quit()
        check(rc == "0", "%s: q ends top with exit 0 (got %s)" % (size, rc))


def run_no_capture(connmon):
    cmd = "ip netns exec %s capsh --drop=cap_net_raw -- -c '%s top --standalone -i 1 --view flows'" % (
        A, connmon)
    scr = Screen(cmd, 200, 50)
    try:
        lines = scr.wait(lambda l: any("CAP_NET_RAW" in x for x in l), 8)
        check(any("CAP_NET_RAW" in l for l in lines),
              "without CAP_NET_RAW the flows view says so")
        scr.keys("2")
        lines = scr.wait(lambda l: any("10.77.0.2:5001" in x for x in l), 8)
        check(any("10.77.0.2:5001" in l for l in lines),
              "without CAP_NET_RAW the sockets view still lists the connections")
    finally:
        rc = scr.quit()
    check(rc == "0", "no capture: q ends top with exit 0 (got %s)" % rc)


def alert_db(connmon, tmp, started):
    """A database in which a short agent run recorded a firing alert."""
    conf, db = os.path.join(tmp, "c.conf"), os.path.join(tmp, "h.db")
    with open(conf, "w") as f:
        f.write(AGENT_CONF)
    spawn(started, A, "import socket,time\ns=socket.socket()\ns.bind(('127.0.0.1',7001))\n"
          "s.listen()\nprint('ready',flush=True)\ntime.sleep(170)")
    agent = subprocess.Popen(["ip", "netns", "exec", A, connmon, "agent", "--config", conf,
                              "--db", db, "--listen", "off", "--interval", "1"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    started.append(agent)
    end = time.monotonic() + 20
    fired = False
    while time.monotonic() < end and not fired:
        time.sleep(0.5)
        r = sh("ip", "netns", "exec", A, connmon, "alerts", "--db", db, "--json",
               check_rc=False)
        fired = r.returncode == 0 and any(e["rule"] == "top_test_listen"
                                          for e in json.loads(r.stdout or "[]"))
    check(fired, "the agent recorded the test alert")
    return db


def run_alerts(connmon, db, tmp):
    scr = Screen("ip netns exec %s %s top --standalone -i 1 --view alerts --db %s" % (A, connmon, db),
                 200, 50)
    try:
        lines = scr.wait(lambda l: any("top_test_listen" in x for x in l), 10)
        r = row(lines, lambda l: "top_test_listen" in l)
        check(r is not None and "firing" in r, "alerts: the rule's alert is listed firing: %r"
              % r)
        check(any("1 firing" in l for l in lines), "alerts: the title counts one firing")
    finally:
        scr.quit()
    check_unblock(connmon, db)
    missing = os.path.join(tmp, "none.db")
    scr = Screen("ip netns exec %s %s top --standalone -i 1 --view alerts --db %s" % (A, connmon, missing),
                 80, 24)
    try:
        lines = scr.wait(lambda l: any("no agent database" in x for x in l), 8)
        text = "\n".join(lines)
        check("no agent database" in text and "none.db" in text,
              "alerts without a database: says where it looked")
        check_width(scr, lines, "80x24 alerts")
    finally:
        scr.quit()


def blocks(connmon, db):
    r = sh("ip", "netns", "exec", A, connmon, "blocks", "--db", db, "--json", check_rc=False)
    return [b["addr"] for b in json.loads(r.stdout)["blocks"]] if r.returncode == 0 else None


def check_unblock(connmon, db):
    """A block made by `connmon block` is listed; u and y lift it, as `connmon unblock` would."""
    r = sh("ip", "netns", "exec", A, connmon, "block", "--db", db, "198.51.100.9",
           check_rc=False)
    check(r.returncode == 0 and blocks(connmon, db) == ["198.51.100.9"],
          "connmon block 198.51.100.9 (%d: %s)" % (r.returncode, r.stderr.strip()))
    scr = Screen("ip netns exec %s %s top --standalone -i 1 --view alerts --db %s" % (A, connmon, db),
                 200, 50)
    try:
        lines = scr.wait(lambda l: any("198.51.100.9" in x for x in l), 10)
        r = row(lines, lambda l: "198.51.100.9" in l)
        check(r is not None and r.split()[0] == "block" and "never" in r,
              "alerts: the block is listed, for ever: %r" % r, lines)
        scr.keys("/")
        scr.keys("-l", "198.51.100.9")
        scr.keys("Enter")
        time.sleep(0.5)
        scr.keys("u")
        lines = scr.wait(lambda l: any("Unblock 198.51.100.9?" in x for x in l), 5)
        check(any("Unblock 198.51.100.9?" in l for l in lines), "u asks first", lines)
        scr.keys("y")
        lines = scr.wait(lambda l: not any(x.startswith(" block") for x in l), 8)
        check(not any(l.startswith(" block") for l in lines), "after y the row is gone",
              lines)
        check(any("unblocked 198.51.100.9" in l for l in lines), "the status line says so")
        check(blocks(connmon, db) == [], "connmon blocks lists none after the unblock")
    finally:
        scr.quit()


def main():
    if len(sys.argv) != 2:
        print("usage: test_top_traffic.py CONNMON")
        return 2
    if os.geteuid() != 0 or not all(shutil.which(t) for t in ("ip", "tmux", "capsh")):
        print("SKIP: needs root, ip(8), tmux and capsh")
        return SKIP
    connmon = os.path.abspath(sys.argv[1])
    started = []
    tmp = tempfile.mkdtemp(prefix="cmtop2")
    try:
        setup()
        spawn(started, B, SINK)
        sender = spawn(started, A, SENDER, str(RATE), "150").pid
        # ip netns exec execs python: the Popen's pid is the sender's own
        spawn(started, A, IDLE)
        run_traffic(connmon, sender)
        run_no_capture(connmon)
        run_alerts(connmon, alert_db(connmon, tmp, started), tmp)
    finally:
        sh(*TMUX, "kill-server", check_rc=False)
        for p in started:
            if p.poll() is None:
                p.kill()
            p.wait()
        sh("ip", "netns", "del", A, check_rc=False)
        sh("ip", "netns", "del", B, check_rc=False)
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d check(s) failed" % len(fails) if fails else "ok")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
