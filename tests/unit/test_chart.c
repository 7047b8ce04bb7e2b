// SPDX-License-Identifier: GPL-2.0-or-later
/* ui/chart and ui/report_page: escaping, ticks, gaps, decimation, bounds. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "base/strbuf.h"
#include "base/xalloc.h"
#include "ui/chart.h"
#include "ui/chart_int.h"
#include "ui/report_page.h"

#define MS_H	3600000LL
#define T1_MS	1795521600000LL /* Tue 2026-11-24 12:00 UTC */
#define T0_MS	(T1_MS - 24 * MS_H)
#define HOSTILE "evil<script>&\"'\x1b[31m\xff"

/* ---- a small XML well-formedness check ---- */

static bool entity_ok(const char *p)
{
	static const char *const ents[] = { "&amp;", "&lt;", "&gt;", "&quot;", "&apos;" };

	for (size_t i = 0; i < sizeof(ents) / sizeof(ents[0]); i++)
		if (!strncmp(p, ents[i], strlen(ents[i])))
			return true;
	return false;
}

static bool char_ok(const char *p)
{
	unsigned char ch = (unsigned char)*p;

	return (ch >= 0x20 || ch == '\n' || ch == '\t') && ch != 0x7f &&
	       (*p != '&' || entity_ok(p));
}

#define NAME_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-:"

/* Skips a tag's attributes: name="value" with no '<', bare '&' or control byte inside. */
static const char *attrs(const char *p, bool *self_closed)
{
	for (;;) {
		size_t n;

		p += strspn(p, " \n\t");
		if (*p == '>')
			return p + 1;
		if (*p == '/' && p[1] == '>') {
			*self_closed = true;
			return p + 2;
		}
		n = strspn(p, NAME_CHARS);
		if (!n || p[n] != '=' || p[n + 1] != '"')
			return NULL;
		for (p += n + 2; *p && *p != '"'; p++)
			if (*p == '<' || !char_ok(p))
				return NULL;
		if (!*p)
			return NULL;
		p++;
	}
}

