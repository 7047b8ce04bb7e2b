// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * model/alert: the alert event's JSON (alert_event_json) against a JSON
 * parser, the display-safe form of hostile text, and docs/JSON.md's
 * "Alert events" table, both ways.
 */
// clang-format off: cmocka.h needs these system headers first
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
// clang-format on

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/json.h"
#include "model/alert.h"

static void full_event(struct alert_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->id = 42;
	ev->time_ms = 1800000000123LL;
	ev->started_ms = 1799999990000LL;
	snprintf(ev->rule, sizeof(ev->rule), "big_flow");
	ev->severity = ALERT_CRITICAL;
	ev->status = ALERT_FIRING;
	alert_subject_init(&ev->subject);
	snprintf(ev->subject.addr, sizeof(ev->subject.addr), "2001:db8::9");
	snprintf(ev->subject.local, sizeof(ev->subject.local), "2001:db8::1");
	ev->subject.port = 443;
	ev->subject.pid = 77;
	snprintf(ev->subject.comm, sizeof(ev->subject.comm), "nginx");
	snprintf(ev->subject.iface, sizeof(ev->subject.iface), "eth0");
	snprintf(ev->subject.resource, sizeof(ev->subject.resource), "conntrack");
	ev->value = 12.5e6;
	ev->threshold = 1e7;
	snprintf(ev->summary, sizeof(ev->summary), "one pair carries 62 %% of eth0");
	ev->nr_sources = 2;
	snprintf(ev->sources[0], ALERT_ADDR_LEN, "192.0.2.1");
	snprintf(ev->sources[1], ALERT_ADDR_LEN, "192.0.2.2");
	ev->nr_actions = 2;
	ev->actions[0].kind = ACTION_LOG;
	snprintf(ev->actions[0].result, ALERT_RESULT_LEN, "done");
	ev->actions[1].kind = ACTION_BLOCK;
	snprintf(ev->actions[1].target, ALERT_ADDR_LEN, "2001:db8::9");
	ev->actions[1].duration_ms = 600000;
	snprintf(ev->actions[1].result, ALERT_RESULT_LEN, "dry-run");
}

static void parse(struct json_doc *d, const struct alert_event *ev, struct strbuf *text)
{
	struct strbuf err = STRBUF_INIT;

	strbuf_reset(text);
	alert_event_json(ev, text);
	assert_null(strchr(text->buf, '\n'));
	json_doc_init(d, &json_limits_default);
	if (json_doc_parse(d, text->buf, text->len, &err))
		fail_msg("invalid JSON (%s): %s", err.buf, text->buf);
	assert_int_equal(json_doc_root(d)->type, JSON_OBJECT);
	strbuf_release(&err);
}

static const char *str(const struct json_doc *d, const struct json_value *o, const char *key)
{
	const struct json_value *v = json_get(d, o, key);

	if (!v || v->type != JSON_STRING)
		fail_msg("no string '%s'", key);
	return json_str(d, v);
}

static int64_t num(const struct json_doc *d, const struct json_value *o, const char *key)
{
	const struct json_value *v = json_get(d, o, key);
	int64_t x;

	if (!v || json_int64(d, v, &x))
		fail_msg("no integer '%s'", key);
	return x;
}

static void test_full_event(void **state)
{
	struct alert_event ev;
	struct strbuf text = STRBUF_INIT;
	struct json_doc d;
	const struct json_value *r, *s, *a;

	(void)state;
	full_event(&ev);
	parse(&d, &ev, &text);
	r = json_doc_root(&d);
	assert_int_equal(num(&d, r, "id"), 42);
	assert_string_equal(str(&d, r, "time"), "2027-01-15T08:00:00.123Z");
	assert_string_equal(str(&d, r, "started_at"), "2027-01-15T07:59:50.000Z");
	assert_string_equal(str(&d, r, "rule"), "big_flow");
	assert_string_equal(str(&d, r, "severity"), "critical");
	assert_string_equal(str(&d, r, "status"), "firing");
	assert_int_equal(num(&d, r, "value"), 12500000);
	assert_int_equal(num(&d, r, "threshold"), 10000000);
	assert_string_equal(str(&d, r, "summary"), "one pair carries 62 % of eth0");
	s = json_get(&d, r, "subject");
	assert_string_equal(str(&d, s, "addr"), "2001:db8::9");
	assert_string_equal(str(&d, s, "local"), "2001:db8::1");
	assert_int_equal(num(&d, s, "port"), 443);
	assert_int_equal(num(&d, s, "pid"), 77);
	assert_string_equal(str(&d, s, "comm"), "nginx");
	assert_string_equal(str(&d, s, "iface"), "eth0");
	assert_string_equal(str(&d, s, "resource"), "conntrack");
	a = json_get(&d, r, "sources");
	assert_int_equal(a->nr, 2);
	assert_string_equal(json_str(&d, json_first(&d, a)), "192.0.2.1");
	a = json_get(&d, r, "actions");
	assert_int_equal(a->nr, 2);
	a = json_first(&d, a);
	assert_string_equal(str(&d, a, "action"), "log");
	assert_null(json_get(&d, a, "target"));
	assert_null(json_get(&d, a, "duration_s"));
	assert_string_equal(str(&d, a, "result"), "done");
	a = json_sibling(&d, a);
	assert_string_equal(str(&d, a, "action"), "block");
	assert_string_equal(str(&d, a, "target"), "2001:db8::9");
	assert_int_equal(num(&d, a, "duration_s"), 600);
	assert_string_equal(str(&d, a, "result"), "dry-run");
	json_doc_release(&d);
	strbuf_release(&text);
}

