#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""history import/export through the command line.

- `history import --sar` of the recorded `sadf -j` fixture (tests/fixtures/sadf,
  made by its record.sh): the veth's bytes and packets over the import equal the
  kernel's counter changes the recorder saved (kernel.txt), within sar's rounding;
- `history export` then `history import` into a new database, then export again:
  the same lines (a lossless round trip);
- a bad line is named by file and line number, and the rest is imported (exit 1);
- import into a database an agent records into is refused, naming its PID.
No root needed.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

CM = os.path.abspath(sys.argv[1])
FIX = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "sadf")
FAILS = []


def check(cond, what):
    print(("ok: " if cond else "FAIL: ") + what, flush=True)
    if not cond:
        FAILS.append(what)


def cm(*args, stdin=None):
    return subprocess.run([CM, *args], capture_output=True, text=True, input=stdin)


def main():
    tmp = tempfile.mkdtemp(prefix="cmhio.")
    try:
        db = os.path.join(tmp, "sar.db")
        r = cm("history", "import", "--sar", os.path.join(FIX, "utc.json"), "--db", db)
        check(r.returncode == 0 and "imported" in r.stderr, f"import --sar: {r.stderr.strip()}")
        kernel = dict(line.split() for line in open(os.path.join(FIX, "kernel.txt")))
        r = cm("history", "ifaces", "--json", "--db", db, "--since", "@0",
               "--until", "now", "-i", "veth-sa")
        rows = [x for x in json.loads(r.stdout)["rows"] if "t" in x] if r.returncode == 0 else []
        rx = sum(x["rx_bytes"] or 0 for x in rows)
        tx = sum(x["tx_bytes"] or 0 for x in rows)
        check(rows and abs(tx - int(kernel["tx_bytes"])) <= 0.02 * int(kernel["tx_bytes"]) + 1024,
              f"sar import: veth-sa sent {tx} bytes, the kernel counted {kernel['tx_bytes']}")
        check(rows and abs(rx - int(kernel["rx_bytes"])) <= 1024,
              f"sar import: veth-sa received {rx} bytes, the kernel counted {kernel['rx_bytes']}")

        exp1 = cm("history", "export", "--db", db)
        check(exp1.returncode == 0 and exp1.stdout.count("\n") > 50, "export prints JSON lines")
        db2 = os.path.join(tmp, "copy.db")
        r = cm("history", "import", "-", "--db", db2, stdin=exp1.stdout)
        check(r.returncode == 0, f"import of an export: {r.stderr.strip()}")
        exp2 = cm("history", "export", "--db", db2)
        check(sorted(exp1.stdout.splitlines()) == sorted(exp2.stdout.splitlines()),
              "export -> import -> export gives the same lines")
        one = cm("history", "export", "--db", db, 'connmon_iface_tx_bytes_total{iface="veth-sa"}')
        names = {json.loads(x)["name"] for x in one.stdout.splitlines()}
        check(names == {"connmon_iface_tx_bytes_total"}, f"export SERIES selects ({names})")

        bad = os.path.join(tmp, "bad.jsonl")
        lines = exp1.stdout.splitlines()
        with open(bad, "w") as f:
            f.write("\n".join(lines[:3] + ['{"name": 5}'] + lines[3:6]) + "\n")
        r = cm("history", "import", bad, "--db", os.path.join(tmp, "bad.db"))
        check(r.returncode == 1 and f"{bad}: line 4" in r.stderr and "imported 6 points" in r.stderr,
              f"a bad line is named and the rest imported ({r.stderr.strip()[:200]})")

        # Above 10,000 sockets the census spaces itself out; history sockets says so.
        now_ms = int(time.time()) // 60 * 60 * 1000 - 600000
        lines = []
        for i in range(0, 60, 5):
            t = now_ms + i * 1000
            lines.append(json.dumps({"name": "connmon_tcp_sockets", "labels": {"state": "established"},
                                     "kind": "gauge", "tier": "tick", "t": t, "v": 20000 + i}))
            lines.append(json.dumps({"name": "connmon_agent_census_period_seconds", "labels": {},
                                     "kind": "gauge", "tier": "tick", "t": t, "v": 5}))
        cdb = os.path.join(tmp, "census.db")
        r = cm("history", "import", "-", "--db", cdb, stdin="\n".join(lines) + "\n")
        r = cm("history", "sockets", "--db", cdb, "--since", "-15m")
        check(r.returncode == 0 and "20055" in r.stdout and "at most every 5 s" in r.stdout,
              "history sockets says when the census ran less often than every tick")

        conf = os.path.join(tmp, "c.conf")
        with open(conf, "w") as f:
            f.write("[agent]\nlisten = off\n")
        live = os.path.join(tmp, "live.db")
        agent = subprocess.Popen([CM, "agent", "--config", conf, "--db", live],
                                 stderr=subprocess.PIPE, text=True)
        time.sleep(1.5)
        r = cm("history", "import", bad, "--db", live)
        agent.send_signal(signal.SIGTERM)
        agent.communicate(timeout=20)
        check(r.returncode == 1 and f"pid {agent.pid}" in r.stderr,
              f"import into a recording database is refused ({r.stderr.strip()})")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{len(FAILS)} failed")
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
