// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The agent's JSON API (app/agent_api.h): the parsers of what clients send
 * (query arguments, the unblock body), the labels as JSON, the token and
 * origin checks, and /api/v1/live built from a tick's series, its numbers
 * against the series fed in and its fields against docs/API.md (both ways).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* cmocka needs these first. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
// clang-format on

#include "app/agent_api_int.h"
#include "base/json.h"
#include "base/xalloc.h"

#define NOW 1795990000000LL

static int parse_series(struct api_series_req *r, const char *const *kv, size_t nr,
			struct strbuf *err)
{
	struct http_arg args[40];

	for (size_t i = 0; i < nr; i++)
		args[i] = (struct http_arg){ kv[2 * i], kv[2 * i + 1] };
	strbuf_reset(err);
	return api_series_req_parse(r, args, nr, NOW, err);
}

static void test_series_args(void **state)
{
	struct strbuf err = STRBUF_INIT;
	struct api_series_req r;
	static const char *const ok[] = { "select", "connmon_tcp_sockets{state=\"listen\"}",
					  "select", "connmon_iface_rx_bytes_total",
					  "since",  "-2h",
					  "points", "5000",
					  "band",   "1" };
	static const char *const only[] = { "select", "connmon_tcp_sockets" };

	(void)state;
	assert_int_equal(parse_series(&r, ok, 5, &err), 0);
	assert_int_equal(r.nr_sel, 2);
	assert_string_equal(r.sel[0].name, "connmon_tcp_sockets");
	assert_string_equal(r.sel[0].match[0].value, "listen");
	assert_int_equal(r.until_ms, NOW);
	assert_int_equal(r.since_ms, NOW - 2 * 3600 * 1000LL);
	assert_int_equal(r.points, 5000);
	assert_true(r.band);
	api_series_req_release(&r);

	assert_int_equal(parse_series(&r, only, 1, &err), 0);
	assert_int_equal(r.points, API_DEFAULT_POINTS);
	assert_int_equal(r.since_ms, NOW - 3600 * 1000LL);
	assert_false(r.band);
	api_series_req_release(&r);
	strbuf_release(&err);
}

static void test_series_args_bad(void **state)
{
	static const struct {
		const char *kv[6];
		size_t nr;
		const char *msg; /* a part of the sentence */
	} cases[] = {
		{ { "since", "-1h" }, 1, "missing select" },
		{ { "select", "x", "points", "0" }, 2, "invalid points '0'" },
		{ { "select", "x", "points", "5001" }, 2, "from 1 to 5000" },
		{ { "select", "x", "points", "12a" }, 2, "invalid points" },
		{ { "select", "x", "band", "yes" }, 2, "invalid band 'yes': 0 or 1" },
		{ { "select", "x", "step", "10" }, 2, "unknown parameter 'step'" },
		{ { "select", "x", "since", "-1h", "since", "-2h" }, 3, "given twice" },
		{ { "select", "x", "since", "soon" }, 2, "soon" },
		{ { "select", "x", "since", "-1h", "until", "-2h" }, 3, "since must be before" },
		{ { "select", "x{" }, 1, "bad series" },
		{ { "select", NULL }, 1, "invalid select" },
		{ { "select", "x", "\x01\xff", "1" }, 2, "unknown parameter '\\x01\\xff'" },
	};
	struct strbuf err = STRBUF_INIT;
	struct api_series_req r;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(parse_series(&r, cases[i].kv, cases[i].nr, &err), -EINVAL);
		if (!strstr(err.buf, cases[i].msg))
			fail_msg("case %zu: '%s' lacks '%s'", i, err.buf, cases[i].msg);
		api_series_req_release(&r);
	}
	strbuf_release(&err);
}

static void test_series_too_many_selects(void **state)
{
	const char *kv[2 * (API_MAX_SELECT + 1)];
	struct strbuf err = STRBUF_INIT;
	struct api_series_req r;

	(void)state;
	for (size_t i = 0; i <= API_MAX_SELECT; i++) {
		kv[2 * i] = "select";
		kv[2 * i + 1] = "connmon_tcp_sockets";
	}
	assert_int_equal(parse_series(&r, kv, API_MAX_SELECT, &err), 0);
	api_series_req_release(&r);
	assert_int_equal(parse_series(&r, kv, API_MAX_SELECT + 1, &err), -EINVAL);
	assert_non_null(strstr(err.buf, "too many select"));
	api_series_req_release(&r);
	strbuf_release(&err);
}

