// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rtnetlink link parsing from dumps recorded by tests/fixtures/link/record.sh
 * (see the interfaces it creates there), replayed through a struct
 * nl_transport; malformed and old-kernel messages built here with libmnl;
 * speed and duplex from a fake sysfs tree made in a temporary directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include <libmnl/libmnl.h>

/* cmocka needs these first. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
// clang-format on

#include "analyze/rates.h"
#include "base/strbuf.h"
#include "collect/link.h"

#define FIX "../fixtures/link/"

struct replay {
	struct strbuf data;
	size_t pos;
	struct nlmsghdr sent;
	unsigned nr_sent;
};

static int replay_send(void *ctx, const void *buf, size_t len)
{
	struct replay *r = ctx;

	r->nr_sent++;
	memcpy(&r->sent, buf, len < sizeof(r->sent) ? len : sizeof(r->sent));
	return 0;
}

static ssize_t replay_recv(void *ctx, void *buf, size_t len)
{
	struct replay *r = ctx;
	uint32_t dlen;

	if (r->pos + sizeof(dlen) > r->data.len)
		return 0;
	memcpy(&dlen, r->data.buf + r->pos, sizeof(dlen));
	r->pos += sizeof(dlen);
	if (dlen > r->data.len - r->pos || dlen > len)
		return -EMSGSIZE;
	memcpy(buf, r->data.buf + r->pos, dlen);
	r->pos += dlen;
	return dlen;
}

static void load(struct replay *r, const char *path)
{
	memset(r, 0, sizeof(*r));
	strbuf_init(&r->data, 0);
	assert_int_equal(strbuf_read_file(&r->data, path, 0), 0);
}

static int dump_file(const char *path, const char *sys_root, struct iface_table *t,
		     struct link_stats *st)
{
	struct replay r;
	struct nl_transport tr = { replay_send, replay_recv, &r };
	struct link *l;
	int ret;

	load(&r, path);
	l = link_new_transport(&tr);
	ret = link_dump(l, sys_root, 1, t, st);
	assert_int_equal(r.nr_sent, 1);
	assert_int_equal(r.sent.nlmsg_type, RTM_GETLINK);
	assert_true(r.sent.nlmsg_flags & NLM_F_DUMP);
	link_close(l);
	strbuf_release(&r.data);
	return ret;
}

static const struct iface_sample *find(const struct iface_table *t, const char *name)
{
	for (size_t i = 0; i < t->nr; i++)
		if (!strcmp(t->ifs[i].name, name))
			return &t->ifs[i];
	return NULL;
}

static void test_dump_recorded(void **state)
{
	struct iface_table t;
	struct link_stats st;
	const struct iface_sample *s;

	(void)state;
	iface_table_init(&t);
	assert_int_equal(dump_file(FIX "link.bin", NULL, &t, &st), 0);
	assert_int_equal(t.nr, 5); /* lo veth0 ifb0 ifb1 br0 */
	assert_int_equal(st.nr_bad, 0);
	assert_int_equal(st.nr_messages, t.nr);
	for (size_t i = 1; i < t.nr; i++)
		assert_true(t.ifs[i - 1].ifindex < t.ifs[i].ifindex);
	s = find(&t, "lo");
	assert_non_null(s);
	assert_int_equal(s->ifindex, 1);
	assert_int_equal(s->mtu, 65536);
	assert_true(s->flags & IFF_LOOPBACK);
	s = find(&t, "veth0");
	assert_non_null(s);
	assert_string_equal(s->kind, "veth");
	assert_int_equal(s->operstate, IF_OPER_UP);
	assert_int_equal(s->counters_bits, 64);
	assert_true(s->nr_counters >= IFC_NR);
	/* Three UDP datagrams of 1000 bytes: 1042 bytes each on the wire. */
	assert_true(s->c[IFC_TX_PACKETS] >= 3);
	assert_true(s->c[IFC_TX_BYTES] >= 3 * 1042);
	assert_int_equal(s->speed_mbps, -1);
	s = find(&t, "ifb0");
	assert_non_null(s);
	assert_string_equal(s->kind, "ifb");
	assert_int_equal(s->mtu, 9000);
	s = find(&t, "ifb1");
	assert_non_null(s);
	assert_false(s->flags & IFF_UP);
	assert_int_equal(s->operstate, IF_OPER_DOWN);
	assert_false(iface_is_up(s));
	s = find(&t, "br0");
	assert_non_null(s);
	assert_string_equal(s->kind, "bridge");
	iface_table_release(&t);
}

