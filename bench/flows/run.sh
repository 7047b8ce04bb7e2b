#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmarks `connmon flows` against iftop (docs/PERFORMANCE.md, `connmon
# flows`), all in one run, with many flows grouped the same way on both sides:
#
#   bench/flows/run.sh BUILD_DIR      (a release build: build-rel)
#
# 1. Live: two namespaces of its own joined by a veth pair; bench/flows/blast.c
#    sends COUNT 60-byte UDP frames (bounded by BLAST_S seconds) from A to B,
#    to FLOWS destination ports in turn (FLOWS distinct 5-tuples, default
#    10,000; each packet belongs to another flow than the one before), while
#    one capture tool listens on B's veth.  Each tool gets its own blast of
#    the same size, in interleaved rounds:
#      connmon flows -P   per port pair,  its 10 busiest flows as JSON
#      iftop -t -P        per port pair,  its 10 busiest flows as text
#      tcpdump -w /dev/null                (capture alone, no flows)
#      nethogs -t                          (per process; no port pairs)
#    CPU time (user+sys, /usr/bin/time) divided by the packets sent gives CPU
#    seconds per million packets.  connmon's JSON gives its kernel drops, the
#    packets it saw and the number of flows it tracked; iftop's text gives the
#    bytes it accounted, which shows the packets it lost (it reports no drops).
# 2. Offline: tcpdump records a blast (snaplen 256) to a file of at least
#    2 million packets; `connmon flows -r FILE -P` decodes and accounts it
#    (file in the page cache, best of ROUNDS) against `tcpdump -r FILE -w
#    /dev/null`, the cost of merely reading the file with libpcap.
# Prints markdown tables.  Exit 0 if every goal is met (live: 0 drops, every
# packet seen, at least FLOWS flows tracked, CPU per Mpkt <= iftop's; offline:
# >= 2M packets and FLOWS flows, >= 5 Mpps), 1 if one is not, 2 when the set-up
# fails, 77 without root.  Every process runs under a time limit inside the
# two namespaces, which are deleted on exit.
# Environment: COUNT (default 4000000), BLAST_S (10), ROUNDS (3), REC_S (15),
# FLOWS (10000).
set -u
COUNT=${COUNT:-4000000}
BLAST_S=${BLAST_S:-10}
ROUNDS=${ROUNDS:-3}
REC_S=${REC_S:-15} # the offline recording's blast: long enough for 2M packets
FLOWS=${FLOWS:-10000}
PORT0=20000 # destination ports PORT0 .. PORT0+FLOWS-1
IP_BYTES=46 # a 60-byte frame: 14 Ethernet + 20 IP + 8 UDP + 18 payload

