// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The answer parser of the agent's socket client (collect/agent_link.h) on
 * any bytes, as a whole stream and as one still arriving: it never reads
 * past them; a body it returns fits in them and is NUL-terminated; an
 * answer complete before the end of the stream parses the same at the end.
 * The same bytes also go through the peer check's /proc/PID/status reader
 * (export/http.h), which must not read past them either.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collect/agent_link.h"
#include "export/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size copy, so that ASan sees any read past the end. */
	char *buf = malloc(size ? size : 1);
	struct agent_reply whole, early;
	const char *why;
	int ret_whole, ret_early;

	memcpy(buf, data, size);
	ret_whole = agent_link_parse(buf, size, true, &whole, &why);
	ret_early = agent_link_parse(buf, size, false, &early, &why);
	if (ret_whole == -EAGAIN)
		abort();
	if (ret_whole == 0 && (whole.body_len > size || whole.body[whole.body_len] != '\0' ||
			       whole.status < 100 || whole.status > 599))
		abort();
	if (ret_early == 0 &&
	    (ret_whole != 0 || early.status != whole.status || early.body_len != whole.body_len ||
	     memcmp(early.body, whole.body, whole.body_len) ||
	     strcmp(early.content_type, whole.content_type)))
		abort();
	agent_reply_release(&whole);
	agent_reply_release(&early);
	http_status_has_group(buf, size, size ? (gid_t)(uint8_t)buf[0] : 0);
	free(buf);
	return 0;
}
