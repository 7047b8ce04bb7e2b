#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Installs the Debian packages a make verb needs, and nothing a verb does not use.
# Quiet and fast when everything is present; prints the exact command when it
# cannot install (not root, no apt-get).
#   scripts/setup.sh build   make, make run, make release: compiler and libraries
#   scripts/setup.sh lint    make lint, make format: clang-format, git
#   scripts/setup.sh test    make test: build + lint + cmocka + the peers the tests run
#   scripts/setup.sh bench   make bench: build + the peers the benchmarks measure
#   scripts/setup.sh fuzz    make fuzz: build + clang and its libFuzzer runtime
# Each list names the commands it is for; a test or benchmark that starts using
# another command adds its package here, at every level that runs it.
set -eu
level=${1:-build}

# meson, ninja, gcc with the C library's headers and start files, pkg-config
# (meson finds the libraries through it), then the libraries, one per line
# (so branches that add one merge cleanly).
build="meson ninja-build gcc libc6-dev pkg-config"
build="$build libmnl-dev"     # netlink
build="$build libpcap-dev"    # capture (flows, procs)
build="$build libsystemd-dev" # the agent's sd_notify (Type=notify, the watchdog); collect/authlog_read: the journal
build="$build libsqlite3-dev" # src/store: the history database
build="$build libinih-dev"    # the agent's config file (src/cli/config.c)
build="$build libmicrohttpd-dev" # the agent's /metrics listener (src/export/http.c)
build="$build libcurl4-openssl-dev" # src/alert: webhook and Alertmanager sinks
build="$build libnftables-dev" # src/alert: blocks and limits in connmon's nftables table
build="$build libncurses-dev" # src/ui: connmon top (ncursesw)
# scripts/lint.sh: clang-format --dry-run, git ls-files.
lint="clang-format git"
# tests/: cmocka (unit); python3 (system tests); iproute2 (ip netns, ss, nstat);
# procps (ps, sysctl, pgrep); util-linux (setpriv, setsid); tcpdump (flows'
# oracle); ethtool (offloads off on test veths); netbase (/etc/services, for
# service names in sockets and its tests); iperf3 (known TCP transfers, as in
# the procs repros of docs and issues); tmux (the live flows screen at a known
# terminal size); prometheus (tests/export: a real server scrapes /metrics,
# promtool checks the exposition and packaging/prometheus/).
test="libcmocka-dev python3 iproute2 procps util-linux tcpdump ethtool netbase iperf3 tmux prometheus"
test="$test sqlite3" # tests/store: PRAGMA integrity_check after a kill -9
test="$test systemd" # tests/agent: systemd-analyze verify of packaging/connmon.service
test="$test python3-yaml" # tests/export: the packaging test reads the recording rules
test="$test libxml2-utils chromium" # tests/report: xmllint checks the SVGs, chromium renders the page headless
test="$test nftables" # tests/respond: nft lists connmon's table inside the test's namespace
test="$test hping3" # tests/detect: the SYN flood
test="$test nmap" # tests/detect: the port scan
test="$test openssh-server sshpass" # tests/detect: SSH brute force against a real sshd
test="$test prometheus-alertmanager" # tests/notify: a real Alertmanager receives the alerts
test="$test curl" # tests/agent_socket: curl --unix-socket reads the local socket; tests/dashboard: the page's headers
test="$test chromium" # tests/dashboard: chromium runs the page
test="$test mandoc groff-base man-db" # tests/package: the man pages lint and render (mandoc -Tlint, groff -ww, man -l)
test="$test zsh" # tests/package: the zsh completion, completed for real through zpty
test="$test debhelper dpkg-dev fakeroot" # tests/package: dpkg-buildpackage of debian/
test="$test systemd-container" # tests/package: the .deb installed in a container booted with systemd-nspawn
test="$test lintian" # tests/package: lintian checks the .deb the package test builds
# bench/: iproute2 (ip, ss, nstat), net-tools (netstat), gawk, time
# (/usr/bin/time), python3 (JSON checks, proto), tcpdump, iftop, nethogs,
# sysstat (sar, sadc), procps (sysctl); the agent's peers (bench/agent):
# prometheus-node-exporter, netdata (Debian's 1.37).
bench="iproute2 net-tools gawk time python3 tcpdump iftop nethogs sysstat procps"
bench="$bench prometheus-node-exporter netdata"
bench="$bench hping3 nmap nftables" # bench/detect: the SYN flood, the scan, the blocks
bench="$bench curl" # bench/api: time_total of the dashboard's API requests
bench="$bench chromium" # bench/dashboard: the page's load time in headless Chromium
# make fuzz: clang with -fsanitize=fuzzer (its runtime is a separate package).
fuzz="clang libclang-rt-14-dev"

case $level in
build) pkgs=$build ;;
lint) pkgs=$lint ;;
test) pkgs="$build $lint $test" ;;
bench) pkgs="$build $bench" ;;
fuzz) pkgs="$build $fuzz" ;;
*)
	echo "usage: scripts/setup.sh build|lint|test|bench|fuzz" >&2
	exit 2
	;;
esac

missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

cmd="apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
	echo "connmon needs these Debian packages:$missing" >&2
	echo "install them with: sudo apt-get update && sudo $cmd" >&2
	exit 1
fi
echo "setup: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# A fresh machine has no package lists yet; refresh them once, quietly.
apt-get update -qq >/dev/null || echo "setup: apt-get update failed, trying the install anyway" >&2
$cmd -qq >/dev/null
