// SPDX-License-Identifier: GPL-2.0-or-later
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

#include "alert/notify.h"
#include "alert/notify_core.h"
#include "base/json.h"
#include "cli/config.h"

#define T0 1800000000000LL /* 2027-01-15T08:00:00Z */

/* Fake sinks: every delivery recorded; the first fail_next ones fail. */
struct fake {
	size_t nr_calls;
	size_t sizes[64];
	int64_t times[64];
	uint64_t first_id[64];
	struct alert_event last[4]; /* the first events of the last delivery */
	int fail_next;
};

static struct fake fakes[NOTIFY_SINKS];

static int fake_deliver(int id, const struct alert_event *ev, size_t nr, int64_t now_ms,
			struct strbuf *err)
{
	struct fake *f = &fakes[id];

	if (f->nr_calls < 64) {
		f->sizes[f->nr_calls] = nr;
		f->times[f->nr_calls] = now_ms;
		f->first_id[f->nr_calls] = ev[0].id;
	}
	memcpy(f->last, ev, (nr < 4 ? nr : 4) * sizeof(*ev));
	f->nr_calls++;
	if (f->fail_next > 0) {
		f->fail_next--;
		strbuf_addstr(err, "connection refused");
		return -EIO;
	}
	return 0;
}

#define FAKE(id, name)                                                                        \
	static int name(const struct notify_core *c, const struct alert_event *ev, size_t nr, \
			int64_t now, int64_t timeout, struct strbuf *err)                     \
	{                                                                                     \
		(void)c;                                                                      \
		(void)timeout;                                                                \
		return fake_deliver(id, ev, nr, now, err);                                    \
	}                                                                                     \
	static const struct notify_sink_ops name##_ops = { .deliver = name }

FAKE(NOTIFY_FILE, fake_file);
FAKE(NOTIFY_SYSLOG, fake_syslog);
FAKE(NOTIFY_EXEC, fake_exec);
FAKE(NOTIFY_WEBHOOK, fake_webhook);
FAKE(NOTIFY_MAIL, fake_mail);
FAKE(NOTIFY_ALERTMANAGER, fake_am);

static const struct notify_sink_ops *const fake_ops[NOTIFY_SINKS] = {
	&fake_file_ops,	   &fake_syslog_ops, &fake_exec_ops,
	&fake_webhook_ops, &fake_mail_ops,   &fake_am_ops,
};

/* Every sink on at level info, targets that pass the checks. */
static void all_sinks(struct notify_config *c)
{
	notify_config_defaults(c);
	snprintf(c->file, sizeof(c->file), "/tmp/x.jsonl");
	c->syslog = NOTIFY_INFO;
	snprintf(c->exec, sizeof(c->exec), "cat");
	snprintf(c->webhook, sizeof(c->webhook), "http://127.0.0.1:1/hook");
	snprintf(c->mail_to, sizeof(c->mail_to), "ops@example.org");
	snprintf(c->alertmanager, sizeof(c->alertmanager), "http://127.0.0.1:9093");
	c->file_severity = c->exec_severity = c->webhook_severity = NOTIFY_INFO;
	c->mail_severity = c->alertmanager_severity = NOTIFY_INFO;
}

static void open_core(struct notify_core *core, const struct notify_config *cfg)
{
	struct strbuf err = STRBUF_INIT;

	memset(fakes, 0, sizeof(fakes));
	assert_int_equal(notify_core_init(core, cfg, "web1", fake_ops, &err), 0);
	strbuf_release(&err);
}

static void event(struct alert_event *ev, uint64_t id, enum alert_severity sev,
		  enum alert_status st, int64_t t)
{
	memset(ev, 0, sizeof(*ev));
	ev->id = id;
	ev->time_ms = t;
	ev->started_ms = t - 10000;
	snprintf(ev->rule, sizeof(ev->rule), "per_ip_connections");
	ev->severity = sev;
	ev->status = st;
	alert_subject_init(&ev->subject);
	snprintf(ev->subject.addr, sizeof(ev->subject.addr), "10.0.0.%u", (unsigned)id);
	ev->value = 73;
	ev->threshold = 50;
	snprintf(ev->summary, sizeof(ev->summary), "10.0.0.%u holds 73 TCP connections",
		 (unsigned)id);
}

