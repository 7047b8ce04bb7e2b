// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Baselines: the quantile method on hand-computed cases, bands of generated
 * data against the generator's own distribution, the daily/weekly and
 * learning thresholds, daylight saving time in Europe/Berlin, gaps, input
 * errors, and every sentence describe() writes.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* cmocka needs these first. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
// clang-format on

#include "analyze/baseline.h"
#include "base/strbuf.h"
#include "base/xalloc.h"

#define MIN_S  60LL
#define HOUR_S 3600LL
#define DAY_S  86400LL
#define WEEK_S (7 * DAY_S)

/* A Monday, 00:00 UTC: 2026-02-02. */
#define MONDAY_S 1769990400LL

static double absd(double v)
{
	return v < 0 ? -v : v;
}

static void assert_near(double got, double want, double rel)
{
	if (!(absd(got - want) <= rel * absd(want)))
		fail_msg("got %.6f, want %.6f within %.1f %%", got, want, rel * 100);
}

/* splitmix64: a small generator with a fixed seed, so every run sees the same data. */
static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in [0, 1): 53 random bits. */
static double rng_uniform(uint64_t *s)
{
	return (double)(rng_next(s) >> 11) / 9007199254740992.0;
}

/*
 * The generator's own idea of the weekly slot, by arithmetic on the offset
 * (not through struct tm): 1970-01-01 was a Thursday, index 3 from Monday.
 */
static int gen_week_slot(int64_t t_s, long offset_s)
{
	int64_t local = t_s + offset_s;
	int64_t days = local / DAY_S;

	return (int)((days + 3) % 7) * 24 + (int)((local % DAY_S) / HOUR_S);
}

/* A server's day, as a share of the afternoon peak, per hour. */
static const double day_shape[24] = {
	0.35, 0.30, 0.28, 0.27, 0.28, 0.33, 0.45, 0.62, 0.80, 0.92, 0.97, 1.00,
	0.96, 0.93, 0.95, 0.99, 0.94, 0.86, 0.77, 0.69, 0.61, 0.53, 0.46, 0.40,
};

/* The weekly shape: that day, weekends at 60 %. */
static double gen_mean(int slot, bool weekly)
{
	double m = 2000 * day_shape[slot % 24];

	return weekly && slot / 24 >= 5 ? m * 0.6 : m;
}

/* The noise is uniform in [mean - w, mean + w), w growing with the slot. */
static double gen_halfwidth(int slot)
{
	return 8 + (slot % 7) * 4;
}

static struct baseline_point *gen_noisy(int64_t start_s, size_t nr, long offset_s, bool weekly)
{
	struct baseline_point *p = xcalloc(nr, sizeof(*p));
	uint64_t seed = 42;

	for (size_t i = 0; i < nr; i++) {
		int64_t t = start_s + (int64_t)i * MIN_S;
		int slot = gen_week_slot(t, offset_s);

		p[i].t_ms = t * 1000;
		p[i].value =
			gen_mean(slot, weekly) + gen_halfwidth(slot) * (2 * rng_uniform(&seed) - 1);
	}
	return p;
}

static void test_quantile_method(void **state)
{
	const double four[] = { 1, 2, 3, 4 };
	const double one[] = { 5 };
	const double ten[] = { 0, 10, 20, 30, 40, 50, 60, 70, 80, 90 };

	(void)state;
	/* h = 3 * p: 0.3, 1.5, 2.7. */
	assert_near(baseline_quantile(four, 4, 0.1), 1.3, 1e-12);
	assert_near(baseline_quantile(four, 4, 0.5), 2.5, 1e-12);
	assert_near(baseline_quantile(four, 4, 0.9), 3.7, 1e-12);
	assert_true(baseline_quantile(four, 4, 0) == 1);
	assert_true(baseline_quantile(four, 4, 1) == 4);
	assert_true(baseline_quantile(one, 1, 0.1) == 5);
	assert_true(baseline_quantile(one, 1, 0.9) == 5);
	assert_true(isnan(baseline_quantile(one, 0, 0.5)));
	/* h = 9 * p: 0.9, 4.5, 8.1. */
	assert_near(baseline_quantile(ten, 10, 0.1), 9, 1e-12);
	assert_near(baseline_quantile(ten, 10, 0.5), 45, 1e-12);
	assert_near(baseline_quantile(ten, 10, 0.9), 81, 1e-12);
}

