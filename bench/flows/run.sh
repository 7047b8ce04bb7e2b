#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmarks `connmon flows` (docs/PERFORMANCE-flows.md), all in one run:
#
#   bench/flows/run.sh BUILD_DIR      (a release build: build-rel)
#
# 1. Live: two namespaces joined by a veth pair; bench/flows/blast.c sends
#    COUNT 60-byte UDP frames (bounded by BLAST_S seconds) from A to B while
#    one capture tool listens on B's veth.  Each tool gets its own blast of
#    the same size, in interleaved rounds: connmon flows, iftop -t, tcpdump
#    -w /dev/null, nethogs -t.  CPU time (user+sys, /usr/bin/time) divided
#    by the packets sent gives CPU seconds per million packets; connmon's
#    kernel drop count comes from its JSON.
# 2. Offline: tcpdump records a blast (snaplen 256) to a file of at least
#    2 million packets; `connmon flows -r FILE` decodes and accounts it
#    (file in the page cache, best of ROUNDS) against `tcpdump -r FILE -w
#    /dev/null`, the cost of merely reading the file with libpcap.
# Prints a markdown table.  Exit 0 if the goals are met (0 % drops and CPU
# per Mpkt <= iftop's; >= 5 Mpps offline), 1 if not, 77 without root.
# Environment: COUNT (default 4000000), BLAST_S (10), ROUNDS (3), REC_S (15).
set -u
COUNT=${COUNT:-4000000}
BLAST_S=${BLAST_S:-10}
ROUNDS=${ROUNDS:-3}
REC_S=${REC_S:-15} # the offline recording's blast: long enough for 2M packets

if [ $# -ne 1 ] || [ ! -x "$1/connmon" ]; then
	echo "usage: bench/flows/run.sh BUILD_DIR" >&2
	exit 2
fi
[ "$(id -u)" -eq 0 ] || { echo "needs root"; exit 77; }
for t in iftop tcpdump nethogs cc ip; do
	command -v "$t" >/dev/null || { echo "bench: '$t' is missing" >&2; exit 2; }
done
CONNMON=$(realpath "$1/connmon")
HERE=$(dirname "$(realpath "$0")")
A=cmbflows-a-$$
B=cmbflows-b-$$
TMP=$(mktemp -d)
cleanup() {
	ip netns del "$A" 2>/dev/null
	ip netns del "$B" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

cc -O2 -std=c11 -D_GNU_SOURCE -o "$TMP/blast" "$HERE/blast.c" || exit 2
ip netns add "$A" && ip netns add "$B" || exit 2
ip -n "$A" link add va type veth peer name vb netns "$B"
ip -n "$A" link set lo up
ip -n "$B" link set lo up
ip -n "$A" link set va up
ip -n "$B" link set vb up
ip -n "$A" addr add 10.80.0.1/24 dev va
ip -n "$B" addr add 10.80.0.2/24 dev vb
# a fixed neighbour entry: no ARP in the measured traffic
ip -n "$A" neigh replace 10.80.0.2 lladdr "$(ip netns exec "$B" cat /sys/class/net/vb/address)" dev va

blast() { # [SECONDS]: prints packets sent
	ip netns exec "$A" "$TMP/blast" 10.80.0.2 9 "$COUNT" "${1:-$BLAST_S}" | awk '{print $2}'
}

# run_tool NAME CMD...: the tool in B for the blast; prints "cpu_s sent"
run_tool() {
	local name=$1
	shift
	/usr/bin/time -f "%U %S" -o "$TMP/$name.time" ip netns exec "$B" "$@" \
		>"$TMP/$name.out" 2>"$TMP/$name.err" &
	local pid=$!
	sleep 1.5
	local sent
	sent=$(blast)
	wait "$pid"
	# the last line: /usr/bin/time may first say "Command exited with non-zero status"
	echo "$(tail -n 1 "$TMP/$name.time" | awk '{print $1 + $2}') $sent"
}

DUR=$((BLAST_S + 3))
declare -A CPU SENT
for name in connmon iftop tcpdump nethogs; do CPU[$name]=0; SENT[$name]=0; done
DROPS=0
for round in $(seq "$ROUNDS"); do
	for name in connmon iftop tcpdump nethogs; do
		case $name in
		connmon) r=$(run_tool connmon "$CONNMON" flows -i vb -s "$DUR" --json) ;;
		iftop) r=$(run_tool iftop iftop -t -s "$DUR" -i vb -n -N -P) ;;
		tcpdump) r=$(run_tool tcpdump timeout -s INT "$DUR" tcpdump -i vb -n -w /dev/null) ;;
		nethogs) r=$(run_tool nethogs timeout -s INT "$DUR" nethogs -t vb) ;;
		esac
		read -r cpu sent <<<"$r"
		CPU[$name]=$(echo "${CPU[$name]} + $cpu" | bc -l)
		SENT[$name]=$((SENT[$name] + sent))
		if [ "$name" = connmon ]; then
			d=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["capture"]["kernel_dropped"])' "$TMP/connmon.out")
			DROPS=$((DROPS + d))
			seen=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["totals"]["recv_packets"] + json.load(open(sys.argv[1]))["totals"]["sent_packets"])' "$TMP/connmon.out")
			echo "round $round: connmon saw $seen of $sent packets, kernel drops $d" >&2
		fi
		[ "$name" = tcpdump ] && grep -h "dropped by kernel" "$TMP/tcpdump.err" | sed "s/^/round $round: tcpdump /" >&2
	done
