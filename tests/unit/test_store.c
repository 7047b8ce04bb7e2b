// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The store: opening (schema, reopen, newer versions, corrupt and foreign
 * files, missing and read-only directories, a second writer), labels
 * strings, rollup chunks.  The data tests are in test_store_data.c.
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

/* cmocka needs these first. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
// clang-format on

#include "base/xalloc.h"
#include "store/store_int.h"
#include "store_test.h"

void tdir_make(struct tdir *d)
{
	snprintf(d->dir, sizeof(d->dir), "/tmp/connmon-store-XXXXXX");
	assert_non_null(mkdtemp(d->dir));
	snprintf(d->db, sizeof(d->db), "%s/history.db", d->dir);
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void tdir_remove(struct tdir *d)
{
	chmod(d->dir, 0700);
	nftw(d->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

struct store *open_writer(const char *path, const struct store_options *o)
{
	struct strbuf err = STRBUF_INIT;
	struct store *st;
	int ret = store_open(&st, path, STORE_WRITE, o, &err);

	if (ret)
		fail_msg("store_open(%s): %d %s", path, ret, err.buf);
	strbuf_release(&err);
	return st;
}

struct store *open_reader(const char *path)
{
	struct strbuf err = STRBUF_INIT;
	struct store *st;
	int ret = store_open(&st, path, STORE_READ, NULL, &err);

	if (ret)
		fail_msg("store_open(%s, read): %d %s", path, ret, err.buf);
	strbuf_release(&err);
	return st;
}

int64_t series_id(struct store *st, const char *name, const char *labels, enum store_kind kind)
{
	int64_t id = -1;

	assert_int_equal(store_series(st, name, labels, kind, &id), 0);
	return id;
}

long long sql_int(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	long long v = -1;

	assert_int_equal(
		sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL),
		SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

const struct store_result_series *query_one(struct store *st, struct store_result *res,
					    const char *name, int64_t since, int64_t until,
					    int64_t step, int tier)
{
	struct strbuf err = STRBUF_INIT;
	struct store_query q = {
		.name = name, .since_ms = since, .until_ms = until, .step_ms = step, .tier = tier
	};
	int ret = store_query(st, &q, res, &err);

	if (ret)
		fail_msg("store_query: %d %s", ret, err.buf);
	strbuf_release(&err);
	assert_int_equal(res->nr_series, 1);
	return &res->series[0];
}

/* A file's bytes, to check that a refused file was left untouched. */
static char *slurp(const char *path, size_t *len)
{
	struct strbuf sb = STRBUF_INIT;

	assert_int_equal(strbuf_read_file(&sb, path, 0), 0);
	return strbuf_detach(&sb, len);
}

static void test_schema(void **state)
{
	struct tdir d;
	struct store *st;

	(void)state;
	tdir_make(&d);
	st = open_writer(d.db, NULL);
	assert_true(store_is_writer(st));
	series_id(st, "connmon_tcp_sockets", "state=\"listen\"", STORE_GAUGE);
	assert_int_equal(store_add(st, 1, T0, 3), 0);
	assert_int_equal(store_close(st, NULL), 0);
	assert_int_equal(sql_int(d.db, "SELECT value FROM meta WHERE key = 'schema_version'"),
			 STORE_SCHEMA_VERSION);
	assert_int_equal(sql_int(d.db, "PRAGMA auto_vacuum"), 2); /* incremental */
	assert_int_equal(sql_int(d.db, "SELECT count(*) FROM series"), 1);
	assert_int_equal(sql_int(d.db, "SELECT count(*) FROM chunk WHERE tier = 0"), 1);
	/* The WAL mode is a property of the file. */
	st = open_reader(d.db);
	assert_int_equal(store_close(st, NULL), 0);
	tdir_remove(&d);
}

static void test_reopen(void **state)
{
	struct store_result res;
	const struct store_result_series *r;
	struct tdir d;
	struct store *st;
	int64_t id;

	(void)state;
	tdir_make(&d);
	for (int run = 0; run < 3; run++) {
		st = open_writer(d.db, NULL);
		id = series_id(st, "connmon_sockets", "proto=\"tcp\",family=\"ipv4\"", STORE_GAUGE);
		assert_int_equal(id, 1); /* persistent */
		for (int i = 0; i < 100; i++)
			assert_int_equal(
				store_add(st, id, T0 + (run * 100 + i) * SEC, run * 100 + i), 0);
		/* Not after the last one, even across a restart. */
		assert_int_equal(store_add(st, id, T0 + (run * 100) * SEC, 0), -EINVAL);
		assert_int_equal(store_close(st, NULL), 0);
	}
	st = open_reader(d.db);
	r = query_one(st, &res, "connmon_sockets", T0, T0 + DAY, 0, STORE_TIER_TICK);
	assert_int_equal(r->nr_points, 300);
	for (size_t i = 0; i < r->nr_points; i++) {
		assert_int_equal(r->points[i].t_ms, T0 + (int64_t)i * SEC);
		assert_true(r->points[i].last == (double)i);
	}
	store_result_release(&res);
	/* One tick chunk: the restarts appended to the open one. */
	assert_int_equal(sql_int(d.db, "SELECT count(*) FROM chunk WHERE tier = 0"), 1);
	store_close(st, NULL);
	tdir_remove(&d);
}

