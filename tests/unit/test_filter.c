// SPDX-License-Identifier: GPL-2.0-or-later
// clang-format off: cmocka.h needs these system headers first
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>
// clang-format on

#include "base/strbuf.h"
#include "bc_interp.h"
#include "cli/filter_parse.h"
#include "collect/sockdiag_filter.h"
#include "model/filter.h"

/* ---- helpers ---- */

static int fake_dev(void *ctx, const char *name, uint32_t *ifindex)
{
	(void)ctx;
	if (!strcmp(name, "lo"))
		*ifindex = 1;
	else if (!strcmp(name, "eth0"))
		*ifindex = 2;
	else
		return -ENODEV;
	return 0;
}

static int fake_svc(void *ctx, const char *name, uint16_t *port)
{
	(void)ctx;
	if (!strcmp(name, "ssh"))
		*port = 22;
	else if (!strcmp(name, "http"))
		*port = 80;
	else
		return -ENOENT;
	return 0;
}

static const struct filter_resolver resolver = { .dev_index = fake_dev, .service_port = fake_svc };

/* "web" has an IPv4 and an IPv6 address; "db" only IPv4; nothing else resolves. */
static int fake_hosts(void *ctx, const char *name, int family, uint8_t *families,
		      uint8_t (*addrs)[16], int max)
{
	int n = 0;

	(void)ctx;
	if (strcmp(name, "web") && strcmp(name, "db"))
		return -ENOENT;
	if (family != AF_INET6 && n < max) {
		families[n] = AF_INET;
		memset(addrs[n], 0, 16);
		inet_pton(AF_INET, strcmp(name, "web") ? "10.0.0.9" : "10.0.0.1", addrs[n++]);
	}
	if (!strcmp(name, "web") && family != AF_INET && n < max) {
		families[n] = AF_INET6;
		inet_pton(AF_INET6, "2001:db8::1", addrs[n++]);
	}
	return n ? n : -ENOENT;
}

static void dump_node(const struct filter *f, int i, struct strbuf *sb)
{
	static const char *const ops[] = { "=", "!=", "<", ">", "<=", ">=" };
	const struct filter_node *n = &f->nodes[i];
	char a[64];

	switch (n->kind) {
	case FILTER_AND:
	case FILTER_OR:
		strbuf_addf(sb, "(%s ", n->kind == FILTER_AND ? "and" : "or");
		dump_node(f, n->u.bin.left, sb);
		strbuf_addch(sb, ' ');
		dump_node(f, n->u.bin.right, sb);
		strbuf_addch(sb, ')');
		break;
	case FILTER_NOT:
		strbuf_addstr(sb, "(not ");
		dump_node(f, n->u.child, sb);
		strbuf_addch(sb, ')');
		break;
	case FILTER_SRC:
	case FILTER_DST:
		strbuf_addstr(sb, n->kind == FILTER_SRC ? "src " : "dst ");
		if (n->u.host.family == AF_UNIX) {
			strbuf_addf(sb, "unix:%s", n->u.host.unix_path);
			break;
		}
		if (n->u.host.family == AF_INET || n->u.host.family == AF_INET6) {
			inet_ntop(n->u.host.family, n->u.host.addr, a, sizeof(a));
			strbuf_addf(sb, "%s/%d", a, n->u.host.prefix_len);
		} else {
			strbuf_addch(sb, '*');
		}
		if (n->u.host.port >= 0)
			strbuf_addf(sb, ":%d", n->u.host.port);
		break;
	case FILTER_SPORT:
	case FILTER_DPORT:
		strbuf_addf(sb, "%s %s ", n->kind == FILTER_SPORT ? "sport" : "dport",
			    ops[n->u.port.op]);
		if (n->u.port.wildcard)
			strbuf_addch(sb, '*');
		else
			strbuf_addf(sb, "%u", n->u.port.port);
		break;
	case FILTER_DEV:
		strbuf_addf(sb, "dev %u", n->u.ifindex);
		break;
	case FILTER_MARK:
		strbuf_addf(sb, "mark 0x%x/0x%x", n->u.mark.value, n->u.mark.mask);
		break;
	case FILTER_AUTOBOUND:
		strbuf_addstr(sb, "autobound");
		break;
	}
}

