// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Baselines (computed in analyze/baseline, stored here) and the 1-minute
 * means they are computed from.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "base/xalloc.h"
#include "store/store_int.h"

static int put_rows(struct store *st, int64_t series_id, const struct store_baseline *b, size_t nr)
{
	sqlite3_stmt *del = NULL, *ins = NULL;
	int rc;

	rc = sqlite3_prepare_v2(st->db, "DELETE FROM baseline WHERE series_id = ?1", -1, &del,
				NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(st->db,
					"INSERT INTO baseline (series_id, slot, median, p10, p90,"
					" nr_samples, nr_days, learning, computed_ms)"
					" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
					-1, &ins, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(del, 1, series_id);
		rc = sqlite3_step(del) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(st->db);
	}
	for (size_t i = 0; i < nr && rc == SQLITE_OK; i++) {
		sqlite3_reset(ins);
		sqlite3_bind_int64(ins, 1, series_id);
		sqlite3_bind_int(ins, 2, b[i].slot);
		/* NaN binds as NULL, and reads back as NaN. */
		sqlite3_bind_double(ins, 3, b[i].median);
		sqlite3_bind_double(ins, 4, b[i].p10);
		sqlite3_bind_double(ins, 5, b[i].p90);
		sqlite3_bind_int64(ins, 6, b[i].nr_samples);
		sqlite3_bind_int64(ins, 7, b[i].nr_days);
		sqlite3_bind_int(ins, 8, b[i].learning);
		sqlite3_bind_int64(ins, 9, b[i].computed_ms);
		rc = sqlite3_step(ins) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(st->db);
	}
	sqlite3_finalize(del);
	sqlite3_finalize(ins);
	return rc;
}

int store_baseline_put(struct store *st, int64_t series_id, const struct store_baseline *b,
		       size_t nr, struct strbuf *err)
{
	int rc, ret;

	if (!store_writer_check(st, err))
		return -EROFS;
	ret = store_exec(st, "BEGIN IMMEDIATE", err, "write baselines to");
	if (ret)
		return ret;
	rc = put_rows(st, series_id, b, nr);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		return 0;
	ret = store_sql_error(st, rc, err, "write baselines to");
	if (!sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return ret;
}

static double column_double(sqlite3_stmt *s, int col)
{
	return sqlite3_column_type(s, col) == SQLITE_NULL ? NAN : sqlite3_column_double(s, col);
}

int store_baseline_get(struct store *st, int64_t series_id, struct store_baseline **out, size_t *nr,
		       struct strbuf *err)
{
	struct store_baseline *v = NULL, *b;
	size_t alloc = 0;
	sqlite3_stmt *s;
	int rc;

	*out = NULL;
	*nr = 0;
	rc = sqlite3_prepare_v2(st->db,
				"SELECT slot, median, p10, p90, nr_samples, nr_days, learning,"
				" computed_ms FROM baseline WHERE series_id = ?1 ORDER BY slot",
				-1, &s, NULL);
	if (rc != SQLITE_OK)
		return store_sql_error(st, rc, err, "read baselines from");
	sqlite3_bind_int64(s, 1, series_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		ALLOC_GROW(v, *nr + 1, alloc);
		b = &v[(*nr)++];
		b->slot = (uint16_t)sqlite3_column_int(s, 0);
		b->median = column_double(s, 1);
		b->p10 = column_double(s, 2);
		b->p90 = column_double(s, 3);
		b->nr_samples = (uint32_t)sqlite3_column_int64(s, 4);
		b->nr_days = (uint32_t)sqlite3_column_int64(s, 5);
		b->learning = sqlite3_column_int(s, 6) != 0;
		b->computed_ms = sqlite3_column_int64(s, 7);
	}
	sqlite3_finalize(s);
	*out = v;
	if (rc == SQLITE_DONE)
		return 0;
	free(v);
	*out = NULL;
	*nr = 0;
	return store_sql_error(st, rc, err, "read baselines from");
}

struct means {
	int64_t since, until;
	int64_t *t;
	double *mean;
	size_t nr, alloc;
};

static int add_mean(void *ctx, int64_t t, const double v[RS_NR])
{
	struct means *m = ctx;

	if (t < m->since || t >= m->until)
		return 0;
	if (m->nr == m->alloc) {
		m->alloc = m->alloc ? m->alloc * 2 : 1024;
		m->t = xreallocarray(m->t, m->alloc, sizeof(*m->t));
		m->mean = xreallocarray(m->mean, m->alloc, sizeof(*m->mean));
	}
	m->t[m->nr] = t;
	m->mean[m->nr++] = v[RS_MEAN];
	return 0;
}

static int store_minute_means_snapshot(struct store *st, int64_t series_id, int64_t since_ms,
				       int64_t until_ms, int64_t **t_ms, double **mean, size_t *nr,
				       struct strbuf *err)
{
	struct means m = { .since = since_ms, .until = until_ms };
	sqlite3_stmt *q = store_stmt(st, SQL_CHUNK_RANGE);
	int rc, ret = 0;

	*t_ms = NULL;
	*mean = NULL;
	*nr = 0;
	if (!q)
		return store_sql_error(st, sqlite3_errcode(st->db), err, "read");
	sqlite3_bind_int64(q, 1, series_id);
	sqlite3_bind_int(q, 2, STORE_TIER_MINUTE);
	sqlite3_bind_int64(q, 3, since_ms);
	sqlite3_bind_int64(q, 4, until_ms);
	while (!ret && (rc = sqlite3_step(q)) == SQLITE_ROW)
		ret = rollup_decode(sqlite3_column_blob(q, 1), (size_t)sqlite3_column_bytes(q, 1),
				    add_mean, &m);
	sqlite3_reset(q);
	if (!ret && rc != SQLITE_DONE)
		ret = store_sql_error(st, rc, err, "read");
	else if (ret && err)
		strbuf_addf(err, "cannot read '%s': a chunk of series %lld is corrupt", st->path,
			    (long long)series_id);
	if (ret) {
		free(m.t);
		free(m.mean);
		return ret;
	}
	*t_ms = m.t;
	*mean = m.mean;
	*nr = m.nr;
	return 0;
}

int store_minute_means(struct store *st, int64_t series_id, int64_t since_ms, int64_t until_ms,
		       int64_t **t_ms, double **mean, size_t *nr, struct strbuf *err)
{
	bool began = store_read_begin(st);
	int ret =
		store_minute_means_snapshot(st, series_id, since_ms, until_ms, t_ms, mean, nr, err);

	store_read_end(st, began);
	return ret;
}
