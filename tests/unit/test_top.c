// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The table of `connmon top` (ui/top_table.h): cells are copied
 * display-safe, columns fit a width (drop, squeeze, widen), rows sort by
 * key or text (stable, reversible), search wraps both ways, and refs
 * compare as the selection and the tags need.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* cmocka needs these first. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
// clang-format on

#include "ui/top_table.h"

static const struct top_col cols3[] = {
	{ "Name", 10, 4, 0, TOP_ALIGN_LEFT, false },
	{ "Count", 6, 5, 0, TOP_ALIGN_RIGHT, true },
	{ "Note", 20, 8, 1, TOP_ALIGN_LEFT, false },
};

static unsigned total(const unsigned *w, size_t n)
{
	unsigned sum = 0, shown = 0;

	for (size_t i = 0; i < n; i++) {
		sum += w[i];
		shown += w[i] != 0;
	}
	return shown ? sum + shown - 1 : 0;
}

static void test_cells_are_display_safe(void **state)
{
	struct top_table t;
	size_t r;

	(void)state;
	top_table_init(&t);
	top_table_reset(&t, cols3, 3);
	r = top_table_add(&t, NULL);
	top_table_set(&t, r, 0, "evil\033[2Jname\x9b", 1);
	top_table_set(&t, r, 2, "caf\xc3\xa9 ok", 0);
	assert_string_equal(top_table_cell(&t, r, 0), "evil\\x1b[2Jname\\x9b");
	/* valid UTF-8 passes */
	assert_string_equal(top_table_cell(&t, r, 2), "caf\xc3\xa9 ok");
	/* no cell set: empty, never NULL */
	assert_string_equal(top_table_cell(&t, r, 1), "");
	/* out of range: empty */
	assert_string_equal(top_table_cell(&t, 5, 0), "");
	for (const char *p = top_table_cell(&t, r, 0); *p; p++)
		assert_true((unsigned char)*p >= 0x20 && (unsigned char)*p != 0x7f);
	top_table_release(&t);
}

/* Many rows: the arena grows, earlier cells stay right (offsets, not pointers). */
static void test_arena_growth(void **state)
{
	struct top_table t;
	char buf[64];

	(void)state;
	top_table_init(&t);
	top_table_reset(&t, cols3, 3);
	for (int i = 0; i < 5000; i++) {
		size_t r = top_table_add(&t, NULL);

		top_table_setf(&t, r, 0, 0, "row-%d-with-some-text-to-fill", i);
		top_table_setf(&t, r, 1, i, "%d", i);
	}
	assert_int_equal(t.nr_rows, 5000);
	for (int i = 0; i < 5000; i += 499) {
		snprintf(buf, sizeof(buf), "row-%d-with-some-text-to-fill", i);
		assert_string_equal(top_table_cell(&t, (size_t)i, 0), buf);
	}
	/* a reset keeps the memory and empties the rows */
	top_table_reset(&t, cols3, 3);
	assert_int_equal(t.nr_rows, 0);
	assert_string_equal(t.title, "");
	top_table_release(&t);
}

static void test_fit_wide(void **state)
{
	unsigned w[3];

	(void)state;
	/* 10 + 6 + 20 + 2 spaces = 38: the rest widens the last left column */
	assert_int_equal(top_table_fit(cols3, 3, 100, w), 3);
	assert_int_equal(w[0], 10);
	assert_int_equal(w[1], 6);
	assert_int_equal(w[2], 100 - 10 - 6 - 2);
	assert_int_equal(total(w, 3), 100);
}

static void test_fit_squeeze_then_drop(void **state)
{
	unsigned w[3];

	(void)state;
	/* 30: squeezed, Note (drop 1) kept as long as the minimums fit */
	assert_int_equal(top_table_fit(cols3, 3, 30, w), 3);
	assert_true(total(w, 3) <= 30);
	assert_true(w[0] >= 4 && w[1] >= 5 && w[2] >= 8);
	/* 4 + 5 + 8 + 2 = 19 fits; 18 does not: Note goes, the others are back at their width */
	assert_int_equal(top_table_fit(cols3, 3, 19, w), 3);
	assert_int_equal(top_table_fit(cols3, 3, 18, w), 2);
	assert_int_equal(w[2], 0);
	assert_int_equal(w[0], 10);
	assert_int_equal(w[1], 6);
	/* narrower than the minimums of what never drops: squeezed to them, over width */
	assert_int_equal(top_table_fit(cols3, 3, 5, w), 2);
	assert_int_equal(w[0], 4);
	assert_int_equal(w[1], 5);
}

/* drop >= 2 goes before anything is squeezed, highest first, rightmost among equals. */
static void test_fit_drop_order(void **state)
{
	static const struct top_col c[] = {
		{ "A", 10, 5, 0, TOP_ALIGN_LEFT, false }, { "B", 8, 4, 1, TOP_ALIGN_LEFT, false },
		{ "C", 6, 6, 2, TOP_ALIGN_RIGHT, true },  { "D", 6, 6, 3, TOP_ALIGN_RIGHT, true },
		{ "E", 6, 6, 2, TOP_ALIGN_RIGHT, true },
	};
	unsigned w[5];

	(void)state;
	/* all: 10+8+6+6+6+4 = 40 */
	assert_int_equal(top_table_fit(c, 5, 40, w), 5);
	/* 39: D (drop 3) goes, nothing squeezed; the last column is right-aligned: no widening */
	assert_int_equal(top_table_fit(c, 5, 39, w), 4);
	assert_int_equal(w[3], 0);
	assert_int_equal(w[0], 10);
	assert_int_equal(w[1], 8);
	/* 33 = 10+8+6+6+3 exactly: D only */
	assert_int_equal(top_table_fit(c, 5, 33, w), 4);
	assert_int_equal(w[3], 0);
	assert_int_equal(w[1], 8);
	/* 32: then E, the rightmost of the drop-2 pair */
	assert_int_equal(top_table_fit(c, 5, 32, w), 3);
	assert_int_equal(w[4], 0);
	assert_int_not_equal(w[2], 0);
	/* 20: C too; then B is the last column, left-aligned: it takes the room */
	assert_int_equal(top_table_fit(c, 5, 20, w), 2);
	assert_int_equal(w[0], 10);
	assert_int_equal(w[1], 20 - 10 - 1);
	/* 15: A and B squeezed (B drops only when 5+4+1 no longer fits) */
	assert_int_equal(top_table_fit(c, 5, 15, w), 2);
	assert_true(w[0] >= 5 && w[1] >= 4);
	assert_int_equal(total(w, 5), 15);
	assert_int_equal(top_table_fit(c, 5, 9, w), 1);
	assert_int_equal(w[1], 0);
}

