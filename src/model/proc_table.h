/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Which processes hold which sockets: socket inode -> (pid, fd, comm) list,
 * built by collect/procmap from /proc/PID/fd and read by renderers and
 * aggregates.  A socket can be shared by several processes (fork, SCM_RIGHTS).
 *
 * The table owns every array and string in it; refs returned by lookups are
 * valid until the next proc_table_reset() or proc_table_release().
 */
#ifndef CONNMON_MODEL_PROC_TABLE_H
#define CONNMON_MODEL_PROC_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "base/u64map.h"

struct proc_ref {
	int32_t pid;
	int32_t fd;
	uint32_t comm_off; /* offset of the NUL-terminated comm in comms */
	uint32_t next;	   /* index+1 of the next ref for the same inode, 0 ends */
};

struct proc_table {
	struct u64map by_inode; /* inode -> index+1 of the first ref */
	struct proc_ref *refs;
	size_t nr_refs, alloc_refs;
	char *comms; /* packed NUL-terminated strings */
	size_t comms_len, comms_alloc;
	size_t nr_procs_seen;
	size_t nr_procs_denied; /* processes whose fds we could not read (EACCES) */
};

void proc_table_init(struct proc_table *t);
void proc_table_release(struct proc_table *t);
void proc_table_reset(struct proc_table *t);
/* Interns comm; returns its offset (stable for the table's life). */
uint32_t proc_table_add_comm(struct proc_table *t, const char *comm);
void proc_table_add(struct proc_table *t, uint64_t inode, int32_t pid, int32_t fd,
		    uint32_t comm_off);
/* First ref for inode, or NULL; follow ->next (index+1) for the rest. */
const struct proc_ref *proc_table_first(struct proc_table *t, uint64_t inode);
const struct proc_ref *proc_table_next(const struct proc_table *t, const struct proc_ref *r);

static inline const char *proc_table_comm(const struct proc_table *t, const struct proc_ref *r)
{
	return t->comms + r->comm_off;
}

#endif
