/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `connmon agent`: the daemon.  Every tick it samples the sockets (the
 * census), the interfaces and the protocol counters through the sampling
 * loop (app/tick.h), turns them into series (model/metric.h), keeps the
 * last hour of every series in memory (analyze/series_ring.h), writes them
 * to the store and publishes them on /metrics.
 *
 * The census: every tick while the host holds at most CENSUS_EVERY_TICK
 * sockets; above that, at the period that keeps the census within
 * CENSUS_CPU_BUDGET of one core (measured: the process CPU time, kernel
 * time of the dump included), never longer than census_max_period.  The
 * period in force is the series connmon_agent_census_period_seconds.
 *
 * App-internal; agent.c owns everything here.
 */
#ifndef CONNMON_APP_AGENT_H
#define CONNMON_APP_AGENT_H

#include <stdbool.h>
#include <stdint.h>

#include "analyze/census.h"
#include "analyze/series_ring.h"
#include "app/sock_walk.h"
#include "app/sources.h"
#include "app/tick.h"
#include "cli/cmdline.h"
#include "cli/config.h"
#include "collect/limits.h"
#include "model/metric.h"
#include "model/proc_table.h"

#define CENSUS_EVERY_TICK 10000
#define CENSUS_CPU_BUDGET 0.04

struct agent;

struct agent_census {
	struct agent *a;
	struct sock_opts opts;
	struct sock_walk walk;
	bool walk_open;
	struct census census;
	struct sockstat st;
	struct net_limits lim;
	struct proc_table procs; /* CLOSE_WAIT holders: scanned only when there are any */
	uint64_t next_ns;	 /* CLOCK_MONOTONIC of the next census */
	uint64_t period_ns;	 /* in force */
	uint64_t cost_ns;	 /* CPU time of the last census */
	bool ran;		 /* this tick */
	int err;		 /* the last census's -errno, 0 */
};

struct agent_stats {
	uint64_t ticks;
	uint64_t tick_ns;	  /* how long the last consume took, census included */
	uint64_t clock_backsteps; /* times the wall clock went back */
	bool clock_held;	  /* stamps are held after the last one (the clock is behind) */
	int64_t last_t_ms;
};

/* What the agent needs from its configuration (cli/config fills it). */
struct agent_settings {
	uint64_t interval_ns;
	uint64_t write_interval_ns;
	uint64_t census_max_period_ns;
	uint64_t ring_ns;
	uint32_t max_ports, max_peers, max_procs;
	int64_t retention_ms[3]; /* ticks, minutes, hours */
	uint64_t max_size_bytes;
	uint64_t backlog_max_bytes;
};

struct store;
struct http_server;
struct prom_point;
struct agent_baseline;

struct agent {
	struct agent_settings set;
	struct agent_config cfg;     /* the running config */
	const struct cli_opts *opts; /* the command line, re-applied on reload */
	bool once;		     /* --once: one tick, the series on stdout */
	bool watchdog;		     /* systemd's watchdog is on: WATCHDOG=1 every tick */
	struct link_source ls;
	bool ls_open;
	struct snmp_source ss;
	struct agent_census cen;
	struct series_table series;
	struct series_ring ring;
	struct strbuf scratch;
	struct agent_stats stats;
	struct tick *tick;
	uint64_t tick_start_ns;
	struct store *store; /* NULL: --once, or no database */
	bool store_failing;  /* the last flush failed (logged once) */
	int flush_timer;
	struct http_server *http; /* NULL: metrics off */
	struct prom_point *points;
	size_t alloc_points;
	size_t last_body_len;
	/* agent_baseline.c's recompute; NULL: no store */
	struct agent_baseline *baseline;
};

/*
 * The time stamp of a tick's samples: the wall clock (ns) snapped to the
 * interval's grid (iv_ms), never at or before last_ms (INT64_MIN: none) —
 * a clock that stepped back gives last_ms + 1 and *held, so every series
 * stays ordered until the clock catches up.
 */
int64_t agent_stamp(int64_t wall_ns, int64_t iv_ms, int64_t last_ms, bool *held);

/* A label-less series of the current tick. */
void agent_set(struct agent *a, enum metric_family_id id, double v);

/* agent_config.c */
int agent_config_load(struct agent_config *c, const struct cli_opts *o, struct strbuf *err);
void agent_settings_from(struct agent_settings *s, const struct agent_config *c);
void agent_reload(struct agent *a);

/* agent_store.c */
int agent_store_open(struct agent *a, const char *path, struct strbuf *err);
void agent_store_add(struct agent *a, int64_t t_ms);
int agent_store_flush(struct agent *a);
void agent_store_start(struct agent *a, struct loop *l);
void agent_store_emit_health(struct agent *a);
int agent_store_close(struct agent *a);

/* agent_baseline.c: the hourly recompute of the stored bands, on the loop */
void agent_baseline_start(struct agent *a, struct loop *l);
void agent_baseline_stop(struct agent *a);

/* agent_metrics.c */
int agent_metrics_open(struct agent *a, const char *listen);
void agent_metrics_publish(struct agent *a);
void agent_metrics_emit_health(struct agent *a);
void agent_metrics_close(struct agent *a);

#endif
