// SPDX-License-Identifier: GPL-2.0-or-later
#include "app/overview_traffic.h"

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/health.h"
#include "analyze/rates.h"
#include "base/strbuf.h"
#include "base/units.h"
#include "base/xalloc.h"
#include "collect/link.h"
#include "collect/snmp.h"

/* Interfaces shown by name; the rest are summed into one "others" figure. */
#define OVERVIEW_IFACES 4

void overview_traffic_init(struct overview_traffic *t)
{
	memset(t, 0, sizeof(*t));
	iface_rates_init(&t->rates);
	if (link_source_open(&t->ls, "/sys") < 0)
		t->ls.link = NULL;
	snmp_source_init(&t->ss, "/proc");
	t->if_err = t->snmp_err = -ENODATA;
}

static int link_or_nothing(void *src, struct tick *tick, struct snapshot *snap)
{
	struct overview_traffic *t = src;

	if (!t->ls.link) {
		snap->ifaces_err = -ENOTCONN;
		return 0;
	}
	return link_source_ops.sample(&t->ls, tick, snap);
}

static const struct source_ops overview_link = { .name = "link", .sample = link_or_nothing };

void overview_traffic_add_sources(struct overview_traffic *t, struct tick *tick)
{
	tick_add_source(tick, &overview_link, t);
	tick_add_source(tick, &snmp_source_ops, &t->ss);
}

void overview_traffic_compute(struct overview_traffic *t, const struct snapshot *prev,
			      const struct snapshot *cur)
{
	t->interval_ns = prev ? cur->mono_ns - prev->mono_ns : 0;
	t->if_err = !prev ? -ENODATA : cur->ifaces_err ? cur->ifaces_err : prev->ifaces_err;
	if (!t->if_err)
		t->if_err = iface_rates_compute(&prev->ifaces, &cur->ifaces, &t->rates);
	t->snmp_err = !prev ? -ENODATA : cur->counters_err ? cur->counters_err : prev->counters_err;
	if (!t->snmp_err)
		health_proto_compute(&health_default, &t->health, &prev->counters, &cur->counters);
}

void overview_traffic_release(struct overview_traffic *t)
{
	iface_rates_release(&t->rates);
	link_close(t->ls.link);
	snmp_source_ops.close(&t->ss);
}

static bool shown(const struct iface_rate *r)
{
	return r->state == IFACE_RATE_OK && r->s.flags & IFF_UP && !(r->s.flags & IFF_LOOPBACK);
}

static double total_bps(const struct iface_rate *r)
{
	return r->per_s[IFC_RX_BYTES] + r->per_s[IFC_TX_BYTES];
}

static int cmp_busiest(const void *a, const void *b)
{
	const struct iface_rate *ra = *(const struct iface_rate *const *)a;
	const struct iface_rate *rb = *(const struct iface_rate *const *)b;
	double x = total_bps(ra), y = total_bps(rb);

	if (x != y)
		return x < y ? 1 : -1;
	return ra->s.ifindex < rb->s.ifindex ? -1 : ra->s.ifindex > rb->s.ifindex;
}

/* The interfaces to show, busiest first; returns how many (caller frees *out). */
static size_t busiest(const struct overview_traffic *t, const struct iface_rate ***out)
{
	const struct iface_rate **v = xcalloc(t->rates.nr + 1, sizeof(*v));
	size_t n = 0;

	for (size_t i = 0; i < t->rates.nr; i++)
		if (shown(&t->rates.v[i]))
			v[n++] = &t->rates.v[i];
	if (n)
		qsort(v, n, sizeof(*v), cmp_busiest);
	*out = v;
	return n;
}

/* "1.23 MB/s" style, SI prefixes, into buf (>= 16 bytes). */
static const char *human_rate(char *buf, size_t len, double bytes_per_s)
{
	static const char *const units[] = { "B/s", "kB/s", "MB/s", "GB/s", "TB/s" };
	size_t u = units_scale(&bytes_per_s, 1000, UNITS_NR(units));

	snprintf(buf, len, u ? "%.1f %s" : "%.0f %s", bytes_per_s, units[u]);
	return buf;
}

static bool iface_warn(const struct iface_rate *r)
{
	return health_iface_warn(&health_default, r);
}

static void text_ifaces(struct outbuf *ob, const struct overview_traffic *t)
{
	const struct iface_rate **v;
	size_t n, i;
	char rx[24], tx[24];

	if (t->if_err) {
		outbuf_addf(ob, "Interfaces n/a (rtnetlink: %s)\n", strerror(-t->if_err));
		return;
	}
	n = busiest(t, &v);
	if (!n)
		outbuf_addstr(ob, "Interfaces none up (loopback not shown)\n");
	for (i = 0; i < n && i < OVERVIEW_IFACES; i++) {
		const struct iface_rate *r = v[i];

		outbuf_addf(ob, "%-10s ", i ? "" : "Interfaces");
		/* interface names come from whoever created them: escaped, never cut */
		outbuf_pad(ob,
			   outbuf_add_safe(ob, r->s.name, strnlen(r->s.name, sizeof(r->s.name))),
			   12);
		outbuf_addf(ob, " rx %11s  tx %11s",
			    human_rate(rx, sizeof(rx), r->per_s[IFC_RX_BYTES]),
			    human_rate(tx, sizeof(tx), r->per_s[IFC_TX_BYTES]));
		if (r->util_pct >= 0)
			outbuf_addf(ob, "  util %.0f%%", r->util_pct);
		outbuf_addf(ob, "  errs %.0f/s  drops %.0f/s%s\n",
			    r->per_s[IFC_RX_ERRORS] + r->per_s[IFC_TX_ERRORS],
			    r->per_s[IFC_RX_DROPPED] + r->per_s[IFC_TX_DROPPED],
			    iface_warn(r) ? " !" : "");
	}
	if (n > OVERVIEW_IFACES)
		outbuf_addf(ob, "%-10s (%zu more: connmon ifaces)\n", "", n - OVERVIEW_IFACES);
	free(v);
}

