#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The shell completion of connmon, run for real and compared with the binary.
bash: packaging/completion/connmon.bash is sourced in `bash --norc`, `complete
-p connmon` must name its function, and each command line below is completed
by calling that function with COMP_WORDS/COMP_CWORD set.  zsh: _connmon is
autoloaded by compinit in an interactive zsh driven through zpty
(zsh_complete.zsh), and Tab is pressed on the same lines.
Expected: every command of `connmon --help`, every long option of each
command's --help, interface names from /sys/class/net, a namespace this test
creates (as root), the rule names of packaging/connmon.conf, filter keywords,
files.  Usage: completion.py bash|zsh CONNMON COMPLETION_DIR CONNMON_CONF"""
import os
import re
import shlex
import shutil
import stat
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, timeout=60, **kw)


def complete_bash(script, lines):
    prog = ['source ' + shlex.quote(script),
            'complete -p connmon || exit 3',
            'c() { COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1));'
            ' COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; COMPREPLY=();'
            ' local f; f=$(complete -p connmon | sed -n "s/.* -F \\([^ ]*\\) .*/\\1/p");'
            ' "$f" connmon "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}";'
            ' printf "%s\\n" "${COMPREPLY[@]}"; }']
    for line in lines:
        words = line.split(' ')
        prog.append('echo ' + shlex.quote('== ' + line))
        prog.append('c ' + ' '.join(shlex.quote(w) for w in words))
    p = run(['bash', '--norc', '--noprofile', '-c', '\n'.join(prog)])
    if p.returncode == 3 or 'complete -F' not in p.stdout:
        sys.exit(f'FAIL: bash: complete -p connmon: {p.stdout[:200]} {p.stderr[:500]}')
    if p.stderr.strip():
        print(f'FAIL: bash printed on stderr: {p.stderr[:1000]}')
        return None
    return parse(p.stdout)


def complete_zsh(cdir, lines, home):
    # HOME and ZDOTDIR in the test's directory: whatever zsh writes stays there
    env = {**os.environ, 'HOME': home, 'ZDOTDIR': home}
    p = run(['zsh', '-f', os.path.join(HERE, 'zsh_complete.zsh'), cdir] + lines, env=env)
    if not stat.S_ISCHR(os.stat('/dev/null').st_mode):
        sys.exit('FAIL: /dev/null is no longer a character device after zsh ran')
    if p.returncode == 77:
        sys.exit(77)
    if p.returncode != 0:
        sys.exit(f'FAIL: zsh_complete.zsh exited {p.returncode}: {p.stdout[-500:]} {p.stderr[-500:]}')
    return parse(p.stdout)


def parse(out):
    res, cur = {}, None
    for line in out.splitlines():
        if line.startswith('== '):
            cur = line[3:]
            res[cur] = set()
        elif cur is not None and line:
            res[cur].add(line)
    return res


def help_commands(connmon):
    out = run([connmon, '--help']).stdout
    m = re.search(r'^commands:\n((?:  \S.*\n)+)', out, re.M)
    if not m:
        sys.exit('FAIL: no "commands:" list in connmon --help')
    return [line.split()[0] for line in m.group(1).splitlines()]


def rule_names(conf):
    return re.findall(r'^\[rule "([a-z_]+)"\]', open(conf, encoding='utf-8').read(), re.M)


def cases(connmon, conf, tmp, netns):
    """[(line, {words that must be among the completions})]"""
    cmds = help_commands(connmon)
    if len(cmds) < 10:
        sys.exit(f'FAIL: only {len(cmds)} commands in connmon --help')
    out = [('connmon ', set(cmds)), ('connmon --ver', {'--version'})]
    helps = {c: run([connmon, c, '--help']).stdout for c in cmds}
    for c in cmds:
        out.append(('connmon ' + c[:2], {c}))
        flags = set()
        # commands sharing one --help text (blocks, block, unblock): the union
        same = [o for o in cmds if helps[o] == helps[c]]
        for o in same:
            flags |= set(re.findall(r'(?<![\w-])(--[a-z][a-z0-9-]*)', helps[o]))
        if len(same) == 1:
            out.append((f'connmon {c} --', flags | {'--help'}))
        else:
            out.append(('|'.join(f'connmon {o} --' for o in same), flags))
    ifaces = set(os.listdir('/sys/class/net'))
    rules = set(rule_names(conf))
    if len(rules) < 10:
        sys.exit(f'FAIL: only {len(rules)} rules in {conf}')
    open(os.path.join(tmp, 'site.conf'), 'w').close()
    out += [
        ('connmon ifaces -i ', ifaces),
        ('connmon procs --iface ', ifaces),
        ('connmon sockets -t dev ', ifaces),
        ('connmon sockets state ', {'established', 'time-wait', 'listening', 'syn-recv', 'connected'}),
        ('connmon kill exclude ', {'close-wait', 'fin-wait-1'}),
        ('connmon sockets -tn ', {'state', 'sport', 'dport', 'src', 'dst', 'not', 'autobound'}),
        ('connmon sockets dport = :22 ', {'and', 'or'}),
        ('connmon sockets --group-by ', {'raddr', 'lport', 'proc'}),
        ('connmon check --rule ', rules),
        ('connmon alerts --rule ', rules),
        ('connmon agent --respond ', {'off', 'dry-run', 'on'}),
        ('connmon procs --engine ', {'auto', 'tcpinfo', 'capture'}),
        ('connmon flows --sort ', {'2s', '10s', '40s', 'total'}),
        ('connmon history ', {'sockets', 'ifaces', 'proto', 'peers', 'listeners', 'procs', 'series'}),
        ('connmon report ', {'states', 'ifaces', 'procs'}),
        ('connmon help ', {'sockets', 'agent'}),
        (f'connmon agent --config {tmp}/si', {f'{tmp}/site.conf|site.conf'}),
    ]
    if netns:
        out.append(('connmon -N ', {netns}))
        out.append(('connmon sockets -N ', {netns}))
    return out


def check(shell, results, expect):
    fail = 0
    for line, want in expect:
        # "a|b": any of the alternative lines together (a shared --help)
        got = set()
        for alt in line.split('|'):
            r = results.get(alt)
            if r is None:
                print(f'FAIL: {shell}: no answer for {alt!r}')
                fail = 1
                r = set()
            got |= r
        for w in sorted(want):
            if not any(a in got for a in w.split('|')):
                print(f'FAIL: {shell}: {line!r} does not offer {w!r} (offers {sorted(got)[:20]})')
                fail = 1
    return fail


def main():
    shell, connmon, cdir, conf = sys.argv[1:5]
    if not shutil.which(shell):
        print(f'SKIP: no {shell} (scripts/setup.sh test installs it)')
        sys.exit(77)
    tmp = tempfile.mkdtemp(prefix='connmon-compl.')
    netns = None
    try:
        if os.geteuid() == 0 and run(['ip', 'netns', 'add', f'cmpkg{os.getpid()}']).returncode == 0:
            netns = f'cmpkg{os.getpid()}'
        expect = cases(connmon, conf, tmp, netns)
        lines = sorted({alt for line, _ in expect for alt in line.split('|')})
        if shell == 'bash':
            results = complete_bash(os.path.join(cdir, 'connmon.bash'), lines)
        else:
            results = complete_zsh(cdir, lines, tmp)
        if results is None:
            sys.exit(1)
        fail = check(shell, results, expect)
        # completing an option value must not offer the command's options
        if '--json' in results.get('connmon ifaces -i ', set()):
            print(f'FAIL: {shell}: -i offers options instead of interfaces')
            fail = 1
    finally:
        if netns:
            run(['ip', 'netns', 'delete', netns])
        shutil.rmtree(tmp, ignore_errors=True)
    if not fail:
        print(f'ok: {shell}: {len(expect)} command lines complete as expected'
              + ('' if netns else ' (namespace names not checked: not root)'))
    sys.exit(fail)


main()
