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

#endif
