// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Renders a report page and single SVG charts from generated data, for the
 * report system test and for looking at them (docs/REPORT.md):
 *
 *   report_demo OUTDIR   writes OUTDIR/report.html, states.svg, ifaces.svg,
 *                        health.svg, empty.svg and week.svg (7 days of 1 s)
 *
 * The data is deterministic: a day with a daily shape and noise, a SYN flood,
 * an agent outage (a gap in every series), a counter reset (a gap in one),
 * an interface that vanishes, and names that try to break out of the markup.
 * Not installed.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/strbuf.h"
#include "base/xalloc.h"
#include "ui/chart.h"
#include "ui/report_page.h"

#define MS_MIN	   60000LL
#define MS_H	   (60 * MS_MIN)
#define T1_MS	   1795521600000LL /* 2026-11-24 12:00 UTC */
#define T0_MS	   (T1_MS - 24 * MS_H)
#define OUTAGE_MS  (T0_MS + 15 * MS_H) /* the agent is down for 40 minutes */
#define FLOOD_MS   (T0_MS + 9 * MS_H)  /* a SYN flood of 12 minutes */
#define TZ_S	   3600
#define HOSTILE	   "evil<script>&\"\x1b[31m"
#define MAX_SERIES 8

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static double noise(void) /* uniform in [-1, 1) */
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (double)(rng_state >> 11) / (double)(1ULL << 52) - 1;
}

/* 0 at 04:00 local time, 1 at 16:00. */
static double daily(int64_t t_ms)
{
	double h = (double)((t_ms / 1000 + TZ_S) % 86400) / 3600;

	return 0.5 - 0.5 * cos((h - 4) / 24 * 2 * M_PI);
}

enum shape {
	ESTABLISHED,
	TIME_WAIT,
	CLOSE_WAIT,
	SYN_RECV,
	LISTEN,
	RX_BYTES,
	TX_BYTES,
	RETRANS,
	SMALL,
};

static double value_at(enum shape s, int64_t t, double scale)
{
	bool flood = t >= FLOOD_MS && t < FLOOD_MS + 12 * MS_MIN;

	switch (s) {
	case ESTABLISHED:
		return round(scale * (120 + 280 * daily(t) + 15 * noise()));
	case TIME_WAIT:
		return round(scale * (60 + 200 * daily(t) + 30 * noise()));
	case CLOSE_WAIT:
		return round(3 + (double)(t - T0_MS) / MS_H * 0.6 + 2 * noise());
	case SYN_RECV:
		return flood ? round(900 + 150 * noise()) : round(1.5 + 1.5 * noise());
	case LISTEN:
		return 14;
	case RX_BYTES:
		return scale * (2.5e6 * daily(t) + 4e5 + 2e5 * noise());
	case TX_BYTES:
		return scale * (9e6 * daily(t) + 1e6 + 6e5 * noise());
	case RETRANS:
		return (flood ? 4.5 : 0.35 + 0.6 * daily(t)) + 0.12 * noise();
	case SMALL:
		return fmax(0, scale * (daily(t) + 0.3 * noise()));
	}
	return NAN;
}

struct demo_chart {
	struct chart c;
	struct chart_series s[MAX_SERIES];
	int64_t *t[MAX_SERIES];
	double *v[MAX_SERIES];
};

/* Adds a series sampled every step_ms over the day, without the outage; from/until cut it. */
static void add_series(struct demo_chart *d, const char *label, enum shape s, double scale,
		       int64_t from_ms, int64_t until_ms)
{
	size_t k = d->c.nr_series++, n = 0, cap = (size_t)((T1_MS - T0_MS) / d->c.step_ms) + 1;

	d->t[k] = xcalloc(cap, sizeof(int64_t));
	d->v[k] = xcalloc(cap, sizeof(double));
	for (int64_t t = T0_MS; t <= T1_MS; t += d->c.step_ms) {
		if ((t >= OUTAGE_MS && t < OUTAGE_MS + 40 * MS_MIN) || t < from_ms || t > until_ms)
			continue;
		d->t[k][n] = t;
		d->v[k][n++] = value_at(s, t, scale);
	}
	d->s[k] = (struct chart_series){ .label = label, .t_ms = d->t[k], .v = d->v[k], .n = n };
	d->c.series = d->s;
}