static void expect_refused(const char *path, enum store_mode mode, int want, const char *words)
{
	struct strbuf err = STRBUF_INIT;
	struct store *st = NULL;
	size_t len0, len1;
	char *before = slurp(path, &len0), *after;

	assert_int_equal(store_open(&st, path, mode, NULL, &err), want);
	assert_null(st);
	if (!strstr(err.buf, path) || !strstr(err.buf, words))
		fail_msg("message '%s' lacks '%s' or '%s'", err.buf, path, words);
	after = slurp(path, &len1);
	assert_int_equal(len0, len1);
	assert_memory_equal(before, after, len0);
	free(before);
	free(after);
	strbuf_release(&err);
}

static void test_newer_version(void **state)
{
	struct tdir d;

	(void)state;
	tdir_make(&d);
	store_close(open_writer(d.db, NULL), NULL);
	sql_int(d.db, "UPDATE meta SET value = '99' WHERE key = 'schema_version'");
	expect_refused(d.db, STORE_WRITE, -EPROTONOSUPPORT, "newer connmon");
	expect_refused(d.db, STORE_READ, -EPROTONOSUPPORT, "newer connmon");
	tdir_remove(&d);
}

static void write_file(const char *path, const void *data, size_t len, off_t at)
{
	int fd = open(path, O_WRONLY | O_CREAT, 0644);

	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, data, len, at), (ssize_t)len);
	close(fd);
}

static void test_corrupt(void **state)
{
	static const char text[] = "not a database, but an operator's notes\n";
	char junk[4096];
	struct store *st;
	struct tdir d;
	int64_t id;

	(void)state;
	tdir_make(&d);
	write_file(d.db, text, sizeof(text), 0);
	expect_refused(d.db, STORE_WRITE, -EPROTO, "not an SQLite database");
	expect_refused(d.db, STORE_READ, -EPROTO, "not an SQLite database");
	unlink(d.db);

	/* Someone else's SQLite database. */
	sql_int(d.db, "CREATE TABLE notes (x)"); /* creates the file */
	expect_refused(d.db, STORE_WRITE, -EPROTO, "not connmon's");
	unlink(d.db);

	/* Ours, with pages overwritten. */
	st = open_writer(d.db, NULL);
	id = series_id(st, "connmon_tcp_sockets", "state=\"established\"", STORE_GAUGE);
	for (int i = 0; i < 20000; i++)
		store_add(st, id, T0 + i * SEC, i % 7 * 1.5);
	store_close(st, NULL);
	memset(junk, 0x5a, sizeof(junk));
	write_file(d.db, junk, sizeof(junk), 4096);
	write_file(d.db, junk, sizeof(junk), 3 * 4096);
	expect_refused(d.db, STORE_WRITE, -EPROTO, "corrupt");
	tdir_remove(&d);
}

