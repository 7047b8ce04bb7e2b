// SPDX-License-Identifier: GPL-2.0-or-later
/* The /proc/net fallback, on copies recorded by tests/fixtures/record.sh. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* cmocka needs these first. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
// clang-format on

#include "collect/procnet.h"

#define ROOT	 "../fixtures/procnet"
#define MAX_SEEN 32

struct seen {
	struct sock_entry s[MAX_SEEN];
	char path[MAX_SEEN][64];
	unsigned n;
};

static int collect(const struct sock_entry *s, void *arg)
{
	struct seen *x = arg;

	if (x->n < MAX_SEEN) {
		x->s[x->n] = *s;
		if (s->unix_path && s->unix_path_len < 64) {
			memcpy(x->path[x->n], s->unix_path, s->unix_path_len);
			x->path[x->n][s->unix_path_len] = '\0';
		}
		x->s[x->n].unix_path = x->path[x->n];
	}
	x->n++;
	return 0;
}

static const struct sock_entry *find(const struct seen *x, int family, uint8_t state,
				     uint16_t lport, uint16_t rport)
{
	for (unsigned i = 0; i < x->n && i < MAX_SEEN; i++)
		if (x->s[i].family == family && x->s[i].state == state && x->s[i].lport == lport &&
		    (rport == 0xffff || x->s[i].rport == rport))
			return &x->s[i];
	return NULL;
}

static void test_tcp(void **state)
{
	struct sockdiag_query q = { .protos = PROTO_BIT(PROTO_TCP),
				    .want_v4 = true,
				    .want_v6 = true };
	struct sockdiag_stats st;
	struct seen x = { 0 };
	const struct sock_entry *s;
	const uint8_t lo4[4] = { 127, 0, 0, 1 };
	const uint8_t lo6[16] = { [15] = 1 };

	(void)state;
	assert_int_equal(procnet_dump(ROOT, &q, collect, &x, &st), 0);
	assert_int_equal(x.n, 7);
	assert_int_equal(st.nr_bad, 0);
	s = find(&x, AF_INET, SOCK_ST_LISTEN, 7001, 0);
	assert_non_null(s);
	assert_memory_equal(s->local, lo4, 4);
	assert_int_equal(s->inode, 830005);
	s = find(&x, AF_INET, SOCK_ST_ESTABLISHED, 7001, 0xffff);
	assert_non_null(s);
	assert_int_equal(s->recv_q, 100);
	assert_int_equal(s->inode, 830007);
	assert_memory_equal(s->remote, lo4, 4);
	s = find(&x, AF_INET, SOCK_ST_TIME_WAIT, 0xa29e, 7001);
	assert_non_null(s);
	assert_int_equal(s->timer, SOCK_TIMER_TIMEWAIT);
	assert_int_equal(s->expires_ms, 0x16ff * 10);
	s = find(&x, AF_INET6, SOCK_ST_LISTEN, 7002, 0);
	assert_non_null(s);
	assert_memory_equal(s->local, lo6, 16);

	/* The state mask applies. */
	memset(&x, 0, sizeof(x));
	q.states = SOCK_STATE_BIT(SOCK_ST_LISTEN);
	assert_int_equal(procnet_dump(ROOT, &q, collect, &x, &st), 0);
	assert_int_equal(x.n, 2);
}

static void test_udp_raw_unix(void **state)
{
	struct sockdiag_query q = { .protos = PROTO_BIT(PROTO_UDP) | PROTO_BIT(PROTO_RAW) |
					      PROTO_UNIX_MASK,
				    .want_v4 = true };
	struct sockdiag_stats st;
	struct seen x = { 0 };
	const struct sock_entry *s;

	(void)state;
	assert_int_equal(procnet_dump(ROOT, &q, collect, &x, &st), 0);
	s = find(&x, AF_INET, SOCK_ST_CLOSE, 7003, 0);
	assert_non_null(s);
	assert_int_equal(s->proto, PROTO_UDP);
	assert_null(find(&x, AF_INET6, SOCK_ST_CLOSE, 7004, 0)); /* v4 only */
	s = find(&x, AF_INET, SOCK_ST_CLOSE, 1, 0);		 /* raw ICMP: port = protocol */
	assert_non_null(s);
	assert_int_equal(s->proto, PROTO_RAW);
	assert_int_equal(s->inode, 830015);
	s = NULL;
	for (unsigned i = 0; i < x.n; i++)
		if (x.s[i].unix_abstract && !strcmp(x.path[i], "cmtest-abs"))
			s = &x.s[i];
	assert_non_null(s);
	assert_int_equal(s->state, SOCK_ST_LISTEN);
	assert_int_equal(s->inode, 830017);
	assert_int_equal(x.n, 1 + 1 + 5); /* udp v4, raw v4, five unix lines */
}

static void test_lines(void **state)
{
	static const char good[] =
		"   1: 0100007F:A29C 0100007F:1B59 01 00000010:00000020 02:0000000A 00000003  1000 "
		"0 830006 1 0000000040ba8c05 20 0 0 11 -1";
	struct sock_entry s;

	(void)state;
	assert_int_equal(procnet_parse_inet_line(good, strlen(good), PROTO_TCP, AF_INET, &s), 0);
	assert_int_equal(s.lport, 0xa29c);
	assert_int_equal(s.rport, 7001);
	assert_int_equal(s.send_q, 16);
	assert_int_equal(s.recv_q, 32);
	assert_int_equal(s.timer, SOCK_TIMER_KEEPALIVE);
	assert_int_equal(s.expires_ms, 100);
	assert_int_equal(s.retrans, 3);
	assert_int_equal(s.uid, 1000);
	/* Every prefix is refused or parsed; none is read past. */
	for (size_t l = 0; l < sizeof(good) - 1; l++) {
		char *cut = malloc(l + 1);

		memcpy(cut, good, l);
		(void)procnet_parse_inet_line(cut, l, PROTO_TCP, AF_INET, &s);
		(void)procnet_parse_unix_line(cut, l, &s);
		free(cut);
	}
	assert_int_equal(procnet_parse_inet_line("garbage", 7, PROTO_TCP, AF_INET, &s), -EBADMSG);
	assert_int_equal(procnet_parse_unix_line("0: 1 2 3 0009 01 5", 18, &s), -EBADMSG);
}

static void test_missing_root(void **state)
{
	struct sockdiag_query q = { .protos = PROTO_BIT(PROTO_TCP), .want_v4 = true };
	struct sockdiag_stats st;
	struct seen x = { 0 };

	(void)state;
	assert_int_equal(procnet_dump("/nonexistent-cm", &q, collect, &x, &st), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp),
		cmocka_unit_test(test_udp_raw_unix),
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_missing_root),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