static void test_backoff(void **state)
{
	(void)state;
	assert_int_equal(notify_backoff_ms(1000, 0), 1000);
	assert_int_equal(notify_backoff_ms(1000, 1), 2000);
	assert_int_equal(notify_backoff_ms(1000, 4), 16000);
	assert_int_equal(notify_backoff_ms(1000, 9), 300000); /* 512 s capped at 5 min */
	assert_int_equal(notify_backoff_ms(1000, 200), NOTIFY_BACKOFF_MAX_MS);
	assert_int_equal(notify_backoff_ms(250, 3), 2000);
}

static void test_levels(void **state)
{
	(void)state;
	assert_false(notify_level_passes(NOTIFY_OFF, ALERT_CRITICAL));
	assert_true(notify_level_passes(NOTIFY_INFO, ALERT_INFO));
	assert_false(notify_level_passes(NOTIFY_WARNING, ALERT_INFO));
	assert_true(notify_level_passes(NOTIFY_WARNING, ALERT_CRITICAL));
	assert_false(notify_level_passes(NOTIFY_CRITICAL, ALERT_WARNING));
	assert_true(notify_level_passes(NOTIFY_CRITICAL, ALERT_CRITICAL));
}

/* The config file's [alerts] defaults are notify_config_defaults(). */
static void test_defaults_agree(void **state)
{
	struct agent_config c;
	struct notify_config d;

	(void)state;
	config_defaults(&c);
	notify_config_defaults(&d);
	assert_memory_equal(&c.alerts, &d, sizeof(d));
}

/* 20 events within group_wait: one notification per grouped sink, the file at once. */
static void test_grouping(void **state)
{
	struct notify_config cfg;
	struct notify_core core;
	struct alert_event ev;
	int64_t next;

	(void)state;
	all_sinks(&cfg);
	open_core(&core, &cfg);
	for (int i = 0; i < 20; i++) {
		event(&ev, (uint64_t)i + 1, ALERT_WARNING, ALERT_FIRING, T0 + i * 50);
		notify_core_add(&core, &ev, T0 + i * 50);
		next = notify_core_run(&core, T0 + i * 50, false);
		assert_int_equal(next, T0 + 2000); /* the group's deadline, from the first event */
	}
	assert_int_equal(fakes[NOTIFY_FILE].nr_calls, 20);
	assert_int_equal(fakes[NOTIFY_SYSLOG].nr_calls, 20);
	assert_int_equal(fakes[NOTIFY_WEBHOOK].nr_calls, 0);
	notify_core_run(&core, T0 + 1999, false);
	assert_int_equal(fakes[NOTIFY_MAIL].nr_calls, 0);
	notify_core_run(&core, T0 + 2000, false);
	for (int s = NOTIFY_EXEC; s < NOTIFY_SINKS; s++) {
		assert_int_equal(fakes[s].nr_calls, 1);
		assert_int_equal(fakes[s].sizes[0], 20);
	}
	assert_int_equal(core.stats.sink[NOTIFY_MAIL].sent, 20);
	assert_int_equal(notify_core_pending(&core), 0);
	/* a later event opens a new group */
	event(&ev, 21, ALERT_WARNING, ALERT_FIRING, T0 + 5000);
	notify_core_add(&core, &ev, T0 + 5000);
	notify_core_run(&core, T0 + 7000, false);
	assert_int_equal(fakes[NOTIFY_WEBHOOK].nr_calls, 2);
	assert_int_equal(fakes[NOTIFY_WEBHOOK].sizes[1], 1);
	notify_core_release(&core);
}