static void test_alerts_args(void **state)
{
	struct strbuf err = STRBUF_INIT;
	struct api_alerts_req r;
	struct http_arg all[] = { { "all", "1" }, { "rule", "syn_flood" } };
	struct http_arg bad[] = { { "rule", "a b" } };
	struct http_arg range[] = { { "since", "-2h" }, { "until", "-1h" } };

	(void)state;
	assert_int_equal(api_alerts_req_parse(&r, NULL, 0, NOW, &err), 0);
	assert_false(r.all);
	assert_int_equal(r.since_ms, INT64_MIN); /* firing now: no lower bound, as the command */
	assert_int_equal(r.until_ms, INT64_MAX);
	assert_int_equal(api_alerts_req_parse(&r, all, 2, NOW, &err), 0);
	assert_true(r.all);
	assert_int_equal(r.since_ms, NOW - 24 * 3600 * 1000LL);
	assert_string_equal(r.rule, "syn_flood");
	assert_int_equal(api_alerts_req_parse(&r, range, 2, NOW, &err), 0);
	assert_int_equal(r.until_ms, NOW - 3600 * 1000LL);
	assert_int_equal(api_alerts_req_parse(&r, bad, 1, NOW, &err), -EINVAL);
	assert_non_null(strstr(err.buf, "invalid rule"));
	strbuf_release(&err);
}

static void test_live_args(void **state)
{
	static const struct {
		const char *value;
		int64_t at_ms; /* INT64_MIN: refused */
	} cases[] = {
		{ "-5m", NOW - 5 * 60 * 1000LL },
		{ "@1795989000", 1795989000000LL },
		{ "1795989000123", 1795989000123LL }, /* a t_ms, as an answer gives it */
		{ "2026-11-29T22:00:00Z", 1795989600000LL },
		{ "now", NOW },
		{ "", INT64_MIN },
		{ "-5x", INT64_MIN },
		{ "1234567890123456", INT64_MIN }, /* 16 digits: not a time in ms */
		{ NULL, INT64_MIN },
	};
	struct strbuf err = STRBUF_INIT;
	int64_t at;

	(void)state;
	assert_int_equal(api_live_req_parse(&at, NULL, 0, NOW, &err), 0);
	assert_int_equal(at, INT64_MAX);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct http_arg a = { "at", cases[i].value };

		strbuf_reset(&err);
		if (cases[i].at_ms == INT64_MIN) {
			assert_int_equal(api_live_req_parse(&at, &a, 1, NOW, &err), -EINVAL);
			assert_non_null(strstr(err.buf, "at"));
			continue;
		}
		assert_int_equal(api_live_req_parse(&at, &a, 1, NOW, &err), 0);
		assert_int_equal(at, cases[i].at_ms);
	}
	struct http_arg twice[] = { { "at", "-1m" }, { "at", "-2m" } };
	struct http_arg other[] = { { "since", "-1m" } };

	strbuf_reset(&err);
	assert_int_equal(api_live_req_parse(&at, twice, 2, NOW, &err), -EINVAL);
	assert_non_null(strstr(err.buf, "given twice"));
	strbuf_reset(&err);
	assert_int_equal(api_live_req_parse(&at, other, 1, NOW, &err), -EINVAL);
	assert_non_null(strstr(err.buf, "unknown parameter 'since': accepted are at"));
	strbuf_release(&err);
}

