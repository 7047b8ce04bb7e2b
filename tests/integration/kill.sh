#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# System test of `connmon kill` (and a cross-check of `connmon summary`):
# in a network namespace of its own, a python3 process listens on two
# loopback ports and holds three connections to each.  Killing one port's
# connections must remove exactly those (checked with ss); killing without a
# filter, or without --yes and without a terminal, must refuse.
# Needs root; exits 77 (skip) without it.
set -u

CONNMON=${1:?usage: kill.sh PATH_TO_CONNMON}
P1=5001
P2=5002
N=3

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }

[ "$(id -u)" = 0 ] || skip "needs root (network namespaces, SOCK_DESTROY)"
for t in ip ss python3 setsid; do
	command -v "$t" >/dev/null || skip "needs $t"
done

NS=cmkill-$$
TMP=$(mktemp -d /tmp/cmkill.XXXXXX)
PY_PID=

cleanup() {
	[ -n "$PY_PID" ] && kill "$PY_PID" 2>/dev/null
	[ -n "$PY_PID" ] && wait "$PY_PID" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

ip netns add "$NS" || skip "cannot create a network namespace"
ip -n "$NS" link set lo up || fail "cannot bring lo up in $NS"

# Listeners and client connections in one process; it ends by itself after 60 s.
ip netns exec "$NS" python3 - "$P1" "$P2" "$N" "$TMP/ready" <<'PY' &
import socket, sys, time
p1, p2, n, ready = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
keep = []
for port in (p1, p2):
    l = socket.socket()
    l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    l.bind(("127.0.0.1", port))
    l.listen(16)
    keep.append(l)
    for _ in range(n):
        c = socket.create_connection(("127.0.0.1", port))
        s, _ = l.accept()
        keep += [c, s]
open(ready, "w").close()
time.sleep(60)
PY
PY_PID=$!

for _ in $(seq 1 100); do
	[ -e "$TMP/ready" ] && break
	sleep 0.1
done
[ -e "$TMP/ready" ] || fail "the python3 peer did not start"

count() { # count PORT: established sockets with PORT at either end
	ip netns exec "$NS" ss -tanH state established "( sport = :$1 or dport = :$1 )" | wc -l
}

[ "$(count $P1)" = $((2 * N)) ] || fail "setup: expected $((2 * N)) sockets on :$P1"
[ "$(count $P2)" = $((2 * N)) ] || fail "setup: expected $((2 * N)) sockets on :$P2"

# summary sees the same sockets (run with -N, from outside the namespace)
"$CONNMON" summary -N "$NS" --json > "$TMP/summary.json" || fail "summary -N failed"
python3 - "$TMP/summary.json" "$N" <<'PY' || fail "summary disagrees with the setup"
import json, sys
d = json.load(open(sys.argv[1])); n = int(sys.argv[2])
assert d["tcp_states"]["ESTABLISHED"]["count"] == 4 * n, d["tcp_states"]
assert d["tcp_states"]["LISTEN"]["count"] == 2, d["tcp_states"]
assert len(d["listeners"]) == 2, d["listeners"]
assert d["top_remotes"][0] == {"addr": "127.0.0.1", "count": 4 * n}, d["top_remotes"]
PY
echo "ok: summary -N agrees with the setup"

# no filter: refuse (usage error), kill nothing
ip netns exec "$NS" "$CONNMON" kill --yes > "$TMP/out" 2>&1
rc=$?
[ $rc = 2 ] || fail "kill without a filter: exit $rc, expected 2: $(cat "$TMP/out")"
[ "$(count $P1)" = $((2 * N)) ] || fail "kill without a filter killed something"
echo "ok: kill without a filter refuses"

# no --yes and no terminal (new session, stdin /dev/null): refuse
setsid -w ip netns exec "$NS" "$CONNMON" kill "dport = :$P2" < /dev/null > "$TMP/out" 2>&1
rc=$?
[ $rc = 1 ] || fail "kill without --yes and tty: exit $rc, expected 1: $(cat "$TMP/out")"
grep -q -- "--yes" "$TMP/out" || fail "the refusal does not mention --yes: $(cat "$TMP/out")"
[ "$(count $P2)" = $((2 * N)) ] || fail "kill without confirmation killed something"
echo "ok: kill without --yes and without a terminal refuses"

# the real kill: the client ends of :P1 (dport), whose peers get a reset
ip netns exec "$NS" "$CONNMON" kill --yes "dport = :$P1" > "$TMP/out" 2>&1
rc=$?
if grep -q "CONFIG_INET_DIAG_DESTROY" "$TMP/out"; then
	skip "kernel without CONFIG_INET_DIAG_DESTROY"
fi
[ $rc = 0 ] || fail "kill --yes: exit $rc: $(cat "$TMP/out")"
grep -q "killed $N of $N sockets" "$TMP/out" || fail "unexpected kill report: $(cat "$TMP/out")"
for _ in $(seq 1 20); do
	[ "$(count $P1)" = 0 ] && break
	sleep 0.1
done
[ "$(count $P1)" = 0 ] || fail "sockets on :$P1 survived: $(ip netns exec "$NS" ss -tan)"
[ "$(count $P2)" = $((2 * N)) ] || fail "sockets on :$P2 were hit too"
ip netns exec "$NS" ss -tlnH "sport = :$P1" | grep -q LISTEN || fail "the listener on :$P1 died"
echo "ok: kill --yes dport = :$P1 removed exactly its $N connections and their peers"

# -N works for kill as well; nothing left to match is not an error
"$CONNMON" kill -N "$NS" --yes "dport = :$P1" > "$TMP/out" 2>&1
rc=$?
[ $rc = 0 ] || fail "kill with no match: exit $rc: $(cat "$TMP/out")"
echo "ok: kill -N with no match"

# what was killed must reach the reader: a full disk is said, exit 1
ip netns exec "$NS" "$CONNMON" kill --yes "dport = :$P2" >/dev/full 2>"$TMP/err"
rc=$?
[ $rc = 1 ] || fail "kill --yes >/dev/full: exit $rc, expected 1: $(cat "$TMP/err")"
grep -q "cannot write output: No space left on device" "$TMP/err" ||
	fail "kill --yes >/dev/full does not say why: $(cat "$TMP/err")"
echo "ok: kill --yes >/dev/full reports the write failure"
exit 0
