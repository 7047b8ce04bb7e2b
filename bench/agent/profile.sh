#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Where the agent's time goes at one load: `connmon agent --interval 1` alone
# in a namespace of its own with CONNS loopback connections (bench/cm-fixture,
# 500 per process; 0 for idle), perf record -g of the agent for SECONDS after
# 12 s of start-up, then perf report's top symbols, self and with children.
#
#   bench/agent/profile.sh BUILD_DIR CONNS [SECONDS] [FREQ]   (root; perf)
#
# Defaults: 30 s at 999 Hz (at idle the agent runs about 1.5 ms a second:
# use FREQ 19999 for enough samples).  Also prints the agent's CPU over the
# whole run from /proc/PID/stat.  The perf data stays in a temporary
# directory whose name it prints.  Exit 0, 2 when set-up fails, 77 without root.
# shellcheck disable=SC2317
set -u
if [ $# -lt 2 ] || [ ! -x "$1/connmon" ]; then
	echo "usage: bench/agent/profile.sh BUILD_DIR CONNS [SECONDS] [FREQ]" >&2
	exit 2
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "needs root"
	exit 77
fi
command -v perf >/dev/null || { echo "profile: perf is missing (apt-get install linux-perf)" >&2; exit 2; }
B=$(cd "$1" && pwd)
conns=$2 secs=${3:-30} freq=${4:-999}
NS=cmagentprof$$
tmp=$(mktemp -d /tmp/cmagentprof.XXXXXX)
fixture='' agent=''

cleanup() {
	trap - EXIT INT TERM HUP
	for pid in $agent $fixture; do
		kill -TERM "$pid" 2>/dev/null
		for _ in $(seq 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	if ip netns list | grep -q "^$NS\( \|\$\)"; then
		# Whatever is left in our namespace is ours.
		for pid in $(ip netns pids "$NS"); do kill -KILL "$pid" 2>/dev/null; done
		ip netns del "$NS"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

ip netns add "$NS" && ip -n "$NS" link set lo up &&
	ip netns exec "$NS" sysctl -qw net.ipv4.ip_local_port_range="1024 65000" &&
	ip netns exec "$NS" sysctl -qw net.core.somaxconn=4096 || exit 2
if [ "$conns" -gt 0 ]; then
	ip netns exec "$NS" "$B/bench/cm-fixture" -p $((conns / 500)) -c 500 -t $((secs + 300)) \
		>"$tmp/fixture.out" 2>&1 &
	fixture=$!
	for _ in $(seq 1200); do
		grep -q '^ready' "$tmp/fixture.out" && break
		kill -0 "$fixture" 2>/dev/null || { cat "$tmp/fixture.out" >&2; exit 2; }
		sleep 0.1
	done
fi
printf '[agent]\n' >"$tmp/agent.conf"
ip netns exec "$NS" "$B/connmon" agent --config "$tmp/agent.conf" --db "$tmp/agent.db" \
	--interval 1 --listen 127.0.0.1:9556 2>"$tmp/agent.log" &
agent=$!
sleep 12
kill -0 "$agent" 2>/dev/null || { cat "$tmp/agent.log" >&2; exit 2; }
perf record -F "$freq" -g -p "$agent" -o "$tmp/perf.data" -- sleep "$secs" >/dev/null 2>&1
awk -v hz="$(getconf CLK_TCK)" -v t="$((secs + 12))" \
	'{ printf "agent: %.2f s of CPU in about %d s (%.2f %% of one core)\n", ($14 + $15) / hz, t, 100 * ($14 + $15) / hz / t }' \
	"/proc/$agent/stat"
echo "== self"
perf report -i "$tmp/perf.data" --no-children --sort dso,sym --stdio -g none 2>/dev/null |
	grep -E '^ +[0-9.]+%' | head -25
echo "== with children"
perf report -i "$tmp/perf.data" --children --sort sym --stdio -g none 2>/dev/null |
	grep -E '^ +[0-9.]+%' | head -40
echo "perf data: $tmp/perf.data"
