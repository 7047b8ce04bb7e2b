// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The overview of `connmon top`: the key figures of `connmon` and
 * `connmon summary` as rows (area, item, value, share, note): socket
 * totals, TCP states with their shares, the TIME-WAIT flag and the
 * CLOSE-WAIT holders, capacity against the kernel's limits, the fullest
 * listen queues, the top peers, the interfaces' total rates and the
 * protocol health of the last interval.
 *
 * The figures come from the same code as `connmon summary`
 * (analyze/sock_summary over the same walk, analyze/health for what is
 * flagged, collect/limits for sockstat and the limits), so both show the
 * same numbers for the same sockets.  Peer rows stand for the peer: Enter
 * opens its flows, b blocks it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "analyze/health.h"
#include "analyze/rates.h"
#include "analyze/sock_summary.h"
#include "app/top_view.h"
#include "app/top_views_int.h"
#include "base/units.h"
#include "base/xalloc.h"
#include "collect/limits.h"

#define TOP_PEERS     5
#define TOP_LISTENERS 3
#define TOP_CW_PROCS  3

enum {
	C_AREA,
	C_ITEM,
	C_VALUE,
	C_SHARE,
	C_NOTE,
	NR_C,
};

static const struct top_col cols[NR_C] = {
	[C_AREA] = { "Area", 9, 7, 0, TOP_ALIGN_LEFT, false },
	[C_ITEM] = { "Item", 26, 16, 0, TOP_ALIGN_LEFT, false },
	[C_VALUE] = { "Value", 12, 8, 0, TOP_ALIGN_RIGHT, true },
	[C_SHARE] = { "Share", 7, 6, 0, TOP_ALIGN_RIGHT, true },
	[C_NOTE] = { "Note", 30, 10, 1, TOP_ALIGN_LEFT, false },
};

struct overview_view {
	struct sock_summary sum;
	struct net_limits lim;
	struct sockstat st;
	struct iface_rates rates;
};

static void *overview_open(const char *filter_text, int *err)
{
	struct overview_view *v = xcalloc(1, sizeof(*v));

	(void)filter_text;
	(void)err;
	sock_summary_init(&v->sum, 0, 0);
	iface_rates_init(&v->rates);
	return v;
}

static void overview_close(void *p)
{
	struct overview_view *v = p;

	sock_summary_release(&v->sum);
	iface_rates_release(&v->rates);
	free(v);
}

static void overview_begin(void *p, const struct top_ctx *ctx)
{
	struct overview_view *v = p;

	net_limits_read(&v->lim, "/proc");
	/* as `connmon summary -N` does: the global sysctls come from where we started */
	if (ctx->outside && v->lim.tcp_max_orphans < 0)
		v->lim.tcp_max_orphans = ctx->outside->tcp_max_orphans;
	sock_summary_release(&v->sum);
	sock_summary_init(&v->sum, v->lim.port_hi > 0 ? (uint16_t)v->lim.port_lo : 0,
			  v->lim.port_hi > 0 ? (uint16_t)v->lim.port_hi : 0);
}

static int overview_sock(void *p, const struct sock_entry *s)
{
	struct overview_view *v = p;

	sock_summary_add(&v->sum, s);
	return 0;
}

static size_t row(struct top_table *t, const char *area, const char *item,
		  const struct top_ref *ref)
{
	size_t i = top_table_add(t, ref);

	top_table_set(t, i, C_AREA, area, 0);
	top_table_set(t, i, C_ITEM, item, 0);
	return i;
}

static void value(struct top_table *t, size_t i, uint64_t v)
{
	top_table_setf(t, i, C_VALUE, (double)v, "%llu", (unsigned long long)v);
}

static void share(struct top_table *t, size_t i, double pct, bool warn, const char *note)
{
	if (pct >= 0)
		top_table_setf(t, i, C_SHARE, pct, "%.1f%%", pct);
	if (warn || note)
		top_table_setf(t, i, C_NOTE, 0, "%s%s", warn ? "! " : "", note ? note : "flagged");
}

static void rows_sockets(struct overview_view *v, struct top_table *t)
{
	const struct sock_summary *s = &v->sum;

	static const struct {
		enum sock_proto p;
		const char *name;
	} protos[] = { { PROTO_TCP, "TCP" }, { PROTO_UDP, "UDP" }, { PROTO_RAW, "RAW" } };

	char item[64];
	size_t i;

	if (v->st.v[SOCKSTAT_SOCKETS_USED] >= 0) {
		i = row(t, "sockets", "in use (sockstat)", NULL);
		value(t, i, (uint64_t)v->st.v[SOCKSTAT_SOCKETS_USED]);
	}
	for (size_t k = 0; k < sizeof(protos) / sizeof(protos[0]); k++) {
		const uint64_t *n = s->by_proto[protos[k].p];

		snprintf(item, sizeof(item), "%s (v4 %llu / v6 %llu)", protos[k].name,
			 (unsigned long long)n[0], (unsigned long long)n[1]);
		i = row(t, "sockets", item, NULL);
		value(t, i, n[0] + n[1]);
	}
}

