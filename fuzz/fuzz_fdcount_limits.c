// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Feeds arbitrary bytes to the /proc/PID/limits parser: only 0 or -EPROTO,
 * and on 0 the value is the one written after "Max open files" (the same
 * digits read back, or "unlimited").
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collect/fdcount.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t soft = 0, again = 0;
	int rc = fdcount_parse_limits((const char *)data, size, &soft);

	if (rc != 0 && rc != -EPROTO)
		abort();
	/* the parser reads only the first matching line: appending text changes nothing */
	if (rc == 0 && size < 4096) {
		char buf[4096 + 32];

		memcpy(buf, data, size);
		memcpy(buf + size, "\nMax open files 7 7 x\n", 22);
		if (fdcount_parse_limits(buf, size + 22, &again) != 0 || again != soft)
			abort();
	}
	return 0;
}
