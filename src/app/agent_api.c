// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The agent's JSON API (docs/API.md): its life, the ring's lock and
 * directory, /api/v1/status, /api/v1/alerts and /api/v1/blocks.  The other
 * routes are in agent_api_live.c, agent_api_series.c and agent_api_post.c.
 */
#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app/agent_api_int.h"
#include "app/alerts_json.h"
#include "app/log.h"
#include "base/json.h"
#include "base/xalloc.h"

#define NS_PER_MS 1000000LL

int64_t api_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int api_error(struct strbuf *body, int status, const char *sentence)
{
	strbuf_reset(body);
	strbuf_addstr(body, "{\"error\":");
	if (json_add_string(body, sentence, strlen(sentence)) < 0)
		strbuf_addstr(body, "\"(a message that is not valid UTF-8)\"");
	strbuf_addstr(body, "}\n");
	return status;
}

/* ---- the ring's lock and directory (the tick's side) ---- */

void agent_api_ring_lock(struct agent *a)
{
	if (!a->api)
		return;
	pthread_mutex_lock(&a->api->ring_lock);
	a->api->live_at_lock = a->ring.nr_live;
}

/* Rebuilt when rows were born or freed under the lock: the set of series changed. */
static void dir_rebuild(struct agent_api *api)
{
	const struct series_table *st = &api->a->series;

	for (size_t i = 0; i < api->nr_dir; i++)
		free(api->dir[i].labels);
	api->nr_dir = 0;
	for (uint32_t i = 0; i < st->nr; i++) {
		const struct series_entry *e = &st->v[i];

		if (!e->fam || e->ring_row == UINT32_MAX)
			continue;
		ALLOC_GROW(api->dir, api->nr_dir + 1, api->alloc_dir);
		api->dir[api->nr_dir++] =
			(struct api_dir_entry){ e->fam, xstrdup(e->labels), e->ring_row };
	}
}

static const char *respond_name(int mode)
{
	return mode == CONFIG_RESPOND_ON      ? "on" :
	       mode == CONFIG_RESPOND_DRY_RUN ? "dry-run" :
						"off";
}

void agent_api_ring_unlock(struct agent *a)
{
	struct agent_api *api = a->api;
	uint32_t len;

	if (!api)
		return;
	if (a->ring.nr_live != api->live_at_lock)
		dir_rebuild(api);
	api_live_note_tick(api);
	len = series_ring_len(&a->ring);
	api->status = (struct api_status){
		.ticks = a->stats.ticks,
		.interval_ms = (int64_t)(a->set.interval_ns / NS_PER_MS),
		.ring_ms = (int64_t)a->ring.nr_slots * (int64_t)(a->set.interval_ns / NS_PER_MS),
		.census_period_ms = (int64_t)(a->cen.period_ns / NS_PER_MS),
		.ring_since_ms = len ? series_ring_time(&a->ring, len - 1) : INT64_MIN,
		.respond = respond_name(a->cfg.respond.mode),
	};
	pthread_mutex_unlock(&api->ring_lock);
}

/* ---- /api/v1/status ---- */

static void add_ms_or_null(struct strbuf *b, int64_t ms)
{
	if (ms == INT64_MIN)
		strbuf_addstr(b, "null");
	else
		strbuf_addf(b, "%lld", (long long)ms);
}

static int status_handler(void *ctx, const struct http_request *req, struct strbuf *body,
			  const char **content_type)
{
	struct agent_api *api = ctx;
	struct api_status s;
	int64_t newest = INT64_MIN;

	(void)req;
	*content_type = API_JSON;
	pthread_mutex_lock(&api->ring_lock);
	s = api->status;
	pthread_mutex_unlock(&api->ring_lock);
	pthread_mutex_lock(&api->store_lock);
	if (api->reader && store_newest(api->reader, &newest) < 0)
		newest = INT64_MIN;
	pthread_mutex_unlock(&api->store_lock);
	strbuf_addstr(body, "{\"version\":\"0.1.0\",\"host\":");
	json_add_string(body, api->host, strlen(api->host));
	strbuf_addf(body,
		    ",\"now_ms\":%lld,\"started_ms\":%lld,\"interval_ms\":%lld,\"ticks\":%llu,",
		    (long long)api_now_ms(), (long long)api->started_ms, (long long)s.interval_ms,
		    (unsigned long long)s.ticks);
	strbuf_addf(body, "\"ring_ms\":%lld,\"ring_since_ms\":", (long long)s.ring_ms);
	add_ms_or_null(body, s.ring_since_ms);
	strbuf_addstr(body, ",\"db\":");
	if (api->db[0])
		json_add_string(body, api->db, strlen(api->db));
	else
		strbuf_addstr(body, "null");
	strbuf_addstr(body, ",\"db_newest_ms\":");
	add_ms_or_null(body, newest);
	strbuf_addf(body, ",\"respond\":\"%s\",\"census_period_ms\":%lld}\n",
		    s.respond ? s.respond : "off", (long long)s.census_period_ms);
	return 200;
}

/* ---- /api/v1/alerts, /api/v1/blocks ---- */

static int args_of(const struct http_request *req, struct http_arg *args, size_t *nr,
		   struct strbuf *body)
{
	*nr = http_request_args(req, args, API_MAX_ARGS);
	if (*nr > API_MAX_ARGS)
		return api_error(body, 400, "too many query parameters: at most 32");
	return 0;
}

static int no_db(struct strbuf *body)
{
	return api_error(body, 503,
			 "the agent records no database ([agent] db), so it has no "
			 "alert history or blocks to show");
}

