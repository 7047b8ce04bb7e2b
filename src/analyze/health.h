/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The one place where connmon decides what is flagged: the "!" in text,
 * "warn": true in JSON, the overview's warnings, and (later) the defaults of
 * the agent's rules.  Renderers and commands ask here; none compares a value
 * with a threshold of its own.
 *
 * Thresholds (struct health_thresholds, defaults in health_default):
 *   time_wait_pct       TIME-WAIT share of TCP sockets, flagged at >= 30 %,
 *   time_wait_min       but only over at least 100 TCP sockets (1 of 1 is noise)
 *   capacity_pct        any "% of a limit" (accept queue, ephemeral ports,
 *                       orphans, conntrack): >= 80 %
 *   util_pct            link utilisation: >= 80 % of a known link speed
 *   ratio_pct           protocol ratios (retransmit, loss, error, drop): >= 0.1 %,
 *   ratio_min_packets   over at least 100 packets (1 of 20 is noise)
 *   error_counter_min   an error or drop counter that moved by at least 1
 *                       (interface errors and drops, the error counters of proto)
 *
 * Pure functions; nothing here reads or prints.
 */
#ifndef CONNMON_ANALYZE_HEALTH_H
#define CONNMON_ANALYZE_HEALTH_H

#include <stdbool.h>
#include <stdint.h>

#include "model/counters.h"
#include "model/iface.h"

struct health_thresholds {
	double time_wait_pct;
	uint64_t time_wait_min; /* TCP sockets */
	double capacity_pct;
	double util_pct;
	double ratio_pct;
	uint64_t ratio_min_packets;
	uint64_t error_counter_min;
};

extern const struct health_thresholds health_default;

/* 100 * a / b; 0 when b is 0. */
double health_pct(uint64_t a, uint64_t b);

bool health_time_wait_warn(const struct health_thresholds *th, uint64_t time_wait, uint64_t nr_tcp);
/* A usage in percent of some limit; a negative pct (unknown) is never flagged. */
bool health_capacity_warn(const struct health_thresholds *th, double pct);
/* Utilisation, errors or drops of one interface over an interval with a rate. */
bool health_iface_warn(const struct health_thresholds *th, const struct iface_rate *r);
/* An error or drop counter's increase. */
bool health_error_counter_warn(const struct health_thresholds *th, uint64_t delta);

/*
 * The protocol-health KPIs between two sealed snapshots (old sampled first),
 * flagged against th: each ratio, and the whole (any ratio, or a listen
 * overflow or drop).
 */
void health_proto_compute(const struct health_thresholds *th, struct proto_health *h,
			  const struct counter_snap *old, const struct counter_snap *cur);

#endif
