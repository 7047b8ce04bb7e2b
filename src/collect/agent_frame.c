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
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/json.h"
#include "base/xalloc.h"

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

/* An object of numbers under key, one per name (NaN when absent or null). */
static void read_numbers(struct rd *r, const struct json_value *root, const char *key,
			 const char *const *names, double *out, size_t nr)
{
	const struct json_value *o = json_get(r->d, root, key);

	for (size_t i = 0; i < nr; i++)
		out[i] = NAN;
	if (!o || o->type == JSON_NULL)
		return;
	if (o->type != JSON_OBJECT) {
		bad(r, key, "an object");
		return;
	}
	for (size_t i = 0; i < nr; i++)
		out[i] = num(r, o, names[i]);
}

static void read_states(struct rd *r, const struct json_value *root, struct agent_frame *f)
{
	read_numbers(r, root, "tcp_states", agent_frame_state_names, f->states, AGENT_FRAME_STATES);
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
	read_numbers(r, root, "health", agent_frame_health_names, f->health, AFH_NR);
}

/* The alert's subject in one phrase: the address first, else what else it names. */
static void read_subject(struct rd *r, const struct json_value *e, struct agent_frame_alert *al)
{
	static const char *const keys[] = { "addr", "iface", "comm", "resource" };
	const struct json_value *s = json_get(r->d, e, "subject");
	int64_t port;

	al->subject[0] = '\0';
	al->subject_addr = false;
	if (!s || s->type != JSON_OBJECT)
		return;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]) && !al->subject[0]; i++) {
		text(r, s, keys[i], al->subject, sizeof(al->subject));
		al->subject_addr = !i && al->subject[0];
	}
	port = integer(r, s, "port");
	if (!al->subject[0] && port >= 0)
		snprintf(al->subject, sizeof(al->subject), "port %lld", (long long)port);
}

int64_t agent_frame_time_ms(const char *iso)
{
	int y, mo, d, h, mi, sec, n = 0, frac = 0, digits = 0;
	struct tm tm = { 0 };
	time_t t;

	if (sscanf(iso, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6 ||
	    n != 19)
		return -1;
	iso += n;
	if (*iso == '.')
		for (iso++; *iso >= '0' && *iso <= '9'; iso++, digits++)
			frac = digits < 3 ? frac * 10 + (*iso - '0') : frac;
	for (; digits > 0 && digits < 3; digits++)
		frac *= 10;
	if (strcmp(iso, "Z") || y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 ||
	    mi > 59 || sec > 60)
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	return t < 0 ? -1 : (int64_t)t * 1000 + frac;
}

static void read_alert(struct rd *r, const struct json_value *e, struct agent_frame_alert *al)
{
	char when[32];

	al->id = integer(r, e, "id");
	text(r, e, "rule", al->rule, sizeof(al->rule));
	text(r, e, "severity", al->severity, sizeof(al->severity));
	text(r, e, "status", al->status, sizeof(al->status));
	text(r, e, "summary", al->summary, sizeof(al->summary));
	text(r, e, "started_at", al->started_at, sizeof(al->started_at));
	text(r, e, "time", when, sizeof(when));
	al->time_ms = agent_frame_time_ms(when);
	al->started_ms = agent_frame_time_ms(al->started_at);
	read_subject(r, e, al);
}

static void read_alerts(struct rd *r, const struct json_value *root, struct agent_frame *f)
{
	const struct json_value *a = array(r, root, "alerts_firing");

	EACH(r, a, e)
	{
		if (!room(f, f->nr_alerts, AGENT_FRAME_ALERTS))
			break;
		read_alert(r, e, &f->alerts[f->nr_alerts++]);
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

/* The array member key of the document's root object, for the list parsers. */
static int list_root(struct rd *r, const char *key, const struct json_value **arr)
{
	const struct json_value *root = json_doc_root(r->d);

	*arr = NULL;
	if (!root || root->type != JSON_OBJECT) {
		bad(r, "the body", "an object");
		return r->bad;
	}
	*arr = array(r, root, key);
	return r->bad;
}

typedef void (*read_elem_fn)(struct rd *r, const struct json_value *e, void *elem);

/*
 * The array under key of an answer ({"alerts":[...]}, {"blocks":[...]}): at most max elements of
 * elem_size bytes, each read by fn; on error nothing is kept.
 */
static int list_parse(const char *buf, size_t len, const char *key, size_t max, size_t elem_size,
		      read_elem_fn fn, void **out, size_t *nr, bool *truncated, struct strbuf *err)
{
	struct json_doc d;
	struct rd r = { .d = &d, .err = err };
	const struct json_value *a = NULL;
	int ret;

	*out = NULL;
	*nr = 0;
	*truncated = false;
	json_doc_init(&d, NULL);
	ret = json_doc_parse(&d, buf, len, err);
	if (!ret)
		ret = list_root(&r, key, &a);
	if (!ret && a && a->nr)
		*out = xcalloc(a->nr < max ? a->nr : max, elem_size);
	EACH(&r, ret ? NULL : a, e)
	{
		if (*nr >= max) {
			*truncated = true;
			break;
		}
		fn(&r, e, (char *)*out + elem_size * (*nr)++);
	}
	json_doc_release(&d);
	if (!ret)
		ret = r.bad;
	if (ret) {
		free(*out);
		*out = NULL;
		*nr = 0;
	}
	return ret;
}

static void read_alert_elem(struct rd *r, const struct json_value *e, void *elem)
{
	read_alert(r, e, elem);
}

static void read_block(struct rd *r, const struct json_value *e, void *elem)
{
	struct agent_frame_block *b = elem;
	char when[32];

	text(r, e, "addr", b->addr, sizeof(b->addr));
	text(r, e, "rule", b->rule, sizeof(b->rule));
	text(r, e, "reason", b->reason, sizeof(b->reason));
	text(r, e, "created", when, sizeof(when));
	b->created_ms = agent_frame_time_ms(when);
	text(r, e, "expires", when, sizeof(when));
	b->expires_ms = when[0] ? agent_frame_time_ms(when) : 0;
}

int agent_alerts_parse(const char *buf, size_t len, size_t max, struct agent_frame_alert **out,
		       size_t *nr, bool *truncated, struct strbuf *err)
{
	void *v;
	int ret = list_parse(buf, len, "alerts", max, sizeof(**out), read_alert_elem, &v, nr,
			     truncated, err);

	*out = v;
	return ret;
}

int agent_blocks_parse(const char *buf, size_t len, size_t max, struct agent_frame_block **out,
		       size_t *nr, bool *truncated, struct strbuf *err)
{
	void *v;
	int ret = list_parse(buf, len, "blocks", max, sizeof(**out), read_block, &v, nr, truncated,
			     err);

	*out = v;
	return ret;
}
