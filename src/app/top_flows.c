// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The flows view of `connmon top`: iftop in a table.  Host pairs with their
 * 2 s / 10 s / 40 s rates, the peak and the totals, from top's capture
 * (the default route's interface, as `connmon flows` chooses it) accounted
 * into an analyze/flow_table exactly as `connmon flows` accounts it, so the
 * two show the same figures.
 *
 * The capture is top's (needs_capture): packets arrive through packet(),
 * between ticks too, and the windows use their own timestamps.  Without
 * CAP_NET_RAW there is none: the title says so and the table stays empty;
 * the other views go on.
 *
 * Also here: the address and narrowing helpers of top_views_int.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "analyze/flow_table.h"
#include "app/top_views_int.h"
#include "base/units.h"
#include "base/xalloc.h"
#include "collect/capture.h"

/* Flows silent this long leave the table (their bytes stay in the totals), as in `connmon flows`.
 */
#define FLOWS_IDLE_SECS 60

/* ---- helpers shared by the views (top_views_int.h) ---- */

void top_textf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

int top_addr_canon(int family, const uint8_t *addr, uint8_t out[16])
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	memset(out, 0, 16);
	if (family == AF_INET) {
		memcpy(out, addr, 4);
		return AF_INET;
	}
	if (family != AF_INET6)
		return 0;
	if (!memcmp(addr, mapped, sizeof(mapped))) {
		memcpy(out, addr + 12, 4);
		return AF_INET;
	}
	memcpy(out, addr, 16);
	return AF_INET6;
}

bool top_addr_same(int fa, const uint8_t *a, int fb, const uint8_t *b)
{
	uint8_t ca[16], cb[16];
	int f1 = top_addr_canon(fa, a, ca), f2 = top_addr_canon(fb, b, cb);

	return f1 && f1 == f2 && !memcmp(ca, cb, 16);
}

void top_ref_set_peer(struct top_ref *r, int family, const uint8_t *addr)
{
	uint8_t c[16];
	int f = top_addr_canon(family, addr, c);

	memset(r, 0, sizeof(*r));
	r->kind = TOP_REF_PEER;
	r->family = (uint8_t)f;
	memcpy(&r->dst, c, 16);
	if (f)
		sock_format_addr(r->name, f, c);
}

bool top_ref_parse_peer(struct top_ref *r, const char *text)
{
	uint8_t a[16] = { 0 };

	if (inet_pton(AF_INET, text, a) == 1)
		top_ref_set_peer(r, AF_INET, a);
	else if (inet_pton(AF_INET6, text, a) == 1)
		top_ref_set_peer(r, AF_INET6, a);
	else
		return false;
	return true;
}

bool top_flows_narrows(enum top_ref_kind kind)
{
	return kind == TOP_REF_PEER || kind == TOP_REF_BLOCK || kind == TOP_REF_SOCK;
}

bool top_flow_in_narrow(int family, const uint8_t *a, const uint8_t *b, const struct top_narrow *n)
{
	const struct top_ref *r = n ? &n->ref : NULL;
	const uint8_t *src, *dst;

	if (!r || !top_flows_narrows(r->kind))
		return true;
	src = (const uint8_t *)&r->src;
	dst = (const uint8_t *)&r->dst;
	if (r->kind != TOP_REF_SOCK)
		return top_addr_same(family, b, r->family, dst) ||
		       top_addr_same(family, a, r->family, dst);
	return (top_addr_same(family, a, r->family, src) &&
		top_addr_same(family, b, r->family, dst)) ||
	       (top_addr_same(family, b, r->family, src) &&
		top_addr_same(family, a, r->family, dst));
}

/* ---- the view ---- */

struct top_flows {
	struct flow_table *t;
	bool started; /* the windows' start and the local addresses are set */
};

enum {
	COL_PEER,
	COL_LOCAL,
	COL_SENT,
	COL_RECV,
	COL_2S,
	COL_10S,
	COL_40S,
	COL_PEAK,
	COL_TOTAL,
	COL_PKTS,
	NR_COLS,
};

