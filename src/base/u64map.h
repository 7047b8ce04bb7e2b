/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * An open-addressing hash map from uint64_t keys to uint64_t values, for the
 * hot lookups of a socket dump (inode -> process slot, cookie -> counters).
 * Linear probing over a power-of-two table kept at most 70 % full; key 0 is
 * stored out of line, so every key is valid.  No deletion: maps are built
 * per tick and reset.  The map owns its table.
 */
#ifndef CONNMON_BASE_U64MAP_H
#define CONNMON_BASE_U64MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct u64map_slot {
	uint64_t key;
	uint64_t val;
};

struct u64map {
	struct u64map_slot *slots;
	size_t cap; /* power of two, or 0 */
	size_t nr;  /* keys stored, the zero key included */
	bool has_zero;
	uint64_t zero_val;
};

void u64map_init(struct u64map *m);
void u64map_release(struct u64map *m);
void u64map_reset(struct u64map *m);
/* Returns a pointer to the value for key, inserting 0 when absent (*inserted set). */
uint64_t *u64map_upsert(struct u64map *m, uint64_t key, bool *inserted);
/* Returns a pointer to the value for key, or NULL. Valid until the next insert. */
uint64_t *u64map_get(struct u64map *m, uint64_t key);

static inline uint64_t u64_hash(uint64_t x)
{
	/* splitmix64 finaliser: inodes and cookies are sequential, so mix well. */
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

#endif
