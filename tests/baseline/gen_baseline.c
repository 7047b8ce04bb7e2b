// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Writes generated 1-minute rollups with a known weekly shape into a
 * database, through store_import() at the minute tier, for the baseline
 * tests (tests/baseline/ *.py).
 *
 *   gen_baseline DB DAYS END_S OFFSET_S [--set real|test] [--iface NAME]
 *                [--bands] [--points FILE]
 *
 * Every series has one point per minute from END_S - DAYS days to END_S
 * (exclusive), END_S rounded down to the hour.  The slot of a minute is its hour of the week at
 * OFFSET_S seconds east of UTC (run connmon with a TZ of that fixed offset), by arithmetic, not
 * through struct tm.  In slot s a series' value is scale * shape(s) * (1 + 0.3 * (2u - 1)),
 * shape(s) = 50 + 5 * (37 s mod 168) so neighbouring hours differ by at least a fifth, and u runs
 * over a stratified grid: in week w (counted from the first minute) minute i of the hour takes u =
 * (((7 i + s + 13 w) mod 60) + (w + 0.5) / W) / 60, W the number of weeks, so a slot's values over
 * W whole weeks are evenly spaced and its quantile p is within 1/(60 W) of scale * shape(s) * (1 +
 * 0.3 * (2p - 1)).  Counters get that value as their per-second rate (the
 * rollup mean, docs/STORE.md) and the running total as their last value.
 *
 * Sets: "real" is connmon_tcp_sockets{state="established"} and
 * {state="time_wait"}, connmon_iface_rx/tx_bytes_total{iface=NAME} and
 * connmon_netstat_total{counter="TcpRetransSegs"}; "test" is
 * connmon_test_level{n="long"} (DAYS days), connmon_test_level{n="short"}
 * (the last 2 days) and connmon_test_bytes_total{n="long"}, names the agent
 * never produces.
 *
 * --bands also stores the bands as the agent would (baseline_store_*, the
 * default thresholds, computed at END_S).  --points writes every point as
 * "NAME{LABELS} T_MS VALUE" lines.  Stdout: one JSON line per series with
 * its analytic quantiles per weekly slot and its last value.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/baseline_store.h"
#include "store/store.h"

#define DAY_S  86400LL
#define HOUR_S 3600LL
#define MIN_S  60LL
#define SPREAD 0.3

struct gen_series {
	const char *name;
	char labels[96];
	enum store_kind kind;
	double scale;
	int days; /* 0: all of them */
	double total, last;
};

static double shape(int slot)
{
	return 50 + 5 * ((slot * 37) % 168);
}

static int week_slot(int64_t local_s)
{
	int64_t days = local_s / DAY_S;

	return (int)((days + 3) % 7) * 24 + (int)((local_s % DAY_S) / HOUR_S);
}

static double quantile(const struct gen_series *g, int slot, double p)
{
	return g->scale * shape(slot) * (1 + SPREAD * (2 * p - 1));
}

static void add(struct gen_series *g, const char *name, const char *labels, enum store_kind kind,
		double scale, int days)
{
	memset(g, 0, sizeof(*g));
	g->name = name;
	snprintf(g->labels, sizeof(g->labels), "%s", labels);
	g->kind = kind;
	g->scale = scale;
	g->days = days;
}

static size_t make_set(struct gen_series *v, const char *set, const char *iface)
{
	char il[64];
	size_t n = 0;

	if (!strcmp(set, "test")) {
		add(&v[n++], "connmon_test_level", "n=\"long\"", STORE_GAUGE, 1, 0);
		add(&v[n++], "connmon_test_level", "n=\"short\"", STORE_GAUGE, 2, 2);
		add(&v[n++], "connmon_test_bytes_total", "n=\"long\"", STORE_COUNTER, 1000, 0);
		return n;
	}
	snprintf(il, sizeof(il), "iface=\"%s\"", iface);
	add(&v[n++], "connmon_tcp_sockets", "state=\"established\"", STORE_GAUGE, 1, 0);
	add(&v[n++], "connmon_tcp_sockets", "state=\"time_wait\"", STORE_GAUGE, 0.3, 0);
	add(&v[n++], "connmon_iface_rx_bytes_total", il, STORE_COUNTER, 1000, 0);
	add(&v[n++], "connmon_iface_tx_bytes_total", il, STORE_COUNTER, 400, 0);
	add(&v[n++], "connmon_netstat_total", "counter=\"TcpRetransSegs\"", STORE_COUNTER, 0.05, 0);
	return n;
}

/* The value of minute t (UTC seconds) of g, for a run from start_s over days. */
static double value_at(const struct gen_series *g, int64_t t, int64_t start_s, long offset_s,
		       int weeks)
{
	int64_t local = t + offset_s;
	int slot = week_slot(local);
	int w = (int)((t - start_s) / (7 * DAY_S));
	int i = (int)((local % HOUR_S) / MIN_S);
	double u = (((7 * i + slot + 13 * w) % 60) + (w + 0.5) / weeks) / 60;

	return quantile(g, slot, u);
}

