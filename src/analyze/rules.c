// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The rule engine's state machine (rules.h says what it does).  Subjects of
 * one rule sit in a flat array searched by a hash of the subject: the
 * number of subjects a rule reports per tick is small (top N series, the
 * trackers' short lists), and the array is bounded by RULES_MAX_SUBJECTS.
 */
#include "analyze/rules.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/rules_int.h"
#include "base/xalloc.h"

struct rule_slot {
	struct alert_event ev; /* the latest event (or, pending, what it would say) */
	uint64_t hash;
	bool firing, seen;
	int64_t fired_ms;
	int64_t clear_since_ms; /* INT64_MIN: not below the clear level */
};

struct rule_state {
	char name[RULE_NAME_LEN];
	const struct rule_settings *s; /* in the engine's cfg */
	const struct rule_custom *custom;
	rule_eval_fn eval;
	bool below;
	struct rule_slot *slots;
	size_t nr, alloc;
	uint64_t nr_dropped;
	bool off, no_news;
	char why[128];
};

void alert_event_list_init(struct alert_event_list *l)
{
	memset(l, 0, sizeof(*l));
}

void alert_event_list_release(struct alert_event_list *l)
{
	free(l->v);
	alert_event_list_init(l);
}

void alert_event_list_clear(struct alert_event_list *l)
{
	l->nr = 0;
}

static void list_push(struct alert_event_list *l, const struct alert_event *ev)
{
	if (l->nr == l->alloc) {
		l->alloc = l->alloc ? 2 * l->alloc : 16;
		l->v = xrealloc(l->v, l->alloc * sizeof(*l->v));
	}
	l->v[l->nr++] = *ev;
}

void rule_obs_copy(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src);
}

void rule_obs_init(struct rule_obs *o, double value, double threshold, bool cond)
{
	memset(o, 0, sizeof(*o));
	alert_subject_init(&o->subject);
	o->value = value;
	o->threshold = threshold;
	o->cond = cond;
}

void rule_obs_summary(struct rule_obs *o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(o->summary, sizeof(o->summary), fmt, ap);
	va_end(ap);
}

