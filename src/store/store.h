/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * connmon's history: one SQLite database in WAL mode (schema, tiers, blocks
 * and rollup definitions in docs/STORE.md).
 *
 * A *series* is a metric name plus a labels string (the text between the
 * braces of the Prometheus text format, escaped, keys in the producer's
 * order, "" for none) and a kind.  Each has a persistent int64 id.
 * Time is int64 milliseconds since the Unix epoch (UTC); values are doubles;
 * NaN is a gap.
 *
 * Two modes.  A *writer* (STORE_WRITE: the agent, `history import`) holds an
 * exclusive flock on "<path>.lock" (which holds its PID) for as long as it is
 * open; a second writer is refused with -EBUSY and a message naming the PID.
 * A *reader* (STORE_READ: `history`, `baseline`, `report`) opens the file
 * read-only and reads while the writer writes.  An *admin* (STORE_ADMIN:
 * `connmon block`, `unblock`) opens it read-write without the lock, beside
 * a writer, for the small tables of responses only (blocks, offenders,
 * audit: the store_block_* functions); it creates a missing file and
 * upgrades a version-1 one as a writer would, and waits up to 5 s for the
 * writer's transactions (SQLite's busy timeout).  Series writes refuse it.
 *
 * The write path: store_add() appends to chunks in memory and never touches
 * the disk; store_flush(), called by the agent every write interval (10 s),
 * writes everything new in ONE transaction.  A flush that fails (full disk:
 * -ENOSPC) keeps everything in memory and the next flush retries; the
 * backlog is bounded by store_options.backlog_max_samples (oldest dropped
 * and counted beyond it).  Rollups (1-minute and 1-hour min, max, mean,
 * last, count) are computed by the writer as ticks arrive.
 *
 * Errors: negative errno values.  Functions taking a struct strbuf *err
 * append one sentence to it on failure (naming the path where one applies);
 * err may be NULL.  -ENOENT: missing file, directory or series; -EACCES,
 * -EROFS: not writable; -EBUSY: another writer; -EPROTO: not a connmon
 * database or corrupt; -EPROTONOSUPPORT: written by a newer connmon;
 * -ENOSPC: disk full; -EIO: other I/O errors; -EINVAL: bad arguments.
 *
 * Threads: a struct store is used by one thread at a time.
 */
#ifndef CONNMON_STORE_STORE_H
#define CONNMON_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/strbuf.h"
#include "model/alert.h"

/* The schema version this build writes and the newest it reads. */
#define STORE_SCHEMA_VERSION 2

enum store_kind {
	STORE_GAUGE = 0,
	STORE_COUNTER = 1, /* monotonic, may reset; names end in _total */
};

enum store_tier {
	STORE_TIER_TICK = 0,   /* every sample as added */
	STORE_TIER_MINUTE = 1, /* 1-minute rollups */
	STORE_TIER_HOUR = 2,   /* 1-hour rollups */
};

#define STORE_NR_TIERS	3
#define STORE_TIER_AUTO (-1)

enum store_mode {
	STORE_READ,
	STORE_WRITE,
	STORE_ADMIN, /* the small tables only (store_respond.c); see the header comment */
};

/* Tunables; store_options_init() sets the documented defaults. */
struct store_options {
	int64_t retention_ms[STORE_NR_TIERS]; /* 48 h, 90 d, 730 d; <= 0: kept for ever */
	/* Chunk time blocks: 1 h, 6 h, 7 d; multiples of the tier's resolution, else -EINVAL. */
	int64_t block_ms[STORE_NR_TIERS];
	uint64_t size_cap_bytes;    /* 1 GiB; 0: no cap */
	size_t backlog_max_samples; /* 8,000,000 unwritten samples */
	/*
	 * A series without a sample for this long leaves memory at the next flush, its
	 * unfinished rollup buckets written as at a close (1 h; at least 1 s): memory
	 * follows the series in use, whatever their churn (interfaces, processes).
	 */
	int64_t idle_ms;
};

void store_options_init(struct store_options *o);

struct store;

/*
 * Opens (a writer also creates) the database at path.  opts may be NULL
 * (defaults); it is copied.  On success *out is the store, owned by the
 * caller until store_close().  A writer creates the file only when it does
 * not exist (or is empty); an existing file that is not a connmon database,
 * is corrupt, or has a newer schema version is refused and left untouched.
 */
int store_open(struct store **out, const char *path, enum store_mode mode,
	       const struct store_options *opts, struct strbuf *err);
/*
 * A writer writes everything pending, including the rollup buckets still in
 * progress, then releases the lock; returns that last flush's result (the
 * store is freed either way).  A reader just closes.  NULL is a no-op.
 */
