// SPDX-License-Identifier: GPL-2.0-or-later
/* The rules on attacks: SYN floods, port scans, SSH brute force, listen-queue overflows. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/rules_int.h"

static double nan0(double v)
{
	return isnan(v) ? 0 : v;
}

/*
 * The flood's sources when few make most of it: the addresses with the
 * most SYN-RECV sockets, when the first ALERT_MAX_SOURCES of them hold at
 * least 80 % of all the host's.
 */
static void flood_sources(const struct rule_inputs *in, struct rule_obs *o)
{
	double total = rs_now(in, MF_TCP_SOCKETS, "state=\"syn_recv\""), top[ALERT_MAX_SOURCES];
	char addr[ALERT_ADDR_LEN];
	uint32_t n = 0;
	double sum = 0;

	for (uint32_t i = 0; i < in->series->nr; i++) {
		const struct series_entry *e = &in->series->v[i];
		uint32_t j;

		if (!rs_is(in, i, MF_TCP_PEER_SOCKETS) || e->value <= 0 ||
		    !strstr(e->labels, "state=\"syn_recv\"") ||
		    !metric_labels_get(e->labels, "addr", addr, sizeof(addr)) ||
		    !strcmp(addr, "other"))
			continue;
		for (j = n; j > 0 && top[j - 1] < e->value; j--)
			;
		if (j >= ALERT_MAX_SOURCES)
			continue;
		n = n < ALERT_MAX_SOURCES ? n + 1 : n;
		memmove(&top[j + 1], &top[j], (n - 1 - j) * sizeof(top[0]));
		memmove(o->sources[j + 1], o->sources[j], (n - 1 - j) * sizeof(o->sources[0]));
		top[j] = e->value;
		rule_obs_copy(o->sources[j], sizeof(o->sources[j]), addr);
	}
	for (uint32_t j = 0; j < n; j++)
		sum += top[j];
	o->nr_sources = !isnan(total) && total > 0 && sum >= 0.8 * total ? n : 0;
}

struct flood {
	double drops;	  /* SYN-queue drops and cookies in the window */
	double top_value; /* SYN-RECV of the busiest listener */
	char top_port[16];
};

static void flood_port(struct rule_ctx *cx, const struct flood *f, const char *port, double v)
{
	double thr = cx->s->param[0];
	bool by_drops = !strcmp(port, f->top_port) && f->drops > cx->s->param[1];
	struct rule_obs o;

	rule_obs_init(&o, v, thr, v > thr || by_drops);
	o.hold = by_drops;
	o.subject.port = (int32_t)strtol(port, NULL, 10);
	if (o.cond)
		flood_sources(cx->in, &o);
	if (by_drops)
		rule_obs_summary(&o,
				 "port %s: %.0f SYN-RECV sockets, %.0f SYN-queue drops or "
				 "cookies in %g s (limit %.0f)",
				 port, v, f->drops, cx->s->param[2], thr);
	else
		rule_obs_summary(&o, "port %s: %.0f SYN-RECV sockets (limit %.0f)", port, v, thr);
	rule_observe(cx, &o);
}

void rule_eval_syn_flood(struct rule_ctx *cx)
{
	int64_t window_ms = (int64_t)(cx->s->param[2] * 1000);
	struct flood f = { 0 };
	char port[16];
	struct rule_obs o;

	if (isnan(rs_now(cx->in, MF_TCP_SOCKETS, "state=\"syn_recv\""))) {
		rule_no_news(cx);
		return;
	}
	f.drops = nan0(rs_netstat_window(cx->in, "TcpExtTCPReqQFullDrop", window_ms)) +
		  nan0(rs_netstat_window(cx->in, "TcpExtSyncookiesSent", window_ms));
	for (int pass = 0; pass < 2; pass++) {
		for (uint32_t i = 0; i < cx->in->series->nr; i++) {
			const struct series_entry *e = &cx->in->series->v[i];

			if (!rs_is(cx->in, i, MF_TCP_PORT_SOCKETS) ||
			    !strstr(e->labels, "state=\"syn_recv\"") ||
			    !metric_labels_get(e->labels, "port", port, sizeof(port)) ||
			    !strcmp(port, "other"))
				continue;
			if (pass == 0 && e->value > f.top_value) {
				f.top_value = e->value;
				rule_obs_copy(f.top_port, sizeof(f.top_port), port);
			} else if (pass == 1) {
				flood_port(cx, &f, port, e->value);
			}
		}
	}
	if (f.top_port[0] || f.drops <= cx->s->param[1])
		return;
	rule_obs_init(&o, f.drops, cx->s->param[1], true);
	rule_obs_copy(o.subject.resource, sizeof(o.subject.resource), "syn_queue");
	rule_obs_summary(&o, "%.0f SYN-queue drops or SYN cookies in %g s (limit %.0f)", f.drops,
			 cx->s->param[2], cx->s->param[1]);
	rule_observe(cx, &o);
}

