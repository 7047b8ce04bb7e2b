// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The small tables of responses: block, offender, audit (schema version 2).
 * Statements are prepared per call: these run a few times a minute at most,
 * or once per command, never per sample.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "store/store_int.h"

static int need_v2(struct store *st, bool write, struct strbuf *err)
{
	if (write && st->mode == STORE_READ) {
		if (err)
			strbuf_addf(err, "'%s' is open read-only", st->path);
		return -EROFS;
	}
	if (st->version < 2) {
		if (err)
			strbuf_addf(err, "'%s' has no block tables yet (schema version %d)",
				    st->path, st->version);
		return -ENOENT;
	}
	return 0;
}

static void copy_text(char *dst, size_t cap, sqlite3_stmt *s, int col)
{
	const unsigned char *t = sqlite3_column_text(s, col);

	snprintf(dst, cap, "%s", t ? (const char *)t : "");
}

static int prepare(struct store *st, const char *sql, sqlite3_stmt **s, struct strbuf *err)
{
	int rc = sqlite3_prepare_v2(st->db, sql, -1, s, NULL);

	return rc == SQLITE_OK ? 0 : store_sql_error(st, rc, err, "prepare");
}

/* Runs a write statement once per row inside one transaction; bind fills row i. */
static int write_rows(struct store *st, const char *sql, size_t nr,
		      void (*bind)(sqlite3_stmt *s, const void *rows, size_t i), const void *rows,
		      struct strbuf *err)
{
	sqlite3_stmt *s = NULL;
	int rc = SQLITE_OK, ret;

	ret = store_exec(st, "BEGIN IMMEDIATE", err, "begin");
	if (ret)
		return ret;
	ret = prepare(st, sql, &s, err);
	for (size_t i = 0; i < nr && !ret; i++) {
		sqlite3_reset(s);
		sqlite3_clear_bindings(s);
		bind(s, rows, i);
		rc = sqlite3_step(s);
		if (rc != SQLITE_DONE)
			ret = store_sql_error(st, rc, err, "write");
	}
	sqlite3_finalize(s);
	if (!ret)
		ret = store_exec(st, "COMMIT", err, "commit");
	if (ret)
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return ret;
}

static void bind_block(sqlite3_stmt *s, const void *rows, size_t i)
{
	const struct store_block *b = (const struct store_block *)rows + i;

	sqlite3_bind_text(s, 1, b->addr, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, b->created_ms);
	if (b->expires_ms > 0)
		sqlite3_bind_int64(s, 3, b->expires_ms);
	sqlite3_bind_text(s, 4, b->rule, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, b->reason, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, b->origin, -1, SQLITE_STATIC);
}

int store_block_put(struct store *st, const struct store_block *b, size_t nr, struct strbuf *err)
{
	int ret = need_v2(st, true, err);

	if (ret || !nr)
		return ret;
	return write_rows(
		st,
		"INSERT OR REPLACE INTO block (addr, created_ms, expires_ms, rule, reason,"
		" origin) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
		nr, bind_block, b, err);
}

static void bind_addr(sqlite3_stmt *s, const void *rows, size_t i)
{
	sqlite3_bind_text(s, 1, ((const char *const *)rows)[i], -1, SQLITE_STATIC);
}

int store_block_remove(struct store *st, const char *const *addrs, size_t nr, bool all,
		       size_t *removed, struct strbuf *err)
{
	int64_t before = 0, after = 0;
	int ret = need_v2(st, true, err);

	if (removed)
		*removed = 0;
	if (ret)
		return ret;
	store_int64(st, "SELECT count(*) FROM block", &before, 0);
	if (all)
		ret = store_exec(st, "DELETE FROM block", err, "delete blocks");
	else if (nr)
		ret = write_rows(st, "DELETE FROM block WHERE addr = ?1", nr, bind_addr, addrs,
				 err);
	store_int64(st, "SELECT count(*) FROM block", &after, 0);
	if (removed && !ret && before > after)
		*removed = (size_t)(before - after);
	return ret;
}

int store_block_list(struct store *st, int64_t now_ms, struct store_block **out, size_t *nr,
		     struct strbuf *err)
{
	sqlite3_stmt *s = NULL;
	size_t alloc = 0;
	int rc, ret;

	*out = NULL;
	*nr = 0;
	ret = need_v2(st, false, err);
	if (!ret)
		ret = prepare(st,
			      "SELECT addr, created_ms, expires_ms, rule, reason, origin FROM block"
			      " WHERE ?1 OR expires_ms IS NULL OR expires_ms > ?2 ORDER BY addr",
			      &s, err);
	if (ret)
		return ret;
	sqlite3_bind_int(s, 1, now_ms == INT64_MIN);
	sqlite3_bind_int64(s, 2, now_ms);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_block *b;

		ALLOC_GROW(*out, *nr + 1, alloc);
		b = &(*out)[(*nr)++];
		memset(b, 0, sizeof(*b));
		copy_text(b->addr, sizeof(b->addr), s, 0);
		b->created_ms = sqlite3_column_int64(s, 1);
		b->expires_ms = sqlite3_column_int64(s, 2); /* NULL reads as 0 */
		copy_text(b->rule, sizeof(b->rule), s, 3);
		copy_text(b->reason, sizeof(b->reason), s, 4);
		copy_text(b->origin, sizeof(b->origin), s, 5);
	}
	if (rc != SQLITE_DONE)
		ret = store_sql_error(st, rc, err, "read blocks");
	sqlite3_finalize(s);
	return ret;
}

