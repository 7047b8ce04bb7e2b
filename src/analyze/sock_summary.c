// SPDX-License-Identifier: GPL-2.0-or-later
#include "analyze/sock_summary.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "base/u64map.h"
#include "base/xalloc.h"

void sock_summary_init(struct sock_summary *s, uint16_t eph_lo, uint16_t eph_hi)
{
	memset(s, 0, sizeof(*s));
	if (eph_lo && eph_lo <= eph_hi) {
		s->eph_lo = eph_lo;
		s->eph_hi = eph_hi;
	}
}

void sock_summary_release(struct sock_summary *s)
{
	free(s->listeners);
	free(s->remotes.slots);
	free(s->eph.slots);
	free(s->cw_inodes);
	sock_summary_init(s, 0, 0);
}

uint32_t sock_summary_eph_ports(const struct sock_summary *s)
{
	return s->eph_hi ? (uint32_t)s->eph_hi - s->eph_lo + 1 : 0;
}

static uint64_t peer_hash(const struct sock_peer_count *k)
{
	uint64_t a, b;

	memcpy(&a, k->addr, 8);
	memcpy(&b, k->addr + 8, 8);
	return u64_hash(a ^ u64_hash(b ^ ((uint64_t)k->family << 16 | k->port)));
}

static bool peer_same(const struct sock_peer_count *a, const struct sock_peer_count *b)
{
	return a->family == b->family && a->port == b->port && !memcmp(a->addr, b->addr, 16);
}

static struct sock_peer_count *peer_slot(struct sock_peer_table *t, const struct sock_peer_count *k)
{
	size_t mask = t->cap - 1, i = (size_t)peer_hash(k) & mask;

	while (t->slots[i].count && !peer_same(&t->slots[i], k))
		i = (i + 1) & mask;
	return &t->slots[i];
}

static void peer_grow(struct sock_peer_table *t)
{
	struct sock_peer_table old = *t;

	t->cap = old.cap ? old.cap * 2 : 64;
	t->slots = xcalloc(t->cap, sizeof(*t->slots));
	for (size_t i = 0; i < old.cap; i++)
		if (old.slots[i].count)
			*peer_slot(t, &old.slots[i]) = old.slots[i];
	free(old.slots);
}

static void peer_bump(struct sock_peer_table *t, const struct sock_peer_count *k)
{
	struct sock_peer_count *slot;

	if ((t->nr + 1) * 10 > t->cap * 7)
		peer_grow(t);
	slot = peer_slot(t, k);
	if (!slot->count) {
		*slot = *k;
		t->nr++;
	}
	slot->count++;
}

/* Key for the remote end; v4-mapped IPv6 collapses onto IPv4. */
static void remote_key(struct sock_peer_count *k, const struct sock_entry *e, uint16_t port)
{
	static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	memset(k, 0, sizeof(*k));
	k->port = port;
	if (e->family == AF_INET6 && !memcmp(e->remote, v4mapped, 12)) {
		k->family = AF_INET;
		memcpy(k->addr, e->remote + 12, 4);
	} else if (e->family == AF_INET) {
		k->family = AF_INET;
		memcpy(k->addr, e->remote, 4);
	} else {
		k->family = AF_INET6;
		memcpy(k->addr, e->remote, 16);
	}
}

static void add_listener(struct sock_summary *s, const struct sock_entry *e)
{
	struct sock_listener *l;

	ALLOC_GROW(s->listeners, s->nr_listeners + 1, s->alloc_listeners);
	l = &s->listeners[s->nr_listeners++];
	memset(l, 0, sizeof(*l));
	l->family = e->family;
	l->port = e->lport;
	memcpy(l->addr, e->local, 16);
	l->queue_len = e->recv_q;
	l->backlog = e->send_q;
	l->inode = e->inode;
}

static void add_tcp(struct sock_summary *s, const struct sock_entry *e, bool has_peer)
{
	unsigned st = e->state < SOCK_ST_MAX ? e->state : SOCK_ST_UNKNOWN;
	struct sock_peer_count k;

	if (st == SOCK_ST_NEW_SYN_RECV)
		st = SOCK_ST_SYN_RECV;
	s->nr_tcp++;
	s->tcp_states[st]++;
	if (st == SOCK_ST_LISTEN) {
		add_listener(s, e);
		return;
	}
	if (st == SOCK_ST_CLOSE_WAIT && e->inode) {
		ALLOC_GROW(s->cw_inodes, s->nr_cw_inodes + 1, s->alloc_cw_inodes);
		s->cw_inodes[s->nr_cw_inodes++] = e->inode;
	}
	if (has_peer && s->eph_hi && e->lport >= s->eph_lo && e->lport <= s->eph_hi) {
		remote_key(&k, e, e->rport);
		peer_bump(&s->eph, &k);
		s->nr_eph++;
	}
}

void sock_summary_add(struct sock_summary *s, const struct sock_entry *e)
{
	bool inet = e->family == AF_INET || e->family == AF_INET6;
	bool has_peer =
		inet && e->state != SOCK_ST_LISTEN && !sock_addr_is_any(e->family, e->remote);
	struct sock_peer_count k;

	s->nr_sockets++;
	if (e->proto < PROTO_MAX)
		s->by_proto[e->proto][e->family == AF_INET6]++;
	if (e->proto == PROTO_TCP && inet)
		add_tcp(s, e, has_peer);
	if (has_peer) {
		remote_key(&k, e, 0);
		peer_bump(&s->remotes, &k);
	}
}

