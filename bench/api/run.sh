#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The dashboard's API over a week of history (docs/PERFORMANCE.md,
# "Dashboard API"): bench/api/mkweek writes 7 days of the agent's series
# with baselines, an agent records on top of it inside a network namespace
# made for the run, and curl asks /api/v1/series what the dashboard's panels
# ask (600 points per series, bands on) over 24 hours and over 7 days: the
# median time_total of 10 warm requests each, against the peer measured in
# the same run, `connmon history sockets --since -24h` on the same database.
#
#   bench/api/run.sh BUILD_DIR        (a release build: make release)
#
# Exit 0 when every 24-hour request is answered within 100 ms, 1 when one
# is not, 2 when it cannot run, 77 without root.
set -u
build=${1:?usage: bench/api/run.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
if [ "$(id -u)" -ne 0 ]; then
	echo "needs root (a network namespace for the agent)"
	exit 77
fi
for tool in curl ip; do
	command -v "$tool" >/dev/null 2>&1 || {
		echo "bench: '$tool' is missing" >&2
		exit 2
	}
done
tmp=$(mktemp -d)
ns=cmapib$$
agent=
cleanup() {
	[ -n "$agent" ] && kill "$agent" 2>/dev/null && wait "$agent" 2>/dev/null
	ip netns del "$ns" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
"$here/mkweek" "$build" "$tmp/week.db" 7 6 || exit 2
ip netns add "$ns" && ip -n "$ns" link set lo up || exit 2
printf '[agent]\ndb = %s\nlisten = 127.0.0.1:9556\n' "$tmp/week.db" >"$tmp/c.conf"
ip netns exec "$ns" "$build/connmon" agent --config "$tmp/c.conf" 2>"$tmp/agent.log" &
agent=$!
for _ in $(seq 50); do
	ip netns exec "$ns" curl -fs -o /dev/null http://127.0.0.1:9556/api/v1/status && break
	sleep 0.2
done

# median of 10 warm runs of a command printing one time in seconds
median10() {
	local v=()
	"$@" >/dev/null # warm
	for _ in $(seq 10); do v+=("$("$@")"); done
	printf '%s\n' "${v[@]}" | sort -g | sed -n 5,6p | awk '{ s += $1 } END { printf "%.1f", s * 500 }'
}
api() { # since, select...: time_total of one /api/v1/series request
	local since=$1 args=()
	shift
	for s in "$@"; do args+=(--data-urlencode "select=$s"); done
	ip netns exec "$ns" curl -fsG -o /dev/null -w '%{time_total}\n' \
		http://127.0.0.1:9556/api/v1/series --data-urlencode "since=$since" \
		--data-urlencode points=600 --data-urlencode band=1 "${args[@]}"
}
peer() {
	local t0 t1
	t0=$(date +%s%N)
	"$build/connmon" history sockets --db "$tmp/week.db" --since -24h >/dev/null
	t1=$(date +%s%N)
	echo "$(((t1 - t0) / 1000))e-6"
}
panels=(
	"states|connmon_tcp_sockets"
	"traffic|connmon_iface_rx_bytes_total connmon_iface_tx_bytes_total"
	"health|connmon_netstat_total{counter=\"TcpRetransSegs\"} connmon_netstat_total{counter=\"TcpOutSegs\"} connmon_netstat_total{counter=\"TcpExtListenOverflows\"} connmon_netstat_total{counter=\"TcpAttemptFails\"} connmon_netstat_total{counter=\"TcpEstabResets\"}"
)
fail=0
peer_ms=$(median10 peer)
echo "peer: connmon history sockets --since -24h (same db): median $peer_ms ms"
for range in -24h -7d; do
	for p in "${panels[@]}"; do
		name=${p%%|*}
		# shellcheck disable=SC2086 # the selectors are split on blanks on purpose
		ms=$(median10 api "$range" ${p#*|})
		ratio=$(awk -v a="$ms" -v b="$peer_ms" 'BEGIN { printf "%.2f", a / b }')
		goal=""
		if [ "$range" = -24h ]; then
			goal=" (goal <= 100 ms)"
			awk -v a="$ms" 'BEGIN { exit !(a > 100) }' && fail=1
		fi
		echo "api $range $name: median $ms ms, $ratio x the peer$goal"
	done
done
exit $fail
