// SPDX-License-Identifier: GPL-2.0-or-later
/* procmap on a fake /proc tree built in a temporary directory. */
#include <ftw.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* cmocka needs these first. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
// clang-format on

#include "base/strbuf.h"
#include "collect/procmap.h"
#include "collect/procscan.h"

static void put(const char *root, const char *rel, const char *text)
{
	struct strbuf p = STRBUF_INIT;
	FILE *f;

	strbuf_addf(&p, "%s/%s", root, rel);
	f = fopen(p.buf, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	strbuf_release(&p);
}

static void mk(const char *root, const char *rel)
{
	struct strbuf p = STRBUF_INIT;

	strbuf_addf(&p, "%s/%s", root, rel);
	assert_int_equal(mkdir(p.buf, 0700), 0);
	strbuf_release(&p);
}

static void link_fd(const char *root, int pid, int fd, const char *target)
{
	struct strbuf p = STRBUF_INIT;

	strbuf_addf(&p, "%s/%d/fd/%d", root, pid, fd);
	assert_int_equal(symlink(target, p.buf), 0);
	strbuf_release(&p);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void test_fake_tree(void **state)
{
	char root[] = "/tmp/cm-procmap-XXXXXX";
	struct proc_table t;
	const struct proc_ref *r;
	int n;

	(void)state;
	assert_non_null(mkdtemp(root));
	mk(root, "100");
	mk(root, "100/fd");
	put(root, "100/comm", "nginx\n");
	link_fd(root, 100, 3, "socket:[5001]");
	link_fd(root, 100, 4, "socket:[5002]");
	link_fd(root, 100, 5, "/var/log/nginx/access.log");
	link_fd(root, 100, 6, "socket:[junk]");
	mk(root, "200");
	mk(root, "200/fd");
	put(root, "200/comm", "worker");
	link_fd(root, 200, 7, "socket:[5001]"); /* shared by fork */
	link_fd(root, 200, 8, "pipe:[77]");
	mk(root, "300"); /* a process without a readable fd dir */
	put(root, "300/comm", "ghost\n");
	mk(root, "self");
	put(root, "cpuinfo", "x");

	proc_table_init(&t);
	assert_int_equal(procmap_scan(&t, root), 0);
	assert_int_equal(t.nr_procs_seen, 3);
	assert_int_equal(t.nr_refs, 3);

	n = 0;
	for (r = proc_table_first(&t, 5001); r; r = proc_table_next(&t, r)) {
		assert_true(r->pid == 100 || r->pid == 200);
		assert_string_equal(proc_table_comm(&t, r), r->pid == 100 ? "nginx" : "worker");
		assert_int_equal(r->fd, r->pid == 100 ? 3 : 7);
		n++;
	}
	assert_int_equal(n, 2);
	r = proc_table_first(&t, 5002);
	assert_non_null(r);
	assert_int_equal(r->fd, 4);
	assert_null(proc_table_first(&t, 77));
	proc_table_release(&t);

	assert_int_equal(nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
}

static void test_missing_root(void **state)
{
	struct proc_table t;

	(void)state;
	proc_table_init(&t);
	assert_true(procmap_scan(&t, "/nonexistent-cm-proc") < 0);
	proc_table_release(&t);
}

struct seen {
	int nr;
	int32_t pids[16];
	uint64_t inodes[16];
	char cmd[16][PROCSCAN_CMD_LEN];
	bool stop;
};

static void on_sock(void *arg, uint64_t inode, int32_t pid, uint32_t uid, const char *comm,
		    const char *cmdline)
{
	struct seen *s = arg;

	(void)uid;
	(void)comm;
	if (s->nr < 16) {
		s->pids[s->nr] = pid;
		s->inodes[s->nr] = inode;
		snprintf(s->cmd[s->nr], sizeof(s->cmd[0]), "%s", cmdline);
		s->nr++;
	}
}

static bool want(void *arg)
{
	return !((struct seen *)arg)->stop;
}

/* Full walks read everything; partial walks only new processes (or changed fd counts). */
static void test_incremental_scanner(void **state)
{
	char root[] = "/tmp/cm-procscan-XXXXXX";
	const struct proc_scan_ops ops = { .sock = on_sock, .want_more = want };
	struct proc_scanner sc;
	struct seen s = { 0 };

	(void)state;
	assert_non_null(mkdtemp(root));
	mk(root, "100");
	mk(root, "100/fd");
	put(root, "100/comm", "nginx\n");
	{
		static const char cmdline[] = "nginx\0-g\0daemon off;\0";
		struct strbuf p = STRBUF_INIT;
		FILE *f;

		strbuf_addf(&p, "%s/100/cmdline", root);
		f = fopen(p.buf, "w");
		assert_non_null(f);
		fwrite(cmdline, 1, sizeof(cmdline) - 1, f);
		fclose(f);
		strbuf_release(&p);
	}
	put(root, "100/stat", "100 (nginx) S 1 100 100 0");
	link_fd(root, 100, 3, "socket:[5001]");
	link_fd(root, 100, 4, "pipe:[77]");
	proc_scanner_init(&sc, root);

	assert_int_equal(proc_scanner_walk(&sc, true, &ops, &s), 0);
	assert_int_equal(s.nr, 1);
	assert_int_equal(s.pids[0], 100);
	assert_int_equal(s.inodes[0], 5001);
	assert_string_equal(s.cmd[0], "nginx -g daemon off;");
	assert_true(sc.full_done);

	memset(&s, 0, sizeof(s));
	assert_int_equal(proc_scanner_walk(&sc, false, &ops, &s), 0);
	assert_int_equal(s.nr, 0); /* nothing new, nothing read */

	mk(root, "300");
	mk(root, "300/fd");
	put(root, "300/comm", "sshd");
	put(root, "300/stat", "300 (ss hd) Z 1 300 300 0");
	link_fd(root, 300, 9, "socket:[7007]");
	assert_int_equal(proc_scanner_walk(&sc, false, &ops, &s), 0);
	assert_int_equal(s.nr, 1);
	assert_int_equal(s.pids[0], 300);
	assert_int_equal(s.inodes[0], 7007);

	memset(&s, 0, sizeof(s));
	s.stop = true; /* every socket owned: the walk reads nothing */
	assert_int_equal(proc_scanner_walk(&sc, true, &ops, &s), 0);
	assert_int_equal(s.nr, 0);

	assert_false(proc_has_exited(root, 100));
	assert_true(proc_has_exited(root, 300)); /* a zombie, with a ')' inside its comm's parens */
	assert_true(proc_has_exited(root, 999));
	proc_scanner_release(&sc);
	assert_int_equal(nftw(root, rm_one, 8, FTW_DEPTH | FTW_PHYS), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fake_tree),
		cmocka_unit_test(test_missing_root),
		cmocka_unit_test(test_incremental_scanner),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
