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
 * The table (struct top_table, top_table_add/set/setf) is in ui/top_table.h,
 * so the screen (ui/) can draw it.  Ownership: a table owns its cells (an
 * arena reset by top_table_reset); the strings a module puts in are copied.
 * Cells are display-safe: the table escapes control bytes and invalid UTF-8
 * (base/outbuf.h's text_escape) as it copies.
 *
 * The sockets: top runs one walk per tick of every TCP, UDP and RAW socket
 * in every state (ss -tuwa) with processes (-p), tcp_info (-i) and -e's
 * fields, narrowed by the user's filter (`top FILTER`, `--filter`, the `f`
 * key; ss's grammar), and hands each socket to every module's sock().  The
 * processes of the walk are in ctx->procs during the whole tick (begin,
 * sock, fill): look a socket's inode up there.
 *
 * The capture: a module with needs_capture set gets packets (packet(),
 * between ticks too) from one libpcap capture top opens on the default
 * route's interface (or -i IFACE) when any registered module asks for it;
 * without CAP_NET_RAW, ctx->capture_err says why there are none and the
 * module shows that instead of rows.
 */
#ifndef CONNMON_APP_TOP_VIEW_H
#define CONNMON_APP_TOP_VIEW_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app/tick.h"
#include "collect/agent_frame.h"
#include "collect/limits.h"
#include "model/pkt.h"
#include "model/proc_table.h"
#include "model/sock.h"
#include "ui/top_table.h"

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
	struct proc_table *procs;  /* the walk's processes (socket inode -> pid, comm), this tick */
	const char *filter_text;   /* the ss filter the sockets passed, NULL: none */
	const char *capture_iface; /* the capture's interface, NULL: no capture */
	int capture_err;	   /* 0, or -errno why the capture could not open (-EPERM) */
	bool numeric;		   /* -n: ports as numbers, no service names */
	unsigned width;		   /* the screen's columns (modules may pick wider formats) */
	/* With -N: the global sysctls read in the namespace top started in (tcp_max_orphans is
	 * not visible inside another), else NULL. */
	const struct net_limits *outside;
	/* Agent mode (docs/COMMANDS-top.md): the agent's frame, live or scrolled back, the views
	 * show instead of their own collection; NULL in standalone mode and before the first
	 * answer.  frame_stale: the last fetch failed and this is the frame before. */
	const struct agent_frame *frame;
	bool frame_stale;
	const char *agent_path; /* agent mode: the agent's socket (alerts, blocks), else NULL */
};

struct top_view_ops {
	const char *name; /* "sockets"; also the `top --view NAME` word */
	const char *title;
	char hotkey;	    /* '1'..'9' */
	bool needs_capture; /* packet() wants the capture */
	/* filter_text: the filter given at start (already applied to the walk; informational). */
	void *(*open)(const char *filter_text, int *err); /* NULL filter: none */
	void (*close)(void *v);
	/* The tick's items, as a consumer gets them (optional). */
	void (*begin)(void *v, const struct top_ctx *ctx);
	int (*sock)(void *v, const struct sock_entry *s);
	void (*packet)(void *v, const struct pkt_info *p);
	/*
	 * After the sources: fill the table (the module keeps whatever history it needs).
	 * Called for the view on screen only: each tick (not while paused), and at once when
	 * the user switches to it, re-sorts, narrows or the screen is resized (then ctx is the
	 * last tick's again).  Keep rates and history in begin/sock/packet, not here.
	 * 0 or -errno (the screen shows the error in the status line).
	 */
	int (*fill)(void *v, const struct top_ctx *ctx, const struct top_narrow *n,
		    struct top_table *out);
	/* Enter on a row: the view to switch to and its narrowing; false when a row has none. */
	bool (*drill)(void *v, const struct top_ref *row, const char **to_view,
		      struct top_narrow *out);
};

/* The views, one per module (app/top_<view>.c). */
extern const struct top_view_ops top_overview_view;
extern const struct top_view_ops top_sockets_view;
extern const struct top_view_ops top_listeners_view;
extern const struct top_view_ops top_ifaces_view;
extern const struct top_view_ops top_flows_view;  /* app/top_flows.c */
extern const struct top_view_ops top_procs_view;  /* app/top_procs.c */
extern const struct top_view_ops top_alerts_view; /* app/top_alerts.c */

/*
 * Every view in tab order (app/top_views.c: a new view adds its line there
 * and its declaration above); top_nr_views of them.  Hotkeys and order:
 * 1 overview, 2 sockets, 3 flows, 4 procs, 5 ifaces, 6 listeners, 7 alerts.
 */
extern const struct top_view_ops *const top_views[];
extern const size_t top_nr_views;

#endif
