// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The interfaces view of `connmon top`: `connmon ifaces` as a table, one
 * row per interface with its rates over the last tick (analyze/rates: a
 * reset or a re-created interface has no rate, never a spike), errors and
 * drops per second, utilisation of the link speed and the totals since
 * boot.  The first tick has no rates yet ("-").
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/rates.h"
#include "app/top_view.h"
#include "app/top_views_int.h"
#include "base/units.h"
#include "base/xalloc.h"

enum {
	C_IFACE,
	C_STATE,
	C_RX,
	C_TX,
	C_RXPK,
	C_TXPK,
	C_UTIL,
	C_ERRS,
	C_DROPS,
	C_SPEED,
	C_RXTOT,
	C_TXTOT,
	NR_C,
};

static const struct top_col cols[NR_C] = {
	[C_IFACE] = { "Iface", 12, 6, 0, TOP_ALIGN_LEFT, false },
	[C_STATE] = { "State", 7, 4, 1, TOP_ALIGN_LEFT, false },
	[C_RX] = { "RX/s", 10, 8, 0, TOP_ALIGN_RIGHT, true },
	[C_TX] = { "TX/s", 10, 8, 0, TOP_ALIGN_RIGHT, true },
	[C_RXPK] = { "RXpkt/s", 8, 7, 1, TOP_ALIGN_RIGHT, true },
	[C_TXPK] = { "TXpkt/s", 8, 7, 1, TOP_ALIGN_RIGHT, true },
	[C_UTIL] = { "Util%", 6, 5, 0, TOP_ALIGN_RIGHT, true },
	[C_ERRS] = { "Err/s", 6, 5, 2, TOP_ALIGN_RIGHT, true },
	[C_DROPS] = { "Drop/s", 6, 6, 2, TOP_ALIGN_RIGHT, true },
	[C_SPEED] = { "Speed", 8, 6, 3, TOP_ALIGN_RIGHT, true },
	[C_RXTOT] = { "RX-total", 10, 9, 5, TOP_ALIGN_RIGHT, true },
	[C_TXTOT] = { "TX-total", 10, 9, 5, TOP_ALIGN_RIGHT, true },
};

struct ifaces_view {
	struct iface_rates rates;
};

static void *ifaces_open(const char *filter_text, int *err)
{
	struct ifaces_view *v = xcalloc(1, sizeof(*v));

	(void)filter_text;
	(void)err;
	iface_rates_init(&v->rates);
	return v;
}

static void ifaces_close(void *p)
{
	struct ifaces_view *v = p;

	iface_rates_release(&v->rates);
	free(v);
}

static void set_rate(struct top_table *t, size_t i, size_t col, const struct iface_rate *r,
		     double v, bool bytes)
{
	char buf[32];

	if (r->state != IFACE_RATE_OK) {
		top_table_set(t, i, col, "-", -1);
		return;
	}
	if (bytes)
		units_fmt(buf, sizeof(buf), v, UNITS_BYTES_PER_S);
	else
		snprintf(buf, sizeof(buf), "%.0f", v);
	top_table_set(t, i, col, buf, v);
}

