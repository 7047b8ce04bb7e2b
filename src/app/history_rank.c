// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The ranking views of `connmon history`: one row per peer, listening
 * port or process over the whole range, best first, and the series list.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/history.h"
#include "app/history_grid.h"
#include "base/units.h"
#include "base/xalloc.h"

#define DEFAULT_TOP 20

struct rank_row {
	size_t group;
	double key;
};

static int cmp_rank(const void *a, const void *b)
{
	const struct rank_row *x = a, *y = b;

	if (x->key != y->key)
		return x->key > y->key ? -1 : 1;
	return x->group < y->group ? -1 : x->group > y->group;
}

struct rank_col {
	const char *head;
	size_t col;
	bool max; /* the largest step; else the mean over the steps */
	bool sum; /* the sum over the steps (increases) */
	int decimals;
};

static int rank_width(const struct rank_col *rc)
{
	size_t n = strlen(rc->head);

	return n > 10 ? (int)n : 10;
}

static double aggregate(const struct hist_grid *g, const struct rank_col *rc, size_t gi)
{
	if (rc->max)
		return hist_grid_max(g, rc->col, gi);
	if (rc->sum) {
		double s = 0;

		for (size_t t = 0; t < g->nr_times; t++) {
			double v = *hist_grid_cell_c(g, rc->col, gi, t);

			if (!isnan(v))
				s += v;
		}
		return s;
	}
	return hist_grid_mean(g, rc->col, gi);
}

static void rank_print(struct hist *h, const struct hist_grid *g, const char *group_head,
		       const struct rank_col *rc, size_t nr_rc, size_t sort_by)
{
	struct rank_row *rows = xcalloc(g->nr_groups + 1, sizeof(*rows));
	size_t top = h->o.top > 0 ? (size_t)h->o.top : DEFAULT_TOP, n = 0;

	for (size_t gi = 0; gi < g->nr_groups; gi++) {
		/* "other/": the rest of a two-key group (comm="other",pid=""). */
		if (!strcmp(g->groups[gi], "other") || !strcmp(g->groups[gi], "other/") ||
		    !g->groups[gi][0])
			continue; /* the folded rest is not a peer, a port or a process */
		rows[n].group = gi;
		rows[n++].key = aggregate(g, &rc[sort_by], gi);
	}
	qsort(rows, n, sizeof(*rows), cmp_rank);
	if (n > top)
		n = top;
	strbuf_reset(&h->line);
	if (h->fmt == HIST_JSON) {
		hist_json_begin(h, g->step_ms);
	} else {
		strbuf_addf(&h->line, h->fmt == HIST_CSV ? "%s" : "%-40s", group_head);
		for (size_t c = 0; c < nr_rc; c++)
			if (h->fmt == HIST_CSV)
				strbuf_addf(&h->line, ",%s", rc[c].head);
			else
				strbuf_addf(&h->line, " %*s", rank_width(&rc[c]), rc[c].head);
		strbuf_addch(&h->line, '\n');
		outbuf_add(&h->out, h->line.buf, h->line.len);
	}
	for (size_t i = 0; i < n; i++) {
		const char *name = g->groups[rows[i].group];

		strbuf_reset(&h->line);
		if (h->fmt == HIST_JSON) {
			strbuf_addf(&h->line, "%s{", i ? ",\n" : "\n");
			outbuf_add(&h->out, h->line.buf, h->line.len);
			outbuf_addstr(&h->out, "\"");
			outbuf_addstr(&h->out, g->group_keys[0]);
			outbuf_addstr(&h->out, "\":\"");
			outbuf_add_json_str(&h->out, name, strlen(name));
			outbuf_addstr(&h->out, "\"");
			strbuf_reset(&h->line);
		} else if (h->fmt == HIST_CSV) {
			outbuf_add_csv_str(&h->out, name, strlen(name));
		} else {
			size_t w = outbuf_add_safe_max(&h->out, name, strlen(name), 40);

			outbuf_pad(&h->out, w, 40);
		}
		for (size_t c = 0; c < nr_rc; c++) {
			double v = aggregate(g, &rc[c], rows[i].group);

			if (h->fmt == HIST_JSON)
				strbuf_addf(&h->line, ",\"%s\":", rc[c].head);
			else if (h->fmt == HIST_CSV)
				strbuf_addch(&h->line, ',');
			if (isnan(v))
				strbuf_addstr(&h->line, h->fmt == HIST_TEXT ? "          -" :
							h->fmt == HIST_JSON ? "null" :
									      "");
			else if (h->fmt == HIST_TEXT)
				strbuf_addf(&h->line, " %10.*f", rc[c].decimals, v);
			else
				strbuf_addf(&h->line, "%.*f", rc[c].decimals + 2, v);
		}
		strbuf_addstr(&h->line, h->fmt == HIST_JSON ? "}" : "\n");
		outbuf_add(&h->out, h->line.buf, h->line.len);
	}
	if (h->fmt == HIST_JSON)
		hist_json_end(h);
	free(rows);
}

static int rank_view(struct hist *h, struct hist_grid *g, const char *group_head,
		     const struct rank_col *rc, size_t nr_rc, size_t sort_by, const char *what)
{
	int ret = hist_grid_build(h, g);

	if (ret < 0)
		return 1;
	if (!g->nr_times)
		hist_empty(h, what, g->step_ms);
	else
		rank_print(h, g, group_head, rc, nr_rc, sort_by);
	hist_grid_release(g);
	return 0;
}

/* ---- peers ---- */

#define PEER(h_, s_)                                                                     \
	{                                                                                \
		.head = h_, .name = "connmon_tcp_peer_sockets", .k1 = "state", .v1 = s_, \
		.field = HF_MEAN, .scale = 1                                             \
	}

