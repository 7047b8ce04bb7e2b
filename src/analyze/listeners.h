/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The listening ports now, with their owners, for the unknown_listener and
 * capacity rules: built from one census's sockets (TCP in LISTEN; UDP
 * sockets bound to a port and connected to no peer), one entry per
 * (protocol, port) whatever the address family or local address, the
 * owner looked up by socket inode in a model/proc_table (collect/procmap).
 *
 * Use, per census: listener_set_reset(), listener_set_add_sock() for every
 * socket of the dump, listener_set_resolve(procs) when a process table is
 * at hand; then listener_set_list() is rule_facts.listeners and
 * listener_set_pids() the owners whose descriptors collect/fdcount reads.
 *
 * Bounds: one entry per distinct (protocol, port), at most 2 x 65,536.
 * Ownership: the set owns its arrays; the list is valid until the next
 * reset or add.  Process names are made display-safe (bytes outside
 * 0x20-0x7e become '?').
 */
#ifndef CONNMON_ANALYZE_LISTENERS_H
#define CONNMON_ANALYZE_LISTENERS_H

#include <stddef.h>
#include <stdint.h>

#include "analyze/rule_facts.h"
#include "base/u64map.h"
#include "model/proc_table.h"
#include "model/sock.h"

struct listener_set {
	struct rule_listener *v;
	uint64_t *inodes; /* the first socket's inode per entry, 0 unknown */
	size_t nr, alloc, alloc_inodes;
	struct u64map idx; /* (proto << 16 | port) + 1 -> index + 1 */
};

void listener_set_init(struct listener_set *ls);
void listener_set_release(struct listener_set *ls);
void listener_set_reset(struct listener_set *ls);
void listener_set_add_sock(struct listener_set *ls, const struct sock_entry *e);
/* Fills pid and comm of the entries whose owner the table knows. */
void listener_set_resolve(struct listener_set *ls, struct proc_table *procs);
const struct rule_listener *listener_set_list(const struct listener_set *ls, size_t *nr);
/* The distinct known owners, at most cap, into pids; returns how many. */
size_t listener_set_pids(const struct listener_set *ls, int32_t *pids, size_t cap);

#endif
