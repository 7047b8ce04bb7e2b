// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * collect/snmp parsers and readers, model/counters snapshots, deltas and
 * KPIs.  Fixtures come from tests/fixtures/snmp/record.sh: new-* as this
 * kernel writes the files, old-* cut to an older kernel's field counts.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* clang-format off: cmocka.h needs the headers above */
#include <cmocka.h>
/* clang-format on */

#include "analyze/health.h"
#include "base/strbuf.h"
#include "collect/snmp.h"
#include "model/counters.h"

#define FIX "../fixtures/snmp/"

static uint64_t val(const struct counter_snap *s, const char *name)
{
	uint64_t v = 0;

	assert_true(counter_snap_value(s, name, &v));
	return v;
}

static void read_fix(struct counter_snap *s, const char *root)
{
	struct strbuf sb = STRBUF_INIT;

	counter_snap_init(s);
	assert_int_equal(snmp_read(s, root, 1, &sb), 0);
	strbuf_release(&sb);
}

/* Parses len bytes from an exact-size heap copy, so ASan sees any overread. */
static int parse_exact(struct counter_snap *s, const char *text, bool lines)
{
	size_t len = strlen(text);
	char *copy = malloc(len ? len : 1);
	int ret;

	memcpy(copy, text, len);
	ret = lines ? snmp_parse_lines(s, copy, len) : snmp_parse_pairs(s, copy, len);
	free(copy);
	counter_snap_seal(s);
	return ret;
}

static void test_read_new(void **state)
{
	struct counter_snap s;
	const struct counter *c;

	(void)state;
	read_fix(&s, FIX "new-b");
	assert_int_equal(s.sources, COUNTER_SRC_SNMP | COUNTER_SRC_NETSTAT | COUNTER_SRC_SNMP6);
	assert_int_equal(val(&s, "TcpActiveOpens"), 7);
	assert_int_equal(val(&s, "TcpPassiveOpens"), 5);
	assert_int_equal(val(&s, "TcpAttemptFails"), 2);
	assert_int_equal(val(&s, "UdpNoPorts"), 3);
	assert_int_equal(val(&s, "IcmpMsgInType3"), 3);
	assert_int_equal(val(&s, "Udp6InDatagrams"), 4);
	assert_true(val(&s, "TcpMaxConn") == UINT64_MAX); /* printed as -1 */
	assert_int_equal(val(&s, "TcpExtTW"), 5);
	c = counter_snap_find(&s, "TcpExtListenOverflows");
	assert_non_null(c);
	assert_int_equal(c->group_len, 6);
	assert_memory_equal(c->name, "TcpExt", 6);
	c = counter_snap_find(&s, "Icmp6InMsgs");
	assert_non_null(c);
	assert_int_equal(c->group_len, 5);
	assert_non_null(counter_snap_find(&s, "TcpInCsumErrors"));
	assert_non_null(counter_snap_find(&s, "MPTcpExtMPCapableSYNRX"));
	assert_null(counter_snap_find(&s, "TcpNoSuchCounter"));
	assert_null(counter_snap_find(&s, "Tcp"));
	counter_snap_release(&s);
}

static void test_read_old(void **state)
{
	struct counter_snap s;

	(void)state;
	read_fix(&s, FIX "old-b");
	assert_int_equal(val(&s, "TcpActiveOpens"), 7);
	assert_int_equal(val(&s, "TcpOutRsts"), 2);
	assert_int_equal(val(&s, "UdpNoPorts"), 3);
	assert_null(counter_snap_find(&s, "TcpInCsumErrors"));
	assert_null(counter_snap_find(&s, "UdpIgnoredMulti"));
	assert_null(counter_snap_find(&s, "IpOutTransmits"));
	assert_null(counter_snap_find(&s, "TcpExtTCPRcvQDrop"));
	assert_null(counter_snap_find(&s, "MPTcpExtMPCapableSYNRX"));
	assert_null(counter_snap_find(&s, "Udp6MemErrors"));
	assert_int_equal(val(&s, "Udp6InDatagrams"), 4);
	counter_snap_release(&s);
}

