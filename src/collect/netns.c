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

int netns_call_in(int ns_fd, int (*fn)(void *arg), void *arg)
{
	int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	int ret;

	if (self < 0)
		return -errno;
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

static void visit_path(int dir, const char *path, struct u64map *seen, netns_visit_fn fn, void *arg)
{
	int fd = openat(dir, path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	bool is_new;

	if (fd < 0)
		return;
	if (fstat(fd, &st) == 0) {
		u64map_upsert(seen, (uint64_t)st.st_ino, &is_new);
		if (is_new)
			fn(arg, fd, (uint64_t)st.st_ino);
	}
	close(fd);
}

void netns_for_each(const char *proc_root, netns_visit_fn fn, void *arg)
{
	struct u64map seen;
	struct dirent *de;
	DIR *d;

	u64map_init(&seen);
	d = opendir("/run/netns");
	if (d) {
		while ((de = readdir(d)) != NULL)
			if (de->d_name[0] != '.')
				visit_path(dirfd(d), de->d_name, &seen, fn, arg);
		closedir(d);
	}
	d = opendir(proc_root);
	if (d) {
		while ((de = readdir(d)) != NULL) {
			char path[300];
			uint64_t pid;

			if (!procmap_parse_pid(de->d_name, &pid))
				continue;
			snprintf(path, sizeof(path), "%s/ns/net", de->d_name);
			visit_path(dirfd(d), path, &seen, fn, arg);
		}
		closedir(d);
	}
	u64map_release(&seen);
}