/* Severity routing, and a resolution follows its firing event whatever its severity. */
static void test_routing(void **state)
{
	struct notify_config cfg;
	struct notify_core core;
	struct alert_event ev;

	(void)state;
	all_sinks(&cfg);
	cfg.mail_severity = NOTIFY_CRITICAL;
	cfg.webhook_severity = NOTIFY_OFF;
	cfg.group_wait_ms = 0;
	open_core(&core, &cfg);
	assert_false(core.stats.sink[NOTIFY_WEBHOOK].enabled);
	event(&ev, 1, ALERT_WARNING, ALERT_FIRING, T0);
	notify_core_add(&core, &ev, T0);
	event(&ev, 2, ALERT_CRITICAL, ALERT_FIRING, T0);
	notify_core_add(&core, &ev, T0);
	notify_core_run(&core, T0, false);
	assert_int_equal(fakes[NOTIFY_MAIL].sizes[0], 1);
	assert_int_equal(fakes[NOTIFY_MAIL].first_id[0], 2);
	assert_int_equal(fakes[NOTIFY_WEBHOOK].nr_calls, 0);
	/* resolved events carry severity info: alert 2's still reaches mail, alert 1's not */
	event(&ev, 1, ALERT_INFO, ALERT_RESOLVED, T0 + 100);
	notify_core_add(&core, &ev, T0 + 100);
	event(&ev, 2, ALERT_INFO, ALERT_RESOLVED, T0 + 100);
	notify_core_add(&core, &ev, T0 + 100);
	notify_core_run(&core, T0 + 100, false);
	assert_int_equal(fakes[NOTIFY_MAIL].nr_calls, 2);
	assert_int_equal(fakes[NOTIFY_MAIL].sizes[1], 1);
	assert_int_equal(fakes[NOTIFY_MAIL].first_id[1], 2);
	assert_int_equal(core.nr_alerts, 0);
	/* an unknown alert's resolution goes by its own severity */
	event(&ev, 9, ALERT_CRITICAL, ALERT_RESOLVED, T0 + 200);
	notify_core_add(&core, &ev, T0 + 200);
	notify_core_run(&core, T0 + 200, false);
	assert_int_equal(fakes[NOTIFY_MAIL].nr_calls, 3);
	notify_core_release(&core);
}

/* Failures: retried at backoff, 2^n; given up after retries, counted. */
static void test_retries(void **state)
{
	struct notify_config cfg;
	struct notify_core core;
	struct alert_event ev;
	int64_t next;

	(void)state;
	all_sinks(&cfg);
	cfg.group_wait_ms = 0;
	cfg.retries = 3;
	cfg.retry_backoff_ms = 500;
	open_core(&core, &cfg);
	fakes[NOTIFY_WEBHOOK].fail_next = 2;
	fakes[NOTIFY_ALERTMANAGER].fail_next = 100;
	event(&ev, 1, ALERT_CRITICAL, ALERT_FIRING, T0);
	notify_core_add(&core, &ev, T0);
	next = notify_core_run(&core, T0, false);
	assert_int_equal(next, T0 + 500);
	assert_int_equal(core.stats.sink[NOTIFY_WEBHOOK].retrying, 1);
	assert_string_equal(core.stats.sink[NOTIFY_WEBHOOK].last_error, "connection refused");
	next = notify_core_run(&core, T0 + 500, false);
	assert_int_equal(next, T0 + 1500);
	next = notify_core_run(&core, T0 + 1500, false);
	/* webhook: third attempt went through; Alertmanager waits 2 s for its fourth */
	assert_int_equal(fakes[NOTIFY_WEBHOOK].nr_calls, 3);
	assert_int_equal(core.stats.sink[NOTIFY_WEBHOOK].sent, 1);
	assert_int_equal(core.stats.sink[NOTIFY_WEBHOOK].failed, 2);
	assert_int_equal(core.stats.sink[NOTIFY_WEBHOOK].retrying, 0);
	assert_int_equal(next, T0 + 3500);
	notify_core_run(&core, T0 + 3500, false);
	assert_int_equal(fakes[NOTIFY_ALERTMANAGER].nr_calls, 4);
	assert_int_equal(core.stats.sink[NOTIFY_ALERTMANAGER].failed, 4);
	assert_int_equal(core.stats.sink[NOTIFY_ALERTMANAGER].dropped, 1);
	assert_int_equal(core.stats.sink[NOTIFY_ALERTMANAGER].sent, 0);
	assert_int_equal(core.sink[NOTIFY_ALERTMANAGER].batch.nr, 0);
	notify_core_release(&core);
}

