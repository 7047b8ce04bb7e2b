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
#include <unistd.h>

#include <pcap/pcap.h>

/* clang-format off: cmocka.h needs the headers above */
#include <cmocka.h>
/* clang-format on */

#include "base/xalloc.h"
#include "collect/capture.h"
#include "collect/pkt_decode.h"

/* Fixtures recorded by tests/fixtures/pcap/record.sh. */
#define FIX "../fixtures/pcap/"

enum {
	MAX_FRAMES = 64
};

struct frames {
	int linktype;
	size_t nr;
	uint32_t caplen[MAX_FRAMES], wire_len[MAX_FRAMES];
	uint8_t data[MAX_FRAMES][256];
};

static struct frames *load(const char *path)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	struct frames *f = xcalloc(1, sizeof(*f));
	struct pcap_pkthdr *h;
	const u_char *bytes;
	pcap_t *p = pcap_open_offline(path, ebuf);

	assert_non_null(p);
	f->linktype = pcap_datalink(p);
	while (pcap_next_ex(p, &h, &bytes) == 1 && f->nr < MAX_FRAMES) {
		assert_true(h->caplen <= 256);
		memcpy(f->data[f->nr], bytes, h->caplen);
		f->caplen[f->nr] = h->caplen;
		f->wire_len[f->nr] = h->len;
		f->nr++;
	}
	pcap_close(p);
	return f;
}

static int decode(const struct frames *f, size_t i, struct pkt_info *p)
{
	return pkt_decode(f->data[i], f->caplen[i], f->wire_len[i], f->linktype, p);
}

static bool addr4_is(const uint8_t *a, const char *s)
{
	struct in_addr in;

	assert_int_equal(inet_pton(AF_INET, s, &in), 1);
	return memcmp(a, &in, 4) == 0;
}

static bool addr6_is(const uint8_t *a, const char *s)
{
	struct in6_addr in;

	assert_int_equal(inet_pton(AF_INET6, s, &in), 1);
	return memcmp(a, &in, 16) == 0;
}

static void test_v4_tcp(void **state)
{
	struct frames *f = load(FIX "v4_tcp.pcap");
	struct pkt_info p;
	size_t nr_arp = 0, nr_syn = 0, nr_tcp = 0, payload = 0;

	(void)state;
	assert_int_equal(f->linktype, DLT_EN10MB);
	for (size_t i = 0; i < f->nr; i++) {
		int rc = decode(f, i, &p);

		assert_int_equal(p.wire_len, f->wire_len[i]);
		if (rc == -EPROTONOSUPPORT) {
			assert_int_equal(p.family, 0);
			nr_arp++;
			continue;
		}
		assert_int_equal(rc, 0);
		if (p.family != AF_INET)
			continue;
		assert_int_equal(p.l4proto, IPPROTO_TCP);
		assert_true(p.has_ports);
		assert_int_equal(p.vlan, 0);
		assert_int_equal(p.direction, -1);
		assert_int_equal(p.ip_len, p.wire_len - 14);
		if (addr4_is(p.src, "10.77.0.1")) {
			assert_true(addr4_is(p.dst, "10.77.0.2"));
			assert_int_equal(p.sport, 40001);
			assert_int_equal(p.dport, 5001);
			/* 20 IP + 32 TCP (timestamps) bytes of headers; SYN has more */
			if (!(p.tcp_flags & 0x02))
				payload += p.ip_len - 52;
		} else {
			assert_true(addr4_is(p.src, "10.77.0.2"));
			assert_int_equal(p.sport, 5001);
			assert_int_equal(p.dport, 40001);
		}
		if (p.tcp_flags == 0x02)
			nr_syn++;
		nr_tcp++;
	}
	assert_int_equal(nr_arp, 2);
	assert_int_equal(nr_syn, 1);
	assert_true(nr_tcp >= 7);
	assert_int_equal(payload, 1000);
	free(f);
}

