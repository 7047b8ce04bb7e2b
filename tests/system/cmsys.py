# SPDX-License-Identifier: GPL-2.0-or-later
"""Shared helpers for connmon's system tests (python3, stdlib only).

- SKIP / skip(): exit 77 (meson's "skipped") without root or `ip netns`.
- Env: a context manager that creates two network namespaces (the one under
  test, "A", and a silent peer "B" joined by a veth pair), starts the socket
  fixture (sockfix.py) inside A, waits for its manifest, and on exit kills
  the fixture's process group and deletes both namespaces, whatever happened.
- parse_ss(): ss 6.x text output -> list of normalised records.
- parse_connmon_json(): connmon's `--json` array -> the same records.

Records are dicts with keys netid, state (ss's spelling: ESTAB, SYN-SENT,
UNCONN ...), laddr, lport, raddr, rport, dev, pids; for UNIX sockets laddr is
the path ('*' when unnamed) and lport the inode.  key() gives the tuple that
the comparisons use.
"""

import ipaddress
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

SKIP = 77
HERE = os.path.dirname(os.path.abspath(__file__))

NETIDS = {
    "tcp", "udp", "raw", "u_str", "u_dgr", "u_seq", "nl", "p_raw", "p_dgr",
    "mptcp", "sctp", "dccp", "tipc", "v_str", "v_dgr", "xdp", "icmp", "icmp6",
}
# The protocols connmon lists; ss's other tables (netlink, packet...) are dropped.
CONNMON_NETIDS = {"tcp", "udp", "raw", "u_str", "u_dgr", "u_seq"}
SS_STATES = {
    "UNCONN", "LISTEN", "ESTAB", "SYN-SENT", "SYN-RECV", "FIN-WAIT-1",
    "FIN-WAIT-2", "TIME-WAIT", "CLOSE-WAIT", "LAST-ACK", "CLOSING", "UNKNOWN",
}
# connmon's JSON state names (and lenient variants) -> ss's names.
CM_STATE = {
    "LISTEN": "LISTEN", "ESTABLISHED": "ESTAB", "ESTAB": "ESTAB",
    "SYN_SENT": "SYN-SENT", "SYN_RECV": "SYN-RECV", "FIN_WAIT1": "FIN-WAIT-1",
    "FIN_WAIT_1": "FIN-WAIT-1", "FIN_WAIT2": "FIN-WAIT-2",
    "FIN_WAIT_2": "FIN-WAIT-2", "TIME_WAIT": "TIME-WAIT", "CLOSE": "UNCONN",
    "CLOSED": "UNCONN", "UNCONN": "UNCONN", "CLOSE_WAIT": "CLOSE-WAIT",
    "LAST_ACK": "LAST-ACK", "CLOSING": "CLOSING",
}
CM_PROTO = {
    "tcp": "tcp", "udp": "udp", "raw": "raw", "u_str": "u_str",
    "u_dgr": "u_dgr", "u_seq": "u_seq", "unix_stream": "u_str",
    "unix_dgram": "u_dgr", "unix_seqpacket": "u_seq",
}
# ss state words (filter grammar) -> ss output names, for the hidden column.
STATE_WORDS = {
    "established": {"ESTAB"}, "syn-sent": {"SYN-SENT"},
    "syn-recv": {"SYN-RECV"}, "fin-wait-1": {"FIN-WAIT-1"},
    "fin-wait-2": {"FIN-WAIT-2"}, "time-wait": {"TIME-WAIT"},
    "closed": {"UNCONN"}, "close-wait": {"CLOSE-WAIT"},
    "last-ack": {"LAST-ACK"}, "listening": {"LISTEN"}, "closing": {"CLOSING"},
}

NS_ADDR4 = "10.99.1.1"
PEER_ADDR4 = "10.99.1.2"
DEAD_ADDR4 = "10.99.1.5"      # static neighbour nobody owns: SYN_SENT forever
NS_ADDR6 = "2001:db8:99::1"
PEER_ADDR6 = "2001:db8:99::2"
DEAD_ADDR6 = "2001:db8:99::5"
DEAD_MAC = "02:00:00:00:99:05"
VETH = "cmv0"


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def skip(why):
    print("SKIP: " + why, flush=True)
    sys.exit(SKIP)


