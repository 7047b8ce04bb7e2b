// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The detection inputs that read the system or combine census records:
 * collect/fdcount on a fake /proc tree and on this process, its limits
 * parser; collect/scan_capture's kernel filter (it must compile for the
 * links "any" gives) and its user-space half on a pcap file written here;
 * analyze/pair_bytes (deltas, rates, floor, interfaces, the baseline
 * census) and analyze/listeners (one entry per port, owners).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

/* clang-format off: cmocka.h needs the headers above */
#include <cmocka.h>
/* clang-format on */

#include <pcap/pcap.h>

#include "analyze/listeners.h"
#include "analyze/pair_bytes.h"
#include "collect/fdcount.h"
#include "collect/scan_capture.h"

/* ---- fdcount ---- */

static const char limits_text[] =
	"Limit                     Soft Limit           Hard Limit           Units     \n"
	"Max cpu time              unlimited            unlimited            seconds   \n"
	"Max open files            1024                 524288               files     \n"
	"Max locked memory         8388608              8388608              bytes     \n";

static void test_limits_parse(void **state)
{
	uint64_t soft = 0;

	(void)state;
	assert_int_equal(fdcount_parse_limits(limits_text, strlen(limits_text), &soft), 0);
	assert_int_equal(soft, 1024);
	assert_int_equal(
		fdcount_parse_limits("Max open files unlimited unlimited files\n", 40, &soft), 0);
	assert_true(soft == FDCOUNT_UNLIMITED);
	assert_int_equal(fdcount_parse_limits("Max open files\n", 15, &soft), -EPROTO);
	assert_int_equal(fdcount_parse_limits("Max cpu time 1 1 s\n", 19, &soft), -EPROTO);
	assert_int_equal(
		fdcount_parse_limits("Max open files 99999999999999999999999 1\n", 41, &soft),
		-EPROTO);
}

static void put(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static void test_fdcount_tree(void **state)
{
	char root[] = "/tmp/connmon-fdcount-XXXXXX", p[128];
	uint64_t nr_open = 0, soft = 0;
	struct rlimit rl;

	(void)state;
	assert_non_null(mkdtemp(root));
	snprintf(p, sizeof(p), "%s/42", root);
	assert_int_equal(mkdir(p, 0700), 0);
	snprintf(p, sizeof(p), "%s/42/fd", root);
	assert_int_equal(mkdir(p, 0700), 0);
	for (int i = 0; i < 5; i++) {
		snprintf(p, sizeof(p), "%s/42/fd/%d", root, i);
		put(p, "");
	}
	snprintf(p, sizeof(p), "%s/42/limits", root);
	put(p, limits_text);
	assert_int_equal(fdcount_read(root, 42, &nr_open, &soft), 0);
	assert_int_equal(nr_open, 5);
	assert_int_equal(soft, 1024);
	assert_int_equal(fdcount_read(root, 43, &nr_open, &soft), -ENOENT);
	/* this process, against getrlimit and a descriptor we open */
	assert_int_equal(fdcount_read("/proc", getpid(), &nr_open, &soft), 0);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	assert_true(soft == (rl.rlim_cur == RLIM_INFINITY ? FDCOUNT_UNLIMITED : rl.rlim_cur));
	{
		uint64_t before = nr_open;
		int fd = open("/dev/null", O_RDONLY);

		assert_int_equal(fdcount_read("/proc", getpid(), &nr_open, &soft), 0);
		assert_int_equal(nr_open, before + 1);
		close(fd);
	}
	for (int i = 0; i < 5; i++) {
		snprintf(p, sizeof(p), "%s/42/fd/%d", root, i);
		unlink(p);
	}
	snprintf(p, sizeof(p), "%s/42/limits", root);
	unlink(p);
	snprintf(p, sizeof(p), "%s/42/fd", root);
	rmdir(p);
	snprintf(p, sizeof(p), "%s/42", root);
	rmdir(p);
	rmdir(root);
}

static void test_iface_addrs(void **state)
{
	struct addr_iface v[64];
	int n = fdcount_iface_addrs(v, 64);
	bool lo = false;

	(void)state;
	assert_true(n >= 0);
	for (int i = 0; i < n; i++)
		if (v[i].family == AF_INET && v[i].addr[0] == 127 && !strcmp(v[i].ifname, "lo"))
			lo = true;
	assert_true(lo || n == 0);
}

/* ---- scan_capture ---- */

static void test_filter_compiles(void **state)
{
	static const int links[] = { DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_EN10MB };
	char f[512];

	(void)state;
	assert_int_equal(scan_capture_filter(f, sizeof(f), 32768, 60999), 0);
	assert_non_null(strstr(f, "portrange 32768-60999"));
	assert_int_equal(scan_capture_filter(f, 20, 32768, 60999), -E2BIG);
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		pcap_t *p = pcap_open_dead(links[i], SCAN_CAPTURE_SNAPLEN);
		struct bpf_program prog;

		assert_int_equal(scan_capture_filter(f, sizeof(f), 1, 0), 0);
		if (pcap_compile(p, &prog, f, 1, PCAP_NETMASK_UNKNOWN) < 0)
			fail_msg("link %d: %s", links[i], pcap_geterr(p));
		pcap_freecode(&prog);
		pcap_close(p);
	}
}

