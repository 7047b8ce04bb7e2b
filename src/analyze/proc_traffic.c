// SPDX-License-Identifier: GPL-2.0-or-later
#include "analyze/proc_traffic.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "analyze/proc_traffic_match.h"
#include "base/xalloc.h"

/* Processes that never moved a byte are asked about their exit once every this many ticks. */
#define PT_IDLE_CHECK_TICKS 16

static void copy_str(char *dst, size_t cap, const char *src)
{
	size_t len = strnlen(src, cap - 1);

	memcpy(dst, src, len);
	dst[len] = '\0';
}

/* ---- processes ---- */

/* A slot for a new process: a free one first; its serial moves on from the last user's. */
static uint32_t add_proc(struct proc_traffic *pt, int32_t pid, uint64_t start_ticks)
{
	uint32_t i, serial = 0;
	struct pt_proc *p;

	if (pt->nr_free) {
		i = pt->free_procs[--pt->nr_free];
		serial = pt->procs[i].serial;
	} else {
		ALLOC_GROW(pt->procs, pt->nr_procs + 1, pt->alloc_procs);
		i = (uint32_t)pt->nr_procs++;
	}
	p = &pt->procs[i];
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	p->start_ticks = start_ticks;
	p->serial = serial;
	p->used = true;
	return i;
}

/* The slot of the latest process with pid, or 0. */
static uint32_t find_pid(struct proc_traffic *pt, int32_t pid)
{
	uint64_t *v = u64map_get(&pt->by_pid, (uint64_t)(uint32_t)pid);

	if (!v || *v < PT_FIRST_PROC || *v >= pt->nr_procs || !pt->procs[*v].used ||
	    pt->procs[*v].pid != pid)
		return 0;
	return (uint32_t)*v;
}

static void mark_exited(struct proc_traffic *pt, struct pt_proc *p)
{
	if (p->exited)
		return;
	p->exited = true;
	p->exit_gen = pt->gen;
}

void proc_traffic_init(struct proc_traffic *pt)
{
	memset(pt, 0, sizeof(*pt));
	u64map_init(&pt->by_pid);
	u64map_init(&pt->by_cookie);
	u64map_init(&pt->owners);
	u64map_init(&pt->owners_old);
	u64map_init(&pt->by_tuple);
	u64map_init(&pt->by_pending);
	u64map_init(&pt->wanted);
	add_proc(pt, -1, 0);
	copy_str(pt->procs[PT_UNATTRIBUTED].comm, PT_COMM_LEN, "unattributed");
	add_proc(pt, -1, 0);
	copy_str(pt->procs[PT_EXITED].comm, PT_COMM_LEN, "exited processes");
	pt->procs[PT_EXITED].exited = true;
}

void proc_traffic_release(struct proc_traffic *pt)
{
	free(pt->procs);
	free(pt->free_procs);
	free(pt->socks);
	free(pt->tuples);
	free(pt->pending);
	free(pt->locals);
	u64map_release(&pt->by_pid);
	u64map_release(&pt->by_cookie);
	u64map_release(&pt->owners);
	u64map_release(&pt->owners_old);
	u64map_release(&pt->by_tuple);
	u64map_release(&pt->by_pending);
	u64map_release(&pt->wanted);
	memset(pt, 0, sizeof(*pt));
}

/* ---- owners: socket inode -> process ---- */

/* The process set_owner named for inode, or 0; entries of freed slots are stale. */
static uint32_t owner_of(struct proc_traffic *pt, uint64_t inode)
{
	uint64_t *v = u64map_get(&pt->owners, inode);
	uint32_t slot;

	if (!v)
		v = u64map_get(&pt->owners_old, inode);
	if (!v)
		return 0;
	slot = (uint32_t)*v;
	if (slot < PT_FIRST_PROC || slot >= pt->nr_procs || !pt->procs[slot].used ||
	    pt->procs[slot].serial != (uint32_t)(*v >> 32))
		return 0;
	return slot;
}

/* At each full dump: what set_owner said before the previous one is dropped. */
static void rotate_owners(struct proc_traffic *pt)
{
	struct u64map old = pt->owners_old;

	pt->owners_old = pt->owners;
	pt->owners = old;
	if (pt->owners.nr)
		u64map_reset(&pt->owners);
}

void proc_traffic_reset_owners(struct proc_traffic *pt)
{
	u64map_reset(&pt->owners);
	u64map_reset(&pt->owners_old);
}

