#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""20,000 offenders blocked, end to end, against one raw `nft -f` transaction.

Inside a network namespace created here (nftables is changed only there):
  raw      `nft -f FILE`: one `add element inet connmon block4 { ... }` of the
           20,000 addresses with a 10-minute timeout, into the set connmon
           created, emptied first;
  connmon  `connmon -N NS block -f LIST --for 10m --db DB`: the whole command,
           from reading the list (one address per line) to the kernel set,
           with the allowlist checks, the block and audit rows in a new
           database each run.
Each is run ROUNDS times, alternating, the set emptied between runs; the
medians are compared.  Every run's set is checked to hold the 20,000
elements.  Goal (issue 8): connmon <= 3 x raw.

  bench/respond/run.py BUILD_DIR [N] [ROUNDS]

Exit 0 goal met, 1 missed, 2 setup failure, 77 without root.
"""

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

GOAL = 3.0


def sh(*args, check=True):
    r = subprocess.run(args, capture_output=True, text=True, timeout=300)
    if check and r.returncode:
        raise RuntimeError(f"{' '.join(args)}: exit {r.returncode}: {r.stderr.strip()}")
    return r


def timed(*args):
    t0 = time.perf_counter()
    sh(*args)
    return time.perf_counter() - t0


def count(ns):
    out = sh("ip", "netns", "exec", ns, "nft", "-j", "list", "set", "inet", "connmon",
             "block4").stdout
    for obj in json.loads(out)["nftables"]:
        if "set" in obj:
            return len(obj["set"].get("elem", []))
    return 0


def main():
    if os.geteuid() != 0 or not shutil.which("nft"):
        print("skip: needs root and nft")
        return 77
    build = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    cm = os.path.join(build, "connmon")
    ns = f"cmbr{os.getpid()}"
    tmp = tempfile.mkdtemp(prefix="connmon-bench-respond-")
    addrs = [f"{10 + i // 65536 % 200}.{i // 256 % 256}.{i % 256}.{1 + i % 7}" for i in range(n)]
    addrs = list(dict.fromkeys(addrs))[:n]
    listing = os.path.join(tmp, "offenders.txt")
    script = os.path.join(tmp, "raw.nft")
    with open(listing, "w") as f:
        f.write("\n".join(addrs) + "\n")
    with open(script, "w") as f:
        f.write("add element inet connmon block4 { " +
                ", ".join(f"{a} timeout 10m" for a in addrs) + " }\n")
    raw, mine = [], []
    try:
        sh("ip", "netns", "add", ns)
        # connmon creates its table; the raw runs reuse it
        sh(cm, "-N", ns, "block", "192.0.2.1", "--db", os.path.join(tmp, "setup.db"))
        flush = ("ip", "netns", "exec", ns, "nft", "flush", "set", "inet", "connmon", "block4")
        for r in range(rounds):
            sh(*flush)
            raw.append(timed("ip", "netns", "exec", ns, "nft", "-f", script))
            if count(ns) != len(addrs):
                raise RuntimeError("raw nft did not add every element")
            sh(*flush)
            db = os.path.join(tmp, f"run{r}.db")
            mine.append(timed(cm, "-N", ns, "block", "-f", listing, "--for", "10m", "--db", db))
            if count(ns) != len(addrs):
                raise RuntimeError("connmon block did not add every element")
    except (RuntimeError, subprocess.TimeoutExpired) as e:
        print(f"bench respond: {e}", file=sys.stderr)
        return 2
    finally:
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)
    r, m = statistics.median(raw), statistics.median(mine)
    print(f"raw nft -f, {len(addrs)} elements, one transaction: median {r:.3f} s "
          f"({', '.join(f'{x:.3f}' for x in raw)})")
    print(f"connmon block -f, end to end:                  median {m:.3f} s "
          f"({', '.join(f'{x:.3f}' for x in mine)})")
    print(f"ratio connmon / raw: {m / r:.2f} (goal <= {GOAL:.0f}); "
          f"{len(addrs) / m:.0f} addresses per second")
    return 0 if m <= GOAL * r else 1


if __name__ == "__main__":
    sys.exit(main())
