// SPDX-License-Identifier: GPL-2.0-or-later
#include "analyze/flow_table.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "base/xalloc.h"

enum {
	DIR_SENT = 0,
	DIR_RECV = 1,
	DEFAULT_MAX_FLOWS = 100000,
	MIN_SLOTS = 1024,
};

#define NS_PER_SEC 1000000000ull

const unsigned flow_window_secs[FLOW_NR_WINDOWS] = { 2, 10, 40 };

/* Per-second byte counts; the slot cur holds second last_sec. */
struct ring {
	uint64_t bytes[FLOW_RING_SECS][2];
	uint64_t total[2], pkts[2];
	uint64_t peak[3]; /* sent, recv, sent+recv: most bytes in one second */
	uint32_t last_sec;
	uint32_t cur;
};

/* The key is canonical (a < b in an arbitrary total order); a_local says which side is A. */
struct flow {
	struct flow_key key;
	bool a_local;
	bool a_known; /* A's address is a local one */
	uint64_t first_ns, last_ns;
	struct ring r;
};

struct flow_table {
	bool ports;
	size_t max_flows;
	struct flow *flows;
	size_t nr_flows, cap_flows;
	/* open addressing, linear probing: hash << 32 | (index + 1); 0 is empty */
	uint64_t *slots;
	size_t slot_mask;
	size_t last_hit; /* index of the previous packet's flow, or SIZE_MAX */
	struct ring totals;
	uint64_t nr_refused;
	uint64_t first_ns, last_ns;
	uint64_t start_ns; /* windows count from here; 0: from the first packet */
	/* avoids a division per packet: second sec starts at sec_start_ns (0 at 0) */
	uint64_t sec_start_ns;
	uint32_t sec;
	uint8_t local_addr[FLOW_MAX_LOCAL][16];
	uint8_t local_family[FLOW_MAX_LOCAL];
	size_t nr_local;
	struct flow_view *views;
	size_t cap_views;
};

bool flow_sort_parse(const char *s, enum flow_sort *out)
{
	static const char *const names[] = { "2s", "10s", "40s", "total", "peak", "sent", "recv" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(s, names[i]) == 0) {
			*out = (enum flow_sort)i;
			return true;
		}
	}
	return false;
}

static void ring_fold_peak(struct ring *r)
{
	uint64_t s = r->bytes[r->cur][DIR_SENT], v = r->bytes[r->cur][DIR_RECV];

	if (s > r->peak[0])
		r->peak[0] = s;
	if (v > r->peak[1])
		r->peak[1] = v;
	if (s + v > r->peak[2])
		r->peak[2] = s + v;
}

/* Moves the ring to second sec (later than last_sec), zeroing skipped seconds. */
static void ring_advance(struct ring *r, uint32_t sec)
{
	uint32_t n = sec - r->last_sec;

	ring_fold_peak(r);
	if (n >= FLOW_RING_SECS) {
		memset(r->bytes, 0, sizeof(r->bytes));
		r->cur = 0;
	} else {
		for (uint32_t i = 0; i < n; i++) {
			r->cur = r->cur + 1 == FLOW_RING_SECS ? 0 : r->cur + 1;
			r->bytes[r->cur][0] = 0;
			r->bytes[r->cur][1] = 0;
		}
	}
	r->last_sec = sec;
}

static inline void ring_add(struct ring *r, uint32_t sec, int dir, uint32_t len)
{
	uint32_t slot = r->cur;

	if (__builtin_expect(sec != r->last_sec, 0)) {
		if (sec > r->last_sec || r->last_sec == 0) {
			ring_advance(r, sec);
			slot = r->cur;
		} else if (r->last_sec - sec < FLOW_RING_SECS - 1) {
			/* a little out of order (clock step, merged captures) */
			slot = (r->cur + FLOW_RING_SECS - (r->last_sec - sec)) % FLOW_RING_SECS;
		}
	}
	r->bytes[slot][dir] += len;
	r->total[dir] += len;
	r->pkts[dir]++;
}

static uint64_t max3(uint64_t a, uint64_t b, uint64_t c)
{
	uint64_t m = a > b ? a : b;

	return m > c ? m : c;
}

/*
 * Bytes of the seconds that overlap the window [win_ns, now_ns), for one
 * direction each: whole seconds count whole; the oldest counts for the part
 * of it inside the window, its bytes taken as spread evenly over the part of
 * that second after start_ns.
 */