static void fill_sortable(struct top_table *t)
{
	static const char *names[] = { "delta", "alpha", "charlie", "bravo", "alpha" };
	static const double counts[] = { 5, 7, NAN, 7, 1 };

	top_table_init(t);
	top_table_reset(t, cols3, 3);
	for (size_t i = 0; i < 5; i++) {
		size_t r = top_table_add(t, NULL);

		top_table_set(t, r, 0, names[i], 0);
		top_table_setf(t, r, 1, counts[i], "%g", counts[i]);
	}
}

static void test_sort(void **state)
{
	struct top_table t;
	size_t o[5];

	(void)state;
	fill_sortable(&t);
	/* numeric: largest first, ties in the module's order, NaN last */
	top_table_sort(&t, 1, false, o);
	assert_int_equal(o[0], 1);
	assert_int_equal(o[1], 3);
	assert_int_equal(o[2], 0);
	assert_int_equal(o[3], 4);
	assert_int_equal(o[4], 2);
	/* reversed: smallest first, NaN first; ties still in the module's order */
	top_table_sort(&t, 1, true, o);
	assert_int_equal(o[0], 2);
	assert_int_equal(o[1], 4);
	assert_int_equal(o[2], 0);
	assert_int_equal(o[3], 1);
	assert_int_equal(o[4], 3);
	/* text: A first, stable */
	top_table_sort(&t, 0, false, o);
	assert_int_equal(o[0], 1);
	assert_int_equal(o[1], 4);
	assert_int_equal(o[2], 3);
	assert_int_equal(o[3], 2);
	assert_int_equal(o[4], 0);
	/* no column: the module's order */
	top_table_sort(&t, 99, false, o);
	for (size_t i = 0; i < 5; i++)
		assert_int_equal(o[i], i);
	assert_int_equal(top_table_col_by_name(cols3, 3, "count"), 1);
	assert_int_equal(top_table_col_by_name(cols3, 3, "nope"), -1);
	top_table_release(&t);
}

static void test_find(void **state)
{
	struct top_table t;
	size_t o[5];

	(void)state;
	fill_sortable(&t);
	top_table_sort(&t, 99, false, o);
	assert_true(top_table_row_matches(&t, 0, "ELT"));
	assert_false(top_table_row_matches(&t, 0, ""));
	assert_false(top_table_row_matches(&t, 0, NULL));
	/* forward from 2: alpha at 4; wraps to 1 from 5 */
	assert_int_equal(top_table_find(&t, o, 2, 1, "alpha"), 4);
	assert_int_equal(top_table_find(&t, o, 0, 1, "alpha"), 1);
	/* backward from 3: alpha at 1; from 0 wraps to 4 */
	assert_int_equal(top_table_find(&t, o, 3, -1, "alpha"), 1);
	assert_int_equal(top_table_find(&t, o, 0, -1, "alpha"), 4);
	assert_int_equal(top_table_find(&t, o, 0, 1, "zulu"), -1);
	/* matches the numbers too */
	assert_int_equal(top_table_find(&t, o, 0, 1, "7"), 1);
	top_table_release(&t);
}

static void test_ref_same(void **state)
{
	struct top_ref a = { .kind = TOP_REF_SOCK, .cookie = 42 }, b = a;

	(void)state;
	assert_true(top_ref_same(&a, &b));
	b.cookie = 43;
	assert_false(top_ref_same(&a, &b));
	/* no cookie: by the ends */
	a.cookie = b.cookie = 0;
	a.sport = b.sport = 80;
	assert_true(top_ref_same(&a, &b));
	b.dport = 1;
	assert_false(top_ref_same(&a, &b));
	b.kind = TOP_REF_PEER;
	assert_false(top_ref_same(&a, &b));
	a = (struct top_ref){ .kind = TOP_REF_IFACE, .name = "eth0" };
	b = a;
	assert_true(top_ref_same(&a, &b));
	a.kind = b.kind = TOP_REF_NONE;
	assert_false(top_ref_same(&a, &b));
}

static void test_text_cols(void **state)
{
	(void)state;
	assert_int_equal(top_text_cols("abc"), 3);
	assert_int_equal(top_text_cols("caf\xc3\xa9"), 4);
	/* an escape is 4 columns */
	assert_int_equal(top_text_cols("a\x01"), 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cells_are_display_safe),
		cmocka_unit_test(test_arena_growth),
		cmocka_unit_test(test_fit_wide),
		cmocka_unit_test(test_fit_squeeze_then_drop),
		cmocka_unit_test(test_fit_drop_order),
		cmocka_unit_test(test_sort),
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_ref_same),
		cmocka_unit_test(test_text_cols),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