static void test_unblock_body(void **state)
{
	static const struct {
		const char *body;
		int ret;
		const char *first; /* the first address, or the message part */
	} cases[] = {
		{ "{\"addrs\":[\"10.0.0.9\",\"2001:DB8:0:0::9\"]}", 0, "10.0.0.9" },
		{ "{\"all\":true}", 0, NULL },
		{ "{\"all\":false}", -EINVAL, "must be true" },
		{ "{\"addrs\":[\"10.0.0.9\"],\"all\":true}", -EINVAL, "either" },
		{ "{}", -EINVAL, "either" },
		{ "{\"addrs\":[]}", -EINVAL, "empty" },
		{ "{\"addrs\":\"10.0.0.9\"}", -EINVAL, "must be an array" },
		{ "{\"addrs\":[9]}", -EINVAL, "not a string" },
		{ "{\"addrs\":[\"10.0.0.300\"]}", -EINVAL, "invalid address '10.0.0.300'" },
		{ "{\"addrs\":[\"10.0.0.9\"],\"addrs\":[\"10.0.0.8\"]}", -EINVAL, "invalid body" },
		{ "{\"x\":1}", -EINVAL, "unknown or repeated key 'x'" },
		{ "[\"10.0.0.9\"]", -EINVAL, "expected {" },
		{ "addrs=10.0.0.9", -EINVAL, "invalid body" },
		{ "", -EINVAL, "invalid body" },
	};
	struct strbuf err = STRBUF_INIT;
	struct api_unblock_req u;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		strbuf_reset(&err);
		assert_int_equal(api_unblock_parse(&u, cases[i].body, strlen(cases[i].body), &err),
				 cases[i].ret);
		if (cases[i].ret == 0 && cases[i].first)
			assert_string_equal(u.addrs[0], cases[i].first);
		if (cases[i].ret && !strstr(err.buf, cases[i].first))
			fail_msg("case %zu: '%s' lacks '%s'", i, err.buf, cases[i].first);
		if (i == 0) {
			assert_int_equal(u.nr, 2);
			assert_string_equal(u.addrs[1], "2001:db8::9"); /* canonical */
		}
		if (i == 1)
			assert_true(u.all);
		api_unblock_req_release(&u);
	}
	strbuf_release(&err);
}

static void test_labels_json(void **state)
{
	struct strbuf out = STRBUF_INIT;

	(void)state;
	assert_int_equal(api_labels_json(&out, ""), 0);
	assert_string_equal(out.buf, "{}");
	strbuf_reset(&out);
	assert_int_equal(api_labels_json(&out, "pid=\"7\",comm=\"a\\\"b\\\\c\\nd\""), 0);
	assert_string_equal(out.buf, "{\"pid\":\"7\",\"comm\":\"a\\\"b\\\\c\\nd\"}");
	strbuf_reset(&out);
	assert_int_equal(api_labels_json(&out, "pid=7"), -EINVAL);
	assert_int_equal(api_labels_json(&out, "a=\"x"), -EINVAL);
	assert_int_equal(api_labels_json(&out, "a=\"\\t\""), -EINVAL);
	assert_int_equal(out.len, 0);
	strbuf_release(&out);
}

static void test_token_origin(void **state)
{
	const char *tok = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

	(void)state;
	assert_true(api_token_equal(tok, tok));
	assert_false(api_token_equal("", tok));
	assert_false(api_token_equal("00112233", tok));
	assert_false(api_token_equal(
		"00112233445566778899aabbccddeeff00112233445566778899aabbccddeefe", tok));
	assert_false(api_token_equal(
		"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff0", tok));
	assert_true(api_origin_ok(NULL, NULL, NULL));
	assert_true(api_origin_ok(NULL, "127.0.0.1:9556", "same-origin"));
	assert_true(api_origin_ok("http://127.0.0.1:9556", "127.0.0.1:9556", NULL));
	assert_true(api_origin_ok("https://mon.example:443", "mon.example:443", NULL));
	assert_false(api_origin_ok("http://127.0.0.1:9557", "127.0.0.1:9556", NULL));
	assert_false(api_origin_ok("http://evil.example", "127.0.0.1:9556", NULL));
	assert_false(api_origin_ok("null", "127.0.0.1:9556", NULL));
	assert_false(api_origin_ok("http://127.0.0.1:9556", NULL, NULL));
	assert_false(api_origin_ok(NULL, "127.0.0.1:9556", "cross-site"));
}

/* ---- /api/v1/live ---- */

struct fake {
	struct agent a;
	struct agent_api api;
	int censuses;
};

static void put(struct fake *f, const char *name, const char *labels, double v)
{
	const struct metric_family *fam = metric_family_find(name);

	if (!fam)
		fail_msg("no family %s", name);
	series_table_set(&f->a.series, fam, labels, v, NULL);
}

/* The agent's feed_ring: a gauge's value, a counter's increase. */
static void feed(struct fake *f, int64_t t_ms)
{
	struct series_table *st = &f->a.series;

	agent_api_ring_lock(&f->a);
	series_ring_advance(&f->a.ring, t_ms);
	for (uint32_t i = 0; i < st->nr_produced; i++) {
		struct series_entry *e = &st->v[st->produced[i]];
		double v = e->value;

		if (e->ring_row == UINT32_MAX)
			e->ring_row = series_ring_row_new(&f->a.ring);
		if (e->fam->kind == METRIC_COUNTER) {
			v = isnan(e->last_value) ? NAN : v - e->last_value;
			e->last_value = e->value;
		}
		series_ring_put(&f->a.ring, e->ring_row, v);
	}
	agent_api_ring_unlock(&f->a);
}

