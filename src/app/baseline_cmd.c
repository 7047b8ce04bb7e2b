// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `connmon baseline [SERIES...] [--json] [--db PATH]`: for each series the
 * band of the hour of the week its latest value falls in, and where that
 * value stands, in baseline_describe()'s sentence (docs/COMMANDS.md,
 * "connmon baseline"; docs/BASELINE.md).  The bands are the ones the agent
 * stored; where it stored none (an imported database, an agent that has
 * not finished its first round) they are computed here from the stored
 * 1-minute rollups, with the config file's [baseline] thresholds.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app/baseline_store.h"
#include "app/commands.h"
#include "app/loop.h"
#include "base/outbuf.h"
#include "base/units.h"
#include "base/xalloc.h"
#include "cli/cmdline.h"
#include "cli/series_sel.h"

#define DEFAULT_DB "/var/lib/connmon/connmon.db"
/* A latest value older than this is dated in the text. */
#define STALE_MS (5 * 60000LL)
/* "did you mean": at most this many names. */
#define NR_CLOSEST 3

static const char usage[] =
	"usage: connmon baseline [SERIES...] [--json] [--db PATH]\n"
	"\n"
	"The usual band of each series for this hour of the week (median, p10 and p90\n"
	"of its 1-minute rollups), and where its latest value stands.\n"
	"  SERIES      NAME or NAME{key=\"value\",...}, e.g.\n"
	"              'connmon_tcp_sockets{state=\"established\"}' (labels not given\n"
	"              match any value).  Default: TCP established and time_wait, every\n"
	"              interface's rx and tx bytes, the TCP retransmit rate\n"
	"  --db PATH   the database (default " DEFAULT_DB ")\n"
	"  --json      the bands in JSON (docs/BASELINE.md)\n";

struct bl_cmd {
	struct cli_opts o;
	const char *db;
	struct store *st;
	struct store_series_info *v; /* every stored series */
	size_t nr;
	size_t *sel; /* indexes into v, in print order */
	size_t nr_sel;
	bool *picked; /* per v[] */
	struct baseline_spans spans;
	bool any_computed;
	int64_t now_ms;
	struct outbuf out;
	struct baseline b; /* scratch, per series */
};

static void pick(struct bl_cmd *c, size_t i)
{
	if (c->picked[i])
		return;
	c->picked[i] = true;
	c->sel[c->nr_sel++] = i;
}

static ssize_t find(const struct bl_cmd *c, const char *name, const char *labels)
{
	for (size_t i = 0; i < c->nr; i++)
		if (!strcmp(c->v[i].name, name) && !strcmp(c->v[i].labels, labels))
			return (ssize_t)i;
	return -1;
}

/* TCP established and time_wait, each interface's rx then tx, retransmits. */
static void pick_defaults(struct bl_cmd *c)
{
	ssize_t k;

	if ((k = find(c, "connmon_tcp_sockets", "state=\"established\"")) >= 0)
		pick(c, (size_t)k);
	if ((k = find(c, "connmon_tcp_sockets", "state=\"time_wait\"")) >= 0)
		pick(c, (size_t)k);
	for (size_t i = 0; i < c->nr; i++) {
		if (strcmp(c->v[i].name, "connmon_iface_rx_bytes_total"))
			continue;
		pick(c, i);
		if ((k = find(c, "connmon_iface_tx_bytes_total", c->v[i].labels)) >= 0)
			pick(c, (size_t)k);
	}
	for (size_t i = 0; i < c->nr; i++)
		if (!strcmp(c->v[i].name, "connmon_iface_tx_bytes_total"))
			pick(c, i);
	if ((k = find(c, "connmon_netstat_total", "counter=\"TcpRetransSegs\"")) >= 0)
		pick(c, (size_t)k);
}

struct candidate {
	size_t dist;
	size_t idx;
};

