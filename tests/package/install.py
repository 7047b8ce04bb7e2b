#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""`meson install --destdir` of the build directory puts exactly the expected
files under the build's prefix (docs/PACKAGING.md, "What is installed"), the
installed binary runs and prints `connmon VERSION`, the installed unit starts
the installed binary with the installed config, and the config is
packaging/connmon.conf.  Usage: install.py BUILDDIR VERSION SOURCEDIR"""
import filecmp
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, timeout=120, **kw)


def options(build):
    p = run(['meson', 'introspect', build, '--buildoptions'])
    if p.returncode:
        sys.exit(f'FAIL: meson introspect: {p.stderr}')
    return {o['name']: o['value'] for o in json.loads(p.stdout)}


def main():
    build, version, src = sys.argv[1:4]
    o = options(build)
    prefix = o['prefix']

    def at(opt, *rest):
        return os.path.join(prefix, o[opt], *rest)  # an absolute o[opt] wins
    if prefix == '/usr':
        unitdir = run(['pkg-config', '--variable=systemdsystemunitdir', 'systemd']).stdout.strip()
    else:
        unitdir = os.path.join(prefix, 'lib/systemd/system')
    doc = at('datadir', 'doc', 'connmon')
    want = {
        at('bindir', 'connmon'),
        at('sysconfdir', 'connmon', 'connmon.conf'),
        os.path.join(unitdir, 'connmon.service'),
        at('mandir', 'man1', 'connmon.1'),
        at('mandir', 'man5', 'connmon.conf.5'),
        at('mandir', 'man8', 'connmon-agent.8'),
        at('datadir', 'bash-completion', 'completions', 'connmon'),
        at('datadir', 'zsh', 'vendor-completions', '_connmon'),
        os.path.join(doc, 'connmon.conf'),
        os.path.join(doc, 'prometheus', 'connmon.rules.yml'),
        os.path.join(doc, 'prometheus', 'prometheus.yml'),
    }
    dest = tempfile.mkdtemp(prefix='connmon-install.')
    fail = 0
    try:
        p = run(['meson', 'install', '-C', build, '--destdir', dest, '--no-rebuild'])
        if p.returncode:
            sys.exit(f'FAIL: meson install exited {p.returncode}: {p.stdout[-800:]} {p.stderr[-800:]}')
        got = set()
        for root, _, files in os.walk(dest):
            for f in files:
                got.add('/' + os.path.relpath(os.path.join(root, f), dest))
        for f in sorted(want - got):
            print(f'FAIL: not installed: {f}')
            fail = 1
        for f in sorted(got - want):
            print(f'FAIL: installed but not expected: {f}')
            fail = 1

        def d(path):
            return dest + path
        binary = at('bindir', 'connmon')
        p = run([d(binary), '--version'])
        if p.returncode != 0 or p.stdout != f'connmon {version}\n':
            print(f'FAIL: installed connmon --version: exit {p.returncode}, {p.stdout!r}')
            fail = 1
        if not os.access(d(binary), os.X_OK):
            print('FAIL: the installed binary is not executable')
            fail = 1
        unit = open(d(os.path.join(unitdir, 'connmon.service'))).read()
        conf = at('sysconfdir', 'connmon', 'connmon.conf')
        m = re.search(r'^ExecStart=(\S+) agent --config (\S+)$', unit, re.M)
        if not m or m.group(1) != binary or m.group(2) != conf:
            print(f'FAIL: the unit runs {m.group(0) if m else None!r}, not {binary} with {conf}')
            fail = 1
        if not filecmp.cmp(d(conf), os.path.join(src, 'packaging', 'connmon.conf'), shallow=False):
            print('FAIL: the installed config differs from packaging/connmon.conf')
            fail = 1
        # the rest of the unit is packaging/connmon.service, line for line
        orig = open(os.path.join(src, 'packaging', 'connmon.service')).read()
        if [l for l in unit.splitlines() if not l.startswith('ExecStart=')] != \
                [l for l in orig.splitlines() if not l.startswith('ExecStart=')]:
            print('FAIL: the installed unit differs from packaging/connmon.service beyond ExecStart')
            fail = 1
        if shutil.which('man'):
            for page in ('man1/connmon.1', 'man5/connmon.conf.5', 'man8/connmon-agent.8'):
                p = run(['man', '-l', d(at('mandir', page))], env={**os.environ, 'MANWIDTH': '80'})
                if p.returncode or 'NAME' not in p.stdout:
                    print(f'FAIL: man -l {page}: {p.stderr[:300]}')
                    fail = 1
    finally:
        shutil.rmtree(dest, ignore_errors=True)
    if not fail:
        print(f'ok: meson install (prefix {prefix}): {len(want)} files, connmon {version} runs')
    sys.exit(fail)


main()