/* An Ethernet frame with an IPv4 header and a TCP or UDP header. */
static size_t frame(uint8_t *b, const uint8_t dmac[6], uint32_t src, uint8_t proto, uint16_t dport,
		    uint8_t flags)
{
	size_t l4 = proto == IPPROTO_TCP ? 20 : 8;
	uint32_t s = htonl(src), d = htonl(0x0a000001);

	memset(b, 0, 14 + 20 + l4);
	memcpy(b, dmac, 6);
	b[12] = 0x08;
	b[14] = 0x45;
	b[16] = 0;
	b[17] = (uint8_t)(20 + l4);
	b[22] = 64;
	b[23] = proto;
	memcpy(b + 26, &s, 4);
	memcpy(b + 30, &d, 4);
	b[34] = 0x9c;
	b[35] = 0x40; /* sport 40000 */
	b[36] = (uint8_t)(dport >> 8);
	b[37] = (uint8_t)dport;
	if (proto == IPPROTO_TCP) {
		b[46] = 0x50;
		b[47] = flags;
	} else {
		b[39] = 8;
	}
	return 14 + 20 + l4;
}

struct probes {
	int n;
	uint16_t ports[16];
	uint8_t protos[16];
};

static void on_probe(int family, const uint8_t *src, uint8_t proto, uint16_t dport, int64_t t_ms,
		     void *arg)
{
	struct probes *p = arg;

	assert_int_equal(family, AF_INET);
	assert_int_equal(src[0], 192);
	if (t_ms != 1795953600000LL + p->n)
		fail_msg("t_ms %lld n %d port %u", (long long)t_ms, p->n, dport);
	p->ports[p->n] = dport;
	p->protos[p->n++] = proto;
}

static void test_capture_file(void **state)
{
	static const uint8_t mac[6] = { 2, 0, 0, 0, 0, 1 };
	char path[] = "/tmp/connmon-scan-XXXXXX";
	pcap_t *dead = pcap_open_dead(DLT_EN10MB, 256);
	struct scan_capture_opts o = { .file = path };
	struct scan_capture_stats st;
	struct scan_capture *c;
	struct probes got = { 0 };
	pcap_dumper_t *d;
	uint8_t b[128];
	char why[128];
	int fd = mkstemp(path), t = 0;

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	d = pcap_dump_open(dead, path);
	assert_non_null(d);

	struct {
		uint8_t proto, flags;
		uint16_t port;
	} pk[] = {
		{ IPPROTO_TCP, 0x02, 22 },   /* SYN: counts */
		{ IPPROTO_TCP, 0x12, 80 },   /* SYN-ACK: not an attempt */
		{ IPPROTO_TCP, 0x10, 81 },   /* ACK */
		{ IPPROTO_UDP, 0, 161 },     /* UDP: counts */
		{ IPPROTO_TCP, 0xc2, 443 },  /* SYN with ECN bits: counts */
		{ IPPROTO_TCP, 0x02, 8080 }, /* SYN from 127.0.0.1: the host itself */
	};

	for (size_t i = 0; i < sizeof(pk) / sizeof(pk[0]); i++) {
		struct pcap_pkthdr h = { .ts = { .tv_sec = 1795953600, .tv_usec = t * 1000 } };

		uint32_t src = pk[i].port == 8080 ? 0x7f000001 : 0xc0000209;

		h.caplen = h.len =
			(bpf_u_int32)frame(b, mac, src, pk[i].proto, pk[i].port, pk[i].flags);
		pcap_dump((u_char *)d, &h, b);
		if (pk[i].port == 22 || pk[i].port == 161)
			t++;
	}
	pcap_dump_close(d);
	pcap_close(dead);
	assert_int_equal(scan_capture_open(&c, &o, why, sizeof(why)), 0);
	assert_int_equal(scan_capture_fd(c), -1);
	assert_int_equal(scan_capture_dispatch(c, on_probe, &got), 6);
	assert_int_equal(scan_capture_dispatch(c, on_probe, &got), -ENODATA);
	assert_int_equal(got.n, 3);
	assert_int_equal(got.ports[0], 22);
	assert_int_equal(got.ports[1], 161);
	assert_int_equal(got.protos[1], IPPROTO_UDP);
	assert_int_equal(got.ports[2], 443);
	scan_capture_stats(c, &st);
	assert_int_equal(st.probes, 3);
	assert_int_equal(st.ignored, 3);
	scan_capture_close(c);
	unlink(path);
	o.file = "/nonexistent/x.pcap";
	assert_int_equal(scan_capture_open(&c, &o, why, sizeof(why)), -ENOENT);
	assert_non_null(strstr(why, "port scans off"));
}

