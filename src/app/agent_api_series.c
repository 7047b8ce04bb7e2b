// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * GET /api/v1/series (docs/API.md): the selected series over a range, at
 * most `points` buckets each, averaged.  A range within the agent's hour is
 * read from the ring (copied under ring_lock, bucketed after); an older one
 * from the store through the API's read-only connection, the tier chosen as
 * `connmon history` chooses it (store_pick_tier, then the other tiers when
 * that one holds nothing).  Counters come out as rates per second: from the
 * ring, the increases in a bucket over the seconds they cover; from the
 * store, the step's rate.  Every bucket of the range is in the answer,
 * null where there is no value, so a chart shows gaps as gaps.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/agent_api_int.h"
#include "app/baseline_store.h"
#include "base/json.h"
#include "base/xalloc.h"

#define SEC_MS	1000LL
#define MIN_MS	(60 * SEC_MS)
#define HOUR_MS (3600 * SEC_MS)

/* The buckets: [t0 + i * step, t0 + (i + 1) * step) for i < n. */
struct grid {
	int64_t t0, step_ms;
	size_t n;
};

struct out_series {
	char *name, *labels; /* owned */
	bool counter;
	double *v;   /* n buckets; NaN: no value */
	double *sum; /* ring: per bucket, the values' (gauges) or increases' (counters) sum */
	double *den; /* ring: their count, or the seconds the increases cover */
	int64_t store_id;
};

struct answer {
	struct out_series *s;
	size_t nr, alloc;
	const char *source;
	struct grid g;
};

static void grid_make(struct grid *g, int64_t since, int64_t until, int64_t step, uint32_t points)
{
	g->step_ms = step;
	g->t0 = since / step * step;
	g->n = (size_t)((until - g->t0 + step - 1) / step);
	if (g->n > points) { /* the first bucket started before since: the range's own go first */
		g->t0 += step * (int64_t)(g->n - points);
		g->n = points;
	}
}

/* The step for points buckets over the range, a multiple of unit_ms. */
static int64_t step_for(const struct api_series_req *r, int64_t unit_ms)
{
	int64_t span = r->until_ms - r->since_ms, step = (span + r->points - 1) / r->points;

	if (unit_ms < 1)
		unit_ms = 1;
	return step <= unit_ms ? unit_ms : (step + unit_ms - 1) / unit_ms * unit_ms;
}

static struct out_series *answer_add(struct answer *ans, const char *name, const char *labels,
				     bool counter)
{
	struct out_series *s;

	ALLOC_GROW(ans->s, ans->nr + 1, ans->alloc);
	s = &ans->s[ans->nr++];
	*s = (struct out_series){ .name = xstrdup(name),
				  .labels = xstrdup(labels),
				  .counter = counter };
	return s;
}

static void answer_release(struct answer *ans)
{
	for (size_t i = 0; i < ans->nr; i++) {
		free(ans->s[i].name);
		free(ans->s[i].labels);
		free(ans->s[i].v);
		free(ans->s[i].sum);
		free(ans->s[i].den);
	}
	free(ans->s);
}

static bool selected(const struct api_series_req *r, const char *name, const char *labels)
{
	for (size_t i = 0; i < r->nr_sel; i++)
		if (series_sel_matches(&r->sel[i], name, labels))
			return true;
	return false;
}

static int too_many(struct strbuf *body, size_t n)
{
	struct strbuf why = STRBUF_INIT;
	int ret;

	strbuf_addf(&why,
		    "the selectors match %zu series: at most %d in one answer; narrow them with "
		    "labels",
		    n, API_MAX_SERIES);
	ret = api_error(body, 400, why.buf);
	strbuf_release(&why);
	return ret;
}

/* ---- the ring ---- */

/* Adds one ring row's values in the grid to s's sums.  Locked. */
static void ring_copy(const struct series_ring *ring, const struct grid *g, struct out_series *s,
		      uint32_t row)
{
	uint32_t len = series_ring_len(ring);
	int64_t end = g->t0 + g->step_ms * (int64_t)g->n;

	for (uint32_t back = 0; back < len; back++) {
		int64_t t = series_ring_time(ring, back), prev;
		double v = series_ring_get(ring, row, back);
		size_t i;

		if (t < g->t0)
			break;
		if (t >= end || isnan(v))
			continue;
		i = (size_t)((t - g->t0) / g->step_ms);
		if (!s->counter) {
			s->sum[i] += v;
			s->den[i] += 1;
			continue;
		}
		prev = back + 1 < len ? series_ring_time(ring, back + 1) : INT64_MIN;
		if (prev != INT64_MIN && t > prev) {
			s->sum[i] += v;
			s->den[i] += (double)(t - prev) / 1e3;
		}
	}
}

