/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A history view's table: columns x groups x time steps of doubles (NaN:
 * no data).  A column is one store query (a metric name and up to two
 * exact label matchers, one field of each step) or derived from the other
 * columns of its row.  Groups are the values of the group keys (an
 * interface, a port, a peer); series of one column that fall in the same
 * group and step are summed (the states of a peer).  App-internal.
 */
#ifndef CONNMON_APP_HISTORY_GRID_H
#define CONNMON_APP_HISTORY_GRID_H

#include <stddef.h>
#include <stdint.h>

#include "app/history.h"

#define HIST_MAX_COLS 24

enum hist_field {
	HF_MEAN,     /* gauges: the mean over the step */
	HF_RATE,     /* counters: per second over the step */
	HF_MAX,	     /* the largest value in the step */
	HF_LAST,     /* the last value in the step */
	HF_INCREASE, /* counters: the increase over the step */
};

struct hist_col {
	const char *head; /* column title; NULL: hidden (an input of a derived column) */
	const char *name; /* metric; NULL: derived */
	const char *k1, *v1, *k2, *v2;
	enum hist_field field;
	double scale;			     /* the value printed is value * scale */
	int decimals;			     /* in text */
	double (*derive)(const double *row); /* from the row's raw column values */
	bool machine_only;		     /* in JSON and CSV, not in the text table */
	bool zero_if_absent; /* no series: 0 where the row has data (a counter never non-zero) */
};

struct hist_grid {
	const struct hist_col *cols;
	size_t nr_cols;
	const char *const *group_keys;
	size_t nr_group_keys;
	char **groups;
	size_t nr_groups, alloc_groups;
	int64_t *times;
	size_t nr_times, alloc_times;
	int64_t step_ms; /* the step the store used */
	double *v;	 /* [col][group][time] */
};

static inline double *hist_grid_cell(struct hist_grid *g, size_t c, size_t gi, size_t t)
{
	return &g->v[(c * g->nr_groups + gi) * g->nr_times + t];
}

static inline const double *hist_grid_cell_c(const struct hist_grid *g, size_t c, size_t gi,
					     size_t t)
{
	return &g->v[(c * g->nr_groups + gi) * g->nr_times + t];
}

/* Runs every column's query and fills the grid; 0 or -errno (reported). */
int hist_grid_build(struct hist *h, struct hist_grid *g);
void hist_grid_derive(struct hist_grid *g);
void hist_grid_release(struct hist_grid *g);
double hist_grid_mean(const struct hist_grid *g, size_t c, size_t gi);
double hist_grid_max(const struct hist_grid *g, size_t c, size_t gi);

#endif
