// SPDX-License-Identifier: GPL-2.0-or-later
#include "alert/nft_batch.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <string.h>
#include <sys/socket.h>

#define T NFT_TABLE_FAMILY " " NFT_TABLE_NAME

static const char *const set_names[NFT_SETS] = {
	[NFT_SET_BLOCK4] = "block4",
	[NFT_SET_BLOCK6] = "block6",
	[NFT_SET_LIMIT4] = "limit4",
	[NFT_SET_LIMIT6] = "limit6",
};

static const char *const phase_verbs[NFT_PHASES] = {
	[NFT_PHASE_ENSURE] = "add",
	[NFT_PHASE_DELETE] = "delete",
	[NFT_PHASE_ADD] = "add",
};

const char *nft_set_name(enum nft_set s)
{
	return (unsigned)s < NFT_SETS ? set_names[s] : "?";
}

void nft_batch_init(struct nft_batch *b)
{
	strbuf_init(&b->head, 0);
	for (int p = 0; p < NFT_PHASES; p++)
		for (int s = 0; s < NFT_SETS; s++)
			strbuf_init(&b->part[p][s], 0);
	memset(b->nr, 0, sizeof(b->nr));
}

void nft_batch_release(struct nft_batch *b)
{
	strbuf_release(&b->head);
	for (int p = 0; p < NFT_PHASES; p++)
		for (int s = 0; s < NFT_SETS; s++)
			strbuf_release(&b->part[p][s]);
	memset(b->nr, 0, sizeof(b->nr));
}

void nft_batch_reset(struct nft_batch *b)
{
	strbuf_reset(&b->head);
	for (int p = 0; p < NFT_PHASES; p++)
		for (int s = 0; s < NFT_SETS; s++)
			strbuf_reset(&b->part[p][s]);
	memset(b->nr, 0, sizeof(b->nr));
}

static void add_sets(struct strbuf *o, const struct nft_table_params *p)
{
	static const char *const types[2] = { "ipv4_addr", "ipv6_addr" };

	for (int v = 0; v < 2; v++) {
		const char *t = types[v];
		int n = v ? 6 : 4;

		strbuf_addf(o,
			    "add set " T " block%d { type %s; flags timeout; size %" PRIu32 "; }\n",
			    n, t, p->set_size);
		strbuf_addf(o,
			    "add set " T " limit%d { type %s . inet_service; flags timeout;"
			    " size %" PRIu32 "; }\n",
			    n, t, p->set_size);
		strbuf_addf(o,
			    "add set " T " conn%d { type %s . inet_service; flags dynamic;"
			    " size %" PRIu32 "; }\n",
			    n, t, p->set_size);
		strbuf_addf(o,
			    "add set " T " rate%d { type %s . inet_service; flags dynamic,timeout;"
			    " timeout 1m; size %" PRIu32 "; }\n",
			    n, t, p->set_size);
	}
}

static void add_rules(struct strbuf *o, const struct nft_table_params *p)
{
	static const char *const l3[2] = { "ip", "ip6" };
	const char *chain = "add rule " T " prerouting ";

	for (int v = 0; v < 2; v++)
		strbuf_addf(o, "%s%s saddr @block%d drop\n", chain, l3[v], v ? 6 : 4);
	for (int v = 0; v < 2; v++) {
		const char *k = l3[v];
		int n = v ? 6 : 4;

		strbuf_addf(o,
			    "%s%s saddr . tcp dport @limit%d ct state new add @conn%d"
			    " { %s saddr . tcp dport ct count over %" PRIu32 " } drop\n",
			    chain, k, n, n, k, p->limit_connections);
		strbuf_addf(o,
			    "%s%s saddr . tcp dport @limit%d tcp flags & (syn|ack) == syn"
			    " update @rate%d { %s saddr . tcp dport limit rate over %" PRIu32
			    "/second burst %" PRIu32 " packets } drop\n",
			    chain, k, n, n, k, p->limit_syn_rate, p->limit_syn_rate);
	}
}

