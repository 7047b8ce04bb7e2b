// SPDX-License-Identifier: GPL-2.0-or-later
#include "export/http.h"

#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/xalloc.h"
#include "export/http_int.h"
#include "export/listen_addr.h"

/* An immutable published body; freed when the last reference goes. */
struct http_body {
	atomic_uint refs; /* the route's, plus one per response that uses it */
	char *data;
	size_t len;
	char content_type[]; /* NUL-terminated */
};

/* A handler's extra response headers (http_response_header). */
struct http_reply_ {
	const char *name[HTTP_MAX_EXTRA_HEADERS];
	const char *value[HTTP_MAX_EXTRA_HEADERS];
	size_t nr;
};

/* A POST request's state between libmicrohttpd's calls: the body read so far. */
struct post_state {
	struct strbuf body;
	bool too_big; /* more than HTTP_POST_BODY_MAX: read and dropped */
};

static struct http_body *body_new(char *data, size_t len, const char *content_type)
{
	size_t ct_len = strlen(content_type);
	struct http_body *b = xmalloc(sizeof(*b) + ct_len + 1);

	atomic_init(&b->refs, 1);
	b->data = data;
	b->len = len;
	memcpy(b->content_type, content_type, ct_len + 1);
	return b;
}

static void body_unref(struct http_body *b)
{
	if (b && atomic_fetch_sub_explicit(&b->refs, 1, memory_order_acq_rel) == 1) {
		free(b->data);
		free(b);
	}
}

/* libmicrohttpd's free callback of a response built on a body. */
static void body_response_done(void *cls)
{
	body_unref(cls);
}

static struct route *route_find(struct http_server *srv, const char *path)
{
	for (size_t i = 0; i < srv->nr_routes; i++)
		if (!strcmp(srv->routes[i].path, path))
			return &srv->routes[i];
	return NULL;
}

/* What a request needs of its route, copied under the lock. */
struct route_view {
	struct http_body *body; /* a reference the response owns */
	http_handler_fn handler;
	void *ctx;
	bool post;
};

static bool route_view(struct http_server *srv, const char *path, struct route_view *v)
{
	struct route *r;

	pthread_mutex_lock(&srv->lock);
	r = route_find(srv, path);
	if (r) {
		v->body = r->body;
		if (v->body)
			atomic_fetch_add_explicit(&v->body->refs, 1, memory_order_relaxed);
		v->handler = r->handler;
		v->ctx = r->ctx;
		v->post = r->post;
	}
	pthread_mutex_unlock(&srv->lock);
	return r != NULL;
}

enum MHD_Result http_queue(struct http_server *srv, struct MHD_Connection *conn,
			   unsigned int status, struct MHD_Response *resp, const char *content_type)
{
	enum MHD_Result ret;

	if (!resp) {
		http_count(&srv->errors);
		return MHD_NO; /* libmicrohttpd closes the connection */
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
	/* Every answer is live data (or a page that reads it): never from a cache. */
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED &&
	    !MHD_get_response_header(resp, MHD_HTTP_HEADER_ALLOW))
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	http_count(&srv->requests);
	if (status == MHD_HTTP_OK)
		http_count(&srv->served);
	else if (status == MHD_HTTP_NOT_FOUND)
		http_count(&srv->not_found);
	else if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		http_count(&srv->bad_method);
	return ret;
}

static enum MHD_Result reply_text(struct http_server *srv, struct MHD_Connection *conn,
				  unsigned int status, const char *text)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(
		strlen(text), (void *)(uintptr_t)text, MHD_RESPMEM_PERSISTENT);

	return http_queue(srv, conn, status, resp, "text/plain; charset=utf-8");
}

/*
 * A refusal by the server itself (404, 405, 413): text, or under /api/ the
 * JSON error object the API answers with.  allow: the Allow header of a 405.
 */
