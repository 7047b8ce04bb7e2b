// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sadf -j -> series_point.  The document is walked with the JSON reader down
 * to $.sysstat.hosts[*].statistics, whose elements (one sar sample each) are
 * read into a small tree and mapped through the tables below.  Each series
 * keeps its synthesised counter and the open minute bucket in a table keyed
 * by "name{labels}" (open addressing, so thousands of interfaces cost no
 * more per sample than a few).
 *
 * Units, checked against sysstat's json_stats.c (10.x to 12.7): rxkB/txkB are
 * kibibytes per second (bytes / 1024), every other DEV, EDEV, TCP and ETCP
 * field is per second, SOCK fields are counts at the sample time; "interval"
 * is the sample's interval in whole seconds.
 */
#include "collect/sadf.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/json.h"
#include "base/strbuf.h"
#include "base/xalloc.h"

struct field_map {
	const char *key;    /* sadf's field */
	const char *name;   /* connmon's series */
	const char *labels; /* its labels string; NULL in the per-interface sections */
	double scale;	    /* sadf's unit -> connmon's (kB -> bytes) */
};

#define IFACE(key, what, scale)                                  \
	{                                                        \
		key, "connmon_iface_" what "_total", NULL, scale \
	}
#define SOCKSTAT(key, proto, field)                                                   \
	{                                                                             \
		key, "connmon_sockstat", "proto=\"" proto "\",field=\"" field "\"", 1 \
	}
#define NETSTAT(key, counter)                                              \
	{                                                                  \
		key, "connmon_netstat_total", "counter=\"" counter "\"", 1 \
	}

static const struct field_map dev_fields[] = {
	IFACE("rxpck", "rx_packets", 1),    IFACE("txpck", "tx_packets", 1),
	IFACE("rxkB", "rx_bytes", 1024),    IFACE("txkB", "tx_bytes", 1024),
	IFACE("rxcmp", "rx_compressed", 1), IFACE("txcmp", "tx_compressed", 1),
	IFACE("rxmcst", "rx_multicast", 1),
};

static const struct field_map edev_fields[] = {
	IFACE("rxerr", "rx_errors", 1),	       IFACE("txerr", "tx_errors", 1),
	IFACE("coll", "collisions", 1),	       IFACE("rxdrop", "rx_dropped", 1),
	IFACE("txdrop", "tx_dropped", 1),      IFACE("txcarr", "tx_carrier_errors", 1),
	IFACE("rxfram", "rx_frame_errors", 1), IFACE("rxfifo", "rx_fifo_errors", 1),
	IFACE("txfifo", "tx_fifo_errors", 1),
};

/* The lines of /proc/net/sockstat that sar reads, named as connmon names them. */
static const struct field_map sock_fields[] = {
	SOCKSTAT("totsck", "sockets", "used"), SOCKSTAT("tcpsck", "tcp", "inuse"),
	SOCKSTAT("udpsck", "udp", "inuse"),    SOCKSTAT("rawsck", "raw", "inuse"),
	SOCKSTAT("ip-frag", "frag", "inuse"),  SOCKSTAT("tcp-tw", "tcp", "tw"),
};

static const struct field_map tcp_fields[] = {
	NETSTAT("active", "TcpActiveOpens"),
	NETSTAT("passive", "TcpPassiveOpens"),
	NETSTAT("iseg", "TcpInSegs"),
	NETSTAT("oseg", "TcpOutSegs"),
};