static void test_dump_stats32(void **state)
{
	struct iface_table t64, t32;
	const struct iface_sample *a, *b;

	(void)state;
	iface_table_init(&t64);
	iface_table_init(&t32);
	assert_int_equal(dump_file(FIX "link.bin", NULL, &t64, NULL), 0);
	assert_int_equal(dump_file(FIX "link-stats32.bin", NULL, &t32, NULL), 0);
	assert_int_equal(t32.nr, t64.nr);
	a = find(&t64, "veth0");
	b = find(&t32, "veth0");
	assert_non_null(b);
	assert_int_equal(b->counters_bits, 32);
	assert_true(b->nr_counters >= 23);
	assert_true(b->c[IFC_TX_PACKETS] >= 3);
	/* Recorded right after the 64-bit dump: not fewer packets, no more than a few more. */
	assert_true(b->c[IFC_TX_PACKETS] >= a->c[IFC_TX_PACKETS]);
	assert_true(b->c[IFC_TX_PACKETS] <= a->c[IFC_TX_PACKETS] + 20);
	iface_table_release(&t64);
	iface_table_release(&t32);
}

static void test_dump_nostats(void **state)
{
	struct iface_table prev, cur;
	struct iface_rates r;

	(void)state;
	iface_table_init(&prev);
	iface_table_init(&cur);
	iface_rates_init(&r);
	assert_int_equal(dump_file(FIX "link-nostats.bin", NULL, &prev, NULL), 0);
	assert_int_equal(dump_file(FIX "link-nostats.bin", NULL, &cur, NULL), 0);
	assert_non_null(find(&cur, "veth0"));
	assert_int_equal(find(&cur, "veth0")->counters_bits, 0);
	cur.time_ns = prev.time_ns + 1000000000;
	assert_int_equal(iface_rates_compute(&prev, &cur, &r), 0);
	assert_int_equal(r.nr, cur.nr);
	for (size_t i = 0; i < r.nr; i++)
		assert_int_equal(r.v[i].state, IFACE_NORATE_NOSTATS);
	iface_rates_release(&r);
	iface_table_release(&prev);
	iface_table_release(&cur);
}

/* ---- messages built here ---- */

struct msg {
	_Alignas(8) uint8_t buf[4096];
	struct nlmsghdr *nlh;
};

static void msg_start(struct msg *m, int ifindex, const char *name)
{
	struct ifinfomsg *ifi;

	memset(m->buf, 0, sizeof(m->buf));
	m->nlh = mnl_nlmsg_put_header(m->buf);
	m->nlh->nlmsg_type = RTM_NEWLINK;
	ifi = mnl_nlmsg_put_extra_header(m->nlh, sizeof(*ifi));
	ifi->ifi_index = ifindex;
	ifi->ifi_flags = IFF_UP;
	if (name)
		mnl_attr_put_strz(m->nlh, IFLA_IFNAME, name);
}

static void put_stats64(struct msg *m, size_t nr, uint64_t base)
{
	uint64_t v[32];

	for (size_t i = 0; i < nr; i++)
		v[i] = base + i;
	mnl_attr_put(m->nlh, IFLA_STATS64, nr * sizeof(v[0]), v);
}

static void put_stats32(struct msg *m, size_t nr, uint32_t base)
{
	uint32_t v[32];

	for (size_t i = 0; i < nr; i++)
		v[i] = base + (uint32_t)i;
	mnl_attr_put(m->nlh, IFLA_STATS, nr * sizeof(v[0]), v);
}

static void test_parse_short_and_long_stats(void **state)
{
	struct iface_sample s;
	struct msg m;

	(void)state;
	/* A kernel before rx_nohandler (Linux 4.6): 23 counters. */
	msg_start(&m, 7, "eth7");
	put_stats64(&m, 23, 100);
	assert_int_equal(link_parse_msg(m.nlh, &s), 0);
	assert_int_equal(s.nr_counters, 23);
	assert_int_equal(s.c[0], 100);
	assert_int_equal(s.c[22], 122);
	assert_int_equal(s.c[IFC_RX_NOHANDLER], 0);
	/* A newer kernel with more counters than we know: ours are copied. */
	msg_start(&m, 7, "eth7");
	put_stats64(&m, 27, 5);
	assert_int_equal(link_parse_msg(m.nlh, &s), 0);
	assert_int_equal(s.nr_counters, IFC_NR);
	assert_int_equal(s.c[IFC_NR - 1], 5 + IFC_NR - 1);
}

