/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The overview's traffic lines: interface rates and protocol health over the
 * second the overview spends anyway.  The first samples are taken before the
 * socket walk, the second ones at least interval_ns later, so the rates cost
 * no extra waiting when the walk is slow.
 *
 * Each part degrades alone: without rtnetlink or /proc/net/snmp that line says
 * "n/a" and why.  Owns its tables; release with overview_traffic_release().
 */
#ifndef CONNMON_APP_OVERVIEW_TRAFFIC_H
#define CONNMON_APP_OVERVIEW_TRAFFIC_H

#include <stdbool.h>
#include <stdint.h>

#include "base/outbuf.h"
#include "model/counters.h"
#include "model/iface.h"

struct overview_traffic {
	uint64_t start_ns;
	uint64_t interval_ns;
	struct iface_table if_prev, if_cur;
	struct iface_rates rates;
	int if_err; /* 0, or why there are no interface rates */
	struct counter_snap snmp_prev, snmp_cur;
	struct proto_health health;
	int snmp_err;
	size_t nr_warnings;
};

/* Takes the first samples; never fails (errors are kept per part). */
void overview_traffic_begin(struct overview_traffic *t, uint64_t interval_ns);
/* Sleeps out the rest of the interval, takes the second samples, computes. */
void overview_traffic_end(struct overview_traffic *t);
void overview_traffic_release(struct overview_traffic *t);
/* "Traffic" and "Protocol" lines; flags with " !" like the other lines. */
void overview_traffic_text(struct outbuf *ob, const struct overview_traffic *t);
/* `"interfaces":[...],"protocol":{...}` members, without braces. */
void overview_traffic_json(struct outbuf *ob, const struct overview_traffic *t);

#endif
