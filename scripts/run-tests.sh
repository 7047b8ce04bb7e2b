#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs every Meson test (unit, fuzz-corpus replay, integration, system) under
# the sanitizers and ends with one line: "N passed, N failed, N skipped".
#   scripts/run-tests.sh BUILD_DIR [MESON TEST ARGS...]
# Counts only this run's results: Meson's log is removed first, so a run that
# ran nothing cannot report the last run's figures.  It fails when no test ran,
# and, for the whole suite, when it holds no unit test (cmocka missing or
# -Dunit_tests not enabled: unit tests are never skipped silently).
set -u
build=${1:?usage: scripts/run-tests.sh BUILD_DIR [MESON TEST ARGS...]}
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

log="$build/meson-logs/testlog.json"
rm -f "$log"
meson test -C "$build" --print-errorlogs --num-processes 2 "${@:2}"
rc=$?
whole_suite=0
[ $# -eq 1 ] && whole_suite=1

# Meson writes one JSON object per test; count results from it, not from the console.
python3 - "$log" "$rc" "$whole_suite" <<'PY'
import json, sys

path, rc, whole = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
passed = failed = skipped = unit = 0
try:
    lines = open(path).read().splitlines()
except OSError:
    lines = []
for line in lines:
    r = json.loads(line)
    # "connmon:unit / base": project:suite / test (Meson 1.0 has no suite key)
    if r.get("name", "").split(" / ")[0].split(":")[-1] == "unit":
        unit += 1
    if r.get("result") in ("OK", "EXPECTEDFAIL"):
        passed += 1
    elif r.get("result") == "SKIP":
        skipped += 1
    else:
        failed += 1
if passed + failed + skipped == 0:
    print("run-tests: no test ran (meson test exited %d; see above)" % rc)
    failed += 1
elif whole and unit == 0:
    print("run-tests: the suite has no unit test: configure with -Dunit_tests=enabled "
          "and install cmocka (scripts/setup.sh test)")
    failed += 1
elif rc != 0 and failed == 0:
    print("run-tests: meson test exited %d with no failed test; counted as one failure" % rc)
    failed += 1
print(f"{passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed else 0)
PY
