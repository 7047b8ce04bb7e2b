// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * unknown_listener and its inventory: every listener seen during the
 * learning period (rules_config.learn_ms from the first evaluation, or
 * from the oldest listener loaded from the store) is known; afterwards a
 * listener whose (protocol, port, process name) is not known fires.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "analyze/rules_int.h"
#include "base/xalloc.h"

static struct rule_listener_known *known_find(struct rule_engine *e, uint8_t proto, uint16_t port,
					      const char *comm)
{
	for (size_t i = 0; i < e->nr_known; i++) {
		struct rule_listener_known *k = &e->known[i];

		if (k->proto == proto && k->port == port && !strcmp(k->comm, comm))
			return k;
	}
	return NULL;
}

void rules_inventory_add(struct rule_engine *e, const struct rule_listener_known *k)
{
	struct rule_listener_known *old = known_find(e, k->proto, k->port, k->comm);

	if (old) {
		if (k->last_ms > old->last_ms)
			old->last_ms = k->last_ms;
		return;
	}
	if (e->nr_known >= RULES_MAX_LISTENERS)
		return;
	if (e->nr_known == e->alloc_known) {
		e->alloc_known = e->alloc_known ? 2 * e->alloc_known : 32;
		e->known = xrealloc(e->known, e->alloc_known * sizeof(*e->known));
	}
	e->known[e->nr_known] = *k;
	e->known[e->nr_known].comm[sizeof(k->comm) - 1] = '\0';
	e->nr_known++;
	if (e->learn_start_ms == INT64_MIN || k->first_ms < e->learn_start_ms)
		e->learn_start_ms = k->first_ms;
}

const struct rule_listener_known *rules_inventory(const struct rule_engine *e, size_t *nr)
{
	*nr = e->nr_known;
	return e->known;
}

bool rules_inventory_dirty(const struct rule_engine *e)
{
	return e->known_dirty;
}

void rules_inventory_clean(struct rule_engine *e)
{
	e->known_dirty = false;
}

static void learn(struct rule_engine *e, const struct rule_listener *l, int64_t now_ms)
{
	struct rule_listener_known *k = known_find(e, l->proto, l->port, l->comm);
	struct rule_listener_known n;

	if (k) {
		k->last_ms = now_ms;
		return;
	}
	memset(&n, 0, sizeof(n));
	n.proto = l->proto;
	n.port = l->port;
	rule_obs_copy(n.comm, sizeof(n.comm), l->comm);
	n.first_ms = n.last_ms = now_ms;
	rules_inventory_add(e, &n);
	e->known_dirty = true;
}

void rule_eval_unknown_listener(struct rule_ctx *cx)
{
	const struct rule_facts *f = cx->in->facts;
	struct rule_engine *e = cx->e;
	bool learning = cx->in->now_ms - e->learn_start_ms < e->cfg.learn_ms;
	struct rule_obs o;

	if (!f) {
		rule_off(cx, "no list of listeners");
		return;
	}
	if (!f->listeners_fresh) {
		rule_no_news(cx);
		return;
	}
	for (size_t i = 0; i < f->nr_listeners; i++) {
		const struct rule_listener *l = &f->listeners[i];
		const char *proto = l->proto == IPPROTO_UDP ? "udp" : "tcp";

		if (learning) {
			learn(e, l, cx->in->now_ms);
			continue;
		}
		if (known_find(e, l->proto, l->port, l->comm))
			continue;
		rule_obs_init(&o, 1, 0, true);
		o.subject.port = l->port;
		o.subject.pid = l->pid;
		rule_obs_copy(o.subject.comm, sizeof(o.subject.comm), l->comm);
		rule_obs_summary(
			&o, "%s port %u is open by %s (pid %d), not in the learned inventory",
			proto, l->port, l->comm[0] ? l->comm : "an unknown process", l->pid);
		rule_observe(cx, &o);
	}
}
