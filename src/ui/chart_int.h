/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Internals shared by chart.c (layout and drawing), chart_axis.c (scales,
 * ticks, labels, escaping) and chart_data.c (decimation, figures, stacking).
 * Not for other modules: their API is chart.h.
 */
#ifndef CONNMON_UI_CHART_INT_H
#define CONNMON_UI_CHART_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ui/chart.h"

#define CHART_MS_S   1000LL
#define CHART_MS_MIN (60 * CHART_MS_S)
#define CHART_MS_H   (60 * CHART_MS_MIN)
#define CHART_MS_DAY (24 * CHART_MS_H)

/* Room for a tick label, a legend figure or a time label and its NUL. */
#define CHART_LABEL_LEN 48

enum chart_unit_kind {
	CHART_UNIT_SI,	    /* counts and rates of things: 950, 1.5k, 12M */
	CHART_UNIT_BYTES,   /* "B" or "B/s": IEC units as base/units.h */
	CHART_UNIT_PERCENT, /* "%": unscaled */
};

enum chart_unit_kind chart_unit_kind(const char *unit);

/* A value axis: ticks lo, lo + step, ... hi, all in the unit's raw values. */
struct chart_axis {
	enum chart_unit_kind kind;
	bool per_s;	    /* bytes: "B/s" */
	double div;	    /* raw value / div = the number a tick shows */
	const char *suffix; /* after the number: "k", " MiB/s", "%" */
	double lo, hi, step;
	unsigned nr_ticks; /* lo + i * step for i < nr_ticks; at most CHART_MAX_TICKS */
	int decimals;
};

#define CHART_MAX_TICKS 64

/*
 * Chooses about target ticks covering [min_v, max_v] (0 is always inside:
 * charts of counts and rates start at zero); integer: the data holds only
 * whole numbers, so no tick falls between them.
 */
void chart_axis_init(struct chart_axis *a, const char *unit, double min_v, double max_v,
		     bool integer, unsigned target);
/* The label of tick value v: "15k", "1.5 MiB/s", "25%"; returns buf. */
const char *chart_axis_label(const struct chart_axis *a, double v, char *buf, size_t len);

/* A legend figure with three significant digits in the unit's own scaling:
 * "412", "1.52k", "12.3 KiB/s", "0.42%"; "-" for NaN.  Returns buf. */
const char *chart_fmt_value(enum chart_unit_kind kind, bool per_s, double v, char *buf, size_t len);

/*
 * A time tick's labels in local time: line1 names the tick ("14:30",
 * "14:30:15", "Tue 24", "24 Nov"), context the larger unit it lies in
 * ("Tue 24 Nov", "Nov 2026", "2026"), which the chart writes under the
 * first tick and wherever it changes.
 */
void chart_time_labels(int64_t t_ms, int64_t step_ms, int tz_offset_s, char *line1, char *context);
/* The zone as the axis names it: "CET, UTC+01:00", "UTC"; into out, escaped. */
void chart_zone_label(struct strbuf *out, int tz_offset_s, const char *tz_name);

/* Figures of a series over the chart's range. */
struct chart_stats {
	size_t nr; /* valid (non-NaN) points in range; 0: no data */
	double last, min, max, sum;
	bool integer; /* every valid value is a whole number */
};

void chart_stats_of(const int64_t *t_ms, const double *v, size_t n, int64_t t0_ms, int64_t t1_ms,
		    struct chart_stats *st);

/*
 * The stacked layers of a chart sampled at the times chart_decimate() keeps
 * for their total: row r has time t[r], starts_line[r], and the value of
 * layer k (0 for a missing or NaN value) at v[r * nr_layers + k].
 */
struct chart_stack {
	size_t nr_layers, nr_rows;
	int64_t *t;
	bool *starts_line;
	double *v;
	struct chart_stats total; /* of the per-time totals, over the range */
};

void chart_stack_build(struct chart_stack *st, const struct chart *c, unsigned width_px);
void chart_stack_release(struct chart_stack *st);

#endif
