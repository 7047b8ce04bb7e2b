// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `connmon proto`: netstat -s, nstat and sar -n TCP,ETCP,UDP,IP,EIP in one.
 * A one-shot run is two samples of /proc/net/{snmp,netstat,snmp6} an
 * interval apart; -w repeats like sar and ends with an Average frame that
 * spans the first sample to the last.  Ctrl-C ends a -w run cleanly: the
 * signal is blocked and awaited with sigtimedwait(), so no handler and no
 * global flag are needed.
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

#include "app/commands.h"
#include "base/outbuf.h"
#include "collect/snmp.h"
#include "ui/proto_render.h"

#define PROTO_MAX_SEC 86400.0
#define PROTO_MIN_SEC 0.001

static const char usage[] =
	"usage: connmon proto [-a] [--json] [--interval SEC] [-w SEC [COUNT]] [--count N] [-N NETNS]\n"
	"  Protocol counters (/proc/net/snmp, netstat, snmp6) as deltas and rates per second,\n"
	"  with retransmit, loss, error and drop ratios flagged at >= 0.1 %.\n"
	"  --interval SEC   one-shot: sample twice SEC apart (default 1)\n"
	"  -w, --watch SEC [COUNT]   repeat every SEC, COUNT times (default: until Ctrl-C), then Average\n"
	"  --count N        number of -w intervals\n"
	"  -a, --all        every counter that changed, by nstat name, instead of the key list\n"
	"  --json           one JSON object per interval (docs/JSON-proto.md)\n";

struct proto_opts {
	double interval_sec;
	bool interval_set;
	double watch_sec; /* 0: one-shot */
	long count;	  /* -w intervals, 0: until interrupted */
	struct proto_render_opts render;
	bool help;
};

__attribute__((format(printf, 1, 2))) static int bad_usage(const char *fmt, ...)
{
	va_list ap;

	fputs("connmon proto: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'connmon proto --help'.\n", stderr);
	return -EINVAL;
}

static int parse_sec(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v < PROTO_MIN_SEC || v > PROTO_MAX_SEC)
		return bad_usage("invalid interval '%s': expected seconds from 0.001 to 86400", s);
	*out = v;
	return 0;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static int parse_count(const char *s, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v <= 0)
		return bad_usage("invalid count '%s': expected a positive whole number", s);
	*out = v;
	return 0;
}

/* The value of an option given as "--opt VALUE" or "--opt=VALUE". */
static const char *opt_value(int argc, char **argv, int *i, const char *name)
{
	size_t n = strlen(name);

	if (!strncmp(argv[*i], name, n) && argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (*i + 1 < argc)
		return argv[++*i];
	bad_usage("option '%s' needs a value", name);
	return NULL;
}

static bool is_opt(const char *arg, const char *name)
{
	size_t n = strlen(name);

	return !strncmp(arg, name, n) && (arg[n] == '\0' || arg[n] == '=');
}

static int parse_one(struct proto_opts *o, int argc, char **argv, int *i)
{
	const char *a = argv[*i], *v;

	if (!strcmp(a, "-h") || !strcmp(a, "--help"))
		o->help = true;
	else if (!strcmp(a, "--json"))
		o->render.json = true;
	else if (!strcmp(a, "-a") || !strcmp(a, "--all"))
		o->render.all = true;
	else if (!strcmp(a, "-N") || !strcmp(a, "--net"))
		(*i)++; /* entered by app_main already */
	else if (!strncmp(a, "--net=", 6))
		;
	else if (is_opt(a, "--interval")) {
		if (!(v = opt_value(argc, argv, i, "--interval")) || parse_sec(v, &o->interval_sec))
			return -EINVAL;
		o->interval_set = true;
	} else if (!strcmp(a, "-w") || is_opt(a, "--watch")) {
		if (!(v = opt_value(argc, argv, i, a[1] == 'w' ? "-w" : "--watch")) ||
		    parse_sec(v, &o->watch_sec))
			return -EINVAL;
		if (*i + 1 < argc && all_digits(argv[*i + 1]) && parse_count(argv[++*i], &o->count))
			return -EINVAL;
	} else if (is_opt(a, "--count") || is_opt(a, "--iterations")) {
		if (!(v = opt_value(argc, argv, i, a[2] == 'c' ? "--count" : "--iterations")) ||
		    parse_count(v, &o->count))
			return -EINVAL;
	} else if (a[0] == '-')
		return bad_usage("unknown option '%s'", a);
	else
		return bad_usage("unexpected argument '%s'", a);
	return 0;
}

static int parse_opts(struct proto_opts *o, int argc, char **argv)
{
	memset(o, 0, sizeof(*o));
	o->interval_sec = 1.0;
	for (int i = 1; i < argc; i++)
		if (parse_one(o, argc, argv, &i) < 0)
			return -EINVAL;
	if (o->help)
		return 0;
	if (o->interval_set && o->watch_sec > 0)
		return bad_usage("--interval and -w exclude each other (-w SEC sets the interval)");
	if (o->count && o->watch_sec <= 0)
		return bad_usage("--count needs -w SEC");
	return 0;
}

/* ---- sampling ---- */

struct proto_run {
	const struct proto_opts *o;
	struct counter_snap snaps[3]; /* first, and two that alternate */
	struct strbuf scratch;
	struct outbuf out;
	sigset_t stop_sigs;
	struct timespec next;
};

static int sample(struct proto_run *r, struct counter_snap *s)
{
	int ret = snmp_read(s, "/proc", &r->scratch);

	if (ret < 0)
		fprintf(stderr, "connmon proto: cannot read '/proc/net/snmp': %s\n",
			strerror(-ret));
	return ret;
}

static void add_sec(struct timespec *t, double sec)
{
	long long ns = (long long)(sec * 1e9);

	t->tv_sec += (time_t)(ns / 1000000000LL);
	t->tv_nsec += (long)(ns % 1000000000LL);
	if (t->tv_nsec >= 1000000000L) {
		t->tv_sec++;
		t->tv_nsec -= 1000000000L;
	}
}

/* Sleeps until r->next + sec; false when SIGINT/SIGTERM/SIGHUP came first. */
static bool wait_next(struct proto_run *r, double sec)
{
	struct timespec now, left;

	add_sec(&r->next, sec);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		left.tv_sec = r->next.tv_sec - now.tv_sec;
		left.tv_nsec = r->next.tv_nsec - now.tv_nsec;
		if (left.tv_nsec < 0) {
			left.tv_sec--;
			left.tv_nsec += 1000000000L;
		}
		if (left.tv_sec < 0)
			return true;
		if (sigtimedwait(&r->stop_sigs, NULL, &left) >= 0)
			return false;
		if (errno == EAGAIN)
			return true;
	}
}

