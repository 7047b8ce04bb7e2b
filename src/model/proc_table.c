// SPDX-License-Identifier: GPL-2.0-or-later
#include "model/proc_table.h"

#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

void proc_table_init(struct proc_table *t)
{
	memset(t, 0, sizeof(*t));
	u64map_init(&t->by_inode);
}

void proc_table_release(struct proc_table *t)
{
	u64map_release(&t->by_inode);
	free(t->refs);
	free(t->comms);
	proc_table_init(t);
}

void proc_table_reset(struct proc_table *t)
{
	u64map_reset(&t->by_inode);
	t->nr_refs = 0;
	t->comms_len = 0;
	t->nr_procs_seen = 0;
	t->nr_procs_denied = 0;
}

uint32_t proc_table_add_comm(struct proc_table *t, const char *comm)
{
	size_t len = strlen(comm) + 1;
	uint32_t off = (uint32_t)t->comms_len;

	ALLOC_GROW(t->comms, t->comms_len + len, t->comms_alloc);
	memcpy(t->comms + t->comms_len, comm, len);
	t->comms_len += len;
	return off;
}

void proc_table_add(struct proc_table *t, uint64_t inode, int32_t pid, int32_t fd,
		    uint32_t comm_off)
{
	uint64_t *head;
	struct proc_ref *r;
	bool inserted;

	ALLOC_GROW(t->refs, t->nr_refs + 1, t->alloc_refs);
	r = &t->refs[t->nr_refs];
	r->pid = pid;
	r->fd = fd;
	r->comm_off = comm_off;
	head = u64map_upsert(&t->by_inode, inode, &inserted);
	r->next = inserted ? 0 : (uint32_t)*head;
	*head = ++t->nr_refs;
}

const struct proc_ref *proc_table_first(struct proc_table *t, uint64_t inode)
{
	uint64_t *head = u64map_get(&t->by_inode, inode);

	return head && *head ? &t->refs[*head - 1] : NULL;
}

const struct proc_ref *proc_table_next(const struct proc_table *t, const struct proc_ref *r)
{
	return r->next ? &t->refs[r->next - 1] : NULL;
}
