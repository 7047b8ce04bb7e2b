// SPDX-License-Identifier: GPL-2.0-or-later
#include "model/alert.h"

#include <string.h>
#include <time.h>

#include "base/json.h"
#include "base/outbuf.h"

static const char *const severity_names[ALERT_SEVERITIES] = { "info", "warning", "critical" };
static const char *const action_names[ACTION_KINDS] = { "log", "limit", "block", "kill" };

void alert_subject_init(struct alert_subject *s)
{
	memset(s, 0, sizeof(*s));
	s->port = -1;
	s->pid = -1;
}

bool alert_subject_equal(const struct alert_subject *a, const struct alert_subject *b)
{
	return a->port == b->port && a->pid == b->pid && !strcmp(a->addr, b->addr) &&
	       !strcmp(a->local, b->local) && !strcmp(a->comm, b->comm) &&
	       !strcmp(a->iface, b->iface) && !strcmp(a->resource, b->resource);
}

static void text_field(struct strbuf *out, const char *key, const char *v)
{
	char safe[4 * ALERT_ADDR_LEN + 1];

	if (!*v)
		return;
	text_escape(safe, sizeof(safe), v, strlen(v), sizeof(safe), NULL);
	strbuf_addf(out, "%s%s=%s", out->len ? " " : "", key, safe);
}

void alert_subject_text(const struct alert_subject *s, struct strbuf *out)
{
	struct strbuf tmp = STRBUF_INIT;

	text_field(&tmp, "addr", s->addr);
	text_field(&tmp, "local", s->local);
	if (s->port >= 0)
		strbuf_addf(&tmp, "%sport=%d", tmp.len ? " " : "", (int)s->port);
	if (s->pid >= 0)
		strbuf_addf(&tmp, "%spid=%d", tmp.len ? " " : "", (int)s->pid);
	text_field(&tmp, "comm", s->comm);
	text_field(&tmp, "iface", s->iface);
	text_field(&tmp, "resource", s->resource);
	strbuf_addstr(out, tmp.len ? tmp.buf : "host");
	strbuf_release(&tmp);
}

const char *alert_severity_name(enum alert_severity s)
{
	return (unsigned)s < ALERT_SEVERITIES ? severity_names[s] : "?";
}

int alert_severity_parse(const char *name)
{
	for (int i = 0; i < ALERT_SEVERITIES; i++)
		if (!strcmp(name, severity_names[i]))
			return i;
	return -1;
}

const char *alert_status_name(enum alert_status s)
{
	return s == ALERT_RESOLVED ? "resolved" : "firing";
}

const char *alert_action_name(enum alert_action_kind k)
{
	return (unsigned)k < ACTION_KINDS ? action_names[k] : "?";
}

int alert_action_parse(const char *name)
{
	for (int i = 0; i < ACTION_KINDS; i++)
		if (!strcmp(name, action_names[i]))
			return i;
	return -1;
}

/* A string member; text from outside (a comm) takes its display-safe form first. */
static void ev_str(struct strbuf *out, const char *key, const char *v, bool comma)
{
	char safe[4 * ALERT_SUMMARY_LEN + 1];
	size_t len = strlen(v);

	strbuf_addf(out, "%s\"%s\":", comma ? "," : "", key);
	if (json_add_string(out, v, len) == 0)
		return;
	len = text_escape(safe, sizeof(safe), v, len, sizeof(safe), NULL);
	json_add_string(out, safe, len);
}

static void ev_time(struct strbuf *out, const char *key, int64_t ms)
{
	struct tm tm;
	time_t s = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
	int frac = (int)(ms - (int64_t)s * 1000);

	gmtime_r(&s, &tm);
	strbuf_addf(out, ",\"%s\":\"%04d-%02d-%02dT%02d:%02d:%02d.%03dZ\"", key, tm.tm_year + 1900,
		    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
}

static void ev_num(struct strbuf *out, const char *key, double v)
{
	strbuf_addf(out, ",\"%s\":", key);
	if (json_add_number(out, v))
		strbuf_addstr(out, "null");
}

static void subject_json(struct strbuf *out, const struct alert_subject *s)
{
	bool any = false;

	strbuf_addstr(out, ",\"subject\":{");
	if (*s->addr) {
		ev_str(out, "addr", s->addr, any);
		any = true;
	}
	if (*s->local) {
		ev_str(out, "local", s->local, any);
		any = true;
	}
	if (s->port >= 0) {
		strbuf_addf(out, "%s\"port\":%d", any ? "," : "", (int)s->port);
		any = true;
	}
	if (s->pid >= 0) {
		strbuf_addf(out, "%s\"pid\":%d", any ? "," : "", (int)s->pid);
		any = true;
	}
	if (*s->comm) {
		ev_str(out, "comm", s->comm, any);
		any = true;
	}
	if (*s->iface) {
		ev_str(out, "iface", s->iface, any);
		any = true;
	}
	if (*s->resource)
		ev_str(out, "resource", s->resource, any);
	strbuf_addch(out, '}');
}

static void actions_json(struct strbuf *out, const struct alert_event *ev)
{
	strbuf_addstr(out, ",\"actions\":[");
	for (uint32_t i = 0; i < ev->nr_actions && i < ALERT_MAX_ACTIONS; i++) {
		const struct alert_action *a = &ev->actions[i];

		strbuf_addf(out, "%s{\"action\":\"%s\"", i ? "," : "", alert_action_name(a->kind));
		if (*a->target)
			ev_str(out, "target", a->target, true);
		if (a->duration_ms > 0)
			ev_num(out, "duration_s", (double)a->duration_ms / 1000.0);
		ev_str(out, "result", a->result, true);
		strbuf_addch(out, '}');
	}
	strbuf_addch(out, ']');
}

void alert_event_json(const struct alert_event *ev, struct strbuf *out)
{
	strbuf_addf(out, "{\"id\":%llu", (unsigned long long)ev->id);
	ev_time(out, "time", ev->time_ms);
	ev_str(out, "rule", ev->rule, true);
	ev_str(out, "severity", alert_severity_name(ev->severity), true);
	ev_str(out, "status", alert_status_name(ev->status), true);
	subject_json(out, &ev->subject);
	ev_num(out, "value", ev->value);
	ev_num(out, "threshold", ev->threshold);
	ev_time(out, "started_at", ev->started_ms);
	ev_str(out, "summary", ev->summary, true);
	if (ev->nr_sources) {
		strbuf_addstr(out, ",\"sources\":[");
		for (uint32_t i = 0; i < ev->nr_sources && i < ALERT_MAX_SOURCES; i++) {
			if (i)
				strbuf_addch(out, ',');
			json_add_string(out, ev->sources[i], strlen(ev->sources[i]));
		}
		strbuf_addch(out, ']');
	}
	actions_json(out, ev);
	strbuf_addch(out, '}');
}
