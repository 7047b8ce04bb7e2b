// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * respond-driver: the agent's side of the responses without the rule
 * engine, for tests/respond/respond_agent.py.  Run it inside the test's
 * namespace (ip netns exec): it acts in the current one.
 *
 *   respond-driver apply MODE DB ADDR PORT [ALLOW]
 *       one firing event about ADDR (local port PORT) with the actions
 *       limit, block and kill, through respond_apply(); prints each
 *       action's result and duration, one line each: "block 600000 done for 10m"
 *   respond-driver reconcile DB
 *       respond_app_open() with mode on: prints "added N removed M"
 *
 * Exit 0, or 2 for bad usage or a database that cannot be opened.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alert/respond.h"
#include "app/respond_app.h"
#include "cli/config.h"
#include "store/store.h"

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void say(const char *line)
{
	fprintf(stderr, "log: %s\n", line);
}

static int apply(struct store *st, const char *mode, const char *addr, int port, const char *allow)
{
	struct agent_config c;
	struct alert_event ev = { .id = 1, .status = ALERT_FIRING, .severity = ALERT_CRITICAL };
	struct alert_event *evs[1] = { &ev };
	struct responder *r;
	struct strbuf err = STRBUF_INIT;

	static const enum alert_action_kind kinds[3] = { ACTION_LIMIT, ACTION_BLOCK, ACTION_KILL };

	config_defaults(&c);
	if (config_set(&c, NULL, "respond", "mode", mode, &err) ||
	    (allow && config_set(&c, NULL, "respond", "allow", allow, &err))) {
		fprintf(stderr, "respond-driver: %s\n", err.buf);
		return 2;
	}
	r = respond_app_new(&c.respond,
			    c.respond.mode == CONFIG_RESPOND_ON	 ? RESPOND_ON :
			    c.respond.mode == CONFIG_RESPOND_OFF ? RESPOND_OFF :
								   RESPOND_DRY_RUN,
			    st, say);
	respond_app_allowlist(respond_allow(r), &c.respond, say);
	if (respond_start(r, &err))
		fprintf(stderr, "respond-driver: %s\n", err.buf);
	alert_subject_init(&ev.subject);
	snprintf(ev.rule, sizeof(ev.rule), "port_scan");
	snprintf(ev.summary, sizeof(ev.summary), "driver event");
	snprintf(ev.subject.addr, sizeof(ev.subject.addr), "%s", addr);
	ev.subject.port = port;
	ev.time_ms = ev.started_ms = now_ms();
	for (int i = 0; i < 3; i++)
		ev.actions[ev.nr_actions++].kind = kinds[i];
	respond_apply(r, evs, 1, now_ms());
	for (uint32_t i = 0; i < ev.nr_actions; i++)
		printf("%s %lld %s\n", alert_action_name(ev.actions[i].kind),
		       (long long)ev.actions[i].duration_ms, ev.actions[i].result);
	respond_app_close(r);
	strbuf_release(&err);
	return 0;
}

static int reconcile(struct store *st)
{
	struct agent_config c;
	struct responder *r;
	struct strbuf err = STRBUF_INIT;
	size_t added = 0, removed = 0;
	int ret;

	config_defaults(&c);
	r = respond_app_new(&c.respond, RESPOND_ON, st, say);
	ret = respond_reconcile(r, now_ms(), &added, &removed, &err);
	if (ret)
		fprintf(stderr, "respond-driver: %s\n", err.buf);
	printf("added %zu removed %zu\n", added, removed);
	respond_app_close(r);
	strbuf_release(&err);
	return ret ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct strbuf err = STRBUF_INIT;
	struct store *st;
	int rc;

	bool is_apply = argc > 1 && !strcmp(argv[1], "apply");

	if (argc < 3 || (is_apply && argc < 6) || (!is_apply && strcmp(argv[1], "reconcile"))) {
		fprintf(stderr,
			"usage: respond-driver apply MODE DB ADDR PORT [ALLOW] | reconcile DB\n");
		return 2;
	}
	if (store_open(&st, argv[is_apply ? 3 : 2], STORE_ADMIN, NULL, &err)) {
		fprintf(stderr, "respond-driver: %s\n", err.buf);
		return 2;
	}
	if (is_apply)
		rc = apply(st, argv[2], argv[4], (int)strtol(argv[5], NULL, 10),
			   argc > 6 ? argv[6] : NULL);
	else
		rc = reconcile(st);
	store_close(st, NULL);
	strbuf_release(&err);
	return rc;
}
