/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The agent's per-socket TCP byte counters, compact: an open-addressing
 * table keyed by socket cookie that keeps, per socket, only the last
 * tcpi_bytes_acked and tcpi_bytes_received seen, the caller's owner value
 * and the census that last showed it (32 bytes a slot).  Each census feeds
 * every TCP socket of its dump through sock_bytes_update(), which turns the
 * counters into deltas, then calls sock_bytes_end_census().
 *
 * First sight of a cookie: in the first census (the baseline) its counters
 * are recorded and its delta is 0 (bytes from before the caller started do
 * not count); in a later census it is a socket born since the previous one,
 * and all its bytes count (its counters started at 0).  A counter that went
 * down gives a delta of 0.
 *
 * Eviction: sockets not seen in a census are dropped at its end
 * (sock_bytes_end_census), so the table holds exactly the sockets of the
 * last census plus those of the census being fed.  A census that is not
 * ended (a dump that broke off) simply goes on with the next dump.
 *
 * Size: linear probing, at most 70 % full; the capacity is any number (the
 * home slot is the hash scaled to it), grown by a quarter when full, in
 * place: the slot array is an anonymous mapping that mremap() extends and
 * the entries are rehashed where they lie, so growing never holds two
 * copies.  When a census ends with fewer than an eighth of the slots used,
 * the table is copied into one half full, at most a quarter of the old
 * one's size (the only time two copies coexist).
 *
 * Ownership: the table owns its slots.  A slot pointer is valid until the
 * next update or end_census.  Owner values are the caller's (0 is "none"
 * for a new socket); the table only stores and remaps them.  Nothing here
 * fails: running out of memory aborts, as base/xalloc does.
 */
#ifndef CONNMON_ANALYZE_SOCK_BYTES_H
#define CONNMON_ANALYZE_SOCK_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sock_bytes_slot {
	uint64_t cookie;   /* 0: an empty slot */
	uint64_t tx_bytes; /* tcpi_bytes_acked at the last sight */
	uint64_t rx_bytes; /* tcpi_bytes_received at the last sight */
	uint32_t owner;	   /* the caller's, 0 when new */
	uint32_t gen;	   /* census that last showed it (internal: the top bit marks a rehash) */
};

struct sock_bytes {
	struct sock_bytes_slot *slots; /* mapped, cap slots; NULL when cap is 0 */
	size_t cap;		       /* slots */
	size_t nr;		       /* sockets held */
	uint32_t gen;		       /* the census being fed */
	bool baseline;		       /* no census ended yet: new cookies are a baseline */
};

void sock_bytes_init(struct sock_bytes *t);
void sock_bytes_release(struct sock_bytes *t);

/*
 * One socket of the census's dump, cookie not 0, with its current counters:
 * stores them and returns the socket's slot, with the bytes since its last
 * sight in *dtx_bytes and *drx_bytes (see the first sight above).  A socket
 * fed twice in a census counts once (its second delta is 0).
 */
struct sock_bytes_slot *sock_bytes_update(struct sock_bytes *t, uint64_t cookie, uint64_t tx_bytes,
					  uint64_t rx_bytes, uint64_t *dtx_bytes,
					  uint64_t *drx_bytes);
/* The slot of cookie, or NULL. */
struct sock_bytes_slot *sock_bytes_find(struct sock_bytes *t, uint64_t cookie);
/* Ends the census: drops the sockets it did not show; returns how many. */
size_t sock_bytes_end_census(struct sock_bytes *t);
/* Replaces every owner below nr_map by map[owner]; the others stay. */
void sock_bytes_remap_owners(struct sock_bytes *t, const uint32_t *map, size_t nr_map);
/* Bytes of the slot array (for the agent's table sizes). */
size_t sock_bytes_mem_bytes(const struct sock_bytes *t);

#endif
