// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The socket side of `connmon procs`: dumps of every namespace's sockets
 * (full, or only the hot ones between sweeps), namespaces found and closed
 * with --all-netns, and the owners of sockets from incremental /proc walks.
 */
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/procs.h"
#include "base/xalloc.h"

/* ---- socket owners ---- */

static void owner_found(void *arg, uint64_t inode, const struct proc_scan_owner *o)
{
	proc_traffic_set_owner(arg, inode, o->pid, o->start_ticks, o->uid, o->comm, o->cmdline);
}

static bool owners_wanted(void *arg)
{
	return proc_traffic_nr_unowned(arg) > 0;
}

static const struct proc_scan_ops owner_ops = { .sock = owner_found, .want_more = owners_wanted };

/* Some socket that moved bytes has no known owner: read /proc for it. */
void walk_owners(struct procs_run *r)
{
	if (r->scan.full_done)
		proc_scanner_walk(&r->scan, false, &owner_ops, &r->pt);
	if (proc_traffic_nr_unowned(&r->pt) &&
	    (!r->scan.full_done || r->now_ns - r->last_full_ns >= FULL_RESCAN_S * 1000000000ull)) {
		proc_traffic_reset_owners(&r->pt);
		r->last_full_ns = r->now_ns;
		proc_scanner_walk(&r->scan, true, &owner_ops, &r->pt);
	}
}

void find_owners(struct procs_run *r)
{
	if (proc_traffic_settle(&r->pt))
		walk_owners(r);
}

static bool proc_gone(void *arg, int32_t pid, uint64_t start_ticks)
{
	(void)arg;
	return proc_has_exited("/proc", pid, start_ticks);
}

/* A process that holds no socket any more may have exited: its totals stay. */
void check_exited(struct procs_run *r)
{
	proc_traffic_check_exited(&r->pt, proc_gone, NULL);
}

/* ---- namespaces and sockets ---- */

static int open_sockdiag(void *arg)
{
	return sockdiag_open(arg);
}

/* A sock_diag socket inside the namespace fd, once per namespace. */
int add_ns(struct procs_run *r, int fd, const struct netns_id *id)
{
	struct sockdiag *sd;
	int ret;

	if (r->nr_ns >= MAX_NETNS)
		return -E2BIG;
	ret = netns_call_in(fd, open_sockdiag, &sd);
	if (ret < 0)
		return ret;
	ALLOC_GROW(r->ns, r->nr_ns + 1, r->alloc_ns);
	r->ns[r->nr_ns++] = (struct ns_source){ .id = *id, .sd = sd, .seen = r->ns_gen };
	return 0;
}

static bool ns_known(void *arg, const struct netns_id *id)
{
	struct procs_run *r = arg;

	for (size_t i = 0; i < r->nr_ns; i++) {
		if (r->ns[i].id.ino == id->ino && r->ns[i].id.dev == id->dev) {
			r->ns[i].seen = r->ns_gen;
			return true;
		}
	}
	return false;
}

static void ns_found(void *arg, int fd, const struct netns_id *id)
{
	add_ns(arg, fd, id);
}

/*
 * --all-netns: the named namespaces and those of every process, each once.
 * A namespace no longer found has no name and no process left: its socket
 * would be all that keeps it alive, so it is closed (collect/netns.h).
 */
void discover_netns(struct procs_run *r)
{
	static const struct netns_visit_ops ops = { .known = ns_known, .found = ns_found };
	size_t kept = 0;

	r->ns_gen++;
	netns_discover("/proc", &ops, r);
	for (size_t i = 0; i < r->nr_ns; i++) {
		if (r->ns[i].seen != r->ns_gen) {
			sockdiag_close(r->ns[i].sd);
			continue;
		}
		r->ns[kept++] = r->ns[i];
	}
	r->nr_ns = kept;
}

struct visit_ctx {
	struct proc_traffic *pt;
	bool with_counters;
};

static int visit(const struct sock_entry *s, void *arg)
{
	const struct visit_ctx *v = arg;

	proc_traffic_add_sock(v->pt, s, v->with_counters);
	return 0;
}

