// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sock_diag parsing from dumps recorded by tests/fixtures/record.sh (see the
 * sockets it holds there), replayed through a struct nl_transport.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>

/* cmocka needs these first. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
// clang-format on

#include "base/strbuf.h"
#include "collect/sockdiag.h"

#define FIX "../fixtures/sockdiag/"

struct replay {
	struct strbuf data;
	size_t pos;
	uint8_t sent[512];
	size_t sent_len;
	unsigned nr_sent;
};

static int replay_send(void *ctx, const void *buf, size_t len)
{
	struct replay *r = ctx;

	r->nr_sent++;
	r->sent_len = len < sizeof(r->sent) ? len : sizeof(r->sent);
	memcpy(r->sent, buf, r->sent_len);
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

#define MAX_SEEN 32

struct seen {
	struct sock_entry s[MAX_SEEN];
	char path[MAX_SEEN][64];
	unsigned n;
	int stop_at; /* return 42 at this socket (1-based), 0 never */
};

static int collect(const struct sock_entry *s, void *arg)
{
	struct seen *x = arg;

	if (x->n < MAX_SEEN) {
		x->s[x->n] = *s;
		if (s->unix_path && s->unix_path_len < 64) {
			memcpy(x->path[x->n], s->unix_path, s->unix_path_len);
			x->path[x->n][s->unix_path_len] = '\0';
		}
	}
	x->n++;
	return x->stop_at && (int)x->n == x->stop_at ? 42 : 0;
}

static int dump_file(const char *file, const struct sockdiag_query *q, struct seen *x,
		     struct sockdiag_stats *st)
{
	struct replay r = { .data = STRBUF_INIT };
	struct nl_transport t = { replay_send, replay_recv, &r };
	struct sockdiag *sd;
	int ret;

	assert_int_equal(strbuf_read_file(&r.data, file, 0), 0);
	sd = sockdiag_new_transport(&t);
	ret = sockdiag_dump(sd, q, collect, x, st);
	sockdiag_close(sd);
	strbuf_release(&r.data);
	return ret;
}

static const struct sock_entry *find(const struct seen *x, int family, uint8_t state,
				     uint16_t lport, uint16_t rport)
{
	for (unsigned i = 0; i < x->n && i < MAX_SEEN; i++) {
		const struct sock_entry *s = &x->s[i];

		if (s->family == family && s->state == state && s->lport == lport &&
		    (rport == 0xffff || s->rport == rport))
			return s;
	}
	return NULL;
}

static const struct sock_entry *estab_server(const struct seen *x, int family, uint16_t port)
{
	for (unsigned i = 0; i < x->n && i < MAX_SEEN; i++)
		if (x->s[i].family == family && x->s[i].state == SOCK_ST_ESTABLISHED &&
		    x->s[i].lport == port)
			return &x->s[i];
	return NULL;
}

