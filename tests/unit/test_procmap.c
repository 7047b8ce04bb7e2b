// SPDX-License-Identifier: GPL-2.0-or-later
/* procmap on a fake /proc tree built in a temporary directory. */
#include <errno.h>
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
	uint64_t starts[16];
	char cmd[16][PROCSCAN_CMD_LEN];
	bool stop;
};

static void on_sock(void *arg, uint64_t inode, const struct proc_scan_owner *o)
{
	struct seen *s = arg;

	if (s->nr < 16) {
		s->pids[s->nr] = o->pid;
		s->inodes[s->nr] = inode;
		s->starts[s->nr] = o->start_ticks;
		snprintf(s->cmd[s->nr], sizeof(s->cmd[0]), "%s", o->cmdline);
		s->nr++;
	}
}

/* A PID/stat line as Linux writes it: 52 fields, start time in field 22. */
static void put_stat(const char *root, int pid, const char *comm, char state, uint64_t start)
{
	char rel[64], text[512];

	snprintf(rel, sizeof(rel), "%d/stat", pid);
	snprintf(text, sizeof(text),
		 "%d (%s) %c 1 %d %d 0 -1 4194560 1201 0 0 0 12 3 0 0 20 0 1 0 %llu 11075584 "
		 "1146 18446744073709551615 1 1 0 0 0 0 0 4096 1260 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 "
		 "0 0 0\n",
		 pid, comm, state, pid, pid, (unsigned long long)start);
	put(root, rel, text);
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
	put_stat(root, 100, "nginx", 'S', 4711);
	link_fd(root, 100, 3, "socket:[5001]");
	link_fd(root, 100, 4, "pipe:[77]");
	proc_scanner_init(&sc, root);

	assert_int_equal(proc_scanner_walk(&sc, true, &ops, &s), 0);
	assert_int_equal(s.nr, 1);
	assert_int_equal(s.pids[0], 100);
	assert_int_equal(s.inodes[0], 5001);
	assert_int_equal(s.starts[0], 4711);
	assert_string_equal(s.cmd[0], "nginx -g daemon off;");
	assert_true(sc.full_done);

	memset(&s, 0, sizeof(s));
	assert_int_equal(proc_scanner_walk(&sc, false, &ops, &s), 0);
	assert_int_equal(s.nr, 0); /* nothing new, nothing read */

	mk(root, "300");
	mk(root, "300/fd");
	put(root, "300/comm", "sshd");
	put_stat(root, 300, "ss) hd", 'Z', 900);
	link_fd(root, 300, 9, "socket:[7007]");
	assert_int_equal(proc_scanner_walk(&sc, false, &ops, &s), 0);
	assert_int_equal(s.nr, 1);
	assert_int_equal(s.pids[0], 300);
	assert_int_equal(s.inodes[0], 7007);

	memset(&s, 0, sizeof(s));
	s.stop = true; /* every socket owned: the walk reads nothing */
	assert_int_equal(proc_scanner_walk(&sc, true, &ops, &s), 0);
	assert_int_equal(s.nr, 0);

	assert_false(proc_has_exited(root, 100, 4711));
	assert_false(proc_has_exited(root, 100, 0));
	assert_true(proc_has_exited(root, 100, 4712)); /* pid 100 is another process now */
	assert_true(proc_has_exited(root, 300, 900));  /* a zombie, with a ')' inside its comm */
	assert_true(proc_has_exited(root, 999, 0));
	proc_scanner_release(&sc);
	assert_int_equal(nftw(root, rm_one, 8, FTW_DEPTH | FTW_PHYS), 0);
}

