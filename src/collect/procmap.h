/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Maps socket inodes to the processes holding them, by reading
 * the links in <proc_root>/PID/fd/ ("socket:[INODE]") and <proc_root>/PID/comm.
 *
 * Processes whose fd directory we may not read (another user's, without
 * CAP_SYS_PTRACE / CAP_DAC_READ_SEARCH) are counted in
 * proc_table.nr_procs_denied so the caller can say what is missing.
 * Processes that exit during the walk are skipped silently.
 *
 * proc_root is "/proc" in production and a fake tree in tests.
 * Adds to t (proc_table_reset() it first for a fresh map); a process's comm is
 * interned only when it holds at least one socket.
 * Returns 0, or -errno when proc_root itself cannot be opened.
 */
#ifndef CONNMON_COLLECT_PROCMAP_H
#define CONNMON_COLLECT_PROCMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/proc_table.h"

int procmap_scan(struct proc_table *t, const char *proc_root);

/* The inode of a "socket:[N]" link target of len bytes; false for anything else. */
bool procmap_socket_inode(const char *link, size_t len, uint64_t *inode);
/* A /proc entry name that is a pid (1..INT32_MAX). */
bool procmap_parse_pid(const char *name, uint64_t *pid);

/* The process behind a socket fd; names are read once, on its first socket. */
struct procmap_owner {
	int32_t pid;
	uint32_t uid;
	char comm[32];	   /* PID/comm, "?" when unreadable */
	char cmdline[128]; /* PID/cmdline with NULs as spaces, cut; "" unless asked for */
};

typedef void (*procmap_sock_fn)(void *arg, const struct procmap_owner *o, uint64_t inode,
				int32_t fd);

/*
 * The one walk of a process's descriptors, shared by procmap_scan() and
 * collect/procscan: calls fn for each socket fd of <proc_fd>/name.
 * Returns 0, -ESRCH (the process is gone), -EACCES (its fds may not be
 * read without CAP_SYS_PTRACE / CAP_DAC_READ_SEARCH) or -ENOENT (it has no
 * fd directory to read).
 */
int procmap_walk_pid(int proc_fd, const char *name, int32_t pid, bool want_cmdline,
		     procmap_sock_fn fn, void *arg);

#endif
