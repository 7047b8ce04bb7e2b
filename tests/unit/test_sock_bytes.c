// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The agent's compact cookie table (analyze/sock_bytes.c): the baseline
 * census, deltas, eviction after a census, and, against a plain array
 * model, growth in place, deletion by backward shift and shrinking, over
 * random censuses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* clang-format off: cmocka.h needs the headers above */
#include <cmocka.h>
/* clang-format on */

#include "analyze/sock_bytes.h"

static void update(struct sock_bytes *t, uint64_t cookie, uint64_t tx, uint64_t rx,
		   uint64_t want_dtx, uint64_t want_drx)
{
	uint64_t dtx = 99, drx = 99;
	struct sock_bytes_slot *s = sock_bytes_update(t, cookie, tx, rx, &dtx, &drx);

	assert_non_null(s);
	assert_int_equal(s->cookie, cookie);
	assert_int_equal(dtx, want_dtx);
	assert_int_equal(drx, want_drx);
}

static void test_baseline_and_deltas(void **state)
{
	struct sock_bytes t;

	(void)state;
	sock_bytes_init(&t);
	/* The first census is a baseline: no bytes. */
	update(&t, 7, 100, 1000, 0, 0);
	update(&t, 8, 5, 6, 0, 0);
	assert_int_equal(sock_bytes_end_census(&t), 0);
	/* Later: deltas; a new cookie counts from 0; a counter that went down gives 0. */
	update(&t, 7, 150, 1000, 50, 0);
	update(&t, 8, 4, 16, 0, 10);
	update(&t, 9, 30, 40, 30, 40);
	/* Twice in one census (a dump continued after a failure): counted once. */
	update(&t, 9, 30, 40, 0, 0);
	sock_bytes_find(&t, 9)->owner = 5;
	assert_int_equal(sock_bytes_end_census(&t), 0);
	/* Cookie 8 is not shown: dropped at the census's end, and new if it comes back. */
	update(&t, 7, 150, 1000, 0, 0);
	update(&t, 9, 31, 40, 1, 0);
	assert_int_equal(sock_bytes_end_census(&t), 1);
	assert_null(sock_bytes_find(&t, 8));
	assert_int_equal(t.nr, 2);
	assert_int_equal(sock_bytes_find(&t, 9)->owner, 5);
	update(&t, 8, 4, 16, 4, 16);
	assert_int_equal(sock_bytes_find(&t, 8)->owner, 0);
	sock_bytes_release(&t);
}

static void test_remap_owners(void **state)
{
	struct sock_bytes t;
	const uint32_t map[] = { 0, 1, 1, 2 };
	uint64_t d;

	(void)state;
	sock_bytes_init(&t);
	for (uint32_t c = 1; c <= 5; c++)
		sock_bytes_update(&t, c, 0, 0, &d, &d)->owner = c - 1;
	sock_bytes_remap_owners(&t, map, 4);
	assert_int_equal(sock_bytes_find(&t, 1)->owner, 0);
	assert_int_equal(sock_bytes_find(&t, 2)->owner, 1);
	assert_int_equal(sock_bytes_find(&t, 3)->owner, 1);
	assert_int_equal(sock_bytes_find(&t, 4)->owner, 2);
	assert_int_equal(sock_bytes_find(&t, 5)->owner, 4); /* beyond the map: unchanged */
	sock_bytes_release(&t);
}

#define NR_COOKIES 60000

struct model {
	uint64_t tx[NR_COOKIES], rx[NR_COOKIES];
	uint32_t owner[NR_COOKIES];
	bool present[NR_COOKIES];
};

/* Every cookie's slot agrees with the model; the table is at most 70 % full. */
static void check(struct sock_bytes *t, const struct model *m)
{
	size_t nr = 0;

	for (size_t i = 0; i < NR_COOKIES; i++) {
		struct sock_bytes_slot *s = sock_bytes_find(t, i + 1);

		if (!m->present[i]) {
			assert_null(s);
			continue;
		}
		nr++;
		assert_non_null(s);
		assert_int_equal(s->tx_bytes, m->tx[i]);
		assert_int_equal(s->rx_bytes, m->rx[i]);
		assert_int_equal(s->owner, m->owner[i]);
	}
	assert_int_equal(t->nr, nr);
	assert_true(t->nr * 10 <= t->cap * 7);
}

/* One census showing each cookie with probability keep_per_mille of those up to top. */
static void census(struct sock_bytes *t, struct model *m, size_t top, unsigned keep_per_mille)
{
	size_t dropped = 0;

	for (size_t i = 0; i < NR_COOKIES; i++) {
		uint64_t dtx, drx, tx, rx;
		bool shown = i < top && (unsigned)(rand() % 1000) < keep_per_mille;
		struct sock_bytes_slot *s;

		if (!shown) {
			dropped += m->present[i];
			m->present[i] = false;
			continue;
		}
		tx = (m->present[i] ? m->tx[i] : 0) + (uint64_t)(rand() % 3);
		rx = (m->present[i] ? m->rx[i] : 0) + (uint64_t)(rand() % 3);
		s = sock_bytes_update(t, i + 1, tx, rx, &dtx, &drx);
		assert_int_equal(dtx, tx - (m->present[i] ? m->tx[i] : 0));
		assert_int_equal(drx, rx - (m->present[i] ? m->rx[i] : 0));
		if (!m->present[i])
			m->owner[i] = 0;
		if (rand() % 4 == 0)
			m->owner[i] = s->owner = (uint32_t)(rand() % 1000);
		m->tx[i] = tx;
		m->rx[i] = rx;
		m->present[i] = true;
	}
	assert_int_equal(sock_bytes_end_census(t), dropped);
	check(t, m);
}

static void test_random_censuses(void **state)
{
	struct sock_bytes t;
	struct model *m = calloc(1, sizeof(*m));
	size_t peak_cap;

	(void)state;
	assert_non_null(m);
	srand(7);
	sock_bytes_init(&t);
	/* The baseline census: no deltas, so a model with nothing present before. */
	sock_bytes_end_census(&t);
	census(&t, m, NR_COOKIES, 900); /* grows in place from nothing */
	census(&t, m, NR_COOKIES, 900); /* about a fifth replaced */
	census(&t, m, NR_COOKIES, 500);
	peak_cap = t.cap;
	census(&t, m, NR_COOKIES / 2, 100); /* most dropped: shrinks */
	assert_true(t.cap * 4 <= peak_cap);
	census(&t, m, NR_COOKIES, 950); /* grows again */
	census(&t, m, 100, 1000);
	census(&t, m, 0, 0); /* empty */
	assert_int_equal(t.nr, 0);
	census(&t, m, NR_COOKIES, 700);
	sock_bytes_release(&t);
	free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_baseline_and_deltas),
		cmocka_unit_test(test_remap_owners),
		cmocka_unit_test(test_random_censuses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