static void test_read_missing(void **state)
{
	struct counter_snap s;
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	counter_snap_init(&s);
	assert_int_equal(snmp_read(&s, FIX "no-such-root", 1, &sb), -ENOENT);
	counter_snap_release(&s);
	strbuf_release(&sb);
}

static void test_deltas(void **state)
{
	struct counter_snap a, b;
	struct counter_delta d;

	(void)state;
	read_fix(&a, FIX "new-a");
	read_fix(&b, FIX "new-b");
	d = counter_delta_get(&a, &b, "TcpActiveOpens");
	assert_int_equal(d.status, COUNTER_DELTA_OK);
	assert_int_equal(d.delta, 7);
	d = counter_delta_get(&a, &b, "UdpNoPorts");
	assert_int_equal(d.delta, 3);
	d = counter_delta_get(&a, &b, "TcpCurrEstab");
	assert_int_equal(d.status, COUNTER_DELTA_GAUGE);
	/* IcmpMsg appears only once a message type was counted: from zero. */
	d = counter_delta_get(&a, &b, "IcmpMsgInType3");
	assert_int_equal(d.status, COUNTER_DELTA_OK);
	assert_int_equal(d.delta, 3);
	d = counter_delta_get(&b, &a, "IcmpMsgInType3");
	assert_int_equal(d.status, COUNTER_DELTA_MISSING);
	/* Backwards is a reset: no delta, never 2^64 - 7. */
	d = counter_delta_get(&b, &a, "TcpActiveOpens");
	assert_int_equal(d.status, COUNTER_DELTA_RESET);
	/* The index walk agrees with name lookups for every counter. */
	for (size_t i = 0; i < b.nr; i++) {
		struct counter_delta x = counter_delta_at(&a, &b, i);
		struct counter_delta y = counter_delta_get(&a, &b, b.v[i].name);

		assert_int_equal(x.status, y.status);
		assert_true(x.delta == y.delta);
	}
	counter_snap_release(&a);
	counter_snap_release(&b);
}

static void test_old_vs_new(void **state)
{
	struct counter_snap oa, ob;

	(void)state;
	read_fix(&oa, FIX "old-a");
	read_fix(&ob, FIX "old-b");
	/* An old kernel against a new one: shared counters still delta. */
	assert_int_equal(counter_delta_get(&oa, &ob, "TcpActiveOpens").delta, 7);
	assert_int_equal(counter_delta_get(&oa, &ob, "TcpInCsumErrors").status,
			 COUNTER_DELTA_MISSING);
	{
		struct counter_snap empty;

		counter_snap_init(&empty);
		counter_snap_seal(&empty);
		/* Nothing to count from: an empty older sample gives no deltas. */
		assert_int_equal(counter_delta_get(&empty, &ob, "TcpActiveOpens").status,
				 COUNTER_DELTA_MISSING);
		counter_snap_release(&empty);
	}
	counter_snap_release(&oa);
	counter_snap_release(&ob);
}

static void test_pairs_edges(void **state)
{
	struct counter_snap s;

	(void)state;
	counter_snap_init(&s);
	/* Values shorter than names, longer, junk tokens, no final newline. */
	assert_int_equal(parse_exact(&s,
				     "Tcp: A B C\nTcp: 1 2\n"
				     "Udp: X Y\nUdp: 5 6 7 8\n"
				     "Ip: P Q R\nIp: 9 abc 11\n"
				     "Lone: Header Only\n"
				     "Other: 1 2\n"
				     "Big: M N\nBig: 18446744073709551615 18446744073709551616",
				     false),
			 7);
	assert_int_equal(val(&s, "TcpA"), 1);
	assert_int_equal(val(&s, "TcpB"), 2);
	assert_null(counter_snap_find(&s, "TcpC"));
	assert_int_equal(val(&s, "UdpY"), 6);
	assert_int_equal(val(&s, "IpP"), 9);
	assert_null(counter_snap_find(&s, "IpQ"));
	assert_int_equal(val(&s, "IpR"), 11);
	assert_null(counter_snap_find(&s, "LoneHeader"));
	assert_true(val(&s, "BigM") == UINT64_MAX);
	assert_null(counter_snap_find(&s, "BigN"));
	counter_snap_reset(&s);
	/* CRLF, tabs, an empty group, no colon, empty input. */
	assert_int_equal(parse_exact(&s, "Tcp:\tA\tB\r\nTcp:\t3\t4\r\n: x\n: 1\nnocolon\n", false),
			 2);
	assert_int_equal(val(&s, "TcpB"), 4);
	counter_snap_reset(&s);
	assert_int_equal(parse_exact(&s, "", false), 0);
	assert_int_equal(parse_exact(&s, "Tcp: A\nTcp: -\n", false), 0);
	counter_snap_release(&s);
}

