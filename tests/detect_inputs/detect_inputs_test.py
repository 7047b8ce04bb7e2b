#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The detection inputs against real attacks between two network namespaces.

An attacker and a victim namespace joined by a veth pair (10.77.N.0/24).
1. Port scan: inputs_drive runs the scan capture ("any") and scan_track in
   the victim; nmap -sS scans 200 ports from the attacker.  The attacker's
   address must be reported with exactly the 200 ports nmap probed (nmap
   sends each probe once with --max-retries 0; a second SYN to the same
   port adds no port), and no other source.
   Then a SYN flood from random sources (hping3 --flood --rand-source, 4 s):
   no source is reported, the table stays bounded, a report every second.
2. SSH brute force: a real sshd (Debian's openssh-server, its own config,
   -E log file) in the victim; sshpass tries 6 wrong passwords for root
   from the attacker, one connection each.  inputs_drive follows the log
   file: fail_track must count exactly 6 for the attacker (each attempt
   writes one counted "Failed password" and one uncounted "Connection
   closed ... [preauth]", which must be seen and not counted).
Everything is bounded in count and time; namespaces and processes go after.
Needs root, nmap, sshd and sshpass: exit 77 without.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

FAILURES = []


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def check(what, ok, detail):
    log("%s %s: %s" % ("ok  " if ok else "FAIL", what, detail))
    if not ok:
        FAILURES.append(what)


def sh(*args):
    return subprocess.run(args, check=True, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, timeout=30)


class Net:
    def __init__(self):
        pid = os.getpid()
        self.att = "di_att_%d" % pid
        self.vic = "di_vic_%d" % pid
        self.net = "10.77.%d" % (pid % 250 + 1)
        self.att_addr = self.net + ".1"
        self.vic_addr = self.net + ".2"
        self.procs = []

    def setup(self):
        sh("ip", "netns", "add", self.att)
        sh("ip", "netns", "add", self.vic)
        sh("ip", "link", "add", "dia%d" % os.getpid(), "netns", self.att, "type", "veth",
           "peer", "name", "div%d" % os.getpid(), "netns", self.vic)
        for ns, dev, addr in ((self.att, "dia%d" % os.getpid(), self.att_addr),
                              (self.vic, "div%d" % os.getpid(), self.vic_addr)):
            sh("ip", "-n", ns, "link", "set", "lo", "up")
            sh("ip", "-n", ns, "addr", "add", addr + "/24", "dev", dev)
            sh("ip", "-n", ns, "link", "set", dev, "up")

    def spawn(self, ns, *args, **kw):
        p = subprocess.Popen(["ip", "netns", "exec", ns] + list(args), **kw)
        self.procs.append(p)
        return p

    def run(self, ns, *args, timeout=60):
        return subprocess.run(["ip", "netns", "exec", ns] + list(args), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, timeout=timeout)

    def cleanup(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        for ns in (self.att, self.vic):
            subprocess.run(["ip", "netns", "del", ns], stderr=subprocess.DEVNULL)


def read_json_lines(p, deadline):
    """Every JSON line p prints until it exits or the deadline passes."""
    lines = []
    while time.time() < deadline:
        line = p.stdout.readline()
        if not line:
            break
        lines.append(json.loads(line))
    return lines


def wait_ready(p):
    line = p.stdout.readline()
    msg = json.loads(line) if line else {"ready": False, "why": "no output"}
    return msg


def scan_phase(net, drive):
    p = net.spawn(net.vic, drive, "scan", "--seconds", "8", "--floor", "5", "--until", "200",
                  stdout=subprocess.PIPE, text=True)
    msg = wait_ready(p)
    check("scan capture opens", msg.get("ready") is True, msg)
    if not msg.get("ready"):
        return
    r = net.run(net.att, "nmap", "-sS", "-Pn", "-n", "-T4", "--max-retries", "0",
                "-p", "1-200", net.vic_addr, timeout=90)
    check("nmap ran", r.returncode == 0, r.stderr.strip()[-200:])
    lines = read_json_lines(p, time.time() + 30)
    p.wait(timeout=10)
    final = [m for m in lines if m.get("final")]
    check("the driver ended with a final report", len(final) == 1, len(final))
    reports = [m for m in lines if "report" in m]
    # the largest count any report gave (nmap may finish between two reports)
    best = max([s["nr_ports"] for m in reports for s in m["report"]
                if s["addr"] == net.att_addr] or [0])
    others = set(s["addr"] for m in reports for s in m["report"]) - {net.att_addr}
    check("the attacker is reported with >= 20 ports", best >= 20, best)
    check("exactly the 200 ports nmap probed", best == 200, best)
    check("no other source", not others, others)
    if final:
        check("no packet dropped, every probe counted",
              final[0]["dropped"] == 0 and final[0]["probes"] >= 200, final[0])


def flood_phase(net, drive):
    """A SYN flood from random sources: no scan, bounded table, no missed report."""
    if shutil.which("hping3") is None:
        log("skip the flood phase: hping3 is not installed")
        return
    p = net.spawn(net.vic, drive, "scan", "--seconds", "6", "--floor", "5",
                  stdout=subprocess.PIPE, text=True)
    msg = wait_ready(p)
    if not msg.get("ready"):
        check("scan capture opens for the flood", False, msg)
        return
    flood = net.spawn(net.att, "hping3", "-q", "-S", "--flood", "--rand-source", "-p", "80",
                      net.vic_addr, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(4)
    flood.kill()
    flood.wait(timeout=5)
    lines = read_json_lines(p, time.time() + 30)
    p.wait(timeout=10)
    reports = [m for m in lines if "report" in m]
    if len(reports) < 2:
        check("the flood's reports", False, lines)
        return
    first, last = reports[0], reports[-1]
    secs = (last["t_ms"] - first["t_ms"]) / 1000.0
    rate = (last["probes"] - first["probes"]) / secs if secs > 0 else 0
    cpu = (last["cpu_ms"] - first["cpu_ms"]) / 1000.0 / secs if secs > 0 else 0
    gaps = [b["t_ms"] - a["t_ms"] for a, b in zip(reports, reports[1:])]
    log("flood: %.0f SYN/s seen, driver CPU %.0f %% of a core (debug build with sanitizers), "
        "%d sources evicted, %d dropped" % (rate, cpu * 100, last["evicted"], last["dropped"]))
    check("the flood reached the capture", last["probes"] > 10000, last["probes"])
    check("a report every second during the flood (max gap <= 1.5 s)",
          max(gaps) <= 1500, gaps)
    check("random sources are no scan", all(not m["report"] for m in reports),
          [m["report"] for m in reports if m["report"]][:1])
    check("the source table stays bounded", all(m["sources"] <= 16384 for m in reports),
          max(m["sources"] for m in reports))


SSHD_CONFIG = """Port 22
ListenAddress {addr}
HostKey {dir}/host_ed25519
PidFile none
UsePAM no
PermitRootLogin yes
PasswordAuthentication yes
KbdInteractiveAuthentication no
MaxAuthTries 6
LogLevel INFO
"""


def wait_listening(net, addr, log_path, deadline):
    while time.time() < deadline:
        try:
            with open(log_path) as f:
                if "Server listening" in f.read():
                    return True
        except FileNotFoundError:
            pass
        time.sleep(0.1)
    return False


def ssh_phase(net, drive, tmp):
    os.makedirs("/run/sshd", mode=0o755, exist_ok=True)  # sshd's privilege separation dir
    sh("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", tmp + "/host_ed25519")
    with open(tmp + "/sshd_config", "w") as f:
        f.write(SSHD_CONFIG.format(addr=net.vic_addr, dir=tmp))
    log_path = tmp + "/sshd.log"
    open(log_path, "w").close()
    drv = net.spawn(net.vic, drive, "auth", "--file", log_path, "--seconds", "90",
                    "--until", "6", "--floor", "2", stdout=subprocess.PIPE, text=True)
    msg = wait_ready(drv)
    check("the log reader opens the file", msg.get("ready") is True and msg["why"] == "", msg)
    sshd = net.spawn(net.vic, "/usr/sbin/sshd", "-D", "-f", tmp + "/sshd_config", "-E",
                     log_path)
    check("sshd listens", wait_listening(net, net.vic_addr, log_path, time.time() + 15),
          "sshd pid %d" % sshd.pid)
    for i in range(6):
        r = net.run(net.att, "sshpass", "-p", "wrong-%d" % i, "ssh",
                    "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                    "-o", "PubkeyAuthentication=no", "-o", "PreferredAuthentications=password",
                    "-o", "NumberOfPasswordPrompts=1", "-o", "ConnectTimeout=5",
                    "root@" + net.vic_addr, "true", timeout=30)
        if r.returncode not in (5, 255):
            check("sshpass %d is refused" % i, False, (r.returncode, r.stderr[-200:]))
    lines = read_json_lines(drv, time.time() + 60)
    drv.wait(timeout=10)
    events = [m for m in lines if "event" in m]
    final = [m for m in lines if m.get("final")]
    counted = [e for e in events if e["counts"]]
    closed = [e for e in events if e["event"] == "closed_preauth"]
    check("6 counted failures parsed, all from the attacker, user root",
          len(counted) == 6 and all(e["addr"] == net.att_addr and e["user"] == "root"
                                    for e in counted), counted)
    check("the [preauth] closing lines are seen and not counted", len(closed) >= 1, closed)
    rep = final[0]["report"] if final else []
    att = [a for a in rep if a["addr"] == net.att_addr]
    check("fail_track counts 6 for the attacker",
          len(att) == 1 and att[0]["nr_failures"] == 6, rep)
    sshd.terminate()


def main():
    if len(sys.argv) != 2:
        print("usage: detect_inputs_test.py INPUTS_DRIVE", file=sys.stderr)
        return 2
    if os.geteuid() != 0:
        log("skip: needs root (network namespaces, packet capture)")
        return 77
    for tool in ("nmap", "sshpass", "ssh", "ssh-keygen"):
        if shutil.which(tool) is None:
            log("skip: %s is not installed (scripts/setup.sh test)" % tool)
            return 77
    if not os.path.exists("/usr/sbin/sshd"):
        log("skip: sshd is not installed (openssh-server)")
        return 77
    drive = sys.argv[1]
    net = Net()
    tmp = tempfile.mkdtemp(prefix="connmon-detect-")
    try:
        net.setup()
        scan_phase(net, drive)
        flood_phase(net, drive)
        ssh_phase(net, drive, tmp)
    finally:
        net.cleanup()
        shutil.rmtree(tmp, ignore_errors=True)
    log("%d failure(s)" % len(FAILURES))
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
