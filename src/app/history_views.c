// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The views of `connmon history`.  Time-series views print one row per
 * step (and per group: an interface), then sar's "Average:" rows; ranking
 * views (peers, listeners, procs) aggregate the range per group.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/history.h"
#include "app/history_grid.h"
#include "base/units.h"
#include "base/xalloc.h"

#define NETSTAT "connmon_netstat_total"

static void add_cell(struct hist *h, double v, const struct hist_col *c, bool text)
{
	if (h->fmt == HIST_TEXT) {
		if (isnan(v))
			strbuf_addf(&h->line, " %10s", "-");
		else
			strbuf_addf(&h->line, " %10.*f", c->decimals, v * c->scale);
	} else if (isnan(v)) {
		strbuf_addstr(&h->line, text ? "," : "null");
	} else {
		strbuf_addf(&h->line, "%.*f", c->decimals + 3, v * c->scale);
	}
}

static void json_key(struct hist *h, const char *head)
{
	strbuf_addch(&h->line, '"');
	for (const char *p = head; *p; p++)
		strbuf_addch(&h->line, *p == '/' ? '_' : *p == '%' ? 'p' : *p);
	strbuf_addstr(&h->line, "\":");
}

static void print_header(struct hist *h, const struct hist_grid *g, const char *group_head)
{
	strbuf_reset(&h->line);
	if (h->fmt == HIST_CSV) {
		strbuf_addstr(&h->line, "time");
		if (group_head)
			strbuf_addf(&h->line, ",%s", group_head);
		for (size_t c = 0; c < g->nr_cols; c++)
			if (g->cols[c].head)
				strbuf_addf(&h->line, ",%s", g->cols[c].head);
	} else {
		bool wide = h->until_ms - h->since_ms > 24 * 3600000LL;

		strbuf_addf(&h->line, "%-*s", wide ? 19 : 8, wide ? "DATE TIME" : "TIME");
		if (group_head)
			strbuf_addf(&h->line, " %-12s", group_head);
		for (size_t c = 0; c < g->nr_cols; c++)
			if (g->cols[c].head && !g->cols[c].machine_only)
				strbuf_addf(&h->line, " %10s", g->cols[c].head);
	}
	strbuf_addch(&h->line, '\n');
	outbuf_add(&h->out, h->line.buf, h->line.len);
}

static void print_row(struct hist *h, const struct hist_grid *g, const char *when, int64_t t_ms,
		      size_t gi, size_t t, bool avg)
{
	const char *grp = g->nr_group_keys ? g->groups[gi] : NULL;
	bool first = true;

	strbuf_reset(&h->line);
	if (h->fmt == HIST_JSON) {
		strbuf_addf(&h->line, "%s{", h->any ? ",\n" : "\n");
		if (avg)
			strbuf_addstr(&h->line, "\"average\":true");
		else
			strbuf_addf(&h->line, "\"t\":%lld,\"time\":\"%s\"", (long long)t_ms, when);
		if (grp)
			strbuf_addf(&h->line, ",\"%s\":\"%s\"", g->group_keys[0], grp);
		first = false;
	} else if (h->fmt == HIST_CSV) {
		strbuf_addstr(&h->line, when);
		if (grp)
			strbuf_addf(&h->line, ",%s", grp);
	} else {
		bool wide = h->until_ms - h->since_ms > 24 * 3600000LL;

		strbuf_addf(&h->line, "%-*s", wide ? 19 : 8, when);
		if (grp)
			strbuf_addf(&h->line, " %-12s", grp);
	}
	for (size_t c = 0; c < g->nr_cols; c++) {
		const struct hist_col *col = &g->cols[c];
		double v = avg ? hist_grid_mean(g, c, gi) : *hist_grid_cell_c(g, c, gi, t);

		if (!col->head || (col->machine_only && h->fmt == HIST_TEXT))
			continue;
		if (avg && col->field == HF_INCREASE)
			v = NAN; /* an average of increases means nothing */
		if (h->fmt == HIST_JSON) {
			if (!first)
				strbuf_addch(&h->line, ',');
			json_key(h, col->head);
			first = false;
		} else if (h->fmt == HIST_CSV) {
			strbuf_addch(&h->line, ',');
		}
		add_cell(h, v, col, h->fmt == HIST_CSV);
		if (h->fmt == HIST_CSV && isnan(v))
			h->line.len--, h->line.buf[h->line.len] = '\0'; /* an empty CSV cell */
	}
	strbuf_addstr(&h->line, h->fmt == HIST_JSON ? "}" : "\n");
	outbuf_add(&h->out, h->line.buf, h->line.len);
	h->any = true;
}

