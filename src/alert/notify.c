// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The notifier's thread and queue around struct notify_core.
 *
 * Why a thread (STYLE.md: complexity pays rent): deliveries wait on the
 * network, on children and on the disk for up to their timeout, retries
 * wait minutes, and the tick must never wait on any of it.  The queue is a
 * ring of whole events allocated once, so notify_submit() is a copy under
 * a mutex that the thread holds only to move events out, never while it
 * delivers.
 */
#include "alert/notify.h"

#include <curl/curl.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alert/notify_core.h"
#include "base/xalloc.h"

struct notifier {
	pthread_t thread;
	pthread_mutex_t lock; /* the ring and the flags below */
	pthread_cond_t wake;
	struct notify_queue q;
	struct alert_event *taken; /* q.cap events */
	bool stopping;
	int64_t stop_deadline_ms;
	bool timed_out;
	pthread_mutex_t
		*stats_lock; /* the core's statistics; a pointer so notify_stats takes const */
	struct notify_core core;
};

void notify_config_defaults(struct notify_config *c)
{
	memset(c, 0, sizeof(*c));
	c->file_severity = NOTIFY_INFO;
	c->syslog = NOTIFY_OFF;
	c->exec_severity = NOTIFY_WARNING;
	c->webhook_severity = NOTIFY_WARNING;
	c->mail_severity = NOTIFY_CRITICAL;
	memcpy(c->sendmail, "/usr/sbin/sendmail", sizeof("/usr/sbin/sendmail"));
	c->alertmanager_severity = NOTIFY_WARNING;
	c->group_wait_ms = 2000;
	c->retries = 5;
	c->retry_backoff_ms = 1000;
	c->repeat_ms = 60 * 1000;
	c->timeout_ms = 10 * 1000;
	c->queue = 1024;
}

static int64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits on the condition until wall-clock time until_ms (INT64_MAX: until signalled). */
static void wait_until(struct notifier *n, int64_t until_ms)
{
	struct timespec ts;
	int64_t left = until_ms - wall_ms();

	if (until_ms == INT64_MAX) {
		pthread_cond_wait(&n->wake, &n->lock);
		return;
	}
	if (left <= 0)
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += left / 1000;
	ts.tv_nsec += (left % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_cond_timedwait(&n->wake, &n->lock, &ts);
}

/* One pass with the lock released; true when the thread should end. */
static bool work(struct notifier *n, size_t nr, bool stopping, int64_t deadline, int64_t *next)
{
	int64_t now = wall_ms();

	for (size_t i = 0; i < nr; i++)
		notify_core_add(&n->core, &n->taken[i], now);
	if (stopping)
		n->core.deadline_ms = deadline;
	*next = notify_core_run(&n->core, now, stopping);
	if (!stopping)
		return false;
	if (!notify_core_pending(&n->core))
		return true;
	if (wall_ms() < deadline)
		return false;
	n->timed_out = true;
	notify_core_drop_all(&n->core, "the agent is stopping");
	return true;
}

static void *notify_main(void *arg)
{
	struct notifier *n = arg;
	int64_t next = INT64_MAX;
	bool flushed = false; /* the first pass after notify_close() asked to stop */

	pthread_mutex_lock(&n->lock);
	for (;;) {
		bool stopping;
		int64_t deadline;
		size_t nr;

		if (!n->q.nr && !(n->stopping && !flushed))
			wait_until(n, next);
		nr = notify_queue_take(&n->q, n->taken);
		stopping = n->stopping;
		deadline = n->stop_deadline_ms;
		pthread_mutex_unlock(&n->lock);
		if (work(n, nr, stopping, deadline, &next))
			break;
		if (stopping) {
			flushed = true;
			if (next > deadline)
				next = deadline;
		}
		pthread_mutex_lock(&n->lock);
	}
	return NULL;
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_setup(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

static void notifier_free(struct notifier *n)
{
	notify_core_release(&n->core);
	pthread_cond_destroy(&n->wake);
	pthread_mutex_destroy(&n->lock);
	pthread_mutex_destroy(n->stats_lock);
	free(n->stats_lock);
	notify_queue_release(&n->q);
	free(n->taken);
	free(n);
}

static void init_sync(struct notifier *n)
{
	pthread_condattr_t ca;

	pthread_mutex_init(&n->lock, NULL);
	n->stats_lock = xmalloc(sizeof(*n->stats_lock));
	pthread_mutex_init(n->stats_lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&n->wake, &ca);
	pthread_condattr_destroy(&ca);
}

int notify_open(struct notifier **out, const struct notify_config *c, notify_log_fn log,
		void *log_arg, struct strbuf *err)
{
	struct notifier *n = xcalloc(1, sizeof(*n));
	char host[NOTIFY_HOST_LEN] = "localhost";
	sigset_t all, old;
	int ret;

	pthread_once(&curl_once, curl_setup);
	if (gethostname(host, sizeof(host) - 1))
		memcpy(host, "localhost", sizeof("localhost"));
	init_sync(n);
	ret = notify_core_init(&n->core, c, host, NULL, err);
	if (ret) {
		notifier_free(n);
		return ret;
	}
	n->core.log = log;
	n->core.log_arg = log_arg;
	n->core.stats_lock = n->stats_lock;
	notify_queue_init(&n->q, c->queue);
	n->taken = xcalloc(n->q.cap, sizeof(*n->taken));
	/* Signals stay with the caller's threads: the agent reads them from a signalfd. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	ret = pthread_create(&n->thread, NULL, notify_main, n);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret) {
		strbuf_addf(err, "cannot start the notifier's thread: %s", strerror(ret));
		notifier_free(n);
		return -ret;
	}
	*out = n;
	return 0;
}

void notify_submit(struct notifier *n, const struct alert_event *ev)
{
	struct alert_event dropped;
	bool drop;

	pthread_mutex_lock(&n->lock);
	drop = notify_queue_push(&n->q, ev, &dropped);
	pthread_cond_signal(&n->wake);
	pthread_mutex_unlock(&n->lock);
	if (drop)
		notify_core_count_dropped(&n->core, &dropped);
}

int notify_close(struct notifier *n, int timeout_ms, struct notify_stats *final)
{
	int ret;

	pthread_mutex_lock(&n->lock);
	n->stopping = true;
	n->stop_deadline_ms = wall_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	pthread_cond_signal(&n->wake);
	pthread_mutex_unlock(&n->lock);
	pthread_join(n->thread, NULL);
	ret = n->timed_out ? -ETIMEDOUT : 0;
	if (final)
		*final = n->core.stats;
	notifier_free(n);
	return ret;
}

void notify_stats(const struct notifier *n, struct notify_stats *out)
{
	pthread_mutex_lock(n->stats_lock);
	*out = n->core.stats;
	pthread_mutex_unlock(n->stats_lock);
}
