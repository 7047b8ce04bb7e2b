#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A process with a hostile name, for tests/escape/escape_test.py (run inside
the test's namespace; a helper, not a test).

  evil.py PORT LIFETIME_S

Re-executes itself with argv[0] = NAME (so /proc/PID/cmdline holds it), then
renames itself to NAME with prctl(PR_SET_NAME) (so /proc/PID/comm does), and
holds, until LIFETIME_S has passed or stdin closes:

  - a TCP listener on 127.0.0.1:PORT;
  - a UNIX stream listener on the abstract name "\\0" + ABSTRACT + pid;
  - a TCP connection to that listener whose peer closed (CLOSE-WAIT here);
  - a TCP connection to it that moves about 1 MB/s (so procs has a row).

Prints "ready PID" on stdout once everything exists.
"""
import ctypes
import os
import select
import socket
import sys
import time

NAME = b"evil\x1b[2Jname\xff"  # 13 bytes: fits comm's 15
ABSTRACT = b"cmesc\xff\x1b[2J"
PR_SET_NAME = 15
STAGE2 = "--renamed"


def rename():
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_NAME, ctypes.c_char_p(NAME), 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NAME)")
    with open("/proc/self/comm", "rb") as f:
        if f.read().rstrip(b"\n") != NAME:
            raise RuntimeError("comm did not change")


def connected_pair(ls, port):
    c = socket.create_connection(("127.0.0.1", port), timeout=5)
    a, _ = ls.accept()
    return c, a


def serve(port, life):
    rename()
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", port))
    ls.listen(16)
    us = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    us.bind(b"\0" + ABSTRACT + str(os.getpid()).encode())
    us.listen(4)
    # The accepted side closes at once: the connecting side sits in CLOSE-WAIT.
    cw, peer = connected_pair(ls, port)
    peer.close()
    tx, rx = connected_pair(ls, port)
    tx.setblocking(False)
    rx.setblocking(False)
    print("ready", os.getpid(), flush=True)
    chunk = b"x" * 65536
    end = time.monotonic() + life
    while time.monotonic() < end:
        r, _, _ = select.select([sys.stdin, rx], [], [], 0.05)
        if sys.stdin in r and not os.read(sys.stdin.fileno(), 64):
            break
        if rx in r:
            try:
                rx.recv(1 << 20)
            except BlockingIOError:
                pass
        try:
            tx.send(chunk)
        except BlockingIOError:
            pass
    for s in (tx, rx, cw, us, ls):
        s.close()


def main():
    if len(sys.argv) == 4 and sys.argv[1] == STAGE2:
        serve(int(sys.argv[2]), float(sys.argv[3]))
        return
    if len(sys.argv) != 3:
        sys.exit("usage: evil.py PORT LIFETIME_S")
    # argv[0] is what ps and connmon procs show as the command line.
    os.execv(sys.executable, [NAME, os.path.abspath(__file__), STAGE2] + sys.argv[1:])


if __name__ == "__main__":
    main()