/* A time-series view: rows per step and group, then the averages. */
static int print_series_table(struct hist *h, struct hist_grid *g, const char *group_head,
			      const char *what)
{
	char when[32];
	int ret = hist_grid_build(h, g);

	if (ret < 0)
		return 1;
	if (!g->nr_times) {
		hist_empty(h, what, g->step_ms);
		return 0;
	}
	if (h->fmt == HIST_JSON)
		hist_json_begin(h, g->step_ms);
	else
		print_header(h, g, group_head);
	for (size_t t = 0; t < g->nr_times; t++)
		for (size_t gi = 0; gi < g->nr_groups; gi++) {
			bool any = false;

			for (size_t c = 0; c < g->nr_cols && !any; c++)
				any = !isnan(*hist_grid_cell_c(g, c, gi, t));
			if (!any)
				continue;
			hist_time(h, g->times[t], when, sizeof(when));
			print_row(h, g, when, g->times[t], gi, t, false);
		}
	if (h->fmt != HIST_CSV)
		for (size_t gi = 0; gi < g->nr_groups; gi++)
			print_row(h, g, "Average:", 0, gi, 0, true);
	if (h->fmt == HIST_JSON)
		hist_json_end(h);
	return 0;
}

/* ---- sockets ---- */

#define TCP_STATE(h_, s_)                                                           \
	{                                                                           \
		.head = h_, .name = "connmon_tcp_sockets", .k1 = "state", .v1 = s_, \
		.field = HF_MEAN, .scale = 1                                        \
	}

static double sum_states(const double *row)
{
	double s = 0;

	for (int i = 0; i < 11; i++)
		if (!isnan(row[i]))
			s += row[i];
	return s;
}

static const struct hist_col sockets_cols[] = {
	TCP_STATE("estab", "established"),
	TCP_STATE("synsent", "syn_sent"),
	TCP_STATE("synrecv", "syn_recv"),
	TCP_STATE("finwait1", "fin_wait1"),
	TCP_STATE("finwait2", "fin_wait2"),
	TCP_STATE("timewait", "time_wait"),
	TCP_STATE("close", "close"),
	TCP_STATE("closewait", "close_wait"),
	TCP_STATE("lastack", "last_ack"),
	TCP_STATE("listen", "listen"),
	TCP_STATE("closing", "closing"),
	{ "total", NULL, NULL, NULL, NULL, NULL, HF_MEAN, 1, 0, sum_states, false, false },
};

#define PORT_STATE(h_, s_)                                                                   \
	{                                                                                    \
		.head = h_, .name = "connmon_tcp_port_sockets", .k1 = "port", .k2 = "state", \
		.v2 = s_, .field = HF_MEAN, .scale = 1                                       \
	}

/*
 * Above 10,000 sockets the census runs less often than every tick
 * (docs/AGENT.md): say so under the table, with the longest period in force.
 */
static void census_note(struct hist *h)
{
	struct store_result res = { 0 };
	double most = 0;

	if (hist_query(h, "connmon_agent_census_period_seconds", NULL, NULL, NULL, NULL, &res))
		return;
	for (size_t i = 0; i < res.nr_series; i++)
		for (size_t k = 0; k < res.series[i].nr_points; k++)
			if (res.series[i].points[k].max > most)
				most = res.series[i].points[k].max;
	store_result_release(&res);
	if (most > 1.0 + 1e-9) {
		strbuf_reset(&h->line);
		strbuf_addf(&h->line,
			    "(the socket census ran at most every %g s in this range: above 10,000 "
			    "sockets it spaces itself out; rows are census times)\n",
			    most);
		outbuf_add(&h->out, h->line.buf, h->line.len);
	}
}

int hist_view_sockets(struct hist *h)
{
	struct hist_grid g = { .cols = sockets_cols, .nr_cols = 12 };
	struct hist_col port_cols[] = {
		PORT_STATE("estab", "established"),
		PORT_STATE("synsent", "syn_sent"),
		PORT_STATE("synrecv", "syn_recv"),
		PORT_STATE("timewait", "time_wait"),
		PORT_STATE("closewait", "close_wait"),
		PORT_STATE("other", "other"),
		{ "acceptq", "connmon_listen_queue", "port", NULL, NULL, NULL, HF_MAX, 1, 0, NULL,
		  false, false },
		{ "backlog", "connmon_listen_backlog", "port", NULL, NULL, NULL, HF_LAST, 1, 0,
		  NULL, false, false },
	};
	char port[8], what[64];
	int ret;

	if (h->o.port) {
		snprintf(port, sizeof(port), "%d", h->o.port);
		for (size_t i = 0; i < 8; i++)
			port_cols[i].v1 = port;
		g.cols = port_cols;
		g.nr_cols = 8;
		snprintf(what, sizeof(what), "socket counts for port %s", port);
	} else {
		snprintf(what, sizeof(what), "socket counts");
	}
	ret = print_series_table(h, &g, NULL, what);
	hist_grid_release(&g);
	if (!ret && h->fmt == HIST_TEXT)
		census_note(h);
	return ret;
}

