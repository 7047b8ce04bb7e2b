// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * unknown_listener's inventory in the store: saved and loaded back across a
 * reopen (one port with two owners kept apart), a save replaces the whole
 * inventory, the learning start kept unless given; readers load but do not
 * save; bad rows refused with nothing changed; a version-1 file holds none.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

/* cmocka needs these first. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
// clang-format on

#include "store/store.h"
#include "store_test.h"

struct loaded {
	char text[512];
	size_t nr;
	int stop_after; /* 0: never */
};

static int collect(void *ctx, const struct store_listener *l)
{
	struct loaded *s = ctx;
	size_t len = strlen(s->text);

	snprintf(s->text + len, sizeof(s->text) - len, "%d/%d/%s/%lld-%lld;", l->proto, l->port,
		 l->comm, (long long)(l->first_ms - T0), (long long)(l->last_ms - T0));
	s->nr++;
	return s->stop_after && (int)s->nr == s->stop_after ? 7 : 0;
}

static int load(struct store *st, struct loaded *s, int64_t *learn)
{
	memset(s, 0, sizeof(*s));
	return store_listener_load(st, collect, s, learn, NULL);
}

static void test_round_trip(void **state)
{
	const struct store_listener v[] = {
		{ IPPROTO_TCP, 22, "sshd", T0 + 5, T0 + 90 },
		{ IPPROTO_TCP, 22, "", T0 + 1, T0 + 2 }, /* the owner was unknown once */
		{ IPPROTO_UDP, 53, "dnsmasq", T0 + 7, T0 + 8 },
	};
	struct strbuf err = STRBUF_INIT;
	struct loaded s;
	struct tdir d;
	struct store *st;
	int64_t learn;

	(void)state;
	tdir_make(&d);
	st = open_writer(d.db, NULL);
	assert_int_equal(load(st, &s, &learn), 0);
	assert_int_equal(s.nr, 0);
	assert_true(learn == INT64_MIN);
	assert_int_equal(store_listener_save(st, v, 3, T0 - HOUR, &err), 0);
	store_close(st, NULL);

	st = open_writer(d.db, NULL);
	assert_int_equal(load(st, &s, &learn), 0);
	assert_string_equal(s.text, "6/22//1-2;6/22/sshd/5-90;17/53/dnsmasq/7-8;");
	assert_true(learn == T0 - HOUR);
	/* fn's non-zero stops the load and is returned */
	memset(&s, 0, sizeof(s));
	s.stop_after = 2;
	assert_int_equal(store_listener_load(st, collect, &s, &learn, NULL), 7);
	assert_int_equal(s.nr, 2);
	/* a save replaces the inventory; INT64_MIN keeps the stored learning start */
	assert_int_equal(store_listener_save(st, &v[2], 1, INT64_MIN, &err), 0);
	assert_int_equal(load(st, &s, &learn), 0);
	assert_string_equal(s.text, "17/53/dnsmasq/7-8;");
	assert_true(learn == T0 - HOUR);
	store_close(st, NULL);

	/* a reader loads too */
	st = open_reader(d.db);
	assert_int_equal(load(st, &s, &learn), 0);
	assert_int_equal(s.nr, 1);
	assert_true(learn == T0 - HOUR);
	store_close(st, NULL);
	strbuf_release(&err);
	tdir_remove(&d);
}

static void test_refused(void **state)
{
	const struct store_listener good = { IPPROTO_TCP, 80, "nginx", T0, T0 };
	const struct store_listener bad[] = {
		{ IPPROTO_TCP, 443, "nginx", T0, T0 },
		{ IPPROTO_ICMP, 1, "ping", T0, T0 },
	};
	const struct store_listener bad_port = { IPPROTO_UDP, 70000, "x", T0, T0 };
	struct strbuf err = STRBUF_INIT;
	struct loaded s;
	struct tdir d;
	struct store *st;
	int64_t learn;

	(void)state;
	tdir_make(&d);
	st = open_writer(d.db, NULL);
	assert_int_equal(store_listener_save(st, &good, 1, T0, &err), 0);
	assert_int_equal(store_listener_save(st, bad, 2, T0 + 1, &err), -EINVAL);
	assert_non_null(strstr(err.buf, "not a TCP or UDP port"));
	assert_int_equal(store_listener_save(st, &bad_port, 1, T0 + 1, NULL), -EINVAL);
	assert_int_equal(load(st, &s, &learn), 0);
	assert_string_equal(s.text, "6/80/nginx/0-0;");
	assert_true(learn == T0);
	store_close(st, NULL);
	/* a row stored out of range (another writer, a hand edit) is skipped */
	sql_int(d.db, "INSERT INTO listener VALUES (1, 7, 'x', 0, 0)");
	st = open_reader(d.db);
	strbuf_reset(&err);
	assert_int_equal(store_listener_save(st, &good, 1, T0, &err), -EROFS);
	assert_int_equal(load(st, &s, &learn), 0);
	assert_int_equal(s.nr, 1);
	store_close(st, NULL);
	strbuf_release(&err);
	tdir_remove(&d);
}

/* A version-1 file has no listener table: nothing to load. */
static void test_version1(void **state)
{
	struct loaded s;
	struct tdir d;
	struct store *st;
	int64_t learn = 0;

	(void)state;
	tdir_make(&d);
	store_close(open_writer(d.db, NULL), NULL);
	sql_int(d.db, "DROP TABLE listener");
	sql_int(d.db, "UPDATE meta SET value = '1' WHERE key = 'schema_version'");
	st = open_reader(d.db);
	assert_int_equal(load(st, &s, &learn), 0);
	assert_int_equal(s.nr, 0);
	assert_true(learn == INT64_MIN);
	store_close(st, NULL);
	tdir_remove(&d);
}

const struct CMUnitTest store_listener_tests[] = {
	cmocka_unit_test(test_round_trip),
	cmocka_unit_test(test_refused),
	cmocka_unit_test(test_version1),
};
const size_t nr_store_listener_tests =
	sizeof(store_listener_tests) / sizeof(store_listener_tests[0]);
