// SPDX-License-Identifier: GPL-2.0-or-later
/* One chart as SVG: layout, grid and axes, band, marks, data, legend. */
#include "ui/chart.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "ui/chart_int.h"

/*
 * A restrained palette that holds on white and in print: mid-tone hues of
 * similar weight, distinguishable with the common colour-vision deficiencies
 * for the first six, then darker and lighter variants.
 */
static const char *const palette[] = {
	"#3a6ea5", "#e08a2c", "#4f9a55", "#c8453f", "#8a64a8", "#3f9c9c",
	"#b58b2a", "#8c6d5c", "#d07aa0", "#6d7f99", "#9bb03c", "#5a4e9c",
};
#define OTHER_COLOUR "#a3a9b1"
static const char *const severity_colour[] = { "#3a6ea5", "#c98a00", "#c0392b" };

#define PAD   16.0
#define ROW_H 20.0
/* Text widths as estimated for the larger type of narrow pages (report_page.c). */
#define TICK_FONT_W 7.8 /* a 14 px digit */
#define TEXT_FONT_W 8.2 /* a 15 px letter, on average */

struct layout {
	const struct chart *c;
	double w, h, total_h;
	double left, right, top, bottom; /* the plot box */
	double span_ms;
	unsigned plot_px;
	struct chart_axis ax;
	struct chart_stats *stats; /* one per series */
	bool any_data;
	enum chart_unit_kind kind;
	bool per_s;
};

static const char *series_colour(const struct chart *c, size_t k)
{
	if (c->series[k].label && !strcmp(c->series[k].label, "other"))
		return OTHER_COLOUR;
	return palette[k % (sizeof(palette) / sizeof(palette[0]))];
}

static double x_of(const struct layout *l, int64_t t_ms)
{
	double x =
		l->left + ((double)t_ms - (double)l->c->t0_ms) / l->span_ms * (l->right - l->left);

	return fmin(fmax(x, l->left), l->right);
}

static double tick(const struct chart_axis *a, unsigned i)
{
	return a->lo + i * a->step;
}

static double y_of(const struct layout *l, double v)
{
	double f = (v - l->ax.lo) / (l->ax.hi - l->ax.lo);

	return l->bottom - fmin(fmax(f, 0), 1) * (l->bottom - l->top);
}

/* The value range of the data and the band, and whether all data is whole. */
static void data_range(struct layout *l, double *lo, double *hi, bool *integer)
{
	const struct chart *c = l->c;
	const struct chart_band *b = c->band;

	*lo = INFINITY, *hi = -INFINITY, *integer = true;
	for (size_t k = 0; k < c->nr_series; k++) {
		const struct chart_stats *st = &l->stats[k];

		if (!st->nr)
			continue;
		*lo = fmin(*lo, st->min);
		if (!c->stacked) /* a stack's top is its total's, known later */
			*hi = fmax(*hi, st->max);
		*integer = *integer && st->integer;
	}
	for (size_t i = 0; b && i < b->n; i++) {
		if (b->t_ms[i] < c->t0_ms || b->t_ms[i] > c->t1_ms)
			continue;
		if (isfinite(b->lo[i]))
			*lo = fmin(*lo, b->lo[i]);
		if (isfinite(b->hi[i]))
			*hi = fmax(*hi, b->hi[i]);
	}
}

