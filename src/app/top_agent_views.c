// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The views of `connmon top` in agent mode (docs/COMMANDS-top.md, "Agent
 * mode"): each fills its table from the agent's frame (ctx->frame, the body
 * of GET /api/v1/live) instead of its own collection.  A view module calls
 * its function here at the top of its fill() when ctx->frame is set.
 * Every number is the frame's: nothing is computed here but sums and shares.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "app/top_views_int.h"
#include "base/units.h"

enum {
	A_AREA,
	A_ITEM,
	A_VALUE,
	A_SHARE,
	A_NOTE,
	A_NR
};

static const struct top_col ov_cols[A_NR] = {
	[A_AREA] = { "Area", 9, 7, 0, TOP_ALIGN_LEFT, false },
	[A_ITEM] = { "Item", 26, 16, 0, TOP_ALIGN_LEFT, false },
	[A_VALUE] = { "Value", 12, 8, 0, TOP_ALIGN_RIGHT, true },
	[A_SHARE] = { "Share", 7, 6, 0, TOP_ALIGN_RIGHT, true },
	[A_NOTE] = { "Note", 30, 10, 1, TOP_ALIGN_LEFT, false },
};

static const char *const state_labels[AGENT_FRAME_STATES] = {
	"ESTAB",  "SYN-SENT",	"SYN-RECV", "FIN-WAIT-1", "FIN-WAIT-2", "TIME-WAIT",
	"UNCONN", "CLOSE-WAIT", "LAST-ACK", "LISTEN",	  "CLOSING",
};

static const char *const health_labels[AFH_NR] = {
	"retransmits/s",      "retransmit ratio", "segments out/s",	 "segments in/s",
	"listen overflows/s", "listen drops/s",	  "failed connects/s",	 "resets of estab/s",
	"bad segments in/s",  "RSTs out/s",	  "active opens/s",	 "passive opens/s",
	"syncookies sent/s",  "UDP in errors/s",  "UDP rcvbuf errors/s",
};

static size_t row(struct top_table *t, const char *area, const char *item,
		  const struct top_ref *ref)
{
	size_t i = top_table_add(t, ref);

	top_table_set(t, i, A_AREA, area, 0);
	top_table_set(t, i, A_ITEM, item, 0);
	return i;
}

static void value(struct top_table *t, size_t i, double v)
{
	if (isnan(v))
		top_table_set(t, i, A_VALUE, "-", -1);
	else if (v == floor(v) && fabs(v) < 1e15)
		top_table_setf(t, i, A_VALUE, v, "%.0f", v);
	else
		top_table_setf(t, i, A_VALUE, v, "%.2f", v);
}

static double tcp_total(const struct agent_frame *f)
{
	double sum = 0;

	for (size_t i = 0; i < AGENT_FRAME_STATES; i++)
		sum += isnan(f->states[i]) ? 0 : f->states[i];
	return sum;
}

static void ov_sockets_states(const struct agent_frame *f, struct top_table *t)
{
	double total = tcp_total(f);
	char item[48];
	size_t i;

	for (size_t k = 0; k < f->nr_sockets; k++) {
		top_textf(item, sizeof(item), "%s %s", f->sockets[k].proto, f->sockets[k].family);
		value(t, row(t, "sockets", item, NULL), f->sockets[k].count);
	}
	for (size_t k = 0; k < AGENT_FRAME_STATES; k++) {
		if (isnan(f->states[k]) || (!f->states[k] && k != 0 && k != 5 && k != 7))
			continue;
		i = row(t, "states", state_labels[k], NULL);
		value(t, i, f->states[k]);
		if (total > 0)
			top_table_setf(t, i, A_SHARE, 100 * f->states[k] / total, "%.1f%%",
				       100 * f->states[k] / total);
	}
}

