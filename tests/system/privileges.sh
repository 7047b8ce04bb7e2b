#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# -p without the privilege to see other users' processes: connmon lists what it
# can see and says once which capability would show the rest (and is not
# silent, and does not fail).  Runs in a namespace it creates; exits 77
# without root.  Usage: privileges.sh CONNMON
set -u
connmon=$1
[ "$(id -u)" -eq 0 ] || { echo "skip: needs root"; exit 77; }
command -v setpriv >/dev/null || { echo "skip: no setpriv"; exit 77; }
ns=cmpriv-$$
tmp=$(mktemp -d)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	ip netns del "$ns" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
ip netns add "$ns" || { echo "skip: cannot create a namespace"; exit 77; }
ip -n "$ns" link set lo up
# A root-owned listener, held by a process we started.
ip netns exec "$ns" python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 7411)); s.listen(4)
print("ready", flush=True); time.sleep(60)' >"$tmp/ready" &
pid=$!
for _ in $(seq 50); do grep -q ready "$tmp/ready" && break; sleep 0.1; done
chmod 755 "$tmp"
fail=0
check() { # description, condition
	if eval "$2"; then echo "ok: $1"; else echo "FAIL: $1"; fail=1; fi
}

ip netns exec "$ns" setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
	--bounding-set=-all "$connmon" sockets -tlnp >"$tmp/out" 2>"$tmp/err"
rc=$?
check "unprivileged -p exits 0" "[ $rc -eq 0 ]"
check "unprivileged -p still lists the listener" "grep -q '127.0.0.1:7411' '$tmp/out'"
check "unprivileged -p shows no process it cannot see" "! grep -q 'pid=$pid' '$tmp/out'"
check "one warning naming the capability" \
	"[ \$(grep -c 'CAP_SYS_PTRACE' '$tmp/err') -eq 1 ] && [ \$(wc -l <'$tmp/err') -eq 1 ]"
cat "$tmp/err"

ip netns exec "$ns" "$connmon" sockets -tlnp >"$tmp/out" 2>"$tmp/err"
check "as root, -p names the process" "grep -q 'pid=$pid,' '$tmp/out'"
# (no "no warning" check: a process whose capabilities exceed ours, such as a
# sandbox's init, stays hidden even from root, and connmon rightly says so)

# root without CAP_SYS_PTRACE may list another user's fd directory but not read
# its links: the process is hidden, and that is said.
ip netns exec "$ns" setpriv --reuid=65534 --regid=65534 --clear-groups /usr/bin/python3 -c '
import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 7412)); s.listen(4)
print("ready", flush=True); time.sleep(60)' >"$tmp/ready2" &
pid2=$!
for _ in $(seq 50); do grep -q ready "$tmp/ready2" && break; sleep 0.1; done
ip netns exec "$ns" setpriv --bounding-set=-sys_ptrace --inh-caps=-sys_ptrace \
	"$connmon" sockets -tlnp 'sport = :7412' >"$tmp/out" 2>"$tmp/err"
check "root without CAP_SYS_PTRACE lists the listener" "grep -q '127.0.0.1:7412' '$tmp/out'"
check "root without CAP_SYS_PTRACE says processes are hidden" "grep -q 'CAP_SYS_PTRACE' '$tmp/err'"
cat "$tmp/err"
kill "$pid2" 2>/dev/null
wait "$pid2" 2>/dev/null
exit $fail
