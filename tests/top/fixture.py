#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A fixed set of sockets for the `connmon top` test, run inside its namespace.

Holds, until stdin closes (or 300 s pass):
  - TCP 127.0.0.1:7001 listening, with 4 established pairs to it;
  - TCP 127.0.0.1:7004 listening (backlog 8) and never accepting, with 3
    connections waiting in its accept queue;
  - TCP [::1]:7002 listening (IPv6);
  - one pair to 7001 whose client shut its sending side: the server end
    stays in CLOSE-WAIT, the client end in FIN-WAIT-2 (not orphaned);
  - TCP 127.0.0.1:7005 listening with one pair, for the kill test;
  - UDP 127.0.0.1:7003 bound.
Its command name is "cmtop\\x1bfix" (an escape byte: the screen must show it
escaped).  Prints "ready PID" when all is in place; "open" on stdin adds one
more pair to 7001 and answers "opened".
"""

import ctypes
import os
import select
import socket
import sys
import time

PR_SET_NAME = 15


def set_name(name):
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_NAME, ctypes.c_char_p(name), 0, 0, 0)


def listener(addr, port, backlog=16, family=socket.AF_INET):
    s = socket.socket(family, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(backlog)
    return s


def pair(lst, port, keep):
    c = socket.create_connection(("127.0.0.1", port), timeout=5)
    a, _ = lst.accept()
    keep += [c, a]
    return c, a


def main():
    set_name(b"cmtop\x1bfix")
    keep = []
    l1 = listener("127.0.0.1", 7001)
    l4 = listener("127.0.0.1", 7004, backlog=8)
    l2 = listener("::1", 7002, family=socket.AF_INET6)
    l5 = listener("127.0.0.1", 7005)
    keep += [l1, l4, l2, l5]
    for _ in range(4):
        pair(l1, 7001, keep)
    c, _ = pair(l1, 7001, keep)
    c.shutdown(socket.SHUT_WR)
    pair(l5, 7005, keep)
    for _ in range(3):
        keep.append(socket.create_connection(("127.0.0.1", 7004), timeout=5))
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(("127.0.0.1", 7003))
    keep.append(u)
    time.sleep(0.2)  # the FIN reaches the server end
    print("ready %d" % os.getpid(), flush=True)
    end = time.monotonic() + 300
    while time.monotonic() < end:
        r, _, _ = select.select([sys.stdin], [], [], 1.0)
        if not r:
            continue
        line = sys.stdin.readline()
        if not line:
            break
        if line.strip() == "open":
            pair(l1, 7001, keep)
            print("opened", flush=True)


if __name__ == "__main__":
    main()
