// SPDX-License-Identifier: GPL-2.0-or-later
/* --since/--until times, with TZ fixed so local forms are checkable. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* clang-format off: cmocka.h needs the headers above */
#include <cmocka.h>
/* clang-format on */

#include "cli/timespec.h"

/* 2026-11-29 16:27:07 UTC = 17:27:07 in Berlin (CET, +01:00). */
static const int64_t now = 1795969627000LL;

static int64_t parse_ok(const char *text)
{
	struct strbuf err = STRBUF_INIT;
	int64_t t = 0;

	assert_int_equal(timespec_parse("--since", text, now, &t, &err), 0);
	assert_int_equal(err.len, 0);
	strbuf_release(&err);
	return t;
}

static void parse_bad(const char *text)
{
	struct strbuf err = STRBUF_INIT;
	int64_t t;

	assert_int_equal(timespec_parse("--until", text, now, &t, &err), -22);
	assert_non_null(strstr(err.buf, "--until"));
	assert_non_null(strstr(err.buf, text));
	strbuf_release(&err);
}

static void test_forms(void **state)
{
	(void)state;
	/* The EU rule as POSIX TZ text: no tzdata needed (a fresh machine has none). */
	setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3", 1);
	tzset();
	assert_int_equal(parse_ok("now"), now);
	assert_int_equal(parse_ok("-15m"), now - 15 * 60000);
	assert_int_equal(parse_ok("-2h"), now - 2 * 3600000);
	assert_int_equal(parse_ok("-1.5h"), now - 5400000);
	assert_int_equal(parse_ok("-7d"), now - 7 * 86400000LL);
	assert_int_equal(parse_ok("-1w"), now - 7 * 86400000LL);
	assert_int_equal(parse_ok("-30s"), now - 30000);
	/* Local midnight of 2026-11-29 in Berlin is 23:00 UTC the day before. */
	assert_int_equal(parse_ok("today"), 1795906800000LL);
	assert_int_equal(parse_ok("yesterday"), 1795906800000LL - 86400000);
	assert_int_equal(parse_ok("14:05"), 1795906800000LL + (14 * 3600 + 5 * 60) * 1000LL);
	assert_int_equal(parse_ok("14:05:07"), 1795906800000LL + (14 * 3600 + 5 * 60 + 7) * 1000LL);
	assert_int_equal(parse_ok("2026-11-29"), 1795906800000LL);
	assert_int_equal(parse_ok("2026-11-29T16:27:07Z"), now);
	assert_int_equal(parse_ok("2026-11-29 17:27:07"), now);
	assert_int_equal(parse_ok("2026-11-29T17:27:07+01:00"), now);
	assert_int_equal(parse_ok("2026-11-29T21:57:07+0530"), now);
	assert_int_equal(parse_ok("@1795969627"), now);
	/* Summer time: 2026-07-01 12:00 in Berlin is 10:00 UTC. */
	assert_int_equal(parse_ok("2026-07-01T12:00"), 1782900000000LL);
}

static void test_bad(void **state)
{
	(void)state;
	parse_bad("");
	parse_bad("tomorrow");
	parse_bad("-15");
	parse_bad("-15x");
	parse_bad("-m");
	parse_bad("25:00");
	parse_bad("14:61");
	parse_bad("14:05:07junk");
	parse_bad("2026-13-01");
	parse_bad("2026-11-29T14");
	parse_bad("2026-11-29T14:05+25:00");
	parse_bad("2026-11-29T14:05Zjunk");
	parse_bad("@");
	parse_bad("@-5");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
