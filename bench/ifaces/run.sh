#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# CPU cost of `connmon ifaces` one-shot (two samples 1 s apart) against its
# peers doing the same job, measured in the same run:
#   sar -n DEV 1 1       (sysstat; sar forks sadc, and cm-run charges both)
#   cat /proc/net/dev twice, 1 s apart (sh -c; the floor of reading text)
# Goal (docs/PERFORMANCE.md, `connmon ifaces`): connmon under 5 ms of CPU
# (user+sys) on an ordinary host, the first scene below.
#
#   bench/ifaces/run.sh BUILD_DIR [RUNS] [NR_VETH_PAIRS]
#
# BUILD_DIR is a release build (meson setup B --buildtype=release -Db_lto=true;
# it provides connmon and bench/cm-run).  Two scenes: the current namespace,
# then a scratch namespace holding NR_VETH_PAIRS veth pairs (default 100,
# i.e. 200 interfaces + lo), where every command runs under `ip netns exec`.
# The second scene has no goal (the document records that 201 interfaces
# cost more); its figures are printed for comparison.
# The scratch namespace is deleted on exit.  Prints the mean user+sys per
# command and the ratios.  Exit 0 when the goal is met, 1 when it is missed
# (or a connmon run failed, which leaves nothing to measure), 2 when the set-up
# fails, 77 without root.
set -u
B=${1:?usage: run.sh BUILD_DIR [RUNS] [NR_VETH_PAIRS]}
RUNS=${2:-30}
PAIRS=${3:-100}
[ "$(id -u)" -eq 0 ] || { echo "needs root"; exit 77; }
CM=$(realpath "$B/connmon")
RUN=$(realpath "$B/bench/cm-run")
for f in "$CM" "$RUN"; do
	[ -x "$f" ] || { echo "bench: '$f' is missing; build with: ninja -C $B" >&2; exit 2; }
done
NS=cmif-bench-$$
trap 'ip netns del "$NS" 2>/dev/null || true' EXIT
trap 'exit 130' INT TERM

# Mean user+sys in ms over RUNS runs of "$@"; "fail" when a run did not exit
# 0 (its CPU would measure an error path, not the work).  A mean, not a
# median: on kernels that account CPU time by ticks a single run reads 0 or
# one tick (about 4 ms here), and only the mean of many converges.
cpu_ms() {
	local i
	for ((i = 0; i < RUNS; i++)); do
		"$RUN" -t 30 "$@" 2>&1 >/dev/null | grep '^cm-run: [0-9]' | tail -n 1
	done | awk -v want="$RUNS" '
		$6 == 0 { s += ($3 + $4) * 1000; n++ }
		END { if (n == want) printf "%.3f\n", s / n; else print "fail" }'
}

# ratio A B: A / B, or n/a
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (a != "fail" && b != "fail" && b + 0 > 0) printf "%.2f", a / b; else print "n/a" }'
}

# scene LABEL [PREFIX...]: prints the figures; the connmon figure goes to $cm.
scene() {
	local label=$1 sar="" cat
	shift
	cm=$(cpu_ms "$@" "$CM" ifaces)
	command -v sar >/dev/null && sar=$(cpu_ms "$@" env LC_ALL=C sar -n DEV 1 1)
	cat=$(cpu_ms "$@" sh -c 'cat /proc/net/dev >/dev/null; sleep 1; cat /proc/net/dev')
	echo "== $label (mean of $RUNS runs, user+sys CPU)"
	printf '  %-40s %8s ms\n' "connmon ifaces (1 s one-shot)" "$cm"
	if [ -n "$sar" ]; then
		printf '  %-40s %8s ms\n' "sar -n DEV 1 1" "$sar"
		echo "  ratio connmon / sar:            $(ratio "$cm" "$sar")"
	else
		echo "  sar not installed (scripts/setup.sh bench installs sysstat): no sar figure"
	fi
	printf '  %-40s %8s ms\n' "cat /proc/net/dev x2 (sh, sleep, cat)" "$cat"
	echo "  ratio connmon / cat x2:         $(ratio "$cm" "$cat")"
}

echo "interfaces here: $(($(wc -l </proc/net/dev) - 2))"
scene "current namespace"
cm_host=$cm
goal=$(awk -v a="$cm_host" 'BEGIN { print (a != "fail" && a + 0 < 5 ? "met" : "MISSED") }')
echo "  goal < 5 ms: $goal"

if ! ip netns add "$NS" || ! ip -n "$NS" link set lo up; then
	echo "bench: cannot create namespace $NS" >&2
	exit 2
fi
for ((i = 0; i < PAIRS; i++)); do
	ip -n "$NS" link add "bv$i" type veth peer name "bp$i" &&
		ip -n "$NS" link set "bv$i" up &&
		ip -n "$NS" link set "bp$i" up ||
		{ echo "bench: cannot create veth pair $i in $NS" >&2; exit 2; }
done
scene "namespace with $((PAIRS * 2 + 1)) interfaces, each command under ip netns exec" \
	ip netns exec "$NS"
# connmon entering the namespace itself (-N: setns + its own sysfs mount).
printf '  %-40s %8s ms\n' "connmon ifaces -N (no ip netns exec)" "$(cpu_ms "$CM" ifaces -N "$NS")"
echo "  (no goal for this scene: docs/PERFORMANCE.md gives the goal for an ordinary host)"

echo
if [ "$goal" = met ]; then
	echo "bench: every goal met"
	exit 0
fi
echo "bench: goal missed: connmon ifaces costs $cm_host ms of CPU, goal < 5 ms"
exit 1
