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
#include "ui/text_wrap.h"

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

static bool iface_warn(const struct iface_rate *r)
{
	return health_iface_warn(&health_default, r);
}

/* Errors and drops per second, shown when not 0: "0.4/s", "12/s". */
static void add_per_s(struct text_wrap *w, const char *label, double v)
{
	if (v > 0)
		text_wrap_addf(w, "  ", "%s %.*f/s", label, v < 10 ? 1 : 0, v);
}

#define NAME_W	15 /* IFNAMSIZ - 1 */
#define LABEL_W 11 /* "Interfaces " */

/* One interface: name, rates in IEC units, then what is not zero; wraps under the rates. */
static void text_iface(struct outbuf *ob, unsigned width, const struct iface_rate *r, bool first)
{
	char rx[UNITS_BUF_LEN], tx[UNITS_BUF_LEN];
	struct text_wrap w;
	size_t cols;

	outbuf_addf(ob, "%-*s", LABEL_W, first ? "Interfaces" : "");
	/* interface names come from whoever created them: escaped, never cut */
	cols = outbuf_add_safe(ob, r->s.name, strnlen(r->s.name, sizeof(r->s.name)));
	outbuf_pad(ob, cols, NAME_W);
	text_wrap_resume(&w, ob, width, LABEL_W + (cols > NAME_W ? cols : NAME_W),
			 LABEL_W + NAME_W + 1);
	text_wrap_addf(&w, " ", "rx %10s",
		       units_fmt(rx, sizeof(rx), r->per_s[IFC_RX_BYTES], UNITS_BYTES_PER_S));
	text_wrap_addf(&w, "  ", "tx %10s",
		       units_fmt(tx, sizeof(tx), r->per_s[IFC_TX_BYTES], UNITS_BYTES_PER_S));
	if (r->util_pct >= 0)
		text_wrap_addf(&w, "  ", "util %.0f%%", r->util_pct);
	add_per_s(&w, "errs", r->per_s[IFC_RX_ERRORS] + r->per_s[IFC_TX_ERRORS]);
	add_per_s(&w, "drops", r->per_s[IFC_RX_DROPPED] + r->per_s[IFC_TX_DROPPED]);
	if (iface_warn(r))
		text_wrap_addf(&w, " ", "!");
	text_wrap_end(&w);
}

static void text_ifaces(struct outbuf *ob, unsigned width, const struct overview_traffic *t)
{
	const struct iface_rate **v;
	size_t n, i;

	if (t->if_err) {
		outbuf_addf(ob, "Interfaces n/a (rtnetlink: %s)\n", strerror(-t->if_err));
		return;
	}
	n = busiest(t, &v);
	if (!n)
		outbuf_addstr(ob, "Interfaces none up (loopback not shown)\n");
	for (i = 0; i < n && i < OVERVIEW_IFACES; i++)
		text_iface(ob, width, v[i], i == 0);
	if (n > OVERVIEW_IFACES)
		outbuf_addf(ob, "%-*s(%zu more: connmon ifaces)\n", LABEL_W, "",
			    n - OVERVIEW_IFACES);
	free(v);
}

/* The KPIs' short names, so the four fit one line (`connmon proto` has the long ones). */
static const char *const kpi_short[] = {
	[PROTO_KPI_RETRANS] = "retransmit",
	[PROTO_KPI_LOSS] = "loss",
	[PROTO_KPI_ERROR] = "errors",
	[PROTO_KPI_DROP] = "drops",
};
_Static_assert(sizeof(kpi_short) / sizeof(kpi_short[0]) == PROTO_KPI_NR, "a name per KPI");

static void text_proto(struct outbuf *ob, unsigned width, const struct overview_traffic *t)
{
	const struct proto_health *h = &t->health;
	struct text_wrap w;

	if (t->snmp_err) {
		outbuf_addf(ob, "Protocol   n/a (/proc/net/snmp: %s)\n", strerror(-t->snmp_err));
		return;
	}
	text_wrap_begin(&w, ob, width, "Protocol   ", LABEL_W);
	for (int k = 0; k < PROTO_KPI_NR; k++) {
		const struct proto_ratio *r = &h->kpi[k];

		if (r->known)
			text_wrap_addf(&w, ", ", "%s %.2f%%%s", kpi_short[k], r->pct,
				       r->warn ? " !" : "");
		else
			text_wrap_addf(&w, ", ", "%s n/a", kpi_short[k]);
	}
	text_wrap_end(&w);
	if (h->listen_overflows || h->listen_drops || h->syncookies_sent) {
		text_wrap_begin(&w, ob, width, "           ", LABEL_W);
		text_wrap_addf(&w, ", ", "listen overflows %llu",
			       (unsigned long long)h->listen_overflows);
		text_wrap_addf(&w, ", ", "drops %llu", (unsigned long long)h->listen_drops);
		text_wrap_addf(&w, ", ", "SYN cookies %llu !",
			       (unsigned long long)h->syncookies_sent);
		text_wrap_end(&w);
	}
}

void overview_traffic_text(struct outbuf *ob, unsigned width, const struct overview_traffic *t)
{
	text_ifaces(ob, width, t);
	text_proto(ob, width, t);
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
