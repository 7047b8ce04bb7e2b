// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The agent's per-process traffic series (agent.h has the contract): the
 * census's dump feeds a compact cookie table (analyze/sock_bytes.h), and
 * this file gives the bytes to processes and turns them into bounded,
 * monotonic counters.
 *
 * Why not the tcpinfo engine of `connmon procs` (analyze/proc_traffic.h):
 * it keeps about 90 bytes a socket plus maps by cookie and by inode, some
 * 75 MiB at 200,000 sockets, for a capture engine and per-socket state the
 * agent has no use for.  Here a socket costs a 32-byte slot, and the inode
 * is looked at only for sockets that moved bytes with no owner yet.
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
 * A census whose dump failed is not ended: the next census's dump
 * continues it (same cookie table census, same accumulating bytes), so no
 * socket looks born twice and no byte counts twice.
 *
 * Owners by inode only for the sockets that moved bytes: a socket that was
 * idle when a walk read its process, and busy later while that process's
 * descriptors did not change, is found only by the next full walk (at most
 * AGENT_PROCS_FULL_RESCAN_S later; its bytes meanwhile count in other).
 * Remembering every socket's inode to avoid that would cost what the
 * compact table saves.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/agent.h"
#include "base/xalloc.h"

#define NS_PER_S 1000000000ull

/* Pids stay below 2^22 (PID_MAX_LIMIT), so (pid, start time) packs into one exact key. */
#define PID_BITS 22

/* Owner values in the cookie table: none yet, a process gone, else index + OWNER_FIRST. */
#define OWNER_NONE  0u
#define OWNER_GONE  1u
#define OWNER_FIRST 2u

/* A want list longer than this is given back after its census. */
#define WANT_KEEP 4096

static uint64_t proc_key(int32_t pid, uint64_t start_ticks)
{
	return start_ticks << PID_BITS | ((uint64_t)(uint32_t)pid & ((1u << PID_BITS) - 1));
}

void agent_procs_init(struct agent_procs *p, const char *proc_root)
{
	memset(p, 0, sizeof(*p));
	sock_bytes_init(&p->socks);
	proc_scanner_init(&p->scan, proc_root);
	u64map_init(&p->idx);
	p->other.pid = -1;
	snprintf(p->other.comm, sizeof(p->other.comm), "other");
}

void agent_procs_release(struct agent_procs *p)
{
	sock_bytes_release(&p->socks);
	proc_scanner_release(&p->scan);
	u64map_release(&p->idx);
	free(p->v);
	free(p->want);
	free(p->order);
	memset(p, 0, sizeof(*p));
}

static bool has_byte_counters(const struct sock_entry *e)
{
	return (e->has & SOCK_HAS_INFO) &&
	       e->tcpi_len >= offsetof(struct tcp_info, tcpi_bytes_received) +
				      sizeof(e->tcpi.tcpi_bytes_received);
}

static void add_bytes(struct agent_proc *ap, uint64_t tx_bytes, uint64_t rx_bytes)
{
	ap->acc_tx_bytes += tx_bytes;
	ap->acc_rx_bytes += rx_bytes;
}

void agent_procs_add_sock(struct agent_procs *p, const struct sock_entry *e)
{
	struct sock_bytes_slot *s;
	uint64_t dtx, drx;

	/* LISTEN, SYN_RECV and TIME_WAIT carry no byte counters: not worth a slot. */
	if (e->proto != PROTO_TCP || !has_byte_counters(e) || !e->cookie ||
	    e->state == SOCK_ST_LISTEN || e->state == SOCK_ST_SYN_RECV ||
	    e->state == SOCK_ST_NEW_SYN_RECV || e->state == SOCK_ST_TIME_WAIT)
		return;
	s = sock_bytes_update(&p->socks, e->cookie, e->tcpi.tcpi_bytes_acked,
			      e->tcpi.tcpi_bytes_received, &dtx, &drx);
	if (!dtx && !drx)
		return;
	if (s->owner >= OWNER_FIRST) {
		add_bytes(&p->v[s->owner - OWNER_FIRST], dtx, drx);
	} else if (s->owner == OWNER_GONE || !e->inode) {
		/* A gone process's socket, or an orphan never owned: nobody to look for. */
		add_bytes(&p->other, dtx, drx);
	} else {
		ALLOC_GROW(p->want, p->nr_want + 1, p->alloc_want);
		p->want[p->nr_want++] = (struct agent_want){
			.inode = e->inode, .cookie = e->cookie, .tx_bytes = dtx, .rx_bytes = drx
		};
	}
}

