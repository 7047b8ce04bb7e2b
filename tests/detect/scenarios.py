# SPDX-License-Identifier: GPL-2.0-or-later
"""The scripted attacks and the benign load, each verified against the kernel.

A scenario has the same life in every test:

    sc = SynFlood(lab)      # parameters: ports, counts, durations
    sc.prepare()            # servers in the victim, peers' settings
    sc.start()              # the attack; sc.t0 is the wall time just before it
    sc.finish()             # waits for a bounded attack (or stops an open one)
    sc.check()              # kernel evidence; raises HarnessError when it is missing
    sc.stop()               # ends what is still running

check() proves the attack happened the way the rule will see it (ss,
/proc/net/snmp and netstat counters, sshd's own log, sysfs byte counters)
before any test blames connmon for not seeing it.  sc.evidence holds the
figures (printed by the tests).
"""
import json
import os
import shutil
import subprocess
import sys
import threading
import time

from netlab import log, wait_until

PEERS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "peers.py")


class HarnessError(Exception):
    """The attack did not reach the kernel as intended: a harness failure, not connmon's."""


def peers(*args):
    return [sys.executable, PEERS, *map(str, args)]


def await_ready(p, what, timeout_s=15):
    """Waits for a peers.py process's "ready" line (bounded); returns the rest of the line."""
    box = []
    t = threading.Thread(target=lambda: box.append(p.stdout.readline()), daemon=True)
    t.start()
    t.join(timeout_s)
    if not box or not box[0].startswith("ready"):
        raise HarnessError(f"{what} did not start (exit {p.poll()})")
    return box[0].split(None, 1)[1].strip() if " " in box[0].strip() else ""


def can_connect(lab, ns, addr, port, src=None, timeout_s=2.0):
    """True when a TCP connection from ns (from address src) to addr:port completes."""
    code = ("import socket,sys\n"
            "s=socket.socket()\n"
            f"s.settimeout({timeout_s})\n"
            + (f"s.bind(({src!r},0))\n" if src else "")
            + "try:\n"
            f"  s.connect(({addr!r},{port})); sys.exit(0)\n"
            "except OSError as e:\n"
            "  print(e); sys.exit(1)\n")
    p = lab.run(ns, [sys.executable, "-c", code], check=False, timeout=timeout_s + 10)
    return p.returncode == 0


PROBE_PORT = 7000


def probe_listener(lab):
    """A listener on every victim address, port PROBE_PORT: who can still connect."""
    s = lab.spawn(lab.victim, peers("serve", "0.0.0.0", PROBE_PORT, 128, 900),
                  stdout=subprocess.PIPE, text=True)
    await_ready(s, "the probe listener")
    if not can_connect(lab, lab.attacker, lab.victim_ip, PROBE_PORT):
        raise HarnessError("the attacker cannot reach the victim before the attack")
    if not can_connect(lab, lab.benign, lab.victim_ben_ip, PROBE_PORT):
        raise HarnessError("the benign client cannot reach the victim")
    return s


class Sampler:
    """Calls fn() every interval_s on a thread until stopped (at most max_s); keeps the maximum."""

    def __init__(self, fn, interval_s=0.25, max_s=120):
        self.fn, self.interval_s, self.max_s = fn, interval_s, max_s
        self.values = []
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        end = time.monotonic() + self.max_s
        while not self._stop.is_set() and time.monotonic() < end:
            try:
                self.values.append((time.monotonic(), self.fn()))
            except Exception as e:  # noqa: BLE001 - a sample may fail as namespaces go
                log(f"sampler: {e}")
            self._stop.wait(self.interval_s)

    def start(self):
        self._t.start()
        return self

    def stop(self):
        self._stop.set()
        self._t.join(10)
        return max((v for _, v in self.values), default=0)


