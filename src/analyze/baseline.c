// SPDX-License-Identifier: GPL-2.0-or-later
#include "analyze/baseline.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/units.h"
#include "base/xalloc.h"

#define DAY_MS	  86400000LL
#define WEEK_MS	  (7 * DAY_MS)
#define HOUR_MS	  3600000LL
#define MINUTE_MS 60000LL
#define NO_SLOT	  0xff

static const char *const weekday_name[7] = {
	"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
};

static const char *const weekday_key[7] = {
	"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
};

bool baseline_fixed_offset(int64_t epoch_s, struct tm *tm, const void *arg)
{
	const long *offset_s = arg;
	time_t t;

	if (__builtin_add_overflow(epoch_s, (int64_t)*offset_s, &t))
		return false;
	return gmtime_r(&t, tm) != NULL;
}

static bool zone_local_time(const struct baseline_zone *zone, int64_t epoch_s, struct tm *tm)
{
	time_t t = (time_t)epoch_s;

	if (zone && zone->local_time)
		return zone->local_time(epoch_s, tm, zone->arg);
	return localtime_r(&t, tm) != NULL;
}

/* Seconds of a millisecond time, rounded down also before 1970. */
static int64_t epoch_s_of(int64_t t_ms)
{
	int64_t s = t_ms / 1000;

	return t_ms % 1000 < 0 ? s - 1 : s;
}

/*
 * The weekly slot of a local time, Monday first (tm_wday counts from
 * Sunday).  An injected zone is outside code: its fields are checked before
 * they index anything.
 */
static int week_slot_of_tm(const struct tm *tm)
{
	if (tm->tm_hour < 0 || tm->tm_hour > 23 || tm->tm_wday < 0 || tm->tm_wday > 6)
		return -EINVAL;
	return ((tm->tm_wday + 6) % 7) * 24 + tm->tm_hour;
}

int baseline_slot_of(const struct baseline_zone *zone, enum baseline_mode mode, int64_t t_ms)
{
	struct tm tm;
	int ws;

	if (!zone_local_time(zone, epoch_s_of(t_ms), &tm))
		return -EINVAL;
	ws = week_slot_of_tm(&tm);
	if (ws < 0 || mode == BASELINE_WEEKLY)
		return ws;
	return ws % 24;
}

double baseline_quantile(const double *sorted, size_t nr, double p)
{
	double h;
	size_t i;

	if (!nr)
		return NAN;
	if (!(p > 0))
		return sorted[0];
	if (p >= 1)
		return sorted[nr - 1];
	h = (double)(nr - 1) * p;
	i = (size_t)h; /* floor: h >= 0, and no libm */
	if (i + 1 >= nr)
		return sorted[nr - 1];
	return sorted[i] + (h - (double)i) * (sorted[i + 1] - sorted[i]);
}

static void baseline_reset(struct baseline *b, enum baseline_mode mode)
{
	memset(b, 0, sizeof(*b));
	b->mode = mode;
	b->nr_slots = mode == BASELINE_WEEKLY ? BASELINE_WEEK_SLOTS : BASELINE_DAY_SLOTS;
	b->learning = true;
	for (size_t i = 0; i < BASELINE_WEEK_SLOTS; i++) {
		b->slot[i].median = NAN;
		b->slot[i].p10 = NAN;
		b->slot[i].p90 = NAN;
	}
}

/* Counts per slot for both modes, gathered in one pass before the mode is known. */
struct slot_tally {
	uint32_t nr_week[BASELINE_WEEK_SLOTS];
	uint32_t days_week[BASELINE_WEEK_SLOTS];
	int64_t last_day_week[BASELINE_WEEK_SLOTS];
	uint32_t nr_day[BASELINE_DAY_SLOTS];
	uint32_t days_day[BASELINE_DAY_SLOTS];
	int64_t last_day_day[BASELINE_DAY_SLOTS];
};

/*
 * One sample of local date day in a slot.  Times are in order, so a date
 * already counted in this slot is the slot's latest one; the only way back
 * is a fall-back transition, which repeats an hour of the same date.
 */
static void tally_add(uint32_t *nr, uint32_t *days, int64_t *last_day, int64_t day)
{
	(*nr)++;
	if (*days == 0 || *last_day != day) {
		(*days)++;
		*last_day = day;
	}
}