static void ov_tops(const struct agent_frame *f, struct top_table *t)
{
	struct top_ref ref;
	char item[96];
	size_t i;

	for (size_t k = 0; k < f->nr_peers && k < 5; k++) {
		bool ok = top_ref_parse_peer(&ref, f->peers[k].addr);

		i = row(t, "peers", f->peers[k].addr, ok ? &ref : NULL);
		value(t, i, f->peers[k].sockets);
		top_table_setf(t, i, A_NOTE, 0, "%.0f established", f->peers[k].established);
	}
	for (size_t k = 0; k < f->nr_ports && k < 3; k++) {
		ref = (struct top_ref){ .kind = TOP_REF_PORT,
					.proto = 6,
					.sport = (uint16_t)f->ports[k].port };
		top_textf(item, sizeof(item), "port %d", f->ports[k].port);
		i = row(t, "listen", item, &ref);
		value(t, i, f->ports[k].sockets);
		if (!isnan(f->ports[k].queue) && !isnan(f->ports[k].backlog))
			top_table_setf(t, i, A_NOTE, 0, "queue %.0f of %.0f", f->ports[k].queue,
				       f->ports[k].backlog);
	}
	for (size_t k = 0; k < f->nr_close_wait && k < 3; k++) {
		const struct agent_frame_proc *p = &f->close_wait[k];

		ref = (struct top_ref){ .kind = TOP_REF_PROC, .pid = (int32_t)p->pid };
		top_textf(ref.name, sizeof(ref.name), "%s", p->comm);
		if (p->pid >= 0)
			top_textf(item, sizeof(item), "%s[%lld]", p->comm, (long long)p->pid);
		else
			top_textf(item, sizeof(item), "%s", p->comm);
		i = row(t, "CLOSE-WAIT", item, p->pid > 0 ? &ref : NULL);
		value(t, i, p->rx);
	}
}

static void ov_traffic_health(const struct agent_frame *f, struct top_table *t)
{
	char buf[UNITS_BUF_LEN];
	double rx = 0, tx = 0;
	size_t i;

	for (size_t k = 0; k < f->nr_ifaces; k++) {
		rx += isnan(f->ifaces[k].rx_bps) ? 0 : f->ifaces[k].rx_bps;
		tx += isnan(f->ifaces[k].tx_bps) ? 0 : f->ifaces[k].tx_bps;
	}
	i = row(t, "traffic", "all interfaces RX/s", NULL);
	top_table_set(t, i, A_VALUE, units_fmt(buf, sizeof(buf), rx, UNITS_BYTES_PER_S), rx);
	top_table_setf(t, i, A_NOTE, 0, "%zu interfaces", f->nr_ifaces);
	i = row(t, "traffic", "all interfaces TX/s", NULL);
	top_table_set(t, i, A_VALUE, units_fmt(buf, sizeof(buf), tx, UNITS_BYTES_PER_S), tx);
	for (size_t k = 0; k < AFH_NR; k++) {
		if (isnan(f->health[k]))
			continue;
		i = row(t, "health", health_labels[k], NULL);
		if (k == AFH_RETRANS_RATIO)
			top_table_setf(t, i, A_SHARE, f->health[k], "%.2f%%", 100 * f->health[k]);
		else
			value(t, i, f->health[k]);
	}
}

static void ov_alerts(const struct agent_frame *f, struct top_table *t)
{
	struct top_ref ref;
	size_t i;

	for (size_t k = 0; k < f->nr_alerts; k++) {
		const struct agent_frame_alert *a = &f->alerts[k];
		bool peer = top_ref_parse_peer(&ref, a->subject);

		i = row(t, "alerts", a->rule, peer ? &ref : NULL);
		top_table_set(t, i, A_VALUE, a->severity, 0);
		top_table_set(t, i, A_NOTE, a->summary[0] ? a->summary : a->subject, 0);
	}
	if (f->blocks_active >= 0) {
		i = row(t, "alerts", "blocks in force", NULL);
		value(t, i, (double)f->blocks_active);
	}
}

/* "(stale)" or the census's age, for the titles. */
static const char *when(const struct top_ctx *ctx)
{
	return ctx->frame_stale ? " (stale: the agent does not answer)" : "";
}