/*
 * One tick of every family the live answer reads; k scales the counters;
 * a census (f->a.cen.ran) adds 100 x (census - 1) established sockets.
 */
static void tick(struct fake *f, uint64_t n, double k)
{
	static const char *const states[] = { "established", "time_wait", "listen" };
	char lbl[96];

	series_table_begin(&f->a.series, n);
	f->a.stats.ticks = n;
	if (!f->a.cen.ran)
		goto no_census;
	put(f, "connmon_tcp_sockets", "state=\"established\"", 10 + 100 * f->censuses++);
	for (int i = 1; i < 3; i++) {
		snprintf(lbl, sizeof(lbl), "state=\"%s\"", states[i]);
		put(f, "connmon_tcp_sockets", lbl, 10.0 * (i + 1));
	}
	put(f, "connmon_sockets", "proto=\"tcp\",family=\"ipv4\"", 61);
	for (int p = 0; p < 12; p++) { /* 12 peers: the top keeps 10, busiest first */
		snprintf(lbl, sizeof(lbl), "addr=\"10.0.0.%d\",state=\"established\"", p);
		put(f, "connmon_tcp_peer_sockets", lbl, p);
		snprintf(lbl, sizeof(lbl), "addr=\"10.0.0.%d\",state=\"time_wait\"", p);
		put(f, "connmon_tcp_peer_sockets", lbl, 1);
	}
	put(f, "connmon_tcp_peer_sockets", "addr=\"other\",state=\"established\"", 500);
	put(f, "connmon_tcp_port_sockets", "port=\"443\",state=\"established\"", 7);
	put(f, "connmon_tcp_port_sockets", "port=\"443\",state=\"time_wait\"", 2);
	put(f, "connmon_listen_queue", "port=\"443\"", 3);
	put(f, "connmon_listen_backlog", "port=\"443\"", 511);
	put(f, "connmon_process_rx_bytes_total", "pid=\"42\",comm=\"nginx\"", 1000 * k);
	put(f, "connmon_process_tx_bytes_total", "pid=\"42\",comm=\"nginx\"", 3000 * k);
	put(f, "connmon_process_rx_bytes_total", "pid=\"\",comm=\"other\"", 99 * k);
	put(f, "connmon_process_close_wait_sockets", "pid=\"42\",comm=\"nginx\"", 4);
	put(f, "connmon_process_close_wait_sockets", "pid=\"\",comm=\"other\"", 1);
no_census:
	put(f, "connmon_iface_rx_bytes_total", "iface=\"eth0\"", 4000 * k);
	put(f, "connmon_iface_tx_bytes_total", "iface=\"eth0\"", 2000 * k);
	put(f, "connmon_iface_rx_packets_total", "iface=\"eth0\"", 40 * k);
	put(f, "connmon_iface_tx_packets_total", "iface=\"eth0\"", 20 * k);
	put(f, "connmon_iface_rx_errors_total", "iface=\"eth0\"", 2 * k);
	put(f, "connmon_iface_tx_errors_total", "iface=\"eth0\"", 2 * k);
	put(f, "connmon_iface_rx_dropped_total", "iface=\"eth0\"", 1 * k);
	put(f, "connmon_iface_speed_bytes_per_second", "iface=\"eth0\"", 1.25e8);
	put(f, "connmon_netstat_total", "counter=\"TcpRetransSegs\"", 5 * k);
	put(f, "connmon_netstat_total", "counter=\"TcpOutSegs\"", 100 * k);
	feed(f, NOW + (int64_t)n * 2000);
}

