// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The store's data: rollups exact on hand-computed series, counters across
 * resets, restarts in the middle of a bucket (after a close and after a
 * crash), tier choice, label matchers, retention, the size cap, failed
 * flushes and the backlog bound, import/export, baselines.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

/* cmocka needs these first. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
// clang-format on

#include "store/store.h"
#include "store_test.h"

static void assert_near(double got, double want)
{
	if (!(fabs(got - want) <= 1e-9 * (fabs(want) > 1 ? fabs(want) : 1)))
		fail_msg("got %.12g, want %.12g", got, want);
}

/* Gauge: value i % 10 at T0 + i s, i in [0, 120), NaN at i = 5. */
static void add_gauge(struct store *st, int64_t id, int from, int to)
{
	for (int i = from; i < to; i++)
		assert_int_equal(store_add(st, id, T0 + i * SEC, i == 5 ? NAN : i % 10), 0);
}

static void test_gauge_rollups(void **state)
{
	const struct store_result_series *r;
	struct store_result res;
	struct store *st;
	struct tdir d;
	int64_t id;

	(void)state;
	tdir_make(&d);
	st = open_writer(d.db, NULL);
	id = series_id(st, "connmon_tcp_sockets", "state=\"established\"", STORE_GAUGE);
	add_gauge(st, id, 0, 120);
	assert_int_equal(store_close(st, NULL), 0);

	st = open_reader(d.db);
	r = query_one(st, &res, "connmon_tcp_sockets", T0, T0 + 2 * MINUTE, 0, STORE_TIER_MINUTE);
	assert_int_equal(res.step_ms, MINUTE);
	assert_int_equal(r->nr_points, 2);
	/* Minute 0: 59 values (one NaN); the sum of i % 10 over 60 is 270, less the 5. */
	assert_int_equal(r->points[0].t_ms, T0);
	assert_int_equal(r->points[0].count, 59);
	assert_near(r->points[0].min, 0);
	assert_near(r->points[0].max, 9);
	assert_near(r->points[0].mean, 265.0 / 59);
	assert_near(r->points[0].last, 9);
	assert_true(isnan(r->points[0].rate));
	assert_int_equal(r->points[1].count, 60);
	assert_near(r->points[1].mean, 4.5);
	store_result_release(&res);

	/* The hour in progress was written at the close. */
	r = query_one(st, &res, "connmon_tcp_sockets", T0, T0 + HOUR, 0, STORE_TIER_HOUR);
	assert_int_equal(r->nr_points, 1);
	assert_int_equal(r->points[0].count, 119);
	assert_near(r->points[0].mean, 535.0 / 119);
	store_result_release(&res);

	/* Ticks at a 30 s step: the same figures, from the raw samples. */
	r = query_one(st, &res, "connmon_tcp_sockets", T0, T0 + 2 * MINUTE, 30 * SEC,
		      STORE_TIER_AUTO);
	assert_int_equal(res.tier, STORE_TIER_TICK);
	assert_int_equal(r->nr_points, 4);
	assert_int_equal(r->points[0].count, 29);
	assert_near(r->points[0].mean, (135.0 - 5) / 29);
	assert_int_equal(r->points[3].t_ms, T0 + 90 * SEC);
	store_result_release(&res);
	store_close(st, NULL);
	tdir_remove(&d);
}

/* Counter: +100 a second, reset to 50 at i = 30. */
static double counter_at(int i)
{
	return i < 30 ? 100.0 * i : 50 + 100.0 * (i - 30);
}

