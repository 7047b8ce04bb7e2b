// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The HTTP listener (export/http.h) and its address parser
 * (export/listen_addr.h).  The parser's tests are pure; the server's run in a
 * network namespace of their own, made by unshare(2) at start (as root, or
 * through a user namespace), with only lo up: no traffic leaves it, and it
 * vanishes with the process.  Without either privilege they are skipped.
 * Clients are raw sockets written here, so every byte on the wire is checked.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* cmocka needs these first. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
// clang-format on

#include "base/strbuf.h"
#include "base/xalloc.h"
#include "export/http.h"
#include "export/listen_addr.h"

static bool have_netns;

static void test_listen_addr(void **state)
{
	static const struct {
		const char *text;
		int ret;
		const char *canon;
	} cases[] = {
		{ "127.0.0.1:9556", 0, "127.0.0.1:9556" },
		{ "0.0.0.0:0", 0, "0.0.0.0:0" },
		{ "10.1.2.3:65535", 0, "10.1.2.3:65535" },
		{ "[::1]:9556", 0, "[::1]:9556" },
		{ "[::]:80", 0, "[::]:80" },
		{ "[2001:db8:0:0::1]:09556", 0, "[2001:db8::1]:9556" },
		{ "[::ffff:127.0.0.1]:1", 0, "[::ffff:127.0.0.1]:1" },
		{ "127.0.0.1:65536", -ERANGE, NULL },
		{ "127.0.0.1:99999", -ERANGE, NULL },
		{ "127.0.0.1:123456", -EINVAL, NULL },
		{ "127.0.0.1:", -EINVAL, NULL },
		{ "127.0.0.1", -EINVAL, NULL },
		{ ":9556", -EINVAL, NULL },
		{ "*:9556", -EINVAL, NULL },
		{ "localhost:9556", -EINVAL, NULL },
		{ "127.1:9556", -EINVAL, NULL },
		{ "127.0.0.1:+80", -EINVAL, NULL },
		{ "127.0.0.1:-1", -EINVAL, NULL },
		{ "127.0.0.1:80 ", -EINVAL, NULL },
		{ " 127.0.0.1:80", -EINVAL, NULL },
		{ "::1:9556", -EINVAL, NULL },
		{ "[::1]9556", -EINVAL, NULL },
		{ "[::1:9556", -EINVAL, NULL },
		{ "[127.0.0.1]:80", -EINVAL, NULL },
		{ "[fe80::1%lo]:80", -EINVAL, NULL },
		{ "", -EINVAL, NULL },
		{ "[::1]:80:80", -EINVAL, NULL },
		{ "[0000:0000:0000:0000:0000:0000:0000:0001]:65535000000000000000000000000000",
		  -EINVAL, NULL },
	};
	struct listen_addr a;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct strbuf sb = STRBUF_INIT;
		int ret = listen_addr_parse(&a, cases[i].text);

		if (ret != cases[i].ret)
			fail_msg("'%s': %d, want %d", cases[i].text, ret, cases[i].ret);
		if (ret) {
			assert_int_equal(a.ss.ss_family, 0);
			continue;
		}
		listen_addr_format(&a, &sb);
		assert_string_equal(sb.buf, cases[i].canon);
		strbuf_release(&sb);
	}
	assert_int_equal(listen_addr_parse(&a, NULL), -EINVAL);
	assert_int_equal(listen_addr_parse(&a, "[::1]:443"), 0);
	assert_int_equal(listen_addr_port(&a), 443);
}

/* ---- the server, in the private namespace ---- */

#define NEED_NETNS()                                                              \
	do {                                                                      \
		if (!have_netns) {                                                \
			print_message("skipped: no private network namespace\n"); \
			skip();                                                   \
		}                                                                 \
	} while (0)

static struct http_server *open_ok(const char *listen, unsigned int max_conn, unsigned int timeout)
{
	struct http_server_config cfg = { listen, max_conn, timeout };
	struct strbuf err = STRBUF_INIT;
	struct http_server *srv;
	int ret = http_server_open(&srv, &cfg, &err);

	if (ret)
		fail_msg("open %s: %d %s", listen, ret, err.buf);
	assert_int_equal(err.len, 0);
	assert_true(http_server_port(srv) > 0);
	strbuf_release(&err);
	return srv;
}

