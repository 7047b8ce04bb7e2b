// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A writer for the store's system tests (not installed).
 *
 *   store-driver write DB SECONDS [TICK_MS]   writes a deterministic series
 *       set, one tick (1 s of recorded time) every TICK_MS (10) ms of real
 *       time (0: as fast as it can), and flushes every 10 ticks; continues
 *       after the newest tick already stored.
 *       Prints, one line each, flushed at once:
 *         started K            the first tick it will write
 *         committed K          a flush committed every tick up to K
 *         error E MESSAGE      a flush failed (once per run of failures)
 *         recovered K          the first commit after failures
 *         closed K             SECONDS are over (or SIGTERM): closed cleanly
 *       Exit 0, or 2 when the database cannot be opened (the message on
 *       stderr).
 *   store-driver verify DB K     checks, reading only, that every tick up to
 *       K of every series is stored exactly once with its value, and that
 *       every minute rollup before the newest stored minute agrees with the
 *       ticks; prints what is wrong, exit 0 when nothing is.
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/strbuf.h"
#include "base/xalloc.h"
#include "store/store.h"

#define NR_SERIES 24
#define T_BASE	  1699999200000LL /* tick k is at T_BASE + k s; an hour boundary */
#define SEC	  1000LL

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

/* Series s: even ones are gauges, odd ones counters (with a reset every 1,000 ticks). */
static double value_of(int s, int64_t k)
{
	if (s % 2 == 0)
		return (double)((k * (s + 1) + k / 7) % 500);
	return (double)((k % 1000) * (s + 3));
}

static void names_of(int s, struct strbuf *name, struct strbuf *labels)
{
	strbuf_reset(name);
	strbuf_reset(labels);
	strbuf_addstr(name, s % 2 ? "driver_bytes_total" : "driver_sockets");
	strbuf_addf(labels, "n=\"%d\"", s);
}

static int register_all(struct store *st, int64_t *id)
{
	struct strbuf name = STRBUF_INIT, labels = STRBUF_INIT;
	int ret = 0;

	for (int s = 0; s < NR_SERIES && !ret; s++) {
		names_of(s, &name, &labels);
		ret = store_series(st, name.buf, labels.buf, s % 2 ? STORE_COUNTER : STORE_GAUGE,
				   &id[s]);
	}
	strbuf_release(&name);
	strbuf_release(&labels);
	return ret;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { .tv_sec = 0, .tv_nsec = ms * 1000000L };

	nanosleep(&ts, NULL);
}

static double mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int do_write(const char *db, int seconds, int tick_ms)
{
	double end_ms = mono_ms() + seconds * 1e3;
	struct strbuf err = STRBUF_INIT;
	int64_t id[NR_SERIES], newest, k, committed;
	struct store_options opts;
	bool failing = false;
	struct store *st;
	int ret;

	signal(SIGTERM, on_term);
	/*
	 * Kept for ever: at full speed the rounds may write more than the 48 h of
	 * ticks the default keeps, and verify checks every tick from the first.
	 */
	store_options_init(&opts);
	for (int t = 0; t < STORE_NR_TIERS; t++)
		opts.retention_ms[t] = 0;
	ret = store_open(&st, db, STORE_WRITE, &opts, &err);
	if (!ret)
		ret = register_all(st, id);
	if (!ret)
		ret = store_newest(st, &newest);
	if (ret) {
		fprintf(stderr, "store-driver: %s (%d)\n", err.buf, ret);
		store_close(st, NULL);
		strbuf_release(&err);
		return 2;
	}
	k = newest == INT64_MIN ? 0 : (newest - T_BASE) / SEC + 1;
	committed = k - 1;
	printf("started %lld\n", (long long)k);
	fflush(stdout);
	for (int loop = 0; !stop && mono_ms() < end_ms; loop++, k++) {
		for (int s = 0; s < NR_SERIES; s++)
			store_add(st, id[s], T_BASE + k * SEC, value_of(s, k));
		if (loop % 10 == 9) {
			strbuf_reset(&err);
			ret = store_flush(st, &err);
			if (ret && !failing)
				printf("error %d %s\n", ret, err.buf);
			else if (!ret)
				printf("%s %lld\n", failing ? "recovered" : "committed",
				       (long long)k);
			failing = ret != 0;
			committed = ret ? committed : k;
			fflush(stdout);
		}
		if (tick_ms)
			sleep_ms(tick_ms);
	}
	ret = store_close(st, &err);
	if (ret)
		printf("error %d %s\n", ret, err.buf);
	else
		printf("closed %lld\n", (long long)k - 1);
	fflush(stdout);
	strbuf_release(&err);
	(void)committed;
	return 0;
}

#define MAX_TICKS (1 << 20)

/* Everything stored, by series: ticks[k] (NaN: absent), and the minute rollups by minute. */
struct check {
	double *ticks[NR_SERIES];
	uint32_t *seen[NR_SERIES];
	struct store_sample *minutes[NR_SERIES];
	int64_t max_k;
	int bad;
};

