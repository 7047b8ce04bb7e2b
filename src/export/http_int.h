/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Internals shared by http.c (the server: routes, bodies, the TCP listener)
 * and http_unix.c (the local socket, which serves the same routes).
 * Not for other modules: their API is http.h.
 */
#ifndef CONNMON_EXPORT_HTTP_INT_H
#define CONNMON_EXPORT_HTTP_INT_H

#include <microhttpd.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "export/http.h"

struct http_body; /* an immutable published body (http.c) */

struct route {
	char *path;
	struct http_body *body; /* a published route: its current body */
	http_handler_fn handler;
	void *ctx;
	bool post; /* a state-changing route: POST only */
};

struct http_server {
	struct MHD_Daemon *daemon;
	unsigned int port;
	/* Guards routes and nr_routes: held to add a route, swap a body or take a reference. */
	pthread_mutex_t lock;
	struct route routes[HTTP_MAX_ROUTES];
	size_t nr_routes;
	_Atomic uint64_t connections, requests, served, not_found, bad_method;
	_Atomic uint64_t timeouts, aborted, errors;
	_Atomic uint64_t refused;
	struct http_unix *unix_; /* the local socket's listener; NULL: none (http_unix.c) */
};

/* Adds one to a counter of struct http_server (relaxed: the counters are independent). */
static inline void http_count(_Atomic uint64_t *counter)
{
	atomic_fetch_add_explicit(counter, 1, memory_order_relaxed);
}

/*
 * Queues resp (taken over; NULL counts an error and closes the connection)
 * with status, content_type and the headers every answer carries, and counts
 * it in srv's stats.
 */
enum MHD_Result http_queue(struct http_server *srv, struct MHD_Connection *conn,
			   unsigned int status, struct MHD_Response *resp,
			   const char *content_type);

/* libmicrohttpd's callbacks of the TCP listener, cls the server; the local socket's reuse them. */
enum MHD_Result http_on_request(void *cls, struct MHD_Connection *conn, const char *url,
				const char *method, const char *version, const char *upload_data,
				size_t *upload_data_size, void **con_cls);
void http_on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
		       enum MHD_RequestTerminationCode toe);
void http_on_log(void *cls, const char *fmt, va_list ap);

/*
 * After a failed MHD_start_daemon, closes fd unless libmicrohttpd already did
 * (was: fd's fstat before the start, to recognise a reused number).
 */
void http_close_if_still_ours(int fd, const struct stat *was);

/* Stops the local socket's thread, closes it and removes its file; NULL is a no-op. */
void http_unix_stop(struct http_unix *u);

#endif
