/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Output of `connmon flows`: iftop's text mode (two lines per flow, "=>" sent
 * by the local side, "<=" received, rates over the last 2 s, 10 s, 40 s, the
 * peak and the cumulative bytes, then the totals), one JSON object
 * (docs/JSON-flows.md), and the live screen (the same table after an ANSI
 * clear, fitted to the terminal).  Every form states the capture's kernel
 * drop count.  Renderers only format: the caller fills the rows.
 *
 * Units: bytes and bytes per second in the rows; the table prints rates in
 * bits per second with SI prefixes (Kb = 1000 b/s) and totals in bytes with
 * binary prefixes (KB = 1024 B), as iftop does.  Everything is borrowed.
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

void flow_render_text(struct outbuf *ob, const struct flow_report *r);
/* One JSON object and a newline. */
void flow_render_json(struct outbuf *ob, const struct flow_report *r);
/*
 * The live screen: clear and home, a title line, as many flows as fit in
 * rows x cols (lines cut at cols), the totals and the drop line at the bottom.
 */
void flow_render_screen(struct outbuf *ob, const struct flow_report *r, unsigned rows,
			unsigned cols);

/* "1.23Mb" style rate (bits/s, SI) and size (bytes, binary) into buf (>= 16). */
const char *flow_fmt_rate(char *buf, size_t len, double bytes_per_s);
const char *flow_fmt_bytes(char *buf, size_t len, uint64_t bytes);

#endif