static void test_slot_names(void **state)
{
	char buf[BASELINE_SLOT_NAME_LEN];

	(void)state;
	assert_string_equal(baseline_slot_name(buf, sizeof(buf), BASELINE_WEEKLY, 0),
			    "Monday 00:00");
	assert_string_equal(baseline_slot_name(buf, sizeof(buf), BASELINE_WEEKLY, 38),
			    "Tuesday 14:00");
	assert_string_equal(baseline_slot_name(buf, sizeof(buf), BASELINE_WEEKLY, 71),
			    "Wednesday 23:00");
	assert_string_equal(baseline_slot_name(buf, sizeof(buf), BASELINE_WEEKLY, 167),
			    "Sunday 23:00");
	assert_string_equal(baseline_slot_name(buf, sizeof(buf), BASELINE_DAILY, 14), "14:00");
	assert_string_equal(baseline_slot_name(buf, sizeof(buf), BASELINE_DAILY, 24), "?");
	assert_string_equal(baseline_slot_name(buf, sizeof(buf), BASELINE_WEEKLY, 168), "?");
}

static void test_slot_of_fixed_zone(void **state)
{
	long east = 5 * HOUR_S + 30 * MIN_S, west = -5 * HOUR_S, utc = 0;
	struct baseline_zone z = { baseline_fixed_offset, &east };

	(void)state;
	/* Monday 00:00 UTC is Monday 05:30 at +05:30. */
	assert_int_equal(baseline_slot_of(&z, BASELINE_WEEKLY, MONDAY_S * 1000), 5);
	assert_int_equal(baseline_slot_of(&z, BASELINE_DAILY, MONDAY_S * 1000), 5);
	/* 18:29:59 UTC is 23:59:59, 18:30 the next day's 00:00. */
	assert_int_equal(baseline_slot_of(&z, BASELINE_WEEKLY, (MONDAY_S + 66599) * 1000), 23);
	assert_int_equal(baseline_slot_of(&z, BASELINE_WEEKLY, (MONDAY_S + 66600) * 1000), 24);
	z.arg = &west;
	/* Monday 00:00 UTC is Sunday 19:00 at -05:00. */
	assert_int_equal(baseline_slot_of(&z, BASELINE_WEEKLY, MONDAY_S * 1000), 6 * 24 + 19);
	z.arg = &utc;
	/* 1 ms before the epoch: Wednesday 1969-12-31 23:59:59.999. */
	assert_int_equal(baseline_slot_of(&z, BASELINE_WEEKLY, -1), 2 * 24 + 23);
	assert_int_equal(baseline_slot_of(&z, BASELINE_WEEKLY, 0), 3 * 24);
}

/* split_slot: the hour a start in mid-hour splits, one date more than the others. */
static void check_against_generator(const struct baseline *b, bool weekly, uint32_t per_slot,
				    uint32_t days, unsigned split_slot)
{
	for (unsigned s = 0; s < b->nr_slots; s++) {
		const struct baseline_slot *sl = &b->slot[s];
		double m = gen_mean((int)s, weekly), w = gen_halfwidth((int)s);

		assert_int_equal(sl->nr_samples, per_slot);
		assert_int_equal(sl->nr_days, s == split_slot ? days + 1 : days);
		assert_near(sl->median, m, 0.02);
		/* The p quantile of U(m - w, m + w) is m + w (2p - 1). */
		assert_near(sl->p10, m - 0.8 * w, 0.02);
		assert_near(sl->p90, m + 0.8 * w, 0.02);
	}
}

/*
 * Four weeks at +05:30 (an offset that is not whole hours), starting at an
 * arbitrary minute: every weekly slot within 2 % of the uniform distribution
 * the generator draws from.
 */
static void test_four_weeks(void **state)
{
	long off = 5 * HOUR_S + 30 * MIN_S;
	struct baseline_zone z = { baseline_fixed_offset, &off };
	size_t nr = 28 * 1440;
	struct baseline_point *p = gen_noisy(MONDAY_S + 7 * HOUR_S + 13 * MIN_S, nr, off, true);
	struct baseline b;

	(void)state;
	assert_int_equal(baseline_compute(&b, p, nr, &z), 0);
	assert_int_equal(b.mode, BASELINE_WEEKLY);
	assert_int_equal(b.nr_slots, BASELINE_WEEK_SLOTS);
	assert_false(b.learning);
	assert_int_equal(b.nr_points, nr);
	assert_int_equal(b.nr_skipped, 0);
	assert_int_equal(b.span_ms, 28 * DAY_S * 1000);
	assert_true(b.first_ms == p[0].t_ms && b.last_ms == p[nr - 1].t_ms);
	/* It starts on Monday 12:43 local time and ends on Monday 12:42. */
	check_against_generator(&b, true, 4 * 60, 4, 12);
	free(p);
}

