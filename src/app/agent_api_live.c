// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * /api/v1/live (docs/API.md): built on the agent's thread once per tick
 * from the series the tick produced, the same numbers /metrics serves, and
 * published; a request costs the agent nothing.  Counters are given as the
 * tick's increase (the ring's latest slot) over the tick's length; the
 * census's parts (socket counts, tops, CLOSE-WAIT holders) are rebuilt when
 * a census ran and kept in between, as /metrics keeps the census's series.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/agent_api_int.h"
#include "base/json.h"
#include "base/xalloc.h"

#define TOP_N		10
#define BLOCKS_EVERY_MS 5000

static const char *const tcp_states[] = { "established", "syn_sent",  "syn_recv", "fin_wait1",
					  "fin_wait2",	 "time_wait", "close",	  "close_wait",
					  "last_ack",	 "listen",    "closing" };

/* A row of a top: peers, ports or processes. */
struct top_row {
	char key[136]; /* addr, port, or "pid/comm" */
	double a, b;   /* peers: sockets, established; ports: sockets; procs: rx, tx bytes/s */
	double queue, backlog;
};

struct top {
	struct top_row *v;
	size_t nr, alloc;
};

static struct top_row *top_get(struct top *t, const char *key)
{
	for (size_t i = 0; i < t->nr; i++)
		if (!strcmp(t->v[i].key, key))
			return &t->v[i];
	ALLOC_GROW(t->v, t->nr + 1, t->alloc);
	t->v[t->nr] = (struct top_row){ .queue = NAN, .backlog = NAN };
	snprintf(t->v[t->nr].key, sizeof(t->v[t->nr].key), "%s", key);
	return &t->v[t->nr++];
}

static int row_desc(const void *x, const void *y)
{
	const struct top_row *p = x, *q = y;
	double s = p->a + (isnan(p->b) ? 0 : p->b), u = q->a + (isnan(q->b) ? 0 : q->b);

	return (s < u) - (s > u);
}

static void add_num(struct strbuf *out, double v)
{
	if (!isfinite(v))
		strbuf_addstr(out, "null");
	else
		json_add_number(out, fabs(v) < 1e12 ? round(v * 1000) / 1000 : v);
}

static void add_str(struct strbuf *out, const char *s)
{
	if (json_add_string(out, s, strlen(s)) < 0)
		strbuf_addstr(out, "\"?\"");
}

/* The tick's increase of a counter over the tick's length, per second; NaN when unknown. */
static double rate_of(const struct agent *a, const struct series_entry *e, double dt_s)
{
	if (e->ring_row == UINT32_MAX || !(dt_s > 0))
		return NAN;
	return series_ring_get(&a->ring, e->ring_row, 0) / dt_s;
}

struct census_parts {
	double states[11];
	struct strbuf sockets;
	struct top peers, ports, procs, cw;
};

static void census_one(struct agent_api *api, struct census_parts *c, const struct series_entry *e,
		       double dt_s)
{
	const char *n = e->fam->name, *l = e->labels;
	char k1[64], k2[64], key[136];

	if (!strcmp(n, "connmon_tcp_sockets") && metric_labels_get(l, "state", k1, sizeof(k1))) {
		for (size_t i = 0; i < 11; i++)
			if (!strcmp(k1, tcp_states[i]))
				c->states[i] = e->value;
	} else if (!strcmp(n, "connmon_sockets") && metric_labels_get(l, "proto", k1, sizeof(k1)) &&
		   metric_labels_get(l, "family", k2, sizeof(k2))) {
		strbuf_addstr(&c->sockets, c->sockets.len ? ",{\"proto\":" : "{\"proto\":");
		add_str(&c->sockets, k1);
		strbuf_addstr(&c->sockets, ",\"family\":");
		add_str(&c->sockets, k2);
		strbuf_addstr(&c->sockets, ",\"count\":");
		add_num(&c->sockets, e->value);
		strbuf_addch(&c->sockets, '}');
	} else if (!strcmp(n, "connmon_tcp_peer_sockets") &&
		   metric_labels_get(l, "addr", k1, sizeof(k1)) && strcmp(k1, "other") &&
		   metric_labels_get(l, "state", k2, sizeof(k2))) {
		struct top_row *r = top_get(&c->peers, k1);

		r->a += e->value;
		r->b += strcmp(k2, "established") ? 0 : e->value;
	} else if (!strcmp(n, "connmon_tcp_port_sockets") &&
		   metric_labels_get(l, "port", k1, sizeof(k1)) && strcmp(k1, "other")) {
		top_get(&c->ports, k1)->a += e->value;
	} else if ((!strcmp(n, "connmon_listen_queue") || !strcmp(n, "connmon_listen_backlog")) &&
		   metric_labels_get(l, "port", k1, sizeof(k1))) {
		struct top_row *r = top_get(&c->ports, k1);

		*(n[15] == 'q' ? &r->queue : &r->backlog) = e->value;
	} else if ((!strcmp(n, "connmon_process_rx_bytes_total") ||
		    !strcmp(n, "connmon_process_tx_bytes_total") ||
		    !strcmp(n, "connmon_process_close_wait_sockets")) &&
		   metric_labels_get(l, "pid", k1, sizeof(k1)) &&
		   metric_labels_get(l, "comm", k2, sizeof(k2))) {
		bool cw = n[16] == 'c';

		if (!cw && !k1[0]) /* the other processes' bytes: not a process */
			return;
		snprintf(key, sizeof(key), "%s/%s", k1, k2);
		struct top_row *r = top_get(cw ? &c->cw : &c->procs, key);

		if (cw)
			r->a = e->value;
		else
			*(n[16] == 'r' ? &r->a : &r->b) = rate_of(api->a, e, dt_s);
	}
}