static void rows_states(struct overview_view *v, const struct top_ctx *ctx, struct top_table *t)
{
	const struct sock_summary *s = &v->sum;
	struct sock_proc_count *cw = NULL;
	size_t nr_cw = 0, i;
	uint64_t unmapped = 0;
	char note[128] = "";

	for (int st = SOCK_ST_ESTABLISHED; st <= SOCK_ST_CLOSING; st++) {
		struct sock_entry e = { .proto = PROTO_TCP, .state = (uint8_t)st };
		bool tw = st == SOCK_ST_TIME_WAIT &&
			  health_time_wait_warn(&health_default, s->tcp_states[st], s->nr_tcp);

		if (!s->tcp_states[st] && st != SOCK_ST_ESTABLISHED && st != SOCK_ST_TIME_WAIT &&
		    st != SOCK_ST_CLOSE_WAIT)
			continue;
		i = row(t, "tcp", sock_state_ss_name(&e), NULL);
		value(t, i, s->tcp_states[st]);
		share(t, i, health_pct(s->tcp_states[st], s->nr_tcp), tw, NULL);
	}
	if (!s->nr_cw_inodes || !ctx->procs)
		return;
	sock_summary_cw_procs(s, ctx->procs, &cw, &nr_cw, &unmapped);
	for (size_t k = 0; k < nr_cw && k < TOP_CW_PROCS; k++) {
		struct top_ref ref = { .kind = TOP_REF_PROC, .pid = cw[k].pid };

		snprintf(ref.name, sizeof(ref.name), "%s", cw[k].comm);
		snprintf(note, sizeof(note), "%s[%d]", cw[k].comm, (int)cw[k].pid);
		i = row(t, "tcp", "CLOSE-WAIT held by", &ref);
		value(t, i, cw[k].count);
		top_table_set(t, i, C_NOTE, note, 0);
	}
	free(cw);
}

static void capacity(struct top_table *t, const char *item, int64_t used, int64_t limit)
{
	double pct;
	size_t i;

	if (used < 0 || limit <= 0)
		return;
	pct = health_pct((uint64_t)used, (uint64_t)limit);
	i = row(t, "capacity", item, NULL);
	value(t, i, (uint64_t)used);
	share(t, i, pct, health_capacity_warn(&health_default, pct), NULL);
	if (!health_capacity_warn(&health_default, pct))
		top_table_setf(t, i, C_NOTE, 0, "of %lld", (long long)limit);
}

static void rows_capacity(struct overview_view *v, struct top_table *t)
{
	struct sock_peer_count *eph = NULL;
	size_t n = sock_summary_top(&v->sum.eph, 1, &eph);

	capacity(t, "TCP orphans", v->st.v[SOCKSTAT_TCP_ORPHAN], v->lim.tcp_max_orphans);
	capacity(t, "conntrack entries", v->lim.conntrack_count, v->lim.conntrack_max);
	if (n)
		capacity(t, "ephemeral ports (busiest)", (int64_t)eph[0].count,
			 (int64_t)sock_summary_eph_ports(&v->sum));
	free(eph);
	sock_summary_sort_listeners(&v->sum);
	for (size_t k = 0; k < v->sum.nr_listeners && k < TOP_LISTENERS; k++) {
		const struct sock_listener *l = &v->sum.listeners[k];
		struct top_ref ref = { .kind = TOP_REF_PORT,
				       .family = l->family,
				       .proto = IPPROTO_TCP,
				       .sport = l->port };
		double pct = sock_listener_fill_pct(l);
		char item[64];
		size_t i;

		memcpy(&ref.src, l->addr, 16);
		snprintf(item, sizeof(item), "accept queue :%u", l->port);
		i = row(t, "listen", item, &ref);
		value(t, i, l->queue_len);
		share(t, i, pct, health_capacity_warn(&health_default, pct), NULL);
		if (!health_capacity_warn(&health_default, pct))
			top_table_setf(t, i, C_NOTE, 0, "backlog %u", l->backlog);
	}
}

static void rows_peers(struct overview_view *v, struct top_table *t)
{
	struct sock_peer_count *top = NULL;
	size_t n = sock_summary_top(&v->sum.remotes, TOP_PEERS, &top);

	for (size_t k = 0; k < n; k++) {
		struct top_ref ref = { .kind = TOP_REF_PEER, .family = top[k].family };
		char addr[64];
		size_t i;

		memcpy(&ref.dst, top[k].addr, 16);
		sock_format_addr(addr, top[k].family, top[k].addr);
		i = row(t, "peers", addr, &ref);
		value(t, i, top[k].count);
		top_table_set(t, i, C_NOTE, "Enter: its flows", 0);
	}
	free(top);
}

