#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""connmon(1) follows the binary: every command `connmon --help` lists has a
section (.SS connmon CMD), every long option of `connmon CMD --help` appears in
that section, and the version the page names is `connmon --version`.
Commands whose --help is the same text (blocks, block, unblock) share their
options: an option may sit in any of their sections.
Usage: man_commands.py CONNMON MAN1"""
import re
import subprocess
import sys


def run(args):
    p = subprocess.run(args, capture_output=True, text=True, timeout=30)
    return p.returncode, p.stdout


def commands(connmon):
    rc, out = run([connmon, '--help'])
    if rc != 0:
        sys.exit(f'FAIL: connmon --help exited {rc}')
    m = re.search(r'^commands:\n((?:  \S.*\n)+)', out, re.M)
    if not m:
        sys.exit('FAIL: no "commands:" list in connmon --help')
    return [line.split()[0] for line in m.group(1).splitlines()]


def plain(roff):
    """The text of roff source as a reader sees it, near enough to search."""
    t = roff.replace('\\-', '-').replace('\\(dq', '"').replace('\\~', ' ').replace('\\&', '')
    t = re.sub(r'\\f[BIRP]', '', t)
    t = re.sub(r'^\.[A-Za-z]+ ?', '', t, flags=re.M)
    return t


def sections(page):
    """{'sockets': text, ...} from the .SS connmon CMD subsections."""
    out = {}
    parts = re.split(r'^\.S[SH] (.*)$', page, flags=re.M)
    for head, body in zip(parts[1::2], parts[2::2]):
        m = re.fullmatch(r'"?connmon (\S+)"?', head.strip())
        if m:
            out[m.group(1)] = plain(body)
    return out


def main():
    connmon, man1 = sys.argv[1], sys.argv[2]
    page = open(man1, encoding='utf-8').read()
    secs = sections(page)
    fail = 0
    cmds = commands(connmon)
    if len(cmds) < 10:
        print(f'FAIL: only {len(cmds)} commands parsed from --help')
        fail = 1
    helps = {}
    for c in cmds:
        rc, out = run([connmon, c, '--help'])
        if rc != 0:
            print(f'FAIL: connmon {c} --help exited {rc}')
            fail = 1
        helps[c] = out
    for c in cmds:
        if c not in secs:
            print(f'FAIL: connmon.1 has no section ".SS connmon {c}"')
            fail = 1
            continue
        # the sections of every command with the same --help text
        pool = ''.join(secs.get(o, '') for o in cmds if helps[o] == helps[c])
        flags = sorted(set(re.findall(r'(?<![\w-])(--[a-z][a-z0-9-]*)', helps[c])))
        before = fail
        fail = 0
        for f in flags:
            if f == '--help':
                continue
            if not re.search(re.escape(f) + r'(?![a-z0-9-])', pool):
                print(f'FAIL: connmon {c} --help lists {f}; its section of connmon.1 does not')
                fail = 1
        if not fail:
            print(f'ok: connmon {c}: {len(flags)} long options checked')
        fail |= before
    rc, ver = run([connmon, '--version'])
    ver = ver.strip()
    th = re.search(r'^\.TH \S+ \S+ \S+ "([^"]*)"', page, re.M)
    if rc != 0 or not re.fullmatch(r'connmon \S+', ver):
        print(f'FAIL: connmon --version printed {ver!r} (exit {rc})')
        fail = 1
    elif not th or th.group(1) != ver:
        print(f'FAIL: connmon.1 .TH names {th.group(1) if th else None!r}, --version {ver!r}')
        fail = 1
    if '--version' not in plain(page):
        print('FAIL: connmon.1 does not describe --version')
        fail = 1
    sys.exit(fail)


main()
