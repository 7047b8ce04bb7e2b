// SPDX-License-Identifier: GPL-2.0-or-later
#include "app/sock_walk.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/xalloc.h"
#include "collect/limits.h"
#include "collect/procmap.h"
#include "collect/procnet.h"
#include "collect/sockdiag_filter.h"

static bool has_net_admin(void)
{
	uint64_t eff;

	return limits_read_cap_eff("/proc", &eff) == 0 &&
	       limits_has_cap(eff, 12 /* CAP_NET_ADMIN */);
}

/* The kernel shows socket marks to CAP_NET_ADMIN only: a fwmark filter would match nothing. */
static int check_mark_filter(const struct sock_opts *o)
{
	struct sockdiag_bytecode bc = { 0 };
	bool needs;

	if (o->filter.root < 0 || sockdiag_filter_compile(&o->filter, AF_INET, &bc) < 0)
		return 0;
	needs = bc.needs_net_admin;
	sockdiag_bytecode_release(&bc);
	if (!needs || has_net_admin())
		return 0;
	fprintf(stderr,
		"connmon: fwmark filters need CAP_NET_ADMIN (the kernel shows socket "
		"marks only to it): %s\n",
		strerror(EPERM));
	return -EPERM;
}

int sock_walk_open(struct sock_walk *w, const struct sock_opts *o)
{
	int ret;

	memset(w, 0, sizeof(*w));
	w->opts = o;
	proc_table_init(&w->procs);
	ret = check_mark_filter(o);
	if (ret < 0)
		return ret;
	if (o->procfs) /* asked for: no warning */
		return 0;
	ret = sockdiag_open(&w->sd);
	if (ret < 0) {
		w->sd = NULL;
		fprintf(stderr,
			"connmon: sock_diag netlink unavailable (%s); reading /proc/net instead, without cookies, memory and most TCP internals\n",
			strerror(-ret));
		w->fallback_warned = true;
	}
	return 0;
}

void sock_walk_close(struct sock_walk *w)
{
	if (w->sd)
		sockdiag_close(w->sd);
	proc_table_release(&w->procs);
	if (w->scanner) {
		proc_scanner_release(w->scanner);
		free(w->scanner);
		w->scanner = NULL;
	}
	w->sd = NULL;
}

struct walk_ctx {
	struct sock_walk *w;
	sock_visit_fn visit;
	void *arg;
	bool exact; /* the kernel's bytecode decided for inet sockets */
};

static int filtered_visit(const struct sock_entry *s, void *arg)
{
	struct walk_ctx *c = arg;
	const struct filter *f = &c->w->opts->filter;

	if (!(c->w->opts->states & SOCK_STATE_BIT(s->state)))
		return 0;
	if (f->root >= 0 && !(c->exact && sock_is_inet(s)) && !filter_match_expr(f, s))
		return 0;
	return c->visit(s, c->arg);
}

static void owner_add(void *arg, uint64_t inode, const struct proc_scan_owner *o)
{
	struct proc_table *t = arg;

	/* A process read again (its descriptors changed) is already there for its old sockets. */
	for (const struct proc_ref *r = proc_table_first(t, inode); r; r = proc_table_next(t, r))
		if (r->pid == o->pid)
			return;
	proc_table_add(t, inode, o->pid, -1, proc_table_add_comm(t, o->comm));
}

static const struct proc_scan_ops owner_add_ops = { .sock = owner_add };

/* The incremental map: a full walk every SOCK_WALK_FULL_PROCS_NS, a partial one otherwise. */
static int scan_procs_incremental(struct sock_walk *w)
{
	struct timespec ts;
	uint64_t now_ns;
	bool full;
	int ret;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	if (!w->scanner) {
		w->scanner = xcalloc(1, sizeof(*w->scanner));
		proc_scanner_init(w->scanner, "/proc");
	}
	full = !w->scanner->full_done || now_ns - w->last_full_ns >= SOCK_WALK_FULL_PROCS_NS;
	if (full)
		proc_table_reset(&w->procs);
	ret = proc_scanner_walk(w->scanner, full, &owner_add_ops, &w->procs);
	if (ret < 0)
		return ret;
	if (full) {
		w->last_full_ns = now_ns;
		w->procs.nr_procs_denied = w->scanner->nr_denied;
	}
	return 0;
}

