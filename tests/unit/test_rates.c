// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Counter deltas, resets, 32-bit wraps, interfaces that appear, vanish or
 * are re-created, utilisation against the link speed, and averages.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* cmocka needs these first. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
// clang-format on

#include "analyze/rates.h"
#include "base/xalloc.h"

#define SEC 1000000000ull

static double absd(double v)
{
	return v < 0 ? -v : v;
}

static struct iface_sample *add(struct iface_table *t, int ifindex, const char *name,
				uint64_t rx_bytes, uint64_t tx_bytes)
{
	struct iface_sample *s = iface_table_add(t);

	s->ifindex = ifindex;
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->counters_bits = 64;
	s->nr_counters = IFC_NR;
	s->c[IFC_RX_BYTES] = rx_bytes;
	s->c[IFC_TX_BYTES] = tx_bytes;
	s->c[IFC_RX_PACKETS] = rx_bytes / 100;
	s->c[IFC_TX_PACKETS] = tx_bytes / 100;
	return s;
}

static const struct iface_rate *row_of(const struct iface_rates *r, const char *name, int ifindex)
{
	for (size_t i = 0; i < r->nr; i++)
		if (!strcmp(r->v[i].s.name, name) && r->v[i].s.ifindex == ifindex)
			return &r->v[i];
	return NULL;
}

static void test_counter_delta(void **state)
{
	uint64_t d;

	(void)state;
	assert_true(rate_counter_delta(10, 25, 64, &d));
	assert_int_equal(d, 15);
	assert_true(rate_counter_delta(7, 7, 64, &d));
	assert_int_equal(d, 0);
	/* 64-bit backwards: a reset, never a wrap. */
	assert_false(rate_counter_delta(UINT64_MAX - 5, 3, 64, &d));
	assert_false(rate_counter_delta(1000, 999, 64, &d));
	/* 32-bit wrap near the top of the range. */
	assert_true(rate_counter_delta(UINT32_MAX - 9, 5, 32, &d));
	assert_int_equal(d, 15);
	/* 32-bit backwards from the lower half: a reset (a wrap would be > 2^31). */
	assert_false(rate_counter_delta(1000000000, 5, 32, &d));
	/* From the upper half, but the wrapped delta would be 2^31 or more: reset. */
	assert_false(rate_counter_delta(UINT64_C(0x80000000), UINT64_C(0x7fffffff), 32, &d));
	/* Values that cannot come from a 32-bit counter. */
	assert_false(rate_counter_delta(UINT64_C(0x1ffffffff), 3, 32, &d));
	assert_true(rate_per_s(500, SEC / 2) == 1000.0);
	assert_true(rate_per_s(500, 0) == 0.0);
}

static void test_rates_basic(void **state)
{
	struct iface_table a, b;
	struct iface_rates r;
	const struct iface_rate *x;

	(void)state;
	iface_table_init(&a);
	iface_table_init(&b);
	iface_rates_init(&r);
	add(&a, 1, "lo", 1000, 1000);
	add(&a, 2, "eth0", 5000, 9000);
	a.time_ns = 10 * SEC;
	add(&b, 1, "lo", 1000, 1000);
	add(&b, 2, "eth0", 5000 + 4000, 9000 + 2000);
	b.time_ns = 12 * SEC;
	assert_int_equal(iface_rates_compute(&a, &b, &r), 0);
	assert_int_equal(r.interval_ns, 2 * SEC);
	assert_int_equal(r.nr, 2);
	x = row_of(&r, "eth0", 2);
	assert_non_null(x);
	assert_int_equal(x->state, IFACE_RATE_OK);
	assert_int_equal(x->delta[IFC_RX_BYTES], 4000);
	assert_int_equal(x->delta[IFC_TX_BYTES], 2000);
	assert_true(x->per_s[IFC_RX_BYTES] == 2000.0);
	assert_true(x->per_s[IFC_TX_PACKETS] == 10.0);
	assert_true(x->util_pct < 0); /* speed unknown */
	/* Same time twice, or backwards: no interval. */
	b.time_ns = a.time_ns;
	assert_int_equal(iface_rates_compute(&a, &b, &r), -EINVAL);
	iface_rates_release(&r);
	iface_table_release(&a);
	iface_table_release(&b);
}

