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
static size_t encode_merged(struct merge *m, struct chunk_enc enc[RS_NR], int n)
{
	size_t kept = 0;

	qsort(m->v, m->nr, sizeof(*m->v), cmp_import);
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
	return kept;
}

static int write_block(struct store *st, struct merge *m, struct strbuf *err)
{
	struct chunk_enc enc[RS_NR];
	sqlite3_stmt *q;
	int rc = SQLITE_DONE, n = m->tier == STORE_TIER_TICK ? 1 : RS_NR;
	size_t kept;

	for (int i = 0; i < RS_NR; i++)
		chunk_enc_init(&enc[i]);
	kept = encode_merged(m, enc, n);
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

/* Merges points (sorted) into the stored chunks, one block at a time. */
static int merge_points(struct store *st, struct import_point *v, size_t nr, struct strbuf *err)
{
	struct merge m = { 0 };
	size_t i = 0, j;
	int ret = 0;

	while (i < nr && !ret) {
		const struct import_point *first = &v[i];
		int64_t len = st->opt.block_ms[first->tier];
		int64_t block = store_floor(first->s.t_ms, len);

		for (j = i + 1; j < nr; j++)
			if (v[j].series_id != first->series_id || v[j].tier != first->tier ||
			    store_floor(v[j].s.t_ms, len) != block)
				break;
		m.nr = m.nr_rowids = 0;
		m.series_id = first->series_id;
		m.tier = first->tier;
		ret = load_block(st, &m, block, err);
		for (size_t k = i; k < j && !ret; k++) {
			ALLOC_GROW(m.v, m.nr + 1, m.alloc);
			m.v[m.nr] = v[k];
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

/* The hour point of a series from its stored minute points (docs/STORE.md, "Imports"). */
struct hour_acc {
	bool counter;
	struct store_sample s;
	double sum, weight;
};

static int hour_add(void *ctx, int64_t t, const double v[RS_NR])
{
	struct hour_acc *h = ctx;
	double w = v[RS_COUNT] >= 1 ? v[RS_COUNT] : 1;

	if (t < h->s.t_ms || t >= h->s.t_ms + store_bucket_ms(STORE_TIER_HOUR))
		return 0;
	if (!isnan(v[RS_MIN]) && !(v[RS_MIN] >= h->s.min))
		h->s.min = v[RS_MIN];
	if (!isnan(v[RS_MAX]) && !(v[RS_MAX] <= h->s.max))
		h->s.max = v[RS_MAX];
	if (!isnan(v[RS_LAST]))
		h->s.last = v[RS_LAST];
	if (!isnan(v[RS_COUNT]) && v[RS_COUNT] > 0)
		h->s.count += (uint32_t)v[RS_COUNT];
	if (!isnan(v[RS_MEAN])) {
		/* A counter's minutes each cover a minute: their rates weigh the same. */
		h->sum += v[RS_MEAN] * (h->counter ? 1 : w);
		h->weight += h->counter ? 1 : w;
	}
	return 0;
}

static int derive_hour(struct store *st, struct import_point *p, struct strbuf *err)
{
	struct hour_acc h = { .s = { .t_ms = p->s.t_ms, .min = NAN, .max = NAN, .last = NAN } };
	sqlite3_stmt *q = store_stmt(st, SQL_SERIES_BY_ID);
	int rc, ret = 0;

	if (!q)
		return store_sql_error(st, sqlite3_errcode(st->db), err, "import into");
	sqlite3_bind_int64(q, 1, p->series_id);
	h.counter = sqlite3_step(q) == SQLITE_ROW && sqlite3_column_int(q, 2) == STORE_COUNTER;
	sqlite3_reset(q);
	q = store_stmt(st, SQL_CHUNK_RANGE);
	if (!q)
		return store_sql_error(st, sqlite3_errcode(st->db), err, "import into");
	sqlite3_bind_int64(q, 1, p->series_id);
	sqlite3_bind_int(q, 2, STORE_TIER_MINUTE);
	sqlite3_bind_int64(q, 3, p->s.t_ms);
	sqlite3_bind_int64(q, 4, p->s.t_ms + store_bucket_ms(STORE_TIER_HOUR));
	while (!ret && (rc = sqlite3_step(q)) == SQLITE_ROW)
		ret = rollup_decode(sqlite3_column_blob(q, 1), (size_t)sqlite3_column_bytes(q, 1),
				    hour_add, &h);
	sqlite3_reset(q);
	if (ret || (rc != SQLITE_ROW && rc != SQLITE_DONE))
		return store_sql_error(st, ret ? SQLITE_CORRUPT : rc, err, "import into");
	h.s.mean = h.weight > 0 ? h.sum / h.weight : NAN;
	p->s = h.s;
	return 0;
}

/*
 * Imported minutes also make the hour points of the hours they fall in,
 * unless the import brought hour points of its own for them (an export
 * does) or this writer records the series (its ticks make them).
 */
static int derive_hours(struct store *st, struct strbuf *err)
{
	const int64_t len = store_bucket_ms(STORE_TIER_HOUR);
	struct import_point *v = NULL, *p = st->imports, *end = p + st->nr_imports, *h;
	size_t nr = 0, alloc = 0;
	int ret = 0;

	while (p < end) {
		int64_t id = p->series_id;
		struct wseries *s = series_map_by_id(&st->map, id);
		bool recorded = s && s->last_vt != NO_TIME;

		/* Sorted by series, tier, time: the series' hour points follow its minutes. */
		for (h = p; h < end && h->series_id == id && h->tier <= STORE_TIER_MINUTE; h++)
			;
		for (; p < end && p->series_id == id; p++) {
			int64_t hour = store_floor(p->s.t_ms, len);

			if (p->tier != STORE_TIER_MINUTE || recorded ||
			    (nr && v[nr - 1].series_id == id && v[nr - 1].s.t_ms == hour))
				continue;
			while (h < end && h->series_id == id && h->s.t_ms < hour)
				h++;
			if (h < end && h->series_id == id && h->s.t_ms == hour)
				continue; /* an hour point of its own */
			ALLOC_GROW(v, nr + 1, alloc);
			v[nr] = *p;
			v[nr].tier = STORE_TIER_HOUR;
			v[nr++].s.t_ms = hour;
		}
	}
	for (size_t i = 0; i < nr && !ret; i++)
		ret = derive_hour(st, &v[i], err);
	if (!ret)
		ret = merge_points(st, v, nr, err);
	free(v);
	return ret;
}

int store_import_write(struct store *st, struct strbuf *err)
{
	int ret;

	if (!st->nr_imports)
		return 0;
	qsort(st->imports, st->nr_imports, sizeof(*st->imports), cmp_import);
	ret = merge_points(st, st->imports, st->nr_imports, err);
	if (!ret)
		ret = derive_hours(st, err);
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