static int alerts_handler(void *ctx, const struct http_request *req, struct strbuf *body,
			  const char **content_type)
{
	struct agent_api *api = ctx;
	struct http_arg args[API_MAX_ARGS];
	struct strbuf err = STRBUF_INIT;
	struct api_alerts_req r;
	struct store_alert_query q;
	size_t nr;
	int ret;

	*content_type = API_JSON;
	if (args_of(req, args, &nr, body))
		return 400;
	if (api_alerts_req_parse(&r, args, nr, api_now_ms(), &err) < 0) {
		ret = api_error(body, 400, err.buf);
		goto out;
	}
	if (!api->reader) {
		ret = no_db(body);
		goto out;
	}
	q = (struct store_alert_query){ .since_ms = r.since_ms,
					.until_ms = r.until_ms,
					.rule = r.rule[0] ? r.rule : NULL,
					.firing_only = !r.all };
	strbuf_addstr(body, "{\"alerts\":");
	pthread_mutex_lock(&api->store_lock);
	ret = alerts_json(api->reader, &q, body, NULL, &err);
	pthread_mutex_unlock(&api->store_lock);
	if (body->len && body->buf[body->len - 1] == '\n')
		body->buf[--body->len] = '\0';
	strbuf_addstr(body, "}\n");
	ret = ret < 0 ? api_error(body, 503, err.buf) : 200;
out:
	strbuf_release(&err);
	return ret;
}

static int blocks_handler(void *ctx, const struct http_request *req, struct strbuf *body,
			  const char **content_type)
{
	struct agent_api *api = ctx;
	struct strbuf err = STRBUF_INIT;
	struct store_block *b = NULL;
	int64_t now = api_now_ms();
	size_t nr = 0;
	int ret;

	*content_type = API_JSON;
	if (http_request_args(req, NULL, 0))
		return api_error(body, 400, "unknown parameter: /api/v1/blocks takes none");
	if (!api->reader)
		return no_db(body);
	pthread_mutex_lock(&api->store_lock);
	ret = store_block_list(api->reader, now, &b, &nr, &err);
	pthread_mutex_unlock(&api->store_lock);
	if (ret == -ENOENT) /* a version-1 file: no block table yet */
		ret = 0;
	if (ret < 0) {
		ret = api_error(body, 503, err.buf);
	} else {
		blocks_json(body, b, nr, now);
		ret = 200;
	}
	free(b);
	strbuf_release(&err);
	return ret;
}

/* ---- life ---- */

static void open_reader(struct agent_api *api)
{
	struct strbuf err = STRBUF_INIT;

	store_options_init(&api->sopts);
	for (int i = 0; i < STORE_NR_TIERS; i++)
		api->sopts.retention_ms[i] = api->a->set.retention_ms[i];
	if (!api->a->store)
		return;
	snprintf(api->db, sizeof(api->db), "%s", api->a->cfg.agent.db);
	if (store_open(&api->reader, api->db, STORE_READ, &api->sopts, &err) < 0) {
		log_warn("api: cannot read the database: %s; history, alerts and blocks answer 503",
			 err.buf);
		api->reader = NULL;
	}
	strbuf_release(&err);
}

static const struct {
	const char *path;
	http_handler_fn fn;
} get_routes[] = {
	/* one per line, so branches that add routes merge cleanly */
	// clang-format off
	{ "/api/v1/status", status_handler },
	{ "/api/v1/live", api_live_handler },
	{ "/api/v1/series", api_series_handler },
	{ "/api/v1/alerts", alerts_handler },
	{ "/api/v1/blocks", blocks_handler },
	// clang-format on
};

void agent_api_open(struct agent *a)
{
	struct agent_api *api;
	char dir[CONFIG_PATH_MAX];
	int ret = 0;

	if (!a->http)
		return;
	api = xcalloc(1, sizeof(*api));
	api->a = a;
	pthread_mutex_init(&api->ring_lock, NULL);
	pthread_mutex_init(&api->store_lock, NULL);
	pthread_mutex_init(&api->post_lock, NULL);
	api->started_ms = api_now_ms();
	api->status.ring_since_ms = INT64_MIN;
	api->respond = a->cfg.respond;
	if (gethostname(api->host, sizeof(api->host) - 1) < 0)
		snprintf(api->host, sizeof(api->host), "localhost");
	open_reader(api);
	snprintf(dir, sizeof(dir), "%s", a->cfg.agent.db);
	api_token_setup(api,
			a->cfg.agent_api.state_dir[0] ? a->cfg.agent_api.state_dir : dirname(dir));
	a->api = api;
	for (size_t i = 0; !ret && i < sizeof(get_routes) / sizeof(get_routes[0]); i++)
		ret = http_server_route(a->http, get_routes[i].path, get_routes[i].fn, api);
	if (!ret)
		ret = http_server_route_post(a->http, "/api/v1/unblock", api_unblock_handler, api);
	if (ret < 0)
		log_error("api: cannot add its routes: %s", strerror(-ret));
}

void agent_api_close(struct agent *a)
{
	struct agent_api *api = a->api;

	if (!api)
		return;
	store_close(api->reader, NULL);
	for (size_t i = 0; i < api->nr_dir; i++)
		free(api->dir[i].labels);
	free(api->dir);
	free(api->census_ran);
	free(api->live_body);
	pthread_mutex_destroy(&api->ring_lock);
	pthread_mutex_destroy(&api->store_lock);
	pthread_mutex_destroy(&api->post_lock);
	free(api);
	a->api = NULL;
}

void agent_api_publish(struct agent *a, int64_t t_ms)
{
	if (a->api)
		api_live_publish(a->api, t_ms);
}
