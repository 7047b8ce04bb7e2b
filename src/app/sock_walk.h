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
};

/* Opens the sources; returns 0 or -errno (reported). */
int sock_walk_open(struct sock_walk *w, const struct sock_opts *o);
/* One pass over all matching sockets (re-scans processes first when wanted). */
int sock_walk_run(struct sock_walk *w, sock_visit_fn visit, void *arg);
void sock_walk_close(struct sock_walk *w);

#endif
