// SPDX-License-Identifier: GPL-2.0-or-later
#include "ui/iface_render.h"

#include <stdio.h>
#include <string.h>

#include <linux/if.h>

#include "base/units.h"
#include "ui/term.h"

/*
 * The text table's columns between IFACE and state, in the order printed.
 * prio decides which fit a narrow width: 0 always, then 1, 2, ... while the
 * line stays within the width (a group of equal prio joins whole or not).
 */
enum col_kind {
	COL_COUNTER,
	COL_UTIL,
	COL_SPEED,
};

struct column {
	const char *head;
	enum col_kind kind;
	int counter;
	double scale; /* per-second value is multiplied by this */
	unsigned width;
	unsigned prio;
};

#define KIB (1 / 1024.0)

static const struct column dev_columns[] = {
	{ "rxpck/s", COL_COUNTER, IFC_RX_PACKETS, 1, 7, 0 },
	{ "txpck/s", COL_COUNTER, IFC_TX_PACKETS, 1, 7, 0 },
	{ "rxKiB/s", COL_COUNTER, IFC_RX_BYTES, KIB, 8, 0 },
	{ "txKiB/s", COL_COUNTER, IFC_TX_BYTES, KIB, 8, 0 },
	{ "rxerr/s", COL_COUNTER, IFC_RX_ERRORS, 1, 7, 3 },
	{ "txerr/s", COL_COUNTER, IFC_TX_ERRORS, 1, 7, 3 },
	{ "rxdrop/s", COL_COUNTER, IFC_RX_DROPPED, 1, 8, 2 },
	{ "txdrop/s", COL_COUNTER, IFC_TX_DROPPED, 1, 8, 2 },
	{ "rxfifo/s", COL_COUNTER, IFC_RX_FIFO_ERRORS, 1, 8, 6 },
	{ "txfifo/s", COL_COUNTER, IFC_TX_FIFO_ERRORS, 1, 8, 6 },
	{ "rxmcst/s", COL_COUNTER, IFC_MULTICAST, 1, 8, 5 },
	{ "%util", COL_UTIL, 0, 1, 5, 1 },
	{ "speed", COL_SPEED, 0, 1, 15, 4 },
};

/* sar -n EDEV's columns, in its order. */
static const struct column edev_columns[] = {
	{ "rxerr/s", COL_COUNTER, IFC_RX_ERRORS, 1, 7, 0 },
	{ "txerr/s", COL_COUNTER, IFC_TX_ERRORS, 1, 7, 0 },
	{ "coll/s", COL_COUNTER, IFC_COLLISIONS, 1, 7, 3 },
	{ "rxdrop/s", COL_COUNTER, IFC_RX_DROPPED, 1, 8, 0 },
	{ "txdrop/s", COL_COUNTER, IFC_TX_DROPPED, 1, 8, 0 },
	{ "txcarr/s", COL_COUNTER, IFC_TX_CARRIER_ERRORS, 1, 8, 2 },
	{ "rxfram/s", COL_COUNTER, IFC_RX_FRAME_ERRORS, 1, 8, 2 },
	{ "rxfifo/s", COL_COUNTER, IFC_RX_FIFO_ERRORS, 1, 8, 1 },
	{ "txfifo/s", COL_COUNTER, IFC_TX_FIFO_ERRORS, 1, 8, 1 },
	{ "%util", COL_UTIL, 0, 1, 5, 4 },
	{ "speed", COL_SPEED, 0, 1, 15, 5 },
};

#define LABEL_W	 8  /* "06:00:01", "Average:" */
#define IFACE_W	 15 /* IFNAMSIZ - 1 */
#define STATE_W	 14 /* "LOWERLAYERDOWN" */
#define MAX_PRIO 8

static const struct column *all_columns(const struct iface_render *r, size_t *nr)
{
	*nr = r->edev ? sizeof(edev_columns) / sizeof(edev_columns[0]) :
			sizeof(dev_columns) / sizeof(dev_columns[0]);
	return r->edev ? edev_columns : dev_columns;
}