/* Alertmanager gets firing alerts again every repeat, and no longer once resolved. */
static void test_repeat(void **state)
{
	struct notify_config cfg;
	struct notify_core core;
	struct alert_event ev;
	int64_t next;

	(void)state;
	all_sinks(&cfg);
	cfg.group_wait_ms = 1000;
	cfg.repeat_ms = 60000;
	open_core(&core, &cfg);
	event(&ev, 1, ALERT_WARNING, ALERT_FIRING, T0);
	notify_core_add(&core, &ev, T0);
	notify_core_run(&core, T0 + 1000, false);
	assert_int_equal(fakes[NOTIFY_ALERTMANAGER].nr_calls, 1);
	next = notify_core_run(&core, T0 + 30000, false);
	assert_int_equal(next, T0 + 60000);
	notify_core_run(&core, T0 + 60000, false); /* queued with its group wait */
	notify_core_run(&core, T0 + 61000, false);
	assert_int_equal(fakes[NOTIFY_ALERTMANAGER].nr_calls, 2);
	assert_int_equal(fakes[NOTIFY_WEBHOOK].nr_calls, 1); /* only Alertmanager repeats */
	event(&ev, 1, ALERT_INFO, ALERT_RESOLVED, T0 + 70000);
	notify_core_add(&core, &ev, T0 + 70000);
	next = notify_core_run(&core, T0 + 71000, false);
	assert_int_equal(fakes[NOTIFY_ALERTMANAGER].nr_calls, 3);
	assert_int_equal(next, INT64_MAX);
	notify_core_release(&core);
}

/* Alertmanager knows alerts by labels: an escalation ends the old severity, a resolution matches.
 */
static void test_alertmanager_severity(void **state)
{
	struct notify_config cfg;
	struct notify_core core;
	struct alert_event ev;
	struct fake *am = &fakes[NOTIFY_ALERTMANAGER];

	(void)state;
	all_sinks(&cfg);
	cfg.group_wait_ms = 0;
	open_core(&core, &cfg);
	event(&ev, 1, ALERT_WARNING, ALERT_FIRING, T0);
	notify_core_add(&core, &ev, T0);
	notify_core_run(&core, T0, false);
	assert_int_equal(am->sizes[0], 1);
	event(&ev, 1, ALERT_CRITICAL, ALERT_FIRING, T0 + 1000);
	notify_core_add(&core, &ev, T0 + 1000);
	notify_core_run(&core, T0 + 1000, false);
	assert_int_equal(am->sizes[1], 2);
	assert_int_equal(am->last[0].severity, ALERT_WARNING);
	assert_int_equal(am->last[0].status, ALERT_RESOLVED);
	assert_int_equal(am->last[0].time_ms, T0 + 1000);
	assert_int_equal(am->last[1].severity, ALERT_CRITICAL);
	assert_int_equal(am->last[1].status, ALERT_FIRING);
	event(&ev, 1, ALERT_INFO, ALERT_RESOLVED, T0 + 2000);
	notify_core_add(&core, &ev, T0 + 2000);
	notify_core_run(&core, T0 + 2000, false);
	assert_int_equal(am->sizes[2], 1);
	assert_int_equal(am->last[0].severity, ALERT_CRITICAL);
	assert_int_equal(am->last[0].status, ALERT_RESOLVED);
	/* the other sinks get the event as it is */
	assert_int_equal(fakes[NOTIFY_WEBHOOK].last[0].severity, ALERT_INFO);
	notify_core_release(&core);
}

