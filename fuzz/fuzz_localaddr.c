// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Feeds arbitrary bytes to the /proc/net/route and /proc/net/ipv6_route
 * parsers: they must never read past the input, and every gateway they
 * report must be non-zero and of the right family.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "collect/localaddr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(void *ctx, uint8_t family, const uint8_t addr[16], const char *reason)
{
	static const uint8_t zero[16];
	int want = *(const int *)ctx;

	if (family != want || !memcmp(addr, zero, family == AF_INET ? 4 : 16) ||
	    strcmp(reason, "default gateway"))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* an exact-size copy, so ASan sees any read past the end */
	char *text = malloc(size ? size : 1);
	int v4 = AF_INET, v6 = AF_INET6;

	if (!text)
		abort();
	memcpy(text, data, size);
	if (localaddr_parse_route(text, size, check, &v4) < 0)
		abort();
	if (localaddr_parse_ipv6_route(text, size, check, &v6) < 0)
		abort();
	free(text);
	return 0;
}
