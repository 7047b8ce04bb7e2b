// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The table of built-in rules (names, thresholds, defaults: docs/RULES.md
 * says each one's why) and the rules on connection counts.
 */
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/rules_int.h"
#include "base/xalloc.h"

#define S     1000LL
#define M     (60 * S)
#define LOG   RULE_ACT(ACTION_LOG)
#define LIMIT RULE_ACT(ACTION_LIMIT)
#define BLOCK RULE_ACT(ACTION_BLOCK)
#define KILL  RULE_ACT(ACTION_KILL)
#define NR(a) (sizeof(a) / sizeof((a)[0]))
#define BIG   1e15
#define HOST_ACTS             \
	{                     \
		LOG, LOG, LOG \
	}
#define ADDR_ACTS                             \
	{                                     \
		LOG, LOG | LIMIT, LOG | BLOCK \
	}
/* As fail2ban bans after maxretry: a brute force is blocked when it fires. */
#define SSH_ACTS                                     \
	{                                            \
		LOG, LOG | BLOCK, LOG | BLOCK | KILL \
	}
#define SCAN_ACTS                     \
	{                             \
		LOG, LOG, LOG | BLOCK \
	}

#define SETTINGS(sev, for_, clear, clear_for, after, factor, acts)                                \
	{                                                                                         \
		.enabled = true, .severity = sev, .for_ms = for_, .clear_pct = clear,             \
		.clear_for_ms = clear_for, .escalate_after_ms = after, .escalate_factor = factor, \
		.actions = acts                                                                   \
	}

static const struct rule_param p_connections[] = {
	{ "max", 1000, 1, BIG, "connections", "ESTABLISHED TCP connections above which it fires" },
	{ "capacity", 80, 1, 100, "%",
	  "or above this share of the tightest limit (conntrack, somaxconn, nofile)" },
};
static const struct rule_param p_per_ip[] = {
	{ "max", 50, 1, BIG, "connections", "TCP connections one remote address may hold" },
};
static const struct rule_param p_syn_flood[] = {
	{ "syn_recv", 100, 1, BIG, "sockets", "SYN-RECV sockets on one listener" },
	{ "drops", 0, 0, BIG, "events", "SYN-queue drops and SYN cookies sent in the window" },
	{ "window", 10, 1, 3600, "s", "the window of drops and cookies" },
};
static const struct rule_param p_port_scan[] = {
	{ "ports", 20, 2, 65536, "ports", "distinct local ports one source probes (10 s)" },
};
static const struct rule_param p_ssh[] = {
	{ "failures", 5, 1, BIG, "failures", "failed SSH logins from one address (10 min)" },
};
static const struct rule_param p_close_wait[] = {
	{ "count", 20, 1, BIG, "sockets", "CLOSE-WAIT sockets one process holds" },
	{ "window", 300, 1, 3600, "s", "the count grew over this window" },
};
static const struct rule_param p_time_wait[] = {
	{ "ratio", 30, 0.01, 100, "%", "TIME-WAIT share of the TCP sockets" },
	{ "min_sockets", 100, 0, BIG, "sockets", "TCP sockets below which it is silent" },
};
static const struct rule_param p_surge[] = {
	{ "ratio", 150, 100, 100000, "%", "rate above this share of the baseline's p90" },
	{ "floor", 125000, 0, BIG, "bytes/s", "rates below this never surge" },
};
static const struct rule_param p_stopped[] = {
	{ "busy", 10000, 1, BIG, "bytes/s", "usual (median) rate from which a link is busy" },
	{ "below", 1, 0, BIG, "bytes/s", "a rate below this carries nothing" },
};
static const struct rule_param p_link[] = {
	{ "ratio", 70, 1, 100, "%", "share of the link's speed in one direction" },
};
static const struct rule_param p_loss[] = {
	{ "ratio", 0.1, 0.0001, 100, "%", "retransmitted or dropped share of the packets" },
	{ "min_packets", 1000, 1, BIG, "packets",
	  "packets in the window below which it is silent" },
	{ "window", 60, 1, 3600, "s", "the window the ratio is measured over" },
};
static const struct rule_param p_overflow[] = {
	{ "drops", 0, 0, BIG, "events", "listen-queue overflows and drops in the window" },
	{ "window", 10, 1, 3600, "s", "the window of overflows" },
};
static const struct rule_param p_big_flow[] = {
	{ "rate", 10e6, 1, BIG, "bytes/s", "rate of one host pair" },
	{ "share", 50, 1, 100, "%", "share of its interface's traffic" },
};
static const struct rule_param p_capacity[] = {
	{ "ratio", 80, 1, 100, "%", "use of a limit (conntrack, orphans, ports, descriptors)" },
};