static void ring_window_sum(const struct ring *r, uint64_t now_ns, uint64_t win_ns,
			    uint64_t start_ns, double sum[2])
{
	uint32_t now_sec = (uint32_t)(now_ns / NS_PER_SEC), first = (uint32_t)(win_ns / NS_PER_SEC);

	sum[0] = sum[1] = 0;
	if (first > now_sec)
		return;
	for (uint32_t back = 0; back <= now_sec - first; back++) {
		uint32_t s = now_sec - back, age = r->last_sec - s, slot;
		uint64_t s_ns = (uint64_t)s * NS_PER_SEC, from = s_ns > start_ns ? s_ns : start_ns;
		double w = 1;

		if (s > r->last_sec)
			continue;
		if (age >= FLOW_RING_SECS)
			break;
		slot = (r->cur + FLOW_RING_SECS - age) % FLOW_RING_SECS;
		if (s == first && win_ns > from && s_ns + NS_PER_SEC > from)
			w = (double)(s_ns + NS_PER_SEC - win_ns) /
			    (double)(s_ns + NS_PER_SEC - from);
		sum[0] += w * (double)r->bytes[slot][0];
		sum[1] += w * (double)r->bytes[slot][1];
	}
}

/*
 * A window of secs seconds ending at now_ns averages over its length, or over
 * the time since start_ns when that is shorter: a flow that began late in a
 * capture is not credited with a window the capture had not lived yet.
 */
static void ring_stats(const struct ring *r, uint64_t now_ns, uint64_t start_ns,
		       struct flow_stats *st)
{
	memset(st, 0, sizeof(*st));
	for (int w = 0; w < FLOW_NR_WINDOWS; w++) {
		uint64_t len_ns = (uint64_t)flow_window_secs[w] * NS_PER_SEC;
		uint64_t win_ns = now_ns > len_ns ? now_ns - len_ns : 0;
		double sum[2], span;

		if (win_ns < start_ns)
			win_ns = start_ns;
		span = now_ns > win_ns ? (double)(now_ns - win_ns) / 1e9 : 0;
		if (span < 0.01)
			span = 0.01;
		ring_window_sum(r, now_ns, win_ns, start_ns, sum);
		st->sent_Bps[w] = sum[0] / span;
		st->recv_Bps[w] = sum[1] / span;
	}
	st->sent_bytes = r->total[0];
	st->recv_bytes = r->total[1];
	st->sent_pkts = r->pkts[0];
	st->recv_pkts = r->pkts[1];
	/*
	 * The newest second counts too, complete or not; and so does the 2 s
	 * average, so that the peak is never below a rate shown beside it (a
	 * capture shorter than a second has no complete second).
	 */
	uint64_t s = r->bytes[r->cur][0], v = r->bytes[r->cur][1];
	uint64_t s2 = (uint64_t)st->sent_Bps[0], v2 = (uint64_t)st->recv_Bps[0];

	st->peak_sent_Bps = max3(s, s2, r->peak[0]);
	st->peak_recv_Bps = max3(v, v2, r->peak[1]);
	st->peak_total_Bps = max3(s + v, s2 + v2, r->peak[2]);
}

struct flow_table *flow_table_new(const struct flow_table_opts *o)
{
	struct flow_table *t = xcalloc(1, sizeof(*t));

	t->ports = o->ports;
	t->max_flows = o->max_flows ? o->max_flows : DEFAULT_MAX_FLOWS;
	t->slot_mask = MIN_SLOTS - 1;
	t->slots = xcalloc(MIN_SLOTS, sizeof(*t->slots));
	t->last_hit = SIZE_MAX;
	return t;
}

void flow_table_free(struct flow_table *t)
{
	if (t == NULL)
		return;
	free(t->flows);
	free(t->slots);
	free(t->views);
	free(t);
}

void flow_table_set_local(struct flow_table *t, const uint8_t (*addrs)[16], const uint8_t *families,
			  size_t nr)
{
	if (nr > FLOW_MAX_LOCAL)
		nr = FLOW_MAX_LOCAL;
	for (size_t i = 0; i < nr; i++) {
		memcpy(t->local_addr[i], addrs[i], 16);
		t->local_family[i] = families[i];
	}
	t->nr_local = nr;
}

static bool is_local(const struct flow_table *t, uint8_t family, const uint8_t *addr)
{
	for (size_t i = 0; i < t->nr_local; i++)
		if (t->local_family[i] == family && memcmp(t->local_addr[i], addr, 16) == 0)
			return true;
	return false;
}

static inline uint64_t load64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint32_t key_hash(const struct flow_key *k)
{
	uint64_t h = load64(k->a_addr) * 0x9e3779b97f4a7c15ull;

	h ^= load64(k->a_addr + 8) + (h >> 29);
	h = (h ^ load64(k->b_addr)) * 0xbf58476d1ce4e5b9ull;
	h ^= load64(k->b_addr + 8) + (h >> 31);
	h = (h ^ ((uint64_t)k->a_port << 32 | (uint64_t)k->b_port << 16 | k->l4proto)) *
	    0x94d049bb133111ebull;
	return (uint32_t)(h >> 32);
}

