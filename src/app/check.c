// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `connmon check`: one evaluation of every rule, for cron and Nagios-style
 * monitoring (docs/COMMANDS-alerts.md, "connmon check").  It samples like
 * the agent for two ticks --interval apart (rates need two samples), the
 * socket census at the second, and evaluates the rules with their
 * thresholds from the config but without their hold times: a check is one
 * look, so a condition that holds now counts.  When the database exists,
 * its stored bands serve the baseline rules, and the alerts a fresh agent
 * (a sample in the last 5 minutes) has firing are merged in: those were
 * judged over time, with every `for`.
 *
 * Exit status as Nagios plugins: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN
 * (bad usage or config, nothing could be sampled).  One status line with
 * perfdata, then one line per alert (the plugin's long output).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/agent.h"
#include "app/commands.h"
#include "app/log.h"
#include "app/loop.h"
#include "base/json.h"
#include "base/outbuf.h"
#include "base/xalloc.h"
#include "cli/cmdline.h"
#include "store/store.h"

#define CHECK_OK       0
#define CHECK_WARNING  1
#define CHECK_CRITICAL 2
#define CHECK_UNKNOWN  3
#define FRESH_MS       (5 * 60 * 1000LL)
#define MAX_AGENT      64

static const char usage[] =
	"usage: connmon check [--rule NAME] [--interval SEC] [--json] [--config FILE] [--db PATH]\n"
	"\n"
	"One evaluation of every rule (docs/RULES.md), as a Nagios plugin: exit 0 OK,\n"
	"1 WARNING, 2 CRITICAL, 3 UNKNOWN; one status line with perfdata, then one line\n"
	"per alert.  Thresholds come from the config file; hold times do not apply (one\n"
	"look).  A database an agent records into adds its bands and its firing alerts.\n"
	"  --rule NAME      evaluate this rule only\n"
	"  --interval SEC   between the two samples (default 1)\n"
	"  -c, --config F   the config file (default /etc/connmon/connmon.conf)\n"
	"  --db PATH        the database (default: the config's [agent] db)\n"
	"  --json           the result as one JSON object (docs/JSON.md)\n";

static const char *const status_names[] = { "OK", "WARNING", "CRITICAL", "UNKNOWN" };

struct check {
	struct cli_opts o;
	struct agent a;
	struct alert_event *alerts; /* ours, then the agent's */
	size_t nr, alloc;
	struct strbuf agent_json[MAX_AGENT]; /* the agent's firing events, as recorded */
	size_t nr_agent;
	int64_t fresh_ms; /* the agent's events before this count only when its store is fresh */
	size_t worst;	  /* the alert the status line names */
	struct store *st; /* the database, read-only; NULL: none */
};

static int status_of(enum alert_severity s)
{
	return s == ALERT_CRITICAL ? CHECK_CRITICAL : s == ALERT_WARNING ? CHECK_WARNING : CHECK_OK;
}

static void collect_firing(void *arg, const struct alert_event *ev)
{
	struct check *c = arg;

	ALLOC_GROW(c->alerts, c->nr + 1, c->alloc);
	c->alerts[c->nr++] = *ev;
}

/* The agent's firing alerts, when it recorded a sample lately. */
static int agent_alert(void *ctx, const struct store_alert_row *r)
{
	struct check *c = ctx;
	struct alert_event ev;

	if (c->nr_agent == MAX_AGENT)
		return 1;
	if (r->time_ms < c->fresh_ms)
		return 0;
	memset(&ev, 0, sizeof(ev));
	alert_subject_init(&ev.subject);
	ev.id = r->alert_id;
	ev.time_ms = r->time_ms;
	ev.started_ms = r->started_ms;
	ev.severity = (enum alert_severity)r->severity;
	snprintf(ev.rule, sizeof(ev.rule), "%s", r->rule);
	snprintf(ev.summary, sizeof(ev.summary), "%s (agent)", r->summary);
	snprintf(ev.subject.resource, sizeof(ev.subject.resource), "%s", r->subject);
	ev.value = ev.threshold = NAN;
	collect_firing(c, &ev);
	strbuf_init(&c->agent_json[c->nr_agent], 0);
	strbuf_addstr(&c->agent_json[c->nr_agent++], r->json);
	return 0;
}

static void read_agent(struct check *c)
{
	struct store_alert_query q = { INT64_MIN, INT64_MAX, c->o.rule, true, MAX_AGENT };
	int64_t newest = INT64_MIN, now = loop_wall_ns() / 1000000;

	if (!c->st)
		return;
	c->fresh_ms = INT64_MIN;
	if (store_newest(c->st, &newest) < 0 || newest < now - FRESH_MS)
		c->fresh_ms = now - FRESH_MS;
	store_alert_list(c->st, &q, agent_alert, c, NULL);
}

static int cmp_alert(const void *x, const void *y)
{
	const struct alert_event *a = x, *b = y;

	return a->severity != b->severity ? (int)b->severity - (int)a->severity :
					    strcmp(a->rule, b->rule);
}

/* One look: no hold times; --rule keeps one rule.  Returns 0 or CHECK_UNKNOWN (reported). */
static int prepare_rules(struct check *c)
{
	struct rules_config *rc = &c->a.cfg.rules;
	bool found = !c->o.rule;

	for (int i = 0; i < RULE_BUILTINS; i++) {
		rc->builtin[i].for_ms = 0;
		if (c->o.rule && strcmp(c->o.rule, rules_builtin_info((enum rule_id)i)->name))
			rc->builtin[i].enabled = false;
		else if (c->o.rule)
			found = true;
	}
	for (unsigned i = 0; i < rc->nr_custom; i++) {
		rc->custom[i].s.for_ms = 0;
		if (c->o.rule && strcmp(c->o.rule, rc->custom[i].name))
			rc->custom[i].s.enabled = false;
		else if (c->o.rule)
			found = true;
	}
	if (!found) {
		printf("CONNMON UNKNOWN - no rule '%s' (connmon check --help; docs/RULES.md)\n",
		       c->o.rule);
		return CHECK_UNKNOWN;
	}
	return 0;
}

static double tcp_state(const struct check *c, const char *state)
{
	char labels[64];
	uint32_t slot;

	snprintf(labels, sizeof(labels), "state=\"%s\"", state);
	slot = series_table_find(&c->a.series, &metric_families[MF_TCP_SOCKETS], labels);
	return slot == UINT32_MAX ? NAN : c->a.series.v[slot].value;
}

/* Nagios perfdata: 'label'=value;warn;crit (no spaces in values; quotes in labels doubled). */
static void perf_label(struct outbuf *ob, const char *s)
{
	outbuf_addch(ob, '\'');
	for (; *s; s++) {
		if (*s == '\'' || *s == '=')
			outbuf_addch(ob, '_');
		else if ((unsigned char)*s >= 0x20 && *s != 0x7f)
			outbuf_addch(ob, *s);
	}
	outbuf_addch(ob, '\'');
}

static void perfdata(struct check *c, struct outbuf *ob)
{
	static const char *const states[] = { "established", "syn_recv", "time_wait",
					      "close_wait" };
	struct strbuf subject = STRBUF_INIT;

	outbuf_addstr(ob, " |");
	for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++) {
		double v = tcp_state(c, states[i]);

		if (!isnan(v))
			outbuf_addf(ob, " %s=%.0f", states[i], v);
	}
	for (size_t i = 0; i < c->nr; i++) {
		const struct alert_event *ev = &c->alerts[i];

		if (isnan(ev->value))
			continue;
		strbuf_reset(&subject);
		strbuf_addf(&subject, "%s ", ev->rule);
		alert_subject_text(&ev->subject, &subject);
		outbuf_addch(ob, ' ');
		perf_label(ob, subject.buf);
		outbuf_addf(ob, "=%.10g;%.10g", ev->value, ev->threshold);
	}
	strbuf_release(&subject);
}