/* Dumps every namespace; code (inet_diag bytecode) narrows the dump, or NULL. */
int dump_all(struct procs_run *r, const uint8_t *code, size_t len)
{
	bool capture = r->cap != NULL;
	struct sockdiag_query q = {
		.want_v4 = true,
		.want_v6 = true,
		.want_info = !capture,
		.bytecode = code,
		.bytecode_len = len,
	};
	struct visit_ctx v = { .pt = &r->pt, .with_counters = !capture };
	struct sockdiag_stats st;

	if (capture) {
		q.protos = PROTO_BIT(PROTO_TCP) | PROTO_BIT(PROTO_UDP);
		q.states = SOCK_STATES_ALL & ~SOCK_STATE_BIT(SOCK_ST_TIME_WAIT);
	} else {
		/* Sockets that can move bytes; LISTEN and TIME_WAIT carry no counters. */
		q.protos = PROTO_BIT(PROTO_TCP);
		q.states =
			SOCK_STATES_ALL &
			~(SOCK_STATE_BIT(SOCK_ST_LISTEN) | SOCK_STATE_BIT(SOCK_ST_TIME_WAIT) |
			  SOCK_STATE_BIT(SOCK_ST_SYN_RECV) | SOCK_STATE_BIT(SOCK_ST_NEW_SYN_RECV));
	}
	if (r->o.all_netns)
		discover_netns(r);
	for (size_t i = 0; i < r->nr_ns; i++) {
		int ret;

		/* A namespace found after the start: its sockets' past is not ours. */
		r->pt.force_baseline = r->nr_sweeps > 1 && !r->ns[i].swept;
		ret = sockdiag_dump(r->ns[i].sd, &q, visit, &v, &st);
		r->pt.force_baseline = false;
		if (!code && ret >= 0)
			r->ns[i].swept = true;

		if (ret < 0 && !r->o.all_netns)
			return ret;
		/* A kernel that refuses the program answers per protocol, not with ret. */
		if (code && st.proto_err[PROTO_TCP])
			return st.proto_err[PROTO_TCP];
	}
	return 0;
}

/* The namespace's addresses tell sent from received in Ethernet captures. */
static void read_locals(struct proc_traffic *pt)
{
	struct ifaddrs *ifa, *i;

	if (getifaddrs(&ifa) < 0)
		return;
	proc_traffic_clear_locals(pt);
	for (i = ifa; i; i = i->ifa_next) {
		if (!i->ifa_addr)
			continue;
		if (i->ifa_addr->sa_family == AF_INET)
			proc_traffic_add_local(
				pt, AF_INET,
				(const uint8_t *)&((struct sockaddr_in *)i->ifa_addr)->sin_addr);
		else if (i->ifa_addr->sa_family == AF_INET6)
			proc_traffic_add_local(
				pt, AF_INET6,
				(const uint8_t *)&((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr);
	}
	freeifaddrs(ifa);
}

/*
 * tcpinfo with many sockets: between full sweeps (every SWEEP_S), dump only
 * the sockets that moved bytes lately; the kernel's bytecode skips the rest
 * (docs/PERFORMANCE-procs.md).  Returns 1 when done, 0 to sweep instead.
 */
static int hot_tick(struct procs_run *r, uint64_t now)
{
	uint8_t *code;
	size_t len;
	int n, ret;

	if (r->hot_off || r->nr_sweeps < 2 || proc_traffic_nr_live(&r->pt) < HOT_MIN_SOCKETS ||
	    now - r->last_dump_ns >= SWEEP_S * 1000000000ull)
		return 0;
	n = proc_traffic_hot_bytecode(&r->pt, HOT_TICKS, HOT_MAX_PAIRS, &code, &len);
	if (n < 0)
		return 0; /* too many busy sockets: a full dump is as cheap */
	proc_traffic_begin_tick_nodump(&r->pt);
	ret = n ? dump_all(r, code, len) : 0;
	free(code);
	if (ret < 0)
		r->hot_off = true; /* the kernel refused the program: full dumps from now on */
	return ret < 0 ? 0 : 1;
}

int start_tick(struct procs_run *r)
{
	uint64_t now = r->now_ns;

	/*
	 * A capture needs a dump only to match new connections: when every
	 * packet found its socket, the last dump's table still holds.
	 */
	if (r->cap && r->last_dump_ns && !r->pt.nr_pending &&
	    now - r->last_dump_ns < REDUMP_S * 1000000000ull) {
		proc_traffic_begin_tick_nodump(&r->pt);
		return 0;
	}
	if (!r->cap && hot_tick(r, now))
		return 0;
	proc_traffic_begin_tick(&r->pt);
	if (r->cap)
		read_locals(&r->pt);
	r->last_dump_ns = now;
	r->nr_sweeps++;
	return dump_all(r, NULL, 0);
}
