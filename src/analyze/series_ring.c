// SPDX-License-Identifier: GPL-2.0-or-later
#include "analyze/series_ring.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

void series_ring_init(struct series_ring *r, uint32_t nr_slots)
{
	memset(r, 0, sizeof(*r));
	r->nr_slots = nr_slots ? nr_slots : 1;
	r->t_ms = xcalloc(r->nr_slots, sizeof(*r->t_ms));
	r->head = r->nr_slots - 1;
}

void series_ring_release(struct series_ring *r)
{
	for (uint32_t i = 0; i < r->nr_rows; i++)
		free(r->rows[i]);
	free(r->rows);
	free(r->free_rows);
	free(r->t_ms);
	memset(r, 0, sizeof(*r));
}

uint32_t series_ring_row_new(struct series_ring *r)
{
	uint32_t row;

	if (r->nr_free) {
		row = r->free_rows[--r->nr_free];
	} else {
		ALLOC_GROW(r->rows, (size_t)r->nr_rows + 1, r->alloc_rows);
		row = r->nr_rows++;
	}
	r->rows[row] = xmalloc(r->nr_slots * sizeof(float));
	for (uint32_t i = 0; i < r->nr_slots; i++)
		r->rows[row][i] = NAN;
	r->nr_live++;
	return row;
}

void series_ring_row_free(struct series_ring *r, uint32_t row)
{
	if (row >= r->nr_rows || !r->rows[row])
		return;
	free(r->rows[row]);
	r->rows[row] = NULL;
	ALLOC_GROW(r->free_rows, (size_t)r->nr_free + 1, r->alloc_free);
	r->free_rows[r->nr_free++] = row;
	r->nr_live--;
}

void series_ring_advance(struct series_ring *r, int64_t t_ms)
{
	r->head = (r->head + 1) % r->nr_slots;
	r->t_ms[r->head] = t_ms;
	r->nr_ticks++;
	for (uint32_t i = 0; i < r->nr_rows; i++)
		if (r->rows[i])
			r->rows[i][r->head] = NAN;
}

void series_ring_put(struct series_ring *r, uint32_t row, double v)
{
	if (row < r->nr_rows && r->rows[row] && r->nr_ticks)
		r->rows[row][r->head] = (float)v;
}

uint32_t series_ring_len(const struct series_ring *r)
{
	return r->nr_ticks < r->nr_slots ? (uint32_t)r->nr_ticks : r->nr_slots;
}

double series_ring_get(const struct series_ring *r, uint32_t row, uint32_t back)
{
	if (row >= r->nr_rows || !r->rows[row] || back >= series_ring_len(r))
		return NAN;
	return r->rows[row][(r->head + r->nr_slots - back) % r->nr_slots];
}

int64_t series_ring_time(const struct series_ring *r, uint32_t back)
{
	if (back >= series_ring_len(r))
		return INT64_MIN;
	return r->t_ms[(r->head + r->nr_slots - back) % r->nr_slots];
}

size_t series_ring_bytes(const struct series_ring *r)
{
	return (size_t)r->nr_slots * (sizeof(int64_t) + (size_t)r->nr_live * sizeof(float));
}
