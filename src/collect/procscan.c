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

struct walk_ctx {
	const struct proc_scan_ops *ops;
	void *arg;
};

static void report(void *arg, const struct procmap_owner *o, uint64_t inode, int32_t fd)
{
	const struct walk_ctx *c = arg;

	(void)fd;
	c->ops->sock(c->arg, inode, o->pid, o->uid, o->comm, o->cmdline);
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
	struct walk_ctx c = { .ops = ops, .arg = arg };
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
		if (procmap_walk_pid(dirfd(proc), de->d_name, (int32_t)pid, true, report, &c) ==
			    -EACCES &&
		    full)
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