static void layout_init(struct layout *l, const struct chart *c, const struct chart_stack *stk,
			unsigned width_px, unsigned height_px)
{
	double lo, hi, widest = 0;
	bool integer;
	char buf[CHART_LABEL_LEN];

	memset(l, 0, sizeof(*l));
	l->c = c;
	l->w = width_px < 320 ? 320 : width_px;
	l->h = height_px < 160 ? 160 : height_px;
	l->span_ms = c->t1_ms > c->t0_ms ? (double)c->t1_ms - (double)c->t0_ms : 1;
	l->kind = chart_unit_kind(c->unit);
	l->per_s = c->unit && !strcmp(c->unit, "B/s");
	l->stats = xcalloc(c->nr_series ? c->nr_series : 1, sizeof(*l->stats));
	for (size_t k = 0; k < c->nr_series; k++) {
		const struct chart_series *s = &c->series[k];

		chart_stats_of(s->t_ms, s->v, s->n, c->t0_ms, c->t1_ms, &l->stats[k]);
		l->any_data = l->any_data || l->stats[k].nr;
	}
	data_range(l, &lo, &hi, &integer);
	if (c->stacked && stk->total.nr)
		hi = fmax(hi, stk->total.max);
	l->top = (c->subtitle ? 46 : 28) + 24;
	l->bottom = l->h - 36;
	chart_axis_init(&l->ax, c->unit, lo, hi, integer,
			(unsigned)fmax(2, (l->bottom - l->top) / 48));
	for (unsigned i = 0; i < l->ax.nr_ticks; i++) {
		chart_axis_label(&l->ax, tick(&l->ax, i), buf, sizeof(buf));
		widest = fmax(widest, (double)strlen(buf));
	}
	l->left = PAD + widest * TICK_FONT_W + 8;
	l->right = l->w - PAD;
	l->plot_px = (unsigned)(l->right - l->left);
	l->total_h = l->h + 8 +
		     ROW_H * (double)(c->nr_series + 1 + (c->stacked && c->nr_series) +
				      (c->band != NULL));
}

static void svg_open(struct strbuf *out, const struct layout *l, bool standalone)
{
	const struct chart *c = l->c;

	if (standalone)
		strbuf_addstr(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
				   "<svg xmlns=\"http://www.w3.org/2000/svg\"");
	else
		strbuf_addstr(out, "<svg");
	strbuf_addf(out, " class=\"cm-chart\" viewBox=\"0 0 %.0f %.0f\"", l->w, l->total_h);
	if (standalone)
		strbuf_addf(out, " width=\"%.0f\" height=\"%.0f\"", l->w, l->total_h);
	else
		strbuf_addstr(out, " width=\"100%\"");
	strbuf_addstr(out, " role=\"img\" aria-label=\"");
	chart_xml_text(out, c->title, 0);
	strbuf_addstr(out, "\">\n<title>");
	chart_xml_text(out, c->title, 0);
	strbuf_addstr(out, "</title>\n");
	if (standalone)
		strbuf_addf(out,
			    "<style>%s</style>\n<rect width=\"100%%\" height=\"100%%\" "
			    "fill=\"#ffffff\"/>\n",
			    chart_css());
}

static void draw_header(struct strbuf *out, const struct layout *l)
{
	const struct chart *c = l->c;
	size_t cols = (size_t)((l->w - 2 * PAD) / TEXT_FONT_W);

	strbuf_addf(out, "<text class=\"cm-title\" x=\"%.0f\" y=\"22\">", PAD);
	chart_xml_text(out, c->title, cols * 12 / 14);
	strbuf_addstr(out, "</text>\n");
	if (c->subtitle) {
		strbuf_addf(out, "<text class=\"cm-sub\" x=\"%.0f\" y=\"40\">", PAD);
		chart_xml_text(out, c->subtitle, cols);
		strbuf_addstr(out, "</text>\n");
	}
	strbuf_addf(out, "<text class=\"cm-unit\" x=\"%.1f\" y=\"%.0f\">", PAD, l->top - 10);
	chart_xml_text(out, c->unit, cols / 2);
	strbuf_addf(out,
		    "</text>\n<text class=\"cm-unit\" x=\"%.1f\" y=\"%.0f\" "
		    "text-anchor=\"end\">time: ",
		    l->right, l->top - 10);
	chart_zone_label(out, c->tz_offset_s, c->tz_name);
	strbuf_addstr(out, "</text>\n");
}

