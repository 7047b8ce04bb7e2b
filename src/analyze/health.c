// SPDX-License-Identifier: GPL-2.0-or-later
#include "analyze/health.h"

#include <string.h>

const struct health_thresholds health_default = {
	.time_wait_pct = 30.0,
	.time_wait_min = 100,
	.capacity_pct = 80.0,
	.util_pct = 80.0,
	.ratio_pct = 0.1,
	.ratio_min_packets = 100,
	.error_counter_min = 1,
};

double health_pct(uint64_t a, uint64_t b)
{
	return b ? 100.0 * (double)a / (double)b : 0.0;
}

bool health_time_wait_warn(const struct health_thresholds *th, uint64_t time_wait, uint64_t nr_tcp)
{
	return nr_tcp >= th->time_wait_min && health_pct(time_wait, nr_tcp) >= th->time_wait_pct;
}

bool health_capacity_warn(const struct health_thresholds *th, double pct)
{
	return pct >= 0 && pct >= th->capacity_pct;
}

bool health_error_counter_warn(const struct health_thresholds *th, uint64_t delta)
{
	return delta >= th->error_counter_min;
}

bool health_iface_warn(const struct health_thresholds *th, const struct iface_rate *r)
{
	if (r->state != IFACE_RATE_OK)
		return false;
	return (r->util_pct >= 0 && r->util_pct >= th->util_pct) ||
	       health_error_counter_warn(th, r->delta[IFC_RX_ERRORS] + r->delta[IFC_TX_ERRORS] +
						     r->delta[IFC_RX_DROPPED] +
						     r->delta[IFC_TX_DROPPED]);
}

/* Sum of the deltas of the names that are present and did not reset. */
static uint64_t sum_deltas(const struct counter_snap *old, const struct counter_snap *cur,
			   const char *const *names, size_t nr, bool *any)
{
	uint64_t sum = 0;

	*any = false;
	for (size_t i = 0; i < nr; i++) {
		struct counter_delta d = counter_delta_get(old, cur, names[i]);

		if (d.status == COUNTER_DELTA_OK) {
			sum += d.delta;
			*any = true;
		}
	}
	return sum;
}

static uint64_t one_delta(const struct counter_snap *old, const struct counter_snap *cur,
			  const char *name, bool *ok)
{
	struct counter_delta d = counter_delta_get(old, cur, name);

	*ok = d.status == COUNTER_DELTA_OK;
	return *ok ? d.delta : 0;
}

static void set_ratio(const struct health_thresholds *th, struct proto_ratio *r, uint64_t num,
		      uint64_t den, bool known)
{
	r->known = known && den > 0;
	r->num = num;
	r->den = den;
	r->pct = r->known ? 100.0 * (double)num / (double)den : 0.0;
	r->warn = r->known && den >= th->ratio_min_packets && r->pct >= th->ratio_pct;
}

#define NR(a) (sizeof(a) / sizeof((a)[0]))

static const char *const in_pkts[] = { "IpInReceives", "Ip6InReceives" };
static const char *const in_errors[] = {
	"IpInHdrErrors", "IpInAddrErrors", "Ip6InHdrErrors", "Ip6InAddrErrors",
	"TcpInErrs",	 "UdpInErrors",	   "Udp6InErrors",
};
static const char *const in_drops[] = {
	"IpInDiscards",	   "Ip6InDiscards",    "TcpExtListenDrops",    "TcpExtTCPRcvQDrop",
	"UdpRcvbufErrors", "Udp6RcvbufErrors", "TcpExtTCPBacklogDrop",
};

static void tcp_ratios(const struct health_thresholds *th, struct proto_health *h,
		       const struct counter_snap *old, const struct counter_snap *cur)
{
	bool ok_out, ok_re, ok_dsack;
	uint64_t out = one_delta(old, cur, "TcpOutSegs", &ok_out);
	uint64_t re = one_delta(old, cur, "TcpRetransSegs", &ok_re);
	uint64_t spurious = one_delta(old, cur, "TcpExtTCPDSACKRecvSegs", &ok_dsack);

	/* Kernels before 5.10 count DSACK blocks, not segments. */
	if (!ok_dsack)
		spurious = one_delta(old, cur, "TcpExtTCPDSACKRecv", &ok_dsack);
	set_ratio(th, &h->kpi[PROTO_KPI_RETRANS], re, out, ok_out && ok_re);
	set_ratio(th, &h->kpi[PROTO_KPI_LOSS], re > spurious ? re - spurious : 0, out,
		  ok_out && ok_re);
}

void health_proto_compute(const struct health_thresholds *th, struct proto_health *h,
			  const struct counter_snap *old, const struct counter_snap *cur)
{
	bool ok, any;
	uint64_t in, err, drop;

	memset(h, 0, sizeof(*h));
	if (cur->mono_ns > old->mono_ns)
		h->interval_ns = cur->mono_ns - old->mono_ns;
	tcp_ratios(th, h, old, cur);
	in = sum_deltas(old, cur, in_pkts, NR(in_pkts), &ok);
	err = sum_deltas(old, cur, in_errors, NR(in_errors), &any);
	set_ratio(th, &h->kpi[PROTO_KPI_ERROR], err, in, ok && any);
	drop = sum_deltas(old, cur, in_drops, NR(in_drops), &any);
	set_ratio(th, &h->kpi[PROTO_KPI_DROP], drop, in, ok && any);
	h->listen_overflows = one_delta(old, cur, "TcpExtListenOverflows", &ok);
	h->listen_drops = one_delta(old, cur, "TcpExtListenDrops", &ok);
	h->syncookies_sent = one_delta(old, cur, "TcpExtSyncookiesSent", &ok);
	h->warn = h->listen_overflows || h->listen_drops;
	for (int k = 0; k < PROTO_KPI_NR; k++)
		h->warn |= h->kpi[k].warn;
}