/* ---- ifaces ---- */

#define IFC(h_, f_, scale_, dec)                                                    \
	{                                                                           \
		.head = h_, .name = "connmon_iface_" f_ "_total", .field = HF_RATE, \
		.scale = scale_, .decimals = dec                                    \
	}

static double ifutil(const double *row)
{
	/* rx, tx bytes/s in columns 2 and 3, the speed (bytes/s) in column 8 */
	double m = row[2] > row[3] ? row[2] : row[3];

	return row[8] > 0 && !isnan(m) ? m / row[8] * 100 : NAN;
}

static const struct hist_col dev_cols[] = {
	IFC("rxpck/s", "rx_packets", 1, 2),
	IFC("txpck/s", "tx_packets", 1, 2),
	IFC("rxkB/s", "rx_bytes", 1.0 / 1024, 2),
	IFC("txkB/s", "tx_bytes", 1.0 / 1024, 2),
	IFC("rxcmp/s", "rx_compressed", 1, 2),
	IFC("txcmp/s", "tx_compressed", 1, 2),
	IFC("rxmcst/s", "rx_multicast", 1, 2),
	{ "%ifutil", NULL, NULL, NULL, NULL, NULL, HF_MEAN, 1, 2, ifutil, false, false },
	{ NULL, "connmon_iface_speed_bytes_per_second", NULL, NULL, NULL, NULL, HF_LAST, 1, 0, NULL,
	  false, false },
	{ "rx_bytes", "connmon_iface_rx_bytes_total", NULL, NULL, NULL, NULL, HF_INCREASE, 1, 0,
	  NULL, true, false },
	{ "tx_bytes", "connmon_iface_tx_bytes_total", NULL, NULL, NULL, NULL, HF_INCREASE, 1, 0,
	  NULL, true, false },
};

static const struct hist_col edev_cols[] = {
	IFC("rxerr/s", "rx_errors", 1, 2),	  IFC("txerr/s", "tx_errors", 1, 2),
	IFC("coll/s", "collisions", 1, 2),	  IFC("rxdrop/s", "rx_dropped", 1, 2),
	IFC("txdrop/s", "tx_dropped", 1, 2),	  IFC("txcarr/s", "tx_carrier_errors", 1, 2),
	IFC("rxfram/s", "rx_frame_errors", 1, 2), IFC("rxfifo/s", "rx_fifo_errors", 1, 2),
	IFC("txfifo/s", "tx_fifo_errors", 1, 2),
};

int hist_view_ifaces(struct hist *h)
{
	static const char *const keys[] = { "iface" };
	struct hist_col cols[HIST_MAX_COLS];
	const struct hist_col *src = h->o.edev ? edev_cols : dev_cols;
	size_t n = h->o.edev ? 9 : 11;
	struct hist_grid g = { .cols = cols, .nr_cols = n, .group_keys = keys, .nr_group_keys = 1 };
	int ret;

	memcpy(cols, src, n * sizeof(*cols));
	if (h->o.nr_ifaces == 1) /* one interface: matched in the store */
		for (size_t i = 0; i < n; i++)
			if (cols[i].name) {
				cols[i].k1 = "iface";
				cols[i].v1 = h->o.ifaces[0];
			}
	ret = print_series_table(h, &g, "IFACE", "interface counters");
	hist_grid_release(&g);
	return ret;
}

/* ---- proto ---- */

#define TCPC(h_, c_)                                                                      \
	{                                                                                 \
		.head = h_, .name = NETSTAT, .k1 = "counter", .v1 = c_, .field = HF_RATE, \
		.scale = 1, .decimals = 2, .zero_if_absent = true                         \
	}

static double retrans_pct(const double *row)
{
	/* retrans/s in column 6, oseg/s in column 3 */
	return row[3] > 0 && !isnan(row[6]) ? row[6] / row[3] * 100 : NAN;
}

static const struct hist_col proto_cols[] = {
	TCPC("active/s", "TcpActiveOpens"),
	TCPC("passive/s", "TcpPassiveOpens"),
	TCPC("iseg/s", "TcpInSegs"),
	TCPC("oseg/s", "TcpOutSegs"),
	TCPC("atmptf/s", "TcpAttemptFails"),
	TCPC("estres/s", "TcpEstabResets"),
	TCPC("retrans/s", "TcpRetransSegs"),
	TCPC("isegerr/s", "TcpInErrs"),
	TCPC("orsts/s", "TcpOutRsts"),
	{ "%retrans", NULL, NULL, NULL, NULL, NULL, HF_MEAN, 1, 3, retrans_pct, false, false },
};

int hist_view_proto(struct hist *h)
{
	struct hist_grid g = { .cols = proto_cols, .nr_cols = 10 };
	int ret = print_series_table(h, &g, NULL, "protocol counters");

	hist_grid_release(&g);
	return ret;
}