static int connect_to(int family, unsigned int port, int rcvbuf)
{
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6,
				   .sin6_port = htons((uint16_t)port),
				   .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	struct sockaddr_in a4 = { .sin_family = AF_INET,
				  .sin_port = htons((uint16_t)port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	if (rcvbuf) /* before connect, so the window offered stays small */
		assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)), 0);
	if (family == AF_INET6)
		assert_int_equal(connect(fd, (struct sockaddr *)&a6, sizeof(a6)), 0);
	else
		assert_int_equal(connect(fd, (struct sockaddr *)&a4, sizeof(a4)), 0);
	return fd;
}

static void send_all(int fd, const char *s)
{
	assert_int_equal(send(fd, s, strlen(s), MSG_NOSIGNAL), (ssize_t)strlen(s));
}

/* Reads until EOF, at most timeout_ms in all; returns false when time ran out. */
static bool read_all(int fd, struct strbuf *out, int timeout_ms)
{
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		long spent;
		ssize_t n;

		clock_gettime(CLOCK_MONOTONIC, &t);
		spent = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
		if (spent >= timeout_ms || poll(&p, 1, (int)(timeout_ms - spent)) <= 0)
			return false;
		strbuf_grow(out, 65536);
		n = recv(fd, out->buf + out->len, out->alloc - out->len - 1, 0);
		if (n < 0 && errno == ECONNRESET)
			return true;
		assert_true(n >= 0);
		if (n == 0)
			return true;
		out->len += (size_t)n;
		out->buf[out->len] = '\0';
	}
}

struct reply {
	struct strbuf raw;
	int status;
	const char *body; /* into raw */
	size_t body_len;
};

static void parse_reply(struct reply *r)
{
	char *end = strstr(r->raw.buf, "\r\n\r\n");

	assert_non_null(end);
	assert_int_equal(sscanf(r->raw.buf, "HTTP/1.%*d %d ", &r->status), 1);
	r->body = end + 4;
	r->body_len = r->raw.len - (size_t)(r->body - r->raw.buf);
}

/* The value of a response header (case-insensitive name), copied into a static buffer. */
static const char *header(const struct reply *r, const char *name)
{
	static char value[256];
	size_t len = strlen(name);

	for (const char *line = strstr(r->raw.buf, "\r\n"); line && line < r->body;
	     line = strstr(line + 2, "\r\n")) {
		const char *eol;

		if (strncasecmp(line + 2, name, len) || line[2 + len] != ':')
			continue;
		eol = strstr(line + 2, "\r\n");
		snprintf(value, sizeof(value), "%.*s", (int)(eol - line - 3 - (int)len),
			 line + 3 + len);
		return value[0] == ' ' ? value + 1 : value;
	}
	return NULL;
}

static void request(int family, unsigned int port, const char *method, const char *path,
		    struct reply *r)
{
	struct strbuf req = STRBUF_INIT;
	int fd = connect_to(family, port, 0);

	strbuf_addf(&req, "%s %s HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n", method,
		    path);
	send_all(fd, req.buf);
	strbuf_init(&r->raw, 0);
	assert_true(read_all(fd, &r->raw, 5000));
	close(fd);
	strbuf_release(&req);
	parse_reply(r);
}

static char *dup_body(const char *s)
{
	return xstrdup(s);
}

static void test_open_errors(void **state)
{
	struct http_server_config cfg = { .listen = "127.0.0.1:port" };
	struct strbuf err = STRBUF_INIT;
	struct http_server *srv, *busy;
	char addr[64];

	(void)state;
	assert_int_equal(http_server_open(&srv, &cfg, &err), -EINVAL);
	assert_null(srv);
	assert_string_equal(err.buf,
			    "invalid listen address '127.0.0.1:port': expected " LISTEN_ADDR_FORMS);
	strbuf_reset(&err);
	cfg.listen = "127.0.0.1:65536";
	assert_int_equal(http_server_open(&srv, &cfg, &err), -ERANGE);
	assert_string_equal(err.buf,
			    "invalid listen address '127.0.0.1:65536': the port is above 65535");
	NEED_NETNS();
	busy = open_ok("127.0.0.1:0", 0, 0);
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", http_server_port(busy));
	cfg.listen = addr;
	strbuf_reset(&err);
	/* Fails cleanly (ASan's leak check sees anything left open or allocated). */
	assert_int_equal(http_server_open(&srv, &cfg, &err), -EADDRINUSE);
	assert_null(srv);
	assert_non_null(strstr(err.buf, "cannot listen on '127.0.0.1:"));
	assert_non_null(strstr(err.buf, "': Address already in use"));
	strbuf_reset(&err);
	cfg.listen = "192.0.2.1:0"; /* TEST-NET-1: not an address of this namespace */
	assert_int_equal(http_server_open(&srv, &cfg, &err), -EADDRNOTAVAIL);
	assert_string_equal(err.buf,
			    "cannot listen on '192.0.2.1:0': Cannot assign requested address");
	http_server_close(busy);
	http_server_close(NULL);
	strbuf_release(&err);
}