static const struct field_map etcp_fields[] = {
	NETSTAT("atmptf", "TcpAttemptFails"), NETSTAT("estres", "TcpEstabResets"),
	NETSTAT("retrans", "TcpRetransSegs"), NETSTAT("isegerr", "TcpInErrs"),
	NETSTAT("orsts", "TcpOutRsts"),
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

struct section {
	const char *key; /* in "network" */
	bool per_iface;	 /* an array of objects with "iface", or one object */
	bool counter;	 /* rates to counters, or sampled values (gauges) */
	const struct field_map *fields;
	size_t nr_fields;
};

static const struct section sections[] = {
	{ "net-dev", true, true, dev_fields, N(dev_fields) },
	{ "net-edev", true, true, edev_fields, N(edev_fields) },
	{ "net-sock", false, false, sock_fields, N(sock_fields) },
	{ "net-tcp", false, true, tcp_fields, N(tcp_fields) },
	{ "net-etcp", false, true, etcp_fields, N(etcp_fields) },
};

struct series_state {
	const char *name; /* from the tables */
	char *labels;	  /* owned */
	bool counter;
	double counter_value; /* the synthesised counter */
	uint32_t nr;	      /* samples in the open bucket */
	double min, max, sum, weight, last;
	bool started; /* a counter's zero point was handed on */
};

struct sadf_ctx {
	const char *origin;
	const struct point_sink *sink;
	struct import_stats st;
	struct json_reader r;
	struct json_doc doc;
	struct series_state *series;
	size_t nr_series, series_cap;
	uint32_t *slots; /* series index + 1; 0 is free */
	size_t nr_slots;
	int64_t last_t_ms; /* the sample before, for the ordering check */
	int64_t bucket_ms; /* the open minute; INT64_MIN for none */
	struct strbuf path, labels;
	uint32_t nr_hosts;
	bool seen_sysstat, full_reported;
	int stop; /* what sink->point returned to stop */
};

__attribute__((format(printf, 3, 4))) static void report(struct sadf_ctx *c, const char *rel,
							 const char *fmt, ...)
{
	struct strbuf msg = STRBUF_INIT;
	va_list ap;

	if (++c->st.nr_errors > SADF_ERRORS_SHOWN || !c->sink->error)
		return;
	strbuf_addf(&msg, "%s: at %s%s: ", c->origin, c->path.buf, rel);
	va_start(ap, fmt);
	strbuf_vaddf(&msg, fmt, ap);
	va_end(ap);
	c->sink->error(c->sink->arg, msg.buf);
	strbuf_release(&msg);
}

static uint64_t hash_series(const char *name, const char *labels)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (const char *p = name; *p; p++)
		h = (h ^ (unsigned char)*p) * 0x100000001b3ull;
	h = (h ^ '{') * 0x100000001b3ull;
	for (const char *p = labels; *p; p++)
		h = (h ^ (unsigned char)*p) * 0x100000001b3ull;
	return h;
}

static void rehash(struct sadf_ctx *c)
{
	c->nr_slots = c->nr_slots ? c->nr_slots * 2 : 256;
	free(c->slots);
	c->slots = xcalloc(c->nr_slots, sizeof(*c->slots));
	for (size_t i = 0; i < c->nr_series; i++) {
		size_t j = hash_series(c->series[i].name, c->series[i].labels) & (c->nr_slots - 1);

		while (c->slots[j])
			j = (j + 1) & (c->nr_slots - 1);
		c->slots[j] = (uint32_t)i + 1;
	}
}

/* The series, added on first sight; NULL (reported once) past SADF_SERIES_MAX. */
static struct series_state *series_get(struct sadf_ctx *c, const char *name, const char *labels,
				       bool counter)
{
	size_t j = 0;
	struct series_state *s;

	if (c->nr_slots) {
		j = hash_series(name, labels) & (c->nr_slots - 1);
		for (; c->slots[j]; j = (j + 1) & (c->nr_slots - 1)) {
			s = &c->series[c->slots[j] - 1];
			if (!strcmp(s->name, name) && !strcmp(s->labels, labels))
				return s;
		}
	}
	if (c->nr_series == SADF_SERIES_MAX) {
		if (!c->full_reported)
			report(c, "", "more than %d series; the others are skipped",
			       SADF_SERIES_MAX);
		c->full_reported = true;
		return NULL;
	}
	ALLOC_GROW(c->series, c->nr_series + 1, c->series_cap);
	s = &c->series[c->nr_series++];
	memset(s, 0, sizeof(*s));
	s->name = name;
	s->labels = xstrdup(labels);
	s->counter = counter;
	if (c->nr_series * 2 > c->nr_slots)
		rehash(c);
	else
		c->slots[j] = (uint32_t)c->nr_series;
	return s;
}

