// SPDX-License-Identifier: GPL-2.0-or-later
// clang-format off: cmocka.h needs these system headers first
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
// clang-format on

#include "base/services.h"

static const char sample[] = "# Network services, Internet style\n"
			     "tcpmux\t\t1/tcp\t\t\t\t# TCP port service multiplexer\n"
			     "ssh\t\t22/tcp\t\t\t\t# SSH Remote Login Protocol\n"
			     "domain\t\t53/tcp\n"
			     "domain\t\t53/udp\n"
			     "http\t\t80/tcp\t\twww\t\t# WorldWideWeb HTTP\n"
			     "www-alt\t\t80/tcp\n"
			     "bogus\t\t99999/tcp\n"
			     "sctponly\t9/sctp\n"
			     "noport\n"
			     "   \n"
			     "syslog\t\t514/udp\n"
			     "shell\t\t514/tcp\t\tcmd\r\n"
			     "last 65535/udp";

static void test_parse(void **state)
{
	struct services s;
	uint16_t port = 0;

	(void)state;
	services_init(&s);
	services_parse(&s, sample, sizeof(sample) - 1);
	assert_string_equal(services_name(&s, 22, 0), "ssh");
	assert_null(services_name(&s, 22, 1));
	assert_string_equal(services_name(&s, 53, 1), "domain");
	assert_string_equal(services_name(&s, 80, 0), "http"); /* first line wins */
	assert_string_equal(services_name(&s, 514, 1), "syslog");
	assert_string_equal(services_name(&s, 514, 0), "shell");
	assert_string_equal(services_name(&s, 65535, 1), "last");
	assert_null(services_name(&s, 9, 0));
	assert_int_equal(services_port(&s, "ssh", &port), 0);
	assert_int_equal(port, 22);
	assert_int_equal(services_port(&s, "www", &port), 0); /* alias */
	assert_int_equal(port, 80);
	assert_int_equal(services_port(&s, "cmd", &port), 0);
	assert_int_equal(port, 514);
	assert_int_equal(services_port(&s, "syslog", &port), 0);
	assert_int_equal(port, 514);
	assert_int_equal(services_port_proto(&s, "syslog", 0, &port), -ENOENT);
	assert_int_equal(services_port(&s, "bogus", &port), -ENOENT);
	assert_int_equal(services_port(&s, "sctponly", &port), -ENOENT);
	assert_int_equal(services_port(&s, "noport", &port), -ENOENT);
	services_release(&s);
}

static void test_empty_and_missing(void **state)
{
	struct services s;
	uint16_t port;

	(void)state;
	services_init(&s);
	assert_null(services_name(&s, 22, 0));
	assert_int_equal(services_port(&s, "ssh", &port), -ENOENT);
	assert_true(services_load(&s, "/nonexistent/services") < 0);
	services_parse(&s, "", 0);
	assert_null(services_name(&s, 22, 0));
	services_release(&s);
}

static void test_system_file(void **state)
{
	struct services s;
	uint16_t port;

	(void)state;
	services_init(&s);
	if (services_load(&s, "/etc/services") == 0) {
		assert_int_equal(services_port(&s, "ssh", &port), 0);
		assert_int_equal(port, 22);
		assert_string_equal(services_name(&s, 443, 0), "https");
	}
	services_release(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_empty_and_missing),
		cmocka_unit_test(test_system_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
