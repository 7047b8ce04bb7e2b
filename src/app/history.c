// SPDX-License-Identifier: GPL-2.0-or-later
#include "app/history.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app/commands.h"
#include "app/loop.h"
#include "base/units.h"
#include "cli/timespec.h"
#include "model/metric.h"

#define DEFAULT_DB "/var/lib/connmon/connmon.db"
#define MIN_MS	   60000LL
#define HOUR_MS	   3600000LL

static const char history_usage[] =
	"usage: connmon history VIEW [--since T] [--until T] [--step SEC] [--json|--csv]\n"
	"                            [--db PATH] [VIEW OPTIONS]\n"
	"\n"
	"Recorded history (sar -f).  Views:\n"
	"  sockets     TCP sockets per state (--port P: one listening port)\n"
	"  ifaces      interface rates like sar -n DEV (-e: errors like EDEV; -i IFACE)\n"
	"  proto       TCP rates like sar -n TCP,ETCP, with the retransmit ratio\n"
	"  peers       the remote addresses with the most connections (--top N)\n"
	"  listeners   listening ports: connections, SYN-RECV, accept-queue fill\n"
	"  procs       traffic per process (--top N)\n"
	"  series      every stored series with its time range\n"
	"  export [SERIES...]      the stored points as JSON lines (default: all of them)\n"
	"  import [--sar] FILE|-   JSON lines from export, or sar history from `sadf -j`\n"
	"\n"
	"T: now, -15m, -2h, -7d, today, yesterday, HH:MM[:SS], YYYY-MM-DD[THH:MM[:SS]][Z|+HH:MM],\n"
	"@UNIXSECONDS.  Default: the last hour.  The step is a tier's resolution chosen\n"
	"from the range (every tick up to 15 minutes, every minute up to a day, then\n"
	"every hour) unless --step gives one.\n"
	"  --db PATH    the database (default " DEFAULT_DB ")\n";

void hist_time(const struct hist *h, int64_t t_ms, char *buf, size_t size)
{
	time_t t = (time_t)(t_ms / 1000);
	struct tm tm;

	localtime_r(&t, &tm);
	if (h->until_ms - h->since_ms > 24 * HOUR_MS || h->fmt != HIST_TEXT)
		strftime(buf, size, "%Y-%m-%d %H:%M:%S", &tm);
	else
		strftime(buf, size, "%H:%M:%S", &tm);
}

void hist_label(const struct store_result_series *s, const char *key, char *buf, size_t size)
{
	if (!metric_labels_get(s->info.labels, key, buf, size))
		snprintf(buf, size, "%s", "");
}

/*
 * Ranges of up to a day that the tick tier still holds are read from the
 * ticks (aggregated to the step): the rollups of the current minute and
 * hour are not written until they end, and ticks are exact.  Longer ranges
 * the minute tier still holds are read from it: imports (sar history) land
 * there, and an hour's step aggregates 60 of its rollups.
 */
static int hist_tier(const struct hist *h)
{
	int64_t now = loop_wall_ns() / 1000000;
	int64_t lo = h->since_ms > h->data_lo_ms ? h->since_ms : h->data_lo_ms;
	int64_t hi = h->until_ms < h->data_hi_ms ? h->until_ms : h->data_hi_ms;

	if (hi - lo <= 24 * HOUR_MS && lo >= now - 47 * HOUR_MS)
		return STORE_TIER_TICK;
	if (lo >= now - 89 * 24 * HOUR_MS)
		return STORE_TIER_MINUTE;
	return STORE_TIER_AUTO;
}

/*
 * The part of the range the database holds data for: a long range over a
 * young database (`--since @0`) is read, and stepped, like the span of data
 * it covers.
 */
static void hist_clamp(struct hist *h)
{
	struct store_series_info *v = NULL;
	size_t n = 0;
	int64_t lo = INT64_MAX, hi = INT64_MIN, span;

	h->data_lo_ms = INT64_MIN;
	h->data_hi_ms = INT64_MAX;
	if (store_list(h->st, &v, &n, NULL) == 0)
		for (size_t i = 0; i < n; i++) {
			if (v[i].first_ms != INT64_MIN && v[i].first_ms < lo)
				lo = v[i].first_ms;
			if (v[i].last_ms > hi)
				hi = v[i].last_ms;
		}
	store_series_info_free(v, n);
	if (hi == INT64_MIN)
		return;
	h->data_lo_ms = lo;
	h->data_hi_ms = hi + 1;
	if (h->o.step_s > 0)
		return;
	lo = h->since_ms > lo ? h->since_ms : lo;
	hi = h->until_ms < hi + 1 ? h->until_ms : hi + 1;
	span = hi > lo ? hi - lo : 0;
	h->step_ms = span <= 15 * MIN_MS ? 0 : span <= 24 * HOUR_MS ? MIN_MS : HOUR_MS;
}

