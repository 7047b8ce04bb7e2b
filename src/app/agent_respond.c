// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The agent's responses (alert/respond.h, docs/RESPOND.md): one responder
 * opened after the store (allowlist filled, table started, reconciled with
 * the block table), given every tick's events before they are recorded and
 * sent, so each action's result ("done", "dry-run", "refused: ...") is in
 * the history and the sinks.  A reload that changed [respond] opens a new
 * one.  Expired block rows are purged every PURGE_MS, and the alert history
 * and the audit beyond the hourly rollups' retention.
 *
 * A full block set refuses new blocks (no growth): the agent then raises
 * its own alert, rule `capacity` with resource `block_set`, critical, that
 * resolves once FULL_QUIET_MS pass without a refusal.
 */
#include <stdio.h>
#include <string.h>

#include "app/agent.h"
#include "app/log.h"
#include "app/loop.h"
#include "app/respond_app.h"
#include "base/xalloc.h"
#include "store/store.h"

#define PURGE_MS      (3600 * 1000LL)
#define FULL_QUIET_MS (10 * 60 * 1000LL)

static int64_t now_ms(void)
{
	return loop_wall_ns() / 1000000;
}

void agent_respond_open(struct agent *a)
{
	a->rules.responder = respond_app_open(&a->cfg, a->store, now_ms());
	a->rules.respond_cfg = a->cfg.respond;
	a->rules.full_refusals = respond_full_refusals(a->rules.responder);
	a->rules.purged_ms = now_ms();
}

void agent_respond_reload(struct agent *a)
{
	if (!a->rules.responder ||
	    !memcmp(&a->rules.respond_cfg, &a->cfg.respond, sizeof(a->cfg.respond)))
		return;
	respond_app_close(a->rules.responder);
	agent_respond_open(a);
	log_info("responses: reopened with the new [respond]");
}

void agent_respond_close(struct agent *a)
{
	if (a->rules.responder)
		respond_app_close(a->rules.responder);
	a->rules.responder = NULL;
}

static void set_results(struct alert_event_list *l, const char *text)
{
	for (size_t i = 0; i < l->nr; i++)
		for (uint32_t k = 0; k < l->v[i].nr_actions; k++)
			snprintf(l->v[i].actions[k].result, ALERT_RESULT_LEN, "%s",
				 l->v[i].actions[k].kind == ACTION_LOG ? "done" : text);
}

/* The block set's own alert: fired when refusals grow, resolved after a quiet spell. */
static void full_alert(struct agent *a, struct alert_event_list *l, bool grew, int64_t t)
{
	struct agent_rules *r = &a->rules;
	struct alert_event *ev;

	if (!grew && (!r->full.id || t - r->full_last_ms < FULL_QUIET_MS))
		return;
	if (grew)
		r->full_last_ms = t;
	if (grew && r->full.id)
		return; /* still firing */
	ALLOC_GROW(l->v, l->nr + 1, l->alloc);
	ev = &l->v[l->nr++];
	if (grew) {
		memset(&r->full, 0, sizeof(r->full));
		alert_subject_init(&r->full.subject);
		r->full.id = r->eng.next_id++;
		r->full.started_ms = t;
		r->full.severity = ALERT_CRITICAL;
		snprintf(r->full.rule, sizeof(r->full.rule), "capacity");
		snprintf(r->full.subject.resource, sizeof(r->full.subject.resource), "block_set");
		r->full.value = (double)respond_full_refusals(r->responder);
		r->full.threshold = (double)a->cfg.respond.set_size;
		snprintf(r->full.summary, sizeof(r->full.summary),
			 "the block set is full (%u elements): offenders are not being blocked",
			 (unsigned)a->cfg.respond.set_size);
		r->full.nr_actions = 1;
		r->full.actions[0].kind = ACTION_LOG;
		snprintf(r->full.actions[0].result, ALERT_RESULT_LEN, "done");
	}
	*ev = r->full;
	ev->time_ms = t;
	if (!grew) {
		ev->status = ALERT_RESOLVED;
		ev->nr_actions = 0;
		r->full.id = 0;
	}
}

void agent_respond_events(struct agent *a, struct alert_event_list *l)
{
	struct agent_rules *r = &a->rules;
	int64_t t = now_ms();
	uint64_t refusals;

	if (!r->responder) {
		set_results(l, a->check ? "not applied: connmon check only looks" :
					  "not applied: no responder");
		return;
	}
	if (l->nr)
		respond_apply_array(r->responder, l->v, l->nr, t);
	refusals = respond_full_refusals(r->responder);
	full_alert(a, l, refusals > r->full_refusals, t);
	r->full_refusals = refusals;
	if (a->store && t - r->purged_ms >= PURGE_MS) {
		store_block_purge(a->store, t, NULL, NULL);
		store_alert_retain(a->store, t, NULL);
		r->purged_ms = t;
	}
}
