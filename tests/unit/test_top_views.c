// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The traffic and alert views of `connmon top` (app/top_views_int.h):
 * addresses made comparable, narrowings, durations, and each view fed as
 * top feeds it (packets, sockets, a database) and read back from its table.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

/* cmocka needs these first. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
// clang-format on

#include "app/top_views_int.h"
#include "model/alert.h"
#include "store/store.h"

#define NS 1000000000ull

static void v4(uint8_t out[16], const char *text)
{
	memset(out, 0, 16);
	assert_int_equal(inet_pton(AF_INET, text, out), 1);
}

static void v6(uint8_t out[16], const char *text)
{
	assert_int_equal(inet_pton(AF_INET6, text, out), 1);
}

static void test_addr_canon(void **state)
{
	uint8_t a[16], b[16], out[16];

	(void)state;
	v6(a, "::ffff:192.0.2.7");
	assert_int_equal(top_addr_canon(AF_INET6, a, out), AF_INET);
	v4(b, "192.0.2.7");
	assert_memory_equal(out, b, 16);
	memset(b + 4, 0xee, 12); /* an IPv4 address's tail is not part of it */
	assert_int_equal(top_addr_canon(AF_INET, b, out), AF_INET);
	assert_true(top_addr_same(AF_INET6, a, AF_INET, b));
	v6(a, "2001:db8::7");
	assert_int_equal(top_addr_canon(AF_INET6, a, out), AF_INET6);
	assert_memory_equal(out, a, 16);
	assert_false(top_addr_same(AF_INET6, a, AF_INET, b));
	assert_int_equal(top_addr_canon(AF_UNIX, a, out), 0);
	assert_false(top_addr_same(AF_UNIX, a, AF_UNIX, a));
}

static void test_parse_peer(void **state)
{
	struct top_ref r;
	uint8_t want[16];

	(void)state;
	assert_true(top_ref_parse_peer(&r, "::ffff:10.1.2.3"));
	assert_int_equal(r.kind, TOP_REF_PEER);
	assert_int_equal(r.family, AF_INET);
	assert_string_equal(r.name, "10.1.2.3");
	v4(want, "10.1.2.3");
	assert_memory_equal(&r.dst, want, 16);
	assert_true(top_ref_parse_peer(&r, "2001:db8::1"));
	assert_int_equal(r.family, AF_INET6);
	assert_string_equal(r.name, "2001:db8::1");
	assert_false(top_ref_parse_peer(&r, "example.org"));
	assert_false(top_ref_parse_peer(&r, "10.1.2.3 "));
	assert_false(top_ref_parse_peer(&r, ""));

	assert_true(top_ref_subject_peer(&r, "addr=10.0.0.9 port=22"));
	assert_string_equal(r.name, "10.0.0.9");
	assert_true(top_ref_subject_peer(&r, "local=10.0.0.1 addr=2001:db8::9"));
	assert_string_equal(r.name, "2001:db8::9");
	assert_false(top_ref_subject_peer(&r, "local=10.0.0.1 port=22"));
	assert_false(top_ref_subject_peer(&r, "comm=xaddr=10.0.0.1"));
	assert_false(top_ref_subject_peer(&r, "host"));
	assert_false(top_ref_subject_peer(&r, "addr=nonsense"));
}

static void test_flow_narrow(void **state)
{
	uint8_t a[16], b[16], other[16], mapped[16];
	struct top_narrow n = { 0 };

	(void)state;
	v4(a, "10.0.0.1");
	v4(b, "10.0.0.2");
	v4(other, "10.0.0.3");
	v6(mapped, "::ffff:10.0.0.2");
	assert_true(top_flow_in_narrow(AF_INET, a, b, NULL));
	assert_true(top_flow_in_narrow(AF_INET, a, b, &n));

	top_ref_set_peer(&n.ref, AF_INET6, mapped); /* a socket's v4-mapped peer */
	assert_true(top_flow_in_narrow(AF_INET, a, b, &n));
	assert_true(top_flow_in_narrow(AF_INET, b, a, &n));
	assert_false(top_flow_in_narrow(AF_INET, a, other, &n));
	n.ref.kind = TOP_REF_BLOCK;
	assert_false(top_flow_in_narrow(AF_INET, a, other, &n));

	/* a socket: both ends, either way round */
	memset(&n, 0, sizeof(n));
	n.ref.kind = TOP_REF_SOCK;
	n.ref.family = AF_INET;
	memcpy(&n.ref.src, a, 16);
	memcpy(&n.ref.dst, b, 16);
	assert_true(top_flow_in_narrow(AF_INET, a, b, &n));
	assert_true(top_flow_in_narrow(AF_INET, b, a, &n));
	assert_false(top_flow_in_narrow(AF_INET, a, other, &n));
	assert_false(top_flow_in_narrow(AF_INET, other, b, &n));

	/* kinds a host pair cannot be judged by let it through */
	n.ref.kind = TOP_REF_PROC;
	assert_false(top_flows_narrows(TOP_REF_PROC));
	assert_true(top_flow_in_narrow(AF_INET, a, other, &n));
}

