/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Interface rates as text (sar -n DEV's table, with errors, drops, fifo,
 * utilisation, speed and state), JSON (one object per interval, one line
 * each; docs/JSON-ifaces.md) or CSV (one header, one row per interface and
 * interval).
 *
 * Rows without a rate print "-" (text) or null (JSON) or an empty field
 * (CSV) for every rate, with the reason, never a number.
 * kB is 1024 bytes, as in sar.
 *
 * The renderer borrows the outbuf; write errors stay in it (outbuf.h).
 */
#ifndef CONNMON_UI_IFACE_RENDER_H
#define CONNMON_UI_IFACE_RENDER_H

#include <stdbool.h>

#include "base/outbuf.h"
#include "model/iface.h"

enum iface_render_fmt {
	IFACE_RENDER_TEXT,
	IFACE_RENDER_JSON,
	IFACE_RENDER_CSV,
};

struct iface_render {
	struct outbuf *out;
	enum iface_render_fmt fmt;
	bool edev;	  /* text: sar -n EDEV's error columns instead of DEV's */
	bool header_done; /* CSV: the header went out */
};

/* One interval, or the Average block (label "Average:"). */
struct iface_block {
	const char *label;    /* text/CSV time column: "06:00:01" or "Average:" */
	const char *time_utc; /* JSON "time": "2026-11-24T06:00:01Z" (end of the interval) */
	bool average;
	unsigned nr_intervals; /* average: how many intervals it covers */
};

void iface_render_init(struct iface_render *r, struct outbuf *out, enum iface_render_fmt fmt);
void iface_render_block(struct iface_render *r, const struct iface_block *b,
			const struct iface_rates *rates);

#endif