/* "pid":N,"comm":"x" from a key "pid/comm" (pid "" is null). */
static void add_pid_comm(struct strbuf *out, const char *key)
{
	const char *slash = strchr(key, '/');

	strbuf_addstr(out, "\"pid\":");
	if (slash == key)
		strbuf_addstr(out, "null");
	else
		strbuf_add(out, key, (size_t)(slash - key));
	strbuf_addstr(out, ",\"comm\":");
	add_str(out, slash + 1);
}

static void census_tops(struct strbuf *out, struct census_parts *c)
{
	if (c->peers.nr > 1)
		qsort(c->peers.v, c->peers.nr, sizeof(*c->peers.v), row_desc);
	strbuf_addstr(out, ",\"top_peers\":[");
	for (size_t i = 0; i < c->peers.nr && i < TOP_N; i++) {
		strbuf_addstr(out, i ? ",{\"addr\":" : "{\"addr\":");
		add_str(out, c->peers.v[i].key);
		strbuf_addstr(out, ",\"sockets\":");
		add_num(out, c->peers.v[i].a);
		strbuf_addstr(out, ",\"established\":");
		add_num(out, c->peers.v[i].b);
		strbuf_addch(out, '}');
	}
	for (size_t i = 0; i < c->ports.nr; i++)
		c->ports.v[i].b = NAN; /* ordered by sockets alone */
	if (c->ports.nr > 1)
		qsort(c->ports.v, c->ports.nr, sizeof(*c->ports.v), row_desc);
	strbuf_addstr(out, "],\"top_ports\":[");
	for (size_t i = 0; i < c->ports.nr && i < TOP_N; i++) {
		strbuf_addf(out, "%s{\"port\":%s,\"sockets\":", i ? "," : "", c->ports.v[i].key);
		add_num(out, c->ports.v[i].a);
		strbuf_addstr(out, ",\"queue\":");
		add_num(out, c->ports.v[i].queue);
		strbuf_addstr(out, ",\"backlog\":");
		add_num(out, c->ports.v[i].backlog);
		strbuf_addch(out, '}');
	}
	if (c->procs.nr > 1)
		qsort(c->procs.v, c->procs.nr, sizeof(*c->procs.v), row_desc);
	strbuf_addstr(out, "],\"top_procs\":[");
	for (size_t i = 0; i < c->procs.nr && i < TOP_N; i++) {
		strbuf_addstr(out, i ? ",{" : "{");
		add_pid_comm(out, c->procs.v[i].key);
		strbuf_addstr(out, ",\"rx_bytes_per_s\":");
		add_num(out, c->procs.v[i].a);
		strbuf_addstr(out, ",\"tx_bytes_per_s\":");
		add_num(out, c->procs.v[i].b);
		strbuf_addch(out, '}');
	}
	if (c->cw.nr > 1)
		qsort(c->cw.v, c->cw.nr, sizeof(*c->cw.v), row_desc);
	strbuf_addstr(out, "],\"close_wait\":[");
	for (size_t i = 0; i < c->cw.nr; i++) {
		strbuf_addstr(out, i ? ",{" : "{");
		add_pid_comm(out, c->cw.v[i].key);
		strbuf_addstr(out, ",\"sockets\":");
		add_num(out, c->cw.v[i].a);
		strbuf_addch(out, '}');
	}
	strbuf_addch(out, ']');
}

