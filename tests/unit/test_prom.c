// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The Prometheus text encoder (export/prom.h): exact output of small cases
 * written from the format's specification, grouping of interleaved families
 * checked by a reader written here, number formatting (integers, shortest
 * round-trip, NaN and infinities), the labels builder's escaping, and the
 * family table against docs/METRICS.md.
 */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* cmocka needs these first. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
// clang-format on

#include "base/strbuf.h"
#include "base/xalloc.h"
#include "export/prom.h"
#include "model/metric.h"

static char *encode(const struct prom_point *p, size_t n, size_t *left_out)
{
	struct strbuf sb = STRBUF_INIT;
	size_t lo = prom_encode(&sb, p, n);

	if (left_out)
		*left_out = lo;
	return strbuf_detach(&sb, NULL);
}

static void test_empty(void **state)
{
	char *out;

	(void)state;
	out = encode(NULL, 0, NULL);
	assert_string_equal(out, "");
	free(out);
}

static void test_one_family(void **state)
{
	const struct prom_point p[] = {
		{ "connmon_tcp_sockets", "TCP sockets by state.", PROM_GAUGE, "state=\"listen\"",
		  3 },
		{ "connmon_tcp_sockets", "TCP sockets by state.", PROM_GAUGE, "state=\"time_wait\"",
		  120 },
		{ "connmon_up", NULL, PROM_GAUGE, NULL, 1 },
		{ "connmon_scrapes_total", "Scrapes.", PROM_COUNTER, "", 7 },
	};
	char *out = encode(p, 4, NULL);

	(void)state;
	assert_string_equal(out, "# HELP connmon_tcp_sockets TCP sockets by state.\n"
				 "# TYPE connmon_tcp_sockets gauge\n"
				 "connmon_tcp_sockets{state=\"listen\"} 3\n"
				 "connmon_tcp_sockets{state=\"time_wait\"} 120\n"
				 "# TYPE connmon_up gauge\n"
				 "connmon_up 1\n"
				 "# HELP connmon_scrapes_total Scrapes.\n"
				 "# TYPE connmon_scrapes_total counter\n"
				 "connmon_scrapes_total 7\n");
	free(out);
}

static void test_help_escaping(void **state)
{
	const struct prom_point p[] = {
		{ "a", "back\\slash\nnew \"line\"", PROM_GAUGE, NULL, 0 },
	};
	char *out = encode(p, 1, NULL);

	(void)state;
	/* HELP escapes backslash and newline only; a quote stays as it is. */
	assert_string_equal(out, "# HELP a back\\\\slash\\nnew \"line\"\n# TYPE a gauge\na 0\n");
	free(out);
}

static void test_interleaved(void **state)
{
	const struct prom_point p[] = {
		{ "fam_a", "A.", PROM_GAUGE, "i=\"1\"", 1 },
		{ "fam_b", "B.", PROM_COUNTER, "i=\"2\"", 2 },
		{ "fam_a", "A.", PROM_GAUGE, "i=\"3\"", 3 },
		{ "fam_c", "C.", PROM_GAUGE, "i=\"4\"", 4 },
		{ "fam_b", "B.", PROM_COUNTER, "i=\"5\"", 5 },
		{ "fam_a", "A.", PROM_GAUGE, "i=\"6\"", 6 },
	};
	char *out = encode(p, 6, NULL);

	(void)state;
	assert_string_equal(out, "# HELP fam_a A.\n# TYPE fam_a gauge\n"
				 "fam_a{i=\"1\"} 1\nfam_a{i=\"3\"} 3\nfam_a{i=\"6\"} 6\n"
				 "# HELP fam_b B.\n# TYPE fam_b counter\n"
				 "fam_b{i=\"2\"} 2\nfam_b{i=\"5\"} 5\n"
				 "# HELP fam_c C.\n# TYPE fam_c gauge\nfam_c{i=\"4\"} 4\n");
	free(out);
}

