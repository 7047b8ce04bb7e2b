// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Feeds arbitrary bytes to the sadf -j importer and checks every point it
 * hands on: a MINUTE rollup at a whole minute, a series connmon can write out
 * (jsonl_format accepts it: a metric name whose kind matches _total, a labels
 * string that parses, finite values), min <= mean <= max, and a counter that
 * never goes back in time or value; problems come with the origin, at most
 * SADF_ERRORS_SHOWN + 1 of them, and the counts add up.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/strbuf.h"
#include "collect/jsonl.h"
#include "collect/sadf.h"
#include "model/series_point.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SEEN_MAX 512

struct seen {
	char *key;
	int64_t t_ms;
	double last;
};

struct check {
	struct strbuf line, key;
	struct seen seen[SEEN_MAX];
	size_t nr_seen;
	uint64_t nr_points, nr_errors;
};

static double slack(double v)
{
	return (v < 0 ? -v : v) * 1e-12 + 1e-300;
}

static void check_order(struct check *c, const struct series_point *p)
{
	strbuf_reset(&c->key);
	strbuf_addf(&c->key, "%s{%s}", p->name, p->labels);
	for (size_t i = 0; i < c->nr_seen; i++) {
		struct seen *s = &c->seen[i];

		if (strcmp(s->key, c->key.buf))
			continue;
		if (p->t_ms <= s->t_ms || (p->counter && p->last < s->last))
			abort();
		s->t_ms = p->t_ms;
		s->last = p->last;
		return;
	}
	if (c->nr_seen < SEEN_MAX)
		c->seen[c->nr_seen++] = (struct seen){ strdup(c->key.buf), p->t_ms, p->last };
}

static int check_point(void *arg, const struct series_point *p)
{
	struct check *c = arg;

	if (p->tier != SERIES_TIER_MINUTE || p->t_ms % 60000)
		abort();
	strbuf_reset(&c->line);
	if (jsonl_format(&c->line, p))
		abort();
	if (p->min > p->mean + slack(p->mean) || p->mean > p->max + slack(p->max))
		abort();
	if (p->counter && (p->min < 0 || p->last < 0))
		abort();
	check_order(c, p);
	c->nr_points++;
	return 0;
}

static void check_error(void *arg, const char *msg)
{
	struct check *c = arg;

	if (strncmp(msg, "fuzz: ", 6))
		abort();
	c->nr_errors++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct check c = { .line = STRBUF_INIT, .key = STRBUF_INIT };
	struct point_sink sink = { check_point, check_error, &c };
	struct import_stats st;
	int ret = sadf_read_mem((const char *)data, size, "fuzz", &sink, &st);

	if (st.nr_points != c.nr_points || c.nr_errors > SADF_ERRORS_SHOWN + 1)
		abort();
	if ((ret == 0) != (st.nr_errors == 0) || (st.nr_errors && !c.nr_errors))
		abort();
	for (size_t i = 0; i < c.nr_seen; i++)
		free(c.seen[i].key);
	strbuf_release(&c.line);
	strbuf_release(&c.key);
	return 0;
}
