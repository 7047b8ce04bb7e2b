// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The detection trackers on synthetic input: analyze/addr_lru against a
 * simple model under random touches and removals; analyze/fail_track's
 * window, floor, user and eviction; analyze/scan_track's distinct ports,
 * window, per-source cap, eviction under a flood of random sources, and
 * its memory bound.
 */
#include <arpa/inet.h>
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

#include "analyze/addr_lru.h"
#include "analyze/fail_track.h"
#include "analyze/scan_track.h"

#define T0 1795953600000LL

static void v4(uint8_t a[16], uint32_t host)
{
	uint32_t be = htonl(host);

	memset(a, 0, 16);
	memcpy(a, &be, 4);
}

/* ---- addr_lru ---- */

#define MODEL_ADDRS 40

static void test_lru_model(void **state)
{
	struct addr_lru l;
	int64_t last[MODEL_ADDRS]; /* touch time per address, 0: absent */
	uint32_t node[MODEL_ADDRS];
	int64_t now = 1;

	(void)state;
	addr_lru_init(&l, 16, 12345);
	memset(last, 0, sizeof(last));
	srand(3);
	for (int step = 0; step < 20000; step++) {
		int k = rand() % MODEL_ADDRS, fam = k % 2 ? AF_INET6 : AF_INET;
		uint8_t a[16];
		bool is_new;

		v4(a, 0x0a000000u + (uint32_t)k);
		if (fam == AF_INET6)
			a[15] = 1;
		if (rand() % 5 == 0) {
			uint32_t i = addr_lru_find(&l, fam, a);

			assert_int_equal(i == ADDR_LRU_NONE, last[k] == 0);
			if (i != ADDR_LRU_NONE) {
				assert_int_equal(i, node[k]);
				addr_lru_remove(&l, i);
				last[k] = 0;
			}
			continue;
		}
		now++;
		node[k] = addr_lru_touch(&l, fam, a, now, &is_new);
		assert_int_equal(is_new, last[k] == 0);
		last[k] = now;
		if (l.nr == 16 || is_new) {
			/* the model: at most 16, the evicted one is the least recent */
			int present = 0;

			for (int j = 0; j < MODEL_ADDRS; j++) {
				uint8_t b[16];

				if (last[j] == 0)
					continue;
				v4(b, 0x0a000000u + (uint32_t)j);
				if (j % 2)
					b[15] = 1;
				if (addr_lru_find(&l, j % 2 ? AF_INET6 : AF_INET, b) ==
				    ADDR_LRU_NONE)
					last[j] = 0; /* evicted */
				else
					present++;
			}
			assert_int_equal(present, l.nr);
		}
		assert_true(l.nr <= 16);
	}
	/* the oldest is the tail; removing everything empties the table */
	while (addr_lru_oldest(&l) != ADDR_LRU_NONE) {
		uint32_t i = addr_lru_oldest(&l);

		if (l.nodes[i].prev != ADDR_LRU_NONE)
			assert_true(l.nodes[l.nodes[i].prev].last_ms >= l.nodes[i].last_ms);
		addr_lru_remove(&l, i);
	}
	assert_int_equal(l.nr, 0);
	for (uint32_t s = 0; s <= l.index_mask; s++)
		assert_int_equal(l.index[s], 0);
	assert_true(l.nr_evicted > 0);
	addr_lru_release(&l);
}

static void test_lru_evicts_least_recent(void **state)
{
	struct addr_lru l;
	uint8_t a[16];
	bool is_new;

	(void)state;
	addr_lru_init(&l, 3, 0);
	for (uint32_t k = 1; k <= 3; k++) {
		v4(a, k);
		addr_lru_touch(&l, AF_INET, a, k, &is_new);
	}
	v4(a, 1);
	addr_lru_touch(&l, AF_INET, a, 10, &is_new); /* 1 is recent again: 2 goes first */
	v4(a, 4);
	addr_lru_touch(&l, AF_INET, a, 11, &is_new);
	assert_true(is_new);
	assert_int_equal(l.nr_evicted, 1);
	v4(a, 2);
	assert_int_equal(addr_lru_find(&l, AF_INET, a), ADDR_LRU_NONE);
	v4(a, 1);
	assert_int_not_equal(addr_lru_find(&l, AF_INET, a), ADDR_LRU_NONE);
	/* the same 16 bytes in another family are another address */
	assert_int_equal(addr_lru_find(&l, AF_INET6, a), ADDR_LRU_NONE);
	addr_lru_release(&l);
}

