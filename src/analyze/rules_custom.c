// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Threshold rules of the config on any series: each series the selector
 * matches is a subject.  A gauge is judged on its value, a counter on its
 * per-second rate over the last tick.  The subject takes the series'
 * iface, port, addr, pid and comm labels; a series with none of them is
 * named by its labels string (cut to fit) as the subject's resource.
 * A series without a value this tick is "no news" when the census did not
 * run (a busy host's census runs every few ticks), else gone.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/rules_int.h"

static bool selected(const struct rule_custom *r, const struct series_entry *e)
{
	char v[RULE_VALUE_LEN];

	if (strcmp(e->fam->name, r->family) != 0)
		return false;
	for (unsigned i = 0; i < r->nr_match; i++) {
		if (!metric_labels_get(e->labels, r->match[i].key, v, sizeof(v)) ||
		    strcmp(v, r->match[i].value) != 0)
			return false;
	}
	return true;
}

static void subject_of(const char *labels, struct alert_subject *s)
{
	char v[ALERT_ADDR_LEN];
	bool any = false;

	if (metric_labels_get(labels, "iface", s->iface, sizeof(s->iface)))
		any = true;
	if (metric_labels_get(labels, "addr", s->addr, sizeof(s->addr)))
		any = true;
	if (metric_labels_get(labels, "comm", s->comm, sizeof(s->comm)))
		any = true;
	if (metric_labels_get(labels, "port", v, sizeof(v)) && strcmp(v, "other") != 0) {
		s->port = (int32_t)strtol(v, NULL, 10);
		any = true;
	}
	if (metric_labels_get(labels, "pid", v, sizeof(v)) && v[0]) {
		s->pid = (int32_t)strtol(v, NULL, 10);
		any = true;
	}
	if (!any || strstr(labels, "state=") || strstr(labels, "counter=") ||
	    strstr(labels, "kpi="))
		rule_obs_copy(s->resource, sizeof(s->resource), labels);
}

void rule_eval_custom(struct rule_ctx *cx)
{
	const struct rule_custom *r = cx->custom;
	const struct rule_inputs *in = cx->in;
	bool census = rs_census_fresh(in);
	struct rule_obs o;

	for (uint32_t i = 0; i < in->series->nr; i++) {
		const struct series_entry *e = &in->series->v[i];
		double v;

		if (!e->fam || !selected(r, e))
			continue;
		v = e->fam->kind == METRIC_COUNTER ? rs_rate(in, e) : e->value;
		if (isnan(e->value) && census)
			continue; /* not produced while the census ran: gone */
		rule_obs_init(&o, v, r->threshold, r->below ? v < r->threshold : v > r->threshold);
		subject_of(e->labels, &o.subject);
		rule_obs_summary(&o, "%s{%s} is %g, %s %g", e->fam->name, e->labels, v,
				 r->below ? "below" : "above", r->threshold);
		rule_observe(cx, &o);
	}
}
