#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmarks `connmon sockets` and `connmon summary` against ss, netstat and
# the shell pipelines they replace (docs/PERFORMANCE.md).
#
#   bench/run.sh BUILD_DIR        (make bench does: bench/run.sh build-rel)
#
# Builds a network namespace "cmbench" holding 100,000 established loopback
# TCP connections (200,000 sockets) over 200 processes plus 1,000 listeners
# (bench/fixture.c), then runs every command inside it with `ip netns exec`,
# output to /dev/null, in interleaved rounds so background noise hits all of
# them alike.  Each figure is a ratio of medians from this one run.
# Prints a markdown table; exit 0 if every goal is met, 1 if one is not,
# 77 without root, 2 when the fixture cannot be built.
# Environment: ROUNDS (default 5), SLOW_ROUNDS (ss -tanp, default 3),
# SLOW_CAP_S (stop ss -tanp rounds after this many seconds, default 75).
# Markdown backticks in single quotes are meant; cleanup runs from a trap.
# shellcheck disable=SC2016,SC2317
set -u

NS=cmbench
ROUNDS=${ROUNDS:-5}
SLOW_ROUNDS=${SLOW_ROUNDS:-3}
SLOW_CAP_S=${SLOW_CAP_S:-75}
LIMIT_S=120 # per single run

