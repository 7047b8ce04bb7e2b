// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * GET /api/v1/live's body into struct agent_frame (agent_frame.h).
 * The document is read whole with base/json.h (the agent's answer is a few
 * KiB); every member is looked up by name, unknown members are ignored.
 */
#include "collect/agent_frame.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/json.h"

const char *const agent_frame_state_names[AGENT_FRAME_STATES] = {
	"established", "syn_sent",   "syn_recv", "fin_wait1", "fin_wait2", "time_wait",
	"close",       "close_wait", "last_ack", "listen",    "closing",
};

const char *const agent_frame_health_names[AFH_NR] = {
	"retrans_segs_per_s",	 "retrans_ratio",	   "out_segs_per_s",
	"in_segs_per_s",	 "listen_overflows_per_s", "listen_drops_per_s",
	"attempt_fails_per_s",	 "estab_resets_per_s",	   "in_errs_per_s",
	"out_rsts_per_s",	 "active_opens_per_s",	   "passive_opens_per_s",
	"syncookies_sent_per_s", "udp_in_errors_per_s",	   "udp_rcvbuf_errors_per_s",
};

struct rd {
	const struct json_doc *d;
	struct strbuf *err;
	int bad; /* 0 or -EINVAL after the first type error */
};

static void bad(struct rd *r, const char *what, const char *expected)
{
	if (r->bad)
		return;
	r->bad = -EINVAL;
	if (r->err)
		strbuf_addf(r->err, "the agent's frame: %s is not %s", what, expected);
}

/* A number, or NaN for null or absent; another type is an error. */
static double num(struct rd *r, const struct json_value *obj, const char *key)
{
	const struct json_value *v = json_get(r->d, obj, key);

	if (!v || v->type == JSON_NULL)
		return NAN;
	if (v->type != JSON_NUMBER) {
		bad(r, key, "a number");
		return NAN;
	}
	return v->num;
}

/* An integer, or -1 for null or absent. */
static int64_t integer(struct rd *r, const struct json_value *obj, const char *key)
{
	const struct json_value *v = json_get(r->d, obj, key);
	int64_t x;

	if (!v || v->type == JSON_NULL)
		return -1;
	if (json_int64(r->d, v, &x) < 0) {
		bad(r, key, "an integer");
		return -1;
	}
	return x;
}

/* Copies s into dst[cap], cut at a UTF-8 character boundary. */
static void copy_text(char *dst, size_t cap, const char *s)
{
	size_t n = strlen(s);

	if (n >= cap) {
		n = cap - 1;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(dst, s, n);
	dst[n] = '\0';
}

/* A string member into dst; absent or null: "". */
static void text(struct rd *r, const struct json_value *obj, const char *key, char *dst, size_t cap)
{
	const struct json_value *v = json_get(r->d, obj, key);

	dst[0] = '\0';
	if (!v || v->type == JSON_NULL)
		return;
	if (v->type != JSON_STRING) {
		bad(r, key, "a string");
		return;
	}
	copy_text(dst, cap, json_str(r->d, v));
}

/* The array member key (absent: NULL), each element checked to be an object. */
static const struct json_value *array(struct rd *r, const struct json_value *obj, const char *key)
{
	const struct json_value *v = json_get(r->d, obj, key);

	if (!v || v->type == JSON_NULL)
		return NULL;
	if (v->type != JSON_ARRAY) {
		bad(r, key, "an array");
		return NULL;
	}
	for (const struct json_value *e = json_first(r->d, v); e; e = json_sibling(r->d, e))
		if (e->type != JSON_OBJECT) {
			bad(r, key, "an array of objects");
			return NULL;
		}
	return v;
}

#define EACH(r, arr, e)                                                              \
	for (const struct json_value *e = (arr) ? json_first((r)->d, arr) : NULL; e; \
	     e = json_sibling((r)->d, e))

/* Room for one more row of an array capped at cap, or false (and truncated set). */
static bool room(struct agent_frame *f, size_t nr, size_t cap)
{
	if (nr < cap)
		return true;
	f->truncated = true;
	return false;
}

static void read_states(struct rd *r, const struct json_value *root, struct agent_frame *f)
{
	const struct json_value *s = json_get(r->d, root, "tcp_states");

	for (size_t i = 0; i < AGENT_FRAME_STATES; i++)
		f->states[i] = NAN;
	if (!s || s->type == JSON_NULL)
		return;
	if (s->type != JSON_OBJECT) {
		bad(r, "tcp_states", "an object");
		return;
	}
	for (size_t i = 0; i < AGENT_FRAME_STATES; i++)
		f->states[i] = num(r, s, agent_frame_state_names[i]);
}

static void read_tops(struct rd *r, const struct json_value *root, struct agent_frame *f)
{
	const struct json_value *a = array(r, root, "sockets");

	EACH(r, a, e)
	{
		struct agent_frame_sockets *s = &f->sockets[f->nr_sockets];

		if (!room(f, f->nr_sockets, AGENT_FRAME_SOCKETS))
			break;
		text(r, e, "proto", s->proto, sizeof(s->proto));
		text(r, e, "family", s->family, sizeof(s->family));
		s->count = num(r, e, "count");
		f->nr_sockets++;
	}
	a = array(r, root, "top_peers");
	EACH(r, a, e)
	{
		struct agent_frame_peer *p = &f->peers[f->nr_peers];

		if (!room(f, f->nr_peers, AGENT_FRAME_TOP))
			break;
		text(r, e, "addr", p->addr, sizeof(p->addr));
		p->sockets = num(r, e, "sockets");
		p->established = num(r, e, "established");
		f->nr_peers++;
	}
	a = array(r, root, "top_ports");
	EACH(r, a, e)
	{
		struct agent_frame_port *p = &f->ports[f->nr_ports];
		int64_t port = integer(r, e, "port");

		if (!room(f, f->nr_ports, AGENT_FRAME_TOP))
			break;
		if (port < 0 || port > 65535) {
			bad(r, "top_ports[].port", "a port number");
			break;
		}
		p->port = (int)port;
		p->sockets = num(r, e, "sockets");
		p->queue = num(r, e, "queue");
		p->backlog = num(r, e, "backlog");
		f->nr_ports++;
	}
}

static size_t read_procs(struct rd *r, const struct json_value *a, struct agent_frame *f,
			 struct agent_frame_proc *out, bool cw)
{
	size_t n = 0;

	EACH(r, a, e)
	{
		struct agent_frame_proc *p = &out[n];

		if (!room(f, n, AGENT_FRAME_TOP))
			break;
		p->pid = integer(r, e, "pid");
		text(r, e, "comm", p->comm, sizeof(p->comm));
		p->rx = num(r, e, cw ? "sockets" : "rx_bytes_per_s");
		p->tx = cw ? NAN : num(r, e, "tx_bytes_per_s");
		n++;
	}
	return n;
}

static void read_ifaces(struct rd *r, const struct json_value *root, struct agent_frame *f)
{
	const struct json_value *a = array(r, root, "ifaces");

	EACH(r, a, e)
	{
		struct agent_frame_iface *i = &f->ifaces[f->nr_ifaces];

		if (!room(f, f->nr_ifaces, AGENT_FRAME_IFACES))
			break;
		text(r, e, "name", i->name, sizeof(i->name));
		i->rx_bps = num(r, e, "rx_bytes_per_s");
		i->tx_bps = num(r, e, "tx_bytes_per_s");
		i->rx_pps = num(r, e, "rx_packets_per_s");
		i->tx_pps = num(r, e, "tx_packets_per_s");
		i->errors = num(r, e, "errors_per_s");
		i->drops = num(r, e, "drops_per_s");
		i->speed = num(r, e, "speed_bits_per_s");
		f->nr_ifaces++;
	}
}

static void read_health(struct rd *r, const struct json_value *root, struct agent_frame *f)
{
	const struct json_value *h = json_get(r->d, root, "health");

	for (size_t i = 0; i < AFH_NR; i++)
		f->health[i] = NAN;
	if (!h || h->type == JSON_NULL)
		return;
	if (h->type != JSON_OBJECT) {
		bad(r, "health", "an object");
		return;
	}
	for (size_t i = 0; i < AFH_NR; i++)
		f->health[i] = num(r, h, agent_frame_health_names[i]);
}

/* The alert's subject in one phrase: the address first, else what else it names. */
static void read_subject(struct rd *r, const struct json_value *e, struct agent_frame_alert *al)
{
	static const char *const keys[] = { "addr", "iface", "comm", "resource" };
	const struct json_value *s = json_get(r->d, e, "subject");
	int64_t port;

	al->subject[0] = '\0';
	if (!s || s->type != JSON_OBJECT)
		return;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]) && !al->subject[0]; i++)
		text(r, s, keys[i], al->subject, sizeof(al->subject));
	port = integer(r, s, "port");
	if (!al->subject[0] && port >= 0)
		snprintf(al->subject, sizeof(al->subject), "port %lld", (long long)port);
}

