// SPDX-License-Identifier: GPL-2.0-or-later
#include "analyze/fail_track.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

struct fail_entry {
	uint32_t t_ds[FAIL_TRACK_TIMES]; /* ring: deciseconds after base_ms */
	uint32_t nr;			 /* stored, at most FAIL_TRACK_TIMES */
	uint32_t next;			 /* ring position of the next write */
	char user[ALERT_TEXT_LEN];
};

void fail_track_init(struct fail_track *t, const struct fail_track_opts *o)
{
	uint32_t cap = o->max_addrs ? o->max_addrs : FAIL_TRACK_DEFAULT_ADDRS;

	memset(t, 0, sizeof(*t));
	addr_lru_init(&t->lru, cap, o->seed);
	t->entries = xcalloc(cap, sizeof(*t->entries));
	t->window_ms = o->window_ms > 0 ? o->window_ms : FAIL_TRACK_DEFAULT_WINDOW;
	t->floor = o->floor ? o->floor : FAIL_TRACK_DEFAULT_FLOOR;
}

void fail_track_release(struct fail_track *t)
{
	addr_lru_release(&t->lru);
	free(t->entries);
	memset(t, 0, sizeof(*t));
}

static uint32_t to_ds(const struct fail_track *t, int64_t t_ms)
{
	int64_t d = (t_ms - t->base_ms) / 100;

	if (d < 0)
		return 0;
	return d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
}

static int64_t from_ds(const struct fail_track *t, uint32_t ds)
{
	return t->base_ms + (int64_t)ds * 100;
}

void fail_track_add(struct fail_track *t, int family, const uint8_t *addr, int64_t t_ms,
		    const char *user)
{
	struct fail_entry *e;
	bool is_new;
	uint32_t i;

	if (t->nr_failures++ == 0)
		t->base_ms = t_ms - t->window_ms; /* room for stamps a little out of order */
	i = addr_lru_touch(&t->lru, family, addr, t_ms, &is_new);
	e = &t->entries[i];
	if (is_new)
		memset(e, 0, sizeof(*e));
	e->t_ds[e->next] = to_ds(t, t_ms);
	e->next = (e->next + 1) % FAIL_TRACK_TIMES;
	if (e->nr < FAIL_TRACK_TIMES)
		e->nr++;
	if (user != NULL && user[0] != '\0')
		snprintf(e->user, sizeof(e->user), "%s", user);
}

void fail_track_expire(struct fail_track *t, int64_t now_ms)
{
	int64_t cutoff = now_ms - t->window_ms;
	uint32_t i;

	/* LRU order is arrival order: stop at the first address still in the window */
	while ((i = addr_lru_oldest(&t->lru)) != ADDR_LRU_NONE && t->lru.nodes[i].last_ms <= cutoff)
		addr_lru_remove(&t->lru, i);
}

/* Failures of entry e in (cutoff, now]; *first_ms the oldest of them. */
static uint32_t count_window(const struct fail_track *t, const struct fail_entry *e, int64_t cutoff,
			     int64_t *first_ms)
{
	uint32_t n = 0;

	*first_ms = INT64_MAX;
	for (uint32_t k = 0; k < e->nr; k++) {
		int64_t ms = from_ds(t, e->t_ds[k]);

		if (ms <= cutoff)
			continue;
		n++;
		if (ms < *first_ms)
			*first_ms = ms;
	}
	return n;
}

uint32_t fail_track_count(const struct fail_track *t, int family, const uint8_t *addr,
			  int64_t now_ms)
{
	uint32_t i = addr_lru_find(&t->lru, family, addr);
	int64_t first;

	if (i == ADDR_LRU_NONE)
		return 0;
	return count_window(t, &t->entries[i], now_ms - t->window_ms, &first);
}

static int by_failures(const void *a, const void *b)
{
	const struct rule_authfail *x = a, *y = b;

	if (x->nr_failures != y->nr_failures)
		return x->nr_failures < y->nr_failures ? 1 : -1;
	return strcmp(x->addr, y->addr);
}

size_t fail_track_report(const struct fail_track *t, int64_t now_ms, struct rule_authfail *out,
			 size_t cap)
{
	int64_t cutoff = now_ms - t->window_ms;
	size_t nr = 0;

	for (uint32_t i = t->lru.head; i != ADDR_LRU_NONE && nr < cap; i = t->lru.nodes[i].next) {
		const struct addr_lru_node *node = &t->lru.nodes[i];
		const struct fail_entry *e = &t->entries[i];
		struct rule_authfail *r = &out[nr];
		int64_t first;
		uint32_t n = count_window(t, e, cutoff, &first);

		if (n < t->floor)
			continue;
		memset(r, 0, sizeof(*r));
		inet_ntop(node->family, node->addr, r->addr, sizeof(r->addr));
		r->nr_failures = n;
		r->first_ms = first;
		snprintf(r->user, sizeof(r->user), "%s", e->user);
		nr++;
	}
	qsort(out, nr, sizeof(*out), by_failures);
	return nr;
}
