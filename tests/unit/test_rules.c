// SPDX-License-Identifier: GPL-2.0-or-later
/* The rule engine's state machine on a fake clock, through a custom rule. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* clang-format off: cmocka.h needs the headers above */
#include <cmocka.h>
/* clang-format on */

#include "cli/config.h"
#include "rules_test.h"

#define EST "state=\"established\""

/* Only one custom rule on: syn_recv above 100, for 3 s, clear at 80 % held 2 s. */
static void setup_custom(struct fx *fx)
{
	struct rule_custom *r = &fx->cfg.custom[0];

	fx_init(fx);
	for (int i = 0; i < RULE_BUILTINS; i++)
		fx->cfg.builtin[i].enabled = false;
	rules_custom_defaults(r);
	snprintf(r->name, sizeof(r->name), "many");
	snprintf(r->family, sizeof(r->family), "connmon_tcp_sockets");
	snprintf(r->match[0].key, sizeof(r->match[0].key), "state");
	snprintf(r->match[0].value, sizeof(r->match[0].value), "syn_recv");
	r->nr_match = 1;
	r->threshold = 100;
	r->s.for_ms = 3000;
	r->s.clear_pct = 80;
	r->s.clear_for_ms = 2000;
	r->s.escalate_after_ms = 10000;
	r->s.escalate_factor = 3;
	r->s.actions[ALERT_CRITICAL] = 1u << ACTION_LOG | 1u << ACTION_BLOCK;
	fx->cfg.nr_custom = 1;
	fx_start(fx);
}

/*
 * One tick with syn_recv = v; NaN: the census skipped this tick (no value
 * at all: no news); -1: the census ran and syn_recv was not produced (gone).
 */
static size_t step(struct fx *fx, double v)
{
	fx_tick(fx);
	if (!isnan(v))
		fx_put(fx, MF_TCP_SOCKETS, EST, 10);
	if (!isnan(v) && v != -1)
		fx_put(fx, MF_TCP_SOCKETS, "state=\"syn_recv\"", v);
	return fx_eval(fx);
}

static void test_for_and_fire(void **state)
{
	struct fx fx;
	const struct alert_event *ev;

	(void)state;
	setup_custom(&fx);
	assert_int_equal(step(&fx, 100), 0); /* at the threshold: not above */
	assert_int_equal(step(&fx, 150), 0); /* pending since here */
	assert_int_equal(step(&fx, 150), 0);
	assert_int_equal(step(&fx, 150), 0);
	assert_int_equal(step(&fx, 160), 1); /* 3 s held */
	ev = fx_one(&fx, "many");
	assert_int_equal(ev->status, ALERT_FIRING);
	assert_int_equal(ev->severity, ALERT_WARNING);
	assert_true(ev->id > 0);
	assert_true(ev->value == 160 && ev->threshold == 100);
	assert_true(ev->started_ms == FX_T0 + 2000 && ev->time_ms == FX_T0 + 5000);
	assert_int_equal(ev->nr_actions, 1);
	assert_int_equal(ev->actions[0].kind, ACTION_LOG);
	assert_string_equal(ev->actions[0].result, "pending");
	assert_non_null(strstr(ev->summary, "is 160, above 100"));
	assert_int_equal(step(&fx, 170), 0); /* firing: no new event */
	fx_release(&fx);
}

static void test_pending_broken(void **state)
{
	struct fx fx;

	(void)state;
	setup_custom(&fx);
	assert_int_equal(step(&fx, 150), 0);
	assert_int_equal(step(&fx, 150), 0);
	assert_int_equal(step(&fx, 150), 0);
	assert_int_equal(step(&fx, 90), 0); /* one sample below: back to idle */
	assert_int_equal(step(&fx, 150), 0);
	assert_int_equal(step(&fx, 150), 0);
	assert_int_equal(step(&fx, 150), 0);
	assert_int_equal(step(&fx, 150), 1);
	fx_release(&fx);
}

static void fire(struct fx *fx)
{
	for (int i = 0; i < 4; i++)
		step(fx, 150);
	assert_int_equal(fx->out.nr, 1);
}

