// SPDX-License-Identifier: GPL-2.0-or-later
#include "app/loop.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "base/xalloc.h"

#define NS_PER_SEC 1000000000ull
/* timer_fd fired: its state is unknown until the next timerfd_settime() */
#define LOOP_ARMED_UNKNOWN UINT64_MAX

uint64_t loop_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

int64_t loop_wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * (int64_t)NS_PER_SEC + ts.tv_nsec;
}

int loop_open(struct loop *l)
{
	sigset_t set;
	int ret;

	memset(l, 0, sizeof(*l));
	l->sig_fd = l->timer_fd = -1;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGWINCH);
	if (sigprocmask(SIG_BLOCK, &set, &l->old_mask) < 0)
		return -errno;
	l->sig_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (l->sig_fd < 0)
		goto fail;
	l->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (l->timer_fd < 0)
		goto fail;
	return 0;
fail:
	ret = -errno;
	loop_close(l);
	return ret;
}

void loop_close(struct loop *l)
{
	if (l->timer_fd >= 0)
		close(l->timer_fd);
	if (l->sig_fd >= 0) {
		close(l->sig_fd);
		sigprocmask(SIG_SETMASK, &l->old_mask, NULL);
	}
	free(l->watches);
	l->watches = NULL;
	l->nr_watches = l->alloc_watches = 0;
	l->sig_fd = l->timer_fd = -1;
}

int loop_add_fd(struct loop *l, int fd, short events, loop_fd_fn fn, void *arg)
{
	if (fd < 0)
		return -EBADF;
	for (size_t i = 0; i < l->nr_watches; i++)
		if (l->watches[i].fd == fd)
			return -EEXIST;
	ALLOC_GROW(l->watches, l->nr_watches + 1, l->alloc_watches);
	l->watches[l->nr_watches++] = (struct loop_watch){ fd, events, fn, arg };
	return 0;
}

void loop_del_fd(struct loop *l, int fd)
{
	for (size_t i = 0; i < l->nr_watches; i++) {
		if (l->watches[i].fd == fd) {
			memmove(&l->watches[i], &l->watches[i + 1],
				(l->nr_watches - i - 1) * sizeof(*l->watches));
			l->nr_watches--;
			return;
		}
	}
}

int loop_add_timer(struct loop *l, uint64_t deadline_ns, loop_timer_fn fn, void *arg)
{
	for (int i = 0; i < LOOP_MAX_TIMERS; i++) {
		if (!l->timers[i].deadline_ns) {
			/* 0 marks a free slot: a deadline of 0 is "already due" anyway. */
			l->timers[i] =
				(struct loop_timer){ deadline_ns ? deadline_ns : 1, fn, arg };
			return i;
		}
	}
	return -ENOSPC;
}

void loop_del_timer(struct loop *l, int id)
{
	if (id >= 0 && id < LOOP_MAX_TIMERS)
		l->timers[id].deadline_ns = 0;
}

void loop_stop(struct loop *l)
{
	l->stop = true;
}

/* Arms timer_fd for the earliest timer; an absolute time cannot drift. */
static int arm(struct loop *l)
{
	struct itimerspec its = { 0 };
	uint64_t first = 0;

	for (int i = 0; i < LOOP_MAX_TIMERS; i++)
		if (l->timers[i].deadline_ns && (!first || l->timers[i].deadline_ns < first))
			first = l->timers[i].deadline_ns;
	if (first == l->armed_ns) /* LOOP_ARMED_UNKNOWN never equals a deadline */
		return 0;
	its.it_value.tv_sec = (time_t)(first / NS_PER_SEC);
	its.it_value.tv_nsec = (long)(first % NS_PER_SEC);
	if (timerfd_settime(l->timer_fd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
		return -errno;
	l->armed_ns = first;
	return 0;
}

static void run_signals(struct loop *l)
{
	struct signalfd_siginfo si;

	while (read(l->sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		int signo = (int)si.ssi_signo;

		if (l->on_signal && l->on_signal(l, signo, l->signal_arg))
			continue;
		if (signo != SIGWINCH) {
			l->stop = true;
			l->stop_signo = signo;
		}
	}
}

static void run_timers(struct loop *l)
{
	uint64_t now = loop_now_ns();

	/*
	 * No read(2) of the expiration count: the deadlines say which timers
	 * are due, and the next arm() always calls timerfd_settime(), which
	 * clears the count (one system call a tick fewer).
	 */
	l->armed_ns = LOOP_ARMED_UNKNOWN;
	for (int i = 0; i < LOOP_MAX_TIMERS && !l->stop; i++) {
		struct loop_timer t = l->timers[i];

		if (!t.deadline_ns || t.deadline_ns > now)
			continue;
		l->timers[i].deadline_ns = 0;
		t.fn(l, t.arg);
	}
}

/* Calls the watch of fd, if it is still registered (a callback may have removed it). */
static void run_watch(struct loop *l, int fd, short revents)
{
	for (size_t i = 0; i < l->nr_watches; i++) {
		if (l->watches[i].fd == fd) {
			struct loop_watch w = l->watches[i];

			w.fn(l, fd, revents, w.arg);
			return;
		}
	}
}

int loop_run(struct loop *l)
{
	struct pollfd *pfd = NULL;
	size_t alloc = 0;
	int ret = 0;

	l->stop = false;
	while (!l->stop) {
		size_t n = l->nr_watches + 2;

		ret = arm(l);
		if (ret < 0)
			break;
		ALLOC_GROW(pfd, n, alloc);
		pfd[0] = (struct pollfd){ .fd = l->sig_fd, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = l->timer_fd, .events = POLLIN };
		for (size_t i = 0; i < l->nr_watches; i++)
			pfd[i + 2] = (struct pollfd){ .fd = l->watches[i].fd,
						      .events = l->watches[i].events };
		if (poll(pfd, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			break;
		}
		if (pfd[0].revents)
			run_signals(l);
		if (pfd[1].revents && !l->stop)
			run_timers(l);
		for (size_t i = 2; i < n && !l->stop; i++)
			if (pfd[i].revents)
				run_watch(l, pfd[i].fd, pfd[i].revents);
	}
	free(pfd);
	return ret;
}
