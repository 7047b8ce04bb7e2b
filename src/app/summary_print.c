// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The printing half of `connmon summary` (and the JSON pieces the overview
 * shares): text as ss -s plus the tables an operator works out by hand, and
 * the JSON document of docs/COMMANDS-summary.md.  Collection is in summary.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "analyze/health.h"
#include "app/summary.h"
#include "ui/term.h"
#include "ui/text_wrap.h"

/* Every TCP state in the order the summary lists them. */
static const uint8_t state_order[] = {
	SOCK_ST_ESTABLISHED, SOCK_ST_SYN_SENT,	SOCK_ST_SYN_RECV, SOCK_ST_FIN_WAIT1,
	SOCK_ST_FIN_WAIT2,   SOCK_ST_TIME_WAIT, SOCK_ST_CLOSE,	  SOCK_ST_CLOSE_WAIT,
	SOCK_ST_LAST_ACK,    SOCK_ST_LISTEN,	SOCK_ST_CLOSING,  SOCK_ST_UNKNOWN,
};

static const char *state_name(uint8_t st, bool json)
{
	struct sock_entry e = { .proto = PROTO_TCP, .state = st };

	return json ? sock_state_json_name(&e) : sock_state_ss_name(&e);
}

/* ---- JSON ---- */

static int64_t sum2(int64_t a, int64_t b)
{
	if (a < 0 && b < 0)
		return -1;
	return (a > 0 ? a : 0) + (b > 0 ? b : 0);
}

static void json_i64(struct outbuf *ob, int64_t v)
{
	if (v < 0)
		outbuf_addstr(ob, "null");
	else
		outbuf_addu64(ob, (uint64_t)v);
}

static void json_str(struct outbuf *ob, const char *s)
{
	outbuf_addch(ob, '"');
	outbuf_add_json_str(ob, s, strlen(s));
	outbuf_addch(ob, '"');
}

/* {"count":N,"max":M,"pct":P,"warn":B}, or null when either is unknown. */
static void json_capacity(struct outbuf *ob, int64_t count, int64_t max)
{
	double pct;

	if (count < 0 || max <= 0) {
		outbuf_addstr(ob, "null");
		return;
	}
	pct = summary_pct((uint64_t)count, (uint64_t)max);
	outbuf_addf(ob, "{\"count\":%lld,\"max\":%lld,\"pct\":%.2f,\"warn\":%s}", (long long)count,
		    (long long)max, pct, summary_cap_warn(pct) ? "true" : "false");
}

static void json_family_counts(struct outbuf *ob, const char *name, int64_t v4, int64_t v6)
{
	outbuf_addf(ob, "\"%s\":{\"total\":", name);
	json_i64(ob, sum2(v4, v6));
	outbuf_addstr(ob, ",\"ipv4\":");
	json_i64(ob, v4);
	outbuf_addstr(ob, ",\"ipv6\":");
	json_i64(ob, v6);
	outbuf_addch(ob, '}');
}

void summary_json_totals(struct outbuf *ob, const struct summary_data *d)
{
	const int64_t *v = d->st.v;
	const struct sock_summary *s = &d->sum;

	outbuf_addstr(ob, "\"sockstat\":{");
	for (int i = 0; i < SOCKSTAT_NR; i++) {
		outbuf_addf(ob, "%s\"%s\":", i ? "," : "", sockstat_field_name(i));
		json_i64(ob, v[i]);
	}
	outbuf_addstr(ob, "},\"transport\":{");
	json_family_counts(ob, "raw", v[SOCKSTAT_RAW_INUSE], v[SOCKSTAT_RAW6_INUSE]);
	outbuf_addch(ob, ',');
	json_family_counts(ob, "udp", v[SOCKSTAT_UDP_INUSE], v[SOCKSTAT_UDP6_INUSE]);
	outbuf_addch(ob, ',');
	json_family_counts(ob, "tcp", v[SOCKSTAT_TCP_INUSE], v[SOCKSTAT_TCP6_INUSE]);
	outbuf_addch(ob, ',');
	json_family_counts(
		ob, "inet",
		sum2(sum2(v[SOCKSTAT_RAW_INUSE], v[SOCKSTAT_UDP_INUSE]), v[SOCKSTAT_TCP_INUSE]),
		sum2(sum2(v[SOCKSTAT_RAW6_INUSE], v[SOCKSTAT_UDP6_INUSE]), v[SOCKSTAT_TCP6_INUSE]));
	outbuf_addch(ob, ',');
	json_family_counts(ob, "frag", v[SOCKSTAT_FRAG_INUSE], v[SOCKSTAT_FRAG6_INUSE]);
	outbuf_addstr(ob, "},\"walked\":{");
	outbuf_addf(ob, "\"total\":%llu", (unsigned long long)s->nr_sockets);
	for (int p = PROTO_TCP; p <= PROTO_RAW; p++)
		outbuf_addf(ob, ",\"%s\":{\"ipv4\":%llu,\"ipv6\":%llu}", sock_proto_name(p),
			    (unsigned long long)s->by_proto[p][0],
			    (unsigned long long)s->by_proto[p][1]);
	outbuf_addch(ob, '}');
}