static void add_row(struct top_table *t, const struct iface_rate *r)
{
	const struct iface_sample *s = &r->s;
	struct top_ref ref = { .kind = TOP_REF_IFACE };
	char buf[32];
	size_t i;

	snprintf(ref.name, sizeof(ref.name), "%s", s->name);
	i = top_table_add(t, &ref);
	top_table_set(t, i, C_IFACE, s->name, 0);
	top_table_set(t, i, C_STATE, r->gone ? "gone" : iface_operstate_name(s->operstate), 0);
	set_rate(t, i, C_RX, r, r->per_s[IFC_RX_BYTES], true);
	set_rate(t, i, C_TX, r, r->per_s[IFC_TX_BYTES], true);
	set_rate(t, i, C_RXPK, r, r->per_s[IFC_RX_PACKETS], false);
	set_rate(t, i, C_TXPK, r, r->per_s[IFC_TX_PACKETS], false);
	set_rate(t, i, C_ERRS, r, r->per_s[IFC_RX_ERRORS] + r->per_s[IFC_TX_ERRORS], false);
	set_rate(t, i, C_DROPS, r, r->per_s[IFC_RX_DROPPED] + r->per_s[IFC_TX_DROPPED], false);
	if (r->state == IFACE_RATE_OK && r->util_pct >= 0)
		top_table_setf(t, i, C_UTIL, r->util_pct, "%.1f", r->util_pct);
	else
		top_table_set(t, i, C_UTIL, "-", -1);
	if (iface_has_speed(s))
		top_table_setf(t, i, C_SPEED, (double)s->speed_mbps, "%lldM",
			       (long long)s->speed_mbps);
	top_table_set(t, i, C_RXTOT,
		      units_fmt(buf, sizeof(buf), (double)s->c[IFC_RX_BYTES], UNITS_BYTES),
		      (double)s->c[IFC_RX_BYTES]);
	top_table_set(t, i, C_TXTOT,
		      units_fmt(buf, sizeof(buf), (double)s->c[IFC_TX_BYTES], UNITS_BYTES),
		      (double)s->c[IFC_TX_BYTES]);
}

/* The first tick: the interfaces without rates. */
static void first_rates(struct ifaces_view *v, const struct iface_table *cur)
{
	v->rates.nr = 0;
	for (size_t i = 0; i < cur->nr; i++) {
		struct iface_rate *r;

		ALLOC_GROW(v->rates.v, v->rates.nr + 1, v->rates.alloc);
		r = &v->rates.v[v->rates.nr++];
		memset(r, 0, sizeof(*r));
		r->s = cur->ifs[i];
		r->state = IFACE_NORATE_NEW;
		r->util_pct = -1;
	}
}

static int ifaces_fill(void *p, const struct top_ctx *ctx, const struct top_narrow *n,
		       struct top_table *t)
{
	struct ifaces_view *v = p;
	double rx = 0, tx = 0;
	char a[UNITS_BUF_LEN], b[UNITS_BUF_LEN];

	if (ctx->frame)
		return top_agent_fill_ifaces(ctx, t);

	(void)n;
	top_table_reset(t, cols, NR_C);
	if (!ctx->cur || !(ctx->cur->parts & SNAP_PART_IFACES)) {
		snprintf(t->title, sizeof(t->title), "interfaces: cannot read them (%s)",
			 ctx->cur ? strerror(-ctx->cur->ifaces_err) : "no sample yet");
		return 0;
	}
	if (ctx->prev && (ctx->prev->parts & SNAP_PART_IFACES))
		iface_rates_compute(&ctx->prev->ifaces, &ctx->cur->ifaces, &v->rates);
	else
		first_rates(v, &ctx->cur->ifaces);
	for (size_t i = 0; i < v->rates.nr; i++) {
		const struct iface_rate *r = &v->rates.v[i];

		add_row(t, r);
		if (r->state == IFACE_RATE_OK) {
			rx += r->per_s[IFC_RX_BYTES];
			tx += r->per_s[IFC_TX_BYTES];
		}
	}
	snprintf(t->title, sizeof(t->title), "interfaces: %zu", t->nr_rows);
	snprintf(t->summary, sizeof(t->summary), "all: RX %s  TX %s",
		 units_fmt(a, sizeof(a), rx, UNITS_BYTES_PER_S),
		 units_fmt(b, sizeof(b), tx, UNITS_BYTES_PER_S));
	return 0;
}

const struct top_view_ops top_ifaces_view = {
	.name = "ifaces",
	.title = "Interfaces",
	.hotkey = '5',
	.open = ifaces_open,
	.close = ifaces_close,
	.fill = ifaces_fill,
};
