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

#include "alert/notify.h"
#include "analyze/rule_facts.h"
#include "analyze/rules.h"
#include "base/strbuf.h"
#include "cli/config.h"

struct band_entry;
struct firing_count;
struct agent;
struct store;
struct sock_entry;
struct proc_table;
struct responder;

struct agent_rules {
	struct rule_engine eng;
	struct alert_event_list events; /* this tick's */
	struct rule_facts facts;
	struct band_entry *bands; /* the stored bands the rules asked for */
	size_t nr_bands, alloc_bands;
	struct firing_count *firing; /* (rule, severity) pairs seen firing */
	size_t nr_firing, alloc_firing;
	bool store_failing; /* recording an alert failed (logged once) */
	/* where the bands are read: the agent's store, or check's reader */
	struct store *band_store;
	struct notifier *notifier;	   /* NULL: no sinks (--once, check) */
	struct responder *responder;	   /* NULL: no responses (--once, check) */
	struct respond_config respond_cfg; /* what it was opened with */
	uint64_t full_refusals;		   /* the responder's "set full" refusals seen */
	struct alert_event full;	   /* the block set's own alert; id 0: not firing */
	int64_t full_last_ms;		   /* the last refusal */
	int64_t purged_ms;		   /* the last purge of expired block rows */
	struct notify_config notify_cfg;   /* what it was opened with */
	/* unknown_listener's inventory in the store (agent_rules.c) */
	int64_t inventory_saved_ms;   /* the last save attempt; INT64_MIN: none */
	int64_t saved_learn_start_ms; /* the learning start the store holds */
	bool inventory_failing;	      /* saving it failed (logged once) */
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
/* A reload that changed [detect]: the capture and the log readers start again. */
void agent_facts_reload(struct agent *a);
/* The census's part: before its dump, each socket, after it (err < 0: incomplete). */
void agent_facts_census_begin(struct agent *a);
void agent_facts_sock(struct agent *a, const struct sock_entry *e);
void agent_facts_census_end(struct agent *a, int err, const struct proc_table *cw_procs,
			    int64_t now_ms);

/* agent_respond.c: the responder.  events: fills each action's result (and acts, when on). */
void agent_respond_open(struct agent *a);
void agent_respond_reload(struct agent *a);
void agent_respond_events(struct agent *a, struct alert_event_list *l);
void agent_respond_close(struct agent *a);
/* agent_notify.c: the sinks.  open: 0 or -EINVAL with the [alerts] problem in err. */
int agent_notify_open(struct agent *a, struct strbuf *err);
void agent_notify_reload(struct agent *a);
/* Hands an event to the sinks (never blocks). */
void agent_notify_event(struct agent *a, const struct alert_event *ev);
/* The connmon_notify_* series of this tick. */
void agent_notify_emit(struct agent *a);
void agent_notify_close(struct agent *a);

#endif
