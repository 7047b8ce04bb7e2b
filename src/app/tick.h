/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The tick: at each deadline, every registered source fills snapshot(t);
 * snapshot(t-1) is kept, and both go to every registered consumer.  A
 * one-shot command is one tick (two, an interval apart, when it needs
 * rates); `-w`, the live screens and later the agent are the same tick on a
 * timer of the event loop (app/loop.h).  Modes differ only in the sources
 * and consumers they register.
 *
 * Time comes from the tick, never from a collector: the snapshot is stamped
 * once (CLOCK_MONOTONIC for intervals, CLOCK_REALTIME for labels) just
 * before its sources run.  Deadlines are start + k * interval, so the
 * schedule never drifts; a tick that runs late keeps its real time, so the
 * interval it closes is longer and its rates are still right (never a
 * spike), and deadlines already missed are skipped, not caught up in a burst
 * (nr_late counts them).
 *
 * Sources and consumers are small ops tables (like htop's Table and Redis's
 * ae handlers).  A streaming source (sockets, packets) hands each item to
 * tick_feed_sock() / tick_feed_packet() while it samples, and the consumers
 * that want items get them on the spot: 200,000 sockets are never held.
 *
 * Ending: when the requested number of ticks is done, when a consumer or a
 * source returns an error, or when SIGINT/SIGTERM/SIGHUP arrives.  Then
 * every consumer's finish() runs once with the reason, to print the figures
 * so far (sar's Average, a partial one-shot interval).  tick_exit_code()
 * turns the outcome into the exit code every command documents
 * (docs/COMMANDS.md, "Exit status").
 *
 * Ownership: the tick borrows its sources, consumers and the loop; it owns
 * the two snapshots and their parts.
 */
#ifndef CONNMON_APP_TICK_H
#define CONNMON_APP_TICK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app/loop.h"
#include "model/counters.h"
#include "model/iface.h"
#include "model/pkt.h"
#include "model/sock.h"

#define TICK_MAX_SOURCES   8
#define TICK_MAX_CONSUMERS 8

/*
 * What one tick collected.  Each part is filled by the source that owns it
 * (its *_err is that source's -errno for this tick, 0 when it worked); parts
 * keep their memory from tick to tick (the two snapshots alternate).
 */
struct snapshot {
	uint64_t seq;	  /* 0 for the first tick */
	uint64_t mono_ns; /* CLOCK_MONOTONIC when the sources started */
	int64_t wall_ns;  /* CLOCK_REALTIME at the same moment */
	bool baseline;	  /* the first tick of a rate mode: sampled, not reported */
	bool final;	  /* the last tick (count reached, or the stop after a signal) */
	unsigned parts;	  /* SNAP_PART_* filled this tick */
	struct iface_table ifaces;
	int ifaces_err;
	struct counter_snap counters;
	int counters_err;
};

#define SNAP_PART_IFACES   0x1u
#define SNAP_PART_COUNTERS 0x2u

struct tick;

/*
 * Self-observation for long runs: every source and consumer may report the
 * sizes of the tables it keeps (processes, sockets, flows, cached names...),
 * so a soak test, and later the agent's own metrics, can see that nothing
 * grows with time.  With CONNMON_SELFSTATS=PATH in the environment the tick
 * appends one JSON line per tick to PATH: {"seq":N,"rss_kib":N,"tables":{...}}.
 */
#define TICK_MAX_TABLES 24

struct table_sizes {
	const char *name[TICK_MAX_TABLES];
	uint64_t nr[TICK_MAX_TABLES];
	size_t len;
};

static inline void table_sizes_add(struct table_sizes *ts, const char *name, uint64_t nr)
{
	if (ts->len < TICK_MAX_TABLES) {
		ts->name[ts->len] = name;
		ts->nr[ts->len++] = nr;
	}
}

struct source_ops {
	const char *name;
	/* Fills its part of snap (snap->mono_ns is the time to use).  0 or -errno: an error ends
	 * the run. */
	int (*sample)(void *src, struct tick *t, struct snapshot *snap);
	void (*close)(void *src);
	/* The sizes of the tables it keeps.  Optional. */
	void (*sizes)(void *src, struct table_sizes *ts);
};

enum tick_end {
	TICK_END_DONE,	 /* the requested ticks are done */
	TICK_END_SIGNAL, /* SIGINT, SIGTERM or SIGHUP */
	TICK_END_ERROR,	 /* a source or consumer failed (tick->err) */
	TICK_END_QUIT,	 /* a consumer asked to stop (a key on a live screen) */
};

struct consumer_ops {
	const char *name;
	/* Before the sources run (a header, a timestamp).  Optional. */
	int (*begin)(void *c, const struct snapshot *cur);
	/* One socket of a streaming source; non-zero stops that source's walk.  Optional. */
	int (*sock)(void *c, const struct sock_entry *s);
	/* One packet, whenever the capture delivers it (between ticks too).  Optional. */
	void (*packet)(void *c, const struct pkt_info *p);
	/*
	 * After the sources: prev is NULL on the first tick.  0, TICK_QUIT to end the run
	 * normally, or -errno (output failed).
	 */
	int (*consume)(void *c, const struct snapshot *prev, const struct snapshot *cur);
	/* Once at the end: the figures so far.  last may be NULL (nothing sampled). */
	int (*finish)(void *c, const struct snapshot *last, enum tick_end why);
	/* SIGWINCH: the terminal changed size.  Optional. */
	void (*redraw)(void *c);
	/* The sizes of the tables it keeps.  Optional. */
	void (*sizes)(void *c, struct table_sizes *ts);
};

#define TICK_QUIT 1

struct tick_opts {
	uint64_t interval_ns; /* between ticks; 0 with count 1: a single tick */
	uint64_t count;	      /* reported ticks (the baseline not counted); 0 = until stopped */
	bool baseline;	      /* take one unreported tick first (rates need two samples) */
};

struct tick {
	struct tick_opts o;
	struct loop *loop;

	struct {
		const struct source_ops *ops;
		void *src;
	} sources[TICK_MAX_SOURCES];

	size_t nr_sources;

	struct {
		const struct consumer_ops *ops;
		void *c;
	} consumers[TICK_MAX_CONSUMERS];

	size_t nr_consumers;
	struct snapshot snaps[2];
	struct snapshot *prev, *cur; /* prev NULL until a tick was taken */
	uint64_t start_ns;	     /* deadline of the first tick */
	uint64_t next_k;	     /* index of the next deadline */
	uint64_t nr_reported;	     /* ticks handed to consumers as reports */
	uint64_t nr_late;	     /* deadlines skipped because a tick ran late */
	int timer_id;
	int err; /* the -errno that ended the run */
	enum tick_end end;
	bool finished;
	int selfstats_fd; /* CONNMON_SELFSTATS, -1 without */
	/* SIGHUP: when set, called instead of ending the run (the agent reloads). */
	void (*on_hup)(void *arg);
	void *hup_arg;
};

/* Every table size of the registered sources and consumers. */
void tick_table_sizes(struct tick *t, struct table_sizes *ts);

void tick_init(struct tick *t, struct loop *loop, const struct tick_opts *o);
void tick_release(struct tick *t);
void tick_add_source(struct tick *t, const struct source_ops *ops, void *src);
void tick_add_consumer(struct tick *t, const struct consumer_ops *ops, void *c);

/* For streaming sources: hand one item to every consumer that takes it. */
int tick_feed_sock(struct tick *t, const struct sock_entry *s);
void tick_feed_packet(struct tick *t, const struct pkt_info *p);

/*
 * Runs the schedule on the loop (or, for a single tick without interval,
 * directly) until it ends; calls every finish().  Returns the end reason.
 */
enum tick_end tick_run(struct tick *t);
/* A new interval from the next deadline on (the agent's reload). */
void tick_set_interval(struct tick *t, uint64_t interval_ns);

/*
 * Takes one extra tick now, out of schedule, as the final one (used when a
 * one-shot measurement is interrupted: its figures cover the time measured).
 */
int tick_now(struct tick *t);

/*
 * A command's whole run on the tick: opens the event loop (a single tick
 * needs none), lets setup() register the sources and consumers, runs, and
 * returns the exit code (tick_exit_code()).  The one message it may print
 * (the loop could not be set up) names cmd; that is exit code 1.
 */
int tick_run_command(const char *cmd, const struct tick_opts *o,
		     void (*setup)(struct tick *t, void *arg), void *arg);

/*
 * The exit code of a run (docs/COMMANDS.md): 0 when it did what was asked
 * (an open-ended -w ended by SIGINT/SIGTERM included), 128 + the signal when
 * a signal cut short a finite run, 1 after an error; a closed pipe (-EPIPE)
 * counts as done.
 */
int tick_exit_code(const struct tick *t);

#endif