static void test_rates_reset(void **state)
{
	struct iface_table a, b;
	struct iface_rates r;
	const struct iface_rate *x;

	(void)state;
	iface_table_init(&a);
	iface_table_init(&b);
	iface_rates_init(&r);
	add(&a, 2, "eth0", UINT64_C(50000000000), 9000)->c[IFC_MULTICAST] = 40;
	a.time_ns = SEC;
	/* Bytes went forward, but multicast went back: the driver reset its counters. */
	add(&b, 2, "eth0", UINT64_C(50000001000), 9500)->c[IFC_MULTICAST] = 2;
	b.time_ns = 2 * SEC;
	assert_int_equal(iface_rates_compute(&a, &b, &r), 0);
	x = row_of(&r, "eth0", 2);
	assert_int_equal(x->state, IFACE_NORATE_RESET);
	for (int i = 0; i < IFC_NR; i++) {
		assert_int_equal(x->delta[i], 0);
		assert_true(x->per_s[i] == 0.0);
	}
	assert_true(x->util_pct < 0);
	/* Everything back to small numbers: a reset too, not a 2^64 spike. */
	iface_table_clear(&b);
	add(&b, 2, "eth0", 10, 10);
	b.time_ns = 2 * SEC;
	assert_int_equal(iface_rates_compute(&a, &b, &r), 0);
	assert_int_equal(row_of(&r, "eth0", 2)->state, IFACE_NORATE_RESET);
	iface_rates_release(&r);
	iface_table_release(&a);
	iface_table_release(&b);
}

static void test_rates_wrap32(void **state)
{
	struct iface_table a, b;
	struct iface_rates r;
	const struct iface_rate *x;
	struct iface_sample *s;

	(void)state;
	iface_table_init(&a);
	iface_table_init(&b);
	iface_rates_init(&r);
	s = add(&a, 3, "old0", UINT32_MAX - 999, 100);
	s->counters_bits = 32;
	s->c[IFC_RX_PACKETS] = UINT32_MAX;
	a.time_ns = SEC;
	s = add(&b, 3, "old0", 1000, 200);
	s->counters_bits = 32;
	s->c[IFC_RX_PACKETS] = 19;
	b.time_ns = 2 * SEC;
	assert_int_equal(iface_rates_compute(&a, &b, &r), 0);
	x = row_of(&r, "old0", 3);
	assert_int_equal(x->state, IFACE_RATE_OK);
	assert_int_equal(x->delta[IFC_RX_BYTES], 2000);
	assert_int_equal(x->delta[IFC_RX_PACKETS], 20);
	/* Counters switching from 32 to 64 bits (kernel upgrade in between?): no rate. */
	b.ifs[0].counters_bits = 64;
	assert_int_equal(iface_rates_compute(&a, &b, &r), 0);
	assert_int_equal(row_of(&r, "old0", 3)->state, IFACE_NORATE_NOSTATS);
	iface_rates_release(&r);
	iface_table_release(&a);
	iface_table_release(&b);
}

static void test_rates_appear_vanish(void **state)
{
	struct iface_table a, b;
	struct iface_rates r;

	(void)state;
	iface_table_init(&a);
	iface_table_init(&b);
	iface_rates_init(&r);
	add(&a, 1, "lo", 0, 0);
	add(&a, 4, "veth-gone", 100, 100);
	add(&a, 5, "veth-x", UINT64_C(900000000000), 100); /* re-created below with a new ifindex */
	add(&a, 6, "old-name", 100, 100);		   /* renamed below */
	a.time_ns = SEC;
	add(&b, 1, "lo", 0, 0);
	add(&b, 6, "new-name", 200, 200);
	add(&b, 7, "veth-x", 10, 10);
	add(&b, 8, "veth-new", UINT64_C(800000000000), 10); /* big counters at first sight */
	b.time_ns = 2 * SEC;
	iface_table_sort(&a);
	iface_table_sort(&b);
	assert_int_equal(iface_rates_compute(&a, &b, &r), 0);
	assert_int_equal(r.nr, 7);
	assert_int_equal(row_of(&r, "lo", 1)->state, IFACE_RATE_OK);
	assert_int_equal(row_of(&r, "veth-gone", 4)->state, IFACE_NORATE_GONE);
	assert_int_equal(row_of(&r, "veth-x", 5)->state, IFACE_NORATE_GONE);
	assert_int_equal(row_of(&r, "veth-x", 7)->state, IFACE_NORATE_NEW);
	assert_int_equal(row_of(&r, "old-name", 6)->state, IFACE_NORATE_GONE);
	assert_int_equal(row_of(&r, "new-name", 6)->state, IFACE_NORATE_NEW);
	assert_int_equal(row_of(&r, "veth-new", 8)->state, IFACE_NORATE_NEW);
	for (size_t i = 0; i < r.nr; i++) {
		assert_true(r.v[i].per_s[IFC_RX_BYTES] == 0.0);
		if (i)
			assert_true(iface_sample_cmp(&r.v[i - 1].s, &r.v[i].s) <= 0);
	}
	iface_rates_release(&r);
	iface_table_release(&a);
	iface_table_release(&b);
}