void summary_json_states(struct outbuf *ob, const struct summary_data *d)
{
	const struct sock_summary *s = &d->sum;

	outbuf_addf(ob, "\"tcp_total\":%llu,\"tcp_curr_estab\":", (unsigned long long)s->nr_tcp);
	json_i64(ob, d->curr_estab);
	outbuf_addstr(ob, ",\"tcp_states\":{");
	for (size_t i = 0; i < sizeof(state_order); i++) {
		uint64_t n = s->tcp_states[state_order[i]];

		outbuf_addf(ob, "%s\"%s\":{\"count\":%llu,\"pct\":%.2f}", i ? "," : "",
			    state_name(state_order[i], true), (unsigned long long)n,
			    summary_pct(n, s->nr_tcp));
	}
	outbuf_addch(ob, '}');
}

static void json_close_wait(struct outbuf *ob, const struct summary_data *d)
{
	outbuf_addf(ob, "\"close_wait\":{\"count\":%llu,\"processes\":[",
		    (unsigned long long)d->sum.tcp_states[SOCK_ST_CLOSE_WAIT]);
	for (size_t i = 0; i < d->nr_cw_procs; i++) {
		outbuf_addf(ob, "%s{\"pid\":%d,\"comm\":", i ? "," : "", (int)d->cw_procs[i].pid);
		json_str(ob, d->cw_procs[i].comm);
		outbuf_addf(ob, ",\"count\":%llu}", (unsigned long long)d->cw_procs[i].count);
	}
	outbuf_addf(ob, "],\"unmapped\":%llu,\"procs_denied\":%zu}",
		    (unsigned long long)d->cw_unmapped, d->procs.nr_procs_denied);
}

static void json_listeners(struct outbuf *ob, const struct summary_data *d)
{
	char ep[80];

	outbuf_addstr(ob, "\"listeners\":[");
	for (size_t i = 0; i < d->sum.nr_listeners; i++) {
		const struct sock_listener *l = &d->sum.listeners[i];
		double fill = sock_listener_fill_pct(l);

		outbuf_addstr(ob, i ? ",{\"local\":" : "{\"local\":");
		json_str(ob, summary_endpoint(ep, sizeof(ep), l->family, l->addr, l->port));
		outbuf_addf(ob, ",\"port\":%u,\"queue\":%u,\"backlog\":", l->port, l->queue_len);
		json_i64(ob, l->backlog ? (int64_t)l->backlog : -1);
		if (fill < 0)
			outbuf_addstr(ob, ",\"fill_pct\":null,\"warn\":false}");
		else
			outbuf_addf(ob, ",\"fill_pct\":%.2f,\"warn\":%s}", fill,
				    summary_cap_warn(fill) ? "true" : "false");
	}
	outbuf_addch(ob, ']');
}

static void json_ephemeral(struct outbuf *ob, const struct summary_data *d)
{
	uint32_t ports = sock_summary_eph_ports(&d->sum);
	char ep[80];

	if (!ports) {
		outbuf_addstr(ob, "\"ephemeral\":null");
		return;
	}
	outbuf_addf(ob,
		    "\"ephemeral\":{\"lo\":%u,\"hi\":%u,\"ports\":%u,\"in_use\":%llu,"
		    "\"destinations\":[",
		    d->sum.eph_lo, d->sum.eph_hi, ports, (unsigned long long)d->sum.nr_eph);
	for (size_t i = 0; i < d->nr_top_eph; i++) {
		const struct sock_peer_count *p = &d->top_eph[i];
		double pct = summary_pct(p->count, ports);

		outbuf_addstr(ob, i ? ",{\"remote\":" : "{\"remote\":");
		json_str(ob, summary_endpoint(ep, sizeof(ep), p->family, p->addr, p->port));
		outbuf_addf(ob, ",\"count\":%llu,\"pct\":%.2f,\"warn\":%s}",
			    (unsigned long long)p->count, pct,
			    summary_cap_warn(pct) ? "true" : "false");
	}
	outbuf_addstr(ob, "]}");
}