/* Builds the answer of two ticks 2 s apart (a census at each); parsed into d. */
static void live(struct fake *f, struct json_doc *d, struct strbuf *out)
{
	struct strbuf err = STRBUF_INIT;

	memset(f, 0, sizeof(*f));
	series_table_init(&f->a.series);
	series_ring_init(&f->a.ring, 8);
	f->a.set.interval_ns = 2000000000ull;
	f->a.cen.ran = true;
	f->api.a = &f->a;
	f->a.api = &f->api;
	pthread_mutex_init(&f->api.ring_lock, NULL);
	pthread_mutex_init(&f->api.store_lock, NULL);
	tick(f, 1, 1);
	api_live_build(&f->api, NOW + 2000, out);
	strbuf_reset(out);
	tick(f, 2, 3);
	api_live_build(&f->api, NOW + 4000, out);
	json_doc_init(d, &json_limits_default);
	if (json_doc_parse(d, out->buf, out->len, &err))
		fail_msg("not JSON: %s\n%s", err.buf, out->buf);
	strbuf_release(&err);
}

static void live_release(struct fake *f)
{
	series_ring_release(&f->a.ring);
	series_table_release(&f->a.series);
	for (size_t i = 0; i < f->api.nr_dir; i++)
		free(f->api.dir[i].labels);
	free(f->api.dir);
	free(f->api.census_ran);
	free(f->api.live_body);
	pthread_mutex_destroy(&f->api.ring_lock);
	pthread_mutex_destroy(&f->api.store_lock);
}

static double num(const struct json_doc *d, const struct json_value *o, const char *path)
{
	char key[64];
	const char *dot;

	while ((dot = strchr(path, '.'))) {
		snprintf(key, sizeof(key), "%.*s", (int)(dot - path), path);
		o = json_get(d, o, key);
		assert_non_null(o);
		path = dot + 1;
	}
	o = json_get(d, o, path);
	if (!o)
		fail_msg("no %s", path);
	return o->type == JSON_NULL ? NAN : o->num;
}

static void test_live_numbers(void **state)
{
	struct strbuf out = STRBUF_INIT;
	const struct json_value *root, *peers, *p, *eth, *procs, *cw;
	struct json_doc d;
	struct fake *f = xcalloc(1, sizeof(*f));

	(void)state;
	live(f, &d, &out);
	root = json_doc_root(&d);
	assert_int_equal(num(&d, root, "t_ms"), NOW + 4000);
	assert_int_equal(num(&d, root, "seq"), 2);
	assert_int_equal(num(&d, root, "tcp_states.established"), 110);
	assert_int_equal(num(&d, root, "tcp_states.listen"), 30);
	assert_int_equal(num(&d, root, "tcp_states.close_wait"), 0);
	peers = json_get(&d, root, "top_peers");
	assert_int_equal(peers->nr, 10); /* 12 peers, "other" left out */
	p = json_first(&d, peers);
	assert_string_equal(json_str(&d, json_get(&d, p, "addr")), "10.0.0.11");
	assert_int_equal(num(&d, p, "sockets"), 12);
	assert_int_equal(num(&d, p, "established"), 11);
	p = json_first(&d, json_get(&d, root, "top_ports"));
	assert_int_equal(num(&d, p, "port"), 443);
	assert_int_equal(num(&d, p, "sockets"), 9);
	assert_int_equal(num(&d, p, "queue"), 3);
	assert_int_equal(num(&d, p, "backlog"), 511);
	/* Counters: the increase (x3 - x1 of the first tick) over the 2 s between the ticks. */
	procs = json_get(&d, root, "top_procs");
	assert_int_equal(procs->nr, 1);
	p = json_first(&d, procs);
	assert_int_equal(num(&d, p, "pid"), 42);
	assert_int_equal(num(&d, p, "rx_bytes_per_s"), 1000);
	assert_int_equal(num(&d, p, "tx_bytes_per_s"), 3000);
	cw = json_get(&d, root, "close_wait");
	assert_int_equal(cw->nr, 2);
	assert_int_equal(json_get(&d, json_sibling(&d, json_first(&d, cw)), "pid")->type,
			 JSON_NULL);
	eth = json_first(&d, json_get(&d, root, "ifaces"));
	assert_int_equal(num(&d, eth, "rx_bytes_per_s"), 4000);
	assert_int_equal(num(&d, eth, "tx_packets_per_s"), 20);
	assert_int_equal(num(&d, eth, "errors_per_s"), 4);
	assert_int_equal(num(&d, eth, "drops_per_s"), 1);
	assert_int_equal(num(&d, eth, "speed_bits_per_s"), 1e9);
	assert_int_equal(num(&d, root, "health.retrans_segs_per_s"), 5);
	assert_true(fabs(num(&d, root, "health.retrans_ratio") - 0.05) < 1e-9);
	assert_int_equal(num(&d, root, "health.in_segs_per_s"), 0); /* not listed: 0 */
	json_doc_release(&d);
	live_release(f);
	free(f);
	strbuf_release(&out);
}

