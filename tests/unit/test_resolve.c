// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The name cache of `sockets -r`: one lookup per address until it expires,
 * negative answers cached too, the worker's answers announced on its
 * descriptor, and a cache and queue that stay bounded whatever the number of
 * addresses.  The lookup is a fake: no DNS traffic leaves the test.
 */
#include <errno.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* cmocka needs these first. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
// clang-format on

#include "collect/resolve.h"

#define SEC 1000000000ull

static atomic_uint calls;
static atomic_uint slow_ms;

/* 10.a.b.c is named "h-a-b-c"; 10.0.0.9 has no name. */
static void fake(int family, const uint8_t *addr, char *name, size_t len)
{
	unsigned ms = atomic_load(&slow_ms);

	atomic_fetch_add(&calls, 1);
	if (ms) {
		struct timespec ts = { 0, (long)ms * 1000000L };

		nanosleep(&ts, NULL);
	}
	if (family != AF_INET || (addr[0] == 10 && addr[1] == 0 && addr[2] == 0 && addr[3] == 9))
		name[0] = '\0';
	else
		snprintf(name, len, "h-%u-%u-%u", addr[1], addr[2], addr[3]);
}

static void a4(uint8_t *a, unsigned n)
{
	memset(a, 0, 16);
	a[0] = 10;
	a[1] = (uint8_t)(n >> 16);
	a[2] = (uint8_t)(n >> 8);
	a[3] = (uint8_t)n;
}

static void test_sync_caches_until_expiry(void **state)
{
	struct resolver *r;
	uint8_t a[16];
	char buf[64];

	(void)state;
	atomic_store(&calls, 0);
	assert_int_equal(resolver_new(&r, false, fake), 0);
	a4(a, 0x010203);
	assert_int_equal(resolver_get(r, AF_INET, a, 1 * SEC, buf, sizeof(buf)), 7);
	assert_string_equal(buf, "h-1-2-3");
	assert_int_equal(resolver_get(r, AF_INET, a, 2 * SEC, buf, sizeof(buf)), 7);
	assert_int_equal(atomic_load(&calls), 1);
	/* past the TTL: looked up again */
	resolver_get(r, AF_INET, a, (2 + RESOLVE_TTL_S) * SEC, buf, sizeof(buf));
	assert_int_equal(atomic_load(&calls), 2);
	/* no name: cached as such for the shorter TTL */
	a4(a, 9);
	assert_int_equal(resolver_get(r, AF_INET, a, 10 * SEC, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	resolver_get(r, AF_INET, a, 11 * SEC, buf, sizeof(buf));
	assert_int_equal(atomic_load(&calls), 3);
	resolver_get(r, AF_INET, a, (11 + RESOLVE_NEG_TTL_S) * SEC, buf, sizeof(buf));
	assert_int_equal(atomic_load(&calls), 4);
	/* a short buffer gets a cut, terminated name */
	a4(a, 0x010203);
	assert_int_equal(resolver_get(r, AF_INET, a, 12 * SEC, buf, 4), 3);
	assert_string_equal(buf, "h-1");
	resolver_free(r);
}

static void wait_fd(struct resolver *r)
{
	struct pollfd p = { .fd = resolver_fd(r), .events = POLLIN };
	uint64_t v;

	assert_int_equal(poll(&p, 1, 5000), 1);
	assert_int_equal(read(p.fd, &v, sizeof(v)), (ssize_t)sizeof(v));
}

static void test_async_never_blocks(void **state)
{
	struct resolver *r;
	uint8_t a[16];
	char buf[64];

	(void)state;
	atomic_store(&calls, 0);
	atomic_store(&slow_ms, 200); /* a slow DNS */
	assert_int_equal(resolver_new(&r, true, fake), 0);
	assert_true(resolver_fd(r) >= 0);
	a4(a, 0x000102);
	/* not known yet: the caller prints the address, at once */
	assert_int_equal(resolver_get(r, AF_INET, a, 1 * SEC, buf, sizeof(buf)), 0);
	assert_int_equal(resolver_get(r, AF_INET, a, 1 * SEC, buf, sizeof(buf)), 0);
	wait_fd(r);
	assert_int_equal(resolver_get(r, AF_INET, a, 2 * SEC, buf, sizeof(buf)), 7);
	assert_string_equal(buf, "h-0-1-2");
	assert_int_equal(atomic_load(&calls), 1); /* asked twice, looked up once */
	/* expired: the old name stays while it is looked up again */
	assert_int_equal(resolver_get(r, AF_INET, a, (3 + RESOLVE_TTL_S) * SEC, buf, sizeof(buf)),
			 7);
	wait_fd(r);
	assert_int_equal(atomic_load(&calls), 2);
	atomic_store(&slow_ms, 0);
	resolver_free(r);
}

static void test_cache_is_bounded(void **state)
{
	struct resolver *r;
	struct resolver_stats st;
	uint8_t a[16];
	char buf[64];

	(void)state;
	assert_int_equal(resolver_new(&r, false, fake), 0);
	for (unsigned i = 0; i < 100000; i++) {
		a4(a, i + 0x100000);
		resolver_get(r, AF_INET, a, (uint64_t)(i + 1) * 1000, buf, sizeof(buf));
	}
	resolver_get_stats(r, &st);
	assert_true(st.nr_cached <= RESOLVE_SETS * RESOLVE_WAYS);
	assert_true(st.nr_cached > RESOLVE_SETS * RESOLVE_WAYS / 2);
	assert_true(st.nr_evicted >= 100000 - RESOLVE_SETS * RESOLVE_WAYS);
	/* the most recent address is still there */
	a4(a, 99999 + 0x100000);
	st.nr_lookups = 0;
	resolver_get_stats(r, &st);
	{
		uint64_t before = st.nr_lookups;

		resolver_get(r, AF_INET, a, 200 * SEC / 1000, buf, sizeof(buf));
		resolver_get_stats(r, &st);
		assert_int_equal(st.nr_lookups, before);
	}
	resolver_free(r);
}

static void test_queue_is_bounded(void **state)
{
	struct resolver *r;
	struct resolver_stats st;
	uint8_t a[16];
	char buf[64];

	(void)state;
	atomic_store(&slow_ms, 20);
	assert_int_equal(resolver_new(&r, true, fake), 0);
	for (unsigned i = 0; i < 2000; i++) {
		a4(a, i + 0x200000);
		assert_int_equal(resolver_get(r, AF_INET, a, 1 * SEC, buf, sizeof(buf)), 0);
	}
	resolver_get_stats(r, &st);
	assert_true(st.nr_queued <= RESOLVE_QUEUE);
	assert_true(st.nr_dropped >= 2000 - RESOLVE_QUEUE - RESOLVE_SETS * RESOLVE_WAYS);
	assert_true(st.nr_dropped > 0);
	atomic_store(&slow_ms, 0);
	resolver_free(r); /* stops with a full queue */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sync_caches_until_expiry),
		cmocka_unit_test(test_async_never_blocks),
		cmocka_unit_test(test_cache_is_bounded),
		cmocka_unit_test(test_queue_is_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
