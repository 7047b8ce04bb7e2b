// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * store_respond.c: the block, offender and audit tables through a writer,
 * an admin beside the writer's lock, a reader, and the upgrade of a
 * version-1 file by an admin.
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

/* cmocka needs these first. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
// clang-format on

#include "store/store.h"

struct tmp {
	char dir[64], db[96];
};

static void tmp_make(struct tmp *t)
{
	snprintf(t->dir, sizeof(t->dir), "/tmp/connmon-srsp-XXXXXX");
	assert_non_null(mkdtemp(t->dir));
	snprintf(t->db, sizeof(t->db), "%s/h.db", t->dir);
}

static void tmp_remove(struct tmp *t)
{
	static const char *const suffix[] = { "", "-wal", "-shm", ".lock" };
	char p[128];

	for (size_t i = 0; i < 4; i++) {
		snprintf(p, sizeof(p), "%s%s", t->db, suffix[i]);
		unlink(p);
	}
	rmdir(t->dir);
}

static struct store *open_mode(const char *path, enum store_mode mode)
{
	struct strbuf err = STRBUF_INIT;
	struct store *st = NULL;
	int ret = store_open(&st, path, mode, NULL, &err);

	if (ret)
		fail_msg("store_open(%s, %d): %d %s", path, mode, ret, err.buf);
	strbuf_release(&err);
	return st;
}

static struct store_block block(const char *addr, int64_t created, int64_t expires)
{
	struct store_block b = { .created_ms = created, .expires_ms = expires };

	snprintf(b.addr, sizeof(b.addr), "%s", addr);
	snprintf(b.rule, sizeof(b.rule), "port_scan");
	snprintf(b.reason, sizeof(b.reason), "20 ports in 10 s");
	snprintf(b.origin, sizeof(b.origin), "agent");
	return b;
}

static void test_blocks(void **state)
{
	struct tmp t;
	struct store *w, *admin, *rd;
	struct store_block b[3] = { block("10.0.0.1", 1000, 0), block("10.0.0.2", 1000, 5000),
				    block("2001:db8::1", 1000, 9000) };
	const char *gone[] = { "10.0.0.1", "192.0.2.1" };
	struct store_block *out;
	size_t nr, removed;

	(void)state;
	tmp_make(&t);
	w = open_mode(t.db, STORE_WRITE);
	/* the CLI's admin opens beside the writer's lock, which a second writer cannot */
	admin = open_mode(t.db, STORE_ADMIN);
	assert_int_equal(store_open(&rd, t.db, STORE_WRITE, NULL, NULL), -EBUSY);
	assert_int_equal(store_block_put(admin, b, 3, NULL), 0);
	assert_int_equal(store_block_list(w, 6000, &out, &nr, NULL), 0);
	assert_int_equal(nr, 2); /* 10.0.0.2 expired at 5000 */
	assert_string_equal(out[0].addr, "10.0.0.1");
	assert_int_equal(out[0].expires_ms, 0);
	assert_string_equal(out[1].addr, "2001:db8::1");
	assert_string_equal(out[1].reason, "20 ports in 10 s");
	free(out);
	assert_int_equal(store_block_list(w, INT64_MIN, &out, &nr, NULL), 0);
	assert_int_equal(nr, 3);
	free(out);
	assert_int_equal(store_block_count(w, 1000, &nr, NULL), 0);
	assert_int_equal(nr, 3);
	/* a new block of the same address replaces the row */
	b[1].expires_ms = 20000;
	assert_int_equal(store_block_put(w, &b[1], 1, NULL), 0);
	assert_int_equal(store_block_count(admin, 10000, &nr, NULL), 0);
	assert_int_equal(nr, 2);
	assert_int_equal(store_block_remove(admin, gone, 2, false, &removed, NULL), 0);
	assert_int_equal(removed, 1);
	assert_int_equal(store_block_purge(admin, 10000, &removed, NULL), 0);
	assert_int_equal(removed, 1); /* 2001:db8::1 expired at 9000 */
	rd = open_mode(t.db, STORE_READ);
	assert_int_equal(store_block_put(rd, b, 1, NULL), -EROFS);
	assert_int_equal(store_block_list(rd, 10000, &out, &nr, NULL), 0);
	assert_int_equal(nr, 1);
	assert_string_equal(out[0].addr, "10.0.0.2");
	free(out);
	assert_int_equal(store_block_remove(admin, NULL, 0, true, &removed, NULL), 0);
	assert_int_equal(removed, 1);
	store_close(rd, NULL);
	store_close(admin, NULL);
	assert_int_equal(store_close(w, NULL), 0);
	tmp_remove(&t);
}