static void utc_now(char *buf, size_t len)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void emit(struct proto_run *r, const struct counter_snap *old,
		 const struct counter_snap *cur, const char *kind, unsigned long n)
{
	char when[32];
	struct proto_frame f = { .old = old, .cur = cur, .when = when, .kind = kind };

	utc_now(when, sizeof(when));
	f.nr_intervals = n;
	proto_render(&r->out, &r->o->render, &f);
	if (!r->o->render.json && !strcmp(kind, "interval") && r->o->watch_sec > 0)
		outbuf_addch(&r->out, '\n');
	outbuf_flush(&r->out);
}

/* Returns 0, 1 after a failed read, or 130 for an interrupted one-shot. */
static int run(struct proto_run *r)
{
	const struct proto_opts *o = r->o;
	double sec = o->watch_sec > 0 ? o->watch_sec : o->interval_sec;
	struct counter_snap *prev = &r->snaps[0], *cur = &r->snaps[1];
	unsigned long n = 0;

	clock_gettime(CLOCK_MONOTONIC, &r->next);
	if (sample(r, prev) < 0)
		return 1;
	while (o->watch_sec <= 0 ? n < 1 : !o->count || n < (unsigned long)o->count) {
		if (!wait_next(r, sec))
			break;
		if (sample(r, cur) < 0)
			return 1;
		emit(r, prev, cur, "interval", 1);
		n++;
		if (r->out.err)
			return 0;
		/* snaps[0] stays the first sample, for the Average. */
		prev = cur;
		cur = cur == &r->snaps[1] ? &r->snaps[2] : &r->snaps[1];
	}
	if (o->watch_sec > 0 && n > 0)
		emit(r, &r->snaps[0], prev, "average", n);
	return n || o->watch_sec > 0 ? 0 : 130;
}

int cmd_proto(int argc, char **argv)
{
	struct proto_opts o;
	struct proto_run r = { .o = &o };
	int ret;

	if (parse_opts(&o, argc, argv) < 0)
		return 2;
	if (o.help) {
		fputs(usage, stdout);
		return 0;
	}
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&r.stop_sigs);
	sigaddset(&r.stop_sigs, SIGINT);
	sigaddset(&r.stop_sigs, SIGTERM);
	sigaddset(&r.stop_sigs, SIGHUP);
	sigprocmask(SIG_BLOCK, &r.stop_sigs, NULL);
	for (int i = 0; i < 3; i++)
		counter_snap_init(&r.snaps[i]);
	strbuf_init(&r.scratch, 8192);
	outbuf_init(&r.out, STDOUT_FILENO, 64 * 1024);
	ret = run(&r);
	outbuf_flush(&r.out);
	if (r.out.err && r.out.err != -EPIPE) {
		fprintf(stderr, "connmon proto: cannot write output: %s\n", strerror(-r.out.err));
		ret = 1;
	}
	outbuf_release(&r.out);
	strbuf_release(&r.scratch);
	for (int i = 0; i < 3; i++)
		counter_snap_release(&r.snaps[i]);
	return ret;
}