static enum MHD_Result reply_refusal(struct http_server *srv, struct MHD_Connection *conn,
				     const char *url, unsigned int status, const char *sentence,
				     const char *allow)
{
	struct strbuf b = STRBUF_INIT;
	bool api = !strncmp(url, "/api/", 5);
	struct MHD_Response *resp;
	size_t len;
	char *data;

	if (api)
		strbuf_addf(&b, "{\"error\":\"%s\"}\n", sentence);
	else
		strbuf_addf(&b, "%s\n", sentence);
	data = strbuf_detach(&b, &len);
	resp = MHD_create_response_from_buffer_with_free_callback_cls(len, data, free, data);
	if (!resp)
		free(data);
	else if (allow)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
	return http_queue(srv, conn, status, resp,
			  api ? "application/json" : "text/plain; charset=utf-8");
}

static enum MHD_Result reply_body(struct http_server *srv, struct MHD_Connection *conn,
				  struct http_body *body)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer_with_free_callback_cls(
		body->len, body->data, body_response_done, body);

	if (!resp) {
		body_unref(
			body); /* ours to drop: the response that would have did not come to be */
		return http_queue(srv, conn, MHD_HTTP_OK, NULL, NULL);
	}
	/* The response holds the reference until it is sent: content_type lives as long. */
	return http_queue(srv, conn, MHD_HTTP_OK, resp, body->content_type);
}

