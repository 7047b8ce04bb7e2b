// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * proc_traffic_hot_bytecode() (analyze/proc_traffic.h): the inet_diag
 * program that lets the kernel dump only the sockets that moved bytes lately.
 */
#include <errno.h>
#include <stdlib.h>

#include <linux/inet_diag.h>

#include "analyze/proc_traffic.h"
#include "base/xalloc.h"

/* The program under construction: ops whose "no" is an absolute offset until fixed up. */
struct bc_build {
	struct inet_diag_bc_op *ops;
	int32_t *target; /* per op: absolute target of "no", BC_ACCEPT/BC_REJECT, or -3 for port
			    words */
	size_t nr, alloc;
};

#define BC_ACCEPT (-1)
#define BC_REJECT (-2)
#define BC_PORTW  (-3)
#define BC_LEAF	  8 /* pairs tested one by one below this */

static size_t bc_emit(struct bc_build *b, uint8_t code, int32_t target)
{
	ALLOC_GROW(b->ops, b->nr + 1, b->alloc);
	b->target = xreallocarray(b->target, b->alloc, sizeof(*b->target));
	b->ops[b->nr] = (struct inet_diag_bc_op){ .code = code, .yes = 4 };
	b->target[b->nr] = target;
	return b->nr++;
}

/* A port comparison is two ops: the test, then a word holding the port in "no". */
static size_t bc_port(struct bc_build *b, uint8_t code, uint16_t port, int32_t target)
{
	size_t i = bc_emit(b, code, target);

	b->ops[i].yes = 8;
	bc_emit(b, INET_DIAG_BC_NOP, BC_PORTW);
	b->ops[i + 1].yes = 0;
	b->ops[i + 1].no = port;
	return i;
}

static int32_t bc_here(const struct bc_build *b)
{
	return (int32_t)(b->nr * 4);
}

/* keys: (lport << 16 | rport), sorted, unique.  Remote ports of one local port. */
static void bc_rports(struct bc_build *b, const uint32_t *k, size_t n)
{
	size_t test, split;

	if (n <= BC_LEAF) {
		for (size_t i = 0; i < n; i++) {
			test = bc_port(b, INET_DIAG_BC_D_EQ, (uint16_t)k[i], BC_REJECT);
			bc_emit(b, INET_DIAG_BC_JMP, BC_ACCEPT);
			if (i + 1 < n)
				b->target[test] = bc_here(b);
		}
		return;
	}
	split = n / 2;
	test = bc_port(b, INET_DIAG_BC_D_GE, (uint16_t)k[split], BC_REJECT);
	bc_rports(b, k + split, n - split);
	b->target[test] = bc_here(b);
	bc_rports(b, k, split);
}

static void bc_lports(struct bc_build *b, const uint32_t *k, size_t n)
{
	size_t split = n / 2, test;

	if ((k[0] >> 16) == (k[n - 1] >> 16)) {
		bc_port(b, INET_DIAG_BC_S_EQ, (uint16_t)(k[0] >> 16), BC_REJECT);
		bc_rports(b, k, n);
		return;
	}
	/* Split where the local port changes, so both halves are non-empty. */
	while (split > 0 && (k[split - 1] >> 16) == (k[split] >> 16))
		split--;
	if (split == 0)
		while ((k[split] >> 16) == (k[0] >> 16))
			split++;
	test = bc_port(b, INET_DIAG_BC_S_GE, (uint16_t)(k[split] >> 16), BC_REJECT);
	bc_lports(b, k + split, n - split);
	b->target[test] = bc_here(b);
	bc_lports(b, k, split);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

int proc_traffic_hot_bytecode(const struct proc_traffic *pt, uint32_t hot_ticks, size_t max_pairs,
			      uint8_t **code, size_t *len)
{
	struct bc_build b = { 0 };
	uint32_t *keys = NULL;
	size_t n = 0, alloc = 0, u = 0, total;

	*code = NULL;
	*len = 0;
	for (size_t i = 0; i < pt->nr_socks; i++) {
		const struct pt_sock *s = &pt->socks[i];

		if (s->dead || !s->active_gen || pt->gen - s->active_gen >= hot_ticks)
			continue;
		ALLOC_GROW(keys, n + 1, alloc);
		keys[n++] = (uint32_t)s->lport << 16 | s->rport;
	}
	if (n)
		qsort(keys, n, sizeof(*keys), cmp_u32);
	for (size_t i = 0; i < n; i++)
		if (!u || keys[u - 1] != keys[i])
			keys[u++] = keys[i];
	if (u > max_pairs) {
		free(keys);
		return -E2BIG;
	}
	if (u) {
		bc_lports(&b, keys, u);
		total = b.nr * 4;
		/* "no" offsets are relative; accept lands exactly at the end, reject 4 past it. */
		for (size_t i = 0; i < b.nr; i++) {
			int32_t t = b.target[i], at = (int32_t)(i * 4);

			if (t == BC_PORTW)
				continue;
			t = t == BC_ACCEPT ? (int32_t)total :
			    t == BC_REJECT ? (int32_t)total + 4 :
					     t;
			b.ops[i].no = (uint16_t)(t - at);
		}
		*code = (uint8_t *)b.ops;
		*len = total;
	}
	free(b.target);
	free(keys);
	return (int)u;
}