static void test_hysteresis_and_resolve(void **state)
{
	struct fx fx;
	const struct alert_event *ev;
	uint64_t id;

	(void)state;
	setup_custom(&fx);
	fire(&fx);
	id = fx.out.v[0].id;
	for (int i = 0; i < 5; i++)
		assert_int_equal(step(&fx, 90), 0); /* between 80 and 100: still firing */
	assert_int_equal(step(&fx, 80), 0);	    /* at the clear level: clear hold starts */
	assert_int_equal(step(&fx, 85), 0);	    /* above it again: the hold restarts */
	assert_int_equal(step(&fx, 70), 0);
	assert_int_equal(step(&fx, 70), 0);
	assert_int_equal(step(&fx, 70), 1); /* 2 s below */
	ev = fx_one(&fx, "many");
	assert_int_equal(ev->status, ALERT_RESOLVED);
	assert_true(ev->id == id);
	assert_true(ev->value == 70);
	assert_int_equal(ev->nr_actions, 0);
	assert_int_equal(step(&fx, 70), 0);
	fire(&fx); /* a new alert, a new id */
	assert_true(fx.out.v[0].id > id);
	fx_release(&fx);
}

static void test_escalation(void **state)
{
	struct fx fx;
	const struct alert_event *ev;

	(void)state;
	setup_custom(&fx);
	fire(&fx);
	for (int i = 0; i < 9; i++)
		assert_int_equal(step(&fx, 150), 0);
	assert_int_equal(step(&fx, 150), 1); /* 10 s firing: one step up */
	ev = fx_one(&fx, "many");
	assert_int_equal(ev->status, ALERT_FIRING);
	assert_int_equal(ev->severity, ALERT_CRITICAL);
	assert_int_equal(ev->nr_actions, 2);
	assert_int_equal(ev->actions[1].kind, ACTION_BLOCK);
	for (int i = 0; i < 30; i++)
		assert_int_equal(step(&fx, 150), 0); /* never above critical */
	fx_release(&fx);

	/* growth: 3 x the threshold goes to critical at once, and stays there */
	setup_custom(&fx);
	fire(&fx);
	assert_int_equal(fx.out.v[0].severity, ALERT_WARNING);
	assert_int_equal(step(&fx, 299), 0);
	assert_int_equal(step(&fx, 300), 1);
	assert_int_equal(fx_one(&fx, "many")->severity, ALERT_CRITICAL);
	assert_int_equal(step(&fx, 150), 0);
	fx_release(&fx);

	/* fired straight into critical when it is already that high */
	setup_custom(&fx);
	for (int i = 0; i < 3; i++)
		step(&fx, 500);
	assert_int_equal(step(&fx, 500), 1);
	assert_int_equal(fx_one(&fx, "many")->severity, ALERT_CRITICAL);
	fx_release(&fx);
}

static void test_gap_is_not_zero(void **state)
{
	struct fx fx;

	(void)state;
	setup_custom(&fx);
	assert_int_equal(step(&fx, 150), 0);
	assert_int_equal(step(&fx, NAN), 0); /* no news: still pending */
	assert_int_equal(step(&fx, 150), 0);
	assert_int_equal(step(&fx, 150), 1);
	for (int i = 0; i < 10; i++)
		assert_int_equal(step(&fx, NAN), 0); /* no news: still firing */
	assert_int_equal(step(&fx, -1), 0);	     /* gone: below, the clear hold starts */
	assert_int_equal(step(&fx, -1), 0);
	assert_int_equal(step(&fx, -1), 1);
	assert_int_equal(fx_one(&fx, "many")->status, ALERT_RESOLVED);
	fx_release(&fx);
}

static void test_subjects(void **state)
{
	struct fx fx;
	char labels[64];
	struct rules_status st;

	(void)state;
	setup_custom(&fx);
	snprintf(fx.cfg.custom[0].family, sizeof(fx.cfg.custom[0].family),
		 "connmon_tcp_peer_sockets");
	fx.cfg.custom[0].s.for_ms = 0;
	rules_configure(&fx.e, &fx.cfg);
	fx_tick(&fx);
	fx_put(&fx, MF_TCP_PEER_SOCKETS, "addr=\"10.0.0.1\",state=\"syn_recv\"", 200);
	fx_put(&fx, MF_TCP_PEER_SOCKETS, "addr=\"10.0.0.2\",state=\"syn_recv\"", 300);
	assert_int_equal(fx_eval(&fx), 2);
	assert_string_equal(fx.out.v[0].subject.addr, "10.0.0.1");
	assert_string_equal(fx.out.v[1].subject.addr, "10.0.0.2");
	assert_true(fx.out.v[0].id != fx.out.v[1].id);
	assert_string_equal(fx.out.v[0].actions[0].target, "");
	fx_release(&fx);

	/* bounded: 5,000 subjects, 4,096 kept, the rest counted */
	setup_custom(&fx);
	snprintf(fx.cfg.custom[0].family, sizeof(fx.cfg.custom[0].family),
		 "connmon_tcp_peer_sockets");
	rules_configure(&fx.e, &fx.cfg);
	fx_tick(&fx);
	for (int i = 0; i < 5000; i++) {
		snprintf(labels, sizeof(labels), "addr=\"10.1.%d.%d\",state=\"syn_recv\"", i / 256,
			 i % 256);
		fx_put(&fx, MF_TCP_PEER_SOCKETS, labels, 500);
	}
	assert_int_equal(fx_eval(&fx), 0);
	rules_status_get(&fx.e, RULE_BUILTINS, &st);
	assert_string_equal(st.name, "many");
	assert_int_equal(st.nr_pending, RULES_MAX_SUBJECTS);
	assert_int_equal(st.nr_dropped, 5000 - RULES_MAX_SUBJECTS);
	fx_release(&fx);
}

