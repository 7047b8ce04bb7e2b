// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Retention per tier and the size cap, run inside the flush's transaction.
 * "Now" is the newest sample time the writer has seen, so a recording
 * replayed faster than real time (or imported) ages by its own clock.
 */
#include <errno.h>
#include <stdlib.h>

#include "base/xalloc.h"
#include "store/store_int.h"

/*
 * Bounds of one flush's share: a lowered retention or cap takes a few
 * flushes, and no flush gets slow.
 */
#define MAX_DELETED_CHUNKS 8192
#define MAX_VACUUM_PAGES   1024
#define STR_(x)		   #x
#define STR(x)		   STR_(x)

struct id_list {
	int64_t *v;
	size_t nr, alloc;
};

static int delete_chunks(struct store *st, const char *sql, int tier, int64_t arg,
			 struct id_list *ids, struct strbuf *err)
{
	sqlite3_stmt *q;
	int rc;

	rc = sqlite3_prepare_v2(st->db, sql, -1, &q, NULL);
	if (rc != SQLITE_OK)
		return store_sql_error(st, rc, err, "expire data in");
	sqlite3_bind_int(q, 1, tier);
	sqlite3_bind_int64(q, 2, arg);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		ALLOC_GROW(ids->v, ids->nr + 1, ids->alloc);
		ids->v[ids->nr++] = sqlite3_column_int64(q, 0);
	}
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? 0 : store_sql_error(st, rc, err, "expire data in");
}

static int cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/*
 * Series that lost chunks: their first_ms moves up; one left with no data
 * and not in use by this writer goes, with its baselines.
 */
static int fix_series(struct store *st, struct id_list *ids, struct strbuf *err)
{
	static const char *const sql[] = {
		"UPDATE series SET first_ms = (SELECT min(first_ms) FROM chunk WHERE series_id = ?1)"
		" WHERE id = ?1",
		"DELETE FROM series WHERE id = ?1 AND first_ms IS NULL",
		"DELETE FROM baseline WHERE series_id = ?1 AND NOT EXISTS"
		" (SELECT 1 FROM series WHERE id = ?1)",
	};
	sqlite3_stmt *q[3] = { NULL };
	int rc = SQLITE_OK, ret = 0;

	qsort(ids->v, ids->nr, sizeof(*ids->v), cmp_id);
	for (int i = 0; i < 3 && rc == SQLITE_OK; i++)
		rc = sqlite3_prepare_v2(st->db, sql[i], -1, &q[i], NULL);
	for (size_t k = 0; k < ids->nr && rc == SQLITE_OK; k++) {
		if (k && ids->v[k] == ids->v[k - 1])
			continue;
		for (int i = 0; i < 3 && rc == SQLITE_OK; i++) {
			if (i && series_map_by_id(&st->map, ids->v[k]))
				break;
			sqlite3_bind_int64(q[i], 1, ids->v[k]);
			rc = sqlite3_step(q[i]);
			rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
			sqlite3_reset(q[i]);
		}
	}
	if (rc != SQLITE_OK)
		ret = store_sql_error(st, rc, err, "expire data in");
	for (int i = 0; i < 3; i++)
		sqlite3_finalize(q[i]);
	ids->nr = 0;
	return ret;
}

int store_int64(struct store *st, const char *sql, int64_t *out, int64_t none)
{
	sqlite3_stmt *s;
	int rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);

	*out = none;
	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL)
		*out = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Bytes the data takes: the file's pages less the free ones. */
static int used_bytes(struct store *st, int64_t *used, int64_t *nr_free, int64_t *nr_pages)
{
	int64_t page_size = 4096;
	int rc;

	rc = store_int64(st, "PRAGMA page_count", nr_pages, 0);
	if (rc == SQLITE_OK)
		rc = store_int64(st, "PRAGMA freelist_count", nr_free, 0);
	if (rc == SQLITE_OK)
		rc = store_int64(st, "PRAGMA page_size", &page_size, 4096);
	*used = (*nr_pages - *nr_free) * page_size;
	return rc;
}

/*
 * The tier whose oldest chunk is the oldest relative to the tier's own
 * retention, so the cap shrinks every tier's span by the same fraction;
 * -1 when only chunks of the newest block are left.
 */
