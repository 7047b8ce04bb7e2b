// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The agent's per-process counters (app/agent_procs.c) over a fake /proc
 * tree and hand-made census dumps: the top N and other, series born at 0,
 * idle processes keeping their slot, totals kept across an absence, a failed
 * census, and the eviction of processes gone.
 */
#include <errno.h>
#include <ftw.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

/* clang-format off: cmocka.h needs the headers above */
#include <cmocka.h>
/* clang-format on */

#include "app/agent.h"

#define SEC 1000000000ull

struct fake {
	char root[32];
	struct agent_procs p;
	struct series_table st;
	struct strbuf sb;
	uint64_t now_ns;
	uint64_t tick;
};

static void put(const char *root, const char *rel, const char *text)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* /proc/PID with its stat (start time: field 22), comm and one socket descriptor. */
static void add_proc(const char *root, int pid, const char *comm, uint64_t start, uint64_t inode)
{
	char path[128], text[256];

	snprintf(path, sizeof(path), "%s/%d", root, pid);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/%d/fd", root, pid);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(text, sizeof(text),
		 "%d (%s) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 %llu 1000 10\n", pid, comm,
		 (unsigned long long)start);
	snprintf(path, sizeof(path), "%d/stat", pid);
	put(root, path, text);
	snprintf(path, sizeof(path), "%d/comm", pid);
	snprintf(text, sizeof(text), "%s\n", comm);
	put(root, path, text);
	snprintf(path, sizeof(path), "%s/%d/fd/3", root, pid);
	snprintf(text, sizeof(text), "socket:[%llu]", (unsigned long long)inode);
	assert_int_equal(symlink(text, path), 0);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void rm_tree(const char *path)
{
	assert_int_equal(nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
}

static struct sock_entry tcp(uint64_t cookie, uint64_t inode, uint64_t tx, uint64_t rx)
{
	struct sock_entry e;

	memset(&e, 0, sizeof(e));
	e.proto = PROTO_TCP;
	e.family = AF_INET;
	e.state = SOCK_ST_ESTABLISHED;
	e.cookie = cookie;
	e.inode = inode;
	e.has = SOCK_HAS_COOKIE | SOCK_HAS_INFO;
	e.tcpi_len = sizeof(e.tcpi);
	e.tcpi.tcpi_bytes_acked = tx;
	e.tcpi.tcpi_bytes_received = rx;
	return e;
}

static void fake_init(struct fake *f)
{
	memset(f, 0, sizeof(*f));
	snprintf(f->root, sizeof(f->root), "/tmp/cm-agentprocs-XXXXXX");
	assert_non_null(mkdtemp(f->root));
	agent_procs_init(&f->p, f->root);
	series_table_init(&f->st);
	strbuf_init(&f->sb, 64);
}

static void fake_release(struct fake *f)
{
	agent_procs_release(&f->p);
	series_table_release(&f->st);
	strbuf_release(&f->sb);
	rm_tree(f->root);
}

/* One census a second: the dump, the sample, then the consumer's emit with max_procs. */
static void census(struct fake *f, const struct sock_entry *v, size_t n, uint32_t max_procs,
		   int err)
{
	for (size_t i = 0; i < n; i++)
		agent_procs_add_sock(&f->p, &v[i]);
	f->now_ns += SEC;
	agent_procs_sample(&f->p, err, f->now_ns);
	series_table_begin(&f->st, ++f->tick);
	agent_procs_emit(&f->p, &f->st, max_procs, &f->sb);
}

/* This tick's value of a series, NaN when the tick did not produce it. */
static double value(const struct fake *f, enum metric_family_id id, const char *labels)
{
	uint32_t slot = series_table_find(&f->st, &metric_families[id], labels);

	if (slot == UINT32_MAX)
		return NAN;
	return f->st.v[slot].value;
}

static double rx(const struct fake *f, const char *labels)
{
	return value(f, MF_PROCESS_RX_BYTES, labels);
}

#define ALPHA "pid=\"100\",comm=\"alpha\""
#define BETA  "pid=\"200\",comm=\"beta\""
#define OTHER "pid=\"\",comm=\"other\""

static void test_top_other_born_at_zero(void **state)
{
	struct fake f;

	(void)state;
	fake_init(&f);
	add_proc(f.root, 100, "alpha", 500, 11);
	add_proc(f.root, 200, "beta", 600, 22);

	/* The first census is a baseline: bytes from before the agent do not count. */
	census(&f, (struct sock_entry[]){ tcp(1, 11, 70, 7000), tcp(2, 22, 0, 9000) }, 2, 1, 0);
	assert_int_equal(f.st.nr_produced, 0);

	/* N = 1: alpha gets a series, beta's bytes go to other; both are born at 0. */
	census(&f, (struct sock_entry[]){ tcp(1, 11, 70, 8000), tcp(2, 22, 0, 9300) }, 2, 1, 0);
	assert_true(rx(&f, ALPHA) == 0);
	assert_true(rx(&f, OTHER) == 0);
	assert_true(isnan(rx(&f, BETA)));
	assert_true(value(&f, MF_PROCESS_TX_BYTES, ALPHA) == 0);

	/* The births' bytes show up in the next samples. */
	census(&f, (struct sock_entry[]){ tcp(1, 11, 90, 8500), tcp(2, 22, 0, 9400) }, 2, 1, 0);
	assert_true(rx(&f, ALPHA) == 1500);
	assert_true(value(&f, MF_PROCESS_TX_BYTES, ALPHA) == 20);
	assert_true(rx(&f, OTHER) == 400);

	/* N = 2: beta is born; alpha, idle, keeps its slot; other holds steady. */
	census(&f, (struct sock_entry[]){ tcp(1, 11, 90, 8500), tcp(2, 22, 0, 9450) }, 2, 2, 0);
	assert_true(rx(&f, BETA) == 0);
	assert_true(rx(&f, ALPHA) == 1500);
	assert_true(rx(&f, OTHER) == 400);
	census(&f, (struct sock_entry[]){ tcp(1, 11, 90, 8500), tcp(2, 22, 0, 9500) }, 2, 2, 0);
	assert_true(rx(&f, BETA) == 100);
	assert_true(rx(&f, ALPHA) == 1500);

	/* N = 1 again: beta is busier, alpha's bytes count in other and its series pauses. */
	census(&f, (struct sock_entry[]){ tcp(1, 11, 90, 8600), tcp(2, 22, 0, 9700) }, 2, 1, 0);
	assert_true(rx(&f, BETA) == 300);
	assert_true(rx(&f, OTHER) == 500);
	assert_true(isnan(rx(&f, ALPHA)));

	/* Alpha comes back and goes on from its total; every byte is in exactly one series. */
	census(&f, (struct sock_entry[]){ tcp(1, 11, 90, 9600), tcp(2, 22, 0, 9700) }, 2, 1, 0);
	assert_true(rx(&f, ALPHA) == 2500);
	assert_true(isnan(rx(&f, BETA)));
	assert_true(rx(&f, OTHER) == 500);
	assert_true(2500 + 300 + 500 == (9600 - 7000) + (9700 - 9000));
	fake_release(&f);
}

static void test_failed_census_counts_once(void **state)
{
	struct fake f;

	(void)state;
	fake_init(&f);
	add_proc(f.root, 100, "alpha", 500, 11);
	add_proc(f.root, 200, "beta", 600, 22);
	census(&f, (struct sock_entry[]){ tcp(1, 11, 0, 100), tcp(2, 22, 0, 100) }, 2, 8, 0);
	/* A dump that broke off after the first socket: nothing is published. */
	census(&f, (struct sock_entry[]){ tcp(1, 11, 0, 1100) }, 1, 8, -EINTR);
	assert_int_equal(f.st.nr_produced, 0);
	/* The next one continues it: beta's socket did not die, alpha's bytes count once. */
	census(&f, (struct sock_entry[]){ tcp(1, 11, 0, 1600), tcp(2, 22, 0, 300) }, 2, 8, 0);
	assert_true(rx(&f, ALPHA) == 0);
	assert_true(rx(&f, BETA) == 0);
	census(&f, (struct sock_entry[]){ tcp(1, 11, 0, 1600), tcp(2, 22, 0, 300) }, 2, 8, 0);
	assert_true(rx(&f, ALPHA) == 1500);
	assert_true(rx(&f, BETA) == 200);
	assert_true(isnan(rx(&f, OTHER)));
	fake_release(&f);
}

static void test_gone_processes_are_forgotten(void **state)
{
	struct fake f;
	char path[64];

	(void)state;
	fake_init(&f);
	add_proc(f.root, 100, "alpha", 500, 11);
	add_proc(f.root, 200, "beta", 600, 22);
	census(&f, (struct sock_entry[]){ tcp(1, 11, 0, 0), tcp(2, 22, 0, 0) }, 2, 8, 0);
	census(&f, (struct sock_entry[]){ tcp(1, 11, 0, 10), tcp(2, 22, 0, 10) }, 2, 8, 0);
	assert_int_equal(f.p.nr, 2);

	/*
	 * Alpha exits with its socket; beta lives on, idle.  Alpha's total
	 * stays AGENT_PROCS_EXITED_CENSUSES censuses after its exit, then goes.
	 */
	snprintf(path, sizeof(path), "%s/100", f.root);
	rm_tree(path);
	for (int i = 0; i < AGENT_PROCS_EXITED_CENSUSES; i++) {
		census(&f, (struct sock_entry[]){ tcp(2, 22, 0, 10) }, 1, 8, 0);
		assert_int_equal(f.p.nr, 2);
		assert_false(f.p.v[0].alive && f.p.v[0].pid == 100);
	}
	census(&f, (struct sock_entry[]){ tcp(2, 22, 0, 10) }, 1, 8, 0);
	assert_int_equal(f.p.nr, 1);
	assert_int_equal(f.p.v[0].pid, 200);
	for (int i = 0; i < 2 * AGENT_PROCS_EXITED_CENSUSES; i++)
		census(&f, (struct sock_entry[]){ tcp(2, 22, 0, 10) }, 1, 8, 0);
	assert_int_equal(f.p.nr, 1); /* beta, alive and idle, stays */

	/*
	 * The same pid again, with another start time: a new process, a new
	 * total.  A fake tree may give the new PID/fd the old one's inode, which
	 * /proc never does, so only the full walk, due after
	 * AGENT_PROCS_FULL_RESCAN_S, is sure to read it.
	 */
	add_proc(f.root, 100, "alpha", 900, 33);
	f.now_ns += AGENT_PROCS_FULL_RESCAN_S * SEC;
	census(&f, (struct sock_entry[]){ tcp(2, 22, 0, 10), tcp(3, 33, 0, 50) }, 2, 8, 0);
	census(&f, (struct sock_entry[]){ tcp(2, 22, 0, 10), tcp(3, 33, 0, 80) }, 2, 8, 0);
	assert_true(rx(&f, ALPHA) == 80);
	assert_int_equal(f.p.nr, 2);
	fake_release(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_top_other_born_at_zero),
		cmocka_unit_test(test_failed_census_counts_once),
		cmocka_unit_test(test_gone_processes_are_forgotten),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
