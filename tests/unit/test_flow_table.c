// SPDX-License-Identifier: GPL-2.0-or-later
#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* clang-format off: cmocka.h needs the headers above */
#include <cmocka.h>
/* clang-format on */

#include "analyze/flow_table.h"

#define SEC 1000000000ull
/* an arbitrary realistic start: 2026-11-24T06:00:00Z */
#define T0 (1795500000ull * SEC)

static struct pkt_info pkt4(const char *src, uint16_t sport, const char *dst, uint16_t dport,
			    uint32_t len, uint64_t ts_ns)
{
	struct pkt_info p;

	memset(&p, 0, sizeof(p));
	p.family = AF_INET;
	p.l4proto = IPPROTO_UDP;
	p.has_ports = true;
	assert_int_equal(inet_pton(AF_INET, src, p.src), 1);
	assert_int_equal(inet_pton(AF_INET, dst, p.dst), 1);
	p.sport = sport;
	p.dport = dport;
	p.ip_len = len;
	p.wire_len = len + 14;
	p.ts_ns = ts_ns;
	return p;
}

static void account(struct flow_table *t, struct pkt_info p)
{
	flow_table_account(t, &p);
}

static void assert_near(double got, double want)
{
	if (fabs(got - want) > 1e-6 * (fabs(want) + 1)) {
		print_error("got %f, want %f\n", got, want);
		fail();
	}
}

/* 1000 bytes out and 500 in every 100 ms for 60 s: every window sees the same rate. */
static void test_steady(void **state)
{
	struct flow_table *t = flow_table_new(&(struct flow_table_opts){ 0 });
	struct flow_stats tot;
	const struct flow_view *v;
	size_t nr;

	(void)state;
	for (int i = 0; i < 600; i++) {
		account(t,
			pkt4("10.0.0.1", 1000, "10.0.0.2", 80, 1000, T0 + (uint64_t)i * SEC / 10));
		account(t,
			pkt4("10.0.0.2", 80, "10.0.0.1", 1000, 500, T0 + (uint64_t)i * SEC / 10));
	}
	/* now: just after the last packet's second ended */
	v = flow_table_views(t, T0 + 60 * SEC, FLOW_SORT_2S, &nr);
	assert_int_equal(nr, 1);
	for (int w = 0; w < FLOW_NR_WINDOWS; w++) {
		/* the window is exactly the last w seconds */
		assert_near(v[0].st.sent_Bps[w], 10000.0);
		assert_near(v[0].st.recv_Bps[w], 5000.0);
	}
	assert_int_equal(v[0].st.sent_bytes, 600000);
	assert_int_equal(v[0].st.recv_bytes, 300000);
	assert_int_equal(v[0].st.sent_pkts, 600);
	assert_int_equal(v[0].st.peak_sent_Bps, 10000);
	assert_int_equal(v[0].st.peak_recv_Bps, 5000);
	assert_int_equal(v[0].st.peak_total_Bps, 15000);
	/*
	 * Half a second later the 2 s window is [58.5, 60.5): half of second 58
	 * (pro rata), all of 59, the silent half second since; 40 s: 39.5 s of traffic.
	 */
	v = flow_table_views(t, T0 + 60 * SEC + SEC / 2, FLOW_SORT_2S, &nr);
	assert_near(v[0].st.sent_Bps[0], 15000.0 / 2);
	assert_near(v[0].st.sent_Bps[2], 395000.0 / 40);
	flow_table_totals(t, T0 + 60 * SEC, &tot);
	assert_near(tot.sent_Bps[1], 10000.0);
	assert_int_equal(tot.sent_bytes + tot.recv_bytes, 900000);
	assert_int_equal(flow_table_first_ns(t), T0);
	assert_int_equal(flow_table_last_ns(t), T0 + 599 * SEC / 10);
	flow_table_free(t);
}

