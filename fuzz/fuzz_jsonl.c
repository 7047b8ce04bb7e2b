// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Feeds arbitrary bytes to the JSON lines reader and checks every point it
 * accepts: it writes back out (jsonl_format never refuses what the reader
 * accepted), the line written reads back as the same point and writes the
 * same text again; the counts add up; bad lines are reported with the origin
 * and no more than JSONL_ERRORS_SHOWN + 1 sentences come.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/strbuf.h"
#include "collect/jsonl.h"
#include "model/series_point.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct check {
	struct jsonl_parser jp;
	struct strbuf a, b;
	uint64_t nr_points, nr_errors_seen;
};

static bool same(double x, double y)
{
	return (isnan(x) && isnan(y)) || x == y;
}

static int check_point(void *arg, const struct series_point *p)
{
	struct check *c = arg;
	struct series_point q;

	strbuf_reset(&c->a);
	strbuf_reset(&c->b);
	if (jsonl_format(&c->a, p))
		abort();
	if (jsonl_parse_line(&c->jp, c->a.buf, c->a.len - 1, 1, &q))
		abort();
	if (strcmp(p->name, q.name) || strcmp(p->labels, q.labels) || p->counter != q.counter ||
	    p->tier != q.tier || p->t_ms != q.t_ms || !same(p->min, q.min) ||
	    !same(p->max, q.max) || !same(p->mean, q.mean) || !same(p->last, q.last))
		abort();
	if (jsonl_format(&c->b, &q) || strcmp(c->a.buf, c->b.buf))
		abort();
	c->nr_points++;
	return 0;
}

static void check_error(void *arg, const char *msg)
{
	struct check *c = arg;

	if (strncmp(msg, "fuzz: ", 6))
		abort();
	c->nr_errors_seen++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct check c = { .a = STRBUF_INIT, .b = STRBUF_INIT };
	struct point_sink sink = { check_point, check_error, &c };
	struct import_stats st;
	int ret;

	jsonl_parser_init(&c.jp);
	ret = jsonl_read_mem((const char *)data, size, "fuzz", &sink, &st);
	if (st.nr_points != c.nr_points || st.nr_points + st.nr_errors != st.nr_records)
		abort();
	if ((ret == 0) != (st.nr_errors == 0))
		abort();
	if (c.nr_errors_seen > JSONL_ERRORS_SHOWN + 1 || (st.nr_errors && c.nr_errors_seen == 0))
		abort();
	jsonl_parser_release(&c.jp);
	strbuf_release(&c.a);
	strbuf_release(&c.b);
	return 0;
}
