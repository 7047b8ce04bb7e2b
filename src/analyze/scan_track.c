// SPDX-License-Identifier: GPL-2.0-or-later
#include "analyze/scan_track.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

struct scan_port {
	uint16_t port;
	uint8_t proto;
	uint8_t probes; /* saturating */
	uint32_t t_ds;	/* last probe, deciseconds after base_ms */
};

struct scan_source {
	struct scan_port *ports;
	uint16_t nr, cap;
};

void scan_track_init(struct scan_track *t, const struct scan_track_opts *o)
{
	uint32_t cap = o->max_addrs ? o->max_addrs : SCAN_TRACK_DEFAULT_ADDRS;

	memset(t, 0, sizeof(*t));
	addr_lru_init(&t->lru, cap, o->seed);
	t->sources = xcalloc(cap, sizeof(*t->sources));
	t->window_ms = o->window_ms > 0 ? o->window_ms : SCAN_TRACK_DEFAULT_WINDOW;
	t->max_ports = o->max_ports ? o->max_ports : SCAN_TRACK_DEFAULT_PORTS;
	if (t->max_ports < 4)
		t->max_ports = 4;
	if (t->max_ports > UINT16_MAX)
		t->max_ports = UINT16_MAX;
	t->floor = o->floor ? o->floor : SCAN_TRACK_DEFAULT_FLOOR;
}

static void source_clear(struct scan_track *t, struct scan_source *s)
{
	t->port_bytes -= (size_t)s->cap * sizeof(*s->ports);
	free(s->ports);
	memset(s, 0, sizeof(*s));
}

void scan_track_release(struct scan_track *t)
{
	for (uint32_t i = 0; i < t->lru.cap; i++)
		free(t->sources[i].ports);
	addr_lru_release(&t->lru);
	free(t->sources);
	memset(t, 0, sizeof(*t));
}

static uint32_t to_ds(const struct scan_track *t, int64_t t_ms)
{
	int64_t d = (t_ms - t->base_ms) / 100;

	if (d < 0)
		return 0;
	return d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
}

static int64_t from_ds(const struct scan_track *t, uint32_t ds)
{
	return t->base_ms + (int64_t)ds * 100;
}

/* Drops the ports last probed at or before cutoff_ds; keeps the order. */
static void source_compact(struct scan_source *s, uint32_t cutoff_ds)
{
	uint16_t w = 0;

	for (uint16_t r = 0; r < s->nr; r++)
		if (s->ports[r].t_ds > cutoff_ds)
			s->ports[w++] = s->ports[r];
	s->nr = w;
}

/* A slot for a new port: grow, else drop expired ports, else the least recent. */
static struct scan_port *source_slot(struct scan_track *t, struct scan_source *s, uint32_t now_ds)
{
	uint32_t window_ds = (uint32_t)(t->window_ms / 100);
	uint16_t oldest = 0;

	if (s->nr == s->cap && s->cap < t->max_ports) {
		uint32_t cap = s->cap ? 2u * s->cap : 4u;

		if (cap > t->max_ports)
			cap = t->max_ports;
		s->ports = xreallocarray(s->ports, cap, sizeof(*s->ports));
		t->port_bytes += (size_t)(cap - s->cap) * sizeof(*s->ports);
		s->cap = (uint16_t)cap;
	}
	if (s->nr == s->cap)
		source_compact(s, now_ds > window_ds ? now_ds - window_ds : 0);
	if (s->nr < s->cap)
		return &s->ports[s->nr++];
	for (uint16_t k = 1; k < s->nr; k++)
		if (s->ports[k].t_ds < s->ports[oldest].t_ds)
			oldest = k;
	return &s->ports[oldest];
}

void scan_track_add(struct scan_track *t, int family, const uint8_t *src, uint8_t proto,
		    uint16_t dport, int64_t t_ms)
{
	struct scan_source *s;
	struct scan_port *p;
	uint32_t now_ds;
	bool is_new;
	uint32_t i;

	if (t->nr_probes++ == 0)
		t->base_ms = t_ms - t->window_ms;
	now_ds = to_ds(t, t_ms);
	i = addr_lru_touch(&t->lru, family, src, t_ms, &is_new);
	s = &t->sources[i];
	if (is_new)
		source_clear(t, s); /* an evicted source's set goes with it */
	for (uint16_t k = 0; k < s->nr; k++) {
		p = &s->ports[k];
		if (p->port == dport && p->proto == proto) {
			if (p->probes < UINT8_MAX)
				p->probes++;
			if (now_ds > p->t_ds)
				p->t_ds = now_ds;
			return;
		}
	}
	p = source_slot(t, s, now_ds);
	*p = (struct scan_port){ .port = dport, .proto = proto, .probes = 1, .t_ds = now_ds };
}

void scan_track_expire(struct scan_track *t, int64_t now_ms)
{
	int64_t cutoff = now_ms - t->window_ms;
	uint32_t i;

	while ((i = addr_lru_oldest(&t->lru)) != ADDR_LRU_NONE &&
	       t->lru.nodes[i].last_ms <= cutoff) {
		source_clear(t, &t->sources[i]);
		addr_lru_remove(&t->lru, i);
	}
}

/* Ports of s probed in (cutoff, now]: count, probes, the first time, one port. */
static uint32_t count_window(const struct scan_track *t, const struct scan_source *s,
			     int64_t cutoff, struct rule_scan *r)
{
	uint32_t n = 0;

	r->nr_probes = 0;
	r->first_ms = INT64_MAX;
	for (uint16_t k = 0; k < s->nr; k++) {
		const struct scan_port *p = &s->ports[k];
		int64_t ms = from_ds(t, p->t_ds);

		if (ms <= cutoff)
			continue;
		n++;
		r->nr_probes += p->probes;
		if (ms < r->first_ms) {
			r->first_ms = ms;
			r->sample_port = p->port;
		}
	}
	r->nr_ports = n;
	return n;
}

uint32_t scan_track_count(const struct scan_track *t, int family, const uint8_t *src,
			  int64_t now_ms)
{
	uint32_t i = addr_lru_find(&t->lru, family, src);
	struct rule_scan r;

	if (i == ADDR_LRU_NONE)
		return 0;
	return count_window(t, &t->sources[i], now_ms - t->window_ms, &r);
}

static int by_ports(const void *a, const void *b)
{
	const struct rule_scan *x = a, *y = b;

	if (x->nr_ports != y->nr_ports)
		return x->nr_ports < y->nr_ports ? 1 : -1;
	return strcmp(x->addr, y->addr);
}

size_t scan_track_report(const struct scan_track *t, int64_t now_ms, struct rule_scan *out,
			 size_t cap)
{
	int64_t cutoff = now_ms - t->window_ms;
	size_t nr = 0;

	for (uint32_t i = t->lru.head; i != ADDR_LRU_NONE && nr < cap; i = t->lru.nodes[i].next) {
		const struct addr_lru_node *node = &t->lru.nodes[i];
		const struct scan_source *s = &t->sources[i];
		struct rule_scan *r = &out[nr];

		if (node->last_ms <= cutoff)
			break; /* the rest are older still */
		if (s->nr < t->floor)
			continue; /* cheap: too few ports even before the window */
		memset(r, 0, sizeof(*r));
		if (count_window(t, s, cutoff, r) < t->floor)
			continue;
		inet_ntop(node->family, node->addr, r->addr, sizeof(r->addr));
		nr++;
	}
	qsort(out, nr, sizeof(*out), by_ports);
	return nr;
}
