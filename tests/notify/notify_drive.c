// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A test driver of alert/notify (not installed): builds alert events from
 * its arguments, submits them to a notifier configured with [alerts] keys,
 * closes it, and prints each sink's final statistics as one JSON line on stdout;
 * the notifier's log goes to stderr.
 *
 *   notify_drive [-s KEY=VALUE]... [-n COUNT] [-r RULE] [-S SEVERITY]
 *                [-R RESOLVE_AFTER_MS] [-w CLOSE_TIMEOUT_MS] [-g GAP_MS]
 *
 * Event i (0-based) is about address 10.0.0.(i+1) (10.0.X.Y past 254),
 * alert id i+1, with a summary naming the address.  -R submits the
 * resolutions of every alert that long after the last firing event.
 * Exit 0 when notify_close() delivered everything, 1 otherwise, 2 on usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alert/notify.h"
#include "cli/config.h"

static void log_line(void *arg, int level, const char *msg)
{
	(void)arg;
	fprintf(stderr, "notify_drive: [%d] %s\n", level, msg);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void make_event(struct alert_event *ev, unsigned i, const char *rule, int sev)
{
	memset(ev, 0, sizeof(*ev));
	ev->id = i + 1;
	ev->time_ms = now_ms();
	ev->started_ms = ev->time_ms - 5000;
	snprintf(ev->rule, sizeof(ev->rule), "%s", rule);
	ev->severity = sev;
	ev->status = ALERT_FIRING;
	alert_subject_init(&ev->subject);
	snprintf(ev->subject.addr, sizeof(ev->subject.addr), "10.0.%u.%u", (i / 254) % 256,
		 i % 254 + 1);
	ev->value = 60 + i;
	ev->threshold = 50;
	snprintf(ev->summary, sizeof(ev->summary), "%s holds %u TCP connections (limit 50)",
		 ev->subject.addr, 60 + i);
	ev->nr_actions = 1;
	ev->actions[0].kind = ACTION_BLOCK;
	snprintf(ev->actions[0].target, sizeof(ev->actions[0].target), "%s", ev->subject.addr);
	ev->actions[0].duration_ms = 600000;
	snprintf(ev->actions[0].result, sizeof(ev->actions[0].result), "dry-run");
}

static void print_stats(const struct notify_stats *st)
{
	for (int i = 0; i < NOTIFY_SINKS; i++) {
		const struct notify_sink_stats *s = &st->sink[i];
		struct strbuf err = STRBUF_INIT;

		for (const char *p = s->last_error; *p; p++)
			strbuf_addch(&err, *p == '"' || *p == '\\' || (unsigned char)*p < 0x20 ?
						   '?' :
						   *p);
		printf("{\"sink\":\"%s\",\"enabled\":%s,\"sent\":%llu,\"failed\":%llu,"
		       "\"dropped\":%llu,\"retrying\":%u,\"last_error\":\"%s\"}\n",
		       notify_sink_name(i), s->enabled ? "true" : "false",
		       (unsigned long long)s->sent, (unsigned long long)s->failed,
		       (unsigned long long)s->dropped, s->retrying, err.buf);
		strbuf_release(&err);
	}
	fflush(stdout);
}

int main(int argc, char **argv)
{
	struct agent_config cfg;
	struct strbuf err = STRBUF_INIT;
	const char *rule = "per_ip_connections";
	unsigned count = 1, gap_ms = 0;
	int sev = ALERT_WARNING, resolve_ms = -1, close_ms = 10000, opt, ret;
	struct notifier *n;
	struct alert_event ev;
	struct notify_stats st;

	config_defaults(&cfg);
	while ((opt = getopt(argc, argv, "s:n:r:S:R:w:g:")) != -1) {
		char *eq;

		switch (opt) {
		case 's':
			eq = strchr(optarg, '=');
			if (!eq)
				return 2;
			*eq = '\0';
			if (config_set(&cfg, NULL, "alerts", optarg, eq + 1, &err)) {
				fprintf(stderr, "notify_drive: %s\n", err.buf);
				return 2;
			}
			break;
		case 'n':
			count = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'r':
			rule = optarg;
			break;
		case 'S':
			sev = alert_severity_parse(optarg);
			if (sev < 0)
				return 2;
			break;
		case 'R':
			resolve_ms = (int)strtol(optarg, NULL, 10);
			break;
		case 'w':
			close_ms = (int)strtol(optarg, NULL, 10);
			break;
		case 'g':
			gap_ms = (unsigned)strtoul(optarg, NULL, 10);
			break;
		default:
			return 2;
		}
	}
	if (notify_open(&n, &cfg.alerts, log_line, NULL, &err)) {
		fprintf(stderr, "notify_drive: %s\n", err.buf);
		return 2;
	}
	for (unsigned i = 0; i < count; i++) {
		make_event(&ev, i, rule, sev);
		notify_submit(n, &ev);
		if (gap_ms)
			usleep(gap_ms * 1000);
	}
	if (resolve_ms >= 0) {
		usleep((useconds_t)resolve_ms * 1000);
		for (unsigned i = 0; i < count; i++) {
			make_event(&ev, i, rule, ALERT_INFO);
			ev.status = ALERT_RESOLVED;
			notify_submit(n, &ev);
		}
	}
	ret = notify_close(n, close_ms, &st);
	print_stats(&st);
	strbuf_release(&err);
	return ret ? 1 : 0;
}
