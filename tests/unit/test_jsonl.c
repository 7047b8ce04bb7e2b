// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * collect/jsonl: the documented line format (docs/EXPORT.md) written exactly,
 * every refusal of the writer and the reader with its sentence, round trips
 * of random points, and whole inputs from memory and from a file descriptor
 * (blank lines, CRLF, a line past the cap, bad lines among good ones).
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* clang-format off: cmocka.h needs the headers above */
#include <cmocka.h>
/* clang-format on */

#include "base/strbuf.h"
#include "collect/jsonl.h"
#include "model/series_point.h"

static struct series_point tick(const char *name, const char *labels, bool counter, double v)
{
	return (struct series_point){ .name = name,
				      .labels = labels,
				      .counter = counter,
				      .tier = SERIES_TIER_TICK,
				      .t_ms = 1764430000000,
				      .min = v,
				      .max = v,
				      .mean = v,
				      .last = v };
}

static void test_format(void **state)
{
	struct series_point p = tick("connmon_tcp_sockets", "state=\"established\"", false, 412);
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	assert_int_equal(jsonl_format(&sb, &p), 0);
	assert_string_equal(sb.buf, "{\"name\":\"connmon_tcp_sockets\",\"labels\":{\"state\":"
				    "\"established\"},\"kind\":\"gauge\",\"tier\":\"tick\",\"t\":"
				    "1764430000000,\"v\":412}\n");
	strbuf_reset(&sb);
	p = (struct series_point){ .name = "connmon_iface_rx_bytes_total",
				   .labels = "iface=\"eth0\"",
				   .counter = true,
				   .tier = SERIES_TIER_MINUTE,
				   .t_ms = -60000,
				   .min = 0.5,
				   .max = 1e21,
				   .mean = NAN,
				   .last = 123456789012.0 };
	assert_int_equal(jsonl_format(&sb, &p), 0);
	assert_string_equal(sb.buf,
			    "{\"name\":\"connmon_iface_rx_bytes_total\",\"labels\":{\"iface\":"
			    "\"eth0\"},\"kind\":\"counter\",\"tier\":\"minute\",\"t\":-60000,"
			    "\"min\":0.5,\"max\":1e+21,\"mean\":null,\"last\":123456789012}\n");
	strbuf_reset(&sb);
	p = tick("up", "", false, -0.25);
	p.tier = SERIES_TIER_HOUR;
	assert_int_equal(jsonl_format(&sb, &p), 0);
	assert_string_equal(sb.buf, "{\"name\":\"up\",\"labels\":{},\"kind\":\"gauge\",\"tier\":"
				    "\"hour\",\"t\":1764430000000,\"min\":-0.25,\"max\":-0.25,"
				    "\"mean\":-0.25,\"last\":-0.25}\n");
	strbuf_release(&sb);
}

static void test_labels_to_json(void **state)
{
	static const struct {
		const char *labels, *json;
		int ret;
	} cases[] = {
		{ "", "{}", 0 },
		{ "a=\"\"", "{\"a\":\"\"}", 0 },
		{ "b=\"x\\\\y\\\"z\\nw\",a=\"1\"", "{\"b\":\"x\\\\y\\\"z\\nw\",\"a\":\"1\"}", 0 },
		{ "comm=\"caf\xc3\xa9\ttab\"", "{\"comm\":\"caf\xc3\xa9\\ttab\"}", 0 },
		{ "a=\"1\",", NULL, -EINVAL },
		{ "a=\"1\",,b=\"2\"", NULL, -EINVAL },
		{ "a=1", NULL, -EINVAL },
		{ "a=\"1", NULL, -EINVAL },
		{ "a=\"\\t\"", NULL, -EINVAL },
		{ "1a=\"x\"", NULL, -EINVAL },
		{ "a-b=\"x\"", NULL, -EINVAL },
		{ "a=\"1\"b=\"2\"", NULL, -EINVAL },
		{ "a=\"1\",a=\"2\"", NULL, -EINVAL },
		{ "a=\"\xff\"", NULL, -EILSEQ },
		{ " a=\"1\"", NULL, -EINVAL },
	};
	struct strbuf sb = STRBUF_INIT, many = STRBUF_INIT;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int ret;

		strbuf_reset(&sb);
		strbuf_addstr(&sb, "keep");
		ret = jsonl_labels_to_json(&sb, cases[i].labels);
		if (ret != cases[i].ret)
			fail_msg("'%s': %d, want %d", cases[i].labels, ret, cases[i].ret);
		if (ret)
			assert_string_equal(sb.buf, "keep");
		else
			assert_string_equal(sb.buf + 4, cases[i].json);
	}
	for (int i = 0; i <= JSONL_LABELS_NR_MAX; i++)
		strbuf_addf(&many, "%sl%d=\"v\"", i ? "," : "", i);
	strbuf_reset(&sb);
	assert_int_equal(jsonl_labels_to_json(&sb, many.buf), -EINVAL);
	strbuf_release(&many);
	strbuf_release(&sb);
}

