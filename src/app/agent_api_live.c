// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * /api/v1/live (docs/API.md): one frame of the agent's in-memory hour, the
 * same numbers /metrics serves.  A frame is built by ONE function,
 * frame_json(), over the series that hold a value at one tick of the ring
 * (frame_gather(): a gauge as it was, a counter as that tick's increase over
 * the tick's length), so the latest frame and a past one cannot drift:
 *
 *   the latest  built on the agent's thread once per tick (api_live_build)
 *               and kept; a request copies it and costs the agent nothing;
 *   at=T        built on the listener's thread from the ring, read under
 *               ring_lock and copied, the JSON written outside the lock.
 *
 * The census's parts (socket counts, tops, CLOSE-WAIT holders) come from the
 * latest tick at or before the frame's at which a census ran (census_ran,
 * one flag per ring slot), as /metrics keeps the census's series between
 * censuses.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/agent_api_int.h"
#include "app/alerts_json.h"
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

/* One series of a frame. */
struct live_point {
	const struct metric_family *fam; /* static */
	char *labels;			 /* the directory's (borrowed) or the frame's own */
	double v;			 /* a gauge's value; a counter's increase per second */
};

/* A frame's tick and census, gathered from the ring (frame_gather). */
struct live_frame {
	int64_t t_ms, interval_ms;
	int64_t census_ms; /* INT64_MIN: no census in the ring up to t_ms */
	uint64_t seq;
	struct live_point *tick, *census;
	size_t nr_tick, nr_census;
	bool own_labels;
};

struct census_parts {
	double states[11];
	struct strbuf sockets;
	struct top peers, ports, procs, cw;
};

