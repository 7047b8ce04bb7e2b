#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs every Meson test (unit, fuzz-corpus replay, integration, system) under
# the sanitizers and ends with one line: "N passed, N failed[, N skipped]".
set -u
build=${1:-build}
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

meson test -C "$build" --print-errorlogs --num-processes 2 "${@:2}"
rc=$?
# Meson writes one JSON object per test; count results from it, not from the console.
log="$build/meson-logs/testlog.json"
if [ -f "$log" ]; then
	python3 - "$log" <<'PY'
import json, sys
passed = failed = skipped = 0
for line in open(sys.argv[1]):
    r = json.loads(line).get("result")
    if r in ("OK", "EXPECTEDFAIL"):
        passed += 1
    elif r == "SKIP":
        skipped += 1
    else:
        failed += 1
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
else
	echo "0 passed, 1 failed"
	rc=1
fi
exit $rc