int store_close(struct store *st, struct strbuf *err);
bool store_is_writer(const struct store *st);
/* The file's schema version: a reader of a version-1 file has no alert or block tables. */
int store_version(const struct store *st);

/*
 * The id of the series (name, labels, kind).  A writer registers a new
 * series in memory (its row is written at the next flush); a reader only
 * finds existing ones (-ENOENT).  -EINVAL: empty name, labels string not in
 * the Prometheus text form, or an existing series of the other kind.
 * Cheap for known series (a hash lookup): the agent may call it every tick.
 */
int store_series(struct store *st, const char *name, const char *labels, enum store_kind kind,
		 int64_t *id);

/*
 * Appends one sample (writer only; memory only).  t_ms must be after the
 * series' last sample, else -EINVAL (nothing stored; counted in
 * samples_refused).  -ENOENT: unknown id.  -EROFS: a reader.  Give every
 * series of one tick the same t_ms, on a regular cadence (the tick's
 * deadline, not the moment it ran): a regular cadence costs 1 bit a sample,
 * a jitter of a millisecond 9 (docs/STORE.md, "Timestamps").
 */
int store_add(struct store *st, int64_t id, int64_t t_ms, double v);

/*
 * Writes every new sample, closed chunk, finished rollup bucket, new series
 * and import in one transaction; then applies retention and the size cap.
 * On failure nothing in memory is lost (the next flush retries).  The
 * duration is in store_health.last_flush_us.
 */
int store_flush(struct store *st, struct strbuf *err);

/* The writer's own figures (a reader's are zero but db_bytes). */
struct store_health {
	/* Samples: ticks, and rollup points (one each), as the writer made them. */
	uint64_t samples_written; /* committed by this process */
	uint64_t samples_refused; /* store_add() -EINVAL: not after the last one */
	uint64_t samples_dropped; /* unwritten, evicted by the backlog bound */
	uint64_t backlog_samples; /* added but not committed yet */
	uint64_t chunks_evicted;  /* deleted by the size cap */
	uint64_t flushes;	  /* successful flushes */
	uint64_t flush_errors;	  /* failed flushes */
	uint64_t consecutive_errors;
	int last_error;	       /* of the last failed flush (negative errno), 0 if none */
	int64_t last_flush_us; /* duration of the last flush, failed or not */
	uint64_t db_bytes;     /* size of the database file (without its WAL) */
	uint64_t nr_series;    /* series held in memory */
};

void store_health(const struct store *st, struct store_health *h);

/*
 * One point of a tier, as exported and imported.  A tick has min = max =
 * mean = last = its value and count 1.  A rollup of a gauge holds min, max,
 * mean of the bucket's samples, the last one and their count; of a counter,
 * min, max and mean of the per-second rate over the intervals ending in the
 * bucket (resets handled), last = the raw counter value, count = the number
 * of those intervals.  t_ms of a rollup is its bucket's start.
 */
struct store_sample {
	int64_t t_ms;
	double min, max, mean, last;
	uint32_t count;
};

/* Query */

struct store_match {
	const char *key;   /* label key */
	const char *value; /* exact value, unescaped */
};

struct store_query {
	const char *name; /* metric name, exact; "prefix*": every name with the prefix; NULL: all */
	const struct store_match *match;
	size_t nr_match;
	int64_t since_ms, until_ms; /* [since, until) */
	int64_t step_ms;	    /* 0: the tier's own resolution (ticks: each sample) */
	int tier;		    /* STORE_TIER_AUTO or a forced tier */
};

/*
 * One step of one series.  t_ms is the step's start (a multiple of the step
 * since the epoch; each sample itself when step is 0 on ticks).  count: the
 * samples (rollups: the counts summed) in the step.  Gauges: min, max, mean
 * (weighted by count), last; rate and increase are NaN.  Counters: min, max
 * of the per-second rates inside the step, mean = rate = the increase over
 * the covered seconds, last = the raw counter, increase = the sum of the
 * differences (a value below the previous one is a reset: the increase is
 * the value itself).  From rollups the increase is the rate times the
 * bucket length, exact when the bucket was fully covered.
 */
struct store_point {
	int64_t t_ms;
	double min, max, mean, last;
	double rate, increase;
	uint32_t count;
};

struct store_series_info {
	int64_t id;
	char *name, *labels; /* owned by the array that holds the info */
	enum store_kind kind;
	int64_t first_ms, last_ms; /* range of stored data; INT64_MIN when none */
};

struct store_result_series {
	struct store_series_info info;
	struct store_point *points; /* steps with data only, in time order */
	size_t nr_points;
};

struct store_result {
	int tier;	 /* the tier read */
	int64_t step_ms; /* the step used (0: each tick) */
	struct store_result_series *series;
	size_t nr_series;
};

