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
#include <getopt.h>
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
#include "base/xalloc.h"
#include "collect/link.h"
#include "ui/iface_render.h"

#define OUT_BUF_LEN	 (64 * 1024)
#define MAX_INTERVAL_SEC 86400.0
#define MAX_COUNT	 1000000000L

static const char usage[] =
	"usage: connmon ifaces [-N NETNS] [-i IFACE[,IFACE...]]... [-e] [--json|--csv]\n"
	"                      [--interval SEC | -w SEC [COUNT]] [--sysfs DIR]\n"
	"  Per-interface rates (packets, kB, errors, drops, fifo, multicast per second),\n"
	"  utilisation of the link speed, speed/duplex and operational state.\n"
	"  --interval SEC  one-shot: the time between the two samples (default 1)\n"
	"  -w SEC [COUNT]  a block every SEC seconds, COUNT times (default: until\n"
	"                  interrupted), then an Average: block as sar prints\n"
	"  -i IFACE        only these interfaces (repeatable, or a comma list)\n"
	"  -e, --edev      the error columns of sar -n EDEV in the text table\n"
	"                  (JSON and CSV always carry every counter)\n"
	"  --sysfs DIR     where sysfs is mounted (default /sys), for speed and duplex\n";

struct ifaces_opts {
	double interval_s;
	long count; /* 0: until interrupted */
	bool watch;
	enum iface_render_fmt fmt;
	bool edev;    /* -e: sar -n EDEV's columns in text */
	char **names; /* -i, owned */
	size_t nr_names, alloc_names;
	const char *netns;
	const char *sys_root;
};

__attribute__((format(printf, 1, 2))) static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("connmon ifaces: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'connmon ifaces --help'.\n", stderr);
	return -EINVAL;
}

static bool parse_seconds(const char *s, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	return !errno && end != s && !*end && *out > 0 && *out <= MAX_INTERVAL_SEC;
}

static bool parse_count(const char *s, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, 10);
	return !errno && end != s && !*end && *out > 0 && *out <= MAX_COUNT;
}

static void add_names(struct ifaces_opts *o, const char *list)
{
	const char *p = list;

	while (*p) {
		size_t len = strcspn(p, ",");

		if (len) {
			ALLOC_GROW(o->names, o->nr_names + 1, o->alloc_names);
			o->names[o->nr_names++] = xstrndup(p, len);
		}
		p += len + (p[len] == ',');
	}
}

static int parse_opts(struct ifaces_opts *o, int argc, char **argv, bool *help)
{
	enum {
		OPT_JSON = 256,
		OPT_CSV,
		OPT_INTERVAL,
		OPT_SYSFS,
		OPT_ITER
	};
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "csv", no_argument, NULL, OPT_CSV },
		{ "edev", no_argument, NULL, 'e' },
		{ "net", required_argument, NULL, 'N' },
		{ "iface", required_argument, NULL, 'i' },
		{ "watch", required_argument, NULL, 'w' },
		{ "interval", required_argument, NULL, OPT_INTERVAL },
		{ "iterations", required_argument, NULL, OPT_ITER },
		{ "sysfs", required_argument, NULL, OPT_SYSFS },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, ":heN:i:w:", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			*help = true;
			return 0;
		case OPT_JSON:
			o->fmt = IFACE_RENDER_JSON;
			break;
		case OPT_CSV:
			o->fmt = IFACE_RENDER_CSV;
			break;
		case 'e':
			o->edev = true;
			break;
		case 'N':
			o->netns = optarg;
			break;
		case 'i':
			add_names(o, optarg);
			break;
		case 'w':
		case OPT_INTERVAL:
			if (!parse_seconds(optarg, &o->interval_s))
				return usage_error("invalid interval '%s': expected seconds > 0, "
						   "e.g. 1 or 0.5",
						   optarg);
			o->watch |= c == 'w';
			break;
		case OPT_ITER:
			if (!parse_count(optarg, &o->count))
				return usage_error(
					"invalid count '%s': expected a positive integer", optarg);
			break;
		case OPT_SYSFS:
			o->sys_root = optarg;
			break;
		case ':':
			return usage_error("option '%s' needs a value", argv[optind - 1]);
		default:
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc && o->watch && !o->count) {
		if (!parse_count(argv[optind], &o->count))
			return usage_error("invalid count '%s': expected a positive integer",
					   argv[optind]);
		optind++;
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (o->count && !o->watch)
		return usage_error("%s needs -w SEC", "--iterations");
	return 0;
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

	for (size_t i = 0; i < o->nr_names; i++)
		if (!strcmp(o->names[i], row->s.name))
			return true;
	return false;
}