/* Picks the columns that fit r->width, by priority; all of them for the full layout. */
static void lay_out(struct iface_render *r)
{
	size_t nr;
	const struct column *cols = all_columns(r, &nr);
	size_t used = LABEL_W + 1 + IFACE_W + 1 + STATE_W;
	unsigned prio_max = MAX_PRIO;

	for (unsigned p = 0; p <= MAX_PRIO && r->width; p++) {
		size_t need = 0;

		for (size_t i = 0; i < nr; i++)
			if (cols[i].prio == p)
				need += 1 + cols[i].width;
		if (p > 0 && used + need > r->width) {
			prio_max = p - 1;
			break;
		}
		used += need;
	}
	r->nr_cols = 0;
	for (size_t i = 0; i < nr; i++)
		if (cols[i].prio <= prio_max)
			r->cols[r->nr_cols++] = &cols[i];
	r->laid_out = true;
}

void iface_render_init(struct iface_render *r, struct outbuf *out, enum iface_render_fmt fmt)
{
	memset(r, 0, sizeof(*r));
	r->out = out;
	r->fmt = fmt;
	r->width = TERM_WIDTH_DEFAULT;
}

static void json_str(struct outbuf *ob, const char *s)
{
	outbuf_addch(ob, '"');
	outbuf_add_json_str(ob, s, strlen(s));
	outbuf_addch(ob, '"');
}

static void fmt_speed(char *buf, size_t size, const struct iface_sample *s)
{
	const char *d = iface_duplex_name(s->duplex);

	if (!iface_has_speed(s))
		snprintf(buf, size, "unknown");
	else
		snprintf(buf, size, "%lldMb/s%s%s", (long long)s->speed_mbps, d ? " " : "",
			 d ? d : "");
}

/* ---- text ---- */

static void text_header(struct iface_render *r, const char *label, bool first)
{
	struct outbuf *ob = r->out;

	if (!r->laid_out)
		lay_out(r);
	/* Blocks are separated by a blank line, as in sar. */
	outbuf_addf(ob, "%s%-*s %-*s", first ? "" : "\n", LABEL_W, label, IFACE_W, "IFACE");
	for (size_t i = 0; i < r->nr_cols; i++) {
		const struct column *c = r->cols[i];

		outbuf_addf(ob, c->kind == COL_SPEED ? " %-*s" : " %*s", (int)c->width, c->head);
	}
	outbuf_addstr(ob, " state\n");
}

/*
 * A row without a rate says why across its rate columns when that fits
 * ("no rate: interface vanished"), else a "-" in each, as sar would.
 */
static void text_norate(struct iface_render *r, const struct iface_rate *row, size_t *i)
{
	char why[64];
	size_t span = 0, k, len;

	for (k = *i; k < r->nr_cols && r->cols[k]->kind != COL_SPEED; k++)
		span += 1 + r->cols[k]->width;
	len = (size_t)snprintf(why, sizeof(why), "no rate: %s", iface_rate_state_text(row->state));
	if (len + 2 <= span) {
		outbuf_addf(r->out, "  %-*s", (int)(span - 2), why);
	} else {
		for (size_t j = *i; j < k; j++)
			outbuf_addf(r->out, " %*s", (int)r->cols[j]->width, "-");
	}
	*i = k;
}

static void text_cell(struct iface_render *r, const struct column *c, const struct iface_rate *row)
{
	char buf[48];

	switch (c->kind) {
	case COL_COUNTER:
		units_fmt_fit(buf, sizeof(buf), row->per_s[c->counter] * c->scale, c->width, 2);
		break;
	case COL_UTIL:
		if (row->util_pct >= 0)
			units_fmt_fit(buf, sizeof(buf), row->util_pct, c->width, 2);
		else
			snprintf(buf, sizeof(buf), "%*s", (int)c->width, "-");
		break;
	case COL_SPEED:
		fmt_speed(buf, sizeof(buf), &row->s);
		outbuf_addf(r->out, " %-*s", (int)c->width, buf);
		return;
	}
	outbuf_addch(r->out, ' ');
	outbuf_addstr(r->out, buf);
}

