#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Each man page under DIR renders without a warning: mandoc's linter (warning
# level and above), groff with every warning on, and man -l as a reader runs
# it.  Exit 77 when none of the three tools is installed.
set -u
dir=$1
pages=("$dir"/*.[1-8])
[ -e "${pages[0]}" ] || { echo "FAIL: no man pages in $dir"; exit 1; }
ran=0 fail=0
for p in "${pages[@]}"; do
	if command -v mandoc >/dev/null; then
		ran=1
		out=$(mandoc -Tlint -W warning "$p" 2>&1) || { echo "FAIL: mandoc -Tlint $p: $out"; fail=1; }
	fi
	if command -v groff >/dev/null; then
		ran=1
		out=$(groff -man -Tutf8 -ww -z "$p" 2>&1)
		[ -z "$out" ] || { echo "FAIL: groff -ww $p: $out"; fail=1; }
	fi
	if command -v man >/dev/null; then
		ran=1
		txt=$(LC_ALL=C.UTF-8 MANWIDTH=80 man -l "$p" 2>"${TMPDIR:-/tmp}/man_lint.$$")
		err=$(cat "${TMPDIR:-/tmp}/man_lint.$$")
		rm -f "${TMPDIR:-/tmp}/man_lint.$$"
		[ -z "$err" ] || { echo "FAIL: man -l $p: $err"; fail=1; }
		# a page that renders to almost nothing has lost its macros
		[ "$(printf '%s\n' "$txt" | wc -l)" -ge 30 ] || { echo "FAIL: man -l $p: only a few lines"; fail=1; }
		printf '%s\n' "$txt" | grep -q '^NAME' || { echo "FAIL: man -l $p: no NAME section"; fail=1; }
	fi
	[ $fail = 0 ] && echo "ok: $p"
done
[ $ran = 1 ] || { echo "SKIP: no mandoc, groff or man"; exit 77; }
exit $fail
