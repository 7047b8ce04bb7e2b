// SPDX-License-Identifier: GPL-2.0-or-later
/* The agent's series registry, its hour ring and the socket census. */
#include <arpa/inet.h>
#include <math.h>
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

#include "analyze/census.h"
#include "analyze/series_ring.h"
#include "app/agent.h"
#include "model/metric.h"

static struct sock_entry tcp(uint8_t state, const char *laddr, uint16_t lport, const char *raddr,
			     uint16_t rport)
{
	struct sock_entry e;
	int family = strchr(laddr, ':') ? AF_INET6 : AF_INET;

	memset(&e, 0, sizeof(e));
	e.proto = PROTO_TCP;
	e.family = (uint8_t)family;
	e.state = state;
	assert_int_equal(inet_pton(family, laddr, e.local), 1);
	assert_int_equal(inet_pton(family, raddr, e.remote), 1);
	e.lport = lport;
	e.rport = rport;
	return e;
}

static double value_of(const struct series_table *t, enum metric_family_id id, const char *labels)
{
	uint32_t slot = series_table_find(t, &metric_families[id], labels);

	return slot == UINT32_MAX ? -1 : t->v[slot].value;
}

static void test_labels(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	char buf[64];

	(void)state;
	/* Quotes and backslashes escaped as the text format says; a control byte (here a
	 * newline) and invalid UTF-8 first take the display-safe form \xHH. */
	metric_labels_add(&sb, "comm", "a\"b\\c\nd\xff");
	metric_labels_add(&sb, "pid", "42");
	assert_string_equal(sb.buf, "comm=\"a\\\"b\\\\c\\\\x0ad\\\\xff\",pid=\"42\"");
	assert_true(metric_labels_get(sb.buf, "comm", buf, sizeof(buf)));
	assert_string_equal(buf, "a\"b\\c\\x0ad\\xff");
	assert_true(metric_labels_get(sb.buf, "pid", buf, sizeof(buf)));
	assert_string_equal(buf, "42");
	assert_false(metric_labels_get(sb.buf, "port", buf, sizeof(buf)));
	assert_false(metric_labels_get("x=\"unterminated", "x", buf, sizeof(buf)));
	assert_false(metric_labels_get("x=\"bad\\q\"", "x", buf, sizeof(buf)));
	assert_non_null(metric_family_find("connmon_tcp_sockets"));
	assert_null(metric_family_find("connmon_nope"));
	strbuf_release(&sb);
}

static void test_table_expire(void **state)
{
	struct series_table t;
	const struct metric_family *f = &metric_families[MF_TCP_SOCKETS];
	char labels[32];
	bool created;

	(void)state;
	series_table_init(&t);
	series_table_begin(&t, 1);
	for (int i = 0; i < 1000; i++) { /* forces index growth */
		snprintf(labels, sizeof(labels), "state=\"s%d\"", i);
		series_table_set(&t, f, labels, i, &created);
		assert_true(created);
	}
	assert_int_equal(t.nr_live, 1000);
	assert_int_equal(t.nr_produced, 1000);
	series_table_set(&t, f, "state=\"s5\"", 7, &created);
	assert_false(created);
	assert_int_equal(t.nr_produced, 1000);
	assert_true(value_of(&t, MF_TCP_SOCKETS, "state=\"s5\"") == 7);
	series_table_add(&t, f, "state=\"s5\"", 3);
	assert_true(value_of(&t, MF_TCP_SOCKETS, "state=\"s5\"") == 10);

	/* Tick 2..10: only the first ten are produced; the rest expire after ttl 5. */
	for (uint64_t tick = 2; tick <= 10; tick++) {
		series_table_begin(&t, tick);
		assert_true(isnan(t.v[series_table_find(&t, f, "state=\"s5\"")].value));
		for (int i = 0; i < 10; i++) {
			snprintf(labels, sizeof(labels), "state=\"s%d\"", i);
			series_table_set(&t, f, labels, i, NULL);
		}
		series_table_expire(&t, 5, NULL, NULL);
	}
	assert_int_equal(t.nr_live, 10);
	assert_int_equal(series_table_find(&t, f, "state=\"s500\""), UINT32_MAX);
	assert_true(value_of(&t, MF_TCP_SOCKETS, "state=\"s9\"") == 9);
	/* Freed slots are reused: the table does not grow past its peak. */
	uint32_t peak = t.nr;

	series_table_begin(&t, 11);
	for (int i = 0; i < 900; i++) {
		snprintf(labels, sizeof(labels), "state=\"n%d\"", i);
		series_table_set(&t, f, labels, i, NULL);
	}
	assert_int_equal(t.nr, peak);
	series_table_release(&t);
}

