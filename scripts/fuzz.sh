#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs each libFuzzer target for SECONDS, growing its corpus in a scratch copy;
# crashes land in fuzz/artifacts/.  Usage: scripts/fuzz.sh BUILD_DIR SECONDS
set -eu
build=$1
secs=${2:-60}
mkdir -p fuzz/artifacts
fail=0
for bin in "$build"/fuzz/fuzz_*; do
	[ -f "$bin" ] && [ -x "$bin" ] || continue
	case $bin in *_replay | *.p) continue ;; esac
	name=$(basename "$bin")
	work=$(mktemp -d)
	cp -r "fuzz/corpus/$name/." "$work/" 2>/dev/null || true
	echo "fuzz: $name for ${secs}s"
	if ! "$bin" -max_total_time="$secs" -artifact_prefix=fuzz/artifacts/ "$work" \
		>"fuzz/artifacts/$name.log" 2>&1; then
		echo "fuzz: $name found a crash, see fuzz/artifacts/$name.log"
		fail=1
	fi
	rm -rf "$work"
done
exit $fail
