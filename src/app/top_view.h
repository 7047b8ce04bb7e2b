/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The views of `connmon top` (docs/COMMANDS-top.md): the contract between
 * the screen (app/top.c with ui/top_screen) and each view module
 * (app/top_<view>.c).
 *
 * A view module is fed by the one tick of `top` (app/tick.h): the sockets
 * of the walk, the packets of the capture and the snapshots, exactly as a
 * tick consumer is; after each tick it fills a top_table with its rows.  The
 * screen owns everything else: layout, columns that fit the width, sorting
 * by any column, '/' search, selection, scrolling, pause, help, confirm.
 * A module never draws and never reads the keyboard.
 *
 * Rows carry a top_ref: what the row stands for.  Enter on a row asks the
 * module for a drill-down (a process -> its sockets; a peer -> its flows),
 * which the screen turns into a switch to another view with a narrowing
 * (struct top_narrow); `k` kills the sockets the selected rows stand for and
 * `b` blocks the selected peer, after a confirmation and only with the
 * privileges (the screen asks app/ to do it, never the module).
 *
 * Ownership: a table owns its cells (an arena reset by top_table_reset);
 * the strings a module puts in are copied.  Cells are display-safe: the
 * table escapes control bytes and invalid UTF-8 (base/strbuf's display
 * escaping) as it copies.
 */
#ifndef CONNMON_APP_TOP_VIEW_H
#define CONNMON_APP_TOP_VIEW_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app/tick.h"
#include "model/pkt.h"
#include "model/sock.h"

#define TOP_MAX_COLS 16

enum top_align {
	TOP_ALIGN_LEFT,
	TOP_ALIGN_RIGHT
};

struct top_col {
	const char *name;   /* header text, and the name `top --sort NAME` takes */
	unsigned width;	    /* preferred width in cells */
	unsigned min_width; /* narrowest it may be squeezed to */
	unsigned drop;	    /* 0: always shown; on a narrow screen higher values go first */
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
	uint64_t cookie;
	uint64_t id;
	struct in6_addr src, dst; /* v4 in the first 4 bytes, as model/sock.h */
	uint16_t sport, dport;
	char name[64]; /* iface, comm, rule */
};

struct top_table {
	const struct top_col *cols; /* borrowed from the module, static */
	size_t nr_cols;
	size_t nr_rows, alloc_rows;
	char **cell;	     /* nr_rows x nr_cols, NULL = empty */
	double *key;	     /* nr_rows x nr_cols: the sort key of numeric columns */
	struct top_ref *ref; /* per row */
	char *arena;
	size_t arena_len, arena_cap;
	char title[128];   /* above the table: "sockets: 1,234 (filter: dport = :443)" */
	char summary[256]; /* a line under the title (totals), may be empty */
};

void top_table_init(struct top_table *t);
void top_table_release(struct top_table *t);
/* Empties the table and sets its columns (kept across ticks by the module). */
void top_table_reset(struct top_table *t, const struct top_col *cols, size_t nr_cols);
/* Appends a row for ref (copied; NULL: TOP_REF_NONE); returns its index. */
size_t top_table_add(struct top_table *t, const struct top_ref *ref);
/* Sets a cell: text is copied display-safe; key is the numeric sort key (ignored otherwise). */
void top_table_set(struct top_table *t, size_t row, size_t col, const char *text, double key);
void top_table_setf(struct top_table *t, size_t row, size_t col, double key, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/*
 * A narrowing the screen hands to a view after a drill-down: only the sockets
 * of a process, only the flows of a peer.  kind TOP_REF_NONE: none.
 */
struct top_narrow {
	struct top_ref ref;
	char label[96]; /* shown in the title: "pid 1234 (nginx)" */
};

/* What the tick tells every module; valid during the call only. */
struct top_ctx {
	const struct snapshot *prev; /* NULL on the first tick */
	const struct snapshot *cur;
	uint64_t interval_ns;
	bool paused;  /* modules still sample (rates stay right) but the screen keeps its rows */
	bool is_root; /* kill and block are possible */
	const char *db_path; /* the agent's database when one exists (alerts, blocks), else NULL */
};

struct top_view_ops {
	const char *name; /* "sockets"; also the `top --view NAME` word */
	const char *title;
	char hotkey;					  /* '1'..'9' */
	void *(*open)(const char *filter_text, int *err); /* NULL filter: none */
	void (*close)(void *v);
	/* The tick's items, as a consumer gets them (optional). */
	void (*begin)(void *v, const struct top_ctx *ctx);
	int (*sock)(void *v, const struct sock_entry *s);
	void (*packet)(void *v, const struct pkt_info *p);
	/* After the sources: fill the table (the module keeps whatever history it needs). */
	int (*fill)(void *v, const struct top_ctx *ctx, const struct top_narrow *n,
		    struct top_table *out);
	/* Enter on a row: the view to switch to and its narrowing; false when a row has none. */
	bool (*drill)(void *v, const struct top_ref *row, const char **to_view,
		      struct top_narrow *out);
};

#endif