static inline bool key_eq(const struct flow_key *a, const struct flow_key *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

/*
 * Builds the canonical key of p; returns true when p's source is side a of
 * the key.  The order is arbitrary but total: 8-byte words, then ports.
 */
static inline bool make_key(const struct flow_table *t, const struct pkt_info *p,
			    struct flow_key *k)
{
	uint64_t s0 = load64(p->src), d0 = load64(p->dst);
	uint64_t s1 = load64(p->src + 8), d1 = load64(p->dst + 8);
	uint16_t sp = 0, dp = 0;
	bool src_a;

	if (t->ports) {
		sp = p->sport;
		dp = p->dport;
	}
	if (s0 != d0)
		src_a = s0 < d0;
	else if (s1 != d1)
		src_a = s1 < d1;
	else
		src_a = sp <= dp;
	memcpy(k->a_addr, src_a ? p->src : p->dst, 16);
	memcpy(k->b_addr, src_a ? p->dst : p->src, 16);
	k->a_port = src_a ? sp : dp;
	k->b_port = src_a ? dp : sp;
	k->family = p->family;
	k->l4proto = t->ports ? p->l4proto : 0;
	return src_a;
}

static void slots_insert(uint64_t *slots, size_t mask, uint32_t h, size_t idx)
{
	size_t i = h & mask;

	while (slots[i] != 0)
		i = (i + 1) & mask;
	slots[i] = (uint64_t)h << 32 | (uint64_t)(idx + 1);
}

static void slots_rebuild(struct flow_table *t, size_t nr_slots)
{
	free(t->slots);
	t->slots = xcalloc(nr_slots, sizeof(*t->slots));
	t->slot_mask = nr_slots - 1;
	for (size_t i = 0; i < t->nr_flows; i++)
		slots_insert(t->slots, t->slot_mask, key_hash(&t->flows[i].key), i);
}

static struct flow *flow_lookup(struct flow_table *t, const struct flow_key *k, uint32_t h)
{
	size_t i = h & t->slot_mask;
	uint64_t v;

	while ((v = t->slots[i]) != 0) {
		if ((uint32_t)(v >> 32) == h) {
			size_t idx = (size_t)(uint32_t)v - 1;

			if (key_eq(&t->flows[idx].key, k)) {
				t->last_hit = idx;
				return &t->flows[idx];
			}
		}
		i = (i + 1) & t->slot_mask;
	}
	return NULL;
}

/* Adds a flow for k; NULL when the table is full. */
static struct flow *flow_create(struct flow_table *t, const struct flow_key *k, uint32_t h,
				bool src_a, const struct pkt_info *p)
{
	struct flow *f;

	if (t->nr_flows >= t->max_flows) {
		t->nr_refused++;
		return NULL;
	}
	if (t->nr_flows == t->cap_flows) {
		t->cap_flows = t->cap_flows ? 2 * t->cap_flows : 256;
		t->flows = xreallocarray(t->flows, t->cap_flows, sizeof(*t->flows));
	}
	if (2 * (t->nr_flows + 1) > t->slot_mask + 1)
		slots_rebuild(t, 2 * (t->slot_mask + 1));
	f = &t->flows[t->nr_flows];
	memset(f, 0, sizeof(*f));
	f->key = *k;
	f->first_ns = p->ts_ns;
	/* Side A: the local address; else the first packet's source. */
	f->a_known = true;
	if (is_local(t, p->family, p->src)) {
		f->a_local = src_a;
	} else if (is_local(t, p->family, p->dst)) {
		f->a_local = !src_a;
	} else {
		f->a_local = src_a;
		f->a_known = false;
	}
	slots_insert(t->slots, t->slot_mask, h, t->nr_flows);
	t->last_hit = t->nr_flows;
	t->nr_flows++;
	return f;
}

void flow_table_account(struct flow_table *t, const struct pkt_info *p)
{
	struct flow_key k;
	struct flow *f = NULL;
	bool src_a = make_key(t, p, &k);
	int dir;

	if (p->ts_ns - t->sec_start_ns >= NS_PER_SEC) {
		t->sec = (uint32_t)(p->ts_ns / NS_PER_SEC);
		t->sec_start_ns = (uint64_t)t->sec * NS_PER_SEC;
	}
	if (t->totals.pkts[0] + t->totals.pkts[1] == 0)
		t->first_ns = p->ts_ns;
	if (p->ts_ns > t->last_ns)
		t->last_ns = p->ts_ns;
	/* Packets come in trains: try the previous packet's flow first. */
	if (t->last_hit < t->nr_flows && key_eq(&t->flows[t->last_hit].key, &k))
		f = &t->flows[t->last_hit];
	if (f == NULL) {
		uint32_t h = key_hash(&k);

		f = flow_lookup(t, &k, h);
		if (f == NULL)
			f = flow_create(t, &k, h, src_a, p);
	}
	if (f == NULL) {
		dir = is_local(t, p->family, p->dst) ? DIR_RECV : DIR_SENT;
	} else {
		dir = src_a == f->a_local ? DIR_SENT : DIR_RECV;
		ring_add(&f->r, t->sec, dir, p->ip_len);
		f->last_ns = p->ts_ns;
	}
	ring_add(&t->totals, t->sec, dir, p->ip_len);
}

size_t flow_table_expire(struct flow_table *t, uint64_t now_ns, unsigned idle_secs)
{
	uint64_t idle_ns = (uint64_t)idle_secs * NS_PER_SEC;
	size_t kept = 0, dropped;

	for (size_t i = 0; i < t->nr_flows; i++) {
		if (now_ns > t->flows[i].last_ns && now_ns - t->flows[i].last_ns > idle_ns)
			continue;
		if (kept != i)
			t->flows[kept] = t->flows[i];
		kept++;
	}
	dropped = t->nr_flows - kept;
	if (dropped > 0) {
		t->nr_flows = kept;
		t->last_hit = SIZE_MAX;
		slots_rebuild(t, t->slot_mask + 1);
	}
	return dropped;
}

void flow_table_set_start(struct flow_table *t, uint64_t start_ns)
{
	t->start_ns = start_ns;
}

static uint64_t start_of(const struct flow_table *t)
{
	return t->start_ns ? t->start_ns : t->first_ns;
}

size_t flow_table_nr_flows(const struct flow_table *t)
{
	return t->nr_flows;
}

uint64_t flow_table_nr_refused(const struct flow_table *t)
{
	return t->nr_refused;
}

uint64_t flow_table_first_ns(const struct flow_table *t)
{
	return t->first_ns;
}

uint64_t flow_table_last_ns(const struct flow_table *t)
{
	return t->last_ns;
}

static double sort_value(const struct flow_view *v, enum flow_sort by)
{
	const struct flow_stats *s = &v->st;

	switch (by) {
	case FLOW_SORT_2S:
	case FLOW_SORT_10S:
	case FLOW_SORT_40S:
		return s->sent_Bps[by] + s->recv_Bps[by];
	case FLOW_SORT_TOTAL:
		return (double)(s->sent_bytes + s->recv_bytes);
	case FLOW_SORT_PEAK:
		return (double)s->peak_total_Bps;
	case FLOW_SORT_SENT:
		return (double)s->sent_bytes;
	case FLOW_SORT_RECV:
		return (double)s->recv_bytes;
	}
	return 0;
}

static int view_cmp(const void *pa, const void *pb, void *arg)
{
	const struct flow_view *a = pa, *b = pb;
	enum flow_sort by = *(const enum flow_sort *)arg;
	double x = sort_value(a, by), y = sort_value(b, by);

	if (x != y)
		return x > y ? -1 : 1;
	x = a->st.sent_Bps[2] + a->st.recv_Bps[2];
	y = b->st.sent_Bps[2] + b->st.recv_Bps[2];
	if (x != y)
		return x > y ? -1 : 1;
	return memcmp(&a->key, &b->key, sizeof(a->key));
}

static void orient(const struct flow *f, struct flow_key *out)
{
	*out = f->key;
	if (!f->a_local) {
		memcpy(out->a_addr, f->key.b_addr, 16);
		memcpy(out->b_addr, f->key.a_addr, 16);
		out->a_port = f->key.b_port;
		out->b_port = f->key.a_port;
	}
}

const struct flow_view *flow_table_views(struct flow_table *t, uint64_t now_ns, enum flow_sort by,
					 size_t *nr)
{
	if (t->cap_views < t->nr_flows) {
		t->cap_views = t->nr_flows;
		t->views = xreallocarray(t->views, t->cap_views, sizeof(*t->views));
	}
	for (size_t i = 0; i < t->nr_flows; i++) {
		const struct flow *f = &t->flows[i];
		struct flow_view *v = &t->views[i];

		orient(f, &v->key);
		v->a_is_local = f->a_known;
		ring_stats(&f->r, now_ns, start_of(t), &v->st);
		v->first_ns = f->first_ns;
		v->last_ns = f->last_ns;
	}
	if (t->nr_flows > 1)
		qsort_r(t->views, t->nr_flows, sizeof(*t->views), view_cmp, &by);
	*nr = t->nr_flows;
	return t->views;
}

void flow_table_totals(const struct flow_table *t, uint64_t now_ns, struct flow_stats *st)
{
	ring_stats(&t->totals, now_ns, start_of(t), st);
}