/* Optional keys are absent, an unknown value is null, an empty subject is {}. */
static void test_minimal_event(void **state)
{
	struct alert_event ev;
	struct strbuf text = STRBUF_INIT;
	struct json_doc d;
	const struct json_value *r;

	(void)state;
	memset(&ev, 0, sizeof(ev));
	ev.id = 1;
	snprintf(ev.rule, sizeof(ev.rule), "connections");
	ev.status = ALERT_RESOLVED;
	alert_subject_init(&ev.subject);
	ev.value = NAN;
	ev.threshold = 1000;
	parse(&d, &ev, &text);
	r = json_doc_root(&d);
	assert_string_equal(str(&d, r, "status"), "resolved");
	assert_string_equal(str(&d, r, "severity"), "info");
	assert_int_equal(json_get(&d, r, "value")->type, JSON_NULL);
	assert_int_equal(json_get(&d, r, "subject")->nr, 0);
	assert_null(json_get(&d, r, "sources"));
	assert_int_equal(json_get(&d, r, "actions")->nr, 0);
	assert_string_equal(str(&d, r, "summary"), "");
	json_doc_release(&d);
	strbuf_release(&text);
}

/* A process that renamed itself: the display-safe form of docs/JSON.md, never raw bytes. */
static void test_hostile_comm(void **state)
{
	struct alert_event ev;
	struct strbuf text = STRBUF_INIT;
	struct json_doc d;
	const struct json_value *s;

	(void)state;
	full_event(&ev);
	snprintf(ev.subject.comm, sizeof(ev.subject.comm), "evil\x1b[2Jname\xff");
	snprintf(ev.summary, sizeof(ev.summary), "pid 77 (\"a\\b\nc\") leaks");
	parse(&d, &ev, &text);
	s = json_get(&d, json_doc_root(&d), "subject");
	assert_string_equal(str(&d, s, "comm"), "evil\\x1b[2Jname\\xff");
	assert_int_equal(strlen(str(&d, s, "comm")), 19);
	assert_non_null(strstr(text.buf, "\"comm\":\"evil\\\\x1b[2Jname\\\\xff\""));
	assert_string_equal(str(&d, json_doc_root(&d), "summary"), "pid 77 (\"a\\b\\x0ac\") leaks");
	assert_null(strstr(text.buf, "\\u00"));
	json_doc_release(&d);
	strbuf_release(&text);
}

/* Adds every member name of v (and below) to keys, dotted: "subject.addr", "actions[].result". */
static void collect_keys(const struct json_doc *d, const struct json_value *v, const char *prefix,
			 struct strbuf *keys)
{
	for (const struct json_value *c = json_first(d, v); c; c = json_sibling(d, c)) {
		struct strbuf name = STRBUF_INIT;

		strbuf_addf(&name, "%s%s", prefix, json_key(d, c));
		strbuf_addf(keys, "%s\n", name.buf);
		if (c->type == JSON_OBJECT) {
			strbuf_addch(&name, '.');
			collect_keys(d, c, name.buf, keys);
		} else if (c->type == JSON_ARRAY) {
			strbuf_addstr(&name, "[].");
			for (const struct json_value *e = json_first(d, c); e;
			     e = json_sibling(d, e))
				if (e->type == JSON_OBJECT)
					collect_keys(d, e, name.buf, keys);
		}
		strbuf_release(&name);
	}
}

/* The "Alert events" section of docs/JSON.md, up to the next "## ". */
static char *doc_section(void)
{
	struct strbuf doc = STRBUF_INIT;
	char *start, *end, *out;

	assert_int_equal(strbuf_read_file(&doc, "../../docs/JSON.md", 0), 0);
	start = strstr(doc.buf, "\n## Alert events\n");
	if (!start)
		fail_msg("docs/JSON.md has no section '## Alert events'");
	end = strstr(start + 1, "\n## ");
	out = strndup(start, end ? (size_t)(end - start) : strlen(start));
	strbuf_release(&doc);
	return out;
}

static void test_documented_both_ways(void **state)
{
	struct alert_event ev;
	struct strbuf text = STRBUF_INIT, keys = STRBUF_INIT, row = STRBUF_INIT;
	struct json_doc d;
	char *sec = doc_section();

	(void)state;
	full_event(&ev);
	parse(&d, &ev, &text);
	strbuf_addch(&keys, '\n');
	collect_keys(&d, json_doc_root(&d), "", &keys);
	for (char *p = keys.buf + 1, *nl; (nl = strchr(p, '\n')); p = nl + 1) {
		strbuf_reset(&row);
		strbuf_addstr(&row, "\n| `");
		strbuf_add(&row, p, (size_t)(nl - p));
		strbuf_addstr(&row, "` |");
		if (!strstr(sec, row.buf))
			fail_msg("docs/JSON.md, Alert events, has no row for '%.*s'", (int)(nl - p),
				 p);
	}
	/* back: every documented key is one the full event writes */
	for (char *p = strstr(sec, "\n| `"); p; p = strstr(p + 1, "\n| `")) {
		char *q = strchr(p + 4, '`');

		strbuf_reset(&row);
		strbuf_addch(&row, '\n');
		strbuf_add(&row, p + 4, (size_t)(q - p - 4));
		strbuf_addch(&row, '\n');
		if (!strstr(keys.buf, row.buf))
			fail_msg(
				"docs/JSON.md documents '%.*s', which alert_event_json does not write",
				(int)(q - p - 4), p + 4);
	}
	free(sec);
	json_doc_release(&d);
	strbuf_release(&text);
	strbuf_release(&keys);
	strbuf_release(&row);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_event),
		cmocka_unit_test(test_minimal_event),
		cmocka_unit_test(test_hostile_comm),
		cmocka_unit_test(test_documented_both_ways),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
