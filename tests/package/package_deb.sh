#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The Debian package end to end (docs/PACKAGING.md, "The package test"):
#  1. dpkg-buildpackage -us -uc -b in a copy of the source tree; the build
#     changes nothing outside debian/;
#  2. the .deb holds the binary, the man pages, the completion, the unit and
#     the conffile, and enables the unit; lintian finds no error or warning;
#  3. in a fresh Debian 12 (the fresh-machine image) booted with systemd under
#     systemd-nspawn --boot --private-network: dpkg -i installs the .deb, the
#     service is enabled and active, /metrics answers inside the container,
#     the local socket /run/connmon/agent.sock has its mode and group and
#     answers GET (POST 405), the dashboard page carries its CSP, api.token
#     is 0600, systemd-analyze security's score is printed (not judged),
#     a reload applies an edited conffile; apt-get purge removes the unit,
#     /etc/connmon (the edited conffile too), /var/lib/connmon and /run/connmon.
# The image gets systemd, curl and the package's dependencies from the Debian
# mirror before it boots (apt over the host's network, as fresh-machine does);
# once booted, the container has its own network namespace with only lo.
# Root only (exit 77 otherwise, or without the tools or the image); every wait
# is bounded; the copy, the container and its files go on every exit path.
#   tests/package/package_deb.sh SOURCE_DIR VERSION
set -u
src=$(realpath "$1")
version=$2
skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "needs root (systemd-nspawn)"
for t in dpkg-buildpackage dpkg-deb dh systemd-nspawn nsenter tar; do
	command -v "$t" >/dev/null || skip "no $t (scripts/setup.sh test installs it)"
done
image=${CONNMON_DEB_IMAGE:-/var/cache/fresh-machine/bookworm.tar}
[ -s "$image" ] || skip "no Debian image $image (../shared/tools/fresh-machine makes it)"

work=$(mktemp -d /var/tmp/connmon-deb.XXXXXX)
machine=connmon-deb-$$
boot_pid=
fail=0
say_fail() {
	echo "FAIL: $*"
	fail=1
}

cleanup() {
	if [ -n "$boot_pid" ] && kill -0 "$boot_pid" 2>/dev/null; then
		# SIGTERM makes systemd-nspawn shut the container down
		kill -TERM "$boot_pid" 2>/dev/null
		for _ in $(seq 100); do
			kill -0 "$boot_pid" 2>/dev/null || break
			sleep 0.2
		done
		kill -KILL "$boot_pid" 2>/dev/null
		wait "$boot_pid" 2>/dev/null
	fi
	if [ -d "$work/root" ]; then
		grep -q " $work/root" /proc/mounts && umount -R -l "$work/root" 2>/dev/null
	fi
	rm -rf --one-file-system "$work"
	for m in "$machine" "$machine-prep"; do
		[ -d "/run/systemd/nspawn/propagate/$m" ] &&
			rm -rf --one-file-system "/run/systemd/nspawn/propagate/$m"
	done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# 1. Build in a copy: the tracked and untracked-but-not-ignored files.
copy=$work/src/connmon-$version
mkdir -p "$copy"
if git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$src" && git ls-files -co --exclude-standard -z |
		tar --null --ignore-failed-read -T - -cf -) 2>/dev/null | tar -xf - -C "$copy"
else
	tar -C "$src" --exclude=./.git --exclude='./build*' --exclude=./debian/build -cf - . |
		tar -xf - -C "$copy"
fi
[ -f "$copy/debian/control" ] || { echo "FAIL: no debian/control in the copy"; exit 1; }
outside() { (cd "$copy" && find . -path ./debian -prune -o -printf '%p %s %T@\n' | sort); }
before=$(outside)
echo "building the package (dpkg-buildpackage -us -uc -b)"
if ! (cd "$copy" && timeout 600 dpkg-buildpackage -us -uc -b >"$work/build.log" 2>&1); then
	tail -40 "$work/build.log"
	echo "FAIL: dpkg-buildpackage"
	exit 1
fi
[ "$(outside)" = "$before" ] || say_fail "the build changed files outside debian/: $(diff <(echo "$before") <(outside) | head -5)"

