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
#include "analyze/sock_bytes.h"
#include "app/agent_rules.h"
#include "app/sock_walk.h"
#include "app/sources.h"
#include "app/tick.h"
#include "cli/cmdline.h"
#include "cli/config.h"
#include "collect/limits.h"
#include "collect/procscan.h"
#include "model/metric.h"
#include "model/proc_table.h"

#define CENSUS_EVERY_TICK 10000
#define CENSUS_CPU_BUDGET 0.01
/* Below this many sockets a census dump is received without a thread. */
#define CENSUS_SMALL 5000

/*
 * agent_procs.c: connmon_process_{rx,tx}_bytes_total{pid,comm}, TCP payload
 * bytes per process from the census's own dump: tcp_info's bytes_acked and
 * bytes_received per socket cookie, kept in a compact table
 * (analyze/sock_bytes.h; the first census is its baseline).  Per census,
 * the max_procs processes that moved the most bytes get series, the slots
 * left keep the idle processes shown at the previous census, and every
 * other byte counts in comm="other",pid="": each byte measured is in
 * exactly one series.
 * Owners: a socket's process is remembered by cookie.  A socket that moved
 * bytes and has none yet is looked up by inode in /proc (collect/procscan.h:
 * new or changed processes first; a full walk at the first need, then at
 * most every AGENT_PROCS_FULL_RESCAN_S while some owner stays unknown);
 * bytes whose owner no walk found, and those of orphaned sockets never
 * owned, count in other.
 * Counters: a total per (pid, start time) that grows only by the bytes of
 * its own series and survives an absence from the top; a series is born
 * at 0 (its first census's bytes appear in its next sample), so readers
 * that take a first sample as their baseline miss nothing.
 * Eviction: the sockets not shown by a census are dropped after it; a
 * total lives while its process does, then AGENT_PROCS_EXITED_CENSUSES
 * more censuses (its sockets' last bytes still reach it), and at most
 * AGENT_PROCS_MAX_EXITED exited ones are kept (the earliest exits go
 * first); later bytes of a gone process's sockets count in other.  So the
 * table holds the live processes that moved bytes and at most
 * AGENT_PROCS_MAX_EXITED more.  Units: bytes, ns.  struct agent_procs owns
 * everything in it.
 */
#define AGENT_PROCS_FULL_RESCAN_S   30
#define AGENT_PROCS_EXITED_CENSUSES 10
#define AGENT_PROCS_MAX_EXITED	    64

struct agent_proc {
	int32_t pid;
	uint64_t start_ticks;
	char comm[PROCSCAN_COMM_LEN];
	uint64_t rx_bytes, tx_bytes;	       /* the counters: bytes of its own series */
	uint64_t acc_rx_bytes, acc_tx_bytes;   /* the census being fed */
	uint64_t tick_rx_bytes, tick_tx_bytes; /* the last census */
	uint64_t exit_census;		       /* the census that saw it gone */
	bool alive;			       /* not seen gone yet */
	bool doomed;			       /* evicted at the end of this census */
	uint64_t shown;			       /* the last census it was published in, 0 never */
};

/* A socket that moved bytes in the census being fed, with no owner yet. */
struct agent_want {
	uint64_t inode;
	uint64_t cookie; /* 0 once its owner was found */
	uint64_t tx_bytes, rx_bytes;
};

struct agent_procs {
	struct sock_bytes socks; /* cookie -> counters and owner (index+2 into v; 1 gone) */
	struct proc_scanner scan;
	uint64_t last_full_ns; /* the last full /proc walk */
	struct agent_proc *v;  /* the totals, in no order */
	size_t nr, alloc;
	struct u64map idx;	 /* start_ticks << 22 | pid -> index+1 into v */
	struct agent_proc other; /* pid -1: the rest */
	struct agent_want *want; /* sorted by inode while owners are looked up */
	size_t nr_want, alloc_want, nr_want_left;
	uint32_t *order;
	size_t alloc_order;
	uint64_t nr_census;  /* completed censuses */
	uint64_t nr_unowned; /* sockets with bytes no walk found an owner for */
	bool fresh;	     /* a census completed since the last emit */
};

/* proc_root is borrowed and must outlive p. */
void agent_procs_init(struct agent_procs *p, const char *proc_root);
void agent_procs_release(struct agent_procs *p);
/* One socket of the census's dump (any protocol or state: those that move no bytes are skipped). */
void agent_procs_add_sock(struct agent_procs *p, const struct sock_entry *e);
/*
 * After the census's dump; err is its result (negative: incomplete, the
 * bytes wait for the next census).  now_ns: CLOCK_MONOTONIC.
 */
void agent_procs_sample(struct agent_procs *p, int err, uint64_t now_ns);
/* This census's series into st (nothing when no census completed since the last call). */
void agent_procs_emit(struct agent_procs *p, struct series_table *st, uint32_t max_procs,
		      struct strbuf *scratch);
void agent_procs_sizes(const struct agent_procs *p, struct table_sizes *ts);

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
	int st_err;		 /* sockstat's read this tick: 0 or -errno */
	int err;		 /* the last census's -errno, 0 */
	/* Per-process bytes, fed by the same dump. */
	struct agent_procs traffic;
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
	int64_t store_idle_ms;
};

struct store;
struct http_server;
struct prom_point;
struct agent_baseline;
struct agent_facts;
struct agent_api;

/* A census series as its last census left it (for /metrics between censuses). */
struct kept_series {
	uint32_t slot;
	uint64_t hash; /* the slot still holds this series */
	double value;
};

struct agent {
	struct agent_settings set;
	struct agent_config cfg;     /* the running config */
	const struct cli_opts *opts; /* the command line, re-applied on reload */
	bool once;		     /* --once: one tick, the series on stdout */
	bool check;    /* `connmon check`: a few ticks, no store writer, no listener */
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
	struct store *store; /* NULL: --once, or no database */
	bool store_failing;  /* the last flush failed (logged once) */
	int flush_timer;
	struct http_server *http; /* NULL: metrics off */
	struct kept_series *kept; /* the last census's series */
	size_t nr_kept, alloc_kept;
	struct prom_point *points;
	size_t alloc_points;
	size_t last_body_len;
	/* agent_baseline.c's recompute; NULL: no store */
	struct agent_baseline *baseline;
	/* detection, alerts, responses (agent_rules.h) */
	struct agent_rules rules;
	struct agent_facts *facts; /* agent_facts.c */
	struct agent_api *api;	   /* the JSON API (agent_api.h); NULL: no listener */
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

/*
 * `connmon check` (check.c): runs `ticks` ticks of the agent's sampling
 * with the rules evaluated at each, the census only at the last; no store
 * writer (a->store stays NULL), no listener, no sinks.  a->cfg must be
 * loaded.  Returns the loop's exit code; a stays valid for reading the
 * rules until agent_check_done().
 */
int agent_run_check(struct agent *a, unsigned ticks);
void agent_check_done(struct agent *a);

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
void agent_store_sizes(struct agent *a, struct table_sizes *ts);

/* agent_baseline.c: the hourly recompute of the stored bands, on the loop */
void agent_baseline_start(struct agent *a, struct loop *l);
void agent_baseline_stop(struct agent *a);

/* agent_metrics.c */
int agent_metrics_open(struct agent *a, const char *listen);
void agent_metrics_publish(struct agent *a);
void agent_metrics_emit_health(struct agent *a);
void agent_metrics_close(struct agent *a);

#endif
