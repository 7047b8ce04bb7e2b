// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * collect/sadf: the fixture recorded by tests/fixtures/sadf/record.sh (sadc
 * in a scratch namespace while one known TCP transfer ran) checked against
 * the kernel's own counters of that transfer; the same file with local-time
 * stamps; every cut of it; and small hand-written inputs for the rollup
 * arithmetic, both timestamp styles (sysstat 12.6 "utc", 12.7 "tz") and each
 * refusal with its JSON path.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* clang-format off: cmocka.h needs the headers above */
#include <cmocka.h>
/* clang-format on */

#include "base/strbuf.h"
#include "collect/jsonl.h"
#include "collect/sadf.h"
#include "model/series_point.h"

#define FIX "../fixtures/sadf/"

struct pt {
	char name[64], labels[96];
	bool counter;
	enum series_tier tier;
	int64_t t_ms;
	double min, max, mean, last;
};

struct got {
	struct pt *v;
	size_t nr, cap;
	struct strbuf errors, lines;
	int stop_at; /* point() returns -ECANCELED at this point (1-based); 0: never */
};

static int take_point(void *arg, const struct series_point *p)
{
	struct got *g = arg;
	struct pt *q;

	if (g->stop_at && (int)g->nr + 1 == g->stop_at)
		return -ECANCELED;
	if (g->nr == g->cap) {
		g->cap = g->cap ? 2 * g->cap : 64;
		g->v = realloc(g->v, g->cap * sizeof(*g->v));
		assert_non_null(g->v);
	}
	q = &g->v[g->nr++];
	assert_true(strlen(p->name) < sizeof(q->name) && strlen(p->labels) < sizeof(q->labels));
	snprintf(q->name, sizeof(q->name), "%s", p->name);
	snprintf(q->labels, sizeof(q->labels), "%s", p->labels);
	q->counter = p->counter;
	q->tier = p->tier;
	q->t_ms = p->t_ms;
	q->min = p->min;
	q->max = p->max;
	q->mean = p->mean;
	q->last = p->last;
	assert_int_equal(jsonl_format(&g->lines, p), 0);
	return 0;
}

static void take_error(void *arg, const char *msg)
{
	struct got *g = arg;

	strbuf_addf(&g->errors, "%s\n", msg);
}

#define GOT_INIT                                            \
	{                                                   \
		.errors = STRBUF_INIT, .lines = STRBUF_INIT \
	}

static void got_release(struct got *g)
{
	free(g->v);
	strbuf_release(&g->errors);
	strbuf_release(&g->lines);
	*g = (struct got)GOT_INIT;
}

static int import(struct got *g, const char *text, size_t len, struct import_stats *st)
{
	struct point_sink sink = { take_point, take_error, g };
	char *copy = malloc(len ? len : 1); /* exact size, so ASan sees an overread */
	int ret;

	memcpy(copy, text, len);
	ret = sadf_read_mem(copy, len, "sa.json", &sink, st);
	free(copy);
	return ret;
}

static const struct pt *last_of(const struct got *g, const char *name, const char *labels)
{
	const struct pt *best = NULL;

	for (size_t i = 0; i < g->nr; i++)
		if (!strcmp(g->v[i].name, name) && !strcmp(g->v[i].labels, labels) &&
		    (!best || g->v[i].t_ms > best->t_ms))
			best = &g->v[i];
	return best;
}

static double kernel(const char *what)
{
	FILE *f = fopen(FIX "kernel.txt", "r");
	char name[64];
	double v, found = NAN;

	assert_non_null(f);
	while (fscanf(f, "%63s %lf", name, &v) == 2)
		if (!strcmp(name, what))
			found = v;
	fclose(f);
	assert_false(isnan(found));
	return found;
}

