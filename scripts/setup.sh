#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Installs the Debian packages connmon needs to build, test and benchmark.
# Quiet and fast when everything is present; prints the exact command when it
# cannot install (not root, no apt-get).
#   scripts/setup.sh build   what `make` needs
#   scripts/setup.sh test    plus the peers the tests use as oracles
#   scripts/setup.sh bench   plus the peers the benchmarks compare against
#   scripts/setup.sh fuzz    plus clang for libFuzzer
set -eu
level=${1:-build}

pkgs="meson ninja-build gcc pkg-config libmnl-dev libpcap-dev iproute2"
case $level in
test | bench | fuzz) pkgs="$pkgs libcmocka-dev python3 procps tcpdump tmux" ;;
esac
case $level in
bench) pkgs="$pkgs net-tools gawk time iftop nethogs iperf3 sysstat" ;;
fuzz) pkgs="$pkgs clang libclang-rt-14-dev" ;;
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