static void test_proc_narrow(void **state)
{
	struct top_narrow n = { .ref = { .kind = TOP_REF_PROC, .pid = 42, .start_ticks = 900 } };

	(void)state;
	assert_true(top_proc_in_narrow(42, 900, NULL));
	assert_true(top_proc_in_narrow(42, 900, &n));
	assert_true(top_proc_in_narrow(42, 0, &n));
	assert_false(top_proc_in_narrow(42, 901, &n)); /* the pid was reused */
	assert_false(top_proc_in_narrow(43, 900, &n));
	n.ref.start_ticks = 0;
	assert_true(top_proc_in_narrow(42, 12345, &n));
	n.ref.kind = TOP_REF_PEER;
	assert_true(top_proc_in_narrow(43, 1, &n));
}

static void test_fmt_dur(void **state)
{
	char buf[16];

	(void)state;
	assert_string_equal(top_fmt_dur(buf, sizeof(buf), -5000), "0s");
	assert_string_equal(top_fmt_dur(buf, sizeof(buf), 999), "0s");
	assert_string_equal(top_fmt_dur(buf, sizeof(buf), 42 * 1000), "42s");
	assert_string_equal(top_fmt_dur(buf, sizeof(buf), (5 * 60 + 7) * 1000), "5m07s");
	assert_string_equal(top_fmt_dur(buf, sizeof(buf), (2 * 3600 + 3 * 60 + 59) * 1000LL),
			    "2h03m");
	assert_string_equal(top_fmt_dur(buf, sizeof(buf), (3 * 86400 + 4 * 3600 + 1) * 1000LL),
			    "3d04h");
}

/* The row whose column col reads text, or -1. */
static long find_row(const struct top_table *t, size_t col, const char *text)
{
	for (size_t r = 0; r < t->nr_rows; r++)
		if (!strcmp(top_table_cell(t, r, col), text))
			return (long)r;
	return -1;
}

static size_t col_of(const struct top_table *t, const char *name)
{
	int c = top_table_col_by_name(t->cols, t->nr_cols, name);

	assert_true(c >= 0);
	return (size_t)c;
}

static struct pkt_info pkt(uint64_t ts, const char *src, const char *dst, uint32_t len)
{
	struct pkt_info p = { .ts_ns = ts, .ip_len = len, .wire_len = len + 14 };

	p.family = AF_INET;
	p.l4proto = 6;
	v4(p.src, src);
	v4(p.dst, dst);
	return p;
}

