// SPDX-License-Identifier: GPL-2.0-or-later
#include "alert/notify_core.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

static const char *const sink_names[NOTIFY_SINKS] = {
	"file", "syslog", "exec", "webhook", "mail", "alertmanager",
};
static const char *const level_names[] = { "off", "info", "warning", "critical" };

const char *notify_sink_name(enum notify_sink_id id)
{
	return (unsigned)id < NOTIFY_SINKS ? sink_names[id] : "?";
}

const char *notify_level_name(enum notify_level l)
{
	return (unsigned)l <= NOTIFY_CRITICAL ? level_names[l] : "?";
}

bool notify_level_passes(int level, enum alert_severity sev)
{
	return level != NOTIFY_OFF && (int)sev + 1 >= level;
}

int64_t notify_backoff_ms(int64_t base_ms, unsigned attempt)
{
	int64_t v = base_ms > 0 ? base_ms : 1;

	for (unsigned i = 0; i < attempt && v < NOTIFY_BACKOFF_MAX_MS; i++)
		v *= 2;
	return v < NOTIFY_BACKOFF_MAX_MS ? v : NOTIFY_BACKOFF_MAX_MS;
}

void notify_core_log(const struct notify_core *c, int level, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	if (!c->log)
		return;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	c->log(c->log_arg, level, sb.buf);
	strbuf_release(&sb);
}

static void stats_lock(struct notify_core *c)
{
	if (c->stats_lock)
		pthread_mutex_lock(c->stats_lock);
}

static void stats_unlock(struct notify_core *c)
{
	if (c->stats_lock)
		pthread_mutex_unlock(c->stats_lock);
}

/* The sink's target text ("" when it has none) and its level. */
static const char *target_of(const struct notify_config *cfg, enum notify_sink_id id, int *level)
{
	switch (id) {
	case NOTIFY_FILE:
		*level = cfg->file_severity;
		return cfg->file;
	case NOTIFY_SYSLOG:
		*level = cfg->syslog;
		return "syslog";
	case NOTIFY_EXEC:
		*level = cfg->exec_severity;
		return cfg->exec;
	case NOTIFY_WEBHOOK:
		*level = cfg->webhook_severity;
		return cfg->webhook;
	case NOTIFY_MAIL:
		*level = cfg->mail_severity;
		return cfg->mail_to;
	case NOTIFY_ALERTMANAGER:
		*level = cfg->alertmanager_severity;
		return cfg->alertmanager;
	case NOTIFY_SINKS:
		break;
	}
	*level = NOTIFY_OFF;
	return "";
}

static int check_targets(const struct notify_config *cfg, struct strbuf *err)
{
	if (cfg->mail_severity != NOTIFY_OFF && *cfg->mail_to && !*cfg->sendmail) {
		strbuf_addstr(err, "[alerts] mail_to is set but sendmail is empty");
		return -EINVAL;
	}
	if (cfg->webhook_severity != NOTIFY_OFF && *cfg->webhook &&
	    notify_url_check(cfg->webhook, err))
		return -EINVAL;
	if (cfg->alertmanager_severity != NOTIFY_OFF && *cfg->alertmanager &&
	    notify_url_check(cfg->alertmanager, err))
		return -EINVAL;
	return 0;
}

int notify_core_init(struct notify_core *c, const struct notify_config *cfg, const char *hostname,
		     const struct notify_sink_ops *const ops[NOTIFY_SINKS], struct strbuf *err)
{
	static const struct notify_sink_ops *const real[NOTIFY_SINKS] = {
		&notify_file_ops,    &notify_syslog_ops, &notify_exec_ops,
		&notify_webhook_ops, &notify_mail_ops,	 &notify_alertmanager_ops,
	};

	memset(c, 0, sizeof(*c));
	if (check_targets(cfg, err))
		return -EINVAL;
	c->cfg = *cfg;
	snprintf(c->hostname, sizeof(c->hostname), "%s", hostname);
	c->deadline_ms = INT64_MAX;
	for (int i = 0; i < NOTIFY_SINKS; i++) {
		struct notify_sink *s = &c->sink[i];
		const char *target = target_of(cfg, i, &s->level);

		if (!*target)
			s->level = NOTIFY_OFF;
		s->ops = ops && ops[i] ? ops[i] : real[i];
		s->grouped = i != NOTIFY_FILE && i != NOTIFY_SYSLOG;
		c->stats.sink[i].enabled = s->level != NOTIFY_OFF;
	}
	return 0;
}

void notify_core_release(struct notify_core *c)
{
	for (int i = 0; i < NOTIFY_SINKS; i++)
		free(c->sink[i].batch.ev);
	free(c->alerts);
	memset(c, 0, sizeof(*c));
}

static struct notify_tracked *tracked_find(struct notify_core *c, uint64_t id)
{
	for (size_t i = 0; i < c->nr_alerts; i++)
		if (c->alerts[i].ev.id == id)
			return &c->alerts[i];
	return NULL;
}

