// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Series selectors of `connmon baseline`: what parses and into what, each
 * error's column and reason, matching against stored labels strings (order,
 * escapes, subsets, longer values), and the edit distance of "did you mean".
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

/* cmocka needs these first. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
// clang-format on

#include "cli/series_sel.h"

static void test_parse_forms(void **state)
{
	struct series_sel s;

	(void)state;
	assert_int_equal(series_sel_parse(&s, "connmon_tcp_sockets", NULL), 0);
	assert_string_equal(s.name, "connmon_tcp_sockets");
	assert_int_equal(s.nr_match, 0);
	series_sel_release(&s);

	assert_int_equal(series_sel_parse(&s, "m{}", NULL), 0);
	assert_int_equal(s.nr_match, 0);
	series_sel_release(&s);

	assert_int_equal(series_sel_parse(&s, "a:b_1{ port = \"443\" , state=\"x\", }", NULL), 0);
	assert_string_equal(s.name, "a:b_1");
	assert_int_equal(s.nr_match, 2);
	assert_string_equal(s.match[0].key, "port");
	assert_string_equal(s.match[0].value, "443");
	assert_string_equal(s.match[1].key, "state");
	assert_string_equal(s.match[1].value, "x");
	series_sel_release(&s);

	assert_int_equal(series_sel_parse(&s, "m{comm=\"a\\\\b\\\"c\\nd\",x=\"\"}", NULL), 0);
	/* \n stands for the newline as stored labels hold it: display-safe \x0a. */
	assert_string_equal(s.match[0].value, "a\\b\"c\\x0ad");
	assert_string_equal(s.match[1].value, "");
	series_sel_release(&s);
}

static void expect_error(const char *text, const char *column, const char *reason)
{
	struct strbuf err = STRBUF_INIT;
	struct series_sel s;

	assert_int_equal(series_sel_parse(&s, text, &err), -EINVAL);
	assert_null(s.name);
	assert_int_equal(s.nr_match, 0);
	if (!strstr(err.buf, column) || !strstr(err.buf, reason))
		fail_msg("'%s' gave '%s', wanted '%s' and '%s'", text, err.buf, column, reason);
	strbuf_release(&err);
}

static void test_errors(void **state)
{
	char big[SERIES_SEL_MAX_LEN + 2];

	(void)state;
	expect_error("", "column 1", "metric name starts");
	expect_error("1abc", "column 1", "metric name starts");
	expect_error("m{state=established}", "column 9", "double-quoted");
	expect_error("m{state=\"x}", "column 12", "no closing");
	expect_error("m{9=\"x\"}", "column 3", "label name starts");
	expect_error("m{state}", "column 8", "expected '='");
	expect_error("m{a=\"1\" b=\"2\"}", "column 9", "expected ',' or '}'");
	expect_error("m{a=\"1\",a=\"2\"}", "column 10", "given twice");
	expect_error("m{a=\"\\t\"}", "column 7", "unknown escape");
	expect_error("m{a=\"x\ty\"}", "column 7", "control character");
	expect_error("m{a=\"1\"}x", "column 9", "unexpected text");
	expect_error("m x", "column 2", "unexpected text");
	expect_error("m{a=\"1\",b=\"1\",c=\"1\",d=\"1\",e=\"1\",f=\"1\",g=\"1\",h=\"1\",i=\"1\"}",
		     "column 51", "at most 8");
	/* The selector is shown display-safe. */
	expect_error("m\x1b[2J", "'m\\x1b[2J'", "column 2");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	expect_error(big, "bad series", "longer than 1024");
	big[SERIES_SEL_MAX_LEN] = '\0';
	struct series_sel s;
	assert_int_equal(series_sel_parse(&s, big, NULL), 0);
	series_sel_release(&s);
}

static bool sel_matches(const char *sel, const char *name, const char *labels)
{
	struct series_sel s;
	bool m;

	assert_int_equal(series_sel_parse(&s, sel, NULL), 0);
	m = series_sel_matches(&s, name, labels);
	series_sel_release(&s);
	return m;
}

static void test_matching(void **state)
{
	const char *pl = "port=\"443\",state=\"time_wait\"";

	(void)state;
	assert_true(sel_matches("connmon_x", "connmon_x", ""));
	assert_true(sel_matches("connmon_x", "connmon_x", pl));
	assert_false(sel_matches("connmon_x", "connmon_xy", ""));
	assert_false(sel_matches("connmon_xy", "connmon_x", ""));
	/* Order does not matter; a subset selects; every matcher must hold. */
	assert_true(sel_matches("m{state=\"time_wait\",port=\"443\"}", "m", pl));
	assert_true(sel_matches("m{state=\"time_wait\"}", "m", pl));
	assert_false(sel_matches("m{state=\"time_wait\",port=\"80\"}", "m", pl));
	assert_false(sel_matches("m{state=\"time_wai\"}", "m", pl));
	assert_false(sel_matches("m{state=\"time_wait2\"}", "m", pl));
	assert_false(sel_matches("m{stat=\"time_wait\"}", "m", pl));
	assert_false(sel_matches("m{iface=\"eth0\"}", "m", ""));
	/* The empty value matches only a present, empty label here (exact equality). */
	assert_true(sel_matches("m{pid=\"\"}", "m", "pid=\"\",comm=\"other\""));
	/* Escapes compare unescaped. */
	assert_true(sel_matches("m{comm=\"a\\\"b\\\\c\"}", "m", "comm=\"a\\\"b\\\\c\""));
	assert_false(sel_matches("m{comm=\"a\\\"b\"}", "m", "comm=\"a\\\"b\\\\c\""));
}

static void test_distance(void **state)
{
	(void)state;
	assert_int_equal(series_sel_distance("", "", 10), 0);
	assert_int_equal(series_sel_distance("abc", "", 10), 3);
	assert_int_equal(series_sel_distance("", "abc", 10), 3);
	assert_int_equal(series_sel_distance("kitten", "sitting", 10), 3);
	assert_int_equal(series_sel_distance("connmon_tcp_socket", "connmon_tcp_sockets", 10), 1);
	assert_int_equal(series_sel_distance("abcdef", "badcfe", 10), 4);
	assert_int_equal(series_sel_distance("aaaaaaaa", "bbbbbbbb", 3), 3);
	assert_int_equal(series_sel_distance("flaw", "lawn", 2), 2);
	assert_int_equal(series_sel_distance("flaw", "lawn", 3), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_forms),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_matching),
		cmocka_unit_test(test_distance),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