static void read_alerts(struct rd *r, const struct json_value *root, struct agent_frame *f)
{
	const struct json_value *a = array(r, root, "alerts_firing");

	EACH(r, a, e)
	{
		struct agent_frame_alert *al = &f->alerts[f->nr_alerts];

		if (!room(f, f->nr_alerts, AGENT_FRAME_ALERTS))
			break;
		al->id = integer(r, e, "id");
		text(r, e, "rule", al->rule, sizeof(al->rule));
		text(r, e, "severity", al->severity, sizeof(al->severity));
		text(r, e, "status", al->status, sizeof(al->status));
		text(r, e, "summary", al->summary, sizeof(al->summary));
		text(r, e, "started_at", al->started_at, sizeof(al->started_at));
		read_subject(r, e, al);
		f->nr_alerts++;
	}
}

static int read_frame(struct rd *r, struct agent_frame *f)
{
	const struct json_value *root = json_doc_root(r->d);

	if (!root || root->type != JSON_OBJECT) {
		bad(r, "the body", "an object");
		return r->bad;
	}
	f->t_ms = integer(r, root, "t_ms");
	if (f->t_ms < 0 && !r->bad)
		bad(r, "t_ms", "a time");
	f->interval_ms = integer(r, root, "interval_ms");
	f->seq = integer(r, root, "seq");
	f->at_ms = integer(r, root, "at_ms");
	f->census_ms = integer(r, root, "census_ms");
	f->blocks_active = integer(r, root, "blocks_active");
	read_states(r, root, f);
	read_tops(r, root, f);
	f->nr_procs = read_procs(r, array(r, root, "top_procs"), f, f->procs, false);
	f->nr_close_wait = read_procs(r, array(r, root, "close_wait"), f, f->close_wait, true);
	read_ifaces(r, root, f);
	read_health(r, root, f);
	read_alerts(r, root, f);
	return r->bad;
}

int agent_frame_parse(struct agent_frame *f, const char *buf, size_t len, struct strbuf *err)
{
	struct json_doc d;
	struct rd r = { .d = &d, .err = err };
	int ret;

	memset(f, 0, sizeof(*f));
	json_doc_init(&d, NULL);
	ret = json_doc_parse(&d, buf, len, err);
	if (!ret)
		ret = read_frame(&r, f);
	json_doc_release(&d);
	return ret;
}
