// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The agent's detection (docs/RULES.md): every tick, after the ring holds
 * the tick, the rule engine (analyze/rules.h) evaluates every rule over the
 * series, the hour and the per-address facts; each event it emits is
 * logged, recorded in the alert history and handed on (the responder fills
 * its actions' results first, then the sinks get it).  The alerts firing
 * are the series connmon_alerts_firing{rule,severity}: every pair that
 * fired since the start, 0 once resolved, so PromQL sees it go.
 *
 * Baseline bands for the rules come from the bands the agent stored (a
 * cache per series, reread every BAND_TTL_MS).
 *
 * unknown_listener's inventory and learning start live in the store: loaded
 * at the start, saved when they changed (at most every INVENTORY_SAVE_MS)
 * and at the stop, so a restarted agent goes on where it was.
 */
#include "app/agent_rules.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/agent.h"
#include "app/baseline_store.h"
#include "app/log.h"
#include "app/loop.h"
#include "base/xalloc.h"
#include "store/store.h"

#define BAND_TTL_MS	  (10 * 60 * 1000LL)
#define BAND_MISS_TTL_MS  (15 * 1000LL)
#define BAND_CACHE	  256
#define FIRING_SERIES	  256
#define INVENTORY_SAVE_MS (60 * 1000LL)

struct band_entry {
	const struct metric_family *fam;
	char *labels;
	int64_t loaded_ms;
	bool have;
	struct baseline b;
};

static struct band_entry *band_find(struct agent_rules *r, const struct metric_family *fam,
				    const char *labels)
{
	for (size_t i = 0; i < r->nr_bands; i++)
		if (r->bands[i].fam == fam && !strcmp(r->bands[i].labels, labels))
			return &r->bands[i];
	if (r->nr_bands == BAND_CACHE)
		return NULL;
	ALLOC_GROW(r->bands, r->nr_bands + 1, r->alloc_bands);
	memset(&r->bands[r->nr_bands], 0, sizeof(r->bands[0]));
	r->bands[r->nr_bands].fam = fam;
	r->bands[r->nr_bands].labels = xstrdup(labels);
	r->bands[r->nr_bands].loaded_ms = INT64_MIN;
	return &r->bands[r->nr_bands++];
}

static void band_load(struct agent *a, struct band_entry *be, int64_t now_ms)
{
	enum store_kind kind = be->fam->kind == METRIC_COUNTER ? STORE_COUNTER : STORE_GAUGE;
	struct store_series_info info = { 0 };
	char name[128];
	int64_t computed;

	be->loaded_ms = now_ms;
	be->have = false;
	struct store *st = a->rules.band_store;

	if (!st || store_series(st, be->fam->name, be->labels, kind, &info.id) < 0)
		return;
	snprintf(name, sizeof(name), "%s", be->fam->name);
	info.name = name;
	info.labels = be->labels;
	info.kind = kind;
	be->have = baseline_store_get(st, &info, &be->b, &computed, NULL) == 0;
}

/* The rules' rule_band_fn over the stored bands. */
static bool agent_band(void *arg, const struct metric_family *fam, const char *labels, int64_t t_ms,
		       struct rule_band *out)
{
	struct agent *a = arg;
	struct band_entry *be = band_find(&a->rules, fam, labels);
	const struct baseline_slot *s;
	int slot;

	if (!be)
		return false;
	/* No band yet is asked again sooner: the agent's first round may be minutes away. */
	if (be->loaded_ms == INT64_MIN ||
	    t_ms - be->loaded_ms >= (be->have ? BAND_TTL_MS : BAND_MISS_TTL_MS))
		band_load(a, be, t_ms);
	if (!be->have)
		return false;
	slot = baseline_slot_of(NULL, be->b.mode, t_ms);
	if (slot < 0 || (unsigned)slot >= be->b.nr_slots)
		return false;
	s = &be->b.slot[slot];
	if (!s->nr_samples || isnan(s->median))
		return false;
	out->p10 = s->p10;
	out->median = s->median;
	out->p90 = s->p90;
	out->learning = be->b.learning;
	return true;
}

/* ---- connmon_alerts_firing ---- */

struct firing_count {
	char rule[ALERT_RULE_LEN];
	int severity;
	uint32_t nr;
};

static struct firing_count *firing_slot(struct agent_rules *r, const char *rule, int severity)
{
	for (size_t i = 0; i < r->nr_firing; i++)
		if (r->firing[i].severity == severity && !strcmp(r->firing[i].rule, rule))
			return &r->firing[i];
	if (r->nr_firing == FIRING_SERIES)
		return NULL;
	ALLOC_GROW(r->firing, r->nr_firing + 1, r->alloc_firing);
	memset(&r->firing[r->nr_firing], 0, sizeof(r->firing[0]));
	snprintf(r->firing[r->nr_firing].rule, ALERT_RULE_LEN, "%s", rule);
	r->firing[r->nr_firing].severity = severity;
	return &r->firing[r->nr_firing++];
}

static void count_firing(void *arg, const struct alert_event *ev)
{
	struct firing_count *f = firing_slot(arg, ev->rule, (int)ev->severity);

	if (f)
		f->nr++;
}

static void emit_firing(struct agent *a)
{
	struct agent_rules *r = &a->rules;

	for (size_t i = 0; i < r->nr_firing; i++)
		r->firing[i].nr = 0;
	rules_foreach_firing(&r->eng, count_firing, r);
	for (size_t i = 0; i < r->nr_firing; i++) {
		strbuf_reset(&a->scratch);
		metric_labels_add(&a->scratch, "rule", r->firing[i].rule);
		metric_labels_add(&a->scratch, "severity",
				  alert_severity_name((enum alert_severity)r->firing[i].severity));
		series_table_set(&a->series, &metric_families[MF_ALERTS_FIRING], a->scratch.buf,
				 r->firing[i].nr, NULL);
	}
}

/* ---- events ---- */

static void log_event(const struct alert_event *ev)
{
	struct strbuf subject = STRBUF_INIT;

	alert_subject_text(&ev->subject, &subject);
	if (ev->status == ALERT_RESOLVED)
		log_info("alert resolved: %s %s: %s", ev->rule, subject.buf, ev->summary);
	else if (ev->severity == ALERT_INFO)
		log_info("alert %s: %s %s: %s", alert_severity_name(ev->severity), ev->rule,
			 subject.buf, ev->summary);
	else
		log_warn("alert %s: %s %s: %s", alert_severity_name(ev->severity), ev->rule,
			 subject.buf, ev->summary);
	strbuf_release(&subject);
}

static void handle_events(struct agent *a, struct alert_event_list *l)
{
	struct strbuf err = STRBUF_INIT;

	agent_respond_events(a, l);
	for (size_t i = 0; i < l->nr; i++) {
		struct alert_event *ev = &l->v[i];

		if (!a->check)
			log_event(ev);
		if (a->store && store_alert_add(a->store, ev, &err) < 0) {
			if (!a->rules.store_failing)
				log_error("cannot record alerts: %s", err.buf);
			a->rules.store_failing = true;
			strbuf_reset(&err);
		} else if (a->store) {
			a->rules.store_failing = false;
		}
		agent_notify_event(a, ev);
	}
	strbuf_release(&err);
}

/* ---- unknown_listener's inventory ---- */

static int inventory_load_one(void *ctx, const struct store_listener *l)
{
	struct rule_listener_known k;

	memset(&k, 0, sizeof(k));
	k.proto = (uint8_t)l->proto;
	k.port = (uint16_t)l->port;
	snprintf(k.comm, sizeof(k.comm), "%s", l->comm);
	k.first_ms = l->first_ms;
	k.last_ms = l->last_ms;
	rules_inventory_add(ctx, &k);
	return 0;
}

static void inventory_load(struct agent *a)
{
	struct agent_rules *r = &a->rules;
	struct strbuf err = STRBUF_INIT;
	int64_t learn;
	size_t nr;

	r->inventory_saved_ms = INT64_MIN;
	r->saved_learn_start_ms = INT64_MIN;
	if (!a->store)
		return;
	if (store_listener_load(a->store, inventory_load_one, &r->eng, &learn, &err) < 0) {
		log_error("%s (unknown_listener learns again)", err.buf);
	} else {
		if (learn != INT64_MIN)
			rules_inventory_set_learn_start(&r->eng, learn);
		r->saved_learn_start_ms = learn;
		rules_inventory(&r->eng, &nr);
		if (nr)
			log_info("unknown_listener: %zu listeners known from the database", nr);
	}
	rules_inventory_clean(&r->eng);
	strbuf_release(&err);
}

/* Saves the inventory when it changed, at most every INVENTORY_SAVE_MS; always when forced. */
static void inventory_save(struct agent *a, int64_t now_ms, bool force)
{
	struct agent_rules *r = &a->rules;
	int64_t learn = rules_inventory_learn_start(&r->eng);
	const struct rule_listener_known *k;
	struct strbuf err = STRBUF_INIT;
	struct store_listener *v;
	size_t nr;

	if (!a->store)
		return;
	if (!force && !rules_inventory_dirty(&r->eng) && learn == r->saved_learn_start_ms)
		return;
	if (!force && r->inventory_saved_ms != INT64_MIN &&
	    now_ms - r->inventory_saved_ms < INVENTORY_SAVE_MS)
		return;
	r->inventory_saved_ms = now_ms;
	k = rules_inventory(&r->eng, &nr);
	v = xcalloc(nr ? nr : 1, sizeof(*v));
	for (size_t i = 0; i < nr; i++)
		v[i] = (struct store_listener){ k[i].proto, k[i].port, k[i].comm, k[i].first_ms,
						k[i].last_ms };
	if (store_listener_save(a->store, v, nr, learn, &err) < 0) {
		if (!r->inventory_failing)
			log_error("%s", err.buf);
		r->inventory_failing = true;
	} else {
		r->inventory_failing = false;
		r->saved_learn_start_ms = learn;
		rules_inventory_clean(&r->eng);
	}
	free(v);
	strbuf_release(&err);
}

void agent_rules_tick(struct agent *a, int64_t t_ms)
{
	struct agent_rules *r = &a->rules;
	struct rule_inputs in = {
		.now_ms = t_ms,
		.interval_ms = (int64_t)(a->set.interval_ns / 1000000),
		.series = &a->series,
		.ring = &a->ring,
		.band = r->band_store ? agent_band : NULL,
		.band_arg = a,
		.facts = &r->facts,
	};

	agent_facts_gather(a, t_ms);
	alert_event_list_clear(&r->events);
	rules_evaluate(&r->eng, &in, &r->events);
	handle_events(a, &r->events);
	emit_firing(a);
	agent_notify_emit(a);
	inventory_save(a, t_ms, false);
}

void agent_rules_init(struct agent *a)
{
	struct agent_rules *r = &a->rules;
	uint64_t max_id = 0;

	if (!r->band_store)
		r->band_store = a->store;
	rules_init(&r->eng, &a->cfg.rules);
	alert_event_list_init(&r->events);
	if (a->store && store_alert_max_id(a->store, &max_id, NULL) == 0 &&
	    max_id >= r->eng.next_id)
		r->eng.next_id = max_id + 1;
	inventory_load(a);
	agent_facts_init(a);
}

void agent_rules_reload(struct agent *a)
{
	agent_notify_reload(a);
	agent_respond_reload(a);
	agent_facts_reload(a);
	alert_event_list_clear(&a->rules.events);
	if (rules_reconfigure(&a->rules.eng, &a->cfg.rules, loop_wall_ns() / 1000000,
			      &a->rules.events))
		handle_events(a, &a->rules.events);
	for (size_t i = 0; i < a->rules.nr_bands; i++)
		a->rules.bands[i].loaded_ms = INT64_MIN;
}

/* At a stop: every firing alert resolves (nothing watches any more), so sinks and Alertmanager
 * know. */
void agent_rules_stop(struct agent *a, int64_t t_ms)
{
	struct agent_rules *r = &a->rules;

	alert_event_list_clear(&r->events);
	if (rules_resolve_all(&r->eng, t_ms, &r->events))
		handle_events(a, &r->events);
	inventory_save(a, t_ms, true);
}

void agent_rules_release(struct agent *a)
{
	struct agent_rules *r = &a->rules;

	agent_facts_release(a);
	rules_release(&r->eng);
	alert_event_list_release(&r->events);
	for (size_t i = 0; i < r->nr_bands; i++)
		free(r->bands[i].labels);
	free(r->bands);
	free(r->firing);
	r->bands = NULL;
	r->firing = NULL;
	r->nr_bands = r->nr_firing = 0;
}
