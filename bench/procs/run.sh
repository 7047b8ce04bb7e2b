#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmarks `connmon procs` against nethogs (docs/PERFORMANCE-procs.md).
#
#   bench/procs/run.sh BUILD_DIR      (a release build holding connmon and bench/)
#
# In a network namespace of its own, "cmprocsbench", it holds 100,000
# established loopback TCP connections: 99,000 idle ones from bench/cm-fixture
# (200 processes x 495) and 1,000 busy ones from bench/procs/trafgen.c
# (compiled here; 1 KiB per connection every 100 ms, 10 MB/s in all, bounded
# in time).  With that traffic running it measures, with bench/cm-run
# (user + system CPU from wait4), 10 refreshes 1 s apart of:
#   nethogs -a -t -d 1 -c 10 lo                                (trace mode)
#   connmon procs --engine tcpinfo -w 1 --iterations 10 --json
#   connmon procs --engine capture -i lo -w 1 --iterations 10 --json
# in ROUNDS (default 3) interleaved rounds, and prints medians and the ratio
# connmon / nethogs (goal: at most 0.5).  At this size nethogs needs far
# more than 10 s for 10 refreshes, so it is stopped after 10 s and its CPU
# over those 10 s is its figure (connmon's runs take about 10.5 s: the
# comparison favours nethogs slightly).  Exit 0 when both engines meet it,
# 1 when one does not, 77 without root, 2 when the setup fails.
# shellcheck disable=SC2016,SC2317
set -u

NS=cmprocsbench
ROUNDS=${ROUNDS:-3}
LIMIT_S=60
NETHOGS_S=10 # nethogs' window: the 10 s connmon's 10 refreshes take

