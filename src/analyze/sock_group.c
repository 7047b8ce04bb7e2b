// SPDX-License-Identifier: GPL-2.0-or-later
#include "analyze/sock_group.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "base/u64map.h"
#include "base/xalloc.h"

static const struct {
	const char *name;
	enum group_key key;
	bool has_prefix;
} key_names[] = {
	{ "state", GROUP_STATE, false }, { "proto", GROUP_PROTO, false },
	{ "raddr", GROUP_RADDR, true },	 { "laddr", GROUP_LADDR, true },
	{ "rport", GROUP_RPORT, false }, { "lport", GROUP_LPORT, false },
	{ "pair", GROUP_PAIR, true },	 { "uid", GROUP_UID, false },
	{ "proc", GROUP_PROC, false },
};

static int parse_prefix(const char *s, char **end, unsigned max, uint8_t *out)
{
	unsigned long v;

	errno = 0;
	v = strtoul(s, end, 10);
	if (errno || *end == s || v > max)
		return -EINVAL;
	*out = (uint8_t)v;
	return 0;
}

int group_spec_parse(struct group_spec *g, const char *text)
{
	const char *slash = strchr(text, '/');
	size_t len = slash ? (size_t)(slash - text) : strlen(text);
	char *end;

	for (size_t i = 0; i < sizeof(key_names) / sizeof(key_names[0]); i++) {
		if (strlen(key_names[i].name) != len || strncmp(key_names[i].name, text, len))
			continue;
		g->key = key_names[i].key;
		g->prefix_v4 = 32;
		g->prefix_v6 = 128;
		if (!slash)
			return 0;
		if (!key_names[i].has_prefix)
			return -EINVAL;
		if (parse_prefix(slash + 1, &end, 128, &g->prefix_v4) < 0)
			return -EINVAL;
		if (*end == ',') {
			if (parse_prefix(end + 1, &end, 128, &g->prefix_v6) < 0)
				return -EINVAL;
		} else if (g->prefix_v4 > 32) {
			/* "raddr/64" only makes sense for IPv6 */
			g->prefix_v6 = g->prefix_v4;
			g->prefix_v4 = 32;
		}
		return *end || g->prefix_v4 > 32 ? -EINVAL : 0;
	}
	return -EINVAL;
}

void sock_group_init(struct sock_group *g, const struct group_spec *spec, struct proc_table *procs)
{
	memset(g, 0, sizeof(*g));
	g->spec = *spec;
	g->procs = procs;
}

void sock_group_release(struct sock_group *g)
{
	free(g->rows);
	g->rows = NULL;
	g->cap = g->nr = 0;
}

static void mask_addr(uint8_t *dst, const uint8_t *src, unsigned len, unsigned prefix)
{
	memcpy(dst, src, len);
	for (unsigned i = 0; i < len; i++) {
		unsigned bits = prefix > i * 8 ? prefix - i * 8 : 0;

		if (bits < 8)
			dst[i] &= (uint8_t)(0xff00u >> bits);
	}
}

static void put_u32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

static void make_key(const struct sock_group *g, const struct sock_entry *s, struct group_keybuf *k)
{
	unsigned alen = s->family == AF_INET ? 4 : 16;
	unsigned prefix = s->family == AF_INET ? g->spec.prefix_v4 : g->spec.prefix_v6;
	const struct proc_ref *p;

	memset(k, 0, sizeof(*k));
	/* Only address keys keep the family: "LISTEN" is one row for v4 and v6. */
	switch (g->spec.key) {
	case GROUP_STATE:
		k->b[1] = s->state;
		k->b[2] = s->proto == PROTO_TCP;
		break;
	case GROUP_PROTO:
		k->b[1] = s->proto;
		break;
	case GROUP_RPORT:
		put_u32(k->b + 1, s->rport);
		break;
	case GROUP_LPORT:
		put_u32(k->b + 1, s->lport);
		break;
	case GROUP_UID:
		put_u32(k->b + 1, s->uid);
		break;
	case GROUP_PROC:
		p = g->procs ? proc_table_first(g->procs, s->inode) : NULL;
		put_u32(k->b + 1, p ? (uint32_t)p->pid : 0);
		put_u32(k->b + 5, p ? p->comm_off : 0);
		break;
	case GROUP_LADDR:
	case GROUP_RADDR:
	case GROUP_PAIR:
		k->b[0] = s->family;
		if (!sock_is_inet(s))
			break;
		mask_addr(k->b + 1, g->spec.key == GROUP_LADDR ? s->local : s->remote, alen,
			  prefix);
		if (g->spec.key == GROUP_PAIR)
			mask_addr(k->b + 17, s->local, alen, prefix);
		break;
	}
}

