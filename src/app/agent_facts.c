// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The per-address inputs of the rules (analyze/rule_facts.h).  Until their
 * collectors are wired in, every input says it is not available and why,
 * so the rules that need them report themselves off.
 */
#include <stdio.h>
#include <string.h>

#include "app/agent.h"

void agent_facts_init(struct agent *a)
{
	struct rule_facts *f = &a->rules.facts;

	memset(f, 0, sizeof(*f));
	snprintf(f->scan_state.why, sizeof(f->scan_state.why), "no connection-attempt capture yet");
	snprintf(f->auth_state.why, sizeof(f->auth_state.why), "no SSH log reader yet");
}

void agent_facts_gather(struct agent *a, int64_t t_ms)
{
	(void)a;
	(void)t_ms;
}

void agent_facts_release(struct agent *a)
{
	(void)a;
}

void agent_respond_events(struct agent *a, struct alert_event_list *l)
{
	(void)a;
	for (size_t i = 0; i < l->nr; i++)
		for (uint32_t k = 0; k < l->v[i].nr_actions; k++)
			if (l->v[i].actions[k].kind != ACTION_LOG)
				snprintf(l->v[i].actions[k].result, ALERT_RESULT_LEN, "%s",
					 "not applied: no responder");
			else
				snprintf(l->v[i].actions[k].result, ALERT_RESULT_LEN, "done");
}

void agent_notify_event(struct agent *a, const struct alert_event *ev)
{
	(void)a;
	(void)ev;
}
