// SPDX-License-Identifier: GPL-2.0-or-later
#include "analyze/rates.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

#define HALF32 (UINT64_C(1) << 31)
#define WRAP32 (UINT64_C(1) << 32)

bool rate_counter_delta(uint64_t prev, uint64_t cur, unsigned bits, uint64_t *delta)
{
	if (cur >= prev) {
		*delta = cur - prev;
		return true;
	}
	/*
	 * Backwards.  A 64-bit counter needs centuries at 100 Gbit/s to wrap,
	 * so that is a reset.  A 32-bit one wraps in seconds on a busy link:
	 * accept a wrap only when it explains a plausible increase.
	 */
	if (bits == 32 && prev < WRAP32 && cur < WRAP32 && prev >= HALF32) {
		uint64_t d = WRAP32 - prev + cur;

		if (d < HALF32) {
			*delta = d;
			return true;
		}
	}
	*delta = 0;
	return false;
}

double rate_per_s(uint64_t delta, uint64_t interval_ns)
{
	return interval_ns ? (double)delta * 1e9 / (double)interval_ns : 0.0;
}

double iface_util_pct(const struct iface_sample *s, double rx_bytes_per_s, double tx_bytes_per_s)
{
	double bits_per_s, pct;

	if (!iface_has_speed(s))
		return -1;
	if (s->duplex == IFACE_DUPLEX_FULL)
		bits_per_s =
			8 * (rx_bytes_per_s > tx_bytes_per_s ? rx_bytes_per_s : tx_bytes_per_s);
	else
		bits_per_s = 8 * (rx_bytes_per_s + tx_bytes_per_s);
	pct = bits_per_s * 100.0 / ((double)s->speed_mbps * 1e6);
	/* More than the link can carry: the reported speed is wrong. */
	return pct > 100.0 ? -1 : pct;
}

static struct iface_rate *add_row(struct iface_rates *r, const struct iface_sample *s,
				  enum iface_rate_state st)
{
	struct iface_rate *row;

	ALLOC_GROW(r->v, r->nr + 1, r->alloc);
	row = &r->v[r->nr++];
	memset(row, 0, sizeof(*row));
	row->s = *s;
	row->state = st;
	row->util_pct = -1;
	return row;
}

static void fill_rates(struct iface_rate *row, const struct iface_sample *p,
		       const struct iface_sample *c, uint64_t interval_ns)
{
	unsigned nr = c->nr_counters < p->nr_counters ? c->nr_counters : p->nr_counters;

	if (!c->counters_bits || c->counters_bits != p->counters_bits) {
		row->state = IFACE_NORATE_NOSTATS;
		return;
	}
	for (unsigned i = 0; i < nr; i++) {
		if (!rate_counter_delta(p->c[i], c->c[i], c->counters_bits, &row->delta[i])) {
			memset(row->delta, 0, sizeof(row->delta));
			row->state = IFACE_NORATE_RESET;
			return;
		}
	}
	row->interval_ns = interval_ns;
	for (unsigned i = 0; i < IFC_NR; i++)
		row->per_s[i] = rate_per_s(row->delta[i], interval_ns);
	row->util_pct = iface_util_pct(c, row->per_s[IFC_RX_BYTES], row->per_s[IFC_TX_BYTES]);
}

int iface_rates_compute(const struct iface_table *prev, const struct iface_table *cur,
			struct iface_rates *out)
{
	size_t i = 0, j = 0;

	out->nr = 0;
	out->interval_ns = 0;
	if (cur->time_ns <= prev->time_ns)
		return -EINVAL;
	out->interval_ns = cur->time_ns - prev->time_ns;
	/* Merge join: both tables are ordered by (ifindex, name). */
	while (i < prev->nr || j < cur->nr) {
		const struct iface_sample *p = i < prev->nr ? &prev->ifs[i] : NULL;
		const struct iface_sample *c = j < cur->nr ? &cur->ifs[j] : NULL;
		int cmp = !p ? 1 : !c ? -1 : iface_sample_cmp(p, c);

		if (cmp < 0) {
			add_row(out, p, IFACE_NORATE_GONE)->gone = true;
			i++;
		} else if (cmp > 0) {
			add_row(out, c, IFACE_NORATE_NEW);
			j++;
		} else {
			fill_rates(add_row(out, c, IFACE_RATE_OK), p, c, out->interval_ns);
			i++;
			j++;
		}
	}
	return 0;
}

void iface_rates_retain(struct iface_rates *r, bool (*keep)(const struct iface_rate *, void *),
			void *arg)
{
	size_t n = 0;

	for (size_t i = 0; i < r->nr; i++)
		if (keep(&r->v[i], arg))
			r->v[n++] = r->v[i];
	r->nr = n;
}

void iface_avg_init(struct iface_avg *a)
{
	memset(a, 0, sizeof(*a));
	a->max_gone = IFACE_AVG_MAX_GONE;
}

void iface_avg_release(struct iface_avg *a)
{
	free(a->v);
	free(a->next);
	iface_avg_init(a);
}

size_t iface_avg_size(const struct iface_avg *a)
{
	return a->nr;
}