class Scenario:
    name = "scenario"

    def __init__(self, lab):
        self.lab = lab
        self.t0 = None
        self.evidence = {}
        self.attack = None

    def prepare(self):
        pass

    def finish(self, timeout_s=60):
        if self.attack is not None:
            try:
                self.attack.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                pass
            self.lab.stop(self.attack)

    def stop(self):
        self.finish(timeout_s=0)

    def report(self):
        items = ", ".join(f"{k}={v}" for k, v in self.evidence.items())
        print(f"kernel evidence ({self.name}): {items}", flush=True)


class SynFlood(Scenario):
    """hping3 SYNs from the attacker at a victim listener that never completes a handshake.

    The attacker's own kernel would answer each SYN-ACK with a RST and so empty
    the victim's SYN queue at once; a table in the attacker's namespace drops
    those RSTs, as a real flood's spoofed or firewalled sources do.  The
    victim retries SYN-ACKs once (tcp_synack_retries = 1 in its namespace), so
    the queue empties within seconds after the flood and the alert can resolve.
    Bounded by count (-c) and time (timeout); flood=True sends as fast as
    hping3 can (--flood ignores -c, so only the time bounds it)."""

    name = "syn_flood"

    def __init__(self, lab, port=8080, count=40000, interval_us=50, seconds=5, flood=False,
                 src=None):
        super().__init__(lab)
        self.port, self.count, self.interval_us = port, count, interval_us
        self.seconds, self.flood = seconds, flood
        self.src = src or lab.attacker_ip

    def prepare(self):
        lab = self.lab
        lab.sysctl(lab.victim, "net.ipv4.tcp_synack_retries", 1)
        self.server = lab.spawn(lab.victim, peers("serve", lab.victim_ip, self.port, 1024, 600),
                                stdout=subprocess.PIPE, text=True)
        await_ready(self.server, "the victim's listener")
        lab.run(lab.attacker, ["nft", "add table inet cmatk; "
                               "add chain inet cmatk out { type filter hook output priority 0; }; "
                               "add rule inet cmatk out tcp flags rst drop"])

    def synrecv(self):
        return len(self.lab.ss(self.lab.victim, "state", "syn-recv", f"sport = :{self.port}"))

    def start(self):
        lab = self.lab
        self.c0 = lab.counters(lab.victim)
        self.l0 = lab.link_stats(lab.victim, "vatk")
        rate = ["--flood"] if self.flood else ["-i", f"u{self.interval_us}", "-c", str(self.count)]
        argv = ["timeout", str(self.seconds), "hping3", "-q", "-S", "-p", str(self.port),
                "-a", self.src, *rate, lab.victim_ip]
        self.sampler = Sampler(self.synrecv, 0.2, self.seconds + 30).start()
        self.t0 = time.time()
        self.m0 = time.monotonic()
        self.attack = lab.spawn(lab.attacker, argv, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)

    def finish(self, timeout_s=None):
        super().finish(self.seconds + 10 if timeout_s is None else timeout_s)
        if getattr(self, "c1", None) is None:
            self.elapsed = time.monotonic() - self.m0
            self.c1 = self.lab.counters(self.lab.victim)
            self.l1 = self.lab.link_stats(self.lab.victim, "vatk")
            self.synrecv_max = self.sampler.stop()

    def check(self):
        d = {k: self.c1[k] - self.c0[k] for k in
             ("TcpInSegs", "TcpExtSyncookiesSent", "TcpExtListenDrops", "TcpExtTCPReqQFullDrop")}
        pkts = self.l1[1] - self.l0[1]
        self.evidence = dict(syn_recv_max=self.synrecv_max, in_segs=d["TcpInSegs"],
                             syncookies_sent=d["TcpExtSyncookiesSent"],
                             listen_drops=d["TcpExtListenDrops"],
                             rx_packets=pkts, seconds=round(self.elapsed, 2),
                             rx_packets_per_s=int(pkts / max(self.elapsed, 0.001)))
        self.report()
        if self.synrecv_max <= 100:
            raise HarnessError(f"SYN-RECV on port {self.port} peaked at {self.synrecv_max}")
        if d["TcpExtSyncookiesSent"] + d["TcpExtListenDrops"] + d["TcpExtTCPReqQFullDrop"] == 0:
            raise HarnessError("no SYN cookies sent and no listen drops")

    def stop(self):
        super().stop()
        if getattr(self, "sampler", None):
            self.sampler.stop()


