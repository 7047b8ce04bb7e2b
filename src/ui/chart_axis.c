// SPDX-License-Identifier: GPL-2.0-or-later
/* Scales, ticks and labels of the charts, and the escaping of their text. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/outbuf.h"
#include "base/units.h"
#include "base/xalloc.h"
#include "ui/chart_int.h"

/* U+FFFE and U+FFFF are valid UTF-8 but not XML characters: escape them too. */
static bool is_xml_nonchar(const char *p, size_t left)
{
	return left >= 3 && (unsigned char)p[0] == 0xef && (unsigned char)p[1] == 0xbf &&
	       ((unsigned char)p[2] == 0xbe || (unsigned char)p[2] == 0xbf);
}

static void add_xml_escaped(struct strbuf *out, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		switch (s[i]) {
		case '&':
			strbuf_addstr(out, "&amp;");
			break;
		case '<':
			strbuf_addstr(out, "&lt;");
			break;
		case '>':
			strbuf_addstr(out, "&gt;");
			break;
		case '"':
			strbuf_addstr(out, "&quot;");
			break;
		case '\'':
			strbuf_addstr(out, "&apos;");
			break;
		default:
			if (is_xml_nonchar(s + i, len - i)) {
				strbuf_addf(out, "\\xef\\xbf\\x%02x", (unsigned char)s[i + 2]);
				i += 2;
			} else {
				strbuf_addch(out, s[i]);
			}
		}
	}
}

void chart_xml_text(struct strbuf *out, const char *s, size_t max_cols)
{
	size_t len, cap, n, cols;
	char *safe;

	if (!s)
		return;
	len = strlen(s);
	cap = 4 * len + 1; /* each byte becomes at most \xHH */
	safe = xmalloc(cap);
	n = text_escape(safe, cap, s, len, SIZE_MAX, &cols);
	if (max_cols && cols > max_cols) {
		/* Cut one column earlier and mark the cut with an ellipsis. */
		n = text_escape(safe, cap, s, len, max_cols > 1 ? max_cols - 1 : 1, &cols);
		add_xml_escaped(out, safe, n);
		strbuf_addstr(out, "\xe2\x80\xa6");
	} else {
		add_xml_escaped(out, safe, n);
	}
	free(safe);
}

