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
#include "app/overview_traffic.h"
#include "app/summary.h"

#define OVERVIEW_PEERS	  8
#define OVERVIEW_WARNINGS 4

static void line_sockets(struct outbuf *ob, const struct summary_data *d)
{
	const struct sock_summary *s = &d->sum;
	int64_t used = d->st.v[SOCKSTAT_SOCKETS_USED];

	outbuf_addstr(ob, "Sockets    ");
	if (used >= 0)
		outbuf_addf(ob, "%lld in use, ", (long long)used);
	outbuf_addf(ob, "TCP %llu (v4 %llu / v6 %llu), UDP %llu, RAW %llu\n",
		    (unsigned long long)s->nr_tcp, (unsigned long long)s->by_proto[PROTO_TCP][0],
		    (unsigned long long)s->by_proto[PROTO_TCP][1],
		    (unsigned long long)(s->by_proto[PROTO_UDP][0] + s->by_proto[PROTO_UDP][1]),
		    (unsigned long long)(s->by_proto[PROTO_RAW][0] + s->by_proto[PROTO_RAW][1]));
}

static void line_states(struct outbuf *ob, const struct summary_data *d)
{
	const struct sock_summary *s = &d->sum;
	const uint64_t *st = s->tcp_states;
	uint64_t other = s->nr_tcp - st[SOCK_ST_ESTABLISHED] - st[SOCK_ST_LISTEN] -
			 st[SOCK_ST_TIME_WAIT] - st[SOCK_ST_CLOSE_WAIT] - st[SOCK_ST_SYN_RECV];
	double tw = summary_pct(st[SOCK_ST_TIME_WAIT], s->nr_tcp);

	outbuf_addf(ob, "TCP        ESTAB %llu  LISTEN %llu  SYN-RECV %llu  other %llu\n",
		    (unsigned long long)st[SOCK_ST_ESTABLISHED],
		    (unsigned long long)st[SOCK_ST_LISTEN],
		    (unsigned long long)st[SOCK_ST_SYN_RECV], (unsigned long long)other);
	outbuf_addf(ob, "           TIME-WAIT %llu (%.1f%%)%s  CLOSE-WAIT %llu",
		    (unsigned long long)st[SOCK_ST_TIME_WAIT], tw, summary_tw_warn(s) ? " !" : "",
		    (unsigned long long)st[SOCK_ST_CLOSE_WAIT]);
	for (size_t i = 0; i < d->nr_cw_procs && i < 3; i++) {
		outbuf_addstr(ob, i ? ", " : " (");
		outbuf_add_safe(ob, d->cw_procs[i].comm, strlen(d->cw_procs[i].comm));
		outbuf_addf(ob, "[%d] %llu", (int)d->cw_procs[i].pid,
			    (unsigned long long)d->cw_procs[i].count);
	}
	outbuf_addstr(ob, d->nr_cw_procs ? (d->nr_cw_procs > 3 ? ", ...)\n" : ")\n") : "\n");
}

static void add_capacity(struct outbuf *ob, const char *label, int64_t count, int64_t max)
{
	double pct;

	if (count < 0 || max <= 0) {
		outbuf_addf(ob, "  %s n/a", label);
		return;
	}
	pct = summary_pct((uint64_t)count, (uint64_t)max);
	outbuf_addf(ob, "  %s %lld/%lld (%.0f%%)%s", label, (long long)count, (long long)max, pct,
		    summary_cap_warn(pct) ? " !" : "");
}