int hist_view_peers(struct hist *h)
{
	static const char *const keys[] = { "addr" };
	static const struct hist_col cols[] = {
		{ "all", "connmon_tcp_peer_sockets", NULL, NULL, NULL, NULL, HF_MEAN, 1, 0, NULL,
		  false, false },
		PEER("estab", "established"),
		PEER("synrecv", "syn_recv"),
		PEER("timewait", "time_wait"),
		PEER("closewait", "close_wait"),
	};
	static const struct rank_col rc[] = {
		{ "max", 0, true, false, 0 },	       { "mean", 0, false, false, 1 },
		{ "max_estab", 1, true, false, 0 },    { "max_synrecv", 2, true, false, 0 },
		{ "max_timewait", 3, true, false, 0 }, { "max_closewait", 4, true, false, 0 },
	};
	struct hist_grid g = { .cols = cols, .nr_cols = 5, .group_keys = keys, .nr_group_keys = 1 };

	return rank_view(h, &g, "ADDR", rc, 6, 0, "peer counts");
}

/* ---- listeners ---- */

#define LPORT(h_, s_)                                                                    \
	{                                                                                \
		.head = h_, .name = "connmon_tcp_port_sockets", .k1 = "state", .v1 = s_, \
		.field = HF_MEAN, .scale = 1                                             \
	}

int hist_view_listeners(struct hist *h)
{
	static const char *const keys[] = { "port" };
	static const struct hist_col cols[] = {
		LPORT("estab", "established"),
		LPORT("synrecv", "syn_recv"),
		LPORT("timewait", "time_wait"),
		{ "acceptq", "connmon_listen_queue", NULL, NULL, NULL, NULL, HF_MAX, 1, 0, NULL,
		  false, false },
		{ "backlog", "connmon_listen_backlog", NULL, NULL, NULL, NULL, HF_LAST, 1, 0, NULL,
		  false, false },
	};
	static const struct rank_col rc[] = {
		{ "max_estab", 0, true, false, 0 },   { "mean_estab", 0, false, false, 1 },
		{ "max_synrecv", 1, true, false, 0 }, { "max_timewait", 2, true, false, 0 },
		{ "max_acceptq", 3, true, false, 0 }, { "backlog", 4, true, false, 0 },
	};
	struct hist_grid g = { .cols = cols, .nr_cols = 5, .group_keys = keys, .nr_group_keys = 1 };

	return rank_view(h, &g, "PORT", rc, 6, 0, "listener counts");
}

/* ---- procs ---- */

int hist_view_procs(struct hist *h)
{
	static const char *const keys[] = { "comm", "pid" };
	static const struct hist_col cols[] = {
		{ "rx", "connmon_process_rx_bytes_total", NULL, NULL, NULL, NULL, HF_INCREASE, 1, 0,
		  NULL, false, false },
		{ "tx", "connmon_process_tx_bytes_total", NULL, NULL, NULL, NULL, HF_INCREASE, 1, 0,
		  NULL, false, false },
		{ NULL, NULL, NULL, NULL, NULL, NULL, HF_MEAN, 1, 0, NULL, false, false },
	};
	static const struct rank_col rc[] = {
		{ "rx_bytes", 0, false, true, 0 },
		{ "tx_bytes", 1, false, true, 0 },
	};
	struct hist_grid g = { .cols = cols, .nr_cols = 2, .group_keys = keys, .nr_group_keys = 2 };

	return rank_view(h, &g, "PROCESS/PID", rc, 2, 0, "process traffic");
}

/* ---- series ---- */

int hist_view_series(struct hist *h)
{
	struct store_series_info *v = NULL;
	struct strbuf err = STRBUF_INIT;
	char a[UNITS_UTC_LEN], b[UNITS_UTC_LEN];
	size_t n = 0;
	int ret = store_list(h->st, &v, &n, &err);

	if (ret < 0) {
		fprintf(stderr, "connmon history: %s\n", err.buf);
		strbuf_release(&err);
		return 1;
	}
	if (h->fmt == HIST_JSON)
		outbuf_addstr(&h->out, "[");
	for (size_t i = 0; i < n; i++) {
		units_utc(a, sizeof(a), v[i].first_ms / 1000);
		units_utc(b, sizeof(b), v[i].last_ms / 1000);
		strbuf_reset(&h->line);
		if (h->fmt == HIST_JSON) {
			strbuf_addf(&h->line, "%s\n{\"name\":\"%s\",\"labels\":\"", i ? "," : "",
				    v[i].name);
			outbuf_add(&h->out, h->line.buf, h->line.len);
			outbuf_add_json_str(&h->out, v[i].labels, strlen(v[i].labels));
			strbuf_reset(&h->line);
			strbuf_addf(&h->line,
				    "\",\"kind\":\"%s\",\"first\":\"%s\",\"last\":\"%s\"}",
				    v[i].kind == STORE_COUNTER ? "counter" : "gauge", a, b);
		} else {
			strbuf_addf(&h->line, "%s{%s}%s%s  %s .. %s\n", v[i].name, v[i].labels,
				    h->fmt == HIST_CSV ? "," : "  ",
				    v[i].kind == STORE_COUNTER ? "counter" : "gauge", a, b);
		}
		outbuf_add(&h->out, h->line.buf, h->line.len);
	}
	if (h->fmt == HIST_JSON)
		outbuf_addstr(&h->out, "\n]\n");
	if (!n)
		fprintf(stderr, "connmon history: the database '%s' holds no series yet\n", h->db);
	store_series_info_free(v, n);
	strbuf_release(&err);
	return 0;
}
