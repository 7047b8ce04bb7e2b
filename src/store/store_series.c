// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The writer's series in memory: a hash by id and by (name, labels), the
 * registration of new series, and the reload of a series' tails (its last
 * chunk of each tier, its last sample, and the rollup bucket in progress,
 * recomputed from the ticks) when it is used after a restart or after it
 * was dropped from memory for being idle.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "store/store_int.h"

static uint64_t key_hash(const char *name, const char *labels)
{
	uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a */

	for (const char *p = name; *p; p++)
		h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
	h = (h ^ 0xff) * 0x100000001b3ULL; /* a byte no name holds separates the two */
	for (const char *p = labels; *p; p++)
		h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
	return h;
}

static size_t id_slot(const struct series_map *m, int64_t id)
{
	uint64_t x = (uint64_t)id * 0x9e3779b97f4a7c15ULL;

	return (size_t)(x >> 32) & (m->cap - 1);
}

void series_map_init(struct series_map *m)
{
	memset(m, 0, sizeof(*m));
}

void series_map_release(struct series_map *m)
{
	free(m->by_id);
	free(m->by_key);
	memset(m, 0, sizeof(*m));
}

static void map_link(struct series_map *m, struct wseries *s)
{
	size_t i = id_slot(m, s->id), k = s->key_hash & (m->cap - 1);

	s->next_id = m->by_id[i];
	m->by_id[i] = s;
	s->next_key = m->by_key[k];
	m->by_key[k] = s;
}

static void map_grow(struct series_map *m)
{
	struct wseries **old = m->by_id;
	size_t old_cap = m->cap;

	m->cap = m->cap ? m->cap * 2 : 256;
	m->by_id = xcalloc(m->cap, sizeof(*m->by_id));
	free(m->by_key);
	m->by_key = xcalloc(m->cap, sizeof(*m->by_key));
	for (size_t i = 0; i < old_cap; i++) {
		struct wseries *s = old[i], *next;

		for (; s; s = next) {
			next = s->next_id;
			map_link(m, s);
		}
	}
	free(old);
}

static void map_add(struct series_map *m, struct wseries *s)
{
	if (m->nr >= m->cap)
		map_grow(m);
	map_link(m, s);
	m->nr++;
}

void series_map_remove(struct series_map *m, struct wseries *s)
{
	struct wseries **p;

	for (p = &m->by_id[id_slot(m, s->id)]; *p != s; p = &(*p)->next_id)
		;
	*p = s->next_id;
	for (p = &m->by_key[s->key_hash & (m->cap - 1)]; *p != s; p = &(*p)->next_key)
		;
	*p = s->next_key;
	m->nr--;
}

struct wseries *series_map_by_id(const struct series_map *m, int64_t id)
{
	struct wseries *s;

	if (!m->cap)
		return NULL;
	for (s = m->by_id[id_slot(m, id)]; s; s = s->next_id)
		if (s->id == id)
			return s;
	return NULL;
}

static struct wseries *map_by_key(const struct series_map *m, uint64_t h, const char *name,
				  const char *labels)
{
	struct wseries *s;

	if (!m->cap)
		return NULL;
	for (s = m->by_key[h & (m->cap - 1)]; s; s = s->next_key)
		if (s->key_hash == h && !strcmp(s->name, name) && !strcmp(s->labels, labels))
			return s;
	return NULL;
}

static struct wseries *wseries_new(struct store *st, int64_t id, const char *name,
				   const char *labels, enum store_kind kind)
{
	struct wseries *s = xcalloc(1, sizeof(*s));

	s->id = id;
	s->name = xstrdup(name);
	s->labels = xstrdup(labels);
	s->kind = kind;
	s->key_hash = key_hash(name, labels);
	s->dirty_first = s->dirty_last = s->last_t = s->last_vt = NO_TIME;
	s->last_v = NAN;
	s->touched_ms = st->now_ms;
	for (int t = 0; t < STORE_NR_TIERS; t++) {
		for (int i = 0; i < RS_NR; i++)
			chunk_enc_init(&s->tier[t].enc[i]);
		s->tier[t].block = NO_TIME;
		rollup_acc_reset(&s->tier[t].acc, NO_TIME);
	}
	map_add(&st->map, s);
	return s;
}

void store_wseries_free(struct wseries *s)
{
	for (int t = 0; t < STORE_NR_TIERS; t++)
		for (int i = 0; i < RS_NR; i++)
			chunk_enc_release(&s->tier[t].enc[i]);
	free(s->name);
	free(s->labels);
	free(s);
}

static int64_t column_time(sqlite3_stmt *s, int col)
{
	return sqlite3_column_type(s, col) == SQLITE_NULL ? NO_TIME : sqlite3_column_int64(s, col);
}

