// SPDX-License-Identifier: GPL-2.0-or-later
#include "collect/limits.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "base/strbuf.h"

/* Files under /proc and /proc/sys are tiny; anything longer is not ours. */
#define LIMITS_FILE_MAX 65536

struct sockstat_key {
	const char *proto; /* the word before ':' */
	const char *key;
	enum sockstat_field field;
	const char *json;
};

/*
 * The kernel has added keys over time (TCP mem in 2.6.x, UDP mem in 2.6.25,
 * UDPLITE in 2.6.20, FRAG memory): unknown ones are skipped and missing ones
 * stay -1, so old and new layouts parse with the same table.
 */
static const struct sockstat_key sockstat_keys[SOCKSTAT_NR] = {
	{ "sockets", "used", SOCKSTAT_SOCKETS_USED, "sockets_used" },
	{ "TCP", "inuse", SOCKSTAT_TCP_INUSE, "tcp_inuse" },
	{ "TCP", "orphan", SOCKSTAT_TCP_ORPHAN, "tcp_orphan" },
	{ "TCP", "tw", SOCKSTAT_TCP_TW, "tcp_tw" },
	{ "TCP", "alloc", SOCKSTAT_TCP_ALLOC, "tcp_alloc" },
	{ "TCP", "mem", SOCKSTAT_TCP_MEM_PAGES, "tcp_mem_pages" },
	{ "UDP", "inuse", SOCKSTAT_UDP_INUSE, "udp_inuse" },
	{ "UDP", "mem", SOCKSTAT_UDP_MEM_PAGES, "udp_mem_pages" },
	{ "UDPLITE", "inuse", SOCKSTAT_UDPLITE_INUSE, "udplite_inuse" },
	{ "RAW", "inuse", SOCKSTAT_RAW_INUSE, "raw_inuse" },
	{ "FRAG", "inuse", SOCKSTAT_FRAG_INUSE, "frag_inuse" },
	{ "FRAG", "memory", SOCKSTAT_FRAG_MEMORY_BYTES, "frag_memory_bytes" },
	{ "TCP6", "inuse", SOCKSTAT_TCP6_INUSE, "tcp6_inuse" },
	{ "UDP6", "inuse", SOCKSTAT_UDP6_INUSE, "udp6_inuse" },
	{ "UDPLITE6", "inuse", SOCKSTAT_UDPLITE6_INUSE, "udplite6_inuse" },
	{ "RAW6", "inuse", SOCKSTAT_RAW6_INUSE, "raw6_inuse" },
	{ "FRAG6", "inuse", SOCKSTAT_FRAG6_INUSE, "frag6_inuse" },
	{ "FRAG6", "memory", SOCKSTAT_FRAG6_MEMORY_BYTES, "frag6_memory_bytes" },
};

void sockstat_init(struct sockstat *st)
{
	for (size_t i = 0; i < SOCKSTAT_NR; i++)
		st->v[i] = -1;
}

