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

/* PID/stat is about 300 bytes; a command name holds at most 64 with its escapes. */
#define STAT_BUF_LEN 1024
/* Field numbers of proc(5): the state, and the start time. */
#define STAT_STATE_FIELD 3
#define STAT_START_FIELD 22

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

size_t proc_scanner_nr_pids(const struct proc_scanner *s)
{
	return s->nr_pids;
}

int procscan_parse_stat(const char *text, size_t len, char *state, uint64_t *start_ticks)
{
	const char *end = text + len, *p = NULL;
	uint64_t v = 0;
	int field = STAT_STATE_FIELD;

	/* The fields start after the last ')': comm (field 2) may hold anything else. */
	for (const char *q = text; q < end; q++)
		if (*q == ')')
			p = q;
	if (!p || end - p < 3 || p[1] != ' ' || p[2] == ' ')
		return -EINVAL;
	*state = p[2];
	for (p += 3; p < end && field < STAT_START_FIELD; p++)
		if (*p == ' ')
			field++;
	if (field != STAT_START_FIELD || p >= end || *p < '0' || *p > '9')
		return -EINVAL;
	for (; p < end && *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - 9) / 10)
			return -EINVAL;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (p < end && *p != ' ' && *p != '\n')
		return -EINVAL;
	*start_ticks = v;
	return 0;
}

/* Reads dir/PID/stat: 0, -ENOENT/-ESRCH when the process is gone, -EINVAL when unparsable. */
static int read_stat(int dir, const char *pid_name, char *state, uint64_t *start_ticks)
{
	char path[64], buf[STAT_BUF_LEN];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/stat", pid_name);
	fd = openat(dir, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n <= 0)
		return -ESRCH;
	return procscan_parse_stat(buf, (size_t)n, state, start_ticks);
}

struct walk_ctx {
	const struct proc_scan_ops *ops;
	void *arg;
	uint64_t start_ticks; /* of the process being read */
};

static void report(void *arg, const struct procmap_owner *o, uint64_t inode, int32_t fd)
{
	const struct walk_ctx *c = arg;
	struct proc_scan_owner so = {
		.pid = o->pid,
		.uid = o->uid,
		.start_ticks = c->start_ticks,
		.comm = o->comm,
		.cmdline = o->cmdline,
	};

	(void)fd;
	c->ops->sock(c->arg, inode, &so);
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

/* A pid the listing shows, while nothing more is wanted: only kept alive. */
static void mark_listed(struct proc_scanner *s, int32_t pid)
{
	uint64_t *slot = u64map_get(&s->pid_idx, (uint64_t)pid);

	if (slot && *slot)
		s->pids[*slot - 1].gen = s->gen;
}

/*
 * A partial walk skips a process whose PID/fd has the same inode and size as
 * when it was last read: the inode is made anew for a new process under the
 * same pid (the kernel drops the old /proc/PID dentries), so a reused pid is
 * read again without reading every PID/stat.
 */
static void read_pid(struct proc_scanner *s, int dir, const char *name, int32_t pid, bool full,
		     struct walk_ctx *c)
{
	struct proc_pid_state *ps;
	char path[64], state;
	uint64_t start = 0;
	struct stat st;
	bool is_new;
	int ret;

	snprintf(path, sizeof(path), "%s/fd", name);
	if (fstatat(dir, path, &st, 0) < 0)
		st.st_size = st.st_ino = 0;
	ps = pid_state(s, pid, &is_new);
	ps->gen = s->gen;
	if (!full && !is_new && st.st_size && st.st_size == ps->nr_fds &&
	    (uint64_t)st.st_ino == ps->fd_ino)
		return;
	ret = read_stat(dir, name, &state, &start);
	if (ret == -ENOENT || ret == -ESRCH)
		return; /* gone since the listing */
	ps->start_ticks = start;
	ps->nr_fds = st.st_size;
	ps->fd_ino = st.st_ino;
	c->start_ticks = start;
	if (procmap_walk_pid(dir, name, pid, true, report, c) == -EACCES && full)
		s->nr_denied++;
}

/* Drops the pids the last listing did not show; the index is rebuilt when any went. */
static void evict(struct proc_scanner *s)
{
	size_t kept = 0;

	for (size_t i = 0; i < s->nr_pids; i++)
		if (s->pids[i].gen == s->gen)
			s->pids[kept++] = s->pids[i];
	if (kept == s->nr_pids)
		return;
	s->nr_pids = kept;
	u64map_reset(&s->pid_idx);
	for (size_t i = 0; i < kept; i++)
		*u64map_upsert(&s->pid_idx, (uint64_t)s->pids[i].pid, NULL) = i + 1;
}

int proc_scanner_walk(struct proc_scanner *s, bool full, const struct proc_scan_ops *ops, void *arg)
{
	DIR *proc = opendir(s->proc_root);
	struct walk_ctx c = { .ops = ops, .arg = arg };
	bool reading = true;
	struct dirent *de;

	if (!proc)
		return -errno;
	s->gen++;
	if (full) {
		s->nr_denied = 0;
		s->full_done = true;
	}
	while ((de = readdir(proc)) != NULL) {
		uint64_t pid;

		if (!procmap_parse_pid(de->d_name, &pid))
			continue;
		if (reading && ops->want_more && !ops->want_more(arg))
			reading = false;
		if (reading)
			read_pid(s, dirfd(proc), de->d_name, (int32_t)pid, full, &c);
		else
			mark_listed(s, (int32_t)pid);
	}
	closedir(proc);
	evict(s);
	return 0;
}

bool proc_has_exited(const char *proc_root, int32_t pid, uint64_t start_ticks)
{
	char path[300], buf[STAT_BUF_LEN];
	uint64_t start;
	char state;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%d/stat", proc_root, pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT || errno == ESRCH;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n <= 0)
		return true;
	if (procscan_parse_stat(buf, (size_t)n, &state, &start) < 0)
		return false; /* unreadable: not known to be gone */
	return state == 'Z' || state == 'X' || (start_ticks && start != start_ticks);
}