static uint64_t subject_hash(const struct alert_subject *s)
{
	uint64_t h = 1469598103934665603ULL;
	const unsigned char *p;
	struct alert_subject c;

	/* hash a copy with the bytes after each string's NUL (and padding) zeroed */
	memset(&c, 0, sizeof(c));
	memcpy(c.addr, s->addr, strnlen(s->addr, sizeof(c.addr) - 1));
	memcpy(c.local, s->local, strnlen(s->local, sizeof(c.local) - 1));
	memcpy(c.comm, s->comm, strnlen(s->comm, sizeof(c.comm) - 1));
	memcpy(c.iface, s->iface, strnlen(s->iface, sizeof(c.iface) - 1));
	memcpy(c.resource, s->resource, strnlen(s->resource, sizeof(c.resource) - 1));
	c.port = s->port;
	c.pid = s->pid;
	p = (const unsigned char *)&c;
	for (size_t i = 0; i < sizeof(c); i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	return h;
}

/* The action target for a subject: its address, else its port, else nothing. */
static void action_target(const struct alert_subject *s, enum alert_action_kind k, char *buf,
			  size_t size)
{
	buf[0] = '\0';
	if (k == ACTION_LOG)
		return;
	if (s->addr[0])
		snprintf(buf, size, "%s", s->addr);
	else if (s->port >= 0)
		snprintf(buf, size, "port %d", s->port);
}

static void fill_actions(const struct rule_state *st, struct alert_event *ev)
{
	uint8_t mask = st->s->actions[ev->severity];

	ev->nr_actions = 0;
	for (int k = 0; k < ACTION_KINDS && ev->nr_actions < ALERT_MAX_ACTIONS; k++) {
		struct alert_action *a;

		if (!(mask & RULE_ACT(k)))
			continue;
		a = &ev->actions[ev->nr_actions++];
		memset(a, 0, sizeof(*a));
		a->kind = (enum alert_action_kind)k;
		action_target(&ev->subject, a->kind, a->target, sizeof(a->target));
		snprintf(a->result, sizeof(a->result), "pending");
	}
}

static void emit(struct rule_state *st, struct rule_slot *sl, int64_t now_ms,
		 enum alert_status status, struct alert_event_list *out)
{
	sl->ev.time_ms = now_ms;
	sl->ev.status = status;
	if (status == ALERT_FIRING)
		fill_actions(st, &sl->ev);
	else
		sl->ev.nr_actions = 0;
	list_push(out, &sl->ev);
}

static struct rule_slot *slot_find(struct rule_state *st, const struct alert_subject *s, uint64_t h)
{
	for (size_t i = 0; i < st->nr; i++) {
		if (st->slots[i].hash == h && alert_subject_equal(&st->slots[i].ev.subject, s))
			return &st->slots[i];
	}
	return NULL;
}

static void slot_remove(struct rule_state *st, struct rule_slot *sl)
{
	size_t i = (size_t)(sl - st->slots);

	st->slots[i] = st->slots[--st->nr];
}

static struct rule_slot *slot_new(struct rule_ctx *cx, const struct rule_obs *o, uint64_t h)
{
	struct rule_state *st = cx->st;
	struct rule_slot *sl;

	if (st->nr >= RULES_MAX_SUBJECTS) {
		st->nr_dropped++;
		return NULL;
	}
	if (st->nr == st->alloc) {
		st->alloc = st->alloc ? 2 * st->alloc : 8;
		st->slots = xrealloc(st->slots, st->alloc * sizeof(*st->slots));
	}
	sl = &st->slots[st->nr++];
	memset(sl, 0, sizeof(*sl));
	sl->hash = h;
	sl->clear_since_ms = INT64_MIN;
	sl->ev.subject = o->subject;
	rule_obs_copy(sl->ev.rule, sizeof(sl->ev.rule), st->name);
	sl->ev.severity = (enum alert_severity)st->s->severity;
	sl->ev.started_ms = cx->in->now_ms;
	return sl;
}

/* The latest figures of a subject whose condition holds. */
static void slot_update(struct rule_slot *sl, const struct rule_obs *o)
{
	sl->ev.value = o->value;
	sl->ev.threshold = o->threshold;
	memcpy(sl->ev.summary, o->summary, sizeof(sl->ev.summary));
	memcpy(sl->ev.sources, o->sources, sizeof(sl->ev.sources));
	sl->ev.nr_sources = o->nr_sources;
}

static bool is_cleared(const struct rule_state *st, double value, double threshold)
{
	double pct = st->s->clear_pct / 100.0;

	if (isnan(value))
		return true;
	if (st->below)
		return pct > 0 && value >= threshold / pct;
	return value <= threshold * pct;
}

/* The severity a firing alert has earned by now: persistence and growth. */
static enum alert_severity earned(const struct rule_state *st, const struct rule_slot *sl,
				  int64_t now_ms)
{
	const struct rule_settings *s = st->s;
	int64_t sev = s->severity;

	if (s->escalate_after_ms > 0)
		sev += (now_ms - sl->fired_ms) / s->escalate_after_ms;
	if (s->escalate_factor > 0 && !st->below &&
	    sl->ev.value >= s->escalate_factor * sl->ev.threshold)
		sev = ALERT_CRITICAL;
	if (sev > ALERT_CRITICAL)
		sev = ALERT_CRITICAL;
	return sev > sl->ev.severity ? (enum alert_severity)sev : sl->ev.severity;
}

static void step_firing(struct rule_state *st, struct rule_slot *sl, const struct rule_obs *o,
			int64_t now_ms, struct alert_event_list *out)
{
	enum alert_severity sev;

	if (o->hold || !is_cleared(st, o->value, sl->ev.threshold)) {
		sl->clear_since_ms = INT64_MIN;
		if (!o->cond)
			return; /* hysteresis: between the clear level and the threshold */
		slot_update(sl, o);
		sev = earned(st, sl, now_ms);
		if (sev != sl->ev.severity) {
			sl->ev.severity = sev;
			emit(st, sl, now_ms, ALERT_FIRING, out);
		}
		return;
	}
	if (sl->clear_since_ms == INT64_MIN)
		sl->clear_since_ms = now_ms;
	if (now_ms - sl->clear_since_ms < st->s->clear_for_ms)
		return;
	if (!isnan(o->value))
		sl->ev.value = o->value;
	emit(st, sl, now_ms, ALERT_RESOLVED, out);
	slot_remove(st, sl);
}

static void step(struct rule_ctx *cx, struct rule_slot *sl, const struct rule_obs *o,
		 struct alert_event_list *out)
{
	int64_t now_ms = cx->in->now_ms;

	if (sl->firing) {
		step_firing(cx->st, sl, o, now_ms, out);
		return;
	}
	if (!o->cond) {
		slot_remove(cx->st, sl);
		return;
	}
	slot_update(sl, o);
	if (now_ms - sl->ev.started_ms < cx->s->for_ms)
		return;
	sl->firing = true;
	sl->fired_ms = now_ms;
	sl->ev.id = ++cx->e->next_id;
	sl->ev.severity = earned(cx->st, sl, now_ms);
	emit(cx->st, sl, now_ms, ALERT_FIRING, out);
}

void rule_observe(struct rule_ctx *cx, const struct rule_obs *o)
{
	uint64_t h = subject_hash(&o->subject);
	struct rule_slot *sl = slot_find(cx->st, &o->subject, h);

	if (!sl) {
		if (!o->cond || isnan(o->value))
			return;
		sl = slot_new(cx, o, h);
		if (!sl)
			return;
	}
	sl->seen = true;
	if (isnan(o->value))
		return; /* no news about this one */
	step(cx, sl, o, cx->out);
}

void rule_no_news(struct rule_ctx *cx)
{
	cx->st->no_news = true;
}

void rule_off(struct rule_ctx *cx, const char *why)
{
	cx->st->off = true;
	cx->st->no_news = true;
	rule_obs_copy(cx->st->why, sizeof(cx->st->why), why);
}

/* After the rule's eval: the subjects it did not mention have vanished. */
static void vanish(struct rule_ctx *cx)
{
	struct rule_state *st = cx->st;
	struct rule_obs o;

	for (size_t i = st->nr; i-- > 0;) {
		struct rule_slot *sl = &st->slots[i];

		if (sl->seen)
			continue;
		rule_obs_init(&o, NAN, sl->ev.threshold, false);
		o.subject = sl->ev.subject;
		step(cx, sl, &o, cx->out);
	}
}

static void eval_one(struct rule_engine *e, struct rule_state *st, const struct rule_inputs *in,
		     struct alert_event_list *out)
{
	struct rule_ctx cx = {
		.in = in, .s = st->s, .custom = st->custom, .e = e, .st = st, .out = out
	};

	st->off = false;
	st->no_news = false;
	st->why[0] = '\0';
	for (size_t i = 0; i < st->nr; i++)
		st->slots[i].seen = false;
	st->eval(&cx);
	if (!st->no_news)
		vanish(&cx);
}

size_t rules_evaluate(struct rule_engine *e, const struct rule_inputs *in,
		      struct alert_event_list *out)
{
	size_t before = out->nr;

	if (e->learn_start_ms == INT64_MIN)
		e->learn_start_ms = in->now_ms;
	for (size_t i = 0; i < e->nr_rules; i++) {
		if (e->rules[i].s->enabled)
			eval_one(e, &e->rules[i], in, out);
	}
	return out->nr - before;
}

size_t rules_resolve_all(struct rule_engine *e, int64_t now_ms, struct alert_event_list *out)
{
	size_t before = out->nr;

	for (size_t i = 0; i < e->nr_rules; i++) {
		struct rule_state *st = &e->rules[i];

		for (size_t j = 0; j < st->nr; j++) {
			if (st->slots[j].firing)
				emit(st, &st->slots[j], now_ms, ALERT_RESOLVED, out);
		}
		st->nr = 0;
	}
	return out->nr - before;
}

void rules_foreach_firing(const struct rule_engine *e,
			  void (*fn)(void *arg, const struct alert_event *ev), void *arg)
{
	for (size_t i = 0; i < e->nr_rules; i++) {
		const struct rule_state *st = &e->rules[i];

		for (size_t j = 0; j < st->nr; j++) {
			if (st->slots[j].firing)
				fn(arg, &st->slots[j].ev);
		}
	}
}

size_t rules_count(const struct rule_engine *e)
{
	return e->nr_rules;
}

void rules_status_get(const struct rule_engine *e, size_t i, struct rules_status *out)
{
	const struct rule_state *st = &e->rules[i];

	memset(out, 0, sizeof(*out));
	out->name = st->name;
	out->enabled = st->s->enabled;
	out->running = out->enabled && !st->off;
	out->why = st->off ? st->why : "";
	out->nr_dropped = st->nr_dropped;
	for (size_t j = 0; j < st->nr; j++) {
		if (st->slots[j].firing)
			out->nr_firing++;
		else
			out->nr_pending++;
	}
}

/* The state of the rule called name in old (moved out of it), or a fresh one. */
static void adopt(struct rule_state *st, const char *name, struct rule_state *old, size_t nr_old)
{
	memset(st, 0, sizeof(*st));
	rule_obs_copy(st->name, sizeof(st->name), name);
	for (size_t i = 0; i < nr_old; i++) {
		if (old[i].s && !strcmp(old[i].name, name)) {
			st->slots = old[i].slots;
			st->nr = old[i].nr;
			st->alloc = old[i].alloc;
			st->nr_dropped = old[i].nr_dropped;
			old[i].slots = NULL;
			old[i].nr = old[i].alloc = 0;
			return;
		}
	}
}

void rules_configure(struct rule_engine *e, const struct rules_config *c)
{
	struct rule_state *old = e->rules;
	size_t nr_old = e->nr_rules;

	e->cfg = *c;
	e->nr_rules = RULE_BUILTINS + c->nr_custom;
	e->rules = xcalloc(e->nr_rules, sizeof(*e->rules));
	for (size_t i = 0; i < e->nr_rules; i++) {
		struct rule_state *st = &e->rules[i];

		if (i < RULE_BUILTINS) {
			adopt(st, rule_builtins[i].info.name, old, nr_old);
			st->s = &e->cfg.builtin[i];
			st->eval = rule_builtins[i].eval;
			st->below = rule_builtins[i].below;
		} else {
			const struct rule_custom *r = &e->cfg.custom[i - RULE_BUILTINS];

			adopt(st, r->name, old, nr_old);
			st->s = &r->s;
			st->custom = r;
			st->eval = rule_eval_custom;
			st->below = r->below;
		}
		if (!st->s->enabled)
			st->nr = 0;
	}
	for (size_t i = 0; i < nr_old; i++)
		free(old[i].slots);
	free(old);
}

void rules_init(struct rule_engine *e, const struct rules_config *c)
{
	memset(e, 0, sizeof(*e));
	e->learn_start_ms = INT64_MIN;
	rules_configure(e, c);
}

void rules_release(struct rule_engine *e)
{
	for (size_t i = 0; i < e->nr_rules; i++)
		free(e->rules[i].slots);
	free(e->rules);
	free(e->known);
	memset(e, 0, sizeof(*e));
}

void rules_actions_format(uint8_t mask, struct strbuf *out)
{
	bool first = true;

	for (int k = 0; k < ACTION_KINDS; k++) {
		if (!(mask & RULE_ACT(k)))
			continue;
		strbuf_addf(out, "%s%s", first ? "" : ",", alert_action_name(k));
		first = false;
	}
	if (first)
		strbuf_addstr(out, "none");
}

int rules_actions_parse(const char *s, uint8_t *mask, char *bad, size_t bad_size)
{
	uint8_t m = 0;
	char word[16];

	if (!strcmp(s, "none")) {
		*mask = 0;
		return 0;
	}
	while (*s) {
		size_t n = strcspn(s, ",");
		size_t b = 0, len = n;
		int k;

		while (b < len && (s[b] == ' ' || s[b] == '\t'))
			b++;
		while (len > b && (s[len - 1] == ' ' || s[len - 1] == '\t'))
			len--;
		snprintf(word, sizeof(word), "%.*s", (int)(len - b), s + b);
		k = len - b < sizeof(word) ? alert_action_parse(word) : -1;
		if (k < 0) {
			snprintf(bad, bad_size, "%.*s", (int)(len - b), s + b);
			return -EINVAL;
		}
		m |= RULE_ACT(k);
		s += n + (s[n] == ',');
	}
	*mask = m;
	return 0;
}

const struct rule_builtin_info *rules_builtin_info(enum rule_id id)
{
	return &rule_builtins[id].info;
}

int rules_builtin_find(const char *name)
{
	for (int i = 0; i < RULE_BUILTINS; i++) {
		if (!strcmp(rule_builtins[i].info.name, name))
			return i;
	}
	return -1;
}

void rules_config_defaults(struct rules_config *c)
{
	memset(c, 0, sizeof(*c));
	for (int i = 0; i < RULE_BUILTINS; i++) {
		const struct rule_builtin *b = &rule_builtins[i];

		c->builtin[i] = b->defaults;
		for (size_t p = 0; p < b->info.nr_params; p++)
			c->builtin[i].param[p] = b->info.params[p].def;
	}
	c->learn_ms = 24 * 3600 * 1000LL;
}

void rules_custom_defaults(struct rule_custom *r)
{
	memset(r, 0, sizeof(*r));
	r->s.enabled = true;
	r->s.severity = ALERT_WARNING;
	r->s.for_ms = 60000;
	r->s.clear_pct = 100;
	r->s.clear_for_ms = 60000;
	for (int s = 0; s < ALERT_SEVERITIES; s++)
		r->s.actions[s] = RULE_ACT(ACTION_LOG);
}