static void test_offender_audit(void **state)
{
	struct tmp t;
	struct store *w;
	struct store_audit a[3] = { 0 }, *out;
	uint32_t bans;
	int64_t last;
	size_t nr;

	(void)state;
	tmp_make(&t);
	w = open_mode(t.db, STORE_WRITE);
	assert_int_equal(store_offender_get(w, "10.0.0.9", &bans, &last, NULL), 0);
	assert_int_equal(bans, 0);
	assert_int_equal(store_offender_put(w, "10.0.0.9", 2, 777, NULL), 0);
	assert_int_equal(store_offender_get(w, "10.0.0.9", &bans, &last, NULL), 0);
	assert_int_equal(bans, 2);
	assert_int_equal(last, 777);
	for (int i = 0; i < 3; i++) {
		a[i].time_ms = 100 * (i + 1);
		snprintf(a[i].action, sizeof(a[i].action), "block");
		snprintf(a[i].target, sizeof(a[i].target), "10.0.0.%d", i);
		snprintf(a[i].mode, sizeof(a[i].mode), "on");
		snprintf(a[i].result, sizeof(a[i].result), "done");
	}
	assert_int_equal(store_audit_add(w, a, 3, NULL), 0);
	assert_int_equal(store_audit_list(w, 150, 10, &out, &nr, NULL), 0);
	assert_int_equal(nr, 2);
	assert_string_equal(out[0].target, "10.0.0.1");
	assert_true(out[0].id < out[1].id);
	free(out);
	assert_int_equal(store_audit_list(w, 0, 1, &out, &nr, NULL), 0);
	assert_int_equal(nr, 1);
	assert_string_equal(out[0].target, "10.0.0.2"); /* the newest */
	free(out);
	store_close(w, NULL);
	tmp_remove(&t);
}

/* A version-1 file: the v2 tables dropped, the version set back. */
static void make_v1(const char *path)
{
	struct store *w = open_mode(path, STORE_WRITE);
	sqlite3 *db;

	store_close(w, NULL);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(
		sqlite3_exec(db,
			     "DROP TABLE alert_event; DROP TABLE block; DROP TABLE offender;"
			     " DROP TABLE audit; DROP TABLE listener;"
			     " UPDATE meta SET value = '1' WHERE key = 'schema_version'",
			     NULL, NULL, NULL),
		SQLITE_OK);
	sqlite3_close(db);
}

static void test_admin_upgrades_v1(void **state)
{
	struct tmp t;
	struct store *st;
	struct store_block b = block("10.0.0.1", 1, 0);
	size_t nr;

	(void)state;
	tmp_make(&t);
	make_v1(t.db);
	st = open_mode(t.db, STORE_READ);
	assert_int_equal(store_version(st), 1);
	assert_int_equal(store_block_count(st, 0, &nr, NULL), -ENOENT);
	store_close(st, NULL);
	st = open_mode(t.db, STORE_ADMIN);
	assert_int_equal(store_version(st), 2);
	assert_int_equal(store_block_put(st, &b, 1, NULL), 0);
	store_close(st, NULL);
	tmp_remove(&t);
	/* a missing file: the admin creates it */
	tmp_make(&t);
	st = open_mode(t.db, STORE_ADMIN);
	assert_int_equal(store_block_put(st, &b, 1, NULL), 0);
	store_close(st, NULL);
	st = open_mode(t.db, STORE_WRITE);
	assert_int_equal(store_block_count(st, 0, &nr, NULL), 0);
	assert_int_equal(nr, 1);
	store_close(st, NULL);
	tmp_remove(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blocks),
		cmocka_unit_test(test_offender_audit),
		cmocka_unit_test(test_admin_upgrades_v1),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