static void scan_procs(struct sock_walk *w)
{
	int ret;

	if (w->incremental_procs) {
		ret = scan_procs_incremental(w);
	} else {
		proc_table_reset(&w->procs);
		ret = procmap_scan(&w->procs, "/proc");
	}
	if (ret < 0) {
		if (!w->procs_warned)
			fprintf(stderr, "connmon: cannot read /proc: %s; no process names\n",
				strerror(-ret));
		w->procs_warned = true;
		return;
	}
	if (w->procs.nr_procs_denied && !w->procs_warned) {
		fprintf(stderr,
			"connmon: %zu %s hidden (%s descriptors may not be read); CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH would show %s (root has both unless they were dropped)\n",
			w->procs.nr_procs_denied,
			w->procs.nr_procs_denied == 1 ? "process is" : "processes are",
			w->procs.nr_procs_denied == 1 ? "its" : "their",
			w->procs.nr_procs_denied == 1 ? "it" : "them");
		w->procs_warned = true;
	}
}

/*
 * A kernel without one diag module (raw_diag is often missing) answers that
 * protocol with -ENOENT; ss then reads /proc/net for it, and so do we.
 */
static int fallback_protos(struct sock_walk *w, const struct sockdiag_query *q, struct walk_ctx *c)
{
	struct sockdiag_query pq = *q;
	struct sockdiag_stats st = { 0 };

	pq.protos = 0;
	pq.bytecode = pq.bytecode6 = NULL;
	for (int p = 0; p < PROTO_MAX; p++)
		if (q->protos & PROTO_BIT(p) && w->stats.proto_err[p])
			pq.protos |= PROTO_BIT(p);
	if (!pq.protos)
		return 0;
	c->exact = false;
	return procnet_dump("/proc", &pq, filtered_visit, c, &st);
}

/* Says once per run when the kernel's answer was not the whole truth. */
static void warn_dump(struct sock_walk *w)
{
	if (w->stats.interrupted && !w->dump_warned)
		fprintf(stderr,
			"connmon: sockets changed while the kernel dumped them (NLM_F_DUMP_INTR); the list may miss or repeat a few\n");
	if (w->stats.nr_bad && !w->dump_warned)
		fprintf(stderr,
			"connmon: skipped %llu malformed netlink messages from the kernel\n",
			(unsigned long long)w->stats.nr_bad);
	w->dump_warned |= w->stats.interrupted || w->stats.nr_bad;
}

int sock_walk_run(struct sock_walk *w, sock_visit_fn visit, void *arg)
{
	const struct sock_opts *o = w->opts;
	struct sockdiag_bytecode bc = { 0 }, bc6 = { 0 };
	struct sockdiag_query q = {
		.protos = o->protos,
		.want_v4 = o->want_v4,
		.want_v6 = o->want_v6,
		.states = o->states,
		.want_info = o->info,
		.want_mem = o->memory,
		.inline_recv = w->small,
	};
	struct walk_ctx c = { .w = w, .visit = visit, .arg = arg };
	int ret;

	if (o->processes || w->want_procs)
		scan_procs(w);
	memset(&w->stats, 0, sizeof(w->stats));
	if (!w->sd) {
		ret = procnet_dump("/proc", &q, filtered_visit, &c, &w->stats);
		if (ret < 0 && ret != -EPIPE)
			fprintf(stderr, "connmon: cannot read /proc/net: %s\n", strerror(-ret));
		return ret;
	}
	/* One program per family: a host condition of the other family is simply false. */
	/* sockdiag reuses bytecode for v6 when bytecode6 is NULL, so pass both or none. */
	if (o->filter.root >= 0 && !sockdiag_filter_compile(&o->filter, AF_INET, &bc) &&
	    !sockdiag_filter_compile(&o->filter, AF_INET6, &bc6) && bc.code && bc6.code) {
		q.bytecode = bc.code;
		q.bytecode_len = bc.len;
		q.bytecode6 = bc6.code;
		q.bytecode6_len = bc6.len;
		c.exact = bc.exact && bc6.exact;
	}
	ret = sockdiag_dump(w->sd, &q, filtered_visit, &c, &w->stats);
	if (!ret)
		ret = fallback_protos(w, &q, &c);
	warn_dump(w);
	if (ret < 0 && ret != -EPIPE)
		fprintf(stderr, "connmon: socket dump failed: %s\n", strerror(-ret));
	sockdiag_bytecode_release(&bc);
	sockdiag_bytecode_release(&bc6);
	return ret;
}