static void test_format_refusals(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct series_point p;

	(void)state;
	strbuf_addstr(&sb, "before\n");
	p = tick("connmon_x_total", "", false, 1);
	assert_int_equal(jsonl_format(&sb, &p), -EINVAL); /* a gauge named like a counter */
	p = tick("connmon_x", "", true, 1);
	assert_int_equal(jsonl_format(&sb, &p), -EINVAL); /* a counter without _total */
	p = tick("9lives", "", false, 1);
	assert_int_equal(jsonl_format(&sb, &p), -EINVAL);
	p = tick("a b", "", false, 1);
	assert_int_equal(jsonl_format(&sb, &p), -EINVAL);
	p = tick("connmon_x", "a=\"\xc3\"", false, 1);
	assert_int_equal(jsonl_format(&sb, &p), -EILSEQ);
	p = tick("connmon_x", "a=\"1\"", false, INFINITY);
	assert_int_equal(jsonl_format(&sb, &p), -ERANGE);
	p = tick("connmon_x", "", false, 1);
	p.tier = SERIES_TIER_MINUTE;
	p.last = -INFINITY;
	assert_int_equal(jsonl_format(&sb, &p), -ERANGE);
	p.tier = (enum series_tier)7;
	assert_int_equal(jsonl_format(&sb, &p), -EINVAL);
	assert_string_equal(sb.buf, "before\n");
	strbuf_release(&sb);
}

static int parse(struct jsonl_parser *jp, const char *line, struct series_point *p)
{
	size_t len = strlen(line);
	char *copy = malloc(len ? len : 1); /* exact size, so ASan sees an overread */
	int ret;

	memcpy(copy, line, len);
	ret = jsonl_parse_line(jp, copy, len, 7, p);
	free(copy);
	return ret;
}