/* A 10 s burst, then silence: the windows drain one after the other. */
static void test_burst_then_idle(void **state)
{
	struct flow_table *t = flow_table_new(&(struct flow_table_opts){ 0 });
	const struct flow_view *v;
	size_t nr;

	(void)state;
	/* 60 s of quiet traffic first so that no window is clipped by the start */
	account(t, pkt4("10.0.0.1", 1, "10.0.0.9", 2, 1, T0));
	for (int i = 0; i < 10; i++)
		account(t, pkt4("10.0.0.1", 1, "10.0.0.2", 2, 4000, T0 + (uint64_t)(50 + i) * SEC));
	/* at 65 s: seconds 50..59 hold 4000 each */
	v = flow_table_views(t, T0 + 65 * SEC, FLOW_SORT_10S, &nr);
	assert_int_equal(nr, 2);
	assert_true(v[0].key.b_addr[3] == 2);
	assert_near(v[0].st.sent_Bps[0], 0);
	assert_near(v[0].st.sent_Bps[1], 4000.0 * 5 / 10); /* [55, 65): seconds 55..59 */
	assert_near(v[0].st.sent_Bps[2], 40000.0 / 40);
	/* at 99 s only the 40 s window [59, 99) still holds second 59; at 100 s none */
	v = flow_table_views(t, T0 + 99 * SEC, FLOW_SORT_40S, &nr);
	assert_near(v[0].st.sent_Bps[1], 0);
	assert_near(v[0].st.sent_Bps[2], 4000.0 / 40);
	v = flow_table_views(t, T0 + 100 * SEC, FLOW_SORT_10S, &nr);
	for (size_t i = 0; i < nr; i++)
		assert_near(v[i].st.sent_Bps[2], 0);
	/* totals and peak survive */
	v = flow_table_views(t, T0 + 101 * SEC, FLOW_SORT_TOTAL, &nr);
	assert_int_equal(v[0].st.sent_bytes, 40000);
	assert_int_equal(v[0].st.peak_sent_Bps, 4000);
	flow_table_free(t);
}

/* Shortly after the start, rates divide by the time since the first packet. */
static void test_start_clipped(void **state)
{
	struct flow_table *t = flow_table_new(&(struct flow_table_opts){ 0 });
	const struct flow_view *v;
	size_t nr;

	(void)state;
	account(t, pkt4("10.0.0.1", 1, "10.0.0.2", 2, 3000, T0 + SEC / 2));
	v = flow_table_views(t, T0 + SEC / 2 + SEC, FLOW_SORT_2S, &nr);
	for (int w = 0; w < FLOW_NR_WINDOWS; w++)
		assert_near(v[0].st.sent_Bps[w], 3000.0);
	flow_table_free(t);
}

/*
 * issue 6: 3,800 B sent in 0.1 s at t = 3.5 s of a 4 s capture showed 10,098 B/s
 * in every window: they divided by the time since the first packet.  From the
 * capture's start they are 1,900 (2 s), 950 (10 s: 4 s so far), 950 (40 s).
 */
static void test_capture_start(void **state)
{
	struct flow_table *t = flow_table_new(&(struct flow_table_opts){ 0 });
	const uint64_t start = T0 + SEC / 4; /* not on a second: the windows still hold */
	const struct flow_view *v;
	struct flow_stats tot;
	size_t nr;

	(void)state;
	flow_table_set_start(t, start);
	for (int i = 0; i < 38; i++)
		account(t, pkt4("10.0.0.1", 1, "10.0.0.2", 2, 100,
				start + 3500 * SEC / 1000 + (uint64_t)i * SEC / 380));
	v = flow_table_views(t, start + 4 * SEC, FLOW_SORT_2S, &nr);
	assert_int_equal(nr, 1);
	assert_near(v[0].st.sent_Bps[0], 1900.0);
	assert_near(v[0].st.sent_Bps[1], 950.0);
	assert_near(v[0].st.sent_Bps[2], 950.0);
	flow_table_totals(t, start + 4 * SEC, &tot);
	assert_near(tot.sent_Bps[0], 1900.0);
	assert_near(tot.sent_Bps[2], 950.0);
	/* 30 s later: the 40 s window spans the 34 s since the start */
	v = flow_table_views(t, start + 34 * SEC, FLOW_SORT_2S, &nr);
	assert_near(v[0].st.sent_Bps[0], 0);
	assert_near(v[0].st.sent_Bps[2], 3800.0 / 34);
	flow_table_free(t);
}