int top_agent_fill_overview(const struct top_ctx *ctx, struct top_table *t)
{
	const struct agent_frame *f = ctx->frame;

	top_table_reset(t, ov_cols, A_NR);
	ov_sockets_states(f, t);
	ov_tops(f, t);
	ov_traffic_health(f, t);
	ov_alerts(f, t);
	top_textf(t->title, sizeof(t->title),
		  "overview (agent): %.0f TCP sockets, %zu alert%s firing%s", tcp_total(f),
		  f->nr_alerts, f->nr_alerts == 1 ? "" : "s", when(ctx));
	top_textf(t->summary, sizeof(t->summary),
		  "ESTAB %.0f  TIME-WAIT %.0f  CLOSE-WAIT %.0f  LISTEN %.0f%s",
		  isnan(f->states[0]) ? 0 : f->states[0], isnan(f->states[5]) ? 0 : f->states[5],
		  isnan(f->states[7]) ? 0 : f->states[7], isnan(f->states[9]) ? 0 : f->states[9],
		  f->census_ms < 0 ? "  (no socket census yet)" : "");
	return 0;
}

enum {
	I_NAME,
	I_RX,
	I_TX,
	I_RXPK,
	I_TXPK,
	I_UTIL,
	I_ERRS,
	I_DROPS,
	I_SPEED,
	I_NR
};

static const struct top_col if_cols[I_NR] = {
	[I_NAME] = { "Iface", 12, 6, 0, TOP_ALIGN_LEFT, false },
	[I_RX] = { "RX/s", 10, 8, 0, TOP_ALIGN_RIGHT, true },
	[I_TX] = { "TX/s", 10, 8, 0, TOP_ALIGN_RIGHT, true },
	[I_RXPK] = { "RXpkt/s", 8, 7, 1, TOP_ALIGN_RIGHT, true },
	[I_TXPK] = { "TXpkt/s", 8, 7, 1, TOP_ALIGN_RIGHT, true },
	[I_UTIL] = { "Util%", 6, 5, 0, TOP_ALIGN_RIGHT, true },
	[I_ERRS] = { "Err/s", 6, 5, 2, TOP_ALIGN_RIGHT, true },
	[I_DROPS] = { "Drop/s", 6, 6, 2, TOP_ALIGN_RIGHT, true },
	[I_SPEED] = { "Speed", 8, 6, 3, TOP_ALIGN_RIGHT, true },
};

static void cell_rate(struct top_table *t, size_t i, size_t col, double v, enum units_kind kind)
{
	char buf[UNITS_BUF_LEN];

	if (isnan(v))
		top_table_set(t, i, col, "-", -1);
	else if (kind == UNITS_BYTES_PER_S)
		top_table_set(t, i, col, units_fmt(buf, sizeof(buf), v, kind), v);
	else
		top_table_setf(t, i, col, v, "%.0f", v);
}

int top_agent_fill_ifaces(const struct top_ctx *ctx, struct top_table *t)
{
	const struct agent_frame *f = ctx->frame;

	top_table_reset(t, if_cols, I_NR);
	for (size_t k = 0; k < f->nr_ifaces; k++) {
		const struct agent_frame_iface *x = &f->ifaces[k];
		struct top_ref ref = { .kind = TOP_REF_IFACE };
		size_t i;

		top_textf(ref.name, sizeof(ref.name), "%s", x->name);
		i = top_table_add(t, &ref);
		top_table_set(t, i, I_NAME, x->name, 0);
		cell_rate(t, i, I_RX, x->rx_bps, UNITS_BYTES_PER_S);
		cell_rate(t, i, I_TX, x->tx_bps, UNITS_BYTES_PER_S);
		cell_rate(t, i, I_RXPK, x->rx_pps, UNITS_BYTES);
		cell_rate(t, i, I_TXPK, x->tx_pps, UNITS_BYTES);
		cell_rate(t, i, I_ERRS, x->errors, UNITS_BYTES);
		cell_rate(t, i, I_DROPS, x->drops, UNITS_BYTES);
		if (!isnan(x->speed) && x->speed > 0) {
			double u = 100 * 8 *
				   fmax(isnan(x->rx_bps) ? 0 : x->rx_bps,
					isnan(x->tx_bps) ? 0 : x->tx_bps) /
				   x->speed;

			top_table_setf(t, i, I_UTIL, u, "%.1f", u);
			top_table_setf(t, i, I_SPEED, x->speed, "%.0fM", x->speed / 1e6);
		}
	}
	top_textf(t->title, sizeof(t->title), "ifaces (agent): %zu%s", f->nr_ifaces, when(ctx));
	return 0;
}