# 2. The .deb's contents and metadata.
arch=$(dpkg --print-architecture)
deb=$work/src/connmon_${version}-1_${arch}.deb
[ -f "$deb" ] || { echo "FAIL: no $(basename "$deb") (got: $(ls "$work/src"))"; exit 1; }
contents=$(dpkg-deb -c "$deb" | awk '{print $6}')
for f in ./usr/bin/connmon ./usr/share/man/man1/connmon.1.gz ./usr/share/man/man5/connmon.conf.5.gz \
	./usr/share/man/man8/connmon-agent.8.gz ./usr/share/bash-completion/completions/connmon \
	./usr/share/zsh/vendor-completions/_connmon ./lib/systemd/system/connmon.service \
	./etc/connmon/connmon.conf ./usr/share/doc/connmon/copyright; do
	grep -qx -- "$f" <<<"$contents" || say_fail "the .deb has no $f"
done
[ "$(dpkg-deb -f "$deb" Package)" = connmon ] || say_fail "Package is not connmon"
[ "$(dpkg-deb -f "$deb" Version)" = "$version-1" ] || say_fail "Version is not $version-1"
dpkg-deb -f "$deb" Depends | grep -q libmnl0 || say_fail "Depends has no libmnl0 (shlibs)"
ctrl=$work/ctrl
dpkg-deb -e "$deb" "$ctrl"
grep -qx /etc/connmon/connmon.conf "$ctrl/conffiles" || say_fail "/etc/connmon/connmon.conf is not a conffile"
grep -q "deb-systemd-helper enable 'connmon.service'" "$ctrl/postinst" || say_fail "postinst does not enable the unit"
grep -q 'rm -rf /var/lib/connmon /etc/connmon' "$ctrl/postrm" || say_fail "postrm does not purge the state"
[ $fail = 0 ] && echo "ok: $(basename "$deb") built; contents, conffile and scripts as expected"
# lintian: no error and no warning (the infos and the pedantic tags are listed in docs/PACKAGING.md)
if command -v lintian >/dev/null; then
	if timeout 120 lintian --fail-on error,warning --no-tag-display-limit "$deb" \
		>"$work/lintian.log" 2>&1; then
		echo "ok: lintian finds no error and no warning in the .deb"
	else
		grep -E '^[EW]: ' "$work/lintian.log" | head -20
		say_fail "lintian: $(grep -cE '^[EW]: ' "$work/lintian.log") errors and warnings in the .deb"
	fi
else
	echo "note: no lintian (scripts/setup.sh test installs it): the .deb is not linted"
fi

# 3. A fresh Debian 12 with systemd, booted in a container.
root=$work/root
mkdir "$root"
tar -xf "$image" -C "$root" || { echo "FAIL: cannot unpack $image"; exit 1; }
cp "$deb" "$root/root/connmon.deb"
echo "preparing the container (systemd, curl, the package's dependencies)"
if ! timeout 300 systemd-nspawn -q -D "$root" -M "$machine-prep" --register=no --keep-unit --pipe \
	env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive sh -c '
	apt-get update -qq &&
	apt-get install -y -qq --no-install-recommends systemd systemd-sysv dbus curl &&
	apt-get install -y -qq --no-install-recommends --download-only /root/connmon.deb' \
	>"$work/prep.log" 2>&1; then
	tail -20 "$work/prep.log"
	# no route to the Debian mirror is the machine's state, not the package's
	grep -qE 'Temporary failure resolving|Could not resolve|Failed to fetch|Network is unreachable' \
		"$work/prep.log" && skip "the Debian mirror cannot be reached to prepare the container"
	echo "FAIL: preparing the container"
	exit 1
fi

timeout 600 systemd-nspawn -q -D "$root" -M "$machine" --register=no --keep-unit --private-network \
	--boot >"$work/console.log" 2>&1 &
boot_pid=$!
leader=
for _ in $(seq 150); do
	for t in $(cat /proc/"$boot_pid"/task/*/children 2>/dev/null); do
		for c in $(cat /proc/"$t"/task/*/children 2>/dev/null); do
			[ "$(cat /proc/"$c"/comm 2>/dev/null)" = systemd ] && leader=$c
		done
	done
	[ -n "$leader" ] && break
	sleep 0.2
