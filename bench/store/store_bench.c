// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The store's benchmark: writes HOURS of the agent's default series set
 * (~700 series at 1 s: mostly constant or slowly varying integer gauges,
 * steady and sparse counters) into a new database faster than real time,
 * then measures what docs/PERFORMANCE.md records:
 *   - bytes per stored sample on disk (the file after a close, every tier
 *     included, divided by the tick samples written);
 *   - the duration of a flush at the agent's 10 s write interval (the last
 *     hour is written with a flush every 10 s of simulated time);
 *   - `history sockets` over 24 h at tick resolution (the 11
 *     connmon_tcp_sockets series) and `history ifaces` over 7 days (every
 *     connmon_iface_* series), warm cache, best and median of 5.
 *
 *   store-bench DIR HOURS [--wobble]
 *
 * --wobble stamps ticks with a wall clock that wobbles by 0-2 ms instead of
 * the tick's deadlines.  Prints one line per figure; exit 0 when the goals
 * (<= 1.0 byte/sample, <= 100 ms, <= 300 ms) are met, 1 otherwise.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "base/strbuf.h"
#include "base/xalloc.h"
#include "store/store.h"

#define SEC  1000LL
#define HOUR (3600 * SEC)
/* 2023-11-06 00:00 UTC: the recording ends 24 h or 7 days later. */
#define T_START 1699228800000LL

enum model {
	CONST,	/* never changes */
	WALK,	/* +-1..step now and then (probability p per second) */
	BUSY,	/* changes every second by up to +-step */
	STEADY, /* counter: rate per second with +-20 % noise, rate drifts */
	SPARSE, /* counter: +1..step with probability p per second */
};

struct gen {
	int64_t id;
	enum model model;
	double v, p, step, rate;
};

struct bench {
	struct store *st;
	struct gen *g;
	size_t nr, alloc;
	uint64_t rng;
};

static uint64_t rnd(struct bench *b)
{
	b->rng ^= b->rng << 13;
	b->rng ^= b->rng >> 7;
	b->rng ^= b->rng << 17;
	return b->rng;
}

static double unif(struct bench *b)
{
	return (double)(rnd(b) >> 11) / 9007199254740992.0;
}

static void add(struct bench *b, const char *name, const char *labels, enum model m, double v,
		double p, double step)
{
	struct gen *g;
	int64_t id;

	if (store_series(b->st, name, labels,
			 m == STEADY || m == SPARSE || strstr(name, "_total") ? STORE_COUNTER :
										STORE_GAUGE,
			 &id)) {
		fprintf(stderr, "store-bench: cannot register %s{%s}\n", name, labels);
		exit(2);
	}
	ALLOC_GROW(b->g, b->nr + 1, b->alloc);
	g = &b->g[b->nr++];
	*g = (struct gen){ .id = id, .model = m, .v = v, .p = p, .step = step, .rate = step };
}

static void addf(struct bench *b, const char *name, enum model m, double v, double p, double step,
		 const char *fmt, ...) __attribute__((format(printf, 7, 8)));

static void addf(struct bench *b, const char *name, enum model m, double v, double p, double step,
		 const char *fmt, ...)
{
	struct strbuf lbl = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&lbl, fmt, ap);
	va_end(ap);
	add(b, name, lbl.buf, m, v, p, step);
	strbuf_release(&lbl);
}

