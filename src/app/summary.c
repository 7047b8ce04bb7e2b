// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `connmon summary`: ss -s, plus the ratios and capacities an operator works
 * out by hand.  One streaming walk feeds analyze/sock_summary; /proc is
 * scanned for processes only when CLOSE_WAIT sockets exist, so the common
 * case costs one sock_diag dump and a few small /proc reads.
 */
#include "app/summary.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "analyze/health.h"
#include "app/commands.h"
#include "app/loop.h"
#include "app/sock_walk.h"
#include "cli/cmdline.h"
#include "collect/procmap.h"
#include "collect/snmp.h"
#include "ui/term.h"
#include "ui/text_wrap.h"

#define SUMMARY_TOP_DEFAULT 10

double summary_pct(uint64_t a, uint64_t b)
{
	return health_pct(a, b);
}

const char *summary_endpoint(char *buf, size_t size, int family, const uint8_t *addr, int port)
{
	char a[64];

	sock_format_addr(a, family, addr);
	if (port < 0)
		snprintf(buf, size, "%s", a);
	else if (family == AF_INET6)
		snprintf(buf, size, "[%s]:%d", a, port);
	else
		snprintf(buf, size, "%s:%d", a, port);
	return buf;
}

static void add_warning(struct summary_data *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void add_warning(struct summary_data *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&d->warnings, fmt, ap);
	va_end(ap);
	strbuf_addch(&d->warnings, '\n');
	d->nr_warnings++;
}

bool summary_tw_warn(const struct sock_summary *s)
{
	return health_time_wait_warn(&health_default, s->tcp_states[SOCK_ST_TIME_WAIT], s->nr_tcp);
}

bool summary_cap_warn(double pct)
{
	return health_capacity_warn(&health_default, pct);
}

static void find_warnings(struct summary_data *d)
{
	const struct sock_summary *s = &d->sum;
	uint64_t tw = s->tcp_states[SOCK_ST_TIME_WAIT];
	int64_t orph = d->st.v[SOCKSTAT_TCP_ORPHAN];
	char ep[80];

	if (summary_tw_warn(s))
		add_warning(d,
			    "TIME-WAIT is %.1f%% of TCP sockets (%llu of %llu; flagged at %.0f%%)",
			    summary_pct(tw, s->nr_tcp), (unsigned long long)tw,
			    (unsigned long long)s->nr_tcp, health_default.time_wait_pct);
	for (size_t i = 0; i < s->nr_listeners; i++) {
		const struct sock_listener *l = &s->listeners[i];

		if (summary_cap_warn(sock_listener_fill_pct(l)))
			add_warning(d, "accept queue of %s is %.0f%% full (%u of %u)",
				    summary_endpoint(ep, sizeof(ep), l->family, l->addr, l->port),
				    sock_listener_fill_pct(l), l->queue_len, l->backlog);
	}
	for (size_t i = 0; i < d->nr_top_eph; i++) {
		const struct sock_peer_count *p = &d->top_eph[i];
		double pct = summary_pct(p->count, sock_summary_eph_ports(s));

		if (summary_cap_warn(pct))
			add_warning(d, "ephemeral ports to %s: %llu of %u in use (%.0f%%)",
				    summary_endpoint(ep, sizeof(ep), p->family, p->addr, p->port),
				    (unsigned long long)p->count, sock_summary_eph_ports(s), pct);
	}
	if (orph >= 0 && d->lim.tcp_max_orphans > 0 &&
	    summary_cap_warn(summary_pct((uint64_t)orph, (uint64_t)d->lim.tcp_max_orphans)))
		add_warning(d, "orphaned TCP sockets: %lld of tcp_max_orphans %lld",
			    (long long)orph, (long long)d->lim.tcp_max_orphans);
	if (d->lim.conntrack_count >= 0 && d->lim.conntrack_max > 0 &&
	    summary_cap_warn(
		    summary_pct((uint64_t)d->lim.conntrack_count, (uint64_t)d->lim.conntrack_max)))
		add_warning(d, "conntrack table: %lld of nf_conntrack_max %lld",
			    (long long)d->lim.conntrack_count, (long long)d->lim.conntrack_max);
}

static int visit_summary(const struct sock_entry *e, void *arg)
{
	sock_summary_add(arg, e);
	return 0;
}

/* Processes only for the CLOSE_WAIT holders, and only when there are any. */
static void map_close_wait(struct summary_data *d, struct sock_walk *w)
{
	struct proc_table *t = &w->procs;

	if (!d->sum.nr_cw_inodes)
		return;
	if (!d->opts.processes) {
		if (procmap_scan(&d->procs, "/proc") < 0)
			return;
		t = &d->procs;
	} else {
		/* The walk already mapped everything (-p): take its table over. */
		proc_table_release(&d->procs);
		d->procs = w->procs;
		proc_table_init(&w->procs);
		t = &d->procs;
	}
	d->procs_scanned = true;
	sock_summary_cw_procs(&d->sum, t, &d->cw_procs, &d->nr_cw_procs, &d->cw_unmapped);
}

