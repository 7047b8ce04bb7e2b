/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The accumulation behind `connmon summary` and the overview: one streaming
 * pass, O(1) amortised work per socket, nothing kept per socket except the
 * inodes of CLOSE_WAIT sockets (whose processes are looked up afterwards)
 * and the listening sockets (for accept-queue fill).
 *
 *   per protocol and family totals, TCP per-state counts;
 *   listeners with accept-queue fill (for LISTEN, recv_q is the current
 *   accept-queue length and send_q the backlog limit, as sock_diag reports);
 *   remote address -> connections (every inet socket that has a peer);
 *   ephemeral-port use per destination: TCP sockets whose local port lies in
 *   ip_local_port_range, grouped by (remote address, remote port), because
 *   connections to one destination can use at most hi - lo + 1 such ports;
 *   CLOSE_WAIT inodes.
 *
 * IPv4-mapped IPv6 peers (::ffff:a.b.c.d) are counted as their IPv4 address.
 *
 * Ownership: struct sock_summary owns its arrays and tables;
 * sock_summary_release() frees them.  Results of sock_summary_top() and
 * sock_summary_cw_procs() are owned by the caller (free()); comm strings in
 * the latter are borrowed from the proc_table and live as long as it does.
 */
#ifndef CONNMON_ANALYZE_SOCK_SUMMARY_H
#define CONNMON_ANALYZE_SOCK_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/proc_table.h"
#include "model/sock.h"

/* One peer (port 0 in the address-only table) and its socket count. */
struct sock_peer_count {
	uint8_t family; /* AF_INET or AF_INET6 */
	uint16_t port;	/* host order; 0 when grouping by address only */
	uint8_t addr[16];
	uint64_t count; /* 0 marks an empty slot inside the table */
};

/* Open-addressing table of peers; kept at most 70 % full. */
struct sock_peer_table {
	struct sock_peer_count *slots;
	size_t cap; /* power of two, or 0 */
	size_t nr;
};

struct sock_listener {
	uint8_t family;
	uint16_t port;
	uint8_t addr[16];
	uint32_t queue_len; /* connections waiting for accept() */
	uint32_t backlog;   /* the accept-queue limit; 0 when unknown (/proc fallback) */
	uint64_t inode;
};

struct sock_summary {
	uint16_t eph_lo, eph_hi; /* ephemeral range; eph_hi 0: not accounted */
	uint64_t nr_sockets;
	uint64_t by_proto[PROTO_MAX][2]; /* [proto][0: IPv4 or unix, 1: IPv6] */
	uint64_t nr_tcp;
	uint64_t tcp_states[SOCK_ST_MAX]; /* NEW_SYN_RECV is counted as SYN_RECV */

	struct sock_listener *listeners;
	size_t nr_listeners, alloc_listeners;

	struct sock_peer_table remotes; /* remote address -> sockets */
	struct sock_peer_table eph;	/* TCP destination addr:port -> ephemeral ports used */
	uint64_t nr_eph;		/* TCP sockets on an ephemeral local port */

	uint64_t *cw_inodes; /* CLOSE_WAIT sockets with a known inode */
	size_t nr_cw_inodes, alloc_cw_inodes;
};

/* A process holding CLOSE_WAIT sockets. */
struct sock_proc_count {
	int32_t pid;
	const char *comm; /* borrowed from the proc_table */
	uint64_t count;
};

/* eph_lo/eph_hi: ip_local_port_range, or 0/0 when unknown. */
void sock_summary_init(struct sock_summary *s, uint16_t eph_lo, uint16_t eph_hi);
void sock_summary_release(struct sock_summary *s);

/* Accounts one socket; a sock_visit_fn-compatible body (never fails). */
void sock_summary_add(struct sock_summary *s, const struct sock_entry *e);

/* Number of ports in the ephemeral range (0 when unknown). */
uint32_t sock_summary_eph_ports(const struct sock_summary *s);

/*
 * The n peers with the highest counts, best first (ties: by family, address,
 * port), in a new array (*out, free() it; NULL when none).  O(nr log n).
 * Returns how many were stored.
 */
size_t sock_summary_top(const struct sock_peer_table *t, size_t n, struct sock_peer_count **out);

/* Sorts listeners by accept-queue fill, fullest first (ties: by port). */
void sock_summary_sort_listeners(struct sock_summary *s);

/* Accept-queue fill in percent, or -1 when the backlog is unknown. */
double sock_listener_fill_pct(const struct sock_listener *l);

/*
 * Groups the CLOSE_WAIT inodes by the process holding them (a socket shared
 * by several processes counts once for each), most first.  *out is a new
 * array (free() it; NULL when none), *nr its length; *unmapped counts
 * inodes no process was found for (exited, or fds we may not read).
 */
void sock_summary_cw_procs(const struct sock_summary *s, struct proc_table *t,
			   struct sock_proc_count **out, size_t *nr, uint64_t *unmapped);

#endif
