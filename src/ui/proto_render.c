// SPDX-License-Identifier: GPL-2.0-or-later
#include "ui/proto_render.h"

#include <stdio.h>
#include <string.h>

/* A key counter: its section, nstat name, label, and whether a move is bad. */
struct proto_key {
	const char *section;
	const char *name;
	const char *label;
	bool bad;
};

/*
 * What sar -n TCP,ETCP,UDP,IP,EIP and netstat -s readers look at first; the
 * section changes when the name's section does.
 */
static const struct proto_key keys[] = {
	{ "TCP", "TcpActiveOpens", "active opens", false },
	{ "TCP", "TcpPassiveOpens", "passive opens", false },
	{ "TCP", "TcpAttemptFails", "attempt fails", true },
	{ "TCP", "TcpEstabResets", "established resets", false },
	{ "TCP", "TcpInSegs", "segments in", false },
	{ "TCP", "TcpOutSegs", "segments out", false },
	{ "TCP", "TcpRetransSegs", "retransmitted segments", false },
	{ "TCP", "TcpInErrs", "in errors", true },
	{ "TCP", "TcpOutRsts", "out resets", false },
	{ "TcpExt", "TcpExtListenOverflows", "listen overflows", true },
	{ "TcpExt", "TcpExtListenDrops", "listen drops", true },
	{ "TcpExt", "TcpExtSyncookiesSent", "SYN cookies sent", false },
	{ "TcpExt", "TcpExtSyncookiesRecv", "SYN cookies received", false },
	{ "TcpExt", "TcpExtSyncookiesFailed", "SYN cookies failed", true },
	{ "TcpExt", "TcpExtTCPTimeouts", "timeouts", false },
	{ "TcpExt", "TcpExtTCPLostRetransmit", "lost retransmits", false },
	{ "TcpExt", "TcpExtTCPRcvQDrop", "receive-queue drops", true },
	{ "IP", "IpInReceives", "packets in", false },
	{ "IP", "IpOutRequests", "packets out", false },
	{ "IP", "IpInDiscards", "in discards", true },
	{ "IP", "IpOutDiscards", "out discards", true },
	{ "IP", "IpExtInNoRoutes", "in no-routes", true },
	{ "IP", "IpOutNoRoutes", "out no-routes", true },
	{ "IP", "IpReasmFails", "reassembly failures", true },
	{ "IPv6", "Ip6InReceives", "packets in", false },
	{ "IPv6", "Ip6OutRequests", "packets out", false },
	{ "IPv6", "Ip6InDiscards", "in discards", true },
	{ "IPv6", "Ip6OutDiscards", "out discards", true },
	{ "IPv6", "Ip6InNoRoutes", "in no-routes", true },
	{ "IPv6", "Ip6OutNoRoutes", "out no-routes", true },
	{ "IPv6", "Ip6ReasmFails", "reassembly failures", true },
	{ "UDP", "UdpInDatagrams", "datagrams in", false },
	{ "UDP", "UdpOutDatagrams", "datagrams out", false },
	{ "UDP", "UdpNoPorts", "no-port datagrams", false },
	{ "UDP", "UdpInErrors", "in errors", true },
	{ "UDP", "UdpRcvbufErrors", "receive buffer errors", true },
	{ "UDP", "UdpSndbufErrors", "send buffer errors", true },
	{ "UDPv6", "Udp6InDatagrams", "datagrams in", false },
	{ "UDPv6", "Udp6OutDatagrams", "datagrams out", false },
	{ "UDPv6", "Udp6NoPorts", "no-port datagrams", false },
	{ "UDPv6", "Udp6InErrors", "in errors", true },
	{ "UDPv6", "Udp6RcvbufErrors", "receive buffer errors", true },
	{ "UDPv6", "Udp6SndbufErrors", "send buffer errors", true },
};

#define NR_KEYS (sizeof(keys) / sizeof(keys[0]))

unsigned proto_key_count(void)
{
	return NR_KEYS;
}

const char *proto_key_name(unsigned i)
{
	return i < NR_KEYS ? keys[i].name : NULL;
}

static double interval_s(const struct proto_frame *f)
{
	uint64_t ns = f->cur->mono_ns > f->old->mono_ns ? f->cur->mono_ns - f->old->mono_ns : 0;

	return (double)ns / 1e9;
}

static uint64_t interval_ns(const struct proto_frame *f)
{
	return f->cur->mono_ns > f->old->mono_ns ? f->cur->mono_ns - f->old->mono_ns : 0;
}

