/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The overview's traffic lines: interface rates and protocol health over the
 * second the overview spends anyway.  The first samples are the tick's
 * baseline, taken before the socket walk; the second ones a tick later, so
 * the rates cost no extra waiting when the walk is slow.
 *
 * Each part degrades alone: without rtnetlink or /proc/net/snmp that line says
 * "n/a" and why.  Owns its tables; release with overview_traffic_release().
 */
#ifndef CONNMON_APP_OVERVIEW_TRAFFIC_H
#define CONNMON_APP_OVERVIEW_TRAFFIC_H

#include <stdbool.h>
#include <stdint.h>

#include "app/sources.h"
#include "app/tick.h"
#include "base/outbuf.h"
#include "model/counters.h"
#include "model/iface.h"

struct overview_traffic {
	struct link_source ls;
	struct snmp_source ss;
	uint64_t interval_ns;
	struct iface_rates rates;
	int if_err; /* 0, or why there are no interface rates */
	struct proto_health health;
	int snmp_err;
	size_t nr_warnings;
};

/* Opens the sources (a failure shows as "n/a" later); never fails. */
void overview_traffic_init(struct overview_traffic *t);
/* Registers the interface and protocol-counter sources on the tick. */
void overview_traffic_add_sources(struct overview_traffic *t, struct tick *tick);
/* Rates and health between two snapshots (prev NULL: none, "n/a"). */
void overview_traffic_compute(struct overview_traffic *t, const struct snapshot *prev,
			      const struct snapshot *cur);
void overview_traffic_release(struct overview_traffic *t);
/*
 * "Interfaces" and "Protocol" lines, wrapped at width (ui/term.h); byte rates
 * in IEC units (base/units.h); flags with " !" like the other lines.
 */
void overview_traffic_text(struct outbuf *ob, unsigned width, const struct overview_traffic *t);
/* `"interfaces":[...],"protocol":{...}` members, without braces. */
void overview_traffic_json(struct outbuf *ob, const struct overview_traffic *t);

#endif
