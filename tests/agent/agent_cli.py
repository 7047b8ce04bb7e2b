#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The agent's bad input, its lock, its signals and its listener, as a user meets them.

- every bad config (unknown key, section, value, duplicate) exits 2 naming file:line and the key;
- a missing or read-only database directory, a corrupt file, a database from a newer
  version: exit 1 naming the path, the file untouched;
- a second agent on one database exits 1 naming the first one's PID;
- the metrics port in use: the agent says metrics are off and keeps recording;
- SIGHUP with a bad config keeps the running config (logged); with a good one it applies it;
- SIGTERM exits 0 and the last samples are in the database.
Runs in a network namespace it creates (the listeners are on its loopback).  Exit 77 without root.
"""

import hashlib
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

CM = os.path.abspath(sys.argv[1])
NS = f"cmcli{os.getpid()}"
FAILS = []


def check(cond, what):
    print(("ok: " if cond else "FAIL: ") + what, flush=True)
    if not cond:
        FAILS.append(what)


def run(*args, timeout=30):
    return subprocess.run(["ip", "netns", "exec", NS, CM, *args], capture_output=True, text=True,
                          timeout=timeout)


def start(*args):
    return subprocess.Popen(["ip", "netns", "exec", NS, CM, *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def bad_configs(tmp):
    cases = [
        ("[agent]\nintervall = 1\n", 2, "intervall"),
        ("[agnet]\ninterval = 1\n", 1, "agnet"),
        ("[agent]\n\ninterval = 2x\n", 3, "interval"),
        ("[agent]\ninterval = 1\ninterval = 2\n", 3, "interval"),
        ("[store]\nmax_size = lots\n", 2, "max_size"),
        ("[series]\nports = -1\n", 2, "ports"),
        ("[agent]\nlisten = 10.1.2.3:9556\n", 2, "listen"),
        ("[agent]\nlog_level = chatty\n", 2, "log_level"),
    ]
    for text, line, key in cases:
        conf = os.path.join(tmp, "bad.conf")
        write(conf, text)
        r = run("agent", "--config", conf, "--db", os.path.join(tmp, "x.db"))
        msg = r.stderr.strip()
        check(r.returncode == 2 and f"{conf}:{line}:" in msg and key in msg,
              f"bad config {text!r} -> exit 2 naming {conf}:{line} and '{key}' (got {r.returncode}: {msg})")
    r = run("agent", "--config", os.path.join(tmp, "none.conf"))
    check(r.returncode == 2 and "none.conf" in r.stderr, "a missing --config file is named, exit 2")
    r = run("agent", "--interval", "0.01", "--once")
    check(r.returncode == 2 and "--interval" in r.stderr, "--interval out of range names the option")


def bad_databases(tmp, conf):
    r = run("agent", "--config", conf, "--db", os.path.join(tmp, "nodir", "x.db"))
    check(r.returncode == 1 and "nodir" in r.stderr, f"a missing directory is named (got {r.stderr.strip()})")
    ro = os.path.join(tmp, "ro")
    os.mkdir(ro)
    os.chmod(ro, 0o555)
    r = subprocess.run(["ip", "netns", "exec", NS, "setpriv", "--reuid=nobody", "--regid=nogroup",
                        "--clear-groups", CM, "agent", "--config", conf, "--db",
                        os.path.join(ro, "x.db")], capture_output=True, text=True)
    check(r.returncode == 1 and "ro" in r.stderr, f"a read-only directory is named (got {r.stderr.strip()})")
    junk = os.path.join(tmp, "junk.db")
    write(junk, "this is not a database\n" * 100)
    digest = hashlib.sha256(open(junk, "rb").read()).hexdigest()
    r = run("agent", "--config", conf, "--db", junk)
    check(r.returncode == 1 and "junk.db" in r.stderr and
          hashlib.sha256(open(junk, "rb").read()).hexdigest() == digest,
          f"a non-database is refused and left untouched ({r.stderr.strip()})")
    newer = os.path.join(tmp, "newer.db")
    p = start("agent", "--config", conf, "--db", newer)
    time.sleep(2)
    p.send_signal(signal.SIGTERM)
    p.communicate(timeout=20)
    con = sqlite3.connect(newer)
    tables = [r[0] for r in con.execute("select name from sqlite_master where type='table'")]
    meta = "meta" if "meta" in tables else tables[0]
    cols = [r[1] for r in con.execute(f"pragma table_info({meta})")]
    con.execute(f"update {meta} set {cols[1]} = '999' where {cols[0]} = 'schema_version'")
    con.commit()
    con.close()
    digest = hashlib.sha256(open(newer, "rb").read()).hexdigest()
    r = run("agent", "--config", conf, "--db", newer)
    check(r.returncode == 1 and "newer" in r.stderr and
          hashlib.sha256(open(newer, "rb").read()).hexdigest() == digest,
          f"a database from a newer version is refused, untouched ({r.stderr.strip()})")


def lock_and_listener(tmp, conf):
    db = os.path.join(tmp, "a.db")
    first = start("agent", "--config", conf, "--db", db)
    time.sleep(1.5)
    r = run("agent", "--config", conf, "--db", db, "--listen", "off")
    check(r.returncode == 1 and f"pid {first.pid}" in r.stderr,
          f"a second agent is refused naming the first's PID ({r.stderr.strip()})")
    first.send_signal(signal.SIGTERM)
    _, err = first.communicate(timeout=20)
    check(first.returncode == 0, f"SIGTERM: exit 0 (got {first.returncode})")
    # The metrics port in use (a listener of our own in the namespace).
    hold = subprocess.Popen(["ip", "netns", "exec", NS, sys.executable, "-c",
                             "import socket,time;s=socket.socket();s.bind(('127.0.0.1',19599));"
                             "s.listen();print('up',flush=True);time.sleep(60)"],
                            stdout=subprocess.PIPE, text=True)
    hold.stdout.readline()
    p = start("agent", "--config", conf, "--db", db, "--listen", "127.0.0.1:19599")
    time.sleep(3)
    alive = p.poll() is None
    p.send_signal(signal.SIGTERM)
    _, err = p.communicate(timeout=20)
    hold.kill()
    hold.wait()
    check(alive and p.returncode == 0 and "19599" in err and "metrics are off" in err,
          f"port in use: metrics off, recording goes on ({err.strip()[:300]})")


def reload(tmp, conf):
    db = os.path.join(tmp, "r.db")
    live = os.path.join(tmp, "live.conf")
    write(live, "[agent]\nlisten = off\ninterval = 1s\n")
    p = start("agent", "--config", live, "--db", db)
    time.sleep(1.5)
    write(live, "[agent]\nlisten = off\ninterval = 1s\nbogus = 1\n")
    p.send_signal(signal.SIGHUP)
    time.sleep(1.5)
    alive_after_bad = p.poll() is None
    write(live, "[agent]\nlisten = off\ninterval = 0.5s\n")
    p.send_signal(signal.SIGHUP)
    time.sleep(2)
    p.send_signal(signal.SIGTERM)
    _, err = p.communicate(timeout=20)
    check(alive_after_bad and "reload refused" in err and f"{live}:4" in err,
          "SIGHUP with a bad config: refused with file:line, the agent goes on")
    check("reloaded: a tick every 0.5 s" in err, "SIGHUP with a good config applies it")
    check(p.returncode == 0, f"exit 0 after SIGTERM (got {p.returncode})")
    r = subprocess.run([CM, "history", "sockets", "--db", db, "--since", "-1m", "--json"],
                       capture_output=True, text=True)
    check(r.returncode == 0 and '"estab"' in r.stdout, "the samples up to SIGTERM are in the database")


def main():
    if os.geteuid() != 0 or not shutil.which("ip"):
        print("SKIP: needs root and ip netns")
        return 77
    tmp = tempfile.mkdtemp(prefix="cmcli.")
    os.chmod(tmp, 0o755)
    conf = os.path.join(tmp, "ok.conf")
    write(conf, "[agent]\nlisten = off\n")
    subprocess.run(["ip", "netns", "add", NS], check=True)
    subprocess.run(["ip", "-n", NS, "link", "set", "lo", "up"], check=True)
    try:
        bad_configs(tmp)
        bad_databases(tmp, conf)
        lock_and_listener(tmp, conf)
        reload(tmp, conf)
    finally:
        subprocess.run(["ip", "netns", "del", NS])
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{len(FAILS)} failed")
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