static bool is_warn(const struct proto_frame *f, const struct counter_delta *d, bool bad)
{
	return bad && d->status == COUNTER_DELTA_OK && f->counter_warn(d->delta, f->warn_arg);
}

static bool changed(const struct counter_delta *d)
{
	return (d->status == COUNTER_DELTA_OK && d->delta) || d->status == COUNTER_DELTA_RESET;
}

/* ---- JSON ---- */

static void json_counter(struct outbuf *ob, const struct proto_frame *f, const char *name,
			 const struct counter_delta *d, bool bad, bool first)
{
	outbuf_addstr(ob, first ? "\"" : ",\"");
	outbuf_add_json_str(ob, name, strlen(name));
	outbuf_addstr(ob, "\":");
	switch (d->status) {
	case COUNTER_DELTA_MISSING:
		outbuf_addstr(ob, "null");
		break;
	case COUNTER_DELTA_RESET:
		outbuf_addstr(ob, "{\"delta\":null,\"rate\":null,\"reset\":true,\"warn\":false}");
		break;
	case COUNTER_DELTA_GAUGE:
		outbuf_addstr(ob, "{\"value\":");
		outbuf_addu64(ob, d->cur->value);
		outbuf_addch(ob, '}');
		break;
	case COUNTER_DELTA_OK:
		outbuf_addstr(ob, "{\"delta\":");
		outbuf_addu64(ob, d->delta);
		outbuf_addf(ob, ",\"rate\":%.3f,\"warn\":%s}",
			    counter_rate(d->delta, interval_ns(f)),
			    is_warn(f, d, bad) ? "true" : "false");
		break;
	}
}

static bool key_is_bad(const char *name)
{
	for (size_t i = 0; i < NR_KEYS; i++)
		if (!strcmp(keys[i].name, name))
			return keys[i].bad;
	return false;
}

static void json_counters(struct outbuf *ob, const struct proto_render_opts *o,
			  const struct proto_frame *f)
{
	bool first = true;

	outbuf_addstr(ob, ",\"counters\":{");
	if (o->all) {
		for (size_t i = 0; i < f->cur->nr; i++) {
			struct counter_delta d = counter_delta_at(f->old, f->cur, i);

			if (!changed(&d) || d.cur->dup)
				continue;
			json_counter(ob, f, d.cur->name, &d, key_is_bad(d.cur->name), first);
			first = false;
		}
	} else {
		for (size_t i = 0; i < NR_KEYS; i++) {
			struct counter_delta d = counter_delta_get(f->old, f->cur, keys[i].name);

			json_counter(ob, f, keys[i].name, &d, keys[i].bad, first);
			first = false;
		}
	}
	outbuf_addch(ob, '}');
}

static void json_kpis(struct outbuf *ob, const struct proto_frame *f)
{
	const struct proto_health *h = f->health;

	outbuf_addstr(ob, ",\"kpis\":{");
	for (int k = 0; k < PROTO_KPI_NR; k++) {
		const struct proto_ratio *r = &h->kpi[k];

		outbuf_addf(ob, "%s\"%s\":", k ? "," : "", proto_kpi_key(k));
		if (!r->known) {
			outbuf_addstr(ob, "null");
			continue;
		}
		outbuf_addf(ob, "{\"pct\":%.4f,\"num\":%llu,\"den\":%llu,\"warn\":%s}", r->pct,
			    (unsigned long long)r->num, (unsigned long long)r->den,
			    r->warn ? "true" : "false");
	}
	outbuf_addf(ob, "},\"thresholds\":{\"warn_pct\":%.1f,\"min_packets\":%llu}",
		    f->ratio_warn_pct, (unsigned long long)f->ratio_min_packets);
}

static bool any_counter_warn(const struct proto_frame *f)
{
	for (size_t i = 0; i < NR_KEYS; i++) {
		struct counter_delta d = counter_delta_get(f->old, f->cur, keys[i].name);

		if (is_warn(f, &d, keys[i].bad))
			return true;
	}
	return false;
}