enum {
	P_PID,
	P_PROGRAM,
	P_SENT,
	P_RECV,
	P_NR
};

static const struct top_col pr_cols[P_NR] = {
	[P_PID] = { "PID", 7, 5, 0, TOP_ALIGN_RIGHT, true },
	[P_PROGRAM] = { "PROGRAM", 40, 12, 0, TOP_ALIGN_LEFT, false },
	[P_SENT] = { "SENT/S", 10, 9, 0, TOP_ALIGN_RIGHT, true },
	[P_RECV] = { "RECV/S", 10, 9, 0, TOP_ALIGN_RIGHT, true },
};

int top_agent_fill_procs(const struct top_ctx *ctx, struct top_table *t)
{
	const struct agent_frame *f = ctx->frame;

	top_table_reset(t, pr_cols, P_NR);
	for (size_t k = 0; k < f->nr_procs; k++) {
		const struct agent_frame_proc *p = &f->procs[k];
		struct top_ref ref = { .kind = TOP_REF_PROC, .pid = (int32_t)p->pid };
		size_t i;

		top_textf(ref.name, sizeof(ref.name), "%s", p->comm);
		i = top_table_add(t, p->pid > 0 ? &ref : NULL);
		top_table_setf(t, i, P_PID, (double)p->pid, "%lld", (long long)p->pid);
		top_table_set(t, i, P_PROGRAM, p->comm, 0);
		cell_rate(t, i, P_SENT, p->tx, UNITS_BYTES_PER_S);
		cell_rate(t, i, P_RECV, p->rx, UNITS_BYTES_PER_S);
	}
	top_textf(t->title, sizeof(t->title),
		  "procs (agent): the %zu processes that moved the most TCP bytes%s", f->nr_procs,
		  when(ctx));
	return 0;
}

enum {
	L_PORT,
	L_SOCKETS,
	L_QUEUE,
	L_BACKLOG,
	L_FILL,
	L_NR
};

static const struct top_col li_cols[L_NR] = {
	[L_PORT] = { "Port", 7, 5, 0, TOP_ALIGN_RIGHT, true },
	[L_SOCKETS] = { "Sockets", 8, 7, 0, TOP_ALIGN_RIGHT, true },
	[L_QUEUE] = { "Queue", 6, 5, 0, TOP_ALIGN_RIGHT, true },
	[L_BACKLOG] = { "Backlog", 8, 7, 0, TOP_ALIGN_RIGHT, true },
	[L_FILL] = { "Fill%", 6, 5, 1, TOP_ALIGN_RIGHT, true },
};

int top_agent_fill_listeners(const struct top_ctx *ctx, struct top_table *t)
{
	const struct agent_frame *f = ctx->frame;

	top_table_reset(t, li_cols, L_NR);
	for (size_t k = 0; k < f->nr_ports; k++) {
		const struct agent_frame_port *p = &f->ports[k];
		struct top_ref ref = { .kind = TOP_REF_PORT,
				       .proto = 6,
				       .sport = (uint16_t)p->port };
		size_t i = top_table_add(t, &ref);

		top_table_setf(t, i, L_PORT, p->port, "%d", p->port);
		cell_rate(t, i, L_SOCKETS, p->sockets, UNITS_BYTES);
		cell_rate(t, i, L_QUEUE, p->queue, UNITS_BYTES);
		cell_rate(t, i, L_BACKLOG, p->backlog, UNITS_BYTES);
		if (!isnan(p->queue) && p->backlog > 0)
			top_table_setf(t, i, L_FILL, 100 * p->queue / p->backlog, "%.0f",
				       100 * p->queue / p->backlog);
	}
	top_textf(t->title, sizeof(t->title),
		  "listeners (agent): the %zu TCP ports with most sockets%s", f->nr_ports,
		  when(ctx));
	return 0;
}

