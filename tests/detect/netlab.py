# SPDX-License-Identifier: GPL-2.0-or-later
"""A small network lab for the detection tests: namespaces, processes, cleanup.

    lab = Lab("syn")            # names cmsyn<PID>v, cmsyn<PID>a, cmsyn<PID>b
    lab.setup()                 # namespaces, veth pairs, addresses
    lab.run(lab.attacker, ["ping", "-c1", lab.victim_ip])
    p = lab.spawn(lab.victim, [...])   # a process we own, by PID
    lab.stop(p)
    lab.cleanup()               # also runs at exit and on SIGTERM/SIGINT

Topology (every interface is created inside the namespaces, never in the
host's; nothing here touches the host namespace's links, routes, firewall or
sysctls):

    attacker  eth0 10.77.1.2/24 (+ 10.77.1.3, a second source)
              <-veth-> victim vatk 10.77.1.1/24
    benign    eth0 10.77.2.2/24
              <-veth-> victim vben 10.77.2.1/24

Each peer has a route to the other peer's subnet through the victim (the
victim forwards nothing: net.ipv4.ip_forward stays 0 in its namespace), so the
only reachable address from a peer is the victim's address on its link.
The addresses repeat between tests; that is harmless because each test's
namespaces are private (names are unique with the PID).

Every wait is bounded in count and time (wait_until); every process the lab
starts is tracked by PID and ended by PID (its own process group, which it
leads: start_new_session).
"""
import atexit
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

VICTIM_ATK_IP = "10.77.1.1"
ATTACKER_IP = "10.77.1.2"
ATTACKER_IP2 = "10.77.1.3"
VICTIM_BEN_IP = "10.77.2.1"
BENIGN_IP = "10.77.2.2"


def log(*args):
    """Progress on stderr (meson keeps it in the test log), stamped with the time."""
    print(f"[{time.strftime('%H:%M:%S')}]", *args, file=sys.stderr, flush=True)


def skip(reason):
    """Exit 77 (meson: skipped) with the reason on stdout."""
    print(f"SKIP: {reason}", flush=True)
    sys.exit(77)


def need_root(tools=()):
    """Skip unless root with ip netns and every command in tools on PATH."""
    if os.geteuid() != 0:
        skip("needs root (network namespaces)")
    missing = [t for t in ("ip", *tools) if not shutil.which(t)]
    if missing:
        skip(f"missing {', '.join(missing)} (scripts/setup.sh test installs them)")


def wait_until(pred, timeout_s, interval_s=0.05, what="condition"):
    """Calls pred() until it returns a true value or timeout_s passes.

    Returns pred's value, or None on timeout.  Bounded in time and in the
    number of calls (timeout_s / interval_s + 2)."""
    deadline = time.monotonic() + timeout_s
    for _ in range(int(timeout_s / interval_s) + 2):
        v = pred()
        if v:
            return v
        if time.monotonic() >= deadline:
            break
        time.sleep(interval_s)
    log(f"timed out after {timeout_s:.1f} s waiting for {what}")
    return None


