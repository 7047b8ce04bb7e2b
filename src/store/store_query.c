// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Queries for `connmon history`: series selection by name and labels, the
 * tier choice, steps with min/max/mean/last/count and counters' rates; the
 * listing of every series.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "store/store_int.h"

#define MS_MINUTE (60 * 1000LL)
#define MS_HOUR	  (60 * MS_MINUTE)

static bool kept(const struct store_options *o, int tier, int64_t newest_ms, int64_t since_ms)
{
	return o->retention_ms[tier] <= 0 || since_ms >= newest_ms - o->retention_ms[tier];
}

int store_pick_tier(const struct store_options *o, int64_t newest_ms, int64_t since_ms,
		    int64_t step_ms, int forced_tier)
{
	if (forced_tier >= 0 && forced_tier < STORE_NR_TIERS)
		return forced_tier;
	if (newest_ms == NO_TIME)
		return step_ms < MS_MINUTE ? STORE_TIER_TICK :
		       step_ms < MS_HOUR   ? STORE_TIER_MINUTE :
					     STORE_TIER_HOUR;
	if (step_ms < MS_MINUTE && kept(o, STORE_TIER_TICK, newest_ms, since_ms))
		return STORE_TIER_TICK;
	if (step_ms < MS_HOUR && kept(o, STORE_TIER_MINUTE, newest_ms, since_ms))
		return STORE_TIER_MINUTE;
	return STORE_TIER_HOUR;
}

static bool labels_match(const char *labels, const struct store_query *q, struct strbuf *val)
{
	for (size_t i = 0; i < q->nr_match; i++) {
		int r = labels_get(labels, strlen(labels), q->match[i].key, val);

		/* As in PromQL, an empty value also matches a series without the label. */
		if (r < 0 || (r == 0 && *q->match[i].value) ||
		    (r == 1 && strcmp(val->buf, q->match[i].value)))
			return false;
	}
	return true;
}

void store_series_info_free(struct store_series_info *v, size_t nr)
{
	for (size_t i = 0; i < nr; i++) {
		free(v[i].name);
		free(v[i].labels);
	}
	free(v);
}

/* A metric name ([a-zA-Z_:][a-zA-Z0-9_:]*), or a prefix of one followed by '*'. */
static bool name_pattern_ok(const char *name)
{
	size_t len = strlen(name);

	if (len && name[len - 1] == '*')
		len--;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
		      (i && c >= '0' && c <= '9')))
			return false;
	}
	return len || name[0] == '*';
}

/* The series q selects (name NULL: all), with data, ordered by name and labels. */
int store_select_series(struct store *st, const struct store_query *q,
			struct store_series_info **out, size_t *nr, struct strbuf *err)
{
	struct strbuf val = STRBUF_INIT;
	struct store_series_info *v = NULL, *si;
	size_t alloc = 0;
	sqlite3_stmt *s;
	int rc;

	*out = NULL;
	*nr = 0;
	if (q && q->name && !name_pattern_ok(q->name)) {
		if (err)
			strbuf_addf(err,
				    "bad series name '%s' (a metric name, or a prefix and '*')",
				    q->name);
		return -EINVAL;
	}
	/* GLOB: the name has no pattern characters but a final '*' (checked above). */
	rc = sqlite3_prepare_v2(st->db,
				"SELECT id, name, labels, kind, first_ms, last_ms FROM series"
				" WHERE (?1 IS NULL OR name GLOB ?1) AND first_ms IS NOT NULL"
				" ORDER BY name, labels",
				-1, &s, NULL);
	if (rc != SQLITE_OK)
		return store_sql_error(st, rc, err, "read");
	if (q && q->name)
		sqlite3_bind_text(s, 1, q->name, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *labels = (const char *)sqlite3_column_text(s, 2);

		if (q && !labels_match(labels ? labels : "", q, &val))
			continue;
		ALLOC_GROW(v, *nr + 1, alloc);
		si = &v[(*nr)++];
		si->id = sqlite3_column_int64(s, 0);
		si->name = xstrdup((const char *)sqlite3_column_text(s, 1));
		si->labels = xstrdup(labels ? labels : "");
		si->kind = sqlite3_column_int(s, 3) == STORE_COUNTER ? STORE_COUNTER : STORE_GAUGE;
		si->first_ms = sqlite3_column_int64(s, 4);
		si->last_ms = sqlite3_column_type(s, 5) == SQLITE_NULL ? si->first_ms :
									 sqlite3_column_int64(s, 5);
	}
	sqlite3_finalize(s);
	strbuf_release(&val);
	*out = v;
	if (rc != SQLITE_DONE)
		return store_sql_error(st, rc, err, "read");
	return 0;
}

