// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The capture engine of analyze/proc_traffic: packets matched to sockets by
 * tuple, held while no socket matches, matched again at every dump.
 */
#include "analyze/proc_traffic_match.h"

#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/if_packet.h>

#include "base/xalloc.h"

#define TCP_FLAG_SYN 0x02

static const uint8_t v4mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

/* IPv4-mapped IPv6 addresses become IPv4, so v4 packets find dual-stack sockets. */
static uint8_t norm_addr(uint8_t *dst, const uint8_t *src, uint8_t family)
{
	memset(dst, 0, 16);
	if (family == AF_INET6 && !memcmp(src, v4mapped_prefix, 12)) {
		memcpy(dst, src + 12, 4);
		return AF_INET;
	}
	memcpy(dst, src, family == AF_INET ? 4 : 16);
	return family;
}

static uint64_t tuple_hash(const struct pt_tuple *t)
{
	uint64_t h = ((uint64_t)t->proto << 48) ^ ((uint64_t)t->family << 40) ^
		     ((uint64_t)t->lport << 16) ^ t->rport;
	uint64_t w;

	for (int i = 0; i < 16; i += 8) {
		memcpy(&w, t->local + i, 8);
		h = u64_hash(h ^ w);
		memcpy(&w, t->remote + i, 8);
		h = u64_hash(h ^ (w * 31));
	}
	return h;
}

static bool tuple_eq(const struct pt_tuple *a, const struct pt_tuple *b)
{
	return a->proto == b->proto && a->family == b->family && a->lport == b->lport &&
	       a->rport == b->rport && !memcmp(a->local, b->local, 16) &&
	       !memcmp(a->remote, b->remote, 16);
}

bool pt_sock_matchable(const struct proc_traffic *pt, const struct pt_sock *s)
{
	return !s->dead || pt->gen - s->dead_gen <= PT_GRACE_TICKS;
}

/* Links tuple i at the end of its hash chain: among equals, the first kept wins ties. */
static void chain(struct proc_traffic *pt, size_t i)
{
	bool inserted;
	uint64_t *head = u64map_upsert(&pt->by_tuple, tuple_hash(&pt->tuples[i]), &inserted);

	pt->tuples[i].next = 0;
	if (inserted) {
		*head = i + 1;
	} else {
		struct pt_tuple *c = &pt->tuples[*head - 1];

		while (c->next)
			c = &pt->tuples[c->next - 1];
		c->next = (uint32_t)i + 1;
	}
}

void pt_add_tuple(struct proc_traffic *pt, const struct sock_entry *s, uint8_t proto, uint32_t sock)
{
	struct pt_sock *e = &pt->socks[sock];
	struct pt_tuple k;

	memset(&k, 0, sizeof(k));
	k.proto = proto;
	k.family = norm_addr(k.local, s->local, s->family);
	norm_addr(k.remote, s->remote, s->family);
	k.lport = s->lport;
	k.rport = s->rport;
	if (!k.rport) /* unconnected UDP, listeners: any peer */
		memset(k.remote, 0, 16);
	k.sock = sock;
	k.cookie = e->cookie;
	if (e->tuple && tuple_eq(&pt->tuples[e->tuple - 1], &k))
		return; /* known from an earlier dump */
	if (e->tuple)
		pt->nr_stale_tuples++; /* it connected, or rebound: the old one is stale */
	ALLOC_GROW(pt->tuples, pt->nr_tuples + 1, pt->alloc_tuples);
	pt->tuples[pt->nr_tuples] = k;
	chain(pt, pt->nr_tuples);
	e->tuple = (uint32_t)++pt->nr_tuples;
}

void pt_rebuild_tuples(struct proc_traffic *pt)
{
	size_t j = 0;

	u64map_reset(&pt->by_tuple);
	for (size_t i = 0; i < pt->nr_tuples; i++) {
		struct pt_tuple *t = &pt->tuples[i];
		uint64_t *idx = u64map_get(&pt->by_cookie, t->cookie);
		struct pt_sock *s;

		if (!idx)
			continue; /* its socket was compacted away */
		s = &pt->socks[*idx - 1];
		if (s->tuple != i + 1)
			continue; /* stale: the socket has another tuple now */
		if (!pt_sock_matchable(pt, s)) {
			s->tuple = 0;
			continue;
		}
		pt->tuples[j] = *t;
		pt->tuples[j].sock = (uint32_t)(*idx - 1);
		s->tuple = (uint32_t)j + 1;
		chain(pt, j);
		j++;
	}
	pt->nr_tuples = j;
	pt->nr_stale_tuples = 0;
}