class Lab:
    """Three namespaces (victim, attacker, benign) joined by two veth pairs."""

    def __init__(self, tag, offloads_off=True):
        pid = os.getpid()
        self.victim = f"cm{tag}{pid}v"
        self.attacker = f"cm{tag}{pid}a"
        self.benign = f"cm{tag}{pid}b"
        self.victim_ip = VICTIM_ATK_IP  # the victim as the attacker sees it
        self.victim_ben_ip = VICTIM_BEN_IP  # the victim as the benign client sees it
        self.attacker_ip = ATTACKER_IP
        self.attacker_ip2 = ATTACKER_IP2
        self.benign_ip = BENIGN_IP
        self.offloads_off = offloads_off
        self.tmp = tempfile.mkdtemp(prefix=f"cm{tag}.")
        self.procs = []
        self.created = []
        self._done = False
        atexit.register(self.cleanup)
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, self._on_signal)

    def _on_signal(self, signum, _frame):
        log(f"signal {signum}: cleaning up")
        self.cleanup()
        os._exit(128 + signum)

    def path(self, name):
        """A path in the lab's private temporary directory."""
        return os.path.join(self.tmp, name)

    # --- commands -------------------------------------------------------
    def run(self, ns, argv, timeout=30, check=True, **kw):
        """Runs argv inside namespace ns (None: here) and waits; text output captured."""
        full = (["ip", "netns", "exec", ns] if ns else []) + list(argv)
        kw.setdefault("capture_output", True)
        p = subprocess.run(full, timeout=timeout, text=True, **kw)
        if check and p.returncode != 0:
            raise RuntimeError(f"{' '.join(full)}: exit {p.returncode}: {p.stderr.strip()}")
        return p

    def ip(self, *args):
        """ip(8) in the host's view, only for netns add/del and link moves."""
        return self.run(None, ["ip", *args])

    def spawn(self, ns, argv, **kw):
        """Starts argv inside ns in a new session; the lab stops it at cleanup."""
        full = ["ip", "netns", "exec", ns, *argv]
        kw.setdefault("stdin", subprocess.DEVNULL)
        kw.setdefault("stdout", subprocess.DEVNULL)
        p = subprocess.Popen(full, start_new_session=True, **kw)
        self.procs.append(p)
        return p

    def stop(self, p, timeout=10):
        """SIGTERM to the process (and the group it leads), SIGKILL after timeout."""
        if p.poll() is None:
            for sig in (signal.SIGTERM, signal.SIGKILL):
                try:
                    os.killpg(p.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    p.wait(timeout=timeout)
                    break
                except subprocess.TimeoutExpired:
                    continue
        if p in self.procs:
            self.procs.remove(p)
        return p.returncode

    # --- topology -------------------------------------------------------
    def _pair(self, vic_if, vic_ip, peer_ns, peer_ip, peer_net):
        v = self.victim
        self.run(v, ["ip", "link", "add", vic_if, "type", "veth", "peer", "name", "eth0",
                     "netns", peer_ns])
        self.run(v, ["ip", "addr", "add", f"{vic_ip}/24", "dev", vic_if])
        self.run(v, ["ip", "link", "set", vic_if, "up"])
        self.run(peer_ns, ["ip", "addr", "add", f"{peer_ip}/24", "dev", "eth0"])
        self.run(peer_ns, ["ip", "link", "set", "eth0", "up"])
        self.run(peer_ns, ["ip", "route", "add", peer_net, "via", vic_ip])
        if self.offloads_off and shutil.which("ethtool"):
            # Segmentation offloads make one "packet" of 64 KiB on a veth; the
            # counters the tests compare are then not the wire's.
            for ns, dev in ((v, vic_if), (peer_ns, "eth0")):
                self.run(ns, ["ethtool", "-K", dev, "tso", "off", "gso", "off", "gro", "off"],
                         check=False)

    def setup(self):
        for ns in (self.victim, self.attacker, self.benign):
            self.ip("netns", "add", ns)
            self.created.append(ns)
            self.run(ns, ["ip", "link", "set", "lo", "up"])
        self._pair("vatk", VICTIM_ATK_IP, self.attacker, ATTACKER_IP, "10.77.2.0/24")
        self._pair("vben", VICTIM_BEN_IP, self.benign, BENIGN_IP, "10.77.1.0/24")
        self.run(self.attacker, ["ip", "addr", "add", f"{ATTACKER_IP2}/24", "dev", "eth0"])
        log(f"lab up: victim {self.victim}, attacker {self.attacker}, benign {self.benign}")

    def sysctl(self, ns, key, value):
        """Sets a per-namespace sysctl inside one of the lab's namespaces."""
        if ns not in self.created:
            raise ValueError(f"{ns} is not one of the lab's namespaces")
        self.run(ns, ["sysctl", "-qw", f"{key}={value}"])

    # --- kernel views ---------------------------------------------------
    def counters(self, ns):
        """/proc/net/snmp and netstat of ns: {"TcpInSegs": n, "TcpExtListenDrops": n, ...}."""
        out = {}
        text = self.run(ns, ["cat", "/proc/net/snmp", "/proc/net/netstat"]).stdout
        lines = text.splitlines()
        for head, vals in zip(lines[0::2], lines[1::2]):
            prefix, names = head.split(":", 1)
            _, values = vals.split(":", 1)
            for n, x in zip(names.split(), values.split()):
                out[prefix + n] = int(x)
        return out

    def link_stats(self, ns, dev):
        """(rx_bytes, rx_packets, tx_bytes, tx_packets) of dev in ns, from sysfs."""
        vals = []
        for f in ("rx_bytes", "rx_packets", "tx_bytes", "tx_packets"):
            vals.append(int(self.run(ns, ["cat", f"/sys/class/net/{dev}/statistics/{f}"])
                            .stdout))
        return tuple(vals)

    def ss(self, ns, *args):
        """The lines of `ss -Htn ARGS` inside ns."""
        return [ln for ln in self.run(ns, ["ss", "-Htn", *args]).stdout.splitlines() if ln]

    def nft_ruleset(self, ns):
        """`nft list ruleset` of ns, or '' when nft is not there."""
        if not shutil.which("nft"):
            return ""
        return self.run(ns, ["nft", "list", "ruleset"], check=False).stdout

    # --- cleanup --------------------------------------------------------
    def cleanup(self):
        if self._done:
            return
        self._done = True
        for p in list(self.procs):
            try:
                self.stop(p, timeout=5)
            except Exception as e:  # noqa: BLE001 - cleanup must go on
                log(f"cleanup: pid {p.pid}: {e}")
        for ns in reversed(self.created):
            subprocess.run(["ip", "netns", "del", ns], check=False, capture_output=True)
        left = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
        for ns in self.created:
            if ns in left.split():
                log(f"cleanup: namespace {ns} is still there")
        self.created = []
        shutil.rmtree(self.tmp, ignore_errors=True)
