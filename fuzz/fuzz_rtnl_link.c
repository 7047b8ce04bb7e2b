// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rtnetlink link parser.  The input is one netlink datagram (as recorded by
 * tests/fixtures/link/record.sh), copied into an exact-size heap buffer so
 * ASan sees any over-read; the parsed interfaces are then fed to the rate
 * computation against themselves and against an empty table.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/rates.h"
#include "collect/link.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct iface_table a, b;
	struct iface_rates r;
	struct link_stats st = { 0 };
	bool done = false;
	size_t sum = 0;
	uint8_t *buf = malloc(size ? size : 1);

	memcpy(buf, data, size);
	iface_table_init(&a);
	iface_table_init(&b);
	iface_rates_init(&r);
	(void)link_parse_datagram(buf, size, &a, &st, &done);
	for (size_t i = 0; i < a.nr; i++)
		sum += strlen(a.ifs[i].name) + strlen(a.ifs[i].kind) + a.ifs[i].nr_counters;
	iface_table_sort(&a);
	a.time_ns = 1;
	b.time_ns = 2;
	(void)iface_rates_compute(&a, &b, &r);
	b.time_ns = 0;
	(void)iface_rates_compute(&b, &a, &r);
	iface_rates_release(&r);
	iface_table_release(&a);
	iface_table_release(&b);
	free(buf);
	return sum == 1 ? 1 : 0;
}
