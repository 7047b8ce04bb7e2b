// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The agent's socket client (collect/agent_link.h): the answer parser over
 * canned byte streams, whole and cut at every byte; the exchange through a
 * socketpair whose other end a child process writes in pieces; the
 * timeout, the size cap and the errors of a path with no agent.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* cmocka needs these first. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
// clang-format on

#include "app/agent.h"
#include "base/strbuf.h"
#include "collect/agent_link.h"

#define CL_OK \
	"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 7\r\n\r\n{\"a\":1}"
#define CHUNKED                                                                             \
	"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n" \
	"5\r\nhello\r\n1;ext=1\r\n \r\n6\r\nworld!\r\n0\r\nX-Trailer: 1\r\n\r\n"
#define TO_EOF "HTTP/1.0 404 Not Found\r\nServer: x\r\n\r\nnot found\n"

static void expect_parse(const char *text, bool eof, int ret, int status, const char *body,
			 const char *ctype)
{
	struct agent_reply r;
	const char *why;
	int got = agent_link_parse(text, strlen(text), eof, &r, &why);

	if (got != ret)
		fail_msg("'%s': got %d (%s), expected %d", text, got, why, ret);
	if (ret == 0) {
		assert_int_equal(r.status, status);
		assert_int_equal(r.body_len, strlen(body));
		assert_memory_equal(r.body, body, r.body_len);
		assert_int_equal(r.body[r.body_len], '\0');
		assert_string_equal(r.content_type, ctype);
	} else {
		assert_null(r.body);
		assert_true(ret == -EAGAIN || *why);
	}
	agent_reply_release(&r);
}

static void test_parse(void **state)
{
	(void)state;
	expect_parse(CL_OK, false, 0, 200, "{\"a\":1}", "application/json");
	expect_parse(CHUNKED, false, 0, 200, "hello world!", "text/plain");
	expect_parse(TO_EOF, true, 0, 404, "not found\n", "");
	expect_parse(TO_EOF, false, -EAGAIN, 0, NULL, NULL);
	/* Bytes after a sized body are not part of it. */
	expect_parse(CL_OK "junk", false, 0, 200, "{\"a\":1}", "application/json");
	expect_parse("HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n", false, 0, 204, "", "");
	expect_parse("HTTP/1.1 403 Forbidden\r\ncontent-length:  2 \r\n\r\nno", false, 0, 403, "no",
		     "");
	expect_parse("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", true, -EPROTO, 0, NULL,
		     NULL);
	expect_parse("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n", true, -EPROTO, 0, NULL, NULL);
	expect_parse("", true, -EPROTO, 0, NULL, NULL);
	expect_parse("", false, -EAGAIN, 0, NULL, NULL);
	expect_parse("SSH-2.0-OpenSSH\r\n\r\n", true, -EPROTO, 0, NULL, NULL);
	expect_parse("HTTP/1.1 99 x\r\n\r\n", true, -EPROTO, 0, NULL, NULL);
	expect_parse("HTTP/1.1 600 x\r\n\r\n", true, -EPROTO, 0, NULL, NULL);
	expect_parse("HTTP/1.1 2000 x\r\n\r\n", true, -EPROTO, 0, NULL, NULL);
	expect_parse("HTTP/2 200\r\n\r\n", true, -EPROTO, 0, NULL, NULL);
	expect_parse("HTTP/1.1 200 OK\r\nno colon\r\n\r\n", true, -EPROTO, 0, NULL, NULL);
	expect_parse("HTTP/1.1 200 OK\r\nA b: c\r\n\r\n", true, -EPROTO, 0, NULL, NULL);
	expect_parse("HTTP/1.1 200 OK\r\nX: a\nb\r\n\r\n", true, -EPROTO, 0, NULL, NULL);
	expect_parse("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", true,
		     -EPROTO, 0, NULL, NULL);
	expect_parse("HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\na", true, -EPROTO, 0, NULL,
		     NULL);
	expect_parse("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n", true,
		     -EMSGSIZE, 0, NULL, NULL);
	expect_parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", true, -EPROTO, 0, NULL,
		     NULL);
	expect_parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n"
		     "0\r\n\r\n",
		     true, -EPROTO, 0, NULL, NULL);
	expect_parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", true, -EPROTO,
		     0, NULL, NULL);
	expect_parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n0\r\n\r\n",
		     true, -EPROTO, 0, NULL, NULL);
	expect_parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n", true,
		     -EPROTO, 0, NULL, NULL);
}