static void bucket_add(struct series_state *s, double v, double weight, double sum)
{
	if (!s->nr || v < s->min)
		s->min = v;
	if (!s->nr || v > s->max)
		s->max = v;
	s->sum += sum;
	s->weight += weight;
	s->nr++;
}

/* A rate (per second, connmon's unit) over interval_s seconds. */
static void series_add_rate(struct series_state *s, double rate, int64_t interval_s)
{
	double delta = rate * (double)interval_s;

	s->counter_value += delta;
	bucket_add(s, rate, (double)interval_s, delta);
	s->last = s->counter_value;
}

static void series_add_value(struct series_state *s, double v)
{
	bucket_add(s, v, 1, v);
	s->last = v;
}

/* Hands on every open bucket as a MINUTE point at c->bucket_ms. */
static void flush(struct sadf_ctx *c)
{
	for (size_t i = 0; i < c->nr_series && !c->stop; i++) {
		struct series_state *s = &c->series[i];
		struct series_point p;

		if (!s->nr)
			continue;
		if (s->counter && !s->started) {
			/*
			 * The synthesised counter is 0 before the file's first interval: a point
			 * saying so, a minute before the first one, lets a reader take every
			 * increase as the difference of two raw counters, the first included.
			 */
			p = (struct series_point){
				.name = s->name,
				.labels = s->labels,
				.counter = true,
				.tier = SERIES_TIER_MINUTE,
				.t_ms = c->bucket_ms - 60000,
			};
			s->started = true;
			c->stop = c->sink->point(c->sink->arg, &p);
			if (c->stop)
				break;
			c->st.nr_points++;
		}
		p = (struct series_point){
			.name = s->name,
			.labels = s->labels,
			.counter = s->counter,
			.tier = SERIES_TIER_MINUTE,
			.t_ms = c->bucket_ms,
			.min = s->min,
			.max = s->max,
			.mean = s->sum / s->weight,
			.last = s->last,
		};
		s->nr = 0;
		s->sum = s->weight = 0;
		c->stop = c->sink->point(c->sink->arg, &p);
		if (!c->stop)
			c->st.nr_points++;
	}
}

static void series_reset(struct sadf_ctx *c)
{
	for (size_t i = 0; i < c->nr_series; i++)
		free(c->series[i].labels);
	c->nr_series = 0;
	if (c->nr_slots)
		memset(c->slots, 0, c->nr_slots * sizeof(*c->slots));
	c->last_t_ms = INT64_MIN;
	c->bucket_ms = INT64_MIN;
}

static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

/* Exactly n digits at s. */
static bool digits(const char *s, int n, int *out)
{
	*out = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		*out = *out * 10 + (s[i] - '0');
	}
	return true;
}

/* "YYYY-MM-DD" and "HH:MM:SS" (or "HH-MM-SS", sysstat before 10.0.5) into tm. */
static bool parse_date_time(const char *date, const char *time, struct tm *tm)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, mo, d, h, mi, s;
	char sep;

	if (strlen(date) != 10 || date[4] != '-' || date[7] != '-' || strlen(time) != 8)
		return false;
	sep = time[2];
	if ((sep != ':' && sep != '-') || time[5] != sep)
		return false;
	if (!digits(date, 4, &y) || !digits(date + 5, 2, &mo) || !digits(date + 8, 2, &d) ||
	    !digits(time, 2, &h) || !digits(time + 3, 2, &mi) || !digits(time + 6, 2, &s))
		return false;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || s > 60)
		return false;
	if (mo == 2 && d == 29 && (y % 4 || (y % 100 == 0 && y % 400)))
		return false;
	*tm = (struct tm){ .tm_year = y - 1900,
			   .tm_mon = mo - 1,
			   .tm_mday = d,
			   .tm_hour = h,
			   .tm_min = mi,
			   .tm_sec = s > 59 ? 59 : s,
			   .tm_isdst = -1 };
	return true;
}

