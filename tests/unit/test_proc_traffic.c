// SPDX-License-Identifier: GPL-2.0-or-later
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/if_packet.h>

/* clang-format off: cmocka.h needs the headers above */
#include <cmocka.h>
/* clang-format on */

#include "analyze/proc_traffic.h"
/* The kernel's bytecode audit and run, modelled for the filter tests; compiled in here. */
#include "bc_interp.c"

#define SEC 1000000000ull

static struct sock_entry sock(uint8_t proto, const char *la, uint16_t lp, const char *ra,
			      uint16_t rp, uint64_t cookie, uint64_t inode)
{
	struct sock_entry e;
	int family = strchr(la, ':') ? AF_INET6 : AF_INET;

	memset(&e, 0, sizeof(e));
	e.proto = proto;
	e.family = (uint8_t)family;
	e.state = SOCK_ST_ESTABLISHED;
	assert_int_equal(inet_pton(family, la, e.local), 1);
	assert_int_equal(inet_pton(family, ra, e.remote), 1);
	e.lport = lp;
	e.rport = rp;
	e.cookie = cookie;
	e.inode = inode;
	e.has = SOCK_HAS_COOKIE;
	return e;
}

static struct sock_entry tcp_counted(uint64_t cookie, uint64_t inode, uint64_t tx, uint64_t rx)
{
	struct sock_entry e = sock(PROTO_TCP, "10.0.0.1", 1000, "10.0.0.2", 80, cookie, inode);

	e.has |= SOCK_HAS_INFO;
	e.tcpi_len = sizeof(e.tcpi);
	e.tcpi.tcpi_bytes_acked = tx;
	e.tcpi.tcpi_bytes_received = rx;
	return e;
}

static struct pkt_info pkt(uint8_t l4, const char *src, uint16_t sp, const char *dst, uint16_t dp,
			   uint32_t len, int dir)
{
	struct pkt_info p;
	int family = strchr(src, ':') ? AF_INET6 : AF_INET;

	memset(&p, 0, sizeof(p));
	p.family = (uint8_t)family;
	p.l4proto = l4;
	p.has_ports = true;
	assert_int_equal(inet_pton(family, src, p.src), 1);
	assert_int_equal(inet_pton(family, dst, p.dst), 1);
	p.sport = sp;
	p.dport = dp;
	p.wire_len = len;
	p.direction = (int8_t)dir;
	return p;
}

static const struct pt_proc *proc_of(const struct proc_traffic *pt, int32_t pid)
{
	for (size_t i = 1; i < pt->nr_procs; i++)
		if (pt->procs[i].pid == pid)
			return &pt->procs[i];
	return NULL;
}

/* First tick is a baseline; later deltas go to the owner; new cookies count from 0. */
static void test_tcpinfo_deltas(void **state)
{
	struct proc_traffic pt;
	struct sock_entry a = tcp_counted(11, 501, 1000, 50);
	struct sock_entry b = tcp_counted(12, 502, 7, 9);
	const struct pt_proc *p;

	(void)state;
	proc_traffic_init(&pt);
	proc_traffic_begin_tick(&pt);
	proc_traffic_add_sock(&pt, &a, true);
	assert_int_equal(proc_traffic_settle(&pt), 0); /* no bytes yet: no owner needed */
	proc_traffic_end_tick(&pt, 0);

	proc_traffic_begin_tick(&pt);
	a.tcpi.tcpi_bytes_acked = 3000;
	a.tcpi.tcpi_bytes_received = 150;
	proc_traffic_add_sock(&pt, &a, true);
	proc_traffic_add_sock(&pt, &b, true); /* born since: all 7/9 bytes count */
	assert_int_equal(proc_traffic_settle(&pt), 2);
	proc_traffic_set_owner(&pt, 501, 42, 1000, "curl", "curl http://x");
	assert_int_equal(proc_traffic_nr_unowned(&pt), 1);
	proc_traffic_end_tick(&pt, 2 * SEC);

	p = proc_of(&pt, 42);
	assert_non_null(p);
	assert_int_equal(p->tx_bytes[PT_TCP], 2000);
	assert_int_equal(p->rx_bytes[PT_TCP], 100);
	assert_true(p->tx_bytes_per_s > 999.9 && p->tx_bytes_per_s < 1000.1);
	assert_string_equal(p->comm, "curl");
	assert_int_equal(p->nr_sockets, 1);
	/* b's owner is unknown: its bytes are unattributed, so rows add up */
	assert_int_equal(pt.procs[0].tx_bytes[PT_TCP], 7);
	assert_int_equal(pt.procs[0].rx_bytes[PT_TCP], 9);
	proc_traffic_release(&pt);
}