/* Ten days: 24 daily slots, each ten days deep. */
static void test_daily_below_two_weeks(void **state)
{
	long off = -3 * HOUR_S;
	struct baseline_zone z = { baseline_fixed_offset, &off };
	size_t nr = 10 * 1440;
	struct baseline_point *p = gen_noisy(MONDAY_S + 3 * HOUR_S, nr, off, false);
	struct baseline b;

	(void)state;
	assert_int_equal(baseline_compute(&b, p, nr, &z), 0);
	assert_int_equal(b.mode, BASELINE_DAILY);
	assert_int_equal(b.nr_slots, BASELINE_DAY_SLOTS);
	assert_false(b.learning);
	check_against_generator(&b, false, 10 * 60, 10, BASELINE_WEEK_SLOTS);
	free(p);
}

static void compute_minutes(struct baseline *b, size_t nr)
{
	long utc = 0;
	struct baseline_zone z = { baseline_fixed_offset, &utc };
	struct baseline_point *p = gen_noisy(MONDAY_S, nr, utc, false);

	assert_int_equal(baseline_compute(b, p, nr, &z), 0);
	free(p);
}

/* The span counts the last rollup's minute: 14 * 1440 rollups are two weeks. */
static void test_mode_and_learning_thresholds(void **state)
{
	struct baseline b;

	(void)state;
	compute_minutes(&b, 14 * 1440);
	assert_int_equal(b.mode, BASELINE_WEEKLY);
	assert_int_equal(b.span_ms, 14 * DAY_S * 1000);
	compute_minutes(&b, 14 * 1440 - 1);
	assert_int_equal(b.mode, BASELINE_DAILY);
	assert_false(b.learning);
	compute_minutes(&b, 3 * 1440);
	assert_false(b.learning);
	compute_minutes(&b, 3 * 1440 - 1);
	assert_true(b.learning);
	assert_int_equal(b.mode, BASELINE_DAILY);
	compute_minutes(&b, 2 * 1440);
	assert_true(b.learning);
	assert_int_equal(b.slot[5].nr_samples, 2 * 60);
	assert_int_equal(b.slot[5].nr_days, 2);
	compute_minutes(&b, 1);
	assert_true(b.learning);
	assert_int_equal(b.span_ms, 60000);
	assert_int_equal(b.nr_points, 1);
}

/* The config's learning_days and weekly_after_days move both thresholds. */
static void test_spans(void **state)
{
	const struct baseline_spans week = { 7 * DAY_S * 1000, 1 * DAY_S * 1000 };
	const struct baseline_spans never = { 91 * DAY_S * 1000, 0 };
	long utc = 0;
	struct baseline_zone z = { baseline_fixed_offset, &utc };
	size_t nr = 8 * 1440;
	struct baseline_point *p = gen_noisy(MONDAY_S, nr, utc, true);
	struct baseline b;

	(void)state;
	assert_int_equal(baseline_compute_spans(&b, p, nr, &z, &week), 0);
	assert_int_equal(b.mode, BASELINE_WEEKLY);
	assert_false(b.learning);
	/* Monday 10:00 holds two Mondays, Tuesday 10:00 one. */
	assert_int_equal(b.slot[10].nr_days, 2);
	assert_int_equal(b.slot[34].nr_days, 1);
	assert_int_equal(baseline_compute_spans(&b, p, 7 * 1440 - 1, &z, &week), 0);
	assert_int_equal(b.mode, BASELINE_DAILY);
	assert_int_equal(baseline_compute_spans(&b, p, 1440, &z, &week), 0);
	assert_false(b.learning);
	assert_int_equal(baseline_compute_spans(&b, p, 1439, &z, &week), 0);
	assert_true(b.learning);
	assert_int_equal(baseline_compute_spans(&b, p, nr, &z, &never), 0);
	assert_int_equal(b.mode, BASELINE_DAILY);
	assert_false(b.learning);
	assert_int_equal(baseline_compute_spans(&b, p, 1, &z, &never), 0);
	assert_false(b.learning);
	assert_int_equal(baseline_compute_spans(&b, p, nr, &z, NULL), 0);
	assert_int_equal(b.mode, BASELINE_DAILY);
	free(p);
}