/* A full batch drops its oldest; the queue drops its oldest. */
static void test_bounds(void **state)
{
	struct notify_config cfg;
	struct notify_core core;
	struct notify_queue q;
	struct alert_event ev, dropped, out[16];

	(void)state;
	all_sinks(&cfg);
	cfg.group_wait_ms = 60000;
	open_core(&core, &cfg);
	for (int i = 0; i < NOTIFY_BATCH_MAX + 5; i++) {
		event(&ev, (uint64_t)i + 1, ALERT_WARNING, ALERT_FIRING, T0);
		notify_core_add(&core, &ev, T0);
	}
	assert_int_equal(core.sink[NOTIFY_MAIL].batch.nr, NOTIFY_BATCH_MAX);
	assert_int_equal(core.sink[NOTIFY_MAIL].batch.ev[0].id, 6);
	assert_int_equal(core.stats.sink[NOTIFY_MAIL].dropped, 5);
	notify_core_drop_all(&core, "test");
	assert_int_equal(core.stats.sink[NOTIFY_MAIL].dropped, 5 + NOTIFY_BATCH_MAX);
	notify_core_release(&core);

	notify_queue_init(&q, 16);
	for (int i = 0; i < 20; i++) {
		event(&ev, (uint64_t)i + 1, ALERT_WARNING, ALERT_FIRING, T0);
		assert_int_equal(notify_queue_push(&q, &ev, &dropped), i >= 16);
		if (i >= 16)
			assert_int_equal(dropped.id, i - 15);
	}
	assert_int_equal(notify_queue_take(&q, out), 16);
	assert_int_equal(out[0].id, 5);
	assert_int_equal(out[15].id, 20);
	assert_int_equal(notify_queue_take(&q, out), 0);
	notify_queue_release(&q);
}

static const char *member_str(const struct json_doc *d, const struct json_value *o, const char *key)
{
	const struct json_value *v = json_get(d, o, key);

	assert_non_null(v);
	return json_str(d, v);
}

static void test_alertmanager_payload(void **state)
{
	struct alert_event ev[2];
	struct strbuf out = STRBUF_INIT;
	struct json_doc d;
	const struct json_value *a, *labels, *ann;

	(void)state;
	event(&ev[0], 1, ALERT_CRITICAL, ALERT_FIRING, T0);
	ev[0].subject.port = 22;
	snprintf(ev[0].subject.comm, sizeof(ev[0].subject.comm), "ev\"il\x01");
	event(&ev[1], 2, ALERT_WARNING, ALERT_RESOLVED, T0 + 30000);
	notify_am_payload(ev, 2, "web1", "", T0 + 1000, 60000, &out);
	json_doc_init(&d, &json_limits_default);
	assert_int_equal(json_doc_parse(&d, out.buf, out.len, NULL), 0);
	assert_int_equal(json_doc_root(&d)->type, JSON_ARRAY);
	assert_int_equal(json_doc_root(&d)->nr, 2);
	a = json_first(&d, json_doc_root(&d));
	labels = json_get(&d, a, "labels");
	assert_string_equal(member_str(&d, labels, "alertname"), "per_ip_connections");
	assert_string_equal(member_str(&d, labels, "severity"), "critical");
	assert_string_equal(member_str(&d, labels, "instance"), "web1");
	assert_string_equal(member_str(&d, labels, "addr"), "10.0.0.1");
	assert_string_equal(member_str(&d, labels, "port"), "22");
	assert_string_equal(member_str(&d, labels, "comm"), "ev\"il\\x01");
	assert_null(json_get(&d, labels, "pid"));
	assert_int_equal(labels->nr, 6);
	ann = json_get(&d, a, "annotations");
	assert_string_equal(member_str(&d, ann, "summary"), "10.0.0.1 holds 73 TCP connections");
	assert_non_null(strstr(member_str(&d, ann, "description"), "value 73 (threshold 50)"));
	assert_string_equal(member_str(&d, a, "startsAt"), "2027-01-15T07:59:50.000Z");
	/* firing: ends 4 repeats after now unless re-sent */
	assert_string_equal(member_str(&d, a, "endsAt"), "2027-01-15T08:04:01.000Z");
	assert_string_equal(member_str(&d, a, "generatorURL"),
			    "connmon://web1/alerts/per_ip_connections");
	a = json_sibling(&d, a);
	assert_string_equal(member_str(&d, json_get(&d, a, "labels"), "severity"), "warning");
	assert_string_equal(member_str(&d, a, "endsAt"), "2027-01-15T08:00:30.000Z");
	json_doc_release(&d);
	strbuf_reset(&out);
	notify_am_payload(ev, 1, "web1", "http://web1:9556/metrics", T0, 60000, &out);
	assert_non_null(strstr(out.buf, "\"generatorURL\":\"http://web1:9556/metrics\""));
	strbuf_release(&out);
}

