// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The table behind every history view: columns (one query each, or derived
 * from other columns of the same row) by groups (the values of one label,
 * "iface" for ifaces, none for sockets) by time steps.  Every query of a
 * view uses the same range and step, so steps line up across columns.
 */
#include "app/history_grid.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static size_t group_index(struct hist_grid *g, const char *name)
{
	for (size_t i = 0; i < g->nr_groups; i++)
		if (!strcmp(g->groups[i], name))
			return i;
	ALLOC_GROW(g->groups, g->nr_groups + 1, g->alloc_groups);
	g->groups[g->nr_groups] = xstrdup(name);
	return g->nr_groups++;
}

static size_t time_index(const struct hist_grid *g, int64_t t)
{
	const int64_t *p = bsearch(&t, g->times, g->nr_times, sizeof(t), cmp_i64);

	return (size_t)(p - g->times);
}

static double field(const struct hist_col *c, const struct store_point *p)
{
	switch (c->field) {
	case HF_RATE:
		return p->rate;
	case HF_MAX:
		return p->max;
	case HF_LAST:
		return p->last;
	case HF_INCREASE:
		return p->increase;
	default:
		return p->mean;
	}
}

/* The group a result series belongs to: its label values joined by '/'. */
static void group_name(const struct hist_grid *g, const struct store_result_series *s, char *buf,
		       size_t size)
{
	char v[128];
	size_t len = 0;

	buf[0] = '\0';
	for (size_t k = 0; k < g->nr_group_keys; k++) {
		hist_label(s, g->group_keys[k], v, sizeof(v));
		len += (size_t)snprintf(buf + len, len < size ? size - len : 0, "%s%s",
					k ? "/" : "", v);
	}
}

int hist_grid_build(struct hist *h, struct hist_grid *g)
{
	struct store_result *res = xcalloc(g->nr_cols, sizeof(*res));
	char name[256];
	int ret = 0;

	for (size_t c = 0; c < g->nr_cols && !ret; c++) {
		const struct hist_col *col = &g->cols[c];

		if (col->name)
			ret = hist_query(h, col->name, col->k1, col->v1, col->k2, col->v2, &res[c]);
	}
	for (size_t c = 0; c < g->nr_cols && !ret; c++) {
		if (res[c].step_ms > g->step_ms)
			g->step_ms = res[c].step_ms;
		for (size_t s = 0; s < res[c].nr_series; s++) {
			const struct store_result_series *rs = &res[c].series[s];

			if (!rs->nr_points)
				continue;
			group_name(g, rs, name, sizeof(name));
			group_index(g, name);
			ALLOC_GROW(g->times, g->nr_times + rs->nr_points, g->alloc_times);
			for (size_t p = 0; p < rs->nr_points; p++)
				g->times[g->nr_times++] = rs->points[p].t_ms;
		}
	}
	if (!ret && g->nr_times) {
		size_t n = 1;

		qsort(g->times, g->nr_times, sizeof(int64_t), cmp_i64);
		for (size_t i = 1; i < g->nr_times; i++)
			if (g->times[i] != g->times[n - 1])
				g->times[n++] = g->times[i];
		g->nr_times = n;
		g->v = xmalloc(g->nr_cols * g->nr_groups * g->nr_times * sizeof(double));
		for (size_t i = 0; i < g->nr_cols * g->nr_groups * g->nr_times; i++)
			g->v[i] = NAN;
		for (size_t c = 0; c < g->nr_cols; c++)
			for (size_t s = 0; s < res[c].nr_series; s++) {
				const struct store_result_series *rs = &res[c].series[s];

				if (!rs->nr_points) /* not a group: the first pass skipped it too */
					continue;
				group_name(g, rs, name, sizeof(name));
				size_t gi = group_index(g, name);

				for (size_t p = 0; p < rs->nr_points; p++) {
					double *cell = hist_grid_cell(
						g, c, gi, time_index(g, rs->points[p].t_ms));
					double v = field(&g->cols[c], &rs->points[p]);

					/* Several series in one cell (states of a peer): summed. */
					*cell = isnan(*cell) ? v : isnan(v) ? *cell : *cell + v;
				}
			}
		hist_grid_derive(g);
	}
	for (size_t c = 0; c < g->nr_cols; c++)
		store_result_release(&res[c]);
	free(res);
	return ret;
}

void hist_grid_derive(struct hist_grid *g)
{
	double row[HIST_MAX_COLS];

	for (size_t gi = 0; gi < g->nr_groups; gi++)
		for (size_t t = 0; t < g->nr_times; t++) {
			bool any = false;

			for (size_t c = 0; c < g->nr_cols; c++) {
				row[c] = *hist_grid_cell(g, c, gi, t);
				any |= !isnan(row[c]);
			}
			for (size_t c = 0; c < g->nr_cols; c++)
				if (any && isnan(row[c]) && g->cols[c].zero_if_absent)
					*hist_grid_cell(g, c, gi, t) = row[c] = 0;
			for (size_t c = 0; c < g->nr_cols; c++)
				if (g->cols[c].derive)
					*hist_grid_cell(g, c, gi, t) = g->cols[c].derive(row);
		}
}

void hist_grid_release(struct hist_grid *g)
{
	for (size_t i = 0; i < g->nr_groups; i++)
		free(g->groups[i]);
	free(g->groups);
	free(g->times);
	free(g->v);
}

/* The mean of a column over the rows of a group that have it (sar's Average). */
double hist_grid_mean(const struct hist_grid *g, size_t c, size_t gi)
{
	double sum = 0;
	size_t n = 0;

	for (size_t t = 0; t < g->nr_times; t++) {
		double v = *hist_grid_cell_c(g, c, gi, t);

		if (!isnan(v)) {
			sum += v;
			n++;
		}
	}
	return n ? sum / (double)n : NAN;
}

double hist_grid_max(const struct hist_grid *g, size_t c, size_t gi)
{
	double m = NAN;

	for (size_t t = 0; t < g->nr_times; t++) {
		double v = *hist_grid_cell_c(g, c, gi, t);

		if (!isnan(v) && (isnan(m) || v > m))
			m = v;
	}
	return m;
}