static int store_list_snapshot(struct store *st, struct store_series_info **out, size_t *nr,
			       struct strbuf *err)
{
	int ret = store_select_series(st, NULL, out, nr, err);

	if (ret) {
		store_series_info_free(*out, *nr);
		*out = NULL;
		*nr = 0;
	}
	return ret;
}

/* The steps of one series being built. */
struct agg {
	enum store_kind kind;
	int tier;
	int64_t since, until, step;
	struct store_point *pts;
	size_t nr, alloc;
	struct store_point cur;
	bool open, has_last;
	double sum, weight, inc;
	int64_t dur_ms;
	int64_t prev_t; /* ticks of counters: the previous sample with a value */
	double prev_v;
	int64_t prev_last_t; /* rollups of counters: the previous bucket's raw counter */
	double prev_last;
};

static void agg_close(struct agg *a)
{
	struct store_point *p = &a->cur;

	if (!a->open)
		return;
	a->open = false;
	if (!p->count && !a->has_last)
		return;
	if (!p->count)
		p->min = p->max = NAN;
	if (!a->has_last)
		p->last = NAN;
	if (a->kind == STORE_GAUGE) {
		p->mean = a->weight > 0 ? a->sum / a->weight : NAN;
		p->rate = p->increase = NAN;
	} else {
		p->rate = p->mean = a->dur_ms > 0 ? a->inc * 1000.0 / (double)a->dur_ms : NAN;
		p->increase = a->inc;
	}
	ALLOC_GROW(a->pts, a->nr + 1, a->alloc);
	a->pts[a->nr++] = *p;
}

static void agg_open(struct agg *a, int64_t t)
{
	int64_t start = a->step ? store_floor(t, a->step) : t;

	if (a->open && a->cur.t_ms == start)
		return;
	agg_close(a);
	memset(&a->cur, 0, sizeof(a->cur));
	a->cur.t_ms = start;
	a->cur.min = INFINITY;
	a->cur.max = -INFINITY;
	a->open = true;
	a->has_last = false;
	a->sum = a->weight = a->inc = 0;
	a->dur_ms = 0;
}

static void agg_minmax(struct agg *a, double x)
{
	if (x < a->cur.min)
		a->cur.min = x;
	if (x > a->cur.max)
		a->cur.max = x;
}

/* Step 0: each sample is its own step (the general case would give the same, slower). */
static void agg_sample(struct agg *a, int64_t t, double v)
{
	struct store_point *p;
	double x;

	ALLOC_GROW(a->pts, a->nr + 1, a->alloc);
	p = &a->pts[a->nr++];
	p->t_ms = t;
	p->last = v;
	p->count = 1;
	if (a->kind == STORE_GAUGE) {
		p->min = p->max = p->mean = v;
		p->rate = p->increase = NAN;
	} else if (a->prev_t != NO_TIME) {
		x = v >= a->prev_v ? v - a->prev_v : v;
		p->increase = x;
		p->min = p->max = p->mean = p->rate = x * 1000.0 / (double)(t - a->prev_t);
	} else {
		p->min = p->max = p->mean = p->rate = NAN;
		p->increase = 0;
		p->count = 0;
	}
	a->prev_t = t;
	a->prev_v = v;
}

