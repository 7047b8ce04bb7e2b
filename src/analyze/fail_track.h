/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Failed SSH authentications per source address in a sliding window: the
 * input of the ssh_brute_force rule.  Fed one failure at a time (from
 * collect/authlog's events whose kind counts); reports the addresses with
 * at least `floor` failures in the last window_ms as struct rule_authfail.
 *
 * Bounds: at most max_addrs addresses (an analyze/addr_lru): a new address
 * in a full table evicts the one whose last failure is oldest (counted in
 * nr_evicted).  Per address the times of the last FAIL_TRACK_TIMES failures
 * are kept (4 bytes each, 0.1 s resolution), so a count in the window
 * saturates at FAIL_TRACK_TIMES; each rule threshold must stay below it.
 * Memory: about 190 bytes an address, allocated at init (zero pages until
 * used): 3 MB for the default 16,384.
 * Addresses with no failure in the window are dropped by fail_track_expire.
 *
 * Times are ms since the epoch; failures may arrive slightly out of order.
 */
#ifndef CONNMON_ANALYZE_FAIL_TRACK_H
#define CONNMON_ANALYZE_FAIL_TRACK_H

#include <stddef.h>
#include <stdint.h>

#include "analyze/addr_lru.h"
#include "analyze/rule_facts.h"

#define FAIL_TRACK_TIMES	  32
#define FAIL_TRACK_DEFAULT_WINDOW 600000 /* 10 min */
#define FAIL_TRACK_DEFAULT_ADDRS  16384
#define FAIL_TRACK_DEFAULT_FLOOR  2

struct fail_track_opts {
	int64_t window_ms;  /* 0: the default */
	uint32_t max_addrs; /* 0: the default */
	uint32_t floor;	    /* report addresses with at least this many; 0: the default */
	uint64_t seed;	    /* hash seed (addr_lru) */
};

struct fail_entry;

struct fail_track {
	struct addr_lru lru;
	struct fail_entry *entries; /* one per lru node */
	int64_t window_ms;
	uint32_t floor;
	int64_t base_ms;      /* times are stored relative to it; set by the first failure */
	uint64_t nr_failures; /* fed since init */
};

void fail_track_init(struct fail_track *t, const struct fail_track_opts *o);
void fail_track_release(struct fail_track *t);
/* One failure from (family, addr) at t_ms; user (may be NULL or "") is the name tried. */
void fail_track_add(struct fail_track *t, int family, const uint8_t *addr, int64_t t_ms,
		    const char *user);
/* Drops the addresses without a failure since now_ms - window_ms. */
void fail_track_expire(struct fail_track *t, int64_t now_ms);
/*
 * Fills out (at most cap; when more qualify, the most recently active)
 * with the addresses that have at least floor failures in
 * (now_ms - window_ms, now_ms], most failures first; returns how many.
 */
size_t fail_track_report(const struct fail_track *t, int64_t now_ms, struct rule_authfail *out,
			 size_t cap);
/* Failures of one address in the window (0 when unknown). */
uint32_t fail_track_count(const struct fail_track *t, int family, const uint8_t *addr,
			  int64_t now_ms);

#endif
