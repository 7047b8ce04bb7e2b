#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Seeds fuzz/corpus/fuzz_store_blob from a database store-driver records.

  tests/store/seed_fuzz.py BUILD_DIR

Writes a few rollup chunks (minute and hour tiers, prefixed with byte 0) and
the labels strings of the series table, plus escaped ones (prefixed with 1).
"""

import os
import sqlite3
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "fuzz", "corpus", "fuzz_store_blob")


def main():
    driver = os.path.join(sys.argv[1], "tests", "store", "store-driver")
    os.makedirs(OUT, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "seed.db")
        subprocess.run([driver, "write", db, "1", "0"], check=True, stdout=subprocess.DEVNULL)
        con = sqlite3.connect(db)
        rows = con.execute("SELECT tier, series_id, data FROM chunk WHERE tier > 0"
                           " AND series_id IN (1, 2) ORDER BY tier, series_id").fetchall()
        for tier, sid, data in rows:
            with open(os.path.join(OUT, "rollup-tier%d-series%d" % (tier, sid)), "wb") as f:
                f.write(b"\0" + data)
        labels = [r[0] for r in con.execute("SELECT labels FROM series LIMIT 2")]
        con.close()
    labels += ['port="443",state="listen"', 'comm="a\\"b\\\\c\\nd",pid="1"', ""]
    for i, text in enumerate(labels):
        with open(os.path.join(OUT, "labels-%d" % i), "wb") as f:
            f.write(b"\1" + text.encode())


if __name__ == "__main__":
    main()
