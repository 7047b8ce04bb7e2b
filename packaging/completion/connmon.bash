# SPDX-License-Identifier: GPL-2.0-or-later
# bash completion for connmon: commands, each command's options, and the
# values they take (interfaces from /sys/class/net, namespaces from
# /run/netns, files, fixed keywords), plus the words of ss's filter grammar.
# Installed as share/bash-completion/completions/connmon; the options follow
# each command's --help (tests/package/completion_bash.py compares them).

_connmon_commands="overview sockets summary kill ifaces proto flows procs top agent history"
_connmon_commands+=" baseline report alerts check blocks block unblock help"

# Options per command.  Values are completed by _connmon_value below.
_connmon_opts_overview="-t -u -w -x -4 -6 --json --top --watch --iterations --db"
_connmon_opts_sockets="-t -u -w -x -l -a -n -r -p -i -e -m -o -H -W -4 -6 -F
	--wide --json --csv --count --group-by --sort --top --watch --iterations --procfs"
_connmon_opts_summary="-t -u -w -x -4 -6 -F --json --top --watch --iterations"
_connmon_opts_kill="-4 -6 -p -y -F --yes"
_connmon_opts_ifaces="-i -e -W -s -w --iface --edev --wide --json --csv --seconds --watch
	--iterations --sysfs"
_connmon_opts_proto="-a -s -w --all --json --seconds --watch --iterations"
_connmon_opts_flows="-i -f -P -s -r -n -W --iface --filter --ports --seconds --read --json
	--sort --top --numeric --wide"
_connmon_opts_procs="-i -s -w -W --iface --seconds --watch --iterations --wide --json --csv
	--engine --all-netns"
_connmon_opts_top="-i -n --interval --view --sort --filter --ascii --no-color --numeric --db --agent --standalone"
_connmon_opts_agent="-c --config --db --interval --listen --alerts-file --auth-log --once
	--respond --allow --remove-rules"
_connmon_opts_history="-e -i --since --until --step --json --csv --db --port --top --sar"
_connmon_opts_baseline="--json --db"
_connmon_opts_report="-o --since --until --db"
_connmon_opts_alerts="-a --all --since --until --rule --json --db"
_connmon_opts_check="-c --rule --interval --json --config --db"
_connmon_opts_blocks="-c --json --db --config"
_connmon_opts_block="-c -f --file --for --reason --db --config"
_connmon_opts_unblock="-c --all --db --config"

_connmon_states="established syn-sent syn-recv fin-wait-1 fin-wait-2 time-wait closed
	close-wait last-ack listening closing all connected synchronized bucket big"
_connmon_filter_words="state exclude src dst sport dport dev fwmark autobound and or not ( )"
_connmon_rules="connections per_ip_connections syn_flood port_scan ssh_brute_force close_wait
	time_wait_ratio traffic_surge traffic_stopped link_utilisation packet_loss
	listen_overflow unknown_listener big_flow capacity"

_connmon_ifaces()
{
	local d
	for d in /sys/class/net/*; do
		[ -e "$d" ] && printf '%s\n' "${d##*/}"
	done
}

_connmon_netns()
{
	local d
	# /run/netns is where `ip netns add` puts its names; ip itself is slower.
	for d in /run/netns/*; do
		[ -e "$d" ] && printf '%s\n' "${d##*/}"
	done
}

_connmon_words()
{
	local IFS=$' \t\n'
	# shellcheck disable=SC2207 # word lists of fixed, blank-free keywords
	COMPREPLY=($(compgen -W "$1" -- "$2"))
}

_connmon_lines()
{
	local line
	COMPREPLY=()
	while IFS= read -r line; do
		[[ $line == "$2"* ]] && COMPREPLY+=("$line")
	done < <($1)
}

_connmon_files()
{
	local IFS=$'\n'
	# shellcheck disable=SC2207
	COMPREPLY=($(compgen -f -- "$1"))
	compopt -o filenames 2>/dev/null
}

_connmon_dirs()
{
	local IFS=$'\n'
	# shellcheck disable=SC2207
	COMPREPLY=($(compgen -d -- "$1"))
	compopt -o filenames 2>/dev/null
}