static enum MHD_Result reply_handler(struct http_server *srv, struct MHD_Connection *conn,
				     const struct route_view *v, const struct http_request *req)
{
	struct strbuf body = STRBUF_INIT;
	const char *content_type = "text/plain; charset=utf-8";
	struct MHD_Response *resp;
	size_t len;
	char *data;
	int status;

	struct http_reply_ extra = { .nr = 0 };
	struct http_request r = *req;

	r.reply_ = &extra;
	body.max_len = HTTP_HANDLER_BODY_MAX;
	status = v->handler(v->ctx, &r, &body, &content_type);
	if (body.truncated || status < 100 || status > 599) {
		strbuf_release(&body);
		return reply_text(srv, conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal error\n");
	}
	data = strbuf_detach(&body, &len);
	resp = MHD_create_response_from_buffer_with_free_callback_cls(len, data, free, data);
	if (!resp)
		free(data);
	for (size_t i = 0; resp && i < extra.nr; i++)
		MHD_add_response_header(resp, extra.name[i], extra.value[i]);
	return http_queue(srv, conn, (unsigned int)status, resp, content_type);
}

/* Whether a Content-Length header announces more than the POST cap. */
static bool post_too_long(struct MHD_Connection *conn)
{
	const char *cl =
		MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	char *end;
	unsigned long long n;

	if (!cl)
		return false;
	errno = 0;
	n = strtoull(cl, &end, 10);
	return errno || end == cl || n > HTTP_POST_BODY_MAX;
}

/*
 * A POST: refused at once when its route takes none (the body unread, the
 * connection closed), else its body read into a post_state across calls and
 * the handler called at the last one.
 */
static enum MHD_Result on_post(struct http_server *srv, struct MHD_Connection *conn,
			       const char *url, const char *upload_data, size_t *upload_data_size,
			       void **con_cls)
{
	struct http_request req = { .method = MHD_HTTP_METHOD_POST, .path = url, .conn_ = conn };
	struct post_state *ps = *con_cls;
	struct route_view v = { 0 };

	if (!ps) {
		if (!route_view(srv, url, &v))
			return reply_refusal(srv, conn, url, MHD_HTTP_NOT_FOUND, "not found", NULL);
		body_unref(v.body);
		if (!v.post)
			return reply_refusal(srv, conn, url, MHD_HTTP_METHOD_NOT_ALLOWED,
					     "method not allowed: use GET or HEAD", "GET, HEAD");
		if (post_too_long(conn))
			return reply_refusal(srv, conn, url, MHD_HTTP_CONTENT_TOO_LARGE,
					     "request body too large: at most 65536 bytes", NULL);
		ps = xcalloc(1, sizeof(*ps));
		strbuf_init(&ps->body, 0);
		*con_cls = ps;
		return MHD_YES;
	}
	if (*upload_data_size) {
		if (!ps->too_big && ps->body.len + *upload_data_size <= HTTP_POST_BODY_MAX)
			strbuf_add(&ps->body, upload_data, *upload_data_size);
		else
			ps->too_big = true;
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (ps->too_big)
		return reply_refusal(srv, conn, url, MHD_HTTP_CONTENT_TOO_LARGE,
				     "request body too large: at most 65536 bytes", NULL);
	if (!route_view(srv, url, &v) || !v.post) /* cannot change: routes are never removed */
		return reply_refusal(srv, conn, url, MHD_HTTP_NOT_FOUND, "not found", NULL);
	req.body = ps->body.buf ? ps->body.buf : "";
	req.body_len = ps->body.len;
	return reply_handler(srv, conn, &v, &req);
}

enum MHD_Result http_on_request(void *cls, struct MHD_Connection *conn, const char *url,
				const char *method, const char *version, const char *upload_data,
				size_t *upload_data_size, void **con_cls)
{
	struct http_server *srv = cls;
	struct http_request req = { .method = method, .path = url, .conn_ = conn };
	struct route_view v = { 0 };
	bool get_or_head =
		!strcmp(method, MHD_HTTP_METHOD_GET) || !strcmp(method, MHD_HTTP_METHOD_HEAD);

	(void)version;
	if (!strcmp(method, MHD_HTTP_METHOD_POST))
		return on_post(srv, conn, url, upload_data, upload_data_size, con_cls);
	/*
	 * The first call comes with the headers.  Answering there makes
	 * libmicrohttpd close the connection afterwards (a body might follow),
	 * so a GET or HEAD is answered at the last call, once any body is read
	 * and thrown away: the connection stays open for the next scrape.  Other
	 * methods are refused at once, unread, and their connection closed.
	 */
	if (get_or_head && !*con_cls) {
		*con_cls = srv;
		return MHD_YES;
	}
	if (get_or_head && *upload_data_size) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (!route_view(srv, url, &v))
		return reply_refusal(srv, conn, url, MHD_HTTP_NOT_FOUND, "not found", NULL);
	if (!get_or_head || v.post) {
		body_unref(v.body);
		return v.post ? reply_refusal(srv, conn, url, MHD_HTTP_METHOD_NOT_ALLOWED,
					      "method not allowed: use POST", "POST") :
				reply_refusal(srv, conn, url, MHD_HTTP_METHOD_NOT_ALLOWED,
					      "method not allowed: use GET or HEAD", "GET, HEAD");
	}
	if (v.body)
		return reply_body(srv, conn, v.body);
	return reply_handler(srv, conn, &v, &req);
}

void http_on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
		       enum MHD_RequestTerminationCode toe)
{
	struct http_server *srv = cls;

	(void)conn;
	if (*con_cls && *con_cls != srv) { /* a POST's state */
		struct post_state *ps = *con_cls;

		strbuf_release(&ps->body);
		free(ps);
		*con_cls = NULL;
	}
	if (toe == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED)
		http_count(&srv->timeouts);
	else if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK &&
		 toe != MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN)
		http_count(&srv->aborted);
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
			  enum MHD_ConnectionNotificationCode toe)
{
	struct http_server *srv = cls;

	(void)conn;
	(void)socket_context;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED)
		http_count(&srv->connections);
}

/* libmicrohttpd reports its own failures here; the agent sees them as a count, not text. */
void http_on_log(void *cls, const char *fmt, va_list ap)
{
	(void)fmt;
	(void)ap;
	http_count(&((struct http_server *)cls)->errors);
}

