// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The write path: samples into open chunks, rollup buckets, closed chunks
 * waiting for a flush, the backlog bound, and the flush's one transaction.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/xalloc.h"
#include "store/store_int.h"

void rollup_acc_reset(struct rollup_acc *a, int64_t bucket)
{
	memset(a, 0, sizeof(*a));
	a->bucket = bucket;
	a->min = INFINITY;
	a->max = -INFINITY;
	a->last = NAN;
}

static void tier_reset(struct tier_chunk *tc)
{
	for (int i = 0; i < RS_NR; i++) {
		chunk_enc_release(&tc->enc[i]);
		chunk_enc_init(&tc->enc[i]);
	}
	tc->block = NO_TIME;
	tc->dirty = false;
	tc->nr_committed = 0;
}

static void tier_emit(const struct tier_chunk *tc, int tier, struct strbuf *out)
{
	if (tier == STORE_TIER_TICK)
		chunk_enc_emit(&tc->enc[0], out);
	else
		rollup_emit(tc->enc, out);
}

/* Moves the open chunk of a tier to the pending list when it holds unwritten points. */
static void tier_close(struct store *st, struct wseries *s, int tier)
{
	struct tier_chunk *tc = &s->tier[tier];
	size_t nr = chunk_enc_count(&tc->enc[0]);
	struct pending_chunk *p;
	struct strbuf blob = STRBUF_INIT;

	if (nr && (tc->dirty || tc->nr_committed < nr)) {
		ALLOC_GROW(st->pending, st->nr_pending + 1, st->alloc_pending);
		p = &st->pending[st->nr_pending++];
		p->series_id = s->id;
		p->tier = tier;
		p->first_ms = chunk_enc_first_t(&tc->enc[0]);
		p->last_ms = chunk_enc_last_t(&tc->enc[0]);
		p->nr = (uint32_t)nr;
		p->nr_committed = tc->nr_committed;
		tier_emit(tc, tier, &blob);
		p->blob = strbuf_detach(&blob, &p->blob_len);
	}
	tier_reset(tc);
}

static void note_range(struct wseries *s, int64_t t)
{
	if (s->dirty_first == NO_TIME || t < s->dirty_first)
		s->dirty_first = t;
	if (s->dirty_last == NO_TIME || t > s->dirty_last)
		s->dirty_last = t;
}

/* Appends one point (RS_NR values for rollups) to a tier, cutting the chunk at block ends. */
static int tier_append(struct store *st, struct wseries *s, int tier, int64_t t, const double *v)
{
	struct tier_chunk *tc = &s->tier[tier];
	int64_t block = store_floor(t, st->opt.block_ms[tier]);
	int nr = tier == STORE_TIER_TICK ? 1 : RS_NR;
	int ret;

	if (tc->block != NO_TIME && tc->block != block)
		tier_close(st, s, tier);
	ret = chunk_enc_add(&tc->enc[0], t, v[0]);
	if (ret)
		return ret;
	for (int i = 1; i < nr; i++)
		chunk_enc_add(&tc->enc[i], t, v[i]); /* same times: cannot fail */
	tc->block = block;
	tc->dirty = true;
	note_range(s, t);
	st->health.backlog_samples++;
	return 0;
}

static void finish_bucket(struct store *st, struct wseries *s, int tier)
{
	struct rollup_acc *a = &s->tier[tier].acc;
	double v[RS_NR];

	if (a->count || a->has_last) {
		v[RS_MIN] = a->count ? a->min : NAN;
		v[RS_MAX] = a->count ? a->max : NAN;
		if (s->kind == STORE_COUNTER)
			v[RS_MEAN] = a->dur_ms > 0 ? a->sum * 1000.0 / (double)a->dur_ms : NAN;
		else
			v[RS_MEAN] = a->count ? a->sum / a->count : NAN;
		v[RS_LAST] = a->has_last ? a->last : NAN;
		v[RS_COUNT] = a->count;
		tier_append(st, s, tier, a->bucket, v);
	}
	rollup_acc_reset(a, NO_TIME);
}

/*
 * Feeds one tick to the bucket in progress of a rollup tier.  prev_t/prev_v
 * are the series' previous sample that has a value (counters' intervals).
 */
void rollup_feed(struct store *st, struct wseries *s, int64_t t, double v, double prev_v,
		 int64_t prev_t, int tier)
{
	struct tier_chunk *tc = &s->tier[tier];
	struct rollup_acc *a = &tc->acc;
	int64_t bucket = store_floor(t, store_bucket_ms(tier));
	double x;

	if (a->bucket != NO_TIME && a->bucket != bucket)
		finish_bucket(st, s, tier);
	if (a->bucket == NO_TIME) {
		/* A bucket already rolled up (finished by time while this series lagged). */
		if (chunk_enc_count(&tc->enc[0]) && bucket <= chunk_enc_last_t(&tc->enc[0]))
			return;
		rollup_acc_reset(a, bucket);
	}
	if (isnan(v))
		return;
	a->last = v;
	a->has_last = true;
	if (s->kind == STORE_GAUGE) {
		x = v;
		a->sum += v;
	} else {
		if (prev_t == NO_TIME || isnan(prev_v) || t <= prev_t)
			return;
		x = v >= prev_v ? v - prev_v : v; /* below the previous one: a reset */
		a->sum += x;
		a->dur_ms += t - prev_t;
		x = x * 1000.0 / (double)(t - prev_t);
	}
	if (x < a->min)
		a->min = x;
	if (x > a->max)
		a->max = x;
	a->count++;
}