static void text_proto(struct outbuf *ob, const struct overview_traffic *t)
{
	const struct proto_health *h = &t->health;

	if (t->snmp_err) {
		outbuf_addf(ob, "Protocol   n/a (/proc/net/snmp: %s)\n", strerror(-t->snmp_err));
		return;
	}
	outbuf_addstr(ob, "Protocol  ");
	for (int k = 0; k < PROTO_KPI_NR; k++) {
		const struct proto_ratio *r = &h->kpi[k];

		outbuf_addf(ob, " %s ", proto_kpi_label(k));
		if (r->known)
			outbuf_addf(ob, "%.2f%%%s", r->pct, r->warn ? " !" : "");
		else
			outbuf_addstr(ob, "n/a");
		outbuf_addch(ob, k + 1 < PROTO_KPI_NR ? ',' : '\n');
	}
	if (h->listen_overflows || h->listen_drops || h->syncookies_sent)
		outbuf_addf(ob,
			    "           listen overflows %llu, drops %llu, SYN cookies %llu !\n",
			    (unsigned long long)h->listen_overflows,
			    (unsigned long long)h->listen_drops,
			    (unsigned long long)h->syncookies_sent);
}

void overview_traffic_text(struct outbuf *ob, const struct overview_traffic *t)
{
	text_ifaces(ob, t);
	text_proto(ob, t);
}

static void json_iface(struct outbuf *ob, const struct iface_rate *r)
{
	outbuf_addstr(ob, "{\"name\":\"");
	outbuf_add_json_str(ob, r->s.name, strnlen(r->s.name, sizeof(r->s.name)));
	outbuf_addf(ob,
		    "\",\"rx_bytes_per_s\":%.1f,\"tx_bytes_per_s\":%.1f,\"rx_packets_per_s\":%.1f,"
		    "\"tx_packets_per_s\":%.1f,\"errors_per_s\":%.1f,\"drops_per_s\":%.1f,",
		    r->per_s[IFC_RX_BYTES], r->per_s[IFC_TX_BYTES], r->per_s[IFC_RX_PACKETS],
		    r->per_s[IFC_TX_PACKETS], r->per_s[IFC_RX_ERRORS] + r->per_s[IFC_TX_ERRORS],
		    r->per_s[IFC_RX_DROPPED] + r->per_s[IFC_TX_DROPPED]);
	if (r->util_pct >= 0)
		outbuf_addf(ob, "\"util_pct\":%.1f,", r->util_pct);
	else
		outbuf_addstr(ob, "\"util_pct\":null,");
	outbuf_addf(ob, "\"warn\":%s}", iface_warn(r) ? "true" : "false");
}

void overview_traffic_json(struct outbuf *ob, const struct overview_traffic *t)
{
	const struct iface_rate **v = NULL;
	size_t n = t->if_err ? 0 : busiest(t, &v);

	outbuf_addf(ob, "\"interval_s\":%.3f,\"interfaces\":", t->interval_ns / 1e9);
	if (t->if_err) {
		outbuf_addstr(ob, "null");
	} else {
		outbuf_addch(ob, '[');
		for (size_t i = 0; i < n; i++) {
			if (i)
				outbuf_addch(ob, ',');
			json_iface(ob, v[i]);
		}
		outbuf_addch(ob, ']');
	}
	free(v);
	outbuf_addstr(ob, ",\"protocol\":");
	if (t->snmp_err) {
		outbuf_addstr(ob, "null");
		return;
	}
	outbuf_addch(ob, '{');
	for (int k = 0; k < PROTO_KPI_NR; k++) {
		const struct proto_ratio *r = &t->health.kpi[k];

		outbuf_addf(ob, "\"%s\":", proto_kpi_key(k));
		if (r->known)
			outbuf_addf(ob, "{\"pct\":%.4f,\"warn\":%s},", r->pct,
				    r->warn ? "true" : "false");
		else
			outbuf_addstr(ob, "null,");
	}
	outbuf_addf(ob, "\"listen_overflows\":%llu,\"listen_drops\":%llu,\"syncookies_sent\":%llu}",
		    (unsigned long long)t->health.listen_overflows,
		    (unsigned long long)t->health.listen_drops,
		    (unsigned long long)t->health.syncookies_sent);
}
