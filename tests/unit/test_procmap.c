// SPDX-License-Identifier: GPL-2.0-or-later
/* procmap on a fake /proc tree built in a temporary directory. */
#include <ftw.h>
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fake_tree),
		cmocka_unit_test(test_missing_root),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
