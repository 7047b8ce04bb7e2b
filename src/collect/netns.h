/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Network namespaces: entering a named one, running a function inside one,
 * and discovering every one that exists now.
 *
 * Errors are negative errno values; nothing here prints.
 */
#ifndef CONNMON_COLLECT_NETNS_H
#define CONNMON_COLLECT_NETNS_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Enters a named network namespace, as `ss -N NAME` and `ip netns exec` do:
 * NAME is looked up in /run/netns (a path with a '/' is used as is).
 * Sockets opened afterwards belong to that namespace.
 * Returns 0, -ENOENT (no such namespace), -EPERM (needs CAP_SYS_ADMIN), or
 * another -errno.
 */
int netns_enter(const char *name);

/*
 * Runs fn(arg) with the calling thread in the network namespace ns_fd, then
 * returns to the namespace it was in; sockets fn opens stay in ns_fd's.
 * When ns_fd is the thread's own namespace, fn simply runs: no setns(), so
 * an unprivileged caller can use it for its own namespace.
 * Returns fn's value, or -errno when the namespace could not be entered
 * (-EPERM without CAP_SYS_ADMIN).
 */
int netns_call_in(int ns_fd, int (*fn)(void *arg), void *arg);

/* A namespace's identity: device and inode of its nsfs file, as stat(2) gives them. */
struct netns_id {
	uint64_t dev;
	uint64_t ino;
};

struct netns_visit_ops {
	/*
	 * Each distinct namespace found, once per discovery.  Returns true when
	 * the caller already has what it needs of it (it records that it was
	 * seen), false to get found() with a descriptor.
	 */
	bool (*known)(void *arg, const struct netns_id *id);
	/* A namespace known() did not know; ns_fd is open during the call only. */
	void (*found)(void *arg, int ns_fd, const struct netns_id *id);
};

/*
 * One discovery: every distinct network namespace reachable now, the named
 * ones in /run/netns, then those of every process under proc_root.  Paths
 * are only stat(2)ed; a namespace is opened for found() alone and closed when
 * it returns, so discovery itself keeps no namespace alive.
 *
 * Eviction, for callers that keep something per namespace (a sock_diag
 * socket inside it keeps it alive): a namespace that a discovery does not
 * report has no name in /run/netns and no process left; mark what known()
 * reports and release everything else after the discovery.
 */
void netns_discover(const char *proc_root, const struct netns_visit_ops *ops, void *arg);

#endif