/* A long Content-Type is cut, never overflows; a head beyond 16 KiB is refused. */
static void test_parse_limits(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct agent_reply r;
	const char *why;

	(void)state;
	strbuf_addstr(&sb, "HTTP/1.1 200 OK\r\nContent-Type: ");
	for (int i = 0; i < 300; i++)
		strbuf_addch(&sb, 'a' + i % 26);
	strbuf_addstr(&sb, "\r\nContent-Length: 0\r\n\r\n");
	assert_int_equal(agent_link_parse(sb.buf, sb.len, false, &r, &why), 0);
	assert_int_equal(strlen(r.content_type), sizeof(r.content_type) - 1);
	assert_memory_equal(r.content_type, "abcdef", 6);
	agent_reply_release(&r);
	strbuf_reset(&sb);
	strbuf_addstr(&sb, "HTTP/1.1 200 OK\r\n");
	while (sb.len < AGENT_LINK_MAX_HEAD + 10)
		strbuf_addstr(&sb, "X-Pad: 0123456789012345678901234567890123456789\r\n");
	assert_int_equal(agent_link_parse(sb.buf, sb.len, false, &r, &why), -EMSGSIZE);
	assert_null(r.body);
	strbuf_release(&sb);
}

/* Every prefix of a whole answer but the whole is incomplete; the whole parses the same. */
static void test_parse_prefixes(void **state)
{
	static const char *const answers[] = { CL_OK, CHUNKED };
	struct agent_reply r;
	const char *why;

	(void)state;
	for (size_t a = 0; a < 2; a++) {
		size_t len = strlen(answers[a]);

		for (size_t cut = 0; cut < len; cut++) {
			int ret = agent_link_parse(answers[a], cut, false, &r, &why);

			if (ret != -EAGAIN)
				fail_msg("answer %zu cut at %zu: %d (%s)", a, cut, ret, why);
			ret = agent_link_parse(answers[a], cut, true, &r, &why);
			if (ret != -EPROTO)
				fail_msg("answer %zu cut at %zu, eof: %d", a, cut, ret);
		}
		assert_int_equal(agent_link_parse(answers[a], len, false, &r, &why), 0);
		agent_reply_release(&r);
	}
}

/*
 * A child plays the agent on one end of a socketpair: it reads the request
 * (copied back to the parent through a pipe), then writes answer in pieces
 * of `piece` bytes and closes, or, with hold, keeps the socket open unread.
 */
static pid_t serve(int sv[2], int req_pipe[2], const char *answer, size_t len, size_t piece,
		   bool hold)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		char buf[4096];
		ssize_t n;

		close(sv[0]);
		close(req_pipe[0]);
		n = read(sv[1], buf, sizeof(buf));
		if (n > 0 && write(req_pipe[1], buf, (size_t)n) != n)
			_exit(1);
		close(req_pipe[1]);
		if (hold) {
			pause();
			_exit(0);
		}
		for (size_t off = 0; off < len; off += piece) {
			size_t k = len - off < piece ? len - off : piece;

			if (write(sv[1], answer + off, k) != (ssize_t)k)
				_exit(1);
			if (piece < len)
				usleep(1000);
		}
		_exit(0);
	}
	close(sv[1]);
	close(req_pipe[1]);
	return pid;
}