class PortScan(Scenario):
    """nmap from the attacker over ports 1-200 of the victim (-sS half-open or -sT connect).

    A few ports are open (listeners in the victim); nmap's own report must
    name exactly those as open, and the victim must have answered the closed
    ones with RSTs (TcpOutRsts), so every probe reached its stack."""

    name = "port_scan"

    def __init__(self, lab, kind="sS", ports=200, max_rate=1000, open_ports=(22, 80, 143),
                 src=None, listen=True):
        super().__init__(lab)
        self.kind, self.ports, self.max_rate = kind, ports, max_rate
        self.open_ports = tuple(open_ports)
        self.listen = listen  # False: the open ports' listeners already run
        self.src = src or lab.attacker_ip
        self.out = lab.path(f"nmap-{kind}.gnmap")

    def prepare(self):
        for p in self.open_ports if self.listen else ():
            s = self.lab.spawn(self.lab.victim, peers("serve", self.lab.victim_ip, p, 128, 600),
                               stdout=subprocess.PIPE, text=True)
            await_ready(s, f"listener {p}")
        # Counts the SYNs that leave the attacker from src: the scan's source, proven.
        self.table = f"cmscan{self.kind}"
        self.lab.run(self.lab.attacker, [
            "nft", f"add table inet {self.table}; add chain inet {self.table} out "
            "{ type filter hook output priority 0; }; "
            f"add rule inet {self.table} out ip saddr {self.src} tcp flags & (syn | ack) == syn "
            "counter"])

    def syns_sent(self):
        text = self.lab.run(self.lab.attacker, ["nft", "list", "table", "inet", self.table]).stdout
        return int(text.split("counter packets ")[1].split()[0])

    def start(self):
        lab = self.lab
        self.c0 = lab.counters(lab.victim)
        argv = ["timeout", "60", "nmap", "-n", "-Pn", f"-{self.kind}", "-p", f"1-{self.ports}",
                "--max-rate", str(self.max_rate), "--max-retries", "1", "-oG", self.out,
                lab.victim_ip]
        # A raw scan writes the source into its packets; a connect scan binds it
        # (nmap warns that -S is honoured only for an address of this host: it is one).
        argv[-1:-1] = ["-S", self.src, "-e", "eth0"]
        self.t0 = time.time()
        self.attack = lab.spawn(lab.attacker, argv)

    def finish(self, timeout_s=70):
        super().finish(timeout_s)
        if getattr(self, "c1", None) is None:
            self.c1 = self.lab.counters(self.lab.victim)

    def check(self):
        d = {k: self.c1[k] - self.c0[k] for k in ("TcpInSegs", "TcpOutRsts", "TcpPassiveOpens")}
        text = open(self.out).read() if os.path.exists(self.out) else ""
        found = set()
        for line in text.splitlines():
            if "Ports:" in line:
                for item in line.split("Ports:", 1)[1].split("\t")[0].split(","):
                    f = item.strip().split("/")
                    if len(f) > 1 and f[1] == "open":
                        found.add(int(f[0]))
        closed = self.ports - len(self.open_ports)
        syns = self.syns_sent()
        self.evidence = dict(kind=self.kind, src=self.src, syns_from_src=syns,
                             open_found=sorted(found), in_segs=d["TcpInSegs"],
                             out_rsts=d["TcpOutRsts"], passive_opens=d["TcpPassiveOpens"])
        self.report()
        if syns < self.ports:
            raise HarnessError(f"{syns} SYNs left the attacker from {self.src} for {self.ports} "
                               "ports")
        if found != set(self.open_ports):
            raise HarnessError(f"nmap found {sorted(found)} open, the victim listens on "
                               f"{list(self.open_ports)}")
        if d["TcpOutRsts"] < closed:
            raise HarnessError(f"the victim sent {d['TcpOutRsts']} RSTs for {closed} closed ports")
        if self.kind == "sT" and d["TcpPassiveOpens"] < len(self.open_ports):
            raise HarnessError("the connect scan completed no handshake")