static void test_util(void **state)
{
	struct iface_sample s = { .speed_mbps = 1000, .duplex = IFACE_DUPLEX_FULL };

	(void)state;
	/* 62.5 MB/s = 500 Mbit/s on a gigabit link: 50 % (full duplex: the busier side). */
	assert_true(absd(iface_util_pct(&s, 62.5e6, 10e6) - 50.0) < 1e-9);
	s.duplex = IFACE_DUPLEX_HALF;
	assert_true(absd(iface_util_pct(&s, 62.5e6, 12.5e6) - 60.0) < 1e-9);
	s.duplex = IFACE_DUPLEX_FULL;
	/* 125 MB/s is exactly the link. */
	assert_true(absd(iface_util_pct(&s, 125e6, 0) - 100.0) < 1e-9);
	/* More than the link can carry: the speed is wrong, say nothing. */
	assert_true(iface_util_pct(&s, 126e6, 0) < 0);
	s.speed_mbps = -1;
	assert_true(iface_util_pct(&s, 1, 1) < 0);
	s.speed_mbps = 0;
	assert_true(iface_util_pct(&s, 0, 0) < 0);
}

static void test_average(void **state)
{
	struct iface_table t[4];
	struct iface_rates r, avg_rows;
	struct iface_avg avg;
	const struct iface_rate *x;

	(void)state;
	for (int i = 0; i < 4; i++) {
		iface_table_init(&t[i]);
		t[i].time_ns = (uint64_t)(i + 1) * SEC;
	}
	iface_rates_init(&r);
	iface_rates_init(&avg_rows);
	iface_avg_init(&avg);
	/* eth0: +1000, then a reset, then +3000 over the last second. */
	add(&t[0], 2, "eth0", 10000, 0)->speed_mbps = 10;
	add(&t[1], 2, "eth0", 11000, 0)->speed_mbps = 10;
	add(&t[2], 2, "eth0", 5, 0)->speed_mbps = 10;
	add(&t[3], 2, "eth0", 3005, 0)->speed_mbps = 10;
	t[3].ifs[0].duplex = IFACE_DUPLEX_FULL;
	/* veth9 appears in the last sample only. */
	add(&t[3], 9, "veth9", 50, 50);
	for (int i = 1; i < 4; i++) {
		assert_int_equal(iface_rates_compute(&t[i - 1], &t[i], &r), 0);
		iface_avg_add(&avg, &r);
	}
	assert_int_equal(avg.nr_intervals, 3);
	iface_avg_result(&avg, &avg_rows);
	assert_int_equal(avg_rows.nr, 2);
	x = row_of(&avg_rows, "eth0", 2);
	assert_int_equal(x->state, IFACE_RATE_OK);
	assert_int_equal(x->interval_ns, 2 * SEC); /* the reset interval does not count */
	assert_int_equal(x->delta[IFC_RX_BYTES], 4000);
	assert_true(x->per_s[IFC_RX_BYTES] == 2000.0);
	/* 16000 bit/s of 10 Mbit/s */
	assert_true(absd(x->util_pct - 0.16) < 1e-9);
	x = row_of(&avg_rows, "veth9", 9);
	assert_int_equal(x->state, IFACE_NORATE_NEW);
	iface_avg_release(&avg);
	iface_rates_release(&avg_rows);
	iface_rates_release(&r);
	for (int i = 0; i < 4; i++)
		iface_table_release(&t[i]);
}