static void test_v4_udp_frag(void **state)
{
	struct frames *f = load(FIX "v4_frag.pcap");
	struct pkt_info p;
	size_t nr_first = 0, nr_later = 0, ip_bytes = 0;

	(void)state;
	for (size_t i = 0; i < f->nr; i++) {
		assert_int_equal(decode(f, i, &p), 0);
		if (p.family != AF_INET || p.l4proto != IPPROTO_UDP)
			continue;
		assert_true(addr4_is(p.src, "10.77.0.1"));
		if (p.has_ports) {
			assert_int_equal(p.sport, 40003);
			assert_int_equal(p.dport, 5003);
			nr_first++;
		} else {
			nr_later++;
		}
		ip_bytes += p.ip_len;
	}
	assert_int_equal(nr_first, 1);
	assert_int_equal(nr_later, 2);
	/* 4000 bytes + 8 UDP + 3 x 20 IP */
	assert_int_equal(ip_bytes, 4068);
	free(f);
}

static void test_v6_ext(void **state)
{
	struct frames *f = load(FIX "v6_ext.pcap");
	struct pkt_info p;
	size_t nr_small = 0, nr_first = 0, nr_later = 0, nr_icmp6 = 0;

	(void)state;
	for (size_t i = 0; i < f->nr; i++) {
		assert_int_equal(decode(f, i, &p), 0);
		assert_int_equal(p.family, AF_INET6);
		if (p.l4proto == IPPROTO_ICMPV6) {
			nr_icmp6++;
			continue;
		}
		assert_int_equal(p.l4proto, IPPROTO_UDP);
		assert_true(addr6_is(p.src, "2001:db8:77::1"));
		assert_true(addr6_is(p.dst, "2001:db8:77::2"));
		assert_int_equal(p.ip_len, p.wire_len - 14);
		if (!p.has_ports) {
			nr_later++;
			continue;
		}
		assert_int_equal(p.sport, 40004);
		assert_int_equal(p.dport, 5004);
		if (p.ip_len < 200)
			nr_small++;
		else
			nr_first++;
	}
	assert_int_equal(nr_small, 1);
	assert_int_equal(nr_first, 1);
	assert_int_equal(nr_later, 2);
	assert_true(nr_icmp6 >= 3);
	free(f);
}

static void test_vlan(void **state)
{
	struct frames *f = load(FIX "vlan.pcap");
	struct pkt_info p;

	(void)state;
	assert_int_equal(f->nr, 2);
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(decode(f, i, &p), 0);
		assert_int_equal(p.family, AF_INET);
		assert_int_equal(p.vlan, i == 0 ? 100 : 200);
		assert_true(addr4_is(p.src, "10.77.100.1"));
		assert_int_equal(p.sport, 40005);
		assert_int_equal(p.dport, 5005);
		assert_int_equal(p.ip_len, 128);
	}
	free(f);
}

static void test_icmp_arp(void **state)
{
	struct frames *f = load(FIX "icmp.pcap");
	struct pkt_info p;
	size_t nr_icmp = 0, nr_arp = 0;

	(void)state;
	for (size_t i = 0; i < f->nr; i++) {
		int rc = decode(f, i, &p);

		if (rc == -EPROTONOSUPPORT) {
			nr_arp++;
			continue;
		}
		assert_int_equal(rc, 0);
		assert_int_equal(p.l4proto, IPPROTO_ICMP);
		assert_false(p.has_ports);
		assert_int_equal(p.ip_len, 60);
		nr_icmp++;
	}
	assert_int_equal(nr_icmp, 2);
	assert_int_equal(nr_arp, 2);
	free(f);
}

static void test_sll2(void **state)
{
	struct frames *f = load(FIX "sll2.pcap");
	struct pkt_info p;
	size_t nr = 0;

	(void)state;
	assert_int_equal(f->linktype, DLT_LINUX_SLL2);
	for (size_t i = 0; i < f->nr; i++) {
		assert_int_equal(decode(f, i, &p), 0);
		if (p.l4proto != IPPROTO_UDP)
			continue;
		assert_int_equal(p.direction, 4); /* PACKET_OUTGOING */
		assert_int_equal(p.dport, 5002);
		assert_int_equal(p.ip_len, 128);
		/* 148 bytes with SLL2's 20-byte header: 142 as the veth carries it */
		assert_int_equal(f->wire_len[i], 148);
		assert_int_equal(p.wire_len, 142);
		nr++;
	}
	assert_int_equal(nr, 3);
	free(f);
}