static void draw_value_axis(struct strbuf *out, const struct layout *l)
{
	char buf[CHART_LABEL_LEN];

	strbuf_addstr(out, "<g class=\"cm-grid\">");
	for (unsigned i = 0; l->any_data && i < l->ax.nr_ticks; i++)
		if (fabs(tick(&l->ax, i)) > l->ax.step / 2)
			strbuf_addf(out, "<path d=\"M%.1f %.1fH%.1f\"/>", l->left,
				    y_of(l, tick(&l->ax, i)), l->right);
	strbuf_addstr(out, "</g>\n<g class=\"cm-tick\" text-anchor=\"end\">");
	for (unsigned i = 0; l->any_data && i < l->ax.nr_ticks; i++)
		strbuf_addf(out, "<text x=\"%.1f\" y=\"%.1f\">%s</text>", l->left - 7,
			    y_of(l, tick(&l->ax, i)) + 4,
			    chart_axis_label(&l->ax, tick(&l->ax, i), buf, sizeof(buf)));
	strbuf_addstr(out, "</g>\n");
}

/* A label centred on x, kept inside the chart; returns its left edge. */
static double add_time_text(struct strbuf *out, const struct layout *l, double x, double y,
			    const char *cls, const char *text)
{
	double half = (double)strlen(text) * TICK_FONT_W / 2;
	double cx = fmin(fmax(x, half + 2), l->w - half - 2);

	strbuf_addf(out, "<text class=\"%s\" x=\"%.1f\" y=\"%.1f\">%s</text>", cls, cx, y, text);
	return cx - half;
}

static void draw_time_axis(struct strbuf *out, const struct layout *l)
{
	const struct chart *c = l->c;
	int64_t step = chart_time_step_ms((int64_t)l->span_ms, (unsigned)fmax(2, l->plot_px / 96));
	int64_t first = chart_time_first_tick(c->t0_ms, step, c->tz_offset_s);
	char line1[CHART_LABEL_LEN], ctx[CHART_LABEL_LEN], prev_ctx[CHART_LABEL_LEN] = "";
	double ctx_end = -1e9;

	strbuf_addstr(out, "<g text-anchor=\"middle\">");
	for (int64_t t = first, i = 0; t <= c->t1_ms && i < CHART_MAX_TICKS; t += step, i++) {
		double x = x_of(l, t);
		int64_t local = t + (int64_t)c->tz_offset_s * CHART_MS_S;
		bool midnight = step < CHART_MS_DAY && local % CHART_MS_DAY == 0;

		strbuf_addf(out, "<path class=\"%s\" d=\"M%.1f %.1fV%.1f\"/>",
			    midnight ? "cm-day" : "cm-vgrid", x, l->top, l->bottom + 4);
		chart_time_labels(t, step, c->tz_offset_s, line1, ctx);
		add_time_text(out, l, x, l->bottom + 16, "cm-tick", line1);
		if (strcmp(ctx, prev_ctx)) {
			double w = (double)strlen(ctx) * TICK_FONT_W;

			/* A change of day right after the first tick wins over the first's context.
			 */
			if (x - w / 2 > ctx_end + 10)
				ctx_end =
					add_time_text(out, l, x, l->bottom + 30, "cm-ctx", ctx) + w;
			memcpy(prev_ctx, ctx, sizeof(ctx));
		}
	}
	strbuf_addf(out, "</g>\n<path class=\"cm-axis\" d=\"M%.1f %.1fH%.1f\"/>\n", l->left,
		    y_of(l, 0), l->right);
}

static void draw_band(struct strbuf *out, const struct layout *l)
{
	const struct chart_band *b = l->c->band;
	size_t cap = CHART_DECIMATE_CAP(l->plot_px), nr_hi, nr_lo;
	struct chart_point *hi, *lo;

	if (!b || !b->n)
		return;
	hi = xmalloc(cap * sizeof(*hi));
	lo = xmalloc(cap * sizeof(*lo));
	nr_hi = chart_decimate(b->t_ms, b->hi, b->n, l->c->t0_ms, l->c->t1_ms, l->plot_px, 0, hi,
			       cap);
	nr_lo = chart_decimate(b->t_ms, b->lo, b->n, l->c->t0_ms, l->c->t1_ms, l->plot_px, 0, lo,
			       cap);
	strbuf_addstr(out, "<path class=\"cm-band\" d=\"");
	/* One polygon per piece of hi: along hi, back along lo over the same times. */
	for (size_t i = 0, j; i < nr_hi; i = j) {
		size_t k = nr_lo;

		for (j = i; j < nr_hi && (j == i || !hi[j].starts_line); j++)
			strbuf_addf(out, "%c%.1f %.1f", j == i ? 'M' : 'L', x_of(l, hi[j].t_ms),
				    y_of(l, hi[j].v));
		while (k-- > 0)
			if (lo[k].t_ms >= hi[i].t_ms && lo[k].t_ms <= hi[j - 1].t_ms)
				strbuf_addf(out, "L%.1f %.1f", x_of(l, lo[k].t_ms),
					    y_of(l, lo[k].v));
		strbuf_addch(out, 'Z');
	}
	strbuf_addstr(out, "\"/>\n");
	free(hi);
	free(lo);
}