static void test_tcp_dump(void **state)
{
	struct sockdiag_query q = { .protos = PROTO_BIT(PROTO_TCP),
				    .want_v4 = true,
				    .want_v6 = true,
				    .want_info = true,
				    .want_mem = true };
	struct sockdiag_stats st;
	struct seen x = { 0 };
	const struct sock_entry *s;
	const uint8_t lo4[4] = { 127, 0, 0, 1 };

	(void)state;
	assert_int_equal(dump_file(FIX "tcp.bin", &q, &x, &st), 0);
	assert_int_equal(x.n, 7);
	assert_int_equal(st.nr_sockets, 7);
	assert_int_equal(st.nr_bad, 0);
	assert_false(st.interrupted);
	assert_int_equal(st.proto_err[PROTO_TCP], 0);

	s = find(&x, AF_INET, SOCK_ST_LISTEN, 7001, 0);
	assert_non_null(s);
	assert_memory_equal(s->local, lo4, 4);
	assert_int_equal(s->proto, PROTO_TCP);
	assert_true(s->inode != 0);
	assert_int_equal(s->send_q, 16); /* listen backlog */
	assert_true(s->has & SOCK_HAS_INFO);
	assert_int_equal(s->tcpi.tcpi_state, SOCK_ST_LISTEN);

	s = estab_server(&x, AF_INET, 7001);
	assert_non_null(s);
	assert_int_equal(s->recv_q, 100); /* the unread bytes */
	assert_true(s->has & SOCK_HAS_INFO);
	assert_int_equal(s->tcpi_len, sizeof(struct tcp_info));
	assert_int_equal(s->tcpi.tcpi_state, SOCK_ST_ESTABLISHED);
	assert_int_equal(s->tcpi.tcpi_bytes_received, 100);
	assert_true(s->has & SOCK_HAS_CONG);
	assert_true(strlen(s->cong) > 0);
	assert_true(s->has & SOCK_HAS_MEM);
	assert_int_equal(s->nr_skmem, SOCK_MEM_VARS);
	assert_true(s->cookie != 0);
	assert_true(s->has & SOCK_HAS_SHUTDOWN);

	s = find(&x, AF_INET, SOCK_ST_TIME_WAIT, 0xffff, 0xffff);
	assert_null(s); /* TIME_WAIT is the client side: lport is ephemeral */
	for (unsigned i = 0; i < x.n; i++)
		if (x.s[i].state == SOCK_ST_TIME_WAIT)
			s = &x.s[i];
	assert_non_null(s);
	assert_int_equal(s->rport, 7001);
	assert_int_equal(s->inode, 0);
	assert_int_equal(s->timer, SOCK_TIMER_TIMEWAIT);
	assert_false(s->has & SOCK_HAS_INFO);
	assert_int_equal(s->tcpi.tcpi_state, 0);

	s = find(&x, AF_INET6, SOCK_ST_LISTEN, 7002, 0);
	assert_non_null(s);
	assert_int_equal(s->local[15], 1); /* ::1 */
	assert_int_equal(s->local[0], 0);
}

static void test_tcp_old_kernel(void **state)
{
	struct sockdiag_query q = { .protos = PROTO_BIT(PROTO_TCP),
				    .want_v4 = true,
				    .want_v6 = true,
				    .want_info = true,
				    .want_mem = true };
	struct sockdiag_stats st;
	struct seen x = { 0 };
	const struct sock_entry *s;

	(void)state;
	assert_int_equal(dump_file(FIX "tcp-old.bin", &q, &x, &st), 0);
	assert_int_equal(x.n, 7);
	s = estab_server(&x, AF_INET, 7001);
	assert_non_null(s);
	assert_int_equal(s->tcpi_len, 104);
	assert_int_equal(s->tcpi.tcpi_state, SOCK_ST_ESTABLISHED);
	assert_true(s->tcpi.tcpi_rcv_mss > 0);
	assert_true(s->tcpi.tcpi_total_retrans == 0);
	/* Fields the old kernel did not send read as zero. */
	assert_int_equal(s->tcpi.tcpi_pacing_rate, 0);
	assert_int_equal(s->tcpi.tcpi_bytes_received, 0);
	assert_int_equal(s->tcpi.tcpi_min_rtt, 0);
	assert_int_equal(s->recv_q, 100);
}

static void test_udp_dump(void **state)
{
	struct sockdiag_query q = {
		.protos = PROTO_BIT(PROTO_UDP), .want_v4 = true, .want_v6 = true, .want_mem = true
	};
	struct sockdiag_stats st;
	struct seen x = { 0 };

	(void)state;
	assert_int_equal(dump_file(FIX "udp.bin", &q, &x, &st), 0);
	assert_int_equal(x.n, 2);
	assert_non_null(find(&x, AF_INET, SOCK_ST_CLOSE, 7003, 0));
	assert_non_null(find(&x, AF_INET6, SOCK_ST_CLOSE, 7004, 0));
	assert_int_equal(x.s[0].proto, PROTO_UDP);
	assert_false(x.s[0].has & SOCK_HAS_INFO);
	assert_true(x.s[0].has & SOCK_HAS_MEM);
}

static void test_raw_missing_module(void **state)
{
	struct sockdiag_query q = { .protos = PROTO_BIT(PROTO_RAW),
				    .want_v4 = true,
				    .want_v6 = true };
	struct sockdiag_stats st;
	struct seen x = { 0 };

	(void)state;
	/* Recorded on a kernel without raw_diag: DONE carries -ENOENT. */
	assert_int_equal(dump_file(FIX "raw.bin", &q, &x, &st), 0);
	assert_int_equal(x.n, 0);
	assert_int_equal(st.proto_err[PROTO_RAW], -ENOENT);
}