/* Converts every point once: its weekly slot (or NO_SLOT) into wslot[], the counts into *t. */
static void tally_points(struct baseline *b, struct slot_tally *t, const struct baseline_point *pts,
			 size_t nr, const struct baseline_zone *zone, uint8_t *wslot)
{
	for (size_t i = 0; i < nr; i++) {
		struct tm tm;
		int64_t day;
		int ws = -EINVAL;

		if (isfinite(pts[i].value) && zone_local_time(zone, epoch_s_of(pts[i].t_ms), &tm))
			ws = week_slot_of_tm(&tm);
		if (ws < 0) {
			wslot[i] = NO_SLOT;
			b->nr_skipped++;
			continue;
		}
		wslot[i] = (uint8_t)ws;
		day = (int64_t)tm.tm_year * 400 + tm.tm_yday;
		tally_add(&t->nr_week[ws], &t->days_week[ws], &t->last_day_week[ws], day);
		tally_add(&t->nr_day[ws % 24], &t->days_day[ws % 24], &t->last_day_day[ws % 24],
			  day);
		if (!b->nr_points)
			b->first_ms = pts[i].t_ms;
		b->last_ms = pts[i].t_ms;
		b->nr_points++;
	}
}

/* The mode follows from the span of the points that made it into a slot. */
static void choose_mode(struct baseline *b, const struct slot_tally *t,
			const struct baseline_spans *spans)
{
	bool weekly;

	if (b->nr_points)
		b->span_ms = b->last_ms - b->first_ms + BASELINE_ROLLUP_MS;
	weekly = b->span_ms >= spans->weekly_ms;
	b->mode = weekly ? BASELINE_WEEKLY : BASELINE_DAILY;
	b->nr_slots = weekly ? BASELINE_WEEK_SLOTS : BASELINE_DAY_SLOTS;
	b->learning = b->span_ms < spans->learning_ms;
	for (unsigned s = 0; s < b->nr_slots; s++) {
		b->slot[s].nr_samples = weekly ? t->nr_week[s] : t->nr_day[s];
		b->slot[s].nr_days = weekly ? t->days_week[s] : t->days_day[s];
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Groups the values by slot in vals[] (counting sort), then sorts each slot's run. */
static void fill_quantiles(struct baseline *b, const struct baseline_point *pts, size_t nr,
			   const uint8_t *wslot, double *vals)
{
	size_t next[BASELINE_WEEK_SLOTS];
	size_t off = 0;

	for (unsigned s = 0; s < b->nr_slots; s++) {
		next[s] = off;
		off += b->slot[s].nr_samples;
	}
	for (size_t i = 0; i < nr; i++) {
		unsigned s = wslot[i];

		if (s == NO_SLOT)
			continue;
		if (b->mode == BASELINE_DAILY)
			s %= 24;
		vals[next[s]++] = pts[i].value;
	}
	off = 0;
	for (unsigned s = 0; s < b->nr_slots; s++) {
		struct baseline_slot *sl = &b->slot[s];
		double *v = vals + off;

		off += sl->nr_samples;
		if (!sl->nr_samples)
			continue;
		qsort(v, sl->nr_samples, sizeof(*v), cmp_double);
		sl->median = baseline_quantile(v, sl->nr_samples, 0.5);
		sl->p10 = baseline_quantile(v, sl->nr_samples, 0.1);
		sl->p90 = baseline_quantile(v, sl->nr_samples, 0.9);
	}
}

int baseline_compute(struct baseline *b, const struct baseline_point *pts, size_t nr,
		     const struct baseline_zone *zone)
{
	return baseline_compute_spans(b, pts, nr, zone, NULL);
}

int baseline_compute_spans(struct baseline *b, const struct baseline_point *pts, size_t nr,
			   const struct baseline_zone *zone, const struct baseline_spans *spans)
{
	static const struct baseline_spans defaults = {
		.weekly_ms = BASELINE_WEEKLY_MS,
		.learning_ms = BASELINE_LEARNING_MS,
	};
	struct slot_tally *t;
	uint8_t *wslot;
	double *vals;

	baseline_reset(b, BASELINE_DAILY);
	for (size_t i = 1; i < nr; i++)
		if (pts[i].t_ms < pts[i - 1].t_ms)
			return -EINVAL;
	if (nr > BASELINE_MAX_POINTS) {
		b->nr_dropped = (uint32_t)(nr - BASELINE_MAX_POINTS);
		pts += nr - BASELINE_MAX_POINTS;
		nr = BASELINE_MAX_POINTS;
	}
	if (!nr)
		return 0;
	t = xcalloc(1, sizeof(*t));
	wslot = xmalloc(nr);
	vals = xmalloc(nr * sizeof(*vals));
	tally_points(b, t, pts, nr, zone, wslot);
	choose_mode(b, t, spans ? spans : &defaults);
	fill_quantiles(b, pts, nr, wslot, vals);
	free(vals);
	free(wslot);
	free(t);
	return 0;
}

const char *baseline_slot_name(char *buf, size_t len, enum baseline_mode mode, unsigned slot)
{
	if (mode == BASELINE_WEEKLY && slot < BASELINE_WEEK_SLOTS)
		snprintf(buf, len, "%s %02u:00", weekday_name[slot / 24], slot % 24);
	else if (mode == BASELINE_DAILY && slot < BASELINE_DAY_SLOTS)
		snprintf(buf, len, "%02u:00", slot);
	else
		snprintf(buf, len, "?");
	return buf;
}

/*
 * A plain number with about three significant digits and no trailing
 * zeros ("412", "15.2", "2.5", "0.013"), or bytes in IEC units.
 */
static const char *fmt_value(char *buf, size_t len, double v, enum baseline_unit unit)
{
	double a = v < 0 ? -v : v;
	char *dot, *end;

	if (unit == BASELINE_UNIT_BYTES || unit == BASELINE_UNIT_BYTES_PER_S)
		return units_fmt(buf, len, v,
				 unit == BASELINE_UNIT_BYTES ? UNITS_BYTES : UNITS_BYTES_PER_S);
	if (v == 0)
		v = 0; /* no "-0" */
	if (a >= 99.95 || a == 0 || !isfinite(a))
		snprintf(buf, len, "%.0f", v);
	else if (a >= 0.9995)
		snprintf(buf, len, "%.*f", a >= 9.995 ? 1 : 2, v);
	else
		snprintf(buf, len, "%.2g", v);
	dot = strchr(buf, '.');
	if (dot && !strchr(buf, 'e')) {
		end = buf + strlen(buf);
		while (end > dot + 1 && end[-1] == '0')
			*--end = '\0';
		if (end == dot + 1)
			*dot = '\0';
	}
	return buf;
}

/* "2.6", "0.4", "0.97", "12": two significant digits near 1 and below 0.1. */
static const char *fmt_ratio(char *buf, size_t len, double r)
{
	if (r < 0.095)
		snprintf(buf, len, "%.2g", r);
	else if (r >= 0.895 && r < 1.095)
		snprintf(buf, len, "%.2f", r);
	else if (r < 9.95)
		snprintf(buf, len, "%.1f", r);
	else
		snprintf(buf, len, "%.0f", r);
	return buf;
}

static void add_count(struct strbuf *out, int64_t n, const char *unit)
{
	strbuf_addf(out, "%lld %s%s", (long long)n, unit, n == 1 ? "" : "s");
}

/* How many rollup dates a slot's figures stand on: "4 weeks", "1 day". */
static void add_slot_periods(struct strbuf *out, const struct baseline *b,
			     const struct baseline_slot *s)
{
	add_count(out, s->nr_days, b->mode == BASELINE_WEEKLY ? "week" : "day");
}

/* The history span, in the unit that matters for the mode: weeks, days, or less. */
static void add_history(struct strbuf *out, const struct baseline *b)
{
	if (b->mode == BASELINE_WEEKLY)
		add_count(out, b->span_ms / WEEK_MS, "week");
	else if (b->span_ms >= DAY_MS)
		add_count(out, b->span_ms / DAY_MS, "day");
	else if (b->span_ms >= HOUR_MS)
		add_count(out, b->span_ms / HOUR_MS, "hour");
	else
		add_count(out, b->span_ms / MINUTE_MS, "minute");
}

/* " (p10 120 – p90 190)" style band, formatted in the series' unit. */
static void add_band(struct strbuf *out, const struct baseline_slot *s, enum baseline_unit unit)
{
	char lo[32], hi[32];

	strbuf_addf(out, "p10 %s – p90 %s", fmt_value(lo, sizeof(lo), s->p10, unit),
		    fmt_value(hi, sizeof(hi), s->p90, unit));
}

static void describe_learning(struct strbuf *out, const struct baseline *b,
			      const struct baseline_slot *s, const char *name,
			      enum baseline_unit unit)
{
	char med[32];

	strbuf_addstr(out, " — learning: ");
	add_history(out, b);
	strbuf_addstr(out, " of history");
	if (!s || !s->nr_samples)
		return;
	strbuf_addf(out, " (%s median so far %s, ", name,
		    fmt_value(med, sizeof(med), s->median, unit));
	add_band(out, s, unit);
	strbuf_addch(out, ')');
}

static void describe_no_current(struct strbuf *out, const char *what, const struct baseline *b,
				const struct baseline_slot *s, const char *name,
				enum baseline_unit unit)
{
	char med[32];

	strbuf_addf(out, "%s: no current value", what);
	if (!s || !s->nr_samples)
		return;
	strbuf_addf(out, "; the %s median is %s (", name,
		    fmt_value(med, sizeof(med), s->median, unit));
	add_band(out, s, unit);
	strbuf_addstr(out, "; ");
	add_slot_periods(out, b, s);
	strbuf_addch(out, ')');
}

/* Outside the band: a ratio to the median when one means something, else the median itself. */
static void describe_outside(struct strbuf *out, double current, const struct baseline *b,
			     const struct baseline_slot *s, const char *name,
			     enum baseline_unit unit)
{
	bool above = current > s->p90;
	char med[32], edge[32], ratio[32];

	fmt_value(med, sizeof(med), s->median, unit);
	fmt_value(edge, sizeof(edge), above ? s->p90 : s->p10, unit);
	if (s->median > 0 && current >= 0)
		strbuf_addf(out, " — %s× the %s median %s (",
			    fmt_ratio(ratio, sizeof(ratio), current / s->median), name, med);
	else
		strbuf_addf(out, " against a %s median of %s (", name, med);
	strbuf_addf(out, "%s %s; ", above ? "p90" : "p10", edge);
	add_slot_periods(out, b, s);
	strbuf_addch(out, ')');
}

void baseline_describe(struct strbuf *out, const char *what, double current,
		       enum baseline_unit unit, const struct baseline *b, unsigned slot)
{
	const struct baseline_slot *s = slot < b->nr_slots ? &b->slot[slot] : NULL;
	char name[BASELINE_SLOT_NAME_LEN], cur[32], med[32];

	baseline_slot_name(name, sizeof(name), b->mode, slot);
	if (isnan(current)) {
		describe_no_current(out, what, b, s, name, unit);
		return;
	}
	strbuf_addf(out, "%s %s", what, fmt_value(cur, sizeof(cur), current, unit));
	if (!b->nr_points) {
		strbuf_addstr(out, " — no history yet");
	} else if (b->learning) {
		describe_learning(out, b, s, name, unit);
	} else if (!s || !s->nr_samples) {
		strbuf_addf(out, " — no data for %s in ", name);
		add_history(out, b);
		strbuf_addstr(out, " of history");
	} else if (current >= s->p10 && current <= s->p90) {
		strbuf_addstr(out, " — within the usual band ");
		add_band(out, s, unit);
		strbuf_addf(out, " (%s median %s; ", name,
			    fmt_value(med, sizeof(med), s->median, unit));
		add_slot_periods(out, b, s);
		strbuf_addch(out, ')');
	} else {
		describe_outside(out, current, b, s, name, unit);
	}
}

/* The shortest %g form that reads back as the same double; null for NaN and infinities. */
static void json_number(struct strbuf *out, double v)
{
	char buf[32];

	if (!isfinite(v)) {
		strbuf_addstr(out, "null");
		return;
	}
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	strbuf_addstr(out, buf);
}

static void json_time(struct strbuf *out, const struct baseline *b, int64_t t_ms)
{
	char buf[UNITS_UTC_LEN];

	if (!b->nr_points)
		strbuf_addstr(out, "null");
	else
		strbuf_addf(out, "\"%s\"", units_utc(buf, sizeof(buf), epoch_s_of(t_ms)));
}

void baseline_slot_json(struct strbuf *out, const struct baseline *b, unsigned slot)
{
	const struct baseline_slot *s = slot < b->nr_slots ? &b->slot[slot] : NULL;
	char name[BASELINE_SLOT_NAME_LEN];

	if (!s) {
		strbuf_addstr(out, "null");
		return;
	}
	strbuf_addf(out, "{\"slot\":%u,\"name\":\"%s\",\"weekday\":", slot,
		    baseline_slot_name(name, sizeof(name), b->mode, slot));
	if (b->mode == BASELINE_WEEKLY)
		strbuf_addf(out, "\"%s\"", weekday_key[slot / 24]);
	else
		strbuf_addstr(out, "null");
	strbuf_addf(out, ",\"hour\":%u,\"median\":", slot % 24);
	json_number(out, s->median);
	strbuf_addstr(out, ",\"p10\":");
	json_number(out, s->p10);
	strbuf_addstr(out, ",\"p90\":");
	json_number(out, s->p90);
	strbuf_addf(out, ",\"samples\":%u,\"days\":%u}", s->nr_samples, s->nr_days);
}

void baseline_json(struct strbuf *out, const struct baseline *b)
{
	strbuf_addf(out, "{\"mode\":\"%s\",\"learning\":%s,\"first\":",
		    b->mode == BASELINE_WEEKLY ? "weekly" : "daily",
		    b->learning ? "true" : "false");
	json_time(out, b, b->first_ms);
	strbuf_addstr(out, ",\"last\":");
	json_time(out, b, b->last_ms);
	strbuf_addstr(out, ",\"span_s\":");
	json_number(out, (double)b->span_ms / 1000);
	strbuf_addf(out, ",\"points\":%u,\"skipped\":%u,\"dropped\":%u,\"slots\":[", b->nr_points,
		    b->nr_skipped, b->nr_dropped);
	for (unsigned s = 0; s < b->nr_slots; s++) {
		if (s)
			strbuf_addch(out, ',');
		baseline_slot_json(out, b, s);
	}
	strbuf_addstr(out, "]}");
}