static int through_pair(const char *answer, size_t len, size_t piece, bool hold,
			const struct agent_link_opts *opts, struct agent_reply *r,
			struct strbuf *err, struct strbuf *request)
{
	int sv[2], req_pipe[2], ret, status;
	char buf[4096];
	ssize_t n;
	pid_t pid;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(pipe(req_pipe), 0);
	pid = serve(sv, req_pipe, answer, len, piece, hold);
	ret = agent_link_get_fd(sv[0], "/test/agent.sock", "/api/v1/live?x=1", opts, r, err);
	close(sv[0]);
	if (hold)
		kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
	while ((n = read(req_pipe[0], buf, sizeof(buf))) > 0)
		strbuf_add(request, buf, (size_t)n);
	close(req_pipe[0]);
	return ret;
}

static void test_exchange(void **state)
{
	struct strbuf err = STRBUF_INIT, req = STRBUF_INIT, big = STRBUF_INIT;
	struct agent_reply r;
	static const size_t pieces[] = { 1, 7, 100000 };

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		strbuf_reset(&req);
		assert_int_equal(through_pair(CHUNKED, strlen(CHUNKED), pieces[i], false, NULL, &r,
					      &err, &req),
				 0);
		assert_string_equal(r.body, "hello world!");
		assert_int_equal(r.status, 200);
		agent_reply_release(&r);
		assert_string_equal(req.buf, "GET /api/v1/live?x=1 HTTP/1.1\r\nHost: localhost\r\n"
					     "Connection: close\r\nAccept: */*\r\n"
					     "User-Agent: connmon\r\n\r\n");
	}
	/* A body of 300 KiB by Content-Length, then one to the end of the stream. */
	strbuf_addstr(&big, "HTTP/1.1 200 OK\r\nContent-Length: 307200\r\n\r\n");
	for (int i = 0; i < 307200; i++)
		strbuf_addch(&big, (char)('0' + i % 10));
	assert_int_equal(through_pair(big.buf, big.len, 65536, false, NULL, &r, &err, &req), 0);
	assert_int_equal(r.body_len, 307200);
	assert_int_equal(r.body[307199], '9');
	agent_reply_release(&r);
	assert_int_equal(through_pair(TO_EOF, strlen(TO_EOF), 3, false, NULL, &r, &err, &req), 0);
	assert_int_equal(r.status, 404);
	assert_string_equal(r.body, "not found\n");
	agent_reply_release(&r);
	strbuf_release(&big);
	strbuf_release(&req);
	strbuf_release(&err);
}

static void test_exchange_errors(void **state)
{
	struct strbuf err = STRBUF_INIT, req = STRBUF_INIT, big = STRBUF_INIT;
	struct agent_link_opts opts = { .timeout_ms = 200, .max_bytes = 100000 };
	struct agent_reply r;
	struct timespec t0, t1;
	int64_t ms;

	(void)state;
	/* Over the cap, though the peer would send it all. */
	strbuf_addstr(&big, "HTTP/1.1 200 OK\r\nContent-Length: 200000\r\n\r\n");
	for (int i = 0; i < 200000; i++)
		strbuf_addch(&big, 'x');
	assert_int_equal(through_pair(big.buf, big.len, 65536, false, &opts, &r, &err, &req),
			 -EMSGSIZE);
	assert_null(r.body);
	assert_non_null(strstr(err.buf, "'/test/agent.sock'"));
	assert_non_null(strstr(err.buf, "size cap"));
	/* A truncated answer: the peer closes early. */
	strbuf_reset(&err);
	assert_int_equal(through_pair(big.buf, 1000, 1000, false, &opts, &r, &err, &req), -EPROTO);
	assert_non_null(strstr(err.buf, "truncated"));
	/* A peer that never answers: the deadline, not a hang. */
	strbuf_reset(&err);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(through_pair("", 0, 1, true, &opts, &r, &err, &req), -ETIMEDOUT);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	assert_true(ms >= 190 && ms < 3000);
	assert_non_null(strstr(err.buf, "within 200 ms"));
	/* A bad target is refused before anything is sent. */
	strbuf_reset(&err);
	assert_int_equal(agent_link_get_fd(-1, "/x", "metrics", NULL, &r, &err), -EINVAL);
	assert_int_equal(agent_link_get_fd(-1, "/x", "/a b", NULL, &r, &err), -EINVAL);
	strbuf_release(&big);
	strbuf_release(&req);
	strbuf_release(&err);
}

