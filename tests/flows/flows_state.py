#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""`connmon flows` defects of issue 6, each with its repro.

  truncated  `flows -r` on a pcap cut short inside its last record: the intact
             packets' flows on stdout, then a warning on stderr, exit 1 (as
             tcpdump shows the packets, then warns); the whole file: exit 0.
             Needs no privilege: the pcap is written here.
  windows    3,800 IP bytes sent in 0.1 s near the end of `flows -s 4`: the
             averages divide by min(window, time since the capture started),
             not by the time since the first packet (was 10,098 B/s in every
             window; right: 1,900 for 2 s, 3,800 / 4 s for 10 s and 40 s).
             Root: two namespaces and a veth pair made here (skipped without).

Usage: flows_state.py CONNMON [PHASE...]; exits 77 when no phase could run.
"""
import json
import os
import signal
import struct
import subprocess
import sys
import tempfile
import time

SKIP = 77
TAG = "%d" % os.getpid()
NS_A, NS_B = "cmfst-a-" + TAG, "cmfst-b-" + TAG
IF_A, IF_B = "cmfa" + TAG[-5:], "cmfb" + TAG[-5:]
A4, B4 = "10.79.7.1", "10.79.7.2"
failures = []
started = []


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def check(what, ok, detail):
    log("%s %s: %s" % ("ok  " if ok else "FAIL", what, detail))
    if not ok:
        failures.append(what)


def near(what, got, want, tol):
    check(what, got is not None and abs(got - want) <= tol * want,
          "got %s, expected %.1f +- %.0f %%" % (got, want, tol * 100))


def sh(*args, check=True):
    return subprocess.run(args, check=check, capture_output=True, text=True, timeout=30)


def udp_frame(i, payload):
    """An Ethernet frame: IPv4 UDP 10.1.0.1:4000+i%3 -> 10.1.0.2:53 with payload bytes."""
    udp = struct.pack("!HHHH", 4000 + i % 3, 53, 8 + payload, 0) + b"q" * payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i, 0, 64, 17, 0,
                     bytes([10, 1, 0, 1]), bytes([10, 1, 0, 2]))
    return b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00" + ip + udp


def write_pcap(path, frames):
    """Classic pcap, microseconds, Ethernet; returns the offset of the last record."""
    last = 0
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for i, fr in enumerate(frames):
            last = f.tell()
            f.write(struct.pack("<IIII", 1795500000 + i // 10, (i % 10) * 100000, len(fr),
                                len(fr)))
            f.write(fr)
    return last


def phase_truncated(cm):
    tmp = tempfile.mkdtemp()
    path = os.path.join(tmp, "cut.pcap")
    frames = [udp_frame(i, 100 + i) for i in range(12)]
    last = write_pcap(path, frames)
    whole = subprocess.run([cm, "flows", "-r", path, "-P", "--json"], capture_output=True,
                           text=True, timeout=30)
    check("intact file: exit 0", whole.returncode == 0, "exit %d %s" % (whole.returncode,
                                                                        whole.stderr.strip()))
    size = os.path.getsize(path)
    os.truncate(path, size - 40)  # inside the last record's data
    cut = subprocess.run([cm, "flows", "-r", path, "-P", "--json"], capture_output=True,
                         text=True, timeout=30)
    check("cut file: exit 1", cut.returncode == 1, "exit %d" % cut.returncode)
    check("cut file: a warning on stderr", "cut short" in cut.stderr, cut.stderr.strip())
    try:
        obj = json.loads(cut.stdout)
    except ValueError:
        obj = None
    want = sum(len(fr) - 14 for fr in frames[:-1])  # IP bytes of the intact packets
    got = obj and obj["totals"]["sent_bytes"] + obj["totals"]["recv_bytes"]
    check("cut file: every intact packet counted", got == want,
          "got %s IP bytes, expected %d (%d of %d packets)" %
          (got, want, len(frames) - 1, len(frames)))
    check("cut file: flows listed", bool(obj and obj["nr_flows"] == 3), "nr_flows %s" %
          (obj and obj["nr_flows"]))
    text = subprocess.run([cm, "flows", "-r", path], capture_output=True, text=True, timeout=30)
    check("cut file, text: the table, then the warning, exit 1",
          text.returncode == 1 and "10.1.0.1" in text.stdout and "cut short" in text.stderr,
          "exit %d, stdout %d bytes" % (text.returncode, len(text.stdout)))
    os.truncate(path, last + 6)  # inside the last record's header
    cut = subprocess.run([cm, "flows", "-r", path, "--json"], capture_output=True, text=True,
                         timeout=30)
    check("cut inside a record header: results, warning, exit 1",
          cut.returncode == 1 and '"nr_flows":1' in cut.stdout and "cut short" in cut.stderr,
          "exit %d %s" % (cut.returncode, cut.stderr.strip()))
    os.unlink(path)
    os.rmdir(tmp)


SENDER = r"""
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind((sys.argv[1], 41000))
for i in range(38):
    s.sendto(b'w' * 72, (sys.argv[2], 5300))  # 72 + 8 + 20 = 100 IP bytes
    time.sleep(0.1 / 38)
