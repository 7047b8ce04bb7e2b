// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The alert history: the events the rule engine emitted, as their sinks
 * received them (the JSON object), with the columns queries select on.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/json.h"
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

/* The end of the JSON string that starts at p (its opening quote), or NULL. */
static const char *string_end(const char *p)
{
	if (*p != '"')
		return NULL;
	for (p++; *p; p++) {
		if (*p == '\\' && p[1])
			p++;
		else if (*p == '"')
			return p + 1;
	}
	return NULL;
}

/* ,"time":"2026-11-29T19:21:04.000Z" as alert_event_json writes it. */
static void time_field(struct strbuf *out, int64_t ms)
{
	time_t sec = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&sec, &tm);
	strbuf_addf(out, ",\"time\":\"%04d-%02d-%02dT%02d:%02d:%02d.%03dZ\"", tm.tm_year + 1900,
		    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
}

/*
 * A firing event's JSON (alert_event_json's, as recorded) turned into its
 * resolution at now_ms with summary: time, status, summary and actions
 * replaced, everything else kept.  false when json is not in that form.
 */
static bool resolved_json(struct strbuf *out, const char *json, int64_t now_ms, const char *summary)
{
	const char *rule = strstr(json, ",\"rule\":");
	const char *status = rule ? strstr(rule, ",\"status\":\"firing\"") : NULL;
	const char *sum = status ? strstr(status, ",\"summary\":") : NULL;
	const char *sum_end = sum ? string_end(sum + 11) : NULL;
	const char *actions = sum_end ? strstr(sum_end, ",\"actions\":") : NULL;

	strbuf_reset(out);
	if (strncmp(json, "{\"id\":", 6) || !actions)
		return false;
	strbuf_add(out, json, (size_t)(strstr(json, ",\"time\":") - json));
	time_field(out, now_ms);
	strbuf_add(out, rule, (size_t)(status - rule));
	strbuf_addstr(out, ",\"status\":\"resolved\"");
	status += strlen(",\"status\":\"firing\"");
	strbuf_add(out, status, (size_t)(sum - status));
	strbuf_addstr(out, ",\"summary\":");
	json_add_string(out, summary, strlen(summary));
	strbuf_add(out, sum_end, (size_t)(actions - sum_end));
	strbuf_addstr(out, ",\"actions\":[]}");
	return true;
}

struct stale {
	struct store *st;
	sqlite3_stmt *ins;
	int64_t now_ms;
	const char *summary;
	struct strbuf json;
	int rc;
};

static int resolve_one(void *ctx, const struct store_alert_row *r)
{
	struct stale *s = ctx;

	if (!resolved_json(&s->json, r->json, s->now_ms, s->summary))
		return 0;
	sqlite3_reset(s->ins);
	sqlite3_bind_int64(s->ins, 1, (int64_t)r->alert_id);
	sqlite3_bind_int64(s->ins, 2, s->now_ms);
	sqlite3_bind_text(s->ins, 3, r->rule, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(s->ins, 4, r->severity);
	sqlite3_bind_int(s->ins, 5, ALERT_RESOLVED);
	sqlite3_bind_text(s->ins, 6, r->subject, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s->ins, 7, r->started_ms);
	sqlite3_bind_text(s->ins, 8, s->summary, -1, SQLITE_STATIC);
	sqlite3_bind_text(s->ins, 9, s->json.buf, (int)s->json.len, SQLITE_TRANSIENT);
	s->rc = sqlite3_step(s->ins) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(s->st->db);
	return s->rc == SQLITE_OK ? 0 : 1;
}

int store_alert_resolve_stale(struct store *st, int64_t now_ms, const char *summary,
			      struct strbuf *err)
{
	struct store_alert_query q = { INT64_MIN, INT64_MAX, NULL, true, 0 };
	struct stale s = { .st = st, .now_ms = now_ms, .summary = summary, .rc = SQLITE_OK };
	int ret;

	if (!store_writer_check(st, err))
		return -EROFS;
	s.rc = sqlite3_prepare_v2(
		st->db,
		"INSERT INTO alert_event (alert_id, time_ms, rule, severity, status,"
		" subject, started_ms, summary, json)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
		-1, &s.ins, NULL);
	if (s.rc != SQLITE_OK)
		return store_sql_error(st, s.rc, err, "record an alert in");
	strbuf_init(&s.json, 0);
	/* The rows are read first: inserting while the query runs would meet them again. */
	ret = store_exec(st, "BEGIN IMMEDIATE", err, "record an alert in");
	if (!ret)
		ret = store_alert_list(st, &q, resolve_one, &s, err);
	if (!ret && s.rc == SQLITE_OK)
		ret = store_exec(st, "COMMIT", err, "record an alert in");
	else if (s.rc != SQLITE_OK)
		ret = store_sql_error(st, s.rc, err, "record an alert in");
	if (ret && !sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_finalize(s.ins);
	strbuf_release(&s.json);
	return ret;
}

int store_alert_retain(struct store *st, int64_t now_ms, struct strbuf *err)
{
	int64_t keep = st->opt.retention_ms[STORE_TIER_HOUR];
	char sql[160];
	int ret;

	if (!store_writer_check(st, err))
		return -EROFS;
	if (st->version < 2 || keep <= 0)
		return 0;
	snprintf(
		sql, sizeof(sql),
		"DELETE FROM alert_event WHERE time_ms < %lld; DELETE FROM audit WHERE time_ms < %lld",
		(long long)(now_ms - keep), (long long)(now_ms - keep));
	ret = store_exec(st, sql, err, "apply retention to alerts in");
	return ret;
}