/* Is the sample in UTC (1), local time (0), or neither said nor usable (-1, reported)? */
static int timestamp_zone(struct sadf_ctx *c, const struct json_value *ts)
{
	const struct json_value *utc = json_get(&c->doc, ts, "utc");
	const struct json_value *tz = json_get(&c->doc, ts, "tz");
	const char *name;

	if (utc && utc->type == JSON_NUMBER && (utc->num == 0 || utc->num == 1))
		return utc->num == 1;
	if (!tz || tz->type != JSON_STRING) {
		report(c, ".timestamp", "expected \"utc\": 0 or 1, or \"tz\": a zone name");
		return -1;
	}
	name = json_str(&c->doc, tz);
	if (!strcmp(name, "UTC") || !strcmp(name, "GMT"))
		return 1;
	tzset();
	if (!strcmp(name, tzname[0]) || !strcmp(name, tzname[1]))
		return 0;
	report(c, ".timestamp.tz",
	       "the sample is in time zone \"%s\", this process's is \"%s\"; set TZ to the "
	       "file's zone, or run sadf without -T and -t for UTC",
	       name, tzname[0]);
	return -1;
}

/* The sample's time in ms since the epoch and its interval; false (reported) if bad. */
static bool parse_timestamp(struct sadf_ctx *c, const struct json_value *root, int64_t *t_ms,
			    int64_t *interval_s)
{
	const struct json_value *ts = json_get(&c->doc, root, "timestamp"), *v;
	const char *date, *time;
	struct tm tm;
	int utc;

	if (!ts || ts->type != JSON_OBJECT) {
		report(c, "", "expected a \"timestamp\" object");
		return false;
	}
	v = json_get(&c->doc, ts, "interval");
	if (!v || json_int64(&c->doc, v, interval_s) || *interval_s < 1) {
		report(c, ".timestamp.interval", "expected a number of seconds (1 or more)");
		return false;
	}
	v = json_get(&c->doc, ts, "date");
	date = v ? json_str(&c->doc, v) : "";
	v = json_get(&c->doc, ts, "time");
	time = v ? json_str(&c->doc, v) : "";
	if (!parse_date_time(date, time, &tm)) {
		report(c, ".timestamp",
		       "expected \"date\": \"YYYY-MM-DD\" and \"time\": "
		       "\"HH:MM:SS\", found \"%s\" \"%s\"",
		       date, time);
		return false;
	}
	utc = timestamp_zone(c, ts);
	if (utc < 0)
		return false;
	if (utc)
		*t_ms = ((days_from_civil(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday) * 24 +
			  tm.tm_hour) *
				 60 +
			 tm.tm_min) *
				60000 +
			(int64_t)tm.tm_sec * 1000;
	else
		*t_ms = (int64_t)mktime(&tm) * 1000;
	return true;
}

/* A sadf number: a rate or a count, finite and not negative. */
static bool field_value(struct sadf_ctx *c, const struct json_value *obj, const char *key,
			const char *rel, double *out)
{
	const struct json_value *v = json_get(&c->doc, obj, key);

	if (!v) {
		report(c, rel, "no \"%s\"", key);
		return false;
	}
	if (v->type != JSON_NUMBER || v->num < 0) {
		report(c, rel, "expected a number of 0 or more for \"%s\", found %s", key,
		       v->type == JSON_NUMBER ? json_str(&c->doc, v) : json_type_name(v->type));
		return false;
	}
	*out = v->num;
	return true;
}