static void demo_init(struct demo_chart *d, const char *title, const char *subtitle,
		      const char *unit, int64_t step_ms, bool stacked)
{
	memset(d, 0, sizeof(*d));
	d->c = (struct chart){ .title = title,
			       .subtitle = subtitle,
			       .unit = unit,
			       .t0_ms = T0_MS,
			       .t1_ms = T1_MS,
			       .step_ms = step_ms,
			       .tz_offset_s = TZ_S,
			       .tz_name = "CET",
			       .stacked = stacked };
}

static void demo_release(struct demo_chart *d)
{
	for (size_t k = 0; k < d->c.nr_series; k++) {
		free(d->t[k]);
		free(d->v[k]);
	}
}

/* An hourly baseline band around shape s (p10..p90 = 0.8..1.2 of the median). */
struct demo_band {
	struct chart_band b;
	int64_t t[25];
	double lo[25], hi[25], mid[25];
};

static void band_init(struct demo_band *b, enum shape s, double scale)
{
	uint64_t keep = rng_state;

	for (int i = 0; i <= 24; i++) {
		b->t[i] = T0_MS + i * MS_H;
		b->mid[i] = value_at(s, b->t[i], scale * 0.92);
		b->lo[i] = b->mid[i] * 0.8;
		b->hi[i] = b->mid[i] * 1.22;
	}
	rng_state = keep;
	b->b = (struct chart_band){ .t_ms = b->t,
				    .lo = b->lo,
				    .hi = b->hi,
				    .mid = b->mid,
				    .n = 25,
				    .label = "baseline: p10\xe2\x80\x93p90 of the hour "
					     "(median dashed), 4 weeks" };
}