static void entry_account(struct iface_avg_entry *e, const struct iface_rate *row, unsigned now)
{
	e->s = row->s;
	e->nr_intervals++;
	e->last = row->state;
	e->gone_at = row->state == IFACE_NORATE_GONE ? (e->gone_at ? e->gone_at : now) : 0;
	if (row->state != IFACE_RATE_OK) {
		e->nr_norate++;
		return;
	}
	for (unsigned k = 0; k < IFC_NR; k++)
		e->delta[k] += row->delta[k];
	e->valid_ns += row->interval_ns;
}

static int row_ptr_cmp(const void *a, const void *b)
{
	const struct iface_rate *x = *(const struct iface_rate *const *)a;
	const struct iface_rate *y = *(const struct iface_rate *const *)b;

	return iface_sample_cmp(&x->s, &y->s);
}

/* The rows in (ifindex, name) order: as given when they already are (the usual case). */
static const struct iface_rate **ordered_rows(const struct iface_rates *r)
{
	const struct iface_rate **v = xcalloc(r->nr + 1, sizeof(*v));
	bool sorted = true;

	for (size_t i = 0; i < r->nr; i++) {
		v[i] = &r->v[i];
		if (i && iface_sample_cmp(&r->v[i - 1].s, &r->v[i].s) > 0)
			sorted = false;
	}
	if (!sorted)
		qsort(v, r->nr, sizeof(*v), row_ptr_cmp);
	return v;
}

struct gone_ref {
	unsigned gone_at;
	size_t idx;
};

static int gone_ref_cmp(const void *a, const void *b)
{
	const struct gone_ref *x = a, *y = b;

	if (x->gone_at != y->gone_at)
		return x->gone_at < y->gone_at ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Drops the entries that vanished longest ago until at most max_gone are left. */
static void evict_gone(struct iface_avg *a)
{
	struct gone_ref *refs;
	size_t n = 0, excess, w = 0;

	if (a->nr_gone <= a->max_gone)
		return;
	excess = a->nr_gone - a->max_gone;
	refs = xcalloc(a->nr_gone, sizeof(*refs));
	for (size_t i = 0; i < a->nr; i++)
		if (a->v[i].gone_at)
			refs[n++] = (struct gone_ref){ a->v[i].gone_at, i };
	qsort(refs, n, sizeof(*refs), gone_ref_cmp);
	for (size_t k = 0; k < excess; k++)
		a->v[refs[k].idx].gone_at = UINT_MAX; /* marks it for the compaction below */
	free(refs);
	for (size_t i = 0; i < a->nr; i++)
		if (a->v[i].gone_at != UINT_MAX)
			a->v[w++] = a->v[i];
	a->nr = w;
	a->nr_gone -= excess;
	a->nr_dropped += excess;
}

static void swap_tables(struct iface_avg *a)
{
	struct iface_avg_entry *v = a->v;
	size_t alloc = a->alloc;

	a->v = a->next;
	a->alloc = a->next_alloc;
	a->next = v;
	a->next_alloc = alloc;
}

void iface_avg_add(struct iface_avg *a, const struct iface_rates *r)
{
	const struct iface_rate **rows = ordered_rows(r);
	unsigned now = ++a->nr_intervals;
	size_t i = 0, j = 0, n = 0;

	ALLOC_GROW(a->next, a->nr + r->nr, a->next_alloc);
	a->nr_gone = 0;
	/* Merge join of the entries and the rows, both in (ifindex, name) order. */
	while (i < a->nr || j < r->nr) {
		struct iface_avg_entry *e = &a->next[n++];
		int cmp = i == a->nr ? 1 :
			  j == r->nr ? -1 :
				       iface_sample_cmp(&a->v[i].s, &rows[j]->s);

		if (cmp < 0) {
			/* not in these rows: it vanished (normally seen as a gone row first) */
			*e = a->v[i++];
			if (!e->gone_at)
				e->gone_at = now;
		} else {
			if (cmp > 0)
				memset(e, 0, sizeof(*e));
			else
				*e = a->v[i++];
			entry_account(e, rows[j++], now);
		}
		a->nr_gone += e->gone_at != 0;
	}
	free(rows);
	swap_tables(a);
	a->nr = n;
	evict_gone(a);
}

void iface_avg_result(const struct iface_avg *a, struct iface_rates *out)
{
	out->nr = 0;
	out->interval_ns = 0;
	for (size_t i = 0; i < a->nr; i++) {
		const struct iface_avg_entry *e = &a->v[i];
		struct iface_rate *row;

		if (!e->valid_ns) {
			row = add_row(out, &e->s,
				      e->last == IFACE_RATE_OK ? IFACE_NORATE_NEW : e->last);
			row->gone = e->gone_at != 0;
			continue;
		}
		row = add_row(out, &e->s, IFACE_RATE_OK);
		row->gone = e->gone_at != 0;
		row->interval_ns = e->valid_ns;
		memcpy(row->delta, e->delta, sizeof(row->delta));
		for (unsigned k = 0; k < IFC_NR; k++)
			row->per_s[k] = rate_per_s(e->delta[k], e->valid_ns);
		row->util_pct =
			iface_util_pct(&e->s, row->per_s[IFC_RX_BYTES], row->per_s[IFC_TX_BYTES]);
		if (e->valid_ns > out->interval_ns)
			out->interval_ns = e->valid_ns;
	}
}
