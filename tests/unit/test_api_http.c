// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What the JSON API added to the HTTP listener (export/http.h): POST routes
 * with their body (and its cap), request headers and repeated query
 * arguments seen by a handler, headers a handler adds, Cache-Control on
 * every answer, JSON refusals under /api/.  The server runs in a private
 * network namespace (unshare(2) at start, only lo up); without one the
 * tests are skipped.  Clients are raw sockets, so every byte is checked.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

/* cmocka needs these first. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
// clang-format on

#include "base/strbuf.h"
#include "export/http.h"

static bool have_netns;

static bool private_netns(void)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	int fd;

	if (unshare(CLONE_NEWNET) < 0 &&
	    (unshare(CLONE_NEWUSER | CLONE_NEWNET) < 0 || unshare(CLONE_NEWNET) < 0))
		return false;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0) {
			close(fd);
			return false;
		}
	}
	close(fd);
	return true;
}

/* Sends raw, reads the whole answer (the server closes: Connection: close). */
static void exchange(unsigned int port, const char *raw, size_t len, struct strbuf *out)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	size_t sent = 0;

	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	while (sent < len) { /* the server may answer and close before taking it all */
		ssize_t n = send(fd, raw + sent, len - sent, MSG_NOSIGNAL);

		if (n <= 0)
			break;
		sent += (size_t)n;
	}
	strbuf_reset(out);
	for (int i = 0; i < 500; i++) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 5000) <= 0)
			break;
		strbuf_grow(out, 4096);
		n = recv(fd, out->buf + out->len, out->alloc - out->len - 1, 0);
		if (n <= 0)
			break;
		out->len += (size_t)n;
		out->buf[out->len] = '\0';
	}
	close(fd);
}

static void exchange_s(unsigned int port, const char *raw, struct strbuf *out)
{
	exchange(port, raw, strlen(raw), out);
}

static int status_of(const struct strbuf *r)
{
	int status = 0;

	assert_int_equal(sscanf(r->buf, "HTTP/1.%*d %d ", &status), 1);
	return status;
}

static bool has_header(const struct strbuf *r, const char *line)
{
	const char *end = strstr(r->buf, "\r\n\r\n");
	const char *p = r->buf;
	size_t len = strlen(line);

	while ((p = strstr(p, "\r\n")) && p < end) {
		p += 2;
		if (!strncasecmp(p, line, len) && p[len] == '\r')
			return true;
	}
	return false;
}

static const char *body_of(const struct strbuf *r)
{
	const char *b = strstr(r->buf, "\r\n\r\n");

	assert_non_null(b);
	return b + 4;
}

/* POST handler: echoes the body's length, the Origin, the X-Test header; adds one. */
static int post_handler(void *ctx, const struct http_request *req, struct strbuf *body,
			const char **content_type)
{
	const char *origin = http_request_header(req, "origin"); /* any case */

	(*(int *)ctx)++;
	*content_type = "application/json";
	assert_string_equal(req->method, "POST");
	assert_non_null(req->body);
	assert_int_equal(req->body[req->body_len], '\0');
	assert_int_equal(http_response_header(req, "X-Seen", "yes"), 0);
	strbuf_addf(body, "{\"len\":%zu,\"origin\":\"%s\",\"first\":\"%.4s\"}", req->body_len,
		    origin ? origin : "", req->body);
	return 201;
}

/* GET handler: the query arguments in order, repeated keys included. */
static int args_handler(void *ctx, const struct http_request *req, struct strbuf *body,
			const char **content_type)
{
	struct http_arg args[3];
	size_t n = http_request_args(req, args, 3);

	(void)ctx;
	*content_type = "text/plain";
	assert_null(req->body);
	strbuf_addf(body, "%zu:", n);
	for (size_t i = 0; i < n && i < 3; i++)
		strbuf_addf(body, "%s=%s;", args[i].key, args[i].value ? args[i].value : "(null)");
	for (int i = 0; i < HTTP_MAX_EXTRA_HEADERS; i++)
		assert_int_equal(http_response_header(req, "X-N", "1"), 0);
	assert_int_equal(http_response_header(req, "X-N", "1"), -ENOSPC);
	return 200;
}

static struct http_server *server(int *calls)
{
	struct http_server_config cfg = { .listen = "127.0.0.1:0" };
	struct strbuf err = STRBUF_INIT;
	struct http_server *srv;

	assert_int_equal(http_server_open(&srv, &cfg, &err), 0);
	assert_int_equal(http_server_route_post(srv, "/api/v1/post", post_handler, calls), 0);
	assert_int_equal(http_server_route(srv, "/api/v1/args", args_handler, NULL), 0);
	assert_int_equal(http_server_route_post(srv, "/api/v1/args", post_handler, calls), -EEXIST);
	strbuf_release(&err);
	return srv;
}

static void post(unsigned int port, const char *headers, const char *body, size_t len,
		 struct strbuf *r)
{
	struct strbuf req = STRBUF_INIT;