/* True when a ranks before b: more sockets, then lower family/address/port. */
static bool peer_better(const struct sock_peer_count *a, const struct sock_peer_count *b)
{
	int c;

	if (a->count != b->count)
		return a->count > b->count;
	if (a->family != b->family)
		return a->family < b->family;
	c = memcmp(a->addr, b->addr, 16);
	if (c)
		return c < 0;
	return a->port < b->port;
}

static int peer_cmp(const void *pa, const void *pb)
{
	const struct sock_peer_count *a = pa, *b = pb;

	if (peer_better(a, b))
		return -1;
	return peer_better(b, a) ? 1 : 0;
}

/* Min-heap on "better": the root is the worst of the current top n. */
static void heap_sift_down(struct sock_peer_count *h, size_t nr, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, worst = i;
		struct sock_peer_count tmp;

		if (l < nr && peer_better(&h[worst], &h[l]))
			worst = l;
		if (r < nr && peer_better(&h[worst], &h[r]))
			worst = r;
		if (worst == i)
			return;
		tmp = h[i];
		h[i] = h[worst];
		h[worst] = tmp;
		i = worst;
	}
}

static void heap_sift_up(struct sock_peer_count *h, size_t i)
{
	while (i) {
		size_t parent = (i - 1) / 2;
		struct sock_peer_count tmp;

		if (!peer_better(&h[parent], &h[i]))
			return;
		tmp = h[i];
		h[i] = h[parent];
		h[parent] = tmp;
		i = parent;
	}
}

size_t sock_summary_top(const struct sock_peer_table *t, size_t n, struct sock_peer_count **out)
{
	struct sock_peer_count *h;
	size_t nr = 0;

	*out = NULL;
	if (n > t->nr)
		n = t->nr;
	if (!n)
		return 0;
	h = xcalloc(n, sizeof(*h));
	for (size_t i = 0; i < t->cap; i++) {
		const struct sock_peer_count *p = &t->slots[i];

		if (!p->count)
			continue;
		if (nr < n) {
			h[nr] = *p;
			heap_sift_up(h, nr++);
		} else if (peer_better(p, &h[0])) {
			h[0] = *p;
			heap_sift_down(h, nr, 0);
		}
	}
	qsort(h, nr, sizeof(*h), peer_cmp);
	*out = h;
	return nr;
}

double sock_listener_fill_pct(const struct sock_listener *l)
{
	return l->backlog ? 100.0 * l->queue_len / l->backlog : -1.0;
}

static int listener_cmp(const void *pa, const void *pb)
{
	const struct sock_listener *a = pa, *b = pb;
	/* Cross-multiplied so equal fractions compare equal; unknown backlog sorts last. */
	uint64_t fa = (uint64_t)a->queue_len * (b->backlog ? b->backlog : 1);
	uint64_t fb = (uint64_t)b->queue_len * (a->backlog ? a->backlog : 1);

	if (!a->backlog != !b->backlog)
		return a->backlog ? -1 : 1;
	if (fa != fb)
		return fa > fb ? -1 : 1;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->addr, b->addr, 16);
}

void sock_summary_sort_listeners(struct sock_summary *s)
{
	if (s->nr_listeners > 1)
		qsort(s->listeners, s->nr_listeners, sizeof(*s->listeners), listener_cmp);
}

static int proc_count_cmp(const void *pa, const void *pb)
{
	const struct sock_proc_count *a = pa, *b = pb;

	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	return (a->pid > b->pid) - (a->pid < b->pid);
}

/* True when pid already appears in the refs of this inode before r. */
static bool seen_before(const struct proc_table *t, const struct proc_ref *first,
			const struct proc_ref *r)
{
	for (const struct proc_ref *p = first; p && p != r; p = proc_table_next(t, p))
		if (p->pid == r->pid)
			return true;
	return false;
}

void sock_summary_cw_procs(const struct sock_summary *s, struct proc_table *t,
			   struct sock_proc_count **out, size_t *nr, uint64_t *unmapped)
{
	struct sock_proc_count *res = NULL;
	size_t nr_res = 0, alloc = 0;
	struct u64map by_pid;

	u64map_init(&by_pid);
	*unmapped = 0;
	for (size_t i = 0; i < s->nr_cw_inodes; i++) {
		const struct proc_ref *first = proc_table_first(t, s->cw_inodes[i]);

		if (!first)
			(*unmapped)++;
		for (const struct proc_ref *r = first; r; r = proc_table_next(t, r)) {
			bool inserted;
			uint64_t *slot;

			if (seen_before(t, first, r))
				continue;
			slot = u64map_upsert(&by_pid, (uint64_t)(uint32_t)r->pid, &inserted);
			if (inserted) {
				ALLOC_GROW(res, nr_res + 1, alloc);
				res[nr_res] = (struct sock_proc_count){
					.pid = r->pid, .comm = proc_table_comm(t, r), .count = 0
				};
				*slot = ++nr_res;
			}
			res[*slot - 1].count++;
		}
	}
	u64map_release(&by_pid);
	if (nr_res > 1)
		qsort(res, nr_res, sizeof(*res), proc_count_cmp);
	*out = res;
	*nr = nr_res;
}
