#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Traffic endpoints for tests/procs/procs_test.py (run inside a namespace).

  peer.py tcp-sink ADDR PORT LIFETIME_S       accept and discard, forever (bounded)
  peer.py udp-sink ADDR PORT LIFETIME_S       receive and discard
  peer.py tcp-send ADDR PORT NBYTES START_S HOLD_S
  peer.py udp-send ADDR PORT COUNT SIZE START_S HOLD_S
  peer.py udp-blast ADDR PORT COUNT SIZE START_S HOLD_S   (unconnected: to a closed port)

Senders wait START_S, send exactly what they are told, keep the socket open
HOLD_S more seconds (so a refresh sees the final counters), then exit.
Each prints "ready PID" on stdout once its socket exists.
"""
import os
import select
import socket
import sys
import time


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def ready():
    print("ready", os.getpid(), flush=True)


def tcp_sink(addr, port, life):
    ls = socket.socket(family(addr), socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, port))
    ls.listen(16)
    ready()
    conns = []
    end = time.time() + life
    while time.time() < end:
        r, _, _ = select.select([ls] + conns, [], [], 0.2)
        for s in r:
            if s is ls:
                conns.append(ls.accept()[0])
            elif not s.recv(1 << 16):
                conns.remove(s)
                s.close()


def udp_sink(addr, port, life):
    s = socket.socket(family(addr), socket.SOCK_DGRAM)
    s.bind((addr, port))
    ready()
    end = time.time() + life
    while time.time() < end:
        r, _, _ = select.select([s], [], [], 0.2)
        if r:
            s.recv(1 << 16)


def tcp_send(addr, port, nbytes, start, hold):
    s = socket.create_connection((addr, port), timeout=10)
    ready()
    time.sleep(start)
    chunk = b"x" * 65536
    left = nbytes
    while left > 0:
        left -= s.send(chunk[:min(left, len(chunk))])
    time.sleep(hold)
    s.close()


def udp_send(addr, port, count, size, start, hold, connected=True):
    s = socket.socket(family(addr), socket.SOCK_DGRAM)
    if connected:
        s.connect((addr, port))
    ready()
    time.sleep(start)
    payload = b"u" * size
    for i in range(count):
        if connected:
            s.send(payload)
        else:
            s.sendto(payload, (addr, port))
        if i % 50 == 49:
            time.sleep(0.005)  # stay under the veth queue and the receiver's buffer
    time.sleep(hold)
    s.close()


def main():
    mode, addr, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    a = [float(x) for x in sys.argv[4:]]
    if mode == "tcp-sink":
        tcp_sink(addr, port, a[0])
    elif mode == "udp-sink":
        udp_sink(addr, port, a[0])
    elif mode == "tcp-send":
        tcp_send(addr, port, int(a[0]), a[1], a[2])
    elif mode == "udp-send":
        udp_send(addr, port, int(a[0]), int(a[1]), a[2], a[3])
    elif mode == "udp-blast":
        udp_send(addr, port, int(a[0]), int(a[1]), a[2], a[3], connected=False)
    else:
        sys.exit("unknown mode " + mode)


if __name__ == "__main__":
    main()
