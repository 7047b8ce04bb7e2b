#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The agent recomputes and stores the baselines of the series in its database.

A database is seeded by gen_baseline with series the agent never produces:
8 days of a gauge and of a counter, 2 days of another gauge.  The agent runs
for a few seconds in a namespace of its own with [baseline] learning_days = 1
and weekly_after_days = 7 (the defaults, 3 and 14, would make all three daily
and the short one learning).  While it runs, `connmon baseline --json` reads
the stored bands until all three are there; after SIGTERM (exit 0) they must
equal a fresh computation here, from the generated points: type-7 quantiles
of the minute values of each local hour of the week (or of the day), their
counts and distinct local dates, the mode and the learning flag.
Exit 77 without root or `ip netns`.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

CM, GEN = (os.path.abspath(a) for a in sys.argv[1:3])
PID = os.getpid()
NS = f"cmbla{PID}"
OFFSET = 3 * 3600
ENV = dict(os.environ, TZ="XXX-3")
SERIES = ['connmon_test_level{n="long"}', 'connmon_test_level{n="short"}',
          'connmon_test_bytes_total{n="long"}']
CONFIG = """[agent]
listen = off
write_interval = 1s
log_level = debug
[baseline]
recompute = 1m
learning_days = 1
weekly_after_days = 7
"""


def quantile(v, p):
    """Hyndman and Fan's type 7, as docs/BASELINE.md writes it."""
    h = (len(v) - 1) * p
    i = int(h)
    if i + 1 >= len(v):
        return v[-1]
    return v[i] + (h - i) * (v[i + 1] - v[i])


def expected(points, weekly_ms, learning_ms):
    """The baseline of (t_ms, value) points, computed the documented way."""
    span = points[-1][0] - points[0][0] + 60000
    weekly = span >= weekly_ms
    slots = {}
    for t, v in points:
        local = t // 1000 + OFFSET
        s = ((local // 86400 + 3) % 7) * 24 + (local % 86400) // 3600
        slots.setdefault(s if weekly else s % 24, []).append((local // 86400, v))
    out = []
    for s in range(168 if weekly else 24):
        vals = sorted(v for _, v in slots.get(s, []))
        days = len({d for d, _ in slots.get(s, [])})
        out.append((quantile(vals, 0.1), quantile(vals, 0.5), quantile(vals, 0.9), len(vals), days))
    return weekly, span < learning_ms, out


def read_points(path):
    series = {}
    with open(path) as f:
        for line in f:
            key, t, v = line.rsplit(" ", 2)
            series.setdefault(key, []).append((int(t), float(v)))
    return series


def stored(db):
    p = subprocess.run([CM, "baseline", "--json", "--db", db, *SERIES], env=ENV,
                       capture_output=True, text=True, timeout=60)
    if p.returncode:
        return None
    doc = json.loads(p.stdout)
    got = {f"{e['name']}{{{e['labels']}}}": e for e in doc["series"]}
    return got if all(got.get(k, {}).get("source") == "stored" for k in SERIES) else None


def close(a, b):
    return abs(a - b) <= 1e-9 * max(1.0, abs(b))


def compare(key, entry, points):
    weekly, learning, want = expected(points, 7 * 86400000, 86400000)
    b = entry["baseline"]
    bad = []
    if b["mode"] != ("weekly" if weekly else "daily") or b["learning"] != learning:
        bad.append(f"mode {b['mode']} learning {b['learning']}, wanted weekly={weekly} "
                   f"learning={learning}")
    if len(b["slots"]) != len(want):
        return bad + [f"{len(b['slots'])} slots, wanted {len(want)}"]
    for s, (sl, w) in enumerate(zip(b["slots"], want)):
        if not (close(sl["p10"], w[0]) and close(sl["median"], w[1]) and close(sl["p90"], w[2])
                and sl["samples"] == w[3] and sl["days"] == w[4]):
            bad.append(f"slot {s}: stored {sl}, computed {w}")
    print(f"{key}: {b['mode']}, learning {b['learning']}, {len(bad)} differences",
          file=sys.stderr)
    return bad


def run_agent(db, conf):
    agent = subprocess.Popen(["ip", "netns", "exec", NS, CM, "agent", "--config", conf, "--db", db],
                             env=ENV, stderr=subprocess.PIPE, text=True)
    got, deadline = None, time.time() + 60
    while got is None and time.time() < deadline and agent.poll() is None:
        time.sleep(0.5)
        got = stored(db)
    agent.send_signal(signal.SIGTERM)
    _, err = agent.communicate(timeout=30)
    print(err, file=sys.stderr)
    return agent.returncode, got, err


def main():
    if os.geteuid() != 0 or not shutil.which("ip"):
        print("SKIP: needs root and ip netns")
        return 77
    tmp = tempfile.mkdtemp(prefix="cmbla.")
    db, conf, pts = (os.path.join(tmp, n) for n in ("connmon.db", "connmon.conf", "points"))
    with open(conf, "w") as f:
        f.write(CONFIG)
    try:
        subprocess.run(["ip", "netns", "add", NS], check=True)
        subprocess.run([GEN, db, "8", str(int(time.time())), str(OFFSET), "--set", "test",
                        "--points", pts], env=ENV, check=True, stdout=subprocess.DEVNULL,
                       timeout=300)
        rc, got, err = run_agent(db, conf)
        if rc != 0 or got is None:
            print(f"FAIL: the agent exited {rc}; stored bands seen: {got is not None}")
            return 1
        if "baselines:" not in err or "series recomputed" not in err:
            print("FAIL: no round logged")
            return 1
        got = stored(db)  # after the final write
        points = read_points(pts)
        bad = []
        for key in SERIES:
            bad += [f"{key}: {b}" for b in compare(key, got[key], points[key])]
        if bad:
            print("FAIL: stored bands differ from a fresh computation:\n  " + "\n  ".join(bad[:20]))
            return 1
        print("ok")
        return 0
    finally:
        subprocess.run(["ip", "netns", "del", NS], check=False)
        shutil.rmtree(tmp)


sys.exit(main())