/* The fields of one object of a section, with labels (the iface's, or NULL for the table's). */
static void take_fields(struct sadf_ctx *c, const struct section *sec, const struct json_value *obj,
			const char *labels, const char *rel, int64_t interval_s)
{
	for (size_t i = 0; i < sec->nr_fields; i++) {
		const struct field_map *f = &sec->fields[i];
		struct series_state *s;
		double v;

		if (!field_value(c, obj, f->key, rel, &v))
			continue;
		s = series_get(c, f->name, labels ? labels : f->labels, sec->counter);
		if (!s)
			continue;
		v *= f->scale;
		if (!isfinite(sec->counter ? s->counter_value + v * (double)interval_s :
					     s->sum + v)) {
			report(c, rel, "\"%s\" is too large to add up; skipped", f->key);
			continue;
		}
		if (sec->counter)
			series_add_rate(s, v, interval_s);
		else
			series_add_value(s, v);
	}
}

/* iface="NAME" with NAME escaped as labels strings are, into c->labels. */
static bool iface_labels(struct sadf_ctx *c, const struct json_value *obj, const char *rel)
{
	const struct json_value *v = json_get(&c->doc, obj, "iface");
	const char *name;

	if (!v || v->type != JSON_STRING || !*json_str(&c->doc, v)) {
		report(c, rel, "expected \"iface\": an interface name");
		return false;
	}
	strbuf_reset(&c->labels);
	strbuf_addstr(&c->labels, "iface=\"");
	for (name = json_str(&c->doc, v); *name; name++) {
		if (*name == '\\' || *name == '"' || *name == '\n')
			strbuf_addch(&c->labels, '\\');
		strbuf_addch(&c->labels, *name == '\n' ? 'n' : *name);
	}
	strbuf_addch(&c->labels, '"');
	return true;
}

static void take_section(struct sadf_ctx *c, const struct section *sec, const struct json_value *v,
			 int64_t interval_s)
{
	char rel[64];
	uint32_t i = 0;

	snprintf(rel, sizeof(rel), ".network.%s", sec->key);
	if (v->type != (sec->per_iface ? JSON_ARRAY : JSON_OBJECT)) {
		report(c, rel, "expected %s, found %s", sec->per_iface ? "an array" : "an object",
		       json_type_name(v->type));
		return;
	}
	if (!sec->per_iface) {
		take_fields(c, sec, v, NULL, rel, interval_s);
		return;
	}
	for (const struct json_value *e = json_first(&c->doc, v); e; e = json_sibling(&c->doc, e)) {
		snprintf(rel, sizeof(rel), ".network.%s[%u]", sec->key, i++);
		if (e->type != JSON_OBJECT)
			report(c, rel, "expected an object, found %s", json_type_name(e->type));
		else if (iface_labels(c, e, rel))
			take_fields(c, sec, e, c->labels.buf, rel, interval_s);
	}
}

static int64_t minute_of(int64_t t_ms)
{
	int64_t m = t_ms / 60000;

	if (t_ms % 60000 < 0)
		m--;
	return m * 60000;
}

/* One sar sample, read into c->doc. */
static void take_sample(struct sadf_ctx *c)
{
	const struct json_value *root = json_doc_root(&c->doc), *net;
	int64_t t_ms, interval_s;

	if (root->type != JSON_OBJECT) {
		report(c, "", "expected an object, found %s", json_type_name(root->type));
		return;
	}
	if (!parse_timestamp(c, root, &t_ms, &interval_s))
		return;
	if (t_ms <= c->last_t_ms) {
		report(c, ".timestamp", "not after the sample before it; skipped");
		return;
	}
	c->last_t_ms = t_ms;
	if (minute_of(t_ms) != c->bucket_ms) {
		flush(c);
		c->bucket_ms = minute_of(t_ms);
	}
	net = json_get(&c->doc, root, "network");
	if (!net)
		return;
	for (size_t i = 0; i < N(sections); i++) {
		const struct json_value *v = json_get(&c->doc, net, sections[i].key);

		if (v)
			take_section(c, &sections[i], v, interval_s);
	}
}

