// SPDX-License-Identifier: GPL-2.0-or-later
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "analyze/sock_group.h"

static struct sock_entry tcp4(const char *laddr, uint16_t lport, const char *raddr, uint16_t rport,
			      uint8_t state)
{
	struct sock_entry s = { .proto = PROTO_TCP, .family = AF_INET, .state = state };

	inet_pton(AF_INET, laddr, s.local);
	inet_pton(AF_INET, raddr, s.remote);
	s.lport = lport;
	s.rport = rport;
	return s;
}

static void test_spec_parse(void **state)
{
	struct group_spec g;

	(void)state;
	assert_int_equal(group_spec_parse(&g, "raddr"), 0);
	assert_int_equal(g.key, GROUP_RADDR);
	assert_int_equal(g.prefix_v4, 32);
	assert_int_equal(group_spec_parse(&g, "raddr/24"), 0);
	assert_int_equal(g.prefix_v4, 24);
	assert_int_equal(g.prefix_v6, 128);
	assert_int_equal(group_spec_parse(&g, "laddr/16,48"), 0);
	assert_int_equal(g.prefix_v6, 48);
	assert_int_equal(group_spec_parse(&g, "raddr/64"), 0);
	assert_int_equal(g.prefix_v4, 32);
	assert_int_equal(g.prefix_v6, 64);
	assert_int_equal(group_spec_parse(&g, "state"), 0);
	assert_int_equal(group_spec_parse(&g, "state/24"), -EINVAL);
	assert_int_equal(group_spec_parse(&g, "raddr/"), -EINVAL);
	assert_int_equal(group_spec_parse(&g, "raddr/33,"), -EINVAL);
	assert_int_equal(group_spec_parse(&g, "raddr/200"), -EINVAL);
	assert_int_equal(group_spec_parse(&g, "nosuch"), -EINVAL);
	assert_int_equal(group_spec_parse(&g, ""), -EINVAL);
}

static void test_group_raddr_prefix(void **state)
{
	struct group_spec spec;
	struct sock_group g;
	const struct group_row *rows;
	char key[256];
	size_t n, len;

	(void)state;
	assert_int_equal(group_spec_parse(&spec, "raddr/24"), 0);
	sock_group_init(&g, &spec, NULL);
	for (int i = 0; i < 1000; i++) {
		struct sock_entry s = tcp4("10.0.0.1", 80, i % 3 ? "10.1.2.3" : "10.9.9.9",
					   (uint16_t)(1000 + i), SOCK_ST_ESTABLISHED);

		s.remote[3] = (uint8_t)i; /* same /24, different hosts */
		sock_group_account(&g, &s);
	}
	n = sock_group_sorted(&g, &rows);
	assert_int_equal(n, 2);
	assert_int_equal(rows[0].count, 666);
	assert_int_equal(rows[1].count, 334);
	len = sock_group_format_key(&g, &rows[0], key);
	key[len] = '\0';
	assert_string_equal(key, "10.1.2.0/24");
	len = sock_group_format_key(&g, &rows[1], key);
	key[len] = '\0';
	assert_string_equal(key, "10.9.9.0/24");
	assert_int_equal(g.total, 1000);
	sock_group_release(&g);
}

static void test_group_state_and_ports(void **state)
{
	struct group_spec spec;
	struct sock_group g;
	const struct group_row *rows;
	char key[256];
	size_t len;

	(void)state;
	assert_int_equal(group_spec_parse(&spec, "state"), 0);
	sock_group_init(&g, &spec, NULL);
	for (int i = 0; i < 10; i++) {
		struct sock_entry s = tcp4("10.0.0.1", 80, "10.0.0.2", 5000,
					   i < 7 ? SOCK_ST_TIME_WAIT : SOCK_ST_ESTABLISHED);

		sock_group_account(&g, &s);
	}
	{
		/* IPv6 sockets in the same state count in the same row */
		struct sock_entry s6 = tcp4("10.0.0.1", 80, "10.0.0.2", 5000, SOCK_ST_TIME_WAIT);

		s6.family = AF_INET6;
		sock_group_account(&g, &s6);
	}
	assert_int_equal(sock_group_sorted(&g, &rows), 2);
	len = sock_group_format_key(&g, &rows[0], key);
	key[len] = '\0';
	assert_string_equal(key, "TIME-WAIT");
	assert_int_equal(rows[0].count, 8);
	sock_group_release(&g);

	assert_int_equal(group_spec_parse(&spec, "pair"), 0);
	sock_group_init(&g, &spec, NULL);
	{
		struct sock_entry s = tcp4("10.0.0.1", 80, "10.0.0.2", 5000, 1);

		sock_group_account(&g, &s);
	}
	assert_int_equal(sock_group_sorted(&g, &rows), 1);
	len = sock_group_format_key(&g, &rows[0], key);
	key[len] = '\0';
	assert_string_equal(key, "10.0.0.1 -> 10.0.0.2");
	sock_group_release(&g);
}

static void test_group_proc(void **state)
{
	struct group_spec spec;
	struct sock_group g;
	struct proc_table t;
	const struct group_row *rows;
	char key[256];
	size_t len;

	(void)state;
	proc_table_init(&t);
	proc_table_add(&t, 100, 42, 3, proc_table_add_comm(&t, "nginx"));
	assert_int_equal(group_spec_parse(&spec, "proc"), 0);
	sock_group_init(&g, &spec, &t);
	for (int i = 0; i < 3; i++) {
		struct sock_entry s = tcp4("10.0.0.1", 80, "10.0.0.2", 5000, 1);

		s.inode = i ? 100 : 999;
		sock_group_account(&g, &s);
	}
	assert_int_equal(sock_group_sorted(&g, &rows), 2);
	len = sock_group_format_key(&g, &rows[0], key);
	key[len] = '\0';
	assert_string_equal(key, "nginx/42");
	len = sock_group_format_key(&g, &rows[1], key);
	key[len] = '\0';
	assert_string_equal(key, "-");
	sock_group_release(&g);
	proc_table_release(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec_parse),
		cmocka_unit_test(test_group_raddr_prefix),
		cmocka_unit_test(test_group_state_and_ports),
		cmocka_unit_test(test_group_proc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
