#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""kill -9 at random moments while the store writes, 20 times.

Each round starts store-driver on the same database (paced, or as fast as it
can so that the kill is likely to land in a flush; it continues after the
newest stored tick, so every restart also rebuilds the rollup buckets the
kill interrupted), kills it with SIGKILL after a random delay, then checks
that PRAGMA integrity_check says ok (python's sqlite3, read-only) and that
every tick up to the last committed watermark the driver printed is stored,
exactly once, with its value, and every finished minute rollup agrees with
the ticks (store-driver verify).  A last round ends with a clean close.
Usage: crash_test.py STORE_DRIVER.  STORE_CRASH_SEED=N replays a run.
"""

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

ROUNDS = 20


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def lines_of(path):
    with open(path) as f:
        return [line.split() for line in f.read().splitlines() if line.strip()]


def watermark(lines, previous):
    """The last tick a printed commit covered."""
    k = previous
    for words in lines:
        if words[0] in ("committed", "recovered", "closed"):
            k = max(k, int(words[1]))
    return k


def wait_for(path, word, limit_s):
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if any(w[0] == word for w in lines_of(path)):
            return True
        time.sleep(0.02)
    return False


def integrity(db):
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=10)
    try:
        return con.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        con.close()


def verify(driver, db, k):
    r = subprocess.run([driver, "verify", db, str(k)], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=60)
    return r.returncode, r.stdout.strip()


def one_round(driver, db, out, rng, committed):
    """Runs the driver until a random SIGKILL; returns its watermark, or None on failure."""
    # Every other round writes without pause: then most of its time is spent
    # in flushes, and the kill lands inside a transaction or a commit.
    tick_ms = "0" if rng.random() < 0.5 else "10"
    with open(out, "w") as f:
        p = subprocess.Popen([driver, "write", db, "30", tick_ms], stdout=f,
                             stderr=subprocess.STDOUT)
    try:
        if not wait_for(out, "started", 10):
            log("FAIL: the driver did not start:", open(out).read())
            return None
        started = int(next(w for w in lines_of(out) if w[0] == "started")[1])
        if started <= committed:
            log("FAIL: restarted at tick %d, at or before the committed %d" % (started, committed))
            return None
        time.sleep(rng.uniform(0.02, 1.5))
        if tick_ms != "0" and rng.random() < 0.5:
            # A reader while the writer writes: it sees a committed state, whole.
            rc, said = verify(driver, db, watermark(lines_of(out), committed))
            log("         reader during the writes: %s" % said.splitlines()[-1])
            if rc != 0:
                log("FAIL:", said)
                return None
    finally:
        p.send_signal(signal.SIGKILL)
        p.wait(timeout=10)
    return watermark(lines_of(out), committed)


def main():
    driver = sys.argv[1]
    seed = int(os.environ.get("STORE_CRASH_SEED", random.randrange(1 << 30)))
    rng = random.Random(seed)
    tmp = tempfile.mkdtemp(prefix="connmon-crash-")
    db = os.path.join(tmp, "history.db")
    failures = 0
    committed = -1
    log("seed %d (STORE_CRASH_SEED=%d replays it)" % (seed, seed))
    try:
        for i in range(ROUNDS):
            k = one_round(driver, db, os.path.join(tmp, "out%d" % i), rng, committed)
            if k is None:
                return 1
            committed = k
            ok = integrity(db)
            rc, said = verify(driver, db, committed)
            log("round %2d: committed up to tick %d; integrity_check %s; %s" %
                (i + 1, committed, ok, said.splitlines()[-1] if said else "?"))
            if ok != "ok" or rc != 0:
                log("FAIL:", said)
                failures += 1
        out = os.path.join(tmp, "last")
        with open(out, "w") as f:
            rc = subprocess.run([driver, "write", db, "2"], stdout=f, timeout=60).returncode
        committed = watermark(lines_of(out), committed)
        rc2, said = verify(driver, db, committed)
        closed = any(w[0] == "closed" for w in lines_of(out))
        log("clean run: exit %d, closed %s, %s" % (rc, closed, said.splitlines()[-1]))
        if rc != 0 or rc2 != 0 or not closed or integrity(db) != "ok":
            log("FAIL:", said)
            failures += 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    log("%d of %d checks failed" % (failures, ROUNDS + 1))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