static void summary_defaults(struct sock_opts *o)
{
	/* No -t/-u/-w/-x: the inet protocols; unix sockets have no place here. */
	if (o->protos == (1u << PROTO_MAX) - 1)
		o->protos = PROTO_BIT(PROTO_TCP) | PROTO_BIT(PROTO_UDP) | PROTO_BIT(PROTO_RAW);
	/* ss's default hides LISTEN and TIME-WAIT; a summary needs every state. */
	if (!o->filter.states_set && !o->listening)
		o->states = SOCK_STATES_ALL;
}

/*
 * Global sysctls (tcp_max_orphans) are not shown under /proc/sys/net inside
 * another namespace: keep what the initial namespace said for those.
 */
static void merge_limits(struct net_limits *l, const struct net_limits *outside)
{
	if (l->tcp_max_orphans < 0)
		l->tcp_max_orphans = outside->tcp_max_orphans;
	if (l->tcp_max_syn_backlog < 0)
		l->tcp_max_syn_backlog = outside->tcp_max_syn_backlog;
}

/*
 * The MIB's TcpCurrEstab, which `ss -s` prints as "estab": ESTABLISHED and,
 * since Linux 6.10 (RFC 1213's definition), CLOSE-WAIT.  -1 when unreadable.
 */
static int64_t read_curr_estab(void)
{
	struct counter_snap snap;
	struct strbuf scratch = STRBUF_INIT;
	uint64_t v;
	int64_t ret = -1;

	counter_snap_init(&snap);
	if (!snmp_read(&snap, "/proc", 0, &scratch) &&
	    counter_snap_value(&snap, "TcpCurrEstab", &v))
		ret = (int64_t)v;
	counter_snap_release(&snap);
	strbuf_release(&scratch);
	return ret;
}

static int walk_and_read(struct summary_data *d)
{
	struct sock_walk w;
	int ret;

	ret = sock_walk_open(&w, &d->opts);
	if (ret < 0) {
		sock_walk_close(&w);
		return 1;
	}
	/* Inside -N's namespace now: /proc/net and /proc/sys/net are its own. */
	if (sockstat_read(&d->st, "/proc") < 0)
		fprintf(stderr,
			"connmon: cannot read '/proc/net/sockstat'; kernel totals omitted\n");
	net_limits_read(&d->lim, "/proc");
	d->curr_estab = read_curr_estab();
	if (d->ctx->netns)
		merge_limits(&d->lim, &d->ctx->outside);
	sock_summary_init(&d->sum, d->lim.port_hi > 0 ? (uint16_t)d->lim.port_lo : 0,
			  d->lim.port_hi > 0 ? (uint16_t)d->lim.port_hi : 0);
	ret = sock_walk_run(&w, visit_summary, &d->sum);
	if (ret < 0) { /* reported by sock_walk */
		sock_walk_close(&w);
		return 1;
	}
	map_close_wait(d, &w);
	sock_walk_close(&w);
	return 0;
}

int summary_parse(struct summary_data *d, int argc, char **argv)
{
	struct strbuf err = STRBUF_INIT;

	memset(d, 0, sizeof(*d));
	sock_opts_init(&d->opts);
	proc_table_init(&d->procs);
	sockstat_init(&d->st);
	strbuf_init(&d->warnings, 0);
	sock_summary_init(&d->sum, 0, 0);
	if (sock_opts_parse(&d->opts, argc, argv, &err) < 0) {
		cli_usage_error(argv[0], err.buf);
		strbuf_release(&err);
		return 2;
	}
	strbuf_release(&err);
	if (d->opts.format == OUT_CSV || d->opts.group_by || d->opts.sort_key || d->opts.count ||
	    d->opts.yes || d->opts.wide)
		return cli_usage_error(argv[0],
				       "--csv, --group-by, --sort, --count, --yes and --wide "
				       "belong to other commands (see --help)");
	summary_defaults(&d->opts);
	d->top_n = d->opts.top > 0 ? (size_t)d->opts.top : SUMMARY_TOP_DEFAULT;
	return 0;
}

/* Forgets the previous collection (a -w run collects again every tick). */
static void summary_data_reset(struct summary_data *d)
{
	free(d->cw_procs);
	free(d->top_remotes);
	free(d->top_eph);
	d->cw_procs = NULL;
	d->top_remotes = d->top_eph = NULL;
	d->nr_cw_procs = d->nr_top_remotes = d->nr_top_eph = 0;
	d->cw_unmapped = 0;
	proc_table_reset(&d->procs);
	d->procs_scanned = false;
	sock_summary_release(&d->sum);
	strbuf_reset(&d->warnings);
	d->nr_warnings = 0;
}

int summary_collect(struct summary_data *d)
{
	int ret;

	summary_data_reset(d);
	ret = walk_and_read(d);
	if (ret)
		return ret;
	sock_summary_sort_listeners(&d->sum);
	d->nr_top_remotes = sock_summary_top(&d->sum.remotes, d->top_n, &d->top_remotes);
	d->nr_top_eph = sock_summary_top(&d->sum.eph, d->top_n, &d->top_eph);
	find_warnings(d);
	return 0;
}