static void test_parse_refusals(void **state)
{
	static const struct {
		const char *line, *msg;
	} cases[] = {
		{ "", "line 7, column 1, at $: expected a value, found the end of the input" },
		{ "[]", "line 7, at $: expected an object, found an array" },
		{ "{\"name\":\"a\",\"kind\":\"gauge\",\"tier\":\"tick\",\"t\":1,\"v\":1,\"x\":2}",
		  "at $: unknown key \"x\"" },
		{ "{\"name\":\"a\",\"kind\":\"gauge\",\"tier\":\"tick\",\"v\":1}",
		  "at $: no \"t\"" },
		{ "{\"kind\":\"gauge\",\"tier\":\"tick\",\"t\":1,\"v\":1}", "at $: no \"name\"" },
		{ "{\"name\":\"a\",\"kind\":\"gauge\",\"tier\":\"tick\",\"t\":1}",
		  "a tick point has \"v\" only" },
		{ "{\"name\":\"a\",\"kind\":\"gauge\",\"tier\":\"tick\",\"t\":1,\"v\":1,\"min\":1}",
		  "a tick point has \"v\" only" },
		{ "{\"name\":\"a\",\"kind\":\"gauge\",\"tier\":\"minute\",\"t\":1,\"min\":1,\"max\":1,"
		  "\"mean\":1}",
		  "a minute point has \"min\", \"max\", \"mean\" and \"last\"" },
		{ "{\"name\":\"a\",\"kind\":\"gauge\",\"tier\":\"hour\",\"t\":1,\"min\":2,\"max\":1,"
		  "\"mean\":1,\"last\":1}",
		  "at $.min: min is greater than max" },
		{ "{\"name\":\"a\",\"kind\":\"gauges\",\"tier\":\"tick\",\"t\":1,\"v\":1}",
		  "at $.kind: expected \"gauge\" or \"counter\"" },
		{ "{\"name\":\"a\",\"kind\":\"gauge\",\"tier\":\"day\",\"t\":1,\"v\":1}",
		  "at $.tier: expected \"tick\", \"minute\" or \"hour\"" },
		{ "{\"name\":\"a\",\"kind\":\"counter\",\"tier\":\"tick\",\"t\":1,\"v\":1}",
		  "at $.kind: a counter's name ends in _total" },
		{ "{\"name\":\"a_total\",\"kind\":\"gauge\",\"tier\":\"tick\",\"t\":1,\"v\":1}",
		  "at $.kind: a gauge's name does not end in _total" },
		{ "{\"name\":\"a\",\"kind\":\"gauge\",\"tier\":\"tick\",\"t\":1.5,\"v\":1}",
		  "at $.t: expected milliseconds since the epoch (an integer)" },
		{ "{\"name\":\"a\",\"kind\":\"gauge\",\"tier\":\"tick\",\"t\":\"1\",\"v\":1}",
		  "at $.t: expected milliseconds" },
		{ "{\"name\":\"a\",\"kind\":\"gauge\",\"tier\":\"tick\",\"t\":1,\"v\":\"1\"}",
		  "at $.v: expected a number or null, found a string" },
		{ "{\"name\":\"1a\",\"kind\":\"gauge\",\"tier\":\"tick\",\"t\":1,\"v\":1}",
		  "at $.name: expected a metric name" },
		{ "{\"name\":7,\"kind\":\"gauge\",\"tier\":\"tick\",\"t\":1,\"v\":1}",
		  "at $.name: expected a metric name" },
		{ "{\"name\":\"a\",\"labels\":{\"a-b\":\"x\"},\"kind\":\"gauge\",\"tier\":\"tick\","
		  "\"t\":1,\"v\":1}",
		  "at $.labels: \"a-b\" is not a label name" },
		{ "{\"name\":\"a\",\"labels\":{\"\":\"x\"},\"kind\":\"gauge\",\"tier\":\"tick\","
		  "\"t\":1,\"v\":1}",
		  "at $.labels: \"\" is not a label name" },
		{ "{\"name\":\"a\",\"labels\":{\"a\":1},\"kind\":\"gauge\",\"tier\":\"tick\",\"t\":1,"
		  "\"v\":1}",
		  "at $.labels: expected a string for \"a\", found a number" },
		{ "{\"name\":\"a\",\"labels\":[],\"kind\":\"gauge\",\"tier\":\"tick\",\"t\":1,\"v\":1}",
		  "at $.labels: expected an object, found an array" },
		{ "{\"name\":\"a\",\"name\":\"b\",\"kind\":\"gauge\",\"tier\":\"tick\",\"t\":1,\"v\":1}",
		  "duplicate key \"name\"" },
		{ "{\"name\":\"a\",\"kind\":\"gauge\",\"tier\":\"tick\",\"t\":1,\"v\":1} x",
		  "line 7, column 55, at $: expected the end of the input after the value" },
		{ "{\"name\":\"a\",\"kind\":\"gauge\"",
		  "line 7, column 27, at $.kind: expected ',' or '}'" },
	};
	struct jsonl_parser jp;
	struct series_point p;

	(void)state;
	jsonl_parser_init(&jp);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (!parse(&jp, cases[i].line, &p))
			fail_msg("'%s' accepted", cases[i].line);
		if (!strstr(jsonl_parser_error(&jp), cases[i].msg))
			fail_msg("'%s': '%s', want '%s'", cases[i].line, jsonl_parser_error(&jp),
				 cases[i].msg);
	}
	jsonl_parser_release(&jp);
}

static void test_parse(void **state)
{
	struct jsonl_parser jp;
	struct series_point p;

	(void)state;
	jsonl_parser_init(&jp);
	/* keys in any order, labels optional, null is no value */
	assert_int_equal(parse(&jp,
			       " {\"v\":null,\"t\":5,\"tier\":\"tick\",\"kind\":\"gauge\","
			       "\"name\":\"up\"} ",
			       &p),
			 0);
	assert_string_equal(p.name, "up");
	assert_string_equal(p.labels, "");
	assert_false(p.counter);
	assert_int_equal(p.tier, SERIES_TIER_TICK);
	assert_true(p.t_ms == 5);
	assert_true(isnan(p.min) && isnan(p.max) && isnan(p.mean) && isnan(p.last));
	assert_int_equal(parse(&jp,
			       "{\"name\":\"x_total\",\"labels\":{\"z\":\"a\\\"b\\\\c\\nd\","
			       "\"a\":\"\\u00e9\"},\"kind\":\"counter\",\"tier\":\"minute\","
			       "\"t\":-9223372036854775808,\"min\":1,\"max\":2,\"mean\":1.5,"
			       "\"last\":1e300}",
			       &p),
			 0);
	assert_string_equal(p.labels, "z=\"a\\\"b\\\\c\\nd\",a=\"\xc3\xa9\"");
	assert_true(p.counter);
	assert_true(p.t_ms == INT64_MIN);
	assert_true(p.min == 1 && p.max == 2 && p.mean == 1.5 && p.last == 1e300);
	jsonl_parser_release(&jp);
}

