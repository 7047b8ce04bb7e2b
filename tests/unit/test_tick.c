// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The event loop and the tick: deadlines that do not drift, a late tick that
 * becomes a longer interval (never a burst of catch-up ticks), the end on a
 * signal with the figures so far, an interrupted one-shot measurement, and
 * descriptors registered on the loop.  Intervals are short (tens of ms); the
 * bounds are loose enough for a loaded machine and tight enough to fail if
 * the schedule drifts or bursts.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* cmocka needs these first. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
// clang-format on

#include "app/loop.h"
#include "app/tick.h"

#define MS 1000000ull

struct rec {
	uint64_t deadline[64]; /* the deadline each tick was taken for */
	size_t nr_deadlines;
	uint64_t start_ns;
	uint64_t mono[64];
	uint64_t interval[64]; /* cur - prev, 0 without prev */
	bool baseline[64], final[64];
	size_t n;
	int finish_calls;
	enum tick_end why;
	bool finish_had_last;
	/* the source's behaviour */
	uint64_t work_ns; /* every tick samples this long */
	size_t slow_at;	  /* tick index that sleeps slow_ns (0: none) */
	uint64_t slow_ns;
	size_t signal_at; /* tick index that raises signo (0: none) */
	int signo;
};

static void sleep_ns(uint64_t ns)
{
	struct timespec ts = { .tv_sec = (time_t)(ns / 1000000000ull),
			       .tv_nsec = (long)(ns % 1000000000ull) };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int src_sample(void *src, struct tick *t, struct snapshot *snap)
{
	struct rec *r = src;

	if (r->nr_deadlines < 64)
		r->deadline[r->nr_deadlines++] = t->start_ns + t->next_k * t->o.interval_ns;
	r->start_ns = t->start_ns;
	if (r->work_ns)
		sleep_ns(r->work_ns);
	if (r->slow_at && snap->seq == r->slow_at)
		sleep_ns(r->slow_ns);
	if (r->signal_at && snap->seq == r->signal_at)
		raise(r->signo);
	return 0;
}

static const struct source_ops src_ops = { .name = "test", .sample = src_sample };

static int c_consume(void *c, const struct snapshot *prev, const struct snapshot *cur)
{
	struct rec *r = c;

	if (r->n < 64) {
		r->mono[r->n] = cur->mono_ns;
		r->interval[r->n] = prev ? cur->mono_ns - prev->mono_ns : 0;
		r->baseline[r->n] = cur->baseline;
		r->final[r->n] = cur->final;
		r->n++;
	}
	return 0;
}

static int c_finish(void *c, const struct snapshot *last, enum tick_end why)
{
	struct rec *r = c;

	r->finish_calls++;
	r->why = why;
	r->finish_had_last = last != NULL;
	return 0;
}

static const struct consumer_ops c_ops = { .name = "test",
					   .consume = c_consume,
					   .finish = c_finish };

static int run(struct rec *r, const struct tick_opts *o, int *exit_code, uint64_t *nr_late)
{
	struct loop loop;
	struct tick t;
	enum tick_end end;

	assert_int_equal(loop_open(&loop), 0);
	tick_init(&t, &loop, o);
	tick_add_source(&t, &src_ops, r);
	tick_add_consumer(&t, &c_ops, r);
	end = tick_run(&t);
	*exit_code = tick_exit_code(&t);
	if (nr_late)
		*nr_late = t.nr_late;
	tick_release(&t);
	loop_close(&loop);
	return (int)end;
}

static void test_deadlines_do_not_drift(void **state)
{
	/* each tick samples for 40 ms: a loop that sleeps after its work would drift that much */
	struct rec r = { .work_ns = 40 * MS };
	struct tick_opts o = { .interval_ns = 100 * MS, .count = 5, .baseline = true };
	int code;

	(void)state;
	assert_int_equal(run(&r, &o, &code, NULL), TICK_END_DONE);
	assert_int_equal(code, 0);
	assert_int_equal(r.n, 6); /* the baseline and five reports */
	assert_true(r.baseline[0]);
	assert_false(r.final[0]);
	assert_true(r.final[5]);
	for (size_t i = 0; i < r.n; i++) {
		/* tick k is taken for the deadline start + k * interval, whatever its work cost
		 * (a loop that sleeps an interval after its work would be 200 ms late at tick 5) */
		assert_true(r.deadline[i] == r.start_ns + i * 100 * MS);
		/* and never before it */
		assert_true(r.mono[i] >= r.deadline[i]);
		assert_true(i == 0 || !r.baseline[i]);
	}
	assert_int_equal(r.finish_calls, 1);
	assert_int_equal(r.why, TICK_END_DONE);
}

static void test_late_tick_is_a_longer_interval(void **state)
{
	struct rec r = { .slow_at = 2, .slow_ns = 250 * MS };
	struct tick_opts o = { .interval_ns = 100 * MS, .count = 5 };
	uint64_t late;
	int code;

	(void)state;
	assert_int_equal(run(&r, &o, &code, &late), TICK_END_DONE);
	assert_int_equal(r.n, 5);
	/* tick 2 sampled for 250 ms: the deadlines that passed meanwhile are skipped */
	assert_true(late >= 1);
	assert_true(r.interval[3] >= 250 * MS); /* a longer interval, not a spike */
	for (size_t i = 1; i < r.n; i++) {
		/* the schedule stays on its grid... */
		assert_true((r.deadline[i] - r.start_ns) % (100 * MS) == 0);
		/* ...and never bursts: no deadline is taken twice or caught up late */
		assert_true(r.deadline[i] >= r.deadline[i - 1] + 100 * MS);
		assert_true(r.mono[i] >= r.deadline[i]);
	}
	/* the tick after the slow one was scheduled in the future, past the missed ones */
	assert_true(r.deadline[3] >= r.deadline[2] + 300 * MS);
}

static void test_signal_ends_open_run(void **state)
{
	struct rec r = { .signal_at = 3, .signo = SIGINT };
	struct tick_opts o = { .interval_ns = 20 * MS, .count = 0, .baseline = true };
	int code;

	(void)state;
	assert_int_equal(run(&r, &o, &code, NULL), TICK_END_SIGNAL);
	assert_int_equal(r.n, 4);
	assert_int_equal(r.finish_calls, 1);
	assert_int_equal(r.why, TICK_END_SIGNAL);
	assert_true(r.finish_had_last);
	assert_int_equal(code, 0); /* an open-ended -w ends this way by design */
}

static void test_signal_cuts_finite_run(void **state)
{
	struct rec r = { .signal_at = 2, .signo = SIGTERM };
	struct tick_opts o = { .interval_ns = 20 * MS, .count = 10 };
	int code;

	(void)state;
	assert_int_equal(run(&r, &o, &code, NULL), TICK_END_SIGNAL);
	assert_int_equal(r.n, 3);
	assert_int_equal(code, 128 + SIGTERM);
}

static void raise_int(struct loop *l, void *arg)
{
	(void)l;
	(void)arg;
	raise(SIGINT);
}

static void test_interrupted_one_shot_reports(void **state)
{
	struct rec r = { 0 };
	struct tick_opts o = { .interval_ns = 10000 * MS, .count = 1, .baseline = true };
	struct loop loop;
	struct tick t;

	(void)state;
	assert_int_equal(loop_open(&loop), 0);
	tick_init(&t, &loop, &o);
	tick_add_source(&t, &src_ops, &r);
	tick_add_consumer(&t, &c_ops, &r);
	assert_true(loop_add_timer(&loop, loop_now_ns() + 60 * MS, raise_int, NULL) >= 0);
	assert_int_equal(tick_run(&t), TICK_END_SIGNAL);
	/* the baseline, then at once the measurement of the 60 ms it got */
	assert_int_equal(r.n, 2);
	assert_true(r.final[1]);
	assert_true(r.interval[1] >= 55 * MS && r.interval[1] < 1000 * MS);
	assert_int_equal(tick_exit_code(&t), 128 + SIGINT);
	tick_release(&t);
	loop_close(&loop);
}

struct fd_ctx {
	int calls;
	char got;
};

static void on_readable(struct loop *l, int fd, short revents, void *arg)
{
	struct fd_ctx *c = arg;

	assert_true(revents & POLLIN);
	assert_int_equal(read(fd, &c->got, 1), 1);
	c->calls++;
	loop_del_fd(l, fd); /* removal from inside a callback */
	loop_stop(l);
}

static void test_loop_watches_descriptors(void **state)
{
	struct fd_ctx c = { 0 };
	struct loop loop;
	int p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(loop_open(&loop), 0);
	assert_int_equal(loop_add_fd(&loop, p[0], POLLIN, on_readable, &c), 0);
	assert_int_equal(loop_add_fd(&loop, p[0], POLLIN, on_readable, &c), -EEXIST);
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_int_equal(loop_run(&loop), 0);
	assert_int_equal(c.calls, 1);
	assert_int_equal(c.got, 'x');
	assert_int_equal(loop.nr_watches, 0);
	loop_close(&loop);
	close(p[0]);
	close(p[1]);
}

static void test_loop_restores_signal_mask(void **state)
{
	sigset_t before, after;
	struct loop loop;

	(void)state;
	sigprocmask(SIG_BLOCK, NULL, &before);
	assert_int_equal(loop_open(&loop), 0);
	loop_close(&loop);
	sigprocmask(SIG_BLOCK, NULL, &after);
	assert_int_equal(sigismember(&before, SIGINT), sigismember(&after, SIGINT));
	assert_int_equal(sigismember(&before, SIGWINCH), sigismember(&after, SIGWINCH));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deadlines_do_not_drift),
		cmocka_unit_test(test_late_tick_is_a_longer_interval),
		cmocka_unit_test(test_signal_ends_open_run),
		cmocka_unit_test(test_signal_cuts_finite_run),
		cmocka_unit_test(test_interrupted_one_shot_reports),
		cmocka_unit_test(test_loop_watches_descriptors),
		cmocka_unit_test(test_loop_restores_signal_mask),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