/* A closed socket (orphan: inode 0) keeps its owner by cookie; exited processes keep totals. */
static void test_owner_by_cookie_and_exit(void **state)
{
	struct proc_traffic pt;
	struct sock_entry a = tcp_counted(21, 601, 0, 0);
	const struct pt_proc *p;

	(void)state;
	proc_traffic_init(&pt);
	proc_traffic_set_owner(&pt, 601, 7, 0, "srv", NULL);
	proc_traffic_begin_tick(&pt);
	proc_traffic_add_sock(&pt, &a, true);
	proc_traffic_end_tick(&pt, SEC);

	proc_traffic_begin_tick(&pt);
	a.inode = 0;
	a.tcpi.tcpi_bytes_acked = 500;
	proc_traffic_add_sock(&pt, &a, true);
	proc_traffic_reset_owners(&pt); /* a full rescan would forget inode 601 */
	assert_int_equal(proc_traffic_settle(&pt), 0);
	proc_traffic_end_tick(&pt, SEC);
	proc_traffic_set_exited(&pt, 7);

	for (int i = 0; i < 3; i++) { /* socket gone, process gone: totals stay */
		proc_traffic_begin_tick(&pt);
		proc_traffic_end_tick(&pt, SEC);
	}
	p = proc_of(&pt, 7);
	assert_non_null(p);
	assert_true(p->exited);
	assert_int_equal(pt_proc_tx_bytes(p), 500);
	assert_int_equal(p->tick_tx_bytes, 0);
	assert_int_equal(p->nr_sockets, 0);
	proc_traffic_release(&pt);
}

/* Counters that go backwards (never expected) give no delta rather than a wrap. */
static void test_counter_backwards(void **state)
{
	struct proc_traffic pt;
	struct sock_entry a = tcp_counted(31, 701, 100, 100);

	(void)state;
	proc_traffic_init(&pt);
	proc_traffic_set_owner(&pt, 701, 9, 0, "x", NULL);
	proc_traffic_begin_tick(&pt);
	proc_traffic_add_sock(&pt, &a, true);
	proc_traffic_end_tick(&pt, SEC);
	proc_traffic_begin_tick(&pt);
	a.tcpi.tcpi_bytes_acked = 10;
	a.tcpi_len = 8; /* too short for byte counters: ignored */
	proc_traffic_add_sock(&pt, &a, true);
	a.tcpi_len = sizeof(a.tcpi);
	proc_traffic_add_sock(&pt, &a, true);
	proc_traffic_end_tick(&pt, SEC);
	assert_int_equal(pt_proc_tx_bytes(proc_of(&pt, 9)), 0);
	proc_traffic_release(&pt);
}