/* Parses text and returns its tree as an s-expression (caller frees). */
static char *parsed(const char *text, const struct filter_resolver *r, struct filter *f)
{
	struct filter_error err;
	struct strbuf sb = STRBUF_INIT;
	int ret;

	filter_init(f);
	ret = filter_parse(f, text, r, &err);
	if (ret < 0) {
		strbuf_addf(&sb, "ERR@%d+%d: %s", err.pos, err.len, err.msg);
		return strbuf_detach(&sb, NULL);
	}
	if (f->root < 0)
		strbuf_addstr(&sb, "all");
	else
		dump_node(f, f->root, &sb);
	return strbuf_detach(&sb, NULL);
}

static void expect_tree(const char *text, const char *want)
{
	struct filter f;
	char *got = parsed(text, &resolver, &f);

	if (strcmp(got, want))
		fail_msg("filter '%s'\n  got  %s\n  want %s", text, got, want);
	free(got);
	filter_release(&f);
}

static void test_host_names(void **state)
{
	struct filter_resolver r = resolver;
	struct filter f;
	char *got;

	(void)state;
	r.host_addrs = fake_hosts;
	/* every address of the name, OR-ed, with the port on each (ss's aafilter chain) */
	got = parsed("dst web:80", &r, &f);
	assert_string_equal(got, "(or dst 10.0.0.1/32:80 dst 2001:db8::1/128:80)");
	free(got);
	filter_release(&f);
	got = parsed("src db and not dst web", &r, &f);
	assert_string_equal(got,
			    "(and src 10.0.0.9/32 (not (or dst 10.0.0.1/32 dst 2001:db8::1/128)))");
	free(got);
	filter_release(&f);
	r.family = AF_INET6; /* -6: only the IPv6 address */
	got = parsed("dst web", &r, &f);
	assert_string_equal(got, "dst 2001:db8::1/128");
	free(got);
	filter_release(&f);
	r.family = AF_UNSPEC;
	got = parsed("dst nosuch", &r, &f);
	assert_non_null(strstr(got, "ERR@4+6: 'nosuch' is neither an address nor a host name"));
	free(got);
	filter_release(&f);
	/* without a resolver, names stay errors */
	got = parsed("dst web", &resolver, &f);
	assert_non_null(strstr(got, "ERR@4+3"));
	free(got);
	filter_release(&f);
}

static void expect_error(const char *text, int pos, int len, const char *msg_part)
{
	struct filter f;
	struct filter_error err;
	int ret;

	filter_init(&f);
	ret = filter_parse(&f, text, &resolver, &err);
	if (ret != -EINVAL || err.pos != pos || err.len != len || !strstr(err.msg, msg_part))
		fail_msg("filter '%s': ret %d pos %d len %d msg '%s'; want pos %d len %d '%s'",
			 text, ret, err.pos, err.len, err.msg, pos, len, msg_part);
	filter_release(&f);
}

/* ---- parser ---- */

