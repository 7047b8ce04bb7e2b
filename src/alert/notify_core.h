/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The notifier's inside, without its thread or clock (alert/notify.c wraps
 * it; tests drive it with a fake clock and fake sinks): routing, grouping,
 * retries, the alerts that are firing (for resolutions and Alertmanager's
 * repeats), and the message builders of the sinks, which are pure.
 *
 * Only the notifier's thread calls into a core.  Statistics are written
 * under stats_lock when it is set, so another thread may copy them.
 * Ownership: the core owns its batches and its table of firing alerts.
 */
#ifndef CONNMON_ALERT_NOTIFY_CORE_H
#define CONNMON_ALERT_NOTIFY_CORE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "alert/notify.h"

/* Events one notification holds at most; more drop the oldest. */
#define NOTIFY_BATCH_MAX 1000
/* Firing alerts remembered; more forget the oldest (its resolution is then routed by severity). */
#define NOTIFY_TRACK_MAX 4096
#define NOTIFY_HOST_LEN	 256

struct notify_core;

/*
 * One sink.  deliver() sends nr events (nr >= 1) as one notification,
 * waiting at most timeout_ms; 0 or a negative errno with one line in err.
 */
struct notify_sink_ops {
	int (*deliver)(const struct notify_core *core, const struct alert_event *ev, size_t nr,
		       int64_t now_ms, int64_t timeout_ms, struct strbuf *err);
};

extern const struct notify_sink_ops notify_file_ops, notify_syslog_ops, notify_exec_ops,
	notify_webhook_ops, notify_mail_ops, notify_alertmanager_ops;

struct notify_batch {
	struct alert_event *ev;
	size_t nr, cap;
	unsigned attempt; /* failed attempts so far */
	int64_t due_ms;	  /* when to deliver; meaningful when nr > 0 */
};

struct notify_sink {
	const struct notify_sink_ops *ops;
	int level; /* enum notify_level; NOTIFY_OFF when the sink is off */
	bool grouped;
	struct notify_batch batch;
};

/* A firing alert: which sinks got it, and the last event (Alertmanager's repeats). */
struct notify_tracked {
	struct alert_event ev;
	unsigned sinks;	    /* bit per enum notify_sink_id */
	int64_t am_sent_ms; /* last time it entered the Alertmanager batch */
};

struct notify_core {
	struct notify_config cfg;
	char hostname[NOTIFY_HOST_LEN];
	struct notify_sink sink[NOTIFY_SINKS];
	struct notify_tracked *alerts; /* oldest first */
	size_t nr_alerts, alerts_cap;
	int64_t deadline_ms; /* INT64_MAX; at close, no delivery waits past it */
	notify_log_fn log;
	void *log_arg;
	pthread_mutex_t *stats_lock; /* NULL: single-threaded (tests) */
	struct notify_stats stats;
};

/*
 * Sets up c for cfg.  ops[i] NULL: the real sink i.  Checks the targets:
 * -EINVAL with the reason in err (c is then released).
 */
int notify_core_init(struct notify_core *c, const struct notify_config *cfg, const char *hostname,
		     const struct notify_sink_ops *const ops[NOTIFY_SINKS], struct strbuf *err);
void notify_core_release(struct notify_core *c);

/* Routes one event into the batches of its sinks. */
void notify_core_add(struct notify_core *c, const struct alert_event *ev, int64_t now_ms);

/*
 * Delivers every batch that is due (flush: also those still gathering) and
 * queues Alertmanager repeats.  Returns when to call again (INT64_MAX: only
 * when events arrive).
 */
int64_t notify_core_run(struct notify_core *c, int64_t now_ms, bool flush);

/* Events waiting in batches. */
size_t notify_core_pending(const struct notify_core *c);
/* Gives up every waiting event (counted as dropped, logged with why). */
void notify_core_drop_all(struct notify_core *c, const char *why);
/* The events a full queue dropped: counted for each sink that would have got them. */
void notify_core_count_dropped(struct notify_core *c, const struct alert_event *ev);

/* Logs through the callback, printf-style. */
__attribute__((format(printf, 3, 4))) void notify_core_log(const struct notify_core *c, int level,
							   const char *fmt, ...);

/*
 * The submit queue: a ring of cap whole events, allocated once.  push
 * never fails: when full it drops the oldest event into *dropped and
 * returns true.  take moves every event out into out (cap events of room).
 */
struct notify_queue {
	struct alert_event *ring;
	size_t cap, head, nr;
};

void notify_queue_init(struct notify_queue *q, size_t cap);
void notify_queue_release(struct notify_queue *q);
bool notify_queue_push(struct notify_queue *q, const struct alert_event *ev,
		       struct alert_event *dropped);
size_t notify_queue_take(struct notify_queue *q, struct alert_event *out);

/* Message builders (pure). */

/* A JSON string of s's display-safe form (docs/JSON.md, "Text from other users"). */
void notify_json_string(struct strbuf *out, const char *s);
/* "2026-11-29T19:09:42.123Z". */
void notify_time_text(int64_t ms, struct strbuf *out);
/* "[ev,...]": the events as one JSON array (the webhook's body). */
void notify_json_array(const struct alert_event *ev, size_t nr, struct strbuf *out);
/*
 * Alertmanager API v2 body: an array of postable alerts.  Firing alerts end
 * at now_ms + 4 * repeat_ms (unless re-sent), resolved ones at their time.
 */
void notify_am_payload(const struct alert_event *ev, size_t nr, const char *hostname,
		       const char *generator_url, int64_t now_ms, int64_t repeat_ms,
		       struct strbuf *out);
/* The whole message `sendmail -t -i` reads: headers, a readable body, the JSON lines. */
void notify_mail_message(const char *to, const char *hostname, const struct alert_event *ev,
			 size_t nr, struct strbuf *out);

/*
 * Runs argv[0] (a path) with argv, input on its stdin, stdout to /dev/null,
 * in a process group of its own; kills the group after timeout_ms and reaps
 * the child.  env: extra "NAME=value" strings, NULL-terminated, or NULL.
 * 0 when it exits 0; -ETIMEDOUT, -ECHILD (another status, said in err) or
 * the errno of pipe/fork/exec.
 */
int notify_run_child(const char *const argv[], const char *const env[], const char *input,
		     size_t len, int64_t timeout_ms, struct strbuf *err);

/* POSTs body (JSON) to url; 0 on a 2xx answer, else -EIO with the reason in err. */
int notify_http_post(const char *url, const char *body, size_t len, int64_t timeout_ms,
		     struct strbuf *err);
/* 0 when url is an http:// or https:// URL curl would take, else -EINVAL with why in err. */
int notify_url_check(const char *url, struct strbuf *err);

#endif