static void test_ring(void **state)
{
	struct series_ring r;
	uint32_t a, b;

	(void)state;
	series_ring_init(&r, 4);
	a = series_ring_row_new(&r);
	assert_true(isnan(series_ring_get(&r, a, 0)));
	for (int i = 1; i <= 6; i++) {
		series_ring_advance(&r, i * 1000);
		series_ring_put(&r, a, i);
	}
	assert_int_equal(series_ring_len(&r), 4);
	assert_true(series_ring_get(&r, a, 0) == 6);
	assert_true(series_ring_get(&r, a, 3) == 3);
	assert_true(isnan(series_ring_get(&r, a, 4)));
	assert_int_equal(series_ring_time(&r, 1), 5000);
	b = series_ring_row_new(&r); /* born late: NaN before */
	series_ring_advance(&r, 7000);
	series_ring_put(&r, b, 1.5);
	assert_true(series_ring_get(&r, b, 0) == 1.5);
	assert_true(isnan(series_ring_get(&r, b, 1)));
	assert_true(isnan(series_ring_get(&r, a, 0))); /* not put this tick */
	series_ring_row_free(&r, a);
	assert_int_equal(series_ring_row_new(&r), a); /* reused */
	assert_int_equal(series_ring_bytes(&r), 4 * (8 + 2 * 4));
	series_ring_release(&r);
}

/* Ports and peers ranked, the rest in "other", and the sums add up. */
static void test_census_topn(void **state)
{
	struct census c;
	struct series_table t;
	struct sock_entry e;
	char addr[32], labels[96];
	double sum;

	(void)state;
	census_init(&c, 2, 3);
	series_table_init(&t);
	census_begin(&c, 32768, 60999);
	/* Listeners on 80, 443, 22 (v4 and v6 on 443). */
	e = tcp(SOCK_ST_LISTEN, "0.0.0.0", 80, "0.0.0.0", 0);
	e.recv_q = 2;
	e.send_q = 128;
	census_add(&c, &e);
	e = tcp(SOCK_ST_LISTEN, "0.0.0.0", 443, "0.0.0.0", 0);
	e.send_q = 100;
	census_add(&c, &e);
	e = tcp(SOCK_ST_LISTEN, "::", 443, "::", 0);
	e.recv_q = 1;
	e.send_q = 100;
	census_add(&c, &e);
	e = tcp(SOCK_ST_LISTEN, "0.0.0.0", 22, "0.0.0.0", 0);
	census_add(&c, &e);
	/* 443: 5 established from 10.0.0.1..5 and 2 time-wait from the v4-mapped 10.0.0.1. */
	for (int i = 1; i <= 5; i++) {
		snprintf(addr, sizeof(addr), "10.0.0.%d", i);
		e = tcp(SOCK_ST_ESTABLISHED, "10.0.0.100", 443, addr, (uint16_t)(40000 + i));
		census_add(&c, &e);
	}
	for (int i = 0; i < 2; i++) {
		e = tcp(SOCK_ST_TIME_WAIT, "::ffff:10.0.0.100", 443, "::ffff:10.0.0.1",
			(uint16_t)(50000 + i));
		census_add(&c, &e);
	}
	/* 80: 3 syn-recv from 10.0.0.9; 22: 1 established from 10.0.0.2. */
	for (int i = 0; i < 3; i++) {
		e = tcp(SOCK_ST_NEW_SYN_RECV, "10.0.0.100", 80, "10.0.0.9", (uint16_t)(1000 + i));
		census_add(&c, &e);
	}
	e = tcp(SOCK_ST_ESTABLISHED, "10.0.0.100", 22, "10.0.0.2", 999);
	census_add(&c, &e);
	/* An outbound connection from an ephemeral port. */
	e = tcp(SOCK_ST_CLOSE_WAIT, "10.0.0.100", 40001, "10.0.0.50", 5432);
	census_add(&c, &e);

	series_table_begin(&t, 1);
	census_emit(&c, &t);
	assert_true(value_of(&t, MF_TCP_SOCKETS, "state=\"established\"") == 6);
	assert_true(value_of(&t, MF_TCP_SOCKETS, "state=\"syn_recv\"") == 3);
	assert_true(value_of(&t, MF_TCP_SOCKETS, "state=\"listen\"") == 4);
	/* Top 2 listening ports by sockets: 443 (7), 80 (3); 22 and 40001 fold into other. */
	assert_true(value_of(&t, MF_TCP_PORT_SOCKETS, "port=\"443\",state=\"established\"") == 5);
	assert_true(value_of(&t, MF_TCP_PORT_SOCKETS, "port=\"443\",state=\"time_wait\"") == 2);
	assert_true(value_of(&t, MF_TCP_PORT_SOCKETS, "port=\"80\",state=\"syn_recv\"") == 3);
	assert_true(value_of(&t, MF_TCP_PORT_SOCKETS, "port=\"22\",state=\"established\"") < 0);
	assert_true(value_of(&t, MF_TCP_PORT_SOCKETS, "port=\"other\",state=\"established\"") == 1);
	assert_true(value_of(&t, MF_TCP_PORT_SOCKETS, "port=\"other\",state=\"close_wait\"") == 1);
	assert_true(value_of(&t, MF_LISTEN_QUEUE, "port=\"443\"") == 1);
	assert_true(value_of(&t, MF_LISTEN_BACKLOG, "port=\"443\"") == 200);
	assert_true(value_of(&t, MF_LISTEN_QUEUE, "port=\"80\"") == 2);
	assert_true(value_of(&t, MF_LISTEN_BACKLOG, "port=\"other\"") == 0);
	/* Peers: 10.0.0.1 (3, the mapped ones merged), 10.0.0.9 (3), 10.0.0.2 (2); rest other. */
	assert_true(value_of(&t, MF_TCP_PEER_SOCKETS, "addr=\"10.0.0.1\",state=\"time_wait\"") ==
		    2);
	assert_true(value_of(&t, MF_TCP_PEER_SOCKETS, "addr=\"10.0.0.9\",state=\"syn_recv\"") == 3);
	assert_true(value_of(&t, MF_TCP_PEER_SOCKETS, "addr=\"10.0.0.2\",state=\"established\"") ==
		    2);
	assert_true(value_of(&t, MF_TCP_PEER_SOCKETS, "addr=\"10.0.0.3\",state=\"established\"") <
		    0);
	/* Sums: ports (other included) = non-listening TCP; peers = TCP with a peer. */
	sum = 0;
	for (uint32_t i = 0; i < t.nr; i++)
		if (t.v[i].fam == &metric_families[MF_TCP_PORT_SOCKETS])
			sum += t.v[i].value;
	assert_true(sum == 12);
	sum = 0;
	for (uint32_t i = 0; i < t.nr; i++)
		if (t.v[i].fam == &metric_families[MF_TCP_PEER_SOCKETS])
			sum += t.v[i].value;
	assert_true(sum == 12);
	snprintf(labels, sizeof(labels), "dest=\"10.0.0.50:5432\"");
	assert_true(value_of(&t, MF_EPHEMERAL_PORTS_USED, labels) == 1);

	/* A second pass starts from empty tables. */
	census_begin(&c, 32768, 60999);
	series_table_begin(&t, 2);
	census_emit(&c, &t);
	assert_true(value_of(&t, MF_TCP_SOCKETS, "state=\"established\"") == 0);
	assert_true(value_of(&t, MF_TCP_PORT_SOCKETS, "port=\"other\",state=\"established\"") == 0);
	assert_true(isnan(t.v[series_table_find(&t, &metric_families[MF_TCP_PORT_SOCKETS],
						"port=\"443\",state=\"established\"")]
				  .value));
	census_release(&c);
	series_table_release(&t);
}

