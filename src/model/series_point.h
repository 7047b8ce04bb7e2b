/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One value of one series at one time, as importers hand it to whoever stores
 * it (the vocabulary: series, labels string, kind, tiers, in the issue-7 brief
 * and docs/EXPORT.md).
 *
 * A series is a metric name plus a labels string: the text between the braces
 * of the Prometheus text format, key="value" pairs joined by ',', values
 * escaped (\\ \" \n), keys in the producer's order, "" for no labels.
 *
 * Tiers: a TICK point holds one sample, and min == max == mean == last ==
 * the value.  A MINUTE or HOUR point is a rollup of the samples inside the
 * bucket that starts at t_ms: for a gauge, min/max/mean of the samples and the
 * last one; for a counter, min/max/mean of the per-second rate inside the
 * bucket and last = the raw counter value at the end of the bucket.
 * NaN in any of the four means "no value" (a gap).
 *
 * Time: t_ms is milliseconds since the Unix epoch, UTC.
 */
#ifndef CONNMON_MODEL_SERIES_POINT_H
#define CONNMON_MODEL_SERIES_POINT_H

#include <stdbool.h>
#include <stdint.h>

enum series_tier {
	SERIES_TIER_TICK,
	SERIES_TIER_MINUTE,
	SERIES_TIER_HOUR,
};

struct series_point {
	const char *name;   /* "connmon_iface_rx_bytes_total" */
	const char *labels; /* labels string, escaped, e.g. iface="eth0" */
	bool counter;	    /* kind: true for a counter (name ends in _total) */
	enum series_tier tier;
	int64_t t_ms;
	double min, max, mean, last;
};

/*
 * Where a parser delivers what it reads.  point() gets one record at a time;
 * the strings in it are borrowed and valid only during the call.  It returns
 * 0 to go on, or a negative errno that stops the parse and is returned by it.
 * error() (may be NULL) gets one sentence per problem in the input, already
 * naming the origin and the place (file and line, or a JSON path); the
 * string is valid only during the call.
 */
struct point_sink {
	int (*point)(void *arg, const struct series_point *p);
	void (*error)(void *arg, const char *msg);
	void *arg;
};

/* What an import did, for the summary line the command prints. */
struct import_stats {
	uint64_t nr_records; /* input records read: lines, or sar samples */
	uint64_t nr_points;  /* points handed to point() */
	uint64_t nr_errors;  /* problems found (each reported, up to a cap) */
};

#endif