/* A frame asked for with at=: its at_ms checked and cut out (the one field /live lacks). */
static void cut_at_ms(struct strbuf *b, int64_t at_ms)
{
	char want[64], *p = strstr(b->buf, ",\"at_ms\":");

	assert_non_null(p);
	snprintf(want, sizeof(want), ",\"at_ms\":%lld}\n", (long long)at_ms);
	assert_string_equal(p, want);
	b->len = (size_t)(p - b->buf);
	strbuf_addstr(b, "}\n"); /* over the cut: the buffer stays NUL-terminated */
}

static void test_live_at_latest(void **state)
{
	struct strbuf out = STRBUF_INIT, at = STRBUF_INIT;
	struct json_doc d;
	struct fake *f = xcalloc(1, sizeof(*f));

	(void)state;
	live(f, &d, &out);
	/* at= the latest tick, a time after it, and the future: /live's body, byte for byte */
	static const int64_t ats[] = { NOW + 4000, NOW + 4999, NOW + 86400000LL };

	for (size_t i = 0; i < 3; i++) {
		strbuf_reset(&at);
		assert_int_equal(api_live_at(&f->api, ats[i], &at), 200);
		cut_at_ms(&at, NOW + 4000);
		assert_string_equal(at.buf, out.buf);
	}
	/* the latest kept for the handler is that body too, and at= its tick copies it */
	api_live_publish(&f->api, NOW + 4000);
	assert_non_null(f->api.live_body);
	assert_int_equal(f->api.live_len, out.len);
	assert_memory_equal(f->api.live_body, out.buf, out.len);
	f->api.live_body[f->api.live_len - 3] = '#'; /* marks the copy: no longer JSON */
	strbuf_reset(&at);
	assert_int_equal(api_live_at(&f->api, NOW + 9000, &at), 200);
	assert_non_null(strstr(at.buf, ":#,\"at_ms\":1795990004000}\n"));
	json_doc_release(&d);
	live_release(f);
	free(f);
	strbuf_release(&out);
	strbuf_release(&at);
}

/* api_live_at(at_ms) parsed into d; returns the status. */
static int live_at(struct fake *f, int64_t at_ms, struct json_doc *d, struct strbuf *out)
{
	struct strbuf err = STRBUF_INIT;
	int status;

	strbuf_reset(out);
	status = api_live_at(&f->api, at_ms, out);
	json_doc_init(d, &json_limits_default);
	if (json_doc_parse(d, out->buf, out->len, &err))
		fail_msg("not JSON: %s\n%s", err.buf, out->buf);
	strbuf_release(&err);
	return status;
}

static void test_live_at_past(void **state)
{
	struct strbuf out = STRBUF_INIT;
	const struct json_value *root, *eth;
	struct json_doc d;
	struct fake *f = xcalloc(1, sizeof(*f));

	(void)state;
	live(f, &d, &out);
	json_doc_release(&d);
	f->a.cen.ran = false;
	tick(f, 3, 4); /* no census: its parts are the census of tick 2 */
	assert_int_equal(live_at(f, NOW + 6000, &d, &out), 200);
	root = json_doc_root(&d);
	assert_int_equal(num(&d, root, "seq"), 3);
	assert_int_equal(num(&d, root, "census_ms"), NOW + 4000);
	assert_int_equal(num(&d, root, "tcp_states.established"), 110);
	eth = json_first(&d, json_get(&d, root, "ifaces"));
	assert_int_equal(num(&d, eth, "rx_bytes_per_s"), 2000); /* (4 - 3) x 4000 over 2 s */
	json_doc_release(&d);
	/* between ticks 2 and 3: tick 2, as /live showed it then */
	assert_int_equal(live_at(f, NOW + 5999, &d, &out), 200);
	root = json_doc_root(&d);
	assert_int_equal(num(&d, root, "t_ms"), NOW + 4000);
	assert_int_equal(num(&d, root, "at_ms"), NOW + 4000);
	assert_int_equal(num(&d, root, "seq"), 2);
	eth = json_first(&d, json_get(&d, root, "ifaces"));
	assert_int_equal(num(&d, eth, "rx_bytes_per_s"), 4000);
	assert_int_equal(num(&d, json_first(&d, json_get(&d, root, "top_procs")), "rx_bytes_per_s"),
			 1000);
	json_doc_release(&d);
	/* the oldest tick: its census, no counter has an increase yet */
	assert_int_equal(live_at(f, NOW + 2000, &d, &out), 200);
	root = json_doc_root(&d);
	assert_int_equal(num(&d, root, "tcp_states.established"), 10);
	assert_int_equal(json_get(&d, root, "top_procs")->nr, 0);
	eth = json_first(&d, json_get(&d, root, "ifaces"));
	assert_true(isnan(num(&d, eth, "rx_bytes_per_s")));
	assert_int_equal(num(&d, eth, "speed_bits_per_s"), 1e9);
	assert_true(isnan(num(&d, root, "health.retrans_segs_per_s")));
	json_doc_release(&d);
	/* before the hour: 404, the sentence gives the range */
	assert_int_equal(live_at(f, NOW + 1999, &d, &out), 404);
	assert_non_null(strstr(out.buf, "hour holds 2026-11-29T22:06:42Z to 2026-11-29T22:06:46Z"));
	json_doc_release(&d);
	live_release(f);
	free(f);
	strbuf_release(&out);
}