static int from_ring(struct agent_api *api, const struct api_series_req *r, struct answer *ans,
		     struct strbuf *body, int64_t interval_ms)
{
	size_t matched = 0;

	grid_make(&ans->g, r->since_ms, r->until_ms, step_for(r, interval_ms), r->points);
	ans->source = "ring";
	pthread_mutex_lock(&api->ring_lock);
	for (size_t i = 0; i < api->nr_dir; i++) {
		const struct api_dir_entry *d = &api->dir[i];
		struct out_series *s;

		if (!selected(r, d->fam->name, d->labels) || ++matched > API_MAX_SERIES)
			continue;
		s = answer_add(ans, d->fam->name, d->labels, d->fam->kind == METRIC_COUNTER);
		s->sum = xcalloc(ans->g.n + 1, sizeof(double));
		s->den = xcalloc(ans->g.n + 1, sizeof(double));
		ring_copy(&api->a->ring, &ans->g, s, d->row);
	}
	pthread_mutex_unlock(&api->ring_lock);
	if (matched > API_MAX_SERIES)
		return too_many(body, matched);
	for (size_t i = 0; i < ans->nr; i++) {
		struct out_series *s = &ans->s[i];

		s->v = xmalloc((ans->g.n + 1) * sizeof(double));
		for (size_t k = 0; k < ans->g.n; k++)
			s->v[k] = s->den[k] > 0 ? s->sum[k] / s->den[k] : NAN;
	}
	return 0;
}

/* ---- the store ---- */

static const char *tier_name(int tier)
{
	return tier == STORE_TIER_TICK ? "ticks" : tier == STORE_TIER_MINUTE ? "minutes" : "hours";
}

static int64_t tier_unit(int tier, int64_t interval_ms)
{
	return tier == STORE_TIER_TICK	 ? (interval_ms > 0 ? interval_ms : SEC_MS) :
	       tier == STORE_TIER_MINUTE ? MIN_MS :
					   HOUR_MS;
}

/* Runs every selector at tier into res[]; the points found.  Locked (store_lock). */
static int query_tier(struct agent_api *api, const struct api_series_req *r, int tier, int64_t step,
		      struct store_result *res, size_t *nr_points, struct strbuf *err)
{
	struct store_match m[SERIES_SEL_MAX_MATCH];
	int ret = 0;

	*nr_points = 0;
	for (size_t i = 0; i < r->nr_sel && !ret; i++) {
		const struct series_sel *sel = &r->sel[i];
		struct store_query q = { .name = sel->name,
					 .match = m,
					 .nr_match = sel->nr_match,
					 .since_ms = r->since_ms,
					 .until_ms = r->until_ms,
					 .step_ms = step,
					 .tier = tier };

		for (size_t k = 0; k < sel->nr_match; k++)
			m[k] = (struct store_match){ sel->match[k].key, sel->match[k].value };
		ret = store_query(api->reader, &q, &res[i], err);
		for (size_t s = 0; !ret && s < res[i].nr_series; s++)
			*nr_points += res[i].series[s].nr_points;
	}
	return ret;
}

static void results_release(struct store_result *res, size_t nr)
{
	for (size_t i = 0; i < nr; i++)
		store_result_release(&res[i]);
	memset(res, 0, nr * sizeof(*res));
}

/* The store's series into ans (each once, whatever selectors matched it). */
static int take_results(struct answer *ans, const struct store_result *res, size_t nr,
			struct strbuf *body)
{
	size_t matched = 0;

	for (size_t i = 0; i < nr; i++)
		for (size_t k = 0; k < res[i].nr_series; k++) {
			const struct store_result_series *rs = &res[i].series[k];
			struct out_series *s;
			bool dup = false;

			for (size_t j = 0; j < ans->nr && !dup; j++)
				dup = ans->s[j].store_id == rs->info.id;
			if (dup || ++matched > API_MAX_SERIES)
				continue;
			s = answer_add(ans, rs->info.name, rs->info.labels,
				       rs->info.kind == STORE_COUNTER);
			s->store_id = rs->info.id;
			s->v = xmalloc((ans->g.n + 1) * sizeof(double));
			for (size_t b = 0; b <= ans->g.n; b++)
				s->v[b] = NAN;
			for (size_t p = 0; p < rs->nr_points; p++) {
				const struct store_point *pt = &rs->points[p];
				int64_t b = (pt->t_ms - ans->g.t0) / ans->g.step_ms;

				if (pt->t_ms >= ans->g.t0 && b >= 0 && (size_t)b < ans->g.n)
					s->v[b] = s->counter ? pt->rate : pt->mean;
			}
		}
	return matched > API_MAX_SERIES ? too_many(body, matched) : 0;
}