/* NULL when s is well-formed (elements nest, text and attributes are escaped). */
static const char *xml_check(const char *s)
{
	char stack[64][32];
	int depth = 0;
	const char *p = s;

	if (!strncmp(p, "<?xml", 5) && !(p = strstr(p, "?>") ? strstr(p, "?>") + 2 : NULL))
		return "open XML declaration";
	while (*p) {
		bool closing, self_closed = false;
		size_t n;

		if (*p != '<') {
			if (*p == '>' || !char_ok(p))
				return p;
			p++;
			continue;
		}
		closing = *++p == '/';
		p += closing;
		n = strspn(p, NAME_CHARS);
		if (!n || n >= 32)
			return "bad tag name";
		if (closing) {
			if (!depth || strlen(stack[depth - 1]) != n ||
			    memcmp(stack[--depth], p, n) || p[n] != '>')
				return "mismatched end tag";
			p += n + 1;
			continue;
		}
		if (depth == 64)
			return "too deep";
		memcpy(stack[depth], p, n);
		stack[depth][n] = '\0';
		if (!(p = attrs(p + n, &self_closed)))
			return "bad attribute";
		depth += !self_closed;
	}
	return depth ? "unclosed element" : NULL;
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* How often needle occurs in the d="..." of the first element after prefix. */
static size_t count_path(const char *doc, const char *prefix, const char *needle)
{
	const char *d = strstr(doc, prefix);
	char *path;
	size_t n;

	assert_non_null(d);
	d = strstr(d, " d=\"");
	assert_non_null(d);
	d += 4;
	path = strndup(d, strcspn(d, "\""));
	n = count(path, needle);
	free(path);
	return n;
}

/* ---- escaping ---- */

static void test_xml_text(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	chart_xml_text(&sb, HOSTILE, 0);
	assert_string_equal(sb.buf, "evil&lt;script&gt;&amp;&quot;&apos;\\x1b[31m\\xff");
	strbuf_reset(&sb);
	chart_xml_text(&sb, NULL, 0);
	assert_string_equal(sb.buf, "");
	/* U+FFFE is valid UTF-8 but no XML character. */
	chart_xml_text(&sb,
		       "a\xef\xbf\xbe"
		       "b\xc3\xa9",
		       0);
	assert_string_equal(sb.buf, "a\\xef\\xbf\\xbeb\xc3\xa9");
	strbuf_reset(&sb);
	chart_xml_text(&sb, "abcdefghij", 5);
	assert_string_equal(sb.buf, "abcd\xe2\x80\xa6");
	strbuf_reset(&sb);
	chart_xml_text(&sb, "abcde", 5);
	assert_string_equal(sb.buf, "abcde");
	strbuf_release(&sb);
}

static void test_xml_check_catches(void **state)
{
	(void)state;
	/* The checker itself: it must fail on what escaping prevents. */
	assert_null(xml_check("<svg a=\"1\"><g><text>x &amp; y</text></g><path d=\"M0\"/></svg>"));
	assert_non_null(xml_check("<svg><text>a<script></text></svg>"));
	assert_non_null(xml_check("<svg><text>a & b</text></svg>"));
	assert_non_null(xml_check("<svg a=\"x\"y\"></svg>"));
	assert_non_null(xml_check("<svg><g></svg>"));
	assert_non_null(xml_check("<svg><text>\x1b</text></svg>"));
}

static void render(struct strbuf *sb, const struct chart *c, bool standalone)
{
	strbuf_reset(sb);
	chart_svg(sb, c, 960, 300, standalone);
}

static void test_hostile_chart(void **state)
{
	int64_t t[3] = { T0_MS, T0_MS + MS_H, T0_MS + 2 * MS_H };
	double v[3] = { 1, 2, 3 };
	struct chart_series s[2] = { { HOSTILE, t, v, 3 }, { "</svg><svg>", t, v, 3 } };
	struct chart_mark m = { T0_MS, T0_MS + MS_H, HOSTILE, 2 };
	struct chart_band b = { t, v, v, v, 3, HOSTILE };
	struct chart c = { .title = HOSTILE,
			   .subtitle = HOSTILE,
			   .unit = HOSTILE,
			   .t0_ms = T0_MS,
			   .t1_ms = T1_MS,
			   .step_ms = MS_H,
			   .tz_name = HOSTILE,
			   .series = s,
			   .nr_series = 2,
			   .band = &b,
			   .marks = &m,
			   .nr_marks = 1 };
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	for (int stacked = 0; stacked < 2; stacked++) {
		c.stacked = stacked;
		render(&sb, &c, true);
		assert_null(xml_check(sb.buf));
		assert_null(strstr(sb.buf, "<script"));
		assert_null(strstr(sb.buf, "</svg><svg>"));
		assert_true(count(sb.buf, "evil&lt;script&gt;&amp;&quot;&apos;\\x1b[31m") >= 5);
		render(&sb, &c, false);
		assert_null(xml_check(sb.buf));
	}
	strbuf_release(&sb);
}

/* ---- ticks ---- */

static void test_nice_step(void **state)
{
	(void)state;
	assert_true(chart_nice_step(100, 5, false) == 20);
	assert_true(chart_nice_step(7, 5, true) == 2);
	assert_true(fabs(chart_nice_step(0.7, 5, false) - 0.2) < 1e-12);
	assert_true(chart_nice_step(3, 10, true) == 1);
	assert_true(fabs(chart_nice_step(3, 10, false) - 0.5) < 1e-12);
	assert_true(chart_nice_step(4500, 5, false) == 1000);
	assert_true(chart_nice_step(0, 5, false) == 1);
	assert_true(chart_nice_step(NAN, 5, false) == 1);
	assert_true(chart_nice_step(INFINITY, 5, false) == 1);
}

static void test_value_axis(void **state)
{
	struct chart_axis a;
	char buf[CHART_LABEL_LEN];

	(void)state;
	chart_axis_init(&a, "B/s", 0, 3.5 * 1048576, false, 5);
	assert_string_equal(chart_axis_label(&a, a.lo, buf, sizeof(buf)), "0 MiB/s");
	assert_string_equal(chart_axis_label(&a, a.lo + a.step, buf, sizeof(buf)), "1 MiB/s");
	assert_true(a.hi >= 3.5 * 1048576 && a.hi <= 4 * 1048576);
	chart_axis_init(&a, "connections", 0, 15000, true, 5);
	assert_string_equal(chart_axis_label(&a, 10000, buf, sizeof(buf)), "10k");
	assert_int_equal(a.nr_ticks, 4); /* 0 5k 10k 15k */
	chart_axis_init(&a, "connections", 0, 1457, true, 5);
	assert_string_equal(chart_axis_label(&a, 1500, buf, sizeof(buf)), "1500");
	assert_true(a.hi == 1500);
	/* Whole counts never get a tick between two whole numbers. */
	chart_axis_init(&a, "connections", 0, 3, true, 10);
	assert_true(a.step == 1);
	chart_axis_init(&a, "%", 0, 0.3, false, 5);
	assert_string_equal(chart_axis_label(&a, 0.3, buf, sizeof(buf)), "0.3%");
	assert_string_equal(chart_axis_label(&a, 0, buf, sizeof(buf)), "0%");
	/* Negative values: the axis reaches below zero. */
	chart_axis_init(&a, "connections", -40, 90, true, 5);
	assert_true(a.lo <= -40 && a.hi >= 90);
	/* Values too small to resolve, NaN, infinities: a unit axis, not a loop. */
	chart_axis_init(&a, "x", 0, 1e-320, false, 5);
	assert_true(a.nr_ticks >= 2 && a.nr_ticks <= CHART_MAX_TICKS);
	chart_axis_init(&a, "x", INFINITY, -INFINITY, false, 5); /* no data */
	assert_true(a.lo == 0 && a.hi == 1);
	chart_axis_init(&a, "x", -INFINITY, INFINITY, false, 5);
	assert_true(isfinite(a.lo) && isfinite(a.hi) && a.nr_ticks <= CHART_MAX_TICKS);
	chart_axis_init(&a, "x", -1e308, 1e308, false, 5);
	assert_true(isfinite(a.lo) && isfinite(a.hi) && a.nr_ticks <= CHART_MAX_TICKS);
}

static void test_legend_values(void **state)
{
	char buf[CHART_LABEL_LEN];

	(void)state;
	assert_string_equal(chart_fmt_value(CHART_UNIT_SI, false, 1042, buf, sizeof(buf)), "1042");
	assert_string_equal(chart_fmt_value(CHART_UNIT_SI, false, 9.154, buf, sizeof(buf)), "9.15");
	assert_string_equal(chart_fmt_value(CHART_UNIT_SI, false, 15300, buf, sizeof(buf)),
			    "15.3k");
	assert_string_equal(chart_fmt_value(CHART_UNIT_SI, false, 2.5e6, buf, sizeof(buf)),
			    "2.50M");
	assert_string_equal(chart_fmt_value(CHART_UNIT_BYTES, true, 2048, buf, sizeof(buf)),
			    "2.00 KiB/s");
	assert_string_equal(chart_fmt_value(CHART_UNIT_PERCENT, false, 0.42, buf, sizeof(buf)),
			    "0.42%");
	assert_string_equal(chart_fmt_value(CHART_UNIT_SI, false, NAN, buf, sizeof(buf)), "-");
}

static void test_time_steps(void **state)
{
	(void)state;
	assert_int_equal(chart_time_step_ms(24 * MS_H, 10), 3 * MS_H);
	assert_int_equal(chart_time_step_ms(MS_H, 10), 10 * 60000);
	assert_int_equal(chart_time_step_ms(7 * 24 * MS_H, 10), 24 * MS_H);
	assert_int_equal(chart_time_step_ms(60000, 10), 10000);
	assert_int_equal(chart_time_step_ms(90 * 24 * MS_H, 10), 14 * 24 * MS_H);
	assert_int_equal(chart_time_step_ms(6 * MS_H, 8), MS_H);
	assert_int_equal(chart_time_step_ms(2 * MS_H, 8), 15 * 60000);
}

static void test_time_first_tick(void **state)
{
	int64_t t0 = T1_MS + 7 * 60000; /* 12:07 UTC */
	char line1[CHART_LABEL_LEN], ctx[CHART_LABEL_LEN];

	(void)state;
	/* 15-minute steps in CET: 13:15 local, 12:15 UTC. */
	assert_true(chart_time_first_tick(t0, 15 * 60000, 3600) == T1_MS + 15 * 60000);
	/* Hours in India (UTC+05:30): 17:37 local, so 18:00 local = 12:30 UTC. */
	assert_true(chart_time_first_tick(t0, MS_H, 19800) == T1_MS + 30 * 60000);
	/* Days in UTC-05:00: local midnight is 05:00 UTC the next day. */
	assert_true(chart_time_first_tick(t0, 24 * MS_H, -18000) == T1_MS + 17 * MS_H);
	/* Weeks start on Monday: Mon 2026-11-30 00:00 UTC. */
	assert_true(chart_time_first_tick(t0, 7 * 24 * MS_H, 0) ==
		    T1_MS + 6 * 24 * MS_H - 12 * MS_H);
	/* A tick already on a boundary is the first. */
	assert_true(chart_time_first_tick(T1_MS, MS_H, 0) == T1_MS);

	chart_time_labels(T1_MS + 30 * 60000, MS_H, 3600, line1, ctx);
	assert_string_equal(line1, "13:30");
	assert_string_equal(ctx, "Tue 24 Nov 2026");
	chart_time_labels(T1_MS + 15000, 15000, 0, line1, ctx);
	assert_string_equal(line1, "12:00:15");
	chart_time_labels(T1_MS, 24 * MS_H, 0, line1, ctx);
	assert_string_equal(line1, "Tue 24");
	assert_string_equal(ctx, "Nov 2026");
	chart_time_labels(T1_MS, 7 * 24 * MS_H, 0, line1, ctx);
	assert_string_equal(line1, "24 Nov");
	assert_string_equal(ctx, "2026");
}

static void test_time_axis_rendered(void **state)
{
	int64_t t[2] = { T0_MS, T1_MS };
	double v[2] = { 1, 2 };
	struct chart_series s = { "a", t, v, 2 };
	struct chart c = { .title = "t",
			   .unit = "connections",
			   .t0_ms = T0_MS,
			   .t1_ms = T1_MS,
			   .tz_offset_s = 3600,
			   .tz_name = "CET",
			   .series = &s,
			   .nr_series = 1 };
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	render(&sb, &c, true);
	/* A day from 13:00 CET: 3-hour ticks from 15:00, the dates where they change. */
	assert_non_null(strstr(sb.buf, ">15:00<"));
	assert_non_null(strstr(sb.buf, ">00:00<"));
	assert_null(strstr(sb.buf, ">14:00<"));
	assert_non_null(strstr(sb.buf, ">Mon 23 Nov 2026<"));
	assert_non_null(strstr(sb.buf, ">Tue 24 Nov 2026<"));
	assert_non_null(strstr(sb.buf, "CET, UTC+01:00"));
	assert_int_equal(count(sb.buf, "class=\"cm-day\""), 1); /* midnight */
	strbuf_release(&sb);
}

/* ---- gaps and decimation ---- */

static void test_gaps(void **state)
{
	int64_t t[8] = { 0, 1000, 2000, 3000, 10000, 11000, 12000, 13000 };
	double v[8] = { 1, 2, 3, 4, 5, NAN, 7, 8 };
	struct chart_point p[CHART_DECIMATE_CAP(1000)];
	size_t nr;

	(void)state;
	/* 13 s over 1000 px: every point in its own column; the 7 s gap and the NaN break. */
	nr = chart_decimate(t, v, 8, 0, 13000, 1000, 1000, p, CHART_DECIMATE_CAP(1000));
	assert_int_equal(nr, 7);
	assert_true(p[0].starts_line && !p[1].starts_line && !p[3].starts_line);
	assert_true(p[4].starts_line && p[4].v == 5);
	assert_true(p[5].starts_line && p[5].v == 7);
	/* Without a step only the NaN breaks. */
	nr = chart_decimate(t, v, 8, 0, 13000, 1000, 0, p, CHART_DECIMATE_CAP(1000));
	assert_true(!p[4].starts_line && p[5].starts_line);
	/* Over a day the 7 s gap is narrower than a pixel: no break. */
	nr = chart_decimate(t, v, 8, 0, 24 * MS_H, 1000, 1000, p, CHART_DECIMATE_CAP(1000));
	assert_true(p[0].starts_line);
	for (size_t i = 1; i < nr; i++)
		assert_false(p[i].starts_line);
	/* Out of range and out of order points are left out. */
	nr = chart_decimate(t, v, 8, 1000, 11000, 1000, 0, p, CHART_DECIMATE_CAP(1000));
	assert_int_equal(nr, 4);
	assert_true(p[0].t_ms == 1000 && p[3].t_ms == 10000);
	t[2] = 500;
	nr = chart_decimate(t, v, 8, 0, 13000, 1000, 0, p, CHART_DECIMATE_CAP(1000));
	assert_int_equal(nr, 6);
	assert_true(p[1].t_ms == 1000 && p[2].t_ms == 3000);
	/* The cap holds whatever the data. */
	nr = chart_decimate(t, v, 8, 0, 13000, 1000, 0, p, 3);
	assert_int_equal(nr, 3);
}

static void test_gaps_rendered(void **state)
{
	int64_t t[6] = { T0_MS,
			 T0_MS + MS_H,
			 T0_MS + 2 * MS_H,
			 T0_MS + 6 * MS_H,
			 T0_MS + 7 * MS_H,
			 T0_MS + 12 * MS_H };
	double v[6] = { 1, 2, 3, 4, 5, 6 };
	struct chart_series s = { "a", t, v, 6 };
	struct chart c = { .title = "t",
			   .unit = "u",
			   .t0_ms = T0_MS,
			   .t1_ms = T1_MS,
			   .step_ms = MS_H,
			   .series = &s,
			   .nr_series = 1 };
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	render(&sb, &c, false);
	/* Three pieces: 0-2 h, 6-7 h, and 12 h alone, which also gets a dot. */
	assert_int_equal(count_path(sb.buf, "class=\"cm-line\"", "M"), 3);
	assert_int_equal(count_path(sb.buf, "class=\"cm-line\"", "L"), 3);
	assert_int_equal(count(sb.buf, "<circle"), 1);
	strbuf_release(&sb);
}

static void test_decimation_keeps_extremes(void **state)
{
	size_t n = 7 * 86400, spike = 123457, dip = 400001, nr;
	int64_t *t = xmalloc(n * sizeof(*t));
	double *v = xmalloc(n * sizeof(*v));
	struct chart_point *p = xmalloc(CHART_DECIMATE_CAP(900) * sizeof(*p));
	bool saw_spike = false, saw_dip = false;

	(void)state;
	for (size_t i = 0; i < n; i++) {
		t[i] = T0_MS + (int64_t)i * 1000;
		v[i] = 100 + (double)(i % 97);
	}
	v[spike] = 1e6;
	v[dip] = -5;
	nr = chart_decimate(t, v, n, T0_MS, T0_MS + (int64_t)n * 1000, 900, 1000, p,
			    CHART_DECIMATE_CAP(900));
	assert_true(nr <= CHART_DECIMATE_CAP(900) && nr > 900);
	for (size_t i = 0; i < nr; i++) {
		saw_spike = saw_spike || (p[i].v == 1e6 && p[i].t_ms == t[spike]);
		saw_dip = saw_dip || (p[i].v == -5 && p[i].t_ms == t[dip]);
		if (i)
			assert_true(p[i].t_ms > p[i - 1].t_ms);
	}
	assert_true(saw_spike && saw_dip);
	free(t);
	free(v);
	free(p);
}

/* 7 days of 1 s samples, lines and stacked: the SVG stays small. */
static void test_bounded_output(void **state)
{
	size_t n = 7 * 86400;
	int64_t *t = xmalloc(n * sizeof(*t));
	double *v = xmalloc(n * sizeof(*v));
	struct chart_series s[3];
	struct chart c = { .title = "week",
			   .unit = "B/s",
			   .t0_ms = T0_MS,
			   .t1_ms = T0_MS + (int64_t)n * 1000,
			   .step_ms = 1000,
			   .series = s,
			   .nr_series = 3 };
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	for (size_t i = 0; i < n; i++) {
		t[i] = T0_MS + (int64_t)i * 1000;
		v[i] = (double)((i * 7919) % 10007) * 1000;
	}
	for (int k = 0; k < 3; k++)
		s[k] = (struct chart_series){ "s", t, v, n };
	render(&sb, &c, true);
	assert_true(sb.len < 512 * 1024);
	assert_null(xml_check(sb.buf));
	c.stacked = true;
	render(&sb, &c, true);
	assert_true(sb.len < 768 * 1024);
	assert_null(xml_check(sb.buf));
	strbuf_release(&sb);
	free(t);
	free(v);
}

/* ---- empty series, band, stacking, legend ---- */

static void test_no_data(void **state)
{
	int64_t t[2] = { T0_MS - 2 * MS_H, T0_MS - MS_H }; /* before the range */
	double v[2] = { 1, 2 };
	struct chart_series s[2] = { { "empty", NULL, NULL, 0 }, { "before", t, v, 2 } };
	struct chart c = { .title = "t",
			   .unit = "sockets",
			   .t0_ms = T0_MS,
			   .t1_ms = T1_MS,
			   .step_ms = 1000,
			   .series = s,
			   .nr_series = 2 };
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	for (int stacked = 0; stacked < 2; stacked++) {
		c.stacked = stacked;
		render(&sb, &c, true);
		assert_null(xml_check(sb.buf));
		/* Across the plot, and in each legend row. */
		assert_int_equal(count(sb.buf, "no data in this range"), 3 + stacked);
		assert_null(strstr(sb.buf, "class=\"cm-line\""));
		assert_null(strstr(sb.buf, "class=\"cm-tick\" text-anchor=\"end\"><text"));
	}
	/* No series at all, and an empty range. */
	c.nr_series = 0;
	c.t1_ms = c.t0_ms;
	render(&sb, &c, true);
	assert_null(xml_check(sb.buf));
	assert_int_equal(count(sb.buf, "no data in this range"), 1);
	strbuf_release(&sb);
}

static void test_band(void **state)
{
	int64_t t[3] = { T0_MS, T0_MS + 12 * MS_H, T1_MS };
	double lo[3] = { 5, 6, 7 }, hi[3] = { 900, 1000, 950 }, mid[3] = { 50, NAN, 60 };
	double v[3] = { 8, 9, 10 };
	struct chart_series s = { "a", t, v, 3 };
	struct chart_band b = { t, lo, hi, mid, 3, "baseline" };
	struct chart c = { .title = "t",
			   .unit = "connections",
			   .t0_ms = T0_MS,
			   .t1_ms = T1_MS,
			   .step_ms = 12 * MS_H,
			   .series = &s,
			   .nr_series = 1,
			   .band = &b };
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	render(&sb, &c, true);
	assert_null(xml_check(sb.buf));
	/* The axis reaches the band's top. */
	assert_non_null(strstr(sb.buf, ">1000</text>"));
	/* One closed polygon of 3 + 3 corners. */
	assert_int_equal(count_path(sb.buf, "<path class=\"cm-band\"", "M"), 1);
	assert_int_equal(count_path(sb.buf, "<path class=\"cm-band\"", "L"), 5);
	assert_int_equal(count_path(sb.buf, "<path class=\"cm-band\"", "Z"), 1);
	/* The median breaks at its NaN: two single points, two moves, no line. */
	assert_int_equal(count_path(sb.buf, "<path class=\"cm-mid\"", "M"), 2);
	assert_int_equal(count_path(sb.buf, "<path class=\"cm-mid\"", "L"), 0);
	assert_non_null(strstr(sb.buf, ">baseline</text>"));
	strbuf_release(&sb);
}

static void test_stack_merge(void **state)
{
	int64_t ta[3] = { 0, 1000, 2000 }, tb[3] = { 1000, 2000, 3000 };
	double va[3] = { 1, 1, 1 }, vb[3] = { 2, NAN, 2 };
	struct chart_series s[2] = { { "a", ta, va, 3 }, { "b", tb, vb, 3 } };
	struct chart c = {
		.t0_ms = 0, .t1_ms = 3000, .series = s, .nr_series = 2, .stacked = true
	};
	struct chart_stack st;

	(void)state;
	chart_stack_build(&st, &c, 1000);
	assert_int_equal(st.nr_rows, 4);
	assert_int_equal(st.nr_layers, 2);
	/* Rows: (1,0) (1,2) (1,0) (0,2): missing and NaN count as 0. */
	assert_true(st.v[0] == 1 && st.v[1] == 0);
	assert_true(st.v[2] == 1 && st.v[3] == 2);
	assert_true(st.v[4] == 1 && st.v[5] == 0);
	assert_true(st.v[6] == 0 && st.v[7] == 2);
	assert_true(st.total.max == 3 && st.total.min == 1 && st.total.last == 2);
	assert_int_equal(st.total.nr, 4);
	chart_stack_release(&st);
}

static void test_legend_rendered(void **state)
{
	int64_t t[5] = { T0_MS, T0_MS + MS_H, T0_MS + 2 * MS_H, T0_MS + 3 * MS_H,
			 T0_MS + 4 * MS_H };
	double v[5] = { 1, 2, 3, NAN, 4 };
	struct chart_series s[2] = { { "first", t, v, 5 }, { "other", t, v, 5 } };
	struct chart_mark m = { T0_MS + MS_H, 0, "reload", 1 };
	struct chart c = { .title = "t",
			   .unit = "connections",
			   .t0_ms = T0_MS,
			   .t1_ms = T1_MS,
			   .series = s,
			   .nr_series = 2,
			   .marks = &m,
			   .nr_marks = 1 };
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	render(&sb, &c, false);
	assert_null(xml_check(sb.buf));
	/* last 4, min 1, max 4, mean 2.5, for both rows */
	assert_int_equal(count(sb.buf, "class=\"cm-num\""), 8);
	assert_int_equal(count(sb.buf, ">2.50</text>"), 2);
	assert_non_null(strstr(sb.buf, "first: last 4, min 1, max 4, mean 2.50"));
	assert_non_null(strstr(sb.buf, "stroke=\"#a3a9b1\"")); /* "other" is grey */
	assert_non_null(strstr(sb.buf, "<g><title>reload</title>"));
	assert_non_null(strstr(sb.buf, ">reload</text>"));
	assert_non_null(strstr(sb.buf, "width=\"100%\""));
	c.stacked = true;
	render(&sb, &c, false);
	assert_non_null(strstr(sb.buf, ">total</text>"));
	/* The top layer is painted first, each lower one over it. */
	assert_true(strstr(sb.buf, "<title>other:") < strstr(sb.buf, "<title>first:"));
	assert_int_equal(count(sb.buf, "class=\"cm-area\""), 2);
	assert_non_null(strstr(sb.buf, ">8</text>")); /* the total's max */
	strbuf_release(&sb);
}

static void test_marks(void **state)
{
	struct chart_mark m[5] = {
		{ T0_MS + MS_H, T0_MS + 2 * MS_H, "one", 2 },
		{ T0_MS + MS_H, 0, "two", 1 },
		{ T0_MS + MS_H, 0, "three", 0 },
		{ T0_MS + MS_H, 0, "four", 7 },	       /* no room left: tooltip only */
		{ T1_MS, 0, "at the right edge", -3 }, /* ends at its mark */
	};
	struct chart c = {
		.title = "t", .unit = "u", .t0_ms = T0_MS, .t1_ms = T1_MS, .marks = m, .nr_marks = 5
	};
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	render(&sb, &c, true);
	assert_null(xml_check(sb.buf));
	assert_int_equal(count(sb.buf, "<text class=\"cm-mark\""), 4);
	assert_null(strstr(sb.buf, ">four</text>"));
	assert_non_null(strstr(sb.buf, "<title>four</title>"));
	assert_non_null(strstr(sb.buf, "text-anchor=\"end\">at the right edge</text>"));
	/* Three rows of labels; severities clamped to 0..2. */
	assert_non_null(strstr(sb.buf, "y=\"63.0\" fill=\"#c0392b\">one<"));
	assert_non_null(strstr(sb.buf, "y=\"77.0\" fill=\"#c98a00\">two<"));
	assert_non_null(strstr(sb.buf, "y=\"91.0\" fill=\"#3a6ea5\">three<"));
	assert_int_equal(count(sb.buf, "fill=\"#c0392b\""), 2); /* critical: span and label */
	assert_int_equal(count(sb.buf, "<rect x="), 1); /* one span; the others are instants */
	strbuf_release(&sb);
}

/* ---- the page ---- */

static void test_page(void **state)
{
	int64_t t[2] = { T0_MS, T1_MS };
	double v[2] = { 1, 2 };
	struct chart_series s = { HOSTILE, t, v, 2 };
	struct chart c = { .title = "c",
			   .unit = "u",
			   .t0_ms = T0_MS,
			   .t1_ms = T1_MS,
			   .series = &s,
			   .nr_series = 1 };
	const char *head[2] = { "peer", "max" }, *cells[2] = { HOSTILE, "42" };
	struct report_table tab = { HOSTILE, head, 2, cells, 1, 2 };
	struct report_page_info info = { .title = "Report",
					 .host = HOSTILE,
					 .since_ms = T0_MS,
					 .until_ms = T1_MS,
					 .generated_ms = T1_MS,
					 .tz_offset_s = -16200,
					 .tz_name = "VET" };
	struct strbuf sb = STRBUF_INIT;
	struct report_page p;
	const char *svg;

	(void)state;
	report_page_begin(&p, &sb, &info);
	report_page_section(&p, HOSTILE, HOSTILE);
	report_page_chart(&p, &c);
	report_page_chart_table(&p, &c, &tab);
	report_page_section(&p, "second", NULL);
	report_page_table(&p, &tab);
	report_page_end(&p);
	assert_null(p.out);
	assert_null(strstr(sb.buf, "<script"));
	assert_null(strstr(sb.buf, "://")); /* no URL to fetch */
	assert_null(strstr(sb.buf, "\x1b"));
	assert_non_null(strstr(sb.buf, "default-src 'none'"));
	assert_non_null(strstr(sb.buf, "From <b>Mon 23 Nov 2026 07:30</b> to <b>Tue 24 Nov 2026 "
				       "07:30</b> (1 day)"));
	assert_non_null(strstr(sb.buf, "VET, UTC\xe2\x88\x92"
				       "04:30"));
	assert_int_equal(count(sb.buf, "<section"), 2);
	assert_int_equal(count(sb.buf, "</section>"), 2);
	assert_int_equal(count(sb.buf, "<td class=\"n\">42</td>"), 2);
	assert_int_equal(count(sb.buf, "<svg"), 2);
	/* Each inline chart is well-formed on its own. */
	for (svg = strstr(sb.buf, "<svg"); svg; svg = strstr(svg + 1, "<svg")) {
		char *one = strndup(svg, (size_t)(strstr(svg, "</svg>") + 6 - svg));

		assert_null(xml_check(one));
		free(one);
	}
	strbuf_release(&sb);
}

static void test_local_zone(void **state)
{
	char name[16];
	int off;

	(void)state;
	/* The EU rule as POSIX TZ text: no tzdata needed (a fresh machine has none). */
	setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3", 1);
	tzset();
	report_local_zone(T1_MS, &off, name, sizeof(name));
	assert_int_equal(off, 3600);
	assert_string_equal(name, "CET");
	report_local_zone(T1_MS - 140LL * 24 * MS_H, &off, name, sizeof(name)); /* in July */
	assert_int_equal(off, 7200);
	assert_string_equal(name, "CEST");
	setenv("TZ", "IST-5:30", 1); /* Asia/Kolkata, as POSIX TZ text */
	tzset();
	report_local_zone(T1_MS, &off, name, sizeof(name));
	assert_int_equal(off, 19800);
	setenv("TZ", "UTC0", 1);
	tzset();
	report_local_zone(T1_MS, &off, name, sizeof(name));
	assert_int_equal(off, 0);
	assert_string_equal(name, "UTC");
	unsetenv("TZ");
	tzset();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xml_text),
		cmocka_unit_test(test_xml_check_catches),
		cmocka_unit_test(test_hostile_chart),
		cmocka_unit_test(test_nice_step),
		cmocka_unit_test(test_value_axis),
		cmocka_unit_test(test_legend_values),
		cmocka_unit_test(test_time_steps),
		cmocka_unit_test(test_time_first_tick),
		cmocka_unit_test(test_time_axis_rendered),
		cmocka_unit_test(test_gaps),
		cmocka_unit_test(test_gaps_rendered),
		cmocka_unit_test(test_decimation_keeps_extremes),
		cmocka_unit_test(test_bounded_output),
		cmocka_unit_test(test_no_data),
		cmocka_unit_test(test_band),
		cmocka_unit_test(test_stack_merge),
		cmocka_unit_test(test_legend_rendered),
		cmocka_unit_test(test_marks),
		cmocka_unit_test(test_page),
		cmocka_unit_test(test_local_zone),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