/*
 * Sets TZ to Europe/Berlin; without tzdata, to the POSIX rule that says the
 * same (CET, CEST from the last Sunday of March to the last of October).
 */
static void berlin(void)
{
	time_t summer = 1719835200; /* 2024-07-01T12:00:00Z */
	struct tm tm;

	setenv("TZ", "Europe/Berlin", 1);
	tzset();
	if (localtime_r(&summer, &tm) && tm.tm_gmtoff == 7200)
		return;
	setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3", 1);
	tzset();
}

static void utc_again(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
}

/* The EU rule, by hand: CEST between these instants of 2024, CET outside. */
#define CEST_FROM_S  1711846800LL /* 2024-03-31T01:00:00Z */
#define CEST_UNTIL_S 1729990800LL /* 2024-10-27T01:00:00Z */

static long berlin_offset(int64_t t_s)
{
	return t_s >= CEST_FROM_S && t_s < CEST_UNTIL_S ? 2 * HOUR_S : HOUR_S;
}

/* Every minute from start_s to end_s, valued with the slot the generator expects. */
static struct baseline_point *gen_berlin(int64_t start_s, int64_t end_s, size_t *nr)
{
	struct baseline_point *p;

	*nr = (size_t)((end_s - start_s) / MIN_S);
	p = xcalloc(*nr, sizeof(*p));
	for (size_t i = 0; i < *nr; i++) {
		int64_t t = start_s + (int64_t)i * MIN_S;

		p[i].t_ms = t * 1000;
		p[i].value = gen_week_slot(t, berlin_offset(t));
	}
	return p;
}

static void check_dst_slots(const struct baseline *b, unsigned odd_slot, uint32_t odd_samples,
			    uint32_t odd_days)
{
	for (unsigned s = 0; s < BASELINE_WEEK_SLOTS; s++) {
		const struct baseline_slot *sl = &b->slot[s];

		/* A misplaced hour would put other slots' values in, or change the counts. */
		assert_true(sl->median == s && sl->p10 == s && sl->p90 == s);
		assert_int_equal(sl->nr_samples, s == odd_slot ? odd_samples : 3 * 60);
		assert_int_equal(sl->nr_days, s == odd_slot ? odd_days : 3);
	}
}

static void test_dst_berlin(void **state)
{
	const unsigned sunday_2am = 6 * 24 + 2;
	struct baseline b;
	struct baseline_point *p;
	size_t nr;

	(void)state;
	berlin();
	/* The skipped hour: 01:59:59 CET, then 03:00 CEST. */
	assert_int_equal(baseline_slot_of(NULL, BASELINE_WEEKLY, (CEST_FROM_S - 1) * 1000),
			 sunday_2am - 1);
	assert_int_equal(baseline_slot_of(NULL, BASELINE_WEEKLY, CEST_FROM_S * 1000),
			 sunday_2am + 1);
	/* The repeated hour: 02:30 CEST, then 02:30 CET again. */
	assert_int_equal(baseline_slot_of(NULL, BASELINE_WEEKLY, (CEST_UNTIL_S - 1800) * 1000),
			 sunday_2am);
	assert_int_equal(baseline_slot_of(NULL, BASELINE_WEEKLY, (CEST_UNTIL_S + 1800) * 1000),
			 sunday_2am);

	/* Three local weeks around the end of summer time: Monday 2024-10-14 00:00 CEST on. */
	p = gen_berlin(1728856800, 1730674800, &nr);
	assert_int_equal(nr, 21 * 1440 + 60);
	assert_int_equal(baseline_compute(&b, p, nr, NULL), 0);
	assert_int_equal(b.mode, BASELINE_WEEKLY);
	check_dst_slots(&b, sunday_2am, 4 * 60, 3);
	free(p);

	/* Three local weeks around its start: Monday 2024-03-25 00:00 CET on. */
	p = gen_berlin(1711321200, 1713132000, &nr);
	assert_int_equal(nr, 21 * 1440 - 60);
	assert_int_equal(baseline_compute(&b, p, nr, NULL), 0);
	check_dst_slots(&b, sunday_2am, 2 * 60, 2);
	free(p);

	/* Five days in daily mode across the start: 02:00 has one date fewer. */
	p = gen_berlin(1711321200 + 2 * DAY_S, 1711321200 + 7 * DAY_S - HOUR_S, &nr);
	assert_int_equal(baseline_compute(&b, p, nr, NULL), 0);
	assert_int_equal(b.mode, BASELINE_DAILY);
	for (unsigned s = 0; s < BASELINE_DAY_SLOTS; s++) {
		assert_int_equal(b.slot[s].nr_samples, s == 2 ? 4 * 60 : 5 * 60);
		assert_int_equal(b.slot[s].nr_days, s == 2 ? 4 : 5);
	}
	free(p);
	utc_again();
}