/*
 * Widths: at 80 columns the peer, the sent and received rates and the three
 * windows stay (squeezed); the local side joins from about 120.
 */
static const struct top_col flow_cols[NR_COLS] = {
	[COL_PEER] = { "PEER", 24, 15, 0, TOP_ALIGN_LEFT, false },
	[COL_LOCAL] = { "LOCAL", 24, 15, 2, TOP_ALIGN_LEFT, false },
	[COL_SENT] = { "SENT/S", 10, 9, 0, TOP_ALIGN_RIGHT, true },
	[COL_RECV] = { "RECV/S", 10, 9, 0, TOP_ALIGN_RIGHT, true },
	[COL_2S] = { "2S", 10, 9, 1, TOP_ALIGN_RIGHT, true },
	[COL_10S] = { "10S", 10, 9, 0, TOP_ALIGN_RIGHT, true },
	[COL_40S] = { "40S", 10, 9, 1, TOP_ALIGN_RIGHT, true },
	[COL_PEAK] = { "PEAK", 10, 9, 3, TOP_ALIGN_RIGHT, true },
	[COL_TOTAL] = { "TOTAL", 10, 9, 1, TOP_ALIGN_RIGHT, true },
	[COL_PKTS] = { "PKTS", 9, 6, 4, TOP_ALIGN_RIGHT, true },
};

static void *flows_open(const char *filter_text, int *err)
{
	struct top_flows *f = xcalloc(1, sizeof(*f));

	(void)filter_text; /* an ss filter speaks of sockets; the capture of packets */
	*err = 0;
	f->t = flow_table_new(&(struct flow_table_opts){ .ports = false });
	return f;
}

static void flows_close(void *v)
{
	struct top_flows *f = v;

	if (!f)
		return;
	flow_table_free(f->t);
	free(f);
}

/*
 * The first tick: the windows count from here (not from the first packet),
 * and the capture interface's addresses tell sent from received, as in
 * `connmon flows`.  Expiry keeps the table bounded whichever view is shown.
 */
static void flows_begin(void *v, const struct top_ctx *ctx)
{
	struct top_flows *f = v;
	uint8_t addrs[FLOW_MAX_LOCAL][16], fams[FLOW_MAX_LOCAL];
	int n;

	if (!f->started && ctx->capture_iface) {
		f->started = true;
		flow_table_set_start(f->t, (uint64_t)ctx->cur->wall_ns);
		n = capture_local_addrs(ctx->capture_iface, addrs, fams, FLOW_MAX_LOCAL);
		if (n > 0)
			flow_table_set_local(f->t, (const uint8_t(*)[16])addrs, fams, (size_t)n);
	}
	flow_table_expire(f->t, (uint64_t)ctx->cur->wall_ns, FLOWS_IDLE_SECS);
}

static void flows_packet(void *v, const struct pkt_info *p)
{
	struct top_flows *f = v;

	if (p->family && f->started)
		flow_table_account(f->t, p);
}

static void set_rate(struct top_table *out, size_t row, size_t col, double bps)
{
	char buf[UNITS_BUF_LEN];

	top_table_set(out, row, col, units_fmt(buf, sizeof(buf), bps, UNITS_BYTES_PER_S), bps);
}

static void add_flow(struct top_table *out, const struct flow_view *fv)
{
	const struct flow_stats *s = &fv->st;
	char a[64], b[64], buf[UNITS_BUF_LEN];
	struct top_ref ref;
	size_t row;
	double total = (double)(s->sent_bytes + s->recv_bytes);

	top_ref_set_peer(&ref, fv->key.family, fv->key.b_addr);
	top_addr_canon(fv->key.family, fv->key.a_addr, (uint8_t *)&ref.src);
	row = top_table_add(out, &ref);
	sock_format_addr(a, fv->key.family, fv->key.a_addr);
	sock_format_addr(b, fv->key.family, fv->key.b_addr);
	top_table_set(out, row, COL_PEER, b, 0);
	top_table_set(out, row, COL_LOCAL, a, 0);
	set_rate(out, row, COL_SENT, s->sent_Bps[1]);
	set_rate(out, row, COL_RECV, s->recv_Bps[1]);
	for (int w = 0; w < FLOW_NR_WINDOWS; w++)
		set_rate(out, row, COL_2S + (size_t)w, s->sent_Bps[w] + s->recv_Bps[w]);
	set_rate(out, row, COL_PEAK, (double)s->peak_total_Bps);
	top_table_set(out, row, COL_TOTAL, units_fmt(buf, sizeof(buf), total, UNITS_BYTES), total);
	top_table_setf(out, row, COL_PKTS, (double)(s->sent_pkts + s->recv_pkts), "%llu",
		       (unsigned long long)(s->sent_pkts + s->recv_pkts));
}

