// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The agent's per-process traffic series (agent.h has the contract): the
 * census's dump feeds the tcpinfo engine of `connmon procs`, and this file
 * turns the engine's per-census bytes into bounded, monotonic counters.
 *
 * Why the slots left over keep idle processes: a counter that vanishes
 * whenever its process pauses for a census would be a gappy series in the
 * store (gaps cost timestamps) and a stale one in Prometheus.
 *
 * Why a series is born at 0: the store's increases and Prometheus's
 * rate() take a series' first sample as the starting point, so a series
 * born at its first census's bytes would lose them (a tenth of a 10 s
 * transfer).  Publishing 0 first and those bytes one census later loses
 * nothing; only a process shown for a single census and never again keeps
 * its first bytes unpublished.  The comm is the one of the census that
 * first saw the process move bytes, so a series keeps its labels.
 *
 * Owners (socket inode -> process) come from incremental /proc walks
 * (collect/procscan.h), as `connmon procs` finds them: only when a socket
 * that moved bytes has no known owner, new processes first, a full walk at
 * the first need and then at most every AGENT_PROCS_FULL_RESCAN_S while
 * some owner stays unknown.
 *
 * A census whose dump failed ends no engine tick: the next census's dump
 * continues it, so no socket looks born twice and no byte counts twice.
 *
 * Eviction of the totals: they go with the engine's rows, which stay for
 * every live process that held a socket and for at most PT_MAX_EXITED
 * processes that exited in the last PT_EXITED_TICKS censuses.  So the table
 * holds the live processes that ever moved a byte and a bounded tail of
 * exits, whatever the churn; keeping an exited process longer (for the
 * ring's span, say) would make the table grow with the churn for an hour,
 * for totals no byte can reach any more.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/agent.h"
#include "base/xalloc.h"

#define NS_PER_S 1000000000ull

/* Pids stay below 2^22 (PID_MAX_LIMIT), so (pid, start time) packs into one exact key. */
#define PID_BITS 22

static uint64_t proc_key(int32_t pid, uint64_t start_ticks)
{
	return start_ticks << PID_BITS | ((uint64_t)(uint32_t)pid & ((1u << PID_BITS) - 1));
}

void agent_procs_init(struct agent_procs *p, const char *proc_root)
{
	memset(p, 0, sizeof(*p));
	proc_traffic_init(&p->pt);
	proc_scanner_init(&p->scan, proc_root);
	u64map_init(&p->idx);
	p->other.pid = -1;
	snprintf(p->other.comm, sizeof(p->other.comm), "other");
	/* The engine waits for a dump: the first one is its baseline. */
	proc_traffic_begin_tick(&p->pt);
}

void agent_procs_release(struct agent_procs *p)
{
	proc_traffic_release(&p->pt);
	proc_scanner_release(&p->scan);
	u64map_release(&p->idx);
	free(p->v);
	free(p->order);
	memset(p, 0, sizeof(*p));
}

void agent_procs_add_sock(struct agent_procs *p, const struct sock_entry *e)
{
	/* LISTEN, SYN_RECV and TIME_WAIT carry no byte counters: not worth a cookie entry. */
	if (e->proto != PROTO_TCP || !(e->has & SOCK_HAS_INFO) || e->state == SOCK_ST_LISTEN ||
	    e->state == SOCK_ST_SYN_RECV || e->state == SOCK_ST_NEW_SYN_RECV ||
	    e->state == SOCK_ST_TIME_WAIT)
		return;
	proc_traffic_add_sock(&p->pt, e, true);
}

/* ---- owners ---- */

static void owner_found(void *arg, uint64_t inode, const struct proc_scan_owner *o)
{
	proc_traffic_set_owner(arg, inode, o->pid, o->start_ticks, o->uid, o->comm, o->cmdline);
}

static bool owners_wanted(void *arg)
{
	return proc_traffic_nr_unowned(arg) > 0;
}

static const struct proc_scan_ops owner_ops = { .sock = owner_found, .want_more = owners_wanted };

/* As `connmon procs` does (procs_dump.c): new processes first, everything rarely. */
static void find_owners(struct agent_procs *p, uint64_t now_ns)
{
	if (!proc_traffic_settle(&p->pt))
		return;
	if (p->scan.full_done)
		proc_scanner_walk(&p->scan, false, &owner_ops, &p->pt);
	if (proc_traffic_nr_unowned(&p->pt) &&
	    (!p->scan.full_done ||
	     now_ns - p->last_full_ns >= AGENT_PROCS_FULL_RESCAN_S * NS_PER_S)) {
		proc_traffic_reset_owners(&p->pt);
		p->last_full_ns = now_ns;
		proc_scanner_walk(&p->scan, true, &owner_ops, &p->pt);
	}
}

static bool proc_gone(void *arg, int32_t pid, uint64_t start_ticks)
{
	const struct agent_procs *p = arg;

	return proc_has_exited(p->scan.proc_root, pid, start_ticks);
}

/* ---- totals ---- */

static uint64_t tick_bytes(const struct agent_proc *ap)
{
	return ap->tick_rx_bytes + ap->tick_tx_bytes;
}

/* The total of an engine row: found, or made when the row moved bytes (else NULL). */
static struct agent_proc *proc_of(struct agent_procs *p, const struct pt_proc *r)
{
	bool is_new = false;
	uint64_t key = proc_key(r->pid, r->start_ticks);
	uint64_t *slot = r->tick_rx_bytes || r->tick_tx_bytes ?
				 u64map_upsert(&p->idx, key, &is_new) :
				 u64map_get(&p->idx, key);
	struct agent_proc *ap;

	if (!slot)
		return NULL;
	if (is_new) {
		ALLOC_GROW(p->v, p->nr + 1, p->alloc);
		ap = &p->v[p->nr];
		memset(ap, 0, sizeof(*ap));
		ap->pid = r->pid;
		ap->start_ticks = r->start_ticks;
		snprintf(ap->comm, sizeof(ap->comm), "%s", r->comm);
		*slot = ++p->nr;
	}
	return &p->v[*slot - 1];
}

/* This census's bytes per total; what belongs to no process goes to other. */
static void collect(struct agent_procs *p)
{
	const struct pt_proc *u = &p->pt.procs[PT_UNATTRIBUTED],
			     *x = proc_traffic_exited_row(&p->pt);

	for (size_t i = 0; i < p->nr; i++)
		p->v[i].tick_rx_bytes = p->v[i].tick_tx_bytes = 0;
	p->other.tick_rx_bytes = u->tick_rx_bytes + x->tick_rx_bytes;
	p->other.tick_tx_bytes = u->tick_tx_bytes + x->tick_tx_bytes;
	for (size_t i = PT_FIRST_PROC; i < p->pt.nr_procs; i++) {
		const struct pt_proc *r = &p->pt.procs[i];
		struct agent_proc *ap;

		if (!r->used || !(ap = proc_of(p, r)))
			continue;
		ap->tick_rx_bytes = r->tick_rx_bytes;
		ap->tick_tx_bytes = r->tick_tx_bytes;
		ap->seen = p->nr_census;
		ap->alive = !r->exited;
	}
}

/*
 * The eviction rule (agent.h): a total goes with its process's engine row.
 * Once the engine has folded an exited process, no byte can reach it again
 * (its sockets' bytes go to the engine's exited row, so to other).
 */
static void forget(struct agent_procs *p)
{
	size_t kept = 0;

	for (size_t i = 0; i < p->nr; i++)
		if (p->v[i].seen == p->nr_census)
			p->v[kept++] = p->v[i];
	if (kept == p->nr)
		return;
	p->nr = kept;
	/* u64map has no deletion: rebuilt, which the departures pay for. */
	u64map_reset(&p->idx);
	for (size_t i = 0; i < p->nr; i++)
		*u64map_upsert(&p->idx, proc_key(p->v[i].pid, p->v[i].start_ticks), NULL) = i + 1;
}

void agent_procs_sample(struct agent_procs *p, int err, uint64_t now_ns)
{
	/* An incomplete dump: the next census continues this engine tick. */
	if (err < 0)
		return;
	find_owners(p, now_ns);
	proc_traffic_end_tick(&p->pt, 0);
	proc_traffic_check_exited(&p->pt, proc_gone, p);
	p->nr_census++;
	collect(p);
	forget(p);
	proc_traffic_begin_tick(&p->pt);
	p->fresh = true;
}

/* ---- series ---- */

static int cmp_busy(const void *a, const void *b, void *arg)
{
	const struct agent_proc *v = arg;
	const struct agent_proc *x = &v[*(const uint32_t *)a], *y = &v[*(const uint32_t *)b];
	uint64_t tx = tick_bytes(x), ty = tick_bytes(y);
	uint64_t sx = x->rx_bytes + x->tx_bytes, sy = y->rx_bytes + y->tx_bytes;

	if (tx != ty)
		return tx > ty ? -1 : 1;
	if (sx != sy)
		return sx > sy ? -1 : 1;
	return (x->pid > y->pid) - (x->pid < y->pid);
}

/* Publishes one counter pair; a first publication is 0 (agent.h: a series is born at 0). */
static void publish(struct agent_procs *p, struct agent_proc *ap, struct series_table *st,
		    struct strbuf *sb)
{
	bool first = !ap->shown;
	uint64_t rx = ap->rx_bytes, tx = ap->tx_bytes;
	char pid[16] = "";

	ap->rx_bytes += ap->tick_rx_bytes;
	ap->tx_bytes += ap->tick_tx_bytes;
	if (!first) {
		rx = ap->rx_bytes;
		tx = ap->tx_bytes;
	}
	ap->shown = p->nr_census;
	if (ap->pid >= 0)
		snprintf(pid, sizeof(pid), "%d", ap->pid);
	strbuf_reset(sb);
	metric_labels_add(sb, "pid", pid);
	metric_labels_add(sb, "comm", ap->comm);
	series_table_set(st, &metric_families[MF_PROCESS_RX_BYTES], sb->buf, (double)rx, NULL);
	series_table_set(st, &metric_families[MF_PROCESS_TX_BYTES], sb->buf, (double)tx, NULL);
}

/* Fills p->order with the busiest first, then the idle ones shown last time; returns how many. */
static size_t choose(struct agent_procs *p, uint32_t max_procs, size_t *nr_busy)
{
	size_t n = 0, shown;

	ALLOC_GROW(p->order, p->nr, p->alloc_order);
	for (size_t i = 0; i < p->nr; i++)
		if (tick_bytes(&p->v[i]))
			p->order[n++] = (uint32_t)i;
	*nr_busy = n;
	if (n > 1)
		qsort_r(p->order, n, sizeof(*p->order), cmp_busy, p->v);
	shown = n < max_procs ? n : max_procs;
	for (size_t i = 0; i < p->nr && shown < max_procs; i++) {
		const struct agent_proc *ap = &p->v[i];

		/* Idle, alive, and shown by the previous census: keeps its slot. */
		if (!tick_bytes(ap) && ap->alive && ap->shown && ap->shown + 1 == p->nr_census)
			p->order[shown++] = (uint32_t)i;
	}
	return shown;
}

void agent_procs_emit(struct agent_procs *p, struct series_table *st, uint32_t max_procs,
		      struct strbuf *scratch)
{
	size_t nr_busy, shown;

	if (!p->fresh)
		return;
	p->fresh = false;
	shown = choose(p, max_procs, &nr_busy);
	/* The busy processes beyond the top (the order holds them past the shown ones). */
	for (size_t k = shown < nr_busy ? shown : nr_busy; k < nr_busy; k++) {
		p->other.tick_rx_bytes += p->v[p->order[k]].tick_rx_bytes;
		p->other.tick_tx_bytes += p->v[p->order[k]].tick_tx_bytes;
	}
	for (size_t k = 0; k < shown; k++)
		publish(p, &p->v[p->order[k]], st, scratch);
	if (p->other.shown || tick_bytes(&p->other))
		publish(p, &p->other, st, scratch);
}

void agent_procs_sizes(const struct agent_procs *p, struct table_sizes *ts)
{
	table_sizes_add(ts, "proc_rows", proc_traffic_nr_procs(&p->pt));
	table_sizes_add(ts, "proc_sockets", proc_traffic_nr_socks(&p->pt));
	table_sizes_add(ts, "proc_owners", p->pt.owners.nr + p->pt.owners_old.nr);
	table_sizes_add(ts, "proc_totals", p->nr);
}