/* No sample for the idle time: the series leaves memory at this flush. */
static bool idle_for(const struct store *st, const struct wseries *s)
{
	return s->touched_ms != NO_TIME && st->now_ms - s->touched_ms > st->opt.idle_ms;
}

/*
 * Finishes the buckets whose time is over (all: every one, at close), and
 * those of idle series, as at a close: a series that comes back reloads the
 * partial point's ticks (store_series_load()).
 */
void store_finish_buckets(struct store *st, bool all)
{
	for (size_t i = 0; i < st->map.cap; i++) {
		for (struct wseries *s = st->map.by_id[i]; s; s = s->next_id) {
			for (int k = STORE_TIER_MINUTE; k < STORE_NR_TIERS; k++) {
				struct rollup_acc *a = &s->tier[k].acc;

				if (a->bucket != NO_TIME &&
				    (all || st->now_ms >= a->bucket + store_bucket_ms(k) ||
				     idle_for(st, s)))
					finish_bucket(st, s, k);
			}
		}
	}
}

/* Beyond the bound, the oldest closed chunks that wait for a flush are dropped. */
static void enforce_backlog(struct store *st)
{
	size_t i, kept;

	for (i = 0; i < st->nr_pending; i++) {
		struct pending_chunk *p = &st->pending[i];
		uint64_t lost = p->nr - p->nr_committed;

		if (st->health.backlog_samples <= st->opt.backlog_max_samples)
			break;
		st->health.backlog_samples -=
			lost < st->health.backlog_samples ? lost : st->health.backlog_samples;
		st->health.samples_dropped += lost;
		free(p->blob);
	}
	/* The dropped ones were the first i. */
	kept = st->nr_pending - i;
	memmove(st->pending, st->pending + i, kept * sizeof(*st->pending));
	st->nr_pending = kept;
}

int store_add(struct store *st, int64_t id, int64_t t_ms, double v)
{
	struct wseries *s;
	int ret;

	if (st->mode != STORE_WRITE)
		return -EROFS;
	s = store_wseries(st, id);
	if (!s)
		return -ENOENT;
	ret = store_series_load(st, s);
	if (ret)
		return ret;
	if (s->last_t != NO_TIME && t_ms <= s->last_t) {
		st->health.samples_refused++;
		return -EINVAL;
	}
	ret = tier_append(st, s, STORE_TIER_TICK, t_ms, &v);
	if (ret) {
		st->health.samples_refused++;
		return ret;
	}
	for (int k = STORE_TIER_MINUTE; k < STORE_NR_TIERS; k++)
		rollup_feed(st, s, t_ms, v, s->last_v, s->last_vt, k);
	s->last_t = t_ms;
	if (!isnan(v)) {
		s->last_v = v;
		s->last_vt = t_ms;
	}
	s->touched_ms = t_ms;
	if (st->now_ms == NO_TIME || t_ms > st->now_ms)
		st->now_ms = t_ms;
	if (st->health.backlog_samples > st->opt.backlog_max_samples)
		enforce_backlog(st);
	return 0;
}

static int upsert_chunk(struct store *st, int64_t id, int tier, int64_t first, int64_t last,
			uint32_t nr, const void *blob, size_t len, struct strbuf *err)
{
	sqlite3_stmt *q = store_stmt(st, SQL_CHUNK_UPSERT);
	int rc;

	if (!q)
		return store_sql_error(st, sqlite3_errcode(st->db), err, "write");
	sqlite3_bind_int64(q, 1, id);
	sqlite3_bind_int(q, 2, tier);
	sqlite3_bind_int64(q, 3, first);
	sqlite3_bind_int64(q, 4, last);
	sqlite3_bind_int64(q, 5, nr);
	sqlite3_bind_blob64(q, 6, blob, len, SQLITE_STATIC);
	rc = sqlite3_step(q);
	sqlite3_reset(q);
	return rc == SQLITE_DONE ? 0 : store_sql_error(st, rc, err, "write");
}

