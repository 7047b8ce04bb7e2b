/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `sadf -j FILE -- -n DEV,EDEV,SOCK,TCP,ETCP` output -> series_point records,
 * so `connmon history import --sar` can seed the history (and the baseline)
 * with what sar recorded.  docs/EXPORT.md, "sar files", is the contract: the
 * mapping of sar's fields to connmon's series, the units, the time zones and
 * the sysstat versions whose output is known.
 *
 * sar keeps rates per interval; connmon keeps counters.  For each counter
 * series the import synthesises a counter that is 0 at the start of the
 * file's first interval and grows by rate x interval at each sample.  Points
 * are MINUTE rollups at the start of the minute that holds the sample time:
 * for a counter min/max/mean are the per-second rates of the samples in that
 * minute (mean weighted by their intervals) and last is the synthesised
 * counter; for a gauge (SOCK) min/max/mean/last of the sampled values.  A
 * minute's points are handed on when a sample of a later minute arrives, or
 * at the end.
 *
 * Only the first host of "hosts" is imported (sadf writes one; series carry
 * no host label to keep two apart).
 *
 * The input is read as a stream through a fixed window; one sample at a time
 * is held as a tree.  Memory is bounded by SADF_SERIES_MAX series.
 *
 * Timestamps: "utc": 1 (sysstat up to 12.6) or "tz": "UTC" (later) are UTC;
 * "utc": 0 (sadf -T or -t) and any other "tz" are local time of this
 * process's time zone (TZ), and a "tz" name this zone does not use is refused.
 *
 * Problems are reported through sink->error, one sentence each, naming the
 * origin and the JSON path (and line and column for a syntax error); the
 * first SADF_ERRORS_SHOWN are shown, then one sentence counts the rest.  A
 * bad value skips that value, a bad timestamp or a sample older than the one
 * before skips that sample; a syntax error or a cut file ends the import
 * after handing on everything read before it.
 */
#ifndef CONNMON_COLLECT_SADF_H
#define CONNMON_COLLECT_SADF_H

#include <stddef.h>

#include "model/series_point.h"

#define SADF_SERIES_MAX	  65536
#define SADF_ERRORS_SHOWN 20

/*
 * Reads sadf -j output from fd (to its end) or from buf[0..len); origin names
 * it in messages.  Returns 0 when everything was imported, -EINVAL when some
 * values or samples were skipped or the JSON is bad, -ENODATA when the input
 * was cut short (what came before is imported), the negative errno of a
 * failed read(2), or what sink->point returned to stop.
 * st (may be NULL) gets the counts; records are sar samples.
 */
int sadf_read_fd(int fd, const char *origin, const struct point_sink *sink,
		 struct import_stats *st);
int sadf_read_mem(const char *buf, size_t len, const char *origin, const struct point_sink *sink,
		  struct import_stats *st);

#endif
