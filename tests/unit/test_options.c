// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cli/options.h"

static int parse(struct sock_opts *o, struct strbuf *err, const char *const *words)
{
	char *argv[32];
	int argc = 0;

	for (; words[argc]; argc++)
		argv[argc] = (char *)(uintptr_t)words[argc];
	argv[argc] = NULL;
	sock_opts_init(o);
	strbuf_reset(err);
	return sock_opts_parse(o, argc, argv, err);
}

static void test_ss_flags(void **state)
{
	struct strbuf err = STRBUF_INIT;
	struct sock_opts o;

	(void)state;
	assert_int_equal(parse(&o, &err, (const char *const[]){ "sockets", "-tanp", NULL }), 0);
	assert_int_equal(o.protos, PROTO_BIT(PROTO_TCP));
	assert_true(o.all && o.numeric && o.processes);
	assert_int_equal(o.states, SOCK_STATES_ALL);
	assert_true(o.want_v4 && o.want_v6);
	sock_opts_release(&o);

	/* default: connected states only, every protocol */
	assert_int_equal(parse(&o, &err, (const char *const[]){ "sockets", NULL }), 0);
	assert_int_equal(o.protos, (1u << PROTO_MAX) - 1);
	assert_false(o.states & SOCK_STATE_BIT(SOCK_ST_LISTEN));
	assert_false(o.states & SOCK_STATE_BIT(SOCK_ST_TIME_WAIT));
	assert_true(o.states & SOCK_STATE_BIT(SOCK_ST_ESTABLISHED));
	sock_opts_release(&o);

	assert_int_equal(parse(&o, &err, (const char *const[]){ "sockets", "-l4", "-u", NULL }), 0);
	assert_int_equal(o.states, SOCK_STATE_BIT(SOCK_ST_LISTEN) | SOCK_STATE_BIT(SOCK_ST_CLOSE));
	assert_true(o.want_v4);
	assert_false(o.want_v6);
	assert_int_equal(o.protos, PROTO_BIT(PROTO_UDP));
	sock_opts_release(&o);
	strbuf_release(&err);
}

static void test_watch_vs_raw(void **state)
{
	struct strbuf err = STRBUF_INIT;
	struct sock_opts o;

	(void)state;
	assert_int_equal(parse(&o, &err, (const char *const[]){ "sockets", "-w", NULL }), 0);
	assert_int_equal(o.protos, PROTO_BIT(PROTO_RAW));
	assert_true(o.watch_sec == 0);
	sock_opts_release(&o);
	assert_int_equal(
		parse(&o, &err, (const char *const[]){ "sockets", "-ta", "-w", "2.5", NULL }), 0);
	assert_int_equal(o.protos, PROTO_BIT(PROTO_TCP));
	assert_true(o.watch_sec == 2.5);
	sock_opts_release(&o);
	assert_int_equal(
		parse(&o, &err,
		      (const char *const[]){ "sockets", "--watch=1", "--iterations", "3", NULL }),
		0);
	assert_true(o.watch_sec == 1);
	assert_int_equal(o.watch_count, 3);
	sock_opts_release(&o);
	strbuf_release(&err);
}

static void test_long_and_values(void **state)
{
	struct strbuf err = STRBUF_INIT;
	struct sock_opts o;

	(void)state;
	assert_int_equal(parse(&o, &err,
			       (const char *const[]){ "sockets", "--json", "--group-by", "raddr/24",
						      "--top=5", "-N", "ns1", NULL }),
			 0);
	assert_int_equal(o.format, OUT_JSON);
	assert_string_equal(o.group_by, "raddr/24");
	assert_int_equal(o.top, 5);
	assert_string_equal(o.netns, "ns1");
	sock_opts_release(&o);
	strbuf_release(&err);
}

static void test_errors(void **state)
{
	struct strbuf err = STRBUF_INIT;
	struct sock_opts o;

	(void)state;
	assert_int_equal(parse(&o, &err, (const char *const[]){ "sockets", "-Q", NULL }), -EINVAL);
	assert_non_null(strstr(err.buf, "'-Q'"));
	sock_opts_release(&o);
	assert_int_equal(parse(&o, &err, (const char *const[]){ "sockets", "--bogus", NULL }),
			 -EINVAL);
	assert_non_null(strstr(err.buf, "'--bogus'"));
	sock_opts_release(&o);
	assert_int_equal(parse(&o, &err, (const char *const[]){ "sockets", "--top", "0", NULL }),
			 -EINVAL);
	assert_non_null(strstr(err.buf, "'0'"));
	sock_opts_release(&o);
	assert_int_equal(parse(&o, &err, (const char *const[]){ "sockets", "-N", NULL }), -EINVAL);
	sock_opts_release(&o);
	assert_int_equal(parse(&o, &err, (const char *const[]){ "sockets", "--json=1", NULL }),
			 -EINVAL);
	sock_opts_release(&o);
	assert_int_equal(
		parse(&o, &err, (const char *const[]){ "sockets", "-F", "/nonexistent/f", NULL }),
		-EINVAL);
	assert_non_null(strstr(err.buf, "/nonexistent/f"));
	sock_opts_release(&o);
	strbuf_release(&err);
}

static void test_filter_words(void **state)
{
	struct strbuf err = STRBUF_INIT;
	struct sock_opts o;

	(void)state;
	assert_int_equal(parse(&o, &err,
			       (const char *const[]){ "sockets", "-t", "state", "established",
						      "dport", "=", ":22", "-n", NULL }),
			 0);
	assert_true(o.numeric);
	assert_string_equal(o.filter_text, "state established dport = :22");
	assert_int_equal(o.states, SOCK_STATE_BIT(SOCK_ST_ESTABLISHED));
	assert_true(o.filter.root >= 0);
	sock_opts_release(&o);
	assert_int_equal(parse(&o, &err,
			       (const char *const[]){ "sockets", "dport", "=", ":notaport", NULL }),
			 -EINVAL);
	/* the message quotes the filter and points at the bad token */
	assert_non_null(strstr(err.buf, "dport = :notaport"));
	assert_non_null(strstr(err.buf, "^"));
	sock_opts_release(&o);
	strbuf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ss_flags),	cmocka_unit_test(test_watch_vs_raw),
		cmocka_unit_test(test_long_and_values), cmocka_unit_test(test_errors),
		cmocka_unit_test(test_filter_words),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
