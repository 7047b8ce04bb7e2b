// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The mail sink: the system's sendmail, as `mail -s` would use it: the
 * message on stdin with its own To: and Subject: headers (-t), a lone '.'
 * line not ending it (-i).  One mail per group of events.
 */
#include "alert/notify_core.h"

static int mail_deliver(const struct notify_core *core, const struct alert_event *ev, size_t nr,
			int64_t now_ms, int64_t timeout_ms, struct strbuf *err)
{
	const char *argv[] = { core->cfg.sendmail, "-t", "-i", NULL };
	struct strbuf msg = STRBUF_INIT;
	int ret;

	(void)now_ms;
	notify_mail_message(core->cfg.mail_to, core->hostname, ev, nr, &msg);
	ret = notify_run_child(argv, NULL, msg.buf, msg.len, timeout_ms, err);
	strbuf_release(&msg);
	return ret;
}

const struct notify_sink_ops notify_mail_ops = { .deliver = mail_deliver };