/* Reports a value of the wrong type in the document's frame, and skips it. */
static int wrong_type(struct sadf_ctx *c, enum json_token first, const char *want)
{
	static const char *const found[] = {
		[JSON_TOK_OBJECT_BEGIN] = "an object",
		[JSON_TOK_ARRAY_BEGIN] = "an array",
		[JSON_TOK_STRING] = "a string",
		[JSON_TOK_NUMBER] = "a number",
		[JSON_TOK_TRUE] = "true",
		[JSON_TOK_FALSE] = "false",
		[JSON_TOK_NULL] = "null",
	};

	if (first == JSON_TOK_ERROR)
		return json_reader_errno(&c->r);
	strbuf_reset(&c->path);
	strbuf_addstr(&c->path, json_reader_path(&c->r));
	report(c, "", "expected %s, found %s", want,
	       first > JSON_TOK_END && first <= JSON_TOK_NULL && found[first] ? found[first] : "?");
	return json_skip(&c->r, first);
}

struct member_fn {
	const char *key;
	int (*fn)(struct sadf_ctx *c, enum json_token first);
};

/* The members of an object: the listed ones to their functions, others skipped. */
static int walk_members(struct sadf_ctx *c, enum json_token first, const struct member_fn *fns,
			size_t nr)
{
	if (first != JSON_TOK_OBJECT_BEGIN)
		return wrong_type(c, first, "an object");
	for (;;) {
		enum json_token t = json_next(&c->r);
		const struct member_fn *fn = NULL;
		int ret;

		if (t == JSON_TOK_OBJECT_END)
			return 0;
		if (t != JSON_TOK_KEY)
			return json_reader_errno(&c->r);
		for (size_t i = 0; i < nr && !fn; i++)
			if (!strcmp(json_reader_text(&c->r), fns[i].key))
				fn = &fns[i];
		t = json_next(&c->r);
		ret = fn ? fn->fn(c, t) : json_skip(&c->r, t);
		if (ret)
			return ret;
	}
}

static int walk_elements(struct sadf_ctx *c, enum json_token first,
			 int (*fn)(struct sadf_ctx *c, enum json_token first))
{
	if (first != JSON_TOK_ARRAY_BEGIN)
		return wrong_type(c, first, "an array");
	for (;;) {
		enum json_token t = json_next(&c->r);
		int ret;

		if (t == JSON_TOK_ARRAY_END)
			return 0;
		if (t == JSON_TOK_ERROR)
			return json_reader_errno(&c->r);
		ret = fn(c, t);
		if (ret)
			return ret;
	}
}

static int read_sample(struct sadf_ctx *c, enum json_token first)
{
	strbuf_reset(&c->path);
	strbuf_addstr(&c->path, json_reader_path(&c->r));
	if (json_doc_read(&c->doc, &c->r, first))
		return json_reader_errno(&c->r);
	c->st.nr_records++;
	take_sample(c);
	return c->stop;
}

static int walk_statistics(struct sadf_ctx *c, enum json_token first)
{
	return walk_elements(c, first, read_sample);
}

/* Series carry no host label, so a second host (sadf never writes one) is not mixed in. */
static int walk_host(struct sadf_ctx *c, enum json_token first)
{
	static const struct member_fn fns[] = { { "statistics", walk_statistics } };

	if (c->nr_hosts++) {
		strbuf_reset(&c->path);
		strbuf_addstr(&c->path, json_reader_path(&c->r));
		report(c, "", "more than one host; only the first is imported");
		return json_skip(&c->r, first);
	}
	return walk_members(c, first, fns, N(fns));
}

