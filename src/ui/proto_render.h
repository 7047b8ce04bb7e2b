/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Renders `connmon proto`: the key protocol counters (or, with all, every
 * counter that changed) between two snapshots as deltas and per-second rates,
 * then the health KPIs, as text or as one JSON object per interval.
 * docs/JSON-proto.md documents the JSON; docs/COMMANDS-proto.md the text.
 *
 * Flags come with the frame (analyze/health.h decides them): a flagged KPI
 * and an error or drop counter that counter_warn() flags are marked "!" in
 * text and "warn": true in JSON.
 * Nothing is read here; the snapshots are borrowed for the call only.
 */
#ifndef CONNMON_UI_PROTO_RENDER_H
#define CONNMON_UI_PROTO_RENDER_H

#include <stdbool.h>
#include <stdint.h>

#include "base/outbuf.h"
#include "model/counters.h"

struct proto_render_opts {
	bool json;
	bool all; /* -a: every changed counter instead of the key list */
};

struct proto_frame {
	const struct counter_snap *old, *cur; /* sealed, old sampled first */
	const struct proto_health *health;    /* the KPIs of old -> cur, flagged */
	double ratio_warn_pct;		      /* the KPI thresholds, for their labels */
	uint64_t ratio_min_packets;
	/* Whether an error or drop counter's increase is flagged (analyze/health decides). */
	bool (*counter_warn)(uint64_t delta, const void *arg);
	const void *warn_arg;
	const char *when;	    /* UTC ISO 8601 of cur */
	const char *kind;	    /* "interval" or "average" */
	unsigned long nr_intervals; /* intervals an average spans, else 1 */
};

/* Writes one frame: a text block, or one JSON object and a newline. */
void proto_render(struct outbuf *ob, const struct proto_render_opts *o,
		  const struct proto_frame *f);

/* Number of key counters, and the full name of the i-th (for tests and docs). */
unsigned proto_key_count(void);
const char *proto_key_name(unsigned i);

#endif