def norm_addr(a):
    """Canonical text of an address; '*' (ss: any, dual-stack) is '::'."""
    if a is None or a == "":
        return ""
    if a == "*":
        return "::"
    a = a.strip("[]")
    try:
        ip = ipaddress.ip_address(a.split("%")[0])
    except ValueError:
        return a
    if ip.version == 6 and ip.ipv4_mapped is not None:
        return "::ffff:" + str(ip.ipv4_mapped)
    return str(ip)


def single_state(filter_words):
    """The one ss state a filter selects, or None (ss then hides the column)."""
    states = set()
    i = 0
    while i < len(filter_words) - 1:
        if filter_words[i] == "state" and filter_words[i + 1] in STATE_WORDS:
            states |= STATE_WORDS[filter_words[i + 1]]
            i += 2
            continue
        i += 1
    return next(iter(states)) if len(states) == 1 else None


def default_netid(flags):
    """The netid when ss prints no Netid column (only one table asked for)."""
    letters = "".join(f[1:] for f in flags if f.startswith("-") and not f.startswith("--"))
    protos = [p for c, p in (("t", "tcp"), ("u", "udp"), ("w", "raw")) if c in letters]
    return protos[0] if len(protos) == 1 and "x" not in letters else None


def _split_hostport(s):
    host, _, port = s.rpartition(":")
    dev = ""
    if "%" in host:
        host, _, dev = host.partition("%")
    return norm_addr(host), (0 if port in ("*", "") else int(port)), dev


def parse_ss(text, flags=(), filter_words=(), keep_all=False, state=None):
    """Parse `ss -H -n ...` output.  Raises ValueError on a line it cannot read.
    state: the state of every line when ss hides the column and the filter
    words do not tell (e.g. `ss -u`: connected sockets only)."""
    netid0 = default_netid(flags)
    state0 = single_state(list(filter_words)) or state
    out = []
    for line in text.splitlines():
        tok = line.split()
        if not tok:
            continue
        i = 0
        netid = netid0
        if tok[0] in NETIDS:
            netid, i = tok[0], 1
        state = state0
        if i < len(tok) and tok[i] in SS_STATES:
            state, i = tok[i], i + 1
        if netid is None or state is None:
            raise ValueError("cannot tell netid/state of ss line: %r" % line)
        if not keep_all and netid not in CONNMON_NETIDS:
            continue
        i += 2  # Recv-Q Send-Q
        rec = {"netid": netid, "state": state, "dev": "", "pids": []}
        if netid.startswith("u_"):
            rec.update(laddr=tok[i], lport=int(tok[i + 1]),
                       raddr=tok[i + 2], rport=int(tok[i + 3]))
            i += 4
        else:
            rec["laddr"], rec["lport"], rec["dev"] = _split_hostport(tok[i])
            rec["raddr"], rec["rport"], _ = _split_hostport(tok[i + 1])
            i += 2
        rest = " ".join(tok[i:])
        rec["pids"] = sorted({int(p) for p in re.findall(r"pid=(\d+)", rest)})
        out.append(rec)
    return out


def _dev_of(o):
    for k in ("dev", "iface", "interface", "bound_dev", "ifname"):
        if o.get(k):
            return str(o[k])
    return None


