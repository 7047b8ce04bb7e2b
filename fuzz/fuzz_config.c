// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Feeds arbitrary bytes to the config parser as a file's text.  Checks what
 * the agent relies on: a refused text leaves the config untouched and says
 * "NAME:LINE: ..."; an accepted one, written back by config_write(), parses
 * to the same config (unless a path made a written line too long to read).
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_roundtrip(const struct agent_config *c)
{
	struct strbuf out = STRBUF_INIT, again = STRBUF_INIT, err = STRBUF_INIT;
	struct agent_config d;

	config_write(c, &out);
	config_defaults(&d);
	if (config_parse_string(&d, "w", out.buf, &err) != 0) {
		if (!strstr(err.buf, "line longer than"))
			abort();
	} else {
		config_write(&d, &again);
		if (strcmp(out.buf, again.buf) != 0)
			abort();
	}
	strbuf_release(&out);
	strbuf_release(&again);
	strbuf_release(&err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf err = STRBUF_INIT;
	struct agent_config c, before;
	int ret;

	config_defaults(&c);
	c.series.ports = 5000; /* out of range: no text can set it, a refused one must leave it */
	before = c;
	ret = config_parse_mem(&c, "f", (const char *)data, size, &err);
	if (ret == 0) {
		if (err.len || c.series.ports == 5000)
			abort();
		check_roundtrip(&c);
	} else if (ret != -EINVAL || memcmp(&c, &before, sizeof(c)) != 0 ||
		   strncmp(err.buf, "f:", 2) != 0 || !strchr(err.buf + 2, ':')) {
		abort();
	}
	strbuf_release(&err);
	return 0;
}
