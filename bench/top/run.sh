#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmarks `connmon top` against iftop + nethogs side by side (docs/PERFORMANCE.md, "connmon top").
#
#   bench/top/run.sh BUILD_DIR [SECONDS]      (a release build holding connmon and bench/)
#
# In a network namespace of its own, "cmtopbench", it holds 100,000 established
# loopback TCP connections: 99,000 idle ones from bench/cm-fixture (200
# processes x 495) and 1,000 busy ones from bench/procs/trafgen.c (10 MB/s in
# all, bounded in time), as bench/procs does.  Then, each on a terminal of
# its own (tmux, 200x50, as an operator runs them), for SECONDS (default 60)
# with a 1 s refresh:
#   peers:    iftop -n -N -P -i lo   and   nethogs -a -d 1 lo   side by side
#   standalone: connmon top -i 1 --standalone   (the overview; it collects itself)
#   agent:    connmon agent in the namespace (its socket in a temporary directory),
#             and connmon top -i 1 --agent=SOCKET reading it
# The CPU of each is read from /proc/PID/stat (user + system of every thread)
# at the start and the end of the same window.  Prints the ratio
# top / (iftop + nethogs) (goal: at most 0.5) and top's share of a core when it
# reads the agent (goal: at most 1 %).  Exit 0 when both goals are met, 1 when
# one is not, 77 without root, 2 when the setup fails.
# shellcheck disable=SC2317
set -u

NS=cmtopbench
SECS=${2:-60}

