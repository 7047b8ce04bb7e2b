// SPDX-License-Identifier: GPL-2.0-or-later
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* clang-format off: cmocka.h needs the headers above */
#include <cmocka.h>
/* clang-format on */

#include "analyze/sock_summary.h"
#include "model/proc_table.h"

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

static void test_states_and_totals(void **state)
{
	struct sock_summary s;
	struct sock_entry e;

	(void)state;
	sock_summary_init(&s, 0, 0);
	e = tcp(SOCK_ST_ESTABLISHED, "10.0.0.1", 22, "10.0.0.2", 5000);
	sock_summary_add(&s, &e);
	sock_summary_add(&s, &e);
	e = tcp(SOCK_ST_TIME_WAIT, "10.0.0.1", 80, "10.0.0.3", 5001);
	sock_summary_add(&s, &e);
	e = tcp(SOCK_ST_NEW_SYN_RECV, "2001:db8::1", 80, "2001:db8::2", 5002);
	sock_summary_add(&s, &e);
	e = tcp(200, "10.0.0.1", 1, "10.0.0.3", 2); /* out-of-range state */
	sock_summary_add(&s, &e);
	e = tcp(SOCK_ST_CLOSE, "0.0.0.0", 53, "0.0.0.0", 0);
	e.proto = PROTO_UDP;
	sock_summary_add(&s, &e);
	memset(&e, 0, sizeof(e));
	e.proto = PROTO_UNIX_STREAM;
	e.family = AF_UNIX;
	e.state = SOCK_ST_ESTABLISHED;
	sock_summary_add(&s, &e);

	assert_int_equal(s.nr_sockets, 7);
	assert_int_equal(s.nr_tcp, 5);
	assert_int_equal(s.by_proto[PROTO_TCP][0], 4);
	assert_int_equal(s.by_proto[PROTO_TCP][1], 1);
	assert_int_equal(s.by_proto[PROTO_UDP][0], 1);
	assert_int_equal(s.by_proto[PROTO_UNIX_STREAM][0], 1);
	assert_int_equal(s.tcp_states[SOCK_ST_ESTABLISHED], 2);
	assert_int_equal(s.tcp_states[SOCK_ST_TIME_WAIT], 1);
	assert_int_equal(s.tcp_states[SOCK_ST_SYN_RECV], 1);
	assert_int_equal(s.tcp_states[SOCK_ST_NEW_SYN_RECV], 0);
	assert_int_equal(s.tcp_states[SOCK_ST_UNKNOWN], 1);
	/* unix and unconnected UDP have no peer; 3 distinct TCP peers */
	assert_int_equal(s.remotes.nr, 3);
	assert_int_equal(s.nr_eph, 0); /* no port range known */
	assert_int_equal(sock_summary_eph_ports(&s), 0);
	sock_summary_release(&s);
}

static void test_listeners(void **state)
{
	struct sock_summary s;
	struct sock_entry e;

	(void)state;
	sock_summary_init(&s, 32768, 60999);
	e = tcp(SOCK_ST_LISTEN, "0.0.0.0", 80, "0.0.0.0", 0);
	e.recv_q = 10;
	e.send_q = 100;
	sock_summary_add(&s, &e);
	e = tcp(SOCK_ST_LISTEN, "::", 443, "::", 0);
	e.recv_q = 90;
	e.send_q = 100;
	e.inode = 77;
	sock_summary_add(&s, &e);
	e = tcp(SOCK_ST_LISTEN, "127.0.0.1", 25, "0.0.0.0", 0);
	e.recv_q = 3;
	e.send_q = 0; /* /proc fallback: backlog unknown */
	sock_summary_add(&s, &e);
	e = tcp(SOCK_ST_LISTEN, "127.0.0.1", 26, "0.0.0.0", 0);
	e.recv_q = 129; /* the kernel lets the queue reach backlog + 1 */
	e.send_q = 128;
	sock_summary_add(&s, &e);

	assert_int_equal(s.nr_listeners, 4);
	assert_int_equal(s.remotes.nr, 0);
	sock_summary_sort_listeners(&s);
	assert_int_equal(s.listeners[0].port, 26);
	assert_int_equal(s.listeners[1].port, 443);
	assert_int_equal(s.listeners[1].inode, 77);
	assert_int_equal(s.listeners[1].family, AF_INET6);
	assert_int_equal(s.listeners[2].port, 80);
	assert_int_equal(s.listeners[3].port, 25);
	assert_true(sock_listener_fill_pct(&s.listeners[0]) > 100.0);
	assert_true(sock_listener_fill_pct(&s.listeners[1]) == 90.0);
	assert_true(sock_listener_fill_pct(&s.listeners[3]) < 0);
	sock_summary_release(&s);
}

