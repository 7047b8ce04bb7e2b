#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""System test of safe output (issue 6, section 4); needs root (exits 77 without).

Inside a network namespace this test creates, evil.py renames itself to
"evil ESC [2J name 0xff" (prctl, and argv[0] for the command line), listens on
TCP and on a UNIX abstract name holding 0xff and ESC, holds a CLOSE-WAIT
socket and moves TCP bytes; then a veth pair gets names holding ESC, 0xff, a
C1 control and DEL.  Every output of connmon that shows them must:

  text:  hold no byte below 0x20 but the newline, no 0x7f, decode as strict
         UTF-8 with no C1 control, and show the name as \\x1b and \\xff;
  JSON:  parse with json.loads after a strict UTF-8 decode, and give the
         name as the same display form.

Usage: escape_test.py CONNMON
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import time

SKIP = 77
NS = "cmesc-%d" % os.getpid()
PORT = 7345
HERE = os.path.dirname(os.path.abspath(__file__))
NAME_SHOWN = "evil\\x1b[2Jname\\xff"  # the display form: backslashes are literal
started = []
failures = []


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def sh(*args, check=True):
    return subprocess.run(args, check=check, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=30)


def cleanup():
    for p in started:
        if p.poll() is None:
            p.kill()
        try:
            p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            log("warning: pid %d did not exit" % p.pid)
    sh("ip", "netns", "del", NS, check=False)


def on_signal(signum, _frame):
    cleanup()
    sys.exit(128 + signum)


def check(what, ok, detail=""):
    log("%s %s%s" % ("ok  " if ok else "FAIL", what, ": " + detail if detail else ""))
    if not ok:
        failures.append(what)


def connmon(cm, *args):
    """Runs connmon inside the namespace; returns its stdout as bytes."""
    r = subprocess.run(["ip", "netns", "exec", NS, cm] + list(args), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=60)
    check("connmon %s exits 0" % " ".join(args), r.returncode == 0,
          "exit %d: %s" % (r.returncode, r.stderr.decode(errors="replace").strip()))
    return r.stdout


def terminal_safe(what, data, allow=(0x0a,)):
    """No byte a terminal acts on, valid UTF-8, no C1; returns the text or None."""
    bad = sorted({b for b in data if (b < 0x20 and b not in allow) or b == 0x7f})
    check(what + ": no control byte", not bad, "bytes %s" % [hex(b) for b in bad])
    try:
        text = data.decode("utf-8", errors="strict")
    except UnicodeDecodeError as e:
        check(what + ": valid UTF-8", False, str(e))
        return None
    c1 = sorted({hex(ord(c)) for c in text if 0x80 <= ord(c) <= 0x9f})
    check(what + ": no C1 control", not c1, str(c1))
    return text


def json_docs(what, data, lines=False):
    """json.loads of the whole output (or of each line); None when it fails."""
    try:
        text = data.decode("utf-8", errors="strict")
        docs = [json.loads(t) for t in text.splitlines() if t.strip()] if lines else [json.loads(text)]
    except (UnicodeDecodeError, ValueError) as e:
        check(what + ": json.loads accepts it", False, str(e))
        return None
    check(what + ": json.loads accepts it", bool(docs))
    return docs


def shows(what, text, needle):
    check(what + ": shows %r" % needle, text is not None and needle in text)


def check_sockets(cm, pid):
    abstract = "@cmesc\\xff\\x1b[2J%d" % pid
    text = terminal_safe("sockets -tlp", connmon(cm, "sockets", "-tlp"))
    shows("sockets -tlp", text, '(("%s",pid=%d,' % (NAME_SHOWN, pid))
    docs = json_docs("sockets -tlp --json", connmon(cm, "sockets", "-tlp", "--json"))
    comms = [p.get("comm") for s in (docs[0] if docs else []) for p in s.get("processes", [])
             if p.get("pid") == pid]
    check("sockets -tlp --json: comm is the display form", NAME_SHOWN in comms, str(comms))
    text = terminal_safe("sockets -tlp --csv", connmon(cm, "sockets", "-tlp", "--csv"))
    shows("sockets -tlp --csv", text, "%s/%d" % (NAME_SHOWN, pid))
    text = terminal_safe("sockets -xlp", connmon(cm, "sockets", "-xlp"))
    shows("sockets -xlp", text, abstract + " ")
    shows("sockets -xlp", text, '(("%s",pid=%d,' % (NAME_SHOWN, pid))
    docs = json_docs("sockets -xa --json", connmon(cm, "sockets", "-xa", "--json"))
    paths = [s.get("local_addr") for s in (docs[0] if docs else [])]
    check("sockets -xa --json: abstract name is the display form", abstract in paths,
          "%d paths" % len(paths))