if [ $# -lt 1 ] || [ ! -d "$1" ]; then
	echo "usage: bench/top/run.sh BUILD_DIR [SECONDS]" >&2
	exit 2
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "needs root"
	exit 77
fi
for tool in ip iftop nethogs tmux cc awk; do
	command -v "$tool" >/dev/null 2>&1 || { echo "bench: '$tool' is missing" >&2; exit 2; }
done
B=$(cd "$1" && pwd)
SRC=$(cd "$(dirname "$0")/.." && pwd)
CM=$B/connmon
for f in "$CM" "$B/bench/cm-fixture"; do
	[ -x "$f" ] || { echo "bench: '$f' is missing; build with: ninja -C $1" >&2; exit 2; }
done

tmp=$(mktemp -d /tmp/cmtopbench.XXXXXX)
cd "$tmp" || exit 2
TMUX_SOCK=$tmp/tmux.sock
fixture_pid=
trafgen_pid=
agent_pid=
HZ=$(getconf CLK_TCK)

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
	tmux -S "$TMUX_SOCK" kill-server 2>/dev/null
	stop_pid "$agent_pid"
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
		cc -O2 -o "$tmp/cm-trafgen" "$SRC/procs/trafgen.c" || return 1
	ip netns exec "$NS" "$B/bench/cm-fixture" -c 495 >"$tmp/fixture.out" 2>"$tmp/fixture.err" &
	fixture_pid=$!
	for _ in $(seq 600); do
		grep -q '^ready' "$tmp/fixture.out" && break
		kill -0 "$fixture_pid" 2>/dev/null || { cat "$tmp/fixture.err" >&2; return 1; }
		sleep 0.1
	done
	ip netns exec "$NS" "$tmp/cm-trafgen" -t $((SECS * 4 + 120)) >"$tmp/trafgen.out" 2>"$tmp/trafgen.err" &
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

ticks() { # PID: user + system clock ticks of every thread, or empty when gone
	awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat" 2>/dev/null
}

# start NAME COMMAND: a tmux window of 200x50 running COMMAND in the namespace;
# prints the PID of the command (ip netns exec execs it, so the pane's PID).
start() {
	local name=$1
	shift
	tmux -S "$TMUX_SOCK" new-session -d -s "$name" -x 200 -y 50 \
		"TERM=xterm-256color ip netns exec $NS $*; echo \"exited: \$?\"; sleep 600" || return 1
	sleep 0.5
	# The pane runs a shell; the program is its only child.
	local sh kid
	sh=$(tmux -S "$TMUX_SOCK" list-panes -t "$name" -F '#{pane_pid}') || return 1
	kid=$(cat "/proc/$sh/task/$sh/children" 2>/dev/null | awk '{ print $1 }')
	[ -n "$kid" ] || { tmux -S "$TMUX_SOCK" capture-pane -p -t "$name" | grep . | head -n 5 >&2; return 1; }
	echo "$kid"
}

# window PID...: CPU seconds of each over SECS, one per line, "fail" when one exits early.
window() {
	local p a=() b=() i=0
	for p in "$@"; do a+=("$(ticks "$p")"); done
	sleep "$SECS"
	for p in "$@"; do b+=("$(ticks "$p")"); done
	for p in "$@"; do
		if [ -z "${a[$i]}" ] || [ -z "${b[$i]}" ]; then
			echo fail
		else
			awk -v x="${a[$i]}" -v y="${b[$i]}" -v hz="$HZ" 'BEGIN { printf "%.3f\n", (y - x) / hz }'
		fi
		i=$((i + 1))
	done
}

setup || exit 2

# Let each program reach its steady state (nethogs' first /proc walk, top's first ticks) before the window.
WARM=${WARM:-10}
echo "peers: iftop + nethogs, ${SECS} s after ${WARM} s of warm-up"
ift=$(start iftop iftop -n -N -P -i lo) || exit 2
nh=$(start nethogs nethogs -a -d 1 lo) || exit 2
sleep "$WARM"
mapfile -t peer < <(window "$ift" "$nh")
echo "  iftop ${peer[0]} s, nethogs ${peer[1]} s of CPU"
tmux -S "$TMUX_SOCK" kill-session -t iftop
tmux -S "$TMUX_SOCK" kill-session -t nethogs
sleep 1

echo "connmon top, standalone"
tp=$(start top "$CM" top -i 1 --standalone) || exit 2
sleep "$WARM"
tmux -S "$TMUX_SOCK" capture-pane -p -t top >"$tmp/top-screen.txt"
mapfile -t solo < <(window "$tp")
echo "  top ${solo[0]} s of CPU"
tmux -S "$TMUX_SOCK" kill-session -t top
sleep 1

echo "connmon top reading a running agent"
mkdir -p "$tmp/agent"
printf '[agent]\ndb = %s\nsocket = %s\n' "$tmp/agent/connmon.db" "$tmp/agent/agent.sock" >"$tmp/agent/connmon.conf"
ip netns exec "$NS" "$CM" agent --config "$tmp/agent/connmon.conf" >"$tmp/agent.out" 2>"$tmp/agent.err" &
agent_pid=$!
sleep "$WARM"
ta=$(start topa "$CM" top -i 1 --agent="$tmp/agent/agent.sock") || exit 2
sleep "$WARM"
tmux -S "$TMUX_SOCK" capture-pane -p -t topa >"$tmp/topa-screen.txt"
mapfile -t viaagent < <(window "$ta" "$agent_pid")
echo "  top ${viaagent[0]} s, agent ${viaagent[1]} s of CPU"
tmux -S "$TMUX_SOCK" kill-session -t topa

for v in "${peer[@]}" "${solo[@]}" "${viaagent[@]}"; do
	[ "$v" = fail ] && { echo "bench: a program ended during its window" >&2; exit 2; }
done
echo
echo "CPU over the same ${SECS} s window, $(nproc) CPUs, kernel $(uname -r):"
echo
echo "| program | CPU s | % of a core |"
echo "| --- | --- | --- |"
pct() { awk -v c="$1" -v s="$SECS" 'BEGIN { printf "%.2f", 100 * c / s }'; }
echo "| iftop -n -N -P -i lo | ${peer[0]} | $(pct "${peer[0]}") |"
echo "| nethogs -a -d 1 lo | ${peer[1]} | $(pct "${peer[1]}") |"
both=$(awk -v a="${peer[0]}" -v b="${peer[1]}" 'BEGIN { printf "%.3f", a + b }')
echo "| iftop + nethogs | $both | $(pct "$both") |"
echo "| connmon top -i 1 --standalone | ${solo[0]} | $(pct "${solo[0]}") |"
echo "| connmon top -i 1 --agent=SOCKET (reading the agent) | ${viaagent[0]} | $(pct "${viaagent[0]}") |"
echo "| connmon agent (meanwhile) | ${viaagent[1]} | $(pct "${viaagent[1]}") |"
echo
ratio=$(awk -v a="${solo[0]}" -v b="$both" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "n/a" }')
share=$(pct "${viaagent[0]}")
fail=0
r1=$(awk -v r="$ratio" 'BEGIN { print (r != "n/a" && r + 0 <= 0.5) ? "PASS" : "FAIL" }')
r2=$(awk -v s="$share" 'BEGIN { print (s + 0 <= 1.0) ? "PASS" : "FAIL" }')
echo "standalone top / (iftop + nethogs) = $ratio (goal ≤ 0.5): $r1"
echo "top reading the agent: $share % of a core (goal ≤ 1 %): $r2"
[ "$r1" = PASS ] || fail=1
[ "$r2" = PASS ] || fail=1
echo "top's screen (standalone), first lines:"
head -n 8 "$tmp/top-screen.txt" | sed "s/^/    /"
echo "top's screen (reading the agent), first lines:"
head -n 8 "$tmp/topa-screen.txt" | sed "s/^/    /"
exit "$fail"