/* An alert event of the history: id, time, status. */
static void history_add(struct store *st, uint64_t id, int64_t t_ms, enum alert_status status)
{
	struct alert_event ev = { .id = id, .time_ms = t_ms, .status = status, .value = NAN };

	alert_subject_init(&ev.subject);
	snprintf(ev.rule, sizeof(ev.rule), "rule%llu", (unsigned long long)id);
	snprintf(ev.summary, sizeof(ev.summary), "alert %llu", (unsigned long long)id);
	ev.started_ms = NOW;
	assert_int_equal(store_alert_add(st, &ev, NULL), 0);
}

/* The rules of alerts_firing and blocks_active at tick_ms, parsed from an at= answer. */
static void firing_at(struct fake *f, int64_t tick_ms, struct strbuf *rules, double *blocks)
{
	struct strbuf out = STRBUF_INIT;
	const struct json_value *v;
	struct json_doc d;

	assert_int_equal(live_at(f, tick_ms, &d, &out), 200);
	strbuf_reset(rules);
	v = json_get(&d, json_doc_root(&d), "alerts_firing");
	for (v = json_first(&d, v); v; v = json_sibling(&d, v))
		strbuf_addf(rules, "%s;", json_str(&d, json_get(&d, v, "rule")));
	*blocks = num(&d, json_doc_root(&d), "blocks_active");
	json_doc_release(&d);
	strbuf_release(&out);
}

/* A frame of an earlier tick: the alerts and blocks of the database at that tick. */
static void test_live_at_history(void **state)
{
	struct strbuf out = STRBUF_INIT, rules = STRBUF_INIT, err = STRBUF_INIT;
	struct fake *f = xcalloc(1, sizeof(*f));
	char dir[] = "/tmp/connmon-test-api-XXXXXX", db[64];
	struct store_block b = { .addr = "10.9.9.9",
				 .created_ms = NOW + 3000,
				 .expires_ms = NOW + 5000,
				 .rule = "r",
				 .origin = "agent" };
	struct store_options o;
	struct store *w;
	struct json_doc d;
	double blocks;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(db, sizeof(db), "%s/c.db", dir);
	store_options_init(&o);
	assert_int_equal(store_open(&w, db, STORE_WRITE, &o, &err), 0);
	history_add(w, 1, NOW + 1000, ALERT_FIRING);
	history_add(w, 1, NOW + 5000, ALERT_RESOLVED);
	history_add(w, 2, NOW + 4500, ALERT_FIRING);
	history_add(w, 3, NOW + 3000, ALERT_FIRING);
	assert_int_equal(store_block_put(w, &b, 1, &err), 0);
	assert_int_equal(store_close(w, &err), 0);
	live(f, &d, &out);
	json_doc_release(&d);
	tick(f, 3, 4);
	assert_int_equal(store_open(&f->api.reader, db, STORE_READ, &o, &err), 0);
	firing_at(f, NOW + 2000, &rules, &blocks);
	assert_string_equal(rules.buf, "rule1;");
	assert_int_equal(blocks, 0);
	firing_at(f, NOW + 4000, &rules, &blocks);
	assert_string_equal(rules.buf, "rule1;rule3;");
	assert_int_equal(blocks, 1);
	firing_at(f, NOW + 6000, &rules, &blocks);	/* 1 resolved, 2 fired, the block expired */
	assert_string_equal(rules.buf, "rule2;rule3;"); /* in the history's order */
	assert_int_equal(blocks, 0);
	store_close(f->api.reader, NULL);
	live_release(f);
	free(f);
	unlink(db);
	rmdir(dir);
	strbuf_release(&out);
	strbuf_release(&rules);
	strbuf_release(&err);
}

