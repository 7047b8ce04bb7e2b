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
 * Processes are keyed by (pid, start time): set_owner() with a pid the
 * table knows under another start time is a new process (the pid was
 * reused), and the old one has exited.
 *
 * Capture, packets before their socket is known: a packet that matches no
 * socket is held, by tuple, until the end of the tick; every dump of the
 * tick (the first, and any taken on proc_traffic_wants_dump()) matches the
 * held packets again.  Tuples stay matchable across dumps: a socket that a
 * dump no longer shows keeps its tuple for PT_GRACE_TICKS more ticks, so the
 * last packets of a connection that closed (or whose process exited) still
 * find it.  Where several sockets share a tuple, the one seen most recently
 * wins.
 *
 * Eviction (every table stays bounded at a constant workload):
 * - processes: an exited process stays a row, marked exited, for
 *   PT_EXITED_TICKS ticks after its exit was seen, then folds into the
 *   "exited processes" row (procs[1]): its totals add to that row's, later
 *   bytes of its sockets go there too, and its slot is reused.  At most
 *   PT_MAX_EXITED exited rows exist at once; beyond that the earliest exits
 *   fold first.  A process that never moved a byte leaves no row when it
 *   exits.  So the rows are the live processes that a walk of /proc found
 *   holding a socket, plus at most PT_MAX_EXITED, and the totals of all rows
 *   still add up to what was measured.
 * - sockets: a socket no dump shows is dropped once its grace is over and its
 *   bytes were given (in batches, when at least PT_COMPACT_MIN of them wait);
 *   its tuple goes with it.
 * - held packets: until the end of the tick; at most PT_MAX_PENDING tuples.
 * - socket inode -> process (set_owner): an entry is kept for the next full
 *   dump, which gives the owner to the socket itself (kept by cookie), then
 *   dropped: it lives between one and two full dumps.
 * The sizes are readable (proc_traffic_nr_procs, _nr_socks, _nr_tuples,
 * _nr_pending) for soak tests.
 *
 * Ownership: the table owns everything in it; pointers into procs are valid
 * until the next call that adds a process (set_owner, end_tick).  Slots of
 * procs with used false are free.
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
	int32_t pid; /* -1 for the unattributed and the exited-processes rows */
	uint32_t uid;
	uint64_t start_ticks;	  /* with pid, names the process: /proc/PID/stat field 22 */
	char comm[PT_COMM_LEN];	  /* /proc/PID/comm */
	char command[PT_CMD_LEN]; /* argv joined by spaces, truncated; "" unknown */
	bool exited;
	bool used;			/* false: a free slot */
	uint32_t exit_gen;		/* tick in which its exit was seen */
	uint32_t serial;		/* changes when the slot is freed: stale references miss */
	uint64_t tx_bytes[PT_NR_PROTO]; /* session totals */
	uint64_t rx_bytes[PT_NR_PROTO];
	uint64_t tick_tx_bytes; /* during the last tick */
	uint64_t tick_rx_bytes;
	double tx_bytes_per_s; /* rate over the last tick */
	double rx_bytes_per_s;
	uint32_t nr_sockets; /* live sockets it held at the last tick */
};

/* The two rows that are not processes: procs[PT_UNATTRIBUTED], procs[PT_EXITED]. */
enum {
	PT_UNATTRIBUTED = 0,
	PT_EXITED = 1,
	PT_FIRST_PROC = 2,
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
	uint32_t proc_serial;  /* procs[proc].serial when proc was set */
	uint32_t gen;	       /* tick it was last seen in a dump */
	uint32_t seen;	       /* dump it was last seen in (dump_seq) */
	uint32_t dead_gen;     /* tick at whose end a dump no longer showed it */
	uint32_t tuple;	       /* capture: index+1 of its tuple, 0 none */
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
	uint32_t sock;	 /* index into socks */
	uint64_t cookie; /* of that socket: finds it again after compaction */
	uint32_t next;	 /* index+1 of the next tuple with the same hash, 0 ends */
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
	struct pt_proc *procs;	      /* procs[0] unattributed, procs[1] exited processes */
	size_t nr_procs, alloc_procs; /* slots, free ones included */
	uint32_t *free_procs;	      /* free slots, reused first */
	size_t nr_free, alloc_free;
	struct u64map by_pid; /* pid -> slot of the latest process with it (checked on use) */
	uint64_t nr_folded;   /* processes whose totals the exited row holds */
	struct pt_sock *socks;
	size_t nr_socks, alloc_socks, nr_dead;
	struct u64map by_cookie;  /* cookie -> index+1 */
	struct u64map owners;	  /* inode -> slot | serial << 32, from set_owner */
	struct u64map owners_old; /* the same, from before the last full dump */
	struct pt_tuple *tuples;  /* capture: kept across dumps */
	size_t nr_tuples, alloc_tuples, nr_stale_tuples;
	struct u64map by_tuple; /* tuple hash -> index+1 of the first tuple */
	struct pt_pending *pending;
	size_t nr_pending, alloc_pending;
	size_t nr_pending_new;	  /* held tuples new since the last dump */
	struct u64map by_pending; /* tuple hash and side -> index+1 */
	struct u64map wanted;	  /* inodes of unowned sockets with bytes -> 1 while unfound */
	size_t nr_wanted;	  /* of those, not found yet */
	uint8_t (*locals)[17];	  /* capture: local addresses (family, then 16 bytes) */
	size_t nr_locals, alloc_locals;
	uint32_t gen;		 /* ticks begun */
	uint32_t dump_seq;	 /* dumps begun */
	bool settled;		 /* settle ran for this tick */
	bool no_dump;		 /* this tick has no full dump (yet): nothing died */
	bool force_baseline;	 /* caller: new cookies are a baseline (a namespace found late) */
	bool loopback;		 /* capture iface is loopback: count both ends */
	uint64_t unatt_tx_bytes; /* capture: unattributed since the last tick's end */
	uint64_t unatt_rx_bytes;
	uint64_t nr_packets; /* capture: packets accounted, session */
	uint64_t nr_unowned; /* sockets whose owner was not found, session */
};