/* The slot code of minute m: code * 100 + m, for the gaps test. */
static double gap_value(int slot, int minute)
{
	return slot * 100.0 + minute;
}

/*
 * Four weeks, week two missing, a third of every hour NaN or infinite, and
 * one slot (Wednesday 03:00) all NaN.
 */
static struct baseline_point *gen_gaps(size_t *nr)
{
	struct baseline_point *p = xcalloc(28 * 1440, sizeof(*p));
	size_t n = 0;

	for (int64_t i = 0; i < 28 * 1440; i++) {
		int64_t t = MONDAY_S + i * MIN_S;
		int slot = gen_week_slot(t, 0), minute = (int)(i % 60);

		if (i / (7 * 1440) == 1)
			continue;
		p[n].t_ms = t * 1000;
		p[n].value = gap_value(slot, minute);
		if (minute % 3 == 0)
			p[n].value = minute % 2 ? INFINITY : NAN;
		if (slot == 2 * 24 + 3)
			p[n].value = NAN;
		n++;
	}
	*nr = n;
	return p;
}

static void test_gaps(void **state)
{
	long utc = 0;
	struct baseline_zone z = { baseline_fixed_offset, &utc };
	struct baseline b;
	size_t nr;
	struct baseline_point *p = gen_gaps(&nr);

	(void)state;
	assert_int_equal(nr, 21 * 1440);
	assert_int_equal(baseline_compute(&b, p, nr, &z), 0);
	assert_int_equal(b.mode, BASELINE_WEEKLY);
	assert_int_equal(b.nr_skipped, 21 * 24 * 20 + 3 * 40);
	for (unsigned s = 0; s < BASELINE_WEEK_SLOTS; s++) {
		const struct baseline_slot *sl = &b.slot[s];

		if (s == 2 * 24 + 3) {
			assert_int_equal(sl->nr_samples, 0);
			assert_int_equal(sl->nr_days, 0);
			assert_true(isnan(sl->median) && isnan(sl->p10) && isnan(sl->p90));
			continue;
		}
		/*
		 * Left per hour: the 40 minutes 1 2 4 5 ... 58 59 (v[2i] = 3i + 1,
		 * v[2i + 1] = 3i + 2), three times each.  Of those 120 sorted values
		 * x[k] = v[k / 3]: the median (h 59.5) is between v[19] = 29 and
		 * v[20] = 31; p10 (h 11.9) is v[3] + 0.9 (v[4] - v[3]) = 5 + 1.8;
		 * p90 (h 107.1) is v[35] + 0.1 (v[36] - v[35]) = 53 + 0.2.
		 */
		assert_int_equal(sl->nr_samples, 120);
		assert_int_equal(sl->nr_days, 3);
		assert_near(sl->median, gap_value((int)s, 30), 1e-12);
		assert_near(sl->p10, gap_value((int)s, 0) + 6.8, 1e-12);
		assert_near(sl->p90, gap_value((int)s, 0) + 53.2, 1e-12);
	}
	free(p);
}