/* The oldest second of a window counts for the part of it inside the window. */
static void test_window_pro_rata(void **state)
{
	struct flow_table *t = flow_table_new(&(struct flow_table_opts){ 0 });
	const struct flow_view *v;
	size_t nr;

	(void)state;
	flow_table_set_start(t, T0);
	account(t, pkt4("10.0.0.1", 1, "10.0.0.2", 2, 1000, T0 + 1 * SEC + SEC / 2));
	account(t, pkt4("10.0.0.1", 1, "10.0.0.2", 2, 600, T0 + 2 * SEC + SEC / 10));
	/* [1.25, 3.25): three quarters of second 1, all of second 2 */
	v = flow_table_views(t, T0 + 3 * SEC + SEC / 4, FLOW_SORT_2S, &nr);
	assert_near(v[0].st.sent_Bps[0], (750.0 + 600.0) / 2);
	assert_near(v[0].st.sent_Bps[1], 1600.0 / 3.25);
	/* a start inside the oldest second: its bytes all count (none came before the start) */
	flow_table_set_start(t, T0 + 1 * SEC + SEC / 4);
	v = flow_table_views(t, T0 + 3 * SEC + SEC / 4, FLOW_SORT_2S, &nr);
	assert_near(v[0].st.sent_Bps[0], 1600.0 / 2);
	/* without a start, the first packet is the start (a file) */
	flow_table_set_start(t, 0);
	v = flow_table_views(t, T0 + 3 * SEC + SEC / 2, FLOW_SORT_2S, &nr);
	assert_near(v[0].st.sent_Bps[0], 1600.0 / 2);
	assert_near(v[0].st.sent_Bps[1], 1600.0 / 2);
	flow_table_free(t);
}

/* Side A is the local address, even when the first packet comes in. */
static void test_direction(void **state)
{
	static const uint8_t local[1][16] = { { 10, 0, 0, 7 } };
	static const uint8_t fam[1] = { AF_INET };
	struct flow_table *t = flow_table_new(&(struct flow_table_opts){ 0 });
	const struct flow_view *v;
	size_t nr;

	(void)state;
	flow_table_set_local(t, local, fam, 1);
	account(t, pkt4("192.0.2.1", 5, "10.0.0.7", 22, 100, T0));
	account(t, pkt4("10.0.0.7", 22, "192.0.2.1", 5, 700, T0 + 1));
	/* unknown both sides: the first source is A */
	account(t, pkt4("198.51.100.9", 5, "1.2.3.4", 6, 50, T0 + 2));
	account(t, pkt4("1.2.3.4", 6, "198.51.100.9", 5, 20, T0 + 3));
	v = flow_table_views(t, T0 + SEC, FLOW_SORT_TOTAL, &nr);
	assert_int_equal(nr, 2);
	assert_int_equal(v[0].key.a_addr[3], 7);
	assert_int_equal(v[0].st.sent_bytes, 700);
	assert_int_equal(v[0].st.recv_bytes, 100);
	assert_int_equal(v[0].key.a_port, 0); /* host pairs: no ports */
	assert_int_equal(v[1].key.a_addr[0], 198);
	assert_int_equal(v[1].st.sent_bytes, 50);
	assert_int_equal(v[1].st.recv_bytes, 20);
	flow_table_free(t);
}

static void test_ports(void **state)
{
	struct flow_table *hosts = flow_table_new(&(struct flow_table_opts){ 0 });
	struct flow_table *ports = flow_table_new(&(struct flow_table_opts){ .ports = true });
	const struct flow_view *v;
	size_t nr;

	(void)state;
	for (uint16_t p = 1; p <= 3; p++) {
		struct pkt_info pk = pkt4("10.0.0.1", 1000 + p, "10.0.0.2", 80, 100u * p, T0);

		flow_table_account(hosts, &pk);
		flow_table_account(ports, &pk);
	}
	assert_int_equal(flow_table_nr_flows(hosts), 1);
	assert_int_equal(flow_table_nr_flows(ports), 3);
	v = flow_table_views(ports, T0 + SEC, FLOW_SORT_SENT, &nr);
	assert_int_equal(v[0].key.a_port, 1003);
	assert_int_equal(v[0].key.b_port, 80);
	assert_int_equal(v[0].key.l4proto, IPPROTO_UDP);
	assert_int_equal(v[2].key.a_port, 1001);
	flow_table_free(hosts);
	flow_table_free(ports);
}