static void test_invalid_names_left_out(void **state)
{
	const struct prom_point p[] = {
		{ "ok", NULL, PROM_GAUGE, NULL, 1 },
		{ "9lives", NULL, PROM_GAUGE, NULL, 2 },
		{ "has space", NULL, PROM_GAUGE, NULL, 3 },
		{ "", NULL, PROM_GAUGE, NULL, 4 },
		{ NULL, NULL, PROM_GAUGE, NULL, 5 },
		{ "ok", NULL, PROM_GAUGE, "x=\"y\"", 6 },
		{ "ns:rule_total", NULL, PROM_COUNTER, NULL, 7 },
	};
	size_t left_out;
	char *out = encode(p, 7, &left_out);

	(void)state;
	assert_int_equal(left_out, 4);
	assert_string_equal(out, "# TYPE ok gauge\nok 1\nok{x=\"y\"} 6\n"
				 "# TYPE ns:rule_total counter\nns:rule_total 7\n");
	free(out);
	assert_true(prom_name_is_valid("_x:y_1"));
	assert_false(prom_name_is_valid("a-b"));
	assert_false(prom_name_is_valid("é"));
}

/*
 * Random names and order: read the output back and check that every family
 * is one contiguous run headed by its HELP and TYPE, families come in the
 * order of their first point, and points keep the input order within one.
 */
static void test_random_grouping(void **state)
{
	enum {
		N = 20000,
		NAMES = 97
	};
	struct prom_point *p = xcalloc(N, sizeof(*p));
	char(*names)[16] = xcalloc(NAMES, sizeof(*names));
	char(*labels)[24] = xcalloc(N, sizeof(*labels));
	int first_seen[NAMES], next_fam = 0, cur = -1, last_i = -1, nr_lines = 0;
	int fam_rank[NAMES];
	char *out, *line, *save;

	(void)state;
	srand(7);
	for (int k = 0; k < NAMES; k++) {
		snprintf(names[k], sizeof(names[k]), "fam_%d", k);
		first_seen[k] = -1;
	}
	for (int i = 0; i < N; i++) {
		int k = rand() % NAMES;

		if (rand() % 3 == 0 && i)
			k = (int)strtol(p[i - 1].name + 4, NULL, 10); /* runs, as producers write */
		snprintf(labels[i], sizeof(labels[i]), "i=\"%d\"", i);
		p[i] = (struct prom_point){ names[k], "h", PROM_GAUGE, labels[i], i };
		if (first_seen[k] < 0)
			first_seen[k] = next_fam++;
	}
	out = encode(p, N, NULL);
	for (int k = 0; k < NAMES; k++)
		fam_rank[k] = -1;
	next_fam = 0;
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		int k, i;

		if (sscanf(line, "# HELP fam_%d h", &k) == 1) {
			assert_int_equal(fam_rank[k], -1); /* one header per family */
			assert_int_equal(first_seen[k], next_fam);
			fam_rank[k] = next_fam++;
			cur = k;
			last_i = -1;
			continue;
		}
		if (sscanf(line, "# TYPE fam_%d gauge", &k) == 1) {
			assert_int_equal(k, cur);
			continue;
		}
		assert_int_equal(sscanf(line, "fam_%d{i=\"%d\"}", &k, &i), 2);
		assert_int_equal(k, cur);
		assert_true(i > last_i);
		assert_string_equal(p[i].name, names[k]);
		last_i = i;
		nr_lines++;
	}
	assert_int_equal(nr_lines, N);
	assert_int_equal(next_fam, NAMES);
	free(out);
	free(p);
	free(names);
	free(labels);
}

static void check_value(double v, const char *want)
{
	char buf[PROM_VALUE_MAX];
	size_t len = prom_format_value(buf, v);

	assert_string_equal(buf, want);
	assert_int_equal(len, strlen(want));
}