static void test_parse_forms(void **state)
{
	(void)state;
	expect_tree("", "all");
	expect_tree("sport = :22", "src *:22");
	expect_tree("sport :22", "src *:22");
	expect_tree("sport eq 22", "src *:22");
	expect_tree("dport == :ssh", "dst *:22");
	expect_tree("dport != :http", "(not dst *:80)");
	expect_tree("sport > :1024", "(not sport <= 1024)");
	expect_tree("sport gt :1024", "(not sport <= 1024)");
	expect_tree("sport < 1024", "(not sport >= 1024)");
	expect_tree("dport >= :0x10", "dport >= 16");
	expect_tree("dport le :80", "dport <= 80");
	expect_tree("sport ge *", "sport >= *");
	expect_tree("dst 10.0.0.0/8", "dst 10.0.0.0/8");
	expect_tree("dst 10/8", "dst 10.0.0.0/8");
	expect_tree("dst 10.0.0.0/255.0.0.0", "dst 10.0.0.0/8");
	expect_tree("src = 10.1.2.3:40001", "src 10.1.2.3/32:40001");
	expect_tree("dst :80", "dst *:80");
	expect_tree("src *:22", "src *:22");
	expect_tree("src *", "src *");
	expect_tree("src [::1]:22", "src ::1/128:22");
	expect_tree("src [2001:db8::/32]:80", "src 2001:db8::/32:80");
	expect_tree("dst [::ffff:10.0.0.1]", "dst ::ffff:10.0.0.1/128");
	expect_tree("dst 2001:db8::1:22",
		    "dst 2001:db8::1/128:22"); /* ss: the last ':' starts the port */
	expect_tree("dst 0x0a.1", "dst 10.1.0.0/32");
	expect_tree("src unix:/run/*.sock", "src unix:/run/*.sock");
	expect_tree("dev eth0", "dev 2");
	expect_tree("dev = 7", "dev 7");
	expect_tree("dev != lo", "(not dev 1)");
	expect_tree("dev if9", "dev 9");
	expect_tree("fwmark = 0x10/0xff", "mark 0x10/0xff");
	expect_tree("fwmark 5", "mark 0x5/0xffffffff");
	expect_tree("autobound", "autobound");
	/* equal precedence, left to right, as ssfilter.y */
	expect_tree("sport = :1 or sport = :2 and sport = :3",
		    "(and (or src *:1 src *:2) src *:3)");
	expect_tree("not sport = :1 and sport = :2", "(and (not src *:1) src *:2)");
	expect_tree("sport = :1 sport = :2", "(and src *:1 src *:2)");
	expect_tree("sport = :1 || ( dport = :2 && ! dst 10/8 )",
		    "(or src *:1 (and dst *:2 (not dst 10.0.0.0/8)))");
	expect_tree("src\\ 1.2.3.4", "ERR@0+12: unexpected 'src 1.2.3.4'; expected a condition: "
				     "src, dst, sport, dport, dev, fwmark, autobound, not or '('");
}

static void test_parse_states(void **state)
{
	struct filter f;
	char *t;

	(void)state;
	t = parsed("state established", &resolver, &f);
	assert_string_equal(t, "all");
	assert_true(f.states_set);
	assert_int_equal(f.states, SOCK_STATE_BIT(SOCK_ST_ESTABLISHED));
	free(t);
	filter_release(&f);

	t = parsed("state listening state SYN-SENT sport = :22", &resolver, &f);
	assert_string_equal(t, "src *:22");
	assert_int_equal(f.states,
			 SOCK_STATE_BIT(SOCK_ST_LISTEN) | SOCK_STATE_BIT(SOCK_ST_SYN_SENT));
	free(t);
	filter_release(&f);

	t = parsed("exclude bucket exclude closed", &resolver, &f);
	assert_int_equal(f.states, SOCK_STATES_ALL & ~(SOCK_STATE_BIT(SOCK_ST_SYN_RECV) |
						       SOCK_STATE_BIT(SOCK_ST_TIME_WAIT) |
						       SOCK_STATE_BIT(SOCK_ST_CLOSE)));
	free(t);
	filter_release(&f);

	assert_int_equal(filter_state_mask("connected"),
			 SOCK_STATES_ALL &
				 ~(SOCK_STATE_BIT(SOCK_ST_CLOSE) | SOCK_STATE_BIT(SOCK_ST_LISTEN)));
	assert_int_equal(filter_state_mask("synchronized"),
			 filter_state_mask("connected") & ~SOCK_STATE_BIT(SOCK_ST_SYN_SENT));
	assert_int_equal(filter_state_mask("big"), SOCK_STATES_ALL & ~filter_state_mask("bucket"));
	assert_int_equal(filter_state_mask("all"), SOCK_STATES_ALL);
	assert_int_equal(filter_state_mask("syn-rcv"), SOCK_STATE_BIT(SOCK_ST_SYN_RECV));
	assert_int_equal(filter_state_mask("close"), SOCK_STATE_BIT(SOCK_ST_CLOSE));
	assert_int_equal(filter_state_mask("unconnected"), SOCK_STATE_BIT(SOCK_ST_CLOSE));
	assert_int_equal(filter_state_mask("Time-Wait"), SOCK_STATE_BIT(SOCK_ST_TIME_WAIT));
	assert_int_equal(filter_state_mask("unknown"), 1);
	assert_int_equal(filter_state_mask("listen"), 0);
	assert_int_equal(filter_default_states(false, false) & SOCK_STATE_BIT(SOCK_ST_TIME_WAIT),
			 0);
	assert_int_equal(filter_default_states(true, false),
			 SOCK_STATE_BIT(SOCK_ST_LISTEN) | SOCK_STATE_BIT(SOCK_ST_CLOSE));
}