static void test_flows_view(void **state)
{
	const struct top_view_ops *ops = &top_flows_view;
	const uint64_t t0 = 1700000000 * NS;
	struct snapshot s0 = { .mono_ns = 5 * NS, .wall_ns = (int64_t)t0 };
	struct snapshot s1 = { .seq = 1, .mono_ns = 7 * NS, .wall_ns = (int64_t)(t0 + 2 * NS) };
	struct top_ctx ctx = { .cur = &s0, .capture_iface = "lo" };
	struct top_narrow n = { 0 };
	struct top_table t;
	struct pkt_info p;
	const char *to = NULL;
	int err = -1;
	void *v = ops->open(NULL, &err);
	long row;

	(void)state;
	assert_int_equal(err, 0);
	assert_true(ops->needs_capture);
	top_table_init(&t);
	ops->begin(v, &ctx);
	/* 3 x 1000 bytes sent by 10.0.0.1, 500 received, all in the first two seconds */
	for (int i = 1; i <= 3; i++) {
		p = pkt(t0 + (uint64_t)i * NS / 2, "10.0.0.1", "10.0.0.2", 1000);
		ops->packet(v, &p);
	}
	p = pkt(t0 + 12 * NS / 10, "10.0.0.2", "10.0.0.1", 500);
	ops->packet(v, &p);
	p = pkt(t0 + 13 * NS / 10, "10.0.0.1", "10.0.0.5", 100);
	ops->packet(v, &p);
	ctx.prev = &s0;
	ctx.cur = &s1;
	ops->begin(v, &ctx);
	assert_int_equal(ops->fill(v, &ctx, NULL, &t), 0);
	assert_int_equal(t.nr_rows, 2);
	assert_non_null(strstr(t.title, "flows on lo: 2 host pairs"));
	row = find_row(&t, col_of(&t, "PEER"), "10.0.0.2");
	assert_true(row >= 0);
	assert_string_equal(top_table_cell(&t, (size_t)row, col_of(&t, "LOCAL")), "10.0.0.1");
	/* over the 2 s since the start: 3500 B in both directions, 1500 B/s sent, 250 B/s received
	 */
	assert_true(fabs(t.key[(size_t)row * t.nr_cols + col_of(&t, "2S")] - 1750) < 1);
	assert_true(fabs(t.key[(size_t)row * t.nr_cols + col_of(&t, "SENT/S")] - 1500) < 1);
	assert_true(fabs(t.key[(size_t)row * t.nr_cols + col_of(&t, "RECV/S")] - 250) < 1);
	assert_true(fabs(t.key[(size_t)row * t.nr_cols + col_of(&t, "TOTAL")] - 3500) < 1e-9);
	assert_string_equal(top_table_cell(&t, (size_t)row, col_of(&t, "PKTS")), "4");

	/* narrowed to one peer: only its pair; Enter goes to that peer's sockets */
	assert_true(top_ref_parse_peer(&n.ref, "10.0.0.5"));
	snprintf(n.label, sizeof(n.label), "peer 10.0.0.5");
	assert_int_equal(ops->fill(v, &ctx, &n, &t), 0);
	assert_int_equal(t.nr_rows, 1);
	assert_string_equal(top_table_cell(&t, 0, col_of(&t, "PEER")), "10.0.0.5");
	assert_non_null(strstr(t.title, "(peer 10.0.0.5)"));
	memset(&n, 0, sizeof(n));
	assert_true(ops->drill(v, &t.ref[0], &to, &n));
	assert_string_equal(to, "sockets");
	assert_int_equal(n.ref.kind, TOP_REF_PEER);
	assert_string_equal(n.ref.name, "10.0.0.5");
	assert_string_equal(n.label, "peer 10.0.0.5");

	/* no capture: the reason in the title, no rows */
	ctx.capture_iface = NULL;
	ctx.capture_err = -EPERM;
	assert_int_equal(ops->fill(v, &ctx, NULL, &t), 0);
	assert_int_equal(t.nr_rows, 0);
	assert_non_null(strstr(t.title, "CAP_NET_RAW"));
	ops->close(v);
	top_table_release(&t);
}

/* A TCP socket of this process: its inode is one /proc/self/fd shows. */
static struct sock_entry tcp_sock(int fd, uint64_t acked, uint64_t received)
{
	struct sock_entry s = { .proto = PROTO_TCP, .family = AF_INET };
	struct stat st;

	assert_int_equal(fstat(fd, &st), 0);
	s.state = SOCK_ST_ESTABLISHED;
	s.has = SOCK_HAS_INFO | SOCK_HAS_COOKIE;
	s.cookie = 0x1234;
	s.inode = st.st_ino;
	s.tcpi_len = sizeof(s.tcpi);
	s.tcpi.tcpi_bytes_acked = acked;
	s.tcpi.tcpi_bytes_received = received;
	v4(s.local, "10.0.0.1");
	v4(s.remote, "10.0.0.2");
	s.lport = 40000;
	s.rport = 443;
	return s;
}

