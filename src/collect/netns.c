// SPDX-License-Identifier: GPL-2.0-or-later
#include "collect/netns.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/limits.h>

#include "base/u64map.h"
#include "collect/procmap.h"

int netns_enter(const char *name)
{
	char path[PATH_MAX];
	int fd, n, ret = 0;

	if (!name || !*name)
		return -EINVAL;
	/* Same lookup as iproute2: a bare name lives under /run/netns. */
	if (strchr(name, '/'))
		n = snprintf(path, sizeof(path), "%s", name);
	else
		n = snprintf(path, sizeof(path), "/run/netns/%s", name);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (setns(fd, CLONE_NEWNET) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/* The calling thread's namespace (thread-self: setns() acts on threads), opened. */
static int open_own(void)
{
	int fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);

	/* Before Linux 3.17 there is no thread-self; the process's will do for one thread. */
	if (fd < 0 && errno == ENOENT)
		fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static bool same_file(int a, int b)
{
	struct stat sa, sb;

	return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

int netns_call_in(int ns_fd, int (*fn)(void *arg), void *arg)
{
	int self = open_own();
	int ret;

	if (self < 0)
		return self;
	/* setns() needs CAP_SYS_ADMIN even into our own namespace: skip it there. */
	if (same_file(self, ns_fd)) {
		close(self);
		return fn(arg);
	}
	if (setns(ns_fd, CLONE_NEWNET) < 0) {
		ret = -errno;
		close(self);
		return ret;
	}
	ret = fn(arg);
	/* Going back cannot fail for a process that could leave; never go on in the wrong one. */
	if (setns(self, CLONE_NEWNET) < 0)
		abort();
	close(self);
	return ret;
}

struct discovery {
	const struct netns_visit_ops *ops;
	void *arg;
	struct u64map seen; /* inode -> device + 1, namespaces reported in this discovery */
};

/* True the first time (dev, ino) comes up in this discovery. */
static bool first_sight(struct discovery *d, const struct netns_id *id)
{
	bool is_new;
	uint64_t *dev = u64map_upsert(&d->seen, id->ino, &is_new);

	if (is_new) {
		*dev = id->dev + 1;
		return true;
	}
	/* The same inode on another device (never seen in practice): report it too. */
	return *dev != id->dev + 1;
}

static void visit_path(struct discovery *d, int dir, const char *path)
{
	struct netns_id id;
	struct stat st;
	int fd;

	if (fstatat(dir, path, &st, 0) < 0)
		return;
	id = (struct netns_id){ .dev = st.st_dev, .ino = st.st_ino };
	if (!first_sight(d, &id) || d->ops->known(d->arg, &id))
		return;
	fd = openat(dir, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	/* The pid may have been reused between stat and open: trust the descriptor. */
	if (fstat(fd, &st) == 0) {
		struct netns_id now = { .dev = st.st_dev, .ino = st.st_ino };

		if (now.dev == id.dev && now.ino == id.ino)
			d->ops->found(d->arg, fd, &id);
		else if (first_sight(d, &now) && !d->ops->known(d->arg, &now))
			d->ops->found(d->arg, fd, &now);
	}
	close(fd);
}

void netns_discover(const char *proc_root, const struct netns_visit_ops *ops, void *arg)
{
	struct discovery d = { .ops = ops, .arg = arg };
	struct dirent *de;
	DIR *dir;

	u64map_init(&d.seen);
	dir = opendir("/run/netns");
	if (dir) {
		while ((de = readdir(dir)) != NULL)
			if (de->d_name[0] != '.')
				visit_path(&d, dirfd(dir), de->d_name);
		closedir(dir);
	}
	dir = opendir(proc_root);
	if (dir) {
		while ((de = readdir(dir)) != NULL) {
			char path[300];
			uint64_t pid;

			if (!procmap_parse_pid(de->d_name, &pid))
				continue;
			snprintf(path, sizeof(path), "%s/ns/net", de->d_name);
			visit_path(&d, dirfd(dir), path);
		}
		closedir(dir);
	}
	u64map_release(&d.seen);
}
