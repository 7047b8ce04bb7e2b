#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Whole-command checks of `connmon sockets` options that the ss comparison does
# not reach: --count, --group-by (with prefixes, proc and --top), --sort,
# --csv, -w/--iterations, -F, --help, and the exit codes and messages of bad
# usage.  A python3 process holds a known set of sockets in a namespace this
# script creates.  Needs root; exits 77 (skip) without it.
set -u
CONNMON=${1:?usage: cli.sh PATH_TO_CONNMON}
skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root (network namespaces)"
command -v python3 >/dev/null || skip "needs python3"

NS=cmcli-$$
TMP=$(mktemp -d /tmp/cmcli.XXXXXX)
PY_PID=
cleanup() {
	[ -n "$PY_PID" ] && kill "$PY_PID" 2>/dev/null && wait "$PY_PID" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
ip netns add "$NS" || skip "cannot create a network namespace"
ip -n "$NS" link set lo up

# 2 listeners; 5 connections to :7001 from 127.0.0.2..6, 3 to :7002 from
# 127.0.1.1..3 (both ends ESTAB); it ends by itself after 60 s.
ip netns exec "$NS" python3 - "$TMP/ready" <<'PY' &
import socket, sys, time
keep = []
def listen(port):
    l = socket.socket(); l.bind(("127.0.0.1", port)); l.listen(16); keep.append(l); return l
l1, l2 = listen(7001), listen(7002)
for i in range(5):
    c = socket.socket(); c.bind(("127.0.0.%d" % (i + 2), 0)); c.connect(("127.0.0.1", 7001))
    keep += [c, l1.accept()[0]]
for i in range(3):
    c = socket.socket(); c.bind(("127.0.1.%d" % (i + 1), 0)); c.connect(("127.0.0.1", 7002))
    keep += [c, l2.accept()[0]]
open(sys.argv[1], "w").close()
time.sleep(60)
PY
PY_PID=$!
for _ in $(seq 100); do [ -e "$TMP/ready" ] && break; sleep 0.1; done
[ -e "$TMP/ready" ] || { echo "FAIL: fixture did not start"; exit 1; }

fails=0
cm() { ip netns exec "$NS" "$CONNMON" "$@"; }
expect() { # description, want, got
	if [ "$2" = "$3" ]; then
		echo "ok: $1"
	else
		echo "FAIL: $1"; echo "  want: $2"; echo "  got:  $3"; fails=$((fails + 1))
	fi
}

expect "--count counts every TCP socket" 18 "$(cm sockets -ta --count)"
expect "--count agrees with the listing" "$(cm sockets -taH | wc -l)" "$(cm sockets -ta --count)"
expect "--count --json" '{"count":16}' "$(cm sockets -t --count --json)"
expect "--group-by state" "$(printf '      16  ESTAB\n       2  LISTEN')" \
	"$(cm sockets -ta -H --group-by state)"
# remotes: 127.0.0.1 (8 clients), 127.0.0.2-6 and 127.0.1.1-3 (accepted ends)
expect "--group-by raddr/24 --top 1 (descending)" "      13  127.0.0.0/24" \
	"$(cm sockets -tn -H --group-by raddr/24 --top 1)"
expect "--group-by raddr" "$(printf '       8  127.0.0.1')" \
	"$(cm sockets -tn -H --group-by raddr --top 1)"
expect "--group-by laddr/16" "$(printf '      16  127.0.0.0/16')" \
	"$(cm sockets -tn -H --group-by laddr/16)"
expect "--group-by rport, the listener side" "$(printf '       5  7001\n       3  7002')" \
	"$(cm sockets -tn -H --group-by rport 'dport = :7001 or dport = :7002')"
expect "--group-by proc names the holder" "      18  python3/$PY_PID" \
	"$(cm sockets -ta -H --group-by proc)"
expect "--group-by --json" '[{"key":"LISTEN","count":2}]' \
	"$(cm sockets -tl --group-by state --json | tr -d '\n')"
expect "--csv: header and one row per socket" 19 "$(cm sockets -ta --csv | wc -l)"
expect "--sort rport --top 6" "$(printf '7001\n7001\n7001\n7001\n7001\n7002')" \
	"$(cm sockets -tn -H --sort rport --top 6 | awk '{n = split($5, a, ":"); print a[n]}')"
expect "-w SEC --iterations N repeats with a timestamp" 3 \
	"$(cm sockets -ta --count -w 0.1 --iterations 3 | grep -c '^--- 20[0-9-]*T[0-9:]*Z ---$')"
echo 'sport = :7001' >"$TMP/f"
expect "-F FILE reads the filter" 1 "$(cm sockets -tl --count -F "$TMP/f")"
expect "--help exits 0" 0 "$(cm sockets --help >/dev/null; echo $?)"

# The overview: one screen of text, and JSON with the socket, traffic and protocol parts.
expect "overview JSON has sockets, interfaces and protocol health" "ok" \
	"$(cm --json | python3 -c 'import json, sys
d = json.load(sys.stdin)
ok = all(k in d for k in ("tcp_states", "interfaces", "protocol", "top_peers", "warnings"))
print("ok" if ok and isinstance(d["interfaces"], list) else d.keys())')"
expect "overview text fits one screen" 1 "$(cm | awk 'END { print (NR <= 24) }')"
expect "overview shows interface and protocol lines" 2 "$(cm | grep -c '^Interfaces\|^Protocol')"

# ifaces -e: sar -n EDEV's columns instead of DEV's (all of them with -W; at 80
# columns the errors and drops)
expect "ifaces -e -W shows the EDEV columns" "coll/s txcarr/s rxfram/s" \
	"$(cm ifaces -e -W -s 0.1 | head -1 | grep -o 'coll/s\|txcarr/s\|rxfram/s' | tr '\n' ' ' | sed 's/ $//')"
expect "ifaces -e at 80 columns shows errors and drops" "rxerr/s txerr/s rxdrop/s txdrop/s" \
	"$(cm ifaces -e -s 0.1 | head -1 | grep -o '[rt]xerr/s\|[rt]xdrop/s' | tr '\n' ' ' | sed 's/ $//')"
expect "ifaces without -e shows DEV's" "rxpck/s" "$(cm ifaces -s 0.1 | head -1 | grep -o 'rxpck/s')"

bad() { # description, want-in-stderr, args...
	local d=$1 w=$2 rc
	shift 2
	cm "$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	if [ $rc -eq 2 ] && grep -qF -- "$w" "$TMP/err" && [ ! -s "$TMP/out" ]; then
		echo "ok: $d"
	else
		echo "FAIL: $d (exit $rc)"; cat "$TMP/err"; fails=$((fails + 1))
	fi
}
bad "unknown flag" "unknown option '-Z'" sockets -Z
bad "unknown command" "unknown command 'sokets'" sokets
bad "bad --group-by key" "invalid --group-by key 'raddr/200'" sockets --group-by raddr/200
bad "prefix on a key without addresses" "invalid --group-by key 'state/8'" sockets --group-by state/8
bad "bad --sort key" "invalid --sort key 'speed'" sockets --sort speed
bad "--count with --group-by" "exclude each other" sockets --count --group-by state
bad "--top 0" "'0'" sockets --top 0
bad "bad -w interval" "invalid value '-1' for '--watch'" sockets --watch=-1
bad "bad filter points at the token" "          ^~~~~~~~~" sockets 'dport = :notaport'
bad "unknown device" "nosuchdev0" sockets dev nosuchdev0
bad "unbalanced parenthesis" "(" sockets '( sport = :22'

echo "$fails failures"
[ $fails -eq 0 ]
