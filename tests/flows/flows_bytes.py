#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""`connmon flows` against known transfers between known processes.

Two namespaces joined by a veth pair (created here, deleted on every exit).
While `connmon flows -s` captures on A's veth (three runs at once: -P --json,
host pairs --json, text), processes we start send a known number of bytes:
TCP over IPv4, TCP over IPv6 and UDP over IPv4, A to B.  Checks:
- per port pair (-P): sent bytes within 2 % of the IP bytes tcpdump recorded
  of the same transfer (how many headers a TCP stream costs depends on the
  kernel's segmentation), and never below the payload; for UDP the IP bytes
  are known exactly (payload + 28 per datagram);
- per host pair: the IPv4 pair holds both IPv4 transfers; sent/received are
  relative to A (the capture interface's own address, local_known);
- totals equal the sum of the flows; the kernel's drop count is a number;
- the text form has the totals and the capture/drop line;
- without CAP_NET_RAW: exit 1 and a message naming the capability;
- `-r` over a tcpdump recording of the same traffic gives the same bytes.
Exits 77 without root.  Usage: flows_bytes.py CONNMON
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

SKIP = 77
TCP_BYTES = 20_000_000
UDP_DGRAMS, UDP_PAYLOAD = 2000, 1200
CAPTURE_S = 6


def sh(*args, check=True):
    return subprocess.run(args, check=check, capture_output=True, text=True)


SINK = r"""
import socket, sys
fam = socket.AF_INET6 if ':' in sys.argv[1] else socket.AF_INET
l = socket.socket(fam); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind((sys.argv[1], int(sys.argv[2]))); l.listen(1); l.settimeout(15)
print('ready', flush=True)
c, _ = l.accept(); n = 0
while True:
    d = c.recv(1 << 16)
    if not d: break
    n += len(d)
print(n, flush=True)
"""

SOURCE = r"""
import socket, sys
fam = socket.AF_INET6 if ':' in sys.argv[1] else socket.AF_INET
s = socket.socket(fam); s.bind((sys.argv[3], int(sys.argv[4])))
s.connect((sys.argv[1], int(sys.argv[2])))
left = int(sys.argv[5]); buf = b'z' * 65536
while left > 0:
    left -= s.send(buf[:min(left, len(buf))])
s.shutdown(socket.SHUT_WR); s.recv(1); s.close()
"""

UDP_SOURCE = r"""
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('10.79.0.1', 40012))
for i in range(%d):
    s.sendto(b'u' * %d, ('10.79.0.2', 5012))
    if i %% 100 == 99: time.sleep(0.005)
""" % (UDP_DGRAMS, UDP_PAYLOAD)


class Env:
    def __init__(self):
        self.a = "cmflows-a-%d" % os.getpid()
        self.b = "cmflows-b-%d" % os.getpid()
        self.procs = []
        self.tmp = tempfile.mkdtemp()

    def __enter__(self):
        sh("ip", "netns", "add", self.a)
        sh("ip", "netns", "add", self.b)
        sh("ip", "-n", self.a, "link", "add", "va", "type", "veth", "peer", "name", "vb",
           "netns", self.b)
        for ns, dev, v4, v6 in ((self.a, "va", "10.79.0.1/24", "2001:db8:79::1/64"),
                                (self.b, "vb", "10.79.0.2/24", "2001:db8:79::2/64")):
            sh("ip", "-n", ns, "link", "set", "lo", "up")
            sh("ip", "-n", ns, "link", "set", dev, "up")
            sh("ip", "-n", ns, "addr", "add", v4, "dev", dev)
            sh("ip", "-n", ns, "addr", "add", v6, "dev", dev, "nodad")
        return self

    def start(self, p):
        self.procs.append(p)
        return p

    def __exit__(self, *exc):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        sh("ip", "netns", "del", self.a, check=False)
        sh("ip", "netns", "del", self.b, check=False)
        shutil.rmtree(self.tmp, ignore_errors=True)


def within(got, want, pct):
    return abs(got - want) <= want * pct / 100.0


def pcap_ip_bytes(path):
    """IP bytes per (src, sport, dst, dport) in an Ethernet pcap, as the IP headers say.

    An oracle independent of connmon: how many bytes crossed at the IP level
    depends on how the kernel segmented the stream (GSO), not only on the payload.
    """
    import ipaddress
    import struct
    out = {}
    with open(path, "rb") as f:
        data = f.read()
    endian = "<" if data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    off = 24
    while off + 16 <= len(data):
        incl = struct.unpack(endian + "I", data[off + 8:off + 12])[0]
        frame = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if len(frame) < 14:
            continue
        etype = struct.unpack(">H", frame[12:14])[0]
        ip = frame[14:]
        if etype == 0x0800 and len(ip) >= 20:
            ihl, length, proto = (ip[0] & 15) * 4, struct.unpack(">H", ip[2:4])[0], ip[9]
            src, dst, l4 = ip[12:16], ip[16:20], ip[ihl:]
        elif etype == 0x86DD and len(ip) >= 40:
            length, proto = 40 + struct.unpack(">H", ip[4:6])[0], ip[6]
            src, dst, l4 = ip[8:24], ip[24:40], ip[40:]
        else:
            continue
        if proto not in (6, 17) or len(l4) < 4:
            continue
        sport, dport = struct.unpack(">HH", l4[:4])
        key = (str(ipaddress.ip_address(src)), sport, str(ipaddress.ip_address(dst)), dport)
        out[key] = out.get(key, 0) + length
    return out


def main():
    if os.geteuid() != 0 or shutil.which("ip") is None:
        print("skip: needs root and ip")
        return SKIP
    connmon = sys.argv[1]
    fails = []

    def check(cond, msg):
        if not cond:
            fails.append(msg)
            print("FAIL:", msg)

    with Env() as env:
        pcap = os.path.join(env.tmp, "rec.pcap")
        runs = {
            "ports": [connmon, "flows", "-N", env.a, "-i", "va", "-P", "-s", str(CAPTURE_S),
                      "--json"],
            "hosts": [connmon, "flows", "-N", env.a, "-i", "va", "-s", str(CAPTURE_S),
                      "--json", "--sort", "sent"],
            "text": [connmon, "flows", "-N", env.a, "-i", "va", "-s", str(CAPTURE_S)],
        }
        caps = {k: env.start(subprocess.Popen(v, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                              text=True)) for k, v in runs.items()}
        tcpdump = env.start(subprocess.Popen(
            ["ip", "netns", "exec", env.a, "tcpdump", "-i", "va", "-s", "256", "-n", "-w", pcap],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        time.sleep(1.0)
        sinks = []
        for addr, port in (("10.79.0.2", 5010), ("2001:db8:79::2", 5011)):
            sinks.append(env.start(subprocess.Popen(
                ["ip", "netns", "exec", env.b, "timeout", "20", "python3", "-c", SINK, addr,
                 str(port)], stdout=subprocess.PIPE, text=True)))
        for s in sinks:
            check(s.stdout.readline().strip() == "ready", "sink did not start")
        srcs = [
            env.start(subprocess.Popen(["ip", "netns", "exec", env.a, "timeout", "20", "python3",
                                        "-c", SOURCE, "10.79.0.2", "5010", "10.79.0.1", "40010",
                                        str(TCP_BYTES)])),
            env.start(subprocess.Popen(["ip", "netns", "exec", env.a, "timeout", "20", "python3",
                                        "-c", SOURCE, "2001:db8:79::2", "5011", "2001:db8:79::1",
                                        "40011", str(TCP_BYTES)])),
            env.start(subprocess.Popen(["ip", "netns", "exec", env.a, "timeout", "20", "python3",
                                        "-c", UDP_SOURCE])),
        ]
        for p in srcs:
            check(p.wait(timeout=30) == 0, "a sender failed")
        for s in sinks:
            got = int(s.stdout.readline().strip() or 0)
            check(got == TCP_BYTES, "sink got %d of %d bytes" % (got, TCP_BYTES))
        out = {}
        for k, p in caps.items():
            o, e = p.communicate(timeout=CAPTURE_S + 20)
            check(p.returncode == 0, "%s run exited %d: %s" % (k, p.returncode, e.strip()))
            out[k] = o
        time.sleep(0.5)
        tcpdump.send_signal(signal.SIGINT)
        tcpdump.wait(timeout=10)

        # per port pair, against the IP bytes tcpdump recorded of the same transfers
        wire = pcap_ip_bytes(pcap)
        d = json.loads(out["ports"])
        flows = {(f["local"], f.get("local_port"), f["remote"], f.get("remote_port")): f
                 for f in d["flows"]}
        for key, want, name in (
                (("10.79.0.1", 40010, "10.79.0.2", 5010), TCP_BYTES, "tcp4"),
                (("2001:db8:79::1", 40011, "2001:db8:79::2", 5011), TCP_BYTES, "tcp6"),
                (("10.79.0.1", 40012, "10.79.0.2", 5012), UDP_DGRAMS * (UDP_PAYLOAD + 28), "udp")):
            f = flows.get(key)
            check(f is not None, "no %s flow %s" % (name, key))
            if f is None:
                continue
            on_wire = wire.get(key, 0)
            print("%s: sent %d bytes (payload %d, IP bytes in tcpdump's recording %d), "
                  "received %d" % (name, f["sent_bytes"], want, on_wire, f["recv_bytes"]))
            check(within(f["sent_bytes"], on_wire, 2), "%s sent %d, tcpdump saw %d IP bytes +- 2%%" %
                  (name, f["sent_bytes"], on_wire))
            check(f["sent_bytes"] >= want, "%s sent %d, less than the %d payload bytes" %
                  (name, f["sent_bytes"], want))
            check(f["local_known"], "%s: local side not recognised" % name)
            check(f["proto"] == ("udp" if name == "udp" else "tcp"), "%s proto" % name)
        udp = flows.get(("10.79.0.1", 40012, "10.79.0.2", 5012))
        if udp:
            check(udp["sent_bytes"] == UDP_DGRAMS * (UDP_PAYLOAD + 28),
                  "udp IP bytes %d, want exactly %d" % (udp["sent_bytes"],
                                                      UDP_DGRAMS * (UDP_PAYLOAD + 28)))
            check(udp["sent_packets"] == UDP_DGRAMS, "udp packets %d" % udp["sent_packets"])
        tot = d["totals"]
        check(tot["sent_bytes"] == sum(f["sent_bytes"] for f in d["flows"]), "sent totals")
        check(tot["recv_bytes"] == sum(f["recv_bytes"] for f in d["flows"]), "recv totals")
        check(isinstance(d["capture"]["kernel_dropped"], int), "no kernel drop count")
        print("kernel drops:", d["capture"]["kernel_dropped"], "packets:", d["capture"]["packets"])

        # per host pair: both IPv4 transfers in one flow
        h = json.loads(out["hosts"])
        f = h["flows"][0]
        want = sum(v for k, v in wire.items() if (k[0], k[2]) == ("10.79.0.1", "10.79.0.2"))
        check((f["local"], f["remote"]) == ("10.79.0.1", "10.79.0.2"),
              "host pair order: %s %s" % (f["local"], f["remote"]))
        check(within(f["sent_bytes"], want, 2), "host pair sent %d, tcpdump saw %d IP bytes" %
              (f["sent_bytes"], want))
        check(f["sent_bytes"] >= TCP_BYTES + UDP_DGRAMS * (UDP_PAYLOAD + 28),
              "host pair sent less than its payload")
        check(f["recv_bytes"] < f["sent_bytes"] / 10, "host pair received too much")
        check(f["sent_bytes_per_s"]["40s"] > 0 and "2s" in f["sent_bytes_per_s"], "rates")
        check(f["peak_sent_bytes_per_s"] >= f["sent_bytes_per_s"]["10s"], "peak below 10s")

        # text: totals and the drop line
        check("Cumulative (sent/received/total):" in out["text"], "text has no totals")
        check("dropped by the kernel" in out["text"], "text has no drop count")

        # offline: the same traffic from tcpdump's file
        r = subprocess.run([connmon, "flows", "-r", pcap, "-P", "--json"], capture_output=True,
                           text=True)
        check(r.returncode == 0, "-r failed: " + r.stderr)
        if r.returncode == 0:
            rf = {(f["local"], f.get("local_port"), f["remote"], f.get("remote_port")): f
                  for f in json.loads(r.stdout)["flows"]}
            for key in (("10.79.0.1", 40010, "10.79.0.2", 5010),
                        ("10.79.0.1", 40012, "10.79.0.2", 5012)):
                a, b = flows.get(key), rf.get(key)
                check(a is not None and b is not None and
                      a["sent_bytes"] == b["sent_bytes"], "-r differs for %s" % (key,))

        # an interface deleted during the capture: the results so far, then a clear error
        sh("ip", "-n", env.a, "link", "add", "vg1", "type", "veth", "peer", "name", "vg2")
        sh("ip", "-n", env.a, "link", "set", "vg1", "up")
        sh("ip", "-n", env.a, "link", "set", "vg2", "up")
        p = env.start(subprocess.Popen([connmon, "flows", "-N", env.a, "-i", "vg1", "-s", "5",
                                        "--json"], stdout=subprocess.PIPE,
                                       stderr=subprocess.PIPE, text=True))
        time.sleep(1.5)
        sh("ip", "-n", env.a, "link", "del", "vg1")
        o, e = p.communicate(timeout=20)
        check(p.returncode == 1, "vanished interface: exit %d" % p.returncode)
        check("'vg1' vanished" in e, "vanished interface message: " + e.strip())
        try:
            check("totals" in json.loads(o), "vanished interface: no totals")
        except ValueError:
            check(False, "vanished interface: output is not JSON: %r" % o[:200])

        # without CAP_NET_RAW
        if shutil.which("setpriv"):
            r = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                                "--inh-caps=-all", "--bounding-set=-all", connmon, "flows",
                                "-i", "lo", "-s", "1"], capture_output=True, text=True)
            check(r.returncode == 1, "unprivileged exit %d" % r.returncode)
            check("CAP_NET_RAW" in r.stderr, "unprivileged message: " + r.stderr.strip())
    if fails:
        print("%d check(s) failed" % len(fails))
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