/* Capture: exact match both ways, wildcard UDP, dual-stack [::], unattributed. */
static void test_capture_match(void **state)
{
	struct proc_traffic pt;
	struct sock_entry t = sock(PROTO_TCP, "10.0.0.1", 40000, "10.0.0.2", 443, 1, 801);
	struct sock_entry u = sock(PROTO_UDP, "0.0.0.0", 53, "0.0.0.0", 0, 2, 802);
	struct sock_entry d = sock(PROTO_UDP, "::", 123, "::", 0, 3, 803);
	struct pkt_info p;

	(void)state;
	proc_traffic_init(&pt);
	proc_traffic_begin_tick(&pt);
	proc_traffic_add_sock(&pt, &t, false);
	proc_traffic_add_sock(&pt, &u, false);
	proc_traffic_add_sock(&pt, &d, false);
	proc_traffic_end_tick(&pt, 0);
	proc_traffic_set_owner(&pt, 801, 100, 0, "tls", NULL);
	proc_traffic_set_owner(&pt, 802, 200, 0, "dns", NULL);
	proc_traffic_set_owner(&pt, 803, 300, 0, "ntp", NULL);

	p = pkt(IPPROTO_TCP, "10.0.0.1", 40000, "10.0.0.2", 443, 1000, PACKET_OUTGOING);
	proc_traffic_packet(&pt, &p);
	p = pkt(IPPROTO_TCP, "10.0.0.2", 443, "10.0.0.1", 40000, 60, PACKET_HOST);
	proc_traffic_packet(&pt, &p);
	p = pkt(IPPROTO_UDP, "192.0.2.9", 5353, "10.0.0.1", 53, 80, PACKET_HOST);
	proc_traffic_packet(&pt, &p);
	p = pkt(IPPROTO_UDP, "192.0.2.9", 123, "10.0.0.1", 123, 90, PACKET_HOST);
	proc_traffic_packet(&pt, &p); /* v4 to a dual-stack [::]:123 socket */
	p = pkt(IPPROTO_UDP, "192.0.2.9", 9, "10.0.0.1", 9999, 70, PACKET_HOST);
	proc_traffic_packet(&pt, &p); /* no socket */
	p = pkt(IPPROTO_ICMP, "10.0.0.1", 0, "192.0.2.9", 0, 98, PACKET_OUTGOING);
	p.has_ports = false;
	proc_traffic_packet(&pt, &p);

	proc_traffic_begin_tick(&pt);
	proc_traffic_add_sock(&pt, &t, false);
	proc_traffic_add_sock(&pt, &u, false);
	proc_traffic_add_sock(&pt, &d, false);
	proc_traffic_end_tick(&pt, SEC);
	assert_int_equal(proc_of(&pt, 100)->tx_bytes[PT_TCP], 1000);
	assert_int_equal(proc_of(&pt, 100)->rx_bytes[PT_TCP], 60);
	assert_int_equal(proc_of(&pt, 200)->rx_bytes[PT_UDP], 80);
	assert_int_equal(proc_of(&pt, 300)->rx_bytes[PT_UDP], 90);
	assert_int_equal(pt_proc_rx_bytes(&pt.procs[0]), 70);
	assert_int_equal(pt_proc_tx_bytes(&pt.procs[0]), 98);
	assert_int_equal(pt.procs[0].tick_rx_bytes, 70);
	proc_traffic_release(&pt);
}

/* A packet before its socket shows in a dump is held and matched at the tick's end. */
static void test_capture_pending(void **state)
{
	struct proc_traffic pt;
	struct sock_entry t = sock(PROTO_TCP, "2001:db8::1", 5000, "2001:db8::2", 80, 5, 901);
	struct pkt_info p;
	uint8_t local[16];

	(void)state;
	proc_traffic_init(&pt);
	inet_pton(AF_INET6, "2001:db8::1", local);
	proc_traffic_add_local(&pt, AF_INET6, local);
	proc_traffic_begin_tick(&pt);
	proc_traffic_end_tick(&pt, 0);
	/* Ethernet capture: no direction, the local address says "sent" */
	p = pkt(IPPROTO_TCP, "2001:db8::1", 5000, "2001:db8::2", 80, 1500, -1);
	proc_traffic_packet(&pt, &p);
	proc_traffic_packet(&pt, &p);
	proc_traffic_begin_tick(&pt);
	proc_traffic_add_sock(&pt, &t, false);
	assert_int_equal(proc_traffic_settle(&pt), 1);
	proc_traffic_set_owner(&pt, 901, 55, 0, "web", NULL);
	proc_traffic_end_tick(&pt, SEC);
	assert_int_equal(proc_of(&pt, 55)->tx_bytes[PT_TCP], 3000);
	assert_int_equal(pt_proc_tx_bytes(&pt.procs[0]), 0);
	proc_traffic_release(&pt);
}

