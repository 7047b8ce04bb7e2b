/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A bounded table of IP addresses in least-recently-used order, the index
 * behind analyze/scan_track and analyze/fail_track: each address gets a
 * node number in [0, cap) that stays its own while it is in the table, so
 * the trackers keep their per-address data in plain arrays of cap entries.
 *
 * Bounds: at most cap addresses; inserting into a full table evicts the
 * least recently touched one (nr_evicted counts them), whose node number
 * the new address then reuses.  Everything is allocated at init: about
 * 44 bytes a node plus 8 bytes of index a node, nothing per packet.
 * Lookups hash the address with a seed the caller picks (pass a random one
 * where sources are chosen by an attacker: it keeps the probe chains short).
 *
 * Ownership: the table owns its arrays.  Node numbers are valid until the
 * address is removed or evicted.
 */
#ifndef CONNMON_ANALYZE_ADDR_LRU_H
#define CONNMON_ANALYZE_ADDR_LRU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ADDR_LRU_NONE UINT32_MAX

struct addr_lru_node {
	uint8_t addr[16];    /* network order; IPv4 in the first 4 bytes, the rest zero */
	uint8_t family;	     /* AF_INET, AF_INET6; 0 for a free node */
	uint32_t prev, next; /* towards the most / least recent; ADDR_LRU_NONE at the ends */
	int64_t last_ms;     /* when it was last touched */
};

struct addr_lru {
	struct addr_lru_node *nodes; /* cap */
	uint32_t *index;	     /* node + 1 per slot, 0 empty; index_mask + 1 slots */
	uint32_t index_mask;
	uint32_t cap, nr;
	uint32_t head, tail;	/* most and least recently touched */
	uint32_t nr_never_used; /* nodes [nr_never_used, cap) were never handed out */
	uint32_t free_list;	/* removed nodes, chained through next */
	uint64_t seed;
	uint64_t nr_evicted;
};

/* cap: at least 1. */
void addr_lru_init(struct addr_lru *l, uint32_t cap, uint64_t seed);
void addr_lru_release(struct addr_lru *l);
/*
 * The node of (family, addr), made most recent with last_ms = now_ms.  A new
 * address sets *is_new (the caller resets its data for the node); when the
 * table was full the least recent address was evicted to make room.
 */
uint32_t addr_lru_touch(struct addr_lru *l, int family, const uint8_t *addr, int64_t now_ms,
			bool *is_new);
/* The node of (family, addr), or ADDR_LRU_NONE; does not touch it. */
uint32_t addr_lru_find(const struct addr_lru *l, int family, const uint8_t *addr);
/* The least recently touched node, or ADDR_LRU_NONE when empty. */
uint32_t addr_lru_oldest(const struct addr_lru *l);
void addr_lru_remove(struct addr_lru *l, uint32_t node);

#endif