if [ $# -ne 1 ] || [ ! -x "$1/connmon" ]; then
	echo "usage: bench/flows/run.sh BUILD_DIR" >&2
	exit 2
fi
[ "$(id -u)" -eq 0 ] || { echo "needs root"; exit 77; }
for t in iftop tcpdump nethogs cc ip python3 awk timeout /usr/bin/time; do
	command -v "$t" >/dev/null || { echo "bench: '$t' is missing (scripts/setup.sh bench)" >&2; exit 2; }
done
if [ "$FLOWS" -lt 1 ] || [ $((PORT0 + FLOWS - 1)) -gt 65535 ]; then
	echo "bench: FLOWS must be 1..$((65536 - PORT0))" >&2
	exit 2
fi
CONNMON=$(realpath "$1/connmon")
HERE=$(dirname "$(realpath "$0")")
A=cmbflows-a-$$
B=cmbflows-b-$$
TMP=$(mktemp -d /tmp/cmbflows.XXXXXX)
DUR=$((BLAST_S + 3)) # each tool's capture: 1.5 s head start, the blast, slack
LIMIT=$((DUR + 30))  # hard bound on any tool's run

cleanup() {
	trap - EXIT INT TERM HUP
	local ns pids
	for ns in "$A" "$B"; do
		# Only what runs in our own namespaces, by PID.
		pids=$(ip netns pids "$ns" 2>/dev/null)
		# shellcheck disable=SC2086
		[ -n "$pids" ] && kill -KILL $pids 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

setup() {
	cc -O2 -std=c11 -D_GNU_SOURCE -o "$TMP/blast" "$HERE/blast.c" &&
		ip netns add "$A" && ip netns add "$B" &&
		ip -n "$A" link add va type veth peer name vb netns "$B" &&
		ip -n "$A" link set lo up && ip -n "$B" link set lo up &&
		ip -n "$A" link set va up && ip -n "$B" link set vb up &&
		ip -n "$A" addr add 10.80.0.1/24 dev va &&
		ip -n "$B" addr add 10.80.0.2/24 dev vb &&
		# a fixed neighbour entry: no ARP in the measured traffic
		ip -n "$A" neigh replace 10.80.0.2 dev va \
			lladdr "$(ip netns exec "$B" cat /sys/class/net/vb/address)"
}
setup || { echo "bench: set-up failed" >&2; exit 2; }

# blast [SECONDS]: one blast from A; prints "packets seconds", or fails.
blast() {
	local out
	out=$(ip netns exec "$A" timeout -k 5 $((${1:-$BLAST_S} + 10)) \
		"$TMP/blast" 10.80.0.2 "$PORT0" "$COUNT" "${1:-$BLAST_S}" 18 "$FLOWS") || return 1
	awk '$1 == "sent" && $2 > 0 { print $2, $5; ok = 1 } END { exit !ok }' <<<"$out"
}

# run_tool NAME CMD...: CMD in B (stdin /dev/null, bounded by LIMIT) during
# one blast; prints "cpu_s exit_status packets seconds".
run_tool() {
	local name=$1 pid sent
	shift
	/usr/bin/time -f "%U %S %x" -o "$TMP/$name.time" \
		ip netns exec "$B" timeout -k 5 "$LIMIT" "$@" \
		>"$TMP/$name.out" 2>"$TMP/$name.err" </dev/null &
	pid=$!
	sleep 1.5
	sent=$(blast) || { wait "$pid"; return 1; }
	# iftop checks its -s deadline only when a packet arrives: after the blast,
	# one datagram (to port 9, a flow of its own) every 0.5 s until the tool
	# has ended, for every tool alike; a few packets against millions.
	for _ in $(seq $((2 * LIMIT))); do
		kill -0 "$pid" 2>/dev/null || break
		ip netns exec "$A" "$TMP/blast" 10.80.0.2 9 1 1 >/dev/null
		sleep 0.5
	done
	wait "$pid"
	# the last line: /usr/bin/time may first say "Command exited with non-zero status"
	echo "$(tail -n 1 "$TMP/$name.time" | awk '{ print $1 + $2, $3 }') $sent"
}

# tool_failed NAME WHAT: reports a tool that did not do its part; exit 2.
tool_failed() {
	echo "bench: round $round: $1 $2; its output and errors:" >&2
	head -c 600 "$TMP/$1.out" "$TMP/$1.err" >&2
	exit 2
}

# connmon's JSON: "kernel_dropped packets_seen nr_flows"
connmon_json() {
	python3 -c '
import json, sys
o = json.load(open(sys.argv[1]))
t = o["totals"]
print(o["capture"]["kernel_dropped"], t["recv_packets"] + t["sent_packets"], o["nr_flows"])' "$1"
}

# iftop's text: the cumulative bytes it accounted (its last "Cumulative" line,
# total column), in bytes; and how many of its rows are port pairs of ours.
iftop_text() {
	awk -v p0="$PORT0" '
		function bytes(s,   n, u) {
			n = s + 0; u = substr(s, length(s) - 1, 1)
			return n * (u == "K" ? 1024 : u == "M" ? 1048576 : u == "G" ? 1073741824 : 1)
		}
		/^Cumulative/ { total = bytes($NF) }
		/10\.80\.0\.2:[0-9]+ / { split($2, a, ":"); if (a[2] >= p0) rows++ }
		END { printf "%d %d\n", total, rows }' "$1"
}

declare -A CPU SENT SECS
TOOLS="connmon iftop tcpdump nethogs"
for name in $TOOLS; do CPU[$name]=0 SENT[$name]=0 SECS[$name]=0; done
DROPS=0 failures=0
fail() { echo "goal missed: $*"; failures=$((failures + 1)); }

for round in $(seq "$ROUNDS"); do
	for name in $TOOLS; do
		case $name in
		connmon) r=$(run_tool connmon "$CONNMON" flows -i vb -P -s "$DUR" --json --top 10) ;;
		iftop) r=$(run_tool iftop iftop -t -s "$DUR" -i vb -n -N -P) ;;
		tcpdump) r=$(run_tool tcpdump timeout -s INT "$DUR" tcpdump -i vb -n -w /dev/null) ;;
		nethogs) r=$(run_tool nethogs timeout -s INT "$DUR" nethogs -t vb) ;;
		esac
		read -r cpu status sent secs <<<"$r"
		[ -n "${secs:-}" ] || tool_failed "$name" "or its blast did not run"
		# 124: timeout ended tcpdump and nethogs after DUR, as intended
		case $name:$status in
		connmon:0 | iftop:0 | tcpdump:124 | nethogs:124) ;;
		*) tool_failed "$name" "exited with status $status" ;;
		esac
		CPU[$name]=$(awk -v a="${CPU[$name]}" -v b="$cpu" 'BEGIN { print a + b }')
		SENT[$name]=$((SENT[$name] + sent))
		SECS[$name]=$(awk -v a="${SECS[$name]}" -v b="$secs" 'BEGIN { print a + b }')
		case $name in
		connmon)
			read -r d seen nflows < <(connmon_json "$TMP/connmon.out")
			[ -n "${nflows:-}" ] || tool_failed connmon "printed no readable JSON"
			DROPS=$((DROPS + d))
			echo "round $round: connmon saw $seen packets of $sent sent, $nflows flows, kernel drops $d"
			[ "$seen" -ge "$sent" ] || fail "round $round: connmon saw $seen of $sent packets"
			[ "$nflows" -ge "$FLOWS" ] || fail "round $round: connmon tracked $nflows flows, $FLOWS sent"
			;;
		iftop)
			read -r got rows <<<"$(iftop_text "$TMP/iftop.out")"
			echo "round $round: iftop accounted $got of $((sent * IP_BYTES)) IP bytes sent" \
				"($(awk -v a="$got" -v b="$((sent * IP_BYTES))" 'BEGIN { printf "%.1f", 100 * a / b }') %)," \
				"$rows port-pair rows shown"
			[ "$rows" -ge 10 ] || tool_failed iftop "showed $rows of our port pairs, not 10"
			;;
		tcpdump)
			grep -h "dropped by kernel" "$TMP/tcpdump.err" | sed "s/^/round $round: tcpdump: /"
			;;
		esac
	done
