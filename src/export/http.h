/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The HTTP listener (libmicrohttpd) that serves /metrics and, later, other
 * routes.  docs/METRICS.md ("Serving") describes what clients see.
 *
 * Threads: libmicrohttpd runs one internal thread that polls every
 * connection; the agent's thread (the tick) only publishes.  A request never
 * calls back into the agent: it is answered from the body published last,
 * an immutable reference-counted buffer.  Publishing swaps one pointer under
 * a mutex that requests hold only to take a reference, so a slow client, or
 * many, cannot delay the publisher; a response being sent keeps the body it
 * started with alive until it is done.  Sockets are non-blocking, at most
 * max_connections are open (more wait in the listen backlog, not accepted,
 * until one closes), and a connection that makes no progress for
 * timeout_sec (a client that stops sending its request or stops reading the
 * answer) is closed.
 *
 * Routes: a path is either published (a body swapped in by
 * http_server_publish) or handled (a function called on the listener's
 * thread, http_server_route); at most HTTP_MAX_ROUTES.  Only GET and HEAD
 * are allowed (405 otherwise, with an Allow header); an unknown path is 404.
 * A route made by http_server_route_post changes state: it takes POST only
 * (GET and HEAD are 405 there), with the request body read whole before the
 * handler runs, at most HTTP_POST_BODY_MAX bytes (413 beyond).  Every answer
 * carries Cache-Control: no-store (the data is live); 404 and 405 under
 * /api/ are a JSON object {"error":"..."}.
 *
 * The listener's thread inherits the caller's signal mask: open the server
 * after blocking the signals the loop reads from its signalfd.
 */
#ifndef CONNMON_EXPORT_HTTP_H
#define CONNMON_EXPORT_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/strbuf.h"

/* The Content-Type of the Prometheus text format, version 0.0.4. */
#define HTTP_CONTENT_TYPE_PROM "text/plain; version=0.0.4; charset=utf-8"

#define HTTP_MAX_ROUTES		     16
#define HTTP_DEFAULT_MAX_CONNECTIONS 32
#define HTTP_DEFAULT_TIMEOUT_SEC     10
/* A handler's body above this size is answered with 500 instead. */
#define HTTP_HANDLER_BODY_MAX (64u << 20)
/* A POST body above this size is answered with 413, the handler not called. */
#define HTTP_POST_BODY_MAX (64u << 10)
/* Response headers a handler may add (http_response_header). */
#define HTTP_MAX_EXTRA_HEADERS 8

struct http_server;
struct MHD_Connection;

struct http_server_config {
	const char *listen; /* ADDR:PORT as export/listen_addr.h reads it; NULL: no TCP listener */
	unsigned int max_connections; /* open at once; 0: HTTP_DEFAULT_MAX_CONNECTIONS */
	unsigned int timeout_sec;     /* no progress for this long closes; 0: the default */
};

/* Counts since open; every field only grows. */
struct http_server_stats {
	uint64_t connections; /* accepted */
	uint64_t requests;    /* answered, whatever the status */
	uint64_t served;      /* answered 200 (a published body or a handler's) */
	uint64_t not_found;   /* 404 */
	uint64_t bad_method;  /* 405 */
	uint64_t timeouts;    /* requests cut because the client made no progress for timeout_sec */
	uint64_t aborted;     /* requests cut by the client going away or a socket error */
	uint64_t errors;  /* failures libmicrohttpd reports: the connection limit reached, accept(2)
			   */
	uint64_t refused; /* 403: local socket peers that are not allowed (http_server_listen_unix)
			   */
};

struct http_reply_;

/* What a handler is told of a request; valid during the call only. */
struct http_request {
	const char *method;	      /* "GET" or "HEAD" (the body is then not sent), or "POST" */
	const char *path;	      /* without the query string */
	const char *body;	      /* POST: the request body, NUL-terminated; else NULL */
	size_t body_len;	      /* its length in bytes (it may hold NULs) */
	struct MHD_Connection *conn_; /* private */
	struct http_reply_ *reply_;   /* private */
};

