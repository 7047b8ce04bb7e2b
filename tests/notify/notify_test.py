#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The alert sinks end to end, with notify_drive submitting the events.

Inside a network namespace this test creates (loopback only): a real
Alertmanager (Debian's prometheus-alertmanager, its own config and storage)
receives two alerts and then their resolution; a webhook server that fails
its first two POSTs gets the third (retries) and one POST for a burst of 20
offenders; an Alertmanager that is down is retried, then given up and
reported.  Outside it: the exec sink's command gets the JSON on stdin and a
command that hangs is killed at the timeout; a fake sendmail (the system's
sendmail interface) writes the mail it is given to a file; the file sink;
syslog through a socket of the test's own mounted on /dev/log in a private
mount namespace.  Exit 77 without root or `ip netns`.
"""

import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

DRIVE = os.path.abspath(sys.argv[1])
NS = "cmnotify%d" % os.getpid()
FAILS = []

HOOK = r"""
import http.server, json, sys
port, out = int(sys.argv[1]), sys.argv[2]
posts = 0
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        global posts
        posts += 1
        body = self.rfile.read(int(self.headers["Content-Length"]))
        with open(out, "a") as f:
            f.write(json.dumps({"n": posts, "path": self.path,
                                "type": self.headers["Content-Type"],
                                "body": body.decode()}) + "\n")
        self.send_response(500 if posts <= 2 else 200)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", port), H)
print("ready", flush=True)
s.timeout = 1
for _ in range(120):
    s.handle_request()
"""

SENDMAIL = """#!/bin/sh
printf '%s\\n' "$*" > "$0.args"
cat > "$0.mail"
"""


def check(cond, what):
    print(("ok: " if cond else "FAIL: ") + what, flush=True)
    if not cond:
        FAILS.append(what)


def in_ns(*args):
    return ["ip", "netns", "exec", NS, *args]


def drive(args, ns=True, prefix=None, timeout=60):
    """Runs the driver; returns (exit code, {sink: stats}, stderr, seconds)."""
    cmd = [DRIVE, *args]
    if prefix:
        cmd = prefix + cmd
    elif ns:
        cmd = in_ns(*cmd)
    t0 = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    took = time.monotonic() - t0
    stats = {}
    for line in p.stdout.splitlines():
        try:
            s = json.loads(line)
            stats[s["sink"]] = s
        except (ValueError, KeyError):
            pass
    if p.returncode not in (0, 1):
        print(p.stderr, file=sys.stderr)
    return p.returncode, stats, p.stderr, took


def ns_get(url):
    """GET url from inside the namespace; the parsed JSON or None."""
    code = ("import sys,urllib.request;"
            "sys.stdout.write(urllib.request.urlopen(sys.argv[1],timeout=5).read().decode())")
    p = subprocess.run(in_ns(sys.executable, "-c", code, url), capture_output=True, text=True,
                       timeout=20)
    try:
        return json.loads(p.stdout)
    except ValueError:
        return None


def wait_port(port, deadline_s=20):
    code = ("import socket,sys;s=socket.socket();s.settimeout(1);"
            "sys.exit(s.connect_ex(('127.0.0.1',%d)))" % port)
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if subprocess.run(in_ns(sys.executable, "-c", code)).returncode == 0:
            return True
        time.sleep(0.2)
    return False


def test_webhook(tmp):
    port = random.randint(20000, 29999)
    out = os.path.join(tmp, "hook.jsonl")
    srv = subprocess.Popen(in_ns(sys.executable, "-c", HOOK, str(port), out),
                           stdout=subprocess.PIPE, text=True)
    try:
        srv.stdout.readline()
        rc, st, err, took = drive(["-s", "webhook=http://127.0.0.1:%d/hook" % port,
                                   "-s", "webhook_severity=info", "-s", "group_wait=1s",
                                   "-s", "retry_backoff=0.2s", "-n", "20"])
    finally:
        srv.kill()
        srv.wait()
    posts = [json.loads(line) for line in open(out)] if os.path.exists(out) else []
    check(rc == 0, "webhook: the driver delivered everything (exit %d)" % rc)
    check(len(posts) == 3, "webhook: 3 POSTs for a burst of 20 with 2 failures (got %d)"
          % len(posts))
    if posts:
        last = json.loads(posts[-1]["body"])
        addrs = sorted(e["subject"]["addr"] for e in last)
        check(len(last) == 20 and addrs == sorted("10.0.0.%d" % i for i in range(1, 21)),
              "webhook: the third POST holds the 20 offenders as one JSON array")
        check(all(p["body"] == posts[0]["body"] for p in posts), "webhook: retries send the same body")
        check(posts[0]["type"] == "application/json" and posts[0]["path"] == "/hook",
              "webhook: POST /hook with Content-Type application/json")
    w = st.get("webhook", {})
    check(w.get("sent") == 20 and w.get("failed") == 2 and w.get("dropped") == 0,
          "webhook: stats sent 20, failed 2, dropped 0 (%s)" % w)
    check("HTTP status 500" in w.get("last_error", ""), "webhook: the last error names the status")
    check(err.count("retrying in") == 2, "webhook: each failure logged with its retry")


def am_alerts(port):
    data = ns_get("http://127.0.0.1:%d/api/v2/alerts" % port)
    return [a for a in data or [] if a["labels"].get("alertname") == "notify_test"]


def test_alertmanager(tmp):
    if not shutil.which("prometheus-alertmanager"):
        print("skip: Alertmanager (prometheus-alertmanager is not installed)")
        return
    port = random.randint(30000, 39999)
    cfg = os.path.join(tmp, "am.yml")
    with open(cfg, "w") as f:
        f.write("route:\n  receiver: none\n  group_wait: 1s\nreceivers:\n  - name: none\n")
    am = subprocess.Popen(in_ns("prometheus-alertmanager", "--config.file=" + cfg,
                                "--storage.path=" + os.path.join(tmp, "am-data"),
                                "--web.listen-address=127.0.0.1:%d" % port,
                                "--cluster.listen-address="),
                          stdout=subprocess.DEVNULL, stderr=open(os.path.join(tmp, "am.log"), "w"))
    try:
        if not wait_port(port):
            check(False, "Alertmanager listens")
            return
        url = "http://127.0.0.1:%d" % port
        d = subprocess.Popen(in_ns(DRIVE, "-s", "alertmanager=" + url, "-s", "group_wait=0.5s",
                                   "-r", "notify_test", "-S", "critical", "-n", "2",
                                   "-R", "6000"),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        firing, end = [], time.monotonic() + 5
        while len(firing) < 2 and time.monotonic() < end:
            time.sleep(0.3)
            firing = am_alerts(port)
        check(len(firing) == 2, "Alertmanager: both alerts firing (%d)" % len(firing))
        if firing:
            a = sorted(firing, key=lambda x: x["labels"]["addr"])[0]
            lab = a["labels"]
            check(lab.get("severity") == "critical" and lab.get("addr") == "10.0.0.1"
                  and lab.get("instance") == socket.gethostname(),
                  "Alertmanager: labels alertname, severity, addr, instance (%s)" % lab)
            check("holds" in a["annotations"].get("summary", "")
                  and "threshold 50" in a["annotations"].get("description", ""),
                  "Alertmanager: annotations summary and description")
            check(a["status"]["state"] == "active", "Alertmanager: the alert is active")
            check(a.get("generatorURL", "").startswith("connmon://"), "Alertmanager: generatorURL")
        out, err = d.communicate(timeout=30)
        check(d.returncode == 0, "Alertmanager: the driver delivered everything")
        st = {json.loads(l)["sink"]: json.loads(l) for l in out.splitlines()}
        check(st["alertmanager"]["sent"] == 4, "Alertmanager: 2 firing + 2 resolved sent (%s)"
              % st["alertmanager"])
        left, end = am_alerts(port), time.monotonic() + 5
        while left and time.monotonic() < end:
            time.sleep(0.3)
            left = am_alerts(port)
        check(firing and not left, "Alertmanager: the resolution ended both alerts (%s)"
              % [(a["endsAt"], a["status"]) for a in left])
    finally:
        am.terminate()
        am.wait(timeout=10)
    # down: nothing listens on port 1 in the namespace
    rc, st, err, took = drive(["-s", "alertmanager=http://127.0.0.1:1", "-s", "group_wait=0s",
                               "-s", "retries=2", "-s", "retry_backoff=0.2s", "-n", "3"])
    a = st.get("alertmanager", {})
    check(a.get("sent") == 0 and a.get("failed") == 3 and a.get("dropped") == 3,
          "Alertmanager down: 3 attempts, then the 3 events dropped (%s)" % a)
    check("giving up on 3 event(s) after 3 attempt(s)" in err, "Alertmanager down: reported in the log")
    check("Connection refused" in a.get("last_error", "") or "connect" in a.get("last_error", ""),
          "Alertmanager down: the error says why (%s)" % a.get("last_error"))


def test_exec(tmp):
    out = os.path.join(tmp, "exec.out")
    rc, st, err, _ = drive(["-s", "exec=cat > %s; echo $CONNMON_ALERTS > %s.count" % (out, out),
                            "-s", "group_wait=0.5s", "-n", "3"], ns=False)
    lines = open(out).read().splitlines() if os.path.exists(out) else []
    events = [json.loads(line) for line in lines]
    check(rc == 0 and len(events) == 3 and events[2]["subject"]["addr"] == "10.0.0.3",
          "exec: one run got the 3 events as JSON lines on stdin")
    check(os.path.exists(out + ".count") and open(out + ".count").read().strip() == "3",
          "exec: CONNMON_ALERTS holds the count")
    mark = "cmnotify_hang_%d" % os.getpid()
    rc, st, err, took = drive(["-s", "exec=sleep 30; : %s" % mark, "-s", "timeout=1s",
                               "-s", "retries=0", "-s", "group_wait=0s"], ns=False)
    e = st.get("exec", {})
    check(e.get("failed") == 1 and e.get("dropped") == 1 and took < 10,
          "exec: a hanging command is killed at the timeout (%.1fs, %s)" % (took, e))
    check("killed" in e.get("last_error", ""), "exec: the error says it was killed")
    left = subprocess.run(["pgrep", "-f", mark], capture_output=True, text=True).stdout.split()
    check(not left, "exec: no process of the hanging command is left")
    rc, st, err, _ = drive(["-s", "exec=exit 3", "-s", "retries=0", "-s", "group_wait=0s"],
                           ns=False)
    check("exited with status 3" in st.get("exec", {}).get("last_error", ""),
          "exec: a failing command's status is reported")


def test_mail(tmp):
    prog = os.path.join(tmp, "sendmail")
    with open(prog, "w") as f:
        f.write(SENDMAIL)
    os.chmod(prog, 0o755)
    rc, st, err, _ = drive(["-s", "sendmail=" + prog, "-s", "mail_to=ops@example.org",
                            "-s", "mail_severity=warning", "-s", "group_wait=0.5s",
                            "-S", "critical", "-n", "5"], ns=False)
    mail = open(prog + ".mail").read() if os.path.exists(prog + ".mail") else ""
    args = open(prog + ".args").read().split() if os.path.exists(prog + ".args") else []
    head, _, body = mail.partition("\n\n")
    check(args == ["-t", "-i"], "mail: sendmail run as sendmail -t -i (%s)" % args)
    check("To: ops@example.org" in head.splitlines(), "mail: To header")
    check(("Subject: [connmon %s] 5 alerts (5 firing, 0 resolved): per_ip_connections"
           % socket.gethostname()) in head.splitlines(), "mail: one mail, its Subject counts 5")
    check(all("10.0.0.%d holds" % i in body for i in range(1, 6)),
          "mail: the body lists the 5 offenders readably")
    js = [json.loads(l) for l in body.splitlines() if l.startswith("{")]
    check(len(js) == 5, "mail: the body holds the 5 events as JSON lines")
    check(st.get("mail", {}).get("sent") == 5, "mail: stats sent 5")


def test_file(tmp):
    path = os.path.join(tmp, "alerts.jsonl")
    rc, st, err, _ = drive(["-s", "file=" + path, "-n", "3", "-R", "200", "-S", "info"],
                           ns=False)
    evs = [json.loads(l) for l in open(path)] if os.path.exists(path) else []
    check([e["status"] for e in evs] == ["firing"] * 3 + ["resolved"] * 3,
          "file: 3 firing and 3 resolved lines")


def test_syslog(tmp):
    if not shutil.which("unshare"):
        print("skip: syslog (no unshare)")
        return
    sock_path = os.path.join(tmp, "log")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(sock_path)
    s.settimeout(5)
    script = ("mount -t tmpfs none /dev && : > /dev/log && mount --bind %s /dev/log && exec %s "
              "-s syslog=warning -S critical -n 2" % (sock_path, DRIVE))
    rc, st, err, _ = drive([], prefix=["unshare", "-m", "--propagation", "private", "sh", "-c",
                                       script + " #"], ns=False)
    msgs = []
    try:
        while len(msgs) < 2:
            msgs.append(s.recv(65536).decode())
    except socket.timeout:
        pass
    s.close()
    check(len(msgs) == 2 and all(m.startswith("<26>") for m in msgs),
          "syslog: 2 messages at daemon.crit (%s)" % [m[:60] for m in msgs])
    check(msgs and '"rule":"per_ip_connections"' in msgs[0], "syslog: the message holds the JSON")


def main():
    if os.geteuid() != 0 or not shutil.which("ip"):
        print("skip: needs root and ip netns")
        return 77
    tmp = tempfile.mkdtemp(prefix="cmnotify")
    os.chmod(tmp, 0o755)
    subprocess.run(["ip", "netns", "add", NS], check=True)
    try:
        subprocess.run(in_ns("ip", "link", "set", "lo", "up"), check=True)
        for t in (test_webhook, test_exec, test_mail, test_file, test_syslog, test_alertmanager):
            t(tmp)
    finally:
        subprocess.run(["ip", "netns", "del", NS])
        shutil.rmtree(tmp, ignore_errors=True)
    if FAILS:
        print("%d check(s) failed" % len(FAILS))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