void proc_traffic_set_owner(struct proc_traffic *pt, uint64_t inode, int32_t pid,
			    uint64_t start_ticks, uint32_t uid, const char *comm,
			    const char *command)
{
	uint32_t i = find_pid(pt, pid);
	uint64_t *w;
	struct pt_proc *p;

	/* The pid was reused: the process we knew under it has exited. */
	if (i && start_ticks && pt->procs[i].start_ticks &&
	    pt->procs[i].start_ticks != start_ticks) {
		mark_exited(pt, &pt->procs[i]);
		i = 0;
	}
	if (!i) {
		i = add_proc(pt, pid, start_ticks);
		*u64map_upsert(&pt->by_pid, (uint64_t)(uint32_t)pid, NULL) = i;
	}
	p = &pt->procs[i];
	p->uid = uid;
	p->exited = false;
	if (!p->start_ticks)
		p->start_ticks = start_ticks;
	if (comm)
		copy_str(p->comm, PT_COMM_LEN, comm);
	if (command)
		copy_str(p->command, PT_CMD_LEN, command);
	*u64map_upsert(&pt->owners, inode, NULL) = (uint64_t)p->serial << 32 | i;
	w = u64map_get(&pt->wanted, inode);
	if (w && *w) {
		*w = 0;
		pt->nr_wanted--;
	}
}

void proc_traffic_set_exited(struct proc_traffic *pt, int32_t pid)
{
	uint32_t i = find_pid(pt, pid);

	if (i)
		mark_exited(pt, &pt->procs[i]);
}

/* ---- ticks and dumps ---- */

/* A dead socket whose record is no longer needed (no tuple in its grace to match). */
static bool expired(const struct proc_traffic *pt, const struct pt_sock *s)
{
	return s->dead && !(s->tuple && pt_sock_matchable(pt, s));
}

/* Drops expired sockets that hold no bytes; indices change. */
static void compact(struct proc_traffic *pt)
{
	size_t j = 0;

	u64map_reset(&pt->by_cookie);
	pt->nr_dead = 0;
	for (size_t i = 0; i < pt->nr_socks; i++) {
		struct pt_sock *s = &pt->socks[i];

		if (expired(pt, s) && !s->pend_tx_bytes && !s->pend_rx_bytes)
			continue;
		pt->socks[j] = *s;
		*u64map_upsert(&pt->by_cookie, s->cookie, NULL) = j + 1;
		pt->nr_dead += s->dead;
		j++;
	}
	pt->nr_socks = j;
}

/* Sockets compaction may drop. */
static size_t nr_expired(const struct proc_traffic *pt)
{
	size_t n = 0;

	if (pt->nr_dead < PT_COMPACT_MIN)
		return 0;
	for (size_t i = 0; i < pt->nr_socks; i++)
		n += expired(pt, &pt->socks[i]);
	return n;
}

void proc_traffic_begin_tick_nodump(struct proc_traffic *pt)
{
	pt->gen++;
	pt->settled = false;
	pt->no_dump = true;
}

void proc_traffic_begin_dump(struct proc_traffic *pt)
{
	pt->dump_seq++;
	pt->no_dump = false;
	pt->nr_pending_new = 0;
	rotate_owners(pt);
}

void proc_traffic_begin_tick(struct proc_traffic *pt)
{
	size_t nr;

	pt->gen++;
	pt->settled = false;
	nr = nr_expired(pt);
	if (nr >= PT_COMPACT_MIN && nr * 2 >= pt->nr_socks) {
		compact(pt);
		pt_rebuild_tuples(pt);
	} else if (pt->nr_stale_tuples >= PT_COMPACT_MIN &&
		   pt->nr_stale_tuples * 2 >= pt->nr_tuples) {
		pt_rebuild_tuples(pt);
	}
	proc_traffic_begin_dump(pt);
}

static bool has_byte_counters(const struct sock_entry *s)
{
	return (s->has & SOCK_HAS_INFO) &&
	       s->tcpi_len >= offsetof(struct tcp_info, tcpi_bytes_received) +
				      sizeof(s->tcpi.tcpi_bytes_received);
}

static uint64_t delta(uint64_t now, uint64_t last)
{
	return now >= last ? now - last : 0;
}