static size_t result_points(const struct store_result *res)
{
	size_t n = 0;

	for (size_t i = 0; i < res->nr_series; i++)
		n += res->series[i].nr_points;
	return n;
}

int hist_query(struct hist *h, const char *name, const char *k1, const char *v1, const char *k2,
	       const char *v2, struct store_result *res)
{
	struct store_match m[2] = { { k1, v1 }, { k2, v2 } };
	struct store_query q = {
		.name = name,
		.match = m,
		.nr_match = k1 ? (k2 ? 2 : 1) : 0,
		.since_ms = h->since_ms,
		.until_ms = h->until_ms,
		.step_ms = h->step_ms,
		.tier = hist_tier(h),
	};
	struct strbuf err = STRBUF_INIT;
	int ret = store_query(h->st, &q, res, &err);

	/*
	 * Nothing in the tier chosen (an imported range has minute rollups only; an old one
	 * may have only hours): the other tiers, finest first.
	 */
	for (int tier = STORE_TIER_TICK; ret == 0 && !result_points(res) && tier <= STORE_TIER_HOUR;
	     tier++) {
		if (tier == q.tier)
			continue;
		store_result_release(res);
		q.tier = tier;
		ret = store_query(h->st, &q, res, &err);
	}
	if (ret < 0)
		fprintf(stderr, "connmon history: %s\n", err.len ? err.buf : strerror(-ret));
	strbuf_release(&err);
	return ret;
}

void hist_no_data(struct hist *h, const char *what)
{
	char a[UNITS_UTC_LEN], b[UNITS_UTC_LEN], c[UNITS_UTC_LEN], d[UNITS_UTC_LEN];

	units_utc(a, sizeof(a), h->since_ms / 1000);
	units_utc(b, sizeof(b), h->until_ms / 1000);
	if (h->data_lo_ms == INT64_MIN) {
		fprintf(stderr,
			"connmon history: no %s between %s and %s; the database '%s' holds no data "
			"yet\n",
			what, a, b, h->db);
		return;
	}
	units_utc(c, sizeof(c), h->data_lo_ms / 1000);
	units_utc(d, sizeof(d), (h->data_hi_ms - 1) / 1000);
	fprintf(stderr,
		"connmon history: no %s between %s and %s; the database holds data from %s to %s\n",
		what, a, b, c, d);
}

void hist_empty(struct hist *h, const char *what, int64_t step_ms)
{
	hist_no_data(h, what);
	if (h->fmt == HIST_JSON) { /* still a document: no rows */
		hist_json_begin(h, step_ms);
		hist_json_end(h);
	}
}

void hist_json_begin(struct hist *h, int64_t step_ms)
{
	char a[UNITS_UTC_LEN], b[UNITS_UTC_LEN];

	units_utc(a, sizeof(a), h->since_ms / 1000);
	units_utc(b, sizeof(b), h->until_ms / 1000);
	strbuf_reset(&h->line);
	strbuf_addf(&h->line,
		    "{\"view\":\"%s\",\"since\":\"%s\",\"until\":\"%s\",\"step_s\":%g,\"rows\":[",
		    h->view, a, b, (double)step_ms / 1e3);
	outbuf_add(&h->out, h->line.buf, h->line.len);
}

void hist_json_end(struct hist *h)
{
	outbuf_addstr(&h->out, "]}\n");
}

static int64_t now_ms(void)
{
	return loop_wall_ns() / 1000000;
}