def check_procs(cm, pid):
    docs = json_docs("procs --json", connmon(cm, "procs", "-s", "1", "--engine", "tcpinfo",
                                             "--json"), lines=True)
    rows = [r for d in (docs or []) for r in d.get("processes", []) if r.get("pid") == pid]
    check("procs --json: the renamed process has a row", bool(rows))
    if rows:
        check("procs --json: comm is the display form", rows[-1].get("comm") == NAME_SHOWN,
              repr(rows[-1].get("comm")))
        check("procs --json: command starts with the display form",
              str(rows[-1].get("command", "")).startswith(NAME_SHOWN),
              repr(rows[-1].get("command")))
    text = terminal_safe("procs", connmon(cm, "procs", "-s", "1", "--engine", "tcpinfo"))
    shows("procs", text, NAME_SHOWN)


def check_summary(cm, pid):
    # ss -s's layout has tabs between its columns: connmon's own, allowed here.
    text = terminal_safe("summary", connmon(cm, "summary"), allow=(0x09, 0x0a))
    shows("summary (CLOSE-WAIT holder)", text, "%s[%d]" % (NAME_SHOWN, pid))
    docs = json_docs("summary --json", connmon(cm, "summary", "--json"))
    text = terminal_safe("overview", connmon(cm))
    shows("overview (CLOSE-WAIT holder)", text, "%s[%d]" % (NAME_SHOWN, pid))
    comms = [p.get("comm") for p in (docs[0].get("close_wait", {}).get("processes", [])
                                     if docs else [])]
    check("summary --json: CLOSE-WAIT holder's comm is the display form", NAME_SHOWN in comms,
          str(comms))


def check_ifaces(cm):
    """Interface names may hold any byte but '/', ':', NUL and white space."""
    names = (b"cm\x1b[2J\xff", b"cm\xc2\x9b\x7f")
    shown = ("cm\\x1b[2J\\xff", "cm\\xc2\\x9b\\x7f")
    r = subprocess.run([b"ip", b"-n", NS.encode(), b"link", b"add", b"name", names[0], b"type",
                        b"veth", b"peer", b"name", names[1]], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=30)
    if r.returncode != 0:
        log("note: cannot create a veth pair, interface names not checked: %s"
            % r.stderr.decode(errors="replace").strip())
        return
    for n in names:  # up: the overview lists interfaces that are up
        subprocess.run([b"ip", b"-n", NS.encode(), b"link", b"set", n, b"up"], timeout=30)
    ov = terminal_safe("overview with hostile interface names", connmon(cm))
    shows("overview (interface line)", ov, shown[0])
    text = terminal_safe("ifaces", connmon(cm, "ifaces"))
    text_csv = terminal_safe("ifaces --csv", connmon(cm, "ifaces", "--csv"))
    docs = json_docs("ifaces --json", connmon(cm, "ifaces", "--json"), lines=True)
    got = [i.get("name") for d in (docs or []) for i in d.get("interfaces", [])]
    for name in shown:
        shows("ifaces", text, name + " ")
        shows("ifaces --csv", text_csv, "," + name + ",")
        check("ifaces --json: %s is the display form" % name, name in got, str(got))


def start_evil():
    p = subprocess.Popen(["ip", "netns", "exec", NS, sys.executable, os.path.join(HERE, "evil.py"),
                          str(PORT), "60"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    started.append(p)
    line = p.stdout.readline().split()
    if len(line) != 2 or line[0] != b"ready":
        raise RuntimeError("evil.py did not start (exit %s)" % p.poll())
    return int(line[1])


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: escape_test.py CONNMON")
    cm = os.path.abspath(sys.argv[1])
    if os.geteuid() != 0:
        print("SKIP: needs root (network namespaces)")
        return SKIP
    if shutil.which("ip") is None:
        print("SKIP: 'ip' not found")
        return SKIP
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    if sh("ip", "netns", "add", NS, check=False).returncode != 0:
        print("SKIP: cannot create a network namespace")
        return SKIP
    try:
        sh("ip", "-n", NS, "link", "set", "lo", "up")
        pid = start_evil()
        time.sleep(0.3)  # the transfer is under way
        check_sockets(cm, pid)
        check_procs(cm, pid)
        check_summary(cm, pid)
        check_ifaces(cm)
    finally:
        cleanup()
    if failures:
        log("%d checks failed: %s" % (len(failures), ", ".join(failures)))
        return 1
    log("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
