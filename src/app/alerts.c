// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `connmon alerts [--all] [--since T] [--until T] [--rule NAME] [--json]
 * [--db PATH]`: the alerts the agent recorded (docs/COMMANDS.md,
 * "connmon alerts").  Without --all: the alerts firing now, one line each
 * (their newest event); with --all: every event (firing, escalated,
 * resolved) in the range, oldest first.  --json: an array of the event
 * objects as the sinks received them (docs/JSON.md, "Alert events").
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app/alerts_json.h"
#include "app/commands.h"
#include "app/loop.h"
#include "base/outbuf.h"
#include "cli/cmdline.h"
#include "cli/timespec.h"
#include "model/alert.h"
#include "store/store.h"

#define DEFAULT_DB "/var/lib/connmon/connmon.db"
#define HOUR_MS	   (3600 * 1000LL)

static const char usage[] =
	"usage: connmon alerts [--all] [--since T] [--until T] [--rule NAME] [--json] [--db PATH]\n"
	"\n"
	"The alerts the agent recorded.  Without --all, those firing now; with --all,\n"
	"every event (firing, escalated, resolved) in the range, oldest first.\n"
	"  -a, --all     every event, not only the alerts firing now\n"
	"  --since T     from T (default: 24 hours ago with --all); T as in history:\n"
	"                -15m, -2h, today, yesterday, HH:MM, ISO 8601, @UNIX\n"
	"  --until T     up to T (default: now)\n"
	"  --rule NAME   only this rule's alerts\n"
	"  --db PATH     the database (default " DEFAULT_DB ")\n"
	"  --json        an array of the alert events (docs/JSON.md)\n";

struct alerts_cmd {
	struct cli_opts o;
	struct outbuf out;
	size_t nr;
};

static void local_time(char *buf, size_t len, int64_t ms)
{
	time_t s = (time_t)(ms / 1000);
	struct tm tm;

	localtime_r(&s, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
}

static void cell(struct outbuf *ob, const char *s, size_t width)
{
	outbuf_pad(ob, outbuf_add_safe_max(ob, s, strlen(s), width), width + 2);
}

static int print_row(void *ctx, const struct store_alert_row *r)
{
	struct alerts_cmd *c = ctx;
	char t[32];

	if (!c->nr++) {
		outbuf_addstr(&c->out,
			      c->o.all ? "TIME                 " : "SINCE                ");
		outbuf_addstr(&c->out, "SEVERITY  STATUS    RULE                SUBJECT"
				       "                   SUMMARY\n");
	}
	local_time(t, sizeof(t), c->o.all ? r->time_ms : r->started_ms);
	cell(&c->out, t, 19);
	cell(&c->out, alert_severity_name(r->severity), 8);
	cell(&c->out, alert_status_name(r->status), 8);
	cell(&c->out, r->rule, 18);
	cell(&c->out, r->subject, 24);
	outbuf_add_safe(&c->out, r->summary, strlen(r->summary));
	outbuf_addch(&c->out, '\n');
	return 0;
}

struct json_list {
	struct strbuf *out;
	size_t nr;
};

static int json_row(void *ctx, const struct store_alert_row *r)
{
	struct json_list *l = ctx;

	strbuf_addstr(l->out, l->nr++ ? ",\n" : "[\n");
	strbuf_addstr(l->out, r->json);
	return 0;
}

int alerts_json(struct store *st, const struct store_alert_query *q, struct strbuf *out, size_t *nr,
		struct strbuf *err)
{
	struct json_list l = { out, 0 };
	size_t len0 = out->len;
	int ret = store_alert_list(st, q, json_row, &l, err);

	if (ret < 0) {
		out->len = len0; /* nothing of a list cut short */
		if (out->buf)
			out->buf[len0] = '\0';
		return ret;
	}
	strbuf_addstr(out, l.nr ? "\n]\n" : "[]\n");
	if (nr)
		*nr = l.nr;
	return 0;
}

static int list(struct alerts_cmd *c, struct store *st, struct store_alert_query *q)
{
	struct strbuf err = STRBUF_INIT, json = STRBUF_INIT;
	int ret;

	if (c->o.json) {
		ret = alerts_json(st, q, &json, &c->nr, &err);
		if (!ret)
			outbuf_add(&c->out, json.buf, json.len);
	} else {
		ret = store_alert_list(st, q, print_row, c, &err);
	}
	if (ret < 0)
		fprintf(stderr, "connmon alerts: %s\n", err.buf);
	strbuf_release(&json);
	strbuf_release(&err);
	return ret < 0 ? 1 : 0;
}

static int run(struct alerts_cmd *c)
{
	struct store_alert_query q = { .since_ms = INT64_MIN, .until_ms = INT64_MAX };
	struct strbuf err = STRBUF_INIT;
	int64_t now = loop_wall_ns() / 1000000;
	const char *db = c->o.db ? c->o.db : DEFAULT_DB;
	struct store *st;
	int ret;

	if (c->o.all)
		q.since_ms = now - 24 * HOUR_MS;
	if ((c->o.since && timespec_parse("--since", c->o.since, now, &q.since_ms, &err) < 0) ||
	    (c->o.until && timespec_parse("--until", c->o.until, now, &q.until_ms, &err) < 0)) {
		ret = cli_usage_error("alerts", err.buf);
		strbuf_release(&err);
		return ret;
	}
	q.rule = c->o.rule;
	q.firing_only = !c->o.all;
	ret = store_open(&st, db, STORE_READ, NULL, &err);
	if (ret < 0) {
		fprintf(stderr, "connmon alerts: %s\n", err.len ? err.buf : strerror(-ret));
		strbuf_release(&err);
		return 1;
	}
	outbuf_init(&c->out, STDOUT_FILENO, 1 << 16);
	ret = list(c, st, &q);
	if (!c->o.json && !c->nr && !ret)
		outbuf_addstr(&c->out, c->o.all ? "No alert event in the range.\n" :
						  "No alert is firing.\n");
	if (outbuf_flush(&c->out) < 0 && errno != EPIPE)
		ret = 1;
	outbuf_release(&c->out);
	store_close(st, NULL);
	strbuf_release(&err);
	return ret;
}

int cmd_alerts(const struct app_ctx *ctx, int argc, char **argv)
{
	static const struct cli_cmd cmd = { "alerts", CLI_DB | CLI_RANGE | CLI_ALL | CLI_RULE };
	struct strbuf err = STRBUF_INIT;
	struct alerts_cmd c;
	int rc;

	(void)ctx;
	memset(&c, 0, sizeof(c));
	cli_opts_init(&c.o);
	if (cli_parse(&cmd, &c.o, argc, argv, &err) < 0)
		rc = cli_usage_error("alerts", err.buf);
	else if (c.o.help)
		rc = fputs(usage, stdout) < 0;
	else if (c.o.step_s > 0)
		rc = cli_usage_error("alerts", "--step is for history");
	else
		rc = run(&c);
	strbuf_release(&err);
	cli_opts_release(&c.o);
	return rc;
}
