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

#include "ui/flow_render.h"
#include "ui/iface_render.h"
#include "ui/proc_render.h"
#include "ui/sock_render.h"
#include "ui/term.h"

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

/* ---- text from other users: escaped in every renderer ---- */

#define EVIL	 "evil\x1b[2Jname\xff"
#define EVIL_TXT "evil\\x1b[2Jname\\xff"
#define EVIL_JS	 "evil\\\\x1b[2Jname\\\\xff"

/* No byte a terminal acts on: below 0x20 (but the newline), 0x7f, 0x9b. */
static void assert_terminal_safe(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p < 0x20 && *p != '\n') || *p == 0x7f || *p == 0x9b || *p == 0xff)
			fail_msg("byte 0x%02x at %zu", *p, (size_t)(p - (const unsigned char *)s));
}

static void test_sockets_hostile_names(void **state)
{
	struct proc_table t;
	struct sock_render_opts o = {
		.format = RENDER_TABLE, .processes = true, .procs = &t, .no_header = true
	};
	struct sock_entry s = { .proto = PROTO_UNIX_STREAM,
				.family = AF_UNIX,
				.state = SOCK_ST_LISTEN,
				.inode = 9,
				.unix_path = "a\xff\x1b[31mb\0c",
				.unix_path_len = 10,
				.unix_abstract = true };
	const char *got;

	(void)state;
	proc_table_init(&t);
	proc_table_add(&t, 9, 100, 4, proc_table_add_comm(&t, EVIL));
	got = render(&o, &s, 1);
	assert_terminal_safe(got);
	/* the path's column is padded by what the terminal shows (25 columns) */
	assert_string_equal(got,
			    "0      0      @a\\xff\\x1b[31mb\\x00c 9   * 0                     "
			    " users:((\"" EVIL_TXT "\",pid=100,fd=4))\n");
	o.format = RENDER_JSON;
	got = render(&o, &s, 1);
	assert_non_null(strstr(got, "\"local_addr\":\"@a\\\\xff\\\\x1b[31mb\\\\x00c\""));
	assert_non_null(strstr(got, "\"comm\":\"" EVIL_JS "\""));
	o.format = RENDER_CSV;
	got = render(&o, &s, 1);
	assert_terminal_safe(got);
	assert_non_null(strstr(got, ",@a\\xff\\x1b[31mb\\x00c,9,"));
	assert_non_null(strstr(got, "," EVIL_TXT "/100\n"));
	proc_table_release(&t);
}

static void test_sockets_wide_path(void **state)
{
	struct sock_render_opts o = { .format = RENDER_TABLE, .no_header = true };
	struct sock_entry s = { .proto = PROTO_UNIX_STREAM,
				.family = AF_UNIX,
				.state = SOCK_ST_LISTEN,
				.inode = 9,
				.unix_path = "/run/日本",
				.unix_path_len = strlen("/run/日本") };

	(void)state;
	/* "/run/日本 9" takes 11 columns: 14 spaces fill the column of 25 */
	assert_string_equal(render(&o, &s, 1), "0      0      /run/日本 9              * 0\n");
}

/* Renders through a temp file: fn(ob, arg). */
static char *capture(void (*fn)(struct outbuf *, const void *), const void *arg)
{
	static char got[16384];
	FILE *f = tmpfile();
	struct outbuf ob;
	size_t n;

	assert_non_null(f);
	outbuf_init(&ob, fileno(f), 4096);
	fn(&ob, arg);
	outbuf_release(&ob);
	rewind(f);
	n = fread(got, 1, sizeof(got) - 1, f);
	got[n] = '\0';
	fclose(f);
	return got;
}

static void procs_table(struct outbuf *ob, const void *v)
{
	proc_render_table(ob, v, false, 0, TERM_WIDTH_FULL);
}

static void procs_json(struct outbuf *ob, const void *v)
{
	proc_render_json(ob, v);
}

static void procs_csv(struct outbuf *ob, const void *v)
{
	proc_render_csv(ob, v, false);
}