void pt_clear_tuples(struct proc_traffic *pt)
{
	for (size_t i = 0; i < pt->nr_socks; i++)
		pt->socks[i].tuple = 0;
	pt->nr_tuples = pt->nr_stale_tuples = 0;
	u64map_reset(&pt->by_tuple);
}

/*
 * The socket of tuple key: among the current tuples of matchable sockets, the
 * one a dump showed most recently (a port reused by a new socket beats the
 * dead one in its grace); the first of those on ties.
 */
static struct pt_sock *find_tuple(struct proc_traffic *pt, const struct pt_tuple *key)
{
	uint64_t *head = u64map_get(&pt->by_tuple, tuple_hash(key));
	struct pt_sock *best = NULL;

	for (uint32_t i = head ? (uint32_t)*head : 0; i; i = pt->tuples[i - 1].next) {
		const struct pt_tuple *t = &pt->tuples[i - 1];
		struct pt_sock *s = &pt->socks[t->sock];

		if (s->tuple != i || !tuple_eq(t, key) || !pt_sock_matchable(pt, s))
			continue;
		if (!best || (int32_t)(s->seen - best->seen) > 0)
			best = s;
	}
	return best;
}

/* The socket whose local end is (la, lp) and peer (ra, rp): exact, bound, then wildcard. */
static struct pt_sock *match(struct proc_traffic *pt, uint8_t proto, uint8_t family,
			     const uint8_t *la, uint16_t lp, const uint8_t *ra, uint16_t rp)
{
	struct pt_tuple k;
	struct pt_sock *s;

	memset(&k, 0, sizeof(k));
	k.proto = proto;
	k.family = norm_addr(k.local, la, family);
	norm_addr(k.remote, ra, family);
	k.lport = lp;
	k.rport = rp;
	if ((s = find_tuple(pt, &k)) != NULL)
		return s;
	memset(k.remote, 0, 16);
	k.rport = 0;
	if ((s = find_tuple(pt, &k)) != NULL)
		return s;
	memset(k.local, 0, 16);
	if ((s = find_tuple(pt, &k)) != NULL)
		return s;
	/* A dual-stack socket bound to [::] takes IPv4 too. */
	if (k.family == AF_INET) {
		k.family = AF_INET6;
		return find_tuple(pt, &k);
	}
	return NULL;
}

/* ---- local addresses ---- */

void proc_traffic_clear_locals(struct proc_traffic *pt)
{
	pt->nr_locals = 0;
}

void proc_traffic_add_local(struct proc_traffic *pt, int family, const uint8_t *addr)
{
	uint8_t *l;

	ALLOC_GROW(pt->locals, pt->nr_locals + 1, pt->alloc_locals);
	l = pt->locals[pt->nr_locals++];
	l[0] = norm_addr(l + 1, addr, (uint8_t)family);
}

static bool is_local(const struct proc_traffic *pt, uint8_t family, const uint8_t *addr)
{
	uint8_t a[16];
	uint8_t fam = norm_addr(a, addr, family);

	for (size_t i = 0; i < pt->nr_locals; i++)
		if (pt->locals[i][0] == fam && !memcmp(pt->locals[i] + 1, a, 16))
			return true;
	return false;
}

/* ---- packets ---- */

/* Sent, received, or unknown, from the capture's word or else from the addresses. */
static enum pt_side packet_side(const struct proc_traffic *pt, const struct pkt_info *p)
{
	bool src, dst;

	if (p->direction == PACKET_OUTGOING)
		return PT_SIDE_TX;
	if (p->direction >= 0)
		return PT_SIDE_RX;
	if (!p->family)
		return PT_SIDE_EITHER;
	src = is_local(pt, p->family, p->src);
	dst = is_local(pt, p->family, p->dst);
	if (src != dst)
		return src ? PT_SIDE_TX : PT_SIDE_RX;
	return PT_SIDE_EITHER;
}

static void unattributed(struct proc_traffic *pt, bool tx, uint64_t bytes)
{
	if (tx)
		pt->unatt_tx_bytes += bytes;
	else
		pt->unatt_rx_bytes += bytes;
}