/* The census's parts of the tick t_ms into api->census_json (a census ran this tick). */
static void census_build(struct agent_api *api, int64_t t_ms)
{
	const struct series_table *st = &api->a->series;
	struct census_parts c = { .sockets = STRBUF_INIT };
	struct strbuf *out = &api->census_json;
	double dt_s;

	api->prev_census_ms = api->census_ms;
	api->census_ms = t_ms;
	dt_s = api->prev_census_ms == INT64_MIN ? NAN : (double)(t_ms - api->prev_census_ms) / 1e3;
	for (uint32_t i = 0; i < st->nr_produced; i++)
		census_one(api, &c, &st->v[st->produced[i]], dt_s);
	strbuf_reset(out);
	strbuf_addstr(out, ",\"tcp_states\":{");
	for (size_t i = 0; i < 11; i++) {
		strbuf_addf(out, "%s\"%s\":", i ? "," : "", tcp_states[i]);
		add_num(out, c.states[i]);
	}
	strbuf_addf(out, "},\"census_ms\":%lld,\"sockets\":[", (long long)t_ms);
	strbuf_add(out, c.sockets.buf, c.sockets.len);
	strbuf_addch(out, ']');
	census_tops(out, &c);
	strbuf_release(&c.sockets);
	free(c.peers.v);
	free(c.ports.v);
	free(c.procs.v);
	free(c.cw.v);
}

/* Per interface: rx, tx bytes, rx, tx packets, errors, drops (per second), speed. */
struct iface_row {
	char name[64];
	double v[6];
	double speed;
};

static const struct {
	const char *name; /* after connmon_iface_ */
	int slot;
} iface_fields[] = {
	{ "rx_bytes_total", 0 },   { "tx_bytes_total", 1 },   { "rx_packets_total", 2 },
	{ "tx_packets_total", 3 }, { "rx_errors_total", 4 },  { "tx_errors_total", 4 },
	{ "rx_dropped_total", 5 }, { "tx_dropped_total", 5 },
};

static const struct {
	const char *key, *counter;
} health_fields[] = {
	{ "retrans_segs_per_s", "TcpRetransSegs" },
	{ "out_segs_per_s", "TcpOutSegs" },
	{ "in_segs_per_s", "TcpInSegs" },
	{ "listen_overflows_per_s", "TcpExtListenOverflows" },
	{ "listen_drops_per_s", "TcpExtListenDrops" },
	{ "attempt_fails_per_s", "TcpAttemptFails" },
	{ "estab_resets_per_s", "TcpEstabResets" },
	{ "in_errs_per_s", "TcpInErrs" },
	{ "out_rsts_per_s", "TcpOutRsts" },
	{ "active_opens_per_s", "TcpActiveOpens" },
	{ "passive_opens_per_s", "TcpPassiveOpens" },
	{ "syncookies_sent_per_s", "TcpExtSyncookiesSent" },
	{ "udp_in_errors_per_s", "UdpInErrors" },
	{ "udp_rcvbuf_errors_per_s", "UdpRcvbufErrors" },
};

#define NR_HEALTH (sizeof(health_fields) / sizeof(health_fields[0]))

struct tick_parts {
	struct iface_row *ifaces;
	size_t nr_ifaces, alloc_ifaces;
	double health[NR_HEALTH];
	bool counters; /* the protocol counters were read this tick */
};

static struct iface_row *iface_get(struct tick_parts *t, const char *name)
{
	for (size_t i = 0; i < t->nr_ifaces; i++)
		if (!strcmp(t->ifaces[i].name, name))
			return &t->ifaces[i];
	ALLOC_GROW(t->ifaces, t->nr_ifaces + 1, t->alloc_ifaces);
	t->ifaces[t->nr_ifaces] = (struct iface_row){ .speed = NAN };
	snprintf(t->ifaces[t->nr_ifaces].name, sizeof(t->ifaces[0].name), "%s", name);
	return &t->ifaces[t->nr_ifaces++];
}