static void print_text(struct check *c, struct outbuf *ob, int status)
{
	struct strbuf subject = STRBUF_INIT;

	outbuf_addf(ob, "CONNMON %s - ", status_names[status]);
	if (!c->nr) {
		outbuf_addstr(ob, "no rule fires");
	} else {
		const struct alert_event *w = &c->alerts[c->worst];

		alert_subject_text(&w->subject, &subject);
		outbuf_addf(ob, "%s %s: ", w->rule, subject.buf);
		outbuf_add_safe(ob, w->summary, strlen(w->summary));
		if (c->nr > 1)
			outbuf_addf(ob, " (and %zu more)", c->nr - 1);
	}
	perfdata(c, ob);
	outbuf_addch(ob, '\n');
	for (size_t i = 0; i < c->nr; i++) {
		strbuf_reset(&subject);
		alert_subject_text(&c->alerts[i].subject, &subject);
		outbuf_addf(ob, "%s %s %s: ", alert_severity_name(c->alerts[i].severity),
			    c->alerts[i].rule, subject.buf);
		outbuf_add_safe(ob, c->alerts[i].summary, strlen(c->alerts[i].summary));
		outbuf_addch(ob, '\n');
	}
	strbuf_release(&subject);
}

static void print_rules_json(struct check *c, struct outbuf *ob)
{
	struct strbuf sb = STRBUF_INIT;
	struct rules_status rs;

	outbuf_addstr(ob, ",\"rules\":[");
	for (size_t i = 0; i < rules_count(&c->a.rules.eng); i++) {
		rules_status_get(&c->a.rules.eng, i, &rs);
		strbuf_reset(&sb);
		json_add_string(&sb, rs.name, strlen(rs.name));
		outbuf_addf(ob, "%s{\"name\":%s,\"enabled\":%s,\"running\":%s", i ? "," : "",
			    sb.buf, rs.enabled ? "true" : "false", rs.running ? "true" : "false");
		if (rs.enabled && !rs.running && rs.why) {
			strbuf_reset(&sb);
			json_add_string(&sb, rs.why, strlen(rs.why));
			outbuf_addf(ob, ",\"why\":%s", sb.buf);
		}
		outbuf_addch(ob, '}');
	}
	outbuf_addch(ob, ']');
	strbuf_release(&sb);
}