static int write_file(const char *dir, const char *name, const struct strbuf *sb)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f || fwrite(sb->buf, 1, sb->len, f) != sb->len || fclose(f)) {
		fprintf(stderr, "report_demo: cannot write '%s': %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int write_svg(const char *dir, const char *name, const struct chart *c)
{
	struct strbuf sb = STRBUF_INIT;
	int rc;

	chart_svg(&sb, c, 960, 320, true);
	rc = write_file(dir, name, &sb);
	strbuf_release(&sb);
	return rc;
}

static void states_chart(struct demo_chart *d, struct demo_band *b)
{
	static const struct chart_mark flood = { FLOOD_MS, FLOOD_MS + 12 * MS_MIN,
						 "SYN flood (critical)", 2 };

	demo_init(d, "TCP connections by state",
		  "Sockets per state, stacked; the band is the baseline of all states together",
		  "connections", 30000, true);
	add_series(d, "established", ESTABLISHED, 1, T0_MS, T1_MS);
	add_series(d, "time_wait", TIME_WAIT, 1, T0_MS, T1_MS);
	add_series(d, "close_wait", CLOSE_WAIT, 1, T0_MS, T1_MS);
	add_series(d, "syn_recv", SYN_RECV, 1, T0_MS, T1_MS);
	add_series(d, "listen", LISTEN, 1, T0_MS, T1_MS);
	band_init(b, ESTABLISHED, 1.6);
	d->c.band = &b->b;
	d->c.marks = &flood;
	d->c.nr_marks = 1;
}

static void ifaces_chart(struct demo_chart *d, struct demo_band *b)
{
	demo_init(d, "Interface traffic", "Bytes per second received and sent", "B/s", 10000,
		  false);
	add_series(d, "eth0 rx", RX_BYTES, 1, T0_MS, T1_MS);
	add_series(d, "eth0 tx", TX_BYTES, 1, T0_MS, T1_MS);
	/* wlan0 vanished at 10:00 UTC; a hostile name appeared at 20:00. */
	add_series(d, "wlan0 rx (gone)", RX_BYTES, 0.2, T0_MS, T1_MS - 2 * MS_H);
	add_series(d, HOSTILE " rx", SMALL, 3e5, T0_MS + 8 * MS_H, T1_MS);
	/* A counter reset on eth0 rx: no rate for a few samples. */
	for (size_t i = 3000; i < 3020 && i < d->s[0].n; i++)
		d->v[0][i] = NAN;
	band_init(b, RX_BYTES, 1);
	d->c.band = &b->b;
}

static void health_chart(struct demo_chart *d)
{
	static const struct chart_mark marks[] = {
		{ FLOOD_MS, FLOOD_MS + 12 * MS_MIN, "retransmits above 2 % (warning)", 1 },
		{ T0_MS + 20 * MS_H, 0, "config reloaded", 0 },
	};

	demo_init(d, "Protocol health", "Retransmitted segments and failed opens per segment sent",
		  "%", 60000, false);
	add_series(d, "retransmit ratio", RETRANS, 1, T0_MS, T1_MS);
	add_series(d, "failed opens", SMALL, 0.4, T0_MS, T1_MS);
	d->c.marks = marks;
	d->c.nr_marks = 2;
}

static void top_chart(struct demo_chart *d, const char *title, const char *sub,
		      const char *const *labels, size_t nr)
{
	demo_init(d, title, sub, "connections", 60000, false);
	for (size_t i = 0; i < nr; i++)
		add_series(d, labels[i], ESTABLISHED, 0.5 / (double)(i + 1), T0_MS, T1_MS);
}

static void procs_chart(struct demo_chart *d)
{
	demo_init(d, "Traffic per process", "Bytes per second sent and received, top processes",
		  "B/s", 30000, true);
	add_series(d, "nginx (pid 812)", TX_BYTES, 0.6, T0_MS, T1_MS);
	add_series(d, "postgres (pid 640)", RX_BYTES, 0.8, T0_MS, T1_MS);
	add_series(d, HOSTILE " (pid 4242)", SMALL, 4e5, T0_MS + 6 * MS_H, T0_MS + 11 * MS_H);
	add_series(d, "other", SMALL, 2e5, T0_MS, T1_MS);
}

static void table_of(const struct demo_chart *d, const char *head0, const char **cells,
		     char (*bufs)[32], struct report_table *t)
{
	static const char *head[3];

	head[0] = head0, head[1] = "peak", head[2] = "mean";
	for (size_t k = 0; k < d->c.nr_series; k++) {
		double max = 0, sum = 0;

		for (size_t i = 0; i < d->s[k].n; i++) {
			max = fmax(max, d->s[k].v[i]);
			sum += d->s[k].v[i];
		}
		snprintf(bufs[2 * k], 32, "%.0f", max);
		snprintf(bufs[2 * k + 1], 32, "%.1f", d->s[k].n ? sum / (double)d->s[k].n : 0);
		cells[3 * k] = d->s[k].label;
		cells[3 * k + 1] = bufs[2 * k];
		cells[3 * k + 2] = bufs[2 * k + 1];
	}
	*t = (struct report_table){ .caption = "Over the range",
				    .head = head,
				    .nr_cols = 3,
				    .cells = cells,
				    .nr_rows = d->c.nr_series,
				    .numeric_cols = 6 };
}

static void top_section(struct report_page *p, const char *title, const char *head0,
			const char *const *labels, size_t nr)
{
	struct demo_chart d;
	struct report_table t;
	const char *cells[3 * MAX_SERIES];
	char bufs[2 * MAX_SERIES][32];

	top_chart(&d, title, "Established connections, top 4 and the rest", labels, nr);
	table_of(&d, head0, cells, bufs, &t);
	report_page_chart_table(p, &d.c, &t);
	demo_release(&d);
}

static void page_sections(struct report_page *p)
{
	static const char *const ports[] = { "443", "22", "8080", "5432", "other" };
	static const char *const peers[] = { "203.0.113.7", "2001:db8::42", "198.51.100.23",
					     HOSTILE, "other" };
	struct demo_chart d;
	struct demo_band b;

	report_page_section(p, "Connections", "How many TCP sockets were in each state.");
	states_chart(&d, &b);
	report_page_chart(p, &d.c);
	demo_release(&d);
	report_page_section(p, "Listeners and peers", "Where the connections went.");
	top_section(p, "Connections per listening port", "port", ports, 5);
	top_section(p, "Connections per remote address", "address", peers, 5);
	report_page_section(p, "Interfaces", NULL);
	ifaces_chart(&d, &b);
	report_page_chart(p, &d.c);
	demo_release(&d);
	report_page_section(p, "Protocol health", "Ratios from the kernel's protocol counters.");
	health_chart(&d);
	report_page_chart(p, &d.c);
	demo_release(&d);
	report_page_section(p, "Processes", NULL);
	procs_chart(&d);
	report_page_chart(p, &d.c);
	demo_release(&d);
	demo_init(&d, "UDP sockets", "A series the agent did not record in this range", "sockets",
		  30000, false);
	d.s[0] = (struct chart_series){ .label = "udp", .n = 0 };
	d.c.series = d.s;
	d.c.nr_series = 1;
	report_page_chart(p, &d.c);
}

static int write_page(const char *dir)
{
	struct report_page_info info = {
		.title = "Network report",
		.host = "web-1." HOSTILE,
		.since_ms = T0_MS,
		.until_ms = T1_MS,
		.generated_ms = T1_MS + 5 * MS_MIN,
		.tz_offset_s = TZ_S,
		.tz_name = "CET",
		.generator = "connmon report_demo",
	};
	struct strbuf sb = STRBUF_INIT;
	struct report_page p;
	int rc;

	report_page_begin(&p, &sb, &info);
	page_sections(&p);
	report_page_end(&p);
	rc = write_file(dir, "report.html", &sb);
	strbuf_release(&sb);
	return rc;
}

/* 7 days of 1 s samples: the file stays small. */
static int write_week(const char *dir)
{
	size_t n = 7 * 86400;
	int64_t *t = xcalloc(n, sizeof(*t));
	double *v = xcalloc(n, sizeof(*v));
	struct chart_series s = { .label = "established", .t_ms = t, .v = v, .n = n };
	struct chart c = { .title = "A week at one-second resolution",
			   .unit = "connections",
			   .t0_ms = T1_MS - 7 * 24 * MS_H,
			   .t1_ms = T1_MS,
			   .step_ms = 1000,
			   .tz_offset_s = TZ_S,
			   .tz_name = "CET",
			   .series = &s,
			   .nr_series = 1 };
	int rc;

	for (size_t i = 0; i < n; i++) {
		t[i] = c.t0_ms + (int64_t)i * 1000;
		v[i] = value_at(ESTABLISHED, t[i], 1);
	}
	v[n / 3] = 5000; /* one second's spike must survive decimation */
	rc = write_svg(dir, "week.svg", &c);
	free(t);
	free(v);
	return rc;
}

static int write_svgs(const char *dir)
{
	struct demo_chart d;
	struct demo_band b;
	int rc;

	states_chart(&d, &b);
	rc = write_svg(dir, "states.svg", &d.c);
	demo_release(&d);
	ifaces_chart(&d, &b);
	rc = rc ? rc : write_svg(dir, "ifaces.svg", &d.c);
	demo_release(&d);
	health_chart(&d);
	rc = rc ? rc : write_svg(dir, "health.svg", &d.c);
	demo_release(&d);
	demo_init(&d, "UDP sockets", NULL, "sockets", 30000, false);
	rc = rc ? rc : write_svg(dir, "empty.svg", &d.c);
	return rc ? rc : write_week(dir);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: report_demo OUTDIR\n");
		return 2;
	}
	if (write_page(argv[1]) || write_svgs(argv[1]))
		return 1;
	return 0;
}
