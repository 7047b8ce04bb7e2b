// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Feeds arbitrary bytes to the /proc limit parsers: sockstat{,6} text, one
 * sysctl value, ip_local_port_range and the CapEff line of /proc/PID/status.  Checks the invariants
 * the callers rely on: parsed values are never negative, a port range is ordered.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "collect/limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct sockstat st;
	int64_t v, lo, hi;
	uint64_t mask;

	sockstat_init(&st);
	if (sockstat_parse(&st, text, size) == 0) {
		for (int i = 0; i < SOCKSTAT_NR; i++)
			if (st.v[i] < -1)
				abort();
	}
	if (limits_parse_value(text, size, &v) == 0 && v < 0)
		abort();
	if (limits_parse_port_range(text, size, &lo, &hi) == 0 && (lo < 1 || lo > hi || hi > 65535))
		abort();
	/* CapEff: at most 16 hex digits, so any mask is possible; it must not read past size */
	(void)limits_parse_cap_eff(text, size, &mask);
	return 0;
}
