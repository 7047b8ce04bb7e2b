#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# CPU cost of `connmon ifaces` one-shot (two samples 1 s apart) against its
# peers doing the same job, measured in the same run:
#   sar -n DEV 1 1       (sysstat; sar forks sadc, and cm-run charges both)
#   cat /proc/net/dev twice, 1 s apart (sh -c; the floor of reading text)
# Goal (docs/PERFORMANCE-ifaces.md): connmon under 5 ms of CPU (user+sys).
#
#   bench/ifaces/run.sh BUILD_DIR [RUNS] [NR_VETH_PAIRS]
#
# BUILD_DIR is a release build (meson setup B --buildtype=release -Db_lto=true;
# it provides connmon and bench/cm-run).  Two scenes: the current namespace,
# then a scratch namespace holding NR_VETH_PAIRS veth pairs (default 100,
# i.e. 200 interfaces + lo), where every command runs under `ip netns exec`.
# The scratch namespace is deleted on exit.  Prints the mean user+sys per
# command and the ratios.
set -eu
B=${1:?usage: run.sh BUILD_DIR [RUNS] [NR_VETH_PAIRS]}
RUNS=${2:-30}
PAIRS=${3:-100}
CM=$(realpath "$B/connmon")
RUN=$(realpath "$B/bench/cm-run")
NS=cmif-bench-$$
trap 'ip netns del "$NS" 2>/dev/null || true' EXIT
trap 'exit 130' INT TERM

# Mean user+sys in ms over RUNS runs of "$@".  A mean, not a median: on
# kernels that account CPU time by ticks a single run reads 0 or one tick
# (about 4 ms here), and only the mean of many converges on the true cost.
cpu_ms() {
	local i
	for ((i = 0; i < RUNS; i++)); do
		"$RUN" -t 30 "$@" 2>&1 >/dev/null | grep '^cm-run: ' | tail -n 1
	done | awk '{ s += ($3 + $4) * 1000; n++ } END { printf "%.3f\n", n ? s / n : -1 }'
}

scene() {
	local label=$1
	shift
	local cm sar cat
	cm=$(cpu_ms "$@" "$CM" ifaces)
	if command -v sar >/dev/null; then
		sar=$(cpu_ms "$@" env LC_ALL=C sar -n DEV 1 1)
	else
		sar=
	fi
	cat=$(cpu_ms "$@" sh -c 'cat /proc/net/dev >/dev/null; sleep 1; cat /proc/net/dev')
	echo "== $label (mean of $RUNS runs, user+sys CPU)"
	printf '  %-40s %8.3f ms\n' "connmon ifaces (1 s one-shot)" "$cm"
	if [ -n "$sar" ]; then
		printf '  %-40s %8.3f ms\n' "sar -n DEV 1 1" "$sar"
		awk -v a="$cm" -v b="$sar" 'BEGIN { printf "  ratio connmon / sar:            %.2f\n", a / b }'
	else
		echo "  sar not installed (apt-get install sysstat): no sar figure"
	fi
	printf '  %-40s %8.3f ms\n' "cat /proc/net/dev x2 (sh, sleep, cat)" "$cat"
	awk -v a="$cm" -v b="$cat" 'BEGIN { printf "  ratio connmon / cat x2:         %.2f\n", a / b }'
	awk -v a="$cm" 'BEGIN { printf "  goal < 5 ms: %s\n", a < 5 ? "met" : "MISSED" }'
}

echo "interfaces here: $(($(wc -l </proc/net/dev) - 2))"
scene "current namespace"

ip netns add "$NS"
ip -n "$NS" link set lo up
for ((i = 0; i < PAIRS; i++)); do
	ip -n "$NS" link add "bv$i" type veth peer name "bp$i"
	ip -n "$NS" link set "bv$i" up
	ip -n "$NS" link set "bp$i" up
done
scene "namespace with $((PAIRS * 2 + 1)) interfaces, each command under ip netns exec" \
	ip netns exec "$NS"
# connmon entering the namespace itself (-N: setns + its own sysfs mount).
cm=$(cpu_ms "$CM" ifaces -N "$NS")
printf '  %-40s %8.3f ms\n' "connmon ifaces -N (no ip netns exec)" "$cm"
