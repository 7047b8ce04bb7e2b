// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The Alertmanager sink: POST {base}/api/v2/alerts with every alert of the
 * group.  Alertmanager deduplicates by label set, so re-sending a firing
 * alert (every `repeat`, queued by the core) only extends its endsAt; a
 * resolution is the same labels with endsAt at the resolution time.
 */
#include <string.h>

#include "alert/notify_core.h"

static int am_deliver(const struct notify_core *core, const struct alert_event *ev, size_t nr,
		      int64_t now_ms, int64_t timeout_ms, struct strbuf *err)
{
	struct strbuf url = STRBUF_INIT, body = STRBUF_INIT;
	size_t len = strlen(core->cfg.alertmanager);
	int ret;

	while (len && core->cfg.alertmanager[len - 1] == '/')
		len--;
	strbuf_add(&url, core->cfg.alertmanager, len);
	strbuf_addstr(&url, "/api/v2/alerts");
	notify_am_payload(ev, nr, core->hostname, core->cfg.generator_url, now_ms,
			  core->cfg.repeat_ms, &body);
	ret = notify_http_post(url.buf, body.buf, body.len, timeout_ms, err);
	strbuf_release(&url);
	strbuf_release(&body);
	return ret;
}

const struct notify_sink_ops notify_alertmanager_ops = { .deliver = am_deliver };
