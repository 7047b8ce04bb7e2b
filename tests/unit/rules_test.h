/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A hand-built agent for the rule tests: a series table and an hour ring
 * fed tick by tick on a fake clock (1 s ticks), facts and bands set by the
 * test.  A counter's value given to fx_put is its increase over the tick.
 */
#ifndef CONNMON_TESTS_RULES_TEST_H
#define CONNMON_TESTS_RULES_TEST_H

#include <math.h>
#include <string.h>

#include "analyze/rules.h"

#define FX_T0 1700000000000LL

struct fx {
	struct series_table t;
	struct series_ring r;
	struct rules_config cfg;
	struct rule_engine e;
	struct alert_event_list out;
	struct rule_facts facts;
	struct rule_band band;
	bool has_band;
	int64_t now_ms;
	uint64_t tick;
};

static inline bool fx_band(void *arg, const struct metric_family *fam, const char *labels,
			   int64_t t_ms, struct rule_band *out)
{
	struct fx *fx = arg;

	(void)fam;
	(void)labels;
	(void)t_ms;
	*out = fx->band;
	return fx->has_band;
}

static inline void fx_init(struct fx *fx)
{
	memset(fx, 0, sizeof(*fx));
	series_table_init(&fx->t);
	series_ring_init(&fx->r, 3600);
	rules_config_defaults(&fx->cfg);
	alert_event_list_init(&fx->out);
	fx->facts.scan_state.available = true;
	fx->facts.auth_state.available = true;
	fx->facts.pairs_fresh = true;
	fx->facts.listeners_fresh = true;
	fx->now_ms = FX_T0;
}

/* Starts the engine with fx->cfg (after the test changed it). */
static inline void fx_start(struct fx *fx)
{
	rules_init(&fx->e, &fx->cfg);
}

static inline void fx_release(struct fx *fx)
{
	rules_release(&fx->e);
	alert_event_list_release(&fx->out);
	for (uint32_t i = 0; i < fx->t.nr; i++) {
		if (fx->t.v[i].fam && fx->t.v[i].ring_row != UINT32_MAX)
			series_ring_row_free(&fx->r, fx->t.v[i].ring_row);
	}
	series_table_release(&fx->t);
	series_ring_release(&fx->r);
}

/* A new tick, 1 s after the last; every series is NaN until put. */
static inline void fx_tick(struct fx *fx)
{
	fx->now_ms += 1000;
	series_table_begin(&fx->t, ++fx->tick);
	series_ring_advance(&fx->r, fx->now_ms);
}

static inline void fx_put(struct fx *fx, enum metric_family_id id, const char *labels, double v)
{
	uint32_t i = series_table_set(&fx->t, &metric_families[id], labels, v, NULL);

	if (fx->t.v[i].ring_row == UINT32_MAX)
		fx->t.v[i].ring_row = series_ring_row_new(&fx->r);
	fx->t.v[i].last_tick = fx->tick;
	series_ring_put(&fx->r, fx->t.v[i].ring_row, v);
}

/* Evaluates this tick; returns the number of events (in fx->out, cleared first). */
static inline size_t fx_eval(struct fx *fx)
{
	struct rule_inputs in = {
		.now_ms = fx->now_ms,
		.interval_ms = 1000,
		.series = &fx->t,
		.ring = &fx->r,
		.band = fx_band,
		.band_arg = fx,
		.facts = &fx->facts,
	};

	alert_event_list_clear(&fx->out);
	return rules_evaluate(&fx->e, &in, &fx->out);
}

/* The only event of this tick of rule name (fails when there is not exactly one). */
static inline const struct alert_event *fx_one(struct fx *fx, const char *rule)
{
	const struct alert_event *ev = NULL;

	for (size_t i = 0; i < fx->out.nr; i++) {
		if (strcmp(fx->out.v[i].rule, rule) != 0)
			continue;
		if (ev)
			fail_msg("two events of %s in one tick", rule);
		ev = &fx->out.v[i];
	}
	if (!ev)
		fail_msg("no event of %s", rule);
	return ev;
}

static inline size_t fx_count(const struct fx *fx, const char *rule)
{
	size_t n = 0;

	for (size_t i = 0; i < fx->out.nr; i++)
		n += !strcmp(fx->out.v[i].rule, rule);
	return n;
}

#endif