void summary_data_release(struct summary_data *d)
{
	free(d->cw_procs);
	free(d->top_remotes);
	free(d->top_eph);
	proc_table_release(&d->procs);
	sock_summary_release(&d->sum);
	strbuf_release(&d->warnings);
	sock_opts_release(&d->opts);
}

/* ---- the run: a source that collects, a consumer that prints ---- */

struct summary_run {
	struct summary_data d;
	const struct summary_printer *p;
	void *ctx;
	const char *name; /* the command, for messages */
	struct outbuf out;
	bool at_baseline; /* one-shot with a baseline: collect while the rates' interval runs */
};

static int summary_sample(void *src, struct tick *t, struct snapshot *snap)
{
	struct summary_run *r = src;
	int ret;

	(void)t;
	if (snap->baseline != r->at_baseline)
		return 0;
	ret = summary_collect(&r->d);
	return ret ? -EIO : 0; /* reported by summary_collect */
}

static void summary_sizes(void *src, struct table_sizes *ts)
{
	struct summary_run *r = src;

	table_sizes_add(ts, "remotes", r->d.sum.remotes.nr);
	table_sizes_add(ts, "listeners", r->d.sum.nr_listeners);
	table_sizes_add(ts, "close_wait_procs", r->d.procs.nr_procs_seen);
}

static const struct source_ops summary_source = {
	.name = "summary",
	.sample = summary_sample,
	.sizes = summary_sizes,
};

static int summary_consume(void *c, const struct snapshot *prev, const struct snapshot *cur)
{
	struct summary_run *r = c;

	if (cur->baseline)
		return 0;
	if (r->d.opts.format == OUT_JSON)
		r->p->json(&r->out, &r->d, prev, cur, r->ctx);
	else
		r->p->text(&r->out, &r->d, prev, cur, r->ctx);
	/* -w: one block per tick, a blank line apart (JSON: one object per line) */
	if (r->d.opts.watch_sec > 0 && r->d.opts.format != OUT_JSON)
		outbuf_addch(&r->out, '\n');
	return outbuf_flush(&r->out);
}

static const struct consumer_ops summary_consumer = {
	.name = "summary",
	.consume = summary_consume,
};

static void setup(struct tick *t, void *arg)
{
	struct summary_run *r = arg;

	if (r->p->add_sources)
		r->p->add_sources(t, r->ctx);
	tick_add_source(t, &summary_source, r);
	tick_add_consumer(t, &summary_consumer, r);
}

static int run_tick(struct summary_run *r)
{
	const struct sock_opts *o = &r->d.opts;
	struct tick_opts to = {
		.interval_ns = (uint64_t)((o->watch_sec > 0 ? o->watch_sec : 1.0) * 1e9),
		.count = o->watch_sec > 0 ? (uint64_t)o->watch_count : 1,
		.baseline = r->p->add_sources != NULL,
	};

	r->at_baseline = to.baseline && !(o->watch_sec > 0);
	return tick_run_command(r->name, &to, setup, r);
}

int summary_run(const struct app_ctx *app, int argc, char **argv, const struct summary_printer *p,
		void *ctx)
{
	struct summary_run r = { .p = p, .ctx = ctx, .name = argv[0] };
	int ret = summary_parse(&r.d, argc, argv);

	r.d.ctx = app;

	if (ret) {
		summary_data_release(&r.d);
		return ret;
	}
	if (r.d.opts.help) {
		fputs(p->usage, stdout);
		summary_data_release(&r.d);
		return 0;
	}
	signal(SIGPIPE, SIG_IGN);
	outbuf_init(&r.out, STDOUT_FILENO, 65536);
	ret = run_tick(&r);
	outbuf_flush(&r.out);
	if (r.out.err && r.out.err != -EPIPE) {
		fprintf(stderr, "connmon: cannot write output: %s\n", strerror(-r.out.err));
		ret = 1;
	}
	outbuf_release(&r.out);
	summary_data_release(&r.d);
	return ret;
}

static const char summary_usage[] =
	"usage: connmon summary [-tuwx46] [-N NETNS] [--json] [--top N]\n"
	"                       [-w SEC [--iterations N]] [-F FILE] [FILTER]\n"
	"  Totals per protocol and family (ss -s), TCP states with shares, TIME-WAIT,\n"
	"  CLOSE-WAIT and the processes holding them, listen queues, orphans, conntrack\n"
	"  and ephemeral ports against their limits, and the top remote addresses.\n"
	"  --top N        rows per table (default 10)\n"
	"  -w SEC         repeat every SEC seconds (--iterations N times)\n"
	"  FILTER         ss's filter grammar narrows the walked sockets\n"
	"                 (docs/FILTERS.md)\n"
	"  See docs/COMMANDS-summary.md.\n";

int cmd_summary(const struct app_ctx *ctx, int argc, char **argv)
{
	static const struct summary_printer p = {
		.text = summary_print_text,
		.json = summary_print_json,
		.usage = summary_usage,
	};

	return summary_run(ctx, argc, argv, &p, NULL);
}
