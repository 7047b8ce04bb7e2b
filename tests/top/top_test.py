#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""System test of `connmon top`, driven in tmux (send-keys, capture-pane).

Inside a network namespace it creates, with a fixed set of sockets held by
fixture.py, at 80x24 and 200x50: every view, sort and reverse, a bad filter
(the caret line must be the one `connmon sockets` prints), a good filter,
search, drill-down and back, pause, resize, kill (confirmed) and the
refusals of kill and block without privileges, quit (exit code 0); the
counts shown must equal `connmon sockets` and `connmon summary` run at the
same moment.  NO_COLOR with --ascii must produce no colour escapes and no
line-drawing characters, while the default session must (the control).

Root only (exit 77 without): namespaces, tmux and the processes it starts
are the test's own (names carry the PID) and are removed at the end.
"""

import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PID = os.getpid()
NS = "cmtop%d" % PID
SOCK = "cmtop%d" % PID
FAILURES = []
COLOUR_SGR = re.compile(r"\x1b\[([0-9;]*)m")
# the selection bar: reverse video, or the cyan background of the colour scheme
SELECTED = re.compile(r"^(\x1b\[[0-9;]*m)*\x1b\[(7|46)m")
LINE_DRAWING = re.compile("[\u2500-\u257f\u25b2\u25bc]")


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def check(what, ok, detail=""):
    log("%s %s%s" % ("ok  " if ok else "FAIL", what, (": " + str(detail)) if detail else ""))
    if not ok:
        FAILURES.append(what)


def sh(*args, check_rc=True, timeout=30):
    return subprocess.run(args, check=check_rc, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          encoding="utf-8", errors="replace", timeout=timeout)


def in_ns(*args, check_rc=True):
    return sh("ip", "netns", "exec", NS, *args, check_rc=check_rc)


class Screen:
    """One tmux session running `connmon top` in the namespace."""

    def __init__(self, name, cols, rows, top_args, env="LANG=C.UTF-8", user=None):
        self.name = name
        self.exit_file = os.path.join(TMP, name + ".exit")
        inner = "env %s ip netns exec %s %s %s top --standalone %s" % (
            env, NS, " ".join(user or []), CONNMON, top_args)
        cmd = "%s 2>%s.err; echo $? > %s; sleep 120" % (inner, self.exit_file, self.exit_file)
        tmux("new-session", "-d", "-s", name, "-x", str(cols), "-y", str(rows), cmd)

    def keys(self, *keys, pause=0.3):
        for k in keys:
            tmux("send-keys", "-t", self.name, k)
            time.sleep(0.05)
        time.sleep(pause)

    def literal(self, text, pause=0.3):
        tmux("send-keys", "-t", self.name, "-l", text)
        time.sleep(pause)

    def text(self):
        return tmux("capture-pane", "-p", "-t", self.name).stdout

    def escaped(self):
        return tmux("capture-pane", "-p", "-e", "-t", self.name).stdout

    def wait(self, pattern, timeout=8.0):
        """The screen once it matches pattern (a regex), or the last screen seen."""
        end = time.monotonic() + timeout
        text = ""
        while time.monotonic() < end:
            text = self.text()
            if re.search(pattern, text, re.M):
                return text
            time.sleep(0.2)
        return text

    def exit_code(self, timeout=8.0):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if os.path.exists(self.exit_file):
                with open(self.exit_file) as f:
                    data = f.read().strip()
                if data:
                    return int(data)
            time.sleep(0.2)
        return None


def tmux(*args):
    return sh("tmux", "-L", SOCK, *args, check_rc=False)


def start_tmux_server():
    """A tmux server of our own.  It calls daemon(3), which wants /dev/null to be
    the character device: when the machine's is not, the server runs in a mount
    namespace of its own with a real one bound over it (nothing else changes)."""
    if os.path.exists("/dev/null") and stat.S_ISCHR(os.stat("/dev/null").st_mode):
        tmux("start-server", ";", "new-session", "-d", "-s", "keep", "sleep 600")
        return
    node = os.path.join(TMP, "devnull")
    script = ("mknod %s c 1 3 && chmod 666 %s && mount --bind %s /dev/null && "
              "exec tmux -L %s new-session -d -s keep 'sleep 600'") % (node, node, node, SOCK)
    sh("unshare", "-m", "sh", "-c", script)


def count_lines(out):
    return len([line for line in out.splitlines() if line.strip()])


def sockets_count(*filt, flags="-tuwa"):
    return count_lines(in_ns(CONNMON, "sockets", flags, "-H", *filt).stdout)


def summary():
    return json.loads(in_ns(CONNMON, "summary", "--json").stdout)


def title_count(text, view):
    m = re.search(r"^%s: (\d+)" % view, text, re.M)
    return int(m.group(1)) if m else None


def overview_value(text, item):
    m = re.search(r"^\s*\S+\s+%s\s+(\d+)" % re.escape(item), text, re.M)
    return int(m.group(1)) if m else None


def test_views(s, size):
    """Every view at this size; numbers against sockets/summary at the same moment."""
    s.keys("1")
    text = s.wait(r"^overview: \d+ TCP")
    sm = summary()
    walked = sm["walked"]["tcp"]
    check("%s overview TCP total = summary" % size,
          overview_value(text, "TCP (v4 %d / v6 %d)" % (walked["ipv4"], walked["ipv6"]))
          == sm["tcp_total"], text.splitlines()[5:9])
    for state, key in (("ESTAB", "ESTABLISHED"), ("CLOSE-WAIT", "CLOSE_WAIT"),
                       ("LISTEN", "LISTEN"), ("FIN-WAIT-2", "FIN_WAIT2")):
        check("%s overview %s = summary" % (size, state),
              overview_value(text, state) == sm["tcp_states"][key]["count"],
              (overview_value(text, state), sm["tcp_states"][key]["count"]))
    check("%s overview: the CLOSE-WAIT holder, escaped" % size, "cmtop\\x1bfix" in text)
    s.keys("2")
    text = s.wait(r"^sockets: \d+")
    check("%s sockets count = connmon sockets -tuwa" % size,
          title_count(text, "sockets") == sockets_count(),
          (title_count(text, "sockets"), sockets_count()))
    check("%s sockets: the escape byte is shown escaped" % size, "cmtop\\x1b" in text)
    s.keys("6")
    text = s.wait(r"^listeners: \d+")
    want = sockets_count(flags="-tuwl")
    check("%s listeners count = connmon sockets -tuwl" % size,
          title_count(text, "listeners") == want, (title_count(text, "listeners"), want))
    row = [line for line in text.splitlines() if " 7004 " in line]
    check("%s listeners: 7004's accept queue 3 of 8" % size,
          bool(row) and re.search(r"\b3\s+8\b", row[0]) is not None, row)
    s.keys("5")
    text = s.wait(r"^interfaces: \d+")
    check("%s ifaces: lo listed" % size, re.search(r"^\s*lo\s", text, re.M) is not None)
    for k in "1234567":
        s.keys(k, pause=0.2)
        check("%s view %s draws its header" % (size, k),
              re.search(r"connmon top .*every", s.text()) is not None)


def test_sort_search_drill(s):
    s.keys("2")
    s.wait(r"^sockets: \d+")
    for _ in range(3):  # the module's order -> Proto -> State -> Recv-Q
        s.keys(">")
    text = s.text()
    check("sort: the indicator on Recv-Q", re.search("Recv-Q?\u25bc", text) is not None,
          text.splitlines()[4])
    rows = [line for line in text.splitlines()[5:] if line.strip()]
    check("sort: the largest Recv-Q (7004's queue of 3) first",
          bool(rows) and ":7004" in rows[0] and "LISTEN" in rows[0], rows[:2])
    s.keys("r")
    text = s.text()
    check("reverse: the indicator turns", re.search("Recv-Q?\u25b2", text) is not None)
    s.keys("r", "<", "<", "<")
    s.keys("/")
    s.literal("7004")
    s.keys("Enter")
    esc = s.escaped()
    sel = [line for line in esc.splitlines()[5:] if SELECTED.match(line)]
    check("search: the selected row is the match",
          len(sel) == 1 and "7004" in sel[0] and "LISTEN" in sel[0], sel[:2])
    s.keys("Enter")
    text = s.wait(r"pid \d+ \(")
    m = re.search(r"^sockets: (\d+).*pid (\d+) \(", text, re.M)
    check("drill-down: the process's sockets", m is not None and int(m.group(2)) == FIX_PID,
          text.splitlines()[2])
    procs = in_ns(CONNMON, "sockets", "-tuwap", "-H").stdout
    want = len([line for line in procs.splitlines() if "pid=%d," % FIX_PID in line])
    check("drill-down: as many as connmon sockets -p shows for the pid",
          m is not None and int(m.group(1)) == want, (m and m.group(1), want))
    s.keys("Escape")
    text = s.wait(r"^sockets: \d+$")
    check("Esc backs out of the drill-down", re.search(r"^sockets: \d+$", text, re.M) is not None)


def test_filter(s):
    s.keys("2")
    s.keys("f")
    s.literal("dport = :zz")
    s.keys("Enter")
    text = s.text()
    want = in_ns(CONNMON, "sockets", "dport", "=", ":zz", check_rc=False).stderr.splitlines()
    caret = [line.rstrip() for line in want if line.strip().startswith("^")]
    got = [line.rstrip() for line in text.splitlines()]
    check("bad filter: the message", any("bad filter:" in line for line in got), got[-4:])
    check("bad filter: the same caret line as connmon sockets",
          bool(caret) and caret[0] in got and "  dport = :zz" in got, (caret, got[-3:]))
    s.keys("f")
    for _ in range(20):
        tmux("send-keys", "-t", s.name, "BSpace")
    s.literal("sport = :7001")
    s.keys("Enter")
    text = s.wait(r"^sockets: \d+ \(filter: sport = :7001\)")
    want = sockets_count("sport", "=", ":7001")
    check("filter: the count equals connmon sockets with the filter",
          title_count(text, "sockets") == want, (title_count(text, "sockets"), want))
    s.keys("f")
    for _ in range(20):
        tmux("send-keys", "-t", s.name, "BSpace")
    s.keys("Enter")
    s.wait(r"^sockets: \d+$")


def test_pause(s, fixture):
    s.keys("2")
    before = title_count(s.wait(r"^sockets: \d+$"), "sockets")
    s.keys("p")
    check("pause: the marker", "[PAUSED]" in s.text())
    fixture.stdin.write("open\n")
    fixture.stdin.flush()
    fixture.stdout.readline()
    time.sleep(1.5)
    check("pause: the rows are held", title_count(s.text(), "sockets") == before)
    s.keys("p")
    text = s.wait(r"^sockets: %d$" % (before + 2))
    check("resume: the new pair shows", title_count(text, "sockets") == before + 2,
          (title_count(text, "sockets"), before))


def test_kill(s):
    s.keys("2", "f")
    for _ in range(20):
        tmux("send-keys", "-t", s.name, "BSpace")
    s.literal("dport = :7005")
    s.keys("Enter")
    text = s.wait(r"^sockets: 1 \(filter")
    s.keys("k")
    text = s.text()
    check("kill: asks first", "Kill 1 TCP socket?" in text and "[y/N]" in text)
    s.keys("y", pause=0.5)
    text = s.text()
    if "CONFIG_INET_DIAG_DESTROY" in text:
        log("skip kill: the kernel cannot destroy sockets")
        return
    check("kill: done", "killed 1 of 1 socket" in text, text.splitlines()[-1])
    check("kill: the socket is gone", sockets_count("dport", "=", ":7005") == 0)


def test_resize(s):
    tmux("resize-window", "-t", s.name, "-x", "200", "-y", "50")
    s.keys("2")
    text = s.wait(r"RTT-ms")
    lines = text.splitlines()
    check("resize to 200x50: 50 lines, the wide columns", len(lines) >= 49 and "RTT-ms" in text,
          len(lines))
    tmux("resize-window", "-t", s.name, "-x", "80", "-y", "24")
    time.sleep(0.8)
    text = s.text()
    check("back to 80x24: the rtt column dropped", "RTT-ms" not in text and "Process" in text)


def test_mono_ascii():
    s = Screen("mono", 80, 24, "--ascii -i 0.5 --view sockets --sort recv-q",
               env="LANG=C.UTF-8 NO_COLOR=1")
    text = s.wait(r"^sockets: \d+")
    rows = [line for line in text.splitlines()[5:] if line.strip()]
    check("--view sockets --sort recv-q: the view, the ASCII indicator, 7004 first",
          re.search(r"Recv-Q?v", text) is not None and bool(rows) and ":7004" in rows[0],
          rows[:1])
    s.keys("h", pause=0.6)
    esc = s.escaped()
    colours = [c for c in COLOUR_SGR.findall(esc)
               if any(p and int(p) not in (39, 49) and (30 <= int(p) <= 49 or 90 <= int(p) <= 107)
                      for p in c.split(";"))]
    check("NO_COLOR: no colour escapes", not colours, colours[:5])
    check("--ascii: no line drawing", not LINE_DRAWING.search(esc), LINE_DRAWING.findall(esc)[:5])
    check("--ascii: the help box in ASCII", "+---" in esc and "connmon top: keys" in esc)
    check("NO_COLOR: attributes still mark the header", "\x1b[7m" in esc or "\x1b[1m" in esc)
    s.keys("q", "q")
    check("mono session quits with 0", s.exit_code() == 0)


def test_block():
    """b as connmon block does it: asked first, then the responder's verdict (a loopback
    peer is allowlisted; nftables and the database are the namespace's and the test's)."""
    db = os.path.join(TMP, "top.db")
    s = Screen("block", 100, 24, "-i 0.5 --db %s --view sockets dport = :7001" % db)
    s.wait(r"^sockets: \d+ \(filter")
    s.keys("b")
    check("block: asks first", "Block 127.0.0.1 in nftables until unblocked?" in s.text())
    s.keys("n")
    check("block: n blocks nothing", "nothing blocked" in s.text())
    s.keys("b", "y", pause=1.0)
    last = s.text().rstrip().splitlines()[-1]
    check("block: a loopback peer is refused as connmon block refuses it",
          "not blocked: 127.0.0.1: refused: allowlisted" in last, last)
    s.keys("q")
    check("block session quits with 0", s.exit_code() == 0)


def test_refusals():
    s = Screen("nobody", 80, 24, "-i 0.5", user=["setpriv", "--reuid=65534", "--regid=65534",
                                                  "--clear-groups", "--inh-caps=-all"])
    s.wait(r"^overview")
    s.keys("2", "/")
    s.literal("7001")
    s.keys("Enter", "k")
    check("kill refused without CAP_NET_ADMIN", "needs CAP_NET_ADMIN" in s.text(),
          s.text().splitlines()[-1])
    s.keys("b")
    check("block refused without CAP_NET_ADMIN", "needs CAP_NET_ADMIN" in s.text(),
          s.text().splitlines()[-1])
    s.keys("q")
    check("unprivileged session quits with 0", s.exit_code() == 0)


def setup_ns():
    sh("ip", "netns", "add", NS)
    in_ns("ip", "link", "set", "lo", "up")
    fixture = subprocess.Popen(["ip", "netns", "exec", NS, sys.executable,
                                os.path.join(HERE, "fixture.py")],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    line = fixture.stdout.readline().split()
    if len(line) != 2 or line[0] != "ready":
        raise RuntimeError("the fixture did not start")
    return fixture, int(line[1])


def run():
    global FIX_PID
    fixture, FIX_PID = setup_ns()
    try:
        start_tmux_server()
        s = Screen("main", 80, 24, "-i 0.5")
        text = s.wait(r"^overview: \d+ TCP")
        check("starts in the overview at 80x24", "overview:" in text, text[:200])
        check("UTF-8 control: tabs drawn with line drawing", "\u2502" in text)
        test_views(s, "80x24")
        test_sort_search_drill(s)
        test_filter(s)
        test_pause(s, fixture)
        test_resize(s)
        tmux("resize-window", "-t", s.name, "-x", "200", "-y", "50")
        time.sleep(0.5)
        test_views(s, "200x50")
        tmux("resize-window", "-t", s.name, "-x", "80", "-y", "24")
        test_kill(s)
        s.keys("q")
        check("q quits with exit code 0", s.exit_code() == 0, s.exit_code())
        with open(s.exit_file + ".err") as f:
            err = f.read()
        check("nothing on stderr after the screen (no sanitizer report)", not err.strip(),
              err[:500])
        test_mono_ascii()
        test_block()
        test_refusals()
    finally:
        tmux("kill-server")
        # a server in a mount namespace of its own may leave its socket behind
        sock = os.path.join(os.environ.get("TMUX_TMPDIR", "/tmp"), "tmux-%d" % os.getuid(), SOCK)
        if os.path.exists(sock):
            os.unlink(sock)
        if fixture.poll() is None:
            fixture.kill()
        fixture.wait(timeout=5)
        sh("ip", "netns", "del", NS, check_rc=False)


def main():
    global CONNMON, TMP
    if os.geteuid() != 0:
        log("skip: needs root (network namespaces)")
        return 77
    if not shutil.which("tmux") or not shutil.which("unshare"):
        log("skip: needs tmux and unshare")
        return 77
    CONNMON = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory(prefix="cmtop") as TMP:
        run()
    if FAILURES:
        log("%d check(s) failed: %s" % (len(FAILURES), ", ".join(FAILURES)))
        return 1
    log("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
