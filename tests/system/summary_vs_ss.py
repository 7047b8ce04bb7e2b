#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""System test: `connmon summary --json` against ss, in the fixture namespace.

usage: summary_vs_ss.py PATH/TO/connmon [-v]

The fixture's sockets do not change while the test runs, so every count must
match exactly:
  - TCP per-state counts and the TCP total against `ss -tan -H`;
  - sockets walked per protocol and family against `ss -tan/-uan/-wan`;
  - the kernel totals (transport table: RAW/UDP/TCP/FRAG, total/IPv4/IPv6)
    and the "estab"/"timewait" figures against `ss -s`;
  - CLOSE_WAIT by process against the fixture's PIDs;
  - the same document through `-N NS` and through `ip netns exec`.
Exit 0 pass, 1 fail, 77 skip (no root / no netns).
"""

import collections
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cmsys  # noqa: E402


def count_of(v):
    """A count given as N or {"count": N}."""
    if isinstance(v, dict):
        v = v.get("count")
    return v


def tcp_states(doc):
    """(states {ss state name: n}, total) from either known layout."""
    if isinstance(doc.get("tcp_states"), dict):
        st, total = doc["tcp_states"], doc.get("tcp_total")
    elif isinstance(doc.get("tcp"), dict) and isinstance(doc["tcp"].get("states"), dict):
        st, total = doc["tcp"]["states"], doc["tcp"].get("total")
    else:
        raise ValueError("no TCP per-state counts (tcp_states / tcp.states) in the document")
    norm = {}
    for k, v in st.items():
        name = cmsys.CM_STATE.get(str(k).upper().replace("-", "_"))
        norm[name or str(k)] = count_of(v)
    return norm, total


def family_of(addr):
    return "ipv6" if ":" in addr else "ipv4"


def parse_ss_s(text):
    """`ss -s` -> {"estab", "timewait", rows: {RAW: (total, ip, ipv6) ...}}."""
    out = {"rows": {}}
    m = re.search(r"TCP:\s+\d+\s+\(estab (\d+), closed \d+, orphaned \d+, timewait (\d+)", text)
    if m:
        out["estab"], out["timewait"] = int(m.group(1)), int(m.group(2))
    for line in text.splitlines():
        tok = line.split()
        if len(tok) == 4 and tok[0] in ("RAW", "UDP", "TCP", "INET", "FRAG"):
            out["rows"][tok[0]] = tuple(int(t) for t in tok[1:])
    return out


class Checker:
    def __init__(self, env, connmon, verbose):
        self.env, self.connmon, self.verbose = env, connmon, verbose
        self.failures = []

    def fail(self, msg):
        self.failures.append(msg)
        cmsys.log("FAIL: " + msg)

    def ok(self, msg):
        if self.verbose:
            cmsys.log("ok   " + msg)

    def eq(self, what, got, want):
        if got != want:
            self.fail("%s: connmon %r, ss %r" % (what, got, want))
        else:
            self.ok("%s = %r" % (what, want))

    def summary(self, via_N):
        if via_N:
            argv = [self.connmon, "summary", "-N", self.env.ns, "--json"]
        else:
            argv = ["ip", "netns", "exec", self.env.ns, self.connmon, "summary", "--json"]
        r = cmsys.run(argv, timeout=60)
        if r.returncode != 0:
            raise RuntimeError("%s: exit %d: %s" % (" ".join(argv[-4:]), r.returncode, r.stderr.strip()[:300]))
        try:
            return json.loads(r.stdout)
        except ValueError as e:
            raise RuntimeError("summary --json is not JSON (%s): %r" % (e, r.stdout[:300]))

    def check_states(self, doc):
        tcp = self.env.ss(["-t", "-a"])
        want = collections.Counter(x["state"] for x in tcp)
        try:
            got, total = tcp_states(doc)
        except ValueError as e:
            self.fail(str(e))
            return
        for st in sorted(set(want) | set(got)):
            self.eq("TCP %s count" % st, got.get(st, 0), want.get(st, 0))
        self.eq("TCP total", total, len(tcp))
        for key, st in (("time_wait", "TIME-WAIT"), ("syn_recv", "SYN-RECV"), ("close_wait", "CLOSE-WAIT")):
            if key in doc:
                self.eq("%s.count" % key, count_of(doc[key]), want.get(st, 0))

    def check_walked(self, doc):
        walked = doc.get("walked")
        if not isinstance(walked, dict):
            self.fail("no 'walked' object (sockets seen per protocol/family)")
            return
        total = 0
        for proto, flag in (("tcp", "-t"), ("udp", "-u"), ("raw", "-w")):
            recs = self.env.ss([flag, "-a"])
            fam = collections.Counter(family_of(x["laddr"]) for x in recs)
            total += len(recs)
            w = walked.get(proto) or {}
            for f in ("ipv4", "ipv6"):
                self.eq("walked.%s.%s" % (proto, f), w.get(f), fam.get(f, 0))
        unix = self.env.ss(["-x", "-a"])
        if "total" in walked:
            # Whether UNIX sockets count in the total is connmon's choice: accept both.
            if walked["total"] not in (total, total + len(unix)):
                self.fail("walked.total: connmon %r, ss %d inet (+%d unix)" % (walked["total"], total, len(unix)))
            else:
                self.ok("walked.total = %r" % walked["total"])

    def check_kernel_totals(self, doc):
        r = self.env.in_ns(["ss", "-s"])
        ss = parse_ss_s(r.stdout)
        tr = doc.get("transport")
        if not isinstance(tr, dict):
            self.fail("no 'transport' object (kernel totals per protocol)")
        else:
            for row in ("RAW", "UDP", "TCP", "FRAG"):
                if row not in ss["rows"]:
                    continue
                t = tr.get(row.lower()) or {}
                self.eq("transport.%s (total, ipv4, ipv6)" % row.lower(),
                        (t.get("total"), t.get("ipv4"), t.get("ipv6")), ss["rows"][row])
        if "estab" in ss:
            got, _ = tcp_states(doc)
            # ss -s "estab" is the MIB CurrEstab: ESTABLISHED sockets, and
            # since Linux 6.10 CLOSE_WAIT ones too (RFC 1213).  Accept both.
            est, cw = got.get("ESTAB", 0), got.get("CLOSE-WAIT", 0)
            if ss["estab"] not in (est, est + cw):
                self.fail("ss -s estab %d is neither ESTABLISHED (%r) nor ESTABLISHED+CLOSE_WAIT (%r)"
                          % (ss["estab"], est, est + cw))
            else:
                self.ok("ss -s estab %d matches ESTABLISHED%s" % (ss["estab"], "" if ss["estab"] == est
                                                                   else "+CLOSE_WAIT (kernel >= 6.10)"))
            self.eq("TIME_WAIT vs ss -s timewait", got.get("TIME-WAIT", 0), ss["timewait"])
            # the ss-compatible figure is ss's own (the MIB), whatever the kernel counts in it
            self.eq("tcp_curr_estab vs ss -s estab", doc.get("tcp_curr_estab"), ss["estab"])
            text = self.env.in_ns([self.connmon, "summary"]).stdout
            self.eq("summary's TCP: line vs ss -s", parse_ss_s(text).get("estab"), ss["estab"])
        else:
            self.fail("cannot parse the TCP line of ss -s: %r" % r.stdout[:200])

    def check_close_wait_procs(self, doc):
        cw = doc.get("close_wait")
        if not isinstance(cw, dict) or not isinstance(cw.get("processes"), list):
            self.fail("no close_wait.processes list")
            return
        want = collections.Counter(e["pid"] for e in self.env.manifest["sockets"]
                                   if e["state"] == "CLOSE-WAIT" and e["netid"] == "tcp")
        got = collections.Counter()
        for p in cw["processes"]:
            got[int(p.get("pid", -1))] += int(p.get("count", 1))
        self.eq("CLOSE_WAIT by pid", dict(got), dict(want))


def main():
    args = sys.argv[1:]
    verbose = "-v" in args
    paths = [a for a in args if not a.startswith("-")]
    if not paths:
        print(__doc__, file=sys.stderr)
        return 2
    connmon = os.path.abspath(paths[0])
    with cmsys.Env("sum") as env:
        if not os.access(connmon, os.X_OK):
            cmsys.log("FAIL: %s is not an executable" % connmon)
            return 1
        ck = Checker(env, connmon, verbose)
        try:
            env.fresh()
            doc = ck.summary(via_N=False)
            ck.check_states(doc)
            ck.check_walked(doc)
            ck.check_kernel_totals(doc)
            ck.check_close_wait_procs(doc)
            doc_n = ck.summary(via_N=True)
            # global sysctls are read before entering -N's namespace
            ck.eq("orphans known via -N", isinstance(doc_n.get("orphans"), dict), True)
            try:
                ck.eq("TCP states via -N", tcp_states(doc_n), tcp_states(doc))
            except ValueError as e:
                ck.fail("-N: %s" % e)
        except RuntimeError as e:
            ck.fail(str(e))
    cmsys.log("summary: %d failures" % len(ck.failures))
    return 1 if ck.failures else 0


if __name__ == "__main__":
    sys.exit(main())