static void render_json(struct outbuf *ob, const struct proto_render_opts *o,
			const struct proto_frame *f)
{
	outbuf_addstr(ob, "{\"time\":\"");
	outbuf_add_json_str(ob, f->when, strlen(f->when));
	outbuf_addf(ob, "\",\"kind\":\"%s\",\"intervals\":%lu,\"interval_s\":%.6f", f->kind,
		    f->nr_intervals, interval_s(f));
	outbuf_addf(ob, ",\"sources\":{\"snmp\":%s,\"netstat\":%s,\"snmp6\":%s}",
		    f->cur->sources & COUNTER_SRC_SNMP ? "true" : "false",
		    f->cur->sources & COUNTER_SRC_NETSTAT ? "true" : "false",
		    f->cur->sources & COUNTER_SRC_SNMP6 ? "true" : "false");
	json_counters(ob, o, f);
	json_kpis(ob, f);
	outbuf_addf(ob, ",\"warn\":%s}\n",
		    f->health->warn || any_counter_warn(f) ? "true" : "false");
}

/* ---- text ---- */

static void text_values(struct outbuf *ob, const struct proto_frame *f,
			const struct counter_delta *d, bool bad)
{
	switch (d->status) {
	case COUNTER_DELTA_MISSING:
		outbuf_addf(ob, " %12s %12s\n", "-", "-");
		break;
	case COUNTER_DELTA_RESET:
		outbuf_addf(ob, " %12s %12s\n", "reset", "-");
		break;
	case COUNTER_DELTA_GAUGE:
		outbuf_addf(ob, " %12llu %12s\n", (unsigned long long)d->cur->value, "-");
		break;
	case COUNTER_DELTA_OK:
		outbuf_addf(ob, " %12llu %12.1f%s\n", (unsigned long long)d->delta,
			    counter_rate(d->delta, interval_ns(f)), is_warn(f, d, bad) ? " !" : "");
		break;
	}
}

static void text_keys(struct outbuf *ob, const struct proto_frame *f)
{
	const char *section = "";

	for (size_t i = 0; i < NR_KEYS; i++) {
		struct counter_delta d = counter_delta_get(f->old, f->cur, keys[i].name);

		if (strcmp(section, keys[i].section)) {
			section = keys[i].section;
			if (i)
				outbuf_addf(ob, "%s\n", section);
			else
				outbuf_addf(ob, "%-26s %12s %12s\n", section, "delta", "per s");
		}
		outbuf_addf(ob, "  %-24s", keys[i].label);
		text_values(ob, f, &d, keys[i].bad);
	}
}

static void text_all(struct outbuf *ob, const struct proto_frame *f)
{
	size_t nr = 0;

	outbuf_addf(ob, "%-32s %12s %12s\n", "counter", "delta", "per s");
	for (size_t i = 0; i < f->cur->nr; i++) {
		struct counter_delta d = counter_delta_at(f->old, f->cur, i);

		if (!changed(&d) || d.cur->dup)
			continue;
		outbuf_addf(ob, "%-32s", d.cur->name);
		text_values(ob, f, &d, key_is_bad(d.cur->name));
		nr++;
	}
	if (!nr)
		outbuf_addstr(ob, "  (no counter changed)\n");
}

static void text_kpis(struct outbuf *ob, const struct proto_frame *f)
{
	const struct proto_health *h = f->health;

	outbuf_addf(ob, "KPIs (flagged at >= %.1f %% over >= %llu packets)\n", f->ratio_warn_pct,
		    (unsigned long long)f->ratio_min_packets);
	for (int k = 0; k < PROTO_KPI_NR; k++) {
		const struct proto_ratio *r = &h->kpi[k];
		const char *unit = k <= PROTO_KPI_LOSS ? "segments sent" : "packets received";

		outbuf_addf(ob, "  %-24s", proto_kpi_label(k));
		if (!r->known)
			outbuf_addf(ob, " %10s    no %s\n", "-", unit);
		else
			outbuf_addf(ob, " %8.3f %%    %llu of %llu %s%s\n", r->pct,
				    (unsigned long long)r->num, (unsigned long long)r->den, unit,
				    r->warn ? " !" : "");
	}
}

static void render_text(struct outbuf *ob, const struct proto_render_opts *o,
			const struct proto_frame *f)
{
	if (!strcmp(f->kind, "average"))
		outbuf_addf(ob, "Average over %lu intervals, %.2f s, until %s\n", f->nr_intervals,
			    interval_s(f), f->when);
	else
		outbuf_addf(ob, "Protocol counters over %.2f s, until %s\n", interval_s(f),
			    f->when);
	if (o->all)
		text_all(ob, f);
	else
		text_keys(ob, f);
	text_kpis(ob, f);
}

void proto_render(struct outbuf *ob, const struct proto_render_opts *o, const struct proto_frame *f)
{
	if (o->json)
		render_json(ob, o, f);
	else
		render_text(ob, o, f);
}
