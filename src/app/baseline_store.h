/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Baselines between analyze/baseline (the computation) and the store (the
 * 1-minute rollups it reads, the bands it keeps): what the agent's hourly
 * recompute, `connmon baseline` and the overview share.  App-internal.
 *
 * Input: a series' 1-minute means over the BASELINE_MAX_POINTS minutes (90
 * days) before a time.  A counter's minute mean is its per-second rate
 * (docs/STORE.md), which is what its band is of.
 *
 * Stored bands are one row per slot (168 or 24, docs/STORE.md); read back,
 * they make a struct baseline whose slots, mode and learning flag are the
 * stored ones and whose history span comes from the series' stored range,
 * limited to the 90 days the computation reads (the table keeps no span).
 *
 * Errors: 0 or a negative errno; err (may be NULL) gets the store's sentence.
 */
#ifndef CONNMON_APP_BASELINE_STORE_H
#define CONNMON_APP_BASELINE_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "analyze/baseline.h"
#include "base/strbuf.h"
#include "cli/config.h"
#include "store/store.h"

/* The thresholds of the config's [baseline] section. */
void baseline_store_spans(struct baseline_spans *sp, const struct agent_config *c);

/*
 * The spans of the config file at CONFIG_DEFAULT_PATH, or the defaults when
 * it is missing or unreadable; for readers (`connmon baseline`), which
 * compute with the agent's settings when they compute at all.
 */
void baseline_store_default_spans(struct baseline_spans *sp);

/*
 * Computes *b from the series' stored 1-minute means in the 90 days before
 * until_ms.  Cost: the read plus baseline_compute() (docs/BASELINE.md, "Cost").
 */
int baseline_store_compute(struct store *st, int64_t series_id, int64_t until_ms,
			   const struct baseline_spans *sp, struct baseline *b, struct strbuf *err);

/* Replaces the series' stored bands with b's slots, stamped computed_ms (writer only). */
int baseline_store_put(struct store *st, int64_t series_id, const struct baseline *b,
		       int64_t computed_ms, struct strbuf *err);

/*
 * The stored bands of the series info names into *b, and when they were
 * computed.  -ENOENT: none stored (or not a whole set of 24 or 168 slots).
 */
int baseline_store_get(struct store *st, const struct store_series_info *info, struct baseline *b,
		       int64_t *computed_ms, struct strbuf *err);

/*
 * The latest stored value of the series and its time: a gauge's last
 * sample, a counter's per-second rate over its last minute so far (ticks,
 * or the minute rollups where no ticks are kept).  -ENOENT: none.
 */
int baseline_store_current(struct store *st, const struct store_series_info *info, double *value,
			   int64_t *t_ms);

/* Whether the agent keeps bands of a series: not of its own health, nor per process. */
bool baseline_store_worth(const char *name, const char *labels);

/*
 * The series as an operator reads it, display-safe, appended to out:
 * "tcp established", "tcp port 443 time_wait", "eth0 rx", "TcpRetransSegs/s",
 * else "name{labels}" (with "/s" for a counter); *unit is how its figures print.
 */
void baseline_store_what(struct strbuf *out, const char *name, const char *labels,
			 enum store_kind kind, enum baseline_unit *unit);

#endif
