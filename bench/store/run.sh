#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The store's benchmark (docs/STORE.md, "Cost"; docs/PERFORMANCE.md):
# records 24 hours, then 7 days, of the agent's default series set (~700
# series at 1 s) into new databases faster than real time with store-bench,
# which prints bytes per sample, flush durations and query times.
#
#   bench/store/run.sh BUILD_DIR      (a release build: make release)
#
# Exit 0 when every goal is met (<= 1.0 byte/sample over 24 h, `history
# sockets` over 24 h <= 100 ms, `history ifaces` over 7 days <= 300 ms),
# 1 when one is missed, 2 when it cannot run.  Needs ~200 MB in $TMPDIR.
set -u
build=${1:?usage: bench/store/run.sh BUILD_DIR}
bench=$build/bench/store/store-bench
if [ ! -x "$bench" ]; then
	echo "bench: $bench is missing (ninja -C $build bench/store/store-bench)" >&2
	exit 2
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
for hours in 24 168; do
	mkdir "$tmp/$hours"
	echo "--- store: $hours hours"
	"$bench" "$tmp/$hours" "$hours"
	rc=$?
	[ $rc -eq 1 ] && fail=1
	[ $rc -gt 1 ] && exit 2
	rm -rf "${tmp:?}/$hours"
done
exit $fail
