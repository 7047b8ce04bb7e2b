// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * collect/localaddr: the default gateways found in recorded /proc/net/route
 * and /proc/net/ipv6_route texts (tests/fixtures/localaddr, from a host with
 * two IPv4 default routes, a device route without a gateway, and an IPv6
 * default route through a link-local router), malformed lines skipped;
 * then the live readers of the test's own namespace (loopback is always
 * one of its addresses).
 */
#include <arpa/inet.h>
#include <errno.h>
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

#include "base/strbuf.h"
#include "collect/localaddr.h"

struct seen {
	char text[8][64];
	size_t nr;
	bool loopback;
};

static void collect(void *ctx, uint8_t family, const uint8_t addr[16], const char *reason)
{
	struct seen *s = ctx;
	char a[INET6_ADDRSTRLEN];

	inet_ntop(family, addr, a, sizeof(a));
	if (!strcmp(a, "127.0.0.1") || !strcmp(a, "::1"))
		s->loopback = true;
	if (s->nr < 8)
		snprintf(s->text[s->nr++], sizeof(s->text[0]), "%s %s", a, reason);
}

static void test_route(void **state)
{
	struct strbuf t = STRBUF_INIT;
	struct seen s = { 0 };

	(void)state;
	assert_int_equal(strbuf_read_file(&t, "../fixtures/localaddr/route", 0), 0);
	assert_int_equal(localaddr_parse_route(t.buf, t.len, collect, &s), 2);
	assert_string_equal(s.text[0], "192.168.1.1 default gateway");
	assert_string_equal(s.text[1], "10.0.0.1 default gateway");
	/* cut anywhere: never reads past the end */
	for (size_t n = 0; n < t.len; n += 7)
		localaddr_parse_route(t.buf, n, collect, &s);
	strbuf_release(&t);
}

static void test_ipv6_route(void **state)
{
	struct strbuf t = STRBUF_INIT;
	struct seen s = { 0 };

	(void)state;
	assert_int_equal(strbuf_read_file(&t, "../fixtures/localaddr/ipv6_route", 0), 0);
	assert_int_equal(localaddr_parse_ipv6_route(t.buf, t.len, collect, &s), 1);
	assert_string_equal(s.text[0], "fe80::1 default gateway");
	assert_int_equal(localaddr_parse_ipv6_route("", 0, collect, &s), 0);
	strbuf_release(&t);
}

static void test_live(void **state)
{
	struct seen s = { 0 };

	(void)state;
	assert_int_equal(localaddr_own(collect, &s), 0);
	assert_true(s.loopback);
	assert_int_equal(localaddr_gateways("/nonexistent", collect, &s), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_route),
		cmocka_unit_test(test_ipv6_route),
		cmocka_unit_test(test_live),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
