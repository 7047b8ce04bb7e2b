/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `connmon history VIEW`: recorded series read back from the store
 * (store/store.h), as tables like `sar -f` prints, or JSON and CSV.
 * history.c holds the command (options, the range, the step, the
 * store) and the shared table machinery; history_views.c the views.
 *
 * The step, unless --step gives one, is a tier's resolution chosen from the
 * range: up to 15 minutes every tick, up to 24 hours every minute, beyond
 * that every hour (and never finer than what the tiers still hold for the
 * start of the range: the store raises it).  App-internal.
 */
#ifndef CONNMON_APP_HISTORY_H
#define CONNMON_APP_HISTORY_H

#include <stdbool.h>
#include <stdint.h>

#include "base/outbuf.h"
#include "base/strbuf.h"
#include "cli/cmdline.h"
#include "store/store.h"

enum hist_format {
	HIST_TEXT,
	HIST_JSON,
	HIST_CSV,
};

struct hist {
	struct cli_opts o;
	struct store *st;
	const char *db;
	const char *view;
	int64_t since_ms, until_ms, step_ms; /* step 0: chosen */
	int64_t data_lo_ms, data_hi_ms;	     /* what the database holds (hist_clamp) */
	enum hist_format fmt;
	struct outbuf out;
	struct strbuf line; /* scratch for one line */
	bool any;	    /* a view printed at least one row */
};

/* Runs one query for name with up to two exact label matchers (NULL key: none). */
int hist_query(struct hist *h, const char *name, const char *k1, const char *v1, const char *k2,
	       const char *v2, struct store_result *res);

/* The time of a row: local "HH:MM:SS", with the date when the range spans days. */
void hist_time(const struct hist *h, int64_t t_ms, char *buf, size_t size);

/* The sentence for an empty result: which data the database does hold (hist_clamp's span). */
void hist_no_data(struct hist *h, const char *what);
/* The same, and with --json an empty document, so the output still parses. */
void hist_empty(struct hist *h, const char *what, int64_t step_ms);

/* Starts the JSON document ({"view":..,"since":..,"until":..,"step_s":..,"rows":[) etc. */
void hist_json_begin(struct hist *h, int64_t step_ms);
void hist_json_end(struct hist *h);

/* A label's value of a result series ("" when absent). */
void hist_label(const struct store_result_series *s, const char *key, char *buf, size_t size);

/* The views (history_views.c); each returns the exit code. */
int hist_view_sockets(struct hist *h);
int hist_view_ifaces(struct hist *h);
int hist_view_proto(struct hist *h);
int hist_view_peers(struct hist *h);
int hist_view_listeners(struct hist *h);
int hist_view_procs(struct hist *h);
int hist_view_series(struct hist *h);

/* history_io.c: export as JSON lines (h->st open for reading); import into h->db (a writer). */
int hist_export(struct hist *h);
int hist_import(struct hist *h, bool sar);

#endif
