# SPDX-License-Identifier: GPL-2.0-or-later
"""A strict reader of the Prometheus text exposition format 0.0.4, written
from the format's description, independent of connmon's encoder.

parse(text) -> {name: Family} in order, or raises ValueError naming the line.
It enforces what Prometheus and connmon's contract require:
- the text is UTF-8 and ends with a newline; no empty line;
- a family is one contiguous run: optional HELP, TYPE (before any sample),
  samples; a family that reappears later is an error;
- metric and label names are valid; label values use only the escapes
  \\\\ \\" \\n; no label repeats within a series; no series repeats;
- values are Go floats as Prometheus reads them (NaN, +Inf, -Inf included);
  no timestamps (connmon writes none);
- counters end in _total.
"""

import math
import re

NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
LABEL = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
VALUE = re.compile(r"[+-]?(NaN|Inf|(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)")


class Family:
    def __init__(self, name):
        self.name = name
        self.help = None
        self.type = None
        self.samples = []  # (labels dict, value)

    def value(self, **labels):
        """The value of the one series with exactly these labels."""
        for got, v in self.samples:
            if got == labels:
                return v
        raise KeyError("%s%s" % (self.name, labels))


def _unescape_help(s, lineno):
    out, i = [], 0
    while i < len(s):
        if s[i] == "\\":
            if i + 1 >= len(s) or s[i + 1] not in "\\n":
                raise ValueError("line %d: bad escape in HELP" % lineno)
            out.append("\\" if s[i + 1] == "\\" else "\n")
            i += 2
        else:
            out.append(s[i])
            i += 1
    return "".join(out)


def _labels(s, i, lineno):
    """Parses {k="v",...} at s[i] == '{'; returns (dict, index after '}')."""
    labels = {}
    i += 1
    while True:
        if s[i] == "}" and not labels:
            return labels, i + 1
        m = LABEL.match(s, i)
        if not m or s[m.end():m.end() + 2] != '="':
            raise ValueError("line %d: bad label at column %d" % (lineno, i))
        key, i, val = m.group(0), m.end() + 2, []
        while True:
            if i >= len(s):
                raise ValueError("line %d: unterminated label value" % lineno)
            c = s[i]
            if c == '"':
                i += 1
                break
            if c == "\\":
                nxt = s[i + 1:i + 2]
                if nxt not in ("\\", '"', "n"):
                    raise ValueError("line %d: bad escape in label value" % lineno)
                val.append("\n" if nxt == "n" else nxt)
                i += 2
                continue
            val.append(c)
            i += 1
        if key in labels:
            raise ValueError("line %d: label %s repeated" % (lineno, key))
        labels[key] = "".join(val)
        if s[i] == ",":
            i += 1
            continue
        if s[i] == "}":
            return labels, i + 1
        raise ValueError("line %d: expected , or } at column %d" % (lineno, i))


def _sample(line, lineno):
    m = NAME.match(line)
    if not m:
        raise ValueError("line %d: no metric name" % lineno)
    name, i = m.group(0), m.end()
    labels = {}
    if i < len(line) and line[i] == "{":
        labels, i = _labels(line, i, lineno)
    rest = line[i:]
    if not rest.startswith(" ") or " " in rest[1:]:
        raise ValueError("line %d: expected one space then the value (no timestamp)" % lineno)
    if not VALUE.fullmatch(rest[1:]):
        raise ValueError("line %d: bad value %r" % (lineno, rest[1:]))
    value = float(rest[1:])
    return name, labels, value


def parse(text):
    if isinstance(text, bytes):
        text = text.decode("utf-8")  # raises on invalid UTF-8
    if text and not text.endswith("\n"):
        raise ValueError("the exposition does not end with a newline")
    families, cur, series = {}, None, set()

    def begin(name, lineno):
        if name in families:
            raise ValueError("line %d: family %s appears twice" % (lineno, name))
        families[name] = Family(name)
        return families[name]

    for lineno, line in enumerate(text.split("\n")[:-1], 1):
        if not line:
            raise ValueError("line %d: empty line" % lineno)
        if line.startswith("# HELP "):
            name, _, help_text = line[7:].partition(" ")
            cur = begin(name, lineno)
            cur.help = _unescape_help(help_text, lineno)
        elif line.startswith("# TYPE "):
            name, _, kind = line[7:].partition(" ")
            if cur is None or cur.name != name:
                cur = begin(name, lineno)
            if cur.type is not None or cur.samples:
                raise ValueError("line %d: TYPE after samples or twice" % lineno)
            if kind not in ("gauge", "counter"):
                raise ValueError("line %d: type %r" % (lineno, kind))
            if (kind == "counter") != name.endswith("_total"):
                raise ValueError("line %d: counters, and only they, end in _total" % lineno)
            cur.type = kind
        elif line.startswith("#"):
            raise ValueError("line %d: unexpected comment" % lineno)
        else:
            name, labels, value = _sample(line, lineno)
            if cur is None or cur.name != name:
                raise ValueError("line %d: sample of %s outside its family" % (lineno, name))
            if cur.type is None:
                raise ValueError("line %d: sample before TYPE" % lineno)
            key = (name, tuple(sorted(labels.items())))
            if key in series:
                raise ValueError("line %d: series repeated" % lineno)
            series.add(key)
            if cur.type == "counter" and not (value >= 0 or math.isnan(value)):
                raise ValueError("line %d: negative counter" % lineno)
            cur.samples.append((labels, value))
    return families


def display_safe(raw):
    """connmon's display-safe form of bytes (docs/JSON.md, "Text from other
    users"), from its description: printable UTF-8 passes, every other byte
    is \\xHH (controls, DEL, C1 controls, bytes outside valid UTF-8)."""
    out, i = [], 0
    while i < len(raw):
        for n in (1, 2, 3, 4):
            try:
                ch = raw[i:i + n].decode("utf-8")
            except UnicodeDecodeError:
                continue
            break
        else:
            ch = None
            n = 1
        if ch is None or ord(ch) < 0x20 or ord(ch) == 0x7f or 0x80 <= ord(ch) <= 0x9f:
            out.extend("\\x%02x" % b for b in raw[i:i + n])
        else:
            out.append(ch)
        i += n
    return "".join(out)