static void tracked_remove(struct notify_core *c, struct notify_tracked *t)
{
	size_t i = (size_t)(t - c->alerts);

	memmove(t, t + 1, (c->nr_alerts - i - 1) * sizeof(*t));
	c->nr_alerts--;
}

static struct notify_tracked *tracked_add(struct notify_core *c, const struct alert_event *ev)
{
	struct notify_tracked *t;

	if (c->nr_alerts == NOTIFY_TRACK_MAX)
		tracked_remove(c, &c->alerts[0]);
	ALLOC_GROW(c->alerts, c->nr_alerts + 1, c->alerts_cap);
	t = &c->alerts[c->nr_alerts++];
	memset(t, 0, sizeof(*t));
	t->ev = *ev;
	return t;
}

/* The sinks an event goes to by its severity alone. */
static unsigned route_by_level(const struct notify_core *c, enum alert_severity sev)
{
	unsigned mask = 0;

	for (int i = 0; i < NOTIFY_SINKS; i++)
		if (notify_level_passes(c->sink[i].level, sev))
			mask |= 1u << i;
	return mask;
}

static void batch_push(struct notify_core *c, int id, const struct alert_event *ev, int64_t now_ms)
{
	struct notify_sink *s = &c->sink[id];
	struct notify_batch *b = &s->batch;

	/* Alertmanager wants an alert's latest state (a label set: id and severity), once per POST.
	 */
	for (size_t i = 0; id == NOTIFY_ALERTMANAGER && i < b->nr; i++) {
		if (b->ev[i].id == ev->id && b->ev[i].severity == ev->severity) {
			b->ev[i] = *ev;
			return;
		}
	}
	if (b->nr == NOTIFY_BATCH_MAX) {
		memmove(b->ev, b->ev + 1, (b->nr - 1) * sizeof(*b->ev));
		b->nr--;
		stats_lock(c);
		c->stats.sink[id].dropped++;
		stats_unlock(c);
	}
	if (b->nr == 0) {
		b->attempt = 0;
		b->due_ms = now_ms + (s->grouped ? c->cfg.group_wait_ms : 0);
	}
	ALLOC_GROW(b->ev, b->nr + 1, b->cap);
	b->ev[b->nr++] = *ev;
}

/*
 * Alertmanager knows an alert by its labels, severity included: a
 * resolution must carry the severity Alertmanager was sent, and an
 * escalation ends the alert of the old severity (else it would stay active
 * until its endsAt).  t: the alert as Alertmanager last got it, or NULL.
 */
static void am_push(struct notify_core *c, const struct notify_tracked *t,
		    const struct alert_event *ev, int64_t now_ms)
{
	struct alert_event end;

	if (t && (t->sinks & (1u << NOTIFY_ALERTMANAGER)) && t->ev.severity != ev->severity) {
		end = t->ev;
		end.status = ALERT_RESOLVED;
		end.time_ms = ev->time_ms;
		batch_push(c, NOTIFY_ALERTMANAGER, &end, now_ms);
	}
	if (ev->status == ALERT_FIRING || !t || t->ev.severity == ev->severity)
		batch_push(c, NOTIFY_ALERTMANAGER, ev, now_ms);
}

void notify_core_add(struct notify_core *c, const struct alert_event *ev, int64_t now_ms)
{
	struct notify_tracked *t = tracked_find(c, ev->id), old = { .sinks = 0 };
	unsigned mask;

	if (t)
		old = *t;
	if (ev->status == ALERT_RESOLVED) {
		mask = t ? t->sinks : route_by_level(c, ev->severity);
		if (t)
			tracked_remove(c, t);
	} else {
		mask = route_by_level(c, ev->severity);
		if (!t)
			t = tracked_add(c, ev);
		t->ev = *ev;
		t->sinks |= mask;
		if (mask & (1u << NOTIFY_ALERTMANAGER))
			t->am_sent_ms = now_ms;
	}
	for (int i = 0; i < NOTIFY_SINKS; i++) {
		if (!(mask & (1u << i)) || c->sink[i].level == NOTIFY_OFF)
			continue;
		if (i == NOTIFY_ALERTMANAGER)
			am_push(c, old.sinks ? &old : NULL, ev, now_ms);
		else
			batch_push(c, i, ev, now_ms);
	}
}

void notify_core_count_dropped(struct notify_core *c, const struct alert_event *ev)
{
	unsigned mask = route_by_level(c, ev->severity);

	stats_lock(c);
	c->stats.queue_dropped++;
	for (int i = 0; i < NOTIFY_SINKS; i++)
		if (mask & (1u << i))
			c->stats.sink[i].dropped++;
	stats_unlock(c);
}

/* Alertmanager forgets an alert whose endsAt passed: firing ones are re-sent every repeat. */
static int64_t queue_repeats(struct notify_core *c, int64_t now_ms)
{
	int64_t next = INT64_MAX;

	if (c->sink[NOTIFY_ALERTMANAGER].level == NOTIFY_OFF)
		return next;
	for (size_t i = 0; i < c->nr_alerts; i++) {
		struct notify_tracked *t = &c->alerts[i];

		if (!(t->sinks & (1u << NOTIFY_ALERTMANAGER)))
			continue;
		if (now_ms - t->am_sent_ms >= c->cfg.repeat_ms) {
			batch_push(c, NOTIFY_ALERTMANAGER, &t->ev, now_ms);
			t->am_sent_ms = now_ms;
		}
		if (t->am_sent_ms + c->cfg.repeat_ms < next)
			next = t->am_sent_ms + c->cfg.repeat_ms;
	}
	return next;
}

