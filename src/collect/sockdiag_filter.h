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
	/* it uses MARK_COND, which the kernel accepts only with CAP_NET_ADMIN (else EPERM) */
	bool needs_net_admin;
};

/* Programs longer than this are refused (the kernel's jump offsets are 16 bits). */
#define SOCKDIAG_BYTECODE_MAX 60000

/*
 * Compiles the expression of f for sockets of the given family (AF_INET,
 * AF_INET6, or AF_UNSPEC for one program used for both dumps).  The program
 * is the one ss would send: host conditions keep their own family and the
 * kernel applies its rules (another family fails, except an IPv4 prefix
 * against a v4-mapped IPv6 address).  exact is false when user space must
 * still run filter_match_expr(): autobound (the kernel tests the bind lock,
 * ss also the port range), "*" port comparisons, and address conditions of
 * a family other than `family`, where ss's user-space test differs.
 * Returns 0 or -E2BIG when the program would exceed the kernel's size limits
 * (bc->code is NULL then: filter in user space).
 */
int sockdiag_filter_compile(const struct filter *f, int family, struct sockdiag_bytecode *bc);
void sockdiag_bytecode_release(struct sockdiag_bytecode *bc);

#endif
