#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""connmon.conf(5) cannot drift from packaging/connmon.conf: every section of
the file has a subsection of the page (.SS [section]), and every key of the
file appears in its section's subsection as "key = default", with the default
the file gives (an empty default as "key =").
Usage: man_conf_keys.py CONNMON_CONF MAN5"""
import re
import sys


def conf_sections(path):
    """[(section, [(key, value)...])...] in file order."""
    out = []
    for n, line in enumerate(open(path, encoding='utf-8'), 1):
        line = line.rstrip('\n')
        if not line.strip() or line.lstrip()[0] in '#;':
            continue
        m = re.fullmatch(r'\[(.+)\]', line.strip())
        if m:
            out.append((m.group(1), []))
            continue
        m = re.fullmatch(r'\s*([A-Za-z0-9_]+)\s*=\s*(.*?)\s*', line)
        if not m or not out:
            sys.exit(f'FAIL: {path}:{n}: not a key line: {line!r}')
        out[-1][1].append((m.group(1), m.group(2)))
    return out


def plain(roff):
    t = roff.replace('\\-', '-').replace('\\(dq', '"').replace('\\~', ' ').replace('\\&', '')
    t = re.sub(r'\\f[BIRP]', '', t)
    t = re.sub(r'^\.[A-Za-z]+ ?', '', t, flags=re.M)
    t = t.replace('"', ' ')
    return ' '.join(t.split())


def man_sections(path):
    page = open(path, encoding='utf-8').read()
    parts = re.split(r'^\.S[SH] (.*)$', page, flags=re.M)
    out = {}
    for head, body in zip(parts[1::2], parts[2::2]):
        name = plain(head).strip()
        if name.startswith('[') and name.endswith(']'):
            out[' '.join(name[1:-1].split())] = ' ' + plain(body) + ' '
    return out


def main():
    conf, man5 = sys.argv[1], sys.argv[2]
    secs = man_sections(man5)
    fail = nkeys = 0
    for sec, keys in conf_sections(conf):
        # [rule "x"] is written [rule \(dqx\(dq] in roff: quotes dropped on both sides
        name = ' '.join(sec.replace('"', ' ').split())
        text = secs.get(name)
        if text is None:
            print(f'FAIL: connmon.conf.5 has no section ".SS [{sec}]"')
            fail = 1
            continue
        for key, val in keys:
            nkeys += 1
            want = f' {key} = {val} '.replace('"', ' ')
            want = ' ' + ' '.join(want.split()) + ' '
            # a value ends at a blank, a comma or a full stop in the page's text
            pat = re.escape(want.rstrip()) + r'[\s,.]'
            if not re.search(pat, text):
                print(f'FAIL: [{sec}] {key} = {val!r} is not in connmon.conf.5\'s [{sec}] section')
                fail = 1
    if nkeys < 50:
        print(f'FAIL: only {nkeys} keys read from {conf}')
        fail = 1
    if not fail:
        print(f'ok: {nkeys} keys of {conf} documented with their defaults')
    sys.exit(fail)


main()
