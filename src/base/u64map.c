// SPDX-License-Identifier: GPL-2.0-or-later
#include "base/u64map.h"

#include <stdlib.h>

#include "base/xalloc.h"

void u64map_init(struct u64map *m)
{
	*m = (struct u64map){ 0 };
}

void u64map_release(struct u64map *m)
{
	free(m->slots);
	u64map_init(m);
}

void u64map_reset(struct u64map *m)
{
	size_t i;

	for (i = 0; i < m->cap; i++)
		m->slots[i].key = 0;
	m->nr = 0;
	m->has_zero = false;
	m->zero_val = 0;
}

static struct u64map_slot *find_slot(struct u64map_slot *slots, size_t cap, uint64_t key)
{
	size_t i = (size_t)u64_hash(key) & (cap - 1);

	while (slots[i].key && slots[i].key != key)
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

static void grow(struct u64map *m)
{
	size_t new_cap = m->cap ? m->cap * 2 : 64, i;
	struct u64map_slot *slots = xcalloc(new_cap, sizeof(*slots));

	for (i = 0; i < m->cap; i++)
		if (m->slots[i].key)
			*find_slot(slots, new_cap, m->slots[i].key) = m->slots[i];
	free(m->slots);
	m->slots = slots;
	m->cap = new_cap;
}

uint64_t *u64map_upsert(struct u64map *m, uint64_t key, bool *inserted)
{
	struct u64map_slot *s;

	if (inserted)
		*inserted = false;
	if (!key) {
		if (!m->has_zero) {
			m->has_zero = true;
			m->zero_val = 0;
			m->nr++;
			if (inserted)
				*inserted = true;
		}
		return &m->zero_val;
	}
	if ((m->nr + 1) * 10 > m->cap * 7)
		grow(m);
	s = find_slot(m->slots, m->cap, key);
	if (!s->key) {
		s->key = key;
		s->val = 0;
		m->nr++;
		if (inserted)
			*inserted = true;
	}
	return &s->val;
}

uint64_t *u64map_get(struct u64map *m, uint64_t key)
{
	struct u64map_slot *s;

	if (!key)
		return m->has_zero ? &m->zero_val : NULL;
	if (!m->cap)
		return NULL;
	s = find_slot(m->slots, m->cap, key);
	return s->key ? &s->val : NULL;
}
