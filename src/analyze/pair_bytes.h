/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * TCP payload per host pair (local address, remote address) over each
 * census interval, for the big_flow rule: from the census's per-socket
 * tcp_info counters (bytes_acked sent, bytes_received), turned into deltas
 * by a cookie table of its own (analyze/sock_bytes: 32 bytes a socket,
 * evicted at each census end), summed per pair, divided by the interval.
 *
 * Use, per census: pair_bytes_add_sock() for every socket of the dump (it
 * keeps TCP sockets with byte counters), then pair_bytes_end_census(now);
 * pair_bytes_pairs() then has the pairs above the floor, fastest first, at
 * most PAIR_BYTES_MAX_OUT.  A caller that already has per-socket deltas
 * (the agent's agent_procs does) may feed pair_bytes_add() instead; then
 * it must not feed the same sockets to add_sock too.
 * The first census is a baseline: no pairs (its interval is unknown), as
 * sock_bytes counts nothing before it.
 *
 * IPv4-mapped IPv6 pairs (dual-stack sockets) are counted as the IPv4 pair.
 * The interface of a pair is the one holding its local address, from the
 * table given to pair_bytes_set_ifaces() (collect/fdcount's
 * fdcount_iface_addrs); "" when unknown (no table, or a local address on
 * no interface, e.g. a socket in another namespace).
 *
 * Bounds: the pair table holds the pairs of one census only (emptied at
 * each end).  Ownership: everything is the struct's; the output array is
 * valid until the next pair_bytes_* call.
 */
#ifndef CONNMON_ANALYZE_PAIR_BYTES_H
#define CONNMON_ANALYZE_PAIR_BYTES_H

#include <stddef.h>
#include <stdint.h>

#include "analyze/rule_facts.h"
#include "analyze/sock_bytes.h"
#include "base/u64map.h"
#include "model/addr_iface.h"
#include "model/sock.h"

#define PAIR_BYTES_MAX_OUT	 64
#define PAIR_BYTES_DEFAULT_FLOOR 1e6 /* bytes a second: 1 MB/s */

struct pair_acc;

struct pair_bytes {
	struct sock_bytes socks;
	struct u64map idx; /* hash of the pair -> index + 1 into acc */
	struct pair_acc *acc;
	size_t nr_acc, alloc_acc;
	struct addr_iface *ifaces;
	size_t nr_ifaces;
	double floor_bytes_per_s;
	int64_t last_end_ms; /* 0 before the first census end */
	struct rule_pair out[PAIR_BYTES_MAX_OUT];
	size_t nr_out;
};

/* floor_bytes_per_s: pairs slower are not reported (0: the default). */
void pair_bytes_init(struct pair_bytes *pb, double floor_bytes_per_s);
void pair_bytes_release(struct pair_bytes *pb);
/* The address -> interface table (copied); replaces the previous one. */
void pair_bytes_set_ifaces(struct pair_bytes *pb, const struct addr_iface *v, size_t nr);
/* One census socket (any kind: only TCP with tcp_info byte counters counts). */
void pair_bytes_add_sock(struct pair_bytes *pb, const struct sock_entry *e);
/* bytes (both directions) between local and remote (16 bytes each) this census. */
void pair_bytes_add(struct pair_bytes *pb, int family, const uint8_t *local, const uint8_t *remote,
		    uint64_t bytes);
/* Ends the census at now_ms: computes the rates; returns the number of pairs reported. */
size_t pair_bytes_end_census(struct pair_bytes *pb, int64_t now_ms);
const struct rule_pair *pair_bytes_pairs(const struct pair_bytes *pb, size_t *nr);

#endif
