// SPDX-License-Identifier: GPL-2.0-or-later
/* Each built-in rule fed with hand-built series, ring, bands and facts. */
#include <math.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* clang-format off: cmocka.h needs the headers above */
#include <cmocka.h>
/* clang-format on */

#include "rules_test.h"

#define EST "state=\"established\""

/* Only rule id on, firing on the first tick that meets its condition. */
static void only(struct fx *fx, enum rule_id id)
{
	fx_init(fx);
	for (int i = 0; i < RULE_BUILTINS; i++)
		fx->cfg.builtin[i].enabled = i == (int)id;
	fx->cfg.builtin[id].for_ms = 0;
	fx_start(fx);
}

/* A census tick: the host totals (so the census counts as fresh). */
static void census(struct fx *fx, double est)
{
	fx_tick(fx);
	fx_put(fx, MF_TCP_SOCKETS, EST, est);
}

static void test_connections(void **state)
{
	struct fx fx;
	const struct alert_event *ev;

	(void)state;
	only(&fx, RULE_CONNECTIONS);
	census(&fx, 1000);
	assert_int_equal(fx_eval(&fx), 0); /* at the limit: not above */
	census(&fx, 1200);
	assert_int_equal(fx_eval(&fx), 1);
	ev = fx_one(&fx, "connections");
	assert_true(ev->value == 1200 && ev->threshold == 1000);
	assert_string_equal(ev->summary, "1200 established TCP connections (limit 1000)");
	fx_release(&fx);

	/* 80 % of a small conntrack table is the tighter limit */
	only(&fx, RULE_CONNECTIONS);
	census(&fx, 500);
	fx_put(&fx, MF_CONNTRACK_MAX, "", 500);
	assert_int_equal(fx_eval(&fx), 1);
	assert_true(fx_one(&fx, "connections")->threshold == 400);
	fx_release(&fx);
}

static void test_per_ip(void **state)
{
	struct fx fx;
	const struct alert_event *ev;

	(void)state;
	only(&fx, RULE_PER_IP_CONNECTIONS);
	census(&fx, 100);
	fx_put(&fx, MF_TCP_PEER_SOCKETS, "addr=\"10.0.0.9\",state=\"established\"", 40);
	fx_put(&fx, MF_TCP_PEER_SOCKETS, "addr=\"10.0.0.9\",state=\"syn_recv\"", 33);
	fx_put(&fx, MF_TCP_PEER_SOCKETS, "addr=\"10.0.0.9\",state=\"time_wait\"", 500);
	fx_put(&fx, MF_TCP_PEER_SOCKETS, "addr=\"10.0.0.8\",state=\"established\"", 50);
	fx_put(&fx, MF_TCP_PEER_SOCKETS, "addr=\"other\",state=\"established\"", 900);
	assert_int_equal(fx_eval(&fx), 1);
	ev = fx_one(&fx, "per_ip_connections");
	assert_string_equal(ev->subject.addr, "10.0.0.9");
	assert_true(ev->value == 73);
	assert_string_equal(ev->summary, "10.0.0.9 holds 73 TCP connections (limit 50)");
	assert_int_equal(ev->nr_actions, 2); /* warning: log, limit */
	assert_int_equal(ev->actions[1].kind, ACTION_LIMIT);
	assert_string_equal(ev->actions[1].target, "10.0.0.9");
	/* a tick without a census: no news, nothing resolves */
	fx_tick(&fx);
	assert_int_equal(fx_eval(&fx), 0);
	fx_release(&fx);
}

static void test_syn_flood(void **state)
{
	struct fx fx;
	const struct alert_event *ev;

	(void)state;
	only(&fx, RULE_SYN_FLOOD);
	census(&fx, 10);
	fx_put(&fx, MF_TCP_SOCKETS, "state=\"syn_recv\"", 250);
	fx_put(&fx, MF_TCP_PORT_SOCKETS, "port=\"80\",state=\"syn_recv\"", 240);
	fx_put(&fx, MF_TCP_PORT_SOCKETS, "port=\"22\",state=\"syn_recv\"", 10);
	fx_put(&fx, MF_TCP_PEER_SOCKETS, "addr=\"10.0.0.66\",state=\"syn_recv\"", 200);
	fx_put(&fx, MF_TCP_PEER_SOCKETS, "addr=\"10.0.0.67\",state=\"syn_recv\"", 40);
	assert_int_equal(fx_eval(&fx), 1);
	ev = fx_one(&fx, "syn_flood");
	assert_int_equal(ev->subject.port, 80);
	assert_true(ev->value == 240);
	assert_int_equal(ev->nr_sources, 2); /* two make 96 % of it */
	assert_string_equal(ev->sources[0], "10.0.0.66");
	assert_string_equal(ev->sources[1], "10.0.0.67");
	assert_string_equal(ev->actions[1].target, "port 80");
	fx_release(&fx);

	/* SYN cookies without a crowded queue: any increase fires */
	only(&fx, RULE_SYN_FLOOD);
	census(&fx, 10);
	fx_put(&fx, MF_TCP_SOCKETS, "state=\"syn_recv\"", 0);
	fx_put(&fx, MF_NETSTAT_TOTAL, "counter=\"TcpExtSyncookiesSent\"", 0);
	assert_int_equal(fx_eval(&fx), 0);
	census(&fx, 10);
	fx_put(&fx, MF_TCP_SOCKETS, "state=\"syn_recv\"", 0);
	fx_put(&fx, MF_NETSTAT_TOTAL, "counter=\"TcpExtSyncookiesSent\"", 3);
	assert_int_equal(fx_eval(&fx), 1);
	ev = fx_one(&fx, "syn_flood");
	assert_string_equal(ev->subject.resource, "syn_queue");
	assert_true(ev->value == 3);
	fx_release(&fx);
}