static void test_procs_view(void **state)
{
	const struct top_view_ops *ops = &top_procs_view;
	struct snapshot s0 = { .mono_ns = 10 * NS }, s1 = { .seq = 1, .mono_ns = 12 * NS };
	struct proc_table walk;
	struct top_ctx ctx = { .cur = &s0, .procs = &walk };
	struct top_narrow n;
	struct top_table t;
	struct sock_entry s;
	char pid[16];
	const char *to = NULL;
	int err = -1, fd = socket(AF_INET, SOCK_STREAM, 0);
	void *v = ops->open(NULL, &err);
	long row;

	(void)state;
	assert_true(fd >= 0);
	top_table_init(&t);
	proc_table_init(&walk);
	s = tcp_sock(fd, 1000, 100);
	proc_table_add(&walk, s.inode, getpid(), fd, proc_table_add_comm(&walk, "unit"));
	ops->begin(v, &ctx);
	ops->sock(v, &s);
	assert_int_equal(ops->fill(v, &ctx, NULL, &t), 0);
	assert_int_equal(t.nr_rows, 0); /* the first tick is the baseline */

	/* 2 s later: 8192 B more sent, 2048 B more received */
	ctx.prev = &s0;
	ctx.cur = &s1;
	ops->begin(v, &ctx);
	s = tcp_sock(fd, 1000 + 8192, 100 + 2048);
	ops->sock(v, &s);
	assert_int_equal(ops->fill(v, &ctx, NULL, &t), 0);
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	row = find_row(&t, col_of(&t, "PID"), pid);
	assert_true(row >= 0);
	assert_true(fabs(t.key[(size_t)row * t.nr_cols + col_of(&t, "SENT/S")] - 4096) < 1);
	assert_true(fabs(t.key[(size_t)row * t.nr_cols + col_of(&t, "RECV/S")] - 1024) < 1);
	assert_true(fabs(t.key[(size_t)row * t.nr_cols + col_of(&t, "SENT")] - 8192) < 1e-9);
	assert_string_equal(top_table_cell(&t, (size_t)row, col_of(&t, "CONNS")), "1");
	assert_int_equal(t.ref[row].kind, TOP_REF_PROC);

	/* a fill again (a re-sort) changes nothing: the accounting is per tick */
	assert_int_equal(ops->fill(v, &ctx, NULL, &t), 0);
	row = find_row(&t, col_of(&t, "PID"), pid);
	assert_true(fabs(t.key[(size_t)row * t.nr_cols + col_of(&t, "SENT")] - 8192) < 1e-9);

	/* Enter: the sockets of this process */
	assert_true(ops->drill(v, &t.ref[row], &to, &n));
	assert_string_equal(to, "sockets");
	assert_int_equal(n.ref.pid, getpid());
	assert_non_null(strstr(n.label, pid));
	/* narrowed to another process: no row */
	n.ref.pid = getpid() + 1;
	assert_int_equal(ops->fill(v, &ctx, &n, &t), 0);
	assert_int_equal(t.nr_rows, 0);
	ops->close(v);
	proc_table_release(&walk);
	top_table_release(&t);
	close(fd);
}

static void make_db(const char *path, int64_t now_ms)
{
	struct strbuf err = STRBUF_INIT;
	struct store *st;
	struct alert_event ev;
	struct store_block b = { .created_ms = now_ms - 60000, .expires_ms = now_ms + 600000 };

	assert_int_equal(store_open(&st, path, STORE_WRITE, NULL, &err), 0);
	memset(&ev, 0, sizeof(ev));
	alert_subject_init(&ev.subject);
	ev.id = 7;
	ev.time_ms = now_ms - 30000;
	ev.started_ms = now_ms - 90000;
	snprintf(ev.rule, sizeof(ev.rule), "port_scan");
	ev.severity = ALERT_CRITICAL;
	ev.status = ALERT_FIRING;
	snprintf(ev.subject.addr, sizeof(ev.subject.addr), "203.0.113.7");
	snprintf(ev.summary, sizeof(ev.summary), "203.0.113.7 probed 40 ports");
	ev.value = NAN;
	assert_int_equal(store_alert_add(st, &ev, &err), 0);
	snprintf(b.addr, sizeof(b.addr), "198.51.100.9");
	snprintf(b.rule, sizeof(b.rule), "ssh_brute_force");
	snprintf(b.reason, sizeof(b.reason), "12 failed logins");
	snprintf(b.origin, sizeof(b.origin), "agent");
	assert_int_equal(store_block_put(st, &b, 1, &err), 0);
	assert_int_equal(store_close(st, &err), 0);
	strbuf_release(&err);
}

