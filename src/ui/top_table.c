// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The table of a `connmon top` view and the pure layout, sort and search
 * behind the screen (ui/top_table.h).
 */
#include "ui/top_table.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/outbuf.h"
#include "base/xalloc.h"

/* A cell longer than this is cut: no column is ever wider than a screen. */
#define CELL_MAX_BYTES 1024

bool top_ref_same(const struct top_ref *a, const struct top_ref *b)
{
	if (a->kind != b->kind)
		return false;
	switch (a->kind) {
	case TOP_REF_NONE:
		return false;
	case TOP_REF_SOCK:
		if (a->cookie || b->cookie)
			return a->cookie == b->cookie;
		return a->proto == b->proto && a->sport == b->sport && a->dport == b->dport &&
		       !memcmp(&a->src, &b->src, sizeof(a->src)) &&
		       !memcmp(&a->dst, &b->dst, sizeof(a->dst));
	case TOP_REF_PROC:
		return a->pid == b->pid && a->start_ticks == b->start_ticks &&
		       !strcmp(a->name, b->name);
	case TOP_REF_PEER:
	case TOP_REF_BLOCK:
		return a->family == b->family && !memcmp(&a->dst, &b->dst, sizeof(a->dst));
	case TOP_REF_PORT:
		return a->proto == b->proto && a->sport == b->sport && a->family == b->family &&
		       !memcmp(&a->src, &b->src, sizeof(a->src));
	case TOP_REF_IFACE:
		return !strcmp(a->name, b->name);
	case TOP_REF_ALERT:
		return a->id == b->id;
	}
	return false;
}

void top_table_init(struct top_table *t)
{
	memset(t, 0, sizeof(*t));
}

void top_table_release(struct top_table *t)
{
	free(t->cell);
	free(t->key);
	free(t->ref);
	free(t->arena);
	top_table_init(t);
}

void top_table_reset(struct top_table *t, const struct top_col *cols, size_t nr_cols)
{
	if (nr_cols > TOP_MAX_COLS)
		nr_cols = TOP_MAX_COLS;
	if (nr_cols != t->nr_cols) {
		/* the per-row arrays are sized by the column count: start them afresh */
		free(t->cell);
		free(t->key);
		free(t->ref);
		t->cell = NULL;
		t->key = NULL;
		t->ref = NULL;
		t->alloc_rows = 0;
	}
	t->cols = cols;
	t->nr_cols = nr_cols;
	t->nr_rows = 0;
	t->arena_len = 0;
	t->title[0] = '\0';
	t->summary[0] = '\0';
}

size_t top_table_add(struct top_table *t, const struct top_ref *ref)
{
	size_t row = t->nr_rows, nc = t->nr_cols ? t->nr_cols : 1;

	if (row == t->alloc_rows) {
		size_t n = t->alloc_rows ? t->alloc_rows * 2 : 64;

		t->cell = xreallocarray(t->cell, n * nc, sizeof(*t->cell));
		t->key = xreallocarray(t->key, n * nc, sizeof(*t->key));
		t->ref = xreallocarray(t->ref, n, sizeof(*t->ref));
		t->alloc_rows = n;
	}
	memset(&t->cell[row * nc], 0, nc * sizeof(*t->cell));
	for (size_t c = 0; c < nc; c++)
		t->key[row * nc + c] = 0;
	if (ref)
		t->ref[row] = *ref;
	else
		memset(&t->ref[row], 0, sizeof(t->ref[row]));
	t->nr_rows++;
	return row;
}

void top_table_set(struct top_table *t, size_t row, size_t col, const char *text, double key)
{
	size_t len, need, at;

	if (row >= t->nr_rows || col >= t->nr_cols || !text)
		return;
	len = strnlen(text, CELL_MAX_BYTES);
	/* an escape is 4 bytes per input byte at most, plus the NUL */
	need = 4 * len + 1;
	if (t->arena_len + need > t->arena_cap) {
		size_t cap = t->arena_cap ? t->arena_cap : 4096;

		while (cap < t->arena_len + need)
			cap *= 2;
		t->arena = xrealloc(t->arena, cap);
		t->arena_cap = cap;
	}
	at = t->arena_len;
	t->arena_len += text_escape(t->arena + at, need, text, len, SIZE_MAX, NULL) + 1;
	t->cell[row * t->nr_cols + col] = at + 1;
	t->key[row * t->nr_cols + col] = key;
}

void top_table_setf(struct top_table *t, size_t row, size_t col, double key, const char *fmt, ...)
{
	char buf[CELL_MAX_BYTES];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	top_table_set(t, row, col, buf, key);
}

const char *top_table_cell(const struct top_table *t, size_t row, size_t col)
{
	size_t off;

	if (row >= t->nr_rows || col >= t->nr_cols)
		return "";
	off = t->cell[row * t->nr_cols + col];
	return off ? t->arena + off - 1 : "";
}

int top_table_col_by_name(const struct top_col *cols, size_t nr_cols, const char *name)
{
	for (size_t i = 0; i < nr_cols; i++)
		if (!strcasecmp(cols[i].name, name))
			return (int)i;
	return -1;
}

static unsigned sum_widths(const unsigned *w, size_t n)
{
	unsigned sum = 0, shown = 0;

	for (size_t i = 0; i < n; i++) {
		if (w[i]) {
			sum += w[i];
			shown++;
		}
	}
	return shown ? sum + shown - 1 : 0;
}

