/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Output of `connmon procs`: a nethogs-like table (PID USER PROGRAM, sent
 * and received per second and in the session), CSV, one JSON object per
 * tick (docs/JSON.md), and the live screen (the table after an ANSI clear).
 * Renderers only format: the caller fills the rows.
 *
 * Width (ui/term.h): PROGRAM takes what the other columns leave of the
 * width (23 columns at 80) and the capture device is named in the title;
 * the full layout (TERM_WIDTH_FULL) has a 40-column PROGRAM and nethogs'
 * DEV column.
 *
 * Units: bytes and bytes per second in the rows; the table prints them in
 * IEC units (base/units.h: "12.3 KiB/s", "1.50 MiB").  Everything borrowed.
 */
#ifndef CONNMON_UI_PROC_RENDER_H
#define CONNMON_UI_PROC_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "base/outbuf.h"

struct proc_row {
	int32_t pid; /* -1: the unattributed row */
	uint32_t uid;
	const char *user;    /* name, or NULL to print the uid */
	const char *comm;    /* short name */
	const char *command; /* argv joined, may be "" */
	bool exited;
	uint64_t tcp_tx_bytes, tcp_rx_bytes; /* session totals */
	uint64_t udp_tx_bytes, udp_rx_bytes;
	double tx_bytes_per_s, rx_bytes_per_s; /* over the last tick */
	uint32_t nr_sockets;
};

struct proc_view {
	const char *engine;	     /* "tcpinfo" or "capture" */
	const char *engine_why;	     /* one line: why this engine, what it counts */
	const char *dev;	     /* capture interface, or NULL */
	const char *netns;	     /* -N name, "all" for --all-netns, or NULL */
	double interval_s;	     /* length of the last tick */
	double session_s;	     /* since the first tick */
	time_t when;		     /* end of the last tick */
	uint64_t capture_drops;	     /* packets the kernel dropped, session */
	size_t nr_netns;	     /* namespaces read (--all-netns), else 0 */
	size_t nr_procs_denied;	     /* processes whose fds were unreadable */
	const struct proc_row *rows; /* busiest first */
	size_t nr_rows;
	const struct proc_row *unattributed;
	/* exited processes folded into one row (their totals), and how many; NULL: none */
	const struct proc_row *exited;
	uint64_t nr_exited;
};

/*
 * The table for a width (TERM_WIDTH_FULL or columns); live clears the screen
 * first (ANSI) and fits rows to max_rows (0: all).
 */
void proc_render_table(struct outbuf *ob, const struct proc_view *v, bool live, size_t max_rows,
		       unsigned width);
void proc_render_csv(struct outbuf *ob, const struct proc_view *v, bool header);
/* One JSON object and a newline. */
void proc_render_json(struct outbuf *ob, const struct proc_view *v);

#endif
