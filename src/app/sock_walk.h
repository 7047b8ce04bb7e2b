/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The socket source every socket command shares (app_main has already
 * entered -N's namespace): dumps through sock_diag (falling back to /proc/net with one line on
 * stderr), applies the kernel bytecode and then the exact user-space filter,
 * and maps processes when asked.  Visitors see only sockets that match.
 *
 * Reports its own errors (stderr, git grammar: a failed dump, a fwmark
 * filter without CAP_NET_ADMIN) and returns 0, the visitor's non-zero
 * value, or -errno.
 */
#ifndef CONNMON_APP_SOCK_WALK_H
#define CONNMON_APP_SOCK_WALK_H

#include <stdbool.h>

#include "cli/options.h"
#include "collect/procscan.h"
#include "collect/sockdiag.h"
#include "model/proc_table.h"

struct sock_walk {
	const struct sock_opts *opts;
	struct sockdiag *sd; /* NULL when using the /proc/net fallback */
	bool fallback_warned;
	struct proc_table procs; /* filled when opts->processes (or want_procs) */
	bool want_procs;	 /* map processes even without -p (summary, group-by proc) */
	bool procs_warned;
	bool dump_warned; /* interrupted or malformed dump already reported */
	bool small;	  /* a small dump expected: received without a thread (sockdiag.h) */
	struct sockdiag_stats stats;
	/*
	 * For a walk repeated every second (top): set incremental_procs before the
	 * first run, and the process map is kept across runs.  A full /proc walk
	 * rebuilds it every SOCK_WALK_FULL_PROCS_NS; in between a partial walk
	 * (collect/procscan.h) reads only processes that are new or whose
	 * descriptor count changed, and adds their sockets.  Refs of sockets
	 * closed since the last full walk stay until the next (lookups are by the
	 * inode of a live socket, and inodes are not reused that fast); fd is -1.
	 */
	bool incremental_procs;
	struct proc_scanner *scanner; /* incremental_procs: owned */
	uint64_t last_full_ns;	      /* CLOCK_MONOTONIC of the last full walk */
};

#define SOCK_WALK_FULL_PROCS_NS (30ull * 1000000000ull)

/* Opens the sources; returns 0 or -errno (reported). */
int sock_walk_open(struct sock_walk *w, const struct sock_opts *o);
/* One pass over all matching sockets (re-scans processes first when wanted). */
int sock_walk_run(struct sock_walk *w, sock_visit_fn visit, void *arg);
void sock_walk_close(struct sock_walk *w);

#endif
