// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The store's alert history: events in, firing alerts and every event out,
 * the rule filter and the limit; a version-1 file upgraded by its writer and
 * read (empty) by a reader; the largest alert id.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

/* cmocka needs these first. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
// clang-format on

#include "base/json.h"
#include "store/store.h"
#include "store_test.h"

static void event(struct alert_event *ev, uint64_t id, int64_t t, const char *rule,
		  enum alert_status status, const char *addr)
{
	memset(ev, 0, sizeof(*ev));
	alert_subject_init(&ev->subject);
	ev->id = id;
	ev->time_ms = t;
	ev->started_ms = t - 5000;
	snprintf(ev->rule, sizeof(ev->rule), "%s", rule);
	ev->severity = ALERT_WARNING;
	ev->status = status;
	snprintf(ev->subject.addr, sizeof(ev->subject.addr), "%s", addr);
	ev->value = 73;
	ev->threshold = 50;
	snprintf(ev->summary, sizeof(ev->summary), "%s holds 73 TCP connections", addr);
}

struct seen {
	char text[1024];
	size_t nr;
};

static int collect(void *ctx, const struct store_alert_row *r)
{
	struct seen *s = ctx;
	size_t len = strlen(s->text);

	snprintf(s->text + len, sizeof(s->text) - len, "%llu:%s:%s:%d;",
		 (unsigned long long)r->alert_id, r->rule, r->subject, r->status);
	assert_non_null(strstr(r->json, "\"summary\":"));
	assert_string_equal(r->summary + strlen(r->summary) - 15, "TCP connections");
	s->nr++;
	return 0;
}

static void list(struct store *st, bool firing, const char *rule, size_t limit, struct seen *s)
{
	struct store_alert_query q = { INT64_MIN, INT64_MAX, rule, firing, limit };
	struct strbuf err = STRBUF_INIT;

	memset(s, 0, sizeof(*s));
	assert_int_equal(store_alert_list(st, &q, collect, s, &err), 0);
	strbuf_release(&err);
}

static void add(struct store *st, const struct alert_event *ev)
{
	struct strbuf err = STRBUF_INIT;

	assert_int_equal(store_alert_add(st, ev, &err), 0);
	strbuf_release(&err);
}

static void test_history(void **state)
{
	struct alert_event ev;
	struct tdir d;
	struct store *st;
	struct seen s;
	uint64_t max;

	(void)state;
	tdir_make(&d);
	st = open_writer(d.db, NULL);
	event(&ev, 1, 1000000, "per_ip_connections", ALERT_FIRING, "10.0.0.9");
	add(st, &ev);
	event(&ev, 2, 1001000, "port_scan", ALERT_FIRING, "10.0.0.7");
	add(st, &ev);
	event(&ev, 1, 1002000, "per_ip_connections", ALERT_FIRING, "10.0.0.9");
	ev.severity = ALERT_CRITICAL; /* escalated */
	add(st, &ev);
	event(&ev, 2, 1003000, "port_scan", ALERT_RESOLVED, "10.0.0.7");
	add(st, &ev);
	list(st, true, NULL, 0, &s);
	assert_string_equal(s.text, "1:per_ip_connections:addr=10.0.0.9:0;");
	list(st, false, NULL, 0, &s);
	assert_int_equal(s.nr, 4);
	assert_string_equal(s.text,
			    "1:per_ip_connections:addr=10.0.0.9:0;2:port_scan:addr=10.0.0.7:0;"
			    "1:per_ip_connections:addr=10.0.0.9:0;2:port_scan:addr=10.0.0.7:1;");
	list(st, false, "port_scan", 0, &s);
	assert_int_equal(s.nr, 2);
	list(st, false, NULL, 1, &s); /* the newest */
	assert_string_equal(s.text, "2:port_scan:addr=10.0.0.7:1;");
	assert_int_equal(store_alert_max_id(st, &max, NULL), 0);
	assert_int_equal(max, 2);
	store_close(st, NULL);
	/* A reader sees the same. */
	st = open_reader(d.db);
	list(st, true, NULL, 0, &s);
	assert_int_equal(s.nr, 1);
	store_close(st, NULL);
	tdir_remove(&d);
}

/* A version-1 file: its reader sees no history; its writer adds the tables. */
static void test_upgrade(void **state)
{
	struct alert_event ev;
	struct tdir d;
	struct store *st;
	struct seen s;

	(void)state;
	tdir_make(&d);
	store_close(open_writer(d.db, NULL), NULL);
	sql_int(d.db, "DROP TABLE alert_event");
	sql_int(d.db, "UPDATE meta SET value = '1' WHERE key = 'schema_version'");
	st = open_reader(d.db);
	assert_int_equal(store_version(st), 1);
	list(st, false, NULL, 0, &s);
	assert_int_equal(s.nr, 0);
	store_close(st, NULL);
	sql_int(d.db, "DROP TABLE block");
	sql_int(d.db, "DROP TABLE offender");
	sql_int(d.db, "DROP TABLE audit");
	sql_int(d.db, "DROP TABLE listener");
	st = open_writer(d.db, NULL);
	assert_int_equal(store_version(st), STORE_SCHEMA_VERSION);
	event(&ev, 1, 5000, "syn_flood", ALERT_FIRING, "");
	ev.subject.port = 80;
	add(st, &ev);
	list(st, true, NULL, 0, &s);
	assert_string_equal(s.text, "1:syn_flood:port=80:0;");
	store_close(st, NULL);
	assert_int_equal(sql_int(d.db, "SELECT value FROM meta WHERE key = 'schema_version'"),
			 STORE_SCHEMA_VERSION);
	tdir_remove(&d);
}

