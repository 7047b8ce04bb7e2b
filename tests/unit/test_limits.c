// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* clang-format off: cmocka.h needs the headers above */
#include <cmocka.h>
/* clang-format on */

#include "base/strbuf.h"
#include "collect/limits.h"

/* Debian 12, kernel 6.1. */
static const char sockstat_61[] = "sockets: used 14\n"
				  "TCP: inuse 1 orphan 2 tw 3 alloc 4 mem 66\n"
				  "UDP: inuse 5 mem 6\n"
				  "UDPLITE: inuse 0\n"
				  "RAW: inuse 7\n"
				  "FRAG: inuse 8 memory 9\n";
static const char sockstat6_61[] = "TCP6: inuse 10\n"
				   "UDP6: inuse 11\n"
				   "UDPLITE6: inuse 0\n"
				   "RAW6: inuse 12\n"
				   "FRAG6: inuse 13 memory 14\n";
/* RHEL 5 era (2.6.18): no UDP mem, no UDPLITE. */
static const char sockstat_2618[] = "sockets: used 287\n"
				    "TCP: inuse 13 orphan 0 tw 0 alloc 15 mem 1\n"
				    "UDP: inuse 6\n"
				    "RAW: inuse 0\n"
				    "FRAG: inuse 0 memory 0\n";

static void test_sockstat_new(void **state)
{
	struct sockstat st;

	(void)state;
	sockstat_init(&st);
	assert_int_equal(sockstat_parse(&st, sockstat_61, strlen(sockstat_61)), 0);
	assert_int_equal(st.v[SOCKSTAT_SOCKETS_USED], 14);
	assert_int_equal(st.v[SOCKSTAT_TCP_INUSE], 1);
	assert_int_equal(st.v[SOCKSTAT_TCP_ORPHAN], 2);
	assert_int_equal(st.v[SOCKSTAT_TCP_TW], 3);
	assert_int_equal(st.v[SOCKSTAT_TCP_ALLOC], 4);
	assert_int_equal(st.v[SOCKSTAT_TCP_MEM_PAGES], 66);
	assert_int_equal(st.v[SOCKSTAT_UDP_INUSE], 5);
	assert_int_equal(st.v[SOCKSTAT_UDP_MEM_PAGES], 6);
	assert_int_equal(st.v[SOCKSTAT_UDPLITE_INUSE], 0);
	assert_int_equal(st.v[SOCKSTAT_RAW_INUSE], 7);
	assert_int_equal(st.v[SOCKSTAT_FRAG_INUSE], 8);
	assert_int_equal(st.v[SOCKSTAT_FRAG_MEMORY_BYTES], 9);
	assert_int_equal(st.v[SOCKSTAT_TCP6_INUSE], -1);
	assert_int_equal(sockstat_parse(&st, sockstat6_61, strlen(sockstat6_61)), 0);
	assert_int_equal(st.v[SOCKSTAT_TCP6_INUSE], 10);
	assert_int_equal(st.v[SOCKSTAT_UDP6_INUSE], 11);
	assert_int_equal(st.v[SOCKSTAT_RAW6_INUSE], 12);
	assert_int_equal(st.v[SOCKSTAT_FRAG6_INUSE], 13);
	assert_int_equal(st.v[SOCKSTAT_FRAG6_MEMORY_BYTES], 14);
	/* the v4 values survive the v6 parse */
	assert_int_equal(st.v[SOCKSTAT_TCP_INUSE], 1);
	assert_string_equal(sockstat_field_name(SOCKSTAT_TCP_TW), "tcp_tw");
	assert_string_equal(sockstat_field_name(SOCKSTAT_NR), "?");
}

static void test_sockstat_old(void **state)
{
	struct sockstat st;

	(void)state;
	sockstat_init(&st);
	assert_int_equal(sockstat_parse(&st, sockstat_2618, strlen(sockstat_2618)), 0);
	assert_int_equal(st.v[SOCKSTAT_SOCKETS_USED], 287);
	assert_int_equal(st.v[SOCKSTAT_TCP_ALLOC], 15);
	assert_int_equal(st.v[SOCKSTAT_UDP_INUSE], 6);
	assert_int_equal(st.v[SOCKSTAT_UDP_MEM_PAGES], -1);
	assert_int_equal(st.v[SOCKSTAT_UDPLITE_INUSE], -1);
}

