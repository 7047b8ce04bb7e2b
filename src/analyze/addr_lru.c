// SPDX-License-Identifier: GPL-2.0-or-later
#include "analyze/addr_lru.h"

#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

void addr_lru_init(struct addr_lru *l, uint32_t cap, uint64_t seed)
{
	uint32_t slots = 4;

	if (cap == 0)
		cap = 1;
	/* at most half full: probe chains stay short with linear probing */
	while (slots < 2 * cap)
		slots *= 2;
	memset(l, 0, sizeof(*l));
	l->nodes = xcalloc(cap, sizeof(*l->nodes));
	l->index = xcalloc(slots, sizeof(*l->index));
	l->index_mask = slots - 1;
	l->cap = cap;
	l->head = l->tail = ADDR_LRU_NONE;
	l->free_list = ADDR_LRU_NONE;
	l->seed = seed;
}

void addr_lru_release(struct addr_lru *l)
{
	free(l->nodes);
	free(l->index);
	memset(l, 0, sizeof(*l));
}

static uint64_t mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	return h ^ (h >> 33);
}

static uint32_t home(const struct addr_lru *l, int family, const uint8_t *addr)
{
	uint64_t a, b;

	memcpy(&a, addr, 8);
	memcpy(&b, addr + 8, 8);
	return (uint32_t)(mix(mix(a ^ l->seed) ^ b ^ (uint64_t)family) & l->index_mask);
}

static bool node_is(const struct addr_lru_node *n, int family, const uint8_t *addr)
{
	return n->family == family && !memcmp(n->addr, addr, 16);
}

/* The slot holding node's address or, when absent, the empty slot that ends its chain. */
static uint32_t slot_of(const struct addr_lru *l, int family, const uint8_t *addr)
{
	uint32_t s = home(l, family, addr);

	while (l->index[s] != 0 && !node_is(&l->nodes[l->index[s] - 1], family, addr))
		s = (s + 1) & l->index_mask;
	return s;
}

uint32_t addr_lru_find(const struct addr_lru *l, int family, const uint8_t *addr)
{
	uint32_t s = slot_of(l, family, addr);

	return l->index[s] ? l->index[s] - 1 : ADDR_LRU_NONE;
}

static void unlink_node(struct addr_lru *l, uint32_t i)
{
	struct addr_lru_node *n = &l->nodes[i];

	if (n->prev != ADDR_LRU_NONE)
		l->nodes[n->prev].next = n->next;
	else
		l->head = n->next;
	if (n->next != ADDR_LRU_NONE)
		l->nodes[n->next].prev = n->prev;
	else
		l->tail = n->prev;
}

static void push_head(struct addr_lru *l, uint32_t i)
{
	struct addr_lru_node *n = &l->nodes[i];

	n->prev = ADDR_LRU_NONE;
	n->next = l->head;
	if (l->head != ADDR_LRU_NONE)
		l->nodes[l->head].prev = i;
	l->head = i;
	if (l->tail == ADDR_LRU_NONE)
		l->tail = i;
}

/* Backward-shift deletion: the chains stay whole without tombstones. */
static void index_delete(struct addr_lru *l, uint32_t s)
{
	uint32_t j = s;

	l->index[s] = 0;
	for (;;) {
		uint32_t h;

		j = (j + 1) & l->index_mask;
		if (l->index[j] == 0)
			return;
		h = home(l, l->nodes[l->index[j] - 1].family, l->nodes[l->index[j] - 1].addr);
		/* move j back into s unless its home lies cyclically in (s, j] */
		if (((j - h) & l->index_mask) >= ((j - s) & l->index_mask)) {
			l->index[s] = l->index[j];
			l->index[j] = 0;
			s = j;
		}
	}
}

void addr_lru_remove(struct addr_lru *l, uint32_t i)
{
	struct addr_lru_node *n = &l->nodes[i];

	index_delete(l, slot_of(l, n->family, n->addr));
	unlink_node(l, i);
	n->family = 0;
	n->next = l->free_list;
	l->free_list = i;
	l->nr--;
}

uint32_t addr_lru_oldest(const struct addr_lru *l)
{
	return l->tail;
}

static uint32_t take_node(struct addr_lru *l)
{
	uint32_t i;

	if (l->free_list != ADDR_LRU_NONE) {
		i = l->free_list;
		l->free_list = l->nodes[i].next;
		return i;
	}
	if (l->nr_never_used < l->cap)
		return l->nr_never_used++;
	i = l->tail;
	addr_lru_remove(l, i); /* puts i on the free list: take it back */
	l->nr_evicted++;
	l->free_list = l->nodes[i].next;
	return i;
}

uint32_t addr_lru_touch(struct addr_lru *l, int family, const uint8_t *addr, int64_t now_ms,
			bool *is_new)
{
	uint32_t s = slot_of(l, family, addr), i;
	struct addr_lru_node *n;

	if (l->index[s] != 0) {
		i = l->index[s] - 1;
		*is_new = false;
		unlink_node(l, i);
	} else {
		i = take_node(l);
		s = slot_of(l, family, addr); /* an eviction may have shifted the chain */
		n = &l->nodes[i];
		memcpy(n->addr, addr, 16);
		n->family = (uint8_t)family;
		l->index[s] = i + 1;
		l->nr++;
		*is_new = true;
	}
	l->nodes[i].last_ms = now_ms;
	push_head(l, i);
	return i;
}