class PerIpConnections(Scenario):
    """One attacker address opens n TCP connections to a victim listener and holds them."""

    name = "per_ip_connections"

    def __init__(self, lab, n=200, port=9000, src=None, hold_s=300):
        super().__init__(lab)
        self.n, self.port, self.hold_s = n, port, hold_s
        self.src = src or lab.attacker_ip

    def prepare(self):
        self.server = self.lab.spawn(self.lab.victim,
                                     peers("serve", self.lab.victim_ip, self.port, 512, 600),
                                     stdout=subprocess.PIPE, text=True)
        await_ready(self.server, "the victim's listener")

    def established(self):
        return len(self.lab.ss(self.lab.victim, "state", "established", f"dst {self.src}",
                               f"sport = :{self.port}"))

    def start(self):
        self.t0 = time.time()
        self.attack = self.lab.spawn(self.lab.attacker,
                                     peers("hold", self.lab.victim_ip, self.port, self.n,
                                           self.src, self.hold_s),
                                     stdout=subprocess.PIPE, text=True)
        await_ready(self.attack, f"{self.n} connections from {self.src}", 30)

    def check(self):
        held = wait_until(lambda: self.established() >= self.n and self.established(), 10,
                          0.2, "the connections in the victim's ss")
        self.evidence = dict(src=self.src, established=held or self.established())
        self.report()
        if not held:
            raise HarnessError(f"the victim has {self.established()} connections from "
                               f"{self.src}, wanted {self.n}")

    def finish(self, timeout_s=0):
        """Ends the attack: the client closes its connections."""
        if self.attack is not None:
            self.lab.stop(self.attack)
            self.attack = None

    def leftover(self):
        """Connections still established at the victim (a block drops the client's FINs)."""
        return self.established()