/* Stamps on the interval's grid; a clock that steps back holds them, ordered, until it catches up.
 */
static void test_stamp(void **state)
{
	const int64_t s = 1000000000LL; /* 1 s in ns */
	int64_t t, last = INT64_MIN;
	bool held;

	(void)state;
	t = agent_stamp(1000 * s + 3000000, 1000, last, &held); /* 3 ms late */
	assert_int_equal(t, 1000000);
	assert_false(held);
	last = t;
	t = agent_stamp(1000 * s + 998000000, 1000, last, &held); /* 2 ms early for 1001 */
	assert_int_equal(t, 1001000);
	last = t;
	/* The clock steps back 10 minutes: held just after the last, in order. */
	t = agent_stamp(402 * s, 1000, last, &held);
	assert_true(held);
	assert_int_equal(t, 1001001);
	last = t;
	t = agent_stamp(403 * s, 1000, last, &held);
	assert_true(held);
	assert_int_equal(t, 1001002);
	last = t;
	/* Caught up: on the grid again. */
	t = agent_stamp(1002 * s, 1000, last, &held);
	assert_false(held);
	assert_int_equal(t, 1002000);
	/* 100 ms ticks. */
	assert_int_equal(agent_stamp(5 * s + 149000000, 100, INT64_MIN, &held), 5100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_labels), cmocka_unit_test(test_table_expire),
		cmocka_unit_test(test_ring),   cmocka_unit_test(test_census_topn),
		cmocka_unit_test(test_stamp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