static void test_values(void **state)
{
	(void)state;
	check_value(0, "0");
	check_value(-0.0, "0");
	check_value(1, "1");
	check_value(-42, "-42");
	check_value(123456789012345.0, "123456789012345");
	check_value(9007199254740992.0, "9007199254740992"); /* 2^53 */
	check_value(-9007199254740992.0, "-9007199254740992");
	check_value(0.1, "0.1");
	check_value(1.5, "1.5");
	check_value(-2.25, "-2.25");
	check_value(1.0 / 3, "0.3333333333333333");
	check_value(0.1 + 0.2, "0.30000000000000004");
	check_value(1e-7, "1e-07");
	check_value(1e300, "1e+300");
	check_value(18446744073709551616.0, "1.8446744073709552e+19"); /* 2^64 */
	check_value(DBL_MAX, "1.7976931348623157e+308");
	/* 15 digits read back already (subnormal precision is lower). */
	check_value(5e-324, "4.94065645841247e-324");
	check_value(NAN, "NaN");
	check_value(-NAN, "NaN");
	check_value(INFINITY, "+Inf");
	check_value(-INFINITY, "-Inf");
}

/* Any finite double reads back as itself, in at most PROM_VALUE_MAX - 1 bytes, and a
 * number that looks like an integer is one. */
static void test_values_round_trip(void **state)
{
	char buf[PROM_VALUE_MAX];

	(void)state;
	srand(11);
	for (int i = 0; i < 200000; i++) {
		uint64_t bits = 0;
		double v;
		size_t len;

		for (int k = 0; k < 4; k++)
			bits = bits << 16 | (uint64_t)(rand() & 0xffff);
		if (i % 4 == 0)
			bits = (uint64_t)rand() * (uint64_t)rand(); /* small integers as bits */
		memcpy(&v, &bits, sizeof(v));
		if (i % 4 == 1)
			v = (double)(int64_t)(bits >> (bits & 63)) * ((bits & 1) ? -1 : 1);
		len = prom_format_value(buf, v);
		assert_true(len < PROM_VALUE_MAX);
		assert_int_equal(len, strlen(buf));
		if (isnan(v))
			continue;
		assert_true(strtod(buf, NULL) == v);
		if (fabs(v) <= 0x1p53 && v == (double)(int64_t)v)
			assert_null(strpbrk(buf, ".e"));
	}
}

static char *labels_of(const char *const *kv, size_t nr)
{
	struct strbuf sb = STRBUF_INIT;

	for (size_t i = 0; i + 1 < nr; i += 2)
		assert_int_equal(prom_labels_add(&sb, kv[i], kv[i + 1]), 0);
	return strbuf_detach(&sb, NULL);
}

static void test_labels(void **state)
{
	const char *plain[] = { "state", "time_wait", "port", "443" };
	const char *quote[] = { "comm", "say \"hi\"\\now" };
	const char *ctrl[] = { "comm", "a\nb\tc\x1b[2J" };
	const char *bad_utf8[] = { "comm", "x\xff\xc3" };
	const char *utf8[] = { "comm", "Привет 日本語" };
	const char *empty[] = { "addr", "" };
	char *got;

	(void)state;
	got = labels_of(plain, 4);
	assert_string_equal(got, "state=\"time_wait\",port=\"443\"");
	free(got);
	got = labels_of(quote, 2);
	assert_string_equal(got, "comm=\"say \\\"hi\\\"\\\\now\"");
	free(got);
	/* Controls take the display-safe form \xHH, whose backslash the format escapes. */
	got = labels_of(ctrl, 2);
	assert_string_equal(got, "comm=\"a\\\\x0ab\\\\x09c\\\\x1b[2J\"");
	free(got);
	got = labels_of(bad_utf8, 2);
	assert_string_equal(got, "comm=\"x\\\\xff\\\\xc3\"");
	free(got);
	got = labels_of(utf8, 2);
	assert_string_equal(got, "comm=\"Привет 日本語\"");
	free(got);
	got = labels_of(empty, 2);
	assert_string_equal(got, "addr=\"\"");
	free(got);
}