/* The band's median, dashed, over the areas or lines. */
static void draw_band_mid(struct strbuf *out, const struct layout *l)
{
	const struct chart_band *b = l->c->band;
	size_t cap = CHART_DECIMATE_CAP(l->plot_px), nr;
	struct chart_point *p;

	if (!b || !b->n || !b->mid)
		return;
	p = xmalloc(cap * sizeof(*p));
	nr = chart_decimate(b->t_ms, b->mid, b->n, l->c->t0_ms, l->c->t1_ms, l->plot_px, 0, p, cap);
	strbuf_addstr(out, "<path class=\"cm-mid\" fill=\"none\" d=\"");
	for (size_t i = 0; i < nr; i++)
		strbuf_addf(out, "%c%.1f %.1f", p[i].starts_line ? 'M' : 'L', x_of(l, p[i].t_ms),
			    y_of(l, p[i].v));
	strbuf_addstr(out, "\"/>\n");
	free(p);
}

static bool mark_in_range(const struct chart *c, const struct chart_mark *m)
{
	return m->t_ms <= c->t1_ms && (m->t_ms >= c->t0_ms || m->until_ms >= c->t0_ms);
}

static int mark_severity(const struct chart_mark *m)
{
	return m->severity < 0 ? 0 : m->severity > 2 ? 2 : m->severity;
}

/* Spans (or lines) under the data; each with its label as a tooltip. */
static void draw_mark_spans(struct strbuf *out, const struct layout *l)
{
	for (size_t i = 0; i < l->c->nr_marks; i++) {
		const struct chart_mark *m = &l->c->marks[i];
		const char *col = severity_colour[mark_severity(m)];
		double x0 = x_of(l, m->t_ms), x1 = x_of(l, m->until_ms);

		if (!mark_in_range(l->c, m))
			continue;
		strbuf_addstr(out, "<g><title>");
		chart_xml_text(out, m->label, 0);
		strbuf_addstr(out, "</title>");
		if (m->until_ms > m->t_ms)
			strbuf_addf(out,
				    "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
				    "fill=\"%s\" fill-opacity=\".1\"/>",
				    x0, l->top, fmax(x1 - x0, 1), l->bottom - l->top, col);
		strbuf_addf(
			out,
			"<path d=\"M%.1f %.1fV%.1f\" stroke=\"%s\" stroke-opacity=\".7\"/></g>\n",
			x0, l->top, l->bottom, col);
	}
}

/*
 * Labels at the top of the plot, over the data: each in the first of three
 * rows where it does not overlap the one before; a mark with no room keeps
 * its tooltip only.  A label that would leave the plot ends at its mark.
 */
static void draw_mark_labels(struct strbuf *out, const struct layout *l)
{
	double row_end[3] = { -1e9, -1e9, -1e9 };

	for (size_t i = 0; i < l->c->nr_marks; i++) {
		const struct chart_mark *m = &l->c->marks[i];
		double x = x_of(l, m->t_ms), w;
		size_t len = m->label ? strlen(m->label) : 0;
		bool left;
		int row = 0;

		if (!mark_in_range(l->c, m) || !len)
			continue;
		w = (double)(len < 40 ? len : 40) * TICK_FONT_W;
		left = x + 3 + w > l->right;
		while (row < 3 && (left ? x - 3 - w : x + 3) < row_end[row] + 8)
			row++;
		if (row == 3)
			continue;
		row_end[row] = left ? x : x + 3 + w;
		strbuf_addf(out, "<text class=\"cm-mark\" x=\"%.1f\" y=\"%.1f\" fill=\"%s\"%s>",
			    left ? x - 3 : x + 3, l->top + 11 + 14 * row,
			    severity_colour[mark_severity(m)], left ? " text-anchor=\"end\"" : "");
		chart_xml_text(out, m->label, 40);
		strbuf_addstr(out, "</text>\n");
	}
}

