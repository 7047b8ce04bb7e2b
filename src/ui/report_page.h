/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The report as one self-contained HTML page (docs/REPORT.md): inline CSS
 * with the system font stack, charts as inline SVG (ui/chart.h), small
 * tables; no script, no font, no image, no style sheet and no URL that a
 * browser would fetch (a Content-Security-Policy of default-src 'none'
 * says so to the browser too).  The layout is responsive: charts take the
 * page's width (up to 1120 px) and scale down with it; a chart with a table
 * puts them side by side on wide screens and one above the other on narrow
 * ones and in print.
 *
 * Use: report_page_begin(), then for each part report_page_section() and
 * its charts and tables, then report_page_end().  The page appends to the
 * caller's strbuf, which it borrows from begin to end, as it does the
 * strings of the info given to begin; every other argument is borrowed for
 * the call only.  All text is written display-safe and HTML-escaped
 * (chart_xml_text()).
 */
#ifndef CONNMON_UI_REPORT_PAGE_H
#define CONNMON_UI_REPORT_PAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/strbuf.h"
#include "ui/chart.h"

struct report_page_info {
	const char *title;	    /* "Network report" */
	const char *host;	    /* the host the data is from; may be NULL */
	int64_t since_ms, until_ms; /* the range the report covers */
	int64_t generated_ms;	    /* when the page was made */
	int tz_offset_s;	    /* the zone of every time shown (chart.h) */
	const char *tz_name;	    /* may be NULL */
	const char *generator;	    /* "connmon 0.1.0"; may be NULL */
};

/* A small table; cells row-major, nr_rows * nr_cols, a NULL cell is empty. */
struct report_table {
	const char *caption; /* may be NULL */
	const char *const *head;
	size_t nr_cols;
	const char *const *cells;
	size_t nr_rows;
	unsigned numeric_cols; /* bit i: column i holds figures (right-aligned) */
};

struct report_page {
	struct strbuf *out;
	struct report_page_info info; /* a copy; its strings stay borrowed */
	unsigned nr_sections;
	bool in_section;
};

#define REPORT_CHART_WIDTH  960 /* a chart alone on its row (viewBox units) */
#define REPORT_CHART_HEIGHT 300 /* its header, plot and axes; the legend adds rows */
#define REPORT_PAIR_WIDTH   680 /* a chart beside a table */

void report_page_begin(struct report_page *p, struct strbuf *out,
		       const struct report_page_info *info);
/* Starts a part of the page; note (may be NULL) is one sentence under the heading. */
void report_page_section(struct report_page *p, const char *heading, const char *note);
void report_page_chart(struct report_page *p, const struct chart *c);
void report_page_table(struct report_page *p, const struct report_table *t);
/* A chart with a table beside it (a top-N list, for instance). */
void report_page_chart_table(struct report_page *p, const struct chart *c,
			     const struct report_table *t);
/* Closes the page; p no longer uses out afterwards. */
void report_page_end(struct report_page *p);

/*
 * The local time zone (TZ, else /etc/localtime) in force at t_ms: its offset
 * east of UTC in seconds and its abbreviation ("CET"; "" when the system has
 * none) into name, len bytes with the NUL.  A chart uses one offset for its
 * whole range: take it at the range's end, the time people look at first.
 */
void report_local_zone(int64_t t_ms, int *tz_offset_s, char *name, size_t len);

#endif