static void test_parse_errors(void **state)
{
	(void)state;
	expect_error("state establised", 6, 10, "unknown state 'establised'");
	/* the whole list of state words, not cut at a buffer's size */
	expect_error("state bogus", 6, 5, "synchronized, bucket, big");
	expect_error("state", 5, 0, "expected a state name after 'state'");
	expect_error("dport =", 7, 0, "expected a port such as :22, 22, :ssh or * after 'dport ='");
	expect_error("dport = and", 8, 3, "after 'dport =', not 'and'");
	expect_error("sport > :nosuch", 8, 7, "'nosuch' is not a port number or a known service");
	expect_error("sport = :70000", 8, 6, "out of range");
	expect_error("dst 10.0.0.300", 4, 10, "is not an address");
	expect_error("dst ::1", 4, 3, "write IPv6 in brackets");
	expect_error("dst 2001:db8::1", 4, 11, "write IPv6 in brackets");
	expect_error("dst 10.0.0.0/33", 4, 11, "bad prefix length '/33'");
	expect_error("dst [::1", 4, 4, "missing ']'");
	expect_error("src 1.2.3.4 and", 15, 0, "expected a condition after 'and'");
	expect_error("( sport = :22", 13, 0, "missing ')'");
	expect_error("sport = :22 )", 12, 1, "')' without a matching '('");
	expect_error("( )", 2, 1, "empty parentheses");
	expect_error("(sport = :22)", 0, 6, "put spaces around parentheses");
	expect_error("sport = :22 bogus", 12, 5, "unexpected 'bogus'");
	expect_error("dev nosuchdev", 4, 9, "unknown device 'nosuchdev'");
	expect_error("fwmark 1/x", 7, 3, "bad mark");
	expect_error("sport = :22 state established", 12, 5, "must come before");
	expect_error("src != 1.2.3.4", 4, 2, "expected an address");
	expect_error("cgroup /x", 0, 6, "not supported");
	expect_error("src link:eth0", 4, 9, "not supported");
}

static void test_parse_depth(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct filter f;
	struct filter_error err;

	(void)state;
	for (int i = 0; i < 500; i++)
		strbuf_addstr(&sb, "( ");
	filter_init(&f);
	assert_int_equal(filter_parse(&f, sb.buf, NULL, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "nested too deeply"));
	filter_release(&f);
	strbuf_release(&sb);
}

/* ---- direct evaluation ---- */

static struct sock_entry mk(int family, const char *laddr, uint16_t lport, const char *raddr,
			    uint16_t rport)
{
	struct sock_entry s = { .family = (uint8_t)family,
				.proto = PROTO_TCP,
				.state = SOCK_ST_ESTABLISHED,
				.lport = lport,
				.rport = rport };

	inet_pton(family, laddr, s.local);
	inet_pton(family, raddr, s.remote);
	return s;
}

static bool matches(const char *text, const struct sock_entry *s)
{
	struct filter f;
	struct filter_error err;
	bool ok;

	filter_init(&f);
	assert_int_equal(filter_parse(&f, text, &resolver, &err), 0);
	ok = filter_match(&f, s);
	filter_release(&f);
	return ok;
}