# Completes the value of option $1 of command $2 into COMPREPLY; returns 1 when
# $1 takes no value.
_connmon_value()
{
	local opt=$1 cmd=$2 cur=$3
	case $opt in
	-N | --net) _connmon_lines _connmon_netns "$cur" ;;
	--iface) _connmon_lines _connmon_ifaces "$cur" ;;
	-i)
		case $cmd in
		ifaces | flows | procs | history) _connmon_lines _connmon_ifaces "$cur" ;;
		top) COMPREPLY=() ;; # seconds
		*) return 1 ;;      # sockets -i: TCP internals
		esac
		;;
	-c | --config) _connmon_files "${cur:-/etc/connmon/}" ;;
	--db) _connmon_files "${cur:-/var/lib/connmon/}" ;;
	-F | -o | --read | --alerts-file | --auth-log) _connmon_files "$cur" ;;
	-r) [ "$cmd" = flows ] && _connmon_files "$cur" || return 1 ;;
	-f | --file) [ "$cmd" = flows ] && COMPREPLY=() || _connmon_files "$cur" ;;
	--sysfs) _connmon_dirs "$cur" ;;
	--engine) _connmon_words "auto tcpinfo capture" "$cur" ;;
	--respond) _connmon_words "off dry-run on" "$cur" ;;
	--rule) _connmon_words "$_connmon_rules" "$cur" ;;
	--view) _connmon_words "overview sockets flows procs ifaces listeners alerts" "$cur" ;;
	--since | --until) _connmon_words "now -15m -1h -2h -24h -7d today yesterday" "$cur" ;;
	--group-by) _connmon_words "state proto raddr laddr rport lport pair uid proc" "$cur" ;;
	--sort)
		case $cmd in
		sockets) _connmon_words "state laddr raddr lport rport recv_q send_q uid inode" "$cur" ;;
		flows) _connmon_words "2s 10s 40s total peak sent recv" "$cur" ;;
		*) COMPREPLY=() ;;
		esac
		;;
	-s | --seconds | --watch | --iterations | --top | --interval | --step | --port | --for | \
		--reason | --listen | --allow | --filter)
		COMPREPLY=()
		;;
	-w)
		# ss's -w (RAW sockets) in the socket commands; seconds elsewhere
		case $cmd in
		ifaces | proto | procs) COMPREPLY=() ;;
		*) return 1 ;;
		esac
		;;
	*) return 1 ;;
	esac
	return 0
}

# The words of ss's filter grammar; after state/exclude a state, after dev an
# interface.
_connmon_filter()
{
	local prev=$1 cur=$2
	case $prev in
	state | exclude) _connmon_words "$_connmon_states" "$cur" ;;
	dev) _connmon_lines _connmon_ifaces "$cur" ;;
	*) _connmon_words "$_connmon_filter_words $_connmon_states" "$cur" ;;
	esac
}

_connmon_positional()
{
	local cmd=$1 prev=$2 cur=$3 nargs=$4
	case $cmd in
	overview | sockets | summary | kill | top) _connmon_filter "$prev" "$cur" ;;
	help) ((nargs == 0)) && _connmon_words "$_connmon_commands" "$cur" ;;
	history)
		((nargs == 0)) &&
			_connmon_words "sockets ifaces proto peers listeners procs series export import" "$cur"
		((nargs > 0)) && _connmon_files "$cur"
		;;
	report) ((nargs == 0)) && _connmon_words "states listeners peers ifaces proto procs" "$cur" ;;
	*) COMPREPLY=() ;;
	esac
}

_connmon()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev='' cmd='' w i nargs=0 optsvar
	((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
	COMPREPLY=()

	# The command: the first word that is neither an option nor -N's value.
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		if [ -z "$cmd" ]; then
			case $w in
			-N | --net) ((i++)) ;;
			-*) ;;
			*) cmd=$w ;;
			esac
		elif [[ $w != -* ]] && ! _connmon_takes_value "${COMP_WORDS[i - 1]}" "$cmd"; then
			nargs=$((nargs + 1))
		fi
	done

	if [ -z "$cmd" ]; then
		_connmon_value "$prev" "" "$cur" && return 0
		if [[ $cur == -* ]]; then
			_connmon_words "-N --net -h --help --version $_connmon_opts_overview" "$cur"
		else
			_connmon_words "$_connmon_commands" "$cur"
		fi
		return 0
	fi
	case " $_connmon_commands " in
	*" $cmd "*) ;;
	*) return 0 ;;
	esac
	[ "$prev" != "$cmd" ] && _connmon_value "$prev" "$cmd" "$cur" && return 0
	if [[ $cur == -* ]]; then
		optsvar=_connmon_opts_$cmd
		_connmon_words "-h --help -N --net ${!optsvar}" "$cur"
		return 0
	fi
	_connmon_positional "$cmd" "$prev" "$cur" "$nargs"
	return 0
}

# True when option $1 of command $2 consumes the next word.
_connmon_takes_value()
{
	local COMPREPLY=()
	_connmon_value "$1" "$2" "" >/dev/null 2>&1
}

complete -F _connmon connmon