static void count_firing(void *arg, const struct alert_event *ev)
{
	(void)ev;
	(*(int *)arg)++;
}

static void test_configure_and_resolve_all(void **state)
{
	struct fx fx;
	int n = 0;

	(void)state;
	setup_custom(&fx);
	fire(&fx);
	fx.cfg.custom[0].threshold = 120; /* SIGHUP: same rule, still on */
	rules_configure(&fx.e, &fx.cfg);
	assert_int_equal(step(&fx, 150), 0);
	rules_foreach_firing(&fx.e, count_firing, &n);
	assert_int_equal(n, 1);
	alert_event_list_clear(&fx.out);
	assert_int_equal(rules_resolve_all(&fx.e, fx.now_ms, &fx.out), 1);
	assert_int_equal(fx.out.v[0].status, ALERT_RESOLVED);
	n = 0;
	rules_foreach_firing(&fx.e, count_firing, &n);
	assert_int_equal(n, 0);
	fire(&fx);
	fx.cfg.nr_custom = 0; /* removed: its alert goes without an event */
	rules_configure(&fx.e, &fx.cfg);
	n = 0;
	rules_foreach_firing(&fx.e, count_firing, &n);
	assert_int_equal(n, 0);
	assert_int_equal(rules_count(&fx.e), RULE_BUILTINS);
	fx_release(&fx);
}

static void test_actions_text(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	uint8_t m = 0;
	char bad[16];

	(void)state;
	assert_int_equal(rules_actions_parse("log, block", &m, bad, sizeof(bad)), 0);
	assert_int_equal(m, 1u << ACTION_LOG | 1u << ACTION_BLOCK);
	rules_actions_format(m, &sb);
	assert_string_equal(sb.buf, "log,block");
	assert_int_equal(rules_actions_parse("none", &m, bad, sizeof(bad)), 0);
	assert_int_equal(m, 0);
	strbuf_reset(&sb);
	rules_actions_format(m, &sb);
	assert_string_equal(sb.buf, "none");
	assert_int_equal(rules_actions_parse("log,blok", &m, bad, sizeof(bad)), -EINVAL);
	assert_string_equal(bad, "blok");
	assert_int_equal(rules_actions_parse("log,,kill", &m, bad, sizeof(bad)), -EINVAL);
	assert_string_equal(bad, "");
	strbuf_release(&sb);
}

static void expect_config_error(const char *text, const char *msg)
{
	struct strbuf err = STRBUF_INIT;
	struct agent_config c;

	config_defaults(&c);
	if (config_parse_string(&c, "r.conf", text, &err) != -EINVAL || strcmp(err.buf, msg) != 0)
		fail_msg("for:\n%s\nexpected: %s\n     got: %s", text, msg, err.buf);
	strbuf_release(&err);
}

static void test_config(void **state)
{
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT, again = STRBUF_INIT;
	struct agent_config c, d;
	const struct rule_custom *r;

	(void)state;
	config_defaults(&c);
	assert_int_equal(
		config_parse_string(&c, "r.conf",
				    "[rule \"per_ip_connections\"]\nmax = 80\nfor = 2s\n"
				    "clear = 75%\nactions_critical = log,kill\n"
				    "[rule \"time_wait_ratio\"]\nenabled = no\n"
				    "[rule \"synrecv\"]\nseries = connmon_tcp_sockets{state="
				    "\"syn_recv\"}\nabove = 500\nseverity = critical\n",
				    &err),
		0);
	assert_true(c.rules.builtin[RULE_PER_IP_CONNECTIONS].param[0] == 80);
	assert_int_equal(c.rules.builtin[RULE_PER_IP_CONNECTIONS].for_ms, 2000);
	assert_true(c.rules.builtin[RULE_PER_IP_CONNECTIONS].clear_pct == 75);
	assert_int_equal(c.rules.builtin[RULE_PER_IP_CONNECTIONS].actions[ALERT_CRITICAL],
			 1u << ACTION_LOG | 1u << ACTION_KILL);
	assert_false(c.rules.builtin[RULE_TIME_WAIT_RATIO].enabled);
	assert_true(c.rules.builtin[RULE_CONNECTIONS].enabled);
	assert_int_equal(c.rules.nr_custom, 1);
	r = &c.rules.custom[0];
	assert_string_equal(r->name, "synrecv");
	assert_string_equal(r->family, "connmon_tcp_sockets");
	assert_int_equal(r->nr_match, 1);
	assert_string_equal(r->match[0].value, "syn_recv");
	assert_true(r->threshold == 500 && !r->below);
	assert_int_equal(r->s.severity, ALERT_CRITICAL);
	/* written back and read again: the same text */
	config_write(&c, &out);
	assert_non_null(strstr(out.buf, "[rule \"synrecv\"]\nseries = "));
	config_defaults(&d);
	if (config_parse_string(&d, "w.conf", out.buf, &err))
		fail_msg("%s", err.buf);
	config_write(&d, &again);
	assert_string_equal(out.buf, again.buf);
	strbuf_release(&err);
	strbuf_release(&out);
	strbuf_release(&again);
}

