// SPDX-License-Identifier: GPL-2.0-or-later
#include "app/tick.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/strbuf.h"

static void snapshot_init(struct snapshot *s)
{
	memset(s, 0, sizeof(*s));
	iface_table_init(&s->ifaces);
	counter_snap_init(&s->counters);
}

static void snapshot_release(struct snapshot *s)
{
	iface_table_release(&s->ifaces);
	counter_snap_release(&s->counters);
}

void tick_init(struct tick *t, struct loop *loop, const struct tick_opts *o)
{
	const char *path = getenv("CONNMON_SELFSTATS");

	memset(t, 0, sizeof(*t));
	t->o = *o;
	t->loop = loop;
	t->timer_id = -1;
	t->selfstats_fd =
		path && *path ? open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644) : -1;
	snapshot_init(&t->snaps[0]);
	snapshot_init(&t->snaps[1]);
}

void tick_release(struct tick *t)
{
	for (size_t i = 0; i < t->nr_sources; i++)
		if (t->sources[i].ops->close)
			t->sources[i].ops->close(t->sources[i].src);
	snapshot_release(&t->snaps[0]);
	snapshot_release(&t->snaps[1]);
	t->nr_sources = t->nr_consumers = 0;
	if (t->selfstats_fd >= 0)
		close(t->selfstats_fd);
	t->selfstats_fd = -1;
}

void tick_table_sizes(struct tick *t, struct table_sizes *ts)
{
	for (size_t i = 0; i < t->nr_sources; i++)
		if (t->sources[i].ops->sizes)
			t->sources[i].ops->sizes(t->sources[i].src, ts);
	for (size_t i = 0; i < t->nr_consumers; i++)
		if (t->consumers[i].ops->sizes)
			t->consumers[i].ops->sizes(t->consumers[i].c, ts);
}

/* Resident memory in KiB from /proc/self/statm (pages), 0 when unreadable. */
static uint64_t rss_kib(void)
{
	char buf[128];
	unsigned long long size, resident;
	int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	if (sscanf(buf, "%llu %llu", &size, &resident) != 2)
		return 0;
	return resident * ((uint64_t)sysconf(_SC_PAGESIZE) / 1024);
}

static void write_selfstats(struct tick *t, const struct snapshot *s)
{
	struct table_sizes ts = { 0 };
	struct strbuf sb = STRBUF_INIT;

	tick_table_sizes(t, &ts);
	strbuf_addf(&sb, "{\"seq\":%llu,\"rss_kib\":%llu,\"late\":%llu,\"tables\":{",
		    (unsigned long long)s->seq, (unsigned long long)rss_kib(),
		    (unsigned long long)t->nr_late);
	for (size_t i = 0; i < ts.len; i++)
		strbuf_addf(&sb, "%s\"%s\":%llu", i ? "," : "", ts.name[i],
			    (unsigned long long)ts.nr[i]);
	strbuf_addstr(&sb, "}}\n");
	if (write(t->selfstats_fd, sb.buf, sb.len) < 0) {
		/* a self-observation aid: its failure must not end the run */
	}
	strbuf_release(&sb);
}

void tick_add_source(struct tick *t, const struct source_ops *ops, void *src)
{
	if (t->nr_sources < TICK_MAX_SOURCES) {
		t->sources[t->nr_sources].ops = ops;
		t->sources[t->nr_sources++].src = src;
	}
}

void tick_add_consumer(struct tick *t, const struct consumer_ops *ops, void *c)
{
	if (t->nr_consumers < TICK_MAX_CONSUMERS) {
		t->consumers[t->nr_consumers].ops = ops;
		t->consumers[t->nr_consumers++].c = c;
	}
}

int tick_feed_sock(struct tick *t, const struct sock_entry *s)
{
	int stop = 0;

	for (size_t i = 0; i < t->nr_consumers; i++)
		if (t->consumers[i].ops->sock)
			stop |= t->consumers[i].ops->sock(t->consumers[i].c, s);
	return stop;
}

void tick_feed_packet(struct tick *t, const struct pkt_info *p)
{
	for (size_t i = 0; i < t->nr_consumers; i++)
		if (t->consumers[i].ops->packet)
			t->consumers[i].ops->packet(t->consumers[i].c, p);
}

static void fail(struct tick *t, int err)
{
	if (t->err)
		return;
	t->err = err;
	t->end = TICK_END_ERROR;
	if (t->loop)
		loop_stop(t->loop);
}

static int begin_all(struct tick *t, const struct snapshot *cur)
{
	for (size_t i = 0; i < t->nr_consumers; i++) {
		const struct consumer_ops *ops = t->consumers[i].ops;
		int ret = ops->begin ? ops->begin(t->consumers[i].c, cur) : 0;

		if (ret < 0)
			return ret;
	}
	return 0;
}

static int consume_all(struct tick *t, const struct snapshot *prev, const struct snapshot *cur)
{
	int quit = 0;

	for (size_t i = 0; i < t->nr_consumers; i++) {
		int ret = t->consumers[i].ops->consume(t->consumers[i].c, prev, cur);

		if (ret < 0)
			return ret;
		quit |= ret == TICK_QUIT;
	}
	return quit ? TICK_QUIT : 0;
}

