// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The agent's side of the store (store/store.h): series ids cached in the
 * registry, every produced value appended each tick (memory only), and a
 * flush every write interval on its own loop timer, between ticks.  A
 * failed flush keeps everything in memory (the store bounds the backlog)
 * and is retried at the next interval; the log says so once per outage.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "app/agent.h"
#include "app/log.h"
#include "store/store.h"

int agent_store_open(struct agent *a, const char *path, struct strbuf *err)
{
	struct store_options o;

	store_options_init(&o);
	o.retention_ms[STORE_TIER_TICK] = a->set.retention_ms[0];
	o.retention_ms[STORE_TIER_MINUTE] = a->set.retention_ms[1];
	o.retention_ms[STORE_TIER_HOUR] = a->set.retention_ms[2];
	o.size_cap_bytes = a->set.max_size_bytes;
	if (a->set.backlog_max_bytes)
		o.backlog_max_samples = a->set.backlog_max_bytes / 8;
	if (a->set.store_idle_ms)
		o.idle_ms = a->set.store_idle_ms;
	return store_open(&a->store, path, STORE_WRITE, &o, err);
}

/* Appends this tick's values; a series the store refuses is skipped, not fatal. */
void agent_store_add(struct agent *a, int64_t t_ms)
{
	struct series_table *st = &a->series;

	if (!a->store)
		return;
	for (uint32_t i = 0; i < st->nr_produced; i++) {
		struct series_entry *e = &st->v[st->produced[i]];

		if (isnan(e->value))
			continue;
		if (!e->store_id &&
		    store_series(a->store, e->fam->name, e->labels,
				 e->fam->kind == METRIC_COUNTER ? STORE_COUNTER : STORE_GAUGE,
				 &e->store_id) < 0) {
			e->store_id = 0;
			continue;
		}
		store_add(a->store, e->store_id, t_ms, e->value);
	}
}

/* One flush; logs the start and the end of an outage once each. */
int agent_store_flush(struct agent *a)
{
	struct strbuf err = STRBUF_INIT;
	struct store_health h;
	int ret;

	if (!a->store)
		return 0;
	ret = store_flush(a->store, &err);
	store_health(a->store, &h);
	if (ret < 0 && !a->store_failing) {
		a->store_failing = true;
		log_error("%s; keeping %llu samples in memory and retrying every %.3g s",
			  err.len ? err.buf : strerror(-ret), (unsigned long long)h.backlog_samples,
			  (double)a->set.write_interval_ns / 1e9);
	} else if (!ret && a->store_failing) {
		a->store_failing = false;
		log_info("the database is writable again; the backlog is written (%llu samples "
			 "dropped meanwhile)",
			 (unsigned long long)h.samples_dropped);
	}
	strbuf_release(&err);
	return ret;
}

static void flush_timer(struct loop *l, void *arg)
{
	struct agent *a = arg;

	agent_store_flush(a);
	a->flush_timer =
		loop_add_timer(l, loop_now_ns() + a->set.write_interval_ns, flush_timer, a);
}

void agent_store_start(struct agent *a, struct loop *l)
{
	if (a->store)
		a->flush_timer =
			loop_add_timer(l, loop_now_ns() + a->set.write_interval_ns, flush_timer, a);
}

void agent_store_emit_health(struct agent *a)
{
	struct store_health h;

	if (!a->store)
		return;
	store_health(a->store, &h);
	agent_set(a, MF_AGENT_SAMPLES_WRITTEN, (double)h.samples_written);
	agent_set(a, MF_AGENT_WRITE_ERRORS, (double)h.flush_errors);
	agent_set(a, MF_AGENT_DB_BYTES, (double)h.db_bytes);
	agent_set(a, MF_AGENT_BACKLOG, (double)h.backlog_samples);
	agent_set(a, MF_AGENT_SAMPLES_DROPPED, (double)h.samples_dropped);
}

/* Writes what is pending (the last partial rollups too) and closes; 0 or -errno (logged). */
int agent_store_close(struct agent *a)
{
	struct strbuf err = STRBUF_INIT;
	int ret;

	if (!a->store)
		return 0;
	ret = store_close(a->store, &err);
	a->store = NULL;
	if (ret < 0)
		log_error("the last write failed: %s", err.len ? err.buf : strerror(-ret));
	strbuf_release(&err);
	return ret;
}

/* The store's in-memory series and backlog, for the soak test's table sizes. */
void agent_store_sizes(struct agent *a, struct table_sizes *ts)
{
	struct store_health h;

	if (!a->store)
		return;
	store_health(a->store, &h);
	table_sizes_add(ts, "store_series", h.nr_series);
	table_sizes_add(ts, "store_backlog", h.backlog_samples);
}