static void test_sockstat_bad(void **state)
{
	static const char junk[] = "hello world\nTCP inuse 3\nTCP: inuse x orphan\n";
	static const char partial[] = "TCP: inuse 99999999999999999999 orphan 4 newkey 5 tw";
	struct sockstat st;

	(void)state;
	sockstat_init(&st);
	assert_int_equal(sockstat_parse(&st, "", 0), -EBADMSG);
	assert_int_equal(sockstat_parse(&st, junk, strlen(junk)), -EBADMSG);
	assert_int_equal(st.v[SOCKSTAT_TCP_INUSE], -1);
	/* overflowing value skipped, unknown key skipped, dangling key ignored; no NUL */
	assert_int_equal(sockstat_parse(&st, partial, strlen(partial)), 0);
	assert_int_equal(st.v[SOCKSTAT_TCP_INUSE], -1);
	assert_int_equal(st.v[SOCKSTAT_TCP_ORPHAN], 4);
	assert_int_equal(st.v[SOCKSTAT_TCP_TW], -1);
}

static void test_values(void **state)
{
	int64_t v, lo, hi;

	(void)state;
	assert_int_equal(limits_parse_value("65536\n", 6, &v), 0);
	assert_int_equal(v, 65536);
	assert_int_equal(limits_parse_value("  7 ", 4, &v), 0);
	assert_int_equal(v, 7);
	assert_int_equal(limits_parse_value("", 0, &v), -EINVAL);
	assert_int_equal(limits_parse_value("-1\n", 3, &v), -EINVAL);
	assert_int_equal(limits_parse_value("12ab", 4, &v), -EINVAL);
	assert_int_equal(limits_parse_value("1 2", 3, &v), -EINVAL);
	assert_int_equal(limits_parse_value("9223372036854775808", 19, &v), -ERANGE);
	assert_int_equal(limits_parse_value("9223372036854775807", 19, &v), 0);
	assert_true(v == INT64_MAX);

	assert_int_equal(limits_parse_port_range("32768\t60999\n", 12, &lo, &hi), 0);
	assert_int_equal(lo, 32768);
	assert_int_equal(hi, 60999);
	assert_int_equal(limits_parse_port_range("1024 1024", 9, &lo, &hi), 0);
	assert_int_equal(hi - lo + 1, 1);
	assert_int_equal(limits_parse_port_range("60999 32768", 11, &lo, &hi), -EINVAL);
	assert_int_equal(limits_parse_port_range("0 100", 5, &lo, &hi), -EINVAL);
	assert_int_equal(limits_parse_port_range("1 65536", 7, &lo, &hi), -EINVAL);
	assert_int_equal(limits_parse_port_range("1 2 3", 5, &lo, &hi), -EINVAL);
	assert_int_equal(limits_parse_port_range("1\n2", 3, &lo, &hi), -EINVAL);
	assert_int_equal(limits_parse_port_range("5", 1, &lo, &hi), -EINVAL);
}

/* A fake /proc tree under a temporary directory. */
struct tree {
	char root[64];
};

static void tree_put(const struct tree *t, const char *rel, const char *text)
{
	struct strbuf path = STRBUF_INIT;
	char *slash;
	int fd;

	strbuf_addf(&path, "%s/%s", t->root, rel);
	for (slash = strchr(path.buf + strlen(t->root) + 1, '/'); slash;
	     slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(path.buf, 0700);
		*slash = '/';
	}
	fd = open(path.buf, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	strbuf_release(&path);
}

static void tree_remove(const struct tree *t)
{
	struct strbuf cmd = STRBUF_INIT;
	static const char *const files[] = {
		"net/sockstat",
		"net/sockstat6",
		"sys/net/ipv4/tcp_max_orphans",
		"sys/net/core/somaxconn",
		"sys/net/ipv4/tcp_max_syn_backlog",
		"sys/net/ipv4/ip_local_port_range",
		"sys/net/netfilter/nf_conntrack_count",
		"sys/net/netfilter/nf_conntrack_max",
	};
	static const char *const dirs[] = {
		"sys/net/netfilter", "sys/net/ipv4", "sys/net/core", "sys/net", "sys", "net", "",
	};

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		strbuf_reset(&cmd);
		strbuf_addf(&cmd, "%s/%s", t->root, files[i]);
		unlink(cmd.buf);
	}
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		strbuf_reset(&cmd);
		strbuf_addf(&cmd, "%s/%s", t->root, dirs[i]);
		rmdir(cmd.buf);
	}
	strbuf_release(&cmd);
}

static void tree_init(struct tree *t)
{
	snprintf(t->root, sizeof(t->root), "/tmp/cm-limits-XXXXXX");
	assert_non_null(mkdtemp(t->root));
}

