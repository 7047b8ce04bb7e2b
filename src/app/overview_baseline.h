/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The overview's baseline lines: where ESTABLISHED and the busiest
 * interface's receive and transmit rates stand against the bands the agent
 * stored for this hour of the week, in baseline_describe()'s sentence
 * (docs/COMMANDS-summary.md, "Baseline").
 *
 * The database is --db PATH, else the agent's default path.  Nothing is
 * shown when the default database does not exist or cannot be read, nor
 * for a series without stored bands (the overview never computes them);
 * an explicit --db that cannot be opened gives a "n/a" line saying why.
 * The ESTABLISHED line is left out when the overview does not count every
 * TCP socket of its namespace (a filter, -4 or -6, no -t among -t/-u/-w),
 * and everything is left out under -N without --db: the agent records its
 * own namespace.
 *
 * The store is opened read-only at the first print and kept open; bands
 * are read at each print (a few rows).  Owns its store and listing;
 * release with overview_baseline_release().
 */
#ifndef CONNMON_APP_OVERVIEW_BASELINE_H
#define CONNMON_APP_OVERVIEW_BASELINE_H

#include <stdbool.h>
#include <stddef.h>

#include "app/overview_traffic.h"
#include "app/summary.h"
#include "base/outbuf.h"
#include "store/store.h"

#define OVERVIEW_DEFAULT_DB "/var/lib/connmon/connmon.db"
/* Firing alerts shown at most; and only from a database written in the last 5 minutes. */
#define OVERVIEW_ALERTS 8
#define ALERTS_FRESH_MS (5 * 60 * 1000LL)

struct overview_baseline {
	const char *db; /* --db, borrowed from argv; NULL: the default path */
	bool opened;	/* the first print tried */
	int err;	/* opening an explicit --db failed: -errno */
	struct strbuf why;
	struct store *st; /* NULL: no database */
	struct store_series_info *v;
	size_t nr;
};

/*
 * Takes `--db PATH` and `--db=PATH` out of argv (before the overview's own
 * option parser sees them), keeping the order of the rest; returns the new
 * argc, or -1 when --db has no value (a usage error, reported).
 */
int overview_baseline_args(struct overview_baseline *ob, int argc, char **argv);

void overview_baseline_init(struct overview_baseline *ob);
void overview_baseline_release(struct overview_baseline *ob);

/* "Baseline" lines, wrapped at width; nothing when there is nothing to show. */
void overview_baseline_text(struct outbuf *out, unsigned width, struct overview_baseline *ob,
			    const struct summary_data *d, const struct overview_traffic *t);
/* `"baseline":[...]` (one object per line of the text) or `"baseline":null`, without braces. */
void overview_baseline_json(struct outbuf *out, struct overview_baseline *ob,
			    const struct summary_data *d, const struct overview_traffic *t);

/*
 * The alerts the agent has firing (docs/COMMANDS-summary.md, "Alerts"):
 * one "SEVERITY RULE (SUBJECT): SUMMARY" line each into lines; returns
 * how many.  None without a database, or when its newest sample is older
 * than ALERTS_FRESH_MS (no agent records into it: its alerts are stale).
 */
size_t overview_alerts_lines(struct overview_baseline *ob, const struct summary_data *d,
			     struct strbuf *lines);
/* `"alerts":[EVENT...]`: the same alerts as their JSON events (docs/JSON.md). */
void overview_alerts_json(struct outbuf *out, struct overview_baseline *ob,
			  const struct summary_data *d);

#endif
