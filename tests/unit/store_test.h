/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Helpers shared by the store's unit tests (runner 'store'): a temporary
 * directory per test, and a database opened with small blocks.
 */
#ifndef CONNMON_TESTS_STORE_TEST_H
#define CONNMON_TESTS_STORE_TEST_H

#include <stdint.h>

#include "store/store.h"

/* An hour boundary (2023-11-14 22:00:00 UTC): blocks and buckets start here. */
#define T0     1699999200000LL
#define SEC    1000LL
#define MINUTE (60 * SEC)
#define HOUR   (60 * MINUTE)
#define DAY    (24 * HOUR)

struct tdir {
	char dir[64];
	char db[96];
};

void tdir_make(struct tdir *d);
void tdir_remove(struct tdir *d);
struct store *open_writer(const char *path, const struct store_options *o);
struct store *open_reader(const char *path);
int64_t series_id(struct store *st, const char *name, const char *labels, enum store_kind kind);
/* Runs one SQL statement on the file through a connection of its own; returns its first integer. */
long long sql_int(const char *path, const char *sql);
/* Queries one series (exact labels) of name: the caller frees res. */
const struct store_result_series *query_one(struct store *st, struct store_result *res,
					    const char *name, int64_t since, int64_t until,
					    int64_t step, int tier);

/* test_store_data.c */
extern const struct CMUnitTest store_data_tests[];
extern const size_t nr_store_data_tests;
extern const struct CMUnitTest store_alert_tests[];
extern const size_t nr_store_alert_tests;

#endif
