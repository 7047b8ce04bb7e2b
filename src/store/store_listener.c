// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * unknown_listener's inventory in the listener table and the start of its
 * learning period in meta, so a restarted agent goes on from what it
 * learned instead of learning from scratch.  The inventory is small
 * (bounded by the rule engine) and saved about once a minute: a save
 * rewrites it whole.
 */
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>

#include "store/store_int.h"

#define LEARN_KEY "listener_learn_start_ms"

static int load_learn_start(struct store *st, int64_t *out, struct strbuf *err)
{
	int rc = store_int64(st,
			     "SELECT CAST(value AS INTEGER) FROM meta"
			     " WHERE key = '" LEARN_KEY "'",
			     out, INT64_MIN);

	return rc == SQLITE_OK ? 0 : store_sql_error(st, rc, err, "read the listeners of");
}

static bool row_valid(const struct store_listener *l)
{
	return (l->proto == IPPROTO_TCP || l->proto == IPPROTO_UDP) && l->port >= 0 &&
	       l->port <= 65535;
}

int store_listener_load(struct store *st, int (*fn)(void *ctx, const struct store_listener *l),
			void *ctx, int64_t *learn_start_ms, struct strbuf *err)
{
	struct store_listener l;
	sqlite3_stmt *s = NULL;
	int rc, ret;

	*learn_start_ms = INT64_MIN;
	if (st->version < 2)
		return 0;
	ret = load_learn_start(st, learn_start_ms, err);
	if (ret)
		return ret;
	rc = sqlite3_prepare_v2(st->db,
				"SELECT proto, port, comm, first_ms, last_ms FROM listener"
				" ORDER BY proto, port, comm",
				-1, &s, NULL);
	if (rc != SQLITE_OK)
		return store_sql_error(st, rc, err, "read the listeners of");
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		l.proto = sqlite3_column_int(s, 0);
		l.port = sqlite3_column_int(s, 1);
		l.comm = (const char *)sqlite3_column_text(s, 2);
		l.first_ms = sqlite3_column_int64(s, 3);
		l.last_ms = sqlite3_column_int64(s, 4);
		if (!l.comm)
			l.comm = "";
		if (!row_valid(&l))
			continue;
		ret = fn(ctx, &l);
		if (ret)
			break;
	}
	if (!ret && rc != SQLITE_DONE)
		ret = store_sql_error(st, rc, err, "read the listeners of");
	sqlite3_finalize(s);
	return ret;
}

static int insert_rows(struct store *st, const struct store_listener *v, size_t nr)
{
	sqlite3_stmt *s = NULL;
	int rc;

	rc = sqlite3_prepare_v2(
		st->db,
		"INSERT OR REPLACE INTO listener (proto, port, comm, first_ms, last_ms)"
		" VALUES (?1, ?2, ?3, ?4, ?5)",
		-1, &s, NULL);
	for (size_t i = 0; rc == SQLITE_OK && i < nr; i++) {
		sqlite3_bind_int(s, 1, v[i].proto);
		sqlite3_bind_int(s, 2, v[i].port);
		sqlite3_bind_text(s, 3, v[i].comm ? v[i].comm : "", -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 4, v[i].first_ms);
		sqlite3_bind_int64(s, 5, v[i].last_ms);
		rc = sqlite3_step(s) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(st->db);
		sqlite3_reset(s);
	}
	sqlite3_finalize(s);
	return rc;
}

static int save_learn_start(struct store *st, int64_t learn_start_ms)
{
	sqlite3_stmt *s = NULL;
	char text[24];
	int rc;

	if (learn_start_ms == INT64_MIN)
		return SQLITE_OK;
	snprintf(text, sizeof(text), "%" PRId64, learn_start_ms);
	rc = sqlite3_prepare_v2(
		st->db, "INSERT OR REPLACE INTO meta (key, value) VALUES ('" LEARN_KEY "', ?1)", -1,
		&s, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(s, 1, text, -1, SQLITE_STATIC);
		rc = sqlite3_step(s) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(st->db);
	}
	sqlite3_finalize(s);
	return rc;
}

int store_listener_save(struct store *st, const struct store_listener *v, size_t nr,
			int64_t learn_start_ms, struct strbuf *err)
{
	int rc, ret;

	if (!store_writer_check(st, err))
		return -EROFS;
	for (size_t i = 0; i < nr; i++) {
		if (!row_valid(&v[i])) {
			if (err)
				strbuf_addf(err, "listener %d/%d is not a TCP or UDP port",
					    v[i].proto, v[i].port);
			return -EINVAL;
		}
	}
	rc = sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return store_sql_error(st, rc, err, "save the listeners in");
	rc = sqlite3_exec(st->db, "DELETE FROM listener", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = insert_rows(st, v, nr);
	if (rc == SQLITE_OK)
		rc = save_learn_start(st, learn_start_ms);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		return 0;
	ret = store_sql_error(st, rc, err, "save the listeners in");
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return ret;
}
