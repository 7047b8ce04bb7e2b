// SPDX-License-Identifier: GPL-2.0-or-later
#include "collect/snmp.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

/* A view of bytes in the input: never NUL-terminated. */
struct span {
	const char *p;
	size_t len;
};

/* The line starting at *pos, without its '\n'; advances *pos past it. */
static bool next_line(const char *text, size_t len, size_t *pos, struct span *line)
{
	const char *nl;

	if (*pos >= len)
		return false;
	line->p = text + *pos;
	nl = memchr(line->p, '\n', len - *pos);
	line->len = nl ? (size_t)(nl - line->p) : len - *pos;
	*pos += line->len + (nl ? 1 : 0);
	return true;
}

static bool is_sep(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Next blank-separated word of *rest; shrinks *rest past it. */
static bool next_word(struct span *rest, struct span *w)
{
	size_t i = 0;

	while (i < rest->len && is_sep(rest->p[i]))
		i++;
	if (i >= rest->len)
		return false;
	w->p = rest->p + i;
	while (i < rest->len && !is_sep(rest->p[i]))
		i++;
	w->len = (size_t)(rest->p + i - w->p);
	rest->p += i;
	rest->len -= i;
	return true;
}

/*
 * A decimal counter.  The kernel prints unsigned longs, and signed values for
 * a few settings (TcpMaxConn is -1): those keep their two's complement.
 */
static bool parse_value(struct span w, uint64_t *out)
{
	bool neg = false;
	uint64_t v = 0;
	size_t i = 0;

	if (w.len && w.p[0] == '-') {
		neg = true;
		i = 1;
	}
	if (i >= w.len)
		return false;
	for (; i < w.len; i++) {
		unsigned d = (unsigned)(w.p[i] - '0');

		if (d > 9 || v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = neg ? (uint64_t)0 - v : v;
	return true;
}

/* Splits "Group: rest" at the colon; false when the line has none. */
static bool split_group(struct span line, struct span *group, struct span *rest)
{
	const char *colon = memchr(line.p, ':', line.len);

	if (!colon)
		return false;
	group->p = line.p;
	group->len = (size_t)(colon - line.p);
	rest->p = colon + 1;
	rest->len = line.len - group->len - 1;
	return group->len > 0;
}

static bool same(struct span a, struct span b)
{
	return a.len == b.len && !memcmp(a.p, b.p, a.len);
}

/* Adds the pairs of one header line and its value line; -E2BIG when full. */
static int add_pair(struct counter_snap *s, struct span group, struct span names,
		    struct span values, int *added)
{
	struct span n, v;

	while (next_word(&names, &n) && next_word(&values, &v)) {
		uint64_t val;
		int ret;

		if (!parse_value(v, &val))
			continue;
		ret = counter_snap_add(s, group.p, group.len, n.p, n.len, val);
		if (ret == -E2BIG)
			return ret;
		if (!ret)
			(*added)++;
	}
	return 0;
}

int snmp_parse_pairs(struct counter_snap *s, const char *text, size_t len)
{
	struct span line, head_group, head_rest, group, rest;
	bool have_head = false;
	size_t pos = 0;
	int added = 0;

	while (next_line(text, len, &pos, &line)) {
		if (!split_group(line, &group, &rest)) {
			have_head = false;
			continue;
		}
		/* A line of the same group right after a header is its values. */
		if (have_head && same(group, head_group)) {
			if (add_pair(s, group, head_rest, rest, &added) < 0)
				return -E2BIG;
			have_head = false;
			continue;
		}
		head_group = group;
		head_rest = rest;
		have_head = true;
	}
	return added;
}

/* Group of an snmp6 name: up to and including the first '6' ("Icmp6"). */
static size_t snmp6_group_len(struct span name)
{
	const char *six = memchr(name.p, '6', name.len);

	return six && six + 1 < name.p + name.len ? (size_t)(six + 1 - name.p) : 0;
}

int snmp_parse_lines(struct counter_snap *s, const char *text, size_t len)
{
	struct span line, name, value, extra;
	size_t pos = 0;
	int added = 0;

	while (next_line(text, len, &pos, &line)) {
		uint64_t val;
		size_t glen;
		int ret;

		if (!next_word(&line, &name) || !next_word(&line, &value) ||
		    next_word(&line, &extra) || !parse_value(value, &val))
			continue;
		glen = snmp6_group_len(name);
		ret = counter_snap_add(s, name.p, glen, name.p + glen, name.len - glen, val);
		if (ret == -E2BIG)
			return ret;
		if (!ret)
			added++;
	}
	return added;
}

static int read_proc(struct strbuf *sb, const char *proc_root, const char *rel)
{
	struct strbuf path = STRBUF_INIT;
	int ret;

	strbuf_addstr(&path, proc_root);
	strbuf_addstr(&path, rel);
	strbuf_reset(sb);
	sb->max_len = SNMP_FILE_MAX;
	ret = strbuf_read_file(sb, path.buf, 8192);
	strbuf_release(&path);
	return ret;
}

int snmp_read(struct counter_snap *s, const char *proc_root, uint64_t time_ns,
	      struct strbuf *scratch)
{
	int ret;

	counter_snap_reset(s);
	s->mono_ns = time_ns;
	ret = read_proc(scratch, proc_root, "/net/snmp");
	if (ret < 0)
		return ret;
	if (snmp_parse_pairs(s, scratch->buf, scratch->len) == 0)
		return -EBADMSG;
	s->sources |= COUNTER_SRC_SNMP;
	if (!read_proc(scratch, proc_root, "/net/netstat") &&
	    snmp_parse_pairs(s, scratch->buf, scratch->len) > 0)
		s->sources |= COUNTER_SRC_NETSTAT;
	if (!read_proc(scratch, proc_root, "/net/snmp6") &&
	    snmp_parse_lines(s, scratch->buf, scratch->len) > 0)
		s->sources |= COUNTER_SRC_SNMP6;
	counter_snap_seal(s);
	return 0;
}
