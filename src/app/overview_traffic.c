// SPDX-License-Identifier: GPL-2.0-or-later
#include "app/overview_traffic.h"

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analyze/rates.h"
#include "base/strbuf.h"
#include "base/units.h"
#include "base/xalloc.h"
#include "collect/link.h"
#include "collect/snmp.h"

/* Interfaces shown by name; the rest are summed into one "others" figure. */
#define OVERVIEW_IFACES 4
/* Link utilisation at or above this is flagged, as the rules will later. */
#define OVERVIEW_UTIL_WARN_PCT 80.0

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int sample_links(struct iface_table *out, const char *sys_root)
{
	struct link *l;
	int ret = link_open(&l);

	if (ret < 0)
		return ret;
	ret = link_dump(l, sys_root, out, NULL);
	link_close(l);
	return ret;
}

static int sample_snmp(struct counter_snap *out)
{
	struct strbuf scratch = STRBUF_INIT;
	int ret = snmp_read(out, "/proc", &scratch);

	strbuf_release(&scratch);
	return ret;
}

void overview_traffic_begin(struct overview_traffic *t, uint64_t interval_ns)
{
	memset(t, 0, sizeof(*t));
	iface_table_init(&t->if_prev);
	iface_table_init(&t->if_cur);
	iface_rates_init(&t->rates);
	counter_snap_init(&t->snmp_prev);
	counter_snap_init(&t->snmp_cur);
	t->interval_ns = interval_ns;
	t->start_ns = mono_ns();
	t->if_err = sample_links(&t->if_prev, NULL);
	t->snmp_err = sample_snmp(&t->snmp_prev);
}

void overview_traffic_end(struct overview_traffic *t)
{
	uint64_t due = t->start_ns + t->interval_ns, now = mono_ns();

	if (now < due) {
		struct timespec ts = { .tv_sec = (time_t)((due - now) / 1000000000ull),
				       .tv_nsec = (long)((due - now) % 1000000000ull) };

		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
	}
	if (!t->if_err)
		t->if_err = sample_links(&t->if_cur, "/sys");
	if (!t->if_err)
		t->if_err = iface_rates_compute(&t->if_prev, &t->if_cur, &t->rates);
	if (!t->snmp_err)
		t->snmp_err = sample_snmp(&t->snmp_cur);
	if (!t->snmp_err)
		proto_health_compute(&t->health, &t->snmp_prev, &t->snmp_cur);
}

void overview_traffic_release(struct overview_traffic *t)
{
	iface_table_release(&t->if_prev);
	iface_table_release(&t->if_cur);
	iface_rates_release(&t->rates);
	counter_snap_release(&t->snmp_prev);
	counter_snap_release(&t->snmp_cur);
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
	return r->util_pct >= OVERVIEW_UTIL_WARN_PCT || r->delta[IFC_RX_ERRORS] ||
	       r->delta[IFC_TX_ERRORS] || r->delta[IFC_RX_DROPPED] || r->delta[IFC_TX_DROPPED];
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

		outbuf_addf(ob, "%-10s %-12s rx %11s  tx %11s", i ? "" : "Interfaces", r->s.name,
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
