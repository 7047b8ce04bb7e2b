/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Counter deltas into per-second rates, for interfaces and for any other
 * cumulative kernel counter.
 *
 * The rule: a rate is only ever computed from two samples of the same
 * counter of the same object.  When that is not the case the answer is "no
 * rate" for that interval, never a spike:
 *   - a counter that went backwards was reset (driver reload, `ip link set`
 *     on some drivers, a re-created device): the whole interface has no rate,
 *     since a driver resets its counters together;
 *   - 32-bit counters (the IFLA_STATS fallback) wrap at 2^32: a decrease from
 *     the upper half of the range whose wrapped delta is below 2^31 is taken
 *     as a wrap, anything else as a reset;
 *   - an interface is the same one only with the same ifindex and name; one
 *     that appeared, vanished, was renamed or re-created has no rate.
 *
 * Utilisation: full duplex max(rx, tx) bits against the speed, half duplex
 * (and unknown duplex) rx + tx, as sar does.  Unknown when the speed is
 * unknown, and also when the result would exceed 100 %: a speed that low is
 * wrong, and a wrong utilisation is worse than none.
 *
 * Ownership: struct iface_rates and struct iface_avg own their arrays; rows
 * hold copies of samples, nothing borrowed.  Errors: 0 or -EINVAL.
 */
#ifndef CONNMON_ANALYZE_RATES_H
#define CONNMON_ANALYZE_RATES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/iface.h"

/*
 * The increase of a counter of bits width (32 or 64) from prev to cur.
 * Returns false (no rate) for a reset; true with *delta otherwise, wraps of
 * 32-bit counters included.
 */
bool rate_counter_delta(uint64_t prev, uint64_t cur, unsigned bits, uint64_t *delta);
/* delta per second over interval_ns; 0 for an empty interval. */
double rate_per_s(uint64_t delta, uint64_t interval_ns);

/*
 * One row per interface of cur (ordered by ifindex), plus one per interface
 * of prev that vanished.  Both tables must be sorted (link_dump sorts).
 * Returns 0, or -EINVAL when cur is not later than prev.
 */
int iface_rates_compute(const struct iface_table *prev, const struct iface_table *cur,
			struct iface_rates *out);

/* Utilisation of a link in percent from byte rates, or -1 (see above). */
double iface_util_pct(const struct iface_sample *s, double rx_bytes_per_s, double tx_bytes_per_s);

/* Keeps only the rows keep() accepts (an interface selection). */
void iface_rates_retain(struct iface_rates *r, bool (*keep)(const struct iface_rate *, void *),
			void *arg);

/*
 * The Average block of `-w SEC COUNT`: totals per interface over the
 * intervals that had a rate, divided by the time those intervals covered.
 *
 * Bounded, whatever comes and goes: one entry per interface of the latest
 * rows, plus at most max_gone entries of interfaces that vanished during the
 * run (kept so that the Average still shows them, marked gone).  When more
 * have vanished, the entries of those that vanished longest ago are dropped
 * and counted in nr_dropped.  An interface is its (ifindex, name), as for
 * rates: a re-created interface is a new entry beside its gone predecessor.
 *
 * Entries are kept ordered by (ifindex, name), so adding an interval is one
 * merge pass over its rows (iface_rates_compute() emits them in that order;
 * other orders are sorted first): O(entries + rows), no per-row lookup.
 */
#define IFACE_AVG_MAX_GONE 64

struct iface_avg_entry {
	struct iface_sample s; /* the latest sample */
	uint64_t delta[IFC_NR];
	uint64_t valid_ns;	    /* summed length of the intervals with a rate */
	unsigned nr_intervals;	    /* rows seen */
	unsigned nr_norate;	    /* of which without a rate */
	enum iface_rate_state last; /* state of the latest row */
	unsigned gone_at; /* 0: in the latest rows; else the interval (1-based) it vanished in */
};

struct iface_avg {
	struct iface_avg_entry *v; /* ordered by (ifindex, name) */
	size_t nr, alloc;
	struct iface_avg_entry *next; /* the merge's output, then swapped with v */
	size_t next_alloc;
	unsigned nr_intervals;
	size_t max_gone;     /* IFACE_AVG_MAX_GONE; a caller may lower it after init */
	size_t nr_gone;	     /* entries of vanished interfaces (<= max_gone) */
	uint64_t nr_dropped; /* vanished entries dropped to stay within max_gone */
};

void iface_avg_init(struct iface_avg *a);
void iface_avg_release(struct iface_avg *a);
void iface_avg_add(struct iface_avg *a, const struct iface_rates *r);
/*
 * Averages as rows ordered by (ifindex, name) (out is cleared first): state
 * OK with per-second values when an interface had at least one interval
 * with a rate, else the state of its latest row; gone set for vanished ones.
 */
void iface_avg_result(const struct iface_avg *a, struct iface_rates *out);
/* Entries held (live and vanished): the table's size, for soak tests. */
size_t iface_avg_size(const struct iface_avg *a);

#endif
