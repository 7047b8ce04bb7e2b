// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `connmon` with no command: one screen (<= 24 lines) with the summary's key
 * lines and the top peers.  Interfaces, protocol health and alerts join it
 * later; each is a section function here.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "app/commands.h"
#include "app/overview_baseline.h"
#include "app/overview_traffic.h"
#include "app/summary.h"
#include "base/units.h"
#include "ui/term.h"
#include "ui/text_wrap.h"

#define OVERVIEW_PEERS	  8
#define OVERVIEW_WARNINGS 4

/* Lines wrap under their first item, after the 11-column label. */
#define INDENT 11

/* What the printers get as ctx. */
struct overview_ctx {
	struct overview_traffic t;
	struct overview_baseline b;
};

static void line_title(struct outbuf *ob, unsigned width, const struct summary_data *d, time_t now)
{
	char host[256] = "?", when[32] = "";
	struct text_wrap w;
	struct tm tm;

	gethostname(host, sizeof(host) - 1);
	if (localtime_r(&now, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	text_wrap_begin(&w, ob, width, "connmon  ", INDENT);
	/* the host and the namespace are names from outside: text_wrap escapes them */
	text_wrap_addf(&w, "  ", "%s", host);
	text_wrap_addf(&w, "  ", "%s", when);
	if (d->opts.netns)
		text_wrap_addf(&w, "  ", "netns %s", d->opts.netns);
	text_wrap_end(&w);
}

static void line_sockets(struct outbuf *ob, unsigned width, const struct summary_data *d)
{
	const struct sock_summary *s = &d->sum;
	int64_t used = d->st.v[SOCKSTAT_SOCKETS_USED];
	struct text_wrap w;

	text_wrap_begin(&w, ob, width, "Sockets    ", INDENT);
	if (used >= 0)
		text_wrap_addf(&w, ", ", "%lld in use", (long long)used);
	text_wrap_addf(&w, ", ", "TCP %llu (v4 %llu / v6 %llu)", (unsigned long long)s->nr_tcp,
		       (unsigned long long)s->by_proto[PROTO_TCP][0],
		       (unsigned long long)s->by_proto[PROTO_TCP][1]);
	text_wrap_addf(&w, ", ", "UDP %llu",
		       (unsigned long long)(s->by_proto[PROTO_UDP][0] + s->by_proto[PROTO_UDP][1]));
	text_wrap_addf(&w, ", ", "RAW %llu",
		       (unsigned long long)(s->by_proto[PROTO_RAW][0] + s->by_proto[PROTO_RAW][1]));
	text_wrap_end(&w);
}

static void line_close_wait(struct text_wrap *w, const struct summary_data *d)
{
	size_t n = d->nr_cw_procs < 3 ? d->nr_cw_procs : 3;

	text_wrap_addf(w, "  ", "CLOSE-WAIT %llu",
		       (unsigned long long)d->sum.tcp_states[SOCK_ST_CLOSE_WAIT]);
	for (size_t i = 0; i < n; i++)
		text_wrap_addf(w, i ? ", " : " ", "%s%s[%d] %llu%s", i ? "" : "(",
			       d->cw_procs[i].comm, (int)d->cw_procs[i].pid,
			       (unsigned long long)d->cw_procs[i].count,
			       i + 1 < n	  ? "" :
			       d->nr_cw_procs > n ? "," :
						    ")");
	if (d->nr_cw_procs > n)
		text_wrap_addf(w, " ", "...)");
}

static void line_states(struct outbuf *ob, unsigned width, const struct summary_data *d)
{
	const struct sock_summary *s = &d->sum;
	const uint64_t *st = s->tcp_states;
	uint64_t other = s->nr_tcp - st[SOCK_ST_ESTABLISHED] - st[SOCK_ST_LISTEN] -
			 st[SOCK_ST_TIME_WAIT] - st[SOCK_ST_CLOSE_WAIT] - st[SOCK_ST_SYN_RECV];
	double tw = summary_pct(st[SOCK_ST_TIME_WAIT], s->nr_tcp);
	struct text_wrap w;

	text_wrap_begin(&w, ob, width, "TCP        ", INDENT);
	text_wrap_addf(&w, "  ", "ESTAB %llu", (unsigned long long)st[SOCK_ST_ESTABLISHED]);
	text_wrap_addf(&w, "  ", "LISTEN %llu", (unsigned long long)st[SOCK_ST_LISTEN]);
	text_wrap_addf(&w, "  ", "SYN-RECV %llu", (unsigned long long)st[SOCK_ST_SYN_RECV]);
	text_wrap_addf(&w, "  ", "other %llu", (unsigned long long)other);
	text_wrap_end(&w);
	text_wrap_begin(&w, ob, width, "           ", INDENT);
	text_wrap_addf(&w, "  ", "TIME-WAIT %llu (%.1f%%)%s",
		       (unsigned long long)st[SOCK_ST_TIME_WAIT], tw,
		       summary_tw_warn(s) ? " !" : "");
	line_close_wait(&w, d);
	text_wrap_end(&w);
}

static void add_capacity(struct text_wrap *w, const char *label, int64_t count, int64_t max)
{
	double pct;

	if (count < 0 || max <= 0) {
		text_wrap_addf(w, "  ", "%s n/a", label);
		return;
	}
	pct = summary_pct((uint64_t)count, (uint64_t)max);
	text_wrap_addf(w, "  ", "%s %lld/%lld (%.0f%%)%s", label, (long long)count, (long long)max,
		       pct, summary_cap_warn(pct) ? " !" : "");
}

static void line_listeners(struct outbuf *ob, unsigned width, const struct summary_data *d)
{
	const struct sock_summary *s = &d->sum;
	struct text_wrap w;
	char ep[80];

	text_wrap_begin(&w, ob, width, "Listeners  ", INDENT);
	text_wrap_addf(&w, "", "%zu", s->nr_listeners);
	if (s->nr_listeners && s->listeners[0].backlog) {
		const struct sock_listener *l = &s->listeners[0];
		double fill = sock_listener_fill_pct(l);

		text_wrap_addf(&w, ", ", "fullest %s",
			       summary_endpoint(ep, sizeof(ep), l->family, l->addr, l->port));
		text_wrap_addf(&w, " ", "%u/%u (%.0f%%)%s", l->queue_len, l->backlog, fill,
			       summary_cap_warn(fill) ? " !" : "");
	}
	text_wrap_end(&w);
}

static void line_capacity(struct outbuf *ob, unsigned width, const struct summary_data *d)
{
	const struct sock_summary *s = &d->sum;
	struct text_wrap w;
	char ep[80];

	text_wrap_begin(&w, ob, width, "Capacity   ", INDENT);
	add_capacity(&w, "orphans", d->st.v[SOCKSTAT_TCP_ORPHAN], d->lim.tcp_max_orphans);
	add_capacity(&w, "conntrack", d->lim.conntrack_count, d->lim.conntrack_max);
	text_wrap_end(&w);
	if (d->nr_top_eph) {
		const struct sock_peer_count *p = &d->top_eph[0];

		text_wrap_begin(&w, ob, width, "           ", INDENT);
		add_capacity(&w, "ephemeral ports to busiest destination", (int64_t)p->count,
			     sock_summary_eph_ports(s));
		text_wrap_addf(&w, " ", "%s",
			       summary_endpoint(ep, sizeof(ep), p->family, p->addr, p->port));
		text_wrap_end(&w);
	}
}

/* The agent's firing alerts first (from its database), then what this sample flags. */
static void section_warnings(struct outbuf *ob, unsigned width, const struct summary_data *d,
			     struct overview_ctx *c)
{
	const char *p = d->warnings.buf;
	struct strbuf alerts = STRBUF_INIT;
	size_t shown = 0, nr_alerts = overview_alerts_lines(&c->b, d, &alerts);
	struct text_wrap w;

	if (!d->nr_warnings && !nr_alerts) {
		outbuf_addstr(ob, "Warnings   none\n");
		return;
	}
	outbuf_addf(ob, "Warnings   %zu\n", d->nr_warnings + nr_alerts);
	for (const char *a = alerts.buf; nr_alerts && *a;) {
		const char *nl = strchr(a, '\n');

		text_wrap_begin(&w, ob, width, "  ! alert ", 4);
		text_wrap_words(&w, a, (size_t)(nl - a));
		text_wrap_end(&w);
		a = nl + 1;
	}
	strbuf_release(&alerts);
	while (*p && shown < OVERVIEW_WARNINGS) {
		const char *nl = strchr(p, '\n');

		text_wrap_begin(&w, ob, width, "  ! ", 4);
		text_wrap_words(&w, p, (size_t)(nl - p));
		text_wrap_end(&w);
		p = nl + 1;
		shown++;
	}
	if (d->nr_warnings > shown)
		outbuf_addf(ob, "  ... %zu more: connmon summary\n", d->nr_warnings - shown);
}

static void section_peers(struct outbuf *ob, const struct summary_data *d)
{
	char a[64];

	if (!d->nr_top_remotes) {
		outbuf_addstr(ob, "Top peers  none\n");
		return;
	}
	outbuf_addf(ob, "Top peers  (%zu remote addresses)\n", d->sum.remotes.nr);
	for (size_t i = 0; i < d->nr_top_remotes && i < OVERVIEW_PEERS; i++)
		outbuf_addf(ob, "  %-40s %8llu\n",
			    summary_endpoint(a, sizeof(a), d->top_remotes[i].family,
					     d->top_remotes[i].addr, -1),
			    (unsigned long long)d->top_remotes[i].count);
}

/* Every line fits 80 columns (or a wider terminal): lists wrap under their first item. */
static void print_text(struct outbuf *ob, const struct summary_data *d, const struct snapshot *prev,
		       const struct snapshot *cur, void *ctx)
{
	unsigned width = term_width(ob->fd, false);
	struct overview_ctx *c = ctx;

	overview_traffic_compute(&c->t, prev, cur);
	line_title(ob, width, d, (time_t)(cur->wall_ns / 1000000000LL));
	line_sockets(ob, width, d);
	line_states(ob, width, d);
	line_listeners(ob, width, d);
	line_capacity(ob, width, d);
	overview_traffic_text(ob, width, &c->t);
	overview_baseline_text(ob, width, &c->b, d, &c->t);
	section_warnings(ob, width, d, c);
	section_peers(ob, d);
}

static void print_json(struct outbuf *ob, const struct summary_data *d, const struct snapshot *prev,
		       const struct snapshot *cur, void *ctx)
{
	char when[UNITS_UTC_LEN];
	struct overview_ctx *c = ctx;

	overview_traffic_compute(&c->t, prev, cur);
	units_utc(when, sizeof(when), cur->wall_ns / 1000000000LL);
	outbuf_addf(ob, "{\"time\":\"%s\",", when);
	summary_json_totals(ob, d);
	outbuf_addch(ob, ',');
	summary_json_states(ob, d);
	outbuf_addch(ob, ',');
	summary_json_health(ob, d);
	outbuf_addch(ob, ',');
	summary_json_peers(ob, "top_peers", d);
	outbuf_addch(ob, ',');
	overview_traffic_json(ob, &c->t);
	outbuf_addch(ob, ',');
	overview_baseline_json(ob, &c->b, d, &c->t);
	outbuf_addch(ob, ',');
	summary_json_warnings(ob, d);
	outbuf_addch(ob, ',');
	overview_alerts_json(ob, &c->b, d);
	outbuf_addstr(ob, "}\n");
}

static void add_sources(struct tick *tick, void *ctx)
{
	struct overview_ctx *c = ctx;

	overview_traffic_add_sources(&c->t, tick);
}

static const char usage[] =
	"usage: connmon [overview] [-tuwx46] [-N NETNS] [--json] [--top N]\n"
	"               [-w SEC [--iterations N]] [--db PATH] [FILTER]\n"
	"  One screen: socket totals, TCP states, TIME-WAIT and CLOSE-WAIT, listen\n"
	"  queues and limits, interface rates and protocol health over one second,\n"
	"  ESTABLISHED and traffic against the recorded baseline of this hour,\n"
	"  warnings, top peers.\n"
	"  -w SEC     repeat every SEC seconds (rates over the interval), --iterations N\n"
	"             times\n"
	"  --db PATH  the agent's database, for the baseline lines (default\n"
	"             " OVERVIEW_DEFAULT_DB ", when it exists)\n"
	"  See docs/COMMANDS-summary.md.\n";

int cmd_overview(const struct app_ctx *ctx, int argc, char **argv)
{
	static const struct summary_printer p = {
		.text = print_text,
		.json = print_json,
		.usage = usage,
		.add_sources = add_sources,
	};
	struct overview_ctx c;
	int ret;

	overview_baseline_init(&c.b);
	argc = overview_baseline_args(&c.b, argc, argv);
	if (argc < 0) {
		overview_baseline_release(&c.b);
		return 2;
	}
	overview_traffic_init(&c.t);
	ret = summary_run(ctx, argc, argv, &p, &c);
	overview_traffic_release(&c.t);
	overview_baseline_release(&c.b);
	return ret;
}
