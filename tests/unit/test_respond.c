// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * alert/respond without the kernel: the ban escalation schedule, the
 * results of actions in dry-run and off modes, the allowlist's refusals, a
 * full set, the sources of an event without a subject address, the audit
 * and the log lines.  Mode on needs nftables and is tested in
 * tests/respond/ inside network namespaces: never here, where it would
 * touch the host's firewall.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* clang-format off: cmocka.h needs the headers above */
#include <cmocka.h>
/* clang-format on */

#include "alert/respond.h"

#define MIN (60 * 1000LL)

struct fake {
	size_t nr_audit, nr_log, in_force;
	uint32_t bans;
	char last_log[256];
	char last_audit_result[ALERT_RESULT_LEN];
};

static int f_audit(void *ctx, const struct respond_audit *a, size_t nr)
{
	struct fake *f = ctx;

	f->nr_audit += nr;
	snprintf(f->last_audit_result, sizeof(f->last_audit_result), "%s", a[nr - 1].result);
	return 0;
}

static void f_log(void *ctx, const char *line)
{
	struct fake *f = ctx;

	f->nr_log++;
	snprintf(f->last_log, sizeof(f->last_log), "%s", line);
}

static int f_count(void *ctx, int64_t now_ms, size_t *nr)
{
	(void)now_ms;
	*nr = ((struct fake *)ctx)->in_force;
	return 0;
}

static int f_offender(void *ctx, const char *addr, uint32_t *bans)
{
	(void)addr;
	*bans = ((struct fake *)ctx)->bans;
	return 0;
}

static struct responder *make(struct fake *f, enum respond_mode mode)
{
	struct respond_params p;
	struct respond_ops ops = { .ctx = f,
				   .audit = f_audit,
				   .log = f_log,
				   .block_count = f_count,
				   .offender_get = f_offender };
	struct responder *r;

	memset(f, 0, sizeof(*f));
	respond_params_init(&p);
	assert_int_equal(p.mode, RESPOND_DRY_RUN); /* the default */
	p.mode = mode;
	r = respond_new(&p, &ops);
	assert_int_equal(allow_add_text(respond_allow(r), "127.0.0.0/8", "loopback", NULL), 0);
	assert_int_equal(allow_add_text(respond_allow(r), "192.0.2.0/24", "configured", NULL), 0);
	return r;
}

static void event(struct alert_event *ev, const char *addr, int port)
{
	memset(ev, 0, sizeof(*ev));
	alert_subject_init(&ev->subject);
	ev->id = 1;
	ev->status = ALERT_FIRING;
	ev->severity = ALERT_CRITICAL;
	snprintf(ev->rule, sizeof(ev->rule), "port_scan");
	snprintf(ev->subject.addr, sizeof(ev->subject.addr), "%s", addr);
	ev->subject.port = port;
	ev->nr_actions = 4;
	ev->actions[0].kind = ACTION_LOG;
	ev->actions[1].kind = ACTION_LIMIT;
	ev->actions[2].kind = ACTION_BLOCK;
	ev->actions[3].kind = ACTION_KILL;
}

