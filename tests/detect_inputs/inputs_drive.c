// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A test driver for the detection inputs, run by detect_inputs_test.py in
 * a network namespace: the scan capture feeding scan_track, or the sshd
 * log reader feeding fail_track, for at most a given time, printing JSON
 * lines on stdout:
 *
 *   inputs_drive scan [--iface IF] [--floor N] [--seconds S] [--until N]
 *   inputs_drive auth --file PATH [--floor N] [--seconds S] [--until N]
 *
 * First {"ready": true} (or {"ready": false, "why": ...} and exit 1), then
 * every event as {"event": ...} (auth) and once a second and at the end the
 * tracker's report {"report": [...], "final": bool, ...}.  --until N stops
 * early once one address reaches N (ports or failures).
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "analyze/fail_track.h"
#include "analyze/scan_track.h"
#include "collect/authlog_read.h"
#include "collect/scan_capture.h"

struct args {
	const char *mode, *iface, *file;
	unsigned floor, until;
	double seconds;
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* CPU time of this process so far (user + system). */
static long long cpu_ms(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (long long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000 +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000;
}

static unsigned num(const char *s)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (*end || v > 1000000) {
		fprintf(stderr, "inputs_drive: bad number '%s'\n", s);
		exit(2);
	}
	return (unsigned)v;
}

static void parse_args(int argc, char **argv, struct args *a)
{
	*a = (struct args){ .seconds = 10 };
	if (argc < 2) {
		fprintf(stderr, "usage: inputs_drive scan|auth [options]\n");
		exit(2);
	}
	a->mode = argv[1];
	for (int i = 2; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--iface"))
			a->iface = argv[i + 1];
		else if (!strcmp(argv[i], "--file"))
			a->file = argv[i + 1];
		else if (!strcmp(argv[i], "--floor"))
			a->floor = num(argv[i + 1]);
		else if (!strcmp(argv[i], "--until"))
			a->until = num(argv[i + 1]);
		else if (!strcmp(argv[i], "--seconds"))
			a->seconds = num(argv[i + 1]);
		else
			exit(2);
	}
}

/* A JSON string: the inputs are display-safe already; quote and backslash remain. */
static void put_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			putchar('\\');
		putchar(*s);
	}
	putchar('"');
}

/* ---- scan ---- */

static void on_probe(int family, const uint8_t *src, uint8_t proto, uint16_t dport, int64_t t_ms,
		     void *arg)
{
	scan_track_add(arg, family, src, proto, dport, t_ms);
}

static unsigned print_scans(struct scan_track *t, struct scan_capture *c, bool final)
{
	struct rule_scan out[16];
	struct scan_capture_stats st;
	size_t n = scan_track_report(t, now_ms(), out, 16);
	unsigned top = 0;

	scan_capture_stats(c, &st);
	printf("{\"final\": %s, \"t_ms\": %lld, \"cpu_ms\": %lld, \"probes\": %llu, "
	       "\"ignored\": %llu, \"dropped\": %llu, \"sources\": %u, \"evicted\": %llu, "
	       "\"report\": [",
	       final ? "true" : "false", (long long)now_ms(), cpu_ms(),
	       (unsigned long long)st.probes, (unsigned long long)st.ignored,
	       (unsigned long long)st.dropped, t->lru.nr, (unsigned long long)t->lru.nr_evicted);
	for (size_t i = 0; i < n; i++) {
		printf("%s{\"addr\": \"%s\", \"nr_ports\": %u, \"nr_probes\": %u}", i ? ", " : "",
		       out[i].addr, out[i].nr_ports, out[i].nr_probes);
		if (out[i].nr_ports > top)
			top = out[i].nr_ports;
	}
	printf("]}\n");
	fflush(stdout);
	return top;
}