if [ $# -ne 1 ] || [ ! -d "$1" ]; then
	echo "usage: bench/run.sh BUILD_DIR" >&2
	exit 2
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "needs root"
	exit 77
fi
for tool in ip ss netstat awk sort uniq cut; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "bench: '$tool' is missing (scripts/setup.sh bench installs it)" >&2
		exit 2
	fi
done
B=$(cd "$1" && pwd)
CM=$B/connmon
RUN=$B/bench/cm-run
for f in "$RUN" "$B/bench/cm-fixture" "$B/bench/nldump"; do
	if [ ! -x "$f" ]; then
		echo "bench: '$f' is missing; build with: ninja -C $1" >&2
		exit 2
	fi
done

tmp=$(mktemp -d /tmp/cmbench.XXXXXX)
cd "$tmp" || exit 2 # whatever a command writes by mistake lands in $tmp
fixture_pid=

# Kills, by PID, what runs inside our namespace; bounded.
kill_ns_pids() {
	local pids
	pids=$(ip netns pids "$NS" 2>/dev/null) || return 0
	[ -n "$pids" ] || return 0
	# shellcheck disable=SC2086
	kill -KILL $pids 2>/dev/null
	for _ in $(seq 100); do
		[ -z "$(ip netns pids "$NS" 2>/dev/null)" ] && return 0
		sleep 0.1
	done
}

cleanup() {
	trap - EXIT INT TERM HUP
	if [ -n "$fixture_pid" ]; then
		kill -TERM "$fixture_pid" 2>/dev/null
		# Tearing down 200,000 sockets takes a few seconds.
		for _ in $(seq 300); do
			kill -0 "$fixture_pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$fixture_pid" 2>/dev/null
		wait "$fixture_pid" 2>/dev/null
	fi
	if ip netns list | grep -q "^$NS\( \|\$\)"; then
		kill_ns_pids
		ip netns del "$NS" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

setup_namespace() {
	# A namespace left by an interrupted run of ours: empty it first.
	if ip netns list | grep -q "^$NS\( \|\$\)"; then
		kill_ns_pids
		ip netns del "$NS"
	fi
	ip netns add "$NS" &&
		ip -n "$NS" link set lo up &&
		ip netns exec "$NS" sysctl -qw net.ipv4.ip_local_port_range="1024 65000" &&
		ip netns exec "$NS" sysctl -qw net.core.somaxconn=4096
}

start_fixture() {
	ip netns exec "$NS" "$B/bench/cm-fixture" >"$tmp/fixture.out" 2>"$tmp/fixture.err" &
	fixture_pid=$!
	for _ in $(seq 600); do
		grep -q '^ready' "$tmp/fixture.out" && return 0
		kill -0 "$fixture_pid" 2>/dev/null || break
		sleep 0.1
	done
	cat "$tmp/fixture.err" >&2
	return 1
}

check_population() {
	local lines
	lines=$(ip netns exec "$NS" ss -tanH | wc -l)
	echo "fixture: $lines TCP sockets ($(cat "$tmp/fixture.out"))"
	if [ "$lines" -lt 200000 ]; then
		echo "bench: expected about 201,000 sockets, found $lines" >&2
		return 1
	fi
}

# Commands, by key.  Pipelines run under sh so cm-run charges every stage.
declare -A CMD
CMD[cm_tan]="$CM sockets -tan"
CMD[cm_json]="$CM sockets -tan --json"
CMD[cm_tanp]="$CM sockets -tanp"
CMD[cm_group]="$CM sockets -tan --group-by raddr"
CMD[cm_count]="$CM sockets -tan --count"
CMD[cm_summary]="$CM summary"
CMD[nldump]="$B/bench/nldump"
CMD[ss_tan]="ss -tan"
CMD[ss_tanp]="ss -tanp"
CMD[netstat_pipe]='sh -c '\''netstat -tan | awk "{print \$5}" | cut -d: -f1 | sort | uniq -c | sort -rn'\'
CMD[ss_pipe]='sh -c '\''ss -tan | awk "{print \$1}" | sort | uniq -c'\'
# How each command appears in the report (markdown: pipes escaped).
declare -A LABEL
for key in "${!CMD[@]}"; do LABEL[$key]=${CMD[$key]//$B\//}; done
LABEL[nldump]="nldump"
LABEL[netstat_pipe]="netstat -tan \| awk '{print \$5}' \| cut -d: -f1 \| sort \| uniq -c \| sort -rn"
LABEL[ss_pipe]="ss -tan \| awk '{print \$1}' \| sort \| uniq -c"
FAST_KEYS="nldump ss_tan cm_tan cm_json cm_group cm_count cm_summary netstat_pipe ss_pipe cm_tanp"
SLOW_KEYS="ss_tanp"

# run_one KEY: one timed run inside the namespace; appends "wall cpu rss_kib" or "fail".
run_one() {
	local key=$1 line tag wall usr sys rss status
	# shellcheck disable=SC2086
	eval "ip netns exec $NS env LC_ALL=C $RUN -t $LIMIT_S ${CMD[$key]}" 2>"$tmp/$key.out"
	line=$(grep '^cm-run: [0-9]' "$tmp/$key.out" | tail -n 1)
	read -r tag wall usr sys rss status <<<"$line"
	if [ "$tag" != cm-run: ] || [ "${status:-1}" != 0 ]; then
		# Keep the first failure's stderr for the report.
		[ -s "$tmp/$key.err" ] || cp "$tmp/$key.out" "$tmp/$key.err"
		echo fail >>"$tmp/$key.runs"
		return
	fi
	awk -v w="$wall" -v u="$usr" -v s="$sys" -v m="$rss" \
		'BEGIN { printf "%.6f %.6f %d\n", w, u + s, m }' >>"$tmp/$key.runs"
}

# figure KEY FIELD: median of field 1 (wall) or 2 (cpu), max of 3 (rss); "n/a" if any run failed.
figure() {
	local f="$tmp/$1.runs"
	if [ ! -s "$f" ] || grep -q fail "$f"; then
		echo n/a
		return
	fi
	case $2 in
	3) awk '$3 > m { m = $3 } END { printf "%.1f\n", m / 1024 }' "$f" ;;
	*) awk -v c="$2" '{ print $c }' "$f" | sort -g |
		awk '{ v[NR] = $1 } END { printf "%.3f\n", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }' ;;
	esac
}

# A command that prints nothing would be fast; check once that connmon's
# output holds the sockets before trusting its times.  Failing keys get a
# "fail" run, which turns their figures into n/a.
check_outputs() {
	local out=$tmp/out n
	ip netns exec "$NS" "$CM" sockets -tan >"$out" 2>/dev/null
	n=$(wc -l <"$out")
	[ "$n" -ge 200000 ] || reject cm_tan "printed $n lines, expected about 201,000"
	ip netns exec "$NS" "$CM" sockets -tanp >"$out" 2>/dev/null
	n=$(grep -c cm-fixture "$out")
	[ "$n" -ge 200000 ] || reject cm_tanp "named cm-fixture on $n lines, expected about 201,000"
	ip netns exec "$NS" "$CM" sockets -tan --json >"$out" 2>/dev/null
	n=$(wc -c <"$out")
	[ "$n" -ge 10000000 ] || reject cm_json "printed $n bytes, expected at least 50 per socket"
	rm -f "$out"
}

reject() {
	echo "bench: \`${LABEL[$1]}\` $2" | tee -a "$tmp/$1.err" >&2
	echo fail >>"$tmp/$1.runs"
}

measure_all() {
	local key r spent=0 t0
	echo "warm-up: one untimed run of each command but ss -tanp"
	for key in $FAST_KEYS; do
		run_one "$key"
		: >"$tmp/$key.runs"
	done
	check_outputs
	for r in $(seq "$ROUNDS"); do
		echo "round $r/$ROUNDS"
		for key in $FAST_KEYS; do run_one "$key"; done
		if [ "$r" -le "$SLOW_ROUNDS" ] && [ "$spent" -lt "$SLOW_CAP_S" ]; then
			t0=$(date +%s)
			for key in $SLOW_KEYS; do run_one "$key"; done
			spent=$((spent + $(date +%s) - t0))
		fi
	done
}

failures=0
# row METRIC CM PEER GOAL_RATIO UNIT: one table line; the ratio is CM/PEER.
row() {
	local metric=$1 cm=$2 peer=$3 goal=$4 unit=$5 ratio verdict
	if [ "$cm" = n/a ] || [ "$peer" = n/a ]; then
		ratio=n/a verdict=FAIL
	else
		# Parenthesised: a bare ">" in awk's printf arguments is a redirection.
		ratio=$(awk -v a="$cm" -v b="$peer" 'BEGIN { if (b + 0 > 0) printf "%.3f", (a / b); else print "n/a" }')
		verdict=$(awk -v r="$ratio" -v g="$goal" 'BEGIN { print (r != "n/a" && r + 0 <= g + 0 ? "PASS" : "FAIL") }')
	fi
	[ "$verdict" = PASS ] || failures=$((failures + 1))
	[ "$cm" = n/a ] || cm="$cm $unit"
	[ "$peer" = n/a ] || peer="$peer $unit"
	printf '| %s | %s | %s | %s | ≤ %s | %s |\n' "$metric" "$cm" "$peer" "$ratio" "$goal" "$verdict"
}

report() {
	local key rss verdict
	echo
	echo "Medians over $ROUNDS runs ($SLOW_ROUNDS at most for ss -tanp), $(nproc) CPUs, kernel $(uname -r):"
	echo
	echo "| command | runs | wall s (median) | user+sys s (median) | peak RSS MiB |"
	echo "| --- | --- | --- | --- | --- |"
	for key in $FAST_KEYS $SLOW_KEYS; do
		printf '| `%s` | %s | %s | %s | %s |\n' "${LABEL[$key]}" \
			"$(awk 'END { print NR }' "$tmp/$key.runs" 2>/dev/null)" \
			"$(figure "$key" 1)" "$(figure "$key" 2)" "$(figure "$key" 3)"
	done
	echo
	echo "| metric | connmon | peer | ratio | goal | result |"
	echo "| --- | --- | --- | --- | --- | --- |"
	row '`sockets -tan` wall vs `ss -tan`' "$(figure cm_tan 1)" "$(figure ss_tan 1)" 0.6 s
	row '`sockets -tan` CPU vs bare dump (nldump)' "$(figure cm_tan 2)" "$(figure nldump 2)" 1.25 s
	row '`sockets -tan --json` wall vs `ss -tan`' "$(figure cm_json 1)" "$(figure ss_tan 1)" 1.0 s
	row '`sockets -tanp` wall vs `ss -tanp`' "$(figure cm_tanp 1)" "$(figure ss_tanp 1)" 0.1 s
	row '`--group-by raddr` wall vs netstat pipeline' "$(figure cm_group 1)" "$(figure netstat_pipe 1)" 0.3 s
	row '`--group-by raddr` wall vs `--count`' "$(figure cm_group 1)" "$(figure cm_count 1)" 1.2 s
	row '`summary` wall vs ss pipeline' "$(figure cm_summary 1)" "$(figure ss_pipe 1)" 0.5 s
	rss=$(figure cm_tan 3)
	verdict=FAIL
	if [ "$rss" != n/a ]; then
		verdict=$(awk -v m="$rss" 'BEGIN { print (m + 0 <= 16 ? "PASS" : "FAIL") }')
		rss="$rss MiB"
	fi
	[ "$verdict" = PASS ] || failures=$((failures + 1))
	printf '| `sockets -tan` peak RSS | %s | - | - | ≤ 16 MiB | %s |\n' "$rss" "$verdict"
	for key in $FAST_KEYS $SLOW_KEYS; do
		if [ -s "$tmp/$key.err" ]; then
			echo
			echo "\`${CMD[$key]//$B\//}\` failed; its stderr:"
			head -n 5 "$tmp/$key.err" | sed 's/^/    /'
		fi
	done
}

setup_namespace || { echo "bench: cannot create namespace $NS" >&2; exit 2; }
start_fixture || { echo "bench: the fixture did not come up" >&2; exit 2; }
check_population || exit 2
measure_all
report
echo
if [ "$failures" -eq 0 ]; then
	echo "bench: every goal met"
	exit 0
fi
echo "bench: $failures goal(s) not met"
exit 1