void summary_json_health(struct outbuf *ob, const struct summary_data *d)
{
	const struct sock_summary *s = &d->sum;
	uint64_t tw = s->tcp_states[SOCK_ST_TIME_WAIT];
	double tw_pct = summary_pct(tw, s->nr_tcp);

	outbuf_addf(ob, "\"time_wait\":{\"count\":%llu,\"pct\":%.2f,\"warn\":%s},",
		    (unsigned long long)tw, tw_pct, summary_tw_warn(s) ? "true" : "false");
	json_close_wait(ob, d);
	outbuf_addf(ob, ",\"syn_recv\":{\"count\":%llu},\"orphans\":",
		    (unsigned long long)s->tcp_states[SOCK_ST_SYN_RECV]);
	json_capacity(ob, d->st.v[SOCKSTAT_TCP_ORPHAN], d->lim.tcp_max_orphans);
	outbuf_addstr(ob, ",\"conntrack\":");
	json_capacity(ob, d->lim.conntrack_count, d->lim.conntrack_max);
	outbuf_addstr(ob, ",\"limits\":{\"somaxconn\":");
	json_i64(ob, d->lim.somaxconn);
	outbuf_addstr(ob, ",\"tcp_max_syn_backlog\":");
	json_i64(ob, d->lim.tcp_max_syn_backlog);
	outbuf_addstr(ob, "},");
	json_listeners(ob, d);
	outbuf_addch(ob, ',');
	json_ephemeral(ob, d);
}

void summary_json_peers(struct outbuf *ob, const char *key, const struct summary_data *d)
{
	char a[64];

	outbuf_addf(ob, "\"%s\":[", key);
	for (size_t i = 0; i < d->nr_top_remotes; i++) {
		const struct sock_peer_count *p = &d->top_remotes[i];

		outbuf_addstr(ob, i ? ",{\"addr\":" : "{\"addr\":");
		json_str(ob, summary_endpoint(a, sizeof(a), p->family, p->addr, -1));
		outbuf_addf(ob, ",\"count\":%llu}", (unsigned long long)p->count);
	}
	outbuf_addch(ob, ']');
}

void summary_json_warnings(struct outbuf *ob, const struct summary_data *d)
{
	const char *p = d->warnings.buf;
	bool first = true;

	outbuf_addstr(ob, "\"warnings\":[");
	while (*p) {
		const char *nl = strchr(p, '\n');

		outbuf_addstr(ob, first ? "\"" : ",\"");
		outbuf_add_json_str(ob, p, (size_t)(nl - p));
		outbuf_addch(ob, '"');
		first = false;
		p = nl + 1;
	}
	outbuf_addch(ob, ']');
}

void summary_print_json(struct outbuf *ob, const struct summary_data *d,
			const struct snapshot *prev, const struct snapshot *cur, void *ctx)
{
	(void)prev;
	(void)cur;
	(void)ctx;
	outbuf_addch(ob, '{');
	summary_json_totals(ob, d);
	outbuf_addch(ob, ',');
	summary_json_states(ob, d);
	outbuf_addch(ob, ',');
	summary_json_health(ob, d);
	outbuf_addch(ob, ',');
	summary_json_peers(ob, "top_remotes", d);
	outbuf_addch(ob, ',');
	summary_json_warnings(ob, d);
	outbuf_addstr(ob, "}\n");
}

/* ---- text ---- */

static void text_i64(struct outbuf *ob, int64_t v)
{
	if (v < 0)
		outbuf_addch(ob, '?');
	else
		outbuf_addu64(ob, (uint64_t)v);
}

static void text_transport_row(struct outbuf *ob, const char *name, int64_t v4, int64_t v6)
{
	outbuf_addf(ob, "%-10s", name);
	text_i64(ob, sum2(v4, v6));
	outbuf_addch(ob, '\t');
	text_i64(ob, v4);
	outbuf_addch(ob, '\t');
	text_i64(ob, v6);
	outbuf_addch(ob, '\n');
}