static void text_row(struct iface_render *r, const char *label, const struct iface_rate *row)
{
	struct outbuf *ob = r->out;
	const char *name = row->s.name;

	outbuf_addf(ob, "%-*s ", LABEL_W, label);
	/* interface names come from whoever created them: escaped, never cut */
	outbuf_pad(ob, outbuf_add_safe(ob, name, strnlen(name, sizeof(row->s.name))), IFACE_W);
	for (size_t i = 0; i < r->nr_cols; i++) {
		if (row->state != IFACE_RATE_OK && r->cols[i]->kind != COL_SPEED)
			text_norate(r, row, &i);
		if (i < r->nr_cols)
			text_cell(r, r->cols[i], row);
	}
	outbuf_addf(ob, " %s\n",
		    row->gone || row->state == IFACE_NORATE_GONE ?
			    "GONE" :
			    iface_operstate_name(row->s.operstate));
}

/* Under the Average block: the vanished interfaces it no longer holds. */
static void text_dropped(struct iface_render *r, const struct iface_block *b)
{
	if (b->average && b->nr_dropped)
		outbuf_addf(r->out,
			    "%-*s %llu more vanished interfaces not shown (the last %u are)\n",
			    LABEL_W, b->label, (unsigned long long)b->nr_dropped, b->max_gone);
}

/* ---- JSON ---- */

static void json_sample(struct outbuf *ob, const struct iface_sample *s)
{
	const char *d = iface_duplex_name(s->duplex);

	outbuf_addstr(ob, "{\"name\":");
	json_str(ob, s->name);
	outbuf_addf(ob, ",\"ifindex\":%d,\"kind\":", (int)s->ifindex);
	if (s->kind[0])
		json_str(ob, s->kind);
	else
		outbuf_addstr(ob, "null");
	outbuf_addf(ob, ",\"state\":\"%s\",\"up\":%s,\"mtu\":%u,\"speed_mbps\":",
		    iface_operstate_name(s->operstate), (s->flags & IFF_UP) ? "true" : "false",
		    s->mtu);
	if (iface_has_speed(s))
		outbuf_addf(ob, "%lld", (long long)s->speed_mbps);
	else
		outbuf_addstr(ob, "null");
	outbuf_addstr(ob, ",\"duplex\":");
	if (d && iface_has_speed(s))
		json_str(ob, d);
	else
		outbuf_addstr(ob, "null");
	outbuf_addf(ob, ",\"counters_bits\":%u", s->counters_bits);
}

static void json_row(struct outbuf *ob, const struct iface_rate *row, bool average)
{
	bool ok = row->state == IFACE_RATE_OK;
	const char *why = iface_rate_state_key(row->state);

	json_sample(ob, &row->s);
	outbuf_addf(ob, ",\"rate\":%s,\"no_rate\":", ok ? "true" : "false");
	if (why)
		json_str(ob, why);
	else
		outbuf_addstr(ob, "null");
	if (ok)
		outbuf_addf(ob, ",\"interval_s\":%.6f", (double)row->interval_ns / 1e9);
	else
		outbuf_addstr(ob, ",\"interval_s\":null");
	outbuf_addstr(ob, ",\"util_pct\":");
	if (ok && row->util_pct >= 0)
		outbuf_addf(ob, "%.2f", row->util_pct);
	else
		outbuf_addstr(ob, "null");
	for (int i = 0; i < IFC_NR; i++) {
		const char *name = iface_counter_name(i);

		if (!ok)
			outbuf_addf(ob, ",\"%s\":null,\"%s_per_s\":null", name, name);
		else
			outbuf_addf(ob, ",\"%s\":%llu,\"%s_per_s\":%.3f", name,
				    (unsigned long long)row->delta[i], name, row->per_s[i]);
	}
	/* The kernel's cumulative counters at the sample (not for averages, or the vanished). */
	if (average || row->state == IFACE_NORATE_GONE || !row->s.counters_bits) {
		outbuf_addstr(ob, ",\"totals\":null}");
		return;
	}
	outbuf_addstr(ob, ",\"totals\":{");
	for (int i = 0; i < IFC_NR; i++)
		outbuf_addf(ob, "%s\"%s\":%llu", i ? "," : "", iface_counter_name(i),
			    (unsigned long long)row->s.c[i]);
	outbuf_addstr(ob, "}}");
}

