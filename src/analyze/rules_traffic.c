// SPDX-License-Identifier: GPL-2.0-or-later
/* The rules on traffic and capacity: surges, silences, link use, loss, big flows, full limits. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/rules_int.h"

static double nan0(double v)
{
	return isnan(v) ? 0 : v;
}

/* One direction of an interface: its rate now and its band at this hour. */
struct dir {
	double rate;
	struct rule_band band;
	bool has_band;
};

static void dir_get(const struct rule_inputs *in, enum metric_family_id id, const char *labels,
		    struct dir *d)
{
	const struct series_entry *e = rs_entry(in, id, labels);

	d->rate = rs_rate(in, e);
	d->has_band = e && in->band &&
		      in->band(in->band_arg, &metric_families[id], labels, in->now_ms, &d->band) &&
		      !d->band.learning;
}

static void surge_iface(struct rule_ctx *cx, const char *iface, const char *labels)
{
	struct dir d[2];
	double best = -1, thr = 0, value = 0;
	int which = 0;
	struct rule_obs o;
	char v[32], b[32];

	dir_get(cx->in, MF_IFACE_RX_BYTES, labels, &d[0]);
	dir_get(cx->in, MF_IFACE_TX_BYTES, labels, &d[1]);
	for (int k = 0; k < 2; k++) {
		double t;

		if (!d[k].has_band || isnan(d[k].rate))
			continue;
		t = fmax(d[k].band.p90 * cx->s->param[0] / 100, cx->s->param[1]);
		if (t > 0 && d[k].rate / t > best) {
			best = d[k].rate / t;
			thr = t;
			value = d[k].rate;
			which = k;
		}
	}
	if (best < 0)
		return;
	rule_obs_init(&o, value, thr, value > thr);
	rule_obs_copy(o.subject.iface, sizeof(o.subject.iface), iface);
	rs_fmt_bytes(value, v, sizeof(v));
	rs_fmt_bytes(d[which].band.p90, b, sizeof(b));
	rule_obs_summary(&o, "%s %s %s/s, above %g %% of its usual p90 (%s/s) at this hour", iface,
			 which ? "sends" : "receives", v, cx->s->param[0], b);
	rule_observe(cx, &o);
}

/* Calls fn for each interface with a byte counter this tick. */
static void each_iface(struct rule_ctx *cx,
		       void (*fn)(struct rule_ctx *cx, const char *iface, const char *labels))
{
	char iface[ALERT_TEXT_LEN];

	for (uint32_t i = 0; i < cx->in->series->nr; i++) {
		const struct series_entry *e = &cx->in->series->v[i];

		if (rs_is(cx->in, i, MF_IFACE_RX_BYTES) &&
		    metric_labels_get(e->labels, "iface", iface, sizeof(iface)))
			fn(cx, iface, e->labels);
	}
}

void rule_eval_traffic_surge(struct rule_ctx *cx)
{
	if (!cx->in->band) {
		rule_off(cx, "no baseline");
		return;
	}
	each_iface(cx, surge_iface);
}

static void stopped_iface(struct rule_ctx *cx, const char *iface, const char *labels)
{
	struct dir d[2];
	double rate;
	struct rule_obs o;
	char b[32];

	dir_get(cx->in, MF_IFACE_RX_BYTES, labels, &d[0]);
	dir_get(cx->in, MF_IFACE_TX_BYTES, labels, &d[1]);
	if (!d[0].has_band || !d[1].has_band || isnan(d[0].rate) || isnan(d[1].rate))
		return;
	if (d[0].band.median + d[1].band.median < cx->s->param[0])
		return; /* not a busy link at this hour */
	rate = d[0].rate + d[1].rate;
	rule_obs_init(&o, rate, cx->s->param[1], rate < cx->s->param[1]);
	rule_obs_copy(o.subject.iface, sizeof(o.subject.iface), iface);
	rs_fmt_bytes(d[0].band.median + d[1].band.median, b, sizeof(b));
	rule_obs_summary(&o, "%s carries %.0f B/s; it usually carries %s/s at this hour", iface,
			 rate, b);
	rule_observe(cx, &o);
}

