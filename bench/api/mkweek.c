// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mkweek-gen: a week of the agent's history in a new database, for the
 * dashboard and the API's benchmark (bench/api/mkweek runs it).
 *
 *   mkweek-gen DB [DAYS [TICK_HOURS]] < series
 *
 * stdin: the series to record, one a line as `connmon agent --once` prints
 * them (`name{labels} value`); the value seeds constant gauges.  A fixed
 * set of busy ports, peers and processes is added to them, so the tops have
 * rows on an idle host.  DAYS (7) of history end now: minute rollups
 * imported for all but the last TICK_HOURS (6, whole hours), which are
 * written as ticks every second through the writer, as the agent writes
 * them.  Values follow a daily cycle (busy afternoons, quiet nights) with
 * noise, so the baselines have a shape; then every series worth a band gets
 * its baseline stored (app/baseline_store.h).  DB must not exist.
 * Exit 0, or 2 with a message.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "app/baseline_store.h"
#include "base/strbuf.h"
#include "base/xalloc.h"
#include "store/store.h"

#define SEC  1000LL
#define MIN  (60 * SEC)
#define HOUR (3600 * SEC)
#define DAY  (24 * HOUR)

struct gen {
	int64_t id;
	char *name, *labels;
	bool counter;
	double base;  /* a gauge's level, a counter's rate per second, at the daily mean */
	double cycle; /* 0: constant; else the daily swing as a fraction of base */
	double v;     /* a counter's running value */
	bool whole;   /* a count: integer values */
};

struct week {
	struct store *st;
	struct gen *g;
	size_t nr, alloc;
	uint64_t rng;
};

static void die(const char *what, const struct strbuf *err)
{
	fprintf(stderr, "mkweek-gen: %s: %s\n", what, err && err->len ? err->buf : "failed");
	exit(2);
}

static double unif(struct week *w)
{
	w->rng ^= w->rng << 13;
	w->rng ^= w->rng >> 7;
	w->rng ^= w->rng << 17;
	return (double)(w->rng >> 11) / 9007199254740992.0;
}

/* The daily cycle at t: 1 on average, 1 + cycle at 15:00 UTC, 1 - cycle at 03:00. */
static double daily(const struct gen *g, int64_t t_ms)
{
	double hour = (double)(t_ms % DAY) / (double)HOUR;

	return 1 + g->cycle * sin((hour - 9) * M_PI / 12);
}

static bool has(const char *s, const char *part)
{
	return strstr(s, part) != NULL;
}

/* A counter's usual rate per second, by what it counts. */
static double counter_rate(const char *name, const char *labels)
{
	if (has(name, "iface_")) {
		if (has(labels, "\"lo\""))
			return has(name, "bytes") ? 2e4 : has(name, "packets") ? 40 : 0;
		if (has(name, "_bytes_"))
			return has(name, "rx") ? 4e5 : 1.5e5;
		if (has(name, "_packets_"))
			return has(name, "rx") ? 600 : 450;
		if (has(name, "dropped") || has(name, "errors_total") || has(name, "multicast"))
			return 0.02;
		return 0;
	}
	if (has(name, "process_"))
		return has(name, "rx") ? 3e4 : 1e4;
	if (has(name, "netstat_total")) {
		if (has(labels, "InSegs") || has(labels, "OutSegs"))
			return 500;
		if (has(labels, "RetransSegs"))
			return 4;
		if (has(labels, "ActiveOpens") || has(labels, "PassiveOpens"))
			return 6;
		if (has(labels, "Udp") && has(labels, "Datagrams"))
			return 40;
		return has(labels, "Errors") || has(labels, "Overflow") ? 0 : 0.05;
	}
	return 0;
}