static void test_serve(void **state)
{
	struct http_server *srv;
	struct http_server_stats st;
	struct reply r;
	unsigned int port;

	(void)state;
	NEED_NETNS();
	srv = open_ok("127.0.0.1:0", 0, 0);
	port = http_server_port(srv);
	request(AF_INET, port, "GET", "/metrics", &r);
	assert_int_equal(r.status, 404); /* nothing published yet */
	strbuf_release(&r.raw);

	assert_int_equal(
		http_server_publish(srv, "/metrics", dup_body("a 1\n"), 4, HTTP_CONTENT_TYPE_PROM),
		0);
	request(AF_INET, port, "GET", "/metrics", &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(header(&r, "Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
	assert_string_equal(header(&r, "Content-Length"), "4");
	assert_int_equal(r.body_len, 4);
	assert_memory_equal(r.body, "a 1\n", 4);
	strbuf_release(&r.raw);

	request(AF_INET, port, "HEAD", "/metrics", &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(header(&r, "Content-Length"), "4");
	assert_int_equal(r.body_len, 0);
	strbuf_release(&r.raw);

	request(AF_INET, port, "POST", "/metrics", &r);
	assert_int_equal(r.status, 405);
	assert_string_equal(header(&r, "Allow"), "GET, HEAD");
	strbuf_release(&r.raw);
	request(AF_INET, port, "DELETE", "/metrics", &r);
	assert_int_equal(r.status, 405);
	strbuf_release(&r.raw);
	request(AF_INET, port, "GET", "/metrics/", &r);
	assert_int_equal(r.status, 404);
	strbuf_release(&r.raw);
	request(AF_INET, port, "GET", "/metrics?x=1", &r); /* the query is not the path */
	assert_int_equal(r.status, 200);
	strbuf_release(&r.raw);

	http_server_get_stats(srv, &st);
	assert_int_equal(st.connections, 7);
	assert_int_equal(st.requests, 7);
	assert_int_equal(st.served, 3);
	assert_int_equal(st.not_found, 2);
	assert_int_equal(st.bad_method, 2);
	assert_int_equal(st.timeouts + st.aborted + st.errors, 0);
	http_server_close(srv);
}

/* Reads one response framed by its Content-Length; returns its status. */
static int read_one(int fd, struct strbuf *raw)
{
	const char *end = NULL, *cl;
	size_t want = 0;
	int status = 0;

	strbuf_reset(raw);
	for (int i = 0; i < 1000; i++) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (end && raw->len >= want)
			break;
		assert_int_equal(poll(&p, 1, 5000), 1);
		strbuf_grow(raw, 4096);
		n = recv(fd, raw->buf + raw->len, raw->alloc - raw->len - 1, 0);
		assert_true(n > 0);
		raw->len += (size_t)n;
		raw->buf[raw->len] = '\0';
		end = strstr(raw->buf, "\r\n\r\n");
		if (end) {
			cl = strcasestr(raw->buf, "\r\nContent-Length: ");
			assert_non_null(cl);
			want = (size_t)(end + 4 - raw->buf) + strtoul(cl + 18, NULL, 10);
		}
	}
	assert_int_equal(raw->len, want);
	assert_int_equal(sscanf(raw->buf, "HTTP/1.1 %d ", &status), 1);
	return status;
}

/*
 * Scrapes reuse their connection (Prometheus keeps it open): a GET is answered
 * without closing, even one that carries a body, which is read and ignored;
 * a POST is refused without reading its body, and its connection closed.
 */
static void test_keep_alive(void **state)
{
	struct strbuf raw = STRBUF_INIT;
	struct http_server *srv;
	unsigned int port;
	int fd;

	(void)state;
	NEED_NETNS();
	srv = open_ok("127.0.0.1:0", 0, 0);
	port = http_server_port(srv);
	assert_int_equal(http_server_publish(srv, "/m", dup_body("m 1\n"), 4, "t"), 0);
	fd = connect_to(AF_INET, port, 0);
	send_all(fd, "GET /m HTTP/1.1\r\nHost: t\r\n\r\n");
	assert_int_equal(read_one(fd, &raw), 200);
	assert_null(strcasestr(raw.buf, "Connection: close"));
	send_all(fd, "GET /m HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello");
	assert_int_equal(read_one(fd, &raw), 200);
	send_all(fd, "GET /nope HTTP/1.1\r\nHost: t\r\n\r\n");
	assert_int_equal(read_one(fd, &raw), 404);
	send_all(fd, "HEAD /m HTTP/1.1\r\nHost: t\r\n\r\nGET /m HTTP/1.1\r\nHost: t\r\n\r\n");
	strbuf_reset(&raw);
	assert_true(read_all(fd, &raw, 300) == false);			 /* still open after both */
	assert_non_null(strstr(raw.buf, "\r\n\r\nHTTP/1.1 200 OK\r\n")); /* HEAD: no body */
	assert_non_null(strstr(raw.buf, "\r\n\r\nm 1\n"));
	send_all(fd, "POST /m HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\nx");
	strbuf_reset(&raw);
	assert_true(read_all(fd, &raw, 5000)); /* closed after the answer */
	assert_non_null(strstr(raw.buf, "HTTP/1.1 405 "));
	close(fd);
	strbuf_release(&raw);
	http_server_close(srv);
}

static void test_ipv6(void **state)
{
	struct http_server *srv;
	struct reply r;

	(void)state;
	NEED_NETNS();
	srv = open_ok("[::1]:0", 0, 0);
	assert_int_equal(http_server_publish(srv, "/metrics", dup_body("v6 1\n"), 5, "text/plain"),
			 0);
	request(AF_INET6, http_server_port(srv), "GET", "/metrics", &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(header(&r, "Content-Type"), "text/plain");
	assert_memory_equal(r.body, "v6 1\n", 5);
	strbuf_release(&r.raw);
	http_server_close(srv);
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

static char *pattern_body(size_t len, char fill)
{
	char *b = xmalloc(len);

	for (size_t i = 0; i < len; i++)
		b[i] = (char)(i % 61 == 60 ? '\n' : fill + (char)(i % 7));
	return b;
}

/*
 * A response keeps its body: a client that reads slowly gets the whole of
 * what was published when it asked, however often the body changes meanwhile,
 * and publishing does not wait for it.
 */
static void test_body_kept_while_sending(void **state)
{
	enum {
		LEN = 8 << 20,
		NEW_LEN = 64 << 10
	};
	struct http_server *srv;
	struct strbuf got = STRBUF_INIT;
	char *old = pattern_body(LEN, 'a'), *news[50];
	struct reply r;
	struct timespec t0;
	unsigned int port;
	int fd;

	(void)state;
	NEED_NETNS();
	srv = open_ok("127.0.0.1:0", 0, 0);
	port = http_server_port(srv);
	assert_int_equal(http_server_publish(srv, "/m", old, LEN, "text/plain"), 0);
	fd = connect_to(AF_INET, port, 4096);
	send_all(fd, "GET /m HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
	usleep(200000); /* the server has started sending, and is stuck on the small window */
	for (int i = 0; i < 50; i++)
		news[i] = pattern_body(NEW_LEN, 'A');
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < 50; i++)
		assert_int_equal(http_server_publish(srv, "/m", news[i], NEW_LEN, "text/plain"), 0);
	/* 50 publishes never waited for the stuck client (a second is a wide margin under ASan). */
	assert_true(ms_since(&t0) < 1000);
	request(AF_INET, port, "GET", "/m", &r);
	assert_int_equal(r.body_len, NEW_LEN);
	assert_int_equal(r.body[0], 'A');
	strbuf_release(&r.raw);
	assert_true(read_all(fd, &got, 20000));
	close(fd);
	r.raw = got;
	parse_reply(&r);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body_len, LEN);
	for (size_t i = 0; i < LEN; i++)
		if (r.body[i] != (char)(i % 61 == 60 ? '\n' : 'a' + (char)(i % 7)))
			fail_msg("byte %zu of the old body changed", i);
	strbuf_release(&got);
	http_server_close(srv);
}

static int echo_handler(void *ctx, const struct http_request *req, struct strbuf *body,
			const char **content_type)
{
	const char *x = http_request_arg(req, "x");

	(*(int *)ctx)++;
	if (!x)
		return 400;
	if (!strcmp(x, "big")) {
		char *mib = xmalloc(1 << 20);

		memset(mib, 'z', 1 << 20);
		for (unsigned int i = 0; i <= HTTP_HANDLER_BODY_MAX >> 20; i++)
			strbuf_add(body, mib, 1 << 20); /* one MiB more than allowed */
		free(mib);
		return 200;
	}
	*content_type = "application/json";
	strbuf_addf(body, "{\"x\":\"%s\",\"method\":\"%s\",\"path\":\"%s\"}", x, req->method,
		    req->path);
	return 200;
}

static void test_handler_routes(void **state)
{
	struct http_server *srv;
	struct reply r;
	unsigned int port;
	char path[32];
	int calls = 0;

	(void)state;
	NEED_NETNS();
	srv = open_ok("127.0.0.1:0", 0, 0);
	port = http_server_port(srv);
	assert_int_equal(http_server_route(srv, "/api", echo_handler, &calls), 0);
	request(AF_INET, port, "GET", "/api?x=a%20b", &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(header(&r, "Content-Type"), "application/json");
	assert_string_equal(r.body, "{\"x\":\"a b\",\"method\":\"GET\",\"path\":\"/api\"}");
	strbuf_release(&r.raw);
	request(AF_INET, port, "GET", "/api", &r);
	assert_int_equal(r.status, 400);
	strbuf_release(&r.raw);
	request(AF_INET, port, "GET", "/api?x=big", &r);
	assert_int_equal(r.status, 500); /* a body over the cap is not sent cut */
	strbuf_release(&r.raw);
	request(AF_INET, port, "PUT", "/api?x=1", &r);
	assert_int_equal(r.status, 405);
	strbuf_release(&r.raw);
	assert_int_equal(calls, 3);

	/* A path has one kind of route; the table is bounded; bodies are always taken. */
	assert_int_equal(http_server_publish(srv, "/api", dup_body("x"), 1, "text/plain"), -EEXIST);
	assert_int_equal(http_server_route(srv, "/api", echo_handler, &calls), -EEXIST);
	assert_int_equal(http_server_publish(srv, "metrics", dup_body("x"), 1, "t"), -EINVAL);
	assert_int_equal(http_server_publish(srv, NULL, dup_body("x"), 1, "t"), -EINVAL);
	assert_int_equal(http_server_route(srv, "/x", NULL, NULL), -EINVAL);
	assert_int_equal(http_server_publish(srv, "/p", dup_body("x"), 1, "t"), 0);
	assert_int_equal(http_server_route(srv, "/p", echo_handler, &calls), -EEXIST);
	for (int i = 2; i < HTTP_MAX_ROUTES; i++) {
		snprintf(path, sizeof(path), "/r%d", i);
		assert_int_equal(http_server_publish(srv, path, dup_body("x"), 1, "t"), 0);
	}
	assert_int_equal(http_server_publish(srv, "/full", dup_body("x"), 1, "t"), -ENOSPC);
	assert_int_equal(http_server_route(srv, "/full", echo_handler, &calls), -ENOSPC);
	assert_int_equal(http_server_publish(srv, "/p", dup_body("y"), 1, "t"), 0);
	http_server_close(srv);
}

/*
 * A client that stops (mid-request, or not reading its answer) is closed
 * after the timeout, counted, and the others are served all the while.
 */
static void test_timeouts(void **state)
{
	enum {
		LEN = 8 << 20
	};
	struct http_server *srv;
	struct http_server_stats st;
	struct strbuf got = STRBUF_INIT;
	struct timespec t0;
	struct reply r;
	unsigned int port;
	int idle, stuck;

	(void)state;
	NEED_NETNS();
	srv = open_ok("127.0.0.1:0", 0, 1);
	port = http_server_port(srv);
	assert_int_equal(http_server_publish(srv, "/m", pattern_body(LEN, 'a'), LEN, "t"), 0);
	idle = connect_to(AF_INET, port, 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	send_all(idle, "GET /m HTTP/1.1\r\nHo");
	stuck = connect_to(AF_INET, port, 4096);
	send_all(stuck, "GET /m HTTP/1.1\r\nHost: t\r\n\r\n");
	request(AF_INET, port, "GET", "/m", &r);
	assert_int_equal(r.body_len, LEN);
	strbuf_release(&r.raw);
	/* The idle client is closed after about a second, with nothing sent. */
	assert_true(read_all(idle, &got, 10000));
	assert_int_equal(got.len, 0);
	assert_true(ms_since(&t0) >= 900);
	close(idle);
	/* The stuck one got part of its answer, then the connection was closed. */
	sleep(2);
	assert_true(read_all(stuck, &got, 10000));
	assert_true(got.len < LEN);
	close(stuck);
	http_server_get_stats(srv, &st);
	assert_int_equal(st.timeouts, 1); /* a request that never arrived is not a request */
	assert_int_equal(st.connections, 3);
	strbuf_release(&got);
	http_server_close(srv);
}

/*
 * Beyond max_connections, a client waits in the listen backlog (libmicrohttpd
 * stops accepting) and is served once a slot frees; here, when the held
 * connections time out.
 */
static void test_connection_limit(void **state)
{
	struct http_server *srv;
	struct http_server_stats st;
	struct strbuf got = STRBUF_INIT;
	struct reply r;
	unsigned int port;
	int held[2], extra;

	(void)state;
	NEED_NETNS();
	srv = open_ok("127.0.0.1:0", 2, 1);
	port = http_server_port(srv);
	assert_int_equal(http_server_publish(srv, "/m", dup_body("m 1\n"), 4, "t"), 0);
	for (int i = 0; i < 2; i++)
		held[i] = connect_to(AF_INET, port, 0);
	usleep(100000);
	extra = connect_to(AF_INET, port, 0);
	send_all(extra, "GET /m HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
	assert_false(read_all(extra, &got, 300)); /* not answered while both slots are held */
	assert_int_equal(got.len, 0);
	assert_true(read_all(extra, &got, 10000)); /* answered once they time out */
	r.raw = got;
	parse_reply(&r);
	assert_int_equal(r.status, 200);
	close(extra);
	for (int i = 0; i < 2; i++)
		close(held[i]);
	http_server_get_stats(srv, &st);
	assert_int_equal(st.connections, 3);
	assert_int_equal(st.served, 1);
	strbuf_release(&got);
	http_server_close(srv);
}

/* Closing with clients connected, mid-request and mid-answer, ends them and frees all. */
static void test_close_busy(void **state)
{
	enum {
		LEN = 8 << 20
	};
	struct http_server *srv;
	struct timespec t0;
	int a, b;

	(void)state;
	NEED_NETNS();
	srv = open_ok("127.0.0.1:0", 0, 0);
	assert_int_equal(http_server_publish(srv, "/m", pattern_body(LEN, 'a'), LEN, "t"), 0);
	a = connect_to(AF_INET, http_server_port(srv), 0);
	send_all(a, "GET /m HTTP/1.1\r\nHo");
	b = connect_to(AF_INET, http_server_port(srv), 4096);
	send_all(b, "GET /m HTTP/1.1\r\nHost: t\r\n\r\n");
	usleep(100000);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	http_server_close(srv);
	assert_true(ms_since(&t0) < 2000);
	close(a);
	close(b);
}

/* Enters a network namespace of our own with lo up; false when neither way is allowed. */
static bool enter_private_netns(void)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	int fd;

	if (unshare(CLONE_NEWNET) < 0) {
		char map[64];
		uid_t uid = getuid();
		gid_t gid = getgid();

		if (unshare(CLONE_NEWUSER | CLONE_NEWNET) < 0)
			return false;
		fd = open("/proc/self/setgroups", O_WRONLY);
		if (fd >= 0) {
			(void)!write(fd, "deny", 4);
			close(fd);
		}
		snprintf(map, sizeof(map), "0 %u 1", (unsigned int)uid);
		fd = open("/proc/self/uid_map", O_WRONLY);
		if (fd < 0 || write(fd, map, strlen(map)) < 0)
			return false;
		close(fd);
		snprintf(map, sizeof(map), "0 %u 1", (unsigned int)gid);
		fd = open("/proc/self/gid_map", O_WRONLY);
		if (fd < 0 || write(fd, map, strlen(map)) < 0)
			return false;
		close(fd);
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		return false;
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		return false;
	close(fd);
	return true;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_listen_addr),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_serve),
		cmocka_unit_test(test_keep_alive),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_body_kept_while_sending),
		cmocka_unit_test(test_handler_routes),
		cmocka_unit_test(test_timeouts),
		cmocka_unit_test(test_connection_limit),
		cmocka_unit_test(test_close_busy),
	};

	have_netns = enter_private_netns();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
