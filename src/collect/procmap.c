// SPDX-License-Identifier: GPL-2.0-or-later
#include "collect/procmap.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
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

/* Reads PID/comm into buf (NUL-terminated, newline stripped); "?" when unreadable. */
static void read_comm(int pid_dir, char *buf, size_t cap)
{
	int fd = openat(pid_dir, "comm", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, cap - 1);

	if (fd >= 0)
		close(fd);
	if (n <= 0) {
		buf[0] = '?';
		n = 1;
	}
	buf[n] = '\0';
	if (buf[n - 1] == '\n')
		buf[n - 1] = '\0';
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

static void scan_fds(struct proc_table *t, int pid_dir, int32_t pid, DIR *fds)
{
	char comm[64];
	bool have_comm = false;
	uint32_t comm_off = 0;
	struct dirent *de;
	unsigned n = 0;

	while ((de = readdir(fds)) != NULL && n++ < MAX_ENTRIES) {
		char link[64];
		uint64_t fd, inode;
		ssize_t len;

		if (!parse_uint(de->d_name, &fd) || fd > INT32_MAX)
			continue;
		len = readlinkat(dirfd(fds), de->d_name, link, sizeof(link));
		if (len <= 0 || (size_t)len >= sizeof(link) ||
		    !procmap_socket_inode(link, (size_t)len, &inode))
			continue;
		/* Interned lazily: most processes hold no socket. */
		if (!have_comm) {
			read_comm(pid_dir, comm, sizeof(comm));
			comm_off = proc_table_add_comm(t, comm);
			have_comm = true;
		}
		proc_table_add(t, inode, pid, (int32_t)fd, comm_off);
	}
}

static void scan_pid(struct proc_table *t, int root, const char *name, int32_t pid)
{
	int pid_dir = openat(root, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int fd_dir;
	DIR *fds;

	if (pid_dir < 0)
		return; /* exited meanwhile */
	t->nr_procs_seen++;
	fd_dir = openat(pid_dir, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd_dir < 0) {
		if (errno == EACCES || errno == EPERM)
			t->nr_procs_denied++;
		close(pid_dir);
		return;
	}
	fds = fdopendir(fd_dir);
	if (!fds) {
		close(fd_dir);
		close(pid_dir);
		return;
	}
	scan_fds(t, pid_dir, pid, fds);
	closedir(fds);
	close(pid_dir);
}

int procmap_scan(struct proc_table *t, const char *proc_root)
{
	DIR *root = opendir(proc_root);
	struct dirent *de;
	unsigned n = 0;

	if (!root)
		return -errno;
	while ((de = readdir(root)) != NULL && n++ < MAX_ENTRIES) {
		uint64_t pid;

		if (procmap_parse_pid(de->d_name, &pid))
			scan_pid(t, dirfd(root), de->d_name, (int32_t)pid);
	}
	closedir(root);
	return 0;
}