static void test_bad_and_edge_input(void **state)
{
	long utc = 0;
	struct baseline_zone z = { baseline_fixed_offset, &utc };
	size_t big = BASELINE_MAX_POINTS + 100;
	struct baseline_point *p = gen_noisy(MONDAY_S, big, utc, true);
	struct baseline b;

	(void)state;
	assert_int_equal(baseline_compute(&b, p, 0, &z), 0);
	assert_int_equal(b.nr_points, 0);
	assert_true(b.learning);
	assert_true(isnan(b.slot[0].median));
	/* Equal times are in order; a step back is not. */
	p[1].t_ms = p[0].t_ms;
	assert_int_equal(baseline_compute(&b, p, 3, &z), 0);
	p[2].t_ms = p[0].t_ms - 1;
	assert_int_equal(baseline_compute(&b, p, 3, &z), -EINVAL);
	assert_int_equal(b.nr_points, 0);
	assert_int_equal(b.mode, BASELINE_DAILY);
	p[1].t_ms = p[0].t_ms + 60000;
	p[2].t_ms = p[0].t_ms + 120000;
	/* Past the cap only the newest points count. */
	assert_int_equal(baseline_compute(&b, p, big, &z), 0);
	assert_int_equal(b.nr_dropped, 100);
	assert_int_equal(b.nr_points, BASELINE_MAX_POINTS);
	assert_true(b.first_ms == p[100].t_ms);
	assert_int_equal(b.mode, BASELINE_WEEKLY);
	free(p);
}

static bool fail_after_first_day(int64_t epoch_s, struct tm *tm, const void *arg)
{
	const int64_t *limit = arg;

	if (epoch_s >= *limit)
		return false;
	return gmtime_r(&(time_t){ (time_t)epoch_s }, tm) != NULL;
}

/* Times the zone cannot convert are skipped, and the span is of what was used. */
static void test_zone_failures(void **state)
{
	int64_t limit = MONDAY_S + DAY_S;
	struct baseline_zone z = { fail_after_first_day, &limit };
	struct baseline_point *p = gen_noisy(MONDAY_S, 5 * 1440, 0, false);
	struct baseline b;

	(void)state;
	assert_int_equal(baseline_compute(&b, p, 5 * 1440, &z), 0);
	assert_int_equal(b.nr_points, 1440);
	assert_int_equal(b.nr_skipped, 4 * 1440);
	assert_int_equal(b.span_ms, DAY_S * 1000);
	assert_true(b.learning);
	assert_int_equal(baseline_slot_of(&z, BASELINE_DAILY, limit * 1000), -EINVAL);
	free(p);
}

/* A weekly baseline of four weeks whose Tuesday 14:00 is the example. */
static void example_baseline(struct baseline *b)
{
	memset(b, 0, sizeof(*b));
	b->mode = BASELINE_WEEKLY;
	b->nr_slots = BASELINE_WEEK_SLOTS;
	b->first_ms = MONDAY_S * 1000;
	b->span_ms = 28 * DAY_S * 1000;
	b->last_ms = b->first_ms + b->span_ms - 60000;
	b->nr_points = 28 * 1440;
	for (unsigned s = 0; s < BASELINE_WEEK_SLOTS; s++)
		b->slot[s] = (struct baseline_slot){ 157.73, 120.2, 190.1, 240, 4 };
}

static void expect_sentence(const char *what, double cur, enum baseline_unit unit,
			    const struct baseline *b, unsigned slot, const char *want)
{
	struct strbuf sb = STRBUF_INIT;

	baseline_describe(&sb, what, cur, unit, b, slot);
	assert_string_equal(sb.buf, want);
	strbuf_release(&sb);
}

static void test_describe_weekly(void **state)
{
	struct baseline b;

	(void)state;
	example_baseline(&b);
	expect_sentence(
		"tcp established", 412, BASELINE_UNIT_NONE, &b, 38,
		"tcp established 412 — 2.6× the Tuesday 14:00 median 158 (p90 190; 4 weeks)");
	expect_sentence(
		"tcp established", 63, BASELINE_UNIT_NONE, &b, 38,
		"tcp established 63 — 0.4× the Tuesday 14:00 median 158 (p10 120; 4 weeks)");
	expect_sentence("tcp established", 160, BASELINE_UNIT_NONE, &b, 38,
			"tcp established 160 — within the usual band p10 120 – p90 190 "
			"(Tuesday 14:00 median 158; 4 weeks)");
	expect_sentence(
		"tcp established", 2000, BASELINE_UNIT_NONE, &b, 167,
		"tcp established 2000 — 13× the Sunday 23:00 median 158 (p90 190; 4 weeks)");
	expect_sentence(
		"tcp established", 3.5, BASELINE_UNIT_NONE, &b, 0,
		"tcp established 3.5 — 0.022× the Monday 00:00 median 158 (p10 120; 4 weeks)");
	expect_sentence("tcp established", NAN, BASELINE_UNIT_NONE, &b, 38,
			"tcp established: no current value; the Tuesday 14:00 median is 158 "
			"(p10 120 – p90 190; 4 weeks)");
	b.slot[38] = (struct baseline_slot){ 0, 0, 2, 240, 4 };
	expect_sentence("tcp syn_recv", 412, BASELINE_UNIT_NONE, &b, 38,
			"tcp syn_recv 412 against a Tuesday 14:00 median of 0 (p90 2; 4 weeks)");
}

