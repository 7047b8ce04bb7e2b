// SPDX-License-Identifier: GPL-2.0-or-later
#include "app/report_marks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/rules.h"
#include "base/xalloc.h"

/* Alerts that began up to this long before the range still show when they overlap it. */
#define LOOKBACK_MS (7 * 24 * 3600 * 1000LL)
#define MAX_ALERTS  4096

struct load_ctx {
	struct report_marks *m;
	int64_t since_ms;
};

static struct report_alert *find_or_add(struct report_marks *m, const struct store_alert_row *r)
{
	struct report_alert *a;

	for (size_t i = m->nr; i-- > 0;)
		if (m->v[i].id == r->alert_id)
			return &m->v[i];
	if (m->nr == MAX_ALERTS)
		return NULL;
	ALLOC_GROW(m->v, m->nr + 1, m->alloc);
	a = &m->v[m->nr++];
	memset(a, 0, sizeof(*a));
	a->id = r->alert_id;
	a->t0_ms = r->started_ms;
	a->t1_ms = INT64_MAX;
	a->severity = r->severity;
	snprintf(a->rule, sizeof(a->rule), "%s", r->rule);
	a->subject = xstrdup(r->subject);
	a->label = xmalloc(strlen(r->rule) + strlen(r->subject) + 2);
	snprintf(a->label, strlen(r->rule) + strlen(r->subject) + 2, "%s %s", r->rule, r->subject);
	return a;
}

static int load_row(void *arg, const struct store_alert_row *r)
{
	struct report_marks *m = arg;
	struct report_alert *a = find_or_add(m, r);

	if (!a)
		return 0;
	if (r->severity > a->severity)
		a->severity = r->severity;
	if (r->status == ALERT_RESOLVED)
		a->t1_ms = r->time_ms;
	return 0;
}

int report_marks_load(struct report_marks *m, struct store *st, int64_t since_ms, int64_t until_ms)
{
	struct store_alert_query q = { since_ms - LOOKBACK_MS, until_ms, NULL, false, 0 };
	size_t k = 0;
	int ret;

	memset(m, 0, sizeof(*m));
	ret = store_alert_list(st, &q, load_row, m, NULL);
	/* Keep those that overlap the range. */
	for (size_t i = 0; i < m->nr; i++) {
		if (m->v[i].t1_ms < since_ms || m->v[i].t0_ms >= until_ms) {
			free(m->v[i].subject);
			free(m->v[i].label);
			continue;
		}
		m->v[k++] = m->v[i];
	}
	m->nr = k;
	return ret < 0 ? ret : 0;
}

/* "" in rules stands for every rule of the config (not built in). */
static bool listed(const char *const *rules, const char *rule)
{
	for (; *rules; rules++)
		if (!strcmp(*rules, rule) || (!**rules && rules_builtin_find(rule) < 0))
			return true;
	return false;
}

/* A subject about another interface than iface. */
static bool other_iface(const char *subject, const char *iface)
{
	const char *p = strstr(subject, "iface=");
	size_t len = strlen(iface);

	if (!p)
		return false;
	p += 6;
	return strncmp(p, iface, len) || (p[len] && p[len] != ' ');
}

size_t report_marks_pick(const struct report_marks *m, const char *const *rules, const char *iface,
			 int64_t until_ms, struct chart_mark **out)
{
	size_t n = 0;

	*out = NULL;
	if (!m->nr)
		return 0;
	*out = xcalloc(m->nr, sizeof(**out));
	for (size_t i = 0; i < m->nr; i++) {
		const struct report_alert *a = &m->v[i];

		if (!listed(rules, a->rule) || (iface && other_iface(a->subject, iface)))
			continue;
		(*out)[n++] =
			(struct chart_mark){ a->t0_ms, a->t1_ms == INT64_MAX ? until_ms : a->t1_ms,
					     a->label, a->severity };
	}
	return n;
}

void report_marks_release(struct report_marks *m)
{
	for (size_t i = 0; i < m->nr; i++) {
		free(m->v[i].subject);
		free(m->v[i].label);
	}
	free(m->v);
	memset(m, 0, sizeof(*m));
}
