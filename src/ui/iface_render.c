// SPDX-License-Identifier: GPL-2.0-or-later
#include "ui/iface_render.h"

#include <stdio.h>
#include <string.h>

#include <linux/if.h>

/* The text table's rate columns: header and counter, per second. */
struct column {
	const char *head;
	int counter;
	double scale; /* per-second value is multiplied by this */
};

static const struct column columns[] = {
	{ "rxpck/s", IFC_RX_PACKETS, 1 },	{ "txpck/s", IFC_TX_PACKETS, 1 },
	{ "rxkB/s", IFC_RX_BYTES, 1 / 1024.0 }, { "txkB/s", IFC_TX_BYTES, 1 / 1024.0 },
	{ "rxerr/s", IFC_RX_ERRORS, 1 },	{ "txerr/s", IFC_TX_ERRORS, 1 },
	{ "rxdrop/s", IFC_RX_DROPPED, 1 },	{ "txdrop/s", IFC_TX_DROPPED, 1 },
	{ "rxfifo/s", IFC_RX_FIFO_ERRORS, 1 },	{ "txfifo/s", IFC_TX_FIFO_ERRORS, 1 },
	{ "rxmcst/s", IFC_MULTICAST, 1 },
};

/* sar -n EDEV's columns, in its order. */
static const struct column edev_columns[] = {
	{ "rxerr/s", IFC_RX_ERRORS, 1 },	{ "txerr/s", IFC_TX_ERRORS, 1 },
	{ "coll/s", IFC_COLLISIONS, 1 },	{ "rxdrop/s", IFC_RX_DROPPED, 1 },
	{ "txdrop/s", IFC_TX_DROPPED, 1 },	{ "txcarr/s", IFC_TX_CARRIER_ERRORS, 1 },
	{ "rxfram/s", IFC_RX_FRAME_ERRORS, 1 }, { "rxfifo/s", IFC_RX_FIFO_ERRORS, 1 },
	{ "txfifo/s", IFC_TX_FIFO_ERRORS, 1 },
};

#define COL_W 10

static const struct column *text_columns(const struct iface_render *r, size_t *nr)
{
	*nr = r->edev ? sizeof(edev_columns) / sizeof(edev_columns[0]) :
			sizeof(columns) / sizeof(columns[0]);
	return r->edev ? edev_columns : columns;
}

void iface_render_init(struct iface_render *r, struct outbuf *out, enum iface_render_fmt fmt)
{
	memset(r, 0, sizeof(*r));
	r->out = out;
	r->fmt = fmt;
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

static void text_header(const struct iface_render *r, const char *label, bool first)
{
	size_t nr;
	const struct column *cols = text_columns(r, &nr);
	struct outbuf *ob = r->out;

	/* Blocks are separated by a blank line, as in sar. */
	outbuf_addf(ob, "%s%-11s %-15s", first ? "" : "\n", label, "IFACE");
	for (size_t i = 0; i < nr; i++)
		outbuf_addf(ob, " %*s", COL_W, cols[i].head);
	outbuf_addf(ob, " %7s  %-16s %s\n", "%util", "speed", "state");
}

static void text_row(const struct iface_render *r, const char *label, const struct iface_rate *row)
{
	char speed[48], util[16];
	bool ok = row->state == IFACE_RATE_OK;
	size_t nr;
	const struct column *cols = text_columns(r, &nr);
	struct outbuf *ob = r->out;

	outbuf_addf(ob, "%-11s ", label);
	outbuf_pad(ob, outbuf_add_safe(ob, row->s.name, strnlen(row->s.name, sizeof(row->s.name))),
		   15);
	for (size_t i = 0; i < nr; i++) {
		if (ok)
			outbuf_addf(ob, " %*.2f", COL_W,
				    row->per_s[cols[i].counter] * cols[i].scale);
		else
			outbuf_addf(ob, " %*s", COL_W, "-");
	}
	fmt_speed(speed, sizeof(speed), &row->s);
	if (ok && row->util_pct >= 0)
		snprintf(util, sizeof(util), "%.2f", row->util_pct);
	else
		snprintf(util, sizeof(util), "-");
	outbuf_addf(ob, " %7s  %-16s %s", util, speed, iface_operstate_name(row->s.operstate));
	if (!ok)
		outbuf_addf(ob, "  no rate: %s", iface_rate_state_text(row->state));
	outbuf_addch(ob, '\n');
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
		outbuf_addf(ob, ",\"average\":true,\"intervals\":%u", b->nr_intervals);
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
		break;
	}
}