#define INFO(name, subject, params)               \
	{                                         \
		name, subject, params, NR(params) \
	}

const struct rule_builtin rule_builtins[RULE_BUILTINS] = {
	[RULE_CONNECTIONS] = { INFO("connections", "host", p_connections), rule_eval_connections,
			       false,
			       SETTINGS(ALERT_WARNING, 30 * S, 90, M, 15 * M, 2, HOST_ACTS) },
	[RULE_PER_IP_CONNECTIONS] = { INFO("per_ip_connections", "addr", p_per_ip),
				      rule_eval_per_ip, false,
				      SETTINGS(ALERT_WARNING, S, 80, 30 * S, M, 4, ADDR_ACTS) },
	[RULE_SYN_FLOOD] = { INFO("syn_flood", "port", p_syn_flood), rule_eval_syn_flood, false,
			     SETTINGS(ALERT_WARNING, S, 50, 30 * S, M, 5, ADDR_ACTS) },
	[RULE_PORT_SCAN] = { INFO("port_scan", "addr", p_port_scan), rule_eval_port_scan, false,
			     SETTINGS(ALERT_WARNING, 0, 50, 30 * S, 2 * M, 5, SCAN_ACTS) },
	[RULE_SSH_BRUTE_FORCE] = { INFO("ssh_brute_force", "addr", p_ssh), rule_eval_ssh, false,
				   SETTINGS(ALERT_WARNING, 0, 80, M, 10 * M, 4, SSH_ACTS) },
	[RULE_CLOSE_WAIT] = { INFO("close_wait", "pid", p_close_wait), rule_eval_close_wait, false,
			      SETTINGS(ALERT_WARNING, M, 80, M, 0, 5, HOST_ACTS) },
	[RULE_TIME_WAIT_RATIO] = { INFO("time_wait_ratio", "host", p_time_wait),
				   rule_eval_time_wait, false,
				   SETTINGS(ALERT_INFO, M, 90, M, 0, 0, HOST_ACTS) },
	[RULE_TRAFFIC_SURGE] = { INFO("traffic_surge", "iface", p_surge), rule_eval_traffic_surge,
				 false, SETTINGS(ALERT_WARNING, M, 90, 2 * M, 0, 2, HOST_ACTS) },
	[RULE_TRAFFIC_STOPPED] = { INFO("traffic_stopped", "iface", p_stopped),
				   rule_eval_traffic_stopped, true,
				   SETTINGS(ALERT_WARNING, M, 100, 30 * S, 0, 0, HOST_ACTS) },
	[RULE_LINK_UTILISATION] = { INFO("link_utilisation", "iface", p_link), rule_eval_link_util,
				    false, SETTINGS(ALERT_WARNING, M, 90, M, 0, 1.3, HOST_ACTS) },
	[RULE_PACKET_LOSS] = { INFO("packet_loss", "host, iface", p_loss), rule_eval_packet_loss,
			       false, SETTINGS(ALERT_WARNING, M, 80, 2 * M, 0, 10, HOST_ACTS) },
	[RULE_LISTEN_OVERFLOW] = { INFO("listen_overflow", "port", p_overflow),
				   rule_eval_listen_overflow, false,
				   SETTINGS(ALERT_WARNING, 2 * S, 100, 30 * S, 5 * M, 0,
					    HOST_ACTS) },
	[RULE_UNKNOWN_LISTENER] = { { "unknown_listener", "port, pid", NULL, 0 },
				    rule_eval_unknown_listener,
				    false,
				    SETTINGS(ALERT_WARNING, 10 * S, 100, 10 * S, 0, 0, HOST_ACTS) },
	[RULE_BIG_FLOW] = { INFO("big_flow", "addr pair", p_big_flow), rule_eval_big_flow, false,
			    SETTINGS(ALERT_WARNING, 30 * S, 80, 30 * S, 0, 0, HOST_ACTS) },
	[RULE_CAPACITY] = { INFO("capacity", "what is full", p_capacity), rule_eval_capacity, false,
			    SETTINGS(ALERT_WARNING, 30 * S, 90, M, 0, 1.2, HOST_ACTS) },
};

/* The tightest limit of the connections rule: its value and what it is, for the summary. */
struct conn_limit {
	double v;
	char what[96];
};

static void limit_offer(struct conn_limit *l, double v, const char *what)
{
	if (isnan(v) || v <= 0 || v >= l->v)
		return;
	l->v = v;
	rule_obs_copy(l->what, sizeof(l->what), what);
}