/* Every key path of v ("a.b", "a[].b"), arrays by their first element, alerts_firing whole. */
static void paths(const struct json_doc *d, const struct json_value *v, const char *prefix,
		  struct strbuf *out)
{
	char path[128];

	if (v->type == JSON_ARRAY) {
		if (v->nr && !strstr(prefix, "alerts_firing"))
			paths(d, json_first(d, v), prefix, out);
		return;
	}
	/* an array's element: its fields under the array's prefix */
	if (v->type != JSON_OBJECT)
		return;
	for (const struct json_value *m = json_first(d, v); m; m = json_sibling(d, m)) {
		snprintf(path, sizeof(path), "%s%s%s", prefix, *prefix ? "." : "", json_key(d, m));
		strbuf_addf(out, "|%s|", path);
		if (m->type == JSON_ARRAY) { /* its elements' fields are "name[].field" */
			char elems[136];

			snprintf(elems, sizeof(elems), "%s[]", path);
			paths(d, m, elems, out);
		} else {
			paths(d, m, path, out);
		}
	}
}

static void test_live_fields_documented(void **state)
{
	struct strbuf out = STRBUF_INIT, got = STRBUF_INIT, doc = STRBUF_INIT, row = STRBUF_INIT;
	struct json_doc d;
	struct fake *f = xcalloc(1, sizeof(*f));
	const char *sec, *end, *p;

	(void)state;
	live(f, &d, &out);
	json_doc_release(&d);
	/* a frame asked for with at=: /live's fields (test_live_at_latest) and at_ms */
	assert_int_equal(live_at(f, NOW + 4000, &d, &out), 200);
	paths(&d, json_doc_root(&d), "", &got);
	assert_int_equal(strbuf_read_file(&doc, "../../docs/API.md", 0), 0);
	sec = strstr(doc.buf, "## GET /api/v1/live");
	assert_non_null(sec);
	end = strstr(sec + 3, "\n## ");
	assert_non_null(end);
	/* Each documented field is built... */
	for (p = strstr(sec, "\n| `"); p && p < end; p = strstr(p + 1, "\n| `")) {
		const char *q = strchr(p + 4, '`');

		strbuf_reset(&row);
		strbuf_addf(&row, "|%.*s|", (int)(q - p - 4), p + 4);
		if (!strstr(got.buf, row.buf))
			fail_msg("docs/API.md lists %s, which /api/v1/live lacks", row.buf);
	}
	/* ...and each built field is documented. */
	for (p = got.buf; (p = strchr(p, '|')) && p[1]; p = strchr(p + 1, '|') + 1) {
		const char *q = strchr(p + 1, '|');

		strbuf_reset(&row);
		strbuf_addf(&row, "\n| `%.*s` |", (int)(q - p - 1), p + 1);
		if (!strstr(sec, row.buf) || strstr(sec, row.buf) > end)
			fail_msg("/api/v1/live has %.*s, which docs/API.md does not list",
				 (int)(q - p - 1), p + 1);
	}
	json_doc_release(&d);
	live_release(f);
	free(f);
	strbuf_release(&out);
	strbuf_release(&got);
	strbuf_release(&doc);
	strbuf_release(&row);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_series_args),
		cmocka_unit_test(test_series_args_bad),
		cmocka_unit_test(test_series_too_many_selects),
		cmocka_unit_test(test_alerts_args),
		cmocka_unit_test(test_live_args),
		cmocka_unit_test(test_unblock_body),
		cmocka_unit_test(test_labels_json),
		cmocka_unit_test(test_token_origin),
		cmocka_unit_test(test_live_numbers),
		cmocka_unit_test(test_live_at_latest),
		cmocka_unit_test(test_live_at_past),
		cmocka_unit_test(test_live_at_history),
		cmocka_unit_test(test_live_fields_documented),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