/* The table's record of s's cookie, new or revived. */
static struct pt_sock *sock_of(struct proc_traffic *pt, const struct sock_entry *s, uint8_t proto,
			       bool with_counters)
{
	bool inserted;
	uint64_t *slot = u64map_upsert(&pt->by_cookie, s->cookie, &inserted);
	struct pt_sock *e;

	if (!inserted) {
		e = &pt->socks[*slot - 1];
		if (e->dead) {
			e->dead = false;
			pt->nr_dead--;
		}
		return e;
	}
	ALLOC_GROW(pt->socks, pt->nr_socks + 1, pt->alloc_socks);
	*slot = pt->nr_socks + 1;
	e = &pt->socks[pt->nr_socks++];
	memset(e, 0, sizeof(*e));
	e->cookie = s->cookie;
	e->proto = proto;
	/* First tick: a baseline.  Later: born since the last tick, count from 0. */
	if (with_counters && has_byte_counters(s) && (pt->gen <= 1 || pt->force_baseline)) {
		e->last_tx_bytes = s->tcpi.tcpi_bytes_acked;
		e->last_rx_bytes = s->tcpi.tcpi_bytes_received;
	}
	return e;
}

void proc_traffic_add_sock(struct proc_traffic *pt, const struct sock_entry *s, bool with_counters)
{
	struct pt_sock *e;
	uint8_t proto;

	if (s->proto == PROTO_TCP)
		proto = PT_TCP;
	else if (s->proto == PROTO_UDP)
		proto = PT_UDP;
	else
		return;
	if (!s->cookie || (s->family != AF_INET && s->family != AF_INET6))
		return;
	e = sock_of(pt, s, proto, with_counters);
	e->lport = s->lport;
	e->rport = s->rport;
	/* Orphans (closed by their process) report inode 0: keep what we knew. */
	if (s->inode)
		e->inode = s->inode;
	/* The owner goes with the socket now: the inode map does not last. */
	if (!e->proc && e->inode)
		e->proc = owner_of(pt, e->inode);
	e->gen = pt->gen;
	e->seen = pt->dump_seq;
	if (with_counters && has_byte_counters(s)) {
		uint64_t dtx = delta(s->tcpi.tcpi_bytes_acked, e->last_tx_bytes);
		uint64_t drx = delta(s->tcpi.tcpi_bytes_received, e->last_rx_bytes);

		if (dtx || drx)
			e->active_gen = pt->gen;
		e->pend_tx_bytes += dtx;
		e->pend_rx_bytes += drx;
		e->last_tx_bytes = s->tcpi.tcpi_bytes_acked;
		e->last_rx_bytes = s->tcpi.tcpi_bytes_received;
	}
	if (!with_counters)
		pt_add_tuple(pt, s, proto, (uint32_t)(e - pt->socks));
}

/* ---- settling: held packets, then the owners wanted ---- */

static void want_owner(struct proc_traffic *pt, struct pt_sock *s)
{
	uint64_t *w;
	bool inserted;

	if (s->proc || (!s->pend_tx_bytes && !s->pend_rx_bytes) || !s->inode)
		return;
	s->proc = owner_of(pt, s->inode);
	if (s->proc)
		return;
	w = u64map_upsert(&pt->wanted, s->inode, &inserted);
	if (inserted) {
		*w = 1;
		pt->nr_wanted++;
	}
}

static size_t find_wanted(struct proc_traffic *pt)
{
	u64map_reset(&pt->wanted);
	pt->nr_wanted = 0;
	for (size_t i = 0; i < pt->nr_socks; i++)
		want_owner(pt, &pt->socks[i]);
	return pt->nr_wanted;
}

size_t proc_traffic_end_dump(struct proc_traffic *pt)
{
	pt_match_pending(pt, false);
	return find_wanted(pt);
}

size_t proc_traffic_settle(struct proc_traffic *pt)
{
	if (pt->settled)
		return pt->nr_wanted;
	pt->settled = true;
	pt_match_pending(pt, true);
	pt->nr_pending_new = 0;
	return find_wanted(pt);
}

size_t proc_traffic_nr_unowned(const struct proc_traffic *pt)
{
	return pt->nr_wanted;
}

/* ---- the tick's end ---- */

static void give(struct proc_traffic *pt, struct pt_sock *s)
{
	struct pt_proc *p;

	if (!s->proc && s->inode)
		s->proc = owner_of(pt, s->inode);
	if (!s->pend_tx_bytes && !s->pend_rx_bytes)
		return;
	if (!s->proc && !s->owner_tried) {
		s->owner_tried = true;
		pt->nr_unowned++;
	}
	p = &pt->procs[s->proc];
	p->tick_tx_bytes += s->pend_tx_bytes;
	p->tick_rx_bytes += s->pend_rx_bytes;
	p->tx_bytes[s->proto] += s->pend_tx_bytes;
	p->rx_bytes[s->proto] += s->pend_rx_bytes;
	s->pend_tx_bytes = s->pend_rx_bytes = 0;
}

