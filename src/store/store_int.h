/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The store's insides, shared by store*.c only (store.h is the contract).
 *
 * Memory of a writer: one struct wseries per series in use, holding for
 * each tier the open chunk (its encoders) and, for the rollup tiers, the
 * bucket in progress.  Closed chunks not yet committed wait in
 * st->pending; imports wait in st->imports.  A series idle for a tick
 * block is written out and dropped from memory; using it again reloads its
 * tails from the database (store_series.c).
 */
#ifndef CONNMON_STORE_STORE_INT_H
#define CONNMON_STORE_STORE_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <sqlite3.h>

#include "base/strbuf.h"
#include "store/chunk.h"
#include "store/store.h"

/* A rollup chunk holds five streams with the same timestamps. */
enum rollup_stream {
	RS_MIN,
	RS_MAX,
	RS_MEAN,
	RS_LAST,
	RS_COUNT,
	RS_NR,
};

#define ROLLUP_FORMAT 1
#define NO_TIME	      INT64_MIN

/* The bucket in progress of one rollup tier. */
struct rollup_acc {
	int64_t bucket; /* start; NO_TIME: empty */
	double min, max, sum, last;
	uint32_t count; /* gauges: samples; counters: rate intervals */
	int64_t dur_ms; /* counters: the time those intervals cover */
	bool has_last;
};

/* The open chunk of one tier of one series. */
struct tier_chunk {
	struct chunk_enc enc[RS_NR]; /* the tick tier uses enc[0] only */
	int64_t block;		     /* its block's start; NO_TIME: none open */
	bool dirty;		     /* points added since it was last written */
	uint32_t nr_committed;	     /* points of it in the database */
	struct rollup_acc acc;	     /* rollup tiers */
};

struct wseries {
	struct wseries *next_id, *next_key; /* hash chains */
	uint64_t key_hash;
	int64_t id;
	char *name, *labels;
	enum store_kind kind;
	bool in_db;			 /* its row exists (else inserted at the next flush) */
	bool loaded;			 /* tails read from the database */
	int64_t dirty_first, dirty_last; /* range of the points since the last flush */
	int64_t last_t;			 /* the last sample added or stored; NO_TIME: none */
	int64_t last_vt;		 /* the last one with a value (not NaN) */
	double last_v;
	int64_t touched_ms; /* st->now_ms when last used */
	struct tier_chunk tier[STORE_NR_TIERS];
};

/* A closed chunk waiting for a flush; owns blob. */
struct pending_chunk {
	int64_t series_id;
	int tier;
	int64_t first_ms, last_ms;
	uint32_t nr, nr_committed;
	char *blob;
	size_t blob_len;
};

struct import_point {
	int64_t series_id;
	int tier;
	uint64_t seq; /* arrival order: the later of two equal times wins */
	struct store_sample s;
};

enum store_stmt {
	SQL_SERIES_BY_KEY,
	SQL_SERIES_BY_ID,
	SQL_SERIES_INSERT,
	SQL_SERIES_RANGE,
	SQL_CHUNK_UPSERT,
	SQL_CHUNK_LAST,
	SQL_CHUNK_RANGE,
	SQL_CHUNK_BLOCK,
	SQL_CHUNK_DELETE,
	SQL_NR,
};

struct series_map {
	struct wseries **by_id, **by_key;
	size_t cap; /* power of two, or 0 */
	size_t nr;
};

struct store {
	sqlite3 *db;
	char *path;
	enum store_mode mode;
	int version; /* the file's schema version (a reader may see an old one) */
	struct store_options opt;
	int lock_fd;
	sqlite3_stmt *stmt[SQL_NR];

	struct series_map map;
	int64_t next_id;
	int64_t now_ms; /* the newest sample time seen: "now" for retention */
	struct pending_chunk *pending;
	size_t nr_pending, alloc_pending;
	struct import_point *imports;
	size_t nr_imports, alloc_imports;
	uint64_t import_seq;
	struct store_health health;
	struct strbuf blob; /* scratch for emitting chunks */
};

/* store.c */
sqlite3_stmt *store_stmt(struct store *st, enum store_stmt which);
int store_sql_error(struct store *st, int rc, struct strbuf *err, const char *what);
int store_exec(struct store *st, const char *sql, struct strbuf *err, const char *what);
int64_t store_bucket_ms(enum store_tier tier);
int64_t store_floor(int64_t t, int64_t len);
bool store_writer_check(const struct store *st, struct strbuf *err);
/*
 * A read transaction around the statements of one query, so that it sees
 * one committed state while the writer commits; returns whether it began
 * one (false inside another transaction), for store_read_end().
 */
bool store_read_begin(struct store *st);
void store_read_end(struct store *st, bool began);

/* store_series.c */
void series_map_init(struct series_map *m);
void series_map_release(struct series_map *m);
struct wseries *series_map_by_id(const struct series_map *m, int64_t id);
void series_map_remove(struct series_map *m, struct wseries *s);
struct wseries *store_wseries(struct store *st, int64_t id);
int store_series_load(struct store *st, struct wseries *s);
void store_wseries_free(struct wseries *s);

/* store_write.c */
void rollup_acc_reset(struct rollup_acc *a, int64_t bucket);
void rollup_feed(struct store *st, struct wseries *s, int64_t t, double v, double prev_v,
		 int64_t prev_t, int tier);
void store_finish_buckets(struct store *st, bool all);
void store_drop_memory(struct store *st);

/* store_retain.c */
int store_retain(struct store *st, struct strbuf *err);
/* Runs a one-value query: *out is its value, none for NULL or no row.  Returns an SQLite code. */
int store_int64(struct store *st, const char *sql, int64_t *out, int64_t none);

/* store_blob.c: rollup chunks and labels strings (outside input: fuzzed) */
void rollup_emit(const struct chunk_enc enc[RS_NR], struct strbuf *out);
/*
 * Decodes a rollup chunk: calls fn for each point in time order.  Returns
 * 0, or -EPROTO when the bytes are not a valid rollup chunk (a part may
 * have been passed to fn).  fn returning non-zero stops the decoding,
 * which returns that value.
 */
int rollup_decode(const void *data, size_t len,
		  int (*fn)(void *ctx, int64_t t, const double v[RS_NR]), void *ctx);
/* 0 when labels is a valid labels string, else -EINVAL. */
int labels_validate(const char *labels, size_t len);
/*
 * Looks key up in a labels string: 1 and its unescaped value in *value
 * (reset first), 0 when absent, -EINVAL when malformed.
 */
int labels_get(const char *labels, size_t len, const char *key, struct strbuf *value);

/* store_query.c: the series q selects (NULL: all) that have data, by name and labels. */
int store_select_series(struct store *st, const struct store_query *q,
			struct store_series_info **out, size_t *nr, struct strbuf *err);

/* store_import.c */
int store_import_write(struct store *st, struct strbuf *err);
void store_import_release(struct store *st);

#endif