static void test_ephemeral(void **state)
{
	struct sock_peer_count *top;
	struct sock_summary s;
	struct sock_entry e;
	size_t n;

	(void)state;
	sock_summary_init(&s, 40000, 40009); /* 10 ports */
	assert_int_equal(sock_summary_eph_ports(&s), 10);
	for (uint16_t p = 40000; p < 40008; p++) {
		e = tcp(SOCK_ST_ESTABLISHED, "10.0.0.1", p, "10.9.9.9", 443);
		sock_summary_add(&s, &e);
	}
	e = tcp(SOCK_ST_TIME_WAIT, "10.0.0.1", 40009, "10.9.9.9", 443);
	sock_summary_add(&s, &e);
	/* same address, other port: another destination */
	e = tcp(SOCK_ST_ESTABLISHED, "10.0.0.1", 40000, "10.9.9.9", 80);
	sock_summary_add(&s, &e);
	/* a v4-mapped peer is the same destination as its IPv4 address */
	e = tcp(SOCK_ST_ESTABLISHED, "::ffff:10.0.0.1", 40001, "::ffff:10.9.9.9", 80);
	sock_summary_add(&s, &e);
	/* server side: local port 443 is not ephemeral */
	e = tcp(SOCK_ST_ESTABLISHED, "10.0.0.1", 443, "10.7.7.7", 40000);
	sock_summary_add(&s, &e);
	/* the range bounds are inclusive; 39999 and 40010 are outside */
	e = tcp(SOCK_ST_ESTABLISHED, "10.0.0.1", 39999, "10.9.9.9", 443);
	sock_summary_add(&s, &e);
	e = tcp(SOCK_ST_ESTABLISHED, "10.0.0.1", 40010, "10.9.9.9", 443);
	sock_summary_add(&s, &e);

	assert_int_equal(s.nr_eph, 11);
	assert_int_equal(s.eph.nr, 2);
	n = sock_summary_top(&s.eph, 10, &top);
	assert_int_equal(n, 2);
	assert_int_equal(top[0].count, 9);
	assert_int_equal(top[0].port, 443);
	assert_int_equal(top[0].family, AF_INET);
	assert_int_equal(top[1].count, 2);
	assert_int_equal(top[1].port, 80);
	free(top);

	n = sock_summary_top(&s.remotes, 1, &top);
	assert_int_equal(n, 1);
	assert_int_equal(top[0].count, 13);
	assert_memory_equal(top[0].addr, "\x0a\x09\x09\x09", 4);
	free(top);
	sock_summary_release(&s);
}

static void test_top_many(void **state)
{
	struct sock_peer_count *top;
	struct sock_summary s;
	struct sock_entry e;
	size_t n;

	(void)state;
	sock_summary_init(&s, 0, 0);
	/* 1000 peers; peer i has (i % 37) + 1 connections: forces table growth */
	for (uint32_t i = 0; i < 1000; i++) {
		e = tcp(SOCK_ST_ESTABLISHED, "2001:db8::1", 22, "2001:db8::", 1);
		e.remote[14] = (uint8_t)(i >> 8);
		e.remote[15] = (uint8_t)i;
		for (uint32_t k = 0; k <= i % 37; k++)
			sock_summary_add(&s, &e);
	}
	assert_int_equal(s.remotes.nr, 1000);
	n = sock_summary_top(&s.remotes, 10, &top);
	assert_int_equal(n, 10);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(top[i].count, 37);
		if (i)
			assert_true(memcmp(top[i - 1].addr, top[i].addr, 16) < 0);
	}
	/* lowest address with 37 connections is i = 36 */
	assert_int_equal(top[0].addr[15], 36);
	free(top);
	n = sock_summary_top(&s.remotes, 5000, &top);
	assert_int_equal(n, 1000);
	for (size_t i = 1; i < n; i++)
		assert_true(top[i - 1].count >= top[i].count);
	free(top);
	n = sock_summary_top(&s.eph, 10, &top);
	assert_int_equal(n, 0);
	assert_null(top);
	sock_summary_release(&s);
}

static void test_close_wait_procs(void **state)
{
	struct sock_proc_count *procs;
	struct proc_table t;
	struct sock_summary s;
	struct sock_entry e;
	uint64_t unmapped;
	uint32_t nginx, java;
	size_t nr;

	(void)state;
	sock_summary_init(&s, 0, 0);
	proc_table_init(&t);
	for (uint64_t ino = 100; ino < 106; ino++) {
		e = tcp(SOCK_ST_CLOSE_WAIT, "10.0.0.1", 80, "10.0.0.2", (uint16_t)(1000 + ino));
		e.inode = ino;
		sock_summary_add(&s, &e);
	}
	e = tcp(SOCK_ST_CLOSE_WAIT, "10.0.0.1", 80, "10.0.0.2", 999);
	sock_summary_add(&s, &e); /* inode 0: not kept */
	assert_int_equal(s.tcp_states[SOCK_ST_CLOSE_WAIT], 7);
	assert_int_equal(s.nr_cw_inodes, 6);

	nginx = proc_table_add_comm(&t, "nginx");
	java = proc_table_add_comm(&t, "java");
	proc_table_add(&t, 100, 10, 3, nginx);
	proc_table_add(&t, 101, 10, 4, nginx);
	proc_table_add(&t, 101, 10, 9, nginx); /* dup'ed fd: still one socket */
	proc_table_add(&t, 102, 11, 4, nginx); /* forked worker shares it */
	proc_table_add(&t, 102, 10, 5, nginx);
	proc_table_add(&t, 103, 20, 7, java);
	proc_table_add(&t, 999, 30, 7, java); /* not CLOSE_WAIT */

	sock_summary_cw_procs(&s, &t, &procs, &nr, &unmapped);
	assert_int_equal(nr, 3);
	assert_int_equal(unmapped, 2); /* 104, 105 */
	assert_int_equal(procs[0].pid, 10);
	assert_int_equal(procs[0].count, 3);
	assert_string_equal(procs[0].comm, "nginx");
	assert_int_equal(procs[1].pid, 11);
	assert_int_equal(procs[1].count, 1);
	assert_int_equal(procs[2].pid, 20);
	assert_string_equal(procs[2].comm, "java");
	free(procs);

	proc_table_reset(&t);
	sock_summary_cw_procs(&s, &t, &procs, &nr, &unmapped);
	assert_int_equal(nr, 0);
	assert_null(procs);
	assert_int_equal(unmapped, 6);
	proc_table_release(&t);
	sock_summary_release(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_states_and_totals), cmocka_unit_test(test_listeners),
		cmocka_unit_test(test_ephemeral),	  cmocka_unit_test(test_top_many),
		cmocka_unit_test(test_close_wait_procs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