/* ---- pair_bytes ---- */

static struct sock_entry tcp_sock(uint64_t cookie, uint32_t local, uint32_t remote, uint64_t tx,
				  uint64_t rx)
{
	struct sock_entry e;
	uint32_t l = htonl(local), r = htonl(remote);

	memset(&e, 0, sizeof(e));
	e.proto = PROTO_TCP;
	e.family = AF_INET;
	e.state = SOCK_ST_ESTABLISHED;
	e.has = SOCK_HAS_INFO;
	e.tcpi_len = sizeof(e.tcpi);
	e.cookie = cookie;
	memcpy(e.local, &l, 4);
	memcpy(e.remote, &r, 4);
	e.tcpi.tcpi_bytes_acked = tx;
	e.tcpi.tcpi_bytes_received = rx;
	return e;
}

static void test_pair_bytes(void **state)
{
	struct addr_iface ifs[1] = { { .family = AF_INET, .ifname = "veth0" } };
	struct pair_bytes pb;
	const struct rule_pair *v;
	struct sock_entry e;
	size_t nr;

	(void)state;
	ifs[0].addr[0] = 10;
	ifs[0].addr[3] = 1;
	pair_bytes_init(&pb, 1000);
	pair_bytes_set_ifaces(&pb, ifs, 1);
	/* census 1: the baseline */
	e = tcp_sock(1, 0x0a000001, 0x0a000002, 5000, 5000);
	pair_bytes_add_sock(&pb, &e);
	assert_int_equal(pair_bytes_end_census(&pb, 1000), 0);
	/* census 2, 2 s later: two sockets of one pair, one slow pair, a listener */
	e = tcp_sock(1, 0x0a000001, 0x0a000002, 105000, 5000); /* +100,000 */
	pair_bytes_add_sock(&pb, &e);
	e = tcp_sock(2, 0x0a000001, 0x0a000002, 0, 20000); /* new: +20,000 */
	pair_bytes_add_sock(&pb, &e);
	e = tcp_sock(3, 0x0a000001, 0x0a000003, 0, 1000); /* 500 B/s: under the floor */
	pair_bytes_add_sock(&pb, &e);
	e = tcp_sock(4, 0x0a000009, 0x0a000004, 0, 900000); /* an address on no interface */
	pair_bytes_add_sock(&pb, &e);
	e = tcp_sock(5, 0x0a000001, 0, 1 << 30, 0);
	e.state = SOCK_ST_LISTEN;
	pair_bytes_add_sock(&pb, &e);
	assert_int_equal(pair_bytes_end_census(&pb, 3000), 2);
	v = pair_bytes_pairs(&pb, &nr);
	assert_int_equal(nr, 2);
	assert_string_equal(v[0].local, "10.0.0.9");
	assert_string_equal(v[0].iface, "");
	assert_true(v[0].bytes_per_s == 450000.0);
	assert_string_equal(v[1].local, "10.0.0.1");
	assert_string_equal(v[1].remote, "10.0.0.2");
	assert_string_equal(v[1].iface, "veth0");
	assert_true(v[1].bytes_per_s == 60000.0);
	/* census 3: nothing moved */
	e = tcp_sock(1, 0x0a000001, 0x0a000002, 105000, 5000);
	pair_bytes_add_sock(&pb, &e);
	assert_int_equal(pair_bytes_end_census(&pb, 4000), 0);
	/* a dual-stack socket's IPv4 peer is the IPv4 pair */
	e = tcp_sock(6, 0, 0, 0, 0);
	e.family = AF_INET6;
	memcpy(e.local, (const uint8_t[16]){ [10] = 0xff, [11] = 0xff, 10, 0, 0, 1 }, 16);
	memcpy(e.remote, (const uint8_t[16]){ [10] = 0xff, [11] = 0xff, 10, 0, 0, 7 }, 16);
	e.tcpi.tcpi_bytes_received = 2000000;
	pair_bytes_add_sock(&pb, &e);
	assert_int_equal(pair_bytes_end_census(&pb, 4500), 1);
	v = pair_bytes_pairs(&pb, &nr);
	assert_string_equal(v[0].remote, "10.0.0.7");
	assert_string_equal(v[0].iface, "veth0");
	/* many fast pairs: the fastest PAIR_BYTES_MAX_OUT, sorted */
	for (uint32_t i = 0; i < 200; i++)
		pair_bytes_add(&pb, AF_INET, (const uint8_t[16]){ 10, 0, 0, 1 },
			       (const uint8_t[16]){ 10, 1, (uint8_t)(i >> 8), (uint8_t)i },
			       10000 + i);
	assert_int_equal(pair_bytes_end_census(&pb, 5500), PAIR_BYTES_MAX_OUT);
	v = pair_bytes_pairs(&pb, &nr);
	assert_true(v[0].bytes_per_s == 10199.0);
	assert_true(v[nr - 1].bytes_per_s == 10000.0 + 200 - PAIR_BYTES_MAX_OUT);
	pair_bytes_release(&pb);
}

