/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Output of `connmon flows`: iftop's text mode (two lines per flow, "=>" sent
 * by the local side, "<=" received, rates over the last 2 s, 10 s, 40 s, the
 * peak and the cumulative bytes, then the totals), one JSON object
 * (docs/JSON.md), and the live screen (the same table after an ANSI clear,
 * fitted to the terminal).  Every form states the capture's kernel drop
 * count.  Renderers only format: the caller fills the rows.
 *
 * Width (ui/term.h): the host column is as wide as the widest host shown;
 * the three windows always follow, then the cumulative bytes and the peak
 * while the line fits the width (TERM_WIDTH_FULL: always).  Text never cuts
 * a host (a long IPv6 address widens its line); the screen cuts hosts, then
 * lines, at the terminal's width, and never drops a window column.
 *
 * Units: bytes and bytes per second in the rows and in JSON; the tables
 * print bytes in IEC units (base/units.h: "12.3 KiB/s", "1.50 MiB"), where
 * iftop prints bits: one convention across connmon.  Everything is borrowed.
 */
#ifndef CONNMON_UI_FLOW_RENDER_H
#define CONNMON_UI_FLOW_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/outbuf.h"

enum {
	FLOW_RENDER_WINDOWS = 3
}; /* 2 s, 10 s, 40 s */

/* One direction pair of rates and totals: a flow's, or all traffic's. */
struct flow_numbers {
	double sent_Bps[FLOW_RENDER_WINDOWS], recv_Bps[FLOW_RENDER_WINDOWS];
	uint64_t sent_bytes, recv_bytes;
	uint64_t sent_pkts, recv_pkts;
	uint64_t peak_sent_Bps, peak_recv_Bps, peak_total_Bps;
};

struct flow_row {
	uint8_t family;		    /* AF_INET, AF_INET6 */
	uint8_t l4proto;	    /* ports mode, else 0 */
	bool has_ports;		    /* -P: show ports and the protocol */
	bool local_known;	    /* side A holds one of the interface's addresses */
	const uint8_t *a_addr;	    /* side A ("local"), 16 bytes */
	const uint8_t *b_addr;	    /* side B ("remote") */
	uint16_t a_port, b_port;    /* host order */
	uint64_t first_ns, last_ns; /* CLOCK_REALTIME */
	struct flow_numbers n;
};

struct flow_report {
	const char *ifname; /* live interface, or NULL */
	const char *file;   /* offline file, or NULL */
	const char *filter; /* pcap filter, or NULL */
	const char *sort;   /* the column sorted on: "2s", "total" ... */
	bool ports;	    /* -P */
	uint64_t now_ns;    /* the moment the rates are for */
	double duration_s;  /* capture length so far */
	/* capture health, cumulative */
	uint64_t packets, kernel_dropped, if_dropped, not_ip, malformed;
	bool drops_known;	     /* false: the kernel could not say (files: none) */
	uint64_t flows_refused;	     /* the flow table was full */
	const struct flow_row *rows; /* sorted, already cut to --top */
	size_t nr_rows;
	size_t nr_flows; /* before --top */
	struct flow_numbers totals;
};

/* The text table for a width (TERM_WIDTH_FULL or columns). */
void flow_render_text(struct outbuf *ob, const struct flow_report *r, unsigned width);
/* One JSON object and a newline. */
void flow_render_json(struct outbuf *ob, const struct flow_report *r);
/*
 * The live screen: clear and home, a title line, as many flows as fit in
 * rows x cols (hosts, then lines cut at cols), the totals and the capture
 * lines at the bottom.
 */
void flow_render_screen(struct outbuf *ob, const struct flow_report *r, unsigned rows,
			unsigned cols);

#endif