static void set_error(struct notify_core *c, int id, const char *msg)
{
	stats_lock(c);
	c->stats.sink[id].failed++;
	snprintf(c->stats.sink[id].last_error, NOTIFY_ERROR_LEN, "%s", msg);
	stats_unlock(c);
}

static void batch_done(struct notify_core *c, int id, bool sent)
{
	struct notify_batch *b = &c->sink[id].batch;

	stats_lock(c);
	if (sent)
		c->stats.sink[id].sent += b->nr;
	else
		c->stats.sink[id].dropped += b->nr;
	c->stats.sink[id].retrying = 0;
	stats_unlock(c);
	b->nr = 0;
	b->attempt = 0;
}

static void deliver(struct notify_core *c, int id, int64_t now_ms)
{
	struct notify_batch *b = &c->sink[id].batch;
	struct strbuf err = STRBUF_INIT;
	int64_t timeout = c->cfg.timeout_ms, wait;
	int ret;

	if (c->deadline_ms != INT64_MAX && c->deadline_ms - now_ms < timeout)
		timeout = c->deadline_ms - now_ms > 100 ? c->deadline_ms - now_ms : 100;
	ret = c->sink[id].ops->deliver(c, b->ev, b->nr, now_ms, timeout, &err);
	if (ret == 0) {
		batch_done(c, id, true);
		goto out;
	}
	if (!err.len)
		strbuf_addstr(&err, strerror(-ret));
	set_error(c, id, err.buf);
	if (b->attempt++ >= c->cfg.retries) {
		notify_core_log(c, NOTIFY_LOG_ERROR,
				"alerts: %s: giving up on %zu event(s) after %u attempt(s): %s",
				notify_sink_name(id), b->nr, b->attempt, err.buf);
		batch_done(c, id, false);
		goto out;
	}
	wait = notify_backoff_ms(c->cfg.retry_backoff_ms, b->attempt - 1);
	b->due_ms = now_ms + wait;
	notify_core_log(c, NOTIFY_LOG_WARNING,
			"alerts: %s: delivery failed (attempt %u of %u), retrying in %.1fs: %s",
			notify_sink_name(id), b->attempt, c->cfg.retries + 1, (double)wait / 1000.0,
			err.buf);
	stats_lock(c);
	c->stats.sink[id].retrying = (uint32_t)b->nr;
	stats_unlock(c);
out:
	strbuf_release(&err);
}

int64_t notify_core_run(struct notify_core *c, int64_t now_ms, bool flush)
{
	int64_t next = flush ? INT64_MAX : queue_repeats(c, now_ms);

	for (int i = 0; i < NOTIFY_SINKS; i++) {
		struct notify_batch *b = &c->sink[i].batch;

		if (b->nr && (b->due_ms <= now_ms || (flush && b->attempt == 0)))
			deliver(c, i, now_ms);
		if (b->nr && b->due_ms < next)
			next = b->due_ms;
	}
	return next;
}

size_t notify_core_pending(const struct notify_core *c)
{
	size_t n = 0;

	for (int i = 0; i < NOTIFY_SINKS; i++)
		n += c->sink[i].batch.nr;
	return n;
}

void notify_core_drop_all(struct notify_core *c, const char *why)
{
	for (int i = 0; i < NOTIFY_SINKS; i++) {
		if (!c->sink[i].batch.nr)
			continue;
		notify_core_log(c, NOTIFY_LOG_ERROR, "alerts: %s: dropping %zu event(s): %s",
				notify_sink_name(i), c->sink[i].batch.nr, why);
		batch_done(c, i, false);
	}
}

void notify_queue_init(struct notify_queue *q, size_t cap)
{
	q->cap = cap ? cap : 1;
	q->ring = xcalloc(q->cap, sizeof(*q->ring));
	q->head = q->nr = 0;
}

void notify_queue_release(struct notify_queue *q)
{
	free(q->ring);
	memset(q, 0, sizeof(*q));
}

bool notify_queue_push(struct notify_queue *q, const struct alert_event *ev,
		       struct alert_event *dropped)
{
	bool full = q->nr == q->cap;

	if (full) {
		*dropped = q->ring[q->head];
		q->head = (q->head + 1) % q->cap;
		q->nr--;
	}
	q->ring[(q->head + q->nr) % q->cap] = *ev;
	q->nr++;
	return full;
}

size_t notify_queue_take(struct notify_queue *q, struct alert_event *out)
{
	size_t nr = q->nr;

	for (size_t i = 0; i < nr; i++)
		out[i] = q->ring[(q->head + i) % q->cap];
	q->head = (q->head + nr) % q->cap;
	q->nr = 0;
	return nr;
}