def parse_connmon_json(text):
    """connmon's --json array -> records (raises ValueError on a bad document)."""
    doc = json.loads(text)
    if isinstance(doc, dict):
        for k in ("sockets", "items", "data"):
            if isinstance(doc.get(k), list):
                doc = doc[k]
                break
    if not isinstance(doc, list):
        raise ValueError("top level is not a JSON array")
    out = []
    for o in doc:
        proto = CM_PROTO.get(str(o.get("proto", "")).lower(), str(o.get("proto")))
        st = str(o.get("state", "")).upper().replace("-", "_")
        rec = {"netid": proto, "state": CM_STATE.get(st, "?" + st), "dev": _dev_of(o),
               "pids": sorted({int(p["pid"]) for p in (o.get("processes") or [])
                               if isinstance(p, dict) and "pid" in p})}
        if proto.startswith("u_"):
            path = o.get("local_addr", o.get("path"))
            rec["laddr"] = path if path else "*"
            if path and o.get("abstract") is True and not path.startswith("@"):
                rec["laddr"] = "@" + path
            rec["lport"] = int(o.get("inode", o.get("local_port", 0)) or 0)
            peer = o.get("remote_addr")
            rec["raddr"] = peer if peer else "*"
            rec["rport"] = int(o.get("peer_inode", o.get("remote_port", 0)) or 0)
        else:
            rec["laddr"] = norm_addr(str(o.get("local_addr", "")))
            rec["lport"] = int(o.get("local_port", 0) or 0)
            rec["raddr"] = norm_addr(str(o.get("remote_addr", "")))
            rec["rport"] = int(o.get("remote_port", 0) or 0)
        out.append(rec)
    return out


def key(r):
    """What must agree between ss and connmon for one socket."""
    if r["netid"].startswith("u_"):
        return (r["netid"], r["state"], r["laddr"], r["lport"])
    return (r["netid"], r["state"], r["laddr"], r["lport"], r["raddr"], r["rport"])


def fmt_key(k):
    if k[0].startswith("u_"):
        return "%-5s %-10s %s ino %d" % k
    la, ra = k[2], k[4]
    if ":" in la:
        la = "[%s]" % la
    if ":" in ra:
        ra = "[%s]" % ra
    return "%-5s %-10s %s:%d -> %s:%d" % (k[0], k[1], la, k[3], ra, k[5])


def run(argv, timeout=20, check=False, **kw):
    r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, **kw)
    if check and r.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (" ".join(argv), r.returncode, r.stderr.strip()))
    return r