static void census_one(struct census_parts *c, const struct live_point *e)
{
	const char *n = e->fam->name, *l = e->labels;
	char k1[64], k2[64], key[136];

	if (!strcmp(n, "connmon_tcp_sockets") && metric_labels_get(l, "state", k1, sizeof(k1))) {
		for (size_t i = 0; i < 11; i++)
			if (!strcmp(k1, tcp_states[i]))
				c->states[i] = e->v;
	} else if (!strcmp(n, "connmon_sockets") && metric_labels_get(l, "proto", k1, sizeof(k1)) &&
		   metric_labels_get(l, "family", k2, sizeof(k2))) {
		strbuf_addstr(&c->sockets, c->sockets.len ? ",{\"proto\":" : "{\"proto\":");
		add_str(&c->sockets, k1);
		strbuf_addstr(&c->sockets, ",\"family\":");
		add_str(&c->sockets, k2);
		strbuf_addstr(&c->sockets, ",\"count\":");
		add_num(&c->sockets, e->v);
		strbuf_addch(&c->sockets, '}');
	} else if (!strcmp(n, "connmon_tcp_peer_sockets") &&
		   metric_labels_get(l, "addr", k1, sizeof(k1)) && strcmp(k1, "other") &&
		   metric_labels_get(l, "state", k2, sizeof(k2))) {
		struct top_row *r = top_get(&c->peers, k1);

		r->a += e->v;
		r->b += strcmp(k2, "established") ? 0 : e->v;
	} else if (!strcmp(n, "connmon_tcp_port_sockets") &&
		   metric_labels_get(l, "port", k1, sizeof(k1)) && strcmp(k1, "other")) {
		top_get(&c->ports, k1)->a += e->v;
	} else if ((!strcmp(n, "connmon_listen_queue") || !strcmp(n, "connmon_listen_backlog")) &&
		   metric_labels_get(l, "port", k1, sizeof(k1))) {
		struct top_row *r = top_get(&c->ports, k1);

		*(n[15] == 'q' ? &r->queue : &r->backlog) = e->v;
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
			r->a = e->v;
		else
			*(n[16] == 'r' ? &r->a : &r->b) = e->v;
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

/* The census's parts of f (a census in the ring) into out. */
static void census_json(struct strbuf *out, const struct live_frame *f)
{
	struct census_parts c = { .sockets = STRBUF_INIT };

	for (size_t i = 0; i < f->nr_census; i++)
		census_one(&c, &f->census[i]);
	strbuf_addstr(out, ",\"tcp_states\":{");
	for (size_t i = 0; i < 11; i++) {
		strbuf_addf(out, "%s\"%s\":", i ? "," : "", tcp_states[i]);
		add_num(out, c.states[i]);
	}
	strbuf_addf(out, "},\"census_ms\":%lld,\"sockets\":[", (long long)f->census_ms);
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
	for (size_t k = 0; k < 6; k++) /* null until a counter of the field has a value */
		t->ifaces[t->nr_ifaces].v[k] = NAN;
	snprintf(t->ifaces[t->nr_ifaces].name, sizeof(t->ifaces[0].name), "%s", name);
	return &t->ifaces[t->nr_ifaces++];
}

static void tick_one(struct tick_parts *t, const struct live_point *e)
{
	const char *n = e->fam->name;
	char k[64];

	if (!strncmp(n, "connmon_iface_", 14) &&
	    metric_labels_get(e->labels, "iface", k, sizeof(k))) {
		struct iface_row *r = iface_get(t, k);

		if (!strcmp(n + 14, "speed_bytes_per_second")) /* the series is in bytes, as
								  node_exporter */
			r->speed = e->v * 8;
		for (size_t i = 0; i < sizeof(iface_fields) / sizeof(iface_fields[0]); i++)
			if (!strcmp(n + 14, iface_fields[i].name))
				r->v[iface_fields[i].slot] =
					isnan(r->v[iface_fields[i].slot]) ?
						e->v :
						r->v[iface_fields[i].slot] + e->v;
	} else if (!strcmp(n, "connmon_netstat_total") &&
		   metric_labels_get(e->labels, "counter", k, sizeof(k))) {
		t->counters = true;
		for (size_t i = 0; i < NR_HEALTH; i++)
			if (!strcmp(k, health_fields[i].counter))
				t->health[i] = e->v;
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

/* ---- gathering a frame from the ring (the tick's thread, or under ring_lock) ---- */

static uint32_t slot_of(const struct series_ring *r, uint32_t back)
{
	return (r->head + r->nr_slots - back) % r->nr_slots;
}

/* The first tick at or before `back` ticks ago at which a census ran; UINT32_MAX: none kept. */
static uint32_t census_back(const struct agent_api *api, uint32_t back)
{
	const struct series_ring *r = &api->a->ring;
	uint32_t len = series_ring_len(r);

	for (; api->census_ran && back < len; back++)
		if (api->census_ran[slot_of(r, back)])
			return back;
	return UINT32_MAX;
}

/* The time from the tick `older` ticks ago to the one `back` ticks ago; 0 when unknown. */
static int64_t span_ms(const struct series_ring *r, uint32_t back, uint32_t older)
{
	int64_t t = series_ring_time(r, back), o = series_ring_time(r, older);

	return t == INT64_MIN || o == INT64_MIN ? 0 : t - o;
}

/* The series with a value `back` ticks ago into *out (malloc'ed); counters per second over dt_ms.
 */
static size_t points_at(const struct agent_api *api, uint32_t back, int64_t dt_ms, bool copy,
			struct live_point **out)
{
	const struct series_ring *r = &api->a->ring;
	struct live_point *p = xcalloc(api->nr_dir ? api->nr_dir : 1, sizeof(*p));
	size_t n = 0;

	for (size_t i = 0; i < api->nr_dir; i++) {
		const struct api_dir_entry *d = &api->dir[i];
		double v = series_ring_get(r, d->row, back);

		if (isnan(v))
			continue;
		if (d->fam->kind == METRIC_COUNTER)
			v = dt_ms > 0 ? v / ((double)dt_ms / 1e3) : NAN;
		p[n++] = (struct live_point){ d->fam, copy ? xstrdup(d->labels) : d->labels, v };
	}
	*out = p;
	return n;
}

/*
 * The frame of the tick `back` ticks ago (below series_ring_len).  copy:
 * the labels are duplicated, so the frame outlives ring_lock.
 */
static void frame_gather(const struct agent_api *api, uint32_t back, bool copy,
			 struct live_frame *f)
{
	const struct series_ring *r = &api->a->ring;
	uint32_t cb = census_back(api, back), pb;

	*f = (struct live_frame){ .t_ms = series_ring_time(r, back),
				  .interval_ms = api->status.interval_ms,
				  .census_ms = INT64_MIN,
				  .seq = api->status.ticks - back,
				  .own_labels = copy };
	f->nr_tick = points_at(api, back, span_ms(r, back, back + 1), copy, &f->tick);
	if (cb == UINT32_MAX)
		return;
	pb = census_back(api, cb + 1);
	f->census_ms = series_ring_time(r, cb);
	f->nr_census =
		points_at(api, cb, pb == UINT32_MAX ? 0 : span_ms(r, cb, pb), copy, &f->census);
}

static void frame_release(struct live_frame *f)
{
	for (size_t i = 0; f->own_labels && i < f->nr_tick; i++)
		free(f->tick[i].labels);
	for (size_t i = 0; f->own_labels && i < f->nr_census; i++)
		free(f->census[i].labels);
	free(f->tick);
	free(f->census);
}

/*
 * THE frame's JSON (docs/API.md): f's numbers, alerts (the elements of
 * alerts_firing, "" for none), nr_blocks, and at_ms when not INT64_MIN
 * (a frame asked for with at=).
 */
static void frame_json(const struct live_frame *f, const char *alerts, size_t nr_blocks,
		       int64_t at_ms, struct strbuf *out)
{
	struct tick_parts t = { .nr_ifaces = 0 };

	strbuf_addf(out, "{\"t_ms\":%lld,\"interval_ms\":%lld,\"seq\":%llu", (long long)f->t_ms,
		    (long long)f->interval_ms, (unsigned long long)f->seq);
	if (f->census_ms != INT64_MIN)
		census_json(out, f);
	else /* no census yet: the parts are there, empty */
		strbuf_addstr(out, ",\"tcp_states\":{},\"census_ms\":null,\"sockets\":[],"
				   "\"top_peers\":[],\"top_ports\":[],\"top_procs\":[],"
				   "\"close_wait\":[]");
	for (size_t i = 0; i < f->nr_tick; i++)
		tick_one(&t, &f->tick[i]);
	tick_json(out, &t);
	strbuf_addstr(out, ",\"alerts_firing\":[");
	strbuf_addstr(out, alerts);
	strbuf_addf(out, "],\"blocks_active\":%zu", nr_blocks);
	if (at_ms != INT64_MIN)
		strbuf_addf(out, ",\"at_ms\":%lld", (long long)at_ms);
	strbuf_addstr(out, "}\n");
	free(t.ifaces);
}

/* ---- the latest frame: on the agent's thread, once per tick ---- */

void api_live_note_tick(struct agent_api *api)
{
	const struct series_ring *r = &api->a->ring;

	if (r->nr_ticks == api->ring_ticks_seen || !r->nr_slots)
		return;
	if (!api->census_ran)
		api->census_ran = xcalloc(r->nr_slots, sizeof(*api->census_ran));
	api->census_ran[r->head] = api->a->cen.ran;
	api->ring_ticks_seen = r->nr_ticks;
}

static void firing_one(void *arg, const struct alert_event *ev)
{
	struct strbuf *out = arg;

	if (out->len)
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
	struct strbuf alerts = STRBUF_INIT;
	struct live_frame f;

	blocks_refresh(api, t_ms);
	rules_foreach_firing(&api->a->rules.eng, firing_one, &alerts);
	if (series_ring_len(&api->a->ring))
		frame_gather(api, 0, false, &f);
	else /* not fed: the frame is there, empty */
		f = (struct live_frame){ .t_ms = t_ms,
					 .interval_ms = api->status.interval_ms,
					 .census_ms = INT64_MIN,
					 .seq = api->status.ticks };
	frame_json(&f, alerts.len ? alerts.buf : "", api->nr_blocks, INT64_MIN, out);
	frame_release(&f);
	strbuf_release(&alerts);
}

void api_live_publish(struct agent_api *api, int64_t t_ms)
{
	struct strbuf out = STRBUF_INIT;
	char *old;

	api_live_build(api, t_ms, &out);
	pthread_mutex_lock(&api->ring_lock);
	old = api->live_body;
	api->live_body = strbuf_detach(&out, &api->live_len);
	api->live_t_ms = t_ms;
	pthread_mutex_unlock(&api->ring_lock);
	free(old);
}

/* ---- a frame at a past time: on the listener's thread ---- */

/* The alerts that fire at at_ms: the latest event of each up to at_ms is not a resolution. */
struct firing_at {
	uint64_t *ids;
	char **json;
	size_t nr, alloc;
};

static int firing_row(void *ctx, const struct store_alert_row *row)
{
	struct firing_at *fa = ctx;
	size_t i = 0;

	while (i < fa->nr && fa->ids[i] != row->alert_id)
		i++;
	if (i == fa->nr) {
		if (row->status != ALERT_FIRING)
			return 0;
		ALLOC_GROW(fa->ids, fa->nr + 1, fa->alloc);
		fa->json = xreallocarray(fa->json, fa->alloc, sizeof(*fa->json));
		fa->ids[fa->nr] = row->alert_id;
		fa->json[fa->nr++] = NULL;
	}
	free(fa->json[i]);
	if (row->status == ALERT_FIRING) {
		fa->json[i] = xstrdup(row->json);
		return 0;
	}
	fa->nr--; /* resolved by at_ms; the others keep their order */
	memmove(&fa->ids[i], &fa->ids[i + 1], (fa->nr - i) * sizeof(*fa->ids));
	memmove(&fa->json[i], &fa->json[i + 1], (fa->nr - i) * sizeof(*fa->json));
	return 0;
}

/* From the store (the reader): the alerts firing and the blocks in force at at_ms. */
static void past_alerts_blocks(struct agent_api *api, int64_t at_ms, struct strbuf *alerts,
			       size_t *nr_blocks)
{
	struct store_alert_query q = { .since_ms = INT64_MIN, .until_ms = at_ms + 1 };
	struct firing_at fa = { .nr = 0 };
	struct store_block *b = NULL;
	size_t nr = 0;

	*nr_blocks = 0;
	pthread_mutex_lock(&api->store_lock);
	if (api->reader && store_alert_list(api->reader, &q, firing_row, &fa, NULL) == 0)
		for (size_t i = 0; i < fa.nr; i++) {
			if (alerts->len)
				strbuf_addch(alerts, ',');
			strbuf_addstr(alerts, fa.json[i]);
		}
	if (api->reader && store_block_list(api->reader, INT64_MIN, &b, &nr, NULL) == 0)
		for (size_t i = 0; i < nr; i++)
			*nr_blocks += b[i].created_ms <= at_ms &&
				      (b[i].expires_ms == 0 || b[i].expires_ms > at_ms);
	pthread_mutex_unlock(&api->store_lock);
	for (size_t i = 0; i < fa.nr; i++)
		free(fa.json[i]);
	free(fa.ids);
	free(fa.json);
	free(b);
}

static void add_time(struct strbuf *out, int64_t ms)
{
	time_t s = (time_t)(ms / 1000);
	struct tm tm;
	char buf[32];

	if (gmtime_r(&s, &tm) && strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm))
		strbuf_addstr(out, buf);
	else
		strbuf_addf(out, "@%lld", (long long)(ms / 1000));
}

/*
 * The frame at at_ms, under ring_lock: 0 with it gathered into f; 1 with
 * the latest frame as published copied into body, at_ms added (the tick
 * asked for is the one published: the answer /live gives, alerts and
 * blocks included); -ENOENT when the ring is empty; -ERANGE (the hour's
 * range in why) when at_ms is before it.
 */
static int past_gather(struct agent_api *api, int64_t at_ms, struct live_frame *f,
		       struct strbuf *body, struct strbuf *why)
{
	const struct series_ring *r = &api->a->ring;
	uint32_t len, back = 0;
	int ret = 0;

	pthread_mutex_lock(&api->ring_lock);
	len = series_ring_len(r);
	while (back < len && series_ring_time(r, back) > at_ms)
		back++;
	if (!len) {
		ret = -ENOENT;
	} else if (back == len) {
		strbuf_addstr(why, "no tick at or before ");
		add_time(why, at_ms);
		strbuf_addstr(why, ": the agent's in-memory hour holds ");
		add_time(why, series_ring_time(r, len - 1));
		strbuf_addstr(why, " to ");
		add_time(why, series_ring_time(r, 0));
		strbuf_addstr(why, "; older times are in /api/v1/series with since and until");
		ret = -ERANGE;
	} else if (!back && api->live_body && api->live_t_ms == series_ring_time(r, 0) &&
		   api->live_len >= 2) {
		strbuf_add(body, api->live_body, api->live_len - 2); /* without its "}\n" */
		strbuf_addf(body, ",\"at_ms\":%lld}\n", (long long)api->live_t_ms);
		ret = 1;
	} else {
		frame_gather(api, back, true, f);
	}
	pthread_mutex_unlock(&api->ring_lock);
	return ret;
}

/* The latest frame, as published on the tick: copied under the lock. */
static int latest_copy(struct agent_api *api, struct strbuf *body)
{
	bool have;

	pthread_mutex_lock(&api->ring_lock);
	have = api->live_body != NULL;
	if (have)
		strbuf_add(body, api->live_body, api->live_len);
	pthread_mutex_unlock(&api->ring_lock);
	return have ? 200 : api_error(body, 503, "the agent has not finished its first tick yet");
}

int api_live_at(struct agent_api *api, int64_t at_ms, struct strbuf *body)
{
	struct strbuf why = STRBUF_INIT, alerts = STRBUF_INIT;
	struct live_frame f;
	size_t nr_blocks;
	int ret = past_gather(api, at_ms, &f, body, &why);

	if (ret == 1) {
		ret = 200;
	} else if (ret == -ENOENT) {
		ret = latest_copy(api, body);
	} else if (ret < 0) {
		ret = api_error(body, 404, why.buf);
	} else {
		past_alerts_blocks(api, f.t_ms, &alerts, &nr_blocks);
		frame_json(&f, alerts.len ? alerts.buf : "", nr_blocks, f.t_ms, body);
		frame_release(&f);
		ret = 200;
	}
	strbuf_release(&why);
	strbuf_release(&alerts);
	return ret;
}

int api_live_handler(void *ctx, const struct http_request *req, struct strbuf *body,
		     const char **content_type)
{
	struct agent_api *api = ctx;
	struct http_arg args[API_MAX_ARGS];
	struct strbuf err = STRBUF_INIT;
	size_t nr = http_request_args(req, args, API_MAX_ARGS);
	int64_t at_ms;
	int ret;

	*content_type = API_JSON;
	if (nr > API_MAX_ARGS)
		return api_error(body, 400, "too many query parameters: at most 32");
	if (api_live_req_parse(&at_ms, args, nr, api_now_ms(), &err) < 0)
		ret = api_error(body, 400, err.buf);
	else if (at_ms == INT64_MAX)
		ret = latest_copy(api, body);
	else
		ret = api_live_at(api, at_ms, body);
	strbuf_release(&err);
	return ret;
}