static void line_capacity(struct outbuf *ob, const struct summary_data *d)
{
	const struct sock_summary *s = &d->sum;
	char ep[80];

	outbuf_addf(ob, "Listeners  %zu", s->nr_listeners);
	if (s->nr_listeners && s->listeners[0].backlog) {
		const struct sock_listener *l = &s->listeners[0];
		double fill = sock_listener_fill_pct(l);

		outbuf_addf(ob, ", fullest %s %u/%u (%.0f%%)%s",
			    summary_endpoint(ep, sizeof(ep), l->family, l->addr, l->port),
			    l->queue_len, l->backlog, fill, summary_cap_warn(fill) ? " !" : "");
	}
	outbuf_addstr(ob, "\nCapacity ");
	add_capacity(ob, "orphans", d->st.v[SOCKSTAT_TCP_ORPHAN], d->lim.tcp_max_orphans);
	add_capacity(ob, "conntrack", d->lim.conntrack_count, d->lim.conntrack_max);
	if (d->nr_top_eph) {
		const struct sock_peer_count *p = &d->top_eph[0];

		outbuf_addstr(ob, "\n         ");
		add_capacity(ob, "ephemeral ports to busiest destination", (int64_t)p->count,
			     sock_summary_eph_ports(s));
		outbuf_addf(ob, " %s",
			    summary_endpoint(ep, sizeof(ep), p->family, p->addr, p->port));
	}
	outbuf_addch(ob, '\n');
}

static void section_warnings(struct outbuf *ob, const struct summary_data *d)
{
	const char *p = d->warnings.buf;
	size_t shown = 0;

	if (!d->nr_warnings) {
		outbuf_addstr(ob, "Warnings   none\n");
		return;
	}
	outbuf_addf(ob, "Warnings   %zu\n", d->nr_warnings);
	while (*p && shown < OVERVIEW_WARNINGS) {
		const char *nl = strchr(p, '\n');

		outbuf_addstr(ob, "  ! ");
		outbuf_add(ob, p, (size_t)(nl - p) + 1);
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

static void print_text(struct outbuf *ob, const struct summary_data *d, const struct snapshot *prev,
		       const struct snapshot *cur, void *ctx)
{
	char host[256] = "?", when[32] = "";
	time_t now = (time_t)(cur->wall_ns / 1000000000LL);
	struct tm tm;

	overview_traffic_compute(ctx, prev, cur);
	gethostname(host, sizeof(host) - 1);
	if (localtime_r(&now, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	outbuf_addf(ob, "connmon  %s  %s%s%s\n", host, when, d->opts.netns ? "  netns " : "",
		    d->opts.netns ? d->opts.netns : "");
	line_sockets(ob, d);
	line_states(ob, d);
	line_capacity(ob, d);
	overview_traffic_text(ob, ctx);
	section_warnings(ob, d);
	section_peers(ob, d);
}

static void print_json(struct outbuf *ob, const struct summary_data *d, const struct snapshot *prev,
		       const struct snapshot *cur, void *ctx)
{
	char when[32];
	time_t now = (time_t)(cur->wall_ns / 1000000000LL);
	struct tm tm;

	overview_traffic_compute(ctx, prev, cur);
	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	outbuf_addf(ob, "{\"time\":\"%s\",", when);
	summary_json_totals(ob, d);
	outbuf_addch(ob, ',');
	summary_json_states(ob, d);
	outbuf_addch(ob, ',');
	summary_json_health(ob, d);
	outbuf_addch(ob, ',');
	summary_json_peers(ob, "top_peers", d);
	outbuf_addch(ob, ',');
	overview_traffic_json(ob, ctx);
	outbuf_addch(ob, ',');
	summary_json_warnings(ob, d);
	outbuf_addstr(ob, "}\n");
}

static void add_sources(struct tick *tick, void *ctx)
{
	overview_traffic_add_sources(ctx, tick);
}

static const char usage[] =
	"usage: connmon [overview] [-tuwx46] [-N NETNS] [--json] [--top N]\n"
	"               [-w SEC [--iterations N]] [FILTER]\n"
	"  One screen: socket totals, TCP states, TIME-WAIT and CLOSE-WAIT, listen\n"
	"  queues and limits, interface rates and protocol health over one second,\n"
	"  warnings, top peers.\n"
	"  -w SEC   repeat every SEC seconds (rates over the interval), --iterations N\n"
	"           times\n"
	"  See docs/COMMANDS-summary.md.\n";

int cmd_overview(const struct app_ctx *ctx, int argc, char **argv)
{
	static const struct summary_printer p = {
		.text = print_text,
		.json = print_json,
		.usage = usage,
		.add_sources = add_sources,
	};
	struct overview_traffic t;
	int ret;

	overview_traffic_init(&t);
	ret = summary_run(ctx, argc, argv, &p, &t);
	overview_traffic_release(&t);
	return ret;
}