const char *sockstat_field_name(enum sockstat_field f)
{
	return (unsigned)f < SOCKSTAT_NR ? sockstat_keys[f].json : "?";
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool word_is(const char *w, size_t len, const char *lit)
{
	return strlen(lit) == len && !memcmp(w, lit, len);
}

/* Digits only; no sign, no locale, overflow checked. */
static int parse_digits(const char *p, size_t len, int64_t *out)
{
	uint64_t v = 0;

	if (!len)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -EINVAL;
		if (v > ((uint64_t)INT64_MAX - (uint64_t)(p[i] - '0')) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(p[i] - '0');
	}
	*out = (int64_t)v;
	return 0;
}

/* Next blank-separated word in [*pos, end) on the current line. */
static bool next_word(const char *text, size_t end, size_t *pos, const char **w, size_t *wlen)
{
	size_t i = *pos;

	while (i < end && (text[i] == ' ' || text[i] == '\t'))
		i++;
	if (i >= end)
		return false;
	*w = text + i;
	while (i < end && text[i] != ' ' && text[i] != '\t')
		i++;
	*wlen = (size_t)(text + i - *w);
	*pos = i;
	return true;
}

static int lookup_key(const char *proto, size_t plen, const char *key, size_t klen)
{
	for (int i = 0; i < SOCKSTAT_NR; i++)
		if (word_is(proto, plen, sockstat_keys[i].proto) &&
		    word_is(key, klen, sockstat_keys[i].key))
			return (int)sockstat_keys[i].field;
	return -1;
}

/* One "PROTO: key val key val" line; returns how many known fields it set. */
static int parse_line(struct sockstat *st, const char *line, size_t len)
{
	const char *colon = memchr(line, ':', len);
	const char *key, *val;
	size_t pos, klen, vlen, plen;
	int nr = 0;

	if (!colon)
		return 0;
	plen = (size_t)(colon - line);
	pos = plen + 1;
	while (next_word(line, len, &pos, &key, &klen) && next_word(line, len, &pos, &val, &vlen)) {
		int f = lookup_key(line, plen, key, klen);
		int64_t v;

		if (f >= 0 && !parse_digits(val, vlen, &v)) {
			st->v[f] = v;
			nr++;
		}
	}
	return nr;
}

int sockstat_parse(struct sockstat *st, const char *text, size_t len)
{
	size_t start = 0;
	int nr = 0;

	while (start < len) {
		const char *nl = memchr(text + start, '\n', len - start);
		size_t end = nl ? (size_t)(nl - text) : len;

		nr += parse_line(st, text + start, end - start);
		start = end + 1;
	}
	return nr ? 0 : -EBADMSG;
}

static int read_small(struct strbuf *sb, const char *proc_root, const char *rel)
{
	struct strbuf path = STRBUF_INIT;
	int ret;

	strbuf_addf(&path, "%s/%s", proc_root, rel);
	strbuf_reset(sb);
	sb->max_len = LIMITS_FILE_MAX;
	ret = strbuf_read_file(sb, path.buf, 0);
	strbuf_release(&path);
	return ret;
}

int sockstat_read(struct sockstat *st, const char *proc_root)
{
	struct strbuf sb = STRBUF_INIT;
	int ret;

	sockstat_init(st);
	ret = read_small(&sb, proc_root, "net/sockstat");
	if (!ret)
		ret = sockstat_parse(st, sb.buf, sb.len);
	/* No sockstat6 without IPv6; a malformed one costs only the v6 fields. */
	if (!ret && !read_small(&sb, proc_root, "net/sockstat6"))
		sockstat_parse(st, sb.buf, sb.len);
	strbuf_release(&sb);
	return ret;
}

/* Trims blanks at both ends of [*p, *p + *len). */
static void trim(const char **p, size_t *len)
{
	while (*len && is_blank(**p)) {
		(*p)++;
		(*len)--;
	}
	while (*len && is_blank((*p)[*len - 1]))
		(*len)--;
}

int limits_parse_value(const char *text, size_t len, int64_t *out)
{
	trim(&text, &len);
	return parse_digits(text, len, out);
}

int limits_parse_port_range(const char *text, size_t len, int64_t *lo, int64_t *hi)
{
	const char *w1, *w2, *w3;
	size_t pos = 0, l1, l2, l3;
	int64_t a, b;

	trim(&text, &len);
	if (memchr(text, '\n', len))
		return -EINVAL;
	if (!next_word(text, len, &pos, &w1, &l1) || !next_word(text, len, &pos, &w2, &l2) ||
	    next_word(text, len, &pos, &w3, &l3))
		return -EINVAL;
	if (parse_digits(w1, l1, &a) || parse_digits(w2, l2, &b))
		return -EINVAL;
	if (a < 1 || a > b || b > 65535)
		return -EINVAL;
	*lo = a;
	*hi = b;
	return 0;
}

static void read_value(struct strbuf *sb, const char *proc_root, const char *rel, int64_t *out)
{
	*out = -1;
	if (read_small(sb, proc_root, rel) || limits_parse_value(sb->buf, sb->len, out))
		*out = -1;
}

int net_limits_read(struct net_limits *l, const char *proc_root)
{
	struct strbuf sb = STRBUF_INIT;

	read_value(&sb, proc_root, "sys/net/ipv4/tcp_max_orphans", &l->tcp_max_orphans);
	read_value(&sb, proc_root, "sys/net/core/somaxconn", &l->somaxconn);
	read_value(&sb, proc_root, "sys/net/ipv4/tcp_max_syn_backlog", &l->tcp_max_syn_backlog);
	read_value(&sb, proc_root, "sys/net/netfilter/nf_conntrack_count", &l->conntrack_count);
	read_value(&sb, proc_root, "sys/net/netfilter/nf_conntrack_max", &l->conntrack_max);
	l->port_lo = l->port_hi = -1;
	if (read_small(&sb, proc_root, "sys/net/ipv4/ip_local_port_range") ||
	    limits_parse_port_range(sb.buf, sb.len, &l->port_lo, &l->port_hi))
		l->port_lo = l->port_hi = -1;
	strbuf_release(&sb);
	return 0;
}

int limits_parse_cap_eff(const char *text, size_t len, uint64_t *mask)
{
	static const char key[] = "CapEff:";
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		uint64_t v = 0;
		size_t n = 0;

		if ((size_t)(eol - p) > sizeof(key) - 1 && !memcmp(p, key, sizeof(key) - 1)) {
			const char *q = p + sizeof(key) - 1;

			while (q < eol && is_blank(*q))
				q++;
			for (; q < eol && n < 17; q++, n++) {
				int d = *q >= '0' && *q <= '9' ? *q - '0' :
					*q >= 'a' && *q <= 'f' ? *q - 'a' + 10 :
					*q >= 'A' && *q <= 'F' ? *q - 'A' + 10 :
								 -1;

				if (d < 0)
					break;
				v = v << 4 | (uint64_t)d;
			}
			while (q < eol && is_blank(*q))
				q++;
			if (!n || n > 16 || q != eol)
				return -EINVAL;
			*mask = v;
			return 0;
		}
		p = eol + 1;
	}
	return -EINVAL;
}

int limits_read_cap_eff(const char *proc_root, uint64_t *mask)
{
	struct strbuf sb = STRBUF_INIT;
	int ret = read_small(&sb, proc_root, "self/status");

	if (!ret)
		ret = limits_parse_cap_eff(sb.buf, sb.len, mask);
	strbuf_release(&sb);
	return ret;
}