/* A gauge's usual level; seen is the value the agent printed. */
static double gauge_level(const char *name, const char *labels, double seen, double *cycle)
{
	*cycle = 0.4;
	if (!strcmp(name, "connmon_tcp_sockets")) {
		if (has(labels, "\"established\""))
			return 400;
		if (has(labels, "\"time_wait\""))
			return 1200;
		if (has(labels, "\"listen\"")) {
			*cycle = 0;
			return seen > 0 ? seen : 12;
		}
		return has(labels, "close_wait") ? 3 : 1;
	}
	if (has(name, "_port_sockets") || has(name, "_peer_sockets"))
		return has(labels, "\"listen\"") ? 1 : has(labels, "time_wait") ? 60 : 20;
	if (!strcmp(name, "connmon_sockets") || !strcmp(name, "connmon_sockstat"))
		return seen > 20 ? seen : 80;
	if (has(name, "close_wait"))
		return 2;
	if (has(name, "listen_queue"))
		return 1;
	*cycle = 0;
	return seen;
}

static void add(struct week *w, const char *name, const char *labels, double seen)
{
	bool counter = strlen(name) > 6 && !strcmp(name + strlen(name) - 6, "_total");
	struct gen g = { .name = xstrdup(name), .labels = xstrdup(labels), .counter = counter };
	struct strbuf err = STRBUF_INIT;

	if (store_series(w->st, name, labels, counter ? STORE_COUNTER : STORE_GAUGE, &g.id)) {
		strbuf_addf(&err, "%s{%s}", name, labels);
		die("cannot register a series", &err);
	}
	for (size_t i = 0; i < w->nr; i++)
		if (w->g[i].id == g.id) {
			free(g.name);
			free(g.labels);
			return;
		}
	if (counter) {
		g.base = counter_rate(name, labels);
		g.cycle = 0.5;
		g.v = floor(g.base * 86400 * unif(w));
	} else {
		g.base = gauge_level(name, labels, isfinite(seen) ? seen : 0, &g.cycle);
		g.whole = floor(g.base) == g.base && !has(name, "seconds");
	}
	ALLOC_GROW(w->g, w->nr + 1, w->alloc);
	w->g[w->nr++] = g;
}

/* One line of `agent --once`: name{labels} value. */
static void read_line(struct week *w, char *line)
{
	char *open = strchr(line, '{'), *close = strrchr(line, '}');

	if (!open || !close || close < open)
		return;
	*open = '\0';
	*close = '\0';
	add(w, line, open + 1, strtod(close + 1, NULL));
}

static void add_tops(struct week *w)
{
	static const char *const states[] = { "established", "time_wait" };
	static const char *const comms[] = { "nginx", "postgres", "redis-server", "sshd", "java" };
	char lbl[128];

	for (int p = 0; p < 8; p++)
		for (int s = 0; s < 2; s++) {
			snprintf(lbl, sizeof(lbl), "port=\"%d\",state=\"%s\"",
				 (int[]){ 80, 443, 5432, 6379, 22, 8080, 9090, 3000 }[p],
				 states[s]);
			add(w, "connmon_tcp_port_sockets", lbl, NAN);
		}
	for (int a = 0; a < 12; a++)
		for (int s = 0; s < 2; s++) {
			snprintf(lbl, sizeof(lbl), "addr=\"10.0.%d.%d\",state=\"%s\"", a / 4,
				 10 + a, states[s]);
			add(w, "connmon_tcp_peer_sockets", lbl, NAN);
		}
	for (int i = 0; i < 5; i++) {
		snprintf(lbl, sizeof(lbl), "pid=\"%d\",comm=\"%s\"", 1200 + i * 37, comms[i]);
		add(w, "connmon_process_rx_bytes_total", lbl, NAN);
		add(w, "connmon_process_tx_bytes_total", lbl, NAN);
	}
}

/* The value at t (a gauge) or the rate (a counter), with up to +-10 % noise. */
static double draw(struct week *w, const struct gen *g, int64_t t_ms)
{
	double x = g->base * daily(g, t_ms);

	if (g->cycle > 0)
		x *= 0.9 + 0.2 * unif(w);
	return g->whole ? round(x) : x;
}