static void test_counter_rates(void **state)
{
	const struct store_result_series *r;
	struct store_result res;
	struct store *st;
	struct tdir d;
	int64_t id;

	(void)state;
	tdir_make(&d);
	st = open_writer(d.db, NULL);
	id = series_id(st, "connmon_iface_rx_bytes_total", "iface=\"eth0\"", STORE_COUNTER);
	for (int i = 0; i < 120; i++)
		assert_int_equal(store_add(st, id, T0 + i * SEC, counter_at(i)), 0);
	assert_int_equal(store_close(st, NULL), 0);
	st = open_reader(d.db);

	/* From ticks: 59 intervals in minute 0 (none before the first sample). */
	r = query_one(st, &res, "connmon_iface_rx_bytes_total", T0, T0 + 2 * MINUTE, MINUTE,
		      STORE_TIER_TICK);
	assert_int_equal(r->nr_points, 2);
	assert_int_equal(r->points[0].count, 59);
	assert_near(r->points[0].increase, 29 * 100 + 50 + 29 * 100);
	assert_near(r->points[0].rate, 5850.0 / 59);
	assert_near(r->points[0].mean, 5850.0 / 59);
	assert_near(r->points[0].min, 50);
	assert_near(r->points[0].max, 100);
	assert_near(r->points[0].last, counter_at(59));
	assert_int_equal(r->points[1].count, 60);
	assert_near(r->points[1].increase, 6000);
	assert_near(r->points[1].rate, 100);
	store_result_release(&res);

	/* A range starting inside: its first interval uses the sample before it. */
	r = query_one(st, &res, "connmon_iface_rx_bytes_total", T0 + 60 * SEC, T0 + 61 * SEC, 0,
		      STORE_TIER_TICK);
	assert_int_equal(r->nr_points, 1);
	assert_near(r->points[0].increase, 100);
	store_result_release(&res);

	/* The minute rollups hold the same rates; the increase is rate x 60 s. */
	r = query_one(st, &res, "connmon_iface_rx_bytes_total", T0, T0 + 2 * MINUTE, 0,
		      STORE_TIER_MINUTE);
	assert_int_equal(r->nr_points, 2);
	assert_near(r->points[0].mean, 5850.0 / 59);
	assert_near(r->points[0].min, 50);
	assert_int_equal(r->points[0].count, 59);
	assert_near(r->points[0].last, counter_at(59));
	store_result_release(&res);
	r = query_one(st, &res, "connmon_iface_rx_bytes_total", T0, T0 + 2 * MINUTE, 2 * MINUTE,
		      STORE_TIER_MINUTE);
	assert_int_equal(r->nr_points, 1);
	assert_near(r->points[0].increase, 5850.0 / 59 * 60 + 6000);
	assert_near(r->points[0].rate, (5850.0 / 59 * 60 + 6000) / 120);
	store_result_release(&res);
	store_close(st, NULL);
	tdir_remove(&d);
}

static void check_rebuilt_minute(const char *db)
{
	const struct store_result_series *r;
	struct store_result res;
	struct store *st = open_reader(db);

	r = query_one(st, &res, "connmon_tcp_sockets", T0, T0 + 2 * MINUTE, 0, STORE_TIER_MINUTE);
	assert_int_equal(r->nr_points, 2);
	assert_int_equal(r->points[0].count, 59);
	assert_near(r->points[0].mean, 265.0 / 59);
	assert_int_equal(r->points[1].count, 1);
	store_result_release(&res);
	store_close(st, NULL);
}

