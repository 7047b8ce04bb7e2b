/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Baselines: the usual band of one series for each hour of the week, from
 * its 1-minute rollups (docs/BASELINE.md says it for operators).
 *
 * Slots: with at least two weeks of history (BASELINE_WEEKLY_MS) a series
 * has 168 weekly slots, Monday 00:00-00:59 is slot 0 and Sunday 23:00-23:59
 * slot 167; with less it has 24 daily slots, one per hour of the day.  The
 * slot of a time is its hour in LOCAL time, as the zone converts it (by
 * default localtime_r, so TZ applies): on the day daylight saving time
 * starts the skipped hour gets no samples, on the day it ends the repeated
 * hour gets both of its real hours (120 samples, still one day).
 *
 * Figures per slot: the median, p10 and p90 of the rollup means in it
 * (baseline_quantile()'s method), how many there were and how many distinct
 * local dates they cover (in weekly mode every date of a slot is another
 * week, so that count is the number of weeks).  Below three days of history
 * (BASELINE_LEARNING_MS) the baseline is "learning": the figures exist but
 * are not yet a judgement.  Both thresholds are defaults that struct
 * baseline_spans overrides.
 *
 * Pure computation: no I/O, no printing, no global state (localtime_r reads
 * the process's TZ).  Ownership: a struct baseline is plain data, copied
 * freely; nothing in it points anywhere.  Scratch memory lives for one
 * baseline_compute() call: 9 bytes per point, at most BASELINE_MAX_POINTS.
 */
#ifndef CONNMON_ANALYZE_BASELINE_H
#define CONNMON_ANALYZE_BASELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "base/strbuf.h"

#define BASELINE_WEEK_SLOTS 168
#define BASELINE_DAY_SLOTS  24
/* The width of one input rollup: the last one counts its whole minute. */
#define BASELINE_ROLLUP_MS 60000LL
/* History spans (see baseline.span_ms) that switch to weekly, and end learning. */
#define BASELINE_WEEKLY_MS   (14 * 86400000LL)
#define BASELINE_LEARNING_MS (3 * 86400000LL)
/* 90 days of 1-minute rollups; older points beyond it are dropped. */
#define BASELINE_MAX_POINTS (90 * 1440)

/* One 1-minute rollup: its start (ms since the epoch, UTC) and mean value. */
struct baseline_point {
	int64_t t_ms;
	double value; /* NaN: a gap */
};

enum baseline_mode {
	BASELINE_DAILY,	 /* 24 slots: hour of the day */
	BASELINE_WEEKLY, /* 168 slots: hour of the week, Monday first */
};

struct baseline_slot {
	double median; /* NaN when nr_samples is 0 */
	double p10;
	double p90;
	uint32_t nr_samples; /* rollups in the slot */
	uint32_t nr_days;    /* distinct local dates among them (weekly mode: weeks) */
};

struct baseline {
	enum baseline_mode mode;
	bool learning;	  /* span_ms < BASELINE_LEARNING_MS (or the spans given) */
	int64_t first_ms; /* first and last rollup used; 0 when nr_points is 0 */
	int64_t last_ms;
	int64_t span_ms;     /* last_ms - first_ms + BASELINE_ROLLUP_MS; 0 without points */
	uint32_t nr_points;  /* rollups in the slots */
	uint32_t nr_skipped; /* NaN or infinite values, times the zone cannot convert */
	uint32_t nr_dropped; /* the oldest points past BASELINE_MAX_POINTS */
	unsigned nr_slots;   /* BASELINE_DAY_SLOTS or BASELINE_WEEK_SLOTS */
	struct baseline_slot slot[BASELINE_WEEK_SLOTS]; /* [0, nr_slots) are used */
};

/*
 * The time zone slots are counted in.  local_time fills *tm (at least
 * tm_year, tm_yday, tm_wday, tm_hour) for epoch_s and returns false when it
 * cannot.  A NULL zone means localtime_r, the process's TZ.
 */
struct baseline_zone {
	bool (*local_time)(int64_t epoch_s, struct tm *tm, const void *arg);
	const void *arg;
};

/* A local_time for a zone at a fixed offset east of UTC: arg is a const long * (seconds). */
bool baseline_fixed_offset(int64_t epoch_s, struct tm *tm, const void *arg);

/*
 * The history spans (baseline.span_ms) at which a baseline turns weekly and
 * stops learning: the config's [baseline] weekly_after_days and
 * learning_days (docs/CONFIG.md).  BASELINE_WEEKLY_MS and
 * BASELINE_LEARNING_MS are the defaults.
 */
struct baseline_spans {
	int64_t weekly_ms;   /* >= this: 168 weekly slots */
	int64_t learning_ms; /* < this: learning */
};

/*
 * Computes the baseline of one series from its rollups, pts[0..nr), in
 * non-decreasing time order.  Non-finite values are skipped; when more than
 * BASELINE_MAX_POINTS are given only the newest that many are used.  Returns
 * 0, or -EINVAL when the times go backwards (then *b is an empty daily
 * baseline).  O(n log n) time.  With the default spans.
 */
int baseline_compute(struct baseline *b, const struct baseline_point *pts, size_t nr,
		     const struct baseline_zone *zone);
/* The same with other spans (NULL: the defaults). */
int baseline_compute_spans(struct baseline *b, const struct baseline_point *pts, size_t nr,
			   const struct baseline_zone *zone, const struct baseline_spans *spans);

/*
 * The slot t_ms falls in, for a baseline of mode: 0 to 23 (daily) or 0 to
 * 167 (weekly).  Returns -EINVAL when the zone cannot convert t_ms.
 */
int baseline_slot_of(const struct baseline_zone *zone, enum baseline_mode mode, int64_t t_ms);

/*
 * The quantile p (0 to 1) of sorted[0..nr), ascending and finite: linear
 * interpolation between the closest ranks (Hyndman and Fan's type 7, as
 * R's quantile(), numpy.percentile and PERCENTILE.INC compute it).  With
 * h = (nr - 1) * p it is sorted[floor h] + (h - floor h) * (sorted[floor h + 1]
 * - sorted[floor h]).  NaN when nr is 0.
 */
double baseline_quantile(const double *sorted, size_t nr, double p);

/* Room for a baseline_slot_name() result and its NUL. */
#define BASELINE_SLOT_NAME_LEN 16

/* "Tuesday 14:00" (weekly) or "14:00" (daily); "?" for a slot out of range.  Returns buf. */
const char *baseline_slot_name(char *buf, size_t len, enum baseline_mode mode, unsigned slot);

/* How describe() writes the figures: plain numbers, or IEC bytes as base/units.h. */
enum baseline_unit {
	BASELINE_UNIT_NONE,
	BASELINE_UNIT_BYTES,
	BASELINE_UNIT_BYTES_PER_S,
};

/*
 * Appends the sentence an operator reads about current, the series' value
 * now, against slot of b (baseline_slot_of() of now), e.g.
 *   tcp established 412 — 2.6× the Tuesday 14:00 median 158 (p90 190; 4 weeks)
 * and the other cases (within the band, below it, a median of 0, learning,
 * no data for the slot, no history, no current value) as docs/BASELINE.md
 * lists them.  what names the series for people and must already be
 * display-safe.  UTF-8 (—, ×, –); no trailing newline.
 */
void baseline_describe(struct strbuf *out, const char *what, double current,
		       enum baseline_unit unit, const struct baseline *b, unsigned slot);

/*
 * Appends one slot as a JSON object (keys in docs/BASELINE.md):
 * {"slot":38,"name":"Tuesday 14:00","weekday":"tuesday","hour":14,"median":158,
 *  "p10":120,"p90":190,"samples":240,"days":4}; NaN figures are null.
 */
void baseline_slot_json(struct strbuf *out, const struct baseline *b, unsigned slot);

/* Appends the whole baseline as a JSON object: the series-level keys and "slots". */
void baseline_json(struct strbuf *out, const struct baseline *b);

#endif
