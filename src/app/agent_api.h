/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The agent's JSON API, version 1 (docs/API.md), on the agent's HTTP
 * listener beside /metrics.  App-internal.
 *
 *   agent_api.c        open/close, /api/v1/status, alerts, blocks, the ring's lock
 *   agent_api_live.c   /api/v1/live: the latest frame built on the agent's thread once
 *                      per tick and kept; ?at=T a past one from the ring
 *   agent_api_series.c /api/v1/series: from the hour ring or the store
 *   agent_api_post.c   POST /api/v1/unblock: the token, origin and content checks
 *   agent_api_query.c  the pure parsers of what clients send (query arguments,
 *                      the unblock body), unit-tested and fuzzed
 *
 * Threads: handlers run on the listener's thread.  They never call into the
 * kernel and never wait on the tick for long: the ring is read under
 * ring_lock, which the tick holds only while it advances and fills the ring
 * (and while it frees rows of expired series); the store is read through a
 * read-only connection of the API's own (store_lock, the listener's thread
 * only); the unblock route opens its own admin connection.
 *
 * Wiring (agent.c): agent_api_open() after the listener opened,
 * agent_api_ring_lock()/unlock() around feed_ring() and the expiry,
 * agent_api_publish() after /metrics is published, agent_api_close() after
 * the listener closed (no handler runs any more).  Every function is a no-op
 * when a->api is NULL (no listener, --once, check).
 */
#ifndef CONNMON_APP_AGENT_API_H
#define CONNMON_APP_AGENT_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/strbuf.h"
#include "cli/series_sel.h"
#include "export/http.h"

#define API_MAX_SERIES	   64  /* series in one /series answer */
#define API_MAX_SELECT	   16  /* select= arguments */
#define API_MAX_ARGS	   32  /* query arguments of one request */
#define API_DEFAULT_POINTS 600 /* points per series */
#define API_MAX_POINTS	   5000
#define API_MAX_UNBLOCK	   1024 /* addresses in one unblock body */
#define API_TOKEN_FILE	   "api.token"
#define API_TOKEN_HEX	   64 /* 32 random bytes */

struct agent;

void agent_api_open(struct agent *a);
void agent_api_close(struct agent *a);
void agent_api_ring_lock(struct agent *a);
void agent_api_ring_unlock(struct agent *a);
void agent_api_publish(struct agent *a, int64_t t_ms);

/* ---- parsers (agent_api_query.c): pure; errors are one sentence in err, -EINVAL ---- */

/* GET /api/v1/series's arguments. */
struct api_series_req {
	struct series_sel sel[API_MAX_SELECT];
	size_t nr_sel;
	int64_t since_ms, until_ms; /* [since, until) */
	uint32_t points;	    /* 1 to API_MAX_POINTS */
	bool band;
};

/*
 * select (1 to API_MAX_SELECT, cli/series_sel.h), since and until
 * (cli/timespec.h; until defaults to now_ms, since to until - 1 h; since
 * before until), points (1 to 5000, default 600), band (0 or 1).  Unknown
 * or repeated keys (but select) are errors.  r is owned by the caller
 * (api_series_req_release) in every case.
 */
int api_series_req_parse(struct api_series_req *r, const struct http_arg *args, size_t nr,
			 int64_t now_ms, struct strbuf *err);
void api_series_req_release(struct api_series_req *r);

/* GET /api/v1/alerts's arguments, as `connmon alerts` takes them. */
struct api_alerts_req {
	int64_t since_ms, until_ms; /* by default: -24 h with all, else open; open */
	bool all;		    /* every event; else the alerts firing now */
	char rule[64];		    /* "": every rule */
};

int api_alerts_req_parse(struct api_alerts_req *r, const struct http_arg *args, size_t nr,
			 int64_t now_ms, struct strbuf *err);

/*
 * GET /api/v1/live's one argument: at, the time of the frame asked for
 * (cli/timespec.h, or milliseconds since the epoch: digits alone), into
 * *at_ms; INT64_MAX when absent (the latest tick).
 */
int api_live_req_parse(int64_t *at_ms, const struct http_arg *args, size_t nr, int64_t now_ms,
		       struct strbuf *err);

/* POST /api/v1/unblock's body: {"addrs":["ADDR",...]} or {"all":true}. */
struct api_unblock_req {
	char **addrs; /* owned; canonical text (inet_ntop) */
	size_t nr;
	bool all;
};

int api_unblock_parse(struct api_unblock_req *r, const char *body, size_t len, struct strbuf *err);
void api_unblock_req_release(struct api_unblock_req *r);

/*
 * A labels string (model/metric.h: key="value",... escaped) as a JSON
 * object of its keys and unescaped values, appended to out.  -EINVAL (out
 * unchanged) when it is malformed or not valid UTF-8.
 */
int api_labels_json(struct strbuf *out, const char *labels);

/* Constant-time comparison of a presented token with the expected one (both NUL-terminated). */
bool api_token_equal(const char *presented, const char *expected);

/*
 * Whether a POST's origin headers allow it: Origin absent, or exactly
 * "http://" + Host (or "https://" + Host); Sec-Fetch-Site absent or not
 * "cross-site".  Any may be NULL.
 */
bool api_origin_ok(const char *origin, const char *host, const char *fetch_site);

#endif
