// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The file sink: one JSON object per line, appended.  The file is opened
 * for each delivery, so a log rotator may move it away at any time, and the
 * lines of one delivery go out in one write(2) with O_APPEND, so they are
 * never interleaved with another writer's.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "alert/notify_core.h"

static int file_deliver(const struct notify_core *core, const struct alert_event *ev, size_t nr,
			int64_t now_ms, int64_t timeout_ms, struct strbuf *err)
{
	struct strbuf text = STRBUF_INIT;
	size_t done = 0;
	int fd, ret = 0;

	(void)now_ms;
	(void)timeout_ms;
	for (size_t i = 0; i < nr; i++) {
		alert_event_json(&ev[i], &text);
		strbuf_addch(&text, '\n');
	}
	fd = open(core->cfg.file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640);
	if (fd < 0) {
		ret = -errno;
		strbuf_addf(err, "cannot open '%s': %s", core->cfg.file, strerror(errno));
		goto out;
	}
	while (done < text.len) {
		ssize_t n = write(fd, text.buf + done, text.len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ret = n < 0 ? -errno : -EIO;
			strbuf_addf(err, "cannot write '%s': %s", core->cfg.file, strerror(-ret));
			break;
		}
		done += (size_t)n;
	}
	if (close(fd) && !ret) {
		ret = -errno;
		strbuf_addf(err, "cannot write '%s': %s", core->cfg.file, strerror(errno));
	}
out:
	strbuf_release(&text);
	return ret;
}

const struct notify_sink_ops notify_file_ops = { .deliver = file_deliver };