void rule_eval_traffic_stopped(struct rule_ctx *cx)
{
	if (!cx->in->band) {
		rule_off(cx, "no baseline");
		return;
	}
	each_iface(cx, stopped_iface);
}

static void link_iface(struct rule_ctx *cx, const char *iface, const char *labels)
{
	double speed = rs_now(cx->in, MF_IFACE_SPEED, labels);
	double rx = rs_rate(cx->in, rs_entry(cx->in, MF_IFACE_RX_BYTES, labels));
	double tx = rs_rate(cx->in, rs_entry(cx->in, MF_IFACE_TX_BYTES, labels));
	double pct;
	struct rule_obs o;
	char s[32];

	if (isnan(speed) || speed <= 0 || (isnan(rx) && isnan(tx)))
		return; /* never on links without a known speed */
	pct = 100 * fmax(nan0(rx), nan0(tx)) / speed;
	rule_obs_init(&o, pct, cx->s->param[0], pct > cx->s->param[0]);
	rule_obs_copy(o.subject.iface, sizeof(o.subject.iface), iface);
	rs_fmt_bytes(speed, s, sizeof(s));
	rule_obs_summary(&o, "%s %s at %.0f %% of its link speed (%s/s; limit %g %%)", iface,
			 nan0(rx) >= nan0(tx) ? "receives" : "sends", pct, s, cx->s->param[0]);
	rule_observe(cx, &o);
}

void rule_eval_link_util(struct rule_ctx *cx)
{
	each_iface(cx, link_iface);
}

static void loss_obs(struct rule_ctx *cx, double lost, double packets, const char *iface,
		     const char *what)
{
	double pct = packets > 0 ? 100 * lost / packets : 0;
	struct rule_obs o;

	if (isnan(lost) || isnan(packets))
		return;
	rule_obs_init(&o, pct, cx->s->param[0],
		      packets >= cx->s->param[1] && pct >= cx->s->param[0]);
	rule_obs_copy(o.subject.iface, sizeof(o.subject.iface), iface);
	rule_obs_summary(&o, "%s%s%.3f %% of %.0f packets %s in %g s (limit %g %%)", iface,
			 iface[0] ? ": " : "", pct, packets, what, cx->s->param[2],
			 cx->s->param[0]);
	rule_observe(cx, &o);
}

static void loss_iface(struct rule_ctx *cx, const char *iface, const char *labels)
{
	int64_t w = (int64_t)(cx->s->param[2] * 1000);
	const struct rule_inputs *in = cx->in;
	double drop, pkts;

	(void)labels;
	drop = nan0(rs_iface_window(in, MF_IFACE_RX_DROPPED, iface, w)) +
	       nan0(rs_iface_window(in, MF_IFACE_TX_DROPPED, iface, w));
	pkts = rs_iface_window(in, MF_IFACE_RX_PACKETS, iface, w) +
	       rs_iface_window(in, MF_IFACE_TX_PACKETS, iface, w);
	loss_obs(cx, drop, pkts, iface, "dropped");
}

void rule_eval_packet_loss(struct rule_ctx *cx)
{
	int64_t w = (int64_t)(cx->s->param[2] * 1000);

	loss_obs(cx, rs_netstat_window(cx->in, "TcpRetransSegs", w),
		 rs_netstat_window(cx->in, "TcpOutSegs", w), "", "retransmitted");
	each_iface(cx, loss_iface);
}