static int write_series(struct store *st, struct gen_series *g, int64_t end_s, int days,
			long offset_s, FILE *points, struct strbuf *err)
{
	int d = g->days ? g->days : days;
	int64_t start = end_s - d * DAY_S;
	int weeks = (d + 6) / 7;

	for (int64_t t = start; t < end_s; t += MIN_S) {
		double v = value_at(g, t, start, offset_s, weeks);
		struct store_sample s = {
			.t_ms = t * 1000, .min = v, .max = v, .mean = v, .last = v, .count = 60
		};
		int ret;

		if (g->kind == STORE_COUNTER) {
			g->total += v * MIN_S;
			s.last = g->total;
		}
		g->last = v;
		ret = store_import(st, g->name, g->labels, g->kind, STORE_TIER_MINUTE, &s, err);
		if (ret < 0)
			return ret;
		if (points)
			fprintf(points, "%s{%s} %lld %.17g\n", g->name, g->labels,
				(long long)s.t_ms, v);
	}
	return 0;
}

static int store_bands(struct store *st, const struct gen_series *g, int64_t end_ms,
		       struct strbuf *err)
{
	struct baseline_spans sp = { BASELINE_WEEKLY_MS, BASELINE_LEARNING_MS };
	struct baseline *b = malloc(sizeof(*b));
	int64_t id;
	int ret = store_series(st, g->name, g->labels, g->kind, &id);

	if (!b)
		return -ENOMEM;
	if (!ret)
		ret = baseline_store_compute(st, id, end_ms, &sp, b, err);
	if (!ret)
		ret = baseline_store_put(st, id, b, end_ms, err);
	free(b);
	return ret;
}

static void print_expected(const struct gen_series *g)
{
	printf("{\"name\":\"%s\",\"labels\":\"", g->name);
	for (const char *p = g->labels; *p; p++) {
		if (*p == '"')
			putchar('\\');
		putchar(*p);
	}
	printf("\",\"kind\":\"%s\",\"last\":%.17g,\"slots\":[",
	       g->kind == STORE_COUNTER ? "counter" : "gauge", g->last);
	for (int s = 0; s < 168; s++)
		printf("%s[%.17g,%.17g,%.17g]", s ? "," : "", quantile(g, s, 0.1),
		       quantile(g, s, 0.5), quantile(g, s, 0.9));
	printf("]}\n");
}

struct gen_args {
	const char *db, *set, *iface, *points;
	int days;
	int64_t end_s;
	long offset_s;
	bool bands;
};

static int parse_args(struct gen_args *a, int argc, char **argv)
{
	if (argc < 5)
		return -EINVAL;
	*a = (struct gen_args){ .db = argv[1], .set = "real", .iface = "eth0" };
	a->days = (int)strtol(argv[2], NULL, 10);
	a->end_s = strtoll(argv[3], NULL, 10) / HOUR_S * HOUR_S;
	a->offset_s = strtol(argv[4], NULL, 10);
	for (int i = 5; i < argc; i++) {
		if (!strcmp(argv[i], "--bands"))
			a->bands = true;
		else if (i + 1 < argc && !strcmp(argv[i], "--set"))
			a->set = argv[++i];
		else if (i + 1 < argc && !strcmp(argv[i], "--iface"))
			a->iface = argv[++i];
		else if (i + 1 < argc && !strcmp(argv[i], "--points"))
			a->points = argv[++i];
		else
			return -EINVAL;
	}
	return a->days > 0 && a->days <= 90 && a->end_s > 100 * DAY_S ? 0 : -EINVAL;
}

static int generate(const struct gen_args *a, struct store *st, FILE *points, struct strbuf *err)
{
	struct gen_series v[8];
	size_t n = make_set(v, a->set, a->iface);
	int ret = 0;

	for (size_t i = 0; i < n && !ret; i++)
		ret = write_series(st, &v[i], a->end_s, a->days, a->offset_s, points, err);
	if (!ret)
		ret = store_flush(st, err);
	for (size_t i = 0; i < n && !ret && a->bands; i++)
		ret = store_bands(st, &v[i], a->end_s * 1000, err);
	for (size_t i = 0; i < n && !ret; i++)
		print_expected(&v[i]);
	return ret;
}

int main(int argc, char **argv)
{
	struct strbuf err = STRBUF_INIT;
	struct gen_args a;
	struct store *st = NULL;
	FILE *points = NULL;
	int ret;

	if (parse_args(&a, argc, argv) < 0) {
		fprintf(stderr, "usage: gen_baseline DB DAYS END_S OFFSET_S [--set real|test] "
				"[--iface NAME] [--bands] [--points FILE]\n");
		return 2;
	}
	if (a.points && !(points = fopen(a.points, "w"))) {
		perror(a.points);
		return 1;
	}
	ret = store_open(&st, a.db, STORE_WRITE, NULL, &err);
	if (!ret)
		ret = generate(&a, st, points, &err);
	if (st && store_close(st, ret ? NULL : &err) < 0 && !ret)
		ret = -EIO;
	if (points && fclose(points))
		ret = -EIO;
	if (ret < 0)
		fprintf(stderr, "gen_baseline: %s\n", err.len ? err.buf : strerror(-ret));
	strbuf_release(&err);
	return ret < 0 ? 1 : 0;
}
