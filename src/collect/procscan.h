/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * An incremental walk of <proc_root> for the owners of sockets, for commands
 * that refresh (procs, later top and the agent).  Reading a process's fd
 * links costs about 5 µs each in the kernel, a second per 200,000 sockets,
 * so a refresh must not read them all:
 *
 * - a full walk reads every process;
 * - a partial walk reads only processes never seen before and those whose
 *   descriptor count (st_size of PID/fd, which Linux reports) or PID/fd's
 *   inode changed since they were last read;
 * - both stop reading as soon as ops->want_more() says every wanted socket
 *   is owned (the listing of proc_root still goes on to its end, see below).
 *
 * A process is (pid, start time): the start time, field 22 of PID/stat in
 * clock ticks since boot, comes with every socket reported.  A pid reused by
 * a new process is read again: its /proc/PID directory, and so the inode of
 * PID/fd, is new (the kernel drops the old process's dentries).
 *
 * Eviction: every walk lists all of proc_root (a directory listing, cheap
 * next to reading descriptors); the state of a pid the listing no longer
 * shows is dropped at the end of the walk.  The state is so bounded by the
 * processes alive at the last walk.
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

/* The process behind a socket; valid during the sock() call only. */
struct proc_scan_owner {
	int32_t pid;
	uint32_t uid;
	uint64_t start_ticks; /* PID/stat field 22: clock ticks after boot */
	const char *comm;     /* NUL-terminated, cut to PROCSCAN_COMM_LEN */
	const char *cmdline;  /* NULs turned to spaces, cut to PROCSCAN_CMD_LEN */
};

struct proc_scan_ops {
	/* A socket fd (inode) of the process o. */
	void (*sock)(void *arg, uint64_t inode, const struct proc_scan_owner *o);
	/* False once nothing more is wanted: the walk stops reading.  NULL: read everything. */
	bool (*want_more)(void *arg);
};

struct proc_pid_state {
	int32_t pid;
	uint32_t gen;	      /* walk that last listed it */
	uint64_t start_ticks; /* of the process last read under this pid */
	int64_t nr_fds;	      /* st_size of PID/fd when last read; 0 when the kernel does not say */
	uint64_t fd_ino;      /* inode of PID/fd when last read: a new one is a new process */
};

struct proc_scanner {
	const char *proc_root;
	struct u64map pid_idx; /* pid -> index+1 into pids, rebuilt when pids are dropped */
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
/* Pids the scanner keeps state for (the processes of its last listing). */
size_t proc_scanner_nr_pids(const struct proc_scanner *s);

/*
 * The process (pid, start_ticks) is gone: no such pid, a zombie (state Z or
 * X in PID/stat), or the pid now belongs to a process with another start
 * time.  start_ticks 0: any process with that pid.
 */
bool proc_has_exited(const char *proc_root, int32_t pid, uint64_t start_ticks);

/*
 * Parses the text of PID/stat: the state letter (field 3) and the start time
 * (field 22).  The command name (field 2) may hold spaces and parentheses:
 * the fields start after its last ')'.  Returns 0, or -EINVAL for text that
 * is not a stat line.
 */
int procscan_parse_stat(const char *text, size_t len, char *state, uint64_t *start_ticks);

#endif