	strbuf_addf(&req,
		    "POST /api/v1/post HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
		    "Content-Length: %zu\r\n%s\r\n",
		    len, headers);
	strbuf_add(&req, body, len);
	exchange(port, req.buf, req.len, r);
	strbuf_release(&req);
}

static void test_post(void **state)
{
	struct strbuf r = STRBUF_INIT;
	struct http_server *srv;
	int calls = 0;
	unsigned int port;

	(void)state;
	if (!have_netns)
		skip();
	srv = server(&calls);
	port = http_server_port(srv);
	post(port, "ORIGIN: http://127.0.0.1\r\n", "{\"all\":true}", 12, &r);
	assert_int_equal(status_of(&r), 201);
	assert_true(has_header(&r, "X-Seen: yes"));
	assert_true(has_header(&r, "Cache-Control: no-store"));
	assert_string_equal(body_of(&r),
			    "{\"len\":12,\"origin\":\"http://127.0.0.1\",\"first\":\"{\"al\"}");
	post(port, "", "", 0, &r); /* an empty body is a body */
	assert_int_equal(status_of(&r), 201);
	assert_int_equal(calls, 2);

	/* GET and HEAD on a POST route, POST on a GET route: 405 naming what is allowed. */
	exchange_s(port, "GET /api/v1/post HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", &r);
	assert_int_equal(status_of(&r), 405);
	assert_true(has_header(&r, "Allow: POST"));
	assert_string_equal(body_of(&r), "{\"error\":\"method not allowed: use POST\"}\n");
	exchange_s(port,
		   "POST /api/v1/args HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
		   "Content-Length: 2\r\n\r\n{}",
		   &r);
	assert_int_equal(status_of(&r), 405);
	assert_true(has_header(&r, "Allow: GET, HEAD"));
	exchange_s(port, "POST /nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", &r);
	assert_int_equal(status_of(&r), 404);
	assert_string_equal(body_of(&r), "not found\n"); /* text outside /api/ */
	exchange_s(port, "GET /api/v1/nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
		   &r);
	assert_int_equal(status_of(&r), 404);
	assert_string_equal(body_of(&r), "{\"error\":\"not found\"}\n");
	assert_int_equal(calls, 2);
	http_server_close(srv);
	strbuf_release(&r);
}

static void test_post_cap(void **state)
{
	struct strbuf r = STRBUF_INIT, big = STRBUF_INIT, req = STRBUF_INIT;
	struct http_server *srv;
	int calls = 0;
	unsigned int port;

	(void)state;
	if (!have_netns)
		skip();
	srv = server(&calls);
	port = http_server_port(srv);
	for (size_t i = 0; i < HTTP_POST_BODY_MAX + 1; i++)
		strbuf_addch(&big, 'a');
	post(port, "", big.buf, HTTP_POST_BODY_MAX, &r); /* at the cap: taken */
	assert_int_equal(status_of(&r), 201);
	post(port, "", big.buf, HTTP_POST_BODY_MAX + 1, &r); /* announced above it */
	assert_int_equal(status_of(&r), 413);
	assert_true(strstr(body_of(&r), "at most 65536 bytes") != NULL);
	/* Chunked, so no length is announced: read, dropped, refused. */
	strbuf_addstr(&req, "POST /api/v1/post HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
			    "Transfer-Encoding: chunked\r\n\r\n");
	for (int i = 0; i < 3; i++) {
		strbuf_addf(&req, "%x\r\n", 30000);
		strbuf_add(&req, big.buf, 30000);
		strbuf_addstr(&req, "\r\n");
	}
	strbuf_addstr(&req, "0\r\n\r\n");
	exchange(port, req.buf, req.len, &r);
	assert_int_equal(status_of(&r), 413);
	assert_int_equal(calls, 1);
	http_server_close(srv);
	strbuf_release(&r);
	strbuf_release(&big);
	strbuf_release(&req);
}

static void test_args_and_headers(void **state)
{
	struct strbuf r = STRBUF_INIT;
	struct http_server *srv;
	int calls = 0;

	(void)state;
	if (!have_netns)
		skip();
	srv = server(&calls);
	exchange_s(http_server_port(srv),
		   "GET /api/v1/args?select=a%7Bb%7D&select=c&flag&x=1 HTTP/1.1\r\nHost: x\r\n"
		   "Connection: close\r\n\r\n",
		   &r);
	assert_int_equal(status_of(&r), 200);
	assert_string_equal(body_of(&r), "4:select=a{b};select=c;flag=(null);");
	assert_true(has_header(&r, "X-N: 1"));
	assert_true(has_header(&r, "Cache-Control: no-store"));
	http_server_close(srv);
	strbuf_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_post),
		cmocka_unit_test(test_post_cap),
		cmocka_unit_test(test_args_and_headers),
	};

	have_netns = private_netns();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