static void import_minutes(struct week *w, int64_t since, int64_t until)
{
	struct strbuf err = STRBUF_INIT;

	for (int64_t t = since; t < until; t += MIN)
		for (size_t i = 0; i < w->nr; i++) {
			struct gen *g = &w->g[i];
			double a = draw(w, g, t), b = draw(w, g, t + 30 * SEC);
			struct store_sample s = { .t_ms = t, .count = 60 };

			s.min = fmin(a, b);
			s.max = fmax(a, b);
			s.mean = (a + b) / 2;
			s.last = b;
			if (g->counter) {
				g->v += floor(s.mean * 60);
				s.last = g->v;
			}
			if (store_import(w->st, g->name, g->labels,
					 g->counter ? STORE_COUNTER : STORE_GAUGE,
					 STORE_TIER_MINUTE, &s, &err))
				die("import", &err);
		}
}

static void write_ticks(struct week *w, int64_t since, int64_t until)
{
	struct strbuf err = STRBUF_INIT;

	for (int64_t t = since; t < until; t += SEC) {
		for (size_t i = 0; i < w->nr; i++) {
			struct gen *g = &w->g[i];
			double v = draw(w, g, t);

			if (g->counter) {
				g->v += floor(v + unif(w));
				v = g->v;
			}
			if (store_add(w->st, g->id, t, v))
				die("a tick was refused", NULL);
		}
		if ((t / SEC) % 10 == 9 && store_flush(w->st, &err))
			die("flush", &err);
	}
}

static size_t store_baselines(struct week *w, int64_t now)
{
	struct strbuf err = STRBUF_INIT;
	struct baseline_spans sp;
	struct baseline *b = xmalloc(sizeof(*b));
	size_t n = 0;

	baseline_store_default_spans(&sp);
	for (size_t i = 0; i < w->nr; i++) {
		if (!baseline_store_worth(w->g[i].name, w->g[i].labels))
			continue;
		if (baseline_store_compute(w->st, w->g[i].id, now, &sp, b, &err) ||
		    baseline_store_put(w->st, w->g[i].id, b, now, &err))
			die("baseline", &err);
		n++;
	}
	free(b);
	return n;
}

int main(int argc, char **argv)
{
	struct week w = { .rng = 0x9e3779b97f4a7c15ULL };
	struct strbuf err = STRBUF_INIT;
	char line[8192];
	struct stat sb;
	int days = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 7;
	int tick_hours = argc > 3 ? (int)strtol(argv[3], NULL, 10) : 6;
	int64_t now = (int64_t)time(NULL) * SEC, tick_start, start;
	size_t nr_bands;

	if (argc < 2 || days < 1 || days > 90 || tick_hours < 0 || tick_hours > 48) {
		fprintf(stderr,
			"usage: mkweek-gen DB [DAYS (1-90)] [TICK_HOURS (0-48)] < series\n");
		return 2;
	}
	if (stat(argv[1], &sb) == 0) {
		fprintf(stderr, "mkweek-gen: '%s' exists; give a new file\n", argv[1]);
		return 2;
	}
	if (store_open(&w.st, argv[1], STORE_WRITE, NULL, &err))
		die("open", &err);
	while (fgets(line, sizeof(line), stdin))
		read_line(&w, line);
	add_tops(&w);
	tick_start = (now - tick_hours * HOUR) / HOUR * HOUR;
	start = (now - days * DAY) / MIN * MIN;
	import_minutes(&w, start, tick_start);
	if (store_flush(w.st, &err))
		die("flush", &err);
	write_ticks(&w, tick_start, now);
	if (store_flush(w.st, &err))
		die("flush", &err);
	nr_bands = store_baselines(&w, now);
	if (store_close(w.st, &err))
		die("close", &err);
	printf("mkweek-gen: %s: %zu series, %d days to %lld ms (minutes until %lld, ticks after),"
	       " %zu baselines\n",
	       argv[1], w.nr, days, (long long)now, (long long)tick_start, nr_bands);
	for (size_t i = 0; i < w.nr; i++) {
		free(w.g[i].name);
		free(w.g[i].labels);
	}
	free(w.g);
	strbuf_release(&err);
	return 0;
}
