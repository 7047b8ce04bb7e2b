/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One time-series chart as SVG, from plain arrays (docs/REPORT.md).
 *
 * The caller owns every array and string; chart_svg() only reads them while
 * it runs and keeps nothing.  Times are int64 milliseconds since the Unix
 * epoch (within 10^15 ms of it, some 31,000 years), values doubles; NaN is "no value" and breaks a
 * line, as does a time gap longer than 1.5 times the chart's step.  Points outside [t0_ms, t1_ms]
 * are not drawn and do not count in the legend's figures.  Points must be
 * in ascending time order within a series: a point earlier than the one
 * before it is skipped.  A gap narrower than one pixel column is not drawn.
 * Infinite values count as gaps; values beyond +-1e300 are drawn at the
 * plot's edge.
 *
 * What is drawn:
 *  - a header with the title and the subtitle;
 *  - the plot: a light grid, value ticks 1-2-5 in the chart's unit scaled
 *    (bytes in IEC units as base/units.h, "B/s" as KiB/s, MiB/s...; other
 *    units with k, M, G; "%" unscaled), time ticks on natural boundaries
 *    of the given zone (1/5/15/30 min, 1/3/6/12 h, days, weeks), the date
 *    under the first tick and wherever it changes, the zone on the axis;
 *  - the baseline band (lo..hi shaded, mid dashed) under the data;
 *  - the series as lines, or as stacked areas (chart.stacked, for series
 *    that are never negative; missing or NaN values count as 0 where another
 *    series has a value at that time);
 *  - alert marks as shaded spans (or lines when until_ms <= t_ms) coloured
 *    by severity (0 info, 1 warning, 2 critical);
 *  - a legend below the plot: one row per series with its last, min, max
 *    and mean over the range (and a "total" row for stacked charts), or
 *    "no data in this range"; a chart without any data says so across the
 *    plot instead of drawing an empty axis.
 *
 * Long ranges are decimated to about one pixel column per group of points:
 * each column keeps its first, lowest, highest and last point (of the total,
 * for stacked charts), so extremes survive and the output is bounded by the
 * width (a few hundred KiB for 7 days of 1 s samples), not by the data.
 *
 * Text from outside (titles, labels, names) is written display-safe
 * (base/outbuf.h: control bytes and invalid UTF-8 as \xHH) and XML-escaped.
 * Colours come from one palette in series order; a series labelled exactly
 * "other" is drawn in neutral grey.
 */
#ifndef CONNMON_UI_CHART_H
#define CONNMON_UI_CHART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/strbuf.h"

/* One series: n points (t_ms[i], v[i]); v[i] NaN is a gap. */
struct chart_series {
	const char *label;
	const int64_t *t_ms;
	const double *v;
	size_t n;
};

/* The baseline band: p10..p90 shaded, the median dashed; NaN breaks it. */
struct chart_band {
	const int64_t *t_ms;
	const double *lo, *hi, *mid; /* mid may be NULL */
	size_t n;
	const char *label; /* legend text, e.g. "baseline p10-p90 (4 weeks)" */
};

/* An alert (issue 8): a span [t_ms, until_ms], or an instant if until_ms <= t_ms. */
struct chart_mark {
	int64_t t_ms;
	int64_t until_ms;
	const char *label;
	int severity; /* 0 info, 1 warning, 2 critical */
};

struct chart {
	const char *title, *subtitle; /* subtitle may be NULL */
	/* "connections", "B", "B/s", "pkt/s", "%"...: the value axis and the legend use it */
	const char *unit;
	int64_t t0_ms, t1_ms; /* the x range: the requested range, even where there is no data */
	int64_t step_ms;     /* the data's step; a time gap > 1.5 step breaks a line; 0: NaN only */
	int tz_offset_s;     /* local time = UTC + tz_offset_s (east positive) */
	const char *tz_name; /* "CET", "UTC"...; may be NULL (the offset alone is shown) */
	bool stacked;	     /* stacked areas (e.g. states) instead of lines */
	const struct chart_series *series;
	size_t nr_series;
	const struct chart_band *band; /* optional */
	const struct chart_mark *marks;
	size_t nr_marks;
};

/*
 * Appends the chart to out as one <svg> element sized by its viewBox:
 * width_px x height_px for the header, plot and axes (at least 320 x 160;
 * smaller values are raised), plus one legend row per series.  With
 * standalone, the output is a complete SVG file (XML declaration,
 * namespace, its own <style>, a white background); without, it is meant
 * for inline use in HTML that holds chart_css() (report_page.h does) and
 * scales to its container's width.
 */
void chart_svg(struct strbuf *out, const struct chart *c, unsigned width_px, unsigned height_px,
	       bool standalone);

/*
 * The fonts of charts and pages: the platforms' interface fonts, then the
 * common sans-serifs (the generic "system-ui" keyword is left out: the lint
 * takes it for system(3)).
 */
#define CHART_FONTS                                                                    \
	"\"Segoe UI\",Roboto,Ubuntu,Cantarell,\"Noto Sans\",\"Helvetica Neue\",Arial," \
	"\"Liberation Sans\",\"DejaVu Sans\",sans-serif"

/* The CSS of the chart classes (inline pages add it once to their <style>). */
const char *chart_css(void);

/*
 * Pieces chart_svg() is made of, exposed for tests and for callers that
 * want the same conventions.
 */

/* Appends s display-safe (\xHH for control bytes and invalid UTF-8) and
 * XML-escaped (&amp; &lt; &gt; &quot; &apos;); at most max_cols display
 * columns when max_cols > 0, ending in "..." when cut.  NULL appends nothing. */
void chart_xml_text(struct strbuf *out, const char *s, size_t max_cols);

/* A 1-2-5 step (times a power of ten) that cuts span into about target
 * intervals; at least 1 when integer.  span <= 0 or not finite gives 1. */
double chart_nice_step(double span, unsigned target, bool integer);

/* The tick step of a time axis: the smallest natural step (1 s ... 52 weeks)
 * that gives at most max_ticks ticks over span_ms. */
int64_t chart_time_step_ms(int64_t span_ms, unsigned max_ticks);

/* The first tick at or after t0_ms: a multiple of step_ms in local time
 * (weekly steps start on Mondays). */
int64_t chart_time_first_tick(int64_t t0_ms, int64_t step_ms, int tz_offset_s);

/* One point kept by chart_decimate(). */
struct chart_point {
	int64_t t_ms;
	double v;
	bool starts_line; /* the first point of a line piece (after a gap) */
};

/*
 * Reduces the points of one series inside [t0_ms, t1_ms] to at most 4 per
 * pixel column of a plot width_px wide (first, min, max, last, in time
 * order), breaking lines at NaN and at time gaps > 1.5 step_ms (step_ms 0:
 * NaN only) that are at least one column wide.  Writes up to cap points to
 * out and returns how many it kept (never more than cap; cap >=
 * CHART_DECIMATE_CAP(width_px) always suffices).
 */
#define CHART_DECIMATE_CAP(width_px) (4 * ((size_t)(width_px) + 2))
size_t chart_decimate(const int64_t *t_ms, const double *v, size_t n, int64_t t0_ms, int64_t t1_ms,
		      unsigned width_px, int64_t step_ms, struct chart_point *out, size_t cap);

#endif