static void test_cap_eff(void **state)
{
	static const char status[] = "Name:\tbash\nUmask:\t0022\nCapInh:\t0000000000000000\n"
				     "CapPrm:\t000001ffffffffff\nCapEff:\t000001fffeffefff\n"
				     "CapBnd:\t000001ffffffffff\n";
	uint64_t m = 0;

	(void)state;
	assert_int_equal(limits_parse_cap_eff(status, strlen(status), &m), 0);
	assert_true(m == 0x1fffeffefffull);
	assert_false(limits_has_cap(m, 12)); /* CAP_NET_ADMIN cleared above */
	assert_true(limits_has_cap(m, 19));  /* CAP_SYS_PTRACE */
	assert_false(limits_has_cap(m, 64));
	/* unprivileged: all zero */
	assert_int_equal(limits_parse_cap_eff("CapEff:\t0000000000000000\n", 25, &m), 0);
	assert_true(m == 0);
	/* missing, empty, junk, too long, no newline at the end */
	assert_int_equal(limits_parse_cap_eff("Name:\tx\n", 8, &m), -EINVAL);
	assert_int_equal(limits_parse_cap_eff("CapEff:\t\n", 9, &m), -EINVAL);
	assert_int_equal(limits_parse_cap_eff("CapEff:\t00zz\n", 13, &m), -EINVAL);
	assert_int_equal(limits_parse_cap_eff("CapEff:\t10000000000000000\n", 26, &m), -EINVAL);
	assert_int_equal(limits_parse_cap_eff("CapEff:\tff", 10, &m), 0);
	assert_true(m == 0xff);
	/* a prefix of the key is not the key */
	assert_int_equal(limits_parse_cap_eff("CapEffX:\t1\n", 11, &m), -EINVAL);
}

static void test_read_tree(void **state)
{
	struct net_limits l;
	struct sockstat st;
	struct tree t;

	(void)state;
	tree_init(&t);
	assert_int_equal(sockstat_read(&st, t.root), -ENOENT);
	tree_put(&t, "net/sockstat", sockstat_2618);
	assert_int_equal(sockstat_read(&st, t.root), 0);
	assert_int_equal(st.v[SOCKSTAT_SOCKETS_USED], 287);
	assert_int_equal(st.v[SOCKSTAT_TCP6_INUSE], -1);
	tree_put(&t, "net/sockstat6", sockstat6_61);
	assert_int_equal(sockstat_read(&st, t.root), 0);
	assert_int_equal(st.v[SOCKSTAT_TCP6_INUSE], 10);

	/* nothing present: every limit "not reported", still no error */
	assert_int_equal(net_limits_read(&l, t.root), 0);
	assert_int_equal(l.tcp_max_orphans, -1);
	assert_int_equal(l.port_lo, -1);
	assert_int_equal(l.conntrack_max, -1);

	tree_put(&t, "sys/net/ipv4/tcp_max_orphans", "65536\n");
	tree_put(&t, "sys/net/core/somaxconn", "4096\n");
	tree_put(&t, "sys/net/ipv4/tcp_max_syn_backlog", "512\n");
	tree_put(&t, "sys/net/ipv4/ip_local_port_range", "32768\t60999\n");
	assert_int_equal(net_limits_read(&l, t.root), 0);
	assert_int_equal(l.tcp_max_orphans, 65536);
	assert_int_equal(l.somaxconn, 4096);
	assert_int_equal(l.tcp_max_syn_backlog, 512);
	assert_int_equal(l.port_lo, 32768);
	assert_int_equal(l.port_hi, 60999);
	assert_int_equal(l.conntrack_count, -1); /* conntrack not loaded */
	assert_int_equal(l.conntrack_max, -1);

	tree_put(&t, "sys/net/netfilter/nf_conntrack_count", "17\n");
	tree_put(&t, "sys/net/netfilter/nf_conntrack_max", "262144\n");
	tree_put(&t, "sys/net/ipv4/ip_local_port_range", "garbage\n");
	assert_int_equal(net_limits_read(&l, t.root), 0);
	assert_int_equal(l.conntrack_count, 17);
	assert_int_equal(l.conntrack_max, 262144);
	assert_int_equal(l.port_lo, -1);
	assert_int_equal(l.port_hi, -1);
	tree_remove(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sockstat_new), cmocka_unit_test(test_sockstat_old),
		cmocka_unit_test(test_sockstat_bad), cmocka_unit_test(test_values),
		cmocka_unit_test(test_read_tree),    cmocka_unit_test(test_cap_eff),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
