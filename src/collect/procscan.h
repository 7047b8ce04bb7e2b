/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * An incremental walk of <proc_root> for the owners of sockets, for commands
 * that refresh (procs, later top and the agent).  Reading a process's fd
 * links costs about 5 µs each in the kernel, a second per 200,000 sockets,
 * so a refresh must not read them all:
 *
 * - a full walk reads every process;
 * - a partial walk reads only processes never seen before and those whose
 *   descriptor count (st_size of PID/fd, which Linux reports) changed since
 *   they were last read;
 * - both stop as soon as ops->want_more() says every wanted socket is owned.
 *
 * The scanner owns its per-pid state; proc_root is borrowed and must outlive
 * it.  Processes whose fds we may not read are counted in nr_denied (full
 * walks only).  Nothing is printed.
 */
#ifndef CONNMON_COLLECT_PROCSCAN_H
#define CONNMON_COLLECT_PROCSCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/u64map.h"

/* comm and cmdline are cut to these (struct procmap_owner's arrays) */
#define PROCSCAN_COMM_LEN 32
#define PROCSCAN_CMD_LEN  128

struct proc_scan_ops {
	/* A socket fd of pid (uid its owner); comm and cmdline NUL-terminated, cut to the
	 * PROCSCAN_ lengths, cmdline's NULs turned to spaces. */
	void (*sock)(void *arg, uint64_t inode, int32_t pid, uint32_t uid, const char *comm,
		     const char *cmdline);
	/* False once nothing more is wanted: the walk stops.  NULL: walk everything. */
	bool (*want_more)(void *arg);
};

struct proc_pid_state {
	int32_t pid;
	uint32_t gen;	/* walk that last saw it */
	int64_t nr_fds; /* st_size of PID/fd when last read; 0 when the kernel does not say */
};

struct proc_scanner {
	const char *proc_root;
	struct u64map pid_idx; /* pid -> index+1 into pids */
	struct proc_pid_state *pids;
	size_t nr_pids, alloc_pids;
	uint32_t gen;
	size_t nr_denied; /* of the last full walk */
	bool full_done;	  /* a full walk has happened */
};

void proc_scanner_init(struct proc_scanner *s, const char *proc_root);
void proc_scanner_release(struct proc_scanner *s);
/* One walk; returns 0 or -errno when proc_root cannot be opened. */
int proc_scanner_walk(struct proc_scanner *s, bool full, const struct proc_scan_ops *ops,
		      void *arg);
/* Gone, or a zombie (state Z or X in PID/stat). */
bool proc_has_exited(const char *proc_root, int32_t pid);

#endif
