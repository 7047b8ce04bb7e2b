// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The syslog sink: one message per event, facility daemon, the program's
 * name as ident (openlog() is not called: the agent may log elsewhere), priority from the severity
 * (resolutions at notice).  The message is a short readable head and the event's JSON, so both
 * people and log shippers can read it.  syslog(3) reports no errors: it always succeeds.
 */
#include <string.h>
#include <syslog.h>

#include "alert/notify_core.h"

static int priority(const struct alert_event *ev)
{
	if (ev->status == ALERT_RESOLVED)
		return LOG_NOTICE;
	return ev->severity == ALERT_CRITICAL ? LOG_CRIT :
	       ev->severity == ALERT_WARNING  ? LOG_WARNING :
						LOG_INFO;
}

static int syslog_deliver(const struct notify_core *core, const struct alert_event *ev, size_t nr,
			  int64_t now_ms, int64_t timeout_ms, struct strbuf *err)
{
	struct strbuf msg = STRBUF_INIT;

	(void)core;
	(void)now_ms;
	(void)timeout_ms;
	(void)err;
	for (size_t i = 0; i < nr; i++) {
		strbuf_reset(&msg);
		strbuf_addf(&msg, "alert %s %s %s ", alert_status_name(ev[i].status),
			    alert_severity_name(ev[i].severity), ev[i].rule);
		alert_subject_text(&ev[i].subject, &msg);
		strbuf_addstr(&msg, ": ");
		alert_event_json(&ev[i], &msg);
		syslog(LOG_DAEMON | priority(&ev[i]), "%s", msg.buf);
	}
	strbuf_release(&msg);
	return 0;
}

const struct notify_sink_ops notify_syslog_ops = { .deliver = syslog_deliver };