static void test_describe_cases(void **state)
{
	struct baseline b;

	(void)state;
	example_baseline(&b);
	b.slot[38] = (struct baseline_slot){ 0, 0, 2, 60, 1 };
	expect_sentence("tcp syn_recv", 1, BASELINE_UNIT_NONE, &b, 38,
			"tcp syn_recv 1 — within the usual band p10 0 – p90 2 "
			"(Tuesday 14:00 median 0; 1 week)");
	b.slot[38] = (struct baseline_slot){ 100, 99, 101, 240, 4 };
	expect_sentence("x", 97, BASELINE_UNIT_NONE, &b, 38,
			"x 97 — 0.97× the Tuesday 14:00 median 100 (p10 99; 4 weeks)");
	b.slot[38] = (struct baseline_slot){ NAN, NAN, NAN, 0, 0 };
	expect_sentence("tcp established", 412, BASELINE_UNIT_NONE, &b, 38,
			"tcp established 412 — no data for Tuesday 14:00 in 4 weeks of history");
	expect_sentence("tcp established", NAN, BASELINE_UNIT_NONE, &b, 38,
			"tcp established: no current value");
	b.slot[38] = (struct baseline_slot){ 4194304, 3145728, 5242880, 240, 4 };
	expect_sentence("eth0 rx", 10485760, BASELINE_UNIT_BYTES_PER_S, &b, 38,
			"eth0 rx 10.0 MiB/s — 2.5× the Tuesday 14:00 median 4.00 MiB/s "
			"(p90 5.00 MiB/s; 4 weeks)");
	b.nr_points = 0;
	expect_sentence("tcp established", 412, BASELINE_UNIT_NONE, &b, 38,
			"tcp established 412 — no history yet");
}

static void test_describe_daily_and_learning(void **state)
{
	struct baseline b;

	(void)state;
	example_baseline(&b);
	b.mode = BASELINE_DAILY;
	b.nr_slots = BASELINE_DAY_SLOTS;
	b.span_ms = 10 * DAY_S * 1000 + 5 * HOUR_S * 1000;
	b.slot[14] = (struct baseline_slot){ 15.16, 9.5, 21.26, 600, 10 };
	expect_sentence("tcp time_wait", 30, BASELINE_UNIT_NONE, &b, 14,
			"tcp time_wait 30 — 2.0× the 14:00 median 15.2 (p90 21.3; 10 days)");
	b.slot[14] = (struct baseline_slot){ 1.5, 0.25, 2, 60, 1 };
	expect_sentence("tcp time_wait", 0.12, BASELINE_UNIT_NONE, &b, 14,
			"tcp time_wait 0.12 — 0.08× the 14:00 median 1.5 (p10 0.25; 1 day)");
	b.slot[3] = (struct baseline_slot){ NAN, NAN, NAN, 0, 0 };
	expect_sentence("tcp time_wait", 1, BASELINE_UNIT_NONE, &b, 3,
			"tcp time_wait 1 — no data for 03:00 in 10 days of history");
	b.learning = true;
	b.span_ms = 2 * DAY_S * 1000 + 5 * HOUR_S * 1000;
	b.slot[14] = (struct baseline_slot){ 150, 120, 190, 120, 2 };
	expect_sentence("tcp established", 412, BASELINE_UNIT_NONE, &b, 14,
			"tcp established 412 — learning: 2 days of history "
			"(14:00 median so far 150, p10 120 – p90 190)");
	b.span_ms = 5 * HOUR_S * 1000 + 59000;
	expect_sentence("tcp established", 412, BASELINE_UNIT_NONE, &b, 3,
			"tcp established 412 — learning: 5 hours of history");
	b.span_ms = 60000;
	expect_sentence("tcp established", 412, BASELINE_UNIT_NONE, &b, 3,
			"tcp established 412 — learning: 1 minute of history");
}

