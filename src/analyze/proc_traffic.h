/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Traffic per process (connmon procs), from either of two engines:
 *
 *   tcpinfo  no capture: each tick the caller feeds every TCP socket of a
 *            sock_diag dump with tcp_info; the table keeps, per socket
 *            cookie, the last tcpi_bytes_acked / tcpi_bytes_received seen
 *            and turns them into deltas.  Payload bytes, TCP only.
 *   capture  the caller feeds the sockets of a dump (TCP and UDP) and every
 *            captured packet; packets are matched to sockets by 5-tuple in
 *            both orientations (exact, then bound address with any peer,
 *            then wildcard address), so bytes are wire bytes, as the
 *            interface counts them.
 *
 * Bytes of a socket are given to the process that holds its inode; the
 * caller supplies that map (proc_traffic_set_owner) from /proc/PID/fd.
 * A socket's owner is remembered by cookie, so bytes a socket moves after
 * its process closed it (FIN_WAIT, or after exit) still go to that process.
 * Bytes that find no socket, or a socket no process holds, go to the
 * "unattributed" row (procs[0]), so the rows add up to what was measured.
 *
 * First sight of a cookie: on the first tick every socket is a baseline (its
 * earlier bytes predate the session and are not counted).  A cookie first
 * seen on a later tick is a socket born since the previous tick, and all its
 * bytes are counted from 0 (its counters started at 0 when it was created).
 * Sockets born and closed between two ticks are invisible to tcpinfo.
 * Sockets of a source first read after the first tick (a network namespace
 * found later) are a baseline too: the caller sets force_baseline meanwhile.
 *
 * Processes are keyed by pid.  They are never removed: a process that exits
 * keeps its totals for the session (exited set by the caller).
 *
 * Ownership: the table owns everything in it; pointers into procs are valid
 * until the next call that adds a process (set_owner, end_tick).
 * Units: bytes, nanoseconds, bytes per second.  Nothing here fails: memory
 * comes from xmalloc (aborts on OOM).
 */
#ifndef CONNMON_ANALYZE_PROC_TRAFFIC_H
#define CONNMON_ANALYZE_PROC_TRAFFIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/u64map.h"
#include "model/pkt.h"
#include "model/sock.h"

enum pt_proto {
	PT_TCP,
	PT_UDP,
	PT_NR_PROTO,
};

#define PT_COMM_LEN 32
#define PT_CMD_LEN  128

struct pt_proc {
	int32_t pid; /* -1 for the unattributed row */
	uint32_t uid;
	char comm[PT_COMM_LEN];	  /* /proc/PID/comm */
	char command[PT_CMD_LEN]; /* argv joined by spaces, truncated; "" unknown */
	bool exited;
	uint64_t tx_bytes[PT_NR_PROTO]; /* session totals */
	uint64_t rx_bytes[PT_NR_PROTO];
	uint64_t tick_tx_bytes; /* during the last tick */
	uint64_t tick_rx_bytes;
	double tx_bytes_per_s; /* rate over the last tick */
	double rx_bytes_per_s;
	uint32_t nr_sockets; /* live sockets it held at the last tick */
};

/* One socket the table follows (internal, exposed for tests). */
struct pt_sock {
	uint64_t cookie;
	uint64_t inode;
	uint64_t last_tx_bytes; /* tcpinfo: counters at the last sight */
	uint64_t last_rx_bytes;
	uint64_t pend_tx_bytes; /* this tick, not yet given to a process */
	uint64_t pend_rx_bytes;
	uint32_t proc;	       /* index into procs, 0 = not known yet */
	uint32_t gen;	       /* tick it was last seen in a dump */
	uint16_t lport, rport; /* host order, for the hot set */
	uint32_t active_gen;   /* last tick with a non-zero delta, 0 never */
	uint8_t proto;	       /* enum pt_proto */
	bool dead;	       /* not in the last dump; kept until compaction */
	bool owner_tried;      /* a rescan did not find its owner */
};

/* capture: one endpoint pair -> socket (internal). */
struct pt_tuple {
	uint8_t local[16], remote[16]; /* IPv4 in the first 4 bytes; v4-mapped made v4 */
	uint16_t lport, rport;	       /* rport 0 with a zero remote: any peer */
	uint8_t proto;
	uint8_t family;
	uint32_t sock; /* index into socks */
	uint32_t next; /* index+1 of the next tuple with the same hash, 0 ends */
};

/* Which orientation a held packet still needs: sent, received, or either one. */
enum pt_side {
	PT_SIDE_TX,
	PT_SIDE_RX,
	PT_SIDE_EITHER,
};

/* capture: bytes of a tick that matched no socket yet, by tuple and side (internal). */
struct pt_pending {
	struct pkt_info pkt; /* addresses and ports of the first packet */
	uint64_t bytes;
	uint8_t side; /* enum pt_side */
};

