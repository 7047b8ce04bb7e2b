// SPDX-License-Identifier: GPL-2.0-or-later
#include "analyze/listeners.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

void listener_set_init(struct listener_set *ls)
{
	memset(ls, 0, sizeof(*ls));
	u64map_init(&ls->idx);
}

void listener_set_release(struct listener_set *ls)
{
	free(ls->v);
	free(ls->inodes);
	u64map_release(&ls->idx);
	memset(ls, 0, sizeof(*ls));
}

void listener_set_reset(struct listener_set *ls)
{
	ls->nr = 0;
	u64map_reset(&ls->idx);
}

static bool is_listener(const struct sock_entry *e)
{
	if (e->proto == PROTO_TCP)
		return e->state == SOCK_ST_LISTEN;
	/* UDP: bound to a port, no peer (ss shows UNCONN) */
	return e->proto == PROTO_UDP && e->lport != 0 && e->rport == 0 &&
	       sock_addr_is_any(e->family, e->remote);
}

void listener_set_add_sock(struct listener_set *ls, const struct sock_entry *e)
{
	uint8_t proto = e->proto == PROTO_TCP ? IPPROTO_TCP : IPPROTO_UDP;
	bool is_new = false;
	uint64_t *slot;

	if (!is_listener(e))
		return;
	slot = u64map_upsert(&ls->idx, ((uint64_t)proto << 16 | e->lport) + 1, &is_new);
	if (!is_new) {
		if (ls->inodes[*slot - 1] == 0)
			ls->inodes[*slot - 1] = e->inode;
		return;
	}
	ALLOC_GROW(ls->v, ls->nr + 1, ls->alloc);
	ALLOC_GROW(ls->inodes, ls->nr + 1, ls->alloc_inodes);
	ls->v[ls->nr] = (struct rule_listener){ .proto = proto, .port = e->lport, .pid = -1 };
	ls->inodes[ls->nr] = e->inode;
	*slot = ++ls->nr;
}

static void set_comm(char *dst, size_t cap, const char *src)
{
	size_t i = 0;

	for (; src[i] && i + 1 < cap; i++) {
		unsigned char c = (unsigned char)src[i];

		dst[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	dst[i] = '\0';
}

void listener_set_resolve(struct listener_set *ls, struct proc_table *procs)
{
	for (size_t i = 0; i < ls->nr; i++) {
		const struct proc_ref *r;

		if (ls->inodes[i] == 0)
			continue;
		r = proc_table_first(procs, ls->inodes[i]);
		if (r == NULL)
			continue;
		ls->v[i].pid = r->pid;
		set_comm(ls->v[i].comm, sizeof(ls->v[i].comm), proc_table_comm(procs, r));
	}
}

const struct rule_listener *listener_set_list(const struct listener_set *ls, size_t *nr)
{
	*nr = ls->nr;
	return ls->v;
}

size_t listener_set_pids(const struct listener_set *ls, int32_t *pids, size_t cap)
{
	size_t n = 0;

	for (size_t i = 0; i < ls->nr && n < cap; i++) {
		bool seen = false;

		if (ls->v[i].pid < 0)
			continue;
		for (size_t k = 0; k < n && !seen; k++)
			seen = pids[k] == ls->v[i].pid;
		if (!seen)
			pids[n++] = ls->v[i].pid;
	}
	return n;
}