static int stale_row(void *ctx, const struct store_alert_row *r)
{
	struct json_doc *d = ctx;
	struct strbuf err = STRBUF_INIT;

	if (r->status != ALERT_RESOLVED)
		return 0;
	json_doc_release(d);
	json_doc_init(d, NULL);
	if (json_doc_parse(d, r->json, strlen(r->json), &err))
		fail_msg("resolution JSON does not parse: %s: %s", err.buf, r->json);
	assert_non_null(strstr(r->json, "\"status\":\"resolved\""));
	assert_non_null(strstr(r->json, "\"time\":\"1970-01-01T00:16:50.000Z\""));
	assert_non_null(strstr(r->json, "\"summary\":\"agent restarted\""));
	assert_non_null(strstr(r->json, "\"subject\":{\"addr\":\"10.0.0.9\",\"comm\":\"a\\\"b\"}"));
	assert_non_null(strstr(r->json, "\"actions\":[]}"));
	assert_int_equal(r->alert_id, 1);
	assert_string_equal(r->summary, "agent restarted");
	strbuf_release(&err);
	return 0;
}

/* Alerts left firing by an agent that died are resolved by the next one, their JSON kept valid. */
static void test_resolve_stale(void **state)
{
	struct alert_event ev;
	struct json_doc d;
	struct tdir d_;
	struct store *st;
	struct seen s;

	(void)state;
	tdir_make(&d_);
	st = open_writer(d_.db, NULL);
	event(&ev, 1, 1000000, "per_ip_connections", ALERT_FIRING, "10.0.0.9");
	snprintf(ev.subject.comm, sizeof(ev.subject.comm), "a\"b");
	snprintf(ev.summary, sizeof(ev.summary), "a \"quoted\", summary TCP connections");
	ev.nr_actions = 1;
	snprintf(ev.actions[0].result, sizeof(ev.actions[0].result), "done");
	add(st, &ev);
	event(&ev, 2, 1001000, "port_scan", ALERT_FIRING, "10.0.0.7");
	add(st, &ev);
	event(&ev, 2, 1002000, "port_scan", ALERT_RESOLVED, "10.0.0.7");
	add(st, &ev);
	assert_int_equal(store_alert_resolve_stale(st, 1010000, "agent restarted", NULL), 0);
	list(st, true, NULL, 0, &s);
	assert_int_equal(s.nr, 0);
	json_doc_init(&d, NULL);
	{
		struct store_alert_query q = { 1005000, INT64_MAX, NULL, false, 0 };

		assert_int_equal(store_alert_list(st, &q, stale_row, &d, NULL), 0);
	}
	json_doc_release(&d);
	store_close(st, NULL);
	tdir_remove(&d_);
}

/* Events older than the hourly rollups' retention go; a retention of 0 keeps them all. */
static void test_retain(void **state)
{
	struct store_options o;
	struct alert_event ev;
	struct tdir d;
	struct store *st;
	struct seen s;

	(void)state;
	tdir_make(&d);
	store_options_init(&o);
	o.retention_ms[STORE_TIER_HOUR] = 3600 * 1000;
	st = open_writer(d.db, &o);
	event(&ev, 1, 1000, "port_scan", ALERT_FIRING, "10.0.0.7");
	add(st, &ev);
	event(&ev, 2, 3000000, "port_scan", ALERT_FIRING, "10.0.0.8");
	add(st, &ev);
	assert_int_equal(store_alert_retain(st, 3700000, NULL), 0);
	list(st, false, NULL, 0, &s);
	assert_string_equal(s.text, "2:port_scan:addr=10.0.0.8:0;");
	store_close(st, NULL);
	o.retention_ms[STORE_TIER_HOUR] = 0;
	st = open_writer(d.db, &o);
	assert_int_equal(store_alert_retain(st, INT64_MAX / 2, NULL), 0);
	list(st, false, NULL, 0, &s);
	assert_int_equal(s.nr, 1);
	store_close(st, NULL);
	tdir_remove(&d);
}

const struct CMUnitTest store_alert_tests[] = {
	cmocka_unit_test(test_retain),
	cmocka_unit_test(test_resolve_stale),
	cmocka_unit_test(test_history),
	cmocka_unit_test(test_upgrade),
};
const size_t nr_store_alert_tests = sizeof(store_alert_tests) / sizeof(store_alert_tests[0]);