/* Loopback: both ends are local, one packet is tx of one process and rx of another. */
static void test_capture_loopback(void **state)
{
	struct proc_traffic pt;
	struct sock_entry c = sock(PROTO_TCP, "127.0.0.1", 33000, "127.0.0.1", 8080, 7, 1001);
	struct sock_entry s = sock(PROTO_TCP, "127.0.0.1", 8080, "127.0.0.1", 33000, 8, 1002);
	struct pkt_info p;

	(void)state;
	proc_traffic_init(&pt);
	pt.loopback = true;
	proc_traffic_set_owner(&pt, 1001, 1, 0, "client", NULL);
	proc_traffic_set_owner(&pt, 1002, 2, 0, "server", NULL);
	proc_traffic_begin_tick(&pt);
	proc_traffic_add_sock(&pt, &c, false);
	proc_traffic_add_sock(&pt, &s, false);
	proc_traffic_end_tick(&pt, 0);
	p = pkt(IPPROTO_TCP, "127.0.0.1", 33000, "127.0.0.1", 8080, 400, PACKET_HOST);
	proc_traffic_packet(&pt, &p);
	proc_traffic_begin_tick(&pt);
	proc_traffic_end_tick(&pt, SEC);
	assert_int_equal(proc_of(&pt, 1)->tx_bytes[PT_TCP], 400);
	assert_int_equal(proc_of(&pt, 2)->rx_bytes[PT_TCP], 400);
	assert_int_equal(pt_proc_rx_bytes(&pt.procs[0]) + pt_proc_tx_bytes(&pt.procs[0]), 0);
	proc_traffic_release(&pt);
}

/* Many sockets come and go: compaction keeps lookups right. */
static void test_compaction(void **state)
{
	struct proc_traffic pt;
	uint64_t cookie = 1;

	(void)state;
	proc_traffic_init(&pt);
	proc_traffic_set_owner(&pt, 5000, 77, 0, "churn", NULL);
	for (int t = 0; t < 6; t++) {
		proc_traffic_begin_tick(&pt);
		for (int i = 0; i < 3000; i++) {
			struct sock_entry e = tcp_counted(cookie++, 5000, 10, 0);

			proc_traffic_add_sock(&pt, &e, true);
		}
		proc_traffic_end_tick(&pt, SEC);
	}
	assert_true(pt.nr_socks < 3 * 3000);
	/* tick 0 is the baseline; each later tick brings 3000 new sockets of 10 bytes */
	assert_int_equal(proc_of(&pt, 77)->tx_bytes[PT_TCP], 5 * 3000 * 10);
	proc_traffic_release(&pt);
}

static void test_sorted(void **state)
{
	struct proc_traffic pt;
	uint32_t order[8];
	size_t n;

	(void)state;
	proc_traffic_init(&pt);
	for (int pid = 1; pid <= 4; pid++)
		proc_traffic_set_owner(&pt, (uint64_t)pid, pid, 0, "p", NULL);
	pt.procs[1].tx_bytes[PT_TCP] = 10; /* pid 1: total only */
	pt.procs[2].tx_bytes_per_s = 5;	   /* pid 2: busy now */
	pt.procs[2].tx_bytes[PT_UDP] = 1;
	pt.procs[3].rx_bytes[PT_TCP] = 99;   /* pid 3: larger total */
	n = proc_traffic_sorted(&pt, order); /* pid 4 never moved a byte */
	assert_int_equal(n, 3);
	assert_int_equal(pt.procs[order[0]].pid, 2);
	assert_int_equal(pt.procs[order[1]].pid, 3);
	assert_int_equal(pt.procs[order[2]].pid, 1);
	proc_traffic_release(&pt);
}