static int say(struct check *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int say(struct check *c, const char *fmt, ...)
{
	va_list ap;

	if (c->bad++ < 20) {
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
	}
	return 0;
}

static int on_point(void *ctx, const struct store_series_info *info, enum store_tier tier,
		    const struct store_sample *s)
{
	struct check *c = ctx;
	const char *p = strstr(info->labels, "n=\"");
	long n = p ? strtol(p + 3, NULL, 10) : -1;
	int64_t k = (s->t_ms - T_BASE) / SEC;

	if (n < 0 || n >= NR_SERIES || k < 0 || k >= MAX_TICKS || (s->t_ms - T_BASE) % SEC)
		return say(c, "unexpected point %s{%s} at %lld\n", info->name, info->labels,
			   (long long)s->t_ms);
	if (tier == STORE_TIER_MINUTE) {
		c->minutes[n][k / 60] = *s;
		return 0;
	}
	if (tier != STORE_TIER_TICK)
		return 0;
	if (c->seen[n][k]++)
		say(c, "series %ld: tick %lld stored twice\n", n, (long long)k);
	c->ticks[n][k] = s->last;
	if (k > c->max_k)
		c->max_k = k;
	return 0;
}

/* The minute rollup of ticks [m*60, m*60+60) as the store defines it. */
static void expect_minute(const struct check *c, int n, int64_t m, struct store_sample *e)
{
	double sum = 0, prev;

	memset(e, 0, sizeof(*e));
	e->min = INFINITY;
	e->max = -INFINITY;
	for (int64_t k = m * 60; k < m * 60 + 60; k++) {
		double v = c->ticks[n][k], x = v;

		if (n % 2) {
			if (k == 0)
				continue;
			prev = c->ticks[n][k - 1];
			x = v >= prev ? v - prev : v;
		}
		e->min = x < e->min ? x : e->min;
		e->max = x > e->max ? x : e->max;
		sum += x;
		e->count++;
		e->last = v;
	}
	e->last = c->ticks[n][m * 60 + 59];
	e->mean = sum / e->count; /* counters: the increase over count seconds */
}

static void check_minutes(struct check *c)
{
	struct store_sample e;

	for (int n = 0; n < NR_SERIES; n++) {
		for (int64_t m = 0; m < c->max_k / 60; m++) {
			const struct store_sample *got = &c->minutes[n][m];

			expect_minute(c, n, m, &e);
			if (got->count != e.count || got->min != e.min || got->max != e.max ||
			    fabs(got->mean - e.mean) > 1e-9 * fabs(e.mean) || got->last != e.last)
				say(c,
				    "series %d minute %lld: stored count %u min %g max %g mean %g last"
				    " %g, from the ticks %u %g %g %g %g\n",
				    n, (long long)m, got->count, got->min, got->max, got->mean,
				    got->last, e.count, e.min, e.max, e.mean, e.last);
		}
	}
}

static int do_verify(const char *db, int64_t up_to)
{
	struct store_query all = { .since_ms = 0, .until_ms = INT64_MAX };
	struct strbuf err = STRBUF_INIT;
	struct check c = { .max_k = -1 };
	struct store *st;
	int ret;

	ret = store_open(&st, db, STORE_READ, NULL, &err);
	if (ret) {
		printf("cannot open: %s\n", err.buf);
		strbuf_release(&err);
		return 2;
	}
	for (int n = 0; n < NR_SERIES; n++) {
		c.ticks[n] = xcalloc(MAX_TICKS, sizeof(double));
		c.seen[n] = xcalloc(MAX_TICKS, sizeof(uint32_t));
		c.minutes[n] = xcalloc(MAX_TICKS / 60 + 1, sizeof(struct store_sample));
	}
	ret = store_export(st, &all, on_point, &c, &err);
	if (ret)
		say(&c, "export: %s (%d)\n", err.buf, ret);
	for (int n = 0; n < NR_SERIES; n++)
		for (int64_t k = 0; k <= c.max_k || k <= up_to; k++)
			if (!c.seen[n][k] && k <= (up_to > c.max_k ? up_to : c.max_k))
				say(&c, "series %d: tick %lld missing (committed up to %lld)\n", n,
				    (long long)k, (long long)up_to);
			else if (c.seen[n][k] && c.ticks[n][k] != value_of(n, k))
				say(&c, "series %d: tick %lld is %g, not %g\n", n, (long long)k,
				    c.ticks[n][k], value_of(n, k));
	check_minutes(&c);
	printf("verified: %lld ticks a series, %d problems\n", (long long)c.max_k + 1, c.bad);
	for (int n = 0; n < NR_SERIES; n++) {
		free(c.ticks[n]);
		free(c.seen[n]);
		free(c.minutes[n]);
	}
	store_close(st, NULL);
	strbuf_release(&err);
	return c.bad ? 1 : 0;
}

int main(int argc, char **argv)
{
	if ((argc == 4 || argc == 5) && !strcmp(argv[1], "write"))
		return do_write(argv[2], (int)strtol(argv[3], NULL, 10),
				argc == 5 ? (int)strtol(argv[4], NULL, 10) : 10);
	if (argc == 4 && !strcmp(argv[1], "verify"))
		return do_verify(argv[2], strtoll(argv[3], NULL, 10));
	fprintf(stderr, "usage: store-driver write DB SECONDS [TICK_MS] | verify DB K\n");
	return 2;
}
