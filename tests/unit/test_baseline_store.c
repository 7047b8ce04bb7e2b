// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * app/baseline_store and the overview's argument filter: bands computed
 * from stored minute rollups, stored and read back identical (slots, mode,
 * learning, span), stale bands removed, the latest value of gauges and
 * counters from ticks and from rollups, the names people read (escaped),
 * which series the agent keeps bands of, and --db taken out of argv.
 */
#include <errno.h>
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* cmocka needs these first. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
// clang-format on

#include "app/baseline_store.h"
#include "app/overview_baseline.h"

#define MIN_MS	 60000LL
#define DAY_MS	 86400000LL
#define START_MS (1769990400LL * 1000) /* Monday 2026-02-02 00:00 UTC */

struct fixture {
	char dir[64], db[96];
	struct store *st;
};

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct strbuf err = STRBUF_INIT;

	setenv("TZ", "UTC", 1);
	tzset();
	snprintf(f->dir, sizeof(f->dir), "/tmp/connmon-blstore-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->db, sizeof(f->db), "%s/h.db", f->dir);
	if (store_open(&f->st, f->db, STORE_WRITE, NULL, &err))
		fail_msg("store_open: %s", err.buf);
	strbuf_release(&err);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	store_close(f->st, NULL);
	nftw(f->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

/* nr minutes from START_MS: value = 1 + the hour of the day + the day (from 0) / 100. */
static void import_minutes(struct store *st, const char *name, const char *labels,
			   enum store_kind kind, size_t nr)
{
	double raw = 0; /* a counter's rollup holds its raw value as 'last' (docs/STORE.md) */

	for (size_t i = 0; i < nr; i++) {
		int64_t t = START_MS + (int64_t)i * MIN_MS;
		double v =
			1 + (double)((t / 3600000) % 24) + (double)((t - START_MS) / DAY_MS) / 100;
		struct store_sample s = { t, v, v, v, v, 60 };

		raw += v * 60;
		if (kind == STORE_COUNTER)
			s.last = raw;

		assert_int_equal(store_import(st, name, labels, kind, STORE_TIER_MINUTE, &s, NULL),
				 0);
	}
	assert_int_equal(store_flush(st, NULL), 0);
}

static const struct store_series_info *find_info(struct store_series_info *v, size_t n,
						 const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].name, name))
			return &v[i];
	fail_msg("no series %s", name);
	return NULL;
}

static void test_round_trip(void **state)
{
	struct fixture *f = *state;
	const struct baseline_spans sp = { BASELINE_WEEKLY_MS, BASELINE_LEARNING_MS };
	struct baseline *b = malloc(sizeof(*b)), *back = malloc(sizeof(*back));
	struct store_series_info *v;
	const struct store_series_info *info;
	int64_t end = START_MS + 5 * DAY_MS, computed;
	size_t n;

	import_minutes(f->st, "connmon_x", "", STORE_GAUGE, 5 * 1440);
	assert_int_equal(store_list(f->st, &v, &n, NULL), 0);
	info = find_info(v, n, "connmon_x");
	assert_int_equal(baseline_store_compute(f->st, info->id, end, &sp, b, NULL), 0);
	assert_int_equal(b->mode, BASELINE_DAILY);
	assert_false(b->learning);
	assert_int_equal(b->nr_points, 5 * 1440);
	/* 14:00 on days 0..4: 15.00 15.01 ... 15.04, 60 each. */
	assert_true(fabs(b->slot[14].median - 15.02) < 1e-9);
	assert_int_equal(b->slot[14].nr_days, 5);
	assert_int_equal(baseline_store_put(f->st, info->id, b, end, NULL), 0);
	assert_int_equal(baseline_store_get(f->st, info, back, &computed, NULL), 0);
	assert_int_equal(computed, end);
	assert_int_equal(back->mode, b->mode);
	assert_int_equal(back->nr_slots, b->nr_slots);
	assert_int_equal(back->learning, b->learning);
	assert_int_equal(back->nr_points, b->nr_points);
	assert_int_equal(back->first_ms, b->first_ms);
	assert_int_equal(back->last_ms, b->last_ms);
	assert_int_equal(back->span_ms, b->span_ms);
	assert_memory_equal(back->slot, b->slot, sizeof(b->slot[0]) * b->nr_slots);
	/* Computed again where the window holds nothing: the stored bands go. */
	assert_int_equal(baseline_store_compute(f->st, info->id, end + 200 * DAY_MS, &sp, b, NULL),
			 0);
	assert_int_equal(b->nr_points, 0);
	assert_int_equal(baseline_store_put(f->st, info->id, b, end, NULL), 0);
	assert_int_equal(baseline_store_get(f->st, info, back, &computed, NULL), -ENOENT);
	store_series_info_free(v, n);
	free(b);
	free(back);
}

