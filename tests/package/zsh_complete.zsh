# SPDX-License-Identifier: GPL-2.0-or-later
# Completes command lines in a real interactive zsh (zpty) with _connmon
# autoloaded from $1, and prints the matches each line gets:
#   zsh -f zsh_complete.zsh DIR 'connmon so' 'connmon sockets --g' ...
# prints one block per line: "== LINE" then one match per line.  Every read
# is bounded (about 2 s per line); a line that gets no answer prints
# "!! timeout".
zmodload zsh/zpty zsh/zselect || exit 77
dir=$1; shift
zpty z zsh -f -i
# compadd is wrapped to print every match it adds between markers; the
# marker widget ends each answer.
zpty -w z "PS1=''; PS2=''; unsetopt zle_bracketed_paste; fpath=(${(q)dir} \$fpath)"
# -D: no dump file (a -d after it would turn dumping back on)
zpty -w z 'autoload -Uz compinit; compinit -u -D'
zpty -w z 'compadd() { if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return; fi; local -a __h; builtin compadd -A __h "$@"; local m; for m in $__h; print -nr -- $'"'"'\x01'"'"'$m$'"'"'\x02'"'"'; builtin compadd "$@"; }'
zpty -w z '_cm_end() { print -nr -- $'"'"'\x03'"'"'; }; zle -N _cm_end; bindkey "^T" _cm_end; bindkey "^I" complete-word'
zpty -w z 'zstyle ":completion:*" list-prompt ""; zstyle ":completion:*" menu no; LISTMAX=100000'
zpty -w z 'print READY-$((6*7))'
out='' chunk=''
for i in {1..100}; do
	zpty -rt z chunk 2>/dev/null && out+=$chunk
	[[ $out == *READY-42* ]] && break
	zselect -t 2
done
[[ $out == *READY-42* ]] || { print -r -- '!! zsh did not start'; exit 1; }
for line in "$@"; do
	out=''
	zpty -w -n z "$line"$'\t\x14'
	for i in {1..100}; do
		zpty -rt z chunk 2>/dev/null && out+=$chunk
		[[ $out == *$'\x03'* ]] && break
		zselect -t 2
	done
	print -r -- "== $line"
	if [[ $out != *$'\x03'* ]]; then
		print -r -- '!! timeout'
	else
		print -rl -- ${(u)${(M)${(ps:\x01:)out}:#*$'\x02'*}%%$'\x02'*}
	fi
	# clear the line for the next one
	zpty -w -n z $'\x15'
done
zpty -d z
