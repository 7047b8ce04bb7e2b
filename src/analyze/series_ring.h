/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The agent's in-memory hour: the last nr_slots ticks of every live series
 * at tick resolution, for live views and for the rules of the detection
 * engine.  A fixed-size ring of tick timestamps plus one row of nr_slots
 * floats per series (allocated when the series is born, freed when it
 * expires from the registry, model/metric.h).
 *
 * What a row holds: a gauge's value; for a counter, its increase since the
 * previous tick (NaN on the first tick of the series and after a reset).
 * Floats keep the ring at 4 bytes per sample (1,000 series x 3,600 ticks =
 * 14 MiB); a float's 24-bit mantissa is exact for counts below 16,777,216
 * and within 6e-8 relative error above, which no rule or chart can see.
 * Absent samples are NaN.
 *
 * Ownership: the ring owns its timestamp array and rows.  Memory is
 * nr_slots x (8 + 4 x live rows) bytes, fixed once the series set is.
 */
#ifndef CONNMON_ANALYZE_SERIES_RING_H
#define CONNMON_ANALYZE_SERIES_RING_H

#include <stddef.h>
#include <stdint.h>

struct series_ring {
	uint32_t nr_slots; /* ticks kept */
	uint32_t head;	   /* slot of the latest tick */
	uint64_t nr_ticks; /* ticks advanced so far */
	int64_t *t_ms;	   /* per slot: the tick's wall time */
	float **rows;	   /* NULL: a free row */
	uint32_t nr_rows, alloc_rows;
	uint32_t *free_rows;
	uint32_t nr_free, alloc_free;
	uint32_t nr_live;
};

void series_ring_init(struct series_ring *r, uint32_t nr_slots);
void series_ring_release(struct series_ring *r);

/* A new row, every slot NaN. */
uint32_t series_ring_row_new(struct series_ring *r);
void series_ring_row_free(struct series_ring *r, uint32_t row);

/* Starts the next tick at t_ms: the oldest slot is reused, NaN in every row. */
void series_ring_advance(struct series_ring *r, int64_t t_ms);

void series_ring_put(struct series_ring *r, uint32_t row, double v);

/* The value `back` ticks before the latest (0 = latest); NaN beyond what is kept. */
double series_ring_get(const struct series_ring *r, uint32_t row, uint32_t back);
/* The time of that tick, or INT64_MIN. */
int64_t series_ring_time(const struct series_ring *r, uint32_t back);

/* Ticks held (up to nr_slots). */
uint32_t series_ring_len(const struct series_ring *r);

/* Bytes the ring holds. */
size_t series_ring_bytes(const struct series_ring *r);

#endif