class SshBruteForce(Scenario):
    """Wrong passwords (sshpass) from the attacker against Debian's sshd in the victim.

    sshd runs in the foreground (-D) with a config, host key, pid file and log
    (-E) of its own in the lab's directory, listening on the victim's two
    addresses only.  Each try is one connection with one password prompt."""

    name = "ssh_brute_force"

    # An account that exists (its password is locked): each try is one
    # "Failed password" line.  An unknown user would count twice per try
    # ("Invalid user" too, as in fail2ban: docs/DETECT-INPUTS.md), so the
    # block would come before the 6 tries the harness proves.
    def __init__(self, lab, tries=6, user="nobody", src=None):
        super().__init__(lab)
        self.tries, self.user = tries, user
        self.src = src or lab.attacker_ip
        self.log_path = lab.path("sshd.log")

    def prepare(self):
        lab = self.lab
        key = lab.path("ssh_host_ed25519_key")
        lab.run(None, ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key])
        conf = lab.path("sshd_config")
        with open(conf, "w") as f:
            f.write(f"ListenAddress {lab.victim_ip}\nListenAddress {lab.victim_ben_ip}\n"
                    f"Port 22\nHostKey {key}\nPidFile {lab.path('sshd.pid')}\n"
                    "PasswordAuthentication yes\nKbdInteractiveAuthentication no\n"
                    "PubkeyAuthentication no\nUsePAM no\nMaxAuthTries 10\nMaxStartups 50\n"
                    "PerSourcePenalties no\nLogLevel INFO\nStrictModes no\n")
        os.makedirs("/run/sshd", mode=0o755, exist_ok=True)  # privilege separation dir
        sshd = shutil.which("sshd") or "/usr/sbin/sshd"
        bad = lab.run(None, [sshd, "-t", "-f", conf], check=False)
        if bad.returncode:
            # PerSourcePenalties is OpenSSH 9.8+; older servers refuse the word.
            with open(conf) as f:
                text = f.read().replace("PerSourcePenalties no\n", "")
            with open(conf, "w") as f:
                f.write(text)
        self.sshd = lab.spawn(lab.victim, [sshd, "-D", "-f", conf, "-E", self.log_path])
        if not wait_until(lambda: can_connect(lab, lab.benign, lab.victim_ben_ip, 22, None, 1),
                          15, 0.2, "sshd"):
            raise HarnessError("sshd does not accept connections")

    def one_try(self, password):
        return self.lab.run(self.lab.attacker, [
            "timeout", "15", "sshpass", "-p", password, "ssh", "-F", "/dev/null",
            "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
            "-o", "PreferredAuthentications=password", "-o", "PubkeyAuthentication=no",
            "-o", "NumberOfPasswordPrompts=1", "-o", "ConnectTimeout=5", "-b", self.src,
            f"{self.user}@{self.lab.victim_ip}", "true"], check=False, timeout=30)

    def failures(self):
        if not os.path.exists(self.log_path):
            return 0
        with open(self.log_path, errors="replace") as f:
            return sum(1 for ln in f if "Failed password" in ln and f"from {self.src} " in ln)

    def start(self):
        self.t0 = time.time()
        self.codes = [self.one_try(f"wrong-{i}").returncode for i in range(self.tries)]

    def check(self):
        n = wait_until(lambda: self.failures() >= self.tries and self.failures(), 5, 0.1,
                       "the failures in sshd's log")
        self.evidence = dict(src=self.src, tries=self.tries, ssh_exit_codes=self.codes,
                             failures_logged=n or self.failures())
        self.report()
        if not n:
            raise HarnessError(f"sshd logged {self.failures()} failed passwords from {self.src}"
                               f", wanted {self.tries}")


class CloseWaitLeak(Scenario):
    """A victim server that accepts and never closes; the benign client connects and closes.

    initial connections at once, then one more every every_s seconds for
    steps steps: the server's CLOSE-WAIT count starts at initial and grows
    for (steps * every_s) seconds.  The rule judges growth over a window (5
    min by default); a test shortens that window through the rule's config
    and makes steps * every_s longer than it."""

    name = "close_wait"

    def __init__(self, lab, initial=25, every_s=2.0, steps=15, port=9100, comm="cmleak"):
        super().__init__(lab)
        self.initial, self.every_s, self.steps = initial, every_s, steps
        self.port, self.comm = port, comm

    def prepare(self):
        self.server = self.lab.spawn(self.lab.victim,
                                     peers("leak", self.lab.victim_ben_ip, self.port,
                                           self.steps * self.every_s + 600, self.comm),
                                     stdout=subprocess.PIPE, text=True)
        self.server_pid = int(await_ready(self.server, "the leaking server"))

    def close_wait(self):
        return len(self.lab.ss(self.lab.victim, "state", "close-wait", f"sport = :{self.port}"))

    def start(self):
        self.t0 = time.time()
        life = self.steps * self.every_s + 5
        self.attack = self.lab.spawn(self.lab.benign,
                                     peers("open-close", self.lab.victim_ben_ip, self.port,
                                           self.initial, self.every_s, self.steps, life),
                                     stdout=subprocess.PIPE, text=True)
        await_ready(self.attack, "the closing client")
        self.first = wait_until(lambda: self.close_wait() >= self.initial and self.close_wait(),
                                10, 0.1, "the first CLOSE-WAIT sockets")

    def finish(self, timeout_s=None):
        t = self.steps * self.every_s + 10 if timeout_s is None else timeout_s
        super().finish(t)
        self.last = self.close_wait()

    def check(self):
        owner = self.lab.run(self.lab.victim, ["ss", "-Htnp", "state", "close-wait",
                                               f"sport = :{self.port}"]).stdout
        self.evidence = dict(first=self.first, last=self.last, pid=self.server_pid,
                             owner_is_server=f"pid={self.server_pid}," in owner,
                             comm_shown=f'"{self.comm}"' in owner)
        self.report()
        if not self.first or self.last <= self.first:
            raise HarnessError(f"CLOSE-WAIT went from {self.first} to {self.last}")
        if f"pid={self.server_pid}," not in owner or f'"{self.comm}"' not in owner:
            raise HarnessError("ss does not show the server as the owner of the CLOSE-WAIT sockets")

    def stop(self):
        super().stop()
        self.lab.stop(self.server)