/* Every prefix of every fixture frame decodes without reading past it. */
static void test_truncations(void **state)
{
	static const char *const files[] = { "v4_tcp.pcap", "v4_frag.pcap", "v6_ext.pcap",
					     "vlan.pcap",   "icmp.pcap",    "sll2.pcap" };
	char path[256];
	struct pkt_info p;

	(void)state;
	for (size_t k = 0; k < sizeof(files) / sizeof(files[0]); k++) {
		snprintf(path, sizeof(path), FIX "%s", files[k]);
		struct frames *f = load(path);

		for (size_t i = 0; i < f->nr; i++) {
			for (size_t len = 0; len <= f->caplen[i]; len++) {
				uint8_t *copy = xmalloc(len ? len : 1);

				memcpy(copy, f->data[i], len);
				int rc = pkt_decode(copy, len, f->wire_len[i], f->linktype, &p);

				assert_true(rc == 0 || rc == -EBADMSG || rc == -EPROTONOSUPPORT);
				if (rc < 0)
					assert_int_equal(p.family, 0);
				free(copy);
			}
		}
		free(f);
	}
}

static void put_ipv4(uint8_t *ip, uint8_t proto, uint16_t tot_len, uint16_t frag)
{
	memset(ip, 0, 20);
	ip[0] = 0x45;
	ip[2] = (uint8_t)(tot_len >> 8);
	ip[3] = (uint8_t)tot_len;
	ip[6] = (uint8_t)(frag >> 8);
	ip[7] = (uint8_t)frag;
	ip[8] = 64;
	ip[9] = proto;
	memcpy(ip + 12, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
}

static void test_synthetic(void **state)
{
	uint8_t b[128] = { 0 };
	struct pkt_info p;

	(void)state;
	/* raw IP (DLT_RAW), IPIP: the inner header wins, ip_len stays the outer */
	put_ipv4(b, IPPROTO_IPIP, 48, 0);
	put_ipv4(b + 20, IPPROTO_UDP, 28, 0);
	b[32] = 0xc0; /* inner src 192.0.0.1 */
	b[40] = 0x12;
	b[41] = 0x34;
	b[42] = 0x00;
	b[43] = 0x35;
	assert_int_equal(pkt_decode(b, 48, 48, 12, &p), 0);
	assert_int_equal(p.l4proto, IPPROTO_UDP);
	assert_int_equal(p.src[0], 0xc0);
	assert_int_equal(p.sport, 0x1234);
	assert_int_equal(p.dport, 53);
	assert_int_equal(p.ip_len, 48);
	/* non-first fragment: no ports */
	put_ipv4(b, IPPROTO_UDP, 28, 0x0010);
	assert_int_equal(pkt_decode(b, 28, 28, 101, &p), 0);
	assert_false(p.has_ports);
	/* bad header length, wrong version */
	b[0] = 0x44;
	assert_int_equal(pkt_decode(b, 28, 28, 101, &p), -EBADMSG);
	b[0] = 0x75;
	assert_int_equal(pkt_decode(b, 28, 28, 101, &p), -EBADMSG);
	/* unknown link type */
	assert_int_equal(pkt_decode(b, 28, 28, 9999, &p), -EPROTONOSUPPORT);
	assert_int_equal(p.wire_len, 28);
	/* SLL (v1): incoming packet, TCP with a header cut short */
	memset(b, 0, sizeof(b));
	b[14] = 0x08;
	put_ipv4(b + 16, IPPROTO_TCP, 60, 0);
	assert_int_equal(pkt_decode(b, 16 + 30, 74, 113, &p), 0);
	assert_int_equal(p.direction, 0);
	assert_int_equal(p.family, AF_INET);
	assert_false(p.has_ports);
	assert_int_equal(p.ip_len, 60);
	/* short Ethernet padding is not counted: ip_len from the header */
	memset(b, 0, sizeof(b));
	b[12] = 0x08;
	put_ipv4(b + 14, IPPROTO_UDP, 29, 0);
	assert_int_equal(pkt_decode(b, 60, 60, 1, &p), 0);
	assert_int_equal(p.ip_len, 29);
	assert_true(p.has_ports);
}

/* A cooked frame: SLL (v1) or SLL2 header for hatype, then an IPv4 UDP datagram of payload bytes.
 */
static size_t cooked_udp(uint8_t *b, int linktype, uint16_t hatype, uint16_t ethertype,
			 size_t payload)
{
	size_t hdr = linktype == 113 ? 16 : 20;

	memset(b, 0, hdr + 28 + payload);
	if (linktype == 113) {
		b[1] = 4; /* PACKET_OUTGOING */
		b[2] = (uint8_t)(hatype >> 8);
		b[3] = (uint8_t)hatype;
		b[5] = 6;
		b[14] = (uint8_t)(ethertype >> 8);
		b[15] = (uint8_t)ethertype;
	} else {
		b[0] = (uint8_t)(ethertype >> 8);
		b[1] = (uint8_t)ethertype;
		b[8] = (uint8_t)(hatype >> 8);
		b[9] = (uint8_t)hatype;
		b[10] = 4;
		b[11] = 6;
	}
	put_ipv4(b + hdr, IPPROTO_UDP, (uint16_t)(28 + payload), 0);
	b[hdr + 20] = 0x9c;
	b[hdr + 22] = 0x13;
	b[hdr + 25] = (uint8_t)(8 + payload);
	return hdr + 28 + payload;
}

/*
 * issue 6: "any" counted 2 bytes too many per packet.  A 52-byte Ethernet
 * frame (10 bytes of UDP payload) must be 52 bytes whatever the link type,
 * and a tun device's packet its IP length, as the device's counters say.
 */
static void test_cooked_wire_len(void **state)
{
	static const int types[] = { 113, 276 };
	uint8_t b[128], eth[128];
	struct pkt_info p;
	size_t n;

	(void)state;
	/* the same datagram on an Ethernet interface */
	memset(eth, 0, sizeof(eth));
	eth[12] = 0x08;
	put_ipv4(eth + 14, IPPROTO_UDP, 38, 0);
	assert_int_equal(pkt_decode(eth, 52, 52, 1, &p), 0);
	assert_int_equal(p.wire_len, 52);
	for (size_t i = 0; i < 2; i++) {
		n = cooked_udp(b, types[i], 1 /* ARPHRD_ETHER */, 0x0800, 10);
		assert_int_equal(n, types[i] == 113 ? 54 : 58);
		assert_int_equal(pkt_decode(b, n, (uint32_t)n, types[i], &p), 0);
		assert_int_equal(p.wire_len, 52);
		assert_int_equal(p.ip_len, 38);
		assert_int_equal(p.direction, 4);
		assert_int_equal(p.dport, 0x1300);
		/* loopback carries a 14-byte header too */
		n = cooked_udp(b, types[i], 772, 0x0800, 10);
		assert_int_equal(pkt_decode(b, n, (uint32_t)n, types[i], &p), 0);
		assert_int_equal(p.wire_len, 52);
		/* tun, WireGuard (ARPHRD_NONE): no link header at all */
		n = cooked_udp(b, types[i], 0xfffe, 0x0800, 10);
		assert_int_equal(pkt_decode(b, n, (uint32_t)n, types[i], &p), 0);
		assert_int_equal(p.wire_len, 38);
		/* not IP (ARP): still the device's size, for totals that add up */
		n = cooked_udp(b, types[i], 1, 0x0806, 10);
		assert_int_equal(pkt_decode(b, n, (uint32_t)n, types[i], &p), -EPROTONOSUPPORT);
		assert_int_equal(p.wire_len, 52);
		/* a snapshot cut inside the cooked header: Ethernet assumed */
		assert_int_equal(pkt_decode(b, 1, (uint32_t)n, types[i], &p), -EBADMSG);
		assert_int_equal(p.wire_len, 52);
		/* a wire length shorter than the cooked header is left alone */
		assert_int_equal(pkt_decode(b, 4, 4, types[i], &p), -EBADMSG);
		assert_int_equal(p.wire_len, 4);
	}
}

struct tally {
	uint64_t bytes;
	size_t nr;
	size_t nr_not_ip;
	uint64_t wire_not_ip;
};

static void count_cb(const struct pkt_info *p, void *arg)
{
	struct tally *t = arg;

	assert_true(p->ts_ns > 1700000000ull * 1000000000ull);
	if (!p->family) {
		t->nr_not_ip++;
		t->wire_not_ip += p->wire_len;
		return;
	}
	t->bytes += p->ip_len;
	t->nr++;
}

/* capture.c offline: only IP packets reach the callback; the rest are counted. */
static void test_capture_file(void **state)
{
	struct capture_opts o = { .file = FIX "icmp.pcap" };
	struct capture_stats st;
	struct capture *c;
	char err[256];
	struct tally t = { 0 };
	int rc;

	(void)state;
	assert_int_equal(capture_open(&c, &o, err, sizeof(err)), 0);
	assert_int_equal(capture_fd(c), -1);
	while ((rc = capture_dispatch(c, 100, count_cb, &t)) > 0)
		;
	assert_int_equal(rc, -ENODATA);
	assert_int_equal(t.nr, 2);
	assert_int_equal(t.bytes, 120);
	assert_int_equal(capture_get_stats(c, &st), 0);
	assert_int_equal(st.received, 4);
	assert_int_equal(st.not_ip, 2);
	assert_int_equal(st.dropped, 0);
	capture_close(c);

	/* all_frames: the ARP frames arrive too, as family 0 with their size */
	o.all_frames = true;
	memset(&t, 0, sizeof(t));
	assert_int_equal(capture_open(&c, &o, err, sizeof(err)), 0);
	while (capture_dispatch(c, 0, count_cb, &t) > 0)
		;
	assert_int_equal(t.nr, 2);
	assert_int_equal(t.nr_not_ip, 2);
	assert_true(t.wire_not_ip >=
		    2 * 42); /* an ARP frame is 42 bytes, padded to 60 on the wire */
	capture_close(c);
	o.all_frames = false;

	/* a BPF filter applies to files too */
	o.bpf = "icmp[icmptype] == icmp-echoreply";
	t.nr = 0;
	assert_int_equal(capture_open(&c, &o, err, sizeof(err)), 0);
	while (capture_dispatch(c, 0, count_cb, &t) > 0)
		;
	assert_int_equal(t.nr, 1);
	capture_close(c);

	o.bpf = "port and";
	assert_int_equal(capture_open(&c, &o, err, sizeof(err)), -EINVAL);
	assert_true(err[0] != '\0');
	o.bpf = NULL;
	o.file = FIX "does-not-exist.pcap";
	assert_int_equal(capture_open(&c, &o, err, sizeof(err)), -ENOENT);
	o.file = "test_pkt_decode.c";
	assert_int_equal(capture_open(&c, &o, err, sizeof(err)), -EINVAL);
}

/* Writes the first len bytes of src to a new temporary file; returns its path (caller frees). */
static char *cut_copy(const uint8_t *src, size_t len)
{
	char *path = xstrdup("/tmp/cm-cut-XXXXXX");
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, src, len), (ssize_t)len);
	close(fd);
	return path;
}