/*
 * The ring's values over the store's, where the ring has them: the store
 * lags the ring by up to a write interval, and an agent that started less
 * than an hour ago has the older part of the range only in the store.
 */
static void ring_overlay(struct agent_api *api, struct answer *ans)
{
	pthread_mutex_lock(&api->ring_lock);
	for (size_t i = 0; i < ans->nr; i++) {
		struct out_series *s = &ans->s[i];

		for (size_t k = 0; k < api->nr_dir; k++) {
			const struct api_dir_entry *d = &api->dir[k];

			if (strcmp(d->fam->name, s->name) || strcmp(d->labels, s->labels))
				continue;
			s->sum = xcalloc(ans->g.n + 1, sizeof(double));
			s->den = xcalloc(ans->g.n + 1, sizeof(double));
			ring_copy(&api->a->ring, &ans->g, s, d->row);
			break;
		}
	}
	pthread_mutex_unlock(&api->ring_lock);
	for (size_t i = 0; i < ans->nr; i++)
		for (size_t k = 0; ans->s[i].den && k < ans->g.n; k++)
			if (ans->s[i].den[k] > 0)
				ans->s[i].v[k] = ans->s[i].sum[k] / ans->s[i].den[k];
}

static int from_store(struct agent_api *api, const struct api_series_req *r, struct answer *ans,
		      struct strbuf *body, int64_t interval_ms)
{
	struct store_result *res = xcalloc(r->nr_sel, sizeof(*res));
	struct strbuf err = STRBUF_INIT;
	int64_t newest = INT64_MIN, step;
	size_t nr_points = 0;
	int tier, ret;

	if (store_newest(api->reader, &newest) < 0)
		newest = INT64_MIN;
	step = step_for(r, interval_ms);
	tier = store_pick_tier(&api->sopts, newest == INT64_MIN ? r->until_ms : newest, r->since_ms,
			       step, STORE_TIER_AUTO);
	step = step_for(r, tier_unit(tier, interval_ms));
	ret = query_tier(api, r, tier, step, res, &nr_points, &err);
	/* Nothing in that tier (imported minutes only, or hours only): the others, finest first. */
	for (int t = STORE_TIER_TICK; !ret && !nr_points && t <= STORE_TIER_HOUR; t++) {
		if (t == tier)
			continue;
		results_release(res, r->nr_sel);
		tier = t;
		step = step_for(r, tier_unit(tier, interval_ms));
		ret = query_tier(api, r, tier, step, res, &nr_points, &err);
	}
	if (ret < 0) {
		ret = api_error(body, 503, err.len ? err.buf : "the database cannot be read");
		goto out;
	}
	if (res[0].step_ms > step)
		step = res[0].step_ms;
	grid_make(&ans->g, r->since_ms, r->until_ms, step, r->points);
	ans->source = tier_name(tier);
	ret = take_results(ans, res, r->nr_sel, body);
	if (!ret)
		ring_overlay(api, ans);
out:
	results_release(res, r->nr_sel);
	free(res);
	strbuf_release(&err);
	return ret;
}

/* ---- the answer ---- */

static void add_val(struct strbuf *out, double v)
{
	if (!isfinite(v))
		strbuf_addstr(out, "null");
	else { /* seven significant digits: more than a chart or a script can use, half the bytes */
		char buf[32];

		snprintf(buf, sizeof(buf), "%.7g", v);
		json_add_number(out, strtod(buf, NULL));
	}
}

static void add_points(struct strbuf *out, const struct answer *ans, const struct out_series *s)
{
	strbuf_addstr(out, ",\"points\":[");
	for (size_t k = 0; k < ans->g.n; k++) {
		strbuf_addf(out, "%s[%lld,", k ? "," : "",
			    (long long)(ans->g.t0 + (int64_t)k * ans->g.step_ms));
		add_val(out, s->v[k]);
		strbuf_addch(out, ']');
	}
	strbuf_addch(out, ']');
}