static int cmp_candidate(const void *a, const void *b)
{
	const struct candidate *x = a, *y = b;

	if (x->dist != y->dist)
		return x->dist < y->dist ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* "NAME" or "NAME{LABELS}" of v[i], as a selector would spell it. */
static void spell(struct strbuf *sb, const struct store_series_info *s, bool with_labels)
{
	strbuf_reset(sb);
	strbuf_addstr(sb, s->name);
	if (with_labels && *s->labels)
		strbuf_addf(sb, "{%s}", s->labels);
}

/* The unknown selector's message: the closest stored names, or where to list them. */
static void report_unknown(const struct bl_cmd *c, const char *arg)
{
	bool labels = strchr(arg, '{') != NULL;
	size_t cap = strlen(arg) / 2 + 2, n = 0;
	struct candidate *cand = xcalloc(c->nr + 1, sizeof(*cand));
	struct strbuf sb = STRBUF_INIT, msg = STRBUF_INIT;
	char *safe;

	for (size_t i = 0; i < c->nr; i++) {
		/* Without braces, one candidate per name. */
		if (!labels && i && !strcmp(c->v[i].name, c->v[i - 1].name))
			continue;
		spell(&sb, &c->v[i], labels);
		cand[n].dist = series_sel_distance(arg, sb.buf, cap);
		cand[n].idx = i;
		if (cand[n].dist < cap)
			n++;
	}
	qsort(cand, n, sizeof(*cand), cmp_candidate);
	for (size_t k = 0; k < n && k < NR_CLOSEST; k++) {
		spell(&sb, &c->v[cand[k].idx], labels);
		strbuf_addstr(&msg, k ? ", " : "; the closest: ");
		strbuf_addstr(&msg, sb.buf);
	}
	if (!n)
		strbuf_addf(&msg, "; 'connmon history series --db %s' lists them", c->db);
	safe = xmalloc(4 * msg.len + 4 * strlen(arg) + 2);
	text_escape(safe, 4 * strlen(arg) + 1, arg, strlen(arg), SIZE_MAX, NULL);
	fprintf(stderr, "connmon baseline: no series '%s' in '%s'", safe, c->db);
	text_escape(safe, 4 * msg.len + 1, msg.buf, msg.len, SIZE_MAX, NULL);
	fprintf(stderr, "%s\n", safe);
	free(safe);
	free(cand);
	strbuf_release(&sb);
	strbuf_release(&msg);
}

/* The selection from the arguments (0), or 1 when one selects nothing (reported). */
static int pick_args(struct bl_cmd *c)
{
	int rc = 0;

	for (size_t a = 0; a < c->o.nr_args; a++) {
		struct series_sel s;
		bool any = false;

		if (series_sel_parse(&s, c->o.args[a], NULL) < 0)
			return 2; /* checked before the store was opened */
		for (size_t i = 0; i < c->nr; i++)
			if (series_sel_matches(&s, c->v[i].name, c->v[i].labels)) {
				pick(c, i);
				any = true;
			}
		series_sel_release(&s);
		if (!any) {
			report_unknown(c, c->o.args[a]);
			rc = 1;
		}
	}
	return rc;
}

/* Every selector parses, before anything is opened: a typo is a usage error (2). */
static int check_args(const struct bl_cmd *c)
{
	struct strbuf err = STRBUF_INIT;
	int rc = 0;

	for (size_t a = 0; a < c->o.nr_args && !rc; a++) {
		struct series_sel s;

		if (series_sel_parse(&s, c->o.args[a], &err) < 0)
			rc = cli_usage_error("baseline", err.buf);
		else
			series_sel_release(&s);
	}
	strbuf_release(&err);
	return rc;
}

/* One series' report. */
struct bl_entry {
	const struct store_series_info *info;
	bool stored;	     /* bands from the store (else computed here) */
	int64_t computed_ms; /* when stored */
	bool has_cur;
	double cur;
	int64_t cur_ms;
	int slot; /* of the latest value's time (else now); -1 unknown */
	enum baseline_unit unit;
	struct strbuf what, sentence;
};

/* The bands (stored, else computed) into c->b, the latest value, the sentence; 0 or 1. */
static int load_entry(struct bl_cmd *c, const struct store_series_info *info, struct bl_entry *e)
{
	struct strbuf err = STRBUF_INIT;
	int ret;

	memset(e, 0, sizeof(*e));
	e->info = info;
	strbuf_init(&e->what, 64);
	strbuf_init(&e->sentence, 160);
	ret = baseline_store_get(c->st, info, &c->b, &e->computed_ms, &err);
	e->stored = ret == 0;
	if (ret == -ENOENT) {
		strbuf_reset(&err);
		c->any_computed = true;
		ret = baseline_store_compute(c->st, info->id, info->last_ms + 1, &c->spans, &c->b,
					     &err);
	}
	if (ret < 0) {
		fprintf(stderr, "connmon baseline: %s\n", err.len ? err.buf : strerror(-ret));
		strbuf_release(&err);
		return 1;
	}
	strbuf_release(&err);
	e->has_cur = baseline_store_current(c->st, info, &e->cur, &e->cur_ms) == 0;
	e->slot = baseline_slot_of(NULL, c->b.mode, e->has_cur ? e->cur_ms : c->now_ms);
	baseline_store_what(&e->what, info->name, info->labels, info->kind, &e->unit);
	baseline_describe(&e->sentence, e->what.buf, e->has_cur ? e->cur : NAN, e->unit, &c->b,
			  e->slot < 0 ? BASELINE_WEEK_SLOTS : (unsigned)e->slot);
	return 0;
}

static void entry_release(struct bl_entry *e)
{
	strbuf_release(&e->what);
	strbuf_release(&e->sentence);
}

static void print_text(struct bl_cmd *c, const struct bl_entry *e)
{
	char when[32] = "";
	time_t t = (time_t)(e->cur_ms / 1000);
	struct tm tm;

	outbuf_add(&c->out, e->sentence.buf, e->sentence.len);
	if (e->has_cur && c->now_ms - e->cur_ms > STALE_MS && localtime_r(&t, &tm)) {
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm);
		outbuf_addf(&c->out, " [as of %s]", when);
	}
	outbuf_addch(&c->out, '\n');
}

