// SPDX-License-Identifier: GPL-2.0-or-later
#include "collect/procmap.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SOCKET_PREFIX "socket:["
/* A bound on the walk: /proc never lists more pids or fds than this. */
#define MAX_ENTRIES (1u << 26)

static bool parse_uint(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return true;
}

/* A small file into buf: NULs (cmdline) to spaces, trailing blanks cut; fallback when empty. */
static void read_small(int dir, const char *name, char *buf, size_t cap, const char *fallback)
{
	int fd = openat(dir, name, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, cap - 1);

	if (fd >= 0)
		close(fd);
	if (n < 0)
		n = 0;
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	while (n > 0 && (buf[n - 1] == ' ' || buf[n - 1] == '\n'))
		n--;
	buf[n] = '\0';
	if (!n)
		snprintf(buf, cap, "%s", fallback);
}

bool procmap_socket_inode(const char *link, size_t len, uint64_t *inode)
{
	const size_t plen = sizeof(SOCKET_PREFIX) - 1;
	char num[24];

	if (len <= plen + 1 || len - plen - 1 >= sizeof(num) || link[len - 1] != ']' ||
	    memcmp(link, SOCKET_PREFIX, plen) != 0)
		return false;
	memcpy(num, link + plen, len - plen - 1);
	num[len - plen - 1] = '\0';
	return parse_uint(num, inode);
}

bool procmap_parse_pid(const char *name, uint64_t *pid)
{
	return parse_uint(name, pid) && *pid > 0 && *pid <= INT32_MAX;
}

/*
 * Returns -EACCES when the links could not be read: root without
 * CAP_SYS_PTRACE may list another user's fd directory but not read its links.
 */
static int walk_fds(int pid_dir, DIR *fds, struct procmap_owner *o, bool want_cmdline,
		    procmap_sock_fn fn, void *arg)
{
	bool have_names = false, denied = false;
	struct dirent *de;
	unsigned n = 0;

	while ((de = readdir(fds)) != NULL && n++ < MAX_ENTRIES) {
		char link[64];
		uint64_t fd, inode;
		ssize_t len;

		if (!parse_uint(de->d_name, &fd) || fd > INT32_MAX)
			continue;
		len = readlinkat(dirfd(fds), de->d_name, link, sizeof(link));
		if (len < 0 && (errno == EACCES || errno == EPERM))
			denied = true;
		if (len <= 0 || (size_t)len >= sizeof(link) ||
		    !procmap_socket_inode(link, (size_t)len, &inode))
			continue;
		/* Read lazily: most processes hold no socket. */
		if (!have_names) {
			read_small(pid_dir, "comm", o->comm, sizeof(o->comm), "?");
			if (want_cmdline)
				read_small(pid_dir, "cmdline", o->cmdline, sizeof(o->cmdline), "");
			have_names = true;
		}
		fn(arg, o, inode, (int32_t)fd);
	}
	return denied ? -EACCES : 0;
}

int procmap_walk_pid(int proc_fd, const char *name, int32_t pid, bool want_cmdline,
		     procmap_sock_fn fn, void *arg)
{
	struct procmap_owner o = { .pid = pid };
	int pid_dir, fd_dir, ret = 0;
	struct stat st;
	DIR *fds;

	pid_dir = openat(proc_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pid_dir < 0)
		return -ESRCH; /* exited meanwhile */
	fd_dir = openat(pid_dir, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd_dir < 0 || fstat(pid_dir, &st) < 0 || !(fds = fdopendir(fd_dir))) {
		ret = errno == EACCES || errno == EPERM ? -EACCES : -ENOENT;
		if (fd_dir >= 0)
			close(fd_dir);
		close(pid_dir);
		return ret;
	}
	o.uid = st.st_uid;
	ret = walk_fds(pid_dir, fds, &o, want_cmdline, fn, arg);
	closedir(fds);
	close(pid_dir);
	return ret;
}

struct table_ctx {
	struct proc_table *t;
	int32_t pid; /* whose comm comm_off holds */
	uint32_t comm_off;
};

static void add_to_table(void *arg, const struct procmap_owner *o, uint64_t inode, int32_t fd)
{
	struct table_ctx *c = arg;

	/* fn runs for one process's sockets in a row: intern its comm once. */
	if (c->pid != o->pid) {
		c->comm_off = proc_table_add_comm(c->t, o->comm);
		c->pid = o->pid;
	}
	proc_table_add(c->t, inode, o->pid, fd, c->comm_off);
}

int procmap_scan(struct proc_table *t, const char *proc_root)
{
	DIR *root = opendir(proc_root);
	struct table_ctx c = { .t = t };
	struct dirent *de;
	unsigned n = 0;
	int ret;

	if (!root)
		return -errno;
	while ((de = readdir(root)) != NULL && n++ < MAX_ENTRIES) {
		uint64_t pid;

		if (!procmap_parse_pid(de->d_name, &pid))
			continue;
		ret = procmap_walk_pid(dirfd(root), de->d_name, (int32_t)pid, false, add_to_table,
				       &c);
		if (ret != -ESRCH)
			t->nr_procs_seen++;
		if (ret == -EACCES)
			t->nr_procs_denied++;
	}
	closedir(root);
	return 0;
}