static int check_names(const struct ifaces_opts *o, const struct iface_table *t)
{
	for (size_t i = 0; i < o->nr_names; i++) {
		size_t k;

		for (k = 0; k < t->nr && strcmp(t->ifs[k].name, o->names[i]); k++)
			;
		if (k == t->nr) {
			fprintf(stderr, "connmon ifaces: no interface '%s' (see 'ip link')\n",
				o->names[i]);
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
	gmtime_r(&now, &tm);
	strftime(utc, usize, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void emit(struct ifaces_run *r, struct iface_block *b, struct iface_rates *rates,
		 int64_t wall_ns)
{
	char local[32], utc[32];

	labels(wall_ns, local, sizeof(local), utc, sizeof(utc));
	if (!b->label)
		b->label = r->o->fmt == IFACE_RENDER_CSV ? utc : local;
	b->time_utc = utc;
	if (r->o->nr_names)
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
	iface_avg_result(&r->avg, &r->rates);
	emit(r, &b, &r->rates, last->wall_ns);
	return outbuf_flush(&r->out);
}

static const struct consumer_ops ifaces_consumer = {
	.name = "ifaces",
	.consume = ifaces_consume,
	.finish = ifaces_finish,
};

static int run(struct ifaces_run *r)
{
	struct tick_opts to = {
		.interval_ns = (uint64_t)(r->o->interval_s * 1e9),
		.count = r->o->watch ? (uint64_t)r->o->count : 1,
		.baseline = true,
	};
	struct loop loop;
	struct tick t;
	int ret = loop_open(&loop);

	if (ret < 0) {
		fprintf(stderr, "connmon ifaces: cannot set up the event loop: %s\n",
			strerror(-ret));
		return 1;
	}
	tick_init(&t, &loop, &to);
	tick_add_source(&t, &link_source_ops, &r->ls);
	tick_add_consumer(&t, &ifaces_consumer, r);
	tick_run(&t);
	ret = tick_exit_code(&t);
	tick_release(&t);
	loop_close(&loop);
	return ret;
}

static void setup_sysfs(struct ifaces_run *r)
{
	const struct ifaces_opts *o = r->o;
	int ret;

	r->ls.sys_root = o->sys_root ? o->sys_root : "/sys";
	if (!o->netns || o->sys_root)
		return;
	ret = remount_sysfs(r->ls.sys_root);
	if (ret < 0) {
		fprintf(stderr,
			"connmon ifaces: cannot mount sysfs inside namespace '%s': %s; link speeds unknown\n",
			o->netns, strerror(-ret));
		r->ls.sys_root = NULL;
	}
}

static void opts_release(struct ifaces_opts *o)
{
	for (size_t i = 0; i < o->nr_names; i++)
		free(o->names[i]);
	free(o->names);
}

int cmd_ifaces(int argc, char **argv)
{
	struct ifaces_opts o = { .interval_s = 1.0 };
	struct ifaces_run r = { .o = &o };
	bool help = false;
	int ret;

	if (parse_opts(&o, argc, argv, &help) < 0) {
		opts_release(&o);
		return 2;
	}
	if (help) {
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
	r.render.edev = o.edev;
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