done
[ -n "$leader" ] || { tail -20 "$work/console.log"; echo "FAIL: the container's systemd did not start"; exit 1; }
inside() {
	timeout 120 nsenter -t "$leader" -a -r -w env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 \
		DEBIAN_FRONTEND=noninteractive "$@"
}
state=
for _ in $(seq 120); do
	state=$(inside systemctl is-system-running 2>/dev/null)
	case $state in running | degraded) break ;; esac
	sleep 0.5
done
case $state in
running | degraded) echo "ok: the container booted ($state)" ;;
*)
	tail -20 "$work/console.log"
	echo "FAIL: the container's systemd is '$state'"
	exit 1
	;;
esac
# the container must not see the host's interfaces
links=$(ls "/proc/$leader/root/sys/class/net" 2>/dev/null; inside ls /sys/class/net)
[ "$(echo "$links" | sort -u | tr '\n' ' ')" = "lo " ] || say_fail "the container sees interfaces: $links"

# dpkg -i of the package with the dependencies apt downloaded for it
if ! inside sh -c 'dpkg -i /var/cache/apt/archives/*.deb /root/connmon.deb' >"$work/install.log" 2>&1; then
	tail -20 "$work/install.log"
	echo "FAIL: dpkg -i of the .deb in the container"
	exit 1
fi
active=
for _ in $(seq 60); do
	active=$(inside systemctl is-active connmon)
	[ "$active" = active ] && break
	sleep 0.5