static void define_sockets(struct bench *b)
{
	static const char *const states[] = { "established", "syn_sent",  "syn_recv", "fin_wait1",
					      "fin_wait2",   "time_wait", "close",    "close_wait",
					      "last_ack",    "listen",	  "closing" };
	static const char *const port_states[] = { "established", "time_wait", "syn_recv",
						   "listen" };

	for (int i = 0; i < 11; i++)
		addf(b, "connmon_tcp_sockets",
		     i == 0 || i == 5 ? BUSY :
		     i == 9	      ? CONST :
					WALK,
		     i == 0 ? 400 :
		     i == 5 ? 1200 :
		     i == 9 ? 31 :
			      2,
		     0.05, i == 5 ? 12 : 3, "state=\"%s\"", states[i]);
	for (int port = 0; port < 31; port++) {
		char name[16];

		snprintf(name, sizeof(name), port == 30 ? "other" : "%d", 8000 + port);
		for (int s = 0; s < 4; s++)
			addf(b, "connmon_tcp_port_sockets", s == 3 ? CONST : WALK, s == 3 ? 1 : 10,
			     s == 0 ? 0.05 :
			     s == 1 ? 0.2 :
				      0.01,
			     2, "port=\"%s\",state=\"%s\"", name, port_states[s]);
	}
	for (int a = 0; a < 33; a++)
		for (int s = 0; s < 3; s++)
			addf(b, "connmon_tcp_peer_sockets", WALK, 4, 0.03, 1,
			     "addr=\"10.%d.0.%d\",state=\"%s\"", a / 8, a, port_states[s]);
	for (int i = 0; i < 8; i++)
		addf(b, "connmon_sockets", WALK, 50, 0.1, 2, "proto=\"p%d\",family=\"ipv%d\"",
		     i / 2, i % 2 ? 6 : 4);
	for (int i = 0; i < 15; i++)
		addf(b, "connmon_sockstat", WALK, 100, i == 4 ? 0.3 : 0.1, 3,
		     "proto=\"tcp\",field=\"f%d\"", i);
	for (int port = 0; port < 30; port++) {
		addf(b, "connmon_listen_queue", WALK, 0, 0.01, 1, "port=\"%d\"", 8000 + port);
		addf(b, "connmon_listen_backlog", CONST, 4096, 0, 0, "port=\"%d\"", 8000 + port);
	}
	for (int i = 0; i < 10; i++)
		addf(b, "connmon_process_close_wait_sockets", WALK, 1, 0.005, 1,
		     "pid=\"%d\",comm=\"worker%d\"", 1000 + i, i);
}

static void define_counters(struct bench *b)
{
	static const char *const ifc[] = {
		"rx_bytes",	  "tx_bytes",	       "rx_packets",	  "tx_packets",
		"rx_errors",	  "tx_errors",	       "rx_dropped",	  "tx_dropped",
		"rx_multicast",	  "collisions",	       "rx_frame_errors", "rx_fifo_errors",
		"tx_fifo_errors", "tx_carrier_errors", "rx_compressed",	  "tx_compressed",
	};
	struct strbuf name = STRBUF_INIT;

	for (int i = 0; i < 4; i++) {
		for (int c = 0; c < 16; c++) {
			strbuf_reset(&name);
			strbuf_addf(&name, "connmon_iface_%s_total", ifc[c]);
			addf(b, name.buf,
			     c < 2 ? STEADY :
			     c < 4 ? STEADY :
			     c < 9 ? SPARSE :
				     CONST,
			     0, c < 9 ? 0.01 : 0,
			     c < 2 ? 2e5 / (i + 1) :
			     c < 4 ? 300.0 / (i + 1) :
				     2,
			     "iface=\"eth%d\"", i);
		}
		addf(b, "connmon_iface_speed_bits_per_second", CONST, 1e10, 0, 0, "iface=\"eth%d\"",
		     i);
	}
	/* nstat: a few busy counters, some that move now and then, most never. */
	for (int i = 0; i < 230; i++)
		addf(b, "connmon_netstat_total",
		     i < 20 ? STEADY :
		     i < 60 ? SPARSE :
			      CONST,
		     0, i < 60 ? 0.02 : 0, i < 20 ? 500.0 / (i + 1) : 3, "counter=\"C%d\"", i);
	for (int i = 0; i < 5; i++)
		addf(b, "connmon_netstat", WALK, 400, 0.05, 3, "counter=\"G%d\"", i);
	for (int i = 0; i < 33; i++) {
		addf(b, "connmon_process_rx_bytes_total", i < 5 ? STEADY : SPARSE, 0, 0.05,
		     i < 5 ? 5e4 : 2000, "pid=\"%d\",comm=\"p%d\"", 2000 + i, i);
		addf(b, "connmon_process_tx_bytes_total", i < 5 ? STEADY : SPARSE, 0, 0.05,
		     i < 5 ? 2e4 : 2000, "pid=\"%d\",comm=\"p%d\"", 2000 + i, i);
	}
	strbuf_release(&name);
}