/* Frees slot i; a process with bytes first adds them to the exited row. */
static void fold(struct proc_traffic *pt, uint32_t i)
{
	struct pt_proc *p = &pt->procs[i], *x = &pt->procs[PT_EXITED];

	if (pt_proc_tx_bytes(p) || pt_proc_rx_bytes(p)) {
		for (int k = 0; k < PT_NR_PROTO; k++) {
			x->tx_bytes[k] += p->tx_bytes[k];
			x->rx_bytes[k] += p->rx_bytes[k];
		}
		x->tick_tx_bytes += p->tick_tx_bytes;
		x->tick_rx_bytes += p->tick_rx_bytes;
		x->tx_bytes_per_s += p->tx_bytes_per_s;
		x->rx_bytes_per_s += p->rx_bytes_per_s;
		pt->nr_folded++;
	}
	x->nr_sockets += p->nr_sockets;
	p->used = false;
	p->serial++; /* what still names the slot (owner entries) misses from now on */
	ALLOC_GROW(pt->free_procs, pt->nr_free + 1, pt->alloc_free);
	pt->free_procs[pt->nr_free++] = i;
}

static int cmp_exit(const void *a, const void *b, void *arg)
{
	const struct pt_proc *procs = arg;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	int32_t d = (int32_t)(procs[x].exit_gen - procs[y].exit_gen);

	return d ? (d > 0) - (d < 0) : (x > y) - (x < y);
}

/*
 * The eviction rule (proc_traffic.h): exited processes without bytes go at
 * once, the others after PT_EXITED_TICKS, and the earliest beyond
 * PT_MAX_EXITED.  Returns how many slots were freed.
 */
static size_t fold_exited(struct proc_traffic *pt)
{
	uint32_t *rows = NULL;
	size_t nr = 0, alloc = 0, freed = 0;

	for (uint32_t i = PT_FIRST_PROC; i < pt->nr_procs; i++) {
		struct pt_proc *p = &pt->procs[i];

		if (!p->used || !p->exited)
			continue;
		if ((!pt_proc_tx_bytes(p) && !pt_proc_rx_bytes(p)) ||
		    pt->gen - p->exit_gen >= PT_EXITED_TICKS) {
			fold(pt, i);
			freed++;
			continue;
		}
		ALLOC_GROW(rows, nr + 1, alloc);
		rows[nr++] = i;
	}
	if (nr > PT_MAX_EXITED) {
		qsort_r(rows, nr, sizeof(*rows), cmp_exit, pt->procs);
		for (size_t k = 0; k < nr - PT_MAX_EXITED; k++)
			fold(pt, rows[k]);
		freed += nr - PT_MAX_EXITED;
	}
	free(rows);
	return freed;
}

/* After slots were freed: their sockets' later bytes go to the exited row; by_pid shrinks. */
static void after_fold(struct proc_traffic *pt)
{
	size_t used = pt->nr_procs - pt->nr_free;

	for (size_t i = 0; i < pt->nr_socks; i++) {
		struct pt_sock *s = &pt->socks[i];

		if (s->proc >= PT_FIRST_PROC && !pt->procs[s->proc].used)
			s->proc = PT_EXITED;
	}
	if (pt->by_pid.nr <= 2 * used + 1024)
		return;
	u64map_reset(&pt->by_pid);
	for (uint32_t i = PT_FIRST_PROC; i < pt->nr_procs; i++)
		if (pt->procs[i].used)
			*u64map_upsert(&pt->by_pid, (uint64_t)(uint32_t)pt->procs[i].pid, NULL) = i;
}

void proc_traffic_check_exited(struct proc_traffic *pt,
			       bool (*gone)(void *arg, int32_t pid, uint64_t start_ticks),
			       void *arg)
{
	for (size_t i = PT_FIRST_PROC; i < pt->nr_procs; i++) {
		struct pt_proc *p = &pt->procs[i];
		bool busy = pt_proc_tx_bytes(p) || pt_proc_rx_bytes(p);

		if (!p->used || p->exited)
			continue;
		/* Rows shown are asked every tick: their sockets may outlive them (orphans). */
		if (!busy && (p->nr_sockets || (i + pt->gen) % PT_IDLE_CHECK_TICKS))
			continue;
		if (gone(arg, p->pid, p->start_ticks))
			mark_exited(pt, p);
	}
	/* The bound holds for what is shown next, not only after the next tick. */
	if (fold_exited(pt))
		after_fold(pt);
}