void rule_eval_big_flow(struct rule_ctx *cx)
{
	const struct rule_facts *f = cx->in->facts;
	struct rule_obs o;
	char r[32];

	if (!f) {
		rule_off(cx, "no per-pair traffic");
		return;
	}
	if (!f->pairs_fresh) {
		rule_no_news(cx);
		return;
	}
	for (size_t i = 0; i < f->nr_pairs; i++) {
		const struct rule_pair *p = &f->pairs[i];
		double total = p->iface[0] ? rs_iface_rate(cx->in, p->iface) : NAN;
		double share = !isnan(total) && total > 0 ? 100 * p->bytes_per_s / total : 100;

		rule_obs_init(&o, p->bytes_per_s, cx->s->param[0],
			      p->bytes_per_s > cx->s->param[0] && share > cx->s->param[1]);
		rule_obs_copy(o.subject.addr, sizeof(o.subject.addr), p->remote);
		rule_obs_copy(o.subject.local, sizeof(o.subject.local), p->local);
		rs_fmt_bytes(p->bytes_per_s, r, sizeof(r));
		rule_obs_summary(&o, "%s <-> %s carries %s/s, %.0f %% of %s's traffic", p->local,
				 p->remote, r, fmin(share, 100),
				 p->iface[0] ? p->iface : "the interface");
		rule_observe(cx, &o);
	}
}

static void cap_obs(struct rule_ctx *cx, const char *resource, double used, double limit,
		    struct rule_obs *o)
{
	double pct;

	if (isnan(used) || isnan(limit) || limit <= 0)
		return;
	pct = 100 * used / limit;
	o->value = pct;
	o->threshold = cx->s->param[0];
	o->cond = pct >= cx->s->param[0];
	rule_obs_copy(o->subject.resource, sizeof(o->subject.resource), resource);
	if (!o->summary[0])
		rule_obs_summary(o, "%s: %.0f of %.0f used (%.0f %%, limit %g %%)", resource, used,
				 limit, pct, cx->s->param[0]);
	rule_observe(cx, o);
}

void rule_eval_capacity(struct rule_ctx *cx)
{
	const struct rule_inputs *in = cx->in;
	double range = rs_now(in, MF_EPHEMERAL_PORTS_RANGE, "");
	char dest[ALERT_ADDR_LEN];
	struct rule_obs o;

	if (!rs_census_fresh(in)) {
		rule_no_news(cx); /* a busy host's census skipped this tick */
		return;
	}
	rule_obs_init(&o, NAN, 0, false);
	cap_obs(cx, "conntrack", rs_now(in, MF_CONNTRACK_ENTRIES, ""),
		rs_now(in, MF_CONNTRACK_MAX, ""), &o);
	rule_obs_init(&o, NAN, 0, false);
	cap_obs(cx, "orphans", rs_now(in, MF_SOCKSTAT, "proto=\"tcp\",field=\"orphan\""),
		rs_now(in, MF_TCP_ORPHANS_MAX, ""), &o);
	for (uint32_t i = 0; i < in->series->nr; i++) {
		const struct series_entry *e = &in->series->v[i];

		if (!rs_is(in, i, MF_EPHEMERAL_PORTS_USED) ||
		    !metric_labels_get(e->labels, "dest", dest, sizeof(dest)))
			continue;
		rule_obs_init(&o, NAN, 0, false);
		rule_obs_copy(o.subject.addr, sizeof(o.subject.addr), dest);
		rule_obs_summary(&o, "ephemeral ports towards %s: %.0f of %.0f used", dest,
				 e->value, range);
		cap_obs(cx, "ephemeral_ports", e->value, range, &o);
	}
	for (size_t i = 0; in->facts && i < in->facts->nr_fds; i++) {
		const struct rule_fds *fd = &in->facts->fds[i];

		rule_obs_init(&o, NAN, 0, false);
		o.subject.pid = fd->pid;
		rule_obs_copy(o.subject.comm, sizeof(o.subject.comm), fd->comm);
		rule_obs_summary(&o, "pid %d (%s) has %llu of %llu file descriptors open", fd->pid,
				 fd->comm, (unsigned long long)fd->open,
				 (unsigned long long)fd->limit);
		cap_obs(cx, "fds", (double)fd->open, (double)fd->limit, &o);
	}
}
