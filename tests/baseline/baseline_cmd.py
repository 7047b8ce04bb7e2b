#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""`connmon baseline` against generated history with a known weekly shape.

gen_baseline writes four weeks of 1-minute rollups (a different level for
every hour of the week, stratified noise of +-30 %) through the store, for
TCP established and time_wait, an interface's rx and tx bytes and the
retransmit counter, in a zone 3 hours east of UTC.  Then:
  - `baseline --json` (no stored bands: computed on the spot) gives weekly
    bands whose p10, median and p90 are within 2 % of the generator's
    quantiles in every one of the 168 slots, 240 samples and 4 weeks each;
    the default set, in its order; the latest value and its slot;
  - the text is the JSON's sentence, naming the slot and its depth;
  - the same data with stored bands (as the agent stores them) reads back
    as the same baseline, marked "stored";
  - selectors: a name selects all its series, labels narrow; an unknown
    series names the closest stored ones (exit 1); a malformed one is a
    usage error (exit 2);
  - two days of history are "learning", daily; a database without any of
    the default series says so and exits 0.
No root needed: nothing here touches the network.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

CM, GEN = (os.path.abspath(a) for a in sys.argv[1:3])
OFFSET = 3 * 3600
ENV = dict(os.environ, TZ="XXX-3")  # POSIX: 3 hours east of UTC, no DST
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
IFACE = "cmbl0"
DEFAULT_ORDER = [
    ("connmon_tcp_sockets", 'state="established"', "tcp established"),
    ("connmon_tcp_sockets", 'state="time_wait"', "tcp time_wait"),
    ("connmon_iface_rx_bytes_total", f'iface="{IFACE}"', f"{IFACE} rx"),
    ("connmon_iface_tx_bytes_total", f'iface="{IFACE}"', f"{IFACE} tx"),
    ("connmon_netstat_total", 'counter="TcpRetransSegs"', "TcpRetransSegs/s"),
]
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what, flush=True)