static void test_scan_and_ssh(void **state)
{
	struct rule_scan scans[2] = { { "192.0.2.7", 35, 40, FX_T0, 22 },
				      { "192.0.2.8", 19, 19, FX_T0, 80 } };
	struct rule_authfail fails[1] = { { "192.0.2.9", 6, FX_T0, "root" } };
	struct rules_status st;
	struct fx fx;

	(void)state;
	only(&fx, RULE_PORT_SCAN);
	fx.facts.scans = scans;
	fx.facts.nr_scans = 2;
	fx_tick(&fx);
	assert_int_equal(fx_eval(&fx), 1);
	assert_string_equal(fx_one(&fx, "port_scan")->subject.addr, "192.0.2.7");
	assert_true(fx_one(&fx, "port_scan")->value == 35);
	fx.facts.scan_state.available = false;
	snprintf(fx.facts.scan_state.why, sizeof(fx.facts.scan_state.why), "no CAP_NET_RAW");
	fx_tick(&fx);
	assert_int_equal(fx_eval(&fx), 0);
	rules_status_get(&fx.e, RULE_PORT_SCAN, &st);
	assert_false(st.running);
	assert_string_equal(st.why, "no CAP_NET_RAW");
	assert_int_equal(st.nr_firing, 1); /* off is not resolved */
	fx_release(&fx);

	only(&fx, RULE_SSH_BRUTE_FORCE);
	fx.facts.authfails = fails;
	fx.facts.nr_authfails = 1;
	fx_tick(&fx);
	assert_int_equal(fx_eval(&fx), 1);
	assert_string_equal(fx_one(&fx, "ssh_brute_force")->summary,
			    "192.0.2.9 failed 6 SSH logins, last as root (limit 5)");
	fails[0].nr_failures = 4; /* 80 % of 5: the clear level */
	fx_tick(&fx);
	assert_int_equal(fx_eval(&fx), 0);
	fx.facts.nr_authfails = 0; /* gone from the window */
	for (int i = 0; i < 59; i++) {
		fx_tick(&fx);
		assert_int_equal(fx_eval(&fx), 0);
	}
	fx_tick(&fx);
	assert_int_equal(fx_eval(&fx), 1);
	assert_int_equal(fx_one(&fx, "ssh_brute_force")->status, ALERT_RESOLVED);
	fx_release(&fx);
}

static void test_close_wait(void **state)
{
	const char *l = "pid=\"77\",comm=\"java\"";
	const struct alert_event *ev;
	struct fx fx;

	(void)state;
	only(&fx, RULE_CLOSE_WAIT);
	census(&fx, 10);
	fx_put(&fx, MF_PROCESS_CLOSE_WAIT, l, 30);
	assert_int_equal(fx_eval(&fx), 0); /* no history: no growth seen */
	census(&fx, 10);
	fx_put(&fx, MF_PROCESS_CLOSE_WAIT, l, 30);
	assert_int_equal(fx_eval(&fx), 0); /* flat: no leak */
	census(&fx, 10);
	fx_put(&fx, MF_PROCESS_CLOSE_WAIT, l, 45);
	assert_int_equal(fx_eval(&fx), 1);
	ev = fx_one(&fx, "close_wait");
	assert_int_equal(ev->subject.pid, 77);
	assert_string_equal(ev->subject.comm, "java");
	assert_true(ev->value == 45);
	fx_release(&fx);
}

static void test_time_wait(void **state)
{
	struct fx fx;

	(void)state;
	only(&fx, RULE_TIME_WAIT_RATIO);
	census(&fx, 40);
	fx_put(&fx, MF_TCP_SOCKETS, "state=\"time_wait\"", 30);
	assert_int_equal(fx_eval(&fx), 0); /* 43 % of 70 sockets: too few */
	census(&fx, 140);
	fx_put(&fx, MF_TCP_SOCKETS, "state=\"time_wait\"", 60);
	fx_put(&fx, MF_TCP_SOCKETS, "state=\"listen\"", 1000);
	assert_int_equal(fx_eval(&fx), 1);
	assert_int_equal(fx_one(&fx, "time_wait_ratio")->severity, ALERT_INFO);
	assert_true(fx_one(&fx, "time_wait_ratio")->value == 30);
	fx_release(&fx);
}

