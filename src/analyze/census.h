/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The agent's socket census: one streaming pass over every socket (fed by
 * census_add(), O(1) per socket, nothing allocated per socket once the
 * tables have grown), then census_emit() turns it into series values
 * (model/metric.h) with bounded cardinality:
 *
 *   connmon_tcp_sockets{state}            every TCP state, zeros included
 *   connmon_tcp_port_sockets{port,state}  per listening port: the top
 *                                         max_ports by sockets, the rest in
 *                                         port="other"
 *   connmon_tcp_peer_sockets{addr,state}  per remote address: the top
 *                                         max_peers, the rest in addr="other"
 *   connmon_sockets{proto,family}         totals
 *   connmon_listen_queue / _backlog{port} the tracked listening ports (and
 *                                         "other": the rest summed)
 *   connmon_ephemeral_ports_used{dest}    the top max_peers destinations
 *
 * Per port and per peer the states are grouped in CENSUS_STATES columns
 * (established syn_sent syn_recv time_wait close_wait other) so the sums
 * add up: over ports (other included) they are every TCP socket that is not
 * listening; over peers, every TCP socket with a peer.  A "listening port"
 * is a local port with a TCP listener on any address; a socket counts
 * towards it by its local port.
 *
 * It embeds a sock_summary (analyze/sock_summary.h) for the totals,
 * listeners, remote and ephemeral tables and CLOSE_WAIT inodes.
 *
 * Ownership: the census owns its tables; census_begin() empties them
 * (keeping memory; a peer table that grew past 4x what the last pass needed
 * is shrunk).  census_release() frees everything.
 */
#ifndef CONNMON_ANALYZE_CENSUS_H
#define CONNMON_ANALYZE_CENSUS_H

#include <stddef.h>
#include <stdint.h>

#include "analyze/sock_summary.h"
#include "base/strbuf.h"
#include "model/metric.h"
#include "model/sock.h"

enum census_state {
	CS_ESTABLISHED,
	CS_SYN_SENT,
	CS_SYN_RECV,
	CS_TIME_WAIT,
	CS_CLOSE_WAIT,
	CS_OTHER,
	CENSUS_STATES,
};

struct census_peer {
	uint8_t family; /* 0: empty slot */
	uint8_t addr[16];
	uint32_t counts[CENSUS_STATES];
	uint64_t total;
};

struct census {
	uint32_t max_ports, max_peers;
	struct sock_summary sum;
	uint32_t (*port_counts)[CENSUS_STATES]; /* [65536] */
	uint64_t *port_total;			/* [65536] */
	uint16_t *touched;			/* ports with a non-zero row */
	uint32_t nr_touched;
	uint8_t *listening; /* [65536 / 8] bitmap */
	struct census_peer *peers;
	size_t peers_cap, nr_peers;
	uint64_t nr_sockets;
	struct strbuf labels; /* scratch */
};

void census_init(struct census *c, uint32_t max_ports, uint32_t max_peers);
void census_release(struct census *c);

/* Empties the tables for a new pass; eph_lo/eph_hi as sock_summary_init(). */
void census_begin(struct census *c, uint16_t eph_lo, uint16_t eph_hi);

/* Accounts one socket; a sock_visit_fn-compatible body. */
void census_add(struct census *c, const struct sock_entry *e);

/* The census column of a TCP state. */
enum census_state census_state_of(uint8_t sock_state);
const char *census_state_name(enum census_state s);
/* The label name of a TCP state ("time_wait"), for connmon_tcp_sockets. */
const char *census_tcp_state_name(uint8_t sock_state);

/* Writes this pass's series into t (the current tick of the table). */
void census_emit(struct census *c, struct series_table *t);

#endif
