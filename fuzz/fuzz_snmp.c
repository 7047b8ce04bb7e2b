// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Feeds arbitrary bytes to both /proc/net/snmp parsers (header/value pairs
 * and snmp6 lines), then seals and diffs the snapshots.  Checks what callers
 * rely on: counts within COUNTERS_MAX, names NUL-terminated within
 * COUNTER_NAME_MAX, printable and findable by name, group lengths inside the name,
 * deltas never reported for a counter that went backwards.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/health.h"
#include "collect/snmp.h"
#include "model/counters.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct counter_snap *s)
{
	if (s->nr > COUNTERS_MAX)
		abort();
	for (size_t i = 0; i < s->nr; i++) {
		const struct counter *c = &s->v[i];

		if (c->name_len == 0 || c->name_len > COUNTER_NAME_MAX ||
		    strlen(c->name) != c->name_len || c->group_len > c->name_len)
			abort();
		for (size_t j = 0; j < c->name_len; j++)
			if ((unsigned char)c->name[j] <= ' ' || (unsigned char)c->name[j] >= 0x7f)
				abort();
		if (!counter_snap_find(s, c->name))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct counter_snap a, b;
	struct proto_health h;

	counter_snap_init(&a);
	counter_snap_init(&b);
	if (snmp_parse_pairs(&a, text, size) < -E2BIG)
		abort();
	snmp_parse_lines(&b, text, size);
	counter_snap_seal(&a);
	counter_snap_seal(&b);
	check(&a);
	check(&b);
	for (size_t i = 0; i < b.nr; i++) {
		struct counter_delta d = counter_delta_at(&a, &b, i);
		const struct counter *p = counter_snap_find(&a, b.v[i].name);

		if (d.status == COUNTER_DELTA_OK && p && p->value + d.delta != b.v[i].value)
			abort();
	}
	health_proto_compute(&health_default, &h, &a, &b);
	for (int k = 0; k < PROTO_KPI_NR; k++)
		if (h.kpi[k].known && (h.kpi[k].den == 0 || h.kpi[k].pct < 0))
			abort();
	counter_snap_release(&a);
	counter_snap_release(&b);
	return 0;
}