def slot_of(t_s):
    local = t_s + OFFSET
    return ((local // 86400 + 3) % 7) * 24 + (local % 86400) // 3600


def slot_name(slot):
    return f"{DAYS[slot // 24]} {slot % 24:02d}:00"


def local_minute(t_s):
    return time.strftime("%Y-%m-%d %H:%M", time.gmtime(t_s + OFFSET))


def gen(db, days, end, *extra):
    p = subprocess.run([GEN, db, str(days), str(end), str(OFFSET), "--iface", IFACE, *extra],
                       env=ENV, capture_output=True, text=True, timeout=300)
    if p.returncode:
        sys.exit(f"gen_baseline failed: {p.stderr}")
    return [json.loads(line) for line in p.stdout.splitlines()]


def cm(args, rc=0):
    p = subprocess.run([CM, "baseline", *args], env=ENV, capture_output=True, text=True,
                       timeout=120)
    check(p.returncode == rc, f"baseline {args}: exit {p.returncode}, wanted {rc}: {p.stderr}")
    return p


def cm_json(args):
    return json.loads(cm(["--json", *args]).stdout)


def near(got, want, rel):
    return got is not None and abs(got - want) <= rel * abs(want)


def check_bands(entry, expected, weeks):
    b = entry["baseline"]
    name = entry["what"]
    check(b["mode"] == "weekly" and not b["learning"] and len(b["slots"]) == 168,
          f"{name}: weekly, not learning, 168 slots: {b['mode']} {b['learning']}")
    bad = 0
    for s, (sl, want) in enumerate(zip(b["slots"], expected["slots"])):
        ok = (sl["slot"] == s and sl["samples"] == 60 * weeks and sl["days"] == weeks
              and near(sl["p10"], want[0], 0.02) and near(sl["median"], want[1], 0.02)
              and near(sl["p90"], want[2], 0.02))
        if not ok:
            bad += 1
            if bad <= 3:
                print(f"  {name} slot {s}: got {sl}, want p10/median/p90 {want}")
    check(bad == 0, f"{name}: {bad} of 168 slots off the generator's quantiles by more than 2 %")


def test_computed(d, end):
    db = os.path.join(d, "four_weeks.db")
    expected = gen(db, 28, end)
    doc = cm_json(["--db", db])
    got = [(e["name"], e["labels"], e["what"]) for e in doc["series"]]
    check(got == DEFAULT_ORDER, f"the default set, in order: {got}")
    last_t = end // 3600 * 3600 - 60
    for e, x in zip(doc["series"], expected):
        check(e["source"] == "computed" and e["computed"] is None, f"{e['what']}: computed here")
        check_bands(e, x, 4)
        cur = e["current"]
        check(cur is not None and near(cur["value"], x["last"], 1e-9),
              f"{e['what']}: current {cur}, generated last {x['last']}")
        check(e["slot"]["slot"] == slot_of(last_t) and e["slot"]["name"] == slot_name(slot_of(last_t)),
              f"{e['what']}: the slot of the latest value: {e['slot']}")
    # The text: the JSON's sentences, dated when the latest value is older than 5 minutes.
    age = time.time() - last_t
    text = cm(["--db", db]).stdout.splitlines()
    for line, e in zip(text, doc["series"]):
        dated = e["sentence"] + f" [as of {local_minute(last_t)}]"
        want = [dated] if age > 400 else [e["sentence"]] if age < 200 else [dated, e["sentence"]]
        check(line in want, f"text line {line!r}, wanted {want}")
    est = doc["series"][0]["sentence"]
    check(est.startswith("tcp established ") and f"{slot_name(slot_of(last_t))} median" in est
          and "4 weeks)" in est, f"the sentence names the slot and its depth: {est}")
    check("KiB/s" in doc["series"][2]["sentence"], f"bytes in IEC units: {doc['series'][2]['sentence']}")
    check(len(text) == 6 and text[-1].startswith("(bands computed now"), f"the closing note: {text[-1:]}")
    return db, doc


def test_stored(d, end, computed):
    db = os.path.join(d, "stored.db")
    gen(db, 28, end, "--bands")
    doc = cm_json(["--db", db])
    for e, c in zip(doc["series"], computed["series"]):
        check(e["source"] == "stored" and e["computed"] is not None, f"{e['what']}: stored bands")
        check(e["baseline"] == c["baseline"], f"{e['what']}: stored bands read back as computed")
        check(e["sentence"] == c["sentence"], f"{e['what']}: the same sentence")
    text = cm(["--db", db]).stdout.splitlines()
    check(len(text) == 5, f"no closing note with stored bands: {text[-1:]}")


def test_selectors(db):
    doc = cm_json(["--db", db, "connmon_tcp_sockets"])
    check([e["what"] for e in doc["series"]] == ["tcp established", "tcp time_wait"],
          "a bare name selects every series of it")
    doc = cm_json(["--db", db, 'connmon_tcp_sockets{state="time_wait"}',
                   "connmon_netstat_total", 'connmon_tcp_sockets{ state = "time_wait" }'])
    check([e["what"] for e in doc["series"]] == ["tcp time_wait", "TcpRetransSegs/s"],
          f"labels narrow, each series once: {[e['what'] for e in doc['series']]}")
    p = cm(["--db", db, 'connmon_tcp_socket{state="established"}', "connmon_tcp_sockets"], rc=1)
    check('closest: connmon_tcp_sockets{state="established"}' in p.stderr,
          f"an unknown series names the closest: {p.stderr}")
    check(p.stdout.startswith("tcp established"), "the known series are still shown")
    p = cm(["--db", db, "connmon_iface_rx_bytes"], rc=1)
    check("closest: connmon_iface_rx_bytes_total" in p.stderr, f"closest name: {p.stderr}")
    p = cm(["--db", db, "zzzzzzzzzzzzzzzzzz"], rc=1)
    check("'connmon history series --db" in p.stderr, f"nothing close: {p.stderr}")
    p = cm(["--db", db, "connmon_tcp_sockets{state=established}"], rc=2)
    check("column 27" in p.stderr and "double-quoted" in p.stderr, f"a bad selector: {p.stderr}")
    p = cm(["--db", os.path.join(os.path.dirname(db), "missing.db")], rc=1)
    check("missing.db" in p.stderr, f"a missing database: {p.stderr}")


def test_learning_and_empty(d, end):
    db = os.path.join(d, "two_days.db")
    gen(db, 2, end)
    doc = cm_json(["--db", db, 'connmon_tcp_sockets{state="established"}'])
    b = doc["series"][0]["baseline"]
    check(b["mode"] == "daily" and b["learning"] and len(b["slots"]) == 24, f"two days: {b['mode']}")
    s = doc["series"][0]["sentence"]
    check("learning: 2 days of history" in s and "median so far" in s, f"learning sentence: {s}")
    db = os.path.join(d, "other.db")
    gen(db, 1, end, "--set", "test")
    p = cm(["--db", db])
    check(p.stdout == "" and "none of the default series" in p.stderr, f"no default series: {p.stderr}")
    doc = cm_json(["--db", db])
    check(doc["series"] == [], "JSON: an empty list")


def main():
    d = tempfile.mkdtemp(prefix="cmbl")
    try:
        end = int(time.time())
        db, doc = test_computed(d, end)
        test_stored(d, end, doc)
        test_selectors(db)
        test_learning_and_empty(d, end)
    finally:
        shutil.rmtree(d)
    if failures:
        sys.exit(f"{len(failures)} failure(s)")
    print("ok")


main()