/* The files a store leaves beside its database. */
static const char *const db_files[] = { "", "-wal", "-shm", ".lock" };

static void test_alerts_view(void **state)
{
	const struct top_view_ops *ops = &top_alerts_view;
	char dir[] = "/tmp/connmon-top-XXXXXX", path[64], missing[80];
	const int64_t now_ms = 1700000000000LL;
	struct snapshot s0 = { .mono_ns = 3 * NS, .wall_ns = now_ms * 1000000 };
	struct top_ctx ctx = { .cur = &s0 };
	struct top_narrow n = { 0 };
	struct top_table t;
	const char *to = NULL;
	int err = -1;
	void *v;
	long row;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/c.db", dir);
	snprintf(missing, sizeof(missing), "%s/none.db", dir);
	top_table_init(&t);

	/* no database: where it was looked for, and who makes it */
	v = ops->open(NULL, &err);
	ctx.db_path = missing;
	ops->begin(v, &ctx);
	assert_int_equal(ops->fill(v, &ctx, NULL, &t), 0);
	assert_int_equal(t.nr_rows, 0);
	assert_non_null(strstr(t.title, missing));
	assert_non_null(strstr(t.title, "connmon agent"));
	ops->close(v);

	make_db(path, now_ms);
	v = ops->open(NULL, &err);
	ctx.db_path = path;
	ops->begin(v, &ctx);
	assert_int_equal(ops->fill(v, &ctx, NULL, &t), 0);
	assert_non_null(strstr(t.title, "1 firing, 1 block in force"));
	row = find_row(&t, col_of(&t, "RULE"), "port_scan");
	assert_true(row >= 0);
	assert_string_equal(top_table_cell(&t, (size_t)row, col_of(&t, "KIND")), "alert");
	assert_string_equal(top_table_cell(&t, (size_t)row, col_of(&t, "STATUS")), "firing");
	assert_string_equal(top_table_cell(&t, (size_t)row, col_of(&t, "LEFT")), "1m30s");
	assert_int_equal(t.ref[row].kind, TOP_REF_ALERT);
	assert_int_equal(t.ref[row].id, 7);
	assert_true(ops->drill(v, &t.ref[row], &to, &n));
	assert_string_equal(to, "sockets");
	assert_string_equal(n.ref.name, "203.0.113.7");

	row = find_row(&t, col_of(&t, "SUBJECT"), "198.51.100.9");
	assert_true(row >= 0);
	assert_string_equal(top_table_cell(&t, (size_t)row, col_of(&t, "KIND")), "block");
	assert_string_equal(top_table_cell(&t, (size_t)row, col_of(&t, "LEFT")), "10m00s");
	assert_int_equal(t.ref[row].kind, TOP_REF_BLOCK);
	assert_string_equal(t.ref[row].name, "198.51.100.9");
	assert_true(ops->drill(v, &t.ref[row], &to, &n));
	assert_string_equal(to, "flows");

	/* narrowed to the blocked peer: its block only (the alert is another peer's) */
	assert_true(top_ref_parse_peer(&n.ref, "198.51.100.9"));
	assert_int_equal(ops->fill(v, &ctx, &n, &t), 0);
	assert_int_equal(t.nr_rows, 1);
	assert_string_equal(top_table_cell(&t, 0, col_of(&t, "KIND")), "block");
	ops->close(v);
	top_table_release(&t);
	for (size_t i = 0; i < sizeof(db_files) / sizeof(db_files[0]); i++) {
		snprintf(missing, sizeof(missing), "%s%s", path, db_files[i]);
		unlink(missing);
	}
	assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addr_canon),  cmocka_unit_test(test_parse_peer),
		cmocka_unit_test(test_flow_narrow), cmocka_unit_test(test_proc_narrow),
		cmocka_unit_test(test_fmt_dur),	    cmocka_unit_test(test_flows_view),
		cmocka_unit_test(test_procs_view),  cmocka_unit_test(test_alerts_view),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
