/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Interface rates as text (sar -n DEV's table, with errors, drops, fifo,
 * utilisation, speed and state), JSON (one object per interval, one line
 * each; docs/JSON.md) or CSV (one header, one row per interface and
 * interval).
 *
 * Text width (ui/term.h): the full table for TERM_WIDTH_FULL, else the
 * columns that fit the width, by priority: at 80 columns, DEV's packets,
 * KiB/s, %util and state; EDEV's errors and drops and state.  Wider widths
 * add drops, errors, speed, multicast, fifo (EDEV: fifo, frame and carrier,
 * collisions), in that order.  KiB is 1024 bytes (sar's kB).
 *
 * Rows without a rate say "no rate: REASON" across their rate columns
 * (text; "-" in each when that does not fit), null (JSON) or an empty field
 * (CSV), never a number.  The state column says GONE for an interface that
 * vanished (struct iface_rate.gone), its operational state otherwise.
 *
 * The renderer borrows the outbuf; write errors stay in it (outbuf.h).
 */
#ifndef CONNMON_UI_IFACE_RENDER_H
#define CONNMON_UI_IFACE_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/outbuf.h"
#include "model/iface.h"

enum iface_render_fmt {
	IFACE_RENDER_TEXT,
	IFACE_RENDER_JSON,
	IFACE_RENDER_CSV,
};

struct column;

struct iface_render {
	struct outbuf *out;
	enum iface_render_fmt fmt;
	bool edev;	  /* text: sar -n EDEV's error columns instead of DEV's */
	unsigned width;	  /* text: TERM_WIDTH_FULL (0) or the columns to fit (80 after init) */
	bool header_done; /* CSV: the header went out */
	/* the text layout, chosen at the first block */
	bool laid_out;
	const struct column *cols[16];
	size_t nr_cols;
};

/* One interval, or the Average block (label "Average:"). */
struct iface_block {
	const char *label;    /* text/CSV time column: "06:00:01" or "Average:" */
	const char *time_utc; /* JSON "time": "2026-11-24T06:00:01Z" (end of the interval) */
	bool average;
	unsigned nr_intervals; /* average: how many intervals it covers */
	uint64_t nr_dropped;   /* average: vanished interfaces no longer held (analyze/rates.h) */
	unsigned max_gone;     /* average: how many vanished ones are held */
};

void iface_render_init(struct iface_render *r, struct outbuf *out, enum iface_render_fmt fmt);
void iface_render_block(struct iface_render *r, const struct iface_block *b,
			const struct iface_rates *rates);

#endif