static const struct sock_entry *find_path(const struct seen *x, const char *path, bool abstract)
{
	for (unsigned i = 0; i < x->n && i < MAX_SEEN; i++)
		if (x->s[i].unix_path && x->s[i].unix_abstract == abstract &&
		    !strcmp(x->path[i], path))
			return &x->s[i];
	return NULL;
}

static void test_unix_dump(void **state)
{
	struct sockdiag_query q = { .protos = PROTO_UNIX_MASK, .want_mem = true };
	struct sockdiag_stats st;
	struct seen x = { 0 };
	const struct sock_entry *s;
	unsigned connected = 0;

	(void)state;
	assert_int_equal(dump_file(FIX "unix.bin", &q, &x, &st), 0);
	assert_int_equal(x.n, 4);
	s = find_path(&x, "/tmp/cmtest-rec.sock", false);
	assert_non_null(s);
	assert_int_equal(s->state, SOCK_ST_LISTEN);
	assert_int_equal(s->proto, PROTO_UNIX_STREAM);
	assert_int_equal(s->recv_q, 1); /* one connection waiting in accept */
	assert_int_equal(s->send_q, 4); /* backlog */
	assert_true(s->inode != 0);
	s = find_path(&x, "cmtest-abs", true);
	assert_non_null(s);
	assert_int_equal(s->unix_path_len, 10);
	/* The client of a never-accepted connection: its peer is an inode-less embryo. */
	for (unsigned i = 0; i < x.n; i++)
		if (x.s[i].state == SOCK_ST_ESTABLISHED && x.s[i].proto == PROTO_UNIX_STREAM &&
		    !x.s[i].unix_path)
			connected++;
	assert_int_equal(connected, 1);

	/* Types the query does not ask for are dropped. */
	memset(&x, 0, sizeof(x));
	q.protos = PROTO_BIT(PROTO_UNIX_DGRAM);
	assert_int_equal(dump_file(FIX "unix.bin", &q, &x, &st), 0);
	assert_int_equal(x.n, 1);
	assert_int_equal(x.s[0].proto, PROTO_UNIX_DGRAM);
	assert_int_equal(x.s[0].state, SOCK_ST_CLOSE);
}

static void test_visitor_stops(void **state)
{
	struct sockdiag_query q = { .protos = PROTO_BIT(PROTO_TCP),
				    .want_v4 = true,
				    .want_v6 = true };
	struct sockdiag_stats st;
	struct seen x = { .stop_at = 2 };

	(void)state;
	assert_int_equal(dump_file(FIX "tcp.bin", &q, &x, &st), 42);
	assert_int_equal(x.n, 2);
}

/* Received on the calling thread (a small dump), the same sockets in the same order. */
static void test_inline_recv(void **state)
{
	static const char *const files[] = { FIX "tcp.bin", FIX "udp.bin", FIX "unix.bin" };
	static const uint32_t protos[] = { PROTO_BIT(PROTO_TCP), PROTO_BIT(PROTO_UDP),
					   PROTO_UNIX_MASK };

	(void)state;
	for (size_t f = 0; f < 3; f++) {
		struct sockdiag_query q = { .protos = protos[f], .want_v4 = true, .want_v6 = true };
		struct sockdiag_stats st, st_inline;
		struct seen *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));

		assert_int_equal(dump_file(files[f], &q, a, &st), 0);
		q.inline_recv = true;
		assert_int_equal(dump_file(files[f], &q, b, &st_inline), 0);
		assert_true(a->n > 0);
		assert_int_equal(a->n, b->n);
		assert_int_equal(st.nr_sockets, st_inline.nr_sockets);
		for (unsigned i = 0; i < a->n && i < MAX_SEEN; i++) {
			assert_int_equal(a->s[i].lport, b->s[i].lport);
			assert_int_equal(a->s[i].state, b->s[i].state);
			assert_int_equal(a->s[i].inode, b->s[i].inode);
		}
		free(a);
		free(b);
	}
	/* A visitor that stops: its value, and the rest of the dump read, not visited. */
	struct sockdiag_query q = { .protos = PROTO_BIT(PROTO_TCP),
				    .want_v4 = true,
				    .want_v6 = true,
				    .inline_recv = true };
	struct sockdiag_stats st;
	struct seen x = { .stop_at = 2 };

	assert_int_equal(dump_file(FIX "tcp.bin", &q, &x, &st), 42);
	assert_int_equal(x.n, 2);
}