static void agg_tick(struct agg *a, int64_t t, double v)
{
	double x;

	if (t < a->since || isnan(v)) {
		if (!isnan(v)) {
			a->prev_t = t;
			a->prev_v = v;
		}
		return;
	}
	if (!a->step) {
		agg_sample(a, t, v);
		return;
	}
	agg_open(a, t);
	a->cur.last = v;
	a->has_last = true;
	if (a->kind == STORE_GAUGE) {
		agg_minmax(a, v);
		a->sum += v;
		a->weight++;
		a->cur.count++;
	} else if (a->prev_t != NO_TIME) {
		x = v >= a->prev_v ? v - a->prev_v : v;
		a->inc += x;
		a->dur_ms += t - a->prev_t;
		agg_minmax(a, x * 1000.0 / (double)(t - a->prev_t));
		a->cur.count++;
	}
	a->prev_t = t;
	a->prev_v = v;
}

static int agg_rollup(void *ctx, int64_t t, const double v[RS_NR])
{
	struct agg *a = ctx;
	int64_t bucket = store_bucket_ms(a->tier);
	double w = v[RS_COUNT] >= 1 ? v[RS_COUNT] : 1;

	if (t >= a->until)
		return 1;
	if (t + bucket <= a->since) {
		if (a->kind == STORE_COUNTER && !isnan(v[RS_LAST])) {
			a->prev_last_t = t;
			a->prev_last = v[RS_LAST];
		}
		return 0;
	}
	agg_open(a, t);
	if (!isnan(v[RS_MIN]))
		agg_minmax(a, v[RS_MIN]);
	if (!isnan(v[RS_MAX]))
		agg_minmax(a, v[RS_MAX]);
	if (!isnan(v[RS_LAST])) {
		a->cur.last = v[RS_LAST];
		a->has_last = true;
	}
	if (!isnan(v[RS_COUNT]) && v[RS_COUNT] > 0)
		a->cur.count += (uint32_t)v[RS_COUNT];
	if (isnan(v[RS_MEAN]))
		return 0;
	if (a->kind == STORE_GAUGE) {
		a->sum += v[RS_MEAN] * w;
		a->weight += w;
	} else if (a->prev_last_t != NO_TIME && !isnan(v[RS_LAST])) {
		/*
		 * The raw counters of two buckets: exact whatever the buckets covered (an
		 * import of sar's 10-minute samples is one point in ten minutes).
		 */
		a->inc += v[RS_LAST] >= a->prev_last ? v[RS_LAST] - a->prev_last : v[RS_LAST];
		a->dur_ms += t - a->prev_last_t;
	} else {
		a->inc += v[RS_MEAN] * (double)bucket / 1000.0;
		a->dur_ms += bucket;
	}
	if (a->kind == STORE_COUNTER && !isnan(v[RS_LAST])) {
		a->prev_last_t = t;
		a->prev_last = v[RS_LAST];
	}
	if (!a->cur.count)
		a->cur.count = 1; /* an imported point without a count */
	return 0;
}

static int agg_chunk(struct agg *a, const void *data, size_t len)
{
	struct chunk_dec d;
	int64_t t;
	double v;
	int rc;

	if (a->tier != STORE_TIER_TICK) {
		rc = rollup_decode(data, len, agg_rollup, a);
		return rc < 0 ? -EPROTO : 0;
	}
	if (chunk_dec_init(&d, data, len))
		return -EPROTO;
	if (!a->step) /* at most one point a sample: grow once */
		ALLOC_GROW(a->pts, a->nr + chunk_dec_count(&d), a->alloc);
	while ((rc = chunk_dec_next(&d, &t, &v)) == 1) {
		if (t >= a->until)
			return 0;
		agg_tick(a, t, v);
	}
	return rc;
}