static void test_eval(void **state)
{
	struct sock_entry v4l = mk(AF_INET, "0.0.0.0", 22, "0.0.0.0", 0);
	struct sock_entry v6any = mk(AF_INET6, "::", 22, "::", 0);
	struct sock_entry v6lo = mk(AF_INET6, "::1", 1006, "::", 0);
	struct sock_entry est = mk(AF_INET, "10.1.2.3", 40001, "10.1.2.3", 1001);
	struct sock_entry mapped = mk(AF_INET6, "::ffff:10.1.2.3", 54322, "::ffff:10.1.2.3", 1005);
	struct sock_entry ux = { .family = AF_UNIX,
				 .proto = PROTO_UNIX_STREAM,
				 .state = SOCK_ST_LISTEN,
				 .unix_path = "/tmp/CmTest.sock",
				 .unix_path_len = 16,
				 .inode = 4242 };
	struct sock_entry ux_auto = ux;

	(void)state;
	ux_auto.unix_path = "@0001f";
	ux_auto.unix_path_len = 6;
	/* what ss 6.1 lists, observed in a namespace: kernel && user space */
	assert_true(matches("src 0.0.0.0", &v4l));
	assert_false(matches("src 0.0.0.0", &v6any));
	assert_false(matches("not src 0.0.0.0", &v6any));
	assert_false(matches("not src 0.0.0.0", &v6lo));
	assert_true(matches("not src 10.0.0.0/8", &v6any));
	assert_true(matches("src 10.0.0.0/8", &mapped));
	assert_false(matches("not src 10.0.0.0/8", &mapped));
	assert_true(matches("src [::ffff:10.1.2.3]", &mapped));
	assert_false(matches("src [::ffff:10.1.2.3]", &est));
	assert_true(matches("src *:22", &v6any));
	assert_true(matches("src 10.1.2.3:40001", &est));
	assert_true(matches("sport < 1002", &est) == false);
	assert_true(matches("dport < 1002", &est));
	assert_true(matches("dport = 1001 and sport > :40000", &est));
	assert_false(matches("sport = :1 or sport = :40001 and dport = :2", &est));
	assert_true(matches("autobound", &mapped));
	assert_false(matches("autobound", &v4l));
	assert_true(matches("dev = 0", &est));
	assert_false(matches("dev eth0", &est));
	est.ifindex = 2;
	est.mark = 0x1234;
	assert_true(matches("dev eth0 fwmark 0x34/0xff", &est));
	assert_true(matches("fwmark != 0x35/0xff", &est));
	/* unix sockets: ss's user-space test alone; names are case-insensitive globs */
	assert_true(matches("src unix:/tmp/cmtest*", &ux));
	assert_false(matches("src unix:/run/*", &ux));
	assert_true(matches("dst unix:*", &ux));
	assert_false(matches("dst unix:/tmp/*", &ux));
	assert_true(matches("sport = :4242", &ux));
	assert_false(matches("src 0.0.0.0", &ux));
	assert_false(matches("autobound", &ux));
	assert_true(matches("autobound", &ux_auto));
	{
		struct filter f;
		struct filter_error err;
		struct filter_resolver r = resolver;

		r.family = AF_UNIX; /* ss -x: every operand is a path pattern */
		filter_init(&f);
		assert_int_equal(filter_parse(&f, "sport gt :1 and src /tmp/*", &r, &err), 0);
		assert_true(filter_match(&f, &ux));
		filter_release(&f);
		filter_init(&f);
		assert_int_equal(filter_parse(&f, "dst inet:10.0.0.1", NULL, &err), 0);
		assert_int_equal(f.family, AF_INET);
		filter_release(&f);
	}
}

/* ---- differential: compiled bytecode vs direct evaluation ---- */

static uint64_t rng_state;

static uint32_t rnd(uint32_t n)
{
	rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(rng_state >> 33) % n;
}

static const char *const v4_pool[] = { "0.0.0.0",   "10.0.0.1",	   "10.1.2.3",
				       "127.0.0.1", "192.168.1.9", "10.255.0.0" };
static const char *const v6_pool[] = { "::",	  "::1",    "::ffff:10.1.2.3",	"2001:db8::1",
				       "fe80::1", "a00::1", "::ffff:127.0.0.1", "2001:db8:1::" };
static const uint16_t port_pool[] = { 0, 1, 22, 80, 1023, 1024, 32768, 40000, 60999, 65535 };

static uint16_t rnd_port(void)
{
	return rnd(4) ? port_pool[rnd(10)] : (uint16_t)rnd(65536);
}