/* "label: last 12 · min 3 · max 40 · mean 17.5", for a hover title. */
static void add_figures(struct strbuf *out, const struct layout *l, const char *label,
			const struct chart_stats *st)
{
	char a[CHART_LABEL_LEN], b[CHART_LABEL_LEN], c[CHART_LABEL_LEN], d[CHART_LABEL_LEN];

	chart_xml_text(out, label, 0);
	if (!st->nr) {
		strbuf_addstr(out, ": no data in this range");
		return;
	}
	strbuf_addf(out, ": last %s, min %s, max %s, mean %s",
		    chart_fmt_value(l->kind, l->per_s, st->last, a, sizeof(a)),
		    chart_fmt_value(l->kind, l->per_s, st->min, b, sizeof(b)),
		    chart_fmt_value(l->kind, l->per_s, st->max, c, sizeof(c)),
		    chart_fmt_value(l->kind, l->per_s, st->sum / (double)st->nr, d, sizeof(d)));
}

static void draw_lines(struct strbuf *out, const struct layout *l)
{
	size_t cap = CHART_DECIMATE_CAP(l->plot_px);
	struct chart_point *p = xmalloc(cap * sizeof(*p));

	for (size_t k = 0; k < l->c->nr_series; k++) {
		const struct chart_series *s = &l->c->series[k];
		const char *col = series_colour(l->c, k);
		size_t nr = chart_decimate(s->t_ms, s->v, s->n, l->c->t0_ms, l->c->t1_ms,
					   l->plot_px, l->c->step_ms, p, cap);

		if (!nr)
			continue;
		strbuf_addf(out, "<g><title>");
		add_figures(out, l, s->label, &l->stats[k]);
		strbuf_addf(out, "</title><path class=\"cm-line\" fill=\"none\" stroke=\"%s\" d=\"",
			    col);
		for (size_t i = 0; i < nr; i++)
			strbuf_addf(out, "%c%.1f %.1f", p[i].starts_line ? 'M' : 'L',
				    x_of(l, p[i].t_ms), y_of(l, p[i].v));
		strbuf_addstr(out, "\"/>");
		/* A point alone between gaps would not show as a line: a dot. */
		for (size_t i = 0; i < nr; i++)
			if (p[i].starts_line && (i + 1 == nr || p[i + 1].starts_line))
				strbuf_addf(out,
					    "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2\" fill=\"%s\"/>",
					    x_of(l, p[i].t_ms), y_of(l, p[i].v), col);
		strbuf_addstr(out, "</g>\n");
	}
	free(p);
}

/* The top edge of layers 0..k (below: 0..k-1) at row r. */
static double stack_top(const struct chart_stack *st, size_t r, size_t k)
{
	double sum = 0;

	for (size_t i = 0; i <= k; i++)
		sum += st->v[r * st->nr_layers + i];
	return sum;
}

/*
 * Layer k's area from zero to the top of layers 0..k over rows [a, b):
 * layers are painted top one first, each over the ones above it, so only
 * top edges are written (half the points of bands between two edges).
 */
static void draw_stack_piece(struct strbuf *out, const struct layout *l,
			     const struct chart_stack *st, size_t k, size_t a, size_t b)
{
	double y0 = y_of(l, 0);

	if (b - a == 1) { /* a row alone between gaps: a sliver 1.5 px wide */
		double x = x_of(l, st->t[a]);

		strbuf_addf(out, "M%.1f %.1fH%.1fV%.1fH%.1fZ", x - 0.75,
			    y_of(l, stack_top(st, a, k)), x + 0.75, y0, x - 0.75);
		return;
	}
	for (size_t r = a; r < b; r++)
		strbuf_addf(out, "%c%.1f %.1f", r == a ? 'M' : 'L', x_of(l, st->t[r]),
			    y_of(l, stack_top(st, r, k)));
	strbuf_addf(out, "V%.1fH%.1fZ", y0, x_of(l, st->t[a]));
}