static void step_value(struct bench *b, struct gen *g, int64_t t)
{
	double d;

	switch (g->model) {
	case CONST:
		break;
	case WALK:
		if (unif(b) < g->p) {
			d = 1 + floor(unif(b) * g->step);
			g->v = unif(b) < 0.5 && g->v >= d ? g->v - d : g->v + d;
		}
		break;
	case BUSY:
		d = floor(unif(b) * (2 * g->step + 1)) - g->step;
		g->v = g->v + d < 0 ? 0 : g->v + d;
		break;
	case STEADY:
		if (t % (60 * SEC) == 0)
			g->rate = g->step * (0.5 + unif(b));
		g->v += floor(g->rate * (0.8 + 0.4 * unif(b)));
		break;
	case SPARSE:
		if (unif(b) < g->p)
			g->v += 1 + floor(unif(b) * g->step);
		break;
	}
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_i64(const void *a, const void *c)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)c;

	return (x > y) - (x < y);
}

/* Writes [start, end); flushes every flush_s of simulated time, timing those in the last hour. */
static void record(struct bench *b, int64_t start, int64_t end, bool wobble, int64_t **flush_us,
		   size_t *nr_flush)
{
	struct strbuf err = STRBUF_INIT;
	struct store_health h;
	size_t alloc = 0;

	for (int64_t t = start; t < end; t += SEC) {
		int64_t stamp = wobble ? t + (int64_t)(rnd(b) % 3) : t;
		bool timed = t >= end - HOUR;

		for (size_t i = 0; i < b->nr; i++) {
			step_value(b, &b->g[i], t);
			store_add(b->st, b->g[i].id, stamp, b->g[i].v);
		}
		if ((t + SEC) % (timed ? 10 * SEC : 600 * SEC))
			continue;
		if (store_flush(b->st, &err)) {
			fprintf(stderr, "store-bench: flush: %s\n", err.buf);
			exit(2);
		}
		if (timed) {
			store_health(b->st, &h);
			ALLOC_GROW(*flush_us, *nr_flush + 1, alloc);
			(*flush_us)[(*nr_flush)++] = h.last_flush_us;
		}
	}
	strbuf_release(&err);
}

/* Runs q five times: best and median wall time in ms; *nr_points of the last run. */
static void time_query(struct store *st, const struct store_query *q, double *best, double *median,
		       size_t *nr_points, size_t *nr_series)
{
	struct store_result res;
	struct strbuf err = STRBUF_INIT;
	double ms[5], t0;

	for (int r = 0; r < 5; r++) {
		t0 = now_ms();
		if (store_query(st, q, &res, &err)) {
			fprintf(stderr, "store-bench: query: %s\n", err.buf);
			exit(2);
		}
		ms[r] = now_ms() - t0;
		*nr_points = 0;
		*nr_series = res.nr_series;
		for (size_t i = 0; i < res.nr_series; i++)
			*nr_points += res.series[i].nr_points;
		store_result_release(&res);
	}
	for (int i = 1; i < 5; i++)
		for (int j = i; j > 0 && ms[j] < ms[j - 1]; j--) {
			double x = ms[j];

			ms[j] = ms[j - 1];
			ms[j - 1] = x;
		}
	*best = ms[0];
	*median = ms[2];
	strbuf_release(&err);
}