/* The shortest %g that reads back as the same double; null for NaN and infinities. */
static void json_number(struct outbuf *ob, double v)
{
	char buf[32];

	if (!isfinite(v)) {
		outbuf_addstr(ob, "null");
		return;
	}
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	outbuf_addstr(ob, buf);
}

static void json_time(struct outbuf *ob, int64_t t_ms)
{
	char buf[UNITS_UTC_LEN];

	outbuf_addf(ob, "\"%s\"", units_utc(buf, sizeof(buf), t_ms / 1000));
}

static void print_json(struct bl_cmd *c, const struct bl_entry *e, bool first)
{
	struct outbuf *ob = &c->out;
	struct strbuf sb = STRBUF_INIT;

	outbuf_addf(ob, "%s{\"name\":\"", first ? "" : ",\n");
	outbuf_add_json_str(ob, e->info->name, strlen(e->info->name));
	outbuf_addstr(ob, "\",\"labels\":\"");
	outbuf_add_json_str(ob, e->info->labels, strlen(e->info->labels));
	outbuf_addf(ob, "\",\"kind\":\"%s\",\"what\":\"",
		    e->info->kind == STORE_COUNTER ? "counter" : "gauge");
	outbuf_add_json_str(ob, e->what.buf, e->what.len);
	outbuf_addf(ob, "\",\"source\":\"%s\",\"computed\":", e->stored ? "stored" : "computed");
	if (e->stored)
		json_time(ob, e->computed_ms);
	else
		outbuf_addstr(ob, "null");
	outbuf_addstr(ob, ",\"current\":");
	if (e->has_cur) {
		outbuf_addstr(ob, "{\"time\":");
		json_time(ob, e->cur_ms);
		outbuf_addstr(ob, ",\"value\":");
		json_number(ob, e->cur);
		outbuf_addch(ob, '}');
	} else {
		outbuf_addstr(ob, "null");
	}
	outbuf_addstr(ob, ",\"slot\":");
	baseline_slot_json(&sb, &c->b, e->slot < 0 ? BASELINE_WEEK_SLOTS : (unsigned)e->slot);
	outbuf_add(ob, sb.buf, sb.len);
	outbuf_addstr(ob, ",\"sentence\":\"");
	outbuf_add_json_str(ob, e->sentence.buf, e->sentence.len);
	outbuf_addstr(ob, "\",\"baseline\":");
	strbuf_reset(&sb);
	baseline_json(&sb, &c->b);
	outbuf_add(ob, sb.buf, sb.len);
	outbuf_addch(ob, '}');
	strbuf_release(&sb);
}