done

per_m() { awk -v c="${CPU[$1]}" -v n="${SENT[$1]}" 'BEGIN { printf "%.4f", c / (n / 1e6) }'; }
pps() { awk -v n="${SENT[$1]}" -v s="${SECS[$1]}" 'BEGIN { printf "%.0f", n / s }'; }
IFTOP_PM=$(per_m iftop)

echo
echo "| live, $ROUNDS x $COUNT 60-byte frames per tool, $FLOWS UDP 5-tuples | packets/s sent | CPU s per Mpkt | vs iftop |"
echo "| --- | ---: | ---: | ---: |"
for name in $TOOLS; do
	echo "| $name | $(pps "$name") | $(per_m "$name") |" \
		"$(awk -v a="$(per_m "$name")" -v b="$IFTOP_PM" 'BEGIN { printf "%.2f", a / b }') |"
done
echo
echo "connmon kernel drops over all rounds: $DROPS"
[ "$DROPS" -eq 0 ] || fail "connmon's kernel dropped $DROPS packets"
awk -v a="$(per_m connmon)" -v b="$IFTOP_PM" 'BEGIN { exit !(a <= b) }' ||
	fail "connmon's CPU per Mpkt above iftop's"

# offline: a real recording of at least 2 million packets
ip netns exec "$B" timeout -s INT -k 5 $((REC_S + 5)) tcpdump -i vb -s 256 -n -w "$TMP/rec.pcap" \
	2>"$TMP/rec.err" </dev/null &
TDPID=$!
sleep 1.5
blast "$REC_S" >/dev/null || { echo "bench: the recording's blast failed" >&2; exit 2; }
sleep 0.5
kill -INT "$TDPID" 2>/dev/null
wait "$TDPID"
read -r NPKT NFLOWS_REC < <(timeout 120 "$CONNMON" flows -r "$TMP/rec.pcap" -P --json --top 1 |
	python3 -c 'import json, sys; o = json.load(sys.stdin); print(o["capture"]["packets"], o["nr_flows"])')
if [ -z "${NFLOWS_REC:-}" ]; then
	echo "bench: connmon flows -r failed on the recording" >&2
	exit 2
fi

# best_s CMD...: the fastest of ROUNDS runs, in seconds
best_s() {
	local best=999 s e i
	for i in $(seq "$ROUNDS"); do
		s=$(date +%s.%N)
		timeout 120 "$@" >/dev/null 2>&1 || { echo fail; return; }
		e=$(date +%s.%N)
		best=$(awk -v b="$best" -v t="$(awk -v s="$s" -v e="$e" 'BEGIN { print e - s }')" \
			'BEGIN { print (t < b ? t : b) }')
	done
	printf '%.3f\n' "$best"
}
best_cm=$(best_s "$CONNMON" flows -r "$TMP/rec.pcap" -P)
best_td=$(best_s tcpdump -r "$TMP/rec.pcap" -w /dev/null)
mpps() { awk -v n="$NPKT" -v t="$1" 'BEGIN { if (t + 0 > 0) printf "%.2f", n / t / 1e6; else print "n/a" }'; }

echo
echo "| offline, $NPKT packets, $NFLOWS_REC flows (tcpdump recording) | best s | Mpps |"
echo "| --- | ---: | ---: |"
echo "| connmon flows -r -P | $best_cm | $(mpps "$best_cm") |"
echo "| tcpdump -r -w /dev/null | $best_td | $(mpps "$best_td") |"
echo
[ "$NPKT" -ge 2000000 ] || fail "the recording has only $NPKT packets (< 2M)"
[ "$NFLOWS_REC" -ge "$FLOWS" ] || fail "the recording holds $NFLOWS_REC flows, $FLOWS sent"
awk -v m="$(mpps "$best_cm")" 'BEGIN { exit !(m != "n/a" && m + 0 >= 5) }' ||
	fail "offline below 5 Mpps"
if [ "$failures" -eq 0 ]; then
	echo "bench: every goal met"
	exit 0
fi
echo "bench: $failures goal(s) not met"
exit 1
