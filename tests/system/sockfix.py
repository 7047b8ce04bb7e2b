# SPDX-License-Identifier: GPL-2.0-or-later
"""Socket fixture for connmon's system tests.  Runs INSIDE the namespace under
test (cmsys.Env starts it with `ip netns exec`), never in the host namespace.

It builds TCP sockets in LISTEN, ESTABLISHED, SYN_SENT, SYN_RECV, FIN_WAIT1,
FIN_WAIT2, CLOSE_WAIT, LAST_ACK and TIME_WAIT (IPv4 and IPv6), UDP sockets
bound and connected (v4, v6, one bound to a device), a RAW socket and UNIX
stream/seqpacket/datagram sockets; checks with ss that every state was
reached (and fails naming the state if not); then hands the sockets to four
child processes (listeners, clients, servers, unix) so that each socket has
exactly one known owner PID; verifies the owners with `ss -p`; and writes a
JSON manifest:

  {"pids": {"listeners": 123, ...}, "fixture_pid": N, "created": T,
   "sockets": [{"name", "netid", "state", "laddr", "lport", "raddr",
                "rport", "dev", "pid"}]}   (addresses as cmsys.norm_addr)

It then sleeps until stdin closes, SIGTERM, or --lifetime seconds, and kills
its children.  Every wait is bounded.
"""

import argparse
import json
import os
import select
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cmsys  # noqa: E402

A4, A6 = socket.AF_INET, socket.AF_INET6
TCP, UDP = socket.SOCK_STREAM, socket.SOCK_DGRAM
SMALL_BUF = 4096