static int walk_hosts(struct sadf_ctx *c, enum json_token first)
{
	return walk_elements(c, first, walk_host);
}

static int walk_sysstat(struct sadf_ctx *c, enum json_token first)
{
	static const struct member_fn fns[] = { { "hosts", walk_hosts } };

	c->seen_sysstat = true;
	return walk_members(c, first, fns, N(fns));
}

static void ctx_init(struct sadf_ctx *c, const char *origin, const struct point_sink *sink)
{
	struct json_limits lim = json_limits_default;

	memset(c, 0, sizeof(*c));
	c->origin = origin;
	c->sink = sink;
	lim.max_depth = 16;
	lim.max_string_len = 4096;
	lim.max_nodes = 1u << 19;
	lim.max_text_len = 8u << 20;
	json_doc_init(&c->doc, &lim);
	strbuf_init(&c->path, 64);
	strbuf_init(&c->labels, 64);
	series_reset(c);
}

static void report_reader(struct sadf_ctx *c, int ret)
{
	struct strbuf msg = STRBUF_INIT;

	if (++c->st.nr_errors > SADF_ERRORS_SHOWN || !c->sink->error)
		return;
	strbuf_addf(&msg, "%s: %s", c->origin, json_reader_error(&c->r));
	if (ret == -ENODATA)
		strbuf_addf(&msg,
			    " (the input is cut short; the %" PRIu64 " samples before are "
			    "imported)",
			    c->st.nr_records);
	c->sink->error(c->sink->arg, msg.buf);
	strbuf_release(&msg);
}

/* Walks the whole input, hands on what was read, reports, releases. */
static int run(struct sadf_ctx *c, struct import_stats *st)
{
	static const struct member_fn fns[] = { { "sysstat", walk_sysstat } };
	int ret = walk_members(c, json_next(&c->r), fns, N(fns));

	if (!ret && json_next(&c->r) != JSON_TOK_END)
		ret = json_reader_errno(&c->r);
	if (ret && ret == json_reader_errno(&c->r))
		report_reader(c, ret);
	if (!ret && !c->seen_sysstat) {
		strbuf_reset(&c->path);
		strbuf_addch(&c->path, '$');
		report(c, "", "no \"sysstat\" object: not sadf -j output?");
	}
	if (!c->stop)
		flush(c);
	if (c->st.nr_errors > SADF_ERRORS_SHOWN && c->sink->error) {
		struct strbuf msg = STRBUF_INIT;

		strbuf_addf(&msg, "%s: %" PRIu64 " more problems not shown", c->origin,
			    c->st.nr_errors - SADF_ERRORS_SHOWN);
		c->sink->error(c->sink->arg, msg.buf);
		strbuf_release(&msg);
	}
	if (st)
		*st = c->st;
	series_reset(c);
	free(c->series);
	free(c->slots);
	json_doc_release(&c->doc);
	json_reader_release(&c->r);
	strbuf_release(&c->path);
	strbuf_release(&c->labels);
	if (c->stop)
		return c->stop;
	return ret ? ret : c->st.nr_errors ? -EINVAL : 0;
}

int sadf_read_mem(const char *buf, size_t len, const char *origin, const struct point_sink *sink,
		  struct import_stats *st)
{
	struct sadf_ctx c;

	ctx_init(&c, origin, sink);
	json_reader_init_mem(&c.r, buf, len, &c.doc.lim);
	return run(&c, st);
}

static ssize_t read_fd(void *arg, char *buf, size_t cap)
{
	int fd = *(int *)arg;
	ssize_t n;

	do
		n = read(fd, buf, cap);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

int sadf_read_fd(int fd, const char *origin, const struct point_sink *sink, struct import_stats *st)
{
	struct sadf_ctx c;

	ctx_init(&c, origin, sink);
	json_reader_init_stream(&c.r, read_fd, &fd, &c.doc.lim);
	return run(&c, st);
}
