// SPDX-License-Identifier: GPL-2.0-or-later
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/if_packet.h>

/* clang-format off: cmocka.h needs the headers above */
#include <cmocka.h>
/* clang-format on */

#include "analyze/proc_traffic.h"
#include "base/outbuf.h"
#include "ui/proc_render.h"
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

/* The row of the latest process with pid, or NULL. */
static struct pt_proc *proc_of(struct proc_traffic *pt, int32_t pid)
{
	struct pt_proc *found = NULL;

	for (size_t i = PT_FIRST_PROC; i < pt->nr_procs; i++)
		if (pt->procs[i].used && pt->procs[i].pid == pid &&
		    (!found || pt->procs[i].start_ticks > found->start_ticks))
			found = &pt->procs[i];
	return found;
}

/* First tick is a baseline; later deltas go to the owner; new cookies count from 0. */
static void test_tcpinfo_deltas(void **state)
{
	struct proc_traffic pt;
	struct sock_entry a = tcp_counted(11, 501, 1000, 50);
	struct sock_entry b = tcp_counted(12, 502, 7, 9);
	struct pt_proc *p;

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
	proc_traffic_set_owner(&pt, 501, 42, 1000, 1000, "curl", "curl http://x");
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
	struct pt_proc *p;

	(void)state;
	proc_traffic_init(&pt);
	proc_traffic_set_owner(&pt, 601, 7, 1000, 0, "srv", NULL);
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
	proc_traffic_set_owner(&pt, 701, 9, 1000, 0, "x", NULL);
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
	proc_traffic_set_owner(&pt, 801, 100, 1000, 0, "tls", NULL);
	proc_traffic_set_owner(&pt, 802, 200, 1000, 0, "dns", NULL);
	proc_traffic_set_owner(&pt, 803, 300, 1000, 0, "ntp", NULL);

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
	proc_traffic_set_owner(&pt, 901, 55, 1000, 0, "web", NULL);
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
	proc_traffic_set_owner(&pt, 1001, 1, 1000, 0, "client", NULL);
	proc_traffic_set_owner(&pt, 1002, 2, 1000, 0, "server", NULL);
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
	for (int t = 0; t < 6; t++) {
		/* what a walk of /proc would say about each tick's sockets */
		proc_traffic_set_owner(&pt, 5000, 77, 1000, 0, "churn", NULL);
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
		proc_traffic_set_owner(&pt, (uint64_t)pid, pid, 1000, 0, "p", NULL);
	proc_of(&pt, 1)->tx_bytes[PT_TCP] = 10; /* pid 1: total only */
	proc_of(&pt, 2)->tx_bytes_per_s = 5;	/* pid 2: busy now */
	proc_of(&pt, 2)->tx_bytes[PT_UDP] = 1;
	proc_of(&pt, 3)->rx_bytes[PT_TCP] = 99; /* pid 3: larger total */
	n = proc_traffic_sorted(&pt, order);	/* pid 4 never moved a byte */
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
	assert_int_equal(proc_traffic_settle(&pt), 1);
	proc_traffic_set_owner(&pt, 1101, 3, 1000, 0, "old", NULL); /* the walk that follows */
	proc_traffic_end_tick(&pt, SEC);
	assert_int_equal(proc_of(&pt, 3)->tx_bytes[PT_TCP], 100);
	proc_traffic_release(&pt);
}

/* A reused pid is another process: its own row, and the first one has exited. */
static void test_pid_reuse(void **state)
{
	struct proc_traffic pt;
	struct sock_entry a = tcp_counted(51, 1201, 0, 0);
	struct sock_entry b = tcp_counted(52, 1202, 0, 0);
	uint32_t order[8];
	size_t n;

	(void)state;
	proc_traffic_init(&pt);
	proc_traffic_begin_tick(&pt);
	proc_traffic_add_sock(&pt, &a, true);
	proc_traffic_end_tick(&pt, SEC);
	proc_traffic_begin_tick(&pt);
	a.tcpi.tcpi_bytes_acked = 700;
	proc_traffic_add_sock(&pt, &a, true);
	proc_traffic_set_owner(&pt, 1201, 50, 111, 0, "first", NULL);
	proc_traffic_end_tick(&pt, SEC);
	/* pid 50 again, started later: a new process, not a rename */
	proc_traffic_begin_tick(&pt);
	proc_traffic_add_sock(&pt, &b, true);
	b.tcpi.tcpi_bytes_acked = 300;
	proc_traffic_add_sock(&pt, &b, true);
	proc_traffic_set_owner(&pt, 1202, 50, 222, 0, "second", NULL);
	proc_traffic_end_tick(&pt, SEC);
	n = proc_traffic_sorted(&pt, order);
	assert_int_equal(n, 2);
	assert_int_equal(pt.procs[order[0]].pid, 50);
	assert_int_equal(pt.procs[order[1]].pid, 50);
	for (size_t i = 0; i < n; i++) {
		const struct pt_proc *p = &pt.procs[order[i]];

		if (p->start_ticks == 111) {
			assert_string_equal(p->comm, "first");
			assert_true(p->exited);
			assert_int_equal(pt_proc_tx_bytes(p), 700);
		} else {
			assert_int_equal(p->start_ticks, 222);
			assert_string_equal(p->comm, "second");
			assert_false(p->exited);
			assert_int_equal(pt_proc_tx_bytes(p), 300);
		}
	}
	/* set_exited names the latest process with the pid */
	proc_traffic_set_exited(&pt, 50);
	assert_true(proc_of(&pt, 50)->exited);
	proc_traffic_release(&pt);
}

struct churn {
	int32_t first_live; /* pids below this have exited */
	size_t asked;
};

static bool churn_gone(void *arg, int32_t pid, uint64_t start_ticks)
{
	struct churn *c = arg;

	assert_int_equal(start_ticks, 9000 + (uint64_t)pid);
	c->asked++;
	return pid < c->first_live;
}

/*
 * issue 6: 1,500 short-lived clients gave 1,501 rows, sorted at every refresh.
 * 2,000 processes come and go, 20 per tick, each moving 1,000 bytes on a
 * socket of its own: the rows stay at the live ones plus PT_MAX_EXITED, the
 * rest fold into the exited row, and every row together still holds every byte.
 */
static void test_exited_fold(void **state)
{
	struct proc_traffic pt;
	struct churn c = { .first_live = 1 };
	uint32_t *order;
	uint64_t cookie = 1, sum = 0;
	size_t most_procs = 0, most_socks = 0, n = 0;
	const int per_tick = 20, ticks = 100;

	(void)state;
	proc_traffic_init(&pt);
	proc_traffic_begin_tick(&pt);
	proc_traffic_end_tick(&pt, SEC);
	for (int t = 0; t < ticks; t++) {
		int32_t base = 1 + t * per_tick;

		proc_traffic_begin_tick(&pt);
		for (int i = 0; i < per_tick; i++) {
			struct sock_entry e =
				tcp_counted(cookie++, 100000 + (uint64_t)(base + i), 1000, 0);

			proc_traffic_add_sock(&pt, &e, true);
		}
		proc_traffic_settle(&pt);
		for (int i = 0; i < per_tick; i++)
			proc_traffic_set_owner(&pt, 100000 + (uint64_t)(base + i), base + i,
					       9000 + (uint64_t)(base + i), 0, "client", NULL);
		proc_traffic_end_tick(&pt, SEC);
		c.first_live = base + per_tick; /* they all exit before the next tick */
		proc_traffic_check_exited(&pt, churn_gone, &c);
		if (proc_traffic_nr_procs(&pt) > most_procs)
			most_procs = proc_traffic_nr_procs(&pt);
		if (proc_traffic_nr_socks(&pt) > most_socks)
			most_socks = proc_traffic_nr_socks(&pt);
	}
	/* the live ones and PT_MAX_EXITED exited */
	assert_true(most_procs <= (size_t)PT_MAX_EXITED + per_tick);
	assert_true(most_socks <= 2 * PT_COMPACT_MIN + (size_t)per_tick);
	assert_int_equal(c.asked, (size_t)per_tick * ticks);
	order = calloc(pt.nr_procs, sizeof(*order));
	n = proc_traffic_sorted(&pt, order);
	assert_true(n <= (size_t)PT_MAX_EXITED + per_tick);
	for (size_t i = 0; i < n; i++)
		sum += pt_proc_tx_bytes(&pt.procs[order[i]]);
	sum += pt_proc_tx_bytes(proc_traffic_exited_row(&pt));
	sum += pt_proc_tx_bytes(&pt.procs[PT_UNATTRIBUTED]);
	assert_int_equal(pt_proc_tx_bytes(&pt.procs[PT_UNATTRIBUTED]), 0);
	assert_int_equal(sum, (uint64_t)per_tick * ticks * 1000);
	assert_int_equal(proc_traffic_nr_folded(&pt) + n, (uint64_t)per_tick * ticks);
	assert_true(proc_traffic_exited_row(&pt)->exited);
	free(order);
	proc_traffic_release(&pt);
}

/* Processes that never moved a byte leave no row when they exit. */
static void test_idle_exit(void **state)
{
	struct proc_traffic pt;
	struct churn c = { .first_live = 1000 };

	(void)state;
	proc_traffic_init(&pt);
	for (int32_t pid = 1; pid <= 300; pid++)
		proc_traffic_set_owner(&pt, 7000 + (uint64_t)pid, pid, 9000 + (uint64_t)pid, 0,
				       "idle", NULL);
	assert_int_equal(proc_traffic_nr_procs(&pt), 300);
	for (int t = 0; t < 16; t++) { /* idle ones are asked once every 16 ticks */
		proc_traffic_begin_tick(&pt);
		proc_traffic_end_tick(&pt, SEC);
		proc_traffic_check_exited(&pt, churn_gone, &c);
		assert_true(c.asked <= (size_t)(t + 1) * (300 / 16 + 1));
	}
	assert_int_equal(c.asked, 300);
	proc_traffic_begin_tick(&pt);
	proc_traffic_end_tick(&pt, SEC);
	assert_int_equal(proc_traffic_nr_procs(&pt), 0);
	assert_int_equal(proc_traffic_nr_folded(&pt), 0);
	/* their slots are reused */
	proc_traffic_set_owner(&pt, 1, 5, 9005, 0, "new", NULL);
	assert_int_equal(pt.nr_procs, PT_FIRST_PROC + 300);
	proc_traffic_release(&pt);
}

/*
 * issue 6: a connection that lives less than the tick (iperf3 -t 1 in a 4 s
 * window) went to "unattributed": its socket was gone when the tick's dump
 * came.  Its first packets ask for a dump; that dump finds the socket and its
 * owner while both exist; its last packets, after a dump no longer shows
 * it, still find it.
 */
static void test_capture_short_connection(void **state)
{
	struct proc_traffic pt;
	struct sock_entry c = sock(PROTO_TCP, "10.0.0.1", 41000, "10.0.0.2", 5201, 61, 1301);
	struct pkt_info syn =
		pkt(IPPROTO_TCP, "10.0.0.1", 41000, "10.0.0.2", 5201, 74, PACKET_OUTGOING);
	struct pkt_info data = syn, fin = syn;
	struct pkt_info stray = pkt(IPPROTO_UDP, "192.0.2.7", 9, "10.0.0.1", 7777, 60, PACKET_HOST);

	(void)state;
	syn.tcp_flags = 0x02;
	data.wire_len = 1514;
	data.tcp_flags = 0x10;
	fin.wire_len = 66;
	fin.tcp_flags = 0x11;
	proc_traffic_init(&pt);
	proc_traffic_begin_tick(&pt); /* the tick's own dump: nothing yet */
	assert_false(proc_traffic_wants_dump(&pt));
	proc_traffic_packet(&pt, &syn);
	proc_traffic_packet(&pt, &stray);
	assert_true(proc_traffic_wants_dump(&pt));
	assert_int_equal(proc_traffic_nr_pending(&pt), 2);
	/* the early dump: the socket and, by a walk of /proc, its process */
	proc_traffic_begin_dump(&pt);
	proc_traffic_add_sock(&pt, &c, false);
	assert_int_equal(proc_traffic_end_dump(&pt), 1);
	proc_traffic_set_owner(&pt, 1301, 4242, 777, 0, "iperf3", NULL);
	assert_int_equal(proc_traffic_nr_unowned(&pt), 0);
	assert_int_equal(proc_traffic_nr_pending(&pt), 1); /* the stray one waits on */
	assert_false(proc_traffic_wants_dump(&pt));	   /* and asks for nothing more */
	{
		/* a stray mid-stream segment of an unknown tuple is held but asks for no dump */
		struct pkt_info ack =
			pkt(IPPROTO_TCP, "192.0.2.8", 443, "10.0.0.1", 50000, 60, PACKET_HOST);

		ack.tcp_flags = 0x10;
		proc_traffic_packet(&pt, &ack);
		assert_false(proc_traffic_wants_dump(&pt));
		assert_int_equal(proc_traffic_nr_pending(&pt), 2);
	}
	for (int i = 0; i < 100; i++)
		proc_traffic_packet(&pt, &data);
	/* it closes, its process exits; another dump no longer shows it */
	proc_traffic_begin_dump(&pt);
	assert_int_equal(proc_traffic_end_dump(&pt), 0);
	proc_traffic_packet(&pt, &fin);
	proc_traffic_end_tick(&pt, 4 * SEC);
	assert_int_equal(proc_of(&pt, 4242)->tx_bytes[PT_TCP], 74 + 100 * 1514 + 66);
	assert_int_equal(pt_proc_rx_bytes(&pt.procs[PT_UNATTRIBUTED]), 60 + 60);
	assert_int_equal(pt_proc_tx_bytes(&pt.procs[PT_UNATTRIBUTED]), 0);
	assert_int_equal(proc_traffic_nr_pending(&pt), 0);

	/* the next tick: a late packet still matches (grace), then no more */
	proc_traffic_begin_tick(&pt);
	proc_traffic_packet(&pt, &fin);
	proc_traffic_end_tick(&pt, SEC);
	assert_int_equal(proc_of(&pt, 4242)->tx_bytes[PT_TCP], 74 + 100 * 1514 + 2 * 66);
	for (int t = 0; t < PT_GRACE_TICKS; t++) {
		proc_traffic_begin_tick(&pt);
		proc_traffic_end_tick(&pt, SEC);
	}
	proc_traffic_begin_tick(&pt);
	proc_traffic_packet(&pt, &fin);
	proc_traffic_end_tick(&pt, SEC);
	assert_int_equal(pt_proc_tx_bytes(&pt.procs[PT_UNATTRIBUTED]), 66);
	proc_traffic_release(&pt);
}

/* A held packet finds a socket an earlier dump of the tick showed, not only the last one. */
static void test_capture_any_dump(void **state)
{
	struct proc_traffic pt;
	struct sock_entry u = sock(PROTO_UDP, "10.0.0.1", 5353, "10.0.0.9", 53, 71, 1401);
	struct pkt_info q = pkt(IPPROTO_UDP, "10.0.0.1", 5353, "10.0.0.9", 53, 80, PACKET_OUTGOING);

	(void)state;
	proc_traffic_init(&pt);
	proc_traffic_begin_tick(&pt);
	proc_traffic_end_tick(&pt, SEC);
	proc_traffic_begin_tick_nodump(&pt);
	proc_traffic_packet(&pt, &q);
	proc_traffic_begin_dump(&pt); /* shows the socket; its end is not called */
	proc_traffic_add_sock(&pt, &u, false);
	proc_traffic_set_owner(&pt, 1401, 9, 1, 0, "dig", NULL);
	proc_traffic_begin_dump(&pt); /* the socket is gone by then */
	proc_traffic_end_tick(&pt, SEC);
	assert_int_equal(proc_of(&pt, 9)->tx_bytes[PT_UDP], 80);
	assert_int_equal(pt_proc_tx_bytes(&pt.procs[PT_UNATTRIBUTED]), 0);
	proc_traffic_release(&pt);
}

/* A port reused by a new socket: its packets go to it, not to the dead one in its grace. */
static void test_capture_reused_port(void **state)
{
	struct proc_traffic pt;
	struct sock_entry old = sock(PROTO_UDP, "0.0.0.0", 6000, "0.0.0.0", 0, 81, 1501);
	struct sock_entry neu = sock(PROTO_UDP, "0.0.0.0", 6000, "0.0.0.0", 0, 82, 1502);
	struct pkt_info p = pkt(IPPROTO_UDP, "192.0.2.1", 1, "10.0.0.1", 6000, 100, PACKET_HOST);

	(void)state;
	proc_traffic_init(&pt);
	proc_traffic_begin_tick(&pt);
	proc_traffic_add_sock(&pt, &old, false);
	proc_traffic_set_owner(&pt, 1501, 10, 1, 0, "old", NULL);
	proc_traffic_set_owner(&pt, 1502, 11, 1, 0, "new", NULL);
	proc_traffic_end_tick(&pt, SEC);
	proc_traffic_begin_tick(&pt);
	proc_traffic_add_sock(&pt, &neu, false);
	proc_traffic_packet(&pt, &p);
	proc_traffic_end_tick(&pt, SEC);
	assert_int_equal(pt_proc_rx_bytes(proc_of(&pt, 11)), 100);
	assert_int_equal(pt_proc_rx_bytes(proc_of(&pt, 10)), 0);
	proc_traffic_release(&pt);
}

/* Connections come and go for many ticks: sockets and tuples stay flat. */
static void test_capture_churn_bounded(void **state)
{
	struct proc_traffic pt;
	uint64_t cookie = 1;
	size_t most_socks = 0, most_tuples = 0;

	(void)state;
	proc_traffic_init(&pt);
	for (int t = 0; t < 200; t++) {
		proc_traffic_begin_tick(&pt);
		for (int i = 0; i < 100; i++) { /* each connection lives one tick */
			struct sock_entry e = sock(PROTO_TCP, "10.0.0.1",
						   (uint16_t)(20000 + (t * 100 + i) % 30000),
						   "10.0.0.2", 80, cookie++, 0);

			proc_traffic_add_sock(&pt, &e, false);
		}
		proc_traffic_end_tick(&pt, SEC);
		if (proc_traffic_nr_socks(&pt) > most_socks)
			most_socks = proc_traffic_nr_socks(&pt);
		if (proc_traffic_nr_tuples(&pt) > most_tuples)
			most_tuples = proc_traffic_nr_tuples(&pt);
	}
	assert_true(most_socks <= 2 * PT_COMPACT_MIN + 100 * (PT_GRACE_TICKS + 2));
	assert_true(most_tuples <= most_socks);
	assert_int_equal(proc_traffic_nr_pending(&pt), 0);
	proc_traffic_release(&pt);
}

/* Renders v in each form into one string (owned by the caller). */
static char *render_all(const struct proc_view *v)
{
	FILE *f = tmpfile();
	struct outbuf ob;
	char *text = calloc(1, 8192);

	assert_non_null(f);
	outbuf_init(&ob, fileno(f), 4096);
	proc_render_table(&ob, v, false, 0, 80);
	proc_render_csv(&ob, v, true);
	proc_render_json(&ob, v);
	outbuf_release(&ob);
	rewind(f);
	assert_true(fread(text, 1, 8191, f) > 0);
	fclose(f);
	return text;
}

/* The exited-processes row: in the table, the CSV and the JSON, and in the table's total. */
static void test_render_exited_row(void **state)
{
	struct proc_row rows[1] = { { .pid = 7,
				      .user = "root",
				      .comm = "web",
				      .command = "",
				      .tcp_tx_bytes = 1000,
				      .nr_sockets = 1 } };
	struct proc_row ex = { .pid = -1,
			       .comm = "exited processes",
			       .exited = true,
			       .tcp_tx_bytes = 3072,
			       .udp_rx_bytes = 5 };
	struct proc_row un = { .pid = -1, .comm = "unattributed", .tcp_rx_bytes = 20 };
	struct proc_view v = { .engine = "capture",
			       .rows = rows,
			       .nr_rows = 1,
			       .unattributed = &un,
			       .exited = &ex,
			       .nr_exited = 12 };
	char *text;

	(void)state;
	text = render_all(&v);
	assert_non_null(strstr(text, "12 exited processes"));
	assert_null(strstr(text, "[exited] 12"));
	assert_non_null(strstr(text, "3.98 KiB")); /* TOTAL sent: 1000 + 3072 */
	assert_non_null(strstr(text, ",,,exited processes,,,1,"));
	assert_non_null(strstr(text, "\"exited_processes\":{\"processes\":12,\"tx_bytes\":3072,"
				     "\"rx_bytes\":5,"));
	free(text);
	/* none folded yet: no row, and the JSON key with zeros */
	v.nr_exited = 0;
	memset(&ex, 0, sizeof(ex));
	text = render_all(&v);
	assert_null(strstr(text, "exited processes"));
	assert_non_null(strstr(text, "\"exited_processes\":{\"processes\":0,\"tx_bytes\":0,"));
	free(text);
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
		cmocka_unit_test(test_pid_reuse),
		cmocka_unit_test(test_exited_fold),
		cmocka_unit_test(test_idle_exit),
		cmocka_unit_test(test_capture_short_connection),
		cmocka_unit_test(test_capture_any_dump),
		cmocka_unit_test(test_capture_reused_port),
		cmocka_unit_test(test_capture_churn_bounded),
		cmocka_unit_test(test_render_exited_row),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
