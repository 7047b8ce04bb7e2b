/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Distinct local ports probed per source address in a sliding window: the
 * input of the port_scan rule.  Fed one connection attempt at a time (an
 * inbound TCP SYN without ACK, or a UDP datagram, from the scan capture);
 * reports the sources that probed at least `floor` distinct (protocol,
 * port) pairs in the last window_ms as struct rule_scan.
 *
 * Bounds: at most max_addrs sources (an analyze/addr_lru): a new source in
 * a full table evicts the least recently active one (nr_evicted; a SYN
 * flood from random sources churns the table and costs nothing more).  Per
 * source a compact port set: (port, protocol, probes, last time) in 8
 * bytes, grown by doubling from 4 entries up to max_ports; when it is full,
 * ports gone out of the window are dropped and then the least recent one
 * is replaced, so a count saturates at max_ports (keep it above every
 * threshold).  Worst case: max_addrs x max_ports x 8 bytes (8 MiB at the
 * defaults), plus 60 bytes a source allocated at init.
 * Nothing is allocated per packet once a source's set has grown.
 *
 * Times are ms since the epoch (the packets' capture stamps).
 */
#ifndef CONNMON_ANALYZE_SCAN_TRACK_H
#define CONNMON_ANALYZE_SCAN_TRACK_H

#include <stddef.h>
#include <stdint.h>

#include "analyze/addr_lru.h"
#include "analyze/rule_facts.h"

#define SCAN_TRACK_DEFAULT_WINDOW 10000 /* 10 s */
#define SCAN_TRACK_DEFAULT_ADDRS  16384
#define SCAN_TRACK_DEFAULT_PORTS  64
#define SCAN_TRACK_DEFAULT_FLOOR  5

struct scan_track_opts {
	int64_t window_ms;  /* 0: the default */
	uint32_t max_addrs; /* 0: the default */
	uint32_t max_ports; /* per source, 4 to 65535; 0: the default */
	uint32_t floor;	    /* 0: the default */
	uint64_t seed;	    /* hash seed (addr_lru) */
};

struct scan_source;

struct scan_track {
	struct addr_lru lru;
	struct scan_source *sources; /* one per lru node */
	int64_t window_ms;
	uint32_t max_ports;
	uint32_t floor;
	int64_t base_ms; /* port times are stored relative to it */
	uint64_t nr_probes;
	size_t port_bytes; /* bytes of every port set now */
};

void scan_track_init(struct scan_track *t, const struct scan_track_opts *o);
void scan_track_release(struct scan_track *t);
/* One attempt from (family, src) to local port dport (proto IPPROTO_TCP/UDP) at t_ms. */
void scan_track_add(struct scan_track *t, int family, const uint8_t *src, uint8_t proto,
		    uint16_t dport, int64_t t_ms);
/* Drops the sources without a probe since now_ms - window_ms, and their sets. */
void scan_track_expire(struct scan_track *t, int64_t now_ms);
/*
 * Fills out (at most cap; when more qualify, the most recently active) with
 * the sources that probed at least floor distinct ports in the window,
 * most ports first; returns how many.
 */
size_t scan_track_report(const struct scan_track *t, int64_t now_ms, struct rule_scan *out,
			 size_t cap);
/* Distinct ports of one source in the window (0 when unknown). */
uint32_t scan_track_count(const struct scan_track *t, int family, const uint8_t *src,
			  int64_t now_ms);

#endif