/*
 * The tier a query reads: forced_tier when >= 0; else with step < 60 s and
 * since within the tick retention (counted back from newest_ms, the newest
 * stored sample), ticks; else with step < 1 h and since within the minute
 * retention, minutes; else hours.  step 0 counts as "< 60 s".
 */
int store_pick_tier(const struct store_options *o, int64_t newest_ms, int64_t since_ms,
		    int64_t step_ms, int forced_tier);

/*
 * Runs q.  res is filled (owned by the caller: store_result_release()); a
 * series that matches but has no data in the range has nr_points 0.  A step
 * shorter than the tier's resolution is raised to it (res->step_ms says).
 * -EINVAL: empty range, negative step, bad tier.
 */
int store_query(struct store *st, const struct store_query *q, struct store_result *res,
		struct strbuf *err);
void store_result_release(struct store_result *res);

/*
 * Alert history (docs/STORE.md, "Alerts and blocks"): one row per alert
 * event (firing, escalated, resolved) with its JSON object as the sinks got
 * it.  Writers only; one small transaction per call.
 */
int store_alert_add(struct store *st, const struct alert_event *ev, struct strbuf *err);

struct store_alert_row {
	int64_t row_id;
	uint64_t alert_id;
	int64_t time_ms;
	const char *rule;
	int severity; /* enum alert_severity */
	int status;   /* enum alert_status */
	const char *subject;
	int64_t started_ms;
	const char *summary;
	const char *json; /* the event object, one line */
};

struct store_alert_query {
	int64_t since_ms, until_ms; /* [since, until) of the event time; INT64_MIN/MAX: open */
	const char *rule;	    /* NULL: every rule */
	bool firing_only;	    /* the latest event of each alert that has not resolved */
	size_t limit;		    /* 0: no limit (the newest rows when limited) */
};

/*
 * Calls fn for each matching row in time order (the row is borrowed for the
 * call; non-zero from fn stops and is returned).  A version-1 file has no
 * history: nothing is called, 0.
 */
int store_alert_list(struct store *st, const struct store_alert_query *q,
		     int (*fn)(void *ctx, const struct store_alert_row *row), void *ctx,
		     struct strbuf *err);

/*
 * Records a resolution at now_ms, with summary, for every alert still
 * firing in the history (a writer at its start: an agent that stopped
 * without resolving its alerts, by a crash or kill -9, no longer watches
 * them).  Their JSON is the firing one's with time, status, summary and
 * actions replaced.
 */
int store_alert_resolve_stale(struct store *st, int64_t now_ms, const char *summary,
			      struct strbuf *err);

/*
 * Deletes alert events and audit rows older than the hourly rollups'
 * retention (2 years by default; kept for ever when that is): the history
 * of what happened lasts as long as the figures it happened in.
 */
int store_alert_retain(struct store *st, int64_t now_ms, struct strbuf *err);

/* The largest alert id stored (0: none), so a restarted agent's ids stay unique. */
int store_alert_max_id(struct store *st, uint64_t *id, struct strbuf *err);

/*
 * unknown_listener's learned inventory (docs/STORE.md, "Listener
 * inventory"): one row per (protocol, port, process name) with when it was
 * first and last seen, and the start of the learning period (meta key
 * 'listener_learn_start_ms').
 */
struct store_listener {
	int proto;	  /* IPPROTO_TCP or IPPROTO_UDP */
	int port;	  /* 0 to 65535 */
	const char *comm; /* "" when the owner was unknown */
	int64_t first_ms, last_ms;
};

/*
 * Calls fn for each stored listener (borrowed for the call; non-zero from fn
 * stops and is returned); *learn_start_ms is the stored learning start, or
 * INT64_MIN when none.  Rows whose protocol or port is out of range are
 * skipped.  A version-1 file has no inventory: nothing is called, 0.
 */
int store_listener_load(struct store *st, int (*fn)(void *ctx, const struct store_listener *l),
			void *ctx, int64_t *learn_start_ms, struct strbuf *err);
/*
 * Replaces the stored inventory with v[0..nr) and the learning start (not
 * written when INT64_MIN) in one transaction (writer only; nothing changes
 * on failure).  Two rows of the same (proto, port, comm): the last wins.
 */
int store_listener_save(struct store *st, const struct store_listener *v, size_t nr,
			int64_t learn_start_ms, struct strbuf *err);

/* The newest stored sample time, or INT64_MIN for an empty database. */
int store_newest(struct store *st, int64_t *newest_ms);

/* Every series with data, ordered by name then labels; free with store_series_info_free(). */
int store_list(struct store *st, struct store_series_info **out, size_t *nr, struct strbuf *err);
void store_series_info_free(struct store_series_info *v, size_t nr);

