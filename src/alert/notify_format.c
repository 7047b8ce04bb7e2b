// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What the grouped sinks send: the webhook's JSON array, Alertmanager's
 * postable alerts (API v2, api/v2/openapi.yaml of Alertmanager: labels,
 * annotations, startsAt, endsAt, generatorURL) and the mail message.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alert/notify_core.h"
#include "base/json.h"
#include "base/outbuf.h"
#include "base/xalloc.h"

void notify_json_string(struct strbuf *out, const char *s)
{
	size_t len = strlen(s), cap = 4 * len + 1; /* an escape is 4 bytes per byte at most */
	char *safe = xmalloc(cap);

	len = text_escape(safe, cap, s, len, cap, NULL);
	json_add_string(out, safe, len);
	free(safe);
}

void notify_time_text(int64_t ms, struct strbuf *out)
{
	time_t s = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
	int frac = (int)(ms - (int64_t)s * 1000);
	struct tm tm;

	gmtime_r(&s, &tm);
	strbuf_addf(out, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
		    tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
}

void notify_json_array(const struct alert_event *ev, size_t nr, struct strbuf *out)
{
	strbuf_addch(out, '[');
	for (size_t i = 0; i < nr; i++) {
		if (i)
			strbuf_addch(out, ',');
		alert_event_json(&ev[i], out);
	}
	strbuf_addch(out, ']');
}

static void member(struct strbuf *out, const char *key, const char *v, bool *comma)
{
	strbuf_addf(out, "%s\"%s\":", *comma ? "," : "", key);
	notify_json_string(out, v);
	*comma = true;
}

static void am_labels(const struct alert_event *ev, const char *hostname, struct strbuf *out)
{
	const struct alert_subject *s = &ev->subject;
	bool comma = false;
	char num[16];

	strbuf_addstr(out, "\"labels\":{");
	member(out, "alertname", ev->rule, &comma);
	member(out, "severity", alert_severity_name(ev->severity), &comma);
	member(out, "instance", hostname, &comma);
	if (*s->addr)
		member(out, "addr", s->addr, &comma);
	if (*s->local)
		member(out, "local", s->local, &comma);
	if (s->port >= 0) {
		snprintf(num, sizeof(num), "%d", (int)s->port);
		member(out, "port", num, &comma);
	}
	if (s->pid >= 0) {
		snprintf(num, sizeof(num), "%d", (int)s->pid);
		member(out, "pid", num, &comma);
	}
	if (*s->comm)
		member(out, "comm", s->comm, &comma);
	if (*s->iface)
		member(out, "iface", s->iface, &comma);
	if (*s->resource)
		member(out, "resource", s->resource, &comma);
	strbuf_addch(out, '}');
}

/* "value 73 (threshold 50) on addr=10.0.0.9; actions: block 10.0.0.9 (dry-run)". */
static void describe(const struct alert_event *ev, struct strbuf *out)
{
	strbuf_addstr(out, "value ");
	if (isnan(ev->value))
		strbuf_addstr(out, "none");
	else
		strbuf_addf(out, "%g", ev->value);
	if (!isnan(ev->threshold))
		strbuf_addf(out, " (threshold %g)", ev->threshold);
	strbuf_addstr(out, " on ");
	alert_subject_text(&ev->subject, out);
	for (uint32_t i = 0; i < ev->nr_sources && i < ALERT_MAX_SOURCES; i++)
		strbuf_addf(out, "%s%s", i ? ", " : "; sources ", ev->sources[i]);
	for (uint32_t i = 0; i < ev->nr_actions && i < ALERT_MAX_ACTIONS; i++) {
		const struct alert_action *a = &ev->actions[i];

		strbuf_addf(out, "%s%s", i ? ", " : "; actions: ", alert_action_name(a->kind));
		if (*a->target)
			strbuf_addf(out, " %s", a->target);
		strbuf_addf(out, " (%s)", a->result);
	}
}

static void am_alert(const struct alert_event *ev, const char *hostname, const char *gen_url,
		     int64_t ends_ms, struct strbuf *out)
{
	struct strbuf tmp = STRBUF_INIT;
	bool comma = false;

	strbuf_addch(out, '{');
	am_labels(ev, hostname, out);
	strbuf_addstr(out, ",\"annotations\":{");
	member(out, "summary", *ev->summary ? ev->summary : ev->rule, &comma);
	describe(ev, &tmp);
	member(out, "description", tmp.buf, &comma);
	strbuf_addstr(out, "},\"startsAt\":\"");
	notify_time_text(ev->started_ms, out);
	strbuf_addstr(out, "\",\"endsAt\":\"");
	notify_time_text(ends_ms, out);
	strbuf_addstr(out, "\",\"generatorURL\":");
	strbuf_reset(&tmp);
	if (*gen_url)
		strbuf_addstr(&tmp, gen_url);
	else
		strbuf_addf(&tmp, "connmon://%s/alerts/%s", hostname, ev->rule);
	notify_json_string(out, tmp.buf);
	strbuf_addch(out, '}');
	strbuf_release(&tmp);
}

void notify_am_payload(const struct alert_event *ev, size_t nr, const char *hostname,
		       const char *generator_url, int64_t now_ms, int64_t repeat_ms,
		       struct strbuf *out)
{
	strbuf_addch(out, '[');
	for (size_t i = 0; i < nr; i++) {
		int64_t ends =
			ev[i].status == ALERT_RESOLVED ? ev[i].time_ms : now_ms + 4 * repeat_ms;

		if (ends < ev[i].started_ms)
			ends = ev[i].started_ms;
		if (i)
			strbuf_addch(out, ',');
		am_alert(&ev[i], hostname, generator_url, ends, out);
	}
	strbuf_addch(out, ']');
}

/* Header text: no control bytes, so no header can be injected. */
static void header_text(struct strbuf *out, const char *s)
{
	for (; *s; s++)
		strbuf_addch(out, (unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s);
}

static void mail_subject(const char *hostname, const struct alert_event *ev, size_t nr,
			 struct strbuf *out)
{
	struct strbuf tmp = STRBUF_INIT;
	size_t firing = 0;

	strbuf_addf(&tmp, "[connmon %s] ", hostname);
	if (nr == 1) {
		strbuf_addf(&tmp, "%s %s: %s ", alert_severity_name(ev->severity),
			    alert_status_name(ev->status), ev->rule);
		alert_subject_text(&ev->subject, &tmp);
	} else {
		for (size_t i = 0; i < nr; i++)
			firing += ev[i].status == ALERT_FIRING;
		strbuf_addf(&tmp, "%zu alerts (%zu firing, %zu resolved): ", nr, firing,
			    nr - firing);
		for (size_t i = 0, shown = 0; i < nr && shown < 4; i++) {
			bool seen = false;

			for (size_t j = 0; j < i && !seen; j++)
				seen = !strcmp(ev[j].rule, ev[i].rule);
			if (!seen)
				strbuf_addf(&tmp, "%s%s", shown++ ? ", " : "", ev[i].rule);
		}
	}
	strbuf_addstr(out, "Subject: ");
	header_text(out, tmp.buf);
	strbuf_addch(out, '\n');
	strbuf_release(&tmp);
}

/* s in its display-safe form, as text. */
static void add_safe(struct strbuf *out, const char *s)
{
	size_t len = strlen(s), cap = 4 * len + 1;
	char *safe = xmalloc(cap);

	len = text_escape(safe, cap, s, len, cap, NULL);
	strbuf_add(out, safe, len);
	free(safe);
}

static void mail_event(const struct alert_event *ev, struct strbuf *out)
{
	struct strbuf tmp = STRBUF_INIT;

	strbuf_addf(out, "%s %s  %s  ", alert_severity_name(ev->severity),
		    alert_status_name(ev->status), ev->rule);
	alert_subject_text(&ev->subject, out);
	strbuf_addstr(out, "\n  ");
	add_safe(out, ev->summary);
	strbuf_addstr(out, "\n  ");
	describe(ev, &tmp);
	add_safe(out, tmp.buf);
	strbuf_addstr(out, "\n  since ");
	notify_time_text(ev->started_ms, out);
	if (ev->status == ALERT_RESOLVED) {
		strbuf_addstr(out, ", resolved at ");
		notify_time_text(ev->time_ms, out);
	}
	strbuf_addstr(out, "\n\n");
	strbuf_release(&tmp);
}

void notify_mail_message(const char *to, const char *hostname, const struct alert_event *ev,
			 size_t nr, struct strbuf *out)
{
	strbuf_addstr(out, "To: ");
	header_text(out, to);
	strbuf_addch(out, '\n');
	mail_subject(hostname, ev, nr, out);
	strbuf_addstr(out, "MIME-Version: 1.0\n"
			   "Content-Type: text/plain; charset=utf-8\n"
			   "Content-Transfer-Encoding: 8bit\n"
			   "Auto-Submitted: auto-generated\n\n");
	for (size_t i = 0; i < nr; i++)
		mail_event(&ev[i], out);
	strbuf_addstr(out, "-- \nThe same events as JSON lines (docs/JSON.md, Alert events):\n");
	for (size_t i = 0; i < nr; i++) {
		alert_event_json(&ev[i], out);
		strbuf_addch(out, '\n');
	}
}