/* Tries one orientation; true when a socket took the bytes. */
static bool account_side(struct proc_traffic *pt, const struct pkt_info *p, uint8_t proto, bool tx,
			 uint64_t bytes)
{
	struct pt_sock *s;

	if (tx)
		s = match(pt, proto, p->family, p->src, p->sport, p->dst, p->dport);
	else
		s = match(pt, proto, p->family, p->dst, p->dport, p->src, p->sport);
	if (!s)
		return false;
	if (tx)
		s->pend_tx_bytes += bytes;
	else
		s->pend_rx_bytes += bytes;
	return true;
}

static bool account(struct proc_traffic *pt, const struct pkt_info *p, uint8_t proto,
		    enum pt_side side, uint64_t bytes)
{
	if (side == PT_SIDE_EITHER)
		return account_side(pt, p, proto, true, bytes) ||
		       account_side(pt, p, proto, false, bytes);
	return account_side(pt, p, proto, side == PT_SIDE_TX, bytes);
}

static uint64_t pending_key(const struct pkt_info *p, enum pt_side side)
{
	struct pt_tuple k;

	memset(&k, 0, sizeof(k));
	k.proto = p->l4proto;
	k.family = p->family;
	memcpy(k.local, p->src, 16);
	memcpy(k.remote, p->dst, 16);
	k.lport = p->sport;
	k.rport = p->dport;
	return tuple_hash(&k) * 3 + side;
}

static void hold(struct proc_traffic *pt, const struct pkt_info *p, enum pt_side side,
		 uint64_t bytes)
{
	uint64_t *slot;
	bool inserted;

	if (pt->nr_pending >= PT_MAX_PENDING) {
		unattributed(pt, side == PT_SIDE_TX, bytes);
		return;
	}
	slot = u64map_upsert(&pt->by_pending, pending_key(p, side), &inserted);
	if (!inserted) {
		pt->pending[*slot - 1].bytes += bytes;
		return;
	}
	ALLOC_GROW(pt->pending, pt->nr_pending + 1, pt->alloc_pending);
	pt->pending[pt->nr_pending] =
		(struct pt_pending){ .pkt = *p, .bytes = bytes, .side = side };
	*slot = ++pt->nr_pending;
	/* Only a connection's start asks for a dump: mid-stream strays would ask forever. */
	if (p->l4proto != IPPROTO_TCP || (p->tcp_flags & TCP_FLAG_SYN))
		pt->nr_pending_new++;
}

void proc_traffic_packet(struct proc_traffic *pt, const struct pkt_info *p)
{
	enum pt_side side = packet_side(pt, p);
	uint8_t proto;

	pt->nr_packets++;
	if (!p->family || !p->has_ports ||
	    (p->l4proto != IPPROTO_TCP && p->l4proto != IPPROTO_UDP)) {
		unattributed(pt, side == PT_SIDE_TX, p->wire_len);
		return;
	}
	proto = p->l4proto == IPPROTO_TCP ? PT_TCP : PT_UDP;
	if (pt->loopback) {
		/* Both ends are ours: one packet is one process's sent, another's received. */
		if (!account_side(pt, p, proto, true, p->wire_len))
			hold(pt, p, PT_SIDE_TX, p->wire_len);
		if (!account_side(pt, p, proto, false, p->wire_len))
			hold(pt, p, PT_SIDE_RX, p->wire_len);
		return;
	}
	if (!account(pt, p, proto, side, p->wire_len))
		hold(pt, p, side, p->wire_len);
}

bool proc_traffic_wants_dump(const struct proc_traffic *pt)
{
	return pt->nr_pending_new > 0;
}

void pt_match_pending(struct proc_traffic *pt, bool final)
{
	size_t kept = 0;

	for (size_t i = 0; i < pt->nr_pending; i++) {
		const struct pt_pending *h = &pt->pending[i];
		uint8_t proto = h->pkt.l4proto == IPPROTO_TCP ? PT_TCP : PT_UDP;

		if (account(pt, &h->pkt, proto, h->side, h->bytes))
			continue;
		if (final)
			unattributed(pt, h->side == PT_SIDE_TX, h->bytes);
		else
			pt->pending[kept++] = *h;
	}
	if (kept == pt->nr_pending)
		return;
	pt->nr_pending = kept;
	u64map_reset(&pt->by_pending);
	for (size_t i = 0; i < kept; i++)
		*u64map_upsert(&pt->by_pending,
			       pending_key(&pt->pending[i].pkt, pt->pending[i].side), NULL) = i + 1;
}