static void test_directories(void **state)
{
	struct strbuf err = STRBUF_INIT;
	struct store *st;
	struct tdir d;
	char path[160];
	pid_t pid;
	int status;

	(void)state;
	tdir_make(&d);
	snprintf(path, sizeof(path), "%s/missing/history.db", d.dir);
	assert_int_equal(store_open(&st, path, STORE_WRITE, NULL, &err), -ENOENT);
	assert_non_null(strstr(err.buf, path));
	strbuf_reset(&err);
	assert_int_equal(store_open(&st, d.db, STORE_READ, NULL, &err), -ENOENT);
	assert_non_null(strstr(err.buf, d.db));

	/* A read-only directory: as nobody when we are root (root writes anywhere). */
	assert_int_equal(chmod(d.dir, 0555), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		strbuf_reset(&err);
		if (geteuid() == 0 && (setgid(65534) || setuid(65534)))
			_exit(3);
		if (store_open(&st, d.db, STORE_WRITE, NULL, &err) != -EACCES)
			_exit(1);
		_exit(strstr(err.buf, d.dir) && strstr(err.buf, "not writable") ? 0 : 2);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(access(d.db, F_OK), -1);
	strbuf_release(&err);
	tdir_remove(&d);
}

static void test_second_writer(void **state)
{
	struct strbuf err = STRBUF_INIT;
	struct store *a, *b, *r;
	struct tdir d;
	char pid[32];

	(void)state;
	tdir_make(&d);
	a = open_writer(d.db, NULL);
	snprintf(pid, sizeof(pid), "pid %ld", (long)getpid());
	/* flock() locks belong to the open file, so a second open in this process conflicts. */
	assert_int_equal(store_open(&b, d.db, STORE_WRITE, NULL, &err), -EBUSY);
	assert_non_null(strstr(err.buf, pid));
	assert_non_null(strstr(err.buf, d.db));
	/* Readers are welcome. */
	r = open_reader(d.db);
	store_close(r, NULL);
	store_close(a, NULL);
	b = open_writer(d.db, NULL);
	store_close(b, NULL);
	strbuf_release(&err);
	tdir_remove(&d);
}

static void test_labels(void **state)
{
	static const char *const good[] = {
		"",
		"a=\"\"",
		"state=\"time_wait\"",
		"port=\"443\",state=\"listen\"",
		"comm=\"a\\\"b\\\\c\\nd\"",
		"_x9=\"\xc3\xa9\"",
	};
	static const char *const bad[] = {
		"a",	    "a=",	"a=\"",		  "=\"x\"",
		"9a=\"x\"", "a=\"x\",", "a=\"x\"b=\"y\"", "a=\"\\x\"",
		"a=\"\n\"", "a=\"x\" ", ",a=\"x\"",	  "a-b=\"x\"",
	};
	struct strbuf v = STRBUF_INIT;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++)
		assert_int_equal(labels_validate(good[i], strlen(good[i])), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		if (labels_validate(bad[i], strlen(bad[i])) != -EINVAL)
			fail_msg("accepted '%s'", bad[i]);
	assert_int_equal(labels_get(good[3], strlen(good[3]), "state", &v), 1);
	assert_string_equal(v.buf, "listen");
	assert_int_equal(labels_get(good[3], strlen(good[3]), "stat", &v), 0);
	assert_int_equal(labels_get(good[4], strlen(good[4]), "comm", &v), 1);
	assert_string_equal(v.buf, "a\"b\\c\nd");
	assert_int_equal(labels_get(bad[6], strlen(bad[6]), "b", &v), -EINVAL);
	strbuf_release(&v);
}

struct collected {
	int64_t t[8];
	double v[8][RS_NR];
	int nr;
};

static int collect(void *ctx, int64_t t, const double v[RS_NR])
{
	struct collected *c = ctx;

	c->t[c->nr] = t;
	memcpy(c->v[c->nr++], v, sizeof(double) * RS_NR);
	return c->nr == 8;
}

static void test_rollup_blob(void **state)
{
	struct chunk_enc enc[RS_NR];
	struct strbuf out = STRBUF_INIT;
	struct collected c = { .nr = 0 };

	(void)state;
	for (int i = 0; i < RS_NR; i++) {
		chunk_enc_init(&enc[i]);
		for (int k = 0; k < 3; k++)
			assert_int_equal(chunk_enc_add(&enc[i], T0 + k * MINUTE, i * 10 + k + 0.5),
					 0);
	}
	rollup_emit(enc, &out);
	assert_int_equal(rollup_decode(out.buf, out.len, collect, &c), 0);
	assert_int_equal(c.nr, 3);
	assert_int_equal(c.t[2], T0 + 2 * MINUTE);
	assert_true(c.v[2][RS_LAST] == 32.5);
	/* Truncated, trailing bytes, wrong stream count: corrupt, never a crash. */
	for (size_t n = 0; n < out.len; n++) {
		c.nr = 0;
		assert_int_equal(rollup_decode(out.buf, n, collect, &c), -EPROTO);
	}
	strbuf_addch(&out, 0);
	assert_int_equal(rollup_decode(out.buf, out.len, collect, &c), -EPROTO);
	out.buf[1] = 4;
	assert_int_equal(rollup_decode(out.buf, out.len - 1, collect, &c), -EPROTO);
	for (int i = 0; i < RS_NR; i++)
		chunk_enc_release(&enc[i]);
	strbuf_release(&out);
}

int main(void)
{
	const struct CMUnitTest open_tests[] = {
		cmocka_unit_test(test_schema),	      cmocka_unit_test(test_reopen),
		cmocka_unit_test(test_newer_version), cmocka_unit_test(test_corrupt),
		cmocka_unit_test(test_directories),   cmocka_unit_test(test_second_writer),
		cmocka_unit_test(test_labels),	      cmocka_unit_test(test_rollup_blob),
	};
	int fails = cmocka_run_group_tests_name("store open", open_tests, NULL, NULL);

	fails += _cmocka_run_group_tests("store data", store_data_tests, nr_store_data_tests, NULL,
					 NULL);
	fails += _cmocka_run_group_tests("store alerts", store_alert_tests, nr_store_alert_tests,
					 NULL, NULL);
	return fails;
}
