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
	uint64_t tick_ns; /* how long the last consume took, census included */
	uint64_t clock_backsteps;
	int64_t last_t_ms;
};

/* What the agent needs from its configuration (cli/config fills it). */
struct agent_settings {
	uint64_t interval_ns;
	uint64_t census_max_period_ns;
	uint64_t ring_ns;
	uint32_t max_ports, max_peers, max_procs;
};

struct agent {
	struct agent_settings set;
	bool once;     /* --once: one tick, the series on stdout */
	bool watchdog; /* systemd's watchdog is on: WATCHDOG=1 every tick */
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
};

#endif