/* ---- fail_track ---- */

static void test_fail_window(void **state)
{
	struct fail_track_opts o = { .window_ms = 600000, .floor = 3 };
	struct rule_authfail out[8];
	struct fail_track t;
	uint8_t a[16], b[16];

	(void)state;
	fail_track_init(&t, &o);
	v4(a, 0xc0000207);
	v4(b, 0xc0000208);
	/* in time order, as a reader delivers them */
	fail_track_add(&t, AF_INET, b, T0, "x");
	fail_track_add(&t, AF_INET, b, T0 + 1000, "");
	for (int i = 0; i < 6; i++)
		fail_track_add(&t, AF_INET, a, T0 + i * 60000, i == 5 ? "admin" : "root");
	assert_int_equal(fail_track_count(&t, AF_INET, a, T0 + 300000), 6);
	assert_int_equal(fail_track_report(&t, T0 + 300000, out, 8), 1); /* b is below the floor */
	assert_string_equal(out[0].addr, "192.0.2.7");
	assert_int_equal(out[0].nr_failures, 6);
	assert_int_equal(out[0].first_ms, T0);
	assert_string_equal(out[0].user, "admin");
	/* ten minutes after the third failure only the last three are in the window */
	assert_int_equal(fail_track_count(&t, AF_INET, a, T0 + 2 * 60000 + 600000), 3);
	assert_int_equal(fail_track_report(&t, T0 + 2 * 60000 + 600000, out, 8), 1);
	assert_int_equal(out[0].first_ms, T0 + 3 * 60000);
	fail_track_expire(&t, T0 + 700000);
	assert_int_equal(t.lru.nr, 1);
	assert_int_equal(fail_track_count(&t, AF_INET, b, T0 + 700000), 0);
	fail_track_expire(&t, T0 + 5 * 60000 + 600000);
	assert_int_equal(t.lru.nr, 0);
	assert_int_equal(fail_track_report(&t, T0 + 5 * 60000 + 600000, out, 8), 0);
	fail_track_release(&t);
}

static void test_fail_bounds(void **state)
{
	struct fail_track_opts o = { .max_addrs = 100, .floor = 2, .seed = 99 };
	struct rule_authfail out[4];
	struct fail_track t;
	uint8_t a[16];

	(void)state;
	fail_track_init(&t, &o);
	v4(a, 1);
	for (int i = 0; i < 100; i++)
		fail_track_add(&t, AF_INET, a, T0 + i, "u");
	/* saturates at the ring's size */
	assert_int_equal(fail_track_count(&t, AF_INET, a, T0 + 100), FAIL_TRACK_TIMES);
	for (uint32_t k = 2; k < 1000; k++) {
		uint8_t s[16];

		v4(s, k);
		fail_track_add(&t, AF_INET, s, T0 + 1000 + k, NULL);
		fail_track_add(&t, AF_INET, s, T0 + 1000 + k, NULL);
	}
	assert_int_equal(t.lru.nr, 100);
	assert_int_equal(t.lru.nr_evicted, 998 - 100 + 1);
	assert_int_equal(fail_track_count(&t, AF_INET, a, T0 + 2000), 0); /* evicted first */
	/* the report keeps to its capacity and sorts */
	assert_int_equal(fail_track_report(&t, T0 + 3000, out, 4), 4);
	assert_int_equal(out[0].nr_failures, 2);
	fail_track_release(&t);
}

/* ---- scan_track ---- */