static void test_procs_hostile_names(void **state)
{
	struct proc_row rows[] = {
		{ .pid = 42, .uid = 7, .user = "bob\x1b", .comm = EVIL, .command = "" },
		/* 20 wide characters (40 columns): cut to whole characters */
		{ .pid = 43,
		  .uid = 7,
		  .comm = "x",
		  .command = "日日日日日日日日日日日日日日日日日日日日",
		  .exited = true },
	};
	struct proc_view v = { .engine = "tcpinfo", .rows = rows, .nr_rows = 2, .dev = "e\x9b" };
	const char *got;

	(void)state;
	got = capture(procs_table, &v);
	assert_terminal_safe(got);
	/* the full layout: USER 8, PROGRAM 40, DEV 8 */
	assert_non_null(
		strstr(got, "\n     42 bob\\x1b  " EVIL_TXT "                      e\\x9b    "));
	/* [exited] (9 columns) + 15 characters (30) + 1 space = 40, then the separator */
	assert_non_null(strstr(
		got, "\n     43 7        [exited] 日日日日日日日日日日日日日日日  e\\x9b    "));
	got = capture(procs_json, &v);
	assert_non_null(strstr(got, "\"user\":\"bob\\\\x1b\",\"comm\":\"" EVIL_JS "\""));
	assert_non_null(strstr(got, "\"dev\":\"e\\\\x9b\""));
	got = capture(procs_csv, &v);
	assert_terminal_safe(got);
	assert_non_null(strstr(got, "42,bob\\x1b,7," EVIL_TXT ",,e\\x9b,"));
}

static void ifaces_text(struct outbuf *ob, const void *rates)
{
	struct iface_render r;
	struct iface_block b = { .label = "12:00:00", .time_utc = "2026-01-01T12:00:00Z" };

	iface_render_init(&r, ob, IFACE_RENDER_TEXT);
	iface_render_block(&r, &b, rates);
}

static void ifaces_json(struct outbuf *ob, const void *rates)
{
	struct iface_render r;
	struct iface_block b = { .label = "12:00:00", .time_utc = "2026-01-01T12:00:00Z" };

	iface_render_init(&r, ob, IFACE_RENDER_JSON);
	iface_render_block(&r, &b, rates);
}

static void test_ifaces_hostile_name(void **state)
{
	struct iface_rate row = { .s = { .name = "et\x1b[2J\xff", .speed_mbps = -1 },
				  .state = IFACE_RATE_OK };
	struct iface_rates rates = { .v = &row, .nr = 1, .interval_ns = 1000000000 };
	const char *got;

	(void)state;
	got = capture(ifaces_text, &rates);
	assert_terminal_safe(got);
	/* 13 columns of name, 2 spaces of padding, then the first rate column (7 wide) */
	assert_non_null(strstr(got, "\n12:00:00 et\\x1b[2J\\xff      0.00"));
	got = capture(ifaces_json, &rates);
	assert_non_null(strstr(got, "{\"name\":\"et\\\\x1b[2J\\\\xff\""));
}

static void flows_screen(struct outbuf *ob, const void *rep)
{
	flow_render_screen(ob, rep, 24, 40);
}

static void test_flows_hostile_names(void **state)
{
	struct flow_report r = { .ifname = "日\x1b[2J", .filter = "port 1", .sort = "2s" };
	const char *got, *title;

	(void)state;
	got = capture(flows_screen, &r);
	title = strstr(got, "connmon flows on ");
	assert_non_null(title);
	/* the screen's own ANSI codes stay; the name's ESC is escaped */
	assert_non_null(strstr(title, "connmon flows on 日\\x1b[2J, filter: port\x1b[K\n"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_json_processes_and_unix),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_timer_text),
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_short_tcp_info),
		cmocka_unit_test(test_sockets_hostile_names),
		cmocka_unit_test(test_sockets_wide_path),
		cmocka_unit_test(test_procs_hostile_names),
		cmocka_unit_test(test_ifaces_hostile_name),
		cmocka_unit_test(test_flows_hostile_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
