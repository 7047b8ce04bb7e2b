#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The command line every command shares (docs/COMMANDS.md): -h/--help, one
# spelling per idea, bad usage (exit 2 with "Try 'connmon CMD --help'"),
# global options before the command, and the exit status rule (signals,
# write failures).  Runs the binary unprivileged: as root it drops to nobody
# with setpriv, so a root `make test` and a user's `make test` cover the same
# rendering and options.  Needs no namespace and sends no traffic.
set -u
CONNMON=${1:?usage: options.sh PATH_TO_CONNMON [FIXTURES_DIR]}
FIX=${2:-$(dirname "$0")/../fixtures}
TMP=$(mktemp -d /tmp/cmopts.XXXXXX)
chmod 755 "$TMP"
trap 'rm -rf "$TMP"' EXIT

if [ "$(id -u)" = 0 ]; then
	command -v setpriv >/dev/null || { echo "SKIP: needs setpriv (util-linux) to drop root"; exit 77; }
	AS=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all)
	# nobody must be able to reach the binary and the fixtures
	"${AS[@]}" test -x "$CONNMON" || { echo "SKIP: $CONNMON not executable by nobody"; exit 77; }
else
	AS=()
fi
cm() { "${AS[@]}" "$CONNMON" "$@"; }

fails=0
ok() { echo "ok: $1"; }
fail() { echo "FAIL: $1"; [ -n "${2:-}" ] && printf '  %s\n' "$2"; fails=$((fails + 1)); }
# expect_rc DESC WANT_RC CMD...: the exit code, stdout+stderr kept in $TMP/out
expect_rc() {
	local desc=$1 want=$2
	shift 2
	cm "$@" >"$TMP/out" 2>&1
	local rc=$?
	if [ "$rc" = "$want" ]; then ok "$desc"; else fail "$desc (exit $rc, want $want)" "$(head -c 400 "$TMP/out")"; fi
}
has() { # DESC PATTERN: grep -E in the last output
	if grep -qE -- "$2" "$TMP/out"; then ok "$1"; else fail "$1" "no '$2' in: $(head -c 400 "$TMP/out")"; fi
}
json_ok() { # DESC: the last output is JSON (one document, or one per line)
	if python3 -c '
import json, sys
t = open(sys.argv[1], encoding="utf-8").read()
try:
    json.loads(t)
except ValueError:
    for line in t.splitlines():
        if line.strip():
            json.loads(line)
' "$TMP/out" 2>"$TMP/err"; then ok "$1"; else fail "$1" "$(cat "$TMP/err" | tail -1)"; fi
}

# ---- help: every command, both spellings, exit 0, nothing else runs ----
# (top too: stdout is a file here, and its --help must not need a terminal)
for c in sockets summary kill ifaces proto flows procs overview top; do
	for h in -h --help; do
		expect_rc "$c $h exits 0" 0 "$c" "$h"
		has "$c $h prints its usage" "^usage: connmon"
		[ "$(grep -c . "$TMP/out")" -le 40 ] && ok "$c $h prints only the usage" ||
			fail "$c $h prints only the usage" "$(head -5 "$TMP/out")"
		grep -qE 'docs/[A-Za-z-]+\.md' "$TMP/out" && {
			doc=$(grep -oE 'docs/[A-Za-z-]+\.md' "$TMP/out" | head -1)
			[ -f "$(dirname "$0")/../../$doc" ] && ok "$c $h points to an existing $doc" ||
				fail "$c $h points to $doc, which does not exist"
		}
	done
	expect_rc "connmon help $c" 0 help "$c"
	has "connmon help $c prints its usage" "^usage: connmon"
done
expect_rc "connmon --help" 0 --help
expect_rc "connmon help nosuch" 2 help nosuch

# ---- one vocabulary: the same mistakes get the same answer everywhere ----
for c in sockets ifaces procs; do
	expect_rc "$c --json --csv is bad usage" 2 "$c" --json --csv
	has "$c says they exclude each other" "exclude each other"
	has "$c points to its help" "Try 'connmon $c --help'"
done
for c in sockets summary ifaces proto procs; do
	expect_rc "$c --iterations without -w" 2 "$c" --iterations 3
	has "$c: --iterations needs -w" "needs -w SEC"
	expect_rc "$c -w with a bad interval" 2 "$c" -w 0
	has "$c names the bad interval and the range" "invalid value '0' for '-w': expected seconds from 0.001 to 86400"