/* pending tuples kept per tick; beyond this, unmatched packets go straight to unattributed */
#define PT_MAX_PENDING 65536
/* ticks a socket's tuple stays matchable after a dump stopped showing it */
#define PT_GRACE_TICKS 2
/* ticks an exited process stays a row of its own */
#define PT_EXITED_TICKS 10
/* exited processes shown as rows at once */
#define PT_MAX_EXITED 64
/* dead sockets are compacted away in batches of at least this many (and half the table) */
#define PT_COMPACT_MIN 1024

void proc_traffic_init(struct proc_traffic *pt);
void proc_traffic_release(struct proc_traffic *pt);

/* Starts a tick and its first dump: call before feeding the dump. */
void proc_traffic_begin_tick(struct proc_traffic *pt);
/*
 * capture: starts a tick that has no dump; the sockets and tuples of the
 * last dump stay.  Worth it while every packet finds its socket
 * (nr_pending == 0): long-lived connections need no dump per tick.
 */
void proc_traffic_begin_tick_nodump(struct proc_traffic *pt);
/*
 * capture: true when a packet that can open a connection (a TCP SYN, any
 * UDP datagram) of a tuple no socket matched arrived since the last dump:
 * the caller should dump again soon (100-200 ms), while the new connection's
 * socket and process still exist, rather than at the tick's end.  Traffic
 * that no dump will explain (scans of closed ports, forwarded flows) asks
 * too: a caller backs off while its early dumps match nothing
 * (proc_traffic_nr_pending() unchanged by end_dump()).
 */
bool proc_traffic_wants_dump(const struct proc_traffic *pt);
/*
 * capture: another full dump inside the current tick.  Feed its sockets with
 * add_sock(), then call end_dump(): it matches the held packets against
 * every socket known now, and returns how many sockets that moved bytes
 * have no known owner (the caller then reads /proc while their processes
 * live, and calls set_owner).  Held packets that still match nothing stay
 * held until the tick's end.
 */
void proc_traffic_begin_dump(struct proc_traffic *pt);
size_t proc_traffic_end_dump(struct proc_traffic *pt);
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
 * After the tick's dump: matches the held packets against every socket known
 * (shown by any dump of the tick, or in its grace); those that still match
 * nothing go to the unattributed row.  Then looks up owners, and returns how
 * many sockets that moved bytes this tick still have no known owner (the
 * caller then rescans /proc and calls proc_traffic_set_owner, which counts
 * them down).
 */
size_t proc_traffic_settle(struct proc_traffic *pt);
/* Unowned sockets with bytes not found yet since settle. */
size_t proc_traffic_nr_unowned(const struct proc_traffic *pt);
/*
 * Records that the process (pid, start_ticks) holds socket inode; adds the
 * process, renames it, or, when the pid's known process has another start
 * time, marks that one exited and adds the new one.  comm/command may be NULL.
 */
void proc_traffic_set_owner(struct proc_traffic *pt, uint64_t inode, int32_t pid,
			    uint64_t start_ticks, uint32_t uid, const char *comm,
			    const char *command);
/* Drops the inode -> process map (before a full rescan); owners of known cookies stay. */
void proc_traffic_reset_owners(struct proc_traffic *pt);

/*
 * Ends the tick (settles first if the caller did not): gives every socket's bytes to its owner or
 * to the unattributed row, computes rates over interval_ns (0: no rates), forgets sockets the dump
 * no longer showed.
 */
void proc_traffic_end_tick(struct proc_traffic *pt, uint64_t interval_ns);

/* Marks the latest process with pid gone; its row stays for PT_EXITED_TICKS ticks. */
void proc_traffic_set_exited(struct proc_traffic *pt, int32_t pid);
/*
 * Asks gone(arg, pid, start_ticks) about live processes and marks those it
 * says are gone as exited (call after end_tick).  Processes that moved bytes
 * (the rows shown) are asked every tick; the others only when they hold no
 * live socket, once every 16 ticks, so that the /proc reads stay few.
 */
void proc_traffic_check_exited(struct proc_traffic *pt,
			       bool (*gone)(void *arg, int32_t pid, uint64_t start_ticks),
			       void *arg);

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
 * Fills order (nr_procs slots) with the indices of the processes with a row
 * (never the unattributed or the exited-processes row), busiest first (rate
 * over the last tick, then session total, then pid); returns how many.
 * Processes that never moved a byte are left out.  O(n log n) in those rows.
 */
size_t proc_traffic_sorted(const struct proc_traffic *pt, uint32_t *order);

/* The folded exited processes (pid -1, exited) and how many processes it holds. */
const struct pt_proc *proc_traffic_exited_row(const struct proc_traffic *pt);
uint64_t proc_traffic_nr_folded(const struct proc_traffic *pt);

/*
 * Table sizes, for soak tests: process rows (live and exited, the two
 * aggregate rows not counted), sockets followed (dead ones awaiting
 * compaction included), tuples (capture, stale ones included), held tuples.
 */
size_t proc_traffic_nr_procs(const struct proc_traffic *pt);
size_t proc_traffic_nr_socks(const struct proc_traffic *pt);
size_t proc_traffic_nr_tuples(const struct proc_traffic *pt);
size_t proc_traffic_nr_pending(const struct proc_traffic *pt);

#endif
