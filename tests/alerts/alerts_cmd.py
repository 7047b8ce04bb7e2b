#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The alert path end to end, with a rule of the config that a test listener makes true:

- the agent fires it after its hold time, records it; `connmon alerts` lists it, its JSON
  parses and carries the documented keys; the overview's Warnings show it;
- `connmon check` exits 1 (WARNING) with the Nagios status line and perfdata, `--rule` of a
  quiet rule exits 0, `--json` parses, a bad config exits 3 naming file:line:key;
- the listener closes: the alert resolves after its clear time (`alerts --all`);
- connmon_alerts_firing{rule,severity} went 1 then 0 in the database;
- the report draws the alert as a mark; SIGTERM exits 0.
Runs in a network namespace it creates.  Exit 77 without root.
"""

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time

CM = os.path.abspath(sys.argv[1])
NS = f"cmalert{os.getpid()}"
FAILS = []

CONF = """[rule "test_listen"]
series = connmon_tcp_sockets{state="listen"}
above = 0
for = 2s
clear_for = 1s
severity = warning

[rule "quiet"]
series = connmon_tcp_sockets{state="syn_recv"}
above = 1000
"""


def check(cond, what):
    print(("ok: " if cond else "FAIL: ") + what, flush=True)
    if not cond:
        FAILS.append(what)


def run(*args, timeout=30):
    return subprocess.run(["ip", "netns", "exec", NS, CM, *args], capture_output=True, text=True,
                          timeout=timeout)


def wait_for(fn, seconds):
    end = time.time() + seconds
    while time.time() < end:
        v = fn()
        if v:
            return v
        time.sleep(0.25)
    return None


def firing(db):
    r = run("alerts", "--db", db, "--json")
    if r.returncode != 0:
        return None
    ev = [e for e in json.loads(r.stdout) if e["rule"] == "test_listen"]
    return ev or None


def events(db):
    r = run("alerts", "--db", db, "--all", "--json")
    return json.loads(r.stdout) if r.returncode == 0 else []


def phase_firing(tmp, db, conf, t_start):
    ev = wait_for(lambda: firing(db), 15)
    check(ev is not None, "the rule fires and `connmon alerts` lists it")
    if not ev:
        return
    e = ev[0]
    for key in ("id", "time", "rule", "severity", "status", "subject", "value", "threshold",
                "started_at", "summary", "actions"):
        check(key in e, f"the event has '{key}'")
    check(e["status"] == "firing" and e["severity"] == "warning" and e["value"] >= 1 and
          e["threshold"] == 0, f"firing, warning, value >= 1 over 0 ({e})")
    r = run("alerts", "--db", db)
    check(r.returncode == 0 and "test_listen" in r.stdout and "firing" in r.stdout,
          "the text lists the firing alert")
    r = run("--db", db)
    check("test_listen" in r.stdout and "Warnings" in r.stdout,
          f"the overview's Warnings show it ({r.stdout[-300:]!r})")
    r = run("check", "--config", conf, "--db", db)
    first = r.stdout.splitlines()[0] if r.stdout else ""
    check(r.returncode == 1 and first.startswith("CONNMON WARNING - test_listen") and " | " in first
          and "established=" in first, f"check: exit 1, status line with perfdata ({r.returncode}: {first})")
    r = run("check", "--config", conf, "--db", db, "--rule", "quiet")
    check(r.returncode == 0 and r.stdout.startswith("CONNMON OK"),
          f"check --rule quiet: only that rule, the agent's included: OK ({r.returncode}: {r.stdout!r})")
    r = run("check", "--config", conf, "--db", db, "--rule", "test_listen")
    check(r.returncode == 1 and "(agent)" in r.stdout,
          f"check --rule test_listen: ours and the agent's ({r.returncode}: {r.stdout!r})")
    r = run("check", "--config", conf, "--rule", "quiet", "--db", os.path.join(tmp, "none.db"))
    check(r.returncode == 0 and r.stdout.startswith("CONNMON OK"),
          f"check --rule quiet without a database: OK ({r.returncode}: {r.stdout!r})")
    r = run("check", "--config", conf, "--db", db, "--json")
    try:
        doc = json.loads(r.stdout)
        check(doc["code"] == 1 and doc["status"] == "WARNING" and
              any(a["rule"] == "test_listen" for a in doc["alerts"]) and
              any(a["rule"] == "test_listen" for a in doc["agent_alerts"]) and
              any(x["name"] == "quiet" for x in doc["rules"]), "check --json")
    except (ValueError, KeyError) as ex:
        check(False, f"check --json parses ({ex}: {r.stdout[:200]!r})")


def bad_config(tmp):
    bad = os.path.join(tmp, "bad.conf")
    with open(bad, "w") as f:
        f.write('[rule "x"]\nseries = connmon_tcp_sockets\nabove = lots\n')
    r = run("check", "--config", bad)
    check(r.returncode == 3 and f"{bad}:3:" in r.stdout and "above" in r.stdout,
          f"check: a bad rule is UNKNOWN naming file:line:key ({r.returncode}: {r.stdout!r})")
    r = run("agent", "--config", bad, "--once")
    check(r.returncode == 2 and f"{bad}:3:" in r.stderr and "above" in r.stderr,
          f"agent: a bad rule exits 2 naming file:line:key ({r.returncode}: {r.stderr!r})")


def firing_series(db):
    con = sqlite3.connect(db)
    rows = con.execute("SELECT labels FROM series WHERE name = 'connmon_alerts_firing'").fetchall()
    con.close()
    return [r[0] for r in rows]


def main():
    if os.geteuid() != 0:
        print("skip: needs root (network namespaces)")
        return 77
    subprocess.run(["ip", "netns", "add", NS], check=True)
    tmp = tempfile.mkdtemp(prefix="cmalert")
    agent = listener = None
    try:
        subprocess.run(["ip", "-n", NS, "link", "set", "lo", "up"], check=True)
        conf = os.path.join(tmp, "c.conf")
        with open(conf, "w") as f:
            f.write(CONF)
        db = os.path.join(tmp, "h.db")
        bad_config(tmp)
        listener = subprocess.Popen(
            ["ip", "netns", "exec", NS, "python3", "-c",
             "import socket,time\ns=socket.socket()\ns.bind(('127.0.0.1',7001))\ns.listen()\n"
             "time.sleep(60)"])
        t_start = time.time()
        agent = subprocess.Popen(["ip", "netns", "exec", NS, CM, "agent", "--config", conf, "--db",
                                  db, "--listen", "off", "--interval", "1"],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        phase_firing(tmp, db, conf, t_start)
        listener.terminate()
        listener.wait(timeout=10)
        listener = None
        ok = wait_for(lambda: [e for e in events(db) if e["rule"] == "test_listen" and
                               e["status"] == "resolved"], 15)
        check(bool(ok), "the alert resolves once the listener is gone")
        r = run("alerts", "--db", db)
        check("test_listen" not in r.stdout, "nothing of it fires any more")
        time.sleep(2.5)  # a flush
        labels = firing_series(db)
        check(any('rule="test_listen"' in l and 'severity="warning"' in l for l in labels),
              f"connmon_alerts_firing{{rule,severity}} recorded ({labels})")
        svg = os.path.join(tmp, "r.svg")
        r = run("report", "--db", db, "--since", "-10m", "-o", svg)
        body = open(svg).read() if r.returncode == 0 else ""
        check("cm-mark" in body and "test_listen" in body, "the report marks the alert")
        agent.send_signal(signal.SIGTERM)
        out, err = agent.communicate(timeout=20)
        check(agent.returncode == 0, f"SIGTERM: exit 0 ({agent.returncode}: {err[-300:]})")
        check("alert warning: test_listen" in err and "alert resolved: test_listen" in err,
              "the log has the alert and its resolution")
        agent = None
    finally:
        for p in (agent, listener):
            if p:
                p.kill()
                p.wait()
        subprocess.run(["ip", "netns", "del", NS])
        subprocess.run(["rm", "-rf", tmp])
    print(f"{len(FAILS)} failed" if FAILS else "all ok")
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