static void test_escalation(void **state)
{
	struct respond_params p;
	static const int64_t want[] = { 10 * MIN,   40 * MIN,	       160 * MIN,	 640 * MIN,
					2560 * MIN, 7 * 24 * 60 * MIN, 7 * 24 * 60 * MIN };
	struct strbuf s = STRBUF_INIT;

	(void)state;
	respond_params_init(&p);
	for (uint32_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		assert_int_equal(respond_ban_ms(&p, i), want[i]);
	assert_int_equal(respond_ban_ms(&p, UINT32_MAX), 7 * 24 * 60 * MIN);
	p.ban_factor = 1;
	assert_int_equal(respond_ban_ms(&p, 5), 10 * MIN);
	respond_format_duration(2560 * MIN, &s);
	assert_string_equal(s.buf, "1d18h40m");
	strbuf_reset(&s);
	respond_format_duration(0, &s);
	assert_string_equal(s.buf, "ever");
	strbuf_release(&s);
}

static void test_dry_run(void **state)
{
	struct fake f;
	struct responder *r = make(&f, RESPOND_DRY_RUN);
	struct alert_event ev;
	struct alert_event *evs[1] = { &ev };

	(void)state;
	event(&ev, "203.0.113.9", 22);
	f.bans = 1; /* a repeat offender: 40 minutes */
	respond_apply(r, evs, 1, 1000);
	assert_string_equal(ev.actions[0].result, "done");
	assert_string_equal(ev.actions[1].result, "dry-run: would limit for 10m");
	assert_string_equal(ev.actions[2].result, "dry-run: would block for 40m");
	assert_int_equal(ev.actions[2].duration_ms, 40 * MIN);
	assert_string_equal(ev.actions[3].result, "dry-run: would kill");
	assert_string_equal(f.last_log, "would kill 203.0.113.9 (rule port_scan)");
	assert_int_equal(f.nr_log, 3);
	assert_int_equal(f.nr_audit, 3);
	/* the array form, as the agent's event list holds them */
	event(&ev, "203.0.113.10", 22);
	respond_apply_array(r, &ev, 1, 1000);
	assert_string_equal(ev.actions[2].result, "dry-run: would block for 40m");
	/* resolved events are left alone */
	event(&ev, "203.0.113.9", 22);
	ev.status = ALERT_RESOLVED;
	respond_apply(r, evs, 1, 2000);
	assert_string_equal(ev.actions[2].result, "");
	respond_free(r);
}

static void test_allowlisted_and_full(void **state)
{
	struct fake f;
	struct responder *r = make(&f, RESPOND_DRY_RUN);
	struct alert_event ev;
	struct alert_event *evs[1] = { &ev };

	(void)state;
	event(&ev, "::ffff:127.0.0.1", 22);
	respond_apply(r, evs, 1, 1000);
	assert_string_equal(ev.actions[2].result, "refused: allowlisted (loopback)");
	assert_string_equal(ev.actions[3].result, "refused: allowlisted (loopback)");
	assert_string_equal(f.last_audit_result, "refused: allowlisted (loopback)");
	event(&ev, "198.51.100.1", -1);
	f.in_force = 65536;
	respond_apply(r, evs, 1, 1000);
	assert_string_equal(ev.actions[1].result, "refused: no port to limit");
	assert_string_equal(ev.actions[2].result, "refused: set full (65536)");
	assert_int_equal(respond_full_refusals(r), 1);
	event(&ev, "not-an-address", 80);
	respond_apply(r, evs, 1, 1000);
	assert_string_equal(ev.actions[2].result, "refused: not an address");
	respond_free(r);
}

static void test_sources(void **state)
{
	struct fake f;
	struct responder *r = make(&f, RESPOND_DRY_RUN);
	struct alert_event ev;
	struct alert_event *evs[1] = { &ev };

	(void)state;
	event(&ev, "", 443);
	snprintf(ev.sources[0], sizeof(ev.sources[0]), "198.51.100.1");
	snprintf(ev.sources[1], sizeof(ev.sources[1]), "192.0.2.5");
	snprintf(ev.sources[2], sizeof(ev.sources[2]), "2001:db8::7");
	ev.nr_sources = 3;
	ev.actions[2].duration_ms = 5 * MIN; /* the rule's own first ban */
	respond_apply(r, evs, 1, 1000);
	assert_string_equal(
		ev.actions[2].result,
		"dry-run: would block 2 addresses for 5m; 1 refused: allowlisted (configured)");
	respond_free(r);
}

static void test_off(void **state)
{
	struct fake f;
	struct responder *r = make(&f, RESPOND_OFF);
	struct alert_event ev;
	struct alert_event *evs[1] = { &ev };

	(void)state;
	event(&ev, "203.0.113.9", 22);
	assert_int_equal(respond_start(r, NULL), 0); /* off: touches nothing */
	respond_apply(r, evs, 1, 1000);
	assert_string_equal(ev.actions[0].result, "done");
	assert_string_equal(ev.actions[2].result, "off");
	assert_int_equal(f.nr_log, 0);
	respond_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escalation),
		cmocka_unit_test(test_dry_run),
		cmocka_unit_test(test_allowlisted_and_full),
		cmocka_unit_test(test_sources),
		cmocka_unit_test(test_off),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