static int pick_victim(struct store *st, int *tier)
{
	static const char *const sql[STORE_NR_TIERS] = {
		"SELECT min(last_ms) FROM chunk WHERE tier = 0",
		"SELECT min(last_ms) FROM chunk WHERE tier = 1",
		"SELECT min(last_ms) FROM chunk WHERE tier = 2",
	};
	double best = -1, score;
	int64_t oldest;
	int rc;

	*tier = -1;
	for (int k = 0; k < STORE_NR_TIERS; k++) {
		rc = store_int64(st, sql[k], &oldest, NO_TIME);
		if (rc != SQLITE_OK)
			return rc;
		if (oldest == NO_TIME || oldest >= st->now_ms - st->opt.block_ms[k])
			continue;
		/* A tier kept for ever counts as kept for 100 years. */
		score = (double)(st->now_ms - oldest) /
			(st->opt.retention_ms[k] > 0 ? (double)st->opt.retention_ms[k] : 3.2e12);
		if (score > best) {
			best = score;
			*tier = k;
		}
	}
	return SQLITE_OK;
}

static int enforce_cap(struct store *st, struct id_list *ids, struct strbuf *err)
{
	int64_t used, nr_free, nr_pages, nr_chunks, batch, deleted = 0;
	int rc, tier, ret = 0;

	rc = used_bytes(st, &used, &nr_free, &nr_pages);
	if (rc == SQLITE_OK && (uint64_t)used > st->opt.size_cap_bytes)
		rc = store_int64(st, "SELECT count(*) FROM chunk", &nr_chunks, 0);
	while (rc == SQLITE_OK && !ret && deleted < MAX_DELETED_CHUNKS) {
		if ((uint64_t)used <= st->opt.size_cap_bytes || nr_chunks <= 0)
			break;
		rc = pick_victim(st, &tier);
		if (rc != SQLITE_OK || tier < 0)
			break;
		/* Enough chunks of the average size to get 1/64 below the cap. */
		batch = (used - (int64_t)(st->opt.size_cap_bytes - st->opt.size_cap_bytes / 64)) /
				(used / nr_chunks + 1) +
			1;
		if (batch > MAX_DELETED_CHUNKS - deleted)
			batch = MAX_DELETED_CHUNKS - deleted;
		deleted += batch;
		ret = delete_chunks(
			st,
			"DELETE FROM chunk WHERE rowid IN (SELECT rowid FROM chunk"
			" WHERE tier = ?1 ORDER BY last_ms LIMIT ?2) RETURNING series_id",
			tier, batch, ids, err);
		st->health.chunks_evicted += (uint64_t)ids->nr;
		if (!ret)
			ret = fix_series(st, ids, err);
		if (!ret)
			rc = used_bytes(st, &used, &nr_free, &nr_pages);
	}
	if (rc != SQLITE_OK)
		return store_sql_error(st, rc, err, "enforce the size cap of");
	return ret;
}

/* Gives free pages back to the file system, a bounded amount per flush. */
static int vacuum_step(struct store *st, struct strbuf *err)
{
	int64_t used, nr_free, nr_pages, n;
	struct strbuf sql = STRBUF_INIT;
	int rc, ret = 0;

	rc = used_bytes(st, &used, &nr_free, &nr_pages);
	if (rc != SQLITE_OK)
		return store_sql_error(st, rc, err, "vacuum");
	/* Keep a little free space to reuse. */
	n = nr_free - nr_pages / 32;
	if (n < 16)
		return 0;
	strbuf_addf(&sql, "PRAGMA incremental_vacuum(%lld)",
		    (long long)(n > MAX_VACUUM_PAGES ? MAX_VACUUM_PAGES : n));
	ret = store_exec(st, sql.buf, err, "vacuum");
	strbuf_release(&sql);
	return ret;
}

int store_retain(struct store *st, struct strbuf *err)
{
	struct id_list ids = { 0 };
	int ret = 0;

	if (st->now_ms == NO_TIME)
		return 0;
	for (int k = 0; k < STORE_NR_TIERS && !ret; k++) {
		if (st->opt.retention_ms[k] <= 0)
			continue;
		ret = delete_chunks(st,
				    "DELETE FROM chunk WHERE rowid IN (SELECT rowid FROM chunk"
				    " WHERE tier = ?1 AND last_ms < ?2 LIMIT " STR(
					    MAX_DELETED_CHUNKS) ") RETURNING series_id",
				    k, st->now_ms - st->opt.retention_ms[k], &ids, err);
	}
	if (!ret && ids.nr)
		ret = fix_series(st, &ids, err);
	if (!ret && st->opt.size_cap_bytes)
		ret = enforce_cap(st, &ids, err);
	if (!ret)
		ret = vacuum_step(st, err);
	free(ids.v);
	return ret;
}
