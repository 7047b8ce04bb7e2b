#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The store on a small tmpfs, mounted in a private mount namespace.

  tmpfs_test.py full STORE_DRIVER      the file system fills up while the
      driver writes: it keeps running, reports -ENOSPC once, and when space
      is freed writes its backlog; every tick is then stored.
  tmpfs_test.py readonly STORE_DRIVER  a database on a file system that
      became read-only: the writer refuses to start with a message naming
      the directory, the file is left as it was, and a reader still reads it;
      a missing directory is refused too.

Re-runs itself under `unshare -m` (the mounts never reach the host's
namespace, and vanish with it).  Needs root: exit 77 without.
"""

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

FAILURES = []


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def check(what, ok, detail=""):
    log("%s %s%s" % ("ok  " if ok else "FAIL", what, ": " + detail if detail else ""))
    if not ok:
        FAILURES.append(what)


def lines_of(path):
    with open(path) as f:
        return [line.split(None, 2) for line in f.read().splitlines() if line.strip()]


def wait_for(path, word, limit_s, after=0):
    """Waits for the first line starting with word, after the first `after` lines."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        for w in lines_of(path)[after:]:
            if w[0] == word:
                return w
        time.sleep(0.05)
    return None


def verify(driver, db, k):
    r = subprocess.run([driver, "verify", db, str(k)], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=60)
    return r.returncode, r.stdout.strip()


def fill(path, limit):
    """Writes zeros until the file system is full (or limit bytes)."""
    block = b"\0" * 65536
    n = 0
    with open(path, "wb", buffering=0) as f:
        while n < limit:
            try:
                n += f.write(block)
            except OSError:
                break
    return n


def full(driver, mnt):
    db = os.path.join(mnt, "history.db")
    out = os.path.join(tempfile.gettempdir(), "connmon-full-%d.out" % os.getpid())
    with open(out, "w") as f:
        p = subprocess.Popen([driver, "write", db, "40"], stdout=f, stderr=subprocess.STDOUT)
    try:
        check("driver commits", wait_for(out, "committed", 10) is not None)
        time.sleep(0.5)
        filled = fill(os.path.join(mnt, "filler"), 64 << 20)
        log("filled the file system with %d more bytes" % filled)
        err = wait_for(out, "error", 30)
        check("a flush fails with -ENOSPC", err is not None and err[1] == "-28",
              " ".join(err) if err else "no error within 30 s")
        time.sleep(2)
        errors = [w for w in lines_of(out) if w[0] == "error"]
        check("the driver keeps running and says it once", p.poll() is None and len(errors) == 1,
              "%d error lines, %s" % (len(errors), "running" if p.poll() is None else "exited"))
        n = len(lines_of(out))
        os.unlink(os.path.join(mnt, "filler"))
        rec = wait_for(out, "recovered", 15, after=n - 1)
        check("the backlog is written when space returns", rec is not None,
              " ".join(rec) if rec else "no commit within 15 s")
        time.sleep(0.5)
    finally:
        p.send_signal(signal.SIGTERM)
        p.wait(timeout=30)
    closed = wait_for(out, "closed", 1)
    check("the driver closes cleanly", closed is not None, " ".join(closed) if closed else "")
    if closed:
        rc, said = verify(driver, db, int(closed[1]))
        check("every tick is stored, the outage's too", rc == 0, said)
    os.unlink(out)


def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def readonly(driver, mnt):
    db = os.path.join(mnt, "history.db")
    r = subprocess.run([driver, "write", db, "1"], stdout=subprocess.PIPE, text=True, timeout=60)
    closed = [w for w in (x.split() for x in r.stdout.splitlines()) if w[0] == "closed"]
    check("a database to start with", r.returncode == 0 and bool(closed), r.stdout)
    if not closed:
        return
    before = digest(db)
    files = sorted(os.listdir(mnt))
    subprocess.run(["mount", "-o", "remount,ro", mnt], check=True)
    r = subprocess.run([driver, "write", db, "1"], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=60)
    check("the writer refuses a read-only directory", r.returncode == 2 and mnt in r.stderr,
          r.stderr.strip())
    check("the file is left as it was", digest(db) == before and sorted(os.listdir(mnt)) == files)
    rc, said = verify(driver, db, int(closed[0][1]))
    check("a reader reads it", rc == 0, said)
    missing = os.path.join(mnt, "missing", "history.db")
    r = subprocess.run([driver, "write", missing, "1"], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=60)
    check("the writer refuses a missing directory",
          r.returncode == 2 and os.path.dirname(missing) in r.stderr, r.stderr.strip())


def main():
    mode, driver = sys.argv[1], sys.argv[2]
    if os.environ.get("CONNMON_STORE_IN_NS") != "1":
        if os.geteuid() != 0 or not shutil.which("unshare"):
            log("skip: needs root and unshare (a private mount namespace)")
            return 77
        env = dict(os.environ, CONNMON_STORE_IN_NS="1")
        return subprocess.run(["unshare", "-m", "--propagation", "private", sys.executable,
                               os.path.abspath(__file__), mode, driver], env=env,
                              timeout=170).returncode
    mnt = tempfile.mkdtemp(prefix="connmon-tmpfs-")
    try:
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%s" % ("8m" if mode == "full" else "2m"),
                        "connmon-test", mnt], check=True)
        (full if mode == "full" else readonly)(driver, mnt)
    finally:
        subprocess.run(["umount", mnt], check=False)
        os.rmdir(mnt)
    log("%d failed" % len(FAILURES))
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