static int write_series_row(struct store *st, struct wseries *s, struct strbuf *err)
{
	sqlite3_stmt *q;
	int rc;

	if (!s->in_db) {
		q = store_stmt(st, SQL_SERIES_INSERT);
		if (!q)
			return store_sql_error(st, sqlite3_errcode(st->db), err, "write");
		sqlite3_bind_int64(q, 1, s->id);
		sqlite3_bind_text(q, 2, s->name, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 3, s->labels, -1, SQLITE_STATIC);
		sqlite3_bind_int(q, 4, s->kind);
	} else if (s->dirty_first != NO_TIME) {
		q = store_stmt(st, SQL_SERIES_RANGE);
		if (!q)
			return store_sql_error(st, sqlite3_errcode(st->db), err, "write");
		sqlite3_bind_int64(q, 1, s->id);
	} else {
		return 0;
	}
	if (s->dirty_first != NO_TIME) {
		sqlite3_bind_int64(q, s->in_db ? 2 : 5, s->dirty_first);
		sqlite3_bind_int64(q, s->in_db ? 3 : 6, s->dirty_last);
	}
	rc = sqlite3_step(q);
	sqlite3_reset(q);
	return rc == SQLITE_DONE ? 0 : store_sql_error(st, rc, err, "write");
}

static int write_series(struct store *st, struct wseries *s, struct strbuf *err)
{
	int ret = write_series_row(st, s, err);

	for (int k = 0; k < STORE_NR_TIERS && !ret; k++) {
		struct tier_chunk *tc = &s->tier[k];

		if (!tc->dirty)
			continue;
		tier_emit(tc, k, &st->blob);
		ret = upsert_chunk(
			st, s->id, k, chunk_enc_first_t(&tc->enc[0]), chunk_enc_last_t(&tc->enc[0]),
			(uint32_t)chunk_enc_count(&tc->enc[0]), st->blob.buf, st->blob.len, err);
	}
	return ret;
}

static int write_all(struct store *st, struct strbuf *err)
{
	int ret = 0;

	for (size_t i = 0; i < st->nr_pending && !ret; i++) {
		struct pending_chunk *p = &st->pending[i];

		if (p->blob)
			ret = upsert_chunk(st, p->series_id, p->tier, p->first_ms, p->last_ms,
					   p->nr, p->blob, p->blob_len, err);
	}
	for (size_t i = 0; i < st->map.cap && !ret; i++)
		for (struct wseries *s = st->map.by_id[i]; s && !ret; s = s->next_id)
			ret = write_series(st, s, err);
	if (!ret)
		ret = store_import_write(st, err);
	if (!ret)
		ret = store_retain(st, err);
	return ret;
}

static bool is_idle(const struct store *st, const struct wseries *s)
{
	if (s->dirty_first != NO_TIME || !s->in_db)
		return false;
	for (int k = 0; k < STORE_NR_TIERS; k++)
		if (s->tier[k].dirty || s->tier[k].acc.bucket != NO_TIME)
			return false;
	return idle_for(st, s);
}

/* After a commit: everything written is clean; idle series leave memory. */
static void committed(struct store *st)
{
	for (size_t i = 0; i < st->nr_pending; i++)
		free(st->pending[i].blob);
	st->nr_pending = 0;
	for (size_t i = 0; i < st->map.cap; i++) {
		struct wseries *s = st->map.by_id[i], *next;

		for (; s; s = next) {
			next = s->next_id;
			s->in_db = true;
			s->dirty_first = s->dirty_last = NO_TIME;
			for (int k = 0; k < STORE_NR_TIERS; k++) {
				s->tier[k].dirty = false;
				s->tier[k].nr_committed =
					(uint32_t)chunk_enc_count(&s->tier[k].enc[0]);
			}
			if (is_idle(st, s)) {
				series_map_remove(&st->map, s);
				store_wseries_free(s);
			}
		}
	}
	st->health.samples_written += st->health.backlog_samples;
	st->health.backlog_samples = 0;
}

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int store_flush(struct store *st, struct strbuf *err)
{
	int64_t t0 = now_us();
	int ret;

	if (!store_writer_check(st, err))
		return -EROFS;
	store_finish_buckets(st, false);
	ret = store_exec(st, "BEGIN IMMEDIATE", err, "write");
	if (!ret) {
		ret = write_all(st, err);
		if (!ret)
			ret = store_exec(st, "COMMIT", err, "write");
		if (ret && !sqlite3_get_autocommit(st->db))
			sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	}
	st->health.last_flush_us = now_us() - t0;
	if (ret) {
		st->health.flush_errors++;
		st->health.consecutive_errors++;
		st->health.last_error = ret;
		return ret;
	}
	committed(st);
	store_import_release(st);
	st->health.flushes++;
	st->health.consecutive_errors = 0;
	return 0;
}

/* Frees every series in memory (a close). */
void store_drop_memory(struct store *st)
{
	for (size_t i = 0; i < st->map.cap; i++) {
		struct wseries *s = st->map.by_id[i], *next;

		for (; s; s = next) {
			next = s->next_id;
			store_wseries_free(s);
		}
	}
	series_map_release(&st->map);
	for (size_t i = 0; i < st->nr_pending; i++)
		free(st->pending[i].blob);
	free(st->pending);
	st->pending = NULL;
	st->nr_pending = st->alloc_pending = 0;
}
