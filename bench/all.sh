#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Every benchmark, one after the other, each printing its ratios against the
# peers it measured in the same run; then one line per benchmark with its exit
# status.  Usage: bench/all.sh BUILD_DIR (a release build).  Needs root.
# BENCH=socket,ifaces,proto,flows,procs picks some of them.
set -u
build=${1:?usage: bench/all.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
want=${BENCH:-socket,ifaces,proto,flows,procs}
declare -a names=() codes=()

run() { # name, command...
	local name=$1
	shift
	case ",$want," in *",$name,"*) ;; *) return ;; esac
	echo "=== bench: $name: $*"
	"$@"
	names+=("$name")
	codes+=($?)
}

run socket "$here/run.sh" "$build"
run ifaces "$here/ifaces/run.sh" "$build" 30 100
run proto python3 "$here/proto/cpu_vs_nstat.py" "$build" 10
run flows "$here/flows/run.sh" "$build"
run procs "$here/procs/run.sh" "$build"

echo "=== bench summary"
fail=0
for i in "${!names[@]}"; do
	case ${codes[$i]} in
	0) r="goals met" ;;
	77) r="skipped (needs root)" ;;
	*) r="exit ${codes[$i]}: a goal missed or a setup failure, see above"; fail=1 ;;
	esac
	echo "${names[$i]}: $r"
done
exit $fail
