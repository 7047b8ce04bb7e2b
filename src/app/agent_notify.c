// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The agent's alert sinks (alert/notify.h, docs/ALERTS.md): one notifier
 * with its own thread, opened at the start from [alerts], reopened by a
 * reload that changed [alerts], closed at the stop after delivering what
 * is queued (NOTIFY_CLOSE_MS at most).  Its counters are the series
 * connmon_notify_{sent,failures,dropped}_total{sink} of the enabled sinks.
 */
#include <errno.h>
#include <string.h>

#include "app/agent.h"
#include "app/log.h"

#define NOTIFY_CLOSE_MS 5000

static void notify_log(void *arg, int level, const char *msg)
{
	static const enum log_level levels[] = { LOG_LVL_ERROR, LOG_LVL_WARNING, LOG_LVL_INFO,
						 LOG_LVL_DEBUG };

	(void)arg;
	log_msg(levels[level >= 0 && level <= 3 ? level : 1], "alerts: %s", msg);
}

int agent_notify_open(struct agent *a, struct strbuf *err)
{
	int ret = notify_open(&a->rules.notifier, &a->cfg.alerts, notify_log, a, err);

	if (ret < 0)
		a->rules.notifier = NULL;
	else
		a->rules.notify_cfg = a->cfg.alerts;
	return ret;
}

void agent_notify_close(struct agent *a)
{
	if (!a->rules.notifier)
		return;
	if (notify_close(a->rules.notifier, NOTIFY_CLOSE_MS, NULL) == -ETIMEDOUT)
		log_warn("alerts: some events were not delivered before the stop");
	a->rules.notifier = NULL;
}

/* A reload: the sinks start again when [alerts] changed; a bad [alerts] keeps the old ones. */
void agent_notify_reload(struct agent *a)
{
	struct notifier *old = a->rules.notifier;
	struct strbuf err = STRBUF_INIT;

	if (old && !memcmp(&a->rules.notify_cfg, &a->cfg.alerts, sizeof(a->cfg.alerts)))
		return;
	if (agent_notify_open(a, &err) < 0) {
		log_error("alerts: %s; the sinks stay as they were", err.buf);
		a->rules.notifier = old;
	} else if (old) {
		notify_close(old, NOTIFY_CLOSE_MS, NULL);
	}
	strbuf_release(&err);
}

void agent_notify_event(struct agent *a, const struct alert_event *ev)
{
	if (a->rules.notifier)
		notify_submit(a->rules.notifier, ev);
}

void agent_notify_emit(struct agent *a)
{
	static const enum metric_family_id ids[] = { MF_NOTIFY_SENT, MF_NOTIFY_FAILURES,
						     MF_NOTIFY_DROPPED };
	struct notify_stats st;

	if (!a->rules.notifier)
		return;
	notify_stats(a->rules.notifier, &st);
	for (int i = 0; i < NOTIFY_SINKS; i++) {
		const struct notify_sink_stats *s = &st.sink[i];
		const double v[] = { (double)s->sent, (double)s->failed, (double)s->dropped };

		if (!s->enabled)
			continue;
		for (int k = 0; k < 3; k++) {
			strbuf_reset(&a->scratch);
			metric_labels_add(&a->scratch, "sink",
					  notify_sink_name((enum notify_sink_id)i));
			series_table_set(&a->series, &metric_families[ids[k]], a->scratch.buf, v[k],
					 NULL);
		}
	}
}