static void test_scan_ports(void **state)
{
	struct scan_track_opts o = { .window_ms = 10000, .floor = 20 };
	struct rule_scan out[4];
	struct scan_track t;
	uint8_t a[16], b[16];

	(void)state;
	scan_track_init(&t, &o);
	v4(a, 0x0a000002);
	memset(b, 0, 16);
	b[0] = 0x20;
	b[1] = 0x01;
	b[15] = 9;
	/* in time order: the same port over TCP and UDP is two ports */
	for (int i = 0; i < 10; i++) {
		scan_track_add(&t, AF_INET6, b, IPPROTO_TCP, (uint16_t)(53 + i), T0);
		scan_track_add(&t, AF_INET6, b, IPPROTO_UDP, (uint16_t)(53 + i), T0);
	}
	/* a busy client: many connections to one port never reaches the floor */
	for (int i = 0; i < 1000; i++) {
		uint8_t c[16];

		v4(c, 0x0a000003);
		scan_track_add(&t, AF_INET, c, IPPROTO_TCP, 443, T0 + i);
	}
	/* 30 distinct ports in 3 s, each twice (a SYN and its retransmission) */
	for (int i = 0; i < 30; i++) {
		scan_track_add(&t, AF_INET, a, IPPROTO_TCP, (uint16_t)(1000 + i), T0 + i * 100);
		scan_track_add(&t, AF_INET, a, IPPROTO_TCP, (uint16_t)(1000 + i),
			       T0 + i * 100 + 50);
	}
	assert_int_equal(scan_track_report(&t, T0 + 3000, out, 4), 2);
	assert_string_equal(out[0].addr, "10.0.0.2");
	assert_int_equal(out[0].nr_ports, 30);
	assert_int_equal(out[0].nr_probes, 60);
	assert_int_equal(out[0].first_ms, T0);
	assert_int_equal(out[0].sample_port, 1000);
	assert_string_equal(out[1].addr, "2001::9");
	assert_int_equal(out[1].nr_ports, 20);
	/* ten seconds after the tenth port (times are kept to 0.1 s) the first ten are gone */
	assert_int_equal(scan_track_count(&t, AF_INET, a, T0 + 10950), 20);
	assert_int_equal(scan_track_count(&t, AF_INET6, b, T0 + 10950), 0);
	assert_int_equal(scan_track_report(&t, T0 + 10950, out, 4), 1);
	assert_int_equal(out[0].nr_ports, 20);
	assert_int_equal(scan_track_report(&t, T0 + 11100, out, 4), 0);
	scan_track_expire(&t, T0 + 11000);
	assert_int_equal(t.lru.nr, 1);
	scan_track_expire(&t, T0 + 20000);
	assert_int_equal(t.lru.nr, 0);
	assert_int_equal(t.port_bytes, 0);
	scan_track_release(&t);
}

static void test_scan_cap(void **state)
{
	struct scan_track_opts o = { .max_ports = 64, .floor = 20 };
	struct rule_scan out[2];
	struct scan_track t;
	uint8_t a[16];

	(void)state;
	scan_track_init(&t, &o);
	v4(a, 0x0a000009);
	/* a full scan of 65,535 ports in 6.5 s: the set stays at its cap */
	for (uint32_t p = 1; p <= 65535; p++)
		scan_track_add(&t, AF_INET, a, IPPROTO_TCP, (uint16_t)p, T0 + p / 10);
	assert_int_equal(scan_track_count(&t, AF_INET, a, T0 + 6600), 64);
	assert_int_equal(t.port_bytes, 64 * 8);
	assert_int_equal(scan_track_report(&t, T0 + 6600, out, 2), 1);
	assert_int_equal(out[0].nr_ports, 64);
	/* the ports kept are the most recent */
	assert_true(out[0].sample_port > 65000);
	scan_track_release(&t);
}

static void test_scan_flood(void **state)
{
	struct scan_track_opts o = { .max_addrs = 1024, .floor = 20, .seed = 7 };
	struct rule_scan out[8];
	struct scan_track t;
	uint8_t a[16], scanner[16];

	(void)state;
	scan_track_init(&t, &o);
	v4(scanner, 0x0a0000fe);
	srand(11);
	/* a SYN flood from 200,000 random sources to port 80, with a scanner inside it */
	for (int i = 0; i < 200000; i++) {
		int64_t now = T0 + i / 50; /* 50,000 a second */

		v4(a, (uint32_t)rand());
		scan_track_add(&t, AF_INET, a, IPPROTO_TCP, 80, now);
		if (i % 100 == 0)
			scan_track_add(&t, AF_INET, scanner, IPPROTO_TCP, (uint16_t)(i / 100), now);
		assert_true(t.lru.nr <= 1024);
	}
	assert_true(t.lru.nr_evicted > 190000);
	/* memory: 1,024 sources with the smallest sets, plus the scanner's */
	assert_true(t.port_bytes <= 1024 * 4 * 8 + 64 * 8);
	assert_int_equal(scan_track_report(&t, T0 + 4000, out, 8), 1);
	assert_string_equal(out[0].addr, "10.0.0.254");
	assert_int_equal(out[0].nr_ports, 64);
	scan_track_release(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lru_model),   cmocka_unit_test(test_lru_evicts_least_recent),
		cmocka_unit_test(test_fail_window), cmocka_unit_test(test_fail_bounds),
		cmocka_unit_test(test_scan_ports),  cmocka_unit_test(test_scan_cap),
		cmocka_unit_test(test_scan_flood),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
