// SPDX-License-Identifier: GPL-2.0-or-later
#include "collect/netns.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <linux/limits.h>

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
