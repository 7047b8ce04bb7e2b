#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The live `connmon flows` screen in a real terminal (tmux), at 80x24 and 200x50.

Two namespaces joined by a veth pair (created here, deleted on every exit);
`connmon flows -i va -P` runs on A's side inside a detached tmux session
while B sends UDP datagrams to A over IPv4 and over IPv6 with full-length
addresses (the longest host a screen must place).  Checks, on the pane's
joined lines (tmux -J: a line the terminal wrapped comes back whole):
- 80x24: no line is longer than 80 columns; the header keeps all three
  windows (last 2s, 10s, 40s); every flow line has its three rates in
  labelled units (B/s, KiB/s, ...); the totals and the capture lines are
  on the screen;
- 200x50 (the same run, resized: SIGWINCH redraws): the peak and cumulative
  columns join, the IPv6 host is shown whole, no line passes 200 columns.
Then 'q' ends connmon with exit 0.
Exits 77 without root, ip(8) or tmux.  Usage: flows_screen.py CONNMON
"""

import os
import re
import shutil
import subprocess
import sys
import time

SKIP = 77
PID = os.getpid()
A, B = "cmscr-a-%d" % PID, "cmscr-b-%d" % PID
SESSION = "cmscr-%d" % PID
V6A = "2001:db8:1234:5678:9abc:def0:1234:5601"
V6B = "2001:db8:1234:5678:9abc:def0:1234:5602"
RATE = re.compile(r"\d+(\.\d+)? (B|KiB|MiB|GiB|TiB|PiB)/s")
fails = []

SENDER = r"""
import socket, sys, time
end = time.monotonic() + float(sys.argv[1])
v4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); v4.bind(('10.98.0.2', 41000))
v6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); v6.bind((sys.argv[3], 41001))
while time.monotonic() < end:
    v4.sendto(b'x' * 900, ('10.98.0.1', 5000))
    v6.sendto(b'y' * 700, (sys.argv[2], 5001))
    time.sleep(0.01)
"""


def check(ok, what):
    print(("ok: " if ok else "FAIL: ") + what, flush=True)
    if not ok:
        fails.append(what)


def sh(*args, check_rc=True):
    return subprocess.run(args, check=check_rc, capture_output=True, text=True, timeout=30)


def setup():
    sh("ip", "netns", "add", A)
    sh("ip", "netns", "add", B)
    sh("ip", "link", "add", "va", "netns", A, "type", "veth", "peer", "name", "vb", "netns", B)
    for ns, dev, v4, v6 in ((A, "va", "10.98.0.1/24", V6A), (B, "vb", "10.98.0.2/24", V6B)):
        sh("ip", "-n", ns, "addr", "add", v4, "dev", dev)
        sh("ip", "-n", ns, "addr", "add", v6 + "/64", "dev", dev, "nodad")
        sh("ip", "-n", ns, "link", "set", dev, "up")
        sh("ip", "-n", ns, "link", "set", "lo", "up")


def cleanup():
    sh("tmux", "kill-session", "-t", SESSION, check_rc=False)
    sh("ip", "netns", "del", A, check_rc=False)
    sh("ip", "netns", "del", B, check_rc=False)


def pane():
    """The screen's lines, wrapped ones joined, trailing blanks dropped."""
    out = sh("tmux", "capture-pane", "-p", "-J", "-t", SESSION).stdout
    return [l.rstrip() for l in out.splitlines()]


def wait_for(pred, timeout=8):
    end = time.monotonic() + timeout
    lines = []
    while time.monotonic() < end:
        lines = pane()
        if pred(lines):
            break
        time.sleep(0.2)
    return lines


def flow_lines(lines):
    return [l for l in lines if (" => " in l or " <= " in l) and "last 2s" not in l]


def has_both(lines):
    text = "\n".join(lines)
    return "10.98.0.2:41000" in text and V6B[:20] in text


def check_80(lines):
    check(has_both(lines), "80x24: both flows on the screen")
    check(all(len(l) <= 80 for l in lines),
          "80x24: no line longer than 80: %s" % [l for l in lines if len(l) > 80])
    header = [l for l in lines if "last 2s" in l]
    check(len(header) == 1 and "last 10s" in header[0] and "last 40s" in header[0],
          "80x24: the header keeps the three windows: %s" % header)
    rows = flow_lines(lines)
    check(len(rows) >= 4, "80x24: two lines per flow: %d" % len(rows))
    for l in rows:
        rates = RATE.findall(l.split("=>" if "=>" in l else "<=", 1)[1])
        check(len(rates) >= 3, "80x24: three labelled rates in %r" % l)
    check(any(l.startswith("Total send rate:") for l in lines), "80x24: the totals")
    check(any(l.startswith("Capture: va,") for l in lines), "80x24: the capture line")


def check_200(lines):
    check(has_both(lines), "200x50: both flows on the screen")
    check(all(len(l) <= 200 for l in lines), "200x50: no line longer than 200")
    header = [l for l in lines if "last 2s" in l]
    check(len(header) == 1 and "peak" in header[0] and "cumulative" in header[0],
          "200x50: peak and cumulative join the header: %s" % header)
    check(any("[%s]:41001" % V6B in l for l in lines), "200x50: the IPv6 host is whole")
    rows = flow_lines(lines)
    check(rows and all(len(RATE.findall(l)) >= 4 for l in rows),
          "200x50: rates and the peak on every flow line")


def main():
    if len(sys.argv) != 2:
        print("usage: flows_screen.py CONNMON")
        return 2
    if os.geteuid() != 0 or not shutil.which("ip") or not shutil.which("tmux"):
        print("SKIP: needs root, ip(8) and tmux")
        return SKIP
    connmon = os.path.abspath(sys.argv[1])
    status = os.path.join("/tmp", "%s.rc" % SESSION)
    try:
        setup()
        # The status file tells how connmon ended; the shell keeps the pane alive for it.
        cmd = "ip netns exec %s %s flows -i va -P; echo $? > %s" % (A, connmon, status)
        sh("tmux", "new-session", "-d", "-s", SESSION, "-x", "80", "-y", "24", cmd)
        time.sleep(0.5)
        sender = subprocess.Popen(["ip", "netns", "exec", B, "python3", "-c", SENDER, "12",
                                   V6A, V6B])
        try:
            check_80(wait_for(lambda l: has_both(l) and len(flow_lines(l)) >= 4))
            sh("tmux", "resize-window", "-t", SESSION, "-x", "200", "-y", "50")
            check_200(wait_for(lambda l: any("cumulative" in x for x in l) and has_both(l)))
            sh("tmux", "send-keys", "-t", SESSION, "q")
            end = time.monotonic() + 5
            while not os.path.exists(status) and time.monotonic() < end:
                time.sleep(0.1)
            rc = open(status).read().strip() if os.path.exists(status) else "none"
            check(rc == "0", "q ends connmon with exit 0 (got %s)" % rc)
        finally:
            sender.kill()
            sender.wait()
    finally:
        cleanup()
        if os.path.exists(status):
            os.unlink(status)
    print("%d check(s) failed" % len(fails) if fails else "ok")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