/* Finds (name, labels) in the database: 1 with its columns set, 0 absent, or an error. */
static int find_row(struct store *st, const char *name, const char *labels, int64_t *id, int *kind,
		    int64_t *first_ms, int64_t *last_ms)
{
	sqlite3_stmt *s = store_stmt(st, SQL_SERIES_BY_KEY);
	int rc;

	if (!s)
		return store_sql_error(st, sqlite3_errcode(st->db), NULL, "read");
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, labels, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(s, 0);
		*kind = sqlite3_column_int(s, 1);
		*first_ms = column_time(s, 2);
		*last_ms = column_time(s, 3);
	}
	sqlite3_reset(s);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : store_sql_error(st, rc, NULL, "read");
}

int store_series(struct store *st, const char *name, const char *labels, enum store_kind kind,
		 int64_t *id)
{
	int64_t first_ms = 0, last_ms = 0; /* find_row() sets them when it returns 1 */
	struct wseries *s;
	int ret, db_kind = -1;

	if (!name || !*name || !labels || (kind != STORE_GAUGE && kind != STORE_COUNTER))
		return -EINVAL;
	s = map_by_key(&st->map, key_hash(name, labels), name, labels);
	if (s) {
		*id = s->id;
		s->touched_ms = st->now_ms;
		return s->kind == kind ? 0 : -EINVAL;
	}
	if (labels_validate(labels, strlen(labels)) != 0)
		return -EINVAL;
	ret = find_row(st, name, labels, id, &db_kind, &first_ms, &last_ms);
	if (ret < 0)
		return ret;
	if (ret == 1 && db_kind != (int)kind)
		return -EINVAL;
	if (st->mode != STORE_WRITE)
		return ret == 1 ? 0 : -ENOENT;
	if (ret == 0) {
		*id = st->next_id++;
		s = wseries_new(st, *id, name, labels, kind);
		s->loaded = true; /* nothing stored to reload */
		return 0;
	}
	s = wseries_new(st, *id, name, labels, kind);
	s->in_db = true;
	s->last_t = last_ms;
	(void)first_ms;
	return 0;
}

/* The writer's series for id, brought back from the database when it is not in memory. */
struct wseries *store_wseries(struct store *st, int64_t id)
{
	struct wseries *s = series_map_by_id(&st->map, id);
	sqlite3_stmt *q;

	if (s)
		return s;
	q = store_stmt(st, SQL_SERIES_BY_ID);
	if (!q)
		return NULL;
	sqlite3_bind_int64(q, 1, id);
	if (sqlite3_step(q) == SQLITE_ROW) {
		s = wseries_new(st, id, (const char *)sqlite3_column_text(q, 0),
				(const char *)sqlite3_column_text(q, 1), sqlite3_column_int(q, 2));
		s->in_db = true;
		s->last_t = column_time(q, 4);
	}
	sqlite3_reset(q);
	return s;
}

struct tick_tail {
	struct store *st;
	struct wseries *s;
	int64_t from[STORE_NR_TIERS]; /* rollup tiers: feed ticks from here on */
	int64_t prev_t;
	double prev_v;
};

/* Re-feeds the rollups with the ticks of one stored chunk; keeps the last as the series' last. */
static int refeed_chunk(struct tick_tail *tt, const void *data, size_t len)
{
	struct chunk_dec d;
	int64_t t;
	double v;
	int rc;

	if (chunk_dec_init(&d, data, len) != 0)
		return -EPROTO;
	while ((rc = chunk_dec_next(&d, &t, &v)) == 1) {
		for (int k = STORE_TIER_MINUTE; k < STORE_NR_TIERS; k++)
			if (tt->from[k] != NO_TIME && t >= tt->from[k])
				rollup_feed(tt->st, tt->s, t, v, tt->prev_v, tt->prev_t, k);
		if (!isnan(v)) {
			tt->prev_t = t;
			tt->prev_v = v;
		}
	}
	return rc;
}

/* Reopens the last tick chunk as the open one; *tick_last is its last sample's time. */
static int load_tick_tail(struct store *st, struct wseries *s, int64_t *tick_last)
{
	struct tier_chunk *tc = &s->tier[STORE_TIER_TICK];
	sqlite3_stmt *q = store_stmt(st, SQL_CHUNK_LAST);
	struct chunk_dec d;
	int64_t t;
	double v;
	int rc;

	*tick_last = NO_TIME;
	if (!q)
		return -EIO;
	sqlite3_bind_int64(q, 1, s->id);
	sqlite3_bind_int(q, 2, STORE_TIER_TICK);
	rc = sqlite3_step(q);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(q);
		return rc == SQLITE_DONE ? 0 : -EIO;
	}
	rc = chunk_dec_init(&d, sqlite3_column_blob(q, 2), (size_t)sqlite3_column_bytes(q, 2));
	while (rc == 0 && (rc = chunk_dec_next(&d, &t, &v)) == 1) {
		rc = chunk_enc_add(&tc->enc[0], t, v);
		if (!isnan(v)) {
			s->last_v = v;
			s->last_vt = t;
		}
		*tick_last = t;
		if (s->last_t == NO_TIME || t > s->last_t)
			s->last_t = t;
	}
	sqlite3_reset(q);
	if (rc < 0) {
		/* Unreadable: it stays on disk as it is, and a new chunk starts. */
		chunk_enc_release(&tc->enc[0]);
		s->last_v = NAN;
		s->last_vt = NO_TIME;
		return 0;
	}
	if (chunk_enc_count(&tc->enc[0])) {
		tc->block = store_floor(chunk_enc_first_t(&tc->enc[0]),
					st->opt.block_ms[STORE_TIER_TICK]);
		tc->nr_committed = (uint32_t)chunk_enc_count(&tc->enc[0]);
	}
	return 0;
}

