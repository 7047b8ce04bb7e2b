/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The agent's series from a tick's interface and protocol counters
 * (model/metric.h names them; docs/METRICS.md lists them):
 *
 *   connmon_iface_*_total{iface}     raw cumulative counters of every interface
 *   connmon_iface_up / _speed_bytes_per_second{iface}
 *   connmon_netstat_total{counter}   every kernel protocol counter (nstat's
 *                                    names) once it has been non-zero
 *   connmon_netstat{counter}         the gauges among them (TcpCurrEstab...)
 *   connmon_proto_ratio{kpi}         the protocol-health ratios of the tick
 *                                    (0..1; absent when the denominator is)
 *
 * Each function writes into the current tick of the series table; scratch
 * is a labels buffer the caller owns.
 */
#ifndef CONNMON_ANALYZE_SERIES_EMIT_H
#define CONNMON_ANALYZE_SERIES_EMIT_H

#include "base/strbuf.h"
#include "model/counters.h"
#include "model/iface.h"
#include "model/metric.h"

void series_emit_ifaces(struct series_table *t, const struct iface_table *ifs,
			struct strbuf *scratch);
void series_emit_counters(struct series_table *t, const struct counter_snap *cs,
			  struct strbuf *scratch);
void series_emit_kpis(struct series_table *t, const struct proto_health *h, struct strbuf *scratch);

#endif