/* ss -s's first lines and transport table, from /proc/net/sockstat{,6}. */
static void text_totals(struct outbuf *ob, const struct summary_data *d)
{
	const int64_t *v = d->st.v;
	int64_t tw = v[SOCKSTAT_TCP_TW], alloc = v[SOCKSTAT_TCP_ALLOC];
	int64_t hashed = sum2(v[SOCKSTAT_TCP_INUSE], v[SOCKSTAT_TCP6_INUSE]);

	outbuf_addstr(ob, "Total: ");
	text_i64(ob, v[SOCKSTAT_SOCKETS_USED]);
	outbuf_addstr(ob, "\nTCP:   ");
	text_i64(ob, alloc < 0 ? -1 : alloc + (tw > 0 ? tw : 0));
	/* ss's line: its "estab" is the MIB's CurrEstab (the states table has ESTABLISHED alone).
	 */
	outbuf_addstr(ob, " (estab ");
	text_i64(ob, d->curr_estab);
	outbuf_addstr(ob, ", closed ");
	/* ss: allocated minus hashed (in use, time-wait excluded) is "closed". */
	text_i64(ob, alloc < 0 || hashed < 0 ? -1 : alloc - (hashed - (tw > 0 ? tw : 0)));
	outbuf_addstr(ob, ", orphaned ");
	text_i64(ob, v[SOCKSTAT_TCP_ORPHAN]);
	outbuf_addstr(ob, ", timewait ");
	text_i64(ob, tw);
	outbuf_addstr(ob, ")\n\nTransport Total\tIPv4\tIPv6\n");
	text_transport_row(ob, "RAW", v[SOCKSTAT_RAW_INUSE], v[SOCKSTAT_RAW6_INUSE]);
	text_transport_row(ob, "UDP", v[SOCKSTAT_UDP_INUSE], v[SOCKSTAT_UDP6_INUSE]);
	text_transport_row(ob, "TCP", v[SOCKSTAT_TCP_INUSE], v[SOCKSTAT_TCP6_INUSE]);
	text_transport_row(
		ob, "INET",
		sum2(sum2(v[SOCKSTAT_RAW_INUSE], v[SOCKSTAT_UDP_INUSE]), v[SOCKSTAT_TCP_INUSE]),
		sum2(sum2(v[SOCKSTAT_RAW6_INUSE], v[SOCKSTAT_UDP6_INUSE]), v[SOCKSTAT_TCP6_INUSE]));
	text_transport_row(ob, "FRAG", v[SOCKSTAT_FRAG_INUSE], v[SOCKSTAT_FRAG6_INUSE]);
}

static void text_states(struct outbuf *ob, const struct summary_data *d)
{
	const struct sock_summary *s = &d->sum;

	outbuf_addf(ob, "\nTCP states (%llu sockets walked):\n", (unsigned long long)s->nr_tcp);
	for (size_t i = 0; i < sizeof(state_order); i++) {
		uint64_t n = s->tcp_states[state_order[i]];

		if (n || state_order[i] == SOCK_ST_ESTABLISHED)
			outbuf_addf(ob, "  %-12s %10llu %6.1f%%\n",
				    state_name(state_order[i], false), (unsigned long long)n,
				    summary_pct(n, s->nr_tcp));
	}
}

/* A table row's " !" after a flagged "% of a limit" figure, and the newline; true if flagged. */
static bool cap_flag(struct outbuf *ob, double pct)
{
	bool warn = summary_cap_warn(pct);

	outbuf_addstr(ob, warn ? " !\n" : "\n");
	return warn;
}

/* Under a table with a flagged row: what the flag means. */
static void cap_note(struct outbuf *ob, bool any)
{
	if (any)
		outbuf_addf(ob, "  ! WARN >= %.0f%% of the limit\n", health_default.capacity_pct);
}

/* Text lines fit 80 columns (or a wider terminal): lists wrap, tables size their address column. */
#define LABEL_W	   12 /* "CLOSE-WAIT  " */
#define ADDR_MIN   21 /* "255.255.255.255:65535" */
#define ADDR_FIXED 30 /* the table columns besides the address, with a " !" flag */

/*
 * The address column of a table: as wide as its widest address, within what
 * the width leaves; a longer address (IPv6) widens its own row, never cut.
 */
static int addr_col(size_t widest, unsigned width)
{
	size_t most = width > ADDR_FIXED + ADDR_MIN ? width - ADDR_FIXED : ADDR_MIN;

	if (widest < ADDR_MIN)
		widest = ADDR_MIN;
	return (int)(widest < most ? widest : most);
}