def baseline_jsonl(path, iface, end_ms, days, rate_bps):
    """Writes minute rollups of the interface's rx and tx byte counters for the days before end_ms.

    Each minute's rate is rate_bps * (0.8 .. 1.2), a deterministic pattern the
    same in every hour, so every hour's p90 is at most 1.2 * rate_bps.
    Returns the largest rate written (an upper bound of every hour's p90)."""
    start = (end_ms // 60000 - days * 1440) * 60000
    top = 0.0
    with open(path, "w") as f:
        for name in ("connmon_iface_rx_bytes_total", "connmon_iface_tx_bytes_total"):
            total = 1e9
            for i in range(days * 1440):
                r = rate_bps * (0.8 + 0.4 * ((i * 37) % 101) / 100)
                top = max(top, r)
                total += r * 60
                f.write('{"name":"%s","labels":{"iface":"%s"},"kind":"counter","tier":"minute",'
                        '"t":%d,"min":%.3f,"max":%.3f,"mean":%.3f,"last":%d}\n'
                        % (name, iface, start + i * 60000, r * 0.9, r * 1.1, r, int(total)))
    return top


class TrafficSurge(Scenario):
    """A bulk transfer from the attacker into the victim's vatk far above its imported baseline.

    The baseline is generated (baseline_jsonl) and imported with
    `connmon history import` into the agent's database before the agent starts.
    check() measures the victim's vatk receive rate from sysfs over the
    transfer and requires it above 150 % of the largest generated rate."""

    name = "traffic_surge"

    def __init__(self, lab, cm, db, base_rate=20000, rate=4000000, seconds=75, days=8,
                 port=5201):
        super().__init__(lab)
        self.cm, self.db = cm, db
        self.base_rate, self.rate, self.seconds, self.days = base_rate, rate, seconds, days
        self.port = port

    def prepare(self):
        lab = self.lab
        path = lab.path("baseline.jsonl")
        end_ms = (int(time.time()) // 60 - 2) * 60000
        self.top = baseline_jsonl(path, "vatk", end_ms, self.days, self.base_rate)
        p = lab.run(None, [self.cm, "history", "import", "--db", self.db, path], check=False,
                    timeout=300)
        if p.returncode:
            raise HarnessError(f"history import failed: {p.stderr.strip()}")
        self.p90 = self.baseline_p90()
        self.sink = lab.spawn(lab.victim, peers("serve", lab.victim_ip, self.port, 16, 900),
                              stdout=subprocess.PIPE, text=True)
        await_ready(self.sink, "the victim's sink")

    def baseline_p90(self):
        """The largest hourly p90 `connmon baseline` computes from the import (not learning)."""
        sel = 'connmon_iface_rx_bytes_total{iface="vatk"}'
        p = self.lab.run(None, [self.cm, "baseline", "--json", "--db", self.db, sel],
                         check=False, timeout=60)
        if p.returncode:
            raise HarnessError(f"connmon baseline: {p.stderr.strip()}")
        b = json.loads(p.stdout)["series"][0]["baseline"]
        top = max(s["p90"] for s in b["slots"])
        if b["learning"] or top > self.top:
            raise HarnessError(f"the imported baseline is learning={b['learning']} with p90 up "
                               f"to {top}, generated at most {self.top:.0f}")
        return top

    def start(self):
        self.l0 = self.lab.link_stats(self.lab.victim, "vatk")
        self.t0 = time.time()
        self.m0 = time.monotonic()
        self.attack = self.lab.spawn(self.lab.attacker,
                                     peers("send", self.lab.victim_ip, self.port, self.rate,
                                           self.seconds), stdout=subprocess.PIPE, text=True)
        await_ready(self.attack, "the bulk sender")

    def finish(self, timeout_s=None):
        super().finish(self.seconds + 15 if timeout_s is None else timeout_s)
        if getattr(self, "l1", None) is None:
            self.l1 = self.lab.link_stats(self.lab.victim, "vatk")
            self.elapsed = time.monotonic() - self.m0

    def check(self):
        rx = (self.l1[0] - self.l0[0]) / self.elapsed
        self.evidence = dict(baseline_p90_max_bps=int(self.p90), rx_bps=int(rx),
                             ratio=round(rx / self.p90, 1), seconds=round(self.elapsed, 1))
        self.report()
        if rx <= 1.5 * self.p90:
            raise HarnessError(f"vatk received {rx:.0f} B/s, not above 150 % of {self.p90:.0f}")


class Benign(Scenario):
    """The benign client's ordinary load on the victim for `seconds`.

    HTTP-like keep-alive requests (8 connections, 20 requests/s), connection
    churn (a new connection per request, closed by the client, 5/s) and one
    bulk transfer (2 MB/s for a third of the time).  check() wants every
    client to have finished cleanly with at least 90 % of its requests."""

    name = "benign"

    def __init__(self, lab, seconds=120, port=8081, bulk_port=5202):
        super().__init__(lab)
        self.seconds, self.port, self.bulk_port = seconds, port, bulk_port

    def prepare(self):
        lab = self.lab
        s = lab.spawn(lab.victim, peers("http-serve", lab.victim_ben_ip, self.port,
                                        self.seconds + 600), stdout=subprocess.PIPE, text=True)
        await_ready(s, "the HTTP-like server")
        s = lab.spawn(lab.victim, peers("serve", lab.victim_ben_ip, self.bulk_port, 16,
                                        self.seconds + 600), stdout=subprocess.PIPE, text=True)
        await_ready(s, "the bulk sink")

    def start(self):
        lab, ip, t = self.lab, self.lab.victim_ben_ip, self.seconds
        self.t0 = time.time()
        self.clients = [
            lab.spawn(lab.benign, peers("http-client", ip, self.port, 8, 20, t),
                      stdout=subprocess.PIPE, text=True),
            lab.spawn(lab.benign, peers("http-client", ip, self.port, 1, 5, t, "close"),
                      stdout=subprocess.PIPE, text=True),
            lab.spawn(lab.benign, peers("send", ip, self.bulk_port, 2000000, max(1, t // 3)),
                      stdout=subprocess.PIPE, text=True),
        ]

    def finish(self, timeout_s=None):
        self.outs = []
        for c in self.clients:
            try:
                out, _ = c.communicate(timeout=self.seconds + 30)
            except subprocess.TimeoutExpired:
                out = ""
            self.outs.append((c.returncode, out))
            self.lab.stop(c)

    def check(self):
        got = {}
        for (rc, out), what in zip(self.outs, ("keepalive", "churn", "bulk")):
            words = out.split()
            got[what] = (rc, int(words[-1]) if words and words[-1].isdigit() else 0)
        self.evidence = {k: v[1] for k, v in got.items()}
        self.evidence["seconds"] = self.seconds
        self.report()
        want = dict(keepalive=0.9 * 20 * self.seconds, churn=0.9 * 5 * self.seconds,
                    bulk=0.9 * 2000000 * max(1, self.seconds // 3))
        for what, (rc, n) in got.items():
            if rc != 0 or n < want[what]:
                raise HarnessError(f"benign {what}: exit {rc}, {n} done, wanted {want[what]:.0f}")

    def stop(self):
        for c in getattr(self, "clients", []):
            self.lab.stop(c)