struct rollup_tail {
	struct tier_chunk *tc;
	int64_t below; /* keep the points before this time */
	int err;
};

static int keep_point(void *ctx, int64_t t, const double v[RS_NR])
{
	struct rollup_tail *rt = ctx;

	if (t >= rt->below)
		return 0;
	for (int i = 0; i < RS_NR && !rt->err; i++)
		rt->err = chunk_enc_add(&rt->tc->enc[i], t, v[i]);
	return rt->err;
}

/*
 * Reopens the last chunk of rollup tier k.  Its last point may have been
 * written while its bucket was in progress (at a close): when ticks cover
 * it, it is left out and *from says to rebuild it from the ticks.
 */
static int load_rollup_tail(struct store *st, struct wseries *s, int k, int64_t tick_last,
			    int64_t *from)
{
	struct tier_chunk *tc = &s->tier[k];
	sqlite3_stmt *q = store_stmt(st, SQL_CHUNK_LAST);
	struct rollup_tail rt = { .tc = tc, .below = INT64_MAX };
	int64_t bucket = store_bucket_ms(k), last = NO_TIME;
	int rc;

	*from = NO_TIME;
	if (!q)
		return -EIO;
	sqlite3_bind_int64(q, 1, s->id);
	sqlite3_bind_int(q, 2, k);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		last = sqlite3_column_int64(q, 1);
		if (tick_last != NO_TIME && tick_last >= last)
			rt.below = last;
		if (rollup_decode(sqlite3_column_blob(q, 2), (size_t)sqlite3_column_bytes(q, 2),
				  keep_point, &rt) < 0 ||
		    rt.err) {
			for (int i = 0; i < RS_NR; i++)
				chunk_enc_release(&tc->enc[i]);
			rt.below = INT64_MAX;
		}
	}
	sqlite3_reset(q);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return -EIO;
	if (chunk_enc_count(&tc->enc[0])) {
		tc->block = store_floor(chunk_enc_first_t(&tc->enc[0]), st->opt.block_ms[k]);
		tc->nr_committed = (uint32_t)chunk_enc_count(&tc->enc[0]);
	}
	if (tick_last == NO_TIME)
		return 0;
	if (rt.below != INT64_MAX)
		*from = rt.below;
	else if (last == NO_TIME)
		/* Ticks never rolled up (a crash in the first minutes, or imported ones). */
		*from = store_floor(tick_last - 2 * bucket, bucket);
	else if (last < tick_last)
		*from = last + bucket;
	return 0;
}

static int refeed(struct store *st, struct tick_tail *tt)
{
	int64_t from = INT64_MAX;
	sqlite3_stmt *q;
	int rc, ret = 0;

	for (int k = STORE_TIER_MINUTE; k < STORE_NR_TIERS; k++)
		if (tt->from[k] != NO_TIME && tt->from[k] < from)
			from = tt->from[k];
	if (from == INT64_MAX)
		return 0;
	q = store_stmt(st, SQL_CHUNK_RANGE);
	if (!q)
		return -EIO;
	sqlite3_bind_int64(q, 1, tt->s->id);
	sqlite3_bind_int(q, 2, STORE_TIER_TICK);
	sqlite3_bind_int64(q, 3, from);
	sqlite3_bind_int64(q, 4, INT64_MAX);
	while (!ret && (rc = sqlite3_step(q)) == SQLITE_ROW)
		ret = refeed_chunk(tt, sqlite3_column_blob(q, 1),
				   (size_t)sqlite3_column_bytes(q, 1)) < 0;
	sqlite3_reset(q);
	return ret || rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -EIO;
}

int store_series_load(struct store *st, struct wseries *s)
{
	struct tick_tail tt = { .st = st, .s = s, .prev_t = NO_TIME, .prev_v = NAN };
	int64_t tick_last;
	int ret;

	if (s->loaded)
		return 0;
	ret = load_tick_tail(st, s, &tick_last);
	tt.from[STORE_TIER_TICK] = NO_TIME;
	for (int k = STORE_TIER_MINUTE; k < STORE_NR_TIERS && !ret; k++)
		ret = load_rollup_tail(st, s, k, tick_last, &tt.from[k]);
	if (!ret)
		ret = refeed(st, &tt);
	if (ret)
		return ret;
	s->loaded = true;
	return 0;
}
