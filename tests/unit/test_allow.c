// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * alert/allow: parsing of addresses and networks (the refusals with their
 * reason), host bits cleared, matching at prefix boundaries, v4-mapped IPv6
 * addresses against IPv4 entries, and the reason of the entry that matched.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

/* clang-format off: cmocka.h needs the headers above */
#include <cmocka.h>
/* clang-format on */

#include "alert/allow.h"

static const struct allow_entry *match(const struct allow_list *l, const char *text)
{
	uint8_t a[16] = { 0 };
	int family = strchr(text, ':') ? AF_INET6 : AF_INET;

	assert_int_equal(inet_pton(family, text, a), 1);
	return allow_match(l, (uint8_t)family, a);
}

static void test_parse(void **state)
{
	struct strbuf err = STRBUF_INIT;
	uint8_t family, prefix, a[16];

	(void)state;
	assert_int_equal(allow_parse("10.1.2.3/8", &family, a, &prefix, &err), 0);
	assert_int_equal(family, AF_INET);
	assert_int_equal(prefix, 8);
	assert_memory_equal(a, "\x0a\x00\x00\x00", 4); /* host bits cleared */
	assert_int_equal(allow_parse("2001:db8::1", &family, a, &prefix, &err), 0);
	assert_int_equal(family, AF_INET6);
	assert_int_equal(prefix, 128);
	assert_int_equal(allow_parse("10.0.0.0/33", &family, a, &prefix, &err), -EINVAL);
	assert_non_null(strstr(err.buf, "0 to 32"));
	strbuf_reset(&err);
	assert_int_equal(allow_parse("10.0.0.0/", &family, a, &prefix, &err), -EINVAL);
	strbuf_reset(&err);
	assert_int_equal(allow_parse("example.com", &family, a, &prefix, &err), -EINVAL);
	assert_non_null(strstr(err.buf, "'example.com'"));
	strbuf_reset(&err);
	assert_int_equal(allow_parse("", &family, a, &prefix, &err), -EINVAL);
	strbuf_reset(&err);
	assert_int_equal(allow_parse("fe80::/129", &family, a, &prefix, &err), -EINVAL);
	assert_int_equal(allow_parse("1.2.3.4/-1", &family, a, &prefix, &err), -EINVAL);
	assert_int_equal(allow_parse("1.2.3.4/8x", &family, a, &prefix, &err), -EINVAL);
	strbuf_release(&err);
}

static void test_match(void **state)
{
	struct allow_list l;
	struct strbuf err = STRBUF_INIT;

	(void)state;
	allow_init(&l);
	assert_null(match(&l, "10.0.0.1"));
	assert_int_equal(allow_add_text(&l, "192.168.0.0/23", "configured", &err), 0);
	assert_int_equal(allow_add_text(&l, "127.0.0.0/8", "loopback", &err), 0);
	assert_int_equal(allow_add_text(&l, "2001:db8::/33", "local address", &err), 0);
	assert_int_equal(allow_add_text(&l, "10.9.9.9", "SSH session peer", &err), 0);
	assert_int_equal(allow_add_text(&l, "bogus", "x", &err), -EINVAL);
	assert_int_equal(l.nr, 4);
	assert_string_equal(match(&l, "192.168.1.255")->reason, "configured");
	assert_null(match(&l, "192.168.2.0"));
	assert_string_equal(match(&l, "127.255.0.1")->reason, "loopback");
	assert_string_equal(match(&l, "2001:db8:7fff::1")->reason, "local address");
	assert_null(match(&l, "2001:db8:8000::1"));
	assert_string_equal(match(&l, "10.9.9.9")->reason, "SSH session peer");
	assert_null(match(&l, "10.9.9.8"));
	/* a v4-mapped address is an IPv4 address */
	assert_string_equal(match(&l, "::ffff:127.0.0.1")->reason, "loopback");
	assert_null(match(&l, "::ffff:10.9.9.8"));
	allow_clear(&l);
	assert_null(match(&l, "127.0.0.1"));
	allow_release(&l);
	strbuf_release(&err);
}

static void test_zero_prefix(void **state)
{
	struct allow_list l;

	(void)state;
	allow_init(&l);
	assert_int_equal(allow_add_text(&l, "0.0.0.0/0", "configured", NULL), 0);
	assert_non_null(match(&l, "203.0.113.5"));
	assert_null(match(&l, "2001:db8::5"));
	allow_release(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_zero_prefix),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