void rule_eval_port_scan(struct rule_ctx *cx)
{
	const struct rule_facts *f = cx->in->facts;
	struct rule_obs o;

	if (!f || !f->scan_state.available) {
		rule_off(cx, f && f->scan_state.why[0] ? f->scan_state.why : "no packet capture");
		return;
	}
	for (size_t i = 0; i < f->nr_scans; i++) {
		const struct rule_scan *s = &f->scans[i];

		rule_obs_init(&o, s->nr_ports, cx->s->param[0], s->nr_ports >= cx->s->param[0]);
		rule_obs_copy(o.subject.addr, sizeof(o.subject.addr), s->addr);
		rule_obs_summary(&o, "%s probed %u local ports (limit %.0f), e.g. port %u", s->addr,
				 s->nr_ports, cx->s->param[0], s->sample_port);
		rule_observe(cx, &o);
	}
}

void rule_eval_ssh(struct rule_ctx *cx)
{
	const struct rule_facts *f = cx->in->facts;
	struct rule_obs o;

	if (!f || !f->auth_state.available) {
		rule_off(cx, f && f->auth_state.why[0] ? f->auth_state.why : "no SSH log to read");
		return;
	}
	for (size_t i = 0; i < f->nr_authfails; i++) {
		const struct rule_authfail *a = &f->authfails[i];

		rule_obs_init(&o, a->nr_failures, cx->s->param[0],
			      a->nr_failures >= cx->s->param[0]);
		rule_obs_copy(o.subject.addr, sizeof(o.subject.addr), a->addr);
		rule_obs_summary(&o, "%s failed %u SSH logins%s%s (limit %.0f)", a->addr,
				 a->nr_failures, a->user[0] ? ", last as " : "", a->user,
				 cx->s->param[0]);
		rule_observe(cx, &o);
	}
}

/* The listener whose accept queue is fullest, when at least half full. */
static bool fullest_listener(const struct rule_inputs *in, char *port, size_t size, double *fill)
{
	struct strbuf labels = STRBUF_INIT;
	char p[16];

	*fill = 0.5;
	port[0] = '\0';
	for (uint32_t i = 0; i < in->series->nr; i++) {
		const struct series_entry *e = &in->series->v[i];
		double backlog;

		if (!rs_is(in, i, MF_LISTEN_QUEUE) ||
		    !metric_labels_get(e->labels, "port", p, sizeof(p)) || !strcmp(p, "other"))
			continue;
		strbuf_reset(&labels);
		metric_labels_add(&labels, "port", p);
		backlog = rs_now(in, MF_LISTEN_BACKLOG, labels.buf);
		if (backlog > 0 && e->value / backlog >= *fill) {
			*fill = e->value / backlog;
			rule_obs_copy(port, size, p);
		}
	}
	strbuf_release(&labels);
	return port[0] != '\0';
}

void rule_eval_listen_overflow(struct rule_ctx *cx)
{
	int64_t window_ms = (int64_t)(cx->s->param[1] * 1000);
	double drops = rs_netstat_window(cx->in, "TcpExtListenDrops", window_ms), fill;
	char port[16];
	struct rule_obs o;

	if (isnan(drops))
		drops = rs_netstat_window(cx->in, "TcpExtListenOverflows", window_ms);
	if (isnan(drops)) {
		rule_no_news(cx);
		return;
	}
	rule_obs_init(&o, drops, cx->s->param[0], drops > cx->s->param[0]);
	if (o.cond && fullest_listener(cx->in, port, sizeof(port), &fill)) {
		o.subject.port = (int32_t)strtol(port, NULL, 10);
		rule_obs_summary(&o,
				 "%.0f connections dropped at full listen queues in %g s; "
				 "port %s's queue is %.0f %% full",
				 drops, cx->s->param[1], port, 100 * fill);
	} else {
		rule_obs_copy(o.subject.resource, sizeof(o.subject.resource), "listen_queue");
		rule_obs_summary(&o, "%.0f connections dropped at full listen queues in %g s",
				 drops, cx->s->param[1]);
	}
	rule_observe(cx, &o);
}
