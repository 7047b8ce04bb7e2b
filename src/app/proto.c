// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `connmon proto`: netstat -s, nstat and sar -n TCP,ETCP,UDP,IP,EIP in one.
 * A one-shot run is two samples of /proc/net/{snmp,netstat,snmp6} an
 * interval apart; -w repeats like sar and ends with an Average frame that
 * spans the first sample to the last, also when Ctrl-C ends the run (the
 * shared tick, app/tick.h, calls finish() on SIGINT and SIGTERM).
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "analyze/health.h"
#include "app/commands.h"
#include "app/loop.h"
#include "app/sources.h"
#include "app/tick.h"
#include "base/outbuf.h"
#include "base/units.h"
#include "cli/cmdline.h"
#include "collect/snmp.h"
#include "ui/proto_render.h"

static const char usage[] =
	"usage: connmon proto [-N NETNS] [-a] [--json]\n"
	"                     [-s SEC | -w SEC [COUNT] [--iterations N]]\n"
	"  Protocol counters (/proc/net/snmp, netstat, snmp6) as deltas and rates per\n"
	"  second, with retransmit, loss, error and drop ratios flagged at >= 0.1 %\n"
	"  (over >= 100 packets).\n"
	"  -s, --seconds SEC  one measurement over SEC seconds (default 1)\n"
	"  -w, --watch SEC [COUNT]  repeat every SEC, COUNT (or --iterations N) times,\n"
	"                     default until interrupted, then an Average frame\n"
	"  -a, --all          every counter that changed, by nstat name, instead of the\n"
	"                     key list\n"
	"  --json             one JSON object per interval\n"
	"  See docs/COMMANDS-proto.md.\n";

static const struct cli_cmd proto_cmd = {
	.name = "proto",
	.accepts = CLI_WATCH | CLI_SECONDS | CLI_ALL | CLI_SAR_COUNT,
};

struct proto_opts {
	double interval_sec;
	double watch_sec; /* 0: one-shot */
	long count;	  /* -w intervals, 0: until interrupted */
	struct proto_render_opts render;
	bool help;
};

static int parse_opts(struct proto_opts *o, int argc, char **argv)
{
	struct cli_opts c;
	struct strbuf err = STRBUF_INIT;
	int ret;

	memset(o, 0, sizeof(*o));
	cli_opts_init(&c);
	ret = cli_parse(&proto_cmd, &c, argc, argv, &err);
	if (ret < 0)
		cli_usage_error("proto", err.buf);
	strbuf_release(&err);
	o->help = c.help;
	o->watch_sec = c.watch_s;
	o->interval_sec = c.seconds > 0 ? c.seconds : 1.0;
	o->count = c.iterations;
	o->render.json = c.json;
	o->render.all = c.all;
	cli_opts_release(&c);
	return ret;
}

/* ---- the tick's consumer ---- */

struct proto_run {
	const struct proto_opts *o;
	struct snmp_source ss;	   /* closed by the tick */
	struct counter_snap first; /* the first sample, for the Average */
	struct outbuf out;
	unsigned long nr_intervals;
};

static bool counter_warn(uint64_t delta, const void *arg)
{
	return health_error_counter_warn(arg, delta);
}

static int emit(struct proto_run *r, const struct counter_snap *old, const struct counter_snap *cur,
		int64_t wall_ns, const char *kind, unsigned long n)
{
	char when[32];
	struct proto_health h;
	struct proto_frame f = {
		.old = old,
		.cur = cur,
		.health = &h,
		.ratio_warn_pct = health_default.ratio_pct,
		.ratio_min_packets = health_default.ratio_min_packets,
		.counter_warn = counter_warn,
		.warn_arg = &health_default,
		.when = when,
		.kind = kind,
	};

	health_proto_compute(&health_default, &h, old, cur);
	units_utc(when, sizeof(when), wall_ns / 1000000000LL);
	f.nr_intervals = n;
	proto_render(&r->out, &r->o->render, &f);
	if (!r->o->render.json && !strcmp(kind, "interval") && r->o->watch_sec > 0)
		outbuf_addch(&r->out, '\n');
	return outbuf_flush(&r->out);
}

static int proto_consume(void *c, const struct snapshot *prev, const struct snapshot *cur)
{
	struct proto_run *r = c;

	if (cur->counters_err) {
		fprintf(stderr, "connmon proto: cannot read '/proc/net/snmp': %s\n",
			strerror(-cur->counters_err));
		return cur->counters_err;
	}
	if (!prev) {
		counter_snap_copy(&r->first, &cur->counters);
		return 0;
	}
	r->nr_intervals++;
	return emit(r, &prev->counters, &cur->counters, cur->wall_ns, "interval", 1);
}

/* -w: the Average frame spans the first sample to the last (also after Ctrl-C). */
static int proto_finish(void *c, const struct snapshot *last, enum tick_end why)
{
	struct proto_run *r = c;

	(void)why;
	if (r->o->watch_sec <= 0 || !r->nr_intervals || !last)
		return 0;
	return emit(r, &r->first, &last->counters, last->wall_ns, "average", r->nr_intervals);
}

static void proto_sizes(void *c, struct table_sizes *ts)
{
	struct proto_run *r = c;

	table_sizes_add(ts, "counters", r->first.nr);
}

static const struct consumer_ops proto_consumer = {
	.name = "proto",
	.consume = proto_consume,
	.finish = proto_finish,
	.sizes = proto_sizes,
};

static void setup(struct tick *t, void *arg)
{
	struct proto_run *r = arg;

	snmp_source_init(&r->ss, "/proc");
	tick_add_source(t, &snmp_source_ops, &r->ss);
	tick_add_consumer(t, &proto_consumer, r);
}

static int run(struct proto_run *r)
{
	const struct proto_opts *o = r->o;
	struct tick_opts to = {
		.interval_ns =
			(uint64_t)((o->watch_sec > 0 ? o->watch_sec : o->interval_sec) * 1e9),
		.count = o->watch_sec > 0 ? (uint64_t)o->count : 1,
		.baseline = true,
	};

	return tick_run_command("proto", &to, setup, r);
}

int cmd_proto(const struct app_ctx *ctx, int argc, char **argv)
{
	struct proto_opts o;
	struct proto_run r = { .o = &o };
	int ret;

	(void)ctx;

	if (parse_opts(&o, argc, argv) < 0)
		return 2;
	if (o.help) {
		fputs(usage, stdout);
		return 0;
	}
	signal(SIGPIPE, SIG_IGN);
	counter_snap_init(&r.first);
	outbuf_init(&r.out, STDOUT_FILENO, 64 * 1024);
	ret = run(&r);
	outbuf_flush(&r.out);
	if (r.out.err && r.out.err != -EPIPE) {
		fprintf(stderr, "connmon proto: cannot write output: %s\n", strerror(-r.out.err));
		ret = 1;
	}
	outbuf_release(&r.out);
	counter_snap_release(&r.first);
	return ret;
}