static void test_config_errors(void **state)
{
	(void)state;
	expect_config_error("[rule \"per_ip_connections\"]\nmx = 3\n",
			    "r.conf:2: unknown key 'mx' in [rule \"per_ip_connections\"] "
			    "(did you mean 'max'?)");
	expect_config_error("[rule \"connections\"]\n\nmax = lots\n",
			    "r.conf:3: [rule \"connections\"] max = lots: not a number "
			    "(examples: 50, 0.1, 1e6)");
	expect_config_error("[rule \"capacity\"]\nratio = 101\n",
			    "r.conf:2: [rule \"capacity\"] ratio = 101: out of range "
			    "(accepted: 1 to 100)");
	expect_config_error("[rule \"port_scan\"]\nfor = 2x\n",
			    "r.conf:2: [rule \"port_scan\"] for = 2x: not a duration "
			    "(examples: 0, 10s, 5m, 1h)");
	expect_config_error("[rule \"port_scan\"]\nseverity = loud\n",
			    "r.conf:2: [rule \"port_scan\"] severity = loud: not a severity "
			    "(accepted: info, warning, critical)");
	expect_config_error("[rule \"port_scan\"]\nactions_warning = log,nuke\n",
			    "r.conf:2: [rule \"port_scan\"] actions_warning = log,nuke: unknown "
			    "action 'nuke' (accepted: a list of log, limit, block, kill; or none)");
	expect_config_error("[rule \"port_scan\"]\nports = 30\n[rule \"port_scan\"]\nports = 40\n",
			    "r.conf:4: [rule \"port_scan\"] ports given twice (first on line 2)");
	expect_config_error("[rule \"x\"]\nseries = connmon_tcp_sockets\n",
			    "r.conf:1: [rule \"x\"]: a custom rule needs above = or below =");
	expect_config_error("[rule \"x\"]\nseries = connmon_tcp_socket\nabove = 1\n",
			    "r.conf:2: [rule \"x\"] series = connmon_tcp_socket: no series is "
			    "called 'connmon_tcp_socket' (docs/METRICS.md lists them)");
	expect_config_error("[rule \"x\"]\nseries = connmon_tcp_sockets{port=\"1\"}\nabove = 1\n",
			    "r.conf:2: [rule \"x\"] series = connmon_tcp_sockets{port=\"1\"}: "
			    "connmon_tcp_sockets has no label 'port' (its labels: state)");
	expect_config_error("[rule \"x\"]\nseries = connmon_tcp_sockets\nabove = 1\nbelow = 2\n",
			    "r.conf:4: [rule \"x\"] below given twice (first on line 3)");
	expect_config_error("[rule \"x\"]\nseries = connmon_tcp_sockets\nabov = 1\n",
			    "r.conf:3: unknown key 'abov' in [rule \"x\"] (did you mean 'above'?)");
	expect_config_error("[rule \"x\"]\nseries = connmon_tcp_sockets\nmax = 1\n",
			    "r.conf:3: unknown key 'max' in [rule \"x\"] (a custom rule takes "
			    "series, above or below, and the common keys; docs/RULES.md)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_for_and_fire),
		cmocka_unit_test(test_pending_broken),
		cmocka_unit_test(test_hysteresis_and_resolve),
		cmocka_unit_test(test_escalation),
		cmocka_unit_test(test_gap_is_not_zero),
		cmocka_unit_test(test_subjects),
		cmocka_unit_test(test_configure_and_resolve_all),
		cmocka_unit_test(test_actions_text),
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_config_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
