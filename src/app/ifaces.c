// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `connmon ifaces`: /proc/net/dev, sar -n DEV,EDEV and ifstat in one.
 * Runs on the shared tick (app/tick.h) with one source, the RTM_GETLINK
 * dump; rates need two ticks, so the one-shot form takes a baseline, waits
 * the interval (1 s), samples again.  `-w SEC [COUNT]` prints a block per
 * interval and, like sar, an Average block at the end (also when
 * interrupted: the tick's finish() runs on SIGINT and SIGTERM).
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <time.h>
#include <unistd.h>

#include "analyze/rates.h"
#include "app/commands.h"
#include "app/loop.h"
#include "app/sources.h"
#include "app/tick.h"
#include "base/outbuf.h"
#include "base/units.h"
#include "base/xalloc.h"
#include "cli/cmdline.h"
#include "collect/link.h"
#include "ui/iface_render.h"
#include "ui/term.h"

#define OUT_BUF_LEN	 (64 * 1024)
#define MAX_INTERVAL_SEC 86400.0
#define MAX_COUNT	 1000000000L

static const char usage[] =
	"usage: connmon ifaces [-N NETNS] [-i IFACE[,IFACE...]]... [-e] [-W]\n"
	"                      [--json|--csv]\n"
	"                      [-s SEC | -w SEC [COUNT] [--iterations N]] [--sysfs DIR]\n"
	"  Per-interface rates (packets, bytes, errors, drops, fifo, multicast per\n"
	"  second),\n"
	"  utilisation of the link speed, speed/duplex and operational state.\n"
	"  -s, --seconds SEC  one measurement over SEC seconds (default 1)\n"
	"  -w, --watch SEC [COUNT]  a block every SEC seconds, COUNT (or --iterations N)\n"
	"                     times, default until interrupted, then an Average: block\n"
	"                     as sar\n"
	"  -i, --iface IFACE  only these interfaces (repeatable, or a comma list)\n"
	"  -e, --edev         the error columns of sar -n EDEV in the text table\n"
	"                     (JSON and CSV always carry every counter)\n"
	"  -W, --wide         every column (default: what fits 80 columns, or the\n"
	"                     terminal)\n"
	"  --sysfs DIR        where sysfs is mounted (default /sys), for speed and duplex\n"
	"  See docs/COMMANDS-ifaces.md.\n";

static const struct cli_cmd ifaces_cmd = {
	.name = "ifaces",
	.accepts = CLI_CSV | CLI_WATCH | CLI_SECONDS | CLI_IFACES | CLI_EDEV | CLI_SYSFS |
		   CLI_SAR_COUNT | CLI_WIDE,
};

struct ifaces_opts {
	struct cli_opts c;
	double interval_s;
	long count; /* 0: until interrupted */
	bool watch;
	enum iface_render_fmt fmt;
};

static int parse_opts(struct ifaces_opts *o, int argc, char **argv)
{
	struct strbuf err = STRBUF_INIT;
	int ret = cli_parse(&ifaces_cmd, &o->c, argc, argv, &err);

	if (ret < 0)
		cli_usage_error("ifaces", err.buf);
	strbuf_release(&err);
	o->watch = o->c.watch_s > 0;
	o->interval_s = o->watch ? o->c.watch_s : o->c.seconds > 0 ? o->c.seconds : 1.0;
	o->count = o->c.iterations;
	o->fmt = o->c.json ? IFACE_RENDER_JSON : o->c.csv ? IFACE_RENDER_CSV : IFACE_RENDER_TEXT;
	return ret;
}

/*
 * sysfs shows the namespace of whoever mounted it: inside -N's namespace,
 * mount a fresh one over /sys in a private mount namespace of our own, as
 * `ip netns exec` does.  Nothing outside this process sees it.
 */
static int remount_sysfs(const char *sys_root)
{
	if (unshare(CLONE_NEWNS) < 0)
		return -errno;
	if (mount("", "/", NULL, MS_SLAVE | MS_REC, NULL) < 0)
		return -errno;
	(void)umount2(sys_root, MNT_DETACH);
	if (mount("sysfs", sys_root, "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) <
	    0)
		return -errno;
	return 0;
}

static bool keep_named(const struct iface_rate *row, void *arg)
{
	const struct ifaces_opts *o = arg;

	for (size_t i = 0; i < o->c.nr_ifaces; i++)
		if (!strcmp(o->c.ifaces[i], row->s.name))
			return true;
	return false;
}

static int check_names(const struct ifaces_opts *o, const struct iface_table *t)
{
	for (size_t i = 0; i < o->c.nr_ifaces; i++) {
		size_t k;

		for (k = 0; k < t->nr && strcmp(t->ifs[k].name, o->c.ifaces[i]); k++)
			;
		if (k == t->nr) {
			fprintf(stderr, "connmon ifaces: no interface '%s' (see 'ip link')\n",
				o->c.ifaces[i]);
			return -ENODEV;
		}
	}
	return 0;
}

struct ifaces_run {
	struct ifaces_opts *o;
	struct iface_rates rates;
	struct iface_avg avg;
	struct outbuf out;
	struct iface_render render;
	struct link_source ls;
};

static void labels(int64_t wall_ns, char *local, size_t lsize, char *utc, size_t usize)
{
	time_t now = (time_t)(wall_ns / 1000000000LL);
	struct tm tm;

	localtime_r(&now, &tm);
	strftime(local, lsize, "%H:%M:%S", &tm);
	units_utc(utc, usize, now);
}

static void emit(struct ifaces_run *r, struct iface_block *b, struct iface_rates *rates,
		 int64_t wall_ns)
{
	char local[32], utc[32];

	labels(wall_ns, local, sizeof(local), utc, sizeof(utc));
	if (!b->label)
		b->label = r->o->fmt == IFACE_RENDER_CSV ? utc : local;
	b->time_utc = utc;
	if (r->o->c.nr_ifaces)
		iface_rates_retain(rates, keep_named, r->o);
	iface_render_block(&r->render, b, rates);
}

/* One block per tick: the rates between the previous sample and this one. */
static int ifaces_consume(void *c, const struct snapshot *prev, const struct snapshot *cur)
{
	struct ifaces_run *r = c;
	struct iface_block b = { 0 };
	int ret;

	if (cur->ifaces_err) {
		fprintf(stderr, "connmon ifaces: cannot dump interfaces: %s\n",
			strerror(-cur->ifaces_err));
		return cur->ifaces_err;
	}
	if (!prev)
		return check_names(r->o, &cur->ifaces);
	ret = iface_rates_compute(&prev->ifaces, &cur->ifaces, &r->rates);
	if (ret < 0)
		return ret;
	/* the Average holds the selected interfaces only (and counts only their vanishing) */
	if (r->o->c.nr_ifaces)
		iface_rates_retain(&r->rates, keep_named, r->o);
	iface_avg_add(&r->avg, &r->rates);
	emit(r, &b, &r->rates, cur->wall_ns);
	return outbuf_flush(&r->out);
}

/* sar's Average block, over every interval that was reported (also after Ctrl-C). */
static int ifaces_finish(void *c, const struct snapshot *last, enum tick_end why)
{
	struct ifaces_run *r = c;
	struct iface_block b = { .label = "Average:", .average = true };

	(void)why;
	if (!r->o->watch || !r->avg.nr_intervals || !last)
		return 0;
	b.nr_intervals = r->avg.nr_intervals;
	b.nr_dropped = r->avg.nr_dropped;
	b.max_gone = (unsigned)r->avg.max_gone;
	iface_avg_result(&r->avg, &r->rates);
	emit(r, &b, &r->rates, last->wall_ns);
	return outbuf_flush(&r->out);
}

static void ifaces_sizes(void *c, struct table_sizes *ts)
{
	struct ifaces_run *r = c;

	table_sizes_add(ts, "iface_rates", r->rates.nr);
	table_sizes_add(ts, "iface_averages", iface_avg_size(&r->avg));
}

static const struct consumer_ops ifaces_consumer = {
	.name = "ifaces",
	.consume = ifaces_consume,
	.finish = ifaces_finish,
	.sizes = ifaces_sizes,
};

static void setup(struct tick *t, void *arg)
{
	struct ifaces_run *r = arg;

	tick_add_source(t, &link_source_ops, &r->ls);
	tick_add_consumer(t, &ifaces_consumer, r);
}

static int run(struct ifaces_run *r)
{
	struct tick_opts to = {
		.interval_ns = (uint64_t)(r->o->interval_s * 1e9),
		.count = r->o->watch ? (uint64_t)r->o->count : 1,
		.baseline = true,
	};

	return tick_run_command("ifaces", &to, setup, r);
}

static void setup_sysfs(struct ifaces_run *r)
{
	const struct ifaces_opts *o = r->o;
	int ret;

	r->ls.sys_root = o->c.sysfs ? o->c.sysfs : "/sys";
	if (!o->c.netns || o->c.sysfs)
		return;
	ret = remount_sysfs(r->ls.sys_root);
	if (ret < 0) {
		fprintf(stderr,
			"connmon ifaces: cannot mount sysfs inside namespace '%s': %s; link speeds unknown\n",
			o->c.netns, strerror(-ret));
		r->ls.sys_root = NULL;
	}
}

static void opts_release(struct ifaces_opts *o)
{
	cli_opts_release(&o->c);
}

int cmd_ifaces(const struct app_ctx *ctx, int argc, char **argv)
{
	struct ifaces_opts o = { .interval_s = 1.0 };
	struct ifaces_run r = { .o = &o };
	int ret;

	(void)ctx;

	if (parse_opts(&o, argc, argv) < 0) {
		opts_release(&o);
		return 2;
	}
	if (o.c.help) {
		fputs(usage, stdout);
		opts_release(&o);
		return 0;
	}
	/* A closed pipe (`| head`) ends us quietly: EPIPE is not an error. */
	signal(SIGPIPE, SIG_IGN);
	setup_sysfs(&r);
	ret = link_source_open(&r.ls, r.ls.sys_root);
	if (ret < 0) {
		fprintf(stderr, "connmon ifaces: cannot open rtnetlink: %s\n", strerror(-ret));
		opts_release(&o);
		return 1;
	}
	iface_rates_init(&r.rates);
	iface_avg_init(&r.avg);
	outbuf_init(&r.out, STDOUT_FILENO, OUT_BUF_LEN);
	iface_render_init(&r.render, &r.out, o.fmt);
	r.render.edev = o.c.edev;
	r.render.width = term_width(STDOUT_FILENO, o.c.wide);
	ret = run(&r);
	outbuf_flush(&r.out);
	if (r.out.err && r.out.err != -EPIPE) {
		fprintf(stderr, "connmon ifaces: cannot write output: %s\n", strerror(-r.out.err));
		ret = 1;
	}
	outbuf_release(&r.out);
	iface_avg_release(&r.avg);
	iface_rates_release(&r.rates);
	opts_release(&o);
	return ret;
}