done

per_m() { echo "scale=4; ${CPU[$1]} / (${SENT[$1]} / 1000000)" | bc -l; }
rate() { echo "scale=0; ${SENT[$1]} / ($ROUNDS * $BLAST_S)" | bc -l; }

# offline: a real recording of at least 2 million packets
ip netns exec "$B" tcpdump -i vb -s 256 -n -w "$TMP/rec.pcap" 2>"$TMP/rec.err" &
TDPID=$!
sleep 1.5
blast "$REC_S" >/dev/null
sleep 0.5
kill -INT "$TDPID"
wait "$TDPID"
NPKT=$("$CONNMON" flows -r "$TMP/rec.pcap" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["capture"]["packets"])')
best_cm=999 best_td=999
for round in $(seq "$ROUNDS"); do
	s=$(date +%s.%N); "$CONNMON" flows -r "$TMP/rec.pcap" >/dev/null; e=$(date +%s.%N)
	t=$(echo "$e - $s" | bc -l); [ "$(echo "$t < $best_cm" | bc)" = 1 ] && best_cm=$t
	s=$(date +%s.%N); tcpdump -r "$TMP/rec.pcap" -w /dev/null 2>/dev/null; e=$(date +%s.%N)
	t=$(echo "$e - $s" | bc -l); [ "$(echo "$t < $best_td" | bc)" = 1 ] && best_td=$t
done
MPPS_CM=$(echo "scale=2; $NPKT / $best_cm / 1000000" | bc -l)
MPPS_TD=$(echo "scale=2; $NPKT / $best_td / 1000000" | bc -l)

echo "| live capture, $ROUNDS x $COUNT 60-byte frames per tool | packets/s sent | CPU s per Mpkt | vs iftop |"
echo "| --- | ---: | ---: | ---: |"
for name in connmon iftop tcpdump nethogs; do
	echo "| $name | $(rate $name) | $(per_m $name) | $(echo "scale=2; $(per_m $name) / $(per_m iftop)" | bc -l) |"
done
echo
echo "connmon kernel drops over all rounds: $DROPS"
echo
echo "| offline, $NPKT packets (tcpdump recording) | best s | Mpps |"
echo "| --- | ---: | ---: |"
echo "| connmon flows -r | $best_cm | $MPPS_CM |"
echo "| tcpdump -r -w /dev/null | $best_td | $MPPS_TD |"

ok=0
[ "$DROPS" -eq 0 ] || { echo "goal missed: $DROPS drops"; ok=1; }
[ "$(echo "$(per_m connmon) <= $(per_m iftop)" | bc)" = 1 ] || { echo "goal missed: CPU above iftop's"; ok=1; }
[ "$NPKT" -ge 2000000 ] || { echo "recording has only $NPKT packets (< 2M)"; ok=1; }
[ "$(echo "$MPPS_CM >= 5" | bc)" = 1 ] || { echo "goal missed: offline below 5 Mpps"; ok=1; }
exit $ok
