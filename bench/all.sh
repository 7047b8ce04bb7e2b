#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Every benchmark, one after the other, each printing its ratios against the
# peers it measured in the same run; then one line per benchmark with its exit
# status.  Usage: bench/all.sh BUILD_DIR (a release build).  Needs root.
# BENCH=socket,ifaces,proto,flows,procs,loop,agent,store,respond,detect,check,api,dashboard,top picks some of them.
# Exit 0 only when every benchmark asked for ran and met its goals: a missed
# goal, a setup failure, a skip (no root) or a name that matches no benchmark
# makes it exit 1, after the summary says which.
set -u
build=${1:?usage: bench/all.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
all=socket,ifaces,proto,flows,procs,loop,agent,store,respond,detect,check,api,dashboard,top
want=${BENCH:-$all}
declare -a names=() codes=()

for name in ${want//,/ }; do
	case ",$all," in *",$name,"*) ;; *)
		echo "bench: no benchmark named '$name' (BENCH= takes a list of $all)" >&2
		exit 2
		;;
	esac
done

run() { # name, command...
	local name=$1 rc
	shift
	case ",$want," in *",$name,"*) ;; *) return ;; esac
	echo "=== bench: $name: $*"
	"$@"
	rc=$? # read at once: any later command, even an assignment, resets $?
	names+=("$name")
	codes+=("$rc")
}

run socket "$here/run.sh" "$build"
run ifaces "$here/ifaces/run.sh" "$build" 30 100
run proto python3 "$here/proto/cpu_vs_nstat.py" "$build" 10
run flows "$here/flows/run.sh" "$build"
run procs "$here/procs/run.sh" "$build"
run loop python3 "$here/loop/cpu_before_after.py" "$build" 60
run agent python3 "$here/agent/run.py" "$build" 60
run store "$here/store/run.sh" "$build"
run respond python3 "$here/respond/run.py" "$build"
run detect python3 "$here/detect/run.py" "$build" 20
run check python3 "$here/check/run.py" "$build" 10
run api "$here/api/run.sh" "$build"
run dashboard python3 "$here/dashboard/run.py" "$build"
run top "$here/top/run.sh" "$build" 60

echo "=== bench summary"
fail=0
for i in "${!names[@]}"; do
	case ${codes[$i]} in
	0) r="goals met" ;;
	77) r="SKIPPED (needs root): not measured"; fail=1 ;;
	1) r="FAILED: a goal missed, see above"; fail=1 ;;
	*) r="FAILED: exit ${codes[$i]}, the benchmark could not run (setup), see above"; fail=1 ;;
	esac
	echo "${names[$i]}: $r"
done
if [ "${#names[@]}" -eq 0 ]; then
	echo "no benchmark ran"
	fail=1
fi
[ $fail -eq 0 ] && echo "bench: every goal met" || echo "bench: not every goal met"
exit $fail
