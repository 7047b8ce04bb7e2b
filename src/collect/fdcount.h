/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * How full a process's descriptor table is, for the capacity rule: the
 * number of open descriptors (entries of PROC/PID/fd) and the soft
 * RLIMIT_NOFILE ("Max open files" in PROC/PID/limits).
 *
 * Cost: one directory listing of the process's fd table (no readlink) and
 * one small file: call it for a few processes a census (the listeners'
 * owners), not for every process.  Reading another user's fd table needs
 * CAP_DAC_READ_SEARCH or CAP_SYS_PTRACE (-EACCES otherwise); limits is
 * readable by everyone.
 *
 * And the interfaces' addresses (getifaddrs), for the interface of a host
 * pair's local address (analyze/pair_bytes).
 */
#ifndef CONNMON_COLLECT_FDCOUNT_H
#define CONNMON_COLLECT_FDCOUNT_H

#include <stddef.h>
#include <stdint.h>

#include "model/addr_iface.h"

#define FDCOUNT_UNLIMITED UINT64_MAX

/*
 * Open descriptors of pid into *nr_open and its soft limit into *soft_limit
 * (FDCOUNT_UNLIMITED for "unlimited").  proc_root: "/proc" normally.
 * Returns 0, -ENOENT (the process is gone), -EACCES, or another -errno;
 * -EPROTO when limits has no "Max open files" line.
 */
int fdcount_read(const char *proc_root, int32_t pid, uint64_t *nr_open, uint64_t *soft_limit);
/* The pure parser of PROC/PID/limits text: the soft "Max open files".  0 or -EPROTO. */
int fdcount_parse_limits(const char *text, size_t len, uint64_t *soft_limit);
/*
 * The addresses of every interface, at most cap, into out.  Returns the
 * number stored, or -errno of getifaddrs.
 */
int fdcount_iface_addrs(struct addr_iface *out, size_t cap);

#endif