double chart_nice_step(double span, unsigned target, bool integer)
{
	double raw, mag, f, step;

	if (!(span > 0) || !isfinite(span) || target == 0)
		return 1;
	raw = span / target;
	mag = pow(10, floor(log10(raw)));
	f = raw / mag;
	step = (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
	if (integer && step < 1)
		step = 1;
	return step;
}

enum chart_unit_kind chart_unit_kind(const char *unit)
{
	if (unit && (!strcmp(unit, "B") || !strcmp(unit, "B/s")))
		return CHART_UNIT_BYTES;
	if (unit && !strcmp(unit, "%"))
		return CHART_UNIT_PERCENT;
	return CHART_UNIT_SI;
}

static const char *const si_prefix[] = { "", "k", "M", "G", "T", "P" };
static const char *const iec_bytes[] = { " B", " KiB", " MiB", " GiB", " TiB", " PiB" };
static const char *const iec_rates[] = { " B/s", " KiB/s", " MiB/s", " GiB/s", " TiB/s", " PiB/s" };

/* The scale of the whole axis comes from its largest magnitude. */
static void axis_scale(struct chart_axis *a, double biggest)
{
	double base = a->kind == CHART_UNIT_BYTES ? 1024 : 1000;
	size_t u;

	a->div = 1;
	if (a->kind == CHART_UNIT_PERCENT) {
		a->suffix = "%";
		return;
	}
	/* Counts stay whole up to four digits ("2500", not "2.5k"); bytes as units_fmt(). */
	if (a->kind == CHART_UNIT_SI)
		biggest /= 10;
	u = units_scale(&biggest, base, UNITS_NR(si_prefix));
	a->div = pow(base, (double)u);
	if (a->kind == CHART_UNIT_BYTES)
		a->suffix = a->per_s ? iec_rates[u] : iec_bytes[u];
	else
		a->suffix = si_prefix[u];
}

void chart_axis_init(struct chart_axis *a, const char *unit, double min_v, double max_v,
		     bool integer, unsigned target)
{
	/* Beyond +-1e300 a tick could overflow: such values are drawn at the edge. */
	double lo = fmax(fmin(0, min_v), -1e300), hi = fmin(fmax(0, max_v), 1e300), step;

	memset(a, 0, sizeof(*a));
	a->kind = chart_unit_kind(unit);
	/* No data, only zeros, or magnitudes a tick step cannot resolve: a unit axis. */
	if (!isfinite(hi - lo) || hi - lo < 1e-200)
		lo = 0, hi = 1;
	a->per_s = unit && !strcmp(unit, "B/s");
	axis_scale(a, fmax(fabs(lo), fabs(hi)));
	step = chart_nice_step((hi - lo) / a->div, target, integer && a->div == 1);
	a->step = step * a->div;
	a->lo = floor(lo / a->step) * a->step;
	a->hi = ceil(hi / a->step) * a->step;
	a->decimals = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
	a->nr_ticks = (unsigned)fmin(round((a->hi - a->lo) / a->step), CHART_MAX_TICKS - 1) + 1;
}

const char *chart_axis_label(const struct chart_axis *a, double v, char *buf, size_t len)
{
	double shown = v / a->div;

	if (fabs(shown) < a->step / a->div / 1e6) /* "0", not "0.0" or "-0" */
		snprintf(buf, len, "0%s", a->suffix);
	else
		snprintf(buf, len, "%.*f%s", a->decimals, shown, a->suffix);
	return buf;
}

/* Three significant digits, k/M/G from 10000 on (as the axis), whole numbers as they are. */
static const char *fmt_si(double v, const char *suffix, char *buf, size_t len)
{
	double m = fabs(v);
	size_t u = m < 10000 ? 0 : units_scale(&m, 1000, UNITS_NR(si_prefix));
	const char *sign = v < 0 ? "-" : "";

	if (u > 0 && m >= 999.5 && u + 1 < UNITS_NR(si_prefix)) {
		m /= 1000;
		u++;
	}
	if (u == 0 && m == floor(m))
		snprintf(buf, len, "%s%.0f%s", sign, m, suffix);
	else if (u == 0 && m < 0.001)
		snprintf(buf, len, "%s%.2g%s", sign, m, suffix);
	else
		snprintf(buf, len, "%s%.*f%s%s", sign,
			 m < 9.995 ? 2 :
			 m < 99.95 ? 1 :
				     0,
			 m, si_prefix[u], suffix);
	return buf;
}

const char *chart_fmt_value(enum chart_unit_kind kind, bool per_s, double v, char *buf, size_t len)
{
	if (isnan(v)) {
		snprintf(buf, len, "-");
		return buf;
	}
	if (kind == CHART_UNIT_BYTES && v >= 0)
		return units_fmt(buf, len, v, per_s ? UNITS_BYTES_PER_S : UNITS_BYTES);
	if (kind == CHART_UNIT_PERCENT) {
		double m = fabs(v);

		snprintf(buf, len, "%.*f%%", m == floor(m) ? 0 : m < 9.995 ? 2 : 1, v);
		return buf;
	}
	return fmt_si(v, "", buf, len);
}

static const char *const day_name[] = { "Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed" };
static const char *const month_name[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

void chart_time_labels(int64_t t_ms, int64_t step_ms, int tz_offset_s, char *line1, char *context)
{
	int64_t local_ms = t_ms + (int64_t)tz_offset_s * CHART_MS_S;
	int64_t days = floor_div(local_ms, CHART_MS_DAY);
	time_t secs = (time_t)floor_div(local_ms, CHART_MS_S);
	const char *dn = day_name[((days % 7) + 7) % 7];
	struct tm tm;

	if (!gmtime_r(&secs, &tm)) {
		snprintf(line1, CHART_LABEL_LEN, "?");
		snprintf(context, CHART_LABEL_LEN, "?");
		return;
	}
	if (step_ms < CHART_MS_MIN)
		snprintf(line1, CHART_LABEL_LEN, "%02d:%02d:%02d", tm.tm_hour, tm.tm_min,
			 tm.tm_sec);
	else if (step_ms < CHART_MS_DAY)
		snprintf(line1, CHART_LABEL_LEN, "%02d:%02d", tm.tm_hour, tm.tm_min);
	else if (step_ms < 7 * CHART_MS_DAY)
		snprintf(line1, CHART_LABEL_LEN, "%s %d", dn, tm.tm_mday);
	else
		snprintf(line1, CHART_LABEL_LEN, "%d %s", tm.tm_mday, month_name[tm.tm_mon]);

	if (step_ms < CHART_MS_DAY)
		snprintf(context, CHART_LABEL_LEN, "%s %d %s %d", dn, tm.tm_mday,
			 month_name[tm.tm_mon], tm.tm_year + 1900);
	else if (step_ms < 7 * CHART_MS_DAY)
		snprintf(context, CHART_LABEL_LEN, "%s %d", month_name[tm.tm_mon],
			 tm.tm_year + 1900);
	else
		snprintf(context, CHART_LABEL_LEN, "%d", tm.tm_year + 1900);
}

void chart_zone_label(struct strbuf *out, int tz_offset_s, const char *tz_name)
{
	int off = tz_offset_s < 0 ? -tz_offset_s : tz_offset_s;

	if (tz_name && *tz_name) {
		chart_xml_text(out, tz_name, 24);
		if (!strcmp(tz_name, "UTC") && tz_offset_s == 0)
			return;
		strbuf_addstr(out, ", ");
	}
	strbuf_addf(out, "UTC%s%02d:%02d", tz_offset_s < 0 ? "\xe2\x88\x92" : "+", off / 3600,
		    off / 60 % 60);
}

/* Natural steps: the clock's and the calendar's, then whole weeks from Monday. */
static const int64_t time_steps[] = {
	1 * CHART_MS_S,	    2 * CHART_MS_S,    5 * CHART_MS_S,	  10 * CHART_MS_S,
	15 * CHART_MS_S,    30 * CHART_MS_S,   1 * CHART_MS_MIN,  2 * CHART_MS_MIN,
	5 * CHART_MS_MIN,   10 * CHART_MS_MIN, 15 * CHART_MS_MIN, 30 * CHART_MS_MIN,
	1 * CHART_MS_H,	    2 * CHART_MS_H,    3 * CHART_MS_H,	  6 * CHART_MS_H,
	12 * CHART_MS_H,    1 * CHART_MS_DAY,  2 * CHART_MS_DAY,  7 * CHART_MS_DAY,
	14 * CHART_MS_DAY,  28 * CHART_MS_DAY, 91 * CHART_MS_DAY, 182 * CHART_MS_DAY,
	364 * CHART_MS_DAY,
};

int64_t chart_time_step_ms(int64_t span_ms, unsigned max_ticks)
{
	size_t nr = sizeof(time_steps) / sizeof(time_steps[0]);
	int64_t last = time_steps[nr - 1];

	if (max_ticks == 0)
		max_ticks = 1;
	for (size_t i = 0; i < nr; i++)
		if (span_ms / time_steps[i] <= (int64_t)max_ticks)
			return time_steps[i];
	/* Beyond 52-week steps: whole multiples of 52 weeks. */
	return (span_ms / last / max_ticks + 1) * last;
}

int64_t chart_time_first_tick(int64_t t0_ms, int64_t step_ms, int tz_offset_s)
{
	/* 1970-01-01 was a Thursday: Monday 1970-01-05 starts the weeks. */
	int64_t origin = step_ms >= 7 * CHART_MS_DAY ? 4 * CHART_MS_DAY : 0;
	int64_t local = t0_ms + (int64_t)tz_offset_s * CHART_MS_S - origin;
	int64_t first;

	if (step_ms <= 0)
		return t0_ms;
	first = floor_div(local, step_ms) * step_ms;
	if (first < local)
		first += step_ms;
	return first + origin - (int64_t)tz_offset_s * CHART_MS_S;
}