static void flows_summary(struct top_flows *f, uint64_t now, struct top_table *out)
{
	struct flow_stats tot;
	char tx[UNITS_BUF_LEN], rx[UNITS_BUF_LEN], all[UNITS_BUF_LEN];

	flow_table_totals(f->t, now, &tot);
	top_textf(out->summary, sizeof(out->summary),
		  "all traffic over 10s: sent %s  recv %s;  cumulative %s",
		  units_fmt(tx, sizeof(tx), tot.sent_Bps[1], UNITS_BYTES_PER_S),
		  units_fmt(rx, sizeof(rx), tot.recv_Bps[1], UNITS_BYTES_PER_S),
		  units_fmt(all, sizeof(all), (double)(tot.sent_bytes + tot.recv_bytes),
			    UNITS_BYTES));
}

/* No capture: why, in the title (CAP_NET_RAW is the usual reason). */
static void no_capture(const struct top_ctx *ctx, struct top_table *out)
{
	if (ctx->capture_err == -EPERM || ctx->capture_err == -EACCES)
		top_textf(out->title, sizeof(out->title),
			  "flows: no capture: it needs CAP_NET_RAW (run as root)");
	else
		top_textf(out->title, sizeof(out->title), "flows: no capture%s%s",
			  ctx->capture_err ? ": " : "",
			  ctx->capture_err ? strerror(-ctx->capture_err) : "");
}

static int flows_fill(void *v, const struct top_ctx *ctx, const struct top_narrow *n,
		      struct top_table *out)
{
	struct top_flows *f = v;
	uint64_t now = (uint64_t)ctx->cur->wall_ns;
	const struct flow_view *fv;
	size_t nr, shown = 0;
	const char *label = n && top_flows_narrows(n->ref.kind) ? n->label : NULL;

	if (ctx->frame)
		return top_agent_fill_flows(ctx, n, out);

	top_table_reset(out, flow_cols, NR_COLS);
	if (!ctx->capture_iface) {
		no_capture(ctx, out);
		return 0;
	}
	fv = flow_table_views(f->t, now, FLOW_SORT_10S, &nr);
	for (size_t i = 0; i < nr; i++) {
		if (!top_flow_in_narrow(fv[i].key.family, fv[i].key.a_addr, fv[i].key.b_addr, n))
			continue;
		add_flow(out, &fv[i]);
		shown++;
	}
	top_textf(out->title, sizeof(out->title), "flows on %s: %zu host pair%s%s%s%s%s",
		  ctx->capture_iface, shown, shown == 1 ? "" : "s", label ? " (" : "",
		  label ? label : "", label ? ")" : "",
		  ctx->capture_err ? " - the capture ended" : "");
	flows_summary(f, now, out);
	return 0;
}

static bool flows_drill(void *v, const struct top_ref *row, const char **to_view,
			struct top_narrow *out)
{
	(void)v;
	if (row->kind != TOP_REF_PEER)
		return false;
	memset(out, 0, sizeof(*out));
	out->ref = *row;
	top_textf(out->label, sizeof(out->label), "peer %s", row->name);
	*to_view = "sockets";
	return true;
}

const struct top_view_ops top_flows_view = {
	.name = "flows",
	.title = "Flows",
	.hotkey = '3',
	.needs_capture = true,
	.open = flows_open,
	.close = flows_close,
	.begin = flows_begin,
	.packet = flows_packet,
	.fill = flows_fill,
	.drill = flows_drill,
};