/* The shown column with drop >= min_drop that goes first on a narrow screen, or -1. */
static int next_to_drop(const struct top_col *cols, size_t n, const unsigned *w, unsigned min_drop)
{
	int best = -1;

	for (size_t i = 0; i < n; i++)
		if (w[i] && cols[i].drop >= min_drop && cols[i].drop &&
		    (best < 0 || cols[i].drop >= cols[best].drop))
			best = (int)i;
	return best;
}

static unsigned min_of(const struct top_col *c)
{
	unsigned m = c->min_width ? c->min_width : 1;

	return m < c->width ? m : (c->width ? c->width : 1);
}

/* Drops columns (widths[i] = 0, mins[i] = 0) while widths sum past width, from drop >= min_drop. */
static void drop_until(const struct top_col *cols, size_t n, unsigned width, unsigned *widths,
		       unsigned *mins, unsigned min_drop)
{
	while (sum_widths(widths, n) > width) {
		int d = next_to_drop(cols, n, widths, min_drop);

		if (d < 0)
			break;
		widths[d] = mins[d] = 0;
	}
}

size_t top_table_fit(const struct top_col *cols, size_t nr_cols, unsigned width, unsigned *widths)
{
	unsigned mins[TOP_MAX_COLS];
	int last_left = -1; /* the last shown column when it is left-aligned */
	size_t shown = 0;

	if (nr_cols > TOP_MAX_COLS)
		nr_cols = TOP_MAX_COLS;
	for (size_t i = 0; i < nr_cols; i++) {
		mins[i] = min_of(&cols[i]);
		widths[i] = cols[i].width > mins[i] ? cols[i].width : mins[i];
	}
	/* drop 2 and up: dropped before anything is squeezed */
	drop_until(cols, nr_cols, width, widths, mins, 2);
	/* drop 1: squeezed first, dropped when the minimum widths still do not fit */
	drop_until(cols, nr_cols, width, mins, mins, 1);
	for (size_t i = 0; i < nr_cols; i++) {
		if (!mins[i])
			widths[i] = 0;
		if (widths[i])
			last_left = cols[i].align == TOP_ALIGN_LEFT ? (int)i : -1;
	}
	/* squeeze: one cell at a time from the column with the most room above its minimum */
	while (sum_widths(widths, nr_cols) > width) {
		int best = -1;

		for (size_t i = 0; i < nr_cols; i++)
			if (widths[i] > mins[i] &&
			    (best < 0 || widths[i] - mins[i] > widths[best] - mins[best]))
				best = (int)i;
		if (best < 0)
			break;
		widths[best]--;
	}
	if (last_left >= 0 && sum_widths(widths, nr_cols) < width)
		widths[last_left] += width - sum_widths(widths, nr_cols);
	for (size_t i = 0; i < nr_cols; i++)
		shown += widths[i] != 0;
	return shown;
}

struct sort_ctx {
	const struct top_table *t;
	size_t col;
	bool numeric, reverse;
};

static int cmp_rows(const void *a, const void *b, void *arg)
{
	const struct sort_ctx *c = arg;
	size_t ra = *(const size_t *)a, rb = *(const size_t *)b;
	int r = 0;

	if (c->numeric) {
		double ka = c->t->key[ra * c->t->nr_cols + c->col];
		double kb = c->t->key[rb * c->t->nr_cols + c->col];

		/* largest first; NaN (no value) after every number */
		if (ka != ka || kb != kb)
			r = (ka != ka) - (kb != kb);
		else
			r = ka > kb ? -1 : ka < kb ? 1 : 0;
	} else {
		r = strcmp(top_table_cell(c->t, ra, c->col), top_table_cell(c->t, rb, c->col));
	}
	if (c->reverse)
		r = -r;
	/* ties keep the module's order, which makes the sort stable */
	return r ? r : (ra > rb) - (ra < rb);
}

void top_table_sort(const struct top_table *t, size_t col, bool reverse, size_t *order)
{
	struct sort_ctx c = { .t = t, .col = col, .reverse = reverse };

	for (size_t i = 0; i < t->nr_rows; i++)
		order[i] = i;
	if (col >= t->nr_cols || t->nr_rows < 2)
		return;
	c.numeric = t->cols[col].numeric;
	qsort_r(order, t->nr_rows, sizeof(*order), cmp_rows, &c);
}

bool top_table_row_matches(const struct top_table *t, size_t row, const char *needle)
{
	if (!needle || !needle[0])
		return false;
	for (size_t c = 0; c < t->nr_cols; c++)
		if (strcasestr(top_table_cell(t, row, c), needle))
			return true;
	return false;
}

long top_table_find(const struct top_table *t, const size_t *order, size_t from, int dir,
		    const char *needle)
{
	size_t n = t->nr_rows;

	if (!n)
		return -1;
	from %= n;
	for (size_t k = 0; k < n; k++) {
		size_t pos = dir >= 0 ? (from + k) % n : (from + n - k) % n;

		if (top_table_row_matches(t, order[pos], needle))
			return (long)pos;
	}
	return -1;
}

size_t top_text_cols(const char *s)
{
	size_t cols = 0, len = strlen(s);
	char buf[CELL_MAX_BYTES * 4 + 1];

	text_escape(buf, sizeof(buf), s, len, SIZE_MAX, &cols);
	return cols;
}
