/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The notifier: alert events (model/alert.h) out to the sinks the config
 * names (docs/ALERTS.md): a JSON-lines file, syslog, a command (exec), a
 * webhook, mail through the system's sendmail, and Prometheus Alertmanager.
 *
 * Threading: notify_open() starts one thread of the notifier's own, which
 * does everything slow (files, children, HTTP).  The caller (the agent's
 * tick) only copies events into a bounded queue with notify_submit(), which
 * never blocks on a sink and never allocates; a full queue drops its oldest
 * event and counts it.  The log callback and nothing else is called from the
 * notifier's thread, so it must be thread-safe.
 *
 * Routing: each sink has a minimum severity (enum notify_level); a firing
 * event goes to the sinks whose level it reaches, and its resolution (the
 * same alert id) to every sink that got a firing event of that alert.
 *
 * Grouping: the exec, webhook, mail and Alertmanager sinks gather the
 * events that arrive within group_wait of the first one and deliver them
 * as one notification (one run, one POST, one mail); the file and syslog
 * sinks write each event at once.
 *
 * Failures: a delivery that fails is retried after retry_backoff, doubling
 * each time (at most NOTIFY_BACKOFF_MAX_MS), at most `retries` times, then
 * its events are dropped; every failure is logged and counted per sink.
 * Children (exec, sendmail) and HTTP requests end after `timeout`.
 *
 * Units: durations in ms; counts of events.  Errors: 0 or a negative errno.
 */
#ifndef CONNMON_ALERT_NOTIFY_H
#define CONNMON_ALERT_NOTIFY_H

#include <stdbool.h>
#include <stdint.h>

#include "base/strbuf.h"
#include "model/alert.h"

/* The size of every text member of the config (the config file's path length). */
#define NOTIFY_PATH_MAX	 4096
#define NOTIFY_ERROR_LEN 256
/* The longest wait between two attempts of one delivery. */
#define NOTIFY_BACKOFF_MAX_MS (5 * 60 * 1000LL)

/* A sink's minimum severity; the config's words off, info, warning, critical. */
enum notify_level {
	NOTIFY_OFF,
	NOTIFY_INFO,	 /* every event */
	NOTIFY_WARNING,	 /* warning and critical */
	NOTIFY_CRITICAL, /* critical only */
};

enum notify_sink_id {
	NOTIFY_FILE,
	NOTIFY_SYSLOG,
	NOTIFY_EXEC,
	NOTIFY_WEBHOOK,
	NOTIFY_MAIL,
	NOTIFY_ALERTMANAGER,
	NOTIFY_SINKS,
};

/* Log levels of the callback: those of the agent's log (config_log_level). */
enum notify_log_level {
	NOTIFY_LOG_ERROR,
	NOTIFY_LOG_WARNING,
	NOTIFY_LOG_INFO,
	NOTIFY_LOG_DEBUG,
};

/*
 * The [alerts] section of the config file.  Pure data (no pointers), so it
 * is embedded in struct agent_config and copied by assignment.  An empty
 * target turns its sink off; so does the level NOTIFY_OFF.  Levels are ints
 * holding an enum notify_level (the config's enum type).
 */
struct notify_config {
	char file[NOTIFY_PATH_MAX]; /* JSON-lines file, appended to */
	int file_severity;
	int syslog;		    /* the level of the syslog sink (facility daemon) */
	char exec[NOTIFY_PATH_MAX]; /* a command for /bin/sh -c */
	int exec_severity;
	char webhook[NOTIFY_PATH_MAX]; /* http:// or https:// URL */
	int webhook_severity;
	char mail_to[NOTIFY_PATH_MAX]; /* recipients, as a To: header holds them */
	int mail_severity;
	char sendmail[NOTIFY_PATH_MAX];	    /* the program, run as `sendmail -t -i` */
	char alertmanager[NOTIFY_PATH_MAX]; /* base URL: http://127.0.0.1:9093 */
	int alertmanager_severity;
	char generator_url[NOTIFY_PATH_MAX]; /* "": connmon://HOSTNAME/alerts/RULE */
	int64_t group_wait_ms;
	unsigned retries;
	int64_t retry_backoff_ms;
	int64_t repeat_ms;  /* Alertmanager: re-sent this often while firing */
	int64_t timeout_ms; /* one HTTP request, one exec or sendmail run */
	unsigned queue;	    /* events the submit queue holds */
};

/* Fills *c with the built-in defaults (those of the [alerts] keys in cli/config.c). */
void notify_config_defaults(struct notify_config *c);

/* "file", "syslog", "exec", "webhook", "mail", "alertmanager". */
const char *notify_sink_name(enum notify_sink_id id);
/* "off", "info", "warning", "critical". */
const char *notify_level_name(enum notify_level l);
/* True when a sink at level gets events of severity sev. */
bool notify_level_passes(int level, enum alert_severity sev);

/*
 * The wait before retry number attempt (0 for the first retry): base_ms
 * doubled attempt times, at most NOTIFY_BACKOFF_MAX_MS.
 */
int64_t notify_backoff_ms(int64_t base_ms, unsigned attempt);

/* Called on the notifier's thread; msg is one line without newline, valid during the call. */
typedef void (*notify_log_fn)(void *arg, int level, const char *msg);

struct notifier;
struct notify_stats;

/*
 * Copies *c, opens the sinks and starts the thread.  log (may be NULL)
 * receives failures and give-ups.  0, or -EINVAL (a bad URL or an empty
 * sendmail for mail_to, with the reason in err) or the errno of
 * pthread_create; *out is set only on success.
 */
int notify_open(struct notifier **out, const struct notify_config *c, notify_log_fn log,
		void *log_arg, struct strbuf *err);

/* Copies *ev into the queue; never blocks; a full queue drops its oldest event. */
void notify_submit(struct notifier *n, const struct alert_event *ev);

/*
 * Delivers what is queued and waiting, for at most timeout_ms (plus at most
 * one delivery's `timeout` already under way), stops the thread and frees
 * n.  0 when everything was delivered or given up before, -ETIMEDOUT when
 * events were still waiting at the deadline (they count as dropped).
 * final (may be NULL) receives the statistics at the end.
 */
int notify_close(struct notifier *n, int timeout_ms, struct notify_stats *final);

struct notify_sink_stats {
	bool enabled;
	uint64_t sent;	   /* events delivered */
	uint64_t failed;   /* deliveries that failed (each attempt counts) */
	uint64_t dropped;  /* events given up: queue or batch full, retries exhausted, close */
	uint32_t retrying; /* events waiting for a retry now */
	char last_error[NOTIFY_ERROR_LEN]; /* "" until the first failure */
};

struct notify_stats {
	struct notify_sink_stats sink[NOTIFY_SINKS];
	uint64_t queue_dropped; /* events the full queue dropped (each once) */
};

/* A consistent copy of the counters; safe from any thread while n is open. */
void notify_stats(const struct notifier *n, struct notify_stats *out);

#endif