enum {
	F_PEER,
	F_SOCKETS,
	F_ESTAB,
	F_NR
};

static const struct top_col fl_cols[F_NR] = {
	[F_PEER] = { "PEER", 40, 15, 0, TOP_ALIGN_LEFT, false },
	[F_SOCKETS] = { "SOCKETS", 8, 7, 0, TOP_ALIGN_RIGHT, true },
	[F_ESTAB] = { "ESTAB", 8, 5, 0, TOP_ALIGN_RIGHT, true },
};

int top_agent_fill_flows(const struct top_ctx *ctx, const struct top_narrow *n, struct top_table *t)
{
	const struct agent_frame *f = ctx->frame;

	top_table_reset(t, fl_cols, F_NR);
	for (size_t k = 0; k < f->nr_peers; k++) {
		struct top_ref ref;
		bool ok = top_ref_parse_peer(&ref, f->peers[k].addr);
		size_t i;

		if (ok && !top_flow_in_narrow(ref.family, (const uint8_t *)&ref.dst,
					      (const uint8_t *)&ref.dst, n))
			continue;
		i = top_table_add(t, ok ? &ref : NULL);
		top_table_set(t, i, F_PEER, f->peers[k].addr, 0);
		cell_rate(t, i, F_SOCKETS, f->peers[k].sockets, UNITS_BYTES);
		cell_rate(t, i, F_ESTAB, f->peers[k].established, UNITS_BYTES);
	}
	top_textf(t->title, sizeof(t->title),
		  "flows (agent): no per-flow capture in the agent; top peers by TCP sockets%s",
		  when(ctx));
	return 0;
}

enum {
	R_SEV,
	R_STATUS,
	R_STARTED,
	R_RULE,
	R_SUBJECT,
	R_DETAIL,
	R_NR
};

static const struct top_col al_cols[R_NR] = {
	[R_SEV] = { "SEVERITY", 8, 4, 2, TOP_ALIGN_LEFT, false },
	[R_STATUS] = { "STATUS", 9, 7, 0, TOP_ALIGN_LEFT, false },
	[R_STARTED] = { "STARTED", 24, 8, 1, TOP_ALIGN_LEFT, false },
	[R_RULE] = { "RULE", 20, 10, 0, TOP_ALIGN_LEFT, false },
	[R_SUBJECT] = { "SUBJECT", 28, 15, 0, TOP_ALIGN_LEFT, false },
	[R_DETAIL] = { "DETAIL", 60, 10, 1, TOP_ALIGN_LEFT, false },
};

int top_agent_fill_alerts(const struct top_ctx *ctx, struct top_table *t)
{
	const struct agent_frame *f = ctx->frame;

	top_table_reset(t, al_cols, R_NR);
	for (size_t k = 0; k < f->nr_alerts; k++) {
		const struct agent_frame_alert *a = &f->alerts[k];
		struct top_ref ref;
		size_t i;

		if (!top_ref_parse_peer(&ref, a->subject))
			memset(&ref, 0, sizeof(ref));
		ref.kind = TOP_REF_ALERT;
		ref.id = a->id > 0 ? (uint64_t)a->id : 0;
		top_textf(ref.name, sizeof(ref.name), "%s", a->rule);
		i = top_table_add(t, &ref);
		top_table_set(t, i, R_SEV, a->severity, 0);
		top_table_set(t, i, R_STATUS, a->status[0] ? a->status : "firing", 0);
		top_table_set(t, i, R_STARTED, a->started_at, 0);
		top_table_set(t, i, R_RULE, a->rule, 0);
		top_table_set(t, i, R_SUBJECT, a->subject[0] ? a->subject : "(host)", 0);
		top_table_set(t, i, R_DETAIL, a->summary, 0);
	}
	top_textf(t->title, sizeof(t->title), "alerts (agent): %zu firing, %lld block%s in force%s",
		  f->nr_alerts, (long long)(f->blocks_active < 0 ? 0 : f->blocks_active),
		  f->blocks_active == 1 ? "" : "s", when(ctx));
	top_textf(t->summary, sizeof(t->summary),
		  "from the agent's frame; the blocks themselves: connmon blocks");
	return 0;
}
