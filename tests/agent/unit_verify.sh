#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# packaging/connmon.service passes `systemd-analyze verify` (with ExecStart
# pointed at the binary under test), asks for Type=notify with a watchdog,
# and grants only the capabilities the agent uses.  Exit 77 without
# systemd-analyze.
set -u
cm=$(realpath "$1")
unit=$(dirname "$0")/../../packaging/connmon.service
command -v systemd-analyze >/dev/null || { echo "SKIP: no systemd-analyze"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed "s|/usr/bin/connmon|$cm|; /^Documentation=/d" "$unit" >"$tmp/connmon.service"
out=$(SYSTEMD_LOG_LEVEL=warning systemd-analyze verify "$tmp/connmon.service" 2>&1)
fail=0
if [ -n "$out" ]; then
	echo "FAIL: systemd-analyze verify: $out"
	fail=1
fi
for want in '^Type=notify$' '^WatchdogSec=' '^StateDirectory=connmon$' '^ProtectSystem=strict$' \
	'^NoNewPrivileges=yes$' '^RuntimeDirectory=connmon$' '^CapabilityBoundingSet=CAP_SYS_PTRACE CAP_DAC_READ_SEARCH CAP_NET_RAW CAP_NET_ADMIN$' '^RestrictAddressFamilies=.*AF_PACKET'; do
	grep -q "$want" "$unit" || { echo "FAIL: the unit has no line matching $want"; fail=1; }
done
[ $fail = 0 ] && echo "ok: packaging/connmon.service verifies"
exit $fail