"""


def phase_windows(cm):
    if os.geteuid() != 0:
        log("skip windows: needs root")
        return False
    sh("ip", "netns", "add", NS_A)
    sh("ip", "netns", "add", NS_B)
    sh("ip", "link", "add", IF_A, "netns", NS_A, "type", "veth", "peer", "name", IF_B,
       "netns", NS_B)
    for ns, ifc, a4 in ((NS_A, IF_A, A4), (NS_B, IF_B, B4)):
        sh("ip", "-n", ns, "addr", "add", a4 + "/24", "dev", ifc)
        sh("ip", "-n", ns, "link", "set", ifc, "up")
    # ARP resolved before the measurement (the link may need a moment to come up)
    sh("ip", "netns", "exec", NS_A, "ping", "-c3", "-i0.2", "-W1", B4, check=False)
    sink = subprocess.Popen(["ip", "netns", "exec", NS_B, sys.executable, "-c",
                             "import socket,time; s=socket.socket(socket.AF_INET,"
                             "socket.SOCK_DGRAM); s.bind(('%s',5300)); time.sleep(10)" % B4])
    started.append(sink)
    mon = subprocess.Popen([cm, "flows", "-N", NS_A, "-i", IF_A, "-P", "-s", "4", "--json"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    started.append(mon)
    time.sleep(3.0)
    sh("ip", "netns", "exec", NS_A, sys.executable, "-c", SENDER, A4, B4)
    out, err = mon.communicate(timeout=30)
    check("flows -s 4 exits 0", mon.returncode == 0, "exit %d %s" % (mon.returncode, err))
    obj = json.loads(out)
    f = [x for x in obj["flows"] if x.get("local_port") == 41000]
    check("the sender's flow is there", len(f) == 1, "%d flows" % len(f))
    if not f:
        return True
    f = f[0]
    dur = obj["duration_s"]
    check("all 3,800 bytes seen", f["sent_bytes"] == 3800, "%d" % f["sent_bytes"])
    rate = f["sent_bytes_per_s"]
    near("2 s average: 3,800 B / 2 s", rate["2s"], 1900.0, 0.01)
    near("10 s average: 3,800 B / %.2f s since the capture started" % dur, rate["10s"],
         3800.0 / dur, 0.01)
    near("40 s average: 3,800 B / %.2f s" % dur, rate["40s"], 3800.0 / dur, 0.01)
    return True


def cleanup():
    for p in started:
        if p.poll() is None:
            p.kill()
        p.wait()
    for ns in (NS_A, NS_B):
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)


def on_signal(signum, _frame):
    cleanup()
    sys.exit(128 + signum)


PHASES = {"truncated": phase_truncated, "windows": phase_windows}


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: flows_state.py CONNMON [PHASE...]")
    cm = os.path.abspath(sys.argv[1])
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    ran = 0
    try:
        for name in sys.argv[2:] or list(PHASES):
            try:
                ran += PHASES[name](cm) is not False
            except Exception as e:  # report, go on
                log("FAIL: %s: %s" % (name, e))
                failures.append(name)
    finally:
        cleanup()
    log("%d failed" % len(failures))
    if not ran:
        sys.exit(SKIP)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