void nft_batch_table(struct nft_batch *b, const struct nft_table_params *p)
{
	struct strbuf *o = &b->head;

	strbuf_addstr(o, "add table " T "\n");
	add_sets(o, p);
	/* mangle (-150): conntrack (-200) has run, DNAT (-100) has not. */
	strbuf_addstr(o, "add chain " T " prerouting"
			 " { type filter hook prerouting priority -150; policy accept; }\n"
			 "flush chain " T " prerouting\n");
	add_rules(o, p);
}

void nft_batch_delete_table(struct nft_batch *b)
{
	/* add first: deleting a table that is not there would fail the transaction. */
	strbuf_addstr(&b->head, "add table " T "\ndelete table " T "\n");
}

static const uint8_t v4_mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

enum nft_set nft_elem_set(struct nft_elem *e, bool limit)
{
	if (e->family == AF_INET6 && !memcmp(e->addr, v4_mapped, sizeof(v4_mapped))) {
		memmove(e->addr, e->addr + 12, 4);
		memset(e->addr + 4, 0, 12);
		e->family = AF_INET;
	}
	if (e->family == AF_INET)
		return limit ? NFT_SET_LIMIT4 : NFT_SET_BLOCK4;
	return limit ? NFT_SET_LIMIT6 : NFT_SET_BLOCK6;
}

void nft_elem_text(const struct nft_elem *e, bool limit, struct strbuf *out)
{
	char text[INET6_ADDRSTRLEN];

	if (!inet_ntop(e->family == AF_INET ? AF_INET : AF_INET6, e->addr, text, sizeof(text)))
		text[0] = '\0'; /* cannot happen with a valid family and buffer */
	strbuf_addstr(out, text);
	if (limit)
		strbuf_addf(out, " . %u", (unsigned)e->port);
}

static void put(struct nft_batch *b, enum nft_phase ph, const struct nft_elem *e, bool limit,
		bool timeout)
{
	struct nft_elem c = *e;
	enum nft_set s = nft_elem_set(&c, limit);
	struct strbuf *o = &b->part[ph][s];

	if (b->nr[ph][s])
		strbuf_addstr(o, ", ");
	nft_elem_text(&c, limit, o);
	if (timeout && c.timeout_ms > 0)
		strbuf_addf(o, " timeout %" PRId64 "ms", c.timeout_ms);
	b->nr[ph][s]++;
}

void nft_batch_add(struct nft_batch *b, const struct nft_elem *e, bool limit, bool refresh)
{
	if (refresh) {
		put(b, NFT_PHASE_ENSURE, e, limit, false);
		put(b, NFT_PHASE_DELETE, e, limit, false);
	}
	put(b, NFT_PHASE_ADD, e, limit, true);
}

void nft_batch_delete(struct nft_batch *b, const struct nft_elem *e, bool limit)
{
	put(b, NFT_PHASE_ENSURE, e, limit, false);
	put(b, NFT_PHASE_DELETE, e, limit, false);
}

size_t nft_batch_elements(const struct nft_batch *b)
{
	size_t n = 0;

	for (int s = 0; s < NFT_SETS; s++)
		n += b->nr[NFT_PHASE_ADD][s] + b->nr[NFT_PHASE_DELETE][s];
	return n;
}

bool nft_batch_is_empty(const struct nft_batch *b)
{
	if (b->head.len)
		return false;
	for (int p = 0; p < NFT_PHASES; p++)
		for (int s = 0; s < NFT_SETS; s++)
			if (b->nr[p][s])
				return false;
	return true;
}

void nft_batch_text(const struct nft_batch *b, struct strbuf *out)
{
	strbuf_add(out, b->head.buf, b->head.len);
	for (int p = 0; p < NFT_PHASES; p++) {
		for (int s = 0; s < NFT_SETS; s++) {
			if (!b->nr[p][s])
				continue;
			strbuf_addf(out, "%s element " T " %s { ", phase_verbs[p], set_names[s]);
			strbuf_add(out, b->part[p][s].buf, b->part[p][s].len);
			strbuf_addstr(out, " }\n");
		}
	}
}