/* ---- owners ---- */

/* The total of (pid, start time), made when new (comm: the one seen now). */
static uint32_t proc_index(struct agent_procs *p, const struct proc_scan_owner *o)
{
	bool is_new = false;
	uint64_t *slot = u64map_upsert(&p->idx, proc_key(o->pid, o->start_ticks), &is_new);
	struct agent_proc *ap;

	if (is_new) {
		ALLOC_GROW(p->v, p->nr + 1, p->alloc);
		ap = &p->v[p->nr];
		memset(ap, 0, sizeof(*ap));
		ap->pid = o->pid;
		ap->start_ticks = o->start_ticks;
		snprintf(ap->comm, sizeof(ap->comm), "%s", o->comm ? o->comm : "");
		*slot = ++p->nr;
	}
	ap = &p->v[*slot - 1];
	/* Holding a socket now: alive after all (a zombie's thread group, say). */
	ap->alive = true;
	return (uint32_t)(*slot - 1);
}

static int cmp_want(const void *a, const void *b)
{
	uint64_t x = ((const struct agent_want *)a)->inode,
		 y = ((const struct agent_want *)b)->inode;

	return (x > y) - (x < y);
}

/* The first want entry with inode (the list is sorted by inode), or nr_want. */
static size_t want_find(const struct agent_procs *p, uint64_t inode)
{
	size_t lo = 0, hi = p->nr_want;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (p->want[mid].inode < inode)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void owner_found(void *arg, uint64_t inode, const struct proc_scan_owner *o)
{
	struct agent_procs *p = arg;

	/* A failed census may have listed a socket twice: every entry of the inode. */
	for (size_t i = want_find(p, inode); i < p->nr_want && p->want[i].inode == inode; i++) {
		struct agent_want *w = &p->want[i];
		struct sock_bytes_slot *s;
		uint32_t k;

		if (!w->cookie)
			continue;
		k = proc_index(p, o);
		add_bytes(&p->v[k], w->tx_bytes, w->rx_bytes);
		s = sock_bytes_find(&p->socks, w->cookie);
		if (s)
			s->owner = k + OWNER_FIRST;
		w->cookie = 0;
		p->nr_want_left--;
	}
}

static bool owners_wanted(void *arg)
{
	const struct agent_procs *p = arg;

	return p->nr_want_left > 0;
}

static const struct proc_scan_ops owner_ops = { .sock = owner_found, .want_more = owners_wanted };

/* As `connmon procs` does (procs_dump.c): new processes first, everything rarely. */
static void find_owners(struct agent_procs *p, uint64_t now_ns)
{
	if (!p->nr_want)
		return;
	qsort(p->want, p->nr_want, sizeof(*p->want), cmp_want);
	p->nr_want_left = p->nr_want;
	if (p->scan.full_done)
		proc_scanner_walk(&p->scan, false, &owner_ops, p);
	if (p->nr_want_left && (!p->scan.full_done ||
				now_ns - p->last_full_ns >= AGENT_PROCS_FULL_RESCAN_S * NS_PER_S)) {
		p->last_full_ns = now_ns;
		proc_scanner_walk(&p->scan, true, &owner_ops, p);
	}
	/* Not found: their bytes are other's, and the next census asks again. */
	for (size_t i = 0; i < p->nr_want; i++) {
		if (!p->want[i].cookie)
			continue;
		add_bytes(&p->other, p->want[i].tx_bytes, p->want[i].rx_bytes);
		p->nr_unowned++;
	}
	p->nr_want = p->nr_want_left = 0;
	if (p->alloc_want > WANT_KEEP) {
		free(p->want);
		p->want = NULL;
		p->alloc_want = 0;
	}
}

/* ---- totals ---- */

static uint64_t tick_bytes(const struct agent_proc *ap)
{
	return ap->tick_rx_bytes + ap->tick_tx_bytes;
}

/* Live processes that exited are marked; each one's exit is asked once a census. */
static size_t check_exits(struct agent_procs *p)
{
	size_t nr_exited = 0;

	for (size_t i = 0; i < p->nr; i++) {
		struct agent_proc *ap = &p->v[i];

		if (ap->alive && proc_has_exited(p->scan.proc_root, ap->pid, ap->start_ticks)) {
			ap->alive = false;
			ap->exit_census = p->nr_census;
		}
		nr_exited += !ap->alive;
	}
	return nr_exited;
}

static int cmp_exit(const void *a, const void *b, void *arg)
{
	const struct agent_proc *v = arg;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	if (v[x].exit_census != v[y].exit_census)
		return v[x].exit_census < v[y].exit_census ? -1 : 1;
	return (x > y) - (x < y);
}

/* Marks the totals the eviction rule (agent.h) removes now; returns how many. */
static size_t doom(struct agent_procs *p, size_t nr_exited)
{
	size_t nr = 0, n = 0;

	for (size_t i = 0; i < p->nr; i++) {
		struct agent_proc *ap = &p->v[i];

		ap->doomed =
			!ap->alive && p->nr_census - ap->exit_census >= AGENT_PROCS_EXITED_CENSUSES;
		nr += ap->doomed;
	}
	if (nr_exited - nr <= AGENT_PROCS_MAX_EXITED)
		return nr;
	/* Too many exits at once: the earliest go first (order is free scratch here). */
	ALLOC_GROW(p->order, p->nr, p->alloc_order);
	for (size_t i = 0; i < p->nr; i++)
		if (!p->v[i].alive && !p->v[i].doomed)
			p->order[n++] = (uint32_t)i;
	qsort_r(p->order, n, sizeof(*p->order), cmp_exit, p->v);
	for (size_t k = 0; k + AGENT_PROCS_MAX_EXITED < n; k++, nr++)
		p->v[p->order[k]].doomed = true;
	return nr;
}

/*
 * The eviction rule (agent.h).  What an evicted total gathered in this
 * census goes to other; its sockets' owner becomes OWNER_GONE, so their
 * later bytes go there too without a /proc walk.
 */
static void forget(struct agent_procs *p, size_t nr_exited)
{
	size_t kept = 0;
	uint32_t *map;

	if (!doom(p, nr_exited))
		return;
	map = xreallocarray(NULL, p->nr + OWNER_FIRST, sizeof(*map));
	map[OWNER_NONE] = OWNER_NONE;
	map[OWNER_GONE] = OWNER_GONE;
	for (size_t i = 0; i < p->nr; i++) {
		if (p->v[i].doomed) {
			add_bytes(&p->other, p->v[i].acc_tx_bytes, p->v[i].acc_rx_bytes);
			map[i + OWNER_FIRST] = OWNER_GONE;
			continue;
		}
		map[i + OWNER_FIRST] = (uint32_t)kept + OWNER_FIRST;
		p->v[kept++] = p->v[i];
	}
	sock_bytes_remap_owners(&p->socks, map, p->nr + OWNER_FIRST);
	free(map);
	p->nr = kept;
	/* u64map has no deletion: rebuilt, which the departures pay for. */
	u64map_reset(&p->idx);
	for (size_t i = 0; i < p->nr; i++)
		*u64map_upsert(&p->idx, proc_key(p->v[i].pid, p->v[i].start_ticks), NULL) = i + 1;
}

/* The census's bytes become the ones emit publishes. */
static void roll(struct agent_proc *ap)
{
	ap->tick_rx_bytes = ap->acc_rx_bytes;
	ap->tick_tx_bytes = ap->acc_tx_bytes;
	ap->acc_rx_bytes = ap->acc_tx_bytes = 0;
}

void agent_procs_sample(struct agent_procs *p, int err, uint64_t now_ns)
{
	/* An incomplete dump: the next census continues this one. */
	if (err < 0)
		return;
	find_owners(p, now_ns);
	sock_bytes_end_census(&p->socks);
	p->nr_census++;
	forget(p, check_exits(p));
	for (size_t i = 0; i < p->nr; i++)
		roll(&p->v[i]);
	roll(&p->other);
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
	table_sizes_add(ts, "proc_sockets", p->socks.nr);
	table_sizes_add(ts, "proc_socket_slots", p->socks.cap);
	table_sizes_add(ts, "proc_totals", p->nr);
}
