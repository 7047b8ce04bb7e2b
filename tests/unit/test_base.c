// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/outbuf.h"
#include "base/strbuf.h"
#include "base/u64map.h"
#include "base/units.h"

static void test_strbuf_basic(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	assert_string_equal(sb.buf, "");
	strbuf_addstr(&sb, "abc");
	strbuf_addf(&sb, "-%d-", 42);
	strbuf_addch(&sb, 'z');
	assert_string_equal(sb.buf, "abc-42-z");
	assert_int_equal(sb.len, 8);
	strbuf_reset(&sb);
	assert_string_equal(sb.buf, "");
	for (int i = 0; i < 1000; i++)
		strbuf_addf(&sb, "%04d", i);
	assert_int_equal(sb.len, 4000);
	assert_memory_equal(sb.buf + 3996, "0999", 4);
	strbuf_release(&sb);
}

static void test_strbuf_cap(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	sb.max_len = 5;
	strbuf_addstr(&sb, "abc");
	assert_false(sb.truncated);
	strbuf_addstr(&sb, "defgh");
	assert_true(sb.truncated);
	assert_string_equal(sb.buf, "abcde");
	strbuf_addf(&sb, "%s", "more");
	assert_string_equal(sb.buf, "abcde");
	strbuf_release(&sb);
}

static void test_fmt_u64(void **state)
{
	char buf[32];
	size_t n;

	(void)state;
	n = fmt_u64(buf, 0);
	assert_memory_equal(buf, "0", n);
	n = fmt_u64(buf, UINT64_MAX);
	buf[n] = '\0';
	assert_string_equal(buf, "18446744073709551615");
}

/* Renders through a pipe so the test sees exactly what write(2) got. */
static char *render(void (*fn)(struct outbuf *))
{
	static char got[65536];
	struct outbuf ob;
	int fds[2];
	ssize_t n;

	assert_int_equal(pipe(fds), 0);
	outbuf_init(&ob, fds[1], 16);
	fn(&ob);
	assert_int_equal(outbuf_flush(&ob), 0);
	outbuf_release(&ob);
	close(fds[1]);
	n = read(fds[0], got, sizeof(got) - 1);
	close(fds[0]);
	assert_true(n >= 0);
	got[n] = '\0';
	return got;
}

static void emit_json(struct outbuf *ob)
{
	const char s[] = "a\"b\\c\n\x01";

	outbuf_add_json_str(ob, s, sizeof(s) - 1);
	outbuf_addch(ob, '|');
	outbuf_add_csv_str(ob, "x,y\"", 4);
	outbuf_addch(ob, '|');
	outbuf_adds64(ob, -12);
	outbuf_pad(ob, 3, 6);
	outbuf_addch(ob, '|');
	for (int i = 0; i < 100; i++)
		outbuf_addstr(ob, "0123456789");
}

static void test_outbuf(void **state)
{
	char *got;

	(void)state;
	got = render(emit_json);
	/* JSON strings carry the display-safe form: \n and 0x01 as \x0a, \x01 */
	assert_int_equal(strncmp(got, "a\\\"b\\\\c\\\\x0a\\\\x01|\"x,y\"\"\"|-12   |", 33), 0);
	assert_int_equal(strlen(got), 33 + 1000);
}

static void test_outbuf_epipe(void **state)
{
	struct outbuf ob;
	int fds[2];

	(void)state;
	assert_int_equal(pipe(fds), 0);
	close(fds[0]);
	signal(SIGPIPE, SIG_IGN);
	outbuf_init(&ob, fds[1], 4096);
	outbuf_addstr(&ob, "lost");
	assert_int_equal(outbuf_flush(&ob), -EPIPE);
	outbuf_addstr(&ob, "still lost");
	assert_int_equal(outbuf_flush(&ob), -EPIPE);
	outbuf_release(&ob);
	close(fds[1]);
}

static void test_u64map(void **state)
{
	struct u64map m;
	bool ins;

	(void)state;
	u64map_init(&m);
	assert_null(u64map_get(&m, 7));
	for (uint64_t k = 0; k < 100000; k++)
		*u64map_upsert(&m, k * 3, &ins) = k + 1;
	assert_int_equal(m.nr, 100000);
	for (uint64_t k = 0; k < 100000; k++) {
		uint64_t *v = u64map_get(&m, k * 3);

		assert_non_null(v);
		assert_int_equal(*v, k + 1);
		assert_null(u64map_get(&m, k * 3 + 1));
	}
	*u64map_upsert(&m, 0, &ins) += 5;
	assert_false(ins);
	assert_int_equal(*u64map_get(&m, 0), 6);
	u64map_reset(&m);
	assert_null(u64map_get(&m, 3));
	assert_null(u64map_get(&m, 0));
	u64map_release(&m);
}

static void test_units_scale(void **state)
{
	double v = 999;

	(void)state;
	assert_int_equal(units_scale(&v, 1000, 4), 0);
	assert_true(v == 999);
	v = 1536;
	assert_int_equal(units_scale(&v, 1024, 4), 1);
	assert_true(v == 1.5);
	v = 2e15; /* beyond the last unit: stays in it */
	assert_int_equal(units_scale(&v, 1000, 3), 2);
	assert_true(v == 2e9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strbuf_basic), cmocka_unit_test(test_strbuf_cap),
		cmocka_unit_test(test_fmt_u64),	     cmocka_unit_test(test_outbuf),
		cmocka_unit_test(test_outbuf_epipe), cmocka_unit_test(test_u64map),
		cmocka_unit_test(test_units_scale),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
