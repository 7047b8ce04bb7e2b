// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Export of raw points (every tier) and import into a given tier.  An
 * import is buffered and merged into the stored chunks of its blocks at the
 * next flush (decode, merge, encode, replace), so points may come in any
 * order and may replace stored ones.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "store/store_int.h"

#define IMPORT_FLUSH_POINTS 262144

static bool import_conflicts(const struct wseries *s, int tier, int64_t block, int64_t bucket)
{
	const struct tier_chunk *tc = &s->tier[tier];

	if (!s->loaded)
		return false;
	return (tc->block != NO_TIME && block >= tc->block) ||
	       (tc->acc.bucket != NO_TIME && bucket >= tc->acc.bucket);
}

int store_import(struct store *st, const char *name, const char *labels, enum store_kind kind,
		 enum store_tier tier, const struct store_sample *smp, struct strbuf *err)
{
	struct import_point *p;
	struct wseries *s;
	int64_t id;
	int ret;

	if (!store_writer_check(st, err))
		return -EROFS;
	if ((int)tier < 0 || tier >= STORE_NR_TIERS) {
		if (err)
			strbuf_addf(err, "no tier %d", (int)tier);
		return -EINVAL;
	}
	ret = store_series(st, name, labels, kind, &id);
	if (ret) {
		if (err)
			strbuf_addf(err, "cannot import into %s{%s}: %s", name ? name : "",
				    labels ? labels : "",
				    ret == -EINVAL ?
					    "bad name or labels, or stored with the other kind" :
					    "cannot read the series");
		return ret;
	}
	s = series_map_by_id(&st->map, id);
	if (s && import_conflicts(s, tier, store_floor(smp->t_ms, st->opt.block_ms[tier]),
				  store_floor(smp->t_ms, store_bucket_ms(tier)))) {
		if (err)
			strbuf_addf(err, "cannot import into %s{%s}: this writer is recording it",
				    name, labels);
		return -EBUSY;
	}
	ALLOC_GROW(st->imports, st->nr_imports + 1, st->alloc_imports);
	p = &st->imports[st->nr_imports++];
	p->series_id = id;
	p->tier = tier;
	p->seq = st->import_seq++;
	p->s = *smp;
	if (!p->s.count)
		p->s.count = 1;
	if (s)
		s->touched_ms = st->now_ms;
	if (st->nr_imports >= IMPORT_FLUSH_POINTS)
		return store_flush(st, err);
	return 0;
}

void store_import_release(struct store *st)
{
	free(st->imports);
	st->imports = NULL;
	st->nr_imports = st->alloc_imports = 0;
}

static int cmp_import(const void *a, const void *b)
{
	const struct import_point *x = a, *y = b;

	if (x->series_id != y->series_id)
		return x->series_id < y->series_id ? -1 : 1;
	if (x->tier != y->tier)
		return x->tier - y->tier;
	if (x->s.t_ms != y->s.t_ms)
		return x->s.t_ms < y->s.t_ms ? -1 : 1;
	return (x->seq > y->seq) - (x->seq < y->seq);
}

/* The merge of one block: stored points first (seq 0), then the imported ones. */
struct merge {
	struct import_point *v;
	size_t nr, alloc;
	int64_t series_id;
	int tier;
	int64_t *rowids;
	size_t nr_rowids, alloc_rowids;
};

static void merge_add(struct merge *m, int64_t t, const struct store_sample *s)
{
	struct import_point *p;

	ALLOC_GROW(m->v, m->nr + 1, m->alloc);
	p = &m->v[m->nr++];
	p->series_id = m->series_id;
	p->tier = m->tier;
	p->seq = 0;
	p->s = *s;
	p->s.t_ms = t;
}

static int merge_rollup(void *ctx, int64_t t, const double v[RS_NR])
{
	struct store_sample s = {
		.min = v[RS_MIN],
		.max = v[RS_MAX],
		.mean = v[RS_MEAN],
		.last = v[RS_LAST],
		.count = isnan(v[RS_COUNT]) || v[RS_COUNT] < 0 ? 0 : (uint32_t)v[RS_COUNT],
	};

	merge_add(ctx, t, &s);
	return 0;
}

static int merge_stored(struct merge *m, const void *data, size_t len)
{
	struct store_sample s = { .count = 1 };
	struct chunk_dec d;
	int64_t t;
	double v;
	int rc;

	if (m->tier != STORE_TIER_TICK)
		return rollup_decode(data, len, merge_rollup, m) < 0 ? -EPROTO : 0;
	if (chunk_dec_init(&d, data, len))
		return -EPROTO;
	while ((rc = chunk_dec_next(&d, &t, &v)) == 1) {
		s.min = s.max = s.mean = s.last = v;
		merge_add(m, t, &s);
	}
	return rc;
}

