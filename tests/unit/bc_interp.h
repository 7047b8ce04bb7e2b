/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A user-space model of the kernel's inet_diag bytecode: the audit
 * (inet_diag_bc_audit) and the run (inet_diag_bc_run) of
 * net/ipv4/inet_diag.c, for testing the filter compiler.
 */
#ifndef CONNMON_TESTS_BC_INTERP_H
#define CONNMON_TESTS_BC_INTERP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/sock.h"

/* 0 when the kernel would accept the program, else -EINVAL (or -EPERM for
 * MARK_COND without net_admin). */
int bc_audit(const uint8_t *code, size_t len, bool net_admin);
/* True when the program accepts socket s (an inet socket); autobound stands
 * for the kernel's "no SOCK_BINDPORT_LOCK". */
bool bc_run(const uint8_t *code, size_t len, const struct sock_entry *s, bool autobound);

#endif