/* A socket of a namespace found late is a baseline, not a newborn. */
static void test_force_baseline(void **state)
{
	struct proc_traffic pt;
	struct sock_entry a = tcp_counted(41, 1101, 5000, 0);

	(void)state;
	proc_traffic_init(&pt);
	proc_traffic_set_owner(&pt, 1101, 3, 0, "old", NULL);
	for (int t = 0; t < 2; t++) {
		proc_traffic_begin_tick(&pt);
		proc_traffic_end_tick(&pt, SEC);
	}
	proc_traffic_begin_tick(&pt);
	pt.force_baseline = true;
	proc_traffic_add_sock(&pt, &a, true);
	pt.force_baseline = false;
	proc_traffic_end_tick(&pt, SEC);
	proc_traffic_begin_tick(&pt);
	a.tcpi.tcpi_bytes_acked = 5100;
	proc_traffic_add_sock(&pt, &a, true);
	proc_traffic_end_tick(&pt, SEC);
	assert_int_equal(proc_of(&pt, 3)->tx_bytes[PT_TCP], 100);
	proc_traffic_release(&pt);
}

/* The hot-socket program passes the kernel's audit and accepts exactly the hot port pairs. */
static void test_hot_bytecode(void **state)
{
	struct proc_traffic pt;
	uint64_t cookie = 1;
	uint8_t *code;
	size_t len;
	int n;

	(void)state;
	proc_traffic_init(&pt);
	for (int t = 0; t < 3; t++) {
		proc_traffic_begin_tick(&pt);
		/* 300 server-side sockets on :9000, 300 clients, 50 idle */
		for (int i = 0; i < 650; i++) {
			struct sock_entry e =
				tcp_counted(cookie + (uint64_t)i, 0, (uint64_t)t * (i < 600), 0);

			e.lport = i < 300 ? 9000 : (uint16_t)(20000 + i * 7);
			e.rport = i < 300 ? (uint16_t)(40000 + i * 3) : 9000;
			if (i >= 600)
				e.lport = (uint16_t)(1000 + i), e.rport = 80;
			proc_traffic_add_sock(&pt, &e, true);
		}
		proc_traffic_end_tick(&pt, SEC);
	}
	n = proc_traffic_hot_bytecode(&pt, 5, 2000, &code, &len);
	assert_int_equal(n, 600);
	assert_non_null(code);
	assert_int_equal(bc_audit(code, len, false), 0);
	for (uint32_t lp = 0; lp < 65536; lp += 1) {
		struct sock_entry e = tcp_counted(1, 0, 0, 0);
		bool hot;

		e.lport = (uint16_t)lp;
		e.rport = 9000;
		hot = lp >= 20000 + 300 * 7 && lp < 20000 + 600 * 7 && (lp - 20000) % 7 == 0;
		assert_int_equal(bc_run(code, len, &e, false), hot);
		e.lport = 9000;
		e.rport = (uint16_t)lp;
		hot = lp >= 40000 && lp < 40000 + 300 * 3 && (lp - 40000) % 3 == 0;
		assert_int_equal(bc_run(code, len, &e, false), hot);
	}
	free(code);
	assert_int_equal(proc_traffic_hot_bytecode(&pt, 5, 100, &code, &len), -E2BIG);
	assert_null(code);
	/* hot_ticks 1: nothing moved in the current tick yet, so nothing is hot */
	proc_traffic_begin_tick(&pt);
	assert_int_equal(proc_traffic_hot_bytecode(&pt, 1, 2000, &code, &len), 0);
	assert_null(code);
	proc_traffic_release(&pt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcpinfo_deltas),
		cmocka_unit_test(test_owner_by_cookie_and_exit),
		cmocka_unit_test(test_counter_backwards),
		cmocka_unit_test(test_capture_match),
		cmocka_unit_test(test_capture_pending),
		cmocka_unit_test(test_capture_loopback),
		cmocka_unit_test(test_compaction),
		cmocka_unit_test(test_sorted),
		cmocka_unit_test(test_force_baseline),
		cmocka_unit_test(test_hot_bytecode),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