static int load_block(struct store *st, struct merge *m, int64_t block, struct strbuf *err)
{
	sqlite3_stmt *q = store_stmt(st, SQL_CHUNK_BLOCK);
	int rc, ret = 0;

	if (!q)
		return store_sql_error(st, sqlite3_errcode(st->db), err, "read");
	sqlite3_bind_int64(q, 1, m->series_id);
	sqlite3_bind_int(q, 2, m->tier);
	sqlite3_bind_int64(q, 3, block);
	sqlite3_bind_int64(q, 4, block + st->opt.block_ms[m->tier]);
	while (!ret && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		ALLOC_GROW(m->rowids, m->nr_rowids + 1, m->alloc_rowids);
		m->rowids[m->nr_rowids++] = sqlite3_column_int64(q, 0);
		ret = merge_stored(m, sqlite3_column_blob(q, 1),
				   (size_t)sqlite3_column_bytes(q, 1));
	}
	sqlite3_reset(q);
	if (ret) {
		if (err)
			strbuf_addf(err,
				    "cannot import into '%s': a stored chunk of series %lld is"
				    " corrupt",
				    st->path, (long long)m->series_id);
		return -EPROTO;
	}
	return rc == SQLITE_DONE ? 0 : store_sql_error(st, rc, err, "read");
}

/* Encodes the merged points (the last of equal times wins) and replaces the block's chunks. */
static int write_block(struct store *st, struct merge *m, struct strbuf *err)
{
	struct chunk_enc enc[RS_NR];
	sqlite3_stmt *q;
	int rc = SQLITE_DONE, n = m->tier == STORE_TIER_TICK ? 1 : RS_NR;
	size_t kept = 0;

	qsort(m->v, m->nr, sizeof(*m->v), cmp_import);
	for (int i = 0; i < RS_NR; i++)
		chunk_enc_init(&enc[i]);
	for (size_t i = 0; i < m->nr; i++) {
		const struct store_sample *s = &m->v[i].s;
		double v[RS_NR] = { s->min, s->max, s->mean, s->last, s->count };

		if (i + 1 < m->nr && m->v[i + 1].s.t_ms == s->t_ms)
			continue;
		if (n == 1)
			v[0] = s->last;
		for (int k = 0; k < n; k++)
			chunk_enc_add(&enc[k], s->t_ms, v[k]);
		kept++;
	}
	q = store_stmt(st, SQL_CHUNK_DELETE);
	for (size_t i = 0; q && i < m->nr_rowids && rc == SQLITE_DONE; i++) {
		sqlite3_bind_int64(q, 1, m->rowids[i]);
		rc = sqlite3_step(q);
		sqlite3_reset(q);
	}
	if (n == 1)
		chunk_enc_emit(&enc[0], &st->blob);
	else
		rollup_emit(enc, &st->blob);
	q = q && rc == SQLITE_DONE ? store_stmt(st, SQL_CHUNK_UPSERT) : NULL;
	if (q) {
		sqlite3_bind_int64(q, 1, m->series_id);
		sqlite3_bind_int(q, 2, m->tier);
		sqlite3_bind_int64(q, 3, chunk_enc_first_t(&enc[0]));
		sqlite3_bind_int64(q, 4, chunk_enc_last_t(&enc[0]));
		sqlite3_bind_int64(q, 5, (int64_t)kept);
		sqlite3_bind_blob64(q, 6, st->blob.buf, st->blob.len, SQLITE_STATIC);
		rc = sqlite3_step(q);
		sqlite3_reset(q);
	}
	q = q && rc == SQLITE_DONE ? store_stmt(st, SQL_SERIES_RANGE) : NULL;
	if (q) {
		sqlite3_bind_int64(q, 1, m->series_id);
		sqlite3_bind_int64(q, 2, chunk_enc_first_t(&enc[0]));
		sqlite3_bind_int64(q, 3, chunk_enc_last_t(&enc[0]));
		rc = sqlite3_step(q);
		sqlite3_reset(q);
	}
	for (int i = 0; i < RS_NR; i++)
		chunk_enc_release(&enc[i]);
	if (!q || rc != SQLITE_DONE)
		return store_sql_error(st, q ? rc : sqlite3_errcode(st->db), err, "import into");
	return 0;
}

