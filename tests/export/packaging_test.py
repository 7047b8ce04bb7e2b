#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""packaging/prometheus/ checked by Prometheus's own tool, no root needed:
- `promtool check config` accepts the example scrape configuration;
- `promtool check rules` accepts the recording rules;
- `promtool test rules tests/export/rules_test.yml` gets the hand-worked
  answers, and that file tests every rule;
- every rule is named level:metric:operations and reads only families that
  docs/METRICS.md documents (so a renamed series cannot leave a dead rule).

Usage: packaging_test.py SOURCE_ROOT
"""

import os
import re
import shutil
import subprocess
import sys

import yaml


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def promtool(*args):
    r = subprocess.run(["promtool", *args], capture_output=True, text=True)
    if r.returncode != 0:
        fail("promtool %s: exit %d\n%s%s" % (" ".join(args), r.returncode, r.stdout, r.stderr))


def main():
    root = sys.argv[1]
    pkg = os.path.join(root, "packaging", "prometheus")
    config, rules = os.path.join(pkg, "prometheus.yml"), os.path.join(pkg, "connmon.rules.yml")
    tests = os.path.join(root, "tests", "export", "rules_test.yml")
    if not shutil.which("promtool"):
        fail("promtool is missing (scripts/setup.sh test installs prometheus)")
    promtool("check", "config", config)
    promtool("check", "rules", rules)
    promtool("test", "rules", tests)

    with open(os.path.join(root, "docs", "METRICS.md")) as f:
        documented = {line.split("`")[1] for line in f if line.startswith("| `connmon_")}
    with open(rules) as f:
        groups = yaml.safe_load(f)["groups"]
    with open(tests) as f:
        tested = {m for t in yaml.safe_load(f)["tests"] for e in t["promql_expr_test"]
                  for m in re.findall(r"[a-z_]+:[a-z0-9_]+:[a-z0-9_]+", e["expr"])}
    recorded = set()
    for g in groups:
        for rule in g["rules"]:
            name = rule["record"]
            if not re.fullmatch(r"[a-z_]+:connmon_[a-z0-9_]+:[a-z0-9_]+", name):
                fail("rule %s is not named level:connmon_metric:operations" % name)
            recorded.add(name)
            for metric in re.findall(r"(?<![\w:])connmon_[a-z0-9_]+(?![\w:])", rule["expr"]):
                if metric not in documented:
                    fail("rule %s reads %s, which docs/METRICS.md does not document" % (name, metric))
    if recorded - tested:
        fail("rules without a test in rules_test.yml: %s" % sorted(recorded - tested))
    print("ok: %d rules checked and tested, the scrape configuration is valid" % len(recorded))


if __name__ == "__main__":
    main()