/* One query argument, decoded; borrowed from the request. */
struct http_arg {
	const char *key;
	const char *value; /* NULL for "?key" without '=' */
};

/*
 * A route's handler, called on the listener's thread: it must not block, and
 * whatever it reads of the agent it synchronises itself.  It appends the body
 * to body (empty on entry, capped at HTTP_HANDLER_BODY_MAX), sets
 * *content_type to a string that lives as long as the server, and returns
 * the HTTP status (200, 400, 404...).
 */
typedef int (*http_handler_fn)(void *ctx, const struct http_request *req, struct strbuf *body,
			       const char **content_type);

/*
 * Binds cfg->listen, listens and starts the listener's thread.  Returns 0
 * and *out, or a negative errno with *out NULL, nothing left open, and one
 * sentence in err (no newline), for example
 * "cannot listen on '127.0.0.1:9556': Address already in use":
 * -EINVAL or -ERANGE (listen is not an address; see LISTEN_ADDR_FORMS),
 * -EADDRINUSE, -EADDRNOTAVAIL, -EACCES and other errors of socket(2),
 * bind(2) and listen(2), or -EIO when libmicrohttpd cannot start.
 * cfg->listen NULL opens a server with routes and no TCP listener, for a
 * local socket only (http_server_listen_unix); that never fails.
 */
int http_server_open(struct http_server **out, const struct http_server_config *cfg,
		     struct strbuf *err);

/* Stops the thread, closes every connection and the listener, frees everything.  NULL is a no-op.
 */
void http_server_close(struct http_server *srv);

/* The port the listener is bound to (the kernel's choice when the config said 0). */
unsigned int http_server_port(const struct http_server *srv);

/*
 * Makes body[0..body_len) the answer to GET path (path starts with '/'),
 * replacing what was published there before; the first publish of a path
 * creates its route.  Takes over body (a malloc'ed buffer, freed by the
 * server once no response uses it) in every case, errors included.
 * content_type (not NULL) is copied.  Returns 0, -EINVAL (path does not start with
 * '/'), -EEXIST (path has a handler) or -ENOSPC (HTTP_MAX_ROUTES routes).
 * Safe to call while requests are served; never waits for a client.
 */
int http_server_publish(struct http_server *srv, const char *path, char *body, size_t body_len,
			const char *content_type);

/*
 * Answers path with fn(ctx, ...).  ctx is borrowed until http_server_close().
 * Returns 0, -EINVAL, -EEXIST (path is already routed) or -ENOSPC.
 */
int http_server_route(struct http_server *srv, const char *path, http_handler_fn fn, void *ctx);

/*
 * Like http_server_route, for a route that changes state: POST only, the
 * body in req->body.  Returns 0, -EINVAL, -EEXIST or -ENOSPC.
 */
int http_server_route_post(struct http_server *srv, const char *path, http_handler_fn fn,
			   void *ctx);

/* A query argument of the request (?key=value, decoded), or NULL; valid during the call. */
const char *http_request_arg(const struct http_request *req, const char *key);

/*
 * Every query argument in the order the client sent them (a key may come
 * more than once): the first max into out; returns how many there are (more
 * than max: the rest were left out).  Valid during the call.
 */
size_t http_request_args(const struct http_request *req, struct http_arg *out, size_t max);

/* A request header (the name in any case), or NULL; valid during the call. */
const char *http_request_header(const struct http_request *req, const char *name);

/*
 * Adds a header to the handler's answer (Content-Security-Policy, Allow,
 * WWW-Authenticate...).  name and value are borrowed until the handler
 * returns.  Returns 0, or -ENOSPC beyond HTTP_MAX_EXTRA_HEADERS (dropped).
 */
int http_response_header(const struct http_request *req, const char *name, const char *value);

