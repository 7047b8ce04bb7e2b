/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The event loop every continuous mode runs on (`-w`, the live screens, later
 * `top` and the agent), in the manner of Redis's ae.c: one thread, one
 * poll(2) over
 *
 *   - a signalfd: SIGINT, SIGTERM, SIGHUP and SIGWINCH are blocked while the
 *     loop is open and arrive as data, so there are no handlers and no
 *     globals; a signal wakes the loop at once;
 *   - a timerfd on CLOCK_MONOTONIC, armed for the earliest of a few timers
 *     (absolute deadlines: scheduling never drifts);
 *   - descriptors registered by sources and sinks (a capture's ring, the
 *     keyboard of a live screen, later an HTTP listener).
 *
 * Callbacks run on the loop's thread and must not block: slow work belongs
 * on a descriptor of its own.  A callback may add or remove descriptors and
 * timers, and may call loop_stop(); removal is safe from inside a callback.
 *
 * Signals: SIGINT, SIGTERM and SIGHUP stop the loop (loop->stop_signo says
 * which) unless on_signal is set and returns true ("handled"); SIGWINCH
 * goes to on_signal only.
 *
 * Ownership: the loop owns its two descriptors and its arrays, never the
 * registered descriptors.  Errors: 0 or -errno.
 */
#ifndef CONNMON_APP_LOOP_H
#define CONNMON_APP_LOOP_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LOOP_MAX_TIMERS 8

struct loop;

typedef void (*loop_fd_fn)(struct loop *l, int fd, short revents, void *arg);
typedef void (*loop_timer_fn)(struct loop *l, void *arg);
/* Returns true when it handled the signal (the loop goes on). */
typedef bool (*loop_signal_fn)(struct loop *l, int signo, void *arg);

struct loop_watch {
	int fd;
	short events; /* POLLIN, POLLOUT */
	loop_fd_fn fn;
	void *arg;
};

struct loop_timer {
	uint64_t deadline_ns; /* CLOCK_MONOTONIC; 0 = unused slot */
	loop_timer_fn fn;
	void *arg;
};

struct loop {
	int sig_fd;
	int timer_fd;
	sigset_t old_mask; /* restored by loop_close() */
	struct loop_watch *watches;
	size_t nr_watches, alloc_watches;
	struct loop_timer timers[LOOP_MAX_TIMERS];
	uint64_t armed_ns; /* what timer_fd is set to: 0 disarmed, UINT64_MAX unknown (it fired) */
	loop_signal_fn on_signal;
	void *signal_arg;
	bool stop;
	int stop_signo; /* the signal that stopped the loop, 0 none */
};

/* CLOCK_MONOTONIC in nanoseconds: the one clock of continuous modes. */
uint64_t loop_now_ns(void);
/* CLOCK_REALTIME in nanoseconds, for labels and timestamps only. */
int64_t loop_wall_ns(void);

/* Blocks the signals and opens the signalfd and the timerfd. */
int loop_open(struct loop *l);
/* Closes both descriptors and restores the signal mask. */
void loop_close(struct loop *l);

int loop_add_fd(struct loop *l, int fd, short events, loop_fd_fn fn, void *arg);
void loop_del_fd(struct loop *l, int fd);

/*
 * Arms a timer for deadline_ns (CLOCK_MONOTONIC); a deadline in the past
 * fires at the next turn.  Returns a timer id (>= 0), or -ENOSPC when all
 * LOOP_MAX_TIMERS are in use.  A timer fires once; re-arm it from its callback.
 */
int loop_add_timer(struct loop *l, uint64_t deadline_ns, loop_timer_fn fn, void *arg);
void loop_del_timer(struct loop *l, int id);

/* Runs until loop_stop() or a stopping signal; returns 0 or poll's -errno. */
int loop_run(struct loop *l);
void loop_stop(struct loop *l);

#endif