/* The sentence from a computed baseline, for a slot with data and one without. */
static void test_describe_computed(void **state)
{
	long utc = 0;
	struct baseline_zone z = { baseline_fixed_offset, &utc };
	struct baseline b;
	size_t nr;
	struct baseline_point *p = gen_gaps(&nr);
	unsigned tue14 = 24 + 14;

	(void)state;
	assert_int_equal(baseline_compute(&b, p, nr, &z), 0);
	/* Tuesday 14:00's minutes: median 3830, p10 3806.8, p90 3853.2. */
	expect_sentence("v", 7660, BASELINE_UNIT_NONE, &b, tue14,
			"v 7660 — 2.0× the Tuesday 14:00 median 3830 (p90 3853; 3 weeks)");
	expect_sentence("v", 3840, BASELINE_UNIT_NONE, &b, tue14,
			"v 3840 — within the usual band p10 3807 – p90 3853 "
			"(Tuesday 14:00 median 3830; 3 weeks)");
	/* The first minute is NaN: 27 days 23:59 of history are three whole weeks. */
	expect_sentence("v", 5, BASELINE_UNIT_NONE, &b, 2 * 24 + 3,
			"v 5 — no data for Wednesday 03:00 in 3 weeks of history");
	free(p);
}

static void test_json(void **state)
{
	struct baseline b;
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	example_baseline(&b);
	b.slot[38] = (struct baseline_slot){ 157.73, 120.2, 190.1, 240, 4 };
	baseline_slot_json(&sb, &b, 38);
	assert_string_equal(sb.buf,
			    "{\"slot\":38,\"name\":\"Tuesday 14:00\",\"weekday\":\"tuesday\","
			    "\"hour\":14,\"median\":157.73,\"p10\":120.2,\"p90\":190.1,"
			    "\"samples\":240,\"days\":4}");
	strbuf_reset(&sb);
	b.mode = BASELINE_DAILY;
	b.nr_slots = BASELINE_DAY_SLOTS;
	b.slot[5] = (struct baseline_slot){ NAN, NAN, NAN, 0, 0 };
	baseline_slot_json(&sb, &b, 5);
	assert_string_equal(sb.buf, "{\"slot\":5,\"name\":\"05:00\",\"weekday\":null,\"hour\":5,"
				    "\"median\":null,\"p10\":null,\"p90\":null,"
				    "\"samples\":0,\"days\":0}");
	strbuf_reset(&sb);
	baseline_slot_json(&sb, &b, 24);
	assert_string_equal(sb.buf, "null");
	strbuf_reset(&sb);
	b.slot[0].median = 0.1 + 0.2; /* needs 17 digits to read back */
	baseline_json(&sb, &b);
	assert_non_null(strstr(sb.buf,
			       "{\"mode\":\"daily\",\"learning\":false,"
			       "\"first\":\"2026-02-02T00:00:00Z\","
			       "\"last\":\"2026-03-01T23:59:00Z\",\"span_s\":2419200,"
			       "\"points\":40320,\"skipped\":0,\"dropped\":0,\"slots\":[{"));
	assert_non_null(strstr(sb.buf, "\"median\":0.30000000000000004,"));
	assert_non_null(strstr(sb.buf, "\"slot\":23,"));
	assert_null(strstr(sb.buf, "\"slot\":24,"));
	assert_string_equal(sb.buf + sb.len - 2, "]}");
	strbuf_release(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quantile_method),
		cmocka_unit_test(test_slot_names),
		cmocka_unit_test(test_slot_of_fixed_zone),
		cmocka_unit_test(test_four_weeks),
		cmocka_unit_test(test_daily_below_two_weeks),
		cmocka_unit_test(test_mode_and_learning_thresholds),
		cmocka_unit_test(test_spans),
		cmocka_unit_test(test_dst_berlin),
		cmocka_unit_test(test_gaps),
		cmocka_unit_test(test_bad_and_edge_input),
		cmocka_unit_test(test_zone_failures),
		cmocka_unit_test(test_describe_weekly),
		cmocka_unit_test(test_describe_cases),
		cmocka_unit_test(test_describe_daily_and_learning),
		cmocka_unit_test(test_describe_computed),
		cmocka_unit_test(test_json),
	};

	utc_again();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
