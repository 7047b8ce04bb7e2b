// SPDX-License-Identifier: GPL-2.0-or-later
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "ui/sock_render.h"

/* Renders socks through a temp file and returns what was written. */
static char *render(const struct sock_render_opts *o, const struct sock_entry *socks, size_t nr)
{
	static char got[8192];
	FILE *f = tmpfile();
	struct outbuf ob;
	struct sock_render r;
	size_t n;

	assert_non_null(f);
	outbuf_init(&ob, fileno(f), 4096);
	sock_render_init(&r, &ob, o);
	sock_render_begin(&r);
	for (size_t i = 0; i < nr; i++)
		sock_render_one(&r, &socks[i]);
	sock_render_end(&r);
	outbuf_release(&ob);
	rewind(f);
	n = fread(got, 1, sizeof(got) - 1, f);
	got[n] = '\0';
	fclose(f);
	return got;
}

static struct sock_entry estab4(void)
{
	struct sock_entry s = {
		.proto = PROTO_TCP,
		.family = AF_INET,
		.state = SOCK_ST_ESTABLISHED,
		.lport = 22,
		.rport = 51000,
		.recv_q = 5,
		.send_q = 7,
		.uid = 1000,
		.inode = 4242,
		.cookie = 77,
	};

	inet_pton(AF_INET, "10.0.0.1", s.local);
	inet_pton(AF_INET, "10.0.0.2", s.remote);
	return s;
}

static void test_json(void **state)
{
	struct sock_render_opts o = { .format = RENDER_JSON };
	struct sock_entry s[2] = { estab4(), estab4() };
	const char *got;

	(void)state;
	s[1].family = AF_INET6;
	s[1].proto = PROTO_UDP;
	s[1].state = SOCK_ST_CLOSE;
	memset(s[1].local, 0, 16);
	inet_pton(AF_INET6, "2001:db8::1", s[1].remote);
	got = render(&o, s, 2);
	assert_string_equal(got,
			    "[\n{\"proto\":\"tcp\",\"family\":\"inet\",\"state\":\"ESTABLISHED\","
			    "\"local_addr\":\"10.0.0.1\",\"local_port\":22,"
			    "\"remote_addr\":\"10.0.0.2\",\"remote_port\":51000,\"recv_q\":5,"
			    "\"send_q\":7,\"uid\":1000,\"inode\":4242,\"cookie\":77},\n"
			    "{\"proto\":\"udp\",\"family\":\"inet6\",\"state\":\"UNCONN\","
			    "\"local_addr\":\"::\",\"local_port\":22,"
			    "\"remote_addr\":\"2001:db8::1\",\"remote_port\":51000,\"recv_q\":5,"
			    "\"send_q\":7,\"uid\":1000,\"inode\":4242,\"cookie\":77}\n]\n");
	assert_string_equal(render(&o, s, 0), "[]\n");
}

static void test_json_processes_and_unix(void **state)
{
	struct proc_table t;
	struct sock_render_opts o = { .format = RENDER_JSON, .processes = true, .procs = &t };
	struct sock_entry s = { .proto = PROTO_UNIX_STREAM,
				.family = AF_UNIX,
				.state = SOCK_ST_LISTEN,
				.inode = 9,
				.unix_path = "/run/a\"b",
				.unix_path_len = 8 };

	(void)state;
	proc_table_init(&t);
	proc_table_add(&t, 9, 100, 4, proc_table_add_comm(&t, "sshd"));
	assert_string_equal(
		render(&o, &s, 1),
		"[\n{\"proto\":\"u_str\",\"family\":\"unix\",\"state\":\"LISTEN\","
		"\"local_addr\":\"/run/a\\\"b\",\"local_port\":9,\"remote_addr\":\"*\","
		"\"remote_port\":0,\"recv_q\":0,\"send_q\":0,\"uid\":0,\"inode\":9,"
		"\"cookie\":0,\"processes\":[{\"pid\":100,\"fd\":4,\"comm\":\"sshd\"}]}\n]\n");
	o.format = RENDER_TABLE;
	o.no_header = true;
	proc_table_add(&t, 9, 101, 7, proc_table_add_comm(&t, "sshd"));
	/* ss's form; the newest ref comes first */
	assert_non_null(strstr(render(&o, &s, 1),
			       "users:((\"sshd\",pid=101,fd=7),(\"sshd\",pid=100,fd=4))\n"));
	proc_table_release(&t);
}

static void test_table(void **state)
{
	struct sock_render_opts o = { .format = RENDER_TABLE, .show_state = true, .numeric = true };
	struct sock_entry s = estab4();
	const char *got;

	(void)state;
	got = render(&o, &s, 1);
	assert_string_equal(got,
			    "State      Recv-Q Send-Q Local Address:Port       Peer Address:Port\n"
			    "ESTAB      5      7      10.0.0.1:22              10.0.0.2:51000\n");
	o.no_header = true;
	o.show_state = false;
	s.family = AF_INET6;
	inet_pton(AF_INET6, "::1", s.local);
	memset(s.remote, 0, 16);
	s.rport = 0;
	got = render(&o, &s, 1);
	assert_string_equal(got, "5      7      [::1]:22                 [::]:*\n");
}

static void test_timer_text(void **state)
{
	struct sock_render_opts o = {
		.format = RENDER_TABLE, .numeric = true, .timers = true, .no_header = true
	};
	struct sock_entry s = estab4();

	(void)state;
	s.has |= SOCK_HAS_TIMER;
	s.timer = SOCK_TIMER_KEEPALIVE;
	s.expires_ms = 2 * 60000 + 3000 + 40;
	s.retrans = 1;
	assert_non_null(strstr(render(&o, &s, 1), " timer:(keepalive,2min3sec40ms,1)\n"));
	s.timer = SOCK_TIMER_ON;
	s.expires_ms = 200;
	assert_non_null(strstr(render(&o, &s, 1), " timer:(on,200ms,1)\n"));
	s.timer = SOCK_TIMER_NONE;
	assert_null(strstr(render(&o, &s, 1), "timer"));
}

static void test_csv(void **state)
{
	struct sock_render_opts o = { .format = RENDER_CSV };
	struct sock_entry s = estab4();

	(void)state;
	assert_string_equal(render(&o, &s, 1),
			    "proto,family,state,local_addr,local_port,remote_addr,remote_port,"
			    "recv_q,send_q,uid,inode,cookie\n"
			    "tcp,inet,ESTABLISHED,10.0.0.1,22,10.0.0.2,51000,5,7,1000,4242,77\n");
}

static void test_short_tcp_info(void **state)
{
	struct sock_render_opts o = { .format = RENDER_JSON, .info = true };
	struct sock_entry s = estab4();
	const char *got;

	(void)state;
	s.has |= SOCK_HAS_INFO;
	s.tcpi_len = 104; /* an old kernel: no pacing rate, no byte counters */
	s.tcpi.tcpi_rtt = 1234;
	s.tcpi.tcpi_bytes_acked = 99; /* beyond tcpi_len: must not be shown */
	got = render(&o, &s, 1);
	assert_non_null(strstr(got, "\"rtt_us\":1234"));
	assert_null(strstr(got, "bytes_acked"));
	s.tcpi_len = sizeof(s.tcpi);
	got = render(&o, &s, 1);
	assert_non_null(strstr(got, "\"bytes_acked\":99"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json),  cmocka_unit_test(test_json_processes_and_unix),
		cmocka_unit_test(test_table), cmocka_unit_test(test_timer_text),
		cmocka_unit_test(test_csv),   cmocka_unit_test(test_short_tcp_info),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