/* Delivers what a file cut at len holds; returns the last capture_dispatch() value. */
static int replay_cut(const uint8_t *src, size_t len, struct tally *t, char *err, size_t err_len)
{
	struct capture_opts o = { .file = NULL, .all_frames = true };
	struct capture *c;
	char *path = cut_copy(src, len);
	int rc;

	o.file = path;
	memset(t, 0, sizeof(*t));
	assert_int_equal(capture_open(&c, &o, err, err_len), 0);
	while ((rc = capture_dispatch(c, 0, count_cb, t)) > 0)
		;
	snprintf(err, err_len, "%s", capture_error(c));
	capture_close(c);
	unlink(path);
	free(path);
	return rc;
}

/*
 * issue 6: `flows -r` on a truncated pcap showed nothing.  Every intact packet
 * must arrive, then a distinct error (-EBADMSG) with libpcap's words, as
 * tcpdump shows the packets and then warns.
 */
static void test_capture_truncated(void **state)
{
	FILE *f = fopen(FIX "v4_udp.pcap", "rb");
	uint8_t buf[4096];
	size_t len, off = 24, last = 0, nr = 0;
	struct tally t;
	char err[256];

	(void)state;
	assert_non_null(f);
	len = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	/* the records: 16-byte headers (caplen at +8, little-endian here) and their data */
	while (off + 16 <= len) {
		uint32_t caplen;

		memcpy(&caplen, buf + off + 8, 4);
		last = off;
		off += 16 + caplen;
		nr++;
	}
	assert_int_equal(off, len);
	assert_true(nr >= 2);
	/* whole: every frame, then the end */
	assert_int_equal(replay_cut(buf, len, &t, err, sizeof(err)), -ENODATA);
	assert_int_equal(t.nr + t.nr_not_ip, nr);
	/* cut at a record boundary: a shorter file, nothing wrong with it */
	assert_int_equal(replay_cut(buf, last, &t, err, sizeof(err)), -ENODATA);
	assert_int_equal(t.nr + t.nr_not_ip, nr - 1);
	/* cut inside the last record's data, then inside its header */
	assert_int_equal(replay_cut(buf, len - 50, &t, err, sizeof(err)), -EBADMSG);
	assert_int_equal(t.nr + t.nr_not_ip, nr - 1);
	assert_non_null(strstr(err, "truncated"));
	assert_int_equal(replay_cut(buf, last + 8, &t, err, sizeof(err)), -EBADMSG);
	assert_int_equal(t.nr + t.nr_not_ip, nr - 1);
	assert_true(err[0] != '\0');
}