static struct group_row *find_row(struct group_row *rows, size_t cap, const struct group_keybuf *k)
{
	uint64_t h = 0, w;

	/* Word at a time: this runs once per socket of a 200,000-socket dump. */
	for (size_t i = 0; i < sizeof(k->b); i += sizeof(w)) {
		memcpy(&w, k->b + i, sizeof(w));
		h = u64_hash(h ^ w);
	}
	for (size_t i = (size_t)h & (cap - 1);; i = (i + 1) & (cap - 1))
		if (!rows[i].count || !memcmp(&rows[i].key, k, sizeof(*k)))
			return &rows[i];
}

static void grow(struct sock_group *g)
{
	size_t cap = g->cap ? g->cap * 2 : 256;
	struct group_row *rows = xcalloc(cap, sizeof(*rows));

	for (size_t i = 0; i < g->cap; i++)
		if (g->rows[i].count)
			*find_row(rows, cap, &g->rows[i].key) = g->rows[i];
	free(g->rows);
	g->rows = rows;
	g->cap = cap;
}

void sock_group_account(struct sock_group *g, const struct sock_entry *s)
{
	struct group_keybuf k;
	struct group_row *row;

	make_key(g, s, &k);
	if ((g->nr + 1) * 4 > g->cap * 3)
		grow(g);
	row = find_row(g->rows, g->cap, &k);
	if (!row->count) {
		row->key = k;
		g->nr++;
	}
	row->count++;
	g->total++;
}

static int cmp_rows(const void *a, const void *b)
{
	const struct group_row *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return memcmp(&x->key, &y->key, sizeof(x->key));
}

size_t sock_group_sorted(struct sock_group *g, const struct group_row **rows)
{
	size_t n = 0;

	for (size_t i = 0; i < g->cap; i++)
		if (g->rows[i].count)
			g->rows[n++] = g->rows[i];
	if (n)
		qsort(g->rows, n, sizeof(*g->rows), cmp_rows);
	*rows = g->rows;
	return n;
}

static size_t fmt_masked(const struct sock_group *g, const uint8_t *fam_addr, char *buf)
{
	int family = fam_addr[0];
	unsigned prefix = family == AF_INET ? g->spec.prefix_v4 : g->spec.prefix_v6;
	size_t n = sock_format_addr(buf, family, fam_addr + 1);

	if (prefix != (family == AF_INET ? 32u : 128u))
		n += (size_t)snprintf(buf + n, 8, "/%u", prefix);
	return n;
}

size_t sock_group_format_key(const struct sock_group *g, const struct group_row *row, char *buf)
{
	const uint8_t *b = row->key.b;
	uint32_t a, c;
	int n;

	memcpy(&a, b + 1, sizeof(a));
	memcpy(&c, b + 5, sizeof(c));
	switch (g->spec.key) {
	case GROUP_STATE: {
		struct sock_entry s = { .state = b[1], .proto = b[2] ? PROTO_TCP : PROTO_UDP };

		n = snprintf(buf, 128, "%s", sock_state_ss_name(&s));
		break;
	}
	case GROUP_PROTO:
		n = snprintf(buf, 128, "%s", sock_proto_name(b[1]));
		break;
	case GROUP_RPORT:
	case GROUP_LPORT:
	case GROUP_UID:
		n = snprintf(buf, 128, "%u", a);
		break;
	case GROUP_PROC:
		if (!a)
			n = snprintf(buf, 128, "-");
		else
			n = snprintf(buf, 128, "%.64s/%u", g->procs->comms + c, a);
		break;
	default:
		if (b[0] == AF_UNIX)
			return (size_t)snprintf(buf, 128, "(unix)");
		if (g->spec.key != GROUP_PAIR)
			return fmt_masked(g, b, buf);
		{
			uint8_t local[17];
			size_t len;

			local[0] = b[0];
			memcpy(local + 1, b + 17, 16);
			len = fmt_masked(g, local, buf);
			memcpy(buf + len, " -> ", 4);
			return len + 4 + fmt_masked(g, b, buf + len + 4);
		}
	}
	return n < 0 ? 0 : (size_t)n;
}