done
expect_rc "a count too large names the range, not '> 0'" 2 ifaces -w 1 99999999999
has "count range" "expected a whole number from 1 to 1000000000"
# too large is not "expected ... > 0": every command names the range
for args in "proto -w 1 99999999999" "procs -w 1 --iterations 99999999999" \
	"flows -r /dev/null --top 99999999999" "sockets --top 99999999999"; do
	# shellcheck disable=SC2086
	expect_rc "${args%% *}: a count too large" 2 $args
	has "${args%% *} names the count's range" "expected a whole number from 1 to 1000000000"
done
for c in ifaces proto procs flows; do
	expect_rc "$c -s 100000: seconds too large" 2 "$c" -s 100000
	has "$c names the seconds' range" "invalid value '100000' for '-s': expected seconds from 0.001 to 86400"
done
expect_rc "proto --count (an old spelling) hints" 2 proto --count 3
has "hint for --count" "use --iterations N"
expect_rc "ifaces --interval (an old spelling) hints" 2 ifaces --interval 1
has "hint for --interval" "use -s SEC"
expect_rc "sockets -s hints at summary" 2 sockets -s
has "hint for ss -s" "connmon summary"
expect_rc "summary --csv is refused, not ignored" 2 summary --csv
expect_rc "kill --json is refused" 2 kill --json dport = :1
expect_rc "flows -s and -r together" 2 flows -s 1 -r /nonexistent
expect_rc "unknown command" 2 nosuchcommand
has "unknown command named" "unknown command 'nosuchcommand'"

# ---- global options: -N before the command, and only once ----
expect_rc "-N given twice with different names" 2 -N a sockets -N b
has "-N twice named" "given twice \('a', then 'b'\)"
expect_rc "-N before the command is the namespace, not a filter word" 1 -N cmopts-none-$$ sockets -t
has "-N before the command: the namespace is looked up" "no network namespace 'cmopts-none-$$'"

