/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Entering a named network namespace, as `ss -N NAME` and `ip netns exec` do:
 * NAME is looked up in /run/netns (a path with a '/' is used as is).
 * Sockets opened afterwards belong to that namespace.
 * Returns 0, -ENOENT (no such namespace), -EPERM (needs CAP_SYS_ADMIN), or
 * another -errno.
 */
#ifndef CONNMON_COLLECT_NETNS_H
#define CONNMON_COLLECT_NETNS_H

#include <stdint.h>

int netns_enter(const char *name);

/*
 * Runs fn(arg) with the calling thread in the network namespace ns_fd, then
 * returns to the namespace it was in; sockets fn opens stay in ns_fd's.
 * Returns fn's value, or -errno when the namespace could not be entered.
 */
int netns_call_in(int ns_fd, int (*fn)(void *arg), void *arg);

/* ns_fd is open during the call only; ino identifies the namespace. */
typedef void (*netns_visit_fn)(void *arg, int ns_fd, uint64_t ino);
/*
 * Visits every distinct network namespace reachable here once: the named
 * ones in /run/netns, then those of every process under proc_root.
 */
void netns_for_each(const char *proc_root, netns_visit_fn fn, void *arg);

#endif
