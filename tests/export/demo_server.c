// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A stand-in for the agent's /metrics side, for tests/export: it publishes a
 * new exposition every --interval-ms through export/http.h, as the agent does
 * after each tick, and reports how long each publish took.  Built by meson,
 * not installed.
 *
 * Every body is, in this order: --pad-bytes of a padding family (encoded
 * once, to make bodies big enough to fill socket buffers), then the points
 * below, encoded by prom_encode() each time:
 *
 *	connmon_demo_tick{where="first"}   the publish number
 *	connmon_demo_value                 --value
 *	connmon_demo_label{text=...}       --label, raw bytes from argv
 *	connmon_demo_publishes_total       publishes so far
 *	connmon_demo_publish_max_seconds   the longest http_server_publish() call
 *	connmon_demo_http_*_total          the listener's counters
 *	every family of model/metric.h     with --all-families, labels "x"
 *	connmon_demo_series                sample lines in this body
 *	connmon_demo_tick{where="last"}    the publish number again
 *	connmon_demo_tick_end              the publish number, last line of the body
 *
 * The two connmon_demo_tick points are apart in the input, so the output
 * shows the encoder's grouping; a reader checks a body is whole and of one
 * publish by comparing the three tick values and the line count.
 *
 * Exit: 0 after --duration-sec or on SIGTERM/SIGINT; 1 when the listener
 * cannot open (the message names the address and the reason); 2 bad usage.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/strbuf.h"
#include "base/xalloc.h"
#include "export/http.h"
#include "export/prom.h"
#include "model/metric.h"

struct demo {
	const char *listen;
	unsigned int interval_ms, duration_sec, max_connections, timeout_sec;
	size_t pad_bytes;
	double value;
	const char *label;
	bool all_families;
	struct strbuf pad;	     /* the padding family, encoded once */
	struct strbuf family_labels; /* the labels of each --all-families point, NUL-separated */
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static double now_sec(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: demo_server --listen ADDR:PORT [--interval-ms N] [--duration-sec N]\n"
		"  [--pad-bytes N] [--value V] [--label TEXT] [--all-families]\n"
		"  [--max-connections N] [--timeout-sec N]\n");
	exit(2);
}

static unsigned long number(const char *s, unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v > max)
		usage();
	return v;
}

static void parse_args(struct demo *d, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "interval-ms", required_argument, NULL, 'i' },
		{ "duration-sec", required_argument, NULL, 'd' },
		{ "pad-bytes", required_argument, NULL, 'p' },
		{ "value", required_argument, NULL, 'v' },
		{ "label", required_argument, NULL, 't' },
		{ "all-families", no_argument, NULL, 'a' },
		{ "max-connections", required_argument, NULL, 'c' },
		{ "timeout-sec", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*d = (struct demo){ .interval_ms = 10, .duration_sec = 120, .label = "" };
	strbuf_init(&d->pad, 0);
	strbuf_init(&d->family_labels, 0);
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			d->listen = optarg;
			break;
		case 'i':
			d->interval_ms = (unsigned int)number(optarg, 60000);
			break;
		case 'd':
			d->duration_sec = (unsigned int)number(optarg, 3600);
			break;
		case 'p':
			d->pad_bytes = number(optarg, 64ul << 20);
			break;
		case 'v':
			d->value = strtod(optarg, NULL);
			break;
		case 't':
			d->label = optarg;
			break;
		case 'a':
			d->all_families = true;
			break;
		case 'c':
			d->max_connections = (unsigned int)number(optarg, 10000);
			break;
		case 'o':
			d->timeout_sec = (unsigned int)number(optarg, 3600);
			break;
		default:
			usage();
		}
	}
	if (!d->listen || optind != argc || !d->interval_ms)
		usage();
}

/* Encodes the padding family once: lines of about 40 bytes up to pad_bytes; returns the lines. */
static size_t make_pad(struct demo *d)
{
	size_t n = d->pad_bytes / 40, i;
	struct prom_point *p = xcalloc(n ? n : 1, sizeof(*p));
	char(*labels)[24] = xcalloc(n ? n : 1, sizeof(*labels));

	for (i = 0; i < n; i++) {
		snprintf(labels[i], sizeof(labels[i]), "i=\"%zu\"", i);
		p[i] = (struct prom_point){ "connmon_demo_pad", "Padding to make bodies big.",
					    PROM_GAUGE, labels[i], (double)i };
	}
	prom_encode(&d->pad, p, n);
	free(p);
	free(labels);
	return n;
}

/* The labels of the --all-families points: each key of the family = "x", NUL-separated. */
static void make_family_labels(struct demo *d)
{
	for (size_t i = 0; i < MF_MAX; i++) {
		struct strbuf one = STRBUF_INIT;
		char *keys = xstrdup(metric_families[i].label_keys), *save = NULL;

		for (char *k = strtok_r(keys, ",", &save); k; k = strtok_r(NULL, ",", &save))
			prom_labels_add(&one, k, "x");
		strbuf_add(&d->family_labels, one.buf, one.len + 1);
		strbuf_release(&one);
		free(keys);
	}
}

struct progress {
	uint64_t publishes;
	double max_publish_sec;
	size_t pad_lines;
};

