/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Compiles a struct filter expression into inet_diag bytecode
 * (INET_DIAG_REQ_BYTECODE, linux/inet_diag.h) that the kernel runs for every
 * socket during a dump, so sockets the filter rejects never cross into user
 * space.
 *
 * Contract: the bytecode selects a superset of what filter_match_expr()
 * accepts for any inet socket; it is exact wherever the kernel can express
 * the condition.  Callers still evaluate filter_match() on what arrives, so a
 * condition the kernel cannot express (or a kernel that rejects the program)
 * costs speed, never correctness.
 *
 * The result is owned by the caller (free()).
 */
#ifndef CONNMON_COLLECT_SOCKDIAG_FILTER_H
#define CONNMON_COLLECT_SOCKDIAG_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/filter.h"

struct sockdiag_bytecode {
	uint8_t *code; /* NULL when no kernel filtering applies (everything passes) */
	size_t len;
	bool exact; /* the bytecode alone decides: user-space re-check can be skipped */
};

/*
 * Compiles the expression of f for sockets of the given family (AF_INET or
 * AF_INET6: a host condition of the other family compiles to "false").
 * Returns 0 or -E2BIG when the program would exceed the kernel's size limits
 * (bc->code is NULL then: filter in user space).
 */
int sockdiag_filter_compile(const struct filter *f, int family, struct sockdiag_bytecode *bc);
void sockdiag_bytecode_release(struct sockdiag_bytecode *bc);

#endif