class Env:
    """Namespaces + fixture.  Use as `with Env("tag") as env:`."""

    def __init__(self, tag):
        self.tag = tag
        self.ns = "cmsys-%d-%s-a" % (os.getpid(), tag)
        self.peer = "cmsys-%d-%s-b" % (os.getpid(), tag)
        self.fixture = None
        self.tmp = None
        self.manifest = None
        self.created = []

    # -- set-up ---------------------------------------------------------
    def check_privilege(self):
        if os.geteuid() != 0:
            skip("needs root (network namespaces)")
        for tool in ("ip", "ss"):
            if shutil.which(tool) is None:
                skip("'%s' not found" % tool)
        self.sweep_stale()
        r = run(["ip", "netns", "add", self.ns])
        if r.returncode != 0:
            skip("cannot create a network namespace: " + r.stderr.strip())
        self.created.append(self.ns)

    @staticmethod
    def sweep_stale():
        """Delete cmsys-PID-* namespaces whose test process is gone (it was
        SIGKILLed and could not clean up).  Only our own naming scheme."""
        r = run(["ip", "netns", "list"])
        for line in r.stdout.splitlines():
            m = re.match(r"(cmsys-(\d+)-[a-z]+-[ab])\b", line)
            if m and not os.path.exists("/proc/" + m.group(2)):
                log("note: deleting stale namespace " + m.group(1))
                run(["ip", "netns", "del", m.group(1)])

    def ipn(self, ns, *args):
        run(["ip", "-n", ns] + list(args), check=True)

    def setup_net(self):
        run(["ip", "netns", "add", self.peer], check=True)
        self.created.append(self.peer)
        a, b = self.ns, self.peer
        self.ipn(a, "link", "set", "lo", "up")
        self.ipn(b, "link", "set", "lo", "up")
        self.ipn(a, "link", "add", VETH, "type", "veth", "peer", "name", "cmv1", "netns", b)
        self.ipn(a, "addr", "add", NS_ADDR4 + "/24", "dev", VETH)
        self.ipn(a, "-6", "addr", "add", NS_ADDR6 + "/64", "dev", VETH, "nodad")
        self.ipn(b, "addr", "add", PEER_ADDR4 + "/24", "dev", "cmv1")
        self.ipn(b, "-6", "addr", "add", PEER_ADDR6 + "/64", "dev", "cmv1", "nodad")
        self.ipn(a, "link", "set", VETH, "up")
        self.ipn(b, "link", "set", "cmv1", "up")
        # Frames to these go to a MAC nobody has: no answer, no ICMP, so the
        # connecting socket stays in SYN_SENT (an ARP failure would kill it).
        self.ipn(a, "neigh", "replace", DEAD_ADDR4, "lladdr", DEAD_MAC, "dev", VETH, "nud", "permanent")
        self.ipn(a, "-6", "neigh", "replace", DEAD_ADDR6, "lladdr", DEAD_MAC, "dev", VETH, "nud", "permanent")

    def start_fixture(self, timeout=30):
        self.tmp = tempfile.mkdtemp(prefix="cmsys-")
        mpath = os.path.join(self.tmp, "manifest.json")
        self.fix_err = open(os.path.join(self.tmp, "fixture.err"), "w+")
        self.fixture = subprocess.Popen(
            ["ip", "netns", "exec", self.ns, sys.executable, os.path.join(HERE, "sockfix.py"),
             "--manifest", mpath, "--dir", self.tmp, "--dev", VETH],
            stdin=subprocess.PIPE, stdout=self.fix_err, stderr=self.fix_err,
            start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if os.path.exists(mpath):
                with open(mpath) as f:
                    self.manifest = json.load(f)
                return
            if self.fixture.poll() is not None:
                break
            time.sleep(0.1)
        self.fix_err.seek(0)
        raise RuntimeError("fixture did not become ready (exit %s):\n%s"
                           % (self.fixture.poll(), self.fix_err.read()))

    def __enter__(self):
        # meson sends SIGTERM on timeout: turn it into an exception so that
        # __exit__ still runs and nothing is left behind.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
        signal.signal(signal.SIGHUP, lambda *_: sys.exit(1))
        self.check_privilege()
        try:
            self.setup_net()
            self.start_fixture()
        except BaseException:
            self.cleanup()
            raise
        return self

    def age(self):
        """Seconds since the fixture was ready."""
        return time.time() - self.manifest["created"]

    def fresh(self, max_age=40):
        """Rebuild namespaces and fixture when they are older than max_age
        seconds: TIME_WAIT sockets vanish 60 s after the fixture made them,
        and a loaded machine must not turn that into a mismatch."""
        if self.age() <= max_age:
            return
        log("note: fixture is %.0fs old, rebuilding it (TIME_WAIT lasts 60s)" % self.age())
        self.cleanup()
        run(["ip", "netns", "add", self.ns], check=True)
        self.created.append(self.ns)
        self.setup_net()
        self.start_fixture()

    # -- tear-down ------------------------------------------------------
    def cleanup(self):
        if self.fixture is not None and self.fixture.poll() is None:
            try:
                os.killpg(self.fixture.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            try:
                self.fixture.wait(timeout=10)
            except subprocess.TimeoutExpired:
                log("warning: fixture pid %d did not exit" % self.fixture.pid)
        self.fixture = None
        for ns in reversed(self.created):
            r = run(["ip", "netns", "del", ns])
            if r.returncode != 0:
                log("warning: cannot delete netns %s: %s" % (ns, r.stderr.strip()))
        self.created = []
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None

    def __exit__(self, *exc):
        self.cleanup()
        return False

    # -- running things inside A ---------------------------------------
    def in_ns(self, argv, timeout=20):
        return run(["ip", "netns", "exec", self.ns] + list(argv), timeout=timeout)

    def ss(self, flags, filt=(), keep_all=False, state=None):
        r = self.in_ns(["ss", "-H", "-n"] + list(flags) + list(filt))
        if r.returncode != 0:
            raise RuntimeError("ss %s %s failed (%d): %s" % (" ".join(flags), " ".join(filt),
                                                            r.returncode, r.stderr.strip()))
        return parse_ss(r.stdout, flags, filt, keep_all, state)
