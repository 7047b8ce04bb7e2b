# SPDX-License-Identifier: GPL-2.0-or-later
"""What the `connmon procs` system tests share (python3, stdlib only).

- log(), sh(): stderr lines, and commands that must not hang (30 s).
- Run: the processes a test started and the namespaces it made; cleanup()
  kills the first (by the Popen it holds) and deletes the second, and
  spawn()/connmon() register what they start.  connmon's output goes to a
  temporary file, so a full pipe never stalls it; result() returns
  (stdout, stderr, exit code).
- check(), near(): a verdict per line, failures kept in FAILURES.
- last_json(), row(), iface_bytes(): reading what connmon and the kernel say.
"""

import json
import os
import subprocess
import sys
import tempfile

PEER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "peer.py")
FAILURES = []


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def sh(*args, check=True):
    return subprocess.run(args, check=check, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, timeout=30)


def check(what, ok, detail):
    log("%s %s: %s" % ("ok  " if ok else "FAIL", what, detail))
    if not ok:
        FAILURES.append(what)


def near(what, got, want, tol=0.02):
    check(what, got is not None and abs(got - want) <= tol * want,
          "got %s, expected %d +- %.0f %%" % (got, want, tol * 100))


class Run:
    """The processes and namespaces of one test run."""

    def __init__(self, namespaces, python=sys.executable):
        self.namespaces = list(namespaces)
        self.python = python
        self.started = []

    def cleanup(self):
        for p in self.started:
            if p.poll() is None:
                p.kill()
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        for ns in self.namespaces:
            sh("ip", "netns", "del", ns, check=False)

    def spawn(self, ns, *args, user=None):
        """Starts peer.py in ns (as user when given); returns (Popen, pid of the peer)."""
        cmd = ["ip", "netns", "exec", ns] + (user or []) + [self.python, PEER]
        p = subprocess.Popen(cmd + [str(a) for a in args], stdout=subprocess.PIPE, text=True)
        self.started.append(p)
        line = p.stdout.readline().split()
        if len(line) != 2 or line[0] != "ready":
            raise RuntimeError("peer %s did not start" % (args,))
        return p, int(line[1])

    def connmon(self, cm, *args, ns=None, user=None):
        """Starts `connmon procs ARGS` (inside ns, as user, when given)."""
        cmd = (["ip", "netns", "exec", ns] if ns else []) + (user or []) + [cm, "procs"]
        out = tempfile.TemporaryFile(mode="w+")
        p = subprocess.Popen(cmd + list(args), stdout=out, stderr=subprocess.PIPE, text=True)
        p.out_file = out
        self.started.append(p)
        return p


def result(p, timeout=60):
    """Waits for connmon; returns (stdout, stderr, exit code)."""
    _, err = p.communicate(timeout=timeout)
    p.out_file.seek(0)
    out = p.out_file.read()
    p.out_file.close()
    return out, err, p.returncode


def finish(p):
    """connmon's stdout; a non-zero exit raises."""
    out, err, rc = result(p)
    if rc != 0:
        raise RuntimeError("connmon failed (%d): %s" % (rc, err))
    return out


def last_json(p):
    objs = [json.loads(line) for line in finish(p).splitlines() if line.strip()]
    if not objs:
        raise RuntimeError("connmon printed no JSON")
    return objs[-1]


def row(obj, pid):
    for r in obj["processes"]:
        if r["pid"] == pid:
            return r
    return None


def iface_bytes(ns, ifc):
    """(tx, rx) bytes of interface ifc in namespace ns, from its own counters."""
    base = "/sys/class/net/%s/statistics/" % ifc
    out = sh("ip", "netns", "exec", ns, "cat", base + "tx_bytes", base + "rx_bytes").stdout
    tx, rx = out.split()
    return int(tx), int(rx)