static size_t count(const char *text, const char *needle)
{
	size_t n = 0;

	for (const char *p = text; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static void read_fix(struct strbuf *sb, const char *name)
{
	assert_int_equal(strbuf_read_file(sb, name, 0), 0);
}

/* sar's rounding: 2 decimals of a rate, times the interval, per sample; plus 1 % for
 * the interval sadf rounds to whole seconds. */
static void assert_near(double got, double want, double per_sample, size_t samples)
{
	double tol = 0.01 * want + per_sample * (double)samples + 1e-9;

	if (fabs(got - want) > tol)
		fail_msg("%.3f is not within %.3f of %.3f", got, tol, want);
}

static void check_shape(const struct got *g)
{
	for (size_t i = 0; i < g->nr; i++) {
		const struct pt *p = &g->v[i];
		size_t len = strlen(p->name);

		assert_int_equal(p->tier, SERIES_TIER_MINUTE);
		assert_true(p->t_ms % 60000 == 0);
		assert_int_equal(p->counter, len > 6 && !strcmp(p->name + len - 6, "_total"));
		assert_true(p->min <= p->mean + 1e-9 && p->mean <= p->max + 1e-9);
		for (size_t j = 0; j < i; j++)
			if (!strcmp(g->v[j].name, p->name) && !strcmp(g->v[j].labels, p->labels)) {
				assert_true(g->v[j].t_ms < p->t_ms);
				if (p->counter)
					assert_true(g->v[j].last <= p->last);
			}
	}
}

static void test_fixture_against_kernel(void **state)
{
	static const char *const iface_series[] = {
		"rx_packets",	     "tx_packets",	"rx_bytes",	  "tx_bytes",
		"rx_compressed",     "tx_compressed",	"rx_multicast",	  "rx_errors",
		"tx_errors",	     "collisions",	"rx_dropped",	  "tx_dropped",
		"tx_carrier_errors", "rx_frame_errors", "rx_fifo_errors", "tx_fifo_errors",
	};
	struct strbuf text = STRBUF_INIT;
	struct got g = GOT_INIT;
	struct import_stats st;
	const struct pt *p;
	double tw_max = 0;
	size_t n;

	(void)state;
	read_fix(&text, FIX "utc.json");
	assert_int_equal(import(&g, text.buf, text.len, &st), 0);
	assert_string_equal(g.errors.buf, "");
	n = count(text.buf, "\"timestamp\"");
	assert_true(n >= 3 && st.nr_records == n && st.nr_errors == 0 && st.nr_points == g.nr);
	check_shape(&g);
	/* rxkB is KiB/s: 0.005 KiB/s of rounding over 2 s is 10.24 bytes per sample */
	p = last_of(&g, "connmon_iface_rx_bytes_total", "iface=\"veth-sa\"");
	assert_non_null(p);
	assert_near(p->last, kernel("rx_bytes"), 10.24, n);
	p = last_of(&g, "connmon_iface_tx_bytes_total", "iface=\"veth-sa\"");
	assert_near(p->last, kernel("tx_bytes"), 10.24, n);
	assert_true(kernel("tx_bytes") > 200000);
	p = last_of(&g, "connmon_iface_rx_packets_total", "iface=\"veth-sa\"");
	assert_near(p->last, kernel("rx_packets"), 0.01, n);
	p = last_of(&g, "connmon_iface_tx_packets_total", "iface=\"veth-sa\"");
	assert_near(p->last, kernel("tx_packets"), 0.01, n);
	p = last_of(&g, "connmon_netstat_total", "counter=\"TcpActiveOpens\"");
	assert_near(p->last, kernel("tcp_active_opens"), 0.01, n);
	p = last_of(&g, "connmon_netstat_total", "counter=\"TcpPassiveOpens\"");
	assert_near(p->last, 0, 0.01, n);
	/* the client closed first: its TIME-WAIT socket shows in sockstat */
	for (size_t i = 0; i < g.nr; i++)
		if (!strcmp(g.v[i].labels, "proto=\"tcp\",field=\"tw\""))
			tw_max = g.v[i].max > tw_max ? g.v[i].max : tw_max;
	assert_true(tw_max == 1);
	/* every interface of the file has its 16 series */
	for (const char *q = text.buf; (q = strstr(q, "{\"iface\": \"")); q++) {
		char iface[32], labels[64], name[64];

		assert_int_equal(sscanf(q + 11, "%31[^\"]", iface), 1);
		snprintf(labels, sizeof(labels), "iface=\"%s\"", iface);
		for (size_t k = 0; k < sizeof(iface_series) / sizeof(iface_series[0]); k++) {
			snprintf(name, sizeof(name), "connmon_iface_%s_total", iface_series[k]);
			if (!last_of(&g, name, labels))
				fail_msg("no %s{%s}", name, labels);
		}
	}
	got_release(&g);
	strbuf_release(&text);
}

/* The first point is at the start of the minute of the first sample, read here with timegm. */
static void test_fixture_time(void **state)
{
	struct strbuf text = STRBUF_INIT;
	struct tm tm = { 0 };
	struct got g = GOT_INIT;
	const char *ts;
	int64_t first = INT64_MAX;

	(void)state;
	read_fix(&text, FIX "utc.json");
	ts = strstr(text.buf, "\"timestamp\": {\"date\": \"");
	assert_non_null(ts);
	assert_int_equal(
		sscanf(ts, "\"timestamp\": {\"date\": \"%d-%d-%d\", \"time\": \"%d:%d:%d\"",
		       &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec),
		6);
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	tm.tm_sec = 0;
	assert_int_equal(import(&g, text.buf, text.len, NULL), 0);
	for (size_t i = 0; i < g.nr; i++)
		if (g.v[i].t_ms < first)
			first = g.v[i].t_ms;
	/* The counters' zero points come a minute before the first sample's. */
	assert_true(first == (int64_t)timegm(&tm) * 1000 - 60000);
	got_release(&g);
	strbuf_release(&text);
}

/* sadf -T under TZ=IST-5:30 (record.sh): the same points once this process is in that zone. */
static void test_fixture_local_time(void **state)
{
	struct strbuf utc = STRBUF_INIT, local = STRBUF_INIT;
	struct got a = GOT_INIT, b = GOT_INIT;
	char *saved = getenv("TZ") ? strdup(getenv("TZ")) : NULL;

	(void)state;
	read_fix(&utc, FIX "utc.json");
	read_fix(&local, FIX "local-ist.json");
	assert_non_null(strstr(local.buf, "\"utc\": 0"));
	assert_int_equal(import(&a, utc.buf, utc.len, NULL), 0);
	setenv("TZ", "IST-5:30", 1);
	tzset();
	assert_int_equal(import(&b, local.buf, local.len, NULL), 0);
	if (saved)
		setenv("TZ", saved, 1);
	else
		unsetenv("TZ");
	tzset();
	free(saved);
	assert_true(a.lines.len > 0);
	assert_string_equal(a.lines.buf, b.lines.buf);
	got_release(&a);
	got_release(&b);
	strbuf_release(&utc);
	strbuf_release(&local);
}

static void test_fixture_from_fd(void **state)
{
	struct strbuf text = STRBUF_INIT;
	struct got a = GOT_INIT, b = GOT_INIT;
	struct point_sink sink = { take_point, take_error, &b };
	struct import_stats sa, sb;
	FILE *f = tmpfile();

	(void)state;
	read_fix(&text, FIX "utc.json");
	assert_int_equal(import(&a, text.buf, text.len, &sa), 0);
	assert_non_null(f);
	assert_int_equal(fwrite(text.buf, 1, text.len, f), text.len);
	fflush(f);
	rewind(f);
	assert_int_equal(sadf_read_fd(fileno(f), "sa.json", &sink, &sb), 0);
	fclose(f);
	assert_string_equal(a.lines.buf, b.lines.buf);
	assert_true(sa.nr_records == sb.nr_records && sa.nr_points == sb.nr_points);
	got_release(&a);
	got_release(&b);
	strbuf_release(&text);
}

static const struct pt *find(const struct got *g, const struct pt *p)
{
	for (size_t i = 0; i < g->nr; i++)
		if (!strcmp(g->v[i].name, p->name) && !strcmp(g->v[i].labels, p->labels) &&
		    g->v[i].t_ms == p->t_ms)
			return &g->v[i];
	return NULL;
}

/* A file cut anywhere: -ENODATA, said so, and what was read before the cut is imported. */
static void test_fixture_cut(void **state)
{
	struct strbuf text = STRBUF_INIT;
	struct got full = GOT_INIT;
	uint64_t records_before = 0;

	(void)state;
	read_fix(&text, FIX "utc.json");
	assert_int_equal(import(&full, text.buf, text.len, NULL), 0);
	for (size_t cut = 0; cut < text.len; cut += 41) {
		struct got g = GOT_INIT;
		struct import_stats st;
		int64_t last_bucket = INT64_MIN;

		assert_int_equal(import(&g, text.buf, cut, &st), -ENODATA);
		assert_non_null(strstr(g.errors.buf, "the input is cut short"));
		assert_true(st.nr_records >= records_before);
		records_before = st.nr_records;
		for (size_t i = 0; i < g.nr; i++)
			if (g.v[i].t_ms > last_bucket)
				last_bucket = g.v[i].t_ms;
		for (size_t i = 0; i < g.nr; i++) {
			const struct pt *p = &g.v[i], *q = find(&full, p);

			assert_non_null(q);
			if (p->t_ms < last_bucket)
				assert_true(p->min == q->min && p->max == q->max &&
					    p->mean == q->mean && p->last == q->last);
			else if (p->counter)
				assert_true(p->last <= q->last);
		}
		got_release(&g);
	}
	assert_true(records_before > 0);
	got_release(&full);
	strbuf_release(&text);
}

#define DOC(samples)                                                                               \
	"{\"sysstat\": {\"hosts\": [{\"nodename\": \"h\", \"timezone\": \"UTC\", \"statistics\": " \
	"[" samples "], \"restarts\": []}]}}"
#define TS(date, time, zone, itv)                                               \
	"\"timestamp\": {\"date\": \"" date "\", \"time\": \"" time "\", " zone \
	", \"interval\": " itv "}"
#define DEV(iface, rxkB)                                                                    \
	"{\"iface\": \"" iface "\", \"rxpck\": 0.00, \"txpck\": 0.00, \"rxkB\": " rxkB ", " \
	"\"txkB\": 0.00, \"rxcmp\": 0.00, \"txcmp\": 0.00, \"rxmcst\": 0.00, "              \
	"\"ifutil-percent\": 0.00}"
#define SOCK(tot)                                                                           \
	"\"net-sock\": {\"totsck\": " tot ", \"tcpsck\": 0, \"udpsck\": 0, \"rawsck\": 0, " \
	"\"ip-frag\": 0, \"tcp-tw\": 0}"
#define SAMPLE(time, itv, net) \
	"{" TS("2026-01-01", time, "\"utc\": 1", itv) ", \"network\": {" net "}}"

#define T0 1767225600000 /* 2026-01-01T00:00:00Z */

static void expect_pt(const struct got *g, const char *name, const char *labels, int64_t t,
		      double min, double max, double mean, double last)
{
	for (size_t i = 0; i < g->nr; i++) {
		const struct pt *p = &g->v[i];

		if (strcmp(p->name, name) || strcmp(p->labels, labels) || p->t_ms != t)
			continue;
		if (p->min != min || p->max != max || p->mean != mean || p->last != last)
			fail_msg("%s{%s} @%lld: %g %g %g %g, want %g %g %g %g", name, labels,
				 (long long)t, p->min, p->max, p->mean, p->last, min, max, mean,
				 last);
		return;
	}
	fail_msg("no %s{%s} @%lld", name, labels, (long long)t);
}

/*
 * Two samples in the first minute (10 s at 1 KiB/s, then 30 s at 3 KiB/s), one
 * in the next (25 s at 2 KiB/s); eth1 appears in the third only.
 */
static void test_rollups(void **state)
{
	static const char doc[] = DOC(
		SAMPLE("00:00:10", "10", "\"net-dev\": [" DEV("eth0", "1.00") "], " SOCK("2")) "," SAMPLE(
			"00:00:40", "30",
			"\"net-dev\": [" DEV("eth0", "3.00") "], " SOCK(
				"4")) "," SAMPLE("00:01:05", "25",
						 "\"net-dev\": [" DEV("eth0", "2.00") ", " DEV(
							 "eth1",
							 "0.50") "], \"cpu-load\": [], " SOCK("1")));
	struct import_stats st;
	struct got g = GOT_INIT;

	(void)state;
	assert_int_equal(import(&g, doc, sizeof(doc) - 1, &st), 0);
	assert_string_equal(g.errors.buf, "");
	assert_true(st.nr_records == 3);
	expect_pt(&g, "connmon_iface_rx_bytes_total", "iface=\"eth0\"", T0, 1024, 3072,
		  (1024.0 * 10 + 3072.0 * 30) / 40, 1024.0 * 10 + 3072.0 * 30);
	expect_pt(&g, "connmon_iface_rx_bytes_total", "iface=\"eth0\"", T0 + 60000, 2048, 2048,
		  2048, 1024.0 * 10 + 3072.0 * 30 + 2048.0 * 25);
	expect_pt(&g, "connmon_iface_rx_bytes_total", "iface=\"eth1\"", T0 + 60000, 512, 512, 512,
		  512.0 * 25);
	expect_pt(&g, "connmon_iface_tx_packets_total", "iface=\"eth0\"", T0, 0, 0, 0, 0);
	expect_pt(&g, "connmon_sockstat", "proto=\"sockets\",field=\"used\"", T0, 2, 4, 3, 4);
	expect_pt(&g, "connmon_sockstat", "proto=\"sockets\",field=\"used\"", T0 + 60000, 1, 1, 1,
		  1);
	/* Each counter starts with a zero point a minute before its first one. */
	expect_pt(&g, "connmon_iface_rx_bytes_total", "iface=\"eth0\"", T0 - 60000, 0, 0, 0, 0);
	expect_pt(&g, "connmon_iface_rx_bytes_total", "iface=\"eth1\"", T0, 0, 0, 0, 0);
	/*
	 * eth0 and eth1 have 7 DEV series each, sockstat 6: no EDEV, TCP or ETCP in the input;
	 * and a zero point for each of the 14 counters.
	 */
	assert_true(g.nr == 7 + 6 + 7 + 7 + 6 + 14);
	got_release(&g);
}

static void test_time_zones(void **state)
{
	static const char utc[] = DOC("{" TS("2026-01-01", "00:00:00", "\"utc\": 1", "60") "}");
	static const char tz_utc[] =
		DOC("{" TS("2026-01-01", "00:00:00", "\"tz\": \"UTC\"", "60") "}");
	static const char tz_ist[] = DOC("{" TS("2026-01-01", "05:30:00", "\"tz\": \"IST\"",
						"60") ", \"network\": {" SOCK("3") "}}");
	static const char old[] = DOC("{" TS("2026-01-01", "05-30-00", "\"utc\": 0",
					     "60") ", \"network\": {" SOCK("3") "}}");
	static const char tz_cet[] = DOC("{" TS("2026-01-01", "01:00:00", "\"tz\": \"CET\"",
						"60") ", \"network\": {" SOCK("3") "}}");
	char *saved = getenv("TZ") ? strdup(getenv("TZ")) : NULL;
	struct got g = GOT_INIT;

	(void)state;
	assert_int_equal(import(&g, utc, sizeof(utc) - 1, NULL), 0);
	assert_int_equal(import(&g, tz_utc, sizeof(tz_utc) - 1, NULL), 0);
	setenv("TZ", "IST-5:30", 1);
	tzset();
	assert_int_equal(import(&g, tz_ist, sizeof(tz_ist) - 1, NULL), 0);
	expect_pt(&g, "connmon_sockstat", "proto=\"sockets\",field=\"used\"", T0, 3, 3, 3, 3);
	got_release(&g);
	assert_int_equal(import(&g, old, sizeof(old) - 1, NULL), 0);
	expect_pt(&g, "connmon_sockstat", "proto=\"sockets\",field=\"used\"", T0, 3, 3, 3, 3);
	got_release(&g);
	assert_int_equal(import(&g, tz_cet, sizeof(tz_cet) - 1, NULL), -EINVAL);
	assert_non_null(strstr(g.errors.buf, "sa.json: at $.sysstat.hosts[0].statistics[0]"
					     ".timestamp.tz: the sample is in time zone \"CET\", "
					     "this process's is \"IST\""));
	assert_int_equal(g.nr, 0);
	if (saved)
		setenv("TZ", saved, 1);
	else
		unsetenv("TZ");
	tzset();
	free(saved);
	got_release(&g);
}

struct bad_case {
	const char *doc, *msg;
};

static void test_refusals(void **state)
{
	static const struct bad_case cases[] = {
		{ "{\"a\": 1}", "sa.json: at $: no \"sysstat\" object: not sadf -j output?" },
		{ "[1]", "sa.json: at $: expected an object, found an array" },
		{ "{\"sysstat\": {\"hosts\": {}}}",
		  "at $.sysstat.hosts: expected an array, found an object" },
		{ DOC("{\"network\": {}}"),
		  "at $.sysstat.hosts[0].statistics[0]: expected a \"timestamp\" object" },
		{ DOC("{\"timestamp\": {\"date\": \"2026-01-01\", \"time\": \"00:00:00\", \"utc\": 1}}"),
		  "statistics[0].timestamp.interval: expected a number of seconds (1 or more)" },
		{ DOC("{" TS("2026-02-29", "00:00:00", "\"utc\": 1", "1") "}"),
		  ".timestamp: expected \"date\": \"YYYY-MM-DD\" and \"time\": \"HH:MM:SS\", found "
		  "\"2026-02-29\" \"00:00:00\"" },
		{ DOC("{\"timestamp\": {\"date\": \"2026-01-01\", \"utc\": 1, \"interval\": 1}}"),
		  "found \"2026-01-01\" \"\"" },
		{ DOC("{" TS("2026-01-01", "00.00.00", "\"utc\": 1", "1") "}"), "\"00.00.00\"" },
		{ DOC("{" TS("2026-01-01", "24:00:00", "\"utc\": 1", "1") "}"),
		  "found \"2026-01-01\" \"24:00:00\"" },
		{ DOC("{" TS("2026-01-01", "00:00:00", "\"utc\": 2", "1") "}"),
		  ".timestamp: expected \"utc\": 0 or 1, or \"tz\": a zone name" },
		{ DOC(SAMPLE("00:00:10", "10", SOCK("1")) "," SAMPLE("00:00:10", "10", SOCK("1"))),
		  "statistics[1].timestamp: not after the sample before it; skipped" },
		{ DOC(SAMPLE("00:00:10", "10", "\"net-dev\": [" DEV("eth0", "\"1\"") "]")),
		  "statistics[0].network.net-dev[0]: expected a number of 0 or more for \"rxkB\", found a string" },
		{ DOC(SAMPLE("00:00:10", "10", "\"net-dev\": [" DEV("eth0", "-1.00") "]")),
		  "net-dev[0]: expected a number of 0 or more for \"rxkB\", found -1.00" },
		{ DOC(SAMPLE("00:00:10", "10", "\"net-dev\": [" DEV("eth0", "1e306") "]")),
		  "net-dev[0]: \"rxkB\" is too large to add up; skipped" },
		{ DOC(SAMPLE("00:00:10", "10", "\"net-dev\": [{\"iface\": \"eth0\"}]")),
		  "statistics[0].network.net-dev[0]: no \"rxpck\"" },
		{ DOC(SAMPLE("00:00:10", "10", "\"net-dev\": [{\"iface\": \"\"}]")),
		  "net-dev[0]: expected \"iface\": an interface name" },
		{ DOC(SAMPLE("00:00:10", "10", "\"net-dev\": [7]")),
		  "net-dev[0]: expected an object, found a number" },
		{ DOC(SAMPLE("00:00:10", "10", "\"net-sock\": []")),
		  "network.net-sock: expected an object, found an array" },
		{ DOC(SAMPLE("00:00:10", "10", "\"net-tcp\": {\"active\": 1}")),
		  "network.net-tcp: no \"passive\"" },
		{ "{\"sysstat\": {\"hosts\": [{\"statistics\": []}, {\"statistics\": [{}]}]}}",
		  "sa.json: at $.sysstat.hosts[1]: more than one host; only the first is imported" },
		{ DOC("1,"),
		  "sa.json: line 1, column 78, at $.sysstat.hosts[0].statistics[1]: expected a value, found ']'" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct got g = GOT_INIT;
		int ret = import(&g, cases[i].doc, strlen(cases[i].doc), NULL);

		if (ret != -EINVAL || !strstr(g.errors.buf, cases[i].msg))
			fail_msg("%s\ngot %d: %s\nwant: %s", cases[i].doc, ret, g.errors.buf,
				 cases[i].msg);
		got_release(&g);
	}
}

/* A bad value costs that value only; the rest of the sample is imported. */
static void test_partial_sample(void **state)
{
	static const char doc[] = DOC(SAMPLE(
		"00:00:10", "10",
		"\"net-dev\": [" DEV("eth0", "\"x\"") ", " DEV("eth1", "1.00") "], " SOCK("5")));
	struct got g = GOT_INIT;

	(void)state;
	assert_int_equal(import(&g, doc, sizeof(doc) - 1, NULL), -EINVAL);
	assert_null(last_of(&g, "connmon_iface_rx_bytes_total", "iface=\"eth0\""));
	expect_pt(&g, "connmon_iface_tx_bytes_total", "iface=\"eth0\"", T0, 0, 0, 0, 0);
	expect_pt(&g, "connmon_iface_rx_bytes_total", "iface=\"eth1\"", T0, 1024, 1024, 1024,
		  10240);
	expect_pt(&g, "connmon_sockstat", "proto=\"sockets\",field=\"used\"", T0, 5, 5, 5, 5);
	got_release(&g);
}

static void test_stop_and_error_cap(void **state)
{
	struct strbuf doc = STRBUF_INIT;
	struct got g = GOT_INIT;

	(void)state;
	/* the sink stops the import */
	g.stop_at = 3;
	assert_int_equal(import(&g, DOC(SAMPLE("00:00:10", "10", SOCK("5"))),
				sizeof(DOC(SAMPLE("00:00:10", "10", SOCK("5")))) - 1, NULL),
			 -ECANCELED);
	assert_int_equal(g.nr, 2);
	got_release(&g);
	/* 30 samples without a timestamp: 20 sentences, then one that counts the rest */
	strbuf_addstr(&doc, "{\"sysstat\": {\"hosts\": [{\"statistics\": [");
	for (int i = 0; i < 30; i++)
		strbuf_addstr(&doc, i ? ", {}" : "{}");
	strbuf_addstr(&doc, "]}]}}");
	assert_int_equal(import(&g, doc.buf, doc.len, NULL), -EINVAL);
	assert_int_equal(count(g.errors.buf, "expected a \"timestamp\" object"), 20);
	assert_non_null(strstr(g.errors.buf, "sa.json: 10 more problems not shown\n"));
	got_release(&g);
	strbuf_release(&doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixture_against_kernel),
		cmocka_unit_test(test_fixture_time),
		cmocka_unit_test(test_fixture_local_time),
		cmocka_unit_test(test_fixture_from_fd),
		cmocka_unit_test(test_fixture_cut),
		cmocka_unit_test(test_rollups),
		cmocka_unit_test(test_time_zones),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_partial_sample),
		cmocka_unit_test(test_stop_and_error_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