# ---- what needs a privilege says so instead of matching nothing ----
if [ ${#AS[@]} -gt 0 ] || ! grep -qE '^CapEff:\s*0*[13579bdf]?[0-9a-f]{0,2}$' /proc/self/status; then
	expect_rc "a fwmark filter without CAP_NET_ADMIN fails" 1 sockets -t 'fwmark = 0x1'
	has "... and names the capability" "fwmark filters need CAP_NET_ADMIN"
fi

expect_rc "procs -i with an interface that does not exist" 1 procs -i cmnosuch0 -s 0.2
has "... names it" "no interface 'cmnosuch0'"

# ---- real runs of every command without privileges ----
expect_rc "sockets -tan" 0 sockets -tan
expect_rc "sockets -ta --json" 0 sockets -ta --json
json_ok "sockets --json is JSON"
expect_rc "sockets --sort with no match (no UBSan report)" 0 sockets -t --sort state 'dport = :1'
expect_rc "summary --json" 0 summary --json
json_ok "summary --json is JSON"
expect_rc "overview --json" 0 --json
json_ok "overview --json is JSON"
expect_rc "ifaces -s 0.1 --json" 0 ifaces -s 0.1 --json
json_ok "ifaces --json is JSON"
expect_rc "proto -s 0.1 --json" 0 proto -s 0.1 --json
json_ok "proto --json is JSON"
expect_rc "summary -w 0.1 --iterations 2 --json" 0 summary -w 0.1 --iterations 2 --json
json_ok "summary -w --json is one object per line"
[ "$(grep -c . "$TMP/out")" = 2 ] && ok "summary -w --iterations 2 prints two objects" ||
	fail "summary -w --iterations 2 prints two objects" "$(wc -l <"$TMP/out") lines"
for f in "$FIX"/pcap/v4_tcp.pcap; do
	expect_rc "flows -r a recording, unprivileged" 0 flows -r "$f" --json
	json_ok "flows -r --json is JSON"
done

# ---- output width: default text fits 80 columns; -W/--wide gives the full layout ----
# stdout is a file here, so the default is the 80-column layout (docs/COMMANDS.md).
widest() { awk '{ n = length($0); if (n > m) m = n } END { print m + 0 }' "$TMP/out"; }
fits80() { # DESC CMD...: exits 0 and every line of stdout is at most 80 columns
	local desc=$1
	shift
	cm "$@" >"$TMP/out" 2>"$TMP/err"
	local rc=$? w
	w=$(widest)
	if [ "$rc" = 0 ] && [ "$w" -le 80 ] && [ -s "$TMP/out" ]; then
		ok "$desc fits 80 columns ($w)"
	else
		fail "$desc fits 80 columns (exit $rc, widest $w)" "$(awk 'length($0) > 80' "$TMP/out" | head -3; head -c 300 "$TMP/err")"
	fi
}
fits80 "ifaces" ifaces -s 0.1
fits80 "ifaces -e" ifaces -e -s 0.1
fits80 "proto" proto -s 0.1
fits80 "proto -a" proto -a -s 0.1
fits80 "summary" summary
fits80 "the overview" overview
fits80 "sockets -tan" sockets -tan
fits80 "sockets -tuan" sockets -tuan
fits80 "sockets -ta (service names)" sockets -ta
for f in "$FIX"/pcap/*.pcap; do
	fits80 "flows -r $(basename "$f")" flows -r "$f"
	fits80 "flows -P -r $(basename "$f")" flows -P -r "$f"
done
for c in sockets summary kill ifaces proto flows procs overview top; do
	fits80 "$c --help" "$c" --help
done
# procs needs sock_diag, which an unprivileged user may not open on every kernel
if cm procs -s 0.3 --engine tcpinfo >/dev/null 2>&1; then
	fits80 "procs" procs -s 0.3 --engine tcpinfo
	cm procs -s 0.3 --engine tcpinfo --wide >"$TMP/out" 2>&1
	has "procs --wide has nethogs' DEV column" "^ +PID USER +PROGRAM +DEV "
else
	echo "skip: procs does not run unprivileged here (covered as root in tests/procs)"
fi
expect_rc "ifaces --wide" 0 ifaces -s 0.1 --wide
has "ifaces --wide has every DEV column" "rxmcst/s .*%util speed +state$"
[ "$(widest)" -gt 80 ] && ok "ifaces --wide is wider than 80" || fail "ifaces --wide is wider than 80"
expect_rc "ifaces -e -W" 0 ifaces -s 0.1 -e -W
has "ifaces -e -W has every EDEV column" "rxerr/s txerr/s +coll/s .*rxfram/s rxfifo/s txfifo/s"
expect_rc "flows -r --wide" 0 flows -r "$FIX/pcap/v4_tcp.pcap" -P --wide
has "flows --wide has the peak and cumulative columns" "last 40s +peak cumulative$"
expect_rc "flows -r (80 columns)" 0 flows -r "$FIX/pcap/v4_tcp.pcap" -P
has "flows -r shows byte rates in IEC units" "=> +[0-9.]+ KiB/s "
expect_rc "sockets -tan -W" 0 sockets -tan -W
has "sockets -W: IPv6-wide address columns" "Local Address:Port {30,}Peer Address:Port"
expect_rc "summary --wide is refused, not ignored" 2 summary --wide
expect_rc "the overview's -W is refused, not ignored" 2 -W
expect_rc "kill -W is refused, not ignored" 2 kill -W dport = :1

# ---- the exit status rule: a signal, then the figures so far ----
sig_run() { # DESC WANT_RC SIGNAL CMD...: starts, waits 0.6 s, signals
	local desc=$1 want=$2 sig=$3
	shift 3
	"${AS[@]}" "$CONNMON" "$@" >"$TMP/out" 2>&1 &
	local pid=$!
	sleep 0.6
	kill "-$sig" "$pid"
	wait "$pid"
	local rc=$?
	if [ "$rc" = "$want" ]; then ok "$desc"; else fail "$desc (exit $rc, want $want)" "$(head -c 300 "$TMP/out")"; fi
}
sig_run "SIGINT cuts a one-shot ifaces: exit 130" 130 INT ifaces -s 5 --json
json_ok "... after printing the interval it did measure"
has "... which is about 0.6 s, not 5" '"interval_s":0\.[5-9]'
sig_run "SIGTERM cuts a one-shot proto: exit 143" 143 TERM proto -s 5 --json
json_ok "... after printing the interval it did measure"
sig_run "SIGINT ends an open-ended -w normally: exit 0" 0 INT proto -w 0.2
has "... with the Average frame" "^Average over"
sig_run "SIGINT cuts a -w with --iterations: exit 130" 130 INT ifaces -w 0.2 --iterations 50
has "... with the Average block" "^Average:"
# the name resolver's worker thread must not take the signal (the process died of it)
sig_run "SIGINT ends sockets -r -w (a worker thread) normally" 0 INT sockets -tar -w 0.2

# ---- a full disk is reported, exit 1 ----
for args in "sockets -ta" "summary" "ifaces -s 0.1" "proto -s 0.1" "overview"; do
	# shellcheck disable=SC2086
	"${AS[@]}" "$CONNMON" $args >/dev/full 2>"$TMP/out"
	rc=$?
	if [ "$rc" = 1 ] && grep -q "No space left on device" "$TMP/out"; then
		ok "$args >/dev/full: exit 1 and says why"
	else
		fail "$args >/dev/full: exit 1 and says why (exit $rc)" "$(cat "$TMP/out")"
	fi
done

echo "$fails failed"
[ "$fails" = 0 ]
