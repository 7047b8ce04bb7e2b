/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Traffic accounting per host pair (or per port pair): what iftop shows.
 *
 * A flow is the traffic between two endpoints in both directions.  One side
 * is "local" (side A): the side whose address is one of the local addresses
 * given with flow_table_set_local(), or, when neither or both are, the
 * source of the flow's first packet.  Bytes from A are "sent", bytes to A
 * "received".  Bytes are the IP length (pkt_info.ip_len), as iftop counts.
 *
 * Each flow keeps a ring of per-second byte counts (FLOW_RING_SECS) from
 * which the 2 s, 10 s and 40 s averages are computed at a given time, its
 * cumulative totals and its peak (the most bytes in one second).
 *
 * An average over a window of W seconds ending at now is the bytes of that
 * window divided by min(W, now - start): start is the capture's start, set
 * by the caller (flow_table_set_start), or the first packet when it is not
 * set (a file).  The ring's oldest second, partly inside the window, counts
 * pro rata (its bytes spread evenly over it), so the window is W seconds
 * long, not W - 1 and a fraction.  The same
 * is kept for the whole table (totals), which also counts the traffic of
 * expired flows and of flows refused when the table was full.
 *
 * Time is the packets' own timestamps (ts_ns, CLOCK_REALTIME ns), so a
 * capture file replays with the windows it had live.
 *
 * Memory: the table owns its flows; flow_table_account() allocates only
 * when the table grows (amortised doubling, up to max_flows), never per
 * packet in steady state.  Views returned by flow_table_views() are owned
 * by the table and valid until the next call that changes it.
 */
#ifndef CONNMON_ANALYZE_FLOW_TABLE_H
#define CONNMON_ANALYZE_FLOW_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/pkt.h"

enum {
	FLOW_RING_SECS = 42, /* 40 complete seconds + the current one + slack */
	FLOW_NR_WINDOWS = 3, /* 2 s, 10 s, 40 s */
	FLOW_MAX_LOCAL = 64, /* local addresses remembered */
};

/* The windows' lengths in seconds, indexed like the rate arrays. */
extern const unsigned flow_window_secs[FLOW_NR_WINDOWS];

enum flow_sort {
	FLOW_SORT_2S,	 /* sent+received rate over 2 s */
	FLOW_SORT_10S,	 /* ... 10 s */
	FLOW_SORT_40S,	 /* ... 40 s */
	FLOW_SORT_TOTAL, /* cumulative sent+received bytes */
	FLOW_SORT_PEAK,	 /* peak sent+received bytes in one second */
	FLOW_SORT_SENT,	 /* cumulative sent bytes */
	FLOW_SORT_RECV,	 /* cumulative received bytes */
};

/* Parses "2s", "10s", "40s", "total", "peak", "sent", "recv"; false if none. */
bool flow_sort_parse(const char *s, enum flow_sort *out);

struct flow_key {
	uint8_t a_addr[16], b_addr[16]; /* network order; IPv4 in the first 4 bytes */
	uint16_t a_port, b_port;	/* host order; 0 without ports mode */
	uint8_t family;			/* AF_INET, AF_INET6 */
	uint8_t l4proto;		/* ports mode only, else 0 */
};

/* Rates in bytes per second; totals in bytes. */
struct flow_stats {
	double sent_Bps[FLOW_NR_WINDOWS], recv_Bps[FLOW_NR_WINDOWS];
	uint64_t sent_bytes, recv_bytes;
	uint64_t sent_pkts, recv_pkts;
	/* most bytes in one second (or the 2 s average, when higher) */
	uint64_t peak_sent_Bps, peak_recv_Bps, peak_total_Bps;
};

struct flow_view {
	struct flow_key key; /* a = local side */
	bool a_is_local;     /* a is a local address, not just the first source */
	struct flow_stats st;
	uint64_t first_ns, last_ns; /* first and last packet */
};

struct flow_table_opts {
	bool ports;	  /* key on (address, port) pairs and protocol */
	size_t max_flows; /* 0: 100000; beyond it new flows count in totals only */
};

struct flow_table;

struct flow_table *flow_table_new(const struct flow_table_opts *o);
void flow_table_free(struct flow_table *t);

/*
 * Replaces the local address list (the capture interface's own addresses);
 * at most FLOW_MAX_LOCAL are kept.  addrs: nr entries of 16 bytes (IPv4 in
 * the first 4, the rest 0), families[i] AF_INET or AF_INET6.  Applies to
 * flows created afterwards.
 */
void flow_table_set_local(struct flow_table *t, const uint8_t (*addrs)[16], const uint8_t *families,
			  size_t nr);

/* Accounts one IP packet (p->family != 0). */
void flow_table_account(struct flow_table *t, const struct pkt_info *p);

/*
 * Drops flows with no packet in the last idle_secs seconds before now_ns
 * (their bytes stay in the totals).  Returns the number dropped.
 */
size_t flow_table_expire(struct flow_table *t, uint64_t now_ns, unsigned idle_secs);

/* Where the windows start (CLOCK_REALTIME ns, as packet timestamps); 0: the first packet. */
void flow_table_set_start(struct flow_table *t, uint64_t start_ns);

size_t flow_table_nr_flows(const struct flow_table *t);
/* Flows refused because the table was full (their bytes are in totals). */
uint64_t flow_table_nr_refused(const struct flow_table *t);
/* Timestamp of the first and the latest packet accounted; 0 before any. */
uint64_t flow_table_first_ns(const struct flow_table *t);
uint64_t flow_table_last_ns(const struct flow_table *t);

/*
 * Computes every flow's statistics as of now_ns and returns them sorted by
 * `by`, largest first (ties: by the 40 s rate, then key).  *nr gets the count.
 */
const struct flow_view *flow_table_views(struct flow_table *t, uint64_t now_ns, enum flow_sort by,
					 size_t *nr);
/* The totals over all flows (including expired and refused) as of now_ns. */
void flow_table_totals(const struct flow_table *t, uint64_t now_ns, struct flow_stats *st);

#endif
