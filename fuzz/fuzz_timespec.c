// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Feeds arbitrary text to the --since/--until parser.  Invariants: it never
 * reads past the text, a relative time is never after now, and an error
 * always comes with a message.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/timespec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const int64_t now = 1764430000000LL;
	struct strbuf err = STRBUF_INIT;
	char *text = malloc(size + 1);
	int64_t t;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	int ret = timespec_parse("--since", text, now, &t, &err);

	if (ret < 0 && !err.len)
		abort();
	if (ret == 0 && text[0] == '-' && t > now)
		abort();
	strbuf_release(&err);
	free(text);
	return 0;
}