static void rnd_host(struct filter_host *h)
{
	memset(h, 0, sizeof(*h));
	h->port = rnd(2) ? -1 : rnd_port();
	switch (rnd(5)) {
	case 0:
		h->family = AF_UNSPEC;
		break;
	case 1:
	case 2:
		h->family = AF_INET;
		inet_pton(AF_INET, v4_pool[rnd(6)], h->addr);
		h->prefix_len = (uint8_t)(rnd(3) ? 32 : rnd(33));
		break;
	case 3:
		h->family = AF_INET6;
		inet_pton(AF_INET6, v6_pool[rnd(8)], h->addr);
		h->prefix_len = (uint8_t)(rnd(3) ? 128 : rnd(129));
		break;
	default:
		h->family = AF_UNIX;
		h->unix_path = strdup(rnd(2) ? "*" : "/tmp/*");
		h->port = -1;
		break;
	}
}

static int rnd_tree(struct filter *f, int depth)
{
	struct filter_node n;
	unsigned int k = depth >= 4 ? 3 + rnd(7) : rnd(10);

	memset(&n, 0, sizeof(n));
	switch (k) {
	case 0:
	case 1:
		n.kind = k ? FILTER_OR : FILTER_AND;
		n.u.bin.left = rnd_tree(f, depth + 1);
		n.u.bin.right = rnd_tree(f, depth + 1);
		break;
	case 2:
		n.kind = FILTER_NOT;
		n.u.child = rnd_tree(f, depth + 1);
		break;
	case 3:
	case 4:
		n.kind = rnd(2) ? FILTER_SRC : FILTER_DST;
		rnd_host(&n.u.host);
		break;
	case 5:
	case 6:
		n.kind = rnd(2) ? FILTER_SPORT : FILTER_DPORT;
		n.u.port.op = (enum filter_cmp)rnd(6);
		n.u.port.port = rnd_port();
		n.u.port.wildcard = rnd(10) == 0;
		break;
	case 7:
		n.kind = FILTER_DEV;
		n.u.ifindex = rnd(3);
		break;
	case 8:
		n.kind = FILTER_MARK;
		n.u.mark.value = rnd(4);
		n.u.mark.mask = rnd(2) ? 0xffffffff : 3;
		break;
	default:
		n.kind = FILTER_AUTOBOUND;
		break;
	}
	return filter_add_node(f, &n);
}

static struct sock_entry rnd_sock(void)
{
	struct sock_entry s;

	memset(&s, 0, sizeof(s));
	s.proto = PROTO_TCP;
	s.state = SOCK_ST_ESTABLISHED;
	s.family = rnd(2) ? AF_INET : AF_INET6;
	if (s.family == AF_INET) {
		inet_pton(AF_INET, v4_pool[rnd(6)], s.local);
		inet_pton(AF_INET, v4_pool[rnd(6)], s.remote);
	} else {
		inet_pton(AF_INET6, v6_pool[rnd(8)], s.local);
		inet_pton(AF_INET6, v6_pool[rnd(8)], s.remote);
	}
	s.lport = rnd_port();
	s.rport = rnd_port();
	s.ifindex = rnd(3);
	s.mark = rnd(5);
	return s;
}

static void check_one(const struct filter *f, int family, const struct sock_entry *socks, int nr)
{
	struct sockdiag_bytecode bc;

	assert_int_equal(sockdiag_filter_compile(f, family, &bc), 0);
	assert_non_null(bc.code);
	assert_int_equal(bc_audit(bc.code, bc.len, true), 0);
	for (int i = 0; i < nr; i++) {
		const struct sock_entry *s = &socks[i];
		bool autob = s->lport >= f->ephemeral_lo && s->lport <= f->ephemeral_hi;
		bool want = filter_match_expr(f, s), got;

		if (family != AF_UNSPEC && s->family != family)
			continue;
		got = bc_run(bc.code, bc.len, s, autob);
		if (want && !got)
			fail_msg(
				"bytecode rejects a socket the filter accepts (family %d, socket %d)",
				family, i);
		if (bc.exact && want != got)
			fail_msg("exact bytecode disagrees (family %d, socket %d)", family, i);
	}
	sockdiag_bytecode_release(&bc);
}