/* ---- listeners ---- */

static void test_listeners(void **state)
{
	struct listener_set ls;
	struct proc_table pt;
	struct sock_entry e;
	const struct rule_listener *v;
	int32_t pids[4];
	size_t nr;

	(void)state;
	listener_set_init(&ls);
	proc_table_init(&pt);
	proc_table_add(&pt, 100, 77, 3, proc_table_add_comm(&pt, "ssh\x1b"));
	memset(&e, 0, sizeof(e));
	e.proto = PROTO_TCP;
	e.family = AF_INET;
	e.state = SOCK_ST_LISTEN;
	e.lport = 22;
	e.inode = 100;
	listener_set_add_sock(&ls, &e);
	e.family = AF_INET6; /* the same port over IPv6: one entry */
	e.inode = 101;
	listener_set_add_sock(&ls, &e);
	e.state = SOCK_ST_ESTABLISHED; /* not a listener */
	e.lport = 5555;
	listener_set_add_sock(&ls, &e);
	memset(&e, 0, sizeof(e));
	e.proto = PROTO_UDP;
	e.family = AF_INET;
	e.state = SOCK_ST_CLOSE;
	e.lport = 53;
	e.inode = 200;
	listener_set_add_sock(&ls, &e);
	e.lport = 40000; /* connected UDP: a client */
	e.rport = 53;
	e.remote[0] = 10;
	listener_set_add_sock(&ls, &e);
	listener_set_resolve(&ls, &pt);
	v = listener_set_list(&ls, &nr);
	assert_int_equal(nr, 2);
	assert_int_equal(v[0].proto, IPPROTO_TCP);
	assert_int_equal(v[0].port, 22);
	assert_int_equal(v[0].pid, 77);
	assert_string_equal(v[0].comm, "ssh?");
	assert_int_equal(v[1].proto, IPPROTO_UDP);
	assert_int_equal(v[1].pid, -1);
	assert_int_equal(listener_set_pids(&ls, pids, 4), 1);
	assert_int_equal(pids[0], 77);
	listener_set_reset(&ls);
	assert_int_equal(listener_set_list(&ls, &nr) != NULL || nr == 0, 1);
	assert_int_equal(nr, 0);
	proc_table_release(&pt);
	listener_set_release(&ls);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_limits_parse), cmocka_unit_test(test_fdcount_tree),
		cmocka_unit_test(test_iface_addrs),  cmocka_unit_test(test_filter_compiles),
		cmocka_unit_test(test_capture_file), cmocka_unit_test(test_pair_bytes),
		cmocka_unit_test(test_listeners),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