if [ $# -ne 1 ] || [ ! -d "$1" ]; then
	echo "usage: bench/procs/run.sh BUILD_DIR" >&2
	exit 2
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "needs root"
	exit 77
fi
for tool in ip nethogs cc awk; do
	command -v "$tool" >/dev/null 2>&1 || { echo "bench: '$tool' is missing" >&2; exit 2; }
done
B=$(cd "$1" && pwd)
SRC=$(cd "$(dirname "$0")" && pwd)
CM=$B/connmon
RUN=$B/bench/cm-run
for f in "$CM" "$RUN" "$B/bench/cm-fixture"; do
	[ -x "$f" ] || { echo "bench: '$f' is missing; build with: ninja -C $1" >&2; exit 2; }
done

tmp=$(mktemp -d /tmp/cmprocsbench.XXXXXX)
cd "$tmp" || exit 2
fixture_pid=
trafgen_pid=

stop_pid() { # PID: TERM, wait up to 30 s, then KILL
	[ -n "$1" ] || return 0
	kill -TERM "$1" 2>/dev/null
	for _ in $(seq 300); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

cleanup() {
	trap - EXIT INT TERM HUP
	stop_pid "$trafgen_pid"
	stop_pid "$fixture_pid"
	if ip netns list | grep -q "^$NS\( \|\$\)"; then
		pids=$(ip netns pids "$NS" 2>/dev/null)
		# Only what runs in our own namespace, by PID.
		# shellcheck disable=SC2086
		[ -n "$pids" ] && kill -KILL $pids 2>/dev/null
		sleep 0.5
		ip netns del "$NS" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

setup() {
	if ip netns list | grep -q "^$NS\( \|\$\)"; then
		echo "bench: namespace $NS exists (an interrupted run?); delete it first" >&2
		return 1
	fi
	ip netns add "$NS" &&
		ip -n "$NS" link set lo up &&
		ip netns exec "$NS" sysctl -qw net.ipv4.ip_local_port_range="1024 65000" &&
		ip netns exec "$NS" sysctl -qw net.core.somaxconn=4096 &&
		cc -O2 -o "$tmp/cm-trafgen" "$SRC/trafgen.c" || return 1
	ip netns exec "$NS" "$B/bench/cm-fixture" -c 495 >"$tmp/fixture.out" 2>"$tmp/fixture.err" &
	fixture_pid=$!
	for _ in $(seq 600); do
		grep -q '^ready' "$tmp/fixture.out" && break
		kill -0 "$fixture_pid" 2>/dev/null || { cat "$tmp/fixture.err" >&2; return 1; }
		sleep 0.1
	done
	ip netns exec "$NS" "$tmp/cm-trafgen" -t 600 >"$tmp/trafgen.out" 2>"$tmp/trafgen.err" &
	trafgen_pid=$!
	for _ in $(seq 300); do
		grep -q '^ready' "$tmp/trafgen.out" && break
		kill -0 "$trafgen_pid" 2>/dev/null || { cat "$tmp/trafgen.err" >&2; return 1; }
		sleep 0.1
	done
	n=$(ip netns exec "$NS" ss -tanH state established | wc -l)
	echo "population: $n established TCP sockets ($((n / 2)) connections), 1,000 with traffic"
	[ "$n" -ge 200000 ] || { echo "bench: expected 200,000 sockets" >&2; return 1; }
}

declare -A CMD
CMD[nethogs]="nethogs -a -t -d 1 -c 10 lo"
CMD[tcpinfo]="$CM procs --engine tcpinfo -w 1 --iterations 10 --json"
CMD[capture]="$CM procs --engine capture -i lo -w 1 --iterations 10 --json"
KEYS="nethogs tcpinfo capture"

run_one() { # KEY: appends "wall cpu rss_kib" or "fail"
	local key=$1 tag wall usr sys rss status limit=$LIMIT_S ok=0
	# nethogs cannot do 10 refreshes in 10 s at this size: what it spends in
	# the same 10 s is its figure (cm-run kills it at the limit: status 137).
	[ "$key" = nethogs ] && limit=$NETHOGS_S ok=137
	# shellcheck disable=SC2086
	ip netns exec "$NS" "$RUN" -t "$limit" ${CMD[$key]} 2>"$tmp/$key.err" </dev/null
	read -r tag wall usr sys rss status <<<"$(grep '^cm-run: [0-9]' "$tmp/$key.err" | tail -n 1)"
	if [ "${tag:-}" != cm-run: ] || { [ "${status:-1}" != 0 ] && [ "${status:-1}" != "$ok" ]; }; then
		echo fail >>"$tmp/$key.runs"
		return
	fi
	awk -v w="$wall" -v u="$usr" -v s="$sys" -v m="$rss" \
		'BEGIN { printf "%.3f %.3f %d\n", w, u + s, m }' >>"$tmp/$key.runs"
}

median() { # KEY FIELD
	if [ ! -s "$tmp/$1.runs" ] || grep -q fail "$tmp/$1.runs"; then
		echo n/a
		return
	fi
	awk -v c="$2" '{ print $c }' "$tmp/$1.runs" | sort -g |
		awk '{ v[NR] = $1 } END { printf "%.3f\n", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# connmon must see the generator's traffic, or its CPU figure means nothing.
sanity() {
	local out pid
	pid=$(awk '/^ready/ { print $2 }' "$tmp/trafgen.out")
	# Refreshes 3 and 4 dump only the busy sockets: check that they still see them.
	out=$(ip netns exec "$NS" "$CM" procs --engine tcpinfo -w 1 --iterations 4 --json | tail -n 1)
	echo "$out" | python3 -c '
import json, sys
o = json.loads(sys.stdin.read()); pid = int(sys.argv[1])
r = [p for p in o["processes"] if p["pid"] == pid]
rate = r[0]["tx_bytes_per_s"] if r else 0
print("sanity: connmon sees the generator send %.1f MB/s (target 10.2 per second; less when CPUs are busy)" % (rate / 1e6))
sys.exit(0 if 1e6 < rate < 15e6 else 1)' "$pid"
}

setup || exit 2
sanity || { echo "bench: connmon does not see the traffic" >&2; exit 2; }
for r in $(seq "$ROUNDS"); do
	echo "round $r/$ROUNDS"
	for key in $KEYS; do run_one "$key"; done
done

failures=0
echo
echo "Medians over $ROUNDS runs, $(nproc) CPUs, kernel $(uname -r); each run is 10 refreshes 1 s apart:"
echo
echo "| command | wall s | user+sys s | peak RSS MiB | CPU vs nethogs | goal | result |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
nh=$(median nethogs 2)
for key in $KEYS; do
	cpu=$(median "$key" 2)
	rss=$(awk '$3 > m { m = $3 } END { printf "%.1f", m / 1024 }' "$tmp/$key.runs")
	ratio=- goal=- verdict=-
	if [ "$key" != nethogs ]; then
		goal="≤ 0.5"
		ratio=$(awk -v a="$cpu" -v b="$nh" 'BEGIN { if (a != "n/a" && b + 0 > 0) printf "%.3f", a / b; else print "n/a" }')
		verdict=$(awk -v r="$ratio" 'BEGIN { print (r != "n/a" && r + 0 <= 0.5 ? "PASS" : "FAIL") }')
		[ "$verdict" = PASS ] || failures=$((failures + 1))
	fi
	printf '| `%s` | %s | %s | %s | %s | %s | %s |\n' "${CMD[$key]//$B\//}" \
		"$(median "$key" 1)" "$cpu" "$rss" "$ratio" "$goal" "$verdict"
done
for key in $KEYS; do
	if grep -q fail "$tmp/$key.runs" 2>/dev/null; then
		echo "\`$key\` failed:"
		head -n 5 "$tmp/$key.err" | sed 's/^/    /'
	fi
done
echo
[ "$failures" -eq 0 ] && { echo "bench: every goal met"; exit 0; }
echo "bench: $failures goal(s) not met"
exit 1