/* Many flows (hash growth), IPv6, expiry and the flow cap. */
static void test_many_expire_cap(void **state)
{
	struct flow_table *t = flow_table_new(&(struct flow_table_opts){ .max_flows = 5000 });
	struct flow_stats tot;
	const struct flow_view *v;
	size_t nr;

	(void)state;
	for (int round = 0; round < 2; round++) {
		for (uint32_t i = 0; i < 6000; i++) {
			struct pkt_info p = pkt4("10.0.0.1", 1, "10.0.0.2", 2, 10, T0 + i);

			p.family = AF_INET6;
			memset(p.dst, 0, 16);
			p.dst[0] = 0x20;
			memcpy(p.dst + 12, &i, 4);
			p.ts_ns = T0 + (i < 100 ? 0 : 50 * SEC);
			flow_table_account(t, &p);
		}
	}
	assert_int_equal(flow_table_nr_flows(t), 5000);
	assert_int_equal(flow_table_nr_refused(t), 2000);
	v = flow_table_views(t, T0 + 51 * SEC, FLOW_SORT_TOTAL, &nr);
	assert_int_equal(nr, 5000);
	for (size_t i = 0; i < nr; i++)
		assert_int_equal(v[i].st.sent_bytes, 20);
	/* the first 100 flows went idle at T0 */
	assert_int_equal(flow_table_expire(t, T0 + 51 * SEC, 30), 100);
	assert_int_equal(flow_table_nr_flows(t), 4900);
	flow_table_totals(t, T0 + 51 * SEC, &tot);
	assert_int_equal(tot.sent_bytes, 120000);
	/* lookups still find the survivors after the rebuild */
	struct pkt_info p = pkt4("10.0.0.1", 1, "10.0.0.2", 2, 10, T0 + 51 * SEC);
	uint32_t i = 4000;

	p.family = AF_INET6;
	memset(p.dst, 0, 16);
	p.dst[0] = 0x20;
	memcpy(p.dst + 12, &i, 4);
	flow_table_account(t, &p);
	assert_int_equal(flow_table_nr_flows(t), 4900);
	v = flow_table_views(t, T0 + 52 * SEC, FLOW_SORT_TOTAL, &nr);
	assert_int_equal(v[0].st.sent_bytes, 30);
	flow_table_free(t);
}

static void test_sort_parse(void **state)
{
	enum flow_sort s;

	(void)state;
	assert_true(flow_sort_parse("40s", &s));
	assert_int_equal(s, FLOW_SORT_40S);
	assert_true(flow_sort_parse("recv", &s));
	assert_int_equal(s, FLOW_SORT_RECV);
	assert_false(flow_sort_parse("bogus", &s));
}

/* A packet from an earlier second (clock step) lands in its own second. */
static void test_out_of_order(void **state)
{
	struct flow_table *t = flow_table_new(&(struct flow_table_opts){ 0 });
	const struct flow_view *v;
	size_t nr;

	(void)state;
	account(t, pkt4("10.0.0.1", 1, "10.0.0.2", 2, 100, T0));
	account(t, pkt4("10.0.0.1", 1, "10.0.0.2", 2, 100, T0 + 20 * SEC));
	account(t, pkt4("10.0.0.1", 1, "10.0.0.2", 2, 100, T0 + 5 * SEC));
	v = flow_table_views(t, T0 + 21 * SEC, FLOW_SORT_2S, &nr);
	assert_near(v[0].st.sent_Bps[0], 100.0 / 2);
	assert_near(v[0].st.sent_Bps[2], 300.0 / 21);
	assert_int_equal(v[0].st.sent_bytes, 300);
	flow_table_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_steady),	      cmocka_unit_test(test_burst_then_idle),
		cmocka_unit_test(test_start_clipped), cmocka_unit_test(test_direction),
		cmocka_unit_test(test_ports),	      cmocka_unit_test(test_many_expire_cap),
		cmocka_unit_test(test_sort_parse),    cmocka_unit_test(test_out_of_order),
		cmocka_unit_test(test_capture_start), cmocka_unit_test(test_window_pro_rata),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