static void test_parse_prefers_stats64(void **state)
{
	struct iface_sample s;
	struct msg m;

	(void)state;
	msg_start(&m, 3, "eth3");
	put_stats32(&m, 24, 0xfffffff0u);
	put_stats64(&m, 24, UINT64_C(0x1fffffff0));
	assert_int_equal(link_parse_msg(m.nlh, &s), 0);
	assert_int_equal(s.counters_bits, 64);
	assert_int_equal(s.c[0], UINT64_C(0x1fffffff0));
	msg_start(&m, 3, "eth3");
	put_stats32(&m, 24, 0xfffffff0u);
	assert_int_equal(link_parse_msg(m.nlh, &s), 0);
	assert_int_equal(s.counters_bits, 32);
	assert_int_equal(s.c[1], 0xfffffff1u);
}

static void test_parse_bad(void **state)
{
	struct iface_sample s;
	struct msg m;

	(void)state;
	msg_start(&m, 3, NULL); /* no name */
	put_stats64(&m, 24, 0);
	assert_int_equal(link_parse_msg(m.nlh, &s), -EBADMSG);
	msg_start(&m, 3, "");
	assert_int_equal(link_parse_msg(m.nlh, &s), -EBADMSG);
	msg_start(&m, 3, "eth3");
	m.nlh->nlmsg_type = RTM_NEWADDR;
	assert_int_equal(link_parse_msg(m.nlh, &s), -EBADMSG);
	msg_start(&m, 3, "eth3");
	m.nlh->nlmsg_len = NLMSG_HDRLEN + 4; /* shorter than struct ifinfomsg */
	assert_int_equal(link_parse_msg(m.nlh, &s), -EBADMSG);
	/* A name longer than IFNAMSIZ is refused, not truncated into another name. */
	msg_start(&m, 3, "abcdefghijklmnopqrstuvwxyz");
	assert_int_equal(link_parse_msg(m.nlh, &s), -EBADMSG);
	/* Stats cut short by nlmsg_len: the attribute is dropped, the rest stands. */
	msg_start(&m, 3, "eth3");
	mnl_attr_put_u32(m.nlh, IFLA_MTU, 1500);
	put_stats64(&m, 24, 1);
	m.nlh->nlmsg_len -= 8;
	assert_int_equal(link_parse_msg(m.nlh, &s), 0);
	assert_int_equal(s.mtu, 1500);
	assert_int_equal(s.counters_bits, 0);
}

static void test_datagram_error(void **state)
{
	_Alignas(8) uint8_t buf[256] = { 0 };
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nlmsgerr *e;
	struct iface_table t;
	struct link_stats st = { 0 };
	bool done = false;

	(void)state;
	nlh->nlmsg_type = NLMSG_ERROR;
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	e->error = -EPERM;
	iface_table_init(&t);
	assert_int_equal(link_parse_datagram(buf, nlh->nlmsg_len, &t, &st, &done), -EPERM);
	assert_true(done);
	iface_table_release(&t);
}

/* libmnl's mnl_nlmsg_ok() takes nlmsg_len 0xfffffff0 as negative, hence small. */
static void test_datagram_huge_len(void **state)
{
	_Alignas(8) uint8_t buf[64] = { 0 };
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	struct iface_table t;
	struct link_stats st = { 0 };
	bool done = false;

	(void)state;
	nlh->nlmsg_len = 16;
	nlh->nlmsg_type = RTM_NEWLINK;
	nlh = (struct nlmsghdr *)(buf + 16);
	nlh->nlmsg_len = 0xfffffff0u;
	nlh->nlmsg_type = RTM_NEWLINK;
	iface_table_init(&t);
	assert_int_equal(link_parse_datagram(buf, sizeof(buf), &t, &st, &done), 0);
	assert_false(done);
	assert_int_equal(t.nr, 0);
	assert_int_equal(st.nr_bad, 1); /* the first: too short for struct ifinfomsg */
	iface_table_release(&t);
}