/*
 * Calls fn for every stored point of every tier of the series q selects
 * (q->step_ms and q->tier are ignored; tier order, then series, then time)
 * in [since, until).  The info and sample are borrowed for the call.  fn
 * returning non-zero stops the export, which returns that value.
 */
int store_export(struct store *st, const struct store_query *q,
		 int (*fn)(void *ctx, const struct store_series_info *info, enum store_tier tier,
			   const struct store_sample *s),
		 void *ctx, struct strbuf *err);

/*
 * Writes one point into a tier of a series (created when new; writer only)
 * at the next flush, merged with what is stored: a point at a stored time
 * replaces it.  Any order.  s->count 0 (unknown) is stored as 1.  Minute
 * points also make the hour points of their hours, unless the import has
 * hour points for them (docs/STORE.md, "Imports").  Buffered
 * imports are flushed when they reach 262,144 points (the result of that
 * flush is returned).  -EBUSY: this writer has added ticks to the series
 * in this session at or after the point's block.
 */
int store_import(struct store *st, const char *name, const char *labels, enum store_kind kind,
		 enum store_tier tier, const struct store_sample *s, struct strbuf *err);

/* Baselines (computed by analyze/baseline; stored and read here) */

struct store_baseline {
	uint16_t slot; /* 0..167: defined by analyze/baseline */
	double median, p10, p90;
	uint32_t nr_samples;
	uint32_t nr_days; /* distinct days behind the slot */
	bool learning;
	int64_t computed_ms;
};

/* Replaces every stored slot of the series with b[0..nr) at once (writer only). */
int store_baseline_put(struct store *st, int64_t series_id, const struct store_baseline *b,
		       size_t nr, struct strbuf *err);
/* The stored slots in slot order (*out malloc'ed, NULL when none; free() it). */
int store_baseline_get(struct store *st, int64_t series_id, struct store_baseline **out, size_t *nr,
		       struct strbuf *err);
/*
 * The 1-minute means of a series in [since, until): *t_ms and *mean are
 * parallel malloc'ed arrays of *nr points (free() both; NULL when none).
 */
int store_minute_means(struct store *st, int64_t series_id, int64_t since_ms, int64_t until_ms,
		       int64_t **t_ms, double **mean, size_t *nr, struct strbuf *err);

/*
 * Responses (store_respond.c; docs/STORE.md, "Alerts and blocks"): the
 * block, offender and audit tables.  Writers and admins write them, readers
 * read them; a version-1 file read by a reader has none (-ENOENT).  Every
 * call of several rows is one transaction.  Strings are copied, truncated
 * to their arrays.
 */
struct store_block {
	char addr[48]; /* canonical text (inet_ntop) */
	int64_t created_ms;
	int64_t expires_ms; /* 0: until unblocked (NULL in the table) */
	char rule[64];
	char reason[128];
	char origin[16]; /* "agent", "cli" */
};

struct store_audit {
	int64_t id; /* set by the table when listed */
	int64_t time_ms;
	char action[16];
	char target[64];
	char mode[16];
	char result[96];
	char detail[128];
};

/* Upserts nr rows (a row with the same addr is replaced). */
int store_block_put(struct store *st, const struct store_block *b, size_t nr, struct strbuf *err);
/* Deletes the rows of addrs[0..nr); all: every row.  *removed (may be NULL) counts them. */
int store_block_remove(struct store *st, const char *const *addrs, size_t nr, bool all,
		       size_t *removed, struct strbuf *err);
/*
 * The rows in force at now_ms (expires_ms 0 or after now; INT64_MIN: every
 * row), by addr; *out malloc'ed (NULL when none).
 */
int store_block_list(struct store *st, int64_t now_ms, struct store_block **out, size_t *nr,
		     struct strbuf *err);
int store_block_count(struct store *st, int64_t now_ms, size_t *nr, struct strbuf *err);
/* Deletes rows that expired before now_ms; *removed (may be NULL) counts them. */
int store_block_purge(struct store *st, int64_t now_ms, size_t *removed, struct strbuf *err);

/* Earlier bans of addr: *bans 0 and *last_ms 0 when unknown. */
int store_offender_get(struct store *st, const char *addr, uint32_t *bans, int64_t *last_ms,
		       struct strbuf *err);
int store_offender_put(struct store *st, const char *addr, uint32_t bans, int64_t last_ban_ms,
		       struct strbuf *err);

int store_audit_add(struct store *st, const struct store_audit *a, size_t nr, struct strbuf *err);
/* The newest max rows at or after since_ms, oldest first; *out malloc'ed. */
int store_audit_list(struct store *st, int64_t since_ms, size_t max, struct store_audit **out,
		     size_t *nr, struct strbuf *err);

#endif