/* The listener's counters as demo families, so a scrape shows what the agent will export. */
static size_t add_http_stats(struct prom_point *p, struct http_server *srv)
{
	static const char *const names[] = {
		"connmon_demo_http_connections_total", "connmon_demo_http_requests_total",
		"connmon_demo_http_served_total",      "connmon_demo_http_not_found_total",
		"connmon_demo_http_bad_method_total",  "connmon_demo_http_timeouts_total",
		"connmon_demo_http_aborted_total",     "connmon_demo_http_errors_total",
	};
	struct http_server_stats st;
	uint64_t v[8];

	http_server_get_stats(srv, &st);
	v[0] = st.connections;
	v[1] = st.requests;
	v[2] = st.served;
	v[3] = st.not_found;
	v[4] = st.bad_method;
	v[5] = st.timeouts;
	v[6] = st.aborted;
	v[7] = st.errors;
	for (size_t i = 0; i < 8; i++)
		p[i] = (struct prom_point){ names[i], "A counter of the HTTP listener.",
					    PROM_COUNTER, NULL, (double)v[i] };
	return 8;
}

static char *build_body(const struct demo *d, struct http_server *srv, const struct progress *pr,
			size_t *len)
{
	struct prom_point *p = xcalloc(32 + MF_MAX, sizeof(*p));
	struct strbuf label = STRBUF_INIT, out = STRBUF_INIT;
	double tick = (double)(pr->publishes + 1);
	const char *fam_labels = d->family_labels.buf;
	size_t n = 0, series;

	prom_labels_add(&label, "text", d->label);
	p[n++] = (struct prom_point){ "connmon_demo_tick", "The publish number.", PROM_GAUGE,
				      "where=\"first\"", tick };
	p[n++] = (struct prom_point){ "connmon_demo_value", "The value given by --value.",
				      PROM_GAUGE, NULL, d->value };
	p[n++] = (struct prom_point){ "connmon_demo_label", "The text given by --label.",
				      PROM_GAUGE, label.buf, 1 };
	p[n++] = (struct prom_point){ "connmon_demo_publishes_total", "Bodies published.",
				      PROM_COUNTER, NULL, tick };
	p[n++] = (struct prom_point){ "connmon_demo_publish_max_seconds",
				      "The longest publish call so far.", PROM_GAUGE, NULL,
				      pr->max_publish_sec };
	n += add_http_stats(p + n, srv);
	for (size_t i = 0; d->all_families && i < MF_MAX; i++) {
		const struct metric_family *f = &metric_families[i];

		p[n++] = (struct prom_point){ f->name, f->help,
					      f->kind == METRIC_COUNTER ? PROM_COUNTER : PROM_GAUGE,
					      fam_labels, 1 };
		fam_labels += strlen(fam_labels) + 1;
	}
	series = n++;
	p[n++] = (struct prom_point){ "connmon_demo_tick", NULL, PROM_GAUGE, "where=\"last\"",
				      tick };
	p[n++] = (struct prom_point){ "connmon_demo_tick_end", "The publish number, last.",
				      PROM_GAUGE, NULL, tick };
	p[series] = (struct prom_point){ "connmon_demo_series", "Sample lines in this body.",
					 PROM_GAUGE, NULL, (double)(pr->pad_lines + n) };
	strbuf_add(&out, d->pad.buf, d->pad.len);
	prom_encode(&out, p, n);
	strbuf_release(&label);
	free(p);
	return strbuf_detach(&out, len);
}

static void run(const struct demo *d, struct http_server *srv, struct progress *pr)
{
	struct timespec next;
	double end = now_sec() + d->duration_sec;

	clock_gettime(CLOCK_MONOTONIC, &next);
	while (!stop && now_sec() < end) {
		size_t len;
		char *body = build_body(d, srv, pr, &len);
		double t0 = now_sec(), spent;

		if (http_server_publish(srv, "/metrics", body, len, HTTP_CONTENT_TYPE_PROM))
			abort();
		spent = now_sec() - t0;
		if (spent > pr->max_publish_sec)
			pr->max_publish_sec = spent;
		pr->publishes++;
		next.tv_nsec += (long)d->interval_ms * 1000000;
		next.tv_sec += next.tv_nsec / 1000000000;
		next.tv_nsec %= 1000000000;
		/* A signal cuts the sleep short; the loop then sees stop. */
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
	}
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct strbuf err = STRBUF_INIT;
	struct progress pr = { 0 };
	struct http_server *srv;
	struct http_server_config cfg;
	struct demo d;

	parse_args(&d, argc, argv);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	cfg = (struct http_server_config){ d.listen, d.max_connections, d.timeout_sec };
	if (http_server_open(&srv, &cfg, &err)) {
		fprintf(stderr, "demo_server: %s; metrics are off\n", err.buf);
		strbuf_release(&err);
		return 1;
	}
	printf("listening on port %u\n", http_server_port(srv));
	fflush(stdout);
	pr.pad_lines = make_pad(&d);
	make_family_labels(&d);
	run(&d, srv, &pr);
	printf("publishes %llu max_publish_seconds %.6f\n", (unsigned long long)pr.publishes,
	       pr.max_publish_sec);
	http_server_close(srv);
	strbuf_release(&d.pad);
	strbuf_release(&d.family_labels);
	return 0;
}