static void test_lines_edges(void **state)
{
	struct counter_snap s;
	char longname[200];

	(void)state;
	counter_snap_init(&s);
	memset(longname, 'A', sizeof(longname));
	memcpy(longname + sizeof(longname) - 4, " 1\n", 4);
	assert_int_equal(parse_exact(&s,
				     "Ip6InReceives    \t12\n"
				     "Icmp6InType133 3\n"
				     "Udp6NoPorts 1 extra\n"
				     "NoSix 5\n"
				     "Trailing6 7\n"
				     "Bad6Value x\n"
				     "OnlyName\n\n",
				     true),
			 4);
	assert_int_equal(val(&s, "Ip6InReceives"), 12);
	assert_int_equal(counter_snap_find(&s, "Ip6InReceives")->group_len, 3);
	assert_int_equal(counter_snap_find(&s, "Icmp6InType133")->group_len, 5);
	assert_int_equal(counter_snap_find(&s, "NoSix")->group_len, 0);
	/* A name that ends in its only '6' has no group. */
	assert_int_equal(counter_snap_find(&s, "Trailing6")->group_len, 0);
	assert_null(counter_snap_find(&s, "Udp6NoPorts"));
	counter_snap_reset(&s);
	assert_int_equal(parse_exact(&s, longname, true), 0);
	counter_snap_release(&s);
}

static void test_caps(void **state)
{
	struct counter_snap s;
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	counter_snap_init(&s);
	for (int i = 0; i < COUNTERS_MAX + 10; i++)
		strbuf_addf(&sb, "C%d6x %d\n", i, i);
	assert_int_equal(snmp_parse_lines(&s, sb.buf, sb.len), -E2BIG);
	assert_int_equal(s.nr, COUNTERS_MAX);
	assert_true(s.truncated);
	counter_snap_seal(&s);
	assert_int_equal(val(&s, "C06x"), 0);
	assert_int_equal(val(&s, "C40956x"), 4095);
	assert_null(counter_snap_find(&s, "C40966x"));
	assert_int_equal(counter_snap_add(&s, "", 0, "", 0, 1), -ENAMETOOLONG);
	assert_int_equal(counter_snap_add(&s, "G", 1, "a\0b", 3, 1), -EINVAL);
	assert_int_equal(counter_snap_add(&s, "G", 1, "\xc3\xa9", 2, 1), -EINVAL);
	counter_snap_release(&s);
	strbuf_release(&sb);
}

static void test_duplicates_and_order(void **state)
{
	struct counter_snap a, b;

	(void)state;
	counter_snap_init(&a);
	counter_snap_init(&b);
	parse_exact(&a, "G: X Y X\nG: 1 2 3\n", false);
	assert_int_equal(val(&a, "GX"), 1); /* the first occurrence */
	assert_false(a.v[0].dup);
	assert_true(a.v[2].dup);
	/* Reordered fields still delta by name. */
	parse_exact(&b, "G: Y X\nG: 5 4\n", false);
	assert_int_equal(counter_delta_at(&a, &b, 0).delta, 3);
	assert_int_equal(counter_delta_at(&a, &b, 1).delta, 3);
	/* A duplicate at the same index is not taken for the first occurrence. */
	counter_snap_reset(&b);
	parse_exact(&b, "G: Q Q X\nG: 0 0 9\n", false);
	assert_int_equal(counter_delta_at(&a, &b, 2).delta, 8);
	/* Not sealed: nothing is found. */
	counter_snap_reset(&b);
	counter_snap_add(&b, "G", 1, "X", 1, 9);
	assert_null(counter_snap_find(&b, "GX"));
	counter_snap_release(&a);
	counter_snap_release(&b);
}