/* A restart in the middle of a minute rebuilds that minute from the ticks. */
static void test_restart_mid_bucket(void **state)
{
	struct store *st;
	struct tdir d;
	pid_t pid;
	int status;

	(void)state;
	tdir_make(&d);
	st = open_writer(d.db, NULL);
	add_gauge(st, series_id(st, "connmon_tcp_sockets", "", STORE_GAUGE), 0, 30);
	store_close(st, NULL);
	st = open_writer(d.db, NULL);
	add_gauge(st, series_id(st, "connmon_tcp_sockets", "", STORE_GAUGE), 30, 61);
	store_close(st, NULL);
	check_rebuilt_minute(d.db);
	assert_int_equal(sql_int(d.db, "SELECT count(*) FROM chunk WHERE tier = 1"), 1);
	tdir_remove(&d);

	/* The same after a crash (no close) right after a flush. */
	tdir_make(&d);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		st = open_writer(d.db, NULL);
		add_gauge(st, series_id(st, "connmon_tcp_sockets", "", STORE_GAUGE), 0, 30);
		_exit(store_flush(st, NULL) == 0 ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(WEXITSTATUS(status), 0);
	st = open_writer(d.db, NULL);
	add_gauge(st, series_id(st, "connmon_tcp_sockets", "", STORE_GAUGE), 30, 61);
	store_close(st, NULL);
	check_rebuilt_minute(d.db);
	tdir_remove(&d);
}

static void test_pick_tier(void **state)
{
	struct store_options o;
	int64_t now = T0 + 100 * DAY;

	(void)state;
	store_options_init(&o);
	assert_int_equal(store_pick_tier(&o, now, now - DAY, 0, -1), STORE_TIER_TICK);
	assert_int_equal(store_pick_tier(&o, now, now - DAY, 59 * SEC, -1), STORE_TIER_TICK);
	assert_int_equal(store_pick_tier(&o, now, now - DAY, MINUTE, -1), STORE_TIER_MINUTE);
	assert_int_equal(store_pick_tier(&o, now, now - 49 * HOUR, SEC, -1), STORE_TIER_MINUTE);
	assert_int_equal(store_pick_tier(&o, now, now - DAY, 59 * MINUTE, -1), STORE_TIER_MINUTE);
	assert_int_equal(store_pick_tier(&o, now, now - DAY, HOUR, -1), STORE_TIER_HOUR);
	assert_int_equal(store_pick_tier(&o, now, now - 91 * DAY, MINUTE, -1), STORE_TIER_HOUR);
	assert_int_equal(store_pick_tier(&o, now, now - 91 * DAY, SEC, STORE_TIER_TICK),
			 STORE_TIER_TICK);
}

static void test_matchers(void **state)
{
	static const char *const states[] = { "established", "listen", "time_wait" };
	struct store_match m[2] = { { "state", "listen" }, { "port", "" } };
	struct store_query q = { .name = "connmon_tcp_port_sockets",
				 .match = m,
				 .nr_match = 1,
				 .since_ms = T0,
				 .until_ms = T0 + HOUR,
				 .tier = STORE_TIER_AUTO };
	struct strbuf lbl = STRBUF_INIT;
	struct store_series_info *list;
	struct store_result res;
	struct store *st;
	struct tdir d;
	size_t nr;

	(void)state;
	tdir_make(&d);
	st = open_writer(d.db, NULL);
	for (int i = 0; i < 3; i++) {
		for (int port = 22; port <= 23; port++) {
			strbuf_reset(&lbl);
			strbuf_addf(&lbl, "port=\"%d\",state=\"%s\"", port, states[i]);
			store_add(st, series_id(st, q.name, lbl.buf, STORE_GAUGE), T0, i + port);
		}
	}
	store_add(st, series_id(st, "connmon_tcp_sockets", "state=\"listen\"", STORE_GAUGE), T0, 1);
	assert_int_equal(store_series(st, q.name, "port=\"22\",state=\"listen\"", STORE_COUNTER,
				      &(int64_t){ 0 }),
			 -EINVAL);
	assert_int_equal(store_series(st, q.name, "port=22", STORE_GAUGE, &(int64_t){ 0 }),
			 -EINVAL);
	assert_int_equal(store_flush(st, NULL), 0);
	assert_int_equal(store_query(st, &q, &res, NULL), 0);
	assert_int_equal(res.nr_series, 2);
	assert_string_equal(res.series[0].info.labels, "port=\"22\",state=\"listen\"");
	assert_int_equal(res.series[1].nr_points, 1);
	assert_near(res.series[1].points[0].last, 1 + 23);
	store_result_release(&res);
	q.nr_match = 2; /* port="" matches only series without a port label */
	assert_int_equal(store_query(st, &q, &res, NULL), 0);
	assert_int_equal(res.nr_series, 0);
	store_result_release(&res);
	/* A prefix and '*': both names; anything else with pattern characters is refused. */
	q.name = "connmon_tcp_*";
	q.nr_match = 1;
	assert_int_equal(store_query(st, &q, &res, NULL), 0);
	assert_int_equal(res.nr_series, 3);
	assert_string_equal(res.series[2].info.name, "connmon_tcp_sockets");
	store_result_release(&res);
	q.name = "connmon_tcp_[ps]*";
	assert_int_equal(store_query(st, &q, &res, NULL), -EINVAL);
	assert_int_equal(store_list(st, &list, &nr, NULL), 0);
	assert_int_equal(nr, 7);
	assert_string_equal(list[6].name, "connmon_tcp_sockets");
	assert_int_equal(list[6].first_ms, T0);
	store_series_info_free(list, nr);
	store_close(st, NULL);
	strbuf_release(&lbl);
	tdir_remove(&d);
}

static void test_retention(void **state)
{
	struct store_options o;
	struct store *st;
	struct tdir d;
	int64_t id, now;

	(void)state;
	tdir_make(&d);
	store_options_init(&o);
	o.retention_ms[STORE_TIER_TICK] = 2 * HOUR;
	o.retention_ms[STORE_TIER_MINUTE] = 3 * HOUR;
	st = open_writer(d.db, &o);
	id = series_id(st, "connmon_sockstat", "proto=\"tcp\",field=\"inuse\"", STORE_GAUGE);
	for (int64_t t = T0; t < T0 + 5 * HOUR; t += 10 * SEC) {
		assert_int_equal(store_add(st, id, t, (double)(t / SEC % 13)), 0);
		if ((t - T0) % (10 * MINUTE) == 0)
			assert_int_equal(store_flush(st, NULL), 0);
	}
	now = T0 + 5 * HOUR - 10 * SEC;
	assert_int_equal(store_flush(st, NULL), 0);
	assert_true(sql_int(d.db, "SELECT count(*) FROM chunk WHERE tier = 0") >= 2);
	assert_true(sql_int(d.db, "SELECT min(last_ms) FROM chunk WHERE tier = 0") >=
		    now - 2 * HOUR);
	assert_true(sql_int(d.db, "SELECT min(first_ms) FROM chunk WHERE tier = 0") <
		    now - 2 * HOUR + HOUR);
	assert_true(sql_int(d.db, "SELECT min(last_ms) FROM chunk WHERE tier = 1") >=
		    now - 3 * HOUR);
	/* The hour tier still reaches back to T0, and the series' range says so. */
	assert_int_equal(sql_int(d.db, "SELECT min(first_ms) FROM chunk WHERE tier = 2"), T0);
	assert_int_equal(sql_int(d.db, "SELECT first_ms FROM series"), T0);
	store_close(st, NULL);
	tdir_remove(&d);
}

static uint64_t rng = 42;

static double noise(void)
{
	rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return (double)(rng >> 11) / 9007199254740992.0;
}

static void test_size_cap(void **state)
{
	struct store_health h;
	struct store_options o;
	struct store *st;
	struct tdir d;
	int64_t id[16], t, end = T0 + 8 * HOUR;
	long long bytes;

	(void)state;
	tdir_make(&d);
	store_options_init(&o);
	o.size_cap_bytes = 512 * 1024;
	o.block_ms[STORE_TIER_TICK] = 10 * MINUTE; /* the two newest blocks are never evicted */
	st = open_writer(d.db, &o);
	for (int i = 0; i < 16; i++) {
		char lbl[32];

		snprintf(lbl, sizeof(lbl), "addr=\"10.0.0.%d\"", i);
		id[i] = series_id(st, "connmon_tcp_peer_sockets", lbl, STORE_GAUGE);
	}
	/* Fractions that change every second: ~8 bytes a sample, ~3.6 MiB in all. */
	for (t = T0; t < end; t += SEC) {
		for (int i = 0; i < 16; i++)
			store_add(st, id[i], t, noise());
		if ((t - T0) % (5 * MINUTE) == 0)
			assert_int_equal(store_flush(st, NULL), 0);
	}
	assert_int_equal(store_flush(st, NULL), 0);
	store_health(st, &h);
	assert_true(h.chunks_evicted > 0);
	/* The data within the cap; the file within it and a few free pages kept for reuse. */
	bytes = (sql_int(d.db, "PRAGMA page_count") - sql_int(d.db, "PRAGMA freelist_count")) *
		sql_int(d.db, "PRAGMA page_size");
	assert_true(bytes <= (long long)o.size_cap_bytes);
	bytes = sql_int(d.db, "PRAGMA page_count") * sql_int(d.db, "PRAGMA page_size");
	if (bytes > (long long)(o.size_cap_bytes + o.size_cap_bytes / 32 + 16 * 4096))
		fail_msg("%lld bytes, cap %llu, free pages %lld", bytes,
			 (unsigned long long)o.size_cap_bytes,
			 sql_int(d.db, "PRAGMA freelist_count"));
	/* The newest ticks stay; the oldest went first; the long tiers kept their start. */
	assert_true(sql_int(d.db, "SELECT max(last_ms) FROM chunk WHERE tier = 0") == end - SEC);
	assert_true(sql_int(d.db, "SELECT min(first_ms) FROM chunk WHERE tier = 0") > T0 + HOUR);
	assert_int_equal(sql_int(d.db, "SELECT min(first_ms) FROM chunk WHERE tier = 2"), T0);
	store_close(st, NULL);
	tdir_remove(&d);
}

/* A flush that cannot write keeps everything; beyond the bound the oldest is dropped. */
static void test_failed_flush(void **state)
{
	struct store_health h;
	struct store_options o;
	struct store *st;
	struct tdir d;
	sqlite3 *other;
	int64_t id;
	long long kept;

	(void)state;
	tdir_make(&d);
	store_options_init(&o);
	o.block_ms[STORE_TIER_TICK] = MINUTE;
	o.backlog_max_samples = 500;
	st = open_writer(d.db, &o);
	id = series_id(st, "connmon_netstat", "counter=\"TcpCurrEstab\"", STORE_GAUGE);
	assert_int_equal(store_add(st, id, T0 - SEC, 7), 0);
	assert_int_equal(store_flush(st, NULL), 0);
	/* Another connection holds the write lock: our flushes fail (-EBUSY after 1 s). */
	assert_int_equal(sqlite3_open(d.db, &other), SQLITE_OK);
	assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(store_add(st, id, T0 + i * SEC, i), 0);
	assert_int_equal(store_flush(st, NULL), -EBUSY);
	store_health(st, &h);
	assert_int_equal(h.flush_errors, 1);
	assert_int_equal(h.last_error, -EBUSY);
	assert_true(h.samples_dropped >= 1000 - 500 - 60);
	assert_true(h.backlog_samples <= 500 + 60);
	/* Rollup points count too: 16 minutes, and the minute and hour of T0 - 1 s. */
	assert_int_equal(h.samples_dropped + h.backlog_samples, 1000 + 16 + 2);
	assert_int_equal(sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(other);
	assert_int_equal(store_flush(st, NULL), 0);
	store_health(st, &h);
	assert_int_equal(h.backlog_samples, 0);
	assert_int_equal(h.consecutive_errors, 0);
	store_close(st, NULL);
	kept = sql_int(d.db, "SELECT sum(nr) FROM chunk WHERE tier = 0");
	/* What was committed before, plus the newest ones; the oldest unwritten went. */
	assert_int_equal(kept, 1 + 1000 - (long long)h.samples_dropped);
	assert_int_equal(sql_int(d.db, "SELECT max(last_ms) FROM chunk WHERE tier = 0"),
			 T0 + 999 * SEC);
	tdir_remove(&d);
}

struct exported {
	int nr[STORE_NR_TIERS];
	double sum_last[STORE_NR_TIERS];
	int64_t last_t;
};

static int on_point(void *ctx, const struct store_series_info *info, enum store_tier tier,
		    const struct store_sample *s)
{
	struct exported *e = ctx;

	(void)info;
	e->nr[tier]++;
	e->sum_last[tier] += s->last;
	e->last_t = s->t_ms;
	return 0;
}

static void test_import_export(void **state)
{
	struct store_query all = { .since_ms = 0, .until_ms = INT64_MAX };
	struct store_sample s = { .count = 0 };
	struct exported e = { .last_t = 0 };
	const struct store_result_series *r;
	struct store_result res;
	struct store *st;
	struct tdir d;

	(void)state;
	tdir_make(&d);
	st = open_writer(d.db, NULL);
	/* Minute points of a sar import, in reverse order, then one replaced. */
	for (int k = 9; k >= 0; k--) {
		s.t_ms = T0 + k * MINUTE;
		s.min = s.max = s.mean = 1000;
		s.last = 60000.0 * (k + 1);
		assert_int_equal(store_import(st, "connmon_netstat_total", "counter=\"TcpInSegs\"",
					      STORE_COUNTER, STORE_TIER_MINUTE, &s, NULL),
				 0);
	}
	s.t_ms = T0;
	s.last = 1;
	store_import(st, "connmon_netstat_total", "counter=\"TcpInSegs\"", STORE_COUNTER,
		     STORE_TIER_MINUTE, &s, NULL);
	for (int k = 0; k < 5; k++) {
		s.t_ms = T0 + k * SEC;
		s.last = k;
		store_import(st, "connmon_sockets", "", STORE_GAUGE, STORE_TIER_TICK, &s, NULL);
	}
	/* Minutes and their own hour point: that one is kept as given. */
	s.t_ms = T0 + MINUTE;
	s.min = s.max = s.mean = s.last = 5;
	store_import(st, "connmon_sockstat", "", STORE_GAUGE, STORE_TIER_MINUTE, &s, NULL);
	s.t_ms = T0;
	s.min = s.max = s.mean = s.last = 7;
	store_import(st, "connmon_sockstat", "", STORE_GAUGE, STORE_TIER_HOUR, &s, NULL);
	assert_int_equal(store_flush(st, NULL), 0);
	/* A second import merges into the stored block. */
	s.t_ms = T0 + 10 * SEC;
	s.last = 10;
	store_import(st, "connmon_sockets", "", STORE_GAUGE, STORE_TIER_TICK, &s, NULL);
	store_close(st, NULL);

	st = open_reader(d.db);
	assert_int_equal(store_import(st, "x", "", STORE_GAUGE, STORE_TIER_TICK, &s, NULL), -EROFS);
	assert_int_equal(store_export(st, &all, on_point, &e, NULL), 0);
	assert_int_equal(e.nr[STORE_TIER_MINUTE], 11);
	assert_near(e.sum_last[STORE_TIER_MINUTE], 60000.0 * 55 - 60000 + 1 + 5);
	assert_int_equal(e.nr[STORE_TIER_TICK], 6);
	assert_near(e.sum_last[STORE_TIER_TICK], 0 + 1 + 2 + 3 + 4 + 10);
	/* The hour points: one made from the imported minutes, one imported. */
	assert_int_equal(e.nr[STORE_TIER_HOUR], 2);
	assert_near(e.sum_last[STORE_TIER_HOUR], 600000 + 7);
	r = query_one(st, &res, "connmon_netstat_total", T0, T0 + HOUR, HOUR, STORE_TIER_HOUR);
	assert_int_equal(r->nr_points, 1);
	assert_near(r->points[0].mean, 1000);
	assert_near(r->points[0].min, 1000);
	assert_near(r->points[0].last, 600000);
	assert_int_equal(r->points[0].count, 10);
	store_result_release(&res);
	store_close(st, NULL);
	assert_int_equal(sql_int(d.db, "SELECT count(*) FROM chunk WHERE tier = 0"), 1);
	tdir_remove(&d);
}

static void test_baselines(void **state)
{
	struct store_baseline b[3] = {
		{ .slot = 0,
		  .median = 158,
		  .p10 = 120,
		  .p90 = 190,
		  .nr_samples = 1680,
		  .nr_days = 28,
		  .computed_ms = T0 },
		{ .slot = 14,
		  .median = 3,
		  .p10 = NAN,
		  .p90 = 5,
		  .nr_samples = 2,
		  .learning = true },
		{ .slot = 167, .median = 0 },
	};
	struct store_baseline *got;
	struct store *st;
	struct tdir d;
	int64_t id, *t;
	double *mean;
	size_t nr;

	(void)state;
	tdir_make(&d);
	st = open_writer(d.db, NULL);
	id = series_id(st, "connmon_tcp_sockets", "state=\"established\"", STORE_GAUGE);
	add_gauge(st, id, 0, 180);
	assert_int_equal(store_baseline_put(st, id, b, 3, NULL), 0);
	assert_int_equal(store_baseline_get(st, id, &got, &nr, NULL), 0);
	assert_int_equal(nr, 3);
	assert_int_equal(got[1].slot, 14);
	assert_true(isnan(got[1].p10));
	assert_true(got[1].learning);
	assert_int_equal(got[0].nr_days, 28);
	assert_int_equal(got[0].computed_ms, T0);
	free(got);
	assert_int_equal(store_baseline_put(st, id, b + 1, 1, NULL), 0);
	assert_int_equal(store_baseline_get(st, id, &got, &nr, NULL), 0);
	assert_int_equal(nr, 1);
	free(got);
	store_close(st, NULL);

	st = open_reader(d.db);
	assert_int_equal(store_minute_means(st, id, T0 + MINUTE, T0 + DAY, &t, &mean, &nr, NULL),
			 0);
	assert_int_equal(nr, 2);
	assert_int_equal(t[0], T0 + MINUTE);
	assert_near(mean[1], 4.5);
	free(t);
	free(mean);
	assert_int_equal(store_baseline_put(st, id, b, 1, NULL), -EROFS);
	store_close(st, NULL);
	tdir_remove(&d);
}

/*
 * A short idle time: a series that stops leaves memory at the next flush with its
 * minute bucket unfinished; when it comes back within that minute, the rollup holds
 * both parts (rebuilt from the ticks), and the gauge's mean is over all of them.
 */
static void test_idle_leaves_memory(void **state)
{
	struct store_options o;
	struct store_health h;
	struct store_result res;
	const struct store_result_series *r;
	struct store *st;
	struct tdir d;
	int64_t a, b;

	(void)state;
	store_options_init(&o);
	o.idle_ms = 5 * SEC;
	tdir_make(&d);
	st = open_writer(d.db, &o);
	a = series_id(st, "connmon_test_a", "", STORE_GAUGE);
	b = series_id(st, "connmon_test_b", "", STORE_GAUGE);
	for (int i = 0; i < 50; i++) { /* a: 0..19 at value 1, then gone; b: all along */
		if (i < 20)
			assert_int_equal(store_add(st, a, T0 + i * SEC, 1), 0);
		assert_int_equal(store_add(st, b, T0 + i * SEC, 2), 0);
		if (i % 10 == 9)
			assert_int_equal(store_flush(st, NULL), 0);
	}
	store_health(st, &h);
	assert_int_equal(h.nr_series, 1); /* a left memory, b stayed */
	for (int i = 50; i < 60; i++)	  /* a comes back within the same minute, at value 3 */
		assert_int_equal(store_add(st, a, T0 + i * SEC, 3), 0);
	store_health(st, &h);
	assert_int_equal(h.nr_series, 2);
	assert_int_equal(store_close(st, NULL), 0);
	st = open_reader(d.db);
	r = query_one(st, &res, "connmon_test_a", T0, T0 + MINUTE, 0, STORE_TIER_MINUTE);
	assert_int_equal(r->nr_points, 1);
	assert_int_equal(r->points[0].count, 30);
	assert_near(r->points[0].mean, (20 * 1.0 + 10 * 3.0) / 30);
	assert_near(r->points[0].max, 3);
	store_result_release(&res);
	store_close(st, NULL);
	tdir_remove(&d);
}

/* Series that come and go (per-process ones): memory follows the ones in use. */
static void test_churn(void **state)
{
	struct store_match m = { "pid", NULL };
	struct store_query q = { .name = "connmon_process_rx_bytes_total",
				 .nr_match = 1,
				 .since_ms = T0,
				 .until_ms = T0 + DAY,
				 .tier = STORE_TIER_TICK };
	struct store_result res;
	struct store_health h;
	struct store *st;
	struct tdir d;
	char lbl[32];
	int64_t id = 0, first = -1;
	uint64_t most = 0;

	(void)state;
	tdir_make(&d);
	st = open_writer(d.db, NULL);
	for (int64_t t = T0; t < T0 + 12 * HOUR; t += 10 * SEC) {
		/* A new pid every 10 minutes, alive for 20. */
		for (int64_t born = t - 20 * MINUTE + 10 * SEC; born <= t; born += 10 * SEC) {
			if ((born - T0) % (10 * MINUTE) || born < T0)
				continue;
			snprintf(lbl, sizeof(lbl), "pid=\"%lld\",comm=\"w\"",
				 (long long)born / SEC);
			id = series_id(st, "connmon_process_rx_bytes_total", lbl, STORE_COUNTER);
			assert_int_equal(store_add(st, id, t, (double)(t - born) / SEC), 0);
		}
		if (first < 0)
			first = id;
		if ((t - T0) % MINUTE == 0) {
			assert_int_equal(store_flush(st, NULL), 0);
			store_health(st, &h);
			most = h.nr_series > most ? h.nr_series : most;
		}
	}
	/* 72 series in all; at most the 2 alive and those idle for less than an hour. */
	assert_true(most <= 2 + 7);
	/* The first one, long gone, comes back: its tails are read again. */
	assert_int_equal(store_add(st, first, T0 + 5 * MINUTE, 1), -EINVAL);
	assert_int_equal(store_add(st, first, T0 + 12 * HOUR, 5000), 0);
	store_close(st, NULL);
	st = open_reader(d.db);
	snprintf(lbl, sizeof(lbl), "%lld", (long long)T0 / SEC);
	q.match = &m;
	m.value = lbl;
	assert_int_equal(store_query(st, &q, &res, NULL), 0);
	assert_int_equal(res.nr_series, 1);
	assert_int_equal(res.series[0].nr_points, 120 + 1);
	assert_near(res.series[0].points[120].increase, 5000 - 1190);
	store_result_release(&res);
	store_close(st, NULL);
	tdir_remove(&d);
}

const struct CMUnitTest store_data_tests[] = {
	cmocka_unit_test(test_churn),
	cmocka_unit_test(test_gauge_rollups),
	cmocka_unit_test(test_counter_rates),
	cmocka_unit_test(test_restart_mid_bucket),
	cmocka_unit_test(test_pick_tier),
	cmocka_unit_test(test_matchers),
	cmocka_unit_test(test_retention),
	cmocka_unit_test(test_size_cap),
	cmocka_unit_test(test_failed_flush),
	cmocka_unit_test(test_import_export),
	cmocka_unit_test(test_idle_leaves_memory),
	cmocka_unit_test(test_baselines),
};
const size_t nr_store_data_tests = sizeof(store_data_tests) / sizeof(*store_data_tests);