static void print_json(struct check *c, struct outbuf *ob, int status)
{
	struct strbuf sb = STRBUF_INIT;
	size_t ours = c->nr - c->nr_agent;

	outbuf_addf(ob, "{\"status\":\"%s\",\"code\":%d,\"alerts\":[", status_names[status],
		    status);
	for (size_t i = 0; i < ours; i++) {
		strbuf_reset(&sb);
		alert_event_json(&c->alerts[i], &sb);
		outbuf_addf(ob, "%s%s", i ? "," : "", sb.buf);
	}
	outbuf_addstr(ob, "],\"agent_alerts\":[");
	for (size_t i = 0; i < c->nr_agent; i++)
		outbuf_addf(ob, "%s%s", i ? "," : "", c->agent_json[i].buf);
	outbuf_addch(ob, ']');
	print_rules_json(c, ob);
	outbuf_addstr(ob, "}\n");
	strbuf_release(&sb);
}

static void open_db(struct check *c)
{
	const char *db = c->o.db ? c->o.db : c->a.cfg.agent.db;

	if (access(db, F_OK) == 0 && store_open(&c->st, db, STORE_READ, NULL, NULL) < 0)
		c->st = NULL;
	c->a.rules.band_store = c->st;
}

/* After the ticks: ours sorted worst first, then the agent's; the status. */
static int evaluate(struct check *c)
{
	int status = CHECK_OK;
	size_t ours;

	rules_foreach_firing(&c->a.rules.eng, collect_firing, c);
	ours = c->nr;
	if (ours)
		qsort(c->alerts, ours, sizeof(*c->alerts), cmp_alert);
	read_agent(c);
	if (c->nr > ours)
		qsort(c->alerts + ours, c->nr - ours, sizeof(*c->alerts), cmp_alert);
	for (size_t i = 0; i < c->nr; i++)
		if (status_of(c->alerts[i].severity) > status)
			status = status_of(c->alerts[i].severity);
	/* The status line names the worst: ours first when as bad as the agent's. */
	c->worst = 0;
	for (size_t i = 1; i < c->nr; i++)
		if (c->alerts[i].severity > c->alerts[c->worst].severity)
			c->worst = i;
	return status;
}

static int run(struct check *c)
{
	struct strbuf err = STRBUF_INIT;
	struct outbuf ob;
	int ret, status;

	ret = agent_config_load(&c->a.cfg, &c->o, &err);
	if (ret < 0) {
		printf("CONNMON UNKNOWN - %s\n", err.buf);
		strbuf_release(&err);
		return CHECK_UNKNOWN;
	}
	strbuf_release(&err);
	if (c->o.interval_s > 0)
		c->a.cfg.agent.interval_ms = (int64_t)(c->o.interval_s * 1000);
	ret = prepare_rules(c);
	if (ret)
		return ret;
	c->a.opts = &c->o;
	open_db(c);
	ret = agent_run_check(&c->a, 2);
	if (ret != 0 || !c->a.stats.ticks) {
		printf("CONNMON UNKNOWN - sampling failed (exit %d)\n", ret);
		agent_check_done(&c->a);
		return CHECK_UNKNOWN;
	}
	status = evaluate(c);
	outbuf_init(&ob, STDOUT_FILENO, 1 << 14);
	if (c->o.json)
		print_json(c, &ob, status);
	else
		print_text(c, &ob, status);
	outbuf_flush(&ob);
	outbuf_release(&ob);
	agent_check_done(&c->a);
	return status;
}

int cmd_check(const struct app_ctx *ctx, int argc, char **argv)
{
	static const struct cli_cmd cmd = { "check", CLI_AGENT | CLI_DB | CLI_RULE };
	struct strbuf err = STRBUF_INIT;
	struct check *c = xcalloc(1, sizeof(*c));
	int rc;

	(void)ctx;
	cli_opts_init(&c->o);
	if (cli_parse(&cmd, &c->o, argc, argv, &err) < 0) {
		printf("CONNMON UNKNOWN - %s\n", err.buf);
		rc = CHECK_UNKNOWN;
	} else if (c->o.help) {
		fputs(usage, stdout);
		rc = 0;
	} else if (c->o.once || c->o.listen || c->o.alerts_file || c->o.nr_auth_logs) {
		printf("CONNMON UNKNOWN - --once, --listen, --alerts-file and --auth-log are the"
		       " agent's\n");
		rc = CHECK_UNKNOWN;
	} else {
		log_setup(LOG_LVL_ERROR);
		rc = run(c);
	}
	if (c->st)
		store_close(c->st, NULL);
	for (size_t i = 0; i < c->nr_agent; i++)
		strbuf_release(&c->agent_json[i]);
	free(c->alerts);
	strbuf_release(&err);
	cli_opts_release(&c->o);
	free(c);
	return rc;
}