/* Reads the chunks of one series that overlap the range into a->pts. */
static int query_series(struct store *st, struct agg *a, int64_t id, struct strbuf *err)
{
	sqlite3_stmt *q = store_stmt(st, SQL_CHUNK_RANGE);
	int rc, ret = 0;

	if (!q)
		return store_sql_error(st, sqlite3_errcode(st->db), err, "read");
	sqlite3_bind_int64(q, 1, id);
	sqlite3_bind_int(q, 2, a->tier);
	/* since - 1: a counter's first interval needs the sample before since. */
	sqlite3_bind_int64(q, 3, a->since - 1);
	sqlite3_bind_int64(q, 4, a->until);
	while (!ret && (rc = sqlite3_step(q)) == SQLITE_ROW)
		ret = agg_chunk(a, sqlite3_column_blob(q, 1), (size_t)sqlite3_column_bytes(q, 1));
	sqlite3_reset(q);
	agg_close(a);
	if (ret) {
		strbuf_addf(err, "cannot read '%s': a chunk of series %lld is corrupt", st->path,
			    (long long)id);
		return -EPROTO;
	}
	return rc == SQLITE_DONE ? 0 : store_sql_error(st, rc, err, "read");
}

void store_result_release(struct store_result *res)
{
	for (size_t i = 0; i < res->nr_series; i++) {
		free(res->series[i].info.name);
		free(res->series[i].info.labels);
		free(res->series[i].points);
	}
	free(res->series);
	memset(res, 0, sizeof(*res));
}

static int store_query_snapshot(struct store *st, const struct store_query *q,
				struct store_result *res, struct strbuf *err)
{
	struct store_series_info *info;
	int64_t newest;
	size_t nr;
	int ret;

	memset(res, 0, sizeof(*res));
	if (q->since_ms >= q->until_ms || q->step_ms < 0 || q->tier < STORE_TIER_AUTO ||
	    q->tier >= STORE_NR_TIERS) {
		if (err)
			strbuf_addf(err,
				    "bad query: an empty range, a negative step or no such tier");
		return -EINVAL;
	}
	ret = store_newest(st, &newest);
	if (ret)
		return ret;
	res->tier = store_pick_tier(&st->opt, newest, q->since_ms, q->step_ms, q->tier);
	res->step_ms = q->step_ms;
	if (res->tier != STORE_TIER_TICK && res->step_ms < store_bucket_ms(res->tier))
		res->step_ms = store_bucket_ms(res->tier);
	ret = store_select_series(st, q, &info, &nr, err);
	if (ret) {
		store_series_info_free(info, nr);
		return ret;
	}
	res->series = xcalloc(nr ? nr : 1, sizeof(*res->series));
	res->nr_series = nr;
	for (size_t i = 0; i < nr; i++) {
		struct agg a = {
			.kind = info[i].kind,
			.tier = res->tier,
			.since = q->since_ms,
			.until = q->until_ms,
			.step = res->step_ms,
			.prev_t = NO_TIME,
			.prev_last_t = NO_TIME,
		};

		res->series[i].info = info[i];
		if (!ret)
			ret = query_series(st, &a, info[i].id, err);
		res->series[i].points = a.pts;
		res->series[i].nr_points = a.nr;
	}
	free(info); /* the strings moved to res */
	if (ret)
		store_result_release(res);
	return ret;
}

int store_query(struct store *st, const struct store_query *q, struct store_result *res,
		struct strbuf *err)
{
	bool began = store_read_begin(st);
	int ret = store_query_snapshot(st, q, res, err);

	store_read_end(st, began);
	return ret;
}

int store_list(struct store *st, struct store_series_info **out, size_t *nr, struct strbuf *err)
{
	bool began = store_read_begin(st);
	int ret = store_list_snapshot(st, out, nr, err);

	store_read_end(st, began);
	return ret;
}