static void text_capacity(struct outbuf *ob, unsigned width, const char *label, int64_t count,
			  int64_t max, const char *max_name)
{
	struct text_wrap w;
	double pct;

	outbuf_addf(ob, "%-*s ", LABEL_W, label);
	if (count < 0 && max < 0) {
		outbuf_addstr(ob, "not present\n");
		return;
	}
	if (count < 0 || max <= 0) {
		text_i64(ob, count);
		outbuf_addf(ob, " (%s not readable)\n", max_name);
		return;
	}
	pct = summary_pct((uint64_t)count, (uint64_t)max);
	text_wrap_resume(&w, ob, width, LABEL_W + 1, LABEL_W + 1);
	text_wrap_addf(&w, "", "%lld of %s %lld (%.1f%%)", (long long)count, max_name,
		       (long long)max, pct);
	if (summary_cap_warn(pct))
		text_wrap_addf(&w, "  ", "! WARN >= %.0f%%", health_default.capacity_pct);
	text_wrap_end(&w);
}

/* "CLOSE-WAIT   3  held by nginx[12] 2, java[40] 1; 1 without a visible process", wrapped. */
static void text_close_wait(struct outbuf *ob, unsigned width, const struct summary_data *d)
{
	struct text_wrap w;

	text_wrap_begin(&w, ob, width, "", LABEL_W + 1);
	text_wrap_addf(&w, "", "%-*s %llu", LABEL_W, "CLOSE-WAIT",
		       (unsigned long long)d->sum.tcp_states[SOCK_ST_CLOSE_WAIT]);
	for (size_t i = 0; i < d->nr_cw_procs && i < d->top_n; i++)
		text_wrap_addf(&w, i ? ", " : "  ", "%s%s[%d] %llu", i ? "" : "held by ",
			       d->cw_procs[i].comm, (int)d->cw_procs[i].pid,
			       (unsigned long long)d->cw_procs[i].count);
	if (d->nr_cw_procs > d->top_n)
		text_wrap_addf(&w, ", ", "+%zu more", d->nr_cw_procs - d->top_n);
	if (d->cw_unmapped)
		text_wrap_addf(&w, d->nr_cw_procs ? "; " : "  ", "%llu without a visible process",
			       (unsigned long long)d->cw_unmapped);
	text_wrap_end(&w);
}

static void text_health(struct outbuf *ob, unsigned width, const struct summary_data *d)
{
	const struct sock_summary *s = &d->sum;
	uint64_t tw = s->tcp_states[SOCK_ST_TIME_WAIT];
	double pct = summary_pct(tw, s->nr_tcp);

	outbuf_addf(ob, "\n%-12s %llu (%.1f%% of TCP)", "TIME-WAIT", (unsigned long long)tw, pct);
	if (summary_tw_warn(s))
		outbuf_addf(ob, "  ! WARN >= %.0f%%", health_default.time_wait_pct);
	outbuf_addch(ob, '\n');
	text_close_wait(ob, width, d);
	outbuf_addf(ob, "%-*s %llu\n", LABEL_W, "SYN-RECV",
		    (unsigned long long)s->tcp_states[SOCK_ST_SYN_RECV]);
	text_capacity(ob, width, "Orphans", d->st.v[SOCKSTAT_TCP_ORPHAN], d->lim.tcp_max_orphans,
		      "tcp_max_orphans");
	text_capacity(ob, width, "Conntrack", d->lim.conntrack_count, d->lim.conntrack_max,
		      "nf_conntrack_max");
}