static bool run_queries(const char *db, int64_t end, int hours)
{
	struct store_query sockets = { .name = "connmon_tcp_sockets",
				       .since_ms = end - 24 * HOUR,
				       .until_ms = end,
				       .tier = STORE_TIER_AUTO };
	struct store_query ifaces = { .name = "connmon_iface_*",
				      .since_ms = end - 7 * 24 * HOUR,
				      .until_ms = end,
				      .tier = STORE_TIER_AUTO };
	struct strbuf err = STRBUF_INIT;
	double best, median;
	size_t nr, nr_series;
	struct store *st;
	bool ok = true;

	if (store_open(&st, db, STORE_READ, NULL, &err)) {
		fprintf(stderr, "store-bench: %s\n", err.buf);
		exit(2);
	}
	if (hours >= 24) {
		time_query(st, &sockets, &best, &median, &nr, &nr_series);
		printf("query sockets 24 h, ticks (%zu series, %zu points): best %.1f ms, median"
		       " %.1f ms (goal <= 100)\n",
		       nr_series, nr, best, median);
		ok &= median <= 100;
		sockets.step_ms = 10 * SEC;
		sockets.tier = STORE_TIER_TICK;
		time_query(st, &sockets, &best, &median, &nr, &nr_series);
		printf("query sockets 24 h, ticks at a 10 s step (%zu points): best %.1f ms, median"
		       " %.1f ms\n",
		       nr, best, median);
	}
	if (hours >= 7 * 24) {
		time_query(st, &ifaces, &best, &median, &nr, &nr_series);
		printf("query ifaces 7 days, minutes (%zu series, %zu points): best %.1f ms, median"
		       " %.1f ms (goal <= 300)\n",
		       nr_series, nr, best, median);
		ok &= median <= 300;
		ifaces.step_ms = HOUR;
		time_query(st, &ifaces, &best, &median, &nr, &nr_series);
		printf("query ifaces 7 days, hours (%zu points): best %.1f ms, median %.1f ms\n",
		       nr, best, median);
	}
	store_close(st, NULL);
	strbuf_release(&err);
	return ok;
}

static uint64_t file_bytes(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 ? (uint64_t)sb.st_size : 0;
}

int main(int argc, char **argv)
{
	struct bench b = { .rng = 0x2545f4914f6cdd1dULL };
	struct strbuf db = STRBUF_INIT, err = STRBUF_INIT;
	struct store_health h;
	struct rusage ru;
	int64_t *flush_us = NULL, end;
	size_t nr_flush = 0;
	double t0, secs, per_sample, kept;
	bool wobble, ok;
	int hours;

	if (argc < 3 || (hours = (int)strtol(argv[2], NULL, 10)) < 2) {
		fprintf(stderr, "usage: store-bench DIR HOURS [--wobble]\n");
		return 2;
	}
	wobble = argc > 3 && !strcmp(argv[3], "--wobble");
	strbuf_addf(&db, "%s/bench.db", argv[1]);
	if (store_open(&b.st, db.buf, STORE_WRITE, NULL, &err)) {
		fprintf(stderr, "store-bench: %s\n", err.buf);
		return 2;
	}
	define_sockets(&b);
	define_counters(&b);
	end = T_START + hours * HOUR;
	t0 = now_ms();
	record(&b, T_START, end, wobble, &flush_us, &nr_flush);
	store_health(b.st, &h);
	if (store_close(b.st, &err)) {
		fprintf(stderr, "store-bench: close: %s\n", err.buf);
		return 2;
	}
	secs = (now_ms() - t0) / 1e3;
	qsort(flush_us, nr_flush, sizeof(*flush_us), cmp_i64);
	per_sample = (double)file_bytes(db.buf) / ((double)b.nr * (double)hours * 3600);
	kept = (double)file_bytes(db.buf) / ((double)b.nr * (hours < 48 ? hours : 48) * 3600);
	printf("series %zu, hours %d, timestamps %s, written in %.1f s (%.0fx real time)\n", b.nr,
	       hours, wobble ? "wobbling 0-2 ms" : "on the deadlines", secs, hours * 3600 / secs);
	printf("file %llu bytes, %.3f bytes per tick sample written, every tier included"
	       " (goal <= 1.0)\n",
	       (unsigned long long)file_bytes(db.buf), per_sample);
	if (hours > 48)
		printf("%.3f bytes per tick sample kept (the last 48 h), every tier included\n",
		       kept);
	printf("flush every 10 s (%zu flushes, %zu series): median %.1f ms, p95 %.1f ms, max %.1f ms\n",
	       nr_flush, b.nr, flush_us[nr_flush / 2] / 1e3, flush_us[nr_flush * 95 / 100] / 1e3,
	       flush_us[nr_flush - 1] / 1e3);
	getrusage(RUSAGE_SELF, &ru);
	printf("writer: peak RSS %ld KiB (the whole benchmark process so far)\n", ru.ru_maxrss);
	ok = run_queries(db.buf, end, hours);
	ok &= per_sample <= 1.0 || hours > 48;
	free(flush_us);
	free(b.g);
	strbuf_release(&db);
	strbuf_release(&err);
	return ok ? 0 : 1;
}