static uint64_t rnd(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static double rnd_value(uint64_t *x)
{
	switch (rnd(x) % 5) {
	case 0:
		return NAN;
	case 1:
		return (double)(int64_t)(rnd(x) % 2000000) - 1000000;
	case 2:
		return (double)rnd(x) / 3.0;
	case 3:
		return -1.0 / (double)(rnd(x) % 1000 + 1);
	default:
		return (double)(rnd(x) % 100000) * 1e-9;
	}
}

static void rnd_labels(uint64_t *x, struct strbuf *sb)
{
	static const char *const values[] = {
		"",	      "eth0",	     "a\\\\b",		 "q\\\"uote",
		"new\\nline", "caf\xc3\xa9", "\xf0\x9f\x98\x80", "tab\there",
		"other"
	};
	int nr = (int)(rnd(x) % 4);

	strbuf_reset(sb);
	for (int i = 0; i < nr; i++)
		strbuf_addf(sb, "%sk%d_%c=\"%s\"", i ? "," : "", i, (char)('a' + rnd(x) % 26),
			    values[rnd(x) % (sizeof(values) / sizeof(values[0]))]);
}

static bool same(double a, double b)
{
	return (isnan(a) && isnan(b)) || a == b;
}

/* format -> parse gives the point back, and format again gives the same line. */
static void test_round_trip(void **state)
{
	static const char *const names[] = { "connmon_tcp_sockets", "connmon_iface_rx_bytes_total",
					     "a:b_c", "_x_total" };
	struct strbuf labels = STRBUF_INIT, a = STRBUF_INIT, b = STRBUF_INIT;
	struct jsonl_parser jp;
	uint64_t x = 88172645463325252ull;

	(void)state;
	jsonl_parser_init(&jp);
	for (int i = 0; i < 5000; i++) {
		const char *name = names[rnd(&x) % 4];
		size_t len = strlen(name);
		struct series_point p = { .name = name,
					  .counter = len > 6 && !strcmp(name + len - 6, "_total"),
					  .tier = (enum series_tier)(rnd(&x) % 3),
					  .t_ms = (int64_t)rnd(&x) };
		struct series_point q;

		rnd_labels(&x, &labels);
		p.labels = labels.buf;
		p.min = rnd_value(&x);
		p.max = p.min + (isnan(p.min) ? 0 : fabs(rnd_value(&x)));
		p.mean = rnd_value(&x);
		p.last = rnd_value(&x);
		if (p.tier == SERIES_TIER_TICK)
			p.min = p.max = p.mean = p.last;
		strbuf_reset(&a);
		strbuf_reset(&b);
		assert_int_equal(jsonl_format(&a, &p), 0);
		if (jsonl_parse_line(&jp, a.buf, a.len - 1, 1, &q))
			fail_msg("'%s': %s", a.buf, jsonl_parser_error(&jp));
		assert_string_equal(q.name, p.name);
		assert_string_equal(q.labels, p.labels);
		assert_int_equal(q.counter, p.counter);
		assert_int_equal(q.tier, p.tier);
		assert_true(q.t_ms == p.t_ms);
		assert_true(same(q.min, p.min) && same(q.max, p.max) && same(q.mean, p.mean) &&
			    same(q.last, p.last));
		assert_int_equal(jsonl_format(&b, &q), 0);
		assert_string_equal(a.buf, b.buf);
	}
	jsonl_parser_release(&jp);
	strbuf_release(&labels);
	strbuf_release(&a);
	strbuf_release(&b);
}

struct sink_log {
	struct strbuf points, errors;
	int stop_at; /* point() returns -ECANCELED at this point number (1-based), 0: never */
	int nr;
};

static int log_point(void *arg, const struct series_point *p)
{
	struct sink_log *l = arg;

	if (++l->nr == l->stop_at)
		return -ECANCELED;
	strbuf_addf(&l->points, "%s{%s} %lld %g\n", p->name, p->labels, (long long)p->t_ms,
		    p->last);
	return 0;
}

static void log_error(void *arg, const char *msg)
{
	struct sink_log *l = arg;

	strbuf_addf(&l->errors, "%s\n", msg);
}

#define GOOD(t) "{\"name\":\"up\",\"kind\":\"gauge\",\"tier\":\"tick\",\"t\":" #t ",\"v\":" #t "}"

static const char input[] =
	GOOD(1) "\n"
		"\n"
		"   \t\r\n" GOOD(2) "\r\n"
				    "{\"name\":\"up\"}\n" GOOD(3) "\n"
								  "nonsense\n" GOOD(
									  4); /* no final newline */

static void check_input_result(struct sink_log *l, int ret, const struct import_stats *st)
{
	assert_int_equal(ret, -EINVAL);
	assert_string_equal(l->points.buf, "up{} 1 1\nup{} 2 2\nup{} 3 3\nup{} 4 4\n");
	assert_string_equal(l->errors.buf, "in.jsonl: line 5, at $: no \"kind\"\n"
					   "in.jsonl: line 7, column 2, at $: expected 'null', "
					   "found 'o'\n");
	assert_true(st->nr_records == 6 && st->nr_points == 4 && st->nr_errors == 2);
}

#define LOG_INIT                                             \
	{                                                    \
		.points = STRBUF_INIT, .errors = STRBUF_INIT \
	}

static void log_reset(struct sink_log *l)
{
	strbuf_release(&l->points);
	strbuf_release(&l->errors);
	*l = (struct sink_log)LOG_INIT;
}

static int read_through_pipe(const char *data, size_t len, const struct point_sink *sink,
			     struct import_stats *st)
{
	FILE *f = tmpfile();
	int ret;

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fflush(f);
	rewind(f);
	ret = jsonl_read_fd(fileno(f), "in.jsonl", sink, st);
	fclose(f);
	return ret;
}

static void test_read(void **state)
{
	struct sink_log l = LOG_INIT;
	struct point_sink sink = { log_point, log_error, &l };
	struct import_stats st;

	(void)state;
	check_input_result(&l, jsonl_read_mem(input, sizeof(input) - 1, "in.jsonl", &sink, &st),
			   &st);
	log_reset(&l);
	check_input_result(&l, read_through_pipe(input, sizeof(input) - 1, &sink, &st), &st);
	/* the sink stops the read */
	log_reset(&l);
	l.stop_at = 2;
	assert_int_equal(jsonl_read_mem(input, sizeof(input) - 1, "in.jsonl", &sink, &st),
			 -ECANCELED);
	assert_true(st.nr_points == 1);
	log_reset(&l);
	/* all good: 0 */
	assert_int_equal(jsonl_read_mem(GOOD(9) "\n", sizeof(GOOD(9)), "x", &sink, &st), 0);
	assert_true(st.nr_points == 1 && st.nr_errors == 0);
	log_reset(&l);
}

static void test_long_line_and_error_cap(void **state)
{
	struct sink_log l = LOG_INIT;
	struct point_sink sink = { log_point, log_error, &l };
	struct strbuf in = STRBUF_INIT;
	struct import_stats st;

	(void)state;
	strbuf_addstr(&in, GOOD(1) "\n");
	for (int i = 0; i < JSONL_LINE_MAX + 10; i++)
		strbuf_addch(&in, 'x');
	strbuf_addstr(&in, "\n" GOOD(3) "\n");
	for (int pass = 0; pass < 2; pass++) {
		int ret = pass ? read_through_pipe(in.buf, in.len, &sink, &st) :
				 jsonl_read_mem(in.buf, in.len, "in.jsonl", &sink, &st);

		assert_int_equal(ret, -EINVAL);
		assert_string_equal(l.points.buf, "up{} 1 1\nup{} 3 3\n");
		assert_string_equal(l.errors.buf, "in.jsonl: line 2: longer than 65536 bytes\n");
		assert_true(st.nr_records == 3 && st.nr_errors == 1);
		log_reset(&l);
	}
	/* 25 bad lines: 20 sentences, then one that counts the rest */
	strbuf_reset(&in);
	for (int i = 0; i < 25; i++)
		strbuf_addstr(&in, "{}\n");
	assert_int_equal(jsonl_read_mem(in.buf, in.len, "in.jsonl", &sink, &st), -EINVAL);
	assert_non_null(strstr(l.errors.buf, "in.jsonl: line 20, at $: no \"name\"\n"
					     "in.jsonl: 5 more bad lines not shown\n"));
	assert_null(strstr(l.errors.buf, "line 21"));
	assert_true(st.nr_errors == 25);
	log_reset(&l);
	strbuf_release(&in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_labels_to_json),
		cmocka_unit_test(test_format_refusals),
		cmocka_unit_test(test_parse_refusals),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_read),
		cmocka_unit_test(test_long_line_and_error_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