/* The stored band of s on the buckets' times; nothing when none is stored.  Locked. */
static void add_band(struct agent_api *api, struct strbuf *out, const struct answer *ans,
		     const struct out_series *s, struct baseline *b)
{
	struct store_series_info info = { .id = s->store_id,
					  .name = s->name,
					  .labels = s->labels,
					  .kind = s->counter ? STORE_COUNTER : STORE_GAUGE,
					  .first_ms = INT64_MIN,
					  .last_ms = INT64_MIN };
	int64_t computed;

	if (!info.id && store_series(api->reader, s->name, s->labels, info.kind, &info.id) < 0)
		return;
	if (baseline_store_get(api->reader, &info, b, &computed, NULL) < 0)
		return;
	strbuf_addstr(out, ",\"band\":[");
	for (size_t k = 0; k < ans->g.n; k++) {
		int64_t t = ans->g.t0 + (int64_t)k * ans->g.step_ms;
		int slot = baseline_slot_of(NULL, b->mode, t);
		const struct baseline_slot *sl =
			slot >= 0 && (unsigned)slot < b->nr_slots ? &b->slot[slot] : NULL;

		strbuf_addf(out, "%s[%lld,", k ? "," : "", (long long)t);
		add_val(out, sl && sl->nr_samples ? sl->p10 : NAN);
		strbuf_addch(out, ',');
		add_val(out, sl && sl->nr_samples ? sl->median : NAN);
		strbuf_addch(out, ',');
		add_val(out, sl && sl->nr_samples ? sl->p90 : NAN);
		strbuf_addch(out, ']');
	}
	strbuf_addch(out, ']');
}

static void write_answer(struct agent_api *api, const struct api_series_req *r,
			 const struct answer *ans, struct strbuf *out)
{
	struct baseline *b = r->band && api->reader ? xmalloc(sizeof(*b)) : NULL;

	strbuf_addf(out,
		    "{\"since_ms\":%lld,\"until_ms\":%lld,\"step_ms\":%lld,\"source\":\"%s\","
		    "\"series\":[",
		    (long long)r->since_ms, (long long)r->until_ms, (long long)ans->g.step_ms,
		    ans->source);
	if (b)
		pthread_mutex_lock(&api->store_lock);
	for (size_t i = 0; i < ans->nr; i++) {
		const struct out_series *s = &ans->s[i];

		strbuf_addstr(out, i ? ",{\"name\":" : "{\"name\":");
		json_add_string(out, s->name, strlen(s->name));
		strbuf_addstr(out, ",\"labels\":");
		if (api_labels_json(out, s->labels) < 0)
			strbuf_addstr(out, "{}");
		strbuf_addf(out, ",\"kind\":\"%s\"", s->counter ? "counter" : "gauge");
		add_points(out, ans, s);
		if (b)
			add_band(api, out, ans, s, b);
		strbuf_addch(out, '}');
	}
	if (b)
		pthread_mutex_unlock(&api->store_lock);
	strbuf_addstr(out, "]}\n");
	free(b);
}

int api_series_handler(void *ctx, const struct http_request *req, struct strbuf *body,
		       const char **content_type)
{
	struct agent_api *api = ctx;
	struct http_arg args[API_MAX_ARGS];
	struct strbuf err = STRBUF_INIT;
	struct api_series_req r;
	struct answer ans = { .nr = 0 };
	struct api_status st;
	size_t nr = http_request_args(req, args, API_MAX_ARGS);
	int ret;

	*content_type = API_JSON;
	if (nr > API_MAX_ARGS)
		return api_error(body, 400, "too many query parameters: at most 32");
	ret = api_series_req_parse(&r, args, nr, api_now_ms(), &err);
	if (ret < 0) {
		ret = api_error(body, 400, err.buf);
		goto out;
	}
	pthread_mutex_lock(&api->ring_lock);
	st = api->status;
	pthread_mutex_unlock(&api->ring_lock);
	/* Within the hour the ring holds (a tick or two of slack at its old end): the ring. */
	if (!api->reader || (st.ring_since_ms != INT64_MIN &&
			     r.since_ms >= st.ring_since_ms - 2 * st.interval_ms)) {
		ret = from_ring(api, &r, &ans, body, st.interval_ms);
	} else {
		pthread_mutex_lock(&api->store_lock);
		ret = from_store(api, &r, &ans, body, st.interval_ms);
		pthread_mutex_unlock(&api->store_lock);
	}
	if (!ret) {
		write_answer(api, &r, &ans, body);
		ret = 200;
	}
out:
	answer_release(&ans);
	api_series_req_release(&r);
	strbuf_release(&err);
	return ret;
}
