// SPDX-License-Identifier: GPL-2.0-or-later
#include "collect/procscan.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/xalloc.h"
#include "collect/procmap.h"

void proc_scanner_init(struct proc_scanner *s, const char *proc_root)
{
	memset(s, 0, sizeof(*s));
	s->proc_root = proc_root;
	u64map_init(&s->pid_idx);
}

void proc_scanner_release(struct proc_scanner *s)
{
	u64map_release(&s->pid_idx);
	free(s->pids);
	proc_scanner_init(s, s->proc_root);
}

/* A small file into buf: NULs (cmdline) to spaces, trailing blanks cut. */
static void read_small(int dir, const char *name, char *buf, size_t cap)
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
}

/* Reports every socket pid holds; false when its fds may not be read. */
static bool walk_pid(int proc_fd, const char *name, int32_t pid, const struct proc_scan_ops *ops,
		     void *arg)
{
	char comm[PROCSCAN_COMM_LEN], cmd[PROCSCAN_CMD_LEN];
	bool have_names = false;
	struct dirent *de;
	struct stat st;
	int pid_dir, fd_dir;
	DIR *fds;

	pid_dir = openat(proc_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pid_dir < 0)
		return true; /* gone meanwhile */
	fd_dir = openat(pid_dir, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd_dir < 0 || fstat(pid_dir, &st) < 0 || !(fds = fdopendir(fd_dir))) {
		bool denied = errno == EACCES || errno == EPERM;

		if (fd_dir >= 0)
			close(fd_dir);
		close(pid_dir);
		return !denied;
	}
	while ((de = readdir(fds)) != NULL) {
		char link[64];
		ssize_t len = readlinkat(fd_dir, de->d_name, link, sizeof(link));
		uint64_t inode;

		if (len <= 0 || (size_t)len >= sizeof(link) ||
		    !procmap_socket_inode(link, (size_t)len, &inode))
			continue;
		if (!have_names) {
			read_small(pid_dir, "comm", comm, sizeof(comm));
			read_small(pid_dir, "cmdline", cmd, sizeof(cmd));
			have_names = true;
		}
		ops->sock(arg, inode, pid, st.st_uid, comm, cmd);
	}
	closedir(fds);
	close(pid_dir);
	return true;
}

static struct proc_pid_state *pid_state(struct proc_scanner *s, int32_t pid, bool *is_new)
{
	uint64_t *slot = u64map_upsert(&s->pid_idx, (uint64_t)pid, is_new);

	if (*is_new) {
		ALLOC_GROW(s->pids, s->nr_pids + 1, s->alloc_pids);
		s->pids[s->nr_pids] = (struct proc_pid_state){ .pid = pid, .nr_fds = -1 };
		*slot = ++s->nr_pids;
	}
	return &s->pids[*slot - 1];
}

int proc_scanner_walk(struct proc_scanner *s, bool full, const struct proc_scan_ops *ops, void *arg)
{
	DIR *proc = opendir(s->proc_root);
	struct dirent *de;

	if (!proc)
		return -errno;
	s->gen++;
	if (full) {
		s->nr_denied = 0;
		s->full_done = true;
	}
	while ((!ops->want_more || ops->want_more(arg)) && (de = readdir(proc)) != NULL) {
		char path[300];
		struct proc_pid_state *ps;
		struct stat st;
		uint64_t pid;
		bool is_new;

		if (!procmap_parse_pid(de->d_name, &pid))
			continue;
		snprintf(path, sizeof(path), "%s/fd", de->d_name);
		if (fstatat(dirfd(proc), path, &st, 0) < 0)
			st.st_size = 0;
		ps = pid_state(s, (int32_t)pid, &is_new);
		ps->gen = s->gen;
		if (!full && !is_new && st.st_size && st.st_size == ps->nr_fds)
			continue;
		ps->nr_fds = st.st_size;
		if (!walk_pid(dirfd(proc), de->d_name, (int32_t)pid, ops, arg) && full)
			s->nr_denied++;
	}
	closedir(proc);
	return 0;
}

bool proc_has_exited(const char *proc_root, int32_t pid)
{
	char path[300], buf[512];
	const char *paren;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%d/stat", proc_root, pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT || errno == ESRCH;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return true;
	buf[n] = '\0';
	paren = strrchr(buf, ')');
	return paren && paren[1] == ' ' && (paren[2] == 'Z' || paren[2] == 'X');
}
