// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The alert history: the events the rule engine emitted, as their sinks
 * received them (the JSON object), with the columns queries select on.
 */
#include <errno.h>
#include <stdint.h>

#include "store/store_int.h"

int store_alert_add(struct store *st, const struct alert_event *ev, struct strbuf *err)
{
	struct strbuf json = STRBUF_INIT, subject = STRBUF_INIT;
	sqlite3_stmt *s = NULL;
	int rc, ret = 0;

	if (!store_writer_check(st, err))
		return -EROFS;
	alert_event_json(ev, &json);
	alert_subject_text(&ev->subject, &subject);
	rc = sqlite3_prepare_v2(
		st->db,
		"INSERT INTO alert_event (alert_id, time_ms, rule, severity, status,"
		" subject, started_ms, summary, json)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
		-1, &s, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(s, 1, (int64_t)ev->id);
		sqlite3_bind_int64(s, 2, ev->time_ms);
		sqlite3_bind_text(s, 3, ev->rule, -1, SQLITE_STATIC);
		sqlite3_bind_int(s, 4, (int)ev->severity);
		sqlite3_bind_int(s, 5, (int)ev->status);
		sqlite3_bind_text(s, 6, subject.buf, (int)subject.len, SQLITE_STATIC);
		sqlite3_bind_int64(s, 7, ev->started_ms);
		sqlite3_bind_text(s, 8, ev->summary, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 9, json.buf, (int)json.len, SQLITE_STATIC);
		rc = sqlite3_step(s) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(st->db);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_OK)
		ret = store_sql_error(st, rc, err, "record an alert in");
	strbuf_release(&json);
	strbuf_release(&subject);
	return ret;
}

/*
 * Firing only: the newest event of each alert whose events include no
 * resolution.  Limited: the newest rows, returned oldest first.
 */
static const char *const list_sql =
	"SELECT id, alert_id, time_ms, rule, severity, status, subject, started_ms, summary,"
	" json"
	" FROM (SELECT * FROM alert_event e"
	" WHERE time_ms >= ?1 AND time_ms < ?2 AND (?3 IS NULL OR rule = ?3)"
	" AND (?4 = 0 OR (e.id = (SELECT max(x.id) FROM alert_event x"
	"   WHERE x.alert_id = e.alert_id) AND e.status = 0))"
	" ORDER BY id DESC LIMIT ?5) ORDER BY id";

static void row_of(sqlite3_stmt *s, struct store_alert_row *r)
{
	r->row_id = sqlite3_column_int64(s, 0);
	r->alert_id = (uint64_t)sqlite3_column_int64(s, 1);
	r->time_ms = sqlite3_column_int64(s, 2);
	r->rule = (const char *)sqlite3_column_text(s, 3);
	r->severity = sqlite3_column_int(s, 4);
	r->status = sqlite3_column_int(s, 5);
	r->subject = (const char *)sqlite3_column_text(s, 6);
	r->started_ms = sqlite3_column_int64(s, 7);
	r->summary = (const char *)sqlite3_column_text(s, 8);
	r->json = (const char *)sqlite3_column_text(s, 9);
	if (!r->summary)
		r->summary = "";
	if (!r->rule)
		r->rule = "";
	if (!r->subject)
		r->subject = "";
	if (!r->json)
		r->json = "{}";
}

int store_alert_list(struct store *st, const struct store_alert_query *q,
		     int (*fn)(void *ctx, const struct store_alert_row *row), void *ctx,
		     struct strbuf *err)
{
	struct store_alert_row row;
	sqlite3_stmt *s = NULL;
	int rc, ret = 0;

	if (st->version < 2)
		return 0;
	rc = sqlite3_prepare_v2(st->db, list_sql, -1, &s, NULL);
	if (rc != SQLITE_OK)
		return store_sql_error(st, rc, err, "read alerts from");
	sqlite3_bind_int64(s, 1, q->since_ms);
	sqlite3_bind_int64(s, 2, q->until_ms);
	if (q->rule)
		sqlite3_bind_text(s, 3, q->rule, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 4, q->firing_only);
	sqlite3_bind_int64(s, 5, q->limit ? (int64_t)q->limit : -1);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		row_of(s, &row);
		ret = fn(ctx, &row);
		if (ret)
			break;
	}
	if (!ret && rc != SQLITE_DONE)
		ret = store_sql_error(st, rc, err, "read alerts from");
	sqlite3_finalize(s);
	return ret;
}

int store_alert_max_id(struct store *st, uint64_t *id, struct strbuf *err)
{
	int64_t v = 0;
	int rc;

	*id = 0;
	if (st->version < 2)
		return 0;
	rc = store_int64(st, "SELECT max(alert_id) FROM alert_event", &v, 0);
	if (rc != SQLITE_OK)
		return store_sql_error(st, rc, err, "read alerts from");
	*id = v > 0 ? (uint64_t)v : 0;
	return 0;
}