static void test_differential(void **state)
{
	enum {
		NR_FILTERS = 3000,
		NR_SOCKS = 256
	};
	struct sock_entry *socks = calloc(NR_SOCKS, sizeof(*socks));
	int nr_exact = 0;

	(void)state;
	rng_state = 0x5eed;
	for (int i = 0; i < NR_SOCKS; i++)
		socks[i] = rnd_sock();
	for (int i = 0; i < NR_FILTERS; i++) {
		struct filter f;
		struct sockdiag_bytecode bc;

		filter_init(&f);
		f.root = rnd_tree(&f, 0);
		check_one(&f, AF_INET, socks, NR_SOCKS);
		check_one(&f, AF_INET6, socks, NR_SOCKS);
		check_one(&f, AF_UNSPEC, socks, NR_SOCKS);
		sockdiag_filter_compile(&f, AF_INET, &bc);
		nr_exact += bc.exact;
		sockdiag_bytecode_release(&bc);
		filter_release(&f);
	}
	/* the generator must exercise both kinds */
	assert_true(nr_exact > NR_FILTERS / 10);
	assert_true(nr_exact < NR_FILTERS);
	free(socks);
}

static void test_compile_shapes(void **state)
{
	struct filter f;
	struct sockdiag_bytecode bc;
	char *t;

	(void)state;
	t = parsed("", &resolver, &f);
	assert_int_equal(sockdiag_filter_compile(&f, AF_INET, &bc), 0);
	assert_null(bc.code);
	assert_true(bc.exact);
	free(t);
	filter_release(&f);

	t = parsed("sport = :22", &resolver, &f);
	assert_int_equal(sockdiag_filter_compile(&f, AF_INET, &bc), 0);
	assert_int_equal(bc.len, 8); /* S_EQ + its argument */
	assert_true(bc.exact);
	sockdiag_bytecode_release(&bc);
	free(t);
	filter_release(&f);

	t = parsed("fwmark 1 or autobound", &resolver, &f);
	assert_int_equal(sockdiag_filter_compile(&f, AF_INET6, &bc), 0);
	assert_true(bc.needs_net_admin);
	assert_false(bc.exact);
	assert_int_equal(bc_audit(bc.code, bc.len, false), -EPERM);
	sockdiag_bytecode_release(&bc);
	free(t);
	filter_release(&f);

	t = parsed("dst 10.0.0.0/8", &resolver, &f);
	assert_int_equal(sockdiag_filter_compile(&f, AF_INET, &bc), 0);
	assert_true(bc.exact);
	sockdiag_bytecode_release(&bc);
	assert_int_equal(sockdiag_filter_compile(&f, AF_INET6, &bc), 0);
	assert_false(bc.exact);
	sockdiag_bytecode_release(&bc);
	free(t);
	filter_release(&f);
}

static void test_compile_too_big(void **state)
{
	struct filter f;
	struct sockdiag_bytecode bc;
	struct filter_node leaf = { .kind = FILTER_DST };
	int root;

	(void)state;
	filter_init(&f);
	leaf.u.host.family = AF_INET6;
	leaf.u.host.prefix_len = 128;
	leaf.u.host.port = -1;
	root = filter_add_node(&f, &leaf);
	for (int i = 0; i < 3000; i++) {
		struct filter_node n = { .kind = FILTER_OR };

		n.u.bin.left = root;
		n.u.bin.right = filter_add_node(&f, &leaf);
		root = filter_add_node(&f, &n);
	}
	f.root = root;
	assert_int_equal(sockdiag_filter_compile(&f, AF_INET6, &bc), -E2BIG);
	assert_null(bc.code);
	filter_release(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_forms),	cmocka_unit_test(test_parse_states),
		cmocka_unit_test(test_host_names),	cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_depth),	cmocka_unit_test(test_eval),
		cmocka_unit_test(test_differential),	cmocka_unit_test(test_compile_shapes),
		cmocka_unit_test(test_compile_too_big),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