/* Gives the tick's bytes; a socket the tick's dumps did not show has died. */
static void give_all(struct proc_traffic *pt)
{
	for (size_t i = 0; i < pt->nr_socks; i++) {
		struct pt_sock *s = &pt->socks[i];

		give(pt, s);
		if (s->gen != pt->gen && !s->dead && !pt->no_dump) {
			s->dead = true;
			s->dead_gen = pt->gen;
			pt->nr_dead++;
		}
		if (!s->dead && s->proc)
			pt->procs[s->proc].nr_sockets++;
	}
}

void proc_traffic_end_tick(struct proc_traffic *pt, uint64_t interval_ns)
{
	double sec = (double)interval_ns / 1e9;
	struct pt_proc *u = &pt->procs[PT_UNATTRIBUTED];

	proc_traffic_settle(pt);
	for (size_t i = 0; i < pt->nr_procs; i++) {
		pt->procs[i].tick_tx_bytes = pt->procs[i].tick_rx_bytes = 0;
		pt->procs[i].nr_sockets = 0;
	}
	/* The unattributed row keeps packets without a socket in its TCP slot. */
	u->tick_tx_bytes = pt->unatt_tx_bytes;
	u->tick_rx_bytes = pt->unatt_rx_bytes;
	u->tx_bytes[PT_TCP] += pt->unatt_tx_bytes;
	u->rx_bytes[PT_TCP] += pt->unatt_rx_bytes;
	pt->unatt_tx_bytes = pt->unatt_rx_bytes = 0;
	give_all(pt);
	if (fold_exited(pt))
		after_fold(pt);
	for (size_t i = 0; i < pt->nr_procs; i++) {
		struct pt_proc *p = &pt->procs[i];

		p->tx_bytes_per_s = sec > 0 ? (double)p->tick_tx_bytes / sec : 0;
		p->rx_bytes_per_s = sec > 0 ? (double)p->tick_rx_bytes / sec : 0;
	}
}

/* ---- reading ---- */

uint64_t pt_proc_tx_bytes(const struct pt_proc *p)
{
	return p->tx_bytes[PT_TCP] + p->tx_bytes[PT_UDP];
}

uint64_t pt_proc_rx_bytes(const struct pt_proc *p)
{
	return p->rx_bytes[PT_TCP] + p->rx_bytes[PT_UDP];
}

static int cmp_procs(const void *pa, const void *pb, void *arg)
{
	const struct pt_proc *procs = arg;
	const struct pt_proc *a = &procs[*(const uint32_t *)pa], *b = &procs[*(const uint32_t *)pb];
	double ra = a->tx_bytes_per_s + a->rx_bytes_per_s;
	double rb = b->tx_bytes_per_s + b->rx_bytes_per_s;
	uint64_t ta = pt_proc_tx_bytes(a) + pt_proc_rx_bytes(a);
	uint64_t tb = pt_proc_tx_bytes(b) + pt_proc_rx_bytes(b);

	if (ra != rb)
		return ra > rb ? -1 : 1;
	if (ta != tb)
		return ta > tb ? -1 : 1;
	return (a->pid > b->pid) - (a->pid < b->pid);
}

size_t proc_traffic_sorted(const struct proc_traffic *pt, uint32_t *order)
{
	size_t n = 0;

	for (size_t i = PT_FIRST_PROC; i < pt->nr_procs; i++) {
		const struct pt_proc *p = &pt->procs[i];

		if (p->used && (pt_proc_tx_bytes(p) || pt_proc_rx_bytes(p)))
			order[n++] = (uint32_t)i;
	}
	if (n > 1)
		qsort_r(order, n, sizeof(*order), cmp_procs, pt->procs);
	return n;
}

const struct pt_proc *proc_traffic_exited_row(const struct proc_traffic *pt)
{
	return &pt->procs[PT_EXITED];
}

uint64_t proc_traffic_nr_folded(const struct proc_traffic *pt)
{
	return pt->nr_folded;
}

size_t proc_traffic_nr_procs(const struct proc_traffic *pt)
{
	return pt->nr_procs - PT_FIRST_PROC - pt->nr_free;
}

size_t proc_traffic_nr_socks(const struct proc_traffic *pt)
{
	return pt->nr_socks;
}

size_t proc_traffic_nr_tuples(const struct proc_traffic *pt)
{
	return pt->nr_tuples;
}

size_t proc_traffic_nr_pending(const struct proc_traffic *pt)
{
	return pt->nr_pending;
}

size_t proc_traffic_nr_live(const struct proc_traffic *pt)
{
	return pt->nr_socks - pt->nr_dead;
}