static void tick_one(const struct agent *a, struct tick_parts *t, const struct series_entry *e,
		     double dt_s)
{
	const char *n = e->fam->name;
	char k[64];

	if (!strncmp(n, "connmon_iface_", 14) &&
	    metric_labels_get(e->labels, "iface", k, sizeof(k))) {
		struct iface_row *r = iface_get(t, k);

		if (!strcmp(n + 14, "speed_bytes_per_second")) /* the series is in bytes, as
								  node_exporter */
			r->speed = e->value * 8;
		for (size_t i = 0; i < sizeof(iface_fields) / sizeof(iface_fields[0]); i++)
			if (!strcmp(n + 14, iface_fields[i].name))
				r->v[iface_fields[i].slot] += rate_of(a, e, dt_s);
	} else if (!strcmp(n, "connmon_netstat_total") &&
		   metric_labels_get(e->labels, "counter", k, sizeof(k))) {
		t->counters = true;
		for (size_t i = 0; i < NR_HEALTH; i++)
			if (!strcmp(k, health_fields[i].counter))
				t->health[i] = rate_of(a, e, dt_s);
	}
}

static void tick_json(struct strbuf *out, struct tick_parts *t)
{
	static const char *const keys[] = { "rx_bytes_per_s",	"tx_bytes_per_s",
					    "rx_packets_per_s", "tx_packets_per_s",
					    "errors_per_s",	"drops_per_s" };
	double retrans = t->health[0], out_segs = t->health[1];

	strbuf_addstr(out, ",\"ifaces\":[");
	for (size_t i = 0; i < t->nr_ifaces; i++) {
		strbuf_addstr(out, i ? ",{\"name\":" : "{\"name\":");
		add_str(out, t->ifaces[i].name);
		for (size_t k = 0; k < 6; k++) {
			strbuf_addf(out, ",\"%s\":", keys[k]);
			add_num(out, t->ifaces[i].v[k]);
		}
		strbuf_addstr(out, ",\"speed_bits_per_s\":");
		add_num(out, t->ifaces[i].speed);
		strbuf_addch(out, '}');
	}
	strbuf_addstr(out, "],\"health\":{");
	/* A counter nstat does not list is 0 (the kernel shows only those that moved). */
	for (size_t i = 0; i < NR_HEALTH; i++) {
		strbuf_addf(out, "%s\"%s\":", i ? "," : "", health_fields[i].key);
		add_num(out, t->counters ? t->health[i] : NAN);
		if (i == 0) {
			strbuf_addstr(out, ",\"retrans_ratio\":");
			add_num(out, out_segs > 0 ? retrans / out_segs : NAN);
		}
	}
	strbuf_addch(out, '}');
}

static void firing_one(void *arg, const struct alert_event *ev)
{
	struct strbuf *out = arg;

	if (out->buf[out->len - 1] != '[')
		strbuf_addch(out, ',');
	alert_event_json(ev, out);
}

static void blocks_refresh(struct agent_api *api, int64_t t_ms)
{
	size_t n = 0;

	if (!api->a->store ||
	    (api->blocks_at_ms != 0 && t_ms - api->blocks_at_ms < BLOCKS_EVERY_MS))
		return;
	api->blocks_at_ms = t_ms;
	if (store_block_count(api->a->store, t_ms, &n, NULL) == 0)
		api->nr_blocks = n;
}

void api_live_build(struct agent_api *api, int64_t t_ms, struct strbuf *out)
{
	struct agent *a = api->a;
	const struct series_table *st = &a->series;
	struct tick_parts t = { .nr_ifaces = 0 };
	int64_t prev = series_ring_time(&a->ring, 1);
	double dt_s = prev == INT64_MIN ? NAN : (double)(t_ms - prev) / 1e3;

	if (a->cen.ran)
		census_build(api, t_ms);
	for (uint32_t i = 0; i < st->nr_produced; i++)
		tick_one(a, &t, &st->v[st->produced[i]], dt_s);
	blocks_refresh(api, t_ms);
	strbuf_addf(out, "{\"t_ms\":%lld,\"interval_ms\":%lld,\"seq\":%llu", (long long)t_ms,
		    (long long)(a->set.interval_ns / 1000000), (unsigned long long)a->stats.ticks);
	if (api->census_json.len)
		strbuf_add(out, api->census_json.buf, api->census_json.len);
	else /* no census yet: the parts are there, empty */
		strbuf_addstr(out, ",\"tcp_states\":{},\"census_ms\":null,\"sockets\":[],"
				   "\"top_peers\":[],\"top_ports\":[],\"top_procs\":[],"
				   "\"close_wait\":[]");
	tick_json(out, &t);
	strbuf_addstr(out, ",\"alerts_firing\":[");
	rules_foreach_firing(&a->rules.eng, firing_one, out);
	strbuf_addf(out, "],\"blocks_active\":%zu}\n", api->nr_blocks);
	free(t.ifaces);
}