/* Copies the counters (each read atomically; together, a near-instant view). */
void http_server_get_stats(const struct http_server *srv, struct http_server_stats *out);

/*
 * The local socket (docs/AGENT.md, "Local socket"): the same routes served
 * on a unix stream socket, read-only.  Every connection's peer is checked
 * once, with SO_PEERCRED, when it connects: allowed are uid 0, the server's
 * effective uid, and members of the socket file's group (the peer's primary
 * gid, or its supplementary groups read from /proc/PID/status); any other
 * peer's requests are answered 403 and counted (stats.refused).  The
 * socket file's mode is the first gate: a peer that may not write to it
 * cannot connect at all (EACCES), so a pid reused between connect() and the
 * read of /proc grants nothing the mode did not.  Methods other than GET and
 * HEAD are answered 405 on every path (the TCP listener's handling decides
 * for GET and HEAD).  Requests count in the server's stats.
 *
 * Two steps, so that the agent can refuse to start (exit 2) before its loop
 * and threads exist: http_unix_bind() makes the socket file and listens;
 * http_server_listen_unix() starts serving it on a thread of its own.
 */
struct http_unix;

struct http_unix_config {
	const char *path;  /* the socket file; at most 107 bytes */
	unsigned int mode; /* its permission bits, e.g. 0660 */
	gid_t gid;	   /* its group, and the group whose members are allowed;
			    * (gid_t)-1: the caller's effective gid */
	const char *proc;  /* where PID/status is read; NULL: "/proc" (tests change it) */
};

/*
 * Removes a stale socket at cfg->path (a socket nobody accepts on; a live
 * one is -EADDRINUSE, any other file -EEXIST, and both are left alone),
 * binds a new one, sets its group and mode, and listens (so no peer
 * connects before the mode is set).  Returns 0 and *out
 * (owned by the caller until http_server_listen_unix takes it; free with
 * http_unix_release), or a negative errno with *out NULL, nothing left
 * behind and one sentence in err naming the path and the reason:
 * "cannot listen on '/run/connmon/agent.sock': Permission denied (bind)".
 * -ENAMETOOLONG, -EEXIST, -EADDRINUSE, and the errors of lstat, unlink, socket, bind,
 * chown (-EPERM: a group the caller is not in), chmod and listen.
 */
int http_unix_bind(struct http_unix **out, const struct http_unix_config *cfg, struct strbuf *err);

/* Closes the socket and removes its file if the file is still the one bound.  NULL is a no-op. */
void http_unix_release(struct http_unix *u);

/*
 * Serves srv's routes on u, on a libmicrohttpd thread of its own (started
 * with the caller's signal mask, like http_server_open's); srv takes u over
 * in every case, and http_server_close() stops it and removes the socket
 * file.  cfg (may be NULL) gives max_connections and timeout_sec; its
 * listen is not read.  0, -EBUSY (srv serves a socket already) or -EIO
 * (libmicrohttpd cannot start), with a sentence in err.
 */
int http_server_listen_unix(struct http_server *srv, struct http_unix *u,
			    const struct http_server_config *cfg, struct strbuf *err);

/*
 * Takes srv's socket back, listening, for another server (the agent's
 * reload replaces the TCP listener's server): the file stays, peers that
 * connect meanwhile wait in the backlog; open connections are closed.
 * Returns it (to pass to http_server_listen_unix or http_unix_release), or
 * NULL when srv (may be NULL) serves none or the socket could not be kept.
 */
struct http_unix *http_server_detach_unix(struct http_server *srv);

/* Whether srv serves a local socket now (http_server_listen_unix, not detached). */
bool http_server_serves_unix(const struct http_server *srv);

/*
 * Whether the text of a /proc/PID/status file lists gid on its "Groups:"
 * line.  A malformed line is false.  Pure; for the peer check and its tests.
 */
bool http_status_has_group(const char *text, size_t len, gid_t gid);

#endif