class Fixture:
    def __init__(self, args):
        self.args = args
        self.groups = {"listeners": [], "clients": [], "servers": [], "unix": []}
        self.expect = []  # manifest entries (pid filled in after the fork)
        self.pids = {}

    # -- helpers --------------------------------------------------------
    def own(self, group, s):
        self.groups[group].append(s)
        return s

    def note(self, name, netid, state, l, r, group, dev=""):
        self.expect.append({
            "name": name, "netid": netid, "state": state,
            "laddr": cmsys.norm_addr(l[0]), "lport": l[1],
            "raddr": cmsys.norm_addr(r[0]), "rport": r[1], "dev": dev, "group": group})

    def listen(self, name, fam, addr, port, v6only=None, defer=None, rcvbuf=None, dev=None):
        s = socket.socket(fam, TCP)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if v6only is not None:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, int(v6only))
        if rcvbuf:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        if dev:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, dev.encode())
        s.bind((addr, port))
        s.listen(16)
        if defer:
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_DEFER_ACCEPT, defer)
        any6 = "::" if fam == A6 else "0.0.0.0"
        self.note(name, "tcp", "LISTEN", (addr, port), (any6, 0), "listeners", dev or "")
        return self.own("listeners", s)

    def connect(self, fam, laddr, lport, raddr, rport, rcvbuf=None, sndbuf=None):
        c = socket.socket(fam, TCP)
        if rcvbuf:
            c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        if sndbuf:
            c.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, sndbuf)
        c.bind((laddr, lport))
        c.settimeout(5)
        c.connect((raddr, rport))
        return c

    def pair(self, lsock, fam, laddr, lport, raddr, rport, **kw):
        c = self.connect(fam, laddr, lport, raddr, rport, **kw)
        lsock.settimeout(5)
        a, peer = lsock.accept()
        if peer[1] != lport:
            raise RuntimeError("accepted %r, expected port %d" % (peer, lport))
        return c, a

    @staticmethod
    def fill(s, limit=64 << 20):
        """Write until the socket's send buffer is full (peer does not read)."""
        s.setblocking(False)
        chunk = b"x" * 65536
        sent = 0
        deadline = time.monotonic() + 5
        while sent < limit and time.monotonic() < deadline:
            try:
                sent += s.send(chunk)
            except BlockingIOError:
                # Give loopback a moment to move data into the peer, then
                # try once more: the buffer must really be stuck.
                time.sleep(0.05)
                try:
                    sent += s.send(chunk)
                except BlockingIOError:
                    return sent
        raise RuntimeError("could not fill the send buffer")

    # -- the sockets ----------------------------------------------------
    def build_tcp(self):
        L = self.listen
        L("listen v4 any :22 (ssh)", A4, "0.0.0.0", 22)
        L("listen v4 lo :8080", A4, "127.0.0.1", 8080)
        l443 = L("listen v6 any :443 v6only", A6, "::", 443, v6only=True)
        L("listen v6 ::1 :8443", A6, "::1", 8443)
        l9000 = L("listen v4 any :9000", A4, "0.0.0.0", 9000, rcvbuf=SMALL_BUF)
        l9006 = L("listen dual-stack :9006", A6, "::", 9006, v6only=False)
        l9100 = L("listen v4 defer-accept :9100", A4, "127.0.0.1", 9100, defer=120)
        l9101 = L("listen v6 defer-accept :9101", A6, "::1", 9101, defer=120)
        L("listen v4 bound to dev :7001", A4, "0.0.0.0", 7001, dev=self.args.dev)
        l22 = self.groups["listeners"][0]

        def estab(name, lsock, fam, la, lp, ra, rp, server_local=None, server_peer=None):
            c, a = self.pair(lsock, fam, la, lp, ra, rp)
            self.own("clients", c)
            self.own("servers", a)
            self.note(name + " client", "tcp", "ESTAB", (la, lp), (ra, rp), "clients")
            self.note(name + " server", "tcp", "ESTAB", server_local or (ra, rp),
                      server_peer or (la, lp), "servers")
            return c, a

        estab("estab v4 lo", l9000, A4, "127.0.0.1", 40001, "127.0.0.1", 9000)
        estab("estab v4 ssh", l22, A4, cmsys.NS_ADDR4, 40002, cmsys.NS_ADDR4, 22)
        estab("estab v6 lo", l443, A6, "::1", 40003, "::1", 443)
        estab("estab v6 global", l443, A6, cmsys.NS_ADDR6, 40004, cmsys.NS_ADDR6, 443)
        estab("estab v4-mapped", l9006, A4, "127.0.0.2", 40005, "127.0.0.1", 9006,
              server_local=("::ffff:127.0.0.1", 9006), server_peer=("::ffff:127.0.0.2", 40005))

        # FIN_WAIT1: the server never reads, its window closes, the client's
        # FIN waits behind unsent data.  shutdown() (not close) keeps the
        # socket owned, so no orphan timeout ends it.
        c, a = self.pair(l9000, A4, "127.0.0.1", 40010, "127.0.0.1", 9000, sndbuf=SMALL_BUF)
        self.fill(c)
        c.shutdown(socket.SHUT_WR)
        self.own("clients", c)
        self.own("servers", a)
        self.note("fin-wait-1 client", "tcp", "FIN-WAIT-1", ("127.0.0.1", 40010), ("127.0.0.1", 9000), "clients")
        self.note("fin-wait-1 server", "tcp", "ESTAB", ("127.0.0.1", 9000), ("127.0.0.1", 40010), "servers")

        # FIN_WAIT2 / CLOSE_WAIT: half close, the other side never closes.
        c, a = self.pair(l9000, A4, "127.0.0.1", 40020, "127.0.0.1", 9000)
        c.shutdown(socket.SHUT_WR)
        self.own("clients", c)
        self.own("servers", a)
        self.note("fin-wait-2 client", "tcp", "FIN-WAIT-2", ("127.0.0.1", 40020), ("127.0.0.1", 9000), "clients")
        self.note("close-wait server", "tcp", "CLOSE-WAIT", ("127.0.0.1", 9000), ("127.0.0.1", 40020), "servers")

        # LAST_ACK: the CLOSE_WAIT side fills the (non-reading) peer's window,
        # then shuts down: its FIN cannot be sent.
        c, a = self.pair(l9000, A4, "127.0.0.1", 40030, "127.0.0.1", 9000, rcvbuf=SMALL_BUF)
        c.shutdown(socket.SHUT_WR)
        self.wait_state("tcp", "CLOSE-WAIT", ("127.0.0.1", 9000), ("127.0.0.1", 40030))
        a.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SMALL_BUF)
        self.fill(a)
        a.shutdown(socket.SHUT_WR)
        self.own("clients", c)
        self.own("servers", a)
        self.note("last-ack peer (fin-wait-2)", "tcp", "FIN-WAIT-2", ("127.0.0.1", 40030), ("127.0.0.1", 9000), "clients")
        self.note("last-ack server", "tcp", "LAST-ACK", ("127.0.0.1", 9000), ("127.0.0.1", 40030), "servers")

        # TIME_WAIT: ordinary active close by the client (v4 and v6).
        for fam, la, lp, lsock, rp in ((A4, "127.0.0.1", 40040, l9000, 9000),
                                       (A6, "::1", 40041, l443, 443)):
            c, a = self.pair(lsock, fam, la, lp, la, rp)
            c.close()
            a.settimeout(5)
            if a.recv(1) != b"":
                raise RuntimeError("expected EOF")
            a.close()
            self.note("time-wait", "tcp", "TIME-WAIT", (la, lp), (la, rp), None)

        # SYN_RECV: with TCP_DEFER_ACCEPT the listener ignores the bare final
        # ACK, so its request socket stays in SYN-RECV while the client is
        # ESTABLISHED and silent.
        for fam, la, lp, rp, lsock in ((A4, "127.0.0.1", 40060, 9100, l9100),
                                       (A6, "::1", 40061, 9101, l9101)):
            c = self.connect(fam, la, lp, la, rp)
            self.own("clients", c)
            self.note("syn-recv client", "tcp", "ESTAB", (la, lp), (la, rp), "clients")
            self.note("syn-recv request", "tcp", "SYN-RECV", (la, rp), (la, lp), None)

        # SYN_SENT: to a neighbour with a static MAC nobody has.
        for fam, la, lp, ra in ((A4, cmsys.NS_ADDR4, 40050, cmsys.DEAD_ADDR4),
                                (A6, cmsys.NS_ADDR6, 40051, cmsys.DEAD_ADDR6)):
            c = socket.socket(fam, TCP)
            c.setsockopt(socket.IPPROTO_TCP, socket.TCP_SYNCNT, 10)
            c.bind((la, lp))
            c.setblocking(False)
            err = c.connect_ex((ra, 80))
            if err not in (115,):  # EINPROGRESS
                raise RuntimeError("SYN_SENT connect: errno %d" % err)
            self.own("clients", c)
            self.note("syn-sent", "tcp", "SYN-SENT", (la, lp), (ra, 80), "clients")

    def build_udp(self):
        def bound(name, fam, addr, port, group="listeners", v6only=None, dev=None):
            s = socket.socket(fam, UDP)
            if v6only is not None:
                s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, int(v6only))
            if dev:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, dev.encode())
            s.bind((addr, port))
            self.own(group, s)
            self.note(name, "udp", "UNCONN", (addr, port), ("::" if fam == A6 else "0.0.0.0", 0),
                      group, dev or "")
            return s

        bound("udp v4 any :53", A4, "0.0.0.0", 53)
        bound("udp v4 lo :5353", A4, "127.0.0.1", 5353)
        bound("udp v6 any :5353 v6only", A6, "::", 5353, v6only=True)
        bound("udp v6 ::1 :6000", A6, "::1", 6000)
        bound("udp v4 bound to dev :6100", A4, "0.0.0.0", 6100, dev=self.args.dev)
        bound("udp v4 bound to lo :6101", A4, "127.0.0.1", 6101, dev="lo")
        for fam, la, lp, rp in ((A4, "127.0.0.1", 40070, 53), (A6, "::1", 40071, 6000)):
            s = socket.socket(fam, UDP)
            s.bind((la, lp))
            s.connect((la, rp))
            self.own("clients", s)
            self.note("udp connected", "udp", "ESTAB", (la, lp), (la, rp), "clients")
        r = socket.socket(A4, socket.SOCK_RAW, socket.IPPROTO_ICMP)
        self.own("listeners", r)
        self.note("raw icmp", "raw", "UNCONN", ("0.0.0.0", 1), ("0.0.0.0", 0), "listeners")

    def build_unix(self):
        tag = "cmsys-%d" % os.getpid()
        ls = self.own("unix", socket.socket(socket.AF_UNIX, socket.SOCK_STREAM))
        ls.bind("\0" + tag + "-str")
        ls.listen(4)
        c = self.own("unix", socket.socket(socket.AF_UNIX, socket.SOCK_STREAM))
        c.connect("\0" + tag + "-str")
        self.own("unix", ls.accept()[0])
        sq = self.own("unix", socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET))
        sq.bind("\0" + tag + "-seq")
        sq.listen(4)
        dg = self.own("unix", socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM))
        dg.bind(os.path.join(self.args.dir, "dgram.sock"))
        for s, netid, state in ((ls, "u_str", "LISTEN"), (c, "u_str", "ESTAB"),
                                (sq, "u_seq", "LISTEN"), (dg, "u_dgr", "UNCONN")):
            name = s.getsockname()
            if isinstance(name, bytes):
                name = "@" + name[1:].decode()
            self.expect.append({"name": "unix " + netid, "netid": netid, "state": state,
                                "laddr": name or "*", "lport": os.fstat(s.fileno()).st_ino,
                                "raddr": None, "rport": None, "dev": "", "group": "unix"})

    # -- checks ---------------------------------------------------------
    def ss_now(self, extra=()):
        r = subprocess.run(["ss", "-H", "-n", "-a", "-t", "-u", "-w", "-x"] + list(extra),
                           capture_output=True, text=True, timeout=10)
        return cmsys.parse_ss(r.stdout, ["-t", "-u", "-w", "-x"])

    def wait_state(self, netid, state, l, r, timeout=5):
        want = (netid, state, cmsys.norm_addr(l[0]), l[1], cmsys.norm_addr(r[0]), r[1])
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if want in {cmsys.key(x) for x in self.ss_now()}:
                return
            time.sleep(0.05)
        raise RuntimeError("state %s not reached for %s" % (state, cmsys.fmt_key(want)))

    def verify(self, with_pids, timeout=5):
        """Every expected socket is in ss with its state (and owner pid)."""
        deadline = time.monotonic() + timeout
        while True:
            recs = self.ss_now(["-p"] if with_pids else [])
            have = {}
            for x in recs:
                have.setdefault(cmsys.key(x), []).append(x)
            bad = []
            for e in self.expect:
                k = cmsys.key(e)
                if k not in have:
                    bad.append("state %s NOT reached: %s (%s)" % (e["state"], cmsys.fmt_key(k), e["name"]))
                elif with_pids and e.get("pid") and have[k][0]["pids"] != [e["pid"]]:
                    bad.append("owner of %s is %s, expected [%d]" % (e["name"], have[k][0]["pids"], e["pid"]))
            if not bad:
                return
            if time.monotonic() > deadline:
                raise RuntimeError("fixture check failed:\n  " + "\n  ".join(bad))
            time.sleep(0.1)

    # -- ownership ------------------------------------------------------
    def distribute(self):
        ppid = os.getpid()
        for group, socks in self.groups.items():
            rfd, wfd = os.pipe()
            pid = os.fork()
            if pid == 0:
                try:
                    os.close(rfd)
                    for g, ss in self.groups.items():
                        if g != group:
                            for s in ss:
                                s.close()
                    os.write(wfd, b"k")
                    end = time.monotonic() + self.args.lifetime
                    while time.monotonic() < end and os.getppid() == ppid:
                        time.sleep(0.2)
                finally:
                    os._exit(0)
            os.close(wfd)
            self.pids[group] = pid
            ready, _, _ = select.select([rfd], [], [], 10)
            if not ready or os.read(rfd, 1) != b"k":
                raise RuntimeError("child %s did not start" % group)
            os.close(rfd)
        for socks in self.groups.values():
            for s in socks:
                s.close()
        for e in self.expect:
            e["pid"] = self.pids.get(e.pop("group"))

    def kill_children(self):
        for pid in self.pids.values():
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--manifest", required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--dev", required=True)
    ap.add_argument("--lifetime", type=float, default=240)
    args = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    fx = Fixture(args)
    try:
        t0 = time.monotonic()
        for step in (fx.build_tcp, fx.build_udp, fx.build_unix,
                     lambda: fx.verify(with_pids=False), fx.distribute,
                     lambda: fx.verify(with_pids=True)):
            step()
            cmsys.log("sockfix: %s done at %.2fs" % (getattr(step, "__name__", "?"), time.monotonic() - t0))
        tmp = args.manifest + ".tmp"
        with open(tmp, "w") as f:
            json.dump({"pids": fx.pids, "fixture_pid": os.getpid(), "created": time.time(),
                       "sockets": fx.expect}, f, indent=1)
        os.rename(tmp, args.manifest)
        end = time.monotonic() + args.lifetime
        while time.monotonic() < end:
            r, _, _ = select.select([sys.stdin], [], [], 1)
            if r and not sys.stdin.buffer.read1(1):
                break
    finally:
        fx.kill_children()


if __name__ == "__main__":
    main()
