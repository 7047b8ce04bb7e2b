/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The table of one view of `connmon top` (docs/COMMANDS-top.md): rows of
 * display-safe text cells with numeric sort keys, filled by a view module
 * (app/top_view.h) after each tick and drawn by ui/top_screen.
 *
 * The pure parts of the screen live here too, so they are unit-tested
 * without a terminal: which columns fit a width and how wide each is
 * (top_table_fit), the order of the rows for a sort column
 * (top_table_sort), and the search match (top_table_find).
 *
 * Ownership: a table owns its cells (one arena, emptied by
 * top_table_reset(); the text a module passes in is copied).  Cells are
 * display-safe: top_table_set() escapes control bytes and invalid UTF-8
 * (base/outbuf.h's text_escape, \xHH) as it copies, so nothing a process
 * or a peer named reaches the terminal raw.  cols is borrowed (static in
 * the module).  Out of memory aborts.
 */
#ifndef CONNMON_UI_TOP_TABLE_H
#define CONNMON_UI_TOP_TABLE_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TOP_MAX_COLS 16

enum top_align {
	TOP_ALIGN_LEFT,
	TOP_ALIGN_RIGHT
};

struct top_col {
	const char *name;   /* header text, and the name `top --sort NAME` takes */
	unsigned width;	    /* preferred width in cells */
	unsigned min_width; /* narrowest it may be squeezed to */
	unsigned drop;	    /* 0: always shown; 1: squeezed, then dropped; >= 2: dropped before
			       squeezing, higher values first (top_table_fit) */
	enum top_align align;
	bool numeric; /* sorts by the row's key (descending first), else by text */
};

enum top_ref_kind {
	TOP_REF_NONE,
	TOP_REF_SOCK,  /* one socket: family, proto, ends, cookie (kill) */
	TOP_REF_PROC,  /* a process: pid (and start time) */
	TOP_REF_PEER,  /* a remote address (block, flows of it) */
	TOP_REF_PORT,  /* a local port (listeners) */
	TOP_REF_IFACE, /* an interface by name */
	TOP_REF_ALERT, /* an alert by id */
	TOP_REF_BLOCK, /* a blocked address */
};

struct top_ref {
	enum top_ref_kind kind;
	uint8_t family; /* AF_INET, AF_INET6 (0 unknown) */
	uint8_t proto;	/* IPPROTO_TCP, IPPROTO_UDP... */
	int32_t pid;
	uint64_t start_ticks;
	uint64_t
		cookie; /* TOP_REF_SOCK: the kernel's socket cookie (SOCK_DESTROY finds it by it) */
	uint64_t id;
	struct in6_addr src, dst; /* v4 in the first 4 bytes, as model/sock.h */
	uint16_t sport, dport;	  /* host order */
	uint8_t state;		  /* TOP_REF_SOCK: the kernel's TCP state (model/sock.h) */
	uint32_t ifindex; /* TOP_REF_SOCK: the bound device, 0 none (SOCK_DESTROY needs it) */
	char name[64];	  /* iface, comm, rule */
};

/* True when a and b stand for the same thing (the selection and tags follow it across ticks). */
bool top_ref_same(const struct top_ref *a, const struct top_ref *b);

struct top_table {
	const struct top_col *cols; /* borrowed from the module, static */
	size_t nr_cols;
	size_t nr_rows, alloc_rows;
	/* nr_rows x nr_cols offsets into arena + 1; 0 = empty (offsets survive the arena growing)
	 */
	size_t *cell;
	double *key;	     /* nr_rows x nr_cols: the sort key of numeric columns */
	struct top_ref *ref; /* per row */
	char *arena;
	size_t arena_len, arena_cap;
	char title[128];   /* above the table: "sockets: 1,234 (filter: dport = :443)" */
	char summary[256]; /* a line under the title (totals), may be empty */
};

void top_table_init(struct top_table *t);
void top_table_release(struct top_table *t);
/* Empties the table (rows, title, summary) and sets its columns (kept across ticks by the module).
 */
void top_table_reset(struct top_table *t, const struct top_col *cols, size_t nr_cols);
/* Appends a row for ref (copied; NULL: TOP_REF_NONE); returns its index. */
size_t top_table_add(struct top_table *t, const struct top_ref *ref);
/* Sets a cell: text is copied display-safe; key is the numeric sort key (ignored otherwise). */
void top_table_set(struct top_table *t, size_t row, size_t col, const char *text, double key);
void top_table_setf(struct top_table *t, size_t row, size_t col, double key, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* The cell's text ("" when empty); valid until the next change of the table. */
const char *top_table_cell(const struct top_table *t, size_t row, size_t col);
/* The column named name (case-insensitive), or -1. */
int top_table_col_by_name(const struct top_col *cols, size_t nr_cols, const char *name);

/*
 * Layout: which columns are shown and how wide, for a line of width cells
 * (one space between columns).  Columns start at their preferred width.
 * While they do not fit, the shown column with the highest drop of 2 or
 * more goes (the rightmost among equals): those go before anything is
 * squeezed.  Then, while even the minimum widths do not fit, the columns
 * with drop 1 go the same way (they are squeezed first; drop 0 never
 * goes).  Then columns are squeezed, one cell at a time from the one with
 * the most room above its minimum.  Room left over widens the last
 * column when it is left-aligned (a name, a note), else stays at the right.
 * Writes widths[i] (0: not shown) and returns the number shown.
 */
size_t top_table_fit(const struct top_col *cols, size_t nr_cols, unsigned width, unsigned *widths);

/*
 * The order rows are shown in: order[0..nr_rows) gets the row indexes
 * sorted by column col (numeric: by key, largest first; text: by the
 * cell's bytes, A first), reversed when reverse; ties keep the module's
 * order.  col >= nr_cols: the module's order.
 */
void top_table_sort(const struct top_table *t, size_t col, bool reverse, size_t *order);

/* True when any cell of row contains needle (ASCII case-insensitive; "" matches nothing). */
bool top_table_row_matches(const struct top_table *t, size_t row, const char *needle);
/*
 * Search from position from in order[] (inclusive) forward (dir 1) or
 * backward (dir -1), wrapping around; returns the position of the first
 * matching row, or -1.
 */
long top_table_find(const struct top_table *t, const size_t *order, size_t from, int dir,
		    const char *needle);

/* Display columns of a display-safe string (as base/outbuf.h counts them). */
size_t top_text_cols(const char *s);

#endif