int store_import_write(struct store *st, struct strbuf *err)
{
	struct merge m = { 0 };
	size_t i = 0, j;
	int ret = 0;

	if (!st->nr_imports)
		return 0;
	qsort(st->imports, st->nr_imports, sizeof(*st->imports), cmp_import);
	while (i < st->nr_imports && !ret) {
		const struct import_point *first = &st->imports[i];
		int64_t len = st->opt.block_ms[first->tier];
		int64_t block = store_floor(first->s.t_ms, len);

		for (j = i + 1; j < st->nr_imports; j++) {
			const struct import_point *p = &st->imports[j];

			if (p->series_id != first->series_id || p->tier != first->tier ||
			    store_floor(p->s.t_ms, len) != block)
				break;
		}
		m.nr = m.nr_rowids = 0;
		m.series_id = first->series_id;
		m.tier = first->tier;
		ret = load_block(st, &m, block, err);
		for (size_t k = i; k < j && !ret; k++) {
			ALLOC_GROW(m.v, m.nr + 1, m.alloc);
			m.v[m.nr] = st->imports[k];
			m.v[m.nr++].seq++; /* after every stored point */
		}
		if (!ret)
			ret = write_block(st, &m, err);
		i = j;
	}
	free(m.v);
	free(m.rowids);
	return ret;
}

struct export_ctx {
	struct store_series_info *info;
	int tier;
	int64_t since, until;
	int (*fn)(void *ctx, const struct store_series_info *info, enum store_tier tier,
		  const struct store_sample *s);
	void *ctx;
};

static int export_rollup(void *ctx, int64_t t, const double v[RS_NR])
{
	struct export_ctx *e = ctx;
	struct store_sample s = {
		.t_ms = t,
		.min = v[RS_MIN],
		.max = v[RS_MAX],
		.mean = v[RS_MEAN],
		.last = v[RS_LAST],
		.count = isnan(v[RS_COUNT]) || v[RS_COUNT] < 0 ? 0 : (uint32_t)v[RS_COUNT],
	};

	if (t < e->since || t >= e->until)
		return 0;
	return e->fn(e->ctx, e->info, e->tier, &s);
}

static int export_chunk(struct export_ctx *e, const void *data, size_t len)
{
	struct store_sample s = { .count = 1 };
	struct chunk_dec d;
	double v;
	int rc;

	if (e->tier != STORE_TIER_TICK) {
		return rollup_decode(data, len, export_rollup, e);
	}
	if (chunk_dec_init(&d, data, len))
		return -EPROTO;
	while ((rc = chunk_dec_next(&d, &s.t_ms, &v)) == 1) {
		if (s.t_ms < e->since || s.t_ms >= e->until)
			continue;
		s.min = s.max = s.mean = s.last = v;
		rc = e->fn(e->ctx, e->info, e->tier, &s);
		if (rc)
			return rc;
	}
	return rc;
}

static int export_series(struct store *st, struct export_ctx *e, struct strbuf *err)
{
	sqlite3_stmt *q = store_stmt(st, SQL_CHUNK_RANGE);
	int rc, ret = 0;

	if (!q)
		return store_sql_error(st, sqlite3_errcode(st->db), err, "read");
	sqlite3_bind_int64(q, 1, e->info->id);
	sqlite3_bind_int(q, 2, e->tier);
	sqlite3_bind_int64(q, 3, e->since);
	sqlite3_bind_int64(q, 4, e->until);
	while (!ret && (rc = sqlite3_step(q)) == SQLITE_ROW)
		ret = export_chunk(e, sqlite3_column_blob(q, 1),
				   (size_t)sqlite3_column_bytes(q, 1));
	sqlite3_reset(q);
	if (ret == -EPROTO && err)
		strbuf_addf(err, "cannot read '%s': a chunk of series %lld is corrupt", st->path,
			    (long long)e->info->id);
	if (ret)
		return ret;
	return rc == SQLITE_DONE ? 0 : store_sql_error(st, rc, err, "read");
}

static int store_export_snapshot(struct store *st, const struct store_query *q,
				 int (*fn)(void *ctx, const struct store_series_info *info,
					   enum store_tier tier, const struct store_sample *s),
				 void *ctx, struct strbuf *err)
{
	struct export_ctx e = { .since = q->since_ms, .until = q->until_ms, .fn = fn, .ctx = ctx };
	struct store_series_info *info = NULL;
	size_t nr = 0;
	int ret;

	ret = store_select_series(st, q, &info, &nr, err);
	for (int k = 0; k < STORE_NR_TIERS && !ret; k++) {
		e.tier = k;
		for (size_t i = 0; i < nr && !ret; i++) {
			e.info = &info[i];
			ret = export_series(st, &e, err);
		}
	}
	store_series_info_free(info, nr);
	return ret;
}

int store_export(struct store *st, const struct store_query *q,
		 int (*fn)(void *ctx, const struct store_series_info *info, enum store_tier tier,
			   const struct store_sample *s),
		 void *ctx, struct strbuf *err)
{
	bool began = store_read_begin(st);
	int ret = store_export_snapshot(st, q, fn, ctx, err);

	store_read_end(st, began);
	return ret;
}