done
journal() { inside journalctl -u connmon --no-pager -n 30; }
# The local socket under systemd (docs/AGENT.md, "Local socket"): RuntimeDirectory=connmon makes
# /run/connmon (0755); the socket has socket_mode 0660 and, with socket_group empty, the agent's
# group (root's); it serves GET and refuses POST with 405.
check_socket() {
	local sock=/run/connmon/agent.sock got code
	got=$(inside stat -c '%F %a %U:%G' /run/connmon /run/connmon/agent.sock 2>&1 | tr '\n' ';')
	if [ "$got" = "directory 755 root:root;socket 660 root:root;" ]; then
		echo "ok: /run/connmon (0755) holds agent.sock, a socket of mode 0660, group root"
	else
		say_fail "/run/connmon and its socket: '$got'" \
			"(want directory 755 root:root; socket 660 root:root)"
	fi
	code=$(inside curl -s -m 5 -o /dev/null -w '%{http_code}' --unix-socket $sock \
		http://localhost/api/v1/status)
	[ "$code" = 200 ] || say_fail "GET /api/v1/status on $sock: $code, not 200"
	got=$(inside curl -s -m 5 --unix-socket $sock http://localhost/api/v1/status)
	grep -q '"version"' <<<"$got" || say_fail "/api/v1/status on $sock has no version: ${got:0:200}"
	code=$(inside curl -s -m 5 -o /dev/null -w '%{http_code}' --unix-socket $sock -X POST \
		-H 'Content-Type: application/json' -d '{"all":true}' http://localhost/api/v1/unblock)
	[ "$code" = 405 ] || say_fail "POST /api/v1/unblock on $sock: $code, not 405"
	[ $fail = 0 ] && echo "ok: GET /api/v1/status on the socket is 200, POST is 405"
}
# The dashboard on the TCP listener with its Content-Security-Policy, and the API's token
# (docs/API.md, "The token"): /var/lib/connmon/api.token, mode 0600, 64 hex digits.
check_page_and_token() {
	local head token csp want="regular file 600 root"
	head=$(inside curl -s -m 5 -D - -o /dev/null http://127.0.0.1:9556/)
	csp="^Content-Security-Policy: default-src 'self';.*frame-ancestors 'none'"
	if grep -q '^HTTP/1.1 200' <<<"$head" && grep -qi "$csp" <<<"$head"; then
		echo "ok: / answers 200 on 127.0.0.1:9556 with a Content-Security-Policy"
	else
		say_fail "the dashboard page on 127.0.0.1:9556: ${head:0:300}"
	fi
	token=$(inside stat -c '%F %a %U' /var/lib/connmon/api.token 2>&1)
	if [ "$token" != "$want" ]; then
		say_fail "/var/lib/connmon/api.token: '$token' (want $want)"
	elif ! inside grep -qxE '[0-9a-f]{64}' /var/lib/connmon/api.token; then
		say_fail "/var/lib/connmon/api.token does not hold 64 hex digits"
	else
		echo "ok: /var/lib/connmon/api.token: 64 hex digits in a regular file of mode 0600"
	fi
}
if [ "$active" = active ]; then
	echo "ok: connmon.service is active after the install"
else
	journal
	say_fail "connmon.service is '$active' after the install"
fi
[ "$(inside systemctl is-enabled connmon)" = enabled ] || say_fail "connmon.service is not enabled"
[ "$(inside connmon --version)" = "connmon $version" ] || say_fail "connmon --version in the container"
metrics=
for _ in $(seq 20); do
	metrics=$(inside curl -sf --max-time 5 http://127.0.0.1:9556/metrics) && break
	sleep 0.5
done
if grep -q '^connmon_tcp_sockets{state="listen"}' <<<"$metrics"; then
	echo "ok: /metrics answers in the container ($(grep -c '^connmon_' <<<"$metrics") series)"
else
	journal
	say_fail "no connmon_tcp_sockets in /metrics from 127.0.0.1:9556: ${metrics:0:300}"
fi
for f in /var/lib/connmon/connmon.db /etc/systemd/system/multi-user.target.wants/connmon.service; do
	inside test -e "$f" || say_fail "no $f while the agent runs"
done
check_socket
check_page_and_token
inside systemd-analyze security connmon >"$work/security.log" 2>&1
echo "note: systemd-analyze security connmon: $(grep -o 'Overall exposure level.*' "$work/security.log" ||
	echo "no score ($(tail -1 "$work/security.log"))")"
# a reload (SIGHUP) reads the conffile again: /metrics moves to another port
inside sed -i 's/^listen = 127.0.0.1:9556$/listen = 127.0.0.1:9557/' /etc/connmon/connmon.conf
if inside systemctl reload connmon >"$work/reload.log" 2>&1; then
	moved=no
	for _ in $(seq 20); do
		inside curl -sf --max-time 2 -o /dev/null http://127.0.0.1:9557/metrics && moved=yes && break
		sleep 0.5
	done
	if [ $moved = yes ] && [ "$(inside systemctl is-active connmon)" = active ]; then
		echo "ok: systemctl reload connmon: the agent serves on the port the edited conffile names"
	else
		journal
		say_fail "after editing listen and a reload: serving on 9557 $moved, $(inside systemctl is-active connmon)"
	fi
else
	journal
	say_fail "systemctl reload connmon: $(cat "$work/reload.log")"
fi

purged=$fail
fail=0

if ! inside apt-get purge -y -qq connmon >"$work/purge.log" 2>&1; then
	tail -20 "$work/purge.log"
	say_fail "apt-get purge connmon"
fi
# (the container still answers: a failing nsenter must not pass for "gone")
inside test -e /usr/bin/dpkg || say_fail "cannot look into the container after the purge"
for f in /var/lib/connmon /etc/connmon /run/connmon /lib/systemd/system/connmon.service \
	/etc/systemd/system/multi-user.target.wants/connmon.service /usr/bin/connmon; do
	inside test -e "$f" && say_fail "$f is still there after the purge"
done
[ "$(inside systemctl is-active connmon)" = active ] && say_fail "connmon still runs after the purge"
inside dpkg -s connmon >/dev/null 2>&1 && say_fail "dpkg still knows connmon after the purge"
[ $fail = 0 ] &&
	echo "ok: apt-get purge removed the unit, /etc/connmon, /var/lib/connmon and /run/connmon"
fail=$((fail | purged))

inside systemctl poweroff >/dev/null 2>&1
for _ in $(seq 100); do
	kill -0 "$boot_pid" 2>/dev/null || break
	sleep 0.2
done
exit $fail