static int report(struct bl_cmd *c)
{
	char now[UNITS_UTC_LEN];
	struct bl_entry e;
	int rc = 0;

	if (c->o.json) {
		outbuf_addstr(&c->out, "{\"db\":\"");
		outbuf_add_json_str(&c->out, c->db, strlen(c->db));
		outbuf_addf(&c->out, "\",\"time\":\"%s\",\"series\":[\n",
			    units_utc(now, sizeof(now), c->now_ms / 1000));
	}
	for (size_t k = 0, shown = 0; k < c->nr_sel; k++) {
		if (load_entry(c, &c->v[c->sel[k]], &e)) {
			rc = 1;
		} else if (c->o.json) {
			print_json(c, &e, shown++ == 0);
		} else {
			print_text(c, &e);
		}
		entry_release(&e);
	}
	if (c->o.json)
		outbuf_addstr(&c->out, "\n]}\n");
	else if (c->any_computed)
		outbuf_addstr(&c->out, "(bands computed now from the stored 1-minute rollups: the "
				       "agent has stored none for these series yet)\n");
	return rc;
}

/* With nothing selected by default: which data the database holds instead. */
static void report_nothing(const struct bl_cmd *c)
{
	if (!c->nr)
		fprintf(stderr, "connmon baseline: the database '%s' holds no series yet\n", c->db);
	else
		fprintf(stderr,
			"connmon baseline: the database '%s' holds none of the default series "
			"(TCP states, interface bytes, retransmits); 'connmon history series' lists "
			"its %zu series\n",
			c->db, c->nr);
}

static int run(struct bl_cmd *c)
{
	struct strbuf err = STRBUF_INIT;
	int ret, rc = 0;

	ret = store_open(&c->st, c->db, STORE_READ, NULL, &err);
	if (!ret)
		ret = store_list(c->st, &c->v, &c->nr, &err);
	if (ret < 0) {
		fprintf(stderr, "connmon baseline: %s\n", err.len ? err.buf : strerror(-ret));
		strbuf_release(&err);
		return 1;
	}
	strbuf_release(&err);
	c->sel = xcalloc(c->nr + 1, sizeof(*c->sel));
	c->picked = xcalloc(c->nr + 1, sizeof(*c->picked));
	if (c->o.nr_args)
		rc = pick_args(c);
	else
		pick_defaults(c);
	if (!c->nr_sel && !c->o.nr_args)
		report_nothing(c);
	outbuf_init(&c->out, STDOUT_FILENO, 1 << 16);
	if (c->nr_sel || c->o.json)
		rc |= report(c);
	if (outbuf_flush(&c->out) < 0 && c->out.err != -EPIPE) {
		fprintf(stderr, "connmon baseline: cannot write output: %s\n",
			strerror(-c->out.err));
		rc = 1;
	}
	outbuf_release(&c->out);
	return rc;
}

int cmd_baseline(const struct app_ctx *ctx, int argc, char **argv)
{
	static const struct cli_cmd cmd = { "baseline", CLI_DB | CLI_ARGS };
	struct strbuf err = STRBUF_INIT;
	struct bl_cmd *c = xcalloc(1, sizeof(*c));
	int rc;

	(void)ctx;
	cli_opts_init(&c->o);
	if (cli_parse(&cmd, &c->o, argc, argv, &err) < 0) {
		rc = cli_usage_error("baseline", err.buf);
	} else if (c->o.help) {
		fputs(usage, stdout);
		rc = 0;
	} else if ((rc = check_args(c)) == 0) {
		c->db = c->o.db ? c->o.db : DEFAULT_DB;
		c->now_ms = loop_wall_ns() / 1000000;
		baseline_store_default_spans(&c->spans);
		rc = run(c);
	}
	store_series_info_free(c->v, c->nr);
	store_close(c->st, NULL);
	free(c->sel);
	free(c->picked);
	cli_opts_release(&c->o);
	strbuf_release(&err);
	free(c);
	return rc;
}