/* A re-created interface: the old entry is kept, marked gone, beside the new one. */
static void test_average_recreated(void **state)
{
	struct iface_table t[3];
	struct iface_rates r, out;
	struct iface_avg avg;
	const struct iface_rate *x;

	(void)state;
	for (int i = 0; i < 3; i++) {
		iface_table_init(&t[i]);
		t[i].time_ns = (uint64_t)(i + 1) * SEC;
	}
	iface_rates_init(&r);
	iface_rates_init(&out);
	iface_avg_init(&avg);
	add(&t[0], 5, "eth1", 0, 0);
	add(&t[1], 5, "eth1", 2000, 0);
	add(&t[2], 7, "eth1", 0, 0); /* deleted and created again: a new ifindex */
	for (int i = 1; i < 3; i++) {
		assert_int_equal(iface_rates_compute(&t[i - 1], &t[i], &r), 0);
		iface_avg_add(&avg, &r);
	}
	iface_avg_result(&avg, &out);
	assert_int_equal(out.nr, 2);
	x = row_of(&out, "eth1", 5);
	assert_true(x->gone);
	assert_int_equal(x->state, IFACE_RATE_OK);
	assert_true(x->per_s[IFC_RX_BYTES] == 2000.0);
	x = row_of(&out, "eth1", 7);
	assert_false(x->gone);
	assert_int_equal(x->state, IFACE_NORATE_NEW);
	assert_int_equal(avg.nr_gone, 1);
	iface_avg_release(&avg);
	iface_rates_release(&out);
	iface_rates_release(&r);
	for (int i = 0; i < 3; i++)
		iface_table_release(&t[i]);
}

/* Rows built by hand: one per interface, in any order. */
static void rows_of(struct iface_rates *r, const int *ifindex, size_t n, enum iface_rate_state st)
{
	r->nr = 0;
	r->interval_ns = SEC;
	for (size_t i = 0; i < n; i++) {
		struct iface_rate *row;

		ALLOC_GROW(r->v, r->nr + 1, r->alloc);
		row = &r->v[r->nr++];
		memset(row, 0, sizeof(*row));
		row->s.ifindex = ifindex[i];
		snprintf(row->s.name, sizeof(row->s.name), "veth%d", ifindex[i]);
		row->state = st;
		row->interval_ns = SEC;
		row->delta[IFC_RX_BYTES] = 100;
	}
}

/* Past max_gone, the entries that vanished first are dropped, and counted. */
static void test_average_evicts_oldest_gone(void **state)
{
	static const int unsorted[] = { 30, 10, 20 };
	struct iface_rates r;
	struct iface_avg avg;
	struct iface_rates out;

	(void)state;
	iface_rates_init(&r);
	iface_rates_init(&out);
	iface_avg_init(&avg);
	avg.max_gone = 3;
	rows_of(&r, unsorted, 3, IFACE_RATE_OK); /* not in order: sorted first */
	iface_avg_add(&avg, &r);
	assert_int_equal(iface_avg_size(&avg), 3);
	/* Interfaces 1..6 vanish one per interval (a gone row, then nothing). */
	for (int k = 1; k <= 6; k++) {
		int idx[4] = { 10, 20, 30, k };

		rows_of(&r, idx, 3, IFACE_RATE_OK);
		rows_of(&r, idx, 4, IFACE_RATE_OK);
		r.v[3].state = IFACE_NORATE_GONE;
		iface_avg_add(&avg, &r);
		assert_true(iface_avg_size(&avg) <= 3 + 3);
	}
	assert_int_equal(avg.nr_gone, 3);
	assert_int_equal(avg.nr_dropped, 3);
	iface_avg_result(&avg, &out);
	assert_int_equal(out.nr, 6);
	/* the last three to vanish are kept, in ifindex order */
	assert_int_equal(out.v[0].s.ifindex, 4);
	assert_int_equal(out.v[1].s.ifindex, 5);
	assert_int_equal(out.v[2].s.ifindex, 6);
	for (int i = 0; i < 3; i++)
		assert_true(out.v[i].gone);
	assert_false(out.v[3].gone);
	assert_int_equal(out.v[3].delta[IFC_RX_BYTES], 7 * 100);
	iface_avg_release(&avg);
	iface_rates_release(&out);
	iface_rates_release(&r);
}