/* A listener process's soft RLIMIT_NOFILE from the facts; 0 when not listed. */
static double fds_limit(const struct rule_facts *f, int32_t pid)
{
	for (size_t i = 0; i < f->nr_fds; i++) {
		if (f->fds[i].pid == pid)
			return (double)f->fds[i].limit;
	}
	return 0;
}

/*
 * The sum of the open-file limits of the processes that own the TCP
 * listeners (each process once): the connections they can accept.  NaN
 * unless every TCP listener's owner is known and listed in facts->fds (a
 * partial sum would understate the limit).
 */
static double listeners_nofile(const struct rule_facts *f)
{
	double sum = 0;
	bool any = false;

	if (!f || !f->listeners_fresh)
		return NAN;
	for (size_t i = 0; i < f->nr_listeners; i++) {
		const struct rule_listener *l = &f->listeners[i];
		bool seen = false;
		double lim;

		if (l->proto != IPPROTO_TCP)
			continue;
		lim = l->pid >= 0 ? fds_limit(f, l->pid) : 0;
		if (lim <= 0)
			return NAN;
		for (size_t j = 0; j < i && !seen; j++)
			seen = f->listeners[j].proto == IPPROTO_TCP &&
			       f->listeners[j].pid == l->pid;
		if (!seen)
			sum += lim;
		any = true;
	}
	return any ? sum : NAN;
}

void rule_eval_connections(struct rule_ctx *cx)
{
	const struct rule_inputs *in = cx->in;
	double est = rs_now(in, MF_TCP_SOCKETS, "state=\"established\"");
	double listen = rs_now(in, MF_TCP_SOCKETS, "state=\"listen\"");
	double share = cx->s->param[1] / 100;
	struct conn_limit lim = { cx->s->param[0], "" };
	struct rule_obs o;
	char v[32], t[32], what[96];

	if (isnan(est)) {
		rule_no_news(cx);
		return;
	}
	limit_offer(&lim, share * rs_now(in, MF_CONNTRACK_MAX, ""), "conntrack's maximum");
	if (listen > 0) {
		snprintf(what, sizeof(what), "somaxconn x %.0f listeners", listen);
		limit_offer(&lim, share * listen * rs_now(in, MF_SOMAXCONN, ""), what);
	}
	limit_offer(&lim, share * listeners_nofile(in->facts), "the listeners' open-file limits");
	rule_obs_init(&o, est, lim.v, est > lim.v);
	rs_fmt_count(est, v, sizeof(v));
	rs_fmt_count(lim.v, t, sizeof(t));
	if (lim.what[0])
		rule_obs_summary(&o, "%s established TCP connections (limit %s: %g %% of %s)", v, t,
				 cx->s->param[1], lim.what);
	else
		rule_obs_summary(&o, "%s established TCP connections (limit %s)", v, t);
	rule_observe(cx, &o);
}

struct addr_count {
	char addr[ALERT_ADDR_LEN];
	double count;
};

/* Adds n to addr's count in v (grown as needed); *hint speeds up runs of one address. */
static void count_add(struct addr_count **v, size_t *nr, size_t *alloc, size_t *hint,
		      const char *addr, double n)
{
	size_t i = *hint;

	if (i >= *nr || strcmp((*v)[i].addr, addr) != 0) {
		for (i = 0; i < *nr && strcmp((*v)[i].addr, addr) != 0; i++)
			;
	}
	if (i == *nr) {
		if (*nr == *alloc) {
			*alloc = *alloc ? 2 * *alloc : 64;
			*v = xrealloc(*v, *alloc * sizeof(**v));
		}
		rule_obs_copy((*v)[i].addr, sizeof((*v)[i].addr), addr);
		(*v)[i].count = 0;
		(*nr)++;
	}
	(*v)[i].count += n;
	*hint = i;
}

/*
 * Per remote address, the sum of its per-peer series in the states `want`
 * names (a '|'-separated list like "|established|syn_recv|"); "other" left out.
 */
static size_t peer_counts(const struct rule_inputs *in, const char *want, struct addr_count **out)
{
	size_t nr = 0, alloc = 0, hint = 0;
	char addr[ALERT_ADDR_LEN], state[32], key[40];

	*out = NULL;
	for (uint32_t i = 0; i < in->series->nr; i++) {
		const struct series_entry *e = &in->series->v[i];

		if (!rs_is(in, i, MF_TCP_PEER_SOCKETS) ||
		    !metric_labels_get(e->labels, "addr", addr, sizeof(addr)) ||
		    !metric_labels_get(e->labels, "state", state, sizeof(state)) ||
		    !strcmp(addr, "other"))
			continue;
		snprintf(key, sizeof(key), "|%s|", state);
		if (strstr(want, key))
			count_add(out, &nr, &alloc, &hint, addr, e->value);
	}
	return nr;
}