static void test_dump_truncated_replay(void **state)
{
	struct replay r;
	struct nl_transport tr = { replay_send, replay_recv, &r };
	struct iface_table t;
	struct link *l;

	(void)state;
	load(&r, FIX "link.bin");
	/* Only the first datagram: EOF before NLMSG_DONE. */
	{
		uint32_t first;

		memcpy(&first, r.data.buf, sizeof(first));
		r.data.len = sizeof(first) + first;
	}
	iface_table_init(&t);
	l = link_new_transport(&tr);
	assert_int_equal(link_dump(l, NULL, 1, &t, NULL), -EBADMSG);
	link_close(l);
	iface_table_release(&t);
	strbuf_release(&r.data);
}

/* ---- sysfs ---- */

static void put_file(const char *dir, const char *name, const char *file, const char *text)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/class/net/%s/%s", dir, name, file);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static void make_dev(const char *dir, const char *name, bool hw, const char *ifindex,
		     const char *speed, const char *duplex)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/class/net/%s", dir, name);
	assert_int_equal(mkdir(path, 0755), 0);
	if (hw) {
		snprintf(path, sizeof(path), "%s/class/net/%s/device", dir, name);
		assert_int_equal(mkdir(path, 0755), 0);
	}
	put_file(dir, name, "ifindex", ifindex);
	if (speed)
		put_file(dir, name, "speed", speed);
	if (duplex)
		put_file(dir, name, "duplex", duplex);
}

static void speed_of_kind(const char *dir, const char *name, const char *kind, int ifindex,
			  struct iface_sample *s)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", name);
	snprintf(s->kind, sizeof(s->kind), "%s", kind);
	s->ifindex = ifindex;
	link_read_speed(dir, s);
}

static void speed_of(const char *dir, const char *name, int ifindex, struct iface_sample *s)
{
	speed_of_kind(dir, name, "", ifindex, s);
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path);
}

static void test_sysfs_speed(void **state)
{
	char dir[] = "/tmp/cm-test-link-XXXXXX", cmd[600];
	struct iface_sample s;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(cmd, sizeof(cmd), "%s/class", dir);
	assert_int_equal(mkdir(cmd, 0755), 0);
	snprintf(cmd, sizeof(cmd), "%s/class/net", dir);
	assert_int_equal(mkdir(cmd, 0755), 0);
	make_dev(dir, "eth0", true, "2\n", "1000\n", "full\n");
	make_dev(dir, "eth1", true, "3\n", "-1\n", "unknown\n");
	make_dev(dir, "veth0", false, "4\n", "10000\n", "full\n");
	make_dev(dir, "eth2", true, "5\n", "100\n", "half\n");
	make_dev(dir, "eth3", true, "6\n", NULL, NULL);
	make_dev(dir, "vlan7", true, "7\n", "1000\n", "full\n");

	speed_of(dir, "eth0", 2, &s);
	assert_int_equal(s.speed_mbps, 1000);
	assert_int_equal(s.duplex, IFACE_DUPLEX_FULL);
	speed_of(dir, "eth1", 3, &s); /* no carrier, or a driver that does not know */
	assert_int_equal(s.speed_mbps, -1);
	speed_of(dir, "veth0", 4, &s); /* virtual: veth's made-up 10000 is ignored */
	assert_int_equal(s.speed_mbps, -1);
	assert_int_equal(s.duplex, IFACE_DUPLEX_UNKNOWN);
	speed_of(dir, "eth2", 5, &s);
	assert_int_equal(s.speed_mbps, 100);
	assert_int_equal(s.duplex, IFACE_DUPLEX_HALF);
	speed_of(dir, "eth3", 6, &s); /* no speed file */
	assert_int_equal(s.speed_mbps, -1);
	speed_of(dir, "eth0", 9, &s); /* sysfs of another namespace: ifindex differs */
	assert_int_equal(s.speed_mbps, -1);
	/* A link kind means virtual, even with a `device` link: no sysfs read at all. */
	speed_of_kind(dir, "vlan7", "vlan", 7, &s);
	assert_int_equal(s.speed_mbps, -1);
	speed_of(dir, "vlan7", 7, &s);
	assert_int_equal(s.speed_mbps, 1000);
	speed_of(dir, "nope", 9, &s);
	assert_int_equal(s.speed_mbps, -1);
	assert_int_equal(nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dump_recorded),
		cmocka_unit_test(test_dump_stats32),
		cmocka_unit_test(test_dump_nostats),
		cmocka_unit_test(test_parse_short_and_long_stats),
		cmocka_unit_test(test_parse_prefers_stats64),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_datagram_error),
		cmocka_unit_test(test_datagram_huge_len),
		cmocka_unit_test(test_dump_truncated_replay),
		cmocka_unit_test(test_sysfs_speed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