/*
 * 10,000 veth-like interfaces come and go, 10 per interval, 20 alive at a
 * time, with real rate rows between samples: the table stays at the live
 * ones plus max_gone, and every vanished one beyond that is counted.
 */
static void test_average_bounded_churn(void **state)
{
	enum {
		TOTAL = 10000,
		STEP = 10,
		ALIVE = 20
	};
	struct iface_table prev, cur;
	struct iface_rates r;
	struct iface_avg avg;
	size_t max_size = 0, max_alloc = 0;

	(void)state;
	iface_table_init(&prev);
	iface_table_init(&cur);
	iface_rates_init(&r);
	iface_avg_init(&avg);
	for (int first = 0, tick = 0; first + ALIVE <= TOTAL; first += STEP, tick++) {
		char name[IFACE_NAME_LEN];

		iface_table_clear(&cur);
		cur.time_ns = (uint64_t)(tick + 1) * SEC;
		add(&cur, 1, "lo", 0, 0);
		add(&cur, 2, "eth0", (uint64_t)tick * 1000, 0);
		for (int k = first; k < first + ALIVE; k++) {
			snprintf(name, sizeof(name), "veth%x", k);
			add(&cur, 100 + k, name, (uint64_t)(tick - k / STEP) * 10, 0);
		}
		iface_table_sort(&cur);
		if (tick) {
			assert_int_equal(iface_rates_compute(&prev, &cur, &r), 0);
			iface_avg_add(&avg, &r);
			if (iface_avg_size(&avg) > max_size)
				max_size = iface_avg_size(&avg);
			if (avg.alloc > max_alloc)
				max_alloc = avg.alloc;
			if (avg.next_alloc > max_alloc)
				max_alloc = avg.next_alloc;
		}
		iface_table_swap(&prev, &cur);
	}
	assert_true(max_size <= 2 + ALIVE + IFACE_AVG_MAX_GONE);
	assert_true(max_alloc <= 4 * (2 + ALIVE + STEP + IFACE_AVG_MAX_GONE));
	assert_int_equal(avg.nr_gone, IFACE_AVG_MAX_GONE);
	/* every veth but the last ALIVE vanished; the table keeps max_gone of them */
	assert_int_equal(avg.nr_dropped, (TOTAL - ALIVE) - IFACE_AVG_MAX_GONE);
	iface_avg_release(&avg);
	iface_rates_release(&r);
	iface_table_release(&prev);
	iface_table_release(&cur);
}

static bool keep_eth(const struct iface_rate *row, void *arg)
{
	(void)arg;
	return !strncmp(row->s.name, "eth", 3);
}

static void test_retain(void **state)
{
	struct iface_table a, b;
	struct iface_rates r;

	(void)state;
	iface_table_init(&a);
	iface_table_init(&b);
	iface_rates_init(&r);
	add(&a, 1, "lo", 0, 0);
	add(&a, 2, "eth0", 0, 0);
	add(&a, 3, "eth1", 0, 0);
	add(&b, 1, "lo", 0, 0);
	add(&b, 2, "eth0", 0, 0);
	b.time_ns = 1;
	assert_int_equal(iface_rates_compute(&a, &b, &r), 0);
	iface_rates_retain(&r, keep_eth, NULL);
	assert_int_equal(r.nr, 2);
	assert_string_equal(r.v[0].s.name, "eth0");
	assert_string_equal(r.v[1].s.name, "eth1");
	assert_int_equal(r.v[1].state, IFACE_NORATE_GONE);
	iface_rates_release(&r);
	iface_table_release(&a);
	iface_table_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counter_delta),
		cmocka_unit_test(test_rates_basic),
		cmocka_unit_test(test_rates_reset),
		cmocka_unit_test(test_rates_wrap32),
		cmocka_unit_test(test_rates_appear_vanish),
		cmocka_unit_test(test_util),
		cmocka_unit_test(test_average),
		cmocka_unit_test(test_average_recreated),
		cmocka_unit_test(test_average_evicts_oldest_gone),
		cmocka_unit_test(test_average_bounded_churn),
		cmocka_unit_test(test_retain),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