/* The first SOCK_DIAG_BY_FAMILY message of a recording, copied into buf. */
static size_t first_msg(const char *file, uint8_t *buf, size_t cap)
{
	struct strbuf sb = STRBUF_INIT;
	uint32_t dlen, mlen;

	assert_int_equal(strbuf_read_file(&sb, file, 0), 0);
	assert_true(sb.len > 8);
	memcpy(&dlen, sb.buf, 4);
	memcpy(&mlen, sb.buf + 4, 4);
	assert_true(mlen <= dlen && mlen <= cap);
	memcpy(buf, sb.buf + 4, mlen);
	strbuf_release(&sb);
	return mlen;
}

static void test_truncated_messages(void **state)
{
	_Alignas(8) uint8_t msg[4096];
	size_t len = first_msg(FIX "tcp.bin", msg, sizeof(msg));
	struct nlmsghdr *nlh = (struct nlmsghdr *)msg;
	struct sock_entry se;

	(void)state;
	assert_int_equal(sockdiag_parse_inet(nlh, PROTO_TCP, &se), 0);
	assert_int_equal(se.tcpi_len, sizeof(struct tcp_info));
	/* Every shorter length parses or is refused, never read past. */
	for (size_t l = 0; l < len; l++) {
		_Alignas(8) uint8_t *copy = malloc(l < NLMSG_HDRLEN ? NLMSG_HDRLEN : l);
		int ret;

		memcpy(copy, msg, l < NLMSG_HDRLEN ? NLMSG_HDRLEN : l);
		((struct nlmsghdr *)copy)->nlmsg_len = (uint32_t)l;
		ret = sockdiag_parse_inet((struct nlmsghdr *)copy, PROTO_TCP, &se);
		if (l < NLMSG_HDRLEN + sizeof(struct inet_diag_msg))
			assert_int_equal(ret, -EBADMSG);
		else
			assert_int_equal(ret, 0);
		free(copy);
	}
}

static void test_destroy(void **state)
{
	struct {
		struct nlmsghdr h;
		struct nlmsgerr e;
	} ack = { .h = { .nlmsg_len = sizeof(ack), .nlmsg_type = NLMSG_ERROR },
		  .e = { .error = -EOPNOTSUPP } };
	struct replay r = { .data = STRBUF_INIT };
	struct nl_transport t = { replay_send, replay_recv, &r };
	struct sock_entry s = { .proto = PROTO_TCP,
				.family = AF_INET,
				.lport = 7001,
				.rport = 40000,
				.cookie = 0x1122334455667788ULL,
				.has = SOCK_HAS_COOKIE };
	const struct inet_diag_req_v2 *req = (const void *)(r.sent + NLMSG_HDRLEN);
	const struct nlmsghdr *sent = (const void *)r.sent;
	uint32_t len = sizeof(ack);
	struct sockdiag *sd;

	(void)state;
	strbuf_add(&r.data, &len, sizeof(len));
	strbuf_add(&r.data, &ack, sizeof(ack));
	sd = sockdiag_new_transport(&t);
	assert_int_equal(sockdiag_destroy(sd, &s), -EOPNOTSUPP);
	assert_int_equal(sent->nlmsg_type, SOCK_DESTROY);
	assert_true(sent->nlmsg_flags & NLM_F_ACK);
	assert_int_equal(req->sdiag_protocol, IPPROTO_TCP);
	assert_int_equal(ntohs(req->id.idiag_sport), 7001);
	assert_int_equal(ntohs(req->id.idiag_dport), 40000);
	assert_int_equal(req->id.idiag_cookie[0], 0x55667788u);
	assert_int_equal(req->id.idiag_cookie[1], 0x11223344u);
	s.proto = PROTO_UDP;
	assert_int_equal(sockdiag_destroy(sd, &s), -EOPNOTSUPP);
	sockdiag_close(sd);
	strbuf_release(&r.data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp_dump),    cmocka_unit_test(test_tcp_old_kernel),
		cmocka_unit_test(test_udp_dump),    cmocka_unit_test(test_raw_missing_module),
		cmocka_unit_test(test_unix_dump),   cmocka_unit_test(test_visitor_stops),
		cmocka_unit_test(test_inline_recv), cmocka_unit_test(test_truncated_messages),
		cmocka_unit_test(test_destroy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