static int run_scan(const struct args *a)
{
	struct scan_capture_opts o = { .ifname = a->iface };
	struct scan_track_opts to = { .floor = a->floor, .max_ports = 1024 };
	struct scan_track t;
	struct scan_capture *c;
	char why[256];
	int64_t end = now_ms() + (int64_t)(a->seconds * 1000), next = now_ms() + 1000;
	int rc = scan_capture_open(&c, &o, why, sizeof(why));

	if (rc < 0) {
		printf("{\"ready\": false, \"why\": ");
		put_str(why);
		printf("}\n");
		return 1;
	}
	scan_track_init(&t, &to);
	printf("{\"ready\": true}\n");
	fflush(stdout);
	while (now_ms() < end) {
		struct pollfd p = { .fd = scan_capture_fd(c), .events = POLLIN };

		poll(&p, 1, 100);
		rc = scan_capture_dispatch(c, on_probe, &t);
		if (rc < 0 && rc != -EINTR)
			break;
		if (now_ms() >= next) {
			next += 1000;
			scan_track_expire(&t, now_ms());
			if (print_scans(&t, c, false) >= a->until && a->until)
				break;
		}
	}
	print_scans(&t, c, true);
	scan_track_release(&t);
	scan_capture_close(c);
	return 0;
}

/* ---- auth ---- */

struct auth_ctx {
	struct fail_track t;
};

static void on_auth(const struct authlog_event *ev, int64_t t_ms, void *arg)
{
	struct auth_ctx *x = arg;
	bool counts = authlog_kind_counts(ev->kind);

	printf("{\"event\": \"%s\", \"addr\": \"%s\", \"user\": ", authlog_kind_name(ev->kind),
	       ev->addr_text);
	put_str(ev->user);
	printf(", \"counts\": %s}\n", counts ? "true" : "false");
	if (counts)
		fail_track_add(&x->t, ev->family, ev->addr, t_ms, ev->user);
}

static unsigned print_fails(struct fail_track *t, bool final)
{
	struct rule_authfail out[16];
	size_t n = fail_track_report(t, now_ms(), out, 16);
	unsigned top = 0;

	printf("{\"final\": %s, \"report\": [", final ? "true" : "false");
	for (size_t i = 0; i < n; i++) {
		printf("%s{\"addr\": \"%s\", \"nr_failures\": %u, \"user\": ", i ? ", " : "",
		       out[i].addr, out[i].nr_failures);
		put_str(out[i].user);
		printf("}");
		if (out[i].nr_failures > top)
			top = out[i].nr_failures;
	}
	printf("]}\n");
	fflush(stdout);
	return top;
}

static int run_auth(const struct args *a)
{
	const char *files[1] = { a->file };
	struct authlog_reader_opts o = { .files = files, .nr_files = a->file ? 1 : 0 };
	struct fail_track_opts fo = { .floor = a->floor };
	struct auth_ctx x;
	struct authlog_reader *r;
	char why[256];
	int64_t end = now_ms() + (int64_t)(a->seconds * 1000);

	r = authlog_reader_open(&o);
	if (!authlog_reader_state(r, why, sizeof(why)) && a->file == NULL) {
		printf("{\"ready\": false, \"why\": ");
		put_str(why);
		printf("}\n");
		authlog_reader_close(r);
		return 1;
	}
	fail_track_init(&x.t, &fo);
	printf("{\"ready\": true, \"why\": ");
	put_str(why);
	printf("}\n");
	fflush(stdout);
	while (now_ms() < end) {
		poll(NULL, 0, 200);
		authlog_reader_poll(r, now_ms(), on_auth, &x);
		if (print_fails(&x.t, false) >= a->until && a->until)
			break;
	}
	print_fails(&x.t, true);
	fail_track_release(&x.t);
	authlog_reader_close(r);
	return 0;
}

int main(int argc, char **argv)
{
	struct args a;

	parse_args(argc, argv, &a);
	if (!strcmp(a.mode, "scan"))
		return run_scan(&a);
	if (!strcmp(a.mode, "auth"))
		return run_auth(&a);
	fprintf(stderr, "inputs_drive: unknown mode '%s'\n", a.mode);
	return 2;
}
