/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the agent_api*.c files share (app/agent_api.h says who runs what).
 * struct agent_api is owned by the agent (a->api), made by agent_api_open().
 */
#ifndef CONNMON_APP_AGENT_API_INT_H
#define CONNMON_APP_AGENT_API_INT_H

#include <pthread.h>

#include "app/agent.h"
#include "app/agent_api.h"
#include "store/store.h"

/* One live series of the ring, as the handlers see it (rebuilt when the set changes). */
struct api_dir_entry {
	const struct metric_family *fam; /* static */
	char *labels;			 /* owned */
	uint32_t row;			 /* its row in a->ring */
};

/* The tick's figures /api/v1/status reports, copied under ring_lock. */
struct api_status {
	uint64_t ticks;
	int64_t interval_ms, ring_ms, census_period_ms;
	int64_t ring_since_ms; /* INT64_MIN: empty */
	const char *respond;   /* static */
};

struct agent_api {
	struct agent *a;
	/* Guards a->ring's rows and times, dir and status against the handlers. */
	pthread_mutex_t ring_lock;
	uint32_t live_at_lock; /* a->ring.nr_live when the tick took the lock */
	struct api_dir_entry *dir;
	size_t nr_dir, alloc_dir;
	struct api_status status;
	/* The listener's read-only connection to the db; NULL when none. */
	pthread_mutex_t store_lock;
	struct store *reader;
	struct store_options sopts;    /* the agent's retention: which tier a range reads */
	char db[CONFIG_PATH_MAX];      /* "" without a db */
	struct respond_config respond; /* the config at open, for the unblock route */
	char host[256];
	int64_t started_ms;
	/* POST: the token ("" when none, token_why says why) */
	char token[API_TOKEN_HEX + 1];
	char token_why[CONFIG_PATH_MAX + 256];
	pthread_mutex_t post_lock; /* one unblock at a time */
	/* /api/v1/live (agent_api_live.c) */
	bool *census_ran;	  /* per ring slot: a census ran at that tick (ring_lock) */
	uint64_t ring_ticks_seen; /* a->ring.nr_ticks when census_ran was last set */
	char *live_body;	  /* the latest frame, built on the tick (ring_lock); owned */
	size_t live_len;
	int64_t live_t_ms; /* its tick */
	size_t nr_blocks;
	int64_t blocks_at_ms;
};

/* agent_api_live.c */
/* Under ring_lock, after the ring was fed: notes whether this tick's census ran. */
void api_live_note_tick(struct agent_api *api);
/* The latest frame (the ring's latest tick, t_ms) into out; the agent's thread. */
void api_live_build(struct agent_api *api, int64_t t_ms, struct strbuf *out);
/* api_live_build, kept for the handler (takes ring_lock). */
void api_live_publish(struct agent_api *api, int64_t t_ms);
/*
 * The frame of the ring's latest tick at or before at_ms into body (the
 * published one when that is the tick); the status: 200, 404 (before the
 * ring's oldest tick: the sentence gives the range), 503 (no tick yet).
 * Takes ring_lock, releases it, then takes store_lock.
 */
int api_live_at(struct agent_api *api, int64_t at_ms, struct strbuf *body);
/* GET /api/v1/live[?at=T] */
int api_live_handler(void *ctx, const struct http_request *req, struct strbuf *body,
		     const char **content_type);

/* agent_api_series.c: the handler of GET /api/v1/series */
int api_series_handler(void *ctx, const struct http_request *req, struct strbuf *body,
		       const char **content_type);

/* agent_api_post.c */
void api_token_setup(struct agent_api *api, const char *state_dir);
int api_unblock_handler(void *ctx, const struct http_request *req, struct strbuf *body,
			const char **content_type);

/* agent_api.c */
#define API_JSON "application/json"
/* {"error":"sentence"} into body (emptied first); returns status. */
int api_error(struct strbuf *body, int status, const char *sentence);
int64_t api_now_ms(void);

#endif