/* 127.0.0.0/8, ::1 and ::ffff:127.0.0.0/104 in text. */
static bool is_loopback_text(const char *a)
{
	return !strncmp(a, "127.", 4) || !strcmp(a, "::1") || !strncmp(a, "::ffff:127.", 11);
}

void rule_eval_per_ip(struct rule_ctx *cx)
{
	struct addr_count *v;
	size_t nr;
	struct rule_obs o;

	if (!rs_census_fresh(cx->in)) {
		rule_no_news(cx);
		return;
	}
	nr = peer_counts(cx->in, "|established|syn_sent|syn_recv|close_wait|other|", &v);
	for (size_t i = 0; i < nr; i++) {
		/* The host talking to itself (an app and its local database) is not a peer. */
		if (is_loopback_text(v[i].addr))
			continue;
		rule_obs_init(&o, v[i].count, cx->s->param[0], v[i].count > cx->s->param[0]);
		rule_obs_copy(o.subject.addr, sizeof(o.subject.addr), v[i].addr);
		rule_obs_summary(&o, "%s holds %.0f TCP connections (limit %.0f)", v[i].addr,
				 v[i].count, cx->s->param[0]);
		rule_observe(cx, &o);
	}
	free(v);
}

void rule_eval_time_wait(struct rule_ctx *cx)
{
	double total = 0, tw = NAN, pct;
	char state[32];
	struct rule_obs o;

	for (uint32_t i = 0; i < cx->in->series->nr; i++) {
		const struct series_entry *e = &cx->in->series->v[i];

		if (!rs_is(cx->in, i, MF_TCP_SOCKETS) ||
		    !metric_labels_get(e->labels, "state", state, sizeof(state)) ||
		    !strcmp(state, "listen"))
			continue;
		total += e->value;
		if (!strcmp(state, "time_wait"))
			tw = e->value;
	}
	if (isnan(tw)) {
		rule_no_news(cx);
		return;
	}
	pct = total > 0 ? 100 * tw / total : 0;
	rule_obs_init(&o, pct, cx->s->param[0], total >= cx->s->param[1] && pct >= cx->s->param[0]);
	rule_obs_summary(&o, "%.0f of %.0f TCP sockets are in TIME-WAIT (%.1f %%, threshold %g %%)",
			 tw, total, pct, cx->s->param[0]);
	rule_observe(cx, &o);
}

/* The earliest sample within the window (but not the latest), NaN when none. */
static double window_start(const struct rule_inputs *in, const struct series_entry *e,
			   int64_t window_ms)
{
	for (uint32_t b = rs_ticks(in, window_ms); b > 0; b--) {
		double v = rs_back(in, e, b);

		if (!isnan(v))
			return v;
	}
	return NAN;
}

void rule_eval_close_wait(struct rule_ctx *cx)
{
	int64_t window_ms = (int64_t)(cx->s->param[1] * 1000);
	char pid[16], comm[ALERT_TEXT_LEN];
	struct rule_obs o;
	bool any = false;

	for (uint32_t i = 0; i < cx->in->series->nr; i++) {
		const struct series_entry *e = &cx->in->series->v[i];
		double old;

		if (!rs_is(cx->in, i, MF_PROCESS_CLOSE_WAIT))
			continue;
		any = true;
		if (!metric_labels_get(e->labels, "pid", pid, sizeof(pid)) || !pid[0] ||
		    !metric_labels_get(e->labels, "comm", comm, sizeof(comm)))
			continue;
		old = window_start(cx->in, e, window_ms);
		rule_obs_init(&o, e->value, cx->s->param[0],
			      e->value >= cx->s->param[0] && !isnan(old) && e->value > old);
		o.subject.pid = (int32_t)strtol(pid, NULL, 10);
		rule_obs_copy(o.subject.comm, sizeof(o.subject.comm), comm);
		rule_obs_summary(
			&o,
			"pid %s (%s) holds %.0f CLOSE-WAIT sockets, %.0f %g s before (limit %.0f)",
			pid, comm, e->value, old, cx->s->param[1], cx->s->param[0]);
		rule_observe(cx, &o);
	}
	if (!any && !rs_census_fresh(cx->in))
		rule_no_news(cx);
}