/* Field 22 after a command name that holds spaces and parentheses; bad lines refused. */
static void test_parse_stat(void **state)
{
	static const char good[] = "42 (a) b (c)) R 1 42 42 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 "
				   "98765 0 0";
	static const char *const bad[] = {
		"",
		"42 (x",
		"42 (x)",
		"42 (x) ",
		"42 (x) S 1 2 3",
		"42 (x) S 1 42 42 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 ",
		"42 (x) S 1 42 42 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 12x4 0",
		"42 (x) S 1 42 42 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 99999999999999999999999 0",
	};
	uint64_t start = 0;
	char st = 0;

	(void)state;
	assert_int_equal(procscan_parse_stat(good, strlen(good), &st, &start), 0);
	assert_int_equal(st, 'R');
	assert_int_equal(start, 98765);
	/* the same line cut right after the start time */
	assert_int_equal(procscan_parse_stat(good, strlen(good) - 4, &st, &start), 0);
	assert_int_equal(start, 98765);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(procscan_parse_stat(bad[i], strlen(bad[i]), &st, &start), -EINVAL);
}

/*
 * A reused pid is a new process (read again, with its own start time), and
 * the state of pids /proc no longer lists is dropped by every walk, even
 * one that stopped reading early.
 */
static void test_scanner_reuse_and_eviction(void **state)
{
	char root[] = "/tmp/cm-procscan-XXXXXX";
	const struct proc_scan_ops ops = { .sock = on_sock, .want_more = want };
	struct proc_scanner sc;
	struct seen s = { 0 };
	char rel[64];

	(void)state;
	assert_non_null(mkdtemp(root));
	for (int pid = 200; pid < 240; pid++) {
		snprintf(rel, sizeof(rel), "%d", pid);
		mk(root, rel);
		snprintf(rel, sizeof(rel), "%d/fd", pid);
		mk(root, rel);
		put_stat(root, pid, "client", 'S', 1000 + (uint64_t)pid);
		link_fd(root, pid, 3, "socket:[9000]");
	}
	proc_scanner_init(&sc, root);
	assert_int_equal(proc_scanner_walk(&sc, true, &ops, &s), 0);
	assert_int_equal(proc_scanner_nr_pids(&sc), 40);

	/*
	 * pid 210 exits and a new process gets its pid, with the same descriptor
	 * count: a new /proc/210 (made before the old one goes, so that the
	 * file system cannot hand the old inode numbers out again).
	 */
	snprintf(rel, sizeof(rel), "%s/210", root);
	{
		char old[80];

		snprintf(old, sizeof(old), "%s/old210", root);
		assert_int_equal(rename(rel, old), 0);
		mk(root, "210");
		mk(root, "210/fd");
		put_stat(root, 210, "client", 'S', 5000);
		link_fd(root, 210, 3, "socket:[9000]");
		assert_int_equal(nftw(old, rm_one, 8, FTW_DEPTH | FTW_PHYS), 0);
	}
	memset(&s, 0, sizeof(s));
	assert_int_equal(proc_scanner_walk(&sc, false, &ops, &s), 0);
	assert_int_equal(s.nr, 1);
	assert_int_equal(s.pids[0], 210);
	assert_int_equal(s.starts[0], 5000);

	/* 30 processes go; a walk that wants nothing still lists /proc and forgets them */
	for (int pid = 200; pid < 230; pid++) {
		snprintf(rel, sizeof(rel), "%s/%d", root, pid);
		assert_int_equal(nftw(rel, rm_one, 8, FTW_DEPTH | FTW_PHYS), 0);
	}
	memset(&s, 0, sizeof(s));
	s.stop = true;
	assert_int_equal(proc_scanner_walk(&sc, false, &ops, &s), 0);
	assert_int_equal(s.nr, 0);
	assert_int_equal(proc_scanner_nr_pids(&sc), 10);
	/* the survivors are still known: a partial walk reads none of them again */
	s.stop = false;
	assert_int_equal(proc_scanner_walk(&sc, false, &ops, &s), 0);
	assert_int_equal(s.nr, 0);
	assert_int_equal(proc_scanner_nr_pids(&sc), 10);
	proc_scanner_release(&sc);
	assert_int_equal(nftw(root, rm_one, 8, FTW_DEPTH | FTW_PHYS), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fake_tree),
		cmocka_unit_test(test_missing_root),
		cmocka_unit_test(test_incremental_scanner),
		cmocka_unit_test(test_parse_stat),
		cmocka_unit_test(test_scanner_reuse_and_eviction),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