/* No socket, nobody listening, a path too long: each named with its path and a hint. */
static void test_connect_errors(void **state)
{
	char dir[] = "/tmp/connmon-link-XXXXXX", path[128], longp[200];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct strbuf err = STRBUF_INIT;
	struct agent_reply r;
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/agent.sock", dir);
	assert_int_equal(agent_link_get(path, "/metrics", NULL, &r, &err), -ENOENT);
	assert_non_null(strstr(err.buf, "cannot connect to '"));
	assert_non_null(strstr(err.buf, path));
	assert_non_null(strstr(err.buf, "is the agent running?"));
	/* A stale socket: bound, never listened on. */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	strbuf_reset(&err);
	assert_int_equal(agent_link_get(path, "/metrics", NULL, &r, &err), -ECONNREFUSED);
	assert_non_null(strstr(err.buf, "Connection refused"));
	close(fd);
	unlink(path);
	memset(longp, 'a', sizeof(longp) - 1);
	longp[0] = '/';
	longp[sizeof(longp) - 1] = '\0';
	strbuf_reset(&err);
	assert_int_equal(agent_link_get(longp, "/metrics", NULL, &r, &err), -EINVAL);
	assert_non_null(strstr(err.buf, "longer than 107 bytes"));
	rmdir(dir);
	strbuf_release(&err);
}

/* Where clients look: the config's [agent] socket, or the built-in default. */
static void test_default_path(void **state)
{
	char dir[] = "/tmp/connmon-link-XXXXXX", conf[128];
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(conf, sizeof(conf), "%s/connmon.conf", dir);
	assert_int_equal(agent_link_default_path(conf, &out, &err), -ENOENT);
	assert_non_null(strstr(err.buf, conf));
	f = fopen(conf, "w");
	fputs("[agent]\nsocket = /srv/cm/a.sock\n", f);
	fclose(f);
	strbuf_reset(&err);
	assert_int_equal(agent_link_default_path(conf, &out, &err), 0);
	assert_string_equal(out.buf, "/srv/cm/a.sock");
	f = fopen(conf, "w");
	fputs("[agent]\nsocket =\n", f);
	fclose(f);
	strbuf_reset(&out);
	assert_int_equal(agent_link_default_path(conf, &out, &err), -ENOENT);
	assert_non_null(strstr(err.buf, "[agent] socket is empty"));
	assert_string_equal(out.buf, "");
	f = fopen(conf, "w");
	fputs("[agent]\nsocket_mode = 999\n", f);
	fclose(f);
	strbuf_reset(&err);
	assert_int_equal(agent_link_default_path(conf, &out, &err), -EINVAL);
	assert_non_null(strstr(err.buf, "socket_mode"));
	/* The built-in config defaults say the same as the client's constant. */
	f = fopen(conf, "w");
	fputs("# nothing set\n", f);
	fclose(f);
	assert_int_equal(agent_link_default_path(conf, &out, &err), 0);
	assert_string_equal(out.buf, AGENT_LINK_DEFAULT_PATH);
	unlink(conf);
	rmdir(dir);
	strbuf_release(&out);
	strbuf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),		cmocka_unit_test(test_parse_limits),
		cmocka_unit_test(test_parse_prefixes),	cmocka_unit_test(test_exchange),
		cmocka_unit_test(test_exchange_errors), cmocka_unit_test(test_connect_errors),
		cmocka_unit_test(test_default_path),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