static void rows_traffic(struct overview_view *v, const struct top_ctx *ctx, struct top_table *t)
{
	double rx = 0, tx = 0;
	char buf[2][UNITS_BUF_LEN];
	size_t i, up = 0;

	if (!ctx->prev || !ctx->cur || !(ctx->prev->parts & ctx->cur->parts & SNAP_PART_IFACES) ||
	    iface_rates_compute(&ctx->prev->ifaces, &ctx->cur->ifaces, &v->rates) < 0)
		return;
	for (size_t k = 0; k < v->rates.nr; k++) {
		const struct iface_rate *r = &v->rates.v[k];

		up += iface_is_up(&r->s);
		if (r->state == IFACE_RATE_OK) {
			rx += r->per_s[IFC_RX_BYTES];
			tx += r->per_s[IFC_TX_BYTES];
		}
	}
	i = row(t, "traffic", "all interfaces RX/s", NULL);
	top_table_set(t, i, C_VALUE, units_fmt(buf[0], sizeof(buf[0]), rx, UNITS_BYTES_PER_S), rx);
	top_table_setf(t, i, C_NOTE, 0, "%zu interfaces, %zu up", v->rates.nr, up);
	i = row(t, "traffic", "all interfaces TX/s", NULL);
	top_table_set(t, i, C_VALUE, units_fmt(buf[1], sizeof(buf[1]), tx, UNITS_BYTES_PER_S), tx);
}

static void rows_health(const struct top_ctx *ctx, struct top_table *t)
{
	struct proto_health h;
	size_t i;

	if (!ctx->prev || !ctx->cur || !(ctx->prev->parts & ctx->cur->parts & SNAP_PART_COUNTERS))
		return;
	health_proto_compute(&health_default, &h, &ctx->prev->counters, &ctx->cur->counters);
	for (int k = 0; k < PROTO_KPI_NR; k++) {
		if (!h.kpi[k].known)
			continue;
		i = row(t, "health", proto_kpi_label((enum proto_kpi)k), NULL);
		value(t, i, h.kpi[k].num);
		share(t, i, h.kpi[k].pct, h.kpi[k].warn, NULL);
		if (!h.kpi[k].warn)
			top_table_setf(t, i, C_NOTE, 0, "of %llu",
				       (unsigned long long)h.kpi[k].den);
	}
	i = row(t, "health", "listen overflows", NULL);
	value(t, i, h.listen_overflows);
	if (h.listen_overflows)
		top_table_set(t, i, C_NOTE, "! accept queue full", 0);
}

static int overview_fill(void *p, const struct top_ctx *ctx, const struct top_narrow *n,
			 struct top_table *t)
{
	struct overview_view *v = p;

	if (ctx->frame)
		return top_agent_fill_overview(ctx, t);

	(void)n;
	top_table_reset(t, cols, NR_C);
	sockstat_init(&v->st);
	sockstat_read(&v->st, "/proc"); /* unreadable: every field stays -1 and is left out */
	rows_sockets(v, t);
	rows_states(v, ctx, t);
	rows_capacity(v, t);
	rows_peers(v, t);
	rows_traffic(v, ctx, t);
	rows_health(ctx, t);
	snprintf(t->title, sizeof(t->title), "overview: %llu TCP sockets%s%s%s",
		 (unsigned long long)v->sum.nr_tcp, ctx->filter_text ? " (filter: " : "",
		 ctx->filter_text ? ctx->filter_text : "", ctx->filter_text ? ")" : "");
	snprintf(t->summary, sizeof(t->summary),
		 "ESTAB %llu  TIME-WAIT %llu  CLOSE-WAIT %llu  listening %zu",
		 (unsigned long long)v->sum.tcp_states[SOCK_ST_ESTABLISHED],
		 (unsigned long long)v->sum.tcp_states[SOCK_ST_TIME_WAIT],
		 (unsigned long long)v->sum.tcp_states[SOCK_ST_CLOSE_WAIT], v->sum.nr_listeners);
	return 0;
}

static bool overview_drill(void *p, const struct top_ref *row, const char **to_view,
			   struct top_narrow *out)
{
	char addr[64];

	(void)p;
	memset(out, 0, sizeof(*out));
	out->ref = *row;
	*to_view = "sockets";
	switch (row->kind) {
	case TOP_REF_PEER:
		*to_view = "flows"; /* its traffic; the sockets when there is no flows view */
		sock_format_addr(addr, row->family, (const uint8_t *)&row->dst);
		snprintf(out->label, sizeof(out->label), "peer %s", addr);
		return true;
	case TOP_REF_PROC:
		snprintf(out->label, sizeof(out->label), "pid %d (%s)", (int)row->pid, row->name);
		return true;
	case TOP_REF_PORT:
		snprintf(out->label, sizeof(out->label), "local port %u", row->sport);
		return true;
	default:
		return false;
	}
}

const struct top_view_ops top_overview_view = {
	.name = "overview",
	.title = "Overview",
	.hotkey = '1',
	.open = overview_open,
	.close = overview_close,
	.begin = overview_begin,
	.sock = overview_sock,
	.fill = overview_fill,
	.drill = overview_drill,
};