static void json_block(struct outbuf *ob, const struct iface_block *b,
		       const struct iface_rates *rates)
{
	outbuf_addstr(ob, "{\"time\":");
	json_str(ob, b->time_utc);
	if (b->average)
		outbuf_addf(ob, ",\"average\":true,\"intervals\":%u,\"gone_dropped\":%llu",
			    b->nr_intervals, (unsigned long long)b->nr_dropped);
	else
		outbuf_addf(ob, ",\"average\":false,\"interval_s\":%.6f",
			    (double)rates->interval_ns / 1e9);
	outbuf_addstr(ob, ",\"interfaces\":[");
	for (size_t i = 0; i < rates->nr; i++) {
		if (i)
			outbuf_addch(ob, ',');
		json_row(ob, &rates->v[i], b->average);
	}
	outbuf_addstr(ob, "]}\n");
}

/* ---- CSV ---- */

static void csv_header(struct outbuf *ob)
{
	outbuf_addstr(ob, "time,iface,ifindex,kind,state,speed_mbps,duplex,util_pct,no_rate,"
			  "interval_s");
	for (int i = 0; i < IFC_NR; i++)
		outbuf_addf(ob, ",%s_per_s", iface_counter_name(i));
	outbuf_addch(ob, '\n');
}

static void csv_row(struct outbuf *ob, const char *label, const struct iface_rate *row)
{
	const struct iface_sample *s = &row->s;
	const char *d = iface_duplex_name(s->duplex);
	bool ok = row->state == IFACE_RATE_OK;

	outbuf_add_csv_str(ob, label, strlen(label));
	outbuf_addch(ob, ',');
	outbuf_add_csv_str(ob, s->name, strlen(s->name));
	outbuf_addf(ob, ",%d,", (int)s->ifindex);
	outbuf_add_csv_str(ob, s->kind, strlen(s->kind));
	outbuf_addf(ob, ",%s,", iface_operstate_name(s->operstate));
	if (iface_has_speed(s))
		outbuf_addf(ob, "%lld,%s", (long long)s->speed_mbps, d ? d : "");
	else
		outbuf_addch(ob, ',');
	outbuf_addch(ob, ',');
	if (ok && row->util_pct >= 0)
		outbuf_addf(ob, "%.2f", row->util_pct);
	outbuf_addf(ob, ",%s,", ok ? "" : iface_rate_state_key(row->state));
	if (ok)
		outbuf_addf(ob, "%.6f", (double)row->interval_ns / 1e9);
	for (int i = 0; i < IFC_NR; i++) {
		if (ok)
			outbuf_addf(ob, ",%.3f", row->per_s[i]);
		else
			outbuf_addch(ob, ',');
	}
	outbuf_addch(ob, '\n');
}

void iface_render_block(struct iface_render *r, const struct iface_block *b,
			const struct iface_rates *rates)
{
	switch (r->fmt) {
	case IFACE_RENDER_JSON:
		json_block(r->out, b, rates);
		break;
	case IFACE_RENDER_CSV:
		if (!r->header_done)
			csv_header(r->out);
		r->header_done = true;
		for (size_t i = 0; i < rates->nr; i++)
			csv_row(r->out, b->label, &rates->v[i]);
		break;
	default:
		text_header(r, b->label, !r->header_done);
		r->header_done = true;
		for (size_t i = 0; i < rates->nr; i++)
			text_row(r, b->label, &rates->v[i]);
		text_dropped(r, b);
		break;
	}
}