/* Creates the listening socket of addr; returns it, or a negative errno. */
static int listen_socket(const struct listen_addr *addr, unsigned int *port)
{
	int one = 1, ret,
	    fd = socket(addr->ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	struct listen_addr bound = { .len = sizeof(bound.ss) };

	if (fd < 0)
		return -errno;
	/* A restarted agent binds again while its old connections sit in TIME_WAIT. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)&addr->ss, addr->len) < 0 || listen(fd, 64) < 0 ||
	    getsockname(fd, (struct sockaddr *)&bound.ss, &bound.len) < 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	*port = listen_addr_port(&bound);
	return fd;
}

static struct MHD_Daemon *start_daemon(struct http_server *srv, int fd,
				       const struct http_server_config *cfg)
{
	unsigned int max =
		cfg->max_connections ? cfg->max_connections : HTTP_DEFAULT_MAX_CONNECTIONS;
	unsigned int timeout = cfg->timeout_sec ? cfg->timeout_sec : HTTP_DEFAULT_TIMEOUT_SEC;

	/* The logger first, so that no message reaches libmicrohttpd's own (stderr). */
	return MHD_start_daemon(MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL,
				http_on_request, srv, MHD_OPTION_EXTERNAL_LOGGER, http_on_log, srv,
				MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
				MHD_OPTION_CONNECTION_LIMIT, max, MHD_OPTION_CONNECTION_TIMEOUT,
				timeout, MHD_OPTION_NOTIFY_COMPLETED, http_on_completed, srv,
				MHD_OPTION_NOTIFY_CONNECTION, on_connection, srv, MHD_OPTION_END);
}

/*
 * After a failed start, closes fd unless libmicrohttpd already did: its
 * versions differ on that, and the number may be reused by then, so the
 * socket is recognised by its inode.
 */
void http_close_if_still_ours(int fd, const struct stat *was)
{
	struct stat now;

	if (fstat(fd, &now) == 0 && now.st_ino == was->st_ino && now.st_dev == was->st_dev)
		close(fd);
}

int http_server_open(struct http_server **out, const struct http_server_config *cfg,
		     struct strbuf *err)
{
	const char *text = cfg->listen ? cfg->listen : "";
	struct listen_addr addr;
	struct http_server *srv;
	struct stat st;
	int fd, ret;

	*out = NULL;
	if (!cfg->listen) {
		/* No TCP listener: routes only, for http_server_listen_unix(). */
		srv = xcalloc(1, sizeof(*srv));
		pthread_mutex_init(&srv->lock, NULL);
		*out = srv;
		return 0;
	}
	ret = listen_addr_parse(&addr, text);
	if (ret) {
		strbuf_addf(err, "invalid listen address '%s': %s", text,
			    ret == -ERANGE ? "the port is above 65535" :
					     "expected " LISTEN_ADDR_FORMS);
		return ret;
	}
	srv = xcalloc(1, sizeof(*srv));
	pthread_mutex_init(&srv->lock, NULL);
	fd = listen_socket(&addr, &srv->port);
	if (fd < 0) {
		ret = fd;
		strbuf_addf(err, "cannot listen on '%s': %s", text, strerror(-ret));
		goto free_srv;
	}
	if (fstat(fd, &st) < 0)
		memset(&st, 0, sizeof(st));
	srv->daemon = start_daemon(srv, fd, cfg);
	if (!srv->daemon) {
		http_close_if_still_ours(fd, &st);
		ret = -EIO;
		strbuf_addf(err, "cannot start the HTTP server on '%s'", text);
		goto free_srv;
	}
	*out = srv;
	return 0;

free_srv:
	pthread_mutex_destroy(&srv->lock);
	free(srv);
	return ret;
}

void http_server_close(struct http_server *srv)
{
	if (!srv)
		return;
	/* Joins the thread and ends every response: no body is referenced by a request after. */
	http_unix_stop(srv->unix_);
	if (srv->daemon)
		MHD_stop_daemon(srv->daemon);
	for (size_t i = 0; i < srv->nr_routes; i++) {
		body_unref(srv->routes[i].body);
		free(srv->routes[i].path);
	}
	pthread_mutex_destroy(&srv->lock);
	free(srv);
}

unsigned int http_server_port(const struct http_server *srv)
{
	return srv->port;
}

/* Finds path's route or adds an empty one (the caller fills it); NULL when full.  Locked. */
static struct route *route_get(struct http_server *srv, const char *path, bool *added)
{
	struct route *r = route_find(srv, path);

	*added = false;
	if (r || srv->nr_routes == HTTP_MAX_ROUTES)
		return r;
	r = &srv->routes[srv->nr_routes++];
	*r = (struct route){ .path = xstrdup(path) };
	*added = true;
	return r;
}

int http_server_publish(struct http_server *srv, const char *path, char *body, size_t body_len,
			const char *content_type)
{
	struct http_body *b, *old = NULL;
	struct route *r;
	bool added;
	int ret = 0;

	if (!path || path[0] != '/') {
		free(body);
		return -EINVAL;
	}
	b = body_new(body, body_len, content_type);
	pthread_mutex_lock(&srv->lock);
	r = route_get(srv, path, &added);
	if (!r) {
		ret = -ENOSPC;
	} else if (r->handler) {
		ret = -EEXIST;
	} else {
		old = r->body;
		r->body = b;
		b = NULL;
	}
	pthread_mutex_unlock(&srv->lock);
	/* The old body is freed here, outside the lock, or by the last response using it. */
	body_unref(old);
	body_unref(b);
	return ret;
}

static int route_add(struct http_server *srv, const char *path, http_handler_fn fn, void *ctx,
		     bool post)
{
	struct route *r;
	bool added;
	int ret = 0;

	if (!path || path[0] != '/' || !fn)
		return -EINVAL;
	pthread_mutex_lock(&srv->lock);
	r = route_get(srv, path, &added);
	if (!r) {
		ret = -ENOSPC;
	} else if (!added) {
		ret = -EEXIST;
	} else {
		r->handler = fn;
		r->ctx = ctx;
		r->post = post;
	}
	pthread_mutex_unlock(&srv->lock);
	return ret;
}

int http_server_route(struct http_server *srv, const char *path, http_handler_fn fn, void *ctx)
{
	return route_add(srv, path, fn, ctx, false);
}

int http_server_route_post(struct http_server *srv, const char *path, http_handler_fn fn, void *ctx)
{
	return route_add(srv, path, fn, ctx, true);
}

const char *http_request_arg(const struct http_request *req, const char *key)
{
	return MHD_lookup_connection_value(req->conn_, MHD_GET_ARGUMENT_KIND, key);
}

struct args_walk {
	struct http_arg *out;
	size_t max, nr;
};

static enum MHD_Result arg_visit(void *cls, enum MHD_ValueKind kind, const char *key,
				 const char *value)
{
	struct args_walk *w = cls;

	(void)kind;
	if (w->nr < w->max)
		w->out[w->nr] = (struct http_arg){ key, value };
	w->nr++;
	return MHD_YES;
}

size_t http_request_args(const struct http_request *req, struct http_arg *out, size_t max)
{
	struct args_walk w = { out, max, 0 };

	MHD_get_connection_values(req->conn_, MHD_GET_ARGUMENT_KIND, arg_visit, &w);
	return w.nr;
}

const char *http_request_header(const struct http_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn_, MHD_HEADER_KIND, name);
}

int http_response_header(const struct http_request *req, const char *name, const char *value)
{
	struct http_reply_ *r = req->reply_;

	if (!r || r->nr == HTTP_MAX_EXTRA_HEADERS)
		return -ENOSPC;
	r->name[r->nr] = name;
	r->value[r->nr++] = value;
	return 0;
}

void http_server_get_stats(const struct http_server *srv, struct http_server_stats *out)
{
	const struct http_server *s = srv;

	*out = (struct http_server_stats){
		.connections = atomic_load_explicit(&s->connections, memory_order_relaxed),
		.requests = atomic_load_explicit(&s->requests, memory_order_relaxed),
		.served = atomic_load_explicit(&s->served, memory_order_relaxed),
		.not_found = atomic_load_explicit(&s->not_found, memory_order_relaxed),
		.bad_method = atomic_load_explicit(&s->bad_method, memory_order_relaxed),
		.timeouts = atomic_load_explicit(&s->timeouts, memory_order_relaxed),
		.aborted = atomic_load_explicit(&s->aborted, memory_order_relaxed),
		.errors = atomic_load_explicit(&s->errors, memory_order_relaxed),
		.refused = atomic_load_explicit(&s->refused, memory_order_relaxed),
	};
}
