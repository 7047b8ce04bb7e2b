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

int netns_enter(const char *name);

#endif