/* One tick: stamp, begin, sample every source, consume; cur becomes prev. */
static int take(struct tick *t, bool final)
{
	struct snapshot *s = t->prev == &t->snaps[0] ? &t->snaps[1] : &t->snaps[0];
	uint64_t seq = t->prev ? t->prev->seq + 1 : 0;
	int ret;

	s->seq = seq;
	s->mono_ns = loop_now_ns();
	s->wall_ns = loop_wall_ns();
	s->baseline = t->o.baseline && seq == 0;
	s->final = final && !s->baseline;
	s->parts = 0;
	ret = begin_all(t, s);
	for (size_t i = 0; i < t->nr_sources && ret >= 0; i++)
		ret = t->sources[i].ops->sample(t->sources[i].src, t, s);
	if (ret >= 0)
		ret = consume_all(t, t->prev, s);
	if (ret < 0)
		return ret;
	if (t->selfstats_fd >= 0)
		write_selfstats(t, s);
	t->prev = s;
	if (!s->baseline)
		t->nr_reported++;
	return ret;
}

static bool done(const struct tick *t)
{
	return t->o.count && t->nr_reported >= t->o.count;
}

/* Whether the tick about to be taken is the last one asked for. */
static bool next_is_final(const struct tick *t)
{
	bool baseline_next = t->o.baseline && !t->prev;

	return t->o.count && !baseline_next && t->nr_reported + 1 >= t->o.count;
}

static void on_timer(struct loop *l, void *arg);

/* Arms the next deadline after the current one; deadlines already missed are skipped. */
static void schedule(struct tick *t)
{
	uint64_t iv = t->o.interval_ns, now = loop_now_ns();
	uint64_t k = t->next_k + 1;

	if (t->start_ns + k * iv <= now) {
		uint64_t due = (now - t->start_ns) / iv + 1;

		t->nr_late += due - k;
		k = due;
	}
	t->next_k = k;
	t->timer_id = loop_add_timer(t->loop, t->start_ns + k * iv, on_timer, t);
}

static void on_timer(struct loop *l, void *arg)
{
	struct tick *t = arg;
	int ret;

	t->timer_id = -1;
	ret = take(t, next_is_final(t));
	if (ret < 0) {
		fail(t, ret);
		return;
	}
	if (ret == TICK_QUIT) {
		t->end = TICK_END_QUIT;
		loop_stop(l);
	} else if (done(t)) {
		t->end = TICK_END_DONE;
		loop_stop(l);
	} else {
		schedule(t);
	}
}

static bool on_signal(struct loop *l, int signo, void *arg)
{
	struct tick *t = arg;

	(void)l;
	if (signo == SIGHUP && t->on_hup) {
		t->on_hup(t->hup_arg);
		return true;
	}
	if (signo != SIGWINCH)
		return false;
	for (size_t i = 0; i < t->nr_consumers; i++)
		if (t->consumers[i].ops->redraw)
			t->consumers[i].ops->redraw(t->consumers[i].c);
	return true;
}

void tick_set_interval(struct tick *t, uint64_t interval_ns)
{
	/* The armed deadline stays; later ones count from it at the new interval. */
	t->start_ns += t->next_k * t->o.interval_ns;
	t->next_k = 0;
	t->o.interval_ns = interval_ns;
}

int tick_now(struct tick *t)
{
	int ret = take(t, true);

	if (ret < 0)
		fail(t, ret);
	return ret < 0 ? ret : 0;
}

static void finish_all(struct tick *t)
{
	if (t->finished)
		return;
	t->finished = true;
	for (size_t i = 0; i < t->nr_consumers; i++) {
		const struct consumer_ops *ops = t->consumers[i].ops;
		int ret = ops->finish ? ops->finish(t->consumers[i].c, t->prev, t->end) : 0;

		if (ret < 0 && !t->err)
			t->err = ret;
	}
}

/* A single tick needs no loop: sample, consume, finish. */
static enum tick_end run_once(struct tick *t)
{
	int ret = take(t, true);

	if (ret < 0)
		fail(t, ret);
	else
		t->end = ret == TICK_QUIT ? TICK_END_QUIT : TICK_END_DONE;
	finish_all(t);
	return t->end;
}

enum tick_end tick_run(struct tick *t)
{
	int ret;

	if (!t->o.baseline && t->o.count == 1)
		return run_once(t);
	t->end = TICK_END_DONE;
	t->loop->on_signal = on_signal;
	t->loop->signal_arg = t;
	t->start_ns = loop_now_ns();
	t->next_k = 0;
	t->timer_id = loop_add_timer(t->loop, t->start_ns, on_timer, t);
	ret = loop_run(t->loop);
	if (ret < 0)
		fail(t, ret);
	if (t->timer_id >= 0)
		loop_del_timer(t->loop, t->timer_id);
	t->timer_id = -1;
	if (t->loop->stop_signo && t->end == TICK_END_DONE && !done(t)) {
		t->end = TICK_END_SIGNAL;
		/* A measurement cut short still reports the time it did measure. */
		if (t->o.baseline && t->prev && !t->nr_reported)
			tick_now(t);
	}
	finish_all(t);
	return t->end;
}

int tick_exit_code(const struct tick *t)
{
	switch (t->end) {
	case TICK_END_DONE:
	case TICK_END_QUIT:
		return 0;
	case TICK_END_SIGNAL:
		return t->o.count ? 128 + t->loop->stop_signo : 0;
	case TICK_END_ERROR:
		break;
	}
	return t->err == -EPIPE ? 0 : 1;
}

int tick_run_command(const char *cmd, const struct tick_opts *o,
		     void (*setup)(struct tick *t, void *arg), void *arg)
{
	bool single = !o->baseline && o->count == 1;
	struct loop loop;
	struct tick t;
	int ret = single ? 0 : loop_open(&loop);

	if (ret < 0) {
		fprintf(stderr, "connmon %s: cannot set up the event loop: %s\n", cmd,
			strerror(-ret));
		return 1;
	}
	tick_init(&t, single ? NULL : &loop, o);
	setup(&t, arg);
	tick_run(&t);
	ret = tick_exit_code(&t);
	tick_release(&t);
	if (!single)
		loop_close(&loop);
	return ret;
}