/* --since, --until, --step into h; 0 or 2 (reported). */
static int parse_range(struct hist *h)
{
	struct strbuf err = STRBUF_INIT;
	int64_t now = now_ms();
	int ret = 0;

	h->until_ms = now;
	h->since_ms = now - HOUR_MS;
	if (!strcmp(h->o.args[0], "export")) { /* everything, unless a range is given */
		h->since_ms = 0;
		h->until_ms = now + 24 * HOUR_MS;
	}
	if ((h->o.since && timespec_parse("--since", h->o.since, now, &h->since_ms, &err) < 0) ||
	    (h->o.until && timespec_parse("--until", h->o.until, now, &h->until_ms, &err) < 0)) {
		ret = cli_usage_error("history", err.buf);
	} else if (h->since_ms >= h->until_ms) {
		ret = cli_usage_error("history", "--since must be before --until");
	} else if (h->o.step_s > 0) {
		h->step_ms = (int64_t)(h->o.step_s * 1000);
	} else {
		int64_t span = h->until_ms - h->since_ms;

		h->step_ms = span <= 15 * MIN_MS ? 0 : span <= 24 * HOUR_MS ? MIN_MS : HOUR_MS;
	}
	strbuf_release(&err);
	return ret;
}

static const struct {
	const char *name;
	int (*fn)(struct hist *h);
} views[] = {
	{ "sockets", hist_view_sockets },     { "ifaces", hist_view_ifaces },
	{ "proto", hist_view_proto },	      { "peers", hist_view_peers },
	{ "listeners", hist_view_listeners }, { "procs", hist_view_procs },
	{ "series", hist_view_series },	      { "export", hist_export },
};

static int run_view(struct hist *h)
{
	struct strbuf err = STRBUF_INIT;
	int ret;

	for (size_t i = 0; i < sizeof(views) / sizeof(views[0]); i++) {
		if (strcmp(views[i].name, h->view))
			continue;
		ret = store_open(&h->st, h->db, STORE_READ, NULL, &err);
		if (ret < 0) {
			fprintf(stderr, "connmon history: %s\n",
				err.len ? err.buf : strerror(-ret));
			strbuf_release(&err);
			return 1;
		}
		strbuf_release(&err);
		hist_clamp(h);
		outbuf_init(&h->out, STDOUT_FILENO, 1 << 16);
		ret = views[i].fn(h);
		if (outbuf_flush(&h->out) < 0 && errno != EPIPE)
			ret = 1;
		outbuf_release(&h->out);
		store_close(h->st, NULL);
		return ret;
	}
	strbuf_addf(&err,
		    "unknown view '%s' (sockets, ifaces, proto, peers, listeners, procs, series)",
		    h->view);
	ret = cli_usage_error("history", err.buf);
	strbuf_release(&err);
	return ret;
}

int cmd_history(const struct app_ctx *ctx, int argc, char **argv)
{
	static const struct cli_cmd cmd = { "history", CLI_DB | CLI_RANGE | CLI_PORT | CLI_CSV |
							       CLI_ARGS | CLI_TOP | CLI_EDEV |
							       CLI_IFACES | CLI_SAR };
	struct strbuf err = STRBUF_INIT;
	struct hist h;
	int rc;

	(void)ctx;
	memset(&h, 0, sizeof(h));
	cli_opts_init(&h.o);
	strbuf_init(&h.line, 256);
	if (cli_parse(&cmd, &h.o, argc, argv, &err) < 0) {
		rc = cli_usage_error("history", err.buf);
	} else if (h.o.help) {
		fputs(history_usage, stdout);
		rc = 0;
	} else if (!h.o.nr_args) {
		rc = cli_usage_error("history", "which view? (sockets, ifaces, proto, peers, "
						"listeners, procs, series, export, import)");
	} else if (h.o.sar && strcmp(h.o.args[0], "import")) {
		rc = cli_usage_error("history", "--sar goes with 'import'");
	} else if (h.o.nr_args > 1 && strcmp(h.o.args[0], "export") &&
		   strcmp(h.o.args[0], "import")) {
		rc = cli_usage_error("history", "one view at a time");
	} else if (!strcmp(h.o.args[0], "import")) {
		h.db = h.o.db ? h.o.db : DEFAULT_DB;
		rc = h.o.nr_args > 2 ? cli_usage_error("history", "import reads one FILE (or -)") :
				       hist_import(&h, h.o.sar);
	} else if ((rc = parse_range(&h)) == 0) {
		h.view = h.o.args[0];
		h.db = h.o.db ? h.o.db : DEFAULT_DB;
		h.fmt = h.o.json ? HIST_JSON : h.o.csv ? HIST_CSV : HIST_TEXT;
		rc = run_view(&h);
	}
	strbuf_release(&h.line);
	strbuf_release(&err);
	cli_opts_release(&h.o);
	return rc;
}
