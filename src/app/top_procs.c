// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The processes view of `connmon top`: nethogs in a table.  Per process the
 * sent and received rates over the last tick, the session totals and the TCP
 * connections it holds (the walk's sockets looked up in its process table,
 * so the count is what `connmon sockets -tp` shows), from the tcp_info byte counters of the sockets
 * the shared walk hands over (analyze/proc_traffic's tcpinfo engine, as `connmon procs --engine
 * tcpinfo` uses it: TCP payload bytes, no capture).
 *
 * Socket owners come from an incremental /proc walk (collect/procscan), read
 * only when a socket that moved bytes has no known owner, and in full at
 * most every FULL_RESCAN_S while one stays unknown (app/procs_dump.c does
 * the same for `connmon procs`).
 *
 * The tick's accounting ends in fill(); when the screen did not call fill()
 * for a tick (another view was shown), the next begin() ends it, so the
 * rates stay right whichever view is on screen.
 */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "analyze/proc_traffic.h"
#include "app/top_views_int.h"
#include "base/u64map.h"
#include "base/units.h"
#include "base/xalloc.h"
#include "collect/procscan.h"

#define FULL_RESCAN_NS (10 * 1000000000ull)
#define MAX_USERS      1024 /* user names cached; beyond, the cache starts over */

struct top_procs {
	struct proc_traffic pt;
	struct proc_scanner scan;
	uint64_t last_full_ns;
	uint64_t last_end_ns; /* CLOCK_MONOTONIC of the last tick ended, 0 none */
	uint64_t tick_ns;     /* of the tick begun */
	bool tick_open;	      /* begun, not ended */
	uint32_t *order;
	size_t alloc_order;
	struct proc_table *walk; /* the walk's processes, this tick (ctx->procs) */
	struct u64map conns;	 /* pid -> TCP connections the walk showed it holding */
	struct u64map uid_idx;	 /* uid -> index+1 into users */
	char (*users)[33];
	size_t nr_users, alloc_users;
};

/* ---- narrowing (top_views_int.h) ---- */

bool top_procs_narrows(enum top_ref_kind kind)
{
	return kind == TOP_REF_PROC;
}

bool top_proc_in_narrow(int32_t pid, uint64_t start_ticks, const struct top_narrow *n)
{
	if (!n || !top_procs_narrows(n->ref.kind))
		return true;
	return pid == n->ref.pid &&
	       (!n->ref.start_ticks || !start_ticks || start_ticks == n->ref.start_ticks);
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

static void find_owners(struct top_procs *p)
{
	if (!proc_traffic_settle(&p->pt))
		return;
	if (p->scan.full_done)
		proc_scanner_walk(&p->scan, false, &owner_ops, &p->pt);
	if (proc_traffic_nr_unowned(&p->pt) &&
	    (!p->scan.full_done || p->tick_ns - p->last_full_ns >= FULL_RESCAN_NS)) {
		proc_traffic_reset_owners(&p->pt);
		p->last_full_ns = p->tick_ns;
		proc_scanner_walk(&p->scan, true, &owner_ops, &p->pt);
	}
}

static bool proc_gone(void *arg, int32_t pid, uint64_t start_ticks)
{
	(void)arg;
	return proc_has_exited("/proc", pid, start_ticks);
}

/* The accounting of the tick begun: owners, deltas, rates over the time since the last end. */
static void end_tick(struct top_procs *p)
{
	uint64_t interval = p->last_end_ns ? p->tick_ns - p->last_end_ns : 0;

	if (!p->tick_open)
		return;
	p->tick_open = false;
	find_owners(p);
	proc_traffic_end_tick(&p->pt, interval);
	proc_traffic_check_exited(&p->pt, proc_gone, NULL);
	p->last_end_ns = p->tick_ns;
}

/* ---- the tick ---- */

static void *procs_open(const char *filter_text, int *err)
{
	struct top_procs *p = xcalloc(1, sizeof(*p));

	(void)filter_text; /* the walk applies it: only matching sockets reach sock() */
	*err = 0;
	proc_traffic_init(&p->pt);
	proc_scanner_init(&p->scan, "/proc");
	u64map_init(&p->uid_idx);
	u64map_init(&p->conns);
	return p;
}

static void procs_close(void *v)
{
	struct top_procs *p = v;

	if (!p)
		return;
	proc_traffic_release(&p->pt);
	proc_scanner_release(&p->scan);
	u64map_release(&p->uid_idx);
	u64map_release(&p->conns);
	free(p->order);
	free(p->users);
	free(p);
}

static void procs_begin(void *v, const struct top_ctx *ctx)
{
	struct top_procs *p = v;

	end_tick(p);
	p->tick_ns = ctx->cur->mono_ns;
	p->tick_open = true;
	p->walk = ctx->procs;
	u64map_reset(&p->conns);
	proc_traffic_begin_tick(&p->pt);
}

/* A connection for every process holding the socket (a fork shares it), each once. */
static void count_conn(struct top_procs *p, const struct sock_entry *s)
{
	const struct proc_ref *r, *q;
	bool is_new;

	if (!p->walk)
		return;
	for (r = proc_table_first(p->walk, s->inode); r; r = proc_table_next(p->walk, r)) {
		for (q = proc_table_first(p->walk, s->inode); q != r && q->pid != r->pid;
		     q = proc_table_next(p->walk, q))
			;
		if (q == r)
			(*u64map_upsert(&p->conns, (uint32_t)r->pid, &is_new))++;
	}
}

/* The sockets that can move bytes, as `connmon procs`' tcpinfo dump asks for them. */
static int procs_sock(void *v, const struct sock_entry *s)
{
	struct top_procs *p = v;
	const unsigned skip = SOCK_STATE_BIT(SOCK_ST_LISTEN) | SOCK_STATE_BIT(SOCK_ST_TIME_WAIT) |
			      SOCK_STATE_BIT(SOCK_ST_SYN_RECV) |
			      SOCK_STATE_BIT(SOCK_ST_NEW_SYN_RECV);

	if (!p->tick_open || s->proto != PROTO_TCP || !sock_is_inet(s) ||
	    (SOCK_STATE_BIT(s->state) & skip))
		return 0;
	proc_traffic_add_sock(&p->pt, s, true);
	count_conn(p, s);
	return 0;
}

/* ---- the table ---- */

enum {
	COL_PID,
	COL_USER,
	COL_PROGRAM,
	COL_SENT,
	COL_RECV,
	COL_TX,
	COL_RX,
	COL_CONNS,
	NR_COLS,
};

static const struct top_col proc_cols[NR_COLS] = {
	[COL_PID] = { "PID", 7, 5, 0, TOP_ALIGN_RIGHT, true },
	[COL_USER] = { "USER", 10, 6, 3, TOP_ALIGN_LEFT, false },
	[COL_PROGRAM] = { "PROGRAM", 40, 12, 0, TOP_ALIGN_LEFT, false },
	[COL_SENT] = { "SENT/S", 10, 9, 0, TOP_ALIGN_RIGHT, true },
	[COL_RECV] = { "RECV/S", 10, 9, 0, TOP_ALIGN_RIGHT, true },
	[COL_TX] = { "SENT", 10, 9, 1, TOP_ALIGN_RIGHT, true },
	[COL_RX] = { "RECV", 10, 9, 1, TOP_ALIGN_RIGHT, true },
	[COL_CONNS] = { "CONNS", 6, 5, 2, TOP_ALIGN_RIGHT, true },
};

static const char *user_name(struct top_procs *p, uint32_t uid)
{
	bool is_new;
	uint64_t *slot;

	if (p->nr_users >= MAX_USERS) {
		u64map_reset(&p->uid_idx);
		p->nr_users = 0;
	}
	slot = u64map_upsert(&p->uid_idx, uid, &is_new);
	if (is_new) {
		struct passwd pw, *res = NULL;
		char buf[1024];

		ALLOC_GROW(p->users, p->nr_users + 1, p->alloc_users);
		if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) == 0 && res)
			snprintf(p->users[p->nr_users], sizeof(p->users[0]), "%s", res->pw_name);
		else
			snprintf(p->users[p->nr_users], sizeof(p->users[0]), "%u", uid);
		*slot = ++p->nr_users;
	}
	return p->users[*slot - 1];
}

static void set_bytes(struct top_table *out, size_t row, size_t col, double v, enum units_kind kind)
{
	char buf[UNITS_BUF_LEN];

	top_table_set(out, row, col, units_fmt(buf, sizeof(buf), v, kind), v);
}

/*
 * The command line, else the name: argv's separators and the newlines of a
 * `sh -c` script read as spaces (the table escapes any other control byte).
 */
static void set_program(struct top_table *out, size_t row, const struct pt_proc *pp)
{
	char buf[PT_CMD_LEN + 16];
	size_t n;

	top_textf(buf, sizeof(buf), "%s%s", pp->command[0] ? pp->command : pp->comm,
		  pp->exited ? " (exited)" : "");
	n = strlen(buf);
	for (size_t i = 0; i < n; i++)
		if (buf[i] == '\n' || buf[i] == '\t' || buf[i] == '\r')
			buf[i] = ' ';
	top_table_set(out, row, COL_PROGRAM, buf, 0);
}

/* One row: a process, or (pid < 0) the unattributed or the exited-processes row. */
static void add_row(struct top_procs *p, struct top_table *out, const struct pt_proc *pp,
		    const char *what)
{
	struct top_ref ref = { .kind = pp->pid >= 0 ? TOP_REF_PROC : TOP_REF_NONE };
	size_t row;

	ref.pid = pp->pid;
	ref.start_ticks = pp->start_ticks;
	snprintf(ref.name, sizeof(ref.name), "%s", pp->comm);
	row = top_table_add(out, &ref);
	if (pp->pid >= 0) {
		top_table_setf(out, row, COL_PID, pp->pid, "%d", pp->pid);
		top_table_set(out, row, COL_USER, user_name(p, pp->uid), 0);
	}
	if (what)
		top_table_set(out, row, COL_PROGRAM, what, 0);
	else
		set_program(out, row, pp);
	set_bytes(out, row, COL_SENT, pp->tx_bytes_per_s, UNITS_BYTES_PER_S);
	set_bytes(out, row, COL_RECV, pp->rx_bytes_per_s, UNITS_BYTES_PER_S);
	set_bytes(out, row, COL_TX, (double)pt_proc_tx_bytes(pp), UNITS_BYTES);
	set_bytes(out, row, COL_RX, (double)pt_proc_rx_bytes(pp), UNITS_BYTES);
	if (pp->pid >= 0) {
		const uint64_t *nr = u64map_get(&p->conns, (uint32_t)pp->pid);
		unsigned conns = nr ? (unsigned)*nr : 0;

		top_table_setf(out, row, COL_CONNS, conns, "%u", conns);
	}
}

static bool has_bytes(const struct pt_proc *pp)
{
	return pt_proc_tx_bytes(pp) || pt_proc_rx_bytes(pp);
}

static int procs_fill(void *v, const struct top_ctx *ctx, const struct top_narrow *n,
		      struct top_table *out)
{
	struct top_procs *p = v;
	const struct pt_proc *x;
	double tx = 0, rx = 0;
	size_t nr, shown = 0;
	bool narrowed = n && top_procs_narrows(n->ref.kind);
	char a[UNITS_BUF_LEN], b[UNITS_BUF_LEN];

	if (ctx->frame)
		return top_agent_fill_procs(ctx, out);

	(void)ctx;
	end_tick(p);
	top_table_reset(out, proc_cols, NR_COLS);
	ALLOC_GROW(p->order, p->pt.nr_procs, p->alloc_order);
	nr = proc_traffic_sorted(&p->pt, p->order);
	for (size_t i = 0; i < nr; i++) {
		const struct pt_proc *pp = &p->pt.procs[p->order[i]];

		tx += pp->tx_bytes_per_s;
		rx += pp->rx_bytes_per_s;
		if (!top_proc_in_narrow(pp->pid, pp->start_ticks, n))
			continue;
		add_row(p, out, pp, NULL);
		shown++;
	}
	x = proc_traffic_exited_row(&p->pt);
	if (!narrowed && has_bytes(x))
		add_row(p, out, x, "(exited processes)");
	x = &p->pt.procs[PT_UNATTRIBUTED];
	if (!narrowed && has_bytes(x))
		add_row(p, out, x, "(unattributed)");
	snprintf(out->title, sizeof(out->title), "processes: %zu moving TCP bytes%s%s%s", shown,
		 narrowed ? " (" : "", narrowed ? n->label : "", narrowed ? ")" : "");
	snprintf(out->summary, sizeof(out->summary),
		 "all processes: sent %s  recv %s  (tcp_info counters: TCP payload bytes)",
		 units_fmt(a, sizeof(a), tx, UNITS_BYTES_PER_S),
		 units_fmt(b, sizeof(b), rx, UNITS_BYTES_PER_S));
	return 0;
}

static bool procs_drill(void *v, const struct top_ref *row, const char **to_view,
			struct top_narrow *out)
{
	(void)v;
	if (row->kind != TOP_REF_PROC)
		return false;
	memset(out, 0, sizeof(*out));
	out->ref = *row;
	snprintf(out->label, sizeof(out->label), "pid %d (%s)", row->pid, row->name);
	*to_view = "sockets";
	return true;
}

const struct top_view_ops top_procs_view = {
	.name = "procs",
	.title = "Processes",
	.hotkey = '4',
	.open = procs_open,
	.close = procs_close,
	.begin = procs_begin,
	.sock = procs_sock,
	.fill = procs_fill,
	.drill = procs_drill,
};