static void test_link_and_surge(void **state)
{
	const char *l = "iface=\"eth0\"";
	struct fx fx;

	(void)state;
	only(&fx, RULE_LINK_UTILISATION);
	fx_tick(&fx);
	fx_put(&fx, MF_IFACE_RX_BYTES, l, 800000);
	fx_put(&fx, MF_IFACE_TX_BYTES, l, 1000);
	assert_int_equal(fx_eval(&fx), 0); /* no known speed: never */
	fx_tick(&fx);
	fx_put(&fx, MF_IFACE_RX_BYTES, l, 800000);
	fx_put(&fx, MF_IFACE_SPEED, l, 1000000);
	assert_int_equal(fx_eval(&fx), 1);
	assert_string_equal(fx_one(&fx, "link_utilisation")->subject.iface, "eth0");
	assert_true(fx_one(&fx, "link_utilisation")->value == 80);
	fx_release(&fx);

	only(&fx, RULE_TRAFFIC_SURGE);
	fx.has_band = true;
	fx.band = (struct rule_band){ .p10 = 1e5, .median = 2e5, .p90 = 1e6 };
	fx_tick(&fx);
	fx_put(&fx, MF_IFACE_RX_BYTES, l, 1.4e6);
	assert_int_equal(fx_eval(&fx), 0); /* 140 % of p90 */
	fx_tick(&fx);
	fx_put(&fx, MF_IFACE_RX_BYTES, l, 1.6e6);
	assert_int_equal(fx_eval(&fx), 1);
	assert_true(fx_one(&fx, "traffic_surge")->threshold == 1.5e6);
	fx.band.learning = true; /* a learning band judges nothing: the surge vanished */
	fx_tick(&fx);
	fx_put(&fx, MF_IFACE_RX_BYTES, l, 1.6e6);
	assert_int_equal(fx_eval(&fx), 0);
	fx_release(&fx);
}

static void test_unknown_listener(void **state)
{
	struct rule_listener ls[2] = { { IPPROTO_TCP, 22, 100, "sshd" },
				       { IPPROTO_TCP, 4444, 666, "nc" } };
	const struct rule_listener_known *k;
	struct fx fx;
	size_t nr;

	(void)state;
	only(&fx, RULE_UNKNOWN_LISTENER);
	fx.e.cfg.learn_ms = 5000;
	fx.facts.listeners = ls;
	fx.facts.nr_listeners = 1;
	fx_tick(&fx);
	assert_int_equal(fx_eval(&fx), 0); /* learning */
	assert_true(rules_inventory_dirty(&fx.e));
	k = rules_inventory(&fx.e, &nr);
	assert_int_equal(nr, 1);
	assert_int_equal(k[0].port, 22);
	for (int i = 0; i < 5; i++)
		fx_tick(&fx);
	fx.facts.nr_listeners = 2;
	assert_int_equal(fx_eval(&fx), 1);
	assert_int_equal(fx_one(&fx, "unknown_listener")->subject.port, 4444);
	assert_int_equal(fx_one(&fx, "unknown_listener")->subject.pid, 666);
	fx_release(&fx);
}

static void test_capacity_and_overflow(void **state)
{
	struct rule_fds fds[1] = { { 9, "nginx", 900, 1024 } };
	struct fx fx;

	(void)state;
	only(&fx, RULE_CAPACITY);
	fx.facts.fds = fds;
	fx.facts.nr_fds = 1;
	census(&fx, 10);
	fx_put(&fx, MF_CONNTRACK_ENTRIES, "", 100);
	fx_put(&fx, MF_CONNTRACK_MAX, "", 1000);
	assert_int_equal(fx_eval(&fx), 1);
	assert_string_equal(fx_one(&fx, "capacity")->subject.resource, "fds");
	assert_int_equal(fx_one(&fx, "capacity")->subject.pid, 9);
	fx_release(&fx);

	only(&fx, RULE_LISTEN_OVERFLOW);
	fx_tick(&fx);
	fx_put(&fx, MF_NETSTAT_TOTAL, "counter=\"TcpExtListenDrops\"", 0);
	assert_int_equal(fx_eval(&fx), 0);
	fx_tick(&fx);
	fx_put(&fx, MF_NETSTAT_TOTAL, "counter=\"TcpExtListenDrops\"", 2);
	fx_put(&fx, MF_LISTEN_QUEUE, "port=\"8080\"", 128);
	fx_put(&fx, MF_LISTEN_BACKLOG, "port=\"8080\"", 128);
	assert_int_equal(fx_eval(&fx), 1);
	assert_int_equal(fx_one(&fx, "listen_overflow")->subject.port, 8080);
	fx_release(&fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_connections),
		cmocka_unit_test(test_per_ip),
		cmocka_unit_test(test_syn_flood),
		cmocka_unit_test(test_scan_and_ssh),
		cmocka_unit_test(test_close_wait),
		cmocka_unit_test(test_time_wait),
		cmocka_unit_test(test_link_and_surge),
		cmocka_unit_test(test_unknown_listener),
		cmocka_unit_test(test_capacity_and_overflow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