static void text_listeners(struct outbuf *ob, unsigned width, const struct summary_data *d)
{
	const struct sock_summary *s = &d->sum;
	size_t shown = s->nr_listeners < d->top_n ? s->nr_listeners : d->top_n, widest = 0;
	bool flagged = false;
	char ep[80];
	int col;

	outbuf_addf(ob, "\nListening TCP sockets: %zu (somaxconn ", s->nr_listeners);
	text_i64(ob, d->lim.somaxconn);
	outbuf_addstr(ob, ", tcp_max_syn_backlog ");
	text_i64(ob, d->lim.tcp_max_syn_backlog);
	outbuf_addstr(ob, ")\n");
	if (!s->nr_listeners)
		return;
	for (size_t i = 0; i < shown; i++) {
		const struct sock_listener *l = &s->listeners[i];
		size_t n = strlen(summary_endpoint(ep, sizeof(ep), l->family, l->addr, l->port));

		widest = n > widest ? n : widest;
	}
	col = addr_col(widest, width);
	outbuf_addf(ob, "  %-*s %8s %8s %7s\n", col, "Local", "Queue", "Backlog", "Fill");
	for (size_t i = 0; i < shown; i++) {
		const struct sock_listener *l = &s->listeners[i];
		double fill = sock_listener_fill_pct(l);

		outbuf_addf(ob, "  %-*s %8u ", col,
			    summary_endpoint(ep, sizeof(ep), l->family, l->addr, l->port),
			    l->queue_len);
		if (fill < 0)
			outbuf_addf(ob, "%8s %7s\n", "?", "?");
		else {
			outbuf_addf(ob, "%8u %6.1f%%", l->backlog, fill);
			flagged |= cap_flag(ob, fill);
		}
	}
	cap_note(ob, flagged);
	if (s->nr_listeners > d->top_n)
		outbuf_addf(ob, "  ... %zu more (--top N or --json shows them)\n",
			    s->nr_listeners - d->top_n);
}

static void text_ephemeral(struct outbuf *ob, unsigned width, const struct summary_data *d)
{
	uint32_t ports = sock_summary_eph_ports(&d->sum);
	size_t widest = 0;
	bool flagged = false;
	struct text_wrap w;
	char ep[80];
	int col;

	if (!ports) {
		outbuf_addstr(ob, "\nEphemeral ports: ip_local_port_range unknown\n");
		return;
	}
	outbuf_addch(ob, '\n');
	text_wrap_begin(&w, ob, width, "Ephemeral ports ", 2);
	text_wrap_addf(&w, "", "%u-%u (%u per destination):", d->sum.eph_lo, d->sum.eph_hi, ports);
	text_wrap_addf(&w, " ", "%llu TCP sockets use one", (unsigned long long)d->sum.nr_eph);
	text_wrap_end(&w);
	for (size_t i = 0; i < d->nr_top_eph; i++) {
		const struct sock_peer_count *p = &d->top_eph[i];
		size_t n = strlen(summary_endpoint(ep, sizeof(ep), p->family, p->addr, p->port));

		widest = n > widest ? n : widest;
	}
	col = addr_col(widest, width);
	if (d->nr_top_eph)
		outbuf_addf(ob, "  %-*s %8s %7s\n", col, "Destination", "Ports", "Use");
	for (size_t i = 0; i < d->nr_top_eph; i++) {
		const struct sock_peer_count *p = &d->top_eph[i];
		double pct = summary_pct(p->count, ports);

		outbuf_addf(ob, "  %-*s %8llu %6.1f%%", col,
			    summary_endpoint(ep, sizeof(ep), p->family, p->addr, p->port),
			    (unsigned long long)p->count, pct);
		flagged |= cap_flag(ob, pct);
	}
	cap_note(ob, flagged);
}

static void text_peers(struct outbuf *ob, unsigned width, const struct summary_data *d)
{
	size_t widest = 0;
	char a[64];
	int col;

	outbuf_addf(ob, "\nTop %zu remote addresses (of %zu):\n", d->nr_top_remotes,
		    d->sum.remotes.nr);
	for (size_t i = 0; i < d->nr_top_remotes; i++) {
		const struct sock_peer_count *p = &d->top_remotes[i];
		size_t n = strlen(summary_endpoint(a, sizeof(a), p->family, p->addr, -1));

		widest = n > widest ? n : widest;
	}
	col = addr_col(widest, width);
	for (size_t i = 0; i < d->nr_top_remotes; i++)
		outbuf_addf(ob, "  %-*s %8llu\n", col,
			    summary_endpoint(a, sizeof(a), d->top_remotes[i].family,
					     d->top_remotes[i].addr, -1),
			    (unsigned long long)d->top_remotes[i].count);
}

void summary_print_text(struct outbuf *ob, const struct summary_data *d,
			const struct snapshot *prev, const struct snapshot *cur, void *ctx)
{
	unsigned width = term_width(ob->fd, false);

	(void)prev;
	(void)cur;
	(void)ctx;
	text_totals(ob, d);
	text_states(ob, d);
	text_health(ob, width, d);
	text_listeners(ob, width, d);
	text_ephemeral(ob, width, d);
	text_peers(ob, width, d);
}