static void test_label_keys(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	assert_int_equal(prom_labels_add(&sb, "9x", "v"), -EINVAL);
	assert_int_equal(prom_labels_add(&sb, "__name__", "v"), -EINVAL);
	assert_int_equal(prom_labels_add(&sb, "a:b", "v"), -EINVAL);
	assert_int_equal(prom_labels_add(&sb, "", "v"), -EINVAL);
	assert_int_equal(prom_labels_add(&sb, NULL, "v"), -EINVAL);
	assert_int_equal(sb.len, 0);
	assert_int_equal(prom_labels_add(&sb, "_ok9", NULL), 0);
	assert_string_equal(sb.buf, "_ok9=\"\"");
	strbuf_release(&sb);
}

/* Cuts s at the first '|', trims spaces and backticks; returns the next cell. */
static char *cell(char *s, char **out)
{
	char *bar = strchr(s, '|'), *end;

	if (!bar)
		return NULL;
	*bar = '\0';
	while (*s == ' ' || *s == '`')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '`'))
		*--end = '\0';
	*out = s;
	return bar + 1;
}

/* Removes "`" and " " from a labels cell: "`port`, `state`" -> "port,state". */
static void squeeze(char *s)
{
	char *w = s;

	for (; *s; s++)
		if (*s != '`' && *s != ' ')
			*w++ = *s;
	*w = '\0';
}

/* Every row of docs/METRICS.md's family table is in model/metric.c's table, identical, and back. */
static void test_families_match_docs(void **state)
{
	struct strbuf doc = STRBUF_INIT;
	bool *seen = xcalloc(MF_MAX, sizeof(*seen));
	char *line, *save;
	size_t rows = 0;

	(void)state;
	assert_int_equal(strbuf_read_file(&doc, "../../docs/METRICS.md", 0), 0);
	for (line = strtok_r(doc.buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *name, *type, *labels, *help, *rest = line + 1;
		const struct metric_family *f;

		if (strncmp(line, "| `connmon_", 11))
			continue;
		rest = cell(rest, &name);
		rest = rest ? cell(rest, &type) : NULL;
		rest = rest ? cell(rest, &labels) : NULL;
		rest = rest ? cell(rest, &help) : NULL;
		assert_non_null(rest);
		squeeze(labels);
		f = metric_family_find(name);
		if (!f)
			fail_msg("docs/METRICS.md lists %s, model/metric.c does not", name);
		assert_string_equal(type, f->kind == METRIC_COUNTER ? "counter" : "gauge");
		assert_string_equal(labels, f->label_keys);
		assert_string_equal(help, f->help);
		seen[f - metric_families] = true;
		rows++;
	}
	for (size_t i = 0; i < MF_MAX; i++)
		if (!seen[i])
			fail_msg("%s is not in docs/METRICS.md's table", metric_families[i].name);
	assert_int_equal(rows, MF_MAX);
	free(seen);
	strbuf_release(&doc);
}

/* Names are valid, counters and only counters end in _total, label keys are label names. */
static void test_families_well_formed(void **state)
{
	(void)state;
	for (size_t i = 0; i < MF_MAX; i++) {
		const struct metric_family *f = &metric_families[i];
		size_t len = strlen(f->name);
		bool total = len > 6 && !strcmp(f->name + len - 6, "_total");
		struct strbuf sb = STRBUF_INIT;
		char *keys = xstrdup(f->label_keys), *key, *save;

		assert_true(prom_name_is_valid(f->name));
		assert_int_equal(total, f->kind == METRIC_COUNTER);
		assert_ptr_equal(metric_family_find(f->name), f);
		for (key = strtok_r(keys, ",", &save); key; key = strtok_r(NULL, ",", &save))
			assert_int_equal(prom_labels_add(&sb, key, "x"), 0);
		assert_true(sb.len > 0 || !f->label_keys[0]);
		strbuf_release(&sb);
		free(keys);
	}
	assert_null(metric_family_find("connmon_nope"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_one_family),
		cmocka_unit_test(test_help_escaping),
		cmocka_unit_test(test_interleaved),
		cmocka_unit_test(test_invalid_names_left_out),
		cmocka_unit_test(test_random_grouping),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_values_round_trip),
		cmocka_unit_test(test_labels),
		cmocka_unit_test(test_label_keys),
		cmocka_unit_test(test_families_match_docs),
		cmocka_unit_test(test_families_well_formed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
