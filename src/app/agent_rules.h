/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The agent's detection, alerts and responses (app-internal; agent.c owns
 * struct agent, which embeds struct agent_rules):
 *
 *   agent_rules.c    the rule engine each tick, the alert history, the
 *                    connmon_alerts_firing series, the baseline bands
 *   agent_facts.c    the per-address inputs of the rules (analyze/rule_facts.h)
 *   agent_notify.c   the sinks (alert/notify.h)
 *   agent_respond.c  the responder (alert/respond.h)
 */
#ifndef CONNMON_APP_AGENT_RULES_H
#define CONNMON_APP_AGENT_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyze/rule_facts.h"
#include "analyze/rules.h"

struct band_entry;
struct firing_count;
struct agent;
struct store;

struct agent_rules {
	struct rule_engine eng;
	struct alert_event_list events; /* this tick's */
	struct rule_facts facts;
	struct band_entry *bands; /* the stored bands the rules asked for */
	size_t nr_bands, alloc_bands;
	struct firing_count *firing; /* (rule, severity) pairs seen firing */
	size_t nr_firing, alloc_firing;
	bool store_failing; /* recording an alert failed (logged once) */
	struct store
		*band_store; /* where the bands are read: the agent's store, or check's reader */
};

void agent_rules_init(struct agent *a);
/* After the ring holds the tick t_ms: evaluate, record, respond, notify. */
void agent_rules_tick(struct agent *a, int64_t t_ms);
void agent_rules_reload(struct agent *a);
void agent_rules_stop(struct agent *a, int64_t t_ms);
void agent_rules_release(struct agent *a);

/* agent_facts.c: fills a->rules.facts for the tick. */
void agent_facts_init(struct agent *a);
void agent_facts_gather(struct agent *a, int64_t t_ms);
void agent_facts_release(struct agent *a);

/* agent_respond.c: fills each event's actions' results (and acts, when on). */
void agent_respond_events(struct agent *a, struct alert_event_list *l);
/* agent_notify.c: hands an event to the sinks (never blocks). */
void agent_notify_event(struct agent *a, const struct alert_event *ev);

#endif
