// SPDX-License-Identifier: GPL-2.0-or-later
#include "analyze/sock_bytes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "base/u64map.h"

/* A page of slots: the smallest mapping worth making. */
#define MIN_CAP	 128
#define MOVING	 0x80000000u
#define GEN_MASK 0x7fffffffu

static void die_oom(size_t len)
{
	/* As base/xalloc: nobody is left to report to. */
	fprintf(stderr, "fatal: out of memory mapping %zu bytes\n", len);
	abort();
}

static struct sock_bytes_slot *map_slots(size_t cap)
{
	void *p = mmap(NULL, cap * sizeof(struct sock_bytes_slot), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die_oom(cap * sizeof(struct sock_bytes_slot));
	return p;
}

static void unmap_slots(struct sock_bytes_slot *slots, size_t cap)
{
	if (slots)
		munmap(slots, cap * sizeof(*slots));
}

/* The home slot: the hash scaled to cap (cap < 2^32), so cap need not be a power of two. */
static size_t home(const struct sock_bytes *t, uint64_t cookie)
{
	return (size_t)(((u64_hash(cookie) >> 32) * (uint64_t)t->cap) >> 32);
}

static size_t next(const struct sock_bytes *t, size_t i)
{
	return i + 1 == t->cap ? 0 : i + 1;
}

void sock_bytes_init(struct sock_bytes *t)
{
	memset(t, 0, sizeof(*t));
	t->baseline = true;
}

void sock_bytes_release(struct sock_bytes *t)
{
	unmap_slots(t->slots, t->cap);
	memset(t, 0, sizeof(*t));
}

/* Places e (not in the table) at the end of its probe run; the table has room. */
static void place(struct sock_bytes *t, const struct sock_bytes_slot *e)
{
	size_t i = home(t, e->cookie);

	while (t->slots[i].cookie)
		i = next(t, i);
	t->slots[i] = *e;
}

/*
 * Rehash in place after the array grew: every old entry is marked, then
 * each is carried to its new run, skipping placed entries and stopping at
 * an empty slot or a marked one, which it takes (carrying that one on).
 * A placed entry never moves again and the slots before it in its run hold
 * placed entries, so lookups stay correct once the last mark is gone.
 */
static void rehash_in_place(struct sock_bytes *t, size_t old_cap)
{
	for (size_t i = 0; i < old_cap; i++)
		if (t->slots[i].cookie)
			t->slots[i].gen |= MOVING;
	for (size_t i = 0; i < old_cap; i++) {
		struct sock_bytes_slot carry;

		if (!t->slots[i].cookie || !(t->slots[i].gen & MOVING))
			continue;
		carry = t->slots[i];
		memset(&t->slots[i], 0, sizeof(t->slots[i]));
		carry.gen &= GEN_MASK;
		for (size_t j = home(t, carry.cookie);;) {
			struct sock_bytes_slot *s = &t->slots[j];
			struct sock_bytes_slot tmp;

			if (!s->cookie) {
				*s = carry;
				break;
			}
			if (!(s->gen & MOVING)) {
				j = next(t, j);
				continue;
			}
			tmp = *s;
			*s = carry;
			carry = tmp;
			carry.gen &= GEN_MASK;
			j = home(t, carry.cookie);
		}
	}
}

static void grow(struct sock_bytes *t)
{
	size_t old_cap = t->cap, cap = old_cap < MIN_CAP ? MIN_CAP : old_cap + old_cap / 4;
	void *p;

	if (!t->slots) {
		t->slots = map_slots(cap);
		t->cap = cap;
		return;
	}
	/* New pages of an anonymous mapping are zero: empty slots. */
	p = mremap(t->slots, old_cap * sizeof(*t->slots), cap * sizeof(*t->slots), MREMAP_MAYMOVE);
	if (p == MAP_FAILED)
		die_oom(cap * sizeof(*t->slots));
	t->slots = p;
	t->cap = cap;
	rehash_in_place(t, old_cap);
}

/* A table mostly empty after a drop: a new, smaller copy (at most a quarter of the old). */
static void shrink(struct sock_bytes *t)
{
	size_t old_cap = t->cap, cap = t->nr * 2 < MIN_CAP ? MIN_CAP : t->nr * 2;
	struct sock_bytes_slot *old = t->slots;

	t->slots = map_slots(cap);
	t->cap = cap;
	for (size_t i = 0; i < old_cap; i++)
		if (old[i].cookie)
			place(t, &old[i]);
	unmap_slots(old, old_cap);
}

struct sock_bytes_slot *sock_bytes_find(struct sock_bytes *t, uint64_t cookie)
{
	if (!t->cap || !cookie)
		return NULL;
	for (size_t i = home(t, cookie); t->slots[i].cookie; i = next(t, i))
		if (t->slots[i].cookie == cookie)
			return &t->slots[i];
	return NULL;
}

static uint64_t delta(uint64_t now, uint64_t last)
{
	return now >= last ? now - last : 0;
}

struct sock_bytes_slot *sock_bytes_update(struct sock_bytes *t, uint64_t cookie, uint64_t tx_bytes,
					  uint64_t rx_bytes, uint64_t *dtx_bytes,
					  uint64_t *drx_bytes)
{
	struct sock_bytes_slot *s = sock_bytes_find(t, cookie);

	if (s) {
		*dtx_bytes = delta(tx_bytes, s->tx_bytes);
		*drx_bytes = delta(rx_bytes, s->rx_bytes);
	} else {
		struct sock_bytes_slot e = { .cookie = cookie };

		if ((t->nr + 1) * 10 > t->cap * 7)
			grow(t);
		*dtx_bytes = t->baseline ? 0 : tx_bytes;
		*drx_bytes = t->baseline ? 0 : rx_bytes;
		place(t, &e);
		t->nr++;
		s = sock_bytes_find(t, cookie);
	}
	s->tx_bytes = tx_bytes;
	s->rx_bytes = rx_bytes;
	s->gen = t->gen;
	return s;
}

/*
 * Deletes slot i by backward shift: each later entry of the run moves into
 * the hole when its home is not after the hole, so no run gets a gap.
 * Entries only move backwards, into the hole at i or into later holes.
 */
static void delete_at(struct sock_bytes *t, size_t i)
{
	size_t hole = i;

	for (size_t j = next(t, i); t->slots[j].cookie; j = next(t, j)) {
		size_t h = home(t, t->slots[j].cookie);

		if ((j + t->cap - h) % t->cap >= (j + t->cap - hole) % t->cap) {
			t->slots[hole] = t->slots[j];
			hole = j;
		}
	}
	memset(&t->slots[hole], 0, sizeof(t->slots[hole]));
	t->nr--;
}

size_t sock_bytes_end_census(struct sock_bytes *t)
{
	size_t start = 0, dropped = 0;

	t->baseline = false;
	if (t->nr) {
		/* Start after an empty slot (<= 70 % full: one exists): no run wraps it. */
		while (t->slots[start].cookie)
			start++;
		for (size_t k = 1; k <= t->cap;) {
			size_t i = (start + k) % t->cap;

			if (t->slots[i].cookie && t->slots[i].gen != t->gen) {
				delete_at(t, i); /* a later entry may now be at i: look again */
				dropped++;
				continue;
			}
			k++;
		}
	}
	t->gen = (t->gen + 1) & GEN_MASK;
	if (t->cap > MIN_CAP && t->nr < t->cap / 8)
		shrink(t);
	return dropped;
}

void sock_bytes_remap_owners(struct sock_bytes *t, const uint32_t *map, size_t nr_map)
{
	for (size_t i = 0; i < t->cap; i++)
		if (t->slots[i].cookie && t->slots[i].owner < nr_map)
			t->slots[i].owner = map[t->slots[i].owner];
}

size_t sock_bytes_mem_bytes(const struct sock_bytes *t)
{
	return t->cap * sizeof(struct sock_bytes_slot);
}
