// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Output width and units: the IEC formatter, the width rule, wrapped lines,
 * and every text renderer at 80 columns (and wider) with the longest values
 * it must place: names of 15 characters, LOWERLAYERDOWN, full IPv6 addresses.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/if.h>

/* cmocka needs these first. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
// clang-format on

#include "base/units.h"
#include "ui/flow_render.h"
#include "ui/iface_render.h"
#include "ui/proc_render.h"
#include "ui/sock_render.h"
#include "ui/term.h"
#include "ui/text_wrap.h"

/* What fn wrote, through a temp file. */
static char *capture(void (*fn)(struct outbuf *, const void *), const void *arg)
{
	static char got[32768];
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

/* The longest line in characters (the renderers' text here is ASCII). */
static size_t widest(const char *s)
{
	size_t most = 0;

	while (*s) {
		size_t n = strcspn(s, "\n");

		most = n > most ? n : most;
		s += n + (s[n] == '\n');
	}
	return most;
}

static void test_units_fmt(void **state)
{
	char b[UNITS_BUF_LEN];

	(void)state;
	assert_string_equal(units_fmt(b, sizeof(b), 0, UNITS_BYTES), "0 B");
	assert_string_equal(units_fmt(b, sizeof(b), 1023, UNITS_BYTES), "1023 B");
	assert_string_equal(units_fmt(b, sizeof(b), 1024, UNITS_BYTES), "1.00 KiB");
	assert_string_equal(units_fmt(b, sizeof(b), 1536, UNITS_BYTES_PER_S), "1.50 KiB/s");
	assert_string_equal(units_fmt(b, sizeof(b), 50 * 1024 * 1024, UNITS_BYTES), "50.0 MiB");
	assert_string_equal(units_fmt(b, sizeof(b), 500.0 * 1024 * 1024, UNITS_BYTES), "500 MiB");
	/* 1023.9 KiB would round to "1024 KiB": it is 1.00 MiB */
	assert_string_equal(units_fmt(b, sizeof(b), 1023.9 * 1024, UNITS_BYTES_PER_S),
			    "1.00 MiB/s");
	assert_string_equal(units_fmt(b, sizeof(b), 1023.4 * 1024, UNITS_BYTES_PER_S),
			    "1023 KiB/s");
	/* 9.996 KiB is 10.0, not "10.00" */
	assert_string_equal(units_fmt(b, sizeof(b), 9.996 * 1024, UNITS_BYTES), "10.0 KiB");
	assert_string_equal(units_fmt(b, sizeof(b), 3.0 * (1ull << 40), UNITS_BYTES), "3.00 TiB");
	assert_string_equal(units_fmt(b, sizeof(b), -5, UNITS_BYTES), "0 B");
	assert_string_equal(units_fmt(b, sizeof(b), 0.0 / 0.0, UNITS_BYTES_PER_S), "0 B/s");
	/* the widest a rate gets: 10 characters */
	for (double v = 1; v < 1e18; v *= 1.37)
		assert_true(strlen(units_fmt(b, sizeof(b), v, UNITS_BYTES_PER_S)) <= 10);
}

static void test_units_fmt_fit(void **state)
{
	char b[32];

	(void)state;
	assert_string_equal(units_fmt_fit(b, sizeof(b), 1.5, 7, 2), "   1.50");
	assert_string_equal(units_fmt_fit(b, sizeof(b), 12345.678, 7, 2), "12345.7");
	assert_string_equal(units_fmt_fit(b, sizeof(b), 1234567.8, 7, 2), "1234568");
	/* wider than the column only when the whole number is */
	assert_string_equal(units_fmt_fit(b, sizeof(b), 123456789, 7, 2), "123456789");
}

static void test_width_rule(void **state)
{
	(void)state;
	assert_int_equal(term_width_pick(false, false, 0), 80);
	assert_int_equal(term_width_pick(false, false, 200), 80); /* a pipe: 80 */
	assert_int_equal(term_width_pick(false, true, 200), 200);
	assert_int_equal(term_width_pick(false, true, 60), 80); /* narrower: still 80 */
	assert_int_equal(term_width_pick(true, false, 0), TERM_WIDTH_FULL);
	assert_int_equal(term_width_pick(true, true, 100), TERM_WIDTH_FULL);
}

static void wrap_list(struct outbuf *ob, const void *arg)
{
	struct text_wrap w;

	(void)arg;
	text_wrap_begin(&w, ob, 30, "Label      ", 11);
	for (int i = 0; i < 6; i++)
		text_wrap_addf(&w, ", ", "item%d %d", i, i * 111);
	text_wrap_addf(&w, ", ", "evil\x1b[2J");
	text_wrap_end(&w);
	text_wrap_begin(&w, ob, 30, "  ! ", 4);
	text_wrap_words(&w, "a sentence that goes on past the width", 38);
	text_wrap_end(&w);
}

static void test_text_wrap(void **state)
{
	const char *got;

	(void)state;
	got = capture(wrap_list, NULL);
	assert_string_equal(got, "Label      item0 0, item1 111,\n"
				 "           item2 222,\n"
				 "           item3 333,\n"
				 "           item4 444,\n"
				 "           item5 555,\n"
				 "           evil\\x1b[2J\n"
				 "  ! a sentence that goes on\n"
				 "    past the width\n");
}

/* ---- ifaces ---- */

struct iface_case {
	unsigned width;
	bool edev;
	const struct iface_rates *rates;
	uint64_t nr_dropped; /* an Average block */
};

static void iface_text(struct outbuf *ob, const void *arg)
{
	const struct iface_case *c = arg;
	struct iface_render r;
	struct iface_block b = { .label = c->nr_dropped ? "Average:" : "12:00:00",
				 .time_utc = "2026-01-01T12:00:00Z",
				 .average = c->nr_dropped > 0,
				 .nr_dropped = c->nr_dropped,
				 .max_gone = 64 };

	iface_render_init(&r, ob, IFACE_RENDER_TEXT);
	r.width = c->width;
	r.edev = c->edev;
	iface_render_block(&r, &b, c->rates);
}

static void iface_rows(struct iface_rate *v)
{
	memset(v, 0, 3 * sizeof(*v));
	/* busy: 10 Gbit/s in each direction, 800k packets per second */
	snprintf(v[0].s.name, sizeof(v[0].s.name), "br-0123456789ab");
	v[0].s.operstate = IF_OPER_LOWERLAYERDOWN;
	v[0].s.speed_mbps = 10000;
	v[0].per_s[IFC_RX_BYTES] = v[0].per_s[IFC_TX_BYTES] = 1.25e9;
	v[0].per_s[IFC_RX_PACKETS] = v[0].per_s[IFC_TX_PACKETS] = 812345.67;
	v[0].util_pct = 100;
	snprintf(v[1].s.name, sizeof(v[1].s.name), "veth-gone");
	v[1].s.operstate = IF_OPER_UP;
	v[1].state = IFACE_NORATE_GONE;
	v[1].gone = true;
	v[1].util_pct = -1;
	snprintf(v[2].s.name, sizeof(v[2].s.name), "lo");
	v[2].s.operstate = IF_OPER_UNKNOWN;
	v[2].s.speed_mbps = -1;
	v[2].util_pct = -1;
}

static void test_ifaces_width(void **state)
{
	struct iface_rate v[3];
	struct iface_rates rates = { .v = v, .nr = 3, .interval_ns = 1000000000 };
	struct iface_case c = { .width = 80, .rates = &rates };
	const char *got;

	(void)state;
	iface_rows(v);
	got = capture(iface_text, &c);
	assert_true(widest(got) <= 80);
	assert_non_null(strstr(got, "rxKiB/s"));
	assert_null(strstr(got, "speed"));
	assert_non_null(strstr(got, "br-0123456789ab"));
	assert_non_null(strstr(got, " LOWERLAYERDOWN\n"));
	/* a vanished interface says so, and that it has no rate */
	assert_non_null(strstr(got, "veth-gone        no rate: interface vanished"));
	assert_non_null(strstr(got, " GONE\n"));
	assert_null(strstr(got, " UP\n"));
	c.edev = true;
	got = capture(iface_text, &c);
	assert_true(widest(got) <= 80);
	assert_non_null(strstr(got, "rxerr/s txerr/s rxdrop/s txdrop/s"));
	/* wider: drops and errors join, in sar's order */
	c.edev = false;
	c.width = 120;
	got = capture(iface_text, &c);
	assert_true(widest(got) <= 120);
	assert_non_null(strstr(got, "txKiB/s rxerr/s txerr/s rxdrop/s txdrop/s"));
	/* the Average of a long run says how many vanished interfaces it dropped */
	c.width = 80;
	c.nr_dropped = 9936;
	got = capture(iface_text, &c);
	assert_true(widest(got) <= 80);
	assert_non_null(strstr(
		got, "\nAverage: 9936 more vanished interfaces not shown (the last 64 are)\n"));
	c.nr_dropped = 0;
	/* the full table: every column */
	c.width = TERM_WIDTH_FULL;
	got = capture(iface_text, &c);
	assert_non_null(strstr(got, "rxmcst/s %util speed"));
	assert_non_null(strstr(got, "10000Mb/s"));
}

/* ---- procs ---- */

struct procs_case {
	const struct proc_view *v;
	unsigned width;
};

static void procs_text(struct outbuf *ob, const void *arg)
{
	const struct procs_case *c = arg;

	proc_render_table(ob, c->v, false, 0, c->width);
}

static void test_procs_width(void **state)
{
	struct proc_row rows[] = {
		{ .pid = 4194303,
		  .uid = 1000,
		  .user = "a-long-user-name",
		  .comm = "java",
		  .command = "/usr/lib/jvm/java-17-openjdk-amd64/bin/java -Xmx8g -jar /opt/app.jar",
		  .tcp_tx_bytes = 5ull << 40,
		  .tcp_rx_bytes = 1023,
		  .tx_bytes_per_s = 1023.9 * 1024 * 1024,
		  .rx_bytes_per_s = 1.5 * 1024 },
		{ .pid = 7,
		  .uid = 0,
		  .user = "root",
		  .comm = "sshd",
		  .command = "",
		  .exited = true },
	};
	struct proc_view v = { .engine = "capture",
			       .engine_why = "packets matched to sockets: TCP and UDP, wire bytes",
			       .dev = "enp0s31f6",
			       .netns = "all",
			       .nr_netns = 3,
			       .nr_procs_denied = 1234,
			       .capture_drops = 99,
			       .session_s = 123456,
			       .rows = rows,
			       .nr_rows = 2 };
	struct procs_case c = { .v = &v, .width = 80 };
	const char *got;

	(void)state;
	got = capture(procs_text, &c);
	assert_true(widest(got) <= 80);
	/* the device is in the title; the command keeps its program, not its directories */
	assert_non_null(strstr(got, "engine capture on enp0s31f6"));
	assert_non_null(strstr(got, "4194303 a-long-u java -Xmx8g -jar /opt/"));
	assert_non_null(strstr(got, " 1.00 GiB/s 1.50 KiB/s 5.00 TiB   1023 B\n"));
	assert_null(strstr(got, " DEV "));
	c.width = 132;
	got = capture(procs_text, &c);
	assert_true(widest(got) <= 132);
	assert_non_null(
		strstr(got, "/usr/lib/jvm/java-17-openjdk-amd64/bin/java -Xmx8g -jar /opt"));
	c.width = TERM_WIDTH_FULL;
	got = capture(procs_text, &c);
	assert_non_null(strstr(got, " DEV "));
	assert_non_null(strstr(got, " enp0s31f6 "));
}

/* ---- flows ---- */

struct flows_case {
	const struct flow_report *r;
	unsigned width;
};

static void flows_text(struct outbuf *ob, const void *arg)
{
	const struct flows_case *c = arg;

	flow_render_text(ob, c->r, c->width);
}

static void flows_screen(struct outbuf *ob, const void *arg)
{
	const struct flows_case *c = arg;

	flow_render_screen(ob, c->r, 24, c->width);
}

static void test_flows_width(void **state)
{
	uint8_t a4[16] = { 0 }, b4[16] = { 0 }, a6[16], b6[16];
	struct flow_row rows[2] = {
		{ .family = AF_INET, .a_addr = a4, .b_addr = b4, .has_ports = true, .l4proto = 6 },
		{ .family = AF_INET6,
		  .a_addr = a6,
		  .b_addr = b6,
		  .has_ports = true,
		  .l4proto = 17 },
	};
	struct flow_report r = { .ifname = "eth0",
				 .sort = "10s",
				 .ports = true,
				 .drops_known = true,
				 .packets = 123456789,
				 .kernel_dropped = 12345,
				 .if_dropped = 67,
				 .not_ip = 1000,
				 .malformed = 2,
				 .flows_refused = 3,
				 .rows = rows,
				 .nr_rows = 1,
				 .nr_flows = 2 };
	struct flows_case c = { .r = &r, .width = 80 };
	const char *got;

	(void)state;
	inet_pton(AF_INET, "203.0.113.254", a4);
	inet_pton(AF_INET, "198.51.100.254", b4);
	inet_pton(AF_INET6, "2001:db8:1234:5678:9abc:def0:1234:5678", a6);
	inet_pton(AF_INET6, "2001:db8:1234:5678:9abc:def0:1234:5679", b6);
	rows[0].a_port = 65535;
	rows[0].b_port = 443;
	rows[0].n.sent_Bps[0] = 1023.9 * 1024;
	rows[0].n.sent_bytes = 5ull << 30;
	/* IPv4 with ports: the windows, the cumulative bytes; all within 80 */
	got = capture(flows_text, &c);
	assert_true(widest(got) <= 80);
	assert_non_null(strstr(got, "last 2s   last 10s   last 40s cumulative\n"));
	assert_non_null(strstr(got, "203.0.113.254:65535 => 1.00 MiB/s"));
	assert_non_null(strstr(got, "5.00 GiB\n"));
	assert_non_null(strstr(got, "dropped by the kernel"));
	/* IPv6 with ports: the text widens for the address, never cuts it */
	r.nr_rows = 2;
	got = capture(flows_text, &c);
	assert_non_null(strstr(got, "[2001:db8:1234:5678:9abc:def0:1234:5678]:0 =>"));
	assert_non_null(strstr(got, "last 40s\n"));
	/* the screen at 80 cuts the host, keeps the three windows */
	got = capture(flows_screen, &c);
	assert_non_null(strstr(got, "last 2s   last 10s   last 40s"));
	assert_non_null(strstr(got, "[2001:db8:1234:5678:9abc:def0:1234:567 =>"));
	/* the full layout: peak and cumulative */
	c.width = TERM_WIDTH_FULL;
	got = capture(flows_text, &c);
	assert_non_null(strstr(got, "last 40s       peak cumulative\n"));
}

/* ---- sockets ---- */

static void sock_text(struct outbuf *ob, const void *arg)
{
	const struct sock_render_opts *o = arg;
	struct sock_entry s = { .proto = PROTO_TCP,
				.family = AF_INET,
				.state = SOCK_ST_ESTABLISHED,
				.lport = 65535,
				.rport = 65535,
				.recv_q = 1234567,
				.send_q = 123456 };
	struct sock_render r;

	inet_pton(AF_INET, "255.255.255.254", s.local);
	inet_pton(AF_INET, "255.255.255.253", s.remote);
	sock_render_init(&r, ob, o);
	sock_render_begin(&r);
	sock_render_one(&r, &s);
	s.family = AF_INET6;
	inet_pton(AF_INET6, "2001:db8::1", s.local);
	inet_pton(AF_INET6, "2001:db8::2", s.remote);
	sock_render_one(&r, &s);
	sock_render_end(&r);
}

static void test_sockets_width(void **state)
{
	struct sock_render_opts o = { .format = RENDER_TABLE,
				      .show_netid = true,
				      .show_state = true,
				      .wide_addrs = true,
				      .numeric = true,
				      .width = 80 };
	const char *got;

	(void)state;
	got = capture(sock_text, &o);
	assert_true(widest(got) <= 80);
	assert_non_null(strstr(got, "tcp   ESTAB      1234567 123456 255.255.255.254:65535"));
	/* one protocol, one state: the columns share the room */
	o.show_netid = o.show_state = false;
	got = capture(sock_text, &o);
	assert_true(widest(got) <= 80);
	assert_non_null(strstr(got, "[2001:db8::1]:65535              [2001:db8::2]:65535\n"));
	/* the full layout: an IPv6 address's 47 columns */
	o.width = TERM_WIDTH_FULL;
	got = capture(sock_text, &o);
	assert_non_null(strstr(got, "Local Address:Port" /* 18 + 30 = 48 */
				    "                              Peer"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_units_fmt),    cmocka_unit_test(test_units_fmt_fit),
		cmocka_unit_test(test_width_rule),   cmocka_unit_test(test_text_wrap),
		cmocka_unit_test(test_ifaces_width), cmocka_unit_test(test_procs_width),
		cmocka_unit_test(test_flows_width),  cmocka_unit_test(test_sockets_width),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