/* With the config's thresholds: one day is enough to stop learning. */
static void test_spans_from_config(void **state)
{
	struct fixture *f = *state;
	struct agent_config c;
	struct baseline_spans sp;
	struct baseline *b = malloc(sizeof(*b));
	int64_t id;

	config_defaults(&c);
	c.baseline.learning_days = 1;
	c.baseline.weekly_after_days = 7;
	baseline_store_spans(&sp, &c);
	assert_int_equal(sp.learning_ms, DAY_MS);
	assert_int_equal(sp.weekly_ms, 7 * DAY_MS);
	import_minutes(f->st, "connmon_y", "", STORE_GAUGE, 2 * 1440);
	assert_int_equal(store_series(f->st, "connmon_y", "", STORE_GAUGE, &id), 0);
	assert_int_equal(baseline_store_compute(f->st, id, START_MS + 2 * DAY_MS, &sp, b, NULL), 0);
	assert_false(b->learning);
	config_defaults(&c);
	baseline_store_spans(&sp, &c);
	assert_int_equal(baseline_store_compute(f->st, id, START_MS + 2 * DAY_MS, &sp, b, NULL), 0);
	assert_true(b->learning);
	free(b);
}

static void test_current(void **state)
{
	struct fixture *f = *state;
	struct store_series_info *v;
	size_t n;
	int64_t g, c, t = START_MS;
	double val;

	assert_int_equal(store_series(f->st, "connmon_g", "", STORE_GAUGE, &g), 0);
	assert_int_equal(store_series(f->st, "connmon_c_total", "", STORE_COUNTER, &c), 0);
	for (int i = 0; i < 90; i++, t += 1000) {
		assert_int_equal(store_add(f->st, g, t, 100 + i), 0);
		assert_int_equal(store_add(f->st, c, t, 1000.0 * i), 0); /* 1000/s */
	}
	assert_int_equal(store_flush(f->st, NULL), 0);
	import_minutes(f->st, "connmon_m_total", "", STORE_COUNTER, 10);
	assert_int_equal(store_list(f->st, &v, &n, NULL), 0);
	assert_int_equal(baseline_store_current(f->st, find_info(v, n, "connmon_g"), &val, &t), 0);
	assert_true(val == 189);
	assert_int_equal(t, START_MS + 89000);
	assert_int_equal(
		baseline_store_current(f->st, find_info(v, n, "connmon_c_total"), &val, &t), 0);
	assert_true(fabs(val - 1000) < 1e-9);
	/* Minute rollups only: the last minute's mean, the rate. */
	assert_int_equal(
		baseline_store_current(f->st, find_info(v, n, "connmon_m_total"), &val, &t), 0);
	assert_true(fabs(val - 1.0) < 1e-9); /* 00:09 of day 0 */
	store_series_info_free(v, n);
}

static void check_what(const char *name, const char *labels, enum store_kind kind,
		       enum baseline_unit want_unit, const char *want)
{
	struct strbuf sb = STRBUF_INIT;
	enum baseline_unit unit;

