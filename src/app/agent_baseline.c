// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The agent's baselines (docs/BASELINE.md): every [baseline] recompute
 * (1 h by default) a *round* recomputes the bands of every stored series
 * worth one (baseline_store_worth()) from its 1-minute rollups and stores
 * them.  A 90-day series costs about 17 ms (optimised build), so a round is
 * spread over the loop: one *turn* per tick interval, half an interval
 * after the tick, each turn computing series until TURN_BUDGET_NS has gone
 * (at least one), so no turn holds the loop more than a few milliseconds
 * past the budget.  Store access is the agent's own writer handle, on the
 * loop's thread, between ticks like the flush.
 *
 * The first round starts one write interval after the agent does (after
 * the first flush), so a database that already holds history has bands
 * within seconds; the next one starts `recompute` after the previous one
 * started.  A reload changes both the period and the spans from the next
 * round on.  Errors are counted and logged once per round.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "app/agent.h"
#include "app/baseline_store.h"
#include "app/log.h"
#include "base/xalloc.h"
#include "store/store.h"

#define NS_PER_MS      1000000ull
#define TURN_BUDGET_NS (5 * NS_PER_MS)

struct agent_baseline {
	struct agent *a;
	struct loop *loop;
	struct baseline_spans spans; /* of this round */
	int64_t *ids;		     /* this round's series */
	size_t nr_ids, next;
	uint64_t round_start_ns; /* CLOCK_MONOTONIC */
	uint64_t work_ns;	 /* spent in turns this round */
	size_t nr_errors;	 /* this round */
	struct strbuf first_err; /* the first error's sentence */
	struct baseline b;	 /* scratch (5 KiB) */
};

static void schedule(struct agent_baseline *ab, uint64_t deadline_ns);

/* The series of a round: every stored series worth a baseline. */
static void round_begin(struct agent_baseline *ab)
{
	struct store_series_info *v = NULL;
	size_t n = 0;
	struct strbuf err = STRBUF_INIT;

	ab->nr_ids = ab->next = 0;
	ab->work_ns = 0;
	ab->nr_errors = 0;
	strbuf_reset(&ab->first_err);
	ab->round_start_ns = loop_now_ns();
	baseline_store_spans(&ab->spans, &ab->a->cfg);
	if (store_list(ab->a->store, &v, &n, &err) < 0) {
		log_warn("baselines: cannot list the stored series: %s; next try in %.3g s",
			 err.buf, (double)ab->a->cfg.baseline.recompute_ms / 1e3);
		strbuf_release(&err);
		return;
	}
	ab->ids = xreallocarray(ab->ids, n ? n : 1, sizeof(*ab->ids));
	for (size_t i = 0; i < n; i++)
		if (baseline_store_worth(v[i].name, v[i].labels))
			ab->ids[ab->nr_ids++] = v[i].id;
	store_series_info_free(v, n);
	strbuf_release(&err);
}

static void compute_one(struct agent_baseline *ab, int64_t id)
{
	int64_t now_ms = loop_wall_ns() / (int64_t)NS_PER_MS;
	struct strbuf err = STRBUF_INIT;
	struct store *st = ab->a->store;
	int ret;

	ret = baseline_store_compute(st, id, now_ms, &ab->spans, &ab->b, &err);
	if (!ret)
		ret = baseline_store_put(st, id, &ab->b, now_ms, &err);
	if (ret < 0 && !ab->nr_errors++)
		strbuf_addstr(&ab->first_err, err.len ? err.buf : strerror(-ret));
	strbuf_release(&err);
}

static void round_end(struct agent_baseline *ab)
{
	if (ab->nr_errors)
		log_warn(
			"baselines: %zu of %zu series failed (the first: %s); next round in %.3g s",
			ab->nr_errors, ab->nr_ids, ab->first_err.buf,
			(double)ab->a->cfg.baseline.recompute_ms / 1e3);
	else
		log_debug("baselines: %zu series recomputed in %.3g s, %.3g s of it working",
			  ab->nr_ids, (double)(loop_now_ns() - ab->round_start_ns) / 1e9,
			  (double)ab->work_ns / 1e9);
}

static void turn(struct loop *l, void *arg)
{
	struct agent_baseline *ab = arg;
	uint64_t t0 = loop_now_ns(), iv = ab->a->set.interval_ns;

	(void)l;
	if (!ab->a->store)
		return;
	if (ab->next == ab->nr_ids)
		round_begin(ab);
	while (ab->next < ab->nr_ids) {
		compute_one(ab, ab->ids[ab->next++]);
		if (loop_now_ns() - t0 >= TURN_BUDGET_NS)
			break;
	}
	ab->work_ns += loop_now_ns() - t0;
	if (ab->next < ab->nr_ids) {
		schedule(ab, t0 + iv);
		return;
	}
	round_end(ab);
	schedule(ab, ab->round_start_ns + (uint64_t)ab->a->cfg.baseline.recompute_ms * NS_PER_MS);
}

static void schedule(struct agent_baseline *ab, uint64_t deadline_ns)
{
	if (loop_add_timer(ab->loop, deadline_ns, turn, ab) < 0)
		log_error("baselines: no loop timer left; baselines are no longer recomputed");
}

void agent_baseline_start(struct agent *a, struct loop *l)
{
	struct agent_baseline *ab;

	if (!a->store)
		return;
	ab = xcalloc(1, sizeof(*ab));
	ab->a = a;
	ab->loop = l;
	strbuf_init(&ab->first_err, 0);
	a->baseline = ab;
	/* Half an interval off the tick's deadlines: a turn never delays a tick that is due. */
	schedule(ab, loop_now_ns() + a->set.write_interval_ns + a->set.interval_ns / 2);
}

void agent_baseline_stop(struct agent *a)
{
	struct agent_baseline *ab = a->baseline;

	if (!ab)
		return;
	free(ab->ids);
	strbuf_release(&ab->first_err);
	free(ab);
	a->baseline = NULL;
}