static void test_mail_message(void **state)
{
	struct alert_event ev[3];
	struct strbuf out = STRBUF_INIT;
	const char *body;

	(void)state;
	event(&ev[0], 1, ALERT_CRITICAL, ALERT_FIRING, T0);
	notify_mail_message("ops@example.org", "web1", ev, 1, &out);
	assert_non_null(strstr(out.buf, "To: ops@example.org\n"));
	assert_non_null(strstr(out.buf, "Subject: [connmon web1] critical firing: "
					"per_ip_connections addr=10.0.0.1\n"));
	body = strstr(out.buf, "\n\n");
	assert_non_null(body);
	assert_non_null(strstr(body, "10.0.0.1 holds 73 TCP connections\n"));
	assert_non_null(strstr(body, "since 2027-01-15T07:59:50.000Z"));
	assert_non_null(strstr(body, "{\"id\":1,"));
	strbuf_reset(&out);
	event(&ev[1], 2, ALERT_CRITICAL, ALERT_FIRING, T0);
	event(&ev[2], 3, ALERT_INFO, ALERT_RESOLVED, T0);
	snprintf(ev[2].rule, sizeof(ev[2].rule), "syn_flood");
	/* a hostile subject cannot add a header */
	snprintf(ev[0].subject.addr, sizeof(ev[0].subject.addr), "x\nBcc: evil@example.org");
	notify_mail_message("ops@example.org", "web1", ev, 3, &out);
	assert_non_null(strstr(out.buf, "Subject: [connmon web1] 3 alerts (2 firing, 1 resolved): "
					"per_ip_connections, syn_flood\n"));
	assert_null(strstr(out.buf, "\nBcc:"));
	assert_non_null(strstr(out.buf, "10.0.0.2 holds 73"));
	assert_non_null(strstr(out.buf, "resolved at 2027-01-15T08:00:00.000Z"));
	strbuf_release(&out);
}

static void test_open_checks(void **state)
{
	struct notify_config cfg;
	struct notifier *n = NULL;
	struct strbuf err = STRBUF_INIT;

	(void)state;
	notify_config_defaults(&cfg);
	snprintf(cfg.webhook, sizeof(cfg.webhook), "ftp://example.org/x");
	assert_int_equal(notify_open(&n, &cfg, NULL, NULL, &err), -EINVAL);
	assert_null(n);
	assert_string_equal(err.buf, "'ftp://example.org/x' is not an http:// or https:// URL");
	/* nothing configured: opens and closes at once */
	notify_config_defaults(&cfg);
	strbuf_reset(&err);
	assert_int_equal(notify_open(&n, &cfg, NULL, NULL, &err), 0);
	assert_int_equal(notify_close(n, 1000, NULL), 0);
	strbuf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backoff),	       cmocka_unit_test(test_levels),
		cmocka_unit_test(test_defaults_agree), cmocka_unit_test(test_grouping),
		cmocka_unit_test(test_routing),	       cmocka_unit_test(test_retries),
		cmocka_unit_test(test_repeat),	       cmocka_unit_test(test_alertmanager_severity),
		cmocka_unit_test(test_bounds),	       cmocka_unit_test(test_alertmanager_payload),
		cmocka_unit_test(test_mail_message),   cmocka_unit_test(test_open_checks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