/* colour mixed with white: areas a little lighter than lines, yet opaque. */
static void add_area_colour(struct strbuf *out, const char *colour)
{
	unsigned rgb = (unsigned)strtoul(colour + 1, NULL, 16), mixed = 0;

	for (int shift = 16; shift >= 0; shift -= 8) {
		unsigned c = rgb >> shift & 0xff;

		mixed |= (c + (255 - c) * 15 / 100) << shift;
	}
	strbuf_addf(out, "#%06x", mixed);
}

static void draw_stack(struct strbuf *out, const struct layout *l, const struct chart_stack *st)
{
	for (size_t k = st->nr_layers; st->nr_rows && k-- > 0;) {
		strbuf_addstr(out, "<g><title>");
		add_figures(out, l, l->c->series[k].label, &l->stats[k]);
		strbuf_addstr(out, "</title><path class=\"cm-area\" fill=\"");
		add_area_colour(out, series_colour(l->c, k));
		strbuf_addstr(out, "\" d=\"");
		for (size_t a = 0, b; a < st->nr_rows; a = b) {
			for (b = a + 1; b < st->nr_rows && !st->starts_line[b]; b++)
				;
			draw_stack_piece(out, l, st, k, a, b);
		}
		strbuf_addstr(out, "\"/></g>\n");
	}
}

static void legend_figures(struct strbuf *out, const struct layout *l, double y,
			   const struct chart_stats *st, double colw)
{
	char buf[CHART_LABEL_LEN];
	double v[4];

	if (!st->nr) {
		strbuf_addf(out,
			    "<text class=\"cm-nodata-row\" x=\"%.1f\" y=\"%.1f\" "
			    "text-anchor=\"end\">no data in this range</text>",
			    l->right, y);
		return;
	}
	v[0] = st->last, v[1] = st->min, v[2] = st->max, v[3] = st->sum / (double)st->nr;
	for (int i = 0; i < 4; i++)
		strbuf_addf(out, "<text class=\"cm-num\" x=\"%.1f\" y=\"%.1f\">%s</text>",
			    l->right - (3 - i) * colw, y,
			    chart_fmt_value(l->kind, l->per_s, v[i], buf, sizeof(buf)));
}

/* A legend row's swatch: 0 a line, 1 a square of area colour, 2 the band. */
static void legend_swatch(struct strbuf *out, double y, const char *colour, int shape)
{
	if (shape == 0)
		strbuf_addf(out, "<path d=\"M%.1f %.1fh16\" stroke=\"%s\" stroke-width=\"2.5\"/>",
			    PAD, y - 4, colour);
	else if (shape == 1) {
		strbuf_addf(
			out,
			"<rect x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"12\" rx=\"2\" fill=\"",
			PAD + 2, y - 10);
		add_area_colour(out, colour);
		strbuf_addstr(out, "\"/>");
	} else
		strbuf_addf(out,
			    "<rect class=\"cm-band\" x=\"%.1f\" y=\"%.1f\" width=\"16\" "
			    "height=\"12\"/><path class=\"cm-mid\" fill=\"none\" "
			    "d=\"M%.1f %.1fh16\"/>",
			    PAD, y - 10, PAD, y - 4);
}

/* A row: its label (NULL: the stacked total, in bold) and its figures (st NULL: none). */
static void legend_row(struct strbuf *out, const struct layout *l, double y, const char *label,
		       const struct chart_stats *st, double colw)
{
	double room = l->right - 4 * colw - (PAD + 24) - 8;

	strbuf_addf(out, "<g%s><text x=\"%.1f\" y=\"%.1f\">", label ? "" : " class=\"cm-total\"",
		    PAD + 24, y);
	chart_xml_text(out, label ? label : "total", (size_t)fmax(4, room / TEXT_FONT_W));
	strbuf_addstr(out, "</text>");
	if (st)
		legend_figures(out, l, y, st, colw);
	strbuf_addstr(out, "</g>\n");
}

