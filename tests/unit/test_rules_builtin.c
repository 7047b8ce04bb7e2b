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

/* somaxconn x listeners, and the listeners' open-file limits, when tighter. */
static void test_connections_limits(void **state)
{
	struct rule_listener ls[4] = { { IPPROTO_TCP, 80, 9, "nginx" },
				       { IPPROTO_TCP, 443, 9, "nginx" },
				       { IPPROTO_UDP, 53, 5, "dnsmasq" },
				       { IPPROTO_TCP, 22, 3, "sshd" } };
	struct rule_fds fds[2] = { { 9, "nginx", 10, 1024 }, { 3, "sshd", 10, 256 } };
	struct fx fx;

	(void)state;
	only(&fx, RULE_CONNECTIONS);
	census(&fx, 300);
	fx_put(&fx, MF_TCP_SOCKETS, "state=\"listen\"", 3);
	fx_put(&fx, MF_SOMAXCONN, "", 128);
	assert_int_equal(fx_eval(&fx), 0); /* 80 % of 384: 307.2 */
	census(&fx, 310);
	fx_put(&fx, MF_TCP_SOCKETS, "state=\"listen\"", 3);
	fx_put(&fx, MF_SOMAXCONN, "", 128);
	assert_int_equal(fx_eval(&fx), 1);
	assert_true(fx_one(&fx, "connections")->value == 310);
	assert_true(fabs(fx_one(&fx, "connections")->threshold - 307.2) < 1e-9);
	assert_string_equal(fx_one(&fx, "connections")->summary,
			    "310 established TCP connections (limit 307.2: 80 % of somaxconn x 3 "
			    "listeners)");
	fx_release(&fx);

	/* nginx (two ports, counted once) and sshd: 1,280 descriptors, 1,024 at 80 % */
	only(&fx, RULE_CONNECTIONS);
	fx.facts.listeners = ls;
	fx.facts.nr_listeners = 4;
	fx.facts.fds = fds;
	fx.facts.nr_fds = 2;
	census(&fx, 1000);
	assert_int_equal(fx_eval(&fx), 0); /* max 1000 (not above) is not tighter than 1,024 */
	fds[0].limit = 512;		   /* 768 x 80 % = 614.4 */
	census(&fx, 700);
	assert_int_equal(fx_eval(&fx), 1);
	assert_true(fabs(fx_one(&fx, "connections")->threshold - 614.4) < 1e-9);
	assert_non_null(strstr(fx_one(&fx, "connections")->summary, "open-file limits"));
	fx_release(&fx);

	/* a TCP listener whose process is not listed: the sum is unknown, not used */
	only(&fx, RULE_CONNECTIONS);
	fds[0].limit = 512;
	fx.facts.listeners = ls;
	fx.facts.nr_listeners = 4;
	fx.facts.fds = fds;
	fx.facts.nr_fds = 1;
	census(&fx, 700);
	assert_int_equal(fx_eval(&fx), 0);
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
	/* loopback peers: the host with itself, never an offender */
	fx_put(&fx, MF_TCP_PEER_SOCKETS, "addr=\"127.0.0.1\",state=\"established\"", 300);
	fx_put(&fx, MF_TCP_PEER_SOCKETS, "addr=\"::1\",state=\"established\"", 300);
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

/* Allowed ports never fire, learned or not; the others still do. */
static void test_listener_allow(void **state)
{
	struct rule_listener ls[3] = { { IPPROTO_TCP, 8081, 10, "python3" },
				       { IPPROTO_UDP, 8082, 11, "python3" },
				       { IPPROTO_TCP, 4444, 666, "nc" } };
	struct fx fx;

	(void)state;
	fx_init(&fx);
	for (int i = 0; i < RULE_BUILTINS; i++)
		fx.cfg.builtin[i].enabled = i == RULE_UNKNOWN_LISTENER;
	fx.cfg.builtin[RULE_UNKNOWN_LISTENER].for_ms = 0;
	fx.cfg.learn_ms = 0; /* nothing learned: the allowlist alone */
	for (unsigned p = 8080; p <= 8090; p++)
		fx.cfg.listener_allow[p / 8] |= (uint8_t)(1u << (p % 8));
	fx_start(&fx);
	fx.facts.listeners = ls;
	fx.facts.nr_listeners = 3;
	fx_tick(&fx);
	assert_int_equal(fx_eval(&fx), 1);
	assert_int_equal(fx_one(&fx, "unknown_listener")->subject.port, 4444);
	fx_release(&fx);
}

/* A restarted agent loads the inventory and the learning start: it does not learn again. */
static void test_inventory_reload(void **state)
{
	struct rule_listener ls[2] = { { IPPROTO_TCP, 22, 100, "sshd" },
				       { IPPROTO_UDP, 53, 101, "dnsmasq" } };
	struct rule_listener_known k = { IPPROTO_TCP, 22, "sshd", FX_T0 - 3000, FX_T0 - 1000 };
	struct fx fx;
	size_t nr;

	(void)state;
	only(&fx, RULE_UNKNOWN_LISTENER);
	fx.e.cfg.learn_ms = 5000;
	assert_true(rules_inventory_learn_start(&fx.e) == INT64_MIN);
	rules_inventory_add(&fx.e, &k);
	assert_true(rules_inventory_learn_start(&fx.e) == FX_T0 - 3000); /* the oldest first_ms */
	rules_inventory_set_learn_start(&fx.e, FX_T0 - 10000);		 /* the stored one */
	assert_false(rules_inventory_dirty(&fx.e));
	fx.facts.listeners = ls;
	fx.facts.nr_listeners = 2;
	fx_tick(&fx);
	assert_int_equal(fx_eval(&fx), 1); /* learned long ago: dnsmasq is new */
	assert_int_equal(fx_one(&fx, "unknown_listener")->subject.port, 53);
	assert_true(rules_inventory_learn_start(&fx.e) == FX_T0 - 10000);
	rules_inventory(&fx.e, &nr);
	assert_int_equal(nr, 1);
	assert_false(rules_inventory_dirty(&fx.e));
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

/* Evaluates with a tick interval other than the fixture's 1 s (the ring's spacing is not read). */
static size_t eval_every(struct fx *fx, int64_t interval_ms)
{
	struct rule_inputs in = {
		.now_ms = fx->now_ms,
		.interval_ms = interval_ms,
		.series = &fx->t,
		.ring = &fx->r,
		.facts = &fx->facts,
	};

	alert_event_list_clear(&fx->out);
	return rules_evaluate(&fx->e, &in, &fx->out);
}

/* A counter as the agent holds it: the raw value in the table, the increase in the ring. */
static void counter_put(struct fx *fx, const char *labels, double raw, double increase)
{
	uint32_t i;

	fx_put(fx, MF_NETSTAT_TOTAL, labels, increase);
	i = series_table_find(&fx->t, &metric_families[MF_NETSTAT_TOTAL], labels);
	fx->t.v[i].value = raw;
}

/* One tick of an interface's byte counters (increases), either left out when NaN. */
static void iface_tick(struct fx *fx, double rx, double tx)
{
	fx_tick(fx);
	if (!isnan(rx))
		fx_put(fx, MF_IFACE_RX_BYTES, "iface=\"eth0\"", rx);
	if (!isnan(tx))
		fx_put(fx, MF_IFACE_TX_BYTES, "iface=\"eth0\"", tx);
}

static void test_traffic_stopped(void **state)
{
	const struct alert_event *ev;
	struct rules_status st;
	struct fx fx;

	(void)state;
	only(&fx, RULE_TRAFFIC_STOPPED);
	fx.has_band = true;
	fx.band = (struct rule_band){ .p10 = 100, .median = 4000, .p90 = 9000 };
	iface_tick(&fx, 0, 0);
	assert_int_equal(fx_eval(&fx), 0); /* 8,000 B/s usually: not busy (10,000) */
	fx.band.median = 6000;		   /* 12,000 B/s both ways: busy */
	iface_tick(&fx, 1, 0);
	assert_int_equal(fx_eval(&fx), 0); /* 1 B/s is not below 1 */
	iface_tick(&fx, 0, NAN);
	assert_int_equal(fx_eval(&fx), 0); /* tx is a gap: no news, not silence */
	iface_tick(&fx, NAN, NAN);
	assert_int_equal(fx_eval(&fx), 0);
	fx.band.learning = true;
	iface_tick(&fx, 0, 0);
	assert_int_equal(fx_eval(&fx), 0); /* a learning band judges nothing */
	fx.band.learning = false;
	iface_tick(&fx, 0, 0);
	assert_int_equal(fx_eval(&fx), 1);
	ev = fx_one(&fx, "traffic_stopped");
	assert_string_equal(ev->subject.iface, "eth0");
	assert_true(ev->value == 0 && ev->threshold == 1);
	assert_string_equal(ev->summary,
			    "eth0 carries 0 B/s; it usually carries 12.0 kB/s at this hour");
	/* a gap while firing changes nothing, however long */
	for (int i = 0; i < 40; i++) {
		iface_tick(&fx, 0, NAN);
		assert_int_equal(fx_eval(&fx), 0);
	}
	rules_status_get(&fx.e, RULE_TRAFFIC_STOPPED, &st);
	assert_int_equal(st.nr_firing, 1);
	/* traffic again: resolved after clear_for (30 s) */
	for (int i = 0; i < 30; i++) {
		iface_tick(&fx, 500, 500);
		assert_int_equal(fx_eval(&fx), 0);
	}
	iface_tick(&fx, 500, 500);
	assert_int_equal(fx_eval(&fx), 1);
	assert_int_equal(fx_one(&fx, "traffic_stopped")->status, ALERT_RESOLVED);
	/* no baseline at all (no band callback): off, and why */
	iface_tick(&fx, 0, 0);
	assert_int_equal(eval_every(&fx, 1000), 0);
	rules_status_get(&fx.e, RULE_TRAFFIC_STOPPED, &st);
	assert_false(st.running);
	assert_string_equal(st.why, "no baseline");
	fx_release(&fx);
}

/* One tick of the host's TCP segment counters (increases); NaN: not produced. */
static void segs_tick(struct fx *fx, double out, double retrans)
{
	fx_tick(fx);
	if (!isnan(out))
		fx_put(fx, MF_NETSTAT_TOTAL, "counter=\"TcpOutSegs\"", out);
	if (!isnan(retrans))
		fx_put(fx, MF_NETSTAT_TOTAL, "counter=\"TcpRetransSegs\"", retrans);
}

static void test_packet_loss(void **state)
{
	const struct alert_event *ev;
	struct fx fx;

	(void)state;
	only(&fx, RULE_PACKET_LOSS);
	segs_tick(&fx, 400, 100);
	assert_int_equal(fx_eval(&fx), 0); /* 25 % of 400 segments: too few to judge (1,000) */
	segs_tick(&fx, 599, 0);
	assert_int_equal(fx_eval(&fx), 0); /* 999 over the window: still too few */
	segs_tick(&fx, 1, 0);
	assert_int_equal(fx_eval(&fx), 1); /* 100 of 1,000: 10 % */
	fx_release(&fx);

	only(&fx, RULE_PACKET_LOSS);
	fx.cfg.builtin[RULE_PACKET_LOSS].param[2] = 2; /* a 2 s window */
	rules_configure(&fx.e, &fx.cfg);
	segs_tick(&fx, 1000, 0);
	assert_int_equal(fx_eval(&fx), 0);
	segs_tick(&fx, 1000, 1);
	assert_int_equal(fx_eval(&fx), 0); /* 1 of 2,000: 0.05 % */
	segs_tick(&fx, 1000, 2);
	assert_int_equal(fx_eval(&fx), 1); /* 3 of 2,000: 0.15 % */
	ev = fx_one(&fx, "packet_loss");
	assert_string_equal(ev->subject.iface, "");
	assert_true(fabs(ev->value - 0.15) < 1e-9 && ev->threshold == 0.1);
	assert_string_equal(ev->summary,
			    "0.150 % of 2000 packets retransmitted in 2 s (limit 0.1 %)");
	/* the counters missing: the window keeps what it had, no news beyond it */
	segs_tick(&fx, NAN, NAN);
	assert_int_equal(fx_eval(&fx), 0);
	segs_tick(&fx, NAN, NAN);
	assert_int_equal(fx_eval(&fx), 0);
	assert_int_equal(fx_count(&fx, "packet_loss"), 0);
	fx_release(&fx);

	/* an interface's drops */
	only(&fx, RULE_PACKET_LOSS);
	fx_tick(&fx);
	fx_put(&fx, MF_IFACE_RX_BYTES, "iface=\"eth1\"", 1e6);
	fx_put(&fx, MF_IFACE_RX_PACKETS, "iface=\"eth1\"", 800);
	fx_put(&fx, MF_IFACE_TX_PACKETS, "iface=\"eth1\"", 400);
	fx_put(&fx, MF_IFACE_RX_DROPPED, "iface=\"eth1\"", 3);
	assert_int_equal(fx_eval(&fx), 1);
	ev = fx_one(&fx, "packet_loss");
	assert_string_equal(ev->subject.iface, "eth1");
	assert_true(fabs(ev->value - 0.25) < 1e-9);
	fx_release(&fx);
}

static void test_big_flow(void **state)
{
	struct rule_pair pairs[3] = { { "10.0.0.1", "10.0.0.2", "eth0", 20e6 },
				      { "10.0.0.1", "10.0.0.3", "eth0", 4e6 },
				      { "10.0.0.1", "10.0.0.4", "", 12e6 } };
	const struct alert_event *ev;
	struct rules_status st;
	struct fx fx;

	(void)state;
	only(&fx, RULE_BIG_FLOW);
	fx.facts.pairs = pairs;
	fx.facts.nr_pairs = 2;
	iface_tick(&fx, 30e6, 20e6);
	assert_int_equal(fx_eval(&fx), 0); /* 40 % of eth0's 50 MB/s */
	iface_tick(&fx, 20e6, 5e6);
	assert_int_equal(fx_eval(&fx), 1); /* 80 %, and above 10 MB/s */
	ev = fx_one(&fx, "big_flow");
	assert_string_equal(ev->subject.addr, "10.0.0.2");
	assert_string_equal(ev->subject.local, "10.0.0.1");
	assert_true(ev->value == 20e6 && ev->threshold == 10e6);
	assert_string_equal(ev->summary,
			    "10.0.0.1 <-> 10.0.0.2 carries 20.0 MB/s, 80 % of eth0's traffic");
	/* no fresh measure of the pairs, or eth0 without a rate: no news, still firing */
	fx.facts.pairs_fresh = false;
	iface_tick(&fx, 20e6, 5e6);
	assert_int_equal(fx_eval(&fx), 0);
	fx.facts.pairs_fresh = true;
	iface_tick(&fx, NAN, NAN);
	assert_int_equal(fx_eval(&fx), 0);
	rules_status_get(&fx.e, RULE_BIG_FLOW, &st);
	assert_int_equal(st.nr_firing, 1);
	fx_release(&fx);

	/* a big pair on eth0 while eth0's rate is a gap: its share is unknown, it does not fire */
	only(&fx, RULE_BIG_FLOW);
	fx.facts.pairs = pairs;
	fx.facts.nr_pairs = 1;
	iface_tick(&fx, NAN, NAN);
	assert_int_equal(fx_eval(&fx), 0);
	fx_release(&fx);

	/* an unknown interface: judged on the rate alone */
	only(&fx, RULE_BIG_FLOW);
	fx.facts.pairs = &pairs[2];
	fx.facts.nr_pairs = 1;
	fx_tick(&fx);
	assert_int_equal(fx_eval(&fx), 1);
	assert_string_equal(fx_one(&fx, "big_flow")->subject.addr, "10.0.0.4");
	fx_release(&fx);
}

static void test_custom_counter(void **state)
{
	const char *l = "counter=\"TcpRetransSegs\"";
	struct rule_custom *r;
	const struct alert_event *ev;
	struct rules_status st;
	struct fx fx;

	(void)state;
	fx_init(&fx);
	for (int i = 0; i < RULE_BUILTINS; i++)
		fx.cfg.builtin[i].enabled = false;
	r = &fx.cfg.custom[fx.cfg.nr_custom++];
	rules_custom_defaults(r);
	snprintf(r->name, sizeof(r->name), "retransmits");
	snprintf(r->family, sizeof(r->family), "connmon_netstat_total");
	snprintf(r->match[0].key, sizeof(r->match[0].key), "counter");
	snprintf(r->match[0].value, sizeof(r->match[0].value), "TcpRetransSegs");
	r->nr_match = 1;
	r->threshold = 100;
	r->s.for_ms = 0;
	fx_start(&fx);

	fx_tick(&fx);
	counter_put(&fx, l, 5e6, 180);
	fx_put(&fx, MF_NETSTAT_TOTAL, "counter=\"TcpOutSegs\"", 1e6); /* not selected */
	assert_int_equal(eval_every(&fx, 2000), 0); /* 90 per second, not the raw 5,000,000 */
	fx_tick(&fx);
	counter_put(&fx, l, 5e6 + 400, 400);
	assert_int_equal(eval_every(&fx, 2000), 1);
	ev = fx_one(&fx, "retransmits");
	assert_true(ev->value == 200 && ev->threshold == 100);
	assert_string_equal(ev->subject.resource, l);
	/* a tick without the counter and without a census: no news, still firing */
	fx_tick(&fx);
	assert_int_equal(eval_every(&fx, 2000), 0);
	rules_status_get(&fx.e, RULE_BUILTINS, &st);
	assert_string_equal(st.name, "retransmits");
	assert_int_equal(st.nr_firing, 1);
	/* back under the threshold: resolved after clear_for (1 m) */
	for (int i = 0; i < 60; i++) {
		fx_tick(&fx);
		counter_put(&fx, l, 5e6 + 500, 20);
		assert_int_equal(eval_every(&fx, 2000), 0);
	}
	fx_tick(&fx);
	counter_put(&fx, l, 5e6 + 520, 20);
	assert_int_equal(eval_every(&fx, 2000), 1);
	assert_int_equal(fx_one(&fx, "retransmits")->status, ALERT_RESOLVED);
	fx_release(&fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_connections),
		cmocka_unit_test(test_connections_limits),
		cmocka_unit_test(test_per_ip),
		cmocka_unit_test(test_syn_flood),
		cmocka_unit_test(test_scan_and_ssh),
		cmocka_unit_test(test_close_wait),
		cmocka_unit_test(test_time_wait),
		cmocka_unit_test(test_link_and_surge),
		cmocka_unit_test(test_unknown_listener),
		cmocka_unit_test(test_inventory_reload),
		cmocka_unit_test(test_listener_allow),
		cmocka_unit_test(test_capacity_and_overflow),
		cmocka_unit_test(test_traffic_stopped),
		cmocka_unit_test(test_packet_loss),
		cmocka_unit_test(test_big_flow),
		cmocka_unit_test(test_custom_counter),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
