// SPDX-License-Identifier: GPL-2.0-or-later
/* The data side of the charts: decimation, legend figures, stacked layers. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "ui/chart_int.h"

/* The points of one pixel column seen so far, by index. */
struct dec_col {
	bool open;
	long col;
	size_t first, min, max, last;
};

struct decimator {
	const int64_t *t;
	const double *v;
	struct chart_point *out;
	size_t cap, nr;
	bool next_starts; /* the next point written starts a line piece */
	struct dec_col c;
};

static void dec_emit(struct decimator *d, size_t i)
{
	if (d->nr >= d->cap)
		return;
	d->out[d->nr].t_ms = d->t[i];
	d->out[d->nr].v = d->v[i];
	d->out[d->nr].starts_line = d->next_starts;
	d->nr++;
	d->next_starts = false;
}

/* Writes the column's first, min, max and last points in time order, once each. */
static void dec_flush(struct decimator *d)
{
	size_t idx[4] = { d->c.first, d->c.min, d->c.max, d->c.last };

	if (!d->c.open)
		return;
	for (int i = 1; i < 4; i++)
		for (int j = i; j > 0 && idx[j - 1] > idx[j]; j--) {
			size_t tmp = idx[j];

			idx[j] = idx[j - 1];
			idx[j - 1] = tmp;
		}
	for (int i = 0; i < 4; i++)
		if (i == 0 || idx[i] != idx[i - 1])
			dec_emit(d, idx[i]);
	d->c.open = false;
}

static void dec_add(struct decimator *d, size_t i, long col)
{
	if (!d->c.open) {
		d->c = (struct dec_col){ .open = true, .col = col, .first = i, .min = i, .max = i };
	} else {
		if (d->v[i] < d->v[d->c.min])
			d->c.min = i;
		if (d->v[i] > d->v[d->c.max])
			d->c.max = i;
	}
	d->c.last = i;
}

size_t chart_decimate(const int64_t *t_ms, const double *v, size_t n, int64_t t0_ms, int64_t t1_ms,
		      unsigned width_px, int64_t step_ms, struct chart_point *out, size_t cap)
{
	struct decimator d = { .t = t_ms, .v = v, .out = out, .cap = cap };
	double span = t1_ms > t0_ms ? (double)(t1_ms - t0_ms) : 1;
	double col_ms = span / (width_px ? width_px : 1);
	int64_t gap_ms = step_ms > 0 ? step_ms + step_ms / 2 : 0;
	bool seen = false, have_valid = false, pending = false;
	int64_t last_seen = 0, prev_valid = 0;

	for (size_t i = 0; i < n; i++) {
		int64_t t = t_ms[i], dt = t - prev_valid;
		long col;

		if (t < t0_ms || (seen && t < last_seen))
			continue; /* before the range, or out of order */
		if (t > t1_ms)
			break;
		seen = true;
		last_seen = t;
		if (!isfinite(v[i])) {
			pending = true;
			continue;
		}
		col = (long)((double)(t - t0_ms) / col_ms);
		if (!have_valid) {
			d.next_starts = true;
		} else {
			/* A gap narrower than a column would not show: keep the line. */
			bool brk = (pending || (gap_ms && dt > gap_ms)) && (double)dt >= col_ms;

			if (brk || col != d.c.col)
				dec_flush(&d);
			if (brk)
				d.next_starts = true;
		}
		pending = false;
		dec_add(&d, i, col);
		have_valid = true;
		prev_valid = t;
	}
	dec_flush(&d);
	return d.nr;
}

void chart_stats_of(const int64_t *t_ms, const double *v, size_t n, int64_t t0_ms, int64_t t1_ms,
		    struct chart_stats *st)
{
	bool seen = false;
	int64_t last_seen = 0;

	memset(st, 0, sizeof(*st));
	st->last = st->min = st->max = NAN;
	st->integer = true;
	for (size_t i = 0; i < n; i++) {
		if (t_ms[i] < t0_ms || (seen && t_ms[i] < last_seen))
			continue;
		if (t_ms[i] > t1_ms)
			break;
		seen = true;
		last_seen = t_ms[i];
		if (!isfinite(v[i]))
			continue;
		if (!st->nr || v[i] < st->min)
			st->min = v[i];
		if (!st->nr || v[i] > st->max)
			st->max = v[i];
		st->last = v[i];
		st->sum += v[i];
		st->nr++;
		if (v[i] != floor(v[i]))
			st->integer = false;
	}
}