static void snap_of(struct counter_snap *s, const char *text, uint64_t mono_ns)
{
	counter_snap_init(s);
	parse_exact(s, text, false);
	s->mono_ns = mono_ns;
}

static void test_health(void **state)
{
	struct counter_snap a, b;
	struct proto_health h;

	(void)state;
	snap_of(&a,
		"Tcp: OutSegs RetransSegs InErrs\nTcp: 1000 10 0\n"
		"Ip: InReceives InDiscards InHdrErrors\nIp: 0 0 0\n"
		"TcpExt: TCPDSACKRecvSegs ListenOverflows\nTcpExt: 0 0\n",
		1000000000ull);
	snap_of(&b,
		"Tcp: OutSegs RetransSegs InErrs\nTcp: 3000 14 1\n"
		"Ip: InReceives InDiscards InHdrErrors\nIp: 2000 1 0\n"
		"TcpExt: TCPDSACKRecvSegs ListenOverflows\nTcpExt: 1 3\n",
		3000000000ull);
	health_proto_compute(&health_default, &h, &a, &b);
	assert_int_equal(h.interval_ns, 2000000000ull);
	assert_true(h.kpi[PROTO_KPI_RETRANS].known);
	assert_int_equal(h.kpi[PROTO_KPI_RETRANS].num, 4);
	assert_int_equal(h.kpi[PROTO_KPI_RETRANS].den, 2000);
	assert_true(h.kpi[PROTO_KPI_RETRANS].pct > 0.199 && h.kpi[PROTO_KPI_RETRANS].pct < 0.201);
	assert_true(h.kpi[PROTO_KPI_RETRANS].warn);
	assert_int_equal(h.kpi[PROTO_KPI_LOSS].num, 3);
	assert_true(h.kpi[PROTO_KPI_LOSS].warn);
	assert_int_equal(h.kpi[PROTO_KPI_ERROR].num, 1);
	assert_int_equal(h.kpi[PROTO_KPI_ERROR].den, 2000);
	assert_false(h.kpi[PROTO_KPI_ERROR].warn); /* 0.05 % */
	assert_int_equal(h.kpi[PROTO_KPI_DROP].num, 1);
	assert_int_equal(h.listen_overflows, 3);
	assert_true(h.warn);
	assert_string_equal(proto_kpi_key(PROTO_KPI_LOSS), "loss_estimate");
	counter_snap_release(&b);
	/* Few segments: reported, not flagged; a reset leaves the KPI unknown. */
	snap_of(&b, "Tcp: OutSegs RetransSegs\nTcp: 1050 20\n", 2000000000ull);
	health_proto_compute(&health_default, &h, &a, &b);
	assert_int_equal(h.kpi[PROTO_KPI_RETRANS].den, 50);
	assert_false(h.kpi[PROTO_KPI_RETRANS].warn);
	assert_false(h.kpi[PROTO_KPI_ERROR].known);
	counter_snap_release(&b);
	snap_of(&b, "Tcp: OutSegs RetransSegs\nTcp: 5 20\n", 2000000000ull);
	health_proto_compute(&health_default, &h, &a, &b);
	assert_false(h.kpi[PROTO_KPI_RETRANS].known);
	assert_false(h.warn);
	assert_true(counter_rate(5, 2000000000ull) == 2.5);
	assert_true(counter_rate(5, 0) == 0.0);
	counter_snap_release(&a);
	counter_snap_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_new),
		cmocka_unit_test(test_read_old),
		cmocka_unit_test(test_read_missing),
		cmocka_unit_test(test_deltas),
		cmocka_unit_test(test_old_vs_new),
		cmocka_unit_test(test_pairs_edges),
		cmocka_unit_test(test_lines_edges),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_duplicates_and_order),
		cmocka_unit_test(test_health),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