static void draw_legend(struct strbuf *out, const struct layout *l, const struct chart_stack *stk)
{
	static const char *const head[] = { "last", "min", "max", "mean" };
	const struct chart *c = l->c;
	double colw = l->w >= 640 ? 96 : 72, y = l->h + 8 + 13;

	strbuf_addstr(out, "<g class=\"cm-legend\">");
	for (int i = 0; i < 4; i++)
		strbuf_addf(out, "<text class=\"cm-lh\" x=\"%.1f\" y=\"%.1f\">%s</text>",
			    l->right - (3 - i) * colw, y, head[i]);
	strbuf_addch(out, '\n');
	for (size_t k = 0; k < c->nr_series; k++) {
		y += ROW_H;
		legend_swatch(out, y, series_colour(c, k), c->stacked);
		legend_row(out, l, y, c->series[k].label, &l->stats[k], colw);
	}
	if (c->stacked && c->nr_series) {
		y += ROW_H;
		legend_row(out, l, y, NULL, &stk->total, colw);
	}
	if (c->band) {
		y += ROW_H;
		legend_swatch(out, y, NULL, 2);
		legend_row(out, l, y, c->band->label ? c->band->label : "baseline", NULL, colw);
	}
	strbuf_addstr(out, "</g>\n");
}

void chart_svg(struct strbuf *out, const struct chart *c, unsigned width_px, unsigned height_px,
	       bool standalone)
{
	struct chart_stack stk = { 0 };
	struct layout l;

	/* The plot's width in pixels is known only after the value axis' labels. */
	layout_init(&l, c, &stk, width_px, height_px);
	if (c->stacked) {
		chart_stack_build(&stk, c, l.plot_px);
		free(l.stats);
		layout_init(&l, c, &stk, width_px, height_px);
	}
	svg_open(out, &l, standalone);
	draw_header(out, &l);
	draw_value_axis(out, &l);
	draw_time_axis(out, &l);
	draw_mark_spans(out, &l);
	/* Under lines; over areas, which would hide it (it is the total's band). */
	if (c->stacked) {
		draw_stack(out, &l, &stk);
		draw_band(out, &l);
	} else {
		draw_band(out, &l);
		draw_lines(out, &l);
	}
	draw_band_mid(out, &l);
	draw_mark_labels(out, &l);
	if (!l.any_data)
		strbuf_addf(out,
			    "<text class=\"cm-nodata\" x=\"%.1f\" y=\"%.1f\" "
			    "text-anchor=\"middle\">no data in this range</text>\n",
			    (l.left + l.right) / 2, (l.top + l.bottom) / 2);
	draw_legend(out, &l, &stk);
	strbuf_addstr(out, "</svg>\n");
	chart_stack_release(&stk);
	free(l.stats);
}

const char *chart_css(void)
{
	return ".cm-chart{font-family:" CHART_FONTS ";font-size:12px;fill:#1f2328;"
	       "font-variant-numeric:tabular-nums}"
	       ".cm-title{font-size:15px;font-weight:600}"
	       ".cm-sub,.cm-unit,.cm-lh{fill:#57606a}"
	       ".cm-unit,.cm-lh{font-size:11px}"
	       ".cm-tick{font-size:11px;fill:#57606a}"
	       ".cm-ctx{font-size:11px;font-weight:600;fill:#3d444d}"
	       ".cm-grid path{stroke:#e8eaed;fill:none}"
	       ".cm-vgrid{stroke:#f0f1f3;fill:none}"
	       ".cm-day{stroke:#c9ced4;fill:none}"
	       ".cm-axis{stroke:#8c959f;fill:none}"
	       ".cm-line{stroke-width:1.6;stroke-linejoin:round;stroke-linecap:round}"
	       ".cm-band{fill:#8796a8;fill-opacity:.22}"
	       ".cm-mid{stroke:#5d6875;stroke-width:1.2;stroke-dasharray:5 3}"
	       ".cm-mark{font-size:11px;font-weight:600}"
	       ".cm-nodata{font-size:14px;fill:#8c959f}"
	       ".cm-nodata-row{fill:#8c959f;font-style:italic}"
	       ".cm-total{font-weight:600}"
	       ".cm-num,.cm-lh{text-anchor:end}";
}