int store_block_count(struct store *st, int64_t now_ms, size_t *nr, struct strbuf *err)
{
	sqlite3_stmt *s = NULL;
	int rc, ret;

	*nr = 0;
	ret = need_v2(st, false, err);
	if (!ret)
		ret = prepare(
			st,
			"SELECT count(*) FROM block WHERE expires_ms IS NULL OR expires_ms > ?1",
			&s, err);
	if (ret)
		return ret;
	sqlite3_bind_int64(s, 1, now_ms);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*nr = (size_t)sqlite3_column_int64(s, 0);
	else
		ret = store_sql_error(st, rc, err, "count blocks");
	sqlite3_finalize(s);
	return ret;
}

int store_block_purge(struct store *st, int64_t now_ms, size_t *removed, struct strbuf *err)
{
	char sql[96];
	int ret = need_v2(st, true, err);

	if (removed)
		*removed = 0;
	if (ret)
		return ret;
	snprintf(sql, sizeof(sql), "DELETE FROM block WHERE expires_ms <= %lld", (long long)now_ms);
	ret = store_exec(st, sql, err, "purge blocks");
	if (!ret && removed)
		*removed = (size_t)sqlite3_changes(st->db);
	return ret;
}

int store_offender_get(struct store *st, const char *addr, uint32_t *bans, int64_t *last_ms,
		       struct strbuf *err)
{
	sqlite3_stmt *s = NULL;
	int rc, ret;

	*bans = 0;
	*last_ms = 0;
	ret = need_v2(st, false, err);
	if (!ret)
		ret = prepare(st, "SELECT bans, last_ban_ms FROM offender WHERE addr = ?1", &s,
			      err);
	if (ret)
		return ret;
	sqlite3_bind_text(s, 1, addr, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		int64_t b = sqlite3_column_int64(s, 0);

		*bans = b < 0 ? 0 : b > UINT32_MAX ? UINT32_MAX : (uint32_t)b;
		*last_ms = sqlite3_column_int64(s, 1);
	} else if (rc != SQLITE_DONE) {
		ret = store_sql_error(st, rc, err, "read offender");
	}
	sqlite3_finalize(s);
	return ret;
}

struct offender_row {
	const char *addr;
	uint32_t bans;
	int64_t last_ms;
};

static void bind_offender(sqlite3_stmt *s, const void *rows, size_t i)
{
	const struct offender_row *o = (const struct offender_row *)rows + i;

	sqlite3_bind_text(s, 1, o->addr, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, o->bans);
	sqlite3_bind_int64(s, 3, o->last_ms);
}

int store_offender_put(struct store *st, const char *addr, uint32_t bans, int64_t last_ban_ms,
		       struct strbuf *err)
{
	struct offender_row o = { addr, bans, last_ban_ms };
	int ret = need_v2(st, true, err);

	if (ret)
		return ret;
	return write_rows(st,
			  "INSERT OR REPLACE INTO offender (addr, bans, last_ban_ms)"
			  " VALUES (?1, ?2, ?3)",
			  1, bind_offender, &o, err);
}

static void bind_audit(sqlite3_stmt *s, const void *rows, size_t i)
{
	const struct store_audit *a = (const struct store_audit *)rows + i;

	sqlite3_bind_int64(s, 1, a->time_ms);
	sqlite3_bind_text(s, 2, a->action, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, a->target, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, a->mode, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, a->result, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, a->detail, -1, SQLITE_STATIC);
}

int store_audit_add(struct store *st, const struct store_audit *a, size_t nr, struct strbuf *err)
{
	int ret = need_v2(st, true, err);

	if (ret || !nr)
		return ret;
	return write_rows(st,
			  "INSERT INTO audit (time_ms, action, target, mode, result, detail)"
			  " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
			  nr, bind_audit, a, err);
}

int store_audit_list(struct store *st, int64_t since_ms, size_t max, struct store_audit **out,
		     size_t *nr, struct strbuf *err)
{
	sqlite3_stmt *s = NULL;
	size_t alloc = 0;
	int rc, ret;

	*out = NULL;
	*nr = 0;
	ret = need_v2(st, false, err);
	if (!ret)
		ret = prepare(st,
			      "SELECT id, time_ms, action, target, mode, result, detail FROM"
			      " (SELECT * FROM audit WHERE time_ms >= ?1 ORDER BY id DESC LIMIT ?2)"
			      " ORDER BY id",
			      &s, err);
	if (ret)
		return ret;
	sqlite3_bind_int64(s, 1, since_ms);
	sqlite3_bind_int64(s, 2, max > INT64_MAX ? INT64_MAX : (int64_t)max);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_audit *a;

		ALLOC_GROW(*out, *nr + 1, alloc);
		a = &(*out)[(*nr)++];
		memset(a, 0, sizeof(*a));
		a->id = sqlite3_column_int64(s, 0);
		a->time_ms = sqlite3_column_int64(s, 1);
		copy_text(a->action, sizeof(a->action), s, 2);
		copy_text(a->target, sizeof(a->target), s, 3);
		copy_text(a->mode, sizeof(a->mode), s, 4);
		copy_text(a->result, sizeof(a->result), s, 5);
		copy_text(a->detail, sizeof(a->detail), s, 6);
	}
	if (rc != SQLITE_DONE)
		ret = store_sql_error(st, rc, err, "read audit");
	sqlite3_finalize(s);
	return ret;
}