static void test_default_route(void **state)
{
	static const char route4[] =
		"Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
		"wlan0\t00000000\t0102A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0\n"
		"eth0\t00000000\t010200C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n"
		"eth1\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n";
	static const char route4_none[] =
		"Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\n"
		"eth1\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n";
	static const char route6[] =
		"00000000000000000000000000000001 80 00000000000000000000000000000000 00 "
		"00000000000000000000000000000000 00000000 00000002 00000000 80200001       lo\n"
		"00000000000000000000000000000000 00 00000000000000000000000000000000 00 "
		"fd000000000000000000000000000001 00000400 00000002 00000000 00000003     eth2\n"
		"00000000000000000000000000000000 00 00000000000000000000000000000000 00 "
		"00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo\n";
	char name[16];

	(void)state;
	assert_int_equal(capture_parse_route4(route4, strlen(route4), name, sizeof(name)), 0);
	assert_string_equal(name, "eth0");
	assert_int_equal(capture_parse_route4(route4_none, strlen(route4_none), name, sizeof(name)),
			 -ENOENT);
	assert_int_equal(capture_parse_route6(route6, strlen(route6), name, sizeof(name)), 0);
	assert_string_equal(name, "eth2");
	/* only the reject route on lo: no default */
	assert_int_equal(capture_parse_route6(route6 + 2 * 150, strlen(route6) - 2 * 150, name,
					      sizeof(name)),
			 -ENOENT);
	assert_int_equal(capture_parse_route4("", 0, name, sizeof(name)), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v4_tcp),		cmocka_unit_test(test_v4_udp_frag),
		cmocka_unit_test(test_v6_ext),		cmocka_unit_test(test_vlan),
		cmocka_unit_test(test_icmp_arp),	cmocka_unit_test(test_sll2),
		cmocka_unit_test(test_truncations),	cmocka_unit_test(test_synthetic),
		cmocka_unit_test(test_cooked_wire_len), cmocka_unit_test(test_capture_truncated),
		cmocka_unit_test(test_capture_file),	cmocka_unit_test(test_default_route),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