/* Walks the union of the series' times in order: one row per distinct time. */
struct stack_iter {
	const struct chart *c;
	size_t *idx;
};

static void stack_iter_init(struct stack_iter *it, const struct chart *c)
{
	it->c = c;
	it->idx = xcalloc(c->nr_series ? c->nr_series : 1, sizeof(*it->idx));
	for (size_t k = 0; k < c->nr_series; k++) {
		const struct chart_series *s = &c->series[k];

		while (it->idx[k] < s->n && s->t_ms[it->idx[k]] < c->t0_ms)
			it->idx[k]++;
	}
}

/* The next row: its time, each layer's value (when vals), and the total (NaN: none valid). */
static bool stack_iter_next(struct stack_iter *it, int64_t *t, double *vals, double *total)
{
	const struct chart *c = it->c;
	bool found = false, valid = false;
	double sum = 0;

	for (size_t k = 0; k < c->nr_series; k++) {
		const struct chart_series *s = &c->series[k];

		if (it->idx[k] < s->n && (!found || s->t_ms[it->idx[k]] < *t)) {
			*t = s->t_ms[it->idx[k]];
			found = true;
		}
	}
	if (!found || *t > c->t1_ms)
		return false;
	for (size_t k = 0; k < c->nr_series; k++) {
		const struct chart_series *s = &c->series[k];
		double v = 0;

		if (it->idx[k] < s->n && s->t_ms[it->idx[k]] == *t && isfinite(s->v[it->idx[k]])) {
			v = s->v[it->idx[k]];
			valid = true;
		}
		/* Past this time, and past any point that goes back in time. */
		while (it->idx[k] < s->n && s->t_ms[it->idx[k]] <= *t)
			it->idx[k]++;
		sum += v;
		if (vals)
			vals[k] = v;
	}
	*total = valid ? sum : NAN;
	return true;
}

void chart_stack_build(struct chart_stack *st, const struct chart *c, unsigned width_px)
{
	size_t nr = 0, alloc = 0, nr_kept, cap = CHART_DECIMATE_CAP(width_px), r = 0;
	int64_t *t = NULL, tt;
	double *total = NULL, sum;
	struct chart_point *kept = xmalloc(cap * sizeof(*kept));
	struct stack_iter it;

	memset(st, 0, sizeof(*st));
	st->nr_layers = c->nr_series;
	/* Pass 1: the totals, decimated, say which times to keep. */
	stack_iter_init(&it, c);
	while (stack_iter_next(&it, &tt, NULL, &sum)) {
		size_t had = alloc;

		ALLOC_GROW(t, nr + 1, alloc);
		if (alloc != had)
			total = xreallocarray(total, alloc, sizeof(*total));
		t[nr] = tt;
		total[nr++] = sum;
	}
	free(it.idx);
	chart_stats_of(t, total, nr, c->t0_ms, c->t1_ms, &st->total);
	nr_kept = chart_decimate(t, total, nr, c->t0_ms, c->t1_ms, width_px, c->step_ms, kept, cap);
	free(t);
	free(total);

	/* Pass 2: the layers' values at those times. */
	st->t = xcalloc(nr_kept ? nr_kept : 1, sizeof(*st->t));
	st->starts_line = xcalloc(nr_kept ? nr_kept : 1, sizeof(*st->starts_line));
	st->v = xcalloc((nr_kept ? nr_kept : 1) * (st->nr_layers ? st->nr_layers : 1),
			sizeof(*st->v));
	stack_iter_init(&it, c);
	while (r < nr_kept && stack_iter_next(&it, &tt, st->v + r * st->nr_layers, &sum)) {
		if (tt != kept[r].t_ms)
			continue; /* the row is overwritten by the next one */
		st->t[r] = tt;
		st->starts_line[r] = kept[r].starts_line;
		r++;
	}
	free(it.idx);
	free(kept);
	st->nr_rows = r;
}

void chart_stack_release(struct chart_stack *st)
{
	free(st->t);
	free(st->starts_line);
	free(st->v);
	memset(st, 0, sizeof(*st));
}