struct proc_traffic {
	struct pt_proc *procs; /* procs[0] is the unattributed row */
	size_t nr_procs, alloc_procs;
	struct u64map by_pid; /* pid -> index */
	struct pt_sock *socks;
	size_t nr_socks, alloc_socks, nr_dead;
	struct u64map by_cookie; /* cookie -> index+1 */
	struct u64map owners;	 /* inode -> proc index, from set_owner */
	struct pt_tuple *tuples; /* capture: rebuilt every tick */
	size_t nr_tuples, alloc_tuples;
	struct u64map by_tuple; /* tuple hash -> index+1 of the first tuple */
	struct pt_pending *pending;
	size_t nr_pending, alloc_pending;
	struct u64map by_pending; /* tuple hash and side -> index+1 */
	struct u64map wanted;	  /* inodes of unowned sockets with bytes -> 1 while unfound */
	size_t nr_wanted;	  /* of those, not found yet */
	uint8_t (*locals)[17];	  /* capture: local addresses (family, then 16 bytes) */
	size_t nr_locals, alloc_locals;
	uint32_t gen;		 /* ticks begun */
	bool settled;		 /* settle ran for this tick */
	bool no_dump;		 /* this tick has no dump: nothing died */
	bool force_baseline;	 /* caller: new cookies are a baseline (a namespace found late) */
	bool loopback;		 /* capture iface is loopback: count both ends */
	uint64_t unatt_tx_bytes; /* capture: unattributed since the last tick's end */
	uint64_t unatt_rx_bytes;
	uint64_t nr_packets; /* capture: packets accounted, session */
	uint64_t nr_unowned; /* sockets whose owner was not found, session */
};

/* pending tuples kept per tick; beyond this, unmatched packets go straight to unattributed */
#define PT_MAX_PENDING 65536

void proc_traffic_init(struct proc_traffic *pt);
void proc_traffic_release(struct proc_traffic *pt);

/* Starts a tick: call before feeding the tick's dump. */
void proc_traffic_begin_tick(struct proc_traffic *pt);
/*
 * capture: starts a tick that has no dump; the sockets and tuples of the
 * last dump stay.  Worth it while every packet finds its socket
 * (nr_pending == 0): long-lived connections need no dump per tick.
 */
void proc_traffic_begin_tick_nodump(struct proc_traffic *pt);
/*
 * Feeds one socket of the tick's dump.  TCP with tcp_info (SOCK_HAS_INFO):
 * counter deltas (tcpinfo engine; pass with_counters false in capture mode).
 * TCP and UDP: registers its tuple for packet matching.  Sockets without a
 * cookie or of other protocols are ignored.
 */
void proc_traffic_add_sock(struct proc_traffic *pt, const struct sock_entry *s, bool with_counters);
/*
 * capture: the namespace's own addresses, to tell sent from received when
 * the capture does not say (Ethernet frames carry no direction).
 */
void proc_traffic_clear_locals(struct proc_traffic *pt);
void proc_traffic_add_local(struct proc_traffic *pt, int family, const uint8_t *addr);
/* capture: accounts one packet (wire_len bytes) to a socket, or holds it until end_tick. */
void proc_traffic_packet(struct proc_traffic *pt, const struct pkt_info *p);

/*
 * After the tick's dump: matches the held packets against the new sockets,
 * looks up owners, and returns how many sockets that moved bytes this tick
 * still have no known owner (the caller then rescans /proc and calls
 * proc_traffic_set_owner, which counts them down).
 */
size_t proc_traffic_settle(struct proc_traffic *pt);
/* Unowned sockets with bytes not found yet since settle. */
size_t proc_traffic_nr_unowned(const struct proc_traffic *pt);
/* Records that pid holds socket inode; adds or renames the process.  comm/command may be NULL. */
void proc_traffic_set_owner(struct proc_traffic *pt, uint64_t inode, int32_t pid, uint32_t uid,
			    const char *comm, const char *command);
/* Drops the inode -> process map (before a full rescan); owners of known cookies stay. */
void proc_traffic_reset_owners(struct proc_traffic *pt);

/*
 * Ends the tick (settles first if the caller did not): gives every socket's bytes to its owner or
 * to the unattributed row, computes rates over interval_ns (0: no rates), forgets sockets the dump
 * no longer showed.
 */
void proc_traffic_end_tick(struct proc_traffic *pt, uint64_t interval_ns);

/* Marks a process gone; its totals stay. */
void proc_traffic_set_exited(struct proc_traffic *pt, int32_t pid);

/*
 * tcpinfo at scale: a refresh can dump only the "hot" sockets (a delta in
 * the last hot_ticks ticks) between full sweeps.  Builds inet_diag bytecode
 * (linux/inet_diag.h, INET_DIAG_REQ_BYTECODE) that accepts a socket when its
 * (local port, remote port) is one of the hot sockets': a binary decision
 * tree of port comparisons, so the kernel spends about log2(n) steps per
 * socket.  It accepts a superset (other sockets with the same port pair);
 * their deltas are exact too.  Stores a malloc'd program in *code (caller
 * frees) and its length; returns the number of hot pairs, 0 when there are
 * none (no program), or -E2BIG beyond max_pairs.  Feed the partial dump
 * after proc_traffic_begin_tick_nodump(), so unseen sockets do not die.
 */
int proc_traffic_hot_bytecode(const struct proc_traffic *pt, uint32_t hot_ticks, size_t max_pairs,
			      uint8_t **code, size_t *len);
/* Live sockets the last full dump showed. */
size_t proc_traffic_nr_live(const struct proc_traffic *pt);

/* Sum of both protocols. */
uint64_t pt_proc_tx_bytes(const struct pt_proc *p);
uint64_t pt_proc_rx_bytes(const struct pt_proc *p);

/*
 * Fills order (nr_procs - 1 slots) with the indices of the real processes
 * (never 0), busiest first (rate over the last tick, then session total,
 * then pid); returns how many.  Processes that never moved a byte are left out.
 */
size_t proc_traffic_sorted(const struct proc_traffic *pt, uint32_t *order);

#endif