	baseline_store_what(&sb, name, labels, kind, &unit);
	assert_int_equal(unit, want_unit);
	assert_string_equal(sb.buf, want);
	strbuf_release(&sb);
}

static void test_what_and_worth(void **state)
{
	(void)state;
	check_what("connmon_tcp_sockets", "state=\"established\"", STORE_GAUGE, BASELINE_UNIT_NONE,
		   "tcp established");
	check_what("connmon_tcp_port_sockets", "port=\"443\",state=\"time_wait\"", STORE_GAUGE,
		   BASELINE_UNIT_NONE, "tcp port 443 time_wait");
	check_what("connmon_tcp_peer_sockets", "addr=\"10.0.0.1\",state=\"syn_recv\"", STORE_GAUGE,
		   BASELINE_UNIT_NONE, "tcp peer 10.0.0.1 syn_recv");
	check_what("connmon_iface_rx_bytes_total", "iface=\"eth0\"", STORE_COUNTER,
		   BASELINE_UNIT_BYTES_PER_S, "eth0 rx");
	check_what("connmon_iface_rx_dropped_total", "iface=\"eth0\"", STORE_COUNTER,
		   BASELINE_UNIT_NONE, "eth0 rx_dropped/s");
	/* A name from outside is shown display-safe. */
	check_what("connmon_iface_tx_bytes_total", "iface=\"a\x1b[2Jb\"", STORE_COUNTER,
		   BASELINE_UNIT_BYTES_PER_S, "a\\x1b[2Jb tx");
	check_what("connmon_netstat_total", "counter=\"TcpRetransSegs\"", STORE_COUNTER,
		   BASELINE_UNIT_NONE, "TcpRetransSegs/s");
	/* Everything else: the series as written, "/s" for a counter. */
	check_what("connmon_tcp_sockets", "", STORE_GAUGE, BASELINE_UNIT_NONE,
		   "connmon_tcp_sockets");
	check_what("connmon_sockstat", "proto=\"tcp\",field=\"tw\"", STORE_GAUGE,
		   BASELINE_UNIT_NONE, "connmon_sockstat{proto=\"tcp\",field=\"tw\"}");
	check_what("connmon_x_total", "", STORE_COUNTER, BASELINE_UNIT_NONE, "connmon_x_total/s");
	check_what("", "", STORE_GAUGE, BASELINE_UNIT_NONE, "");

	assert_true(baseline_store_worth("connmon_tcp_sockets", "state=\"established\""));
	assert_true(baseline_store_worth("connmon_iface_rx_bytes_total", "iface=\"eth0\""));
	assert_false(baseline_store_worth("connmon_agent_tick_seconds", ""));
	assert_false(baseline_store_worth("connmon_process_rx_bytes_total",
					  "pid=\"12\",comm=\"nginx\""));
	assert_false(
		baseline_store_worth("connmon_process_rx_bytes_total", "pid=\"\",comm=\"other\""));
}

static void test_overview_args(void **state)
{
	char a0[] = "overview", a1[] = "-t", a2[] = "--db", a3[] = "/x.db", a4[] = "state",
	     a5[] = "--db=/y.db", a6[] = "--", a7[] = "--db";
	char *argv[] = { a0, a1, a2, a3, a4, a5, a6, a7, NULL };
	char *bad[] = { a0, a2, NULL };
	struct overview_baseline ob;

	(void)state;
	overview_baseline_init(&ob);
	assert_int_equal(overview_baseline_args(&ob, 8, argv), 5);
	assert_string_equal(ob.db, "/y.db");
	assert_string_equal(argv[1], "-t");
	assert_string_equal(argv[2], "state");
	assert_string_equal(argv[3], "--");
	assert_string_equal(argv[4], "--db");
	assert_null(argv[5]);
	assert_int_equal(overview_baseline_args(&ob, 2, bad), -1);
	overview_baseline_release(&ob);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spans_from_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_current, setup, teardown),
		cmocka_unit_test(test_what_and_worth),
		cmocka_unit_test(test_overview_args),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
