// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `connmon summary`: ss -s, plus the ratios and capacities an operator works
 * out by hand.  One streaming walk feeds analyze/sock_summary; /proc is
 * scanned for processes only when CLOSE_WAIT sockets exist, so the common
 * case costs one sock_diag dump and a few small /proc reads.
 */
#include "app/summary.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "analyze/health.h"
#include "app/commands.h"
#include "app/loop.h"
#include "app/sock_walk.h"
#include "cli/cmdline.h"
#include "collect/procmap.h"
#include "collect/snmp.h"
#include "ui/term.h"
#include "ui/text_wrap.h"

#define SUMMARY_TOP_DEFAULT 10

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

double summary_pct(uint64_t a, uint64_t b)
{
	return health_pct(a, b);
}

const char *summary_endpoint(char *buf, size_t size, int family, const uint8_t *addr, int port)
{
	char a[64];

	sock_format_addr(a, family, addr);
	if (port < 0)
		snprintf(buf, size, "%s", a);
	else if (family == AF_INET6)
		snprintf(buf, size, "[%s]:%d", a, port);
	else
		snprintf(buf, size, "%s:%d", a, port);
	return buf;
}

static void add_warning(struct summary_data *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void add_warning(struct summary_data *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&d->warnings, fmt, ap);
	va_end(ap);
	strbuf_addch(&d->warnings, '\n');
	d->nr_warnings++;
}

bool summary_tw_warn(const struct sock_summary *s)
{
	return health_time_wait_warn(&health_default, s->tcp_states[SOCK_ST_TIME_WAIT], s->nr_tcp);
}

bool summary_cap_warn(double pct)
{
	return health_capacity_warn(&health_default, pct);
}

static void find_warnings(struct summary_data *d)
{
	const struct sock_summary *s = &d->sum;
	uint64_t tw = s->tcp_states[SOCK_ST_TIME_WAIT];
	int64_t orph = d->st.v[SOCKSTAT_TCP_ORPHAN];
	char ep[80];

	if (summary_tw_warn(s))
		add_warning(d,
			    "TIME-WAIT is %.1f%% of TCP sockets (%llu of %llu; flagged at %.0f%%)",
			    summary_pct(tw, s->nr_tcp), (unsigned long long)tw,
			    (unsigned long long)s->nr_tcp, health_default.time_wait_pct);
	for (size_t i = 0; i < s->nr_listeners; i++) {
		const struct sock_listener *l = &s->listeners[i];

		if (summary_cap_warn(sock_listener_fill_pct(l)))
			add_warning(d, "accept queue of %s is %.0f%% full (%u of %u)",
				    summary_endpoint(ep, sizeof(ep), l->family, l->addr, l->port),
				    sock_listener_fill_pct(l), l->queue_len, l->backlog);
	}
	for (size_t i = 0; i < d->nr_top_eph; i++) {
		const struct sock_peer_count *p = &d->top_eph[i];
		double pct = summary_pct(p->count, sock_summary_eph_ports(s));

		if (summary_cap_warn(pct))
			add_warning(d, "ephemeral ports to %s: %llu of %u in use (%.0f%%)",
				    summary_endpoint(ep, sizeof(ep), p->family, p->addr, p->port),
				    (unsigned long long)p->count, sock_summary_eph_ports(s), pct);
	}
	if (orph >= 0 && d->lim.tcp_max_orphans > 0 &&
	    summary_cap_warn(summary_pct((uint64_t)orph, (uint64_t)d->lim.tcp_max_orphans)))
		add_warning(d, "orphaned TCP sockets: %lld of tcp_max_orphans %lld",
			    (long long)orph, (long long)d->lim.tcp_max_orphans);
	if (d->lim.conntrack_count >= 0 && d->lim.conntrack_max > 0 &&
	    summary_cap_warn(
		    summary_pct((uint64_t)d->lim.conntrack_count, (uint64_t)d->lim.conntrack_max)))
		add_warning(d, "conntrack table: %lld of nf_conntrack_max %lld",
			    (long long)d->lim.conntrack_count, (long long)d->lim.conntrack_max);
}

static int visit_summary(const struct sock_entry *e, void *arg)
{
	sock_summary_add(arg, e);
	return 0;
}

/* Processes only for the CLOSE_WAIT holders, and only when there are any. */
static void map_close_wait(struct summary_data *d, struct sock_walk *w)
{
	struct proc_table *t = &w->procs;

	if (!d->sum.nr_cw_inodes)
		return;
	if (!d->opts.processes) {
		if (procmap_scan(&d->procs, "/proc") < 0)
			return;
		t = &d->procs;
	} else {
		/* The walk already mapped everything (-p): take its table over. */
		proc_table_release(&d->procs);
		d->procs = w->procs;
		proc_table_init(&w->procs);
		t = &d->procs;
	}
	d->procs_scanned = true;
	sock_summary_cw_procs(&d->sum, t, &d->cw_procs, &d->nr_cw_procs, &d->cw_unmapped);
}

static void summary_defaults(struct sock_opts *o)
{
	/* No -t/-u/-w/-x: the inet protocols; unix sockets have no place here. */
	if (o->protos == (1u << PROTO_MAX) - 1)
		o->protos = PROTO_BIT(PROTO_TCP) | PROTO_BIT(PROTO_UDP) | PROTO_BIT(PROTO_RAW);
	/* ss's default hides LISTEN and TIME-WAIT; a summary needs every state. */
	if (!o->filter.states_set && !o->listening)
		o->states = SOCK_STATES_ALL;
}

/*
 * Global sysctls (tcp_max_orphans) are not shown under /proc/sys/net inside
 * another namespace: keep what the initial namespace said for those.
 */
static void merge_limits(struct net_limits *l, const struct net_limits *outside)
{
	if (l->tcp_max_orphans < 0)
		l->tcp_max_orphans = outside->tcp_max_orphans;
	if (l->tcp_max_syn_backlog < 0)
		l->tcp_max_syn_backlog = outside->tcp_max_syn_backlog;
}

/*
 * The MIB's TcpCurrEstab, which `ss -s` prints as "estab": ESTABLISHED and,
 * since Linux 6.10 (RFC 1213's definition), CLOSE-WAIT.  -1 when unreadable.
 */
static int64_t read_curr_estab(void)
{
	struct counter_snap snap;
	struct strbuf scratch = STRBUF_INIT;
	uint64_t v;
	int64_t ret = -1;

	counter_snap_init(&snap);
	if (!snmp_read(&snap, "/proc", 0, &scratch) &&
	    counter_snap_value(&snap, "TcpCurrEstab", &v))
		ret = (int64_t)v;
	counter_snap_release(&snap);
	strbuf_release(&scratch);
	return ret;
}

static int walk_and_read(struct summary_data *d)
{
	struct sock_walk w;
	int ret;

	ret = sock_walk_open(&w, &d->opts);
	if (ret < 0) {
		sock_walk_close(&w);
		return 1;
	}
	/* Inside -N's namespace now: /proc/net and /proc/sys/net are its own. */
	if (sockstat_read(&d->st, "/proc") < 0)
		fprintf(stderr,
			"connmon: cannot read '/proc/net/sockstat'; kernel totals omitted\n");
	net_limits_read(&d->lim, "/proc");
	d->curr_estab = read_curr_estab();
	merge_limits(&d->lim, &d->ctx->outside);
	sock_summary_init(&d->sum, d->lim.port_hi > 0 ? (uint16_t)d->lim.port_lo : 0,
			  d->lim.port_hi > 0 ? (uint16_t)d->lim.port_hi : 0);
	ret = sock_walk_run(&w, visit_summary, &d->sum);
	if (ret < 0) { /* reported by sock_walk */
		sock_walk_close(&w);
		return 1;
	}
	map_close_wait(d, &w);
	sock_walk_close(&w);
	return 0;
}

int summary_parse(struct summary_data *d, int argc, char **argv)
{
	struct strbuf err = STRBUF_INIT;

	memset(d, 0, sizeof(*d));
	sock_opts_init(&d->opts);
	proc_table_init(&d->procs);
	sockstat_init(&d->st);
	strbuf_init(&d->warnings, 0);
	sock_summary_init(&d->sum, 0, 0);
	if (sock_opts_parse(&d->opts, argc, argv, &err) < 0) {
		cli_usage_error(argv[0], err.buf);
		strbuf_release(&err);
		return 2;
	}
	strbuf_release(&err);
	if (d->opts.format == OUT_CSV || d->opts.group_by || d->opts.sort_key || d->opts.count ||
	    d->opts.yes || d->opts.wide)
		return cli_usage_error(argv[0],
				       "--csv, --group-by, --sort, --count, --yes and --wide "
				       "belong to other commands (see --help)");
	summary_defaults(&d->opts);
	d->top_n = d->opts.top > 0 ? (size_t)d->opts.top : SUMMARY_TOP_DEFAULT;
	return 0;
}

/* Forgets the previous collection (a -w run collects again every tick). */
static void summary_data_reset(struct summary_data *d)
{
	free(d->cw_procs);
	free(d->top_remotes);
	free(d->top_eph);
	d->cw_procs = NULL;
	d->top_remotes = d->top_eph = NULL;
	d->nr_cw_procs = d->nr_top_remotes = d->nr_top_eph = 0;
	d->cw_unmapped = 0;
	proc_table_reset(&d->procs);
	d->procs_scanned = false;
	sock_summary_release(&d->sum);
	strbuf_reset(&d->warnings);
	d->nr_warnings = 0;
}

int summary_collect(struct summary_data *d)
{
	int ret;

	summary_data_reset(d);
	ret = walk_and_read(d);
	if (ret)
		return ret;
	sock_summary_sort_listeners(&d->sum);
	d->nr_top_remotes = sock_summary_top(&d->sum.remotes, d->top_n, &d->top_remotes);
	d->nr_top_eph = sock_summary_top(&d->sum.eph, d->top_n, &d->top_eph);
	find_warnings(d);
	return 0;
}

void summary_data_release(struct summary_data *d)
{
	free(d->cw_procs);
	free(d->top_remotes);
	free(d->top_eph);
	proc_table_release(&d->procs);
	sock_summary_release(&d->sum);
	strbuf_release(&d->warnings);
	sock_opts_release(&d->opts);
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

static void print_json(struct outbuf *ob, const struct summary_data *d, const struct snapshot *prev,
		       const struct snapshot *cur, void *ctx)
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

static void print_text(struct outbuf *ob, const struct summary_data *d, const struct snapshot *prev,
		       const struct snapshot *cur, void *ctx)
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

/* ---- the run: a source that collects, a consumer that prints ---- */

struct summary_run {
	struct summary_data d;
	const struct summary_printer *p;
	void *ctx;
	struct outbuf out;
	bool at_baseline; /* one-shot with a baseline: collect while the rates' interval runs */
};

static int summary_sample(void *src, struct tick *t, struct snapshot *snap)
{
	struct summary_run *r = src;
	int ret;

	(void)t;
	if (snap->baseline != r->at_baseline)
		return 0;
	ret = summary_collect(&r->d);
	return ret ? -EIO : 0; /* reported by summary_collect */
}

static void summary_sizes(void *src, struct table_sizes *ts)
{
	struct summary_run *r = src;

	table_sizes_add(ts, "remotes", r->d.sum.remotes.nr);
	table_sizes_add(ts, "listeners", r->d.sum.nr_listeners);
	table_sizes_add(ts, "close_wait_procs", r->d.procs.nr_procs_seen);
}

static const struct source_ops summary_source = {
	.name = "summary",
	.sample = summary_sample,
	.sizes = summary_sizes,
};

static int summary_consume(void *c, const struct snapshot *prev, const struct snapshot *cur)
{
	struct summary_run *r = c;

	if (cur->baseline)
		return 0;
	if (r->d.opts.format == OUT_JSON)
		r->p->json(&r->out, &r->d, prev, cur, r->ctx);
	else
		r->p->text(&r->out, &r->d, prev, cur, r->ctx);
	/* -w: one block per tick, a blank line apart (JSON: one object per line) */
	if (r->d.opts.watch_sec > 0 && r->d.opts.format != OUT_JSON)
		outbuf_addch(&r->out, '\n');
	return outbuf_flush(&r->out);
}

static const struct consumer_ops summary_consumer = {
	.name = "summary",
	.consume = summary_consume,
};

static int run_tick(struct summary_run *r)
{
	const struct sock_opts *o = &r->d.opts;
	struct tick_opts to = {
		.interval_ns = (uint64_t)((o->watch_sec > 0 ? o->watch_sec : 1.0) * 1e9),
		.count = o->watch_sec > 0 ? (uint64_t)o->watch_count : 1,
		.baseline = r->p->add_sources != NULL,
	};
	struct loop loop;
	struct tick t;
	int ret = loop_open(&loop);

	if (ret < 0) {
		fprintf(stderr, "connmon: cannot set up the event loop: %s\n", strerror(-ret));
		return 1;
	}
	r->at_baseline = to.baseline && !(o->watch_sec > 0);
	tick_init(&t, &loop, &to);
	if (r->p->add_sources)
		r->p->add_sources(&t, r->ctx);
	tick_add_source(&t, &summary_source, r);
	tick_add_consumer(&t, &summary_consumer, r);
	tick_run(&t);
	ret = tick_exit_code(&t);
	tick_release(&t);
	loop_close(&loop);
	return ret;
}

int summary_run(const struct app_ctx *app, int argc, char **argv, const struct summary_printer *p,
		void *ctx)
{
	struct summary_run r = { .p = p, .ctx = ctx };
	int ret = summary_parse(&r.d, argc, argv);

	r.d.ctx = app;

	if (ret) {
		summary_data_release(&r.d);
		return ret;
	}
	if (r.d.opts.help) {
		fputs(p->usage, stdout);
		summary_data_release(&r.d);
		return 0;
	}
	signal(SIGPIPE, SIG_IGN);
	outbuf_init(&r.out, STDOUT_FILENO, 65536);
	ret = run_tick(&r);
	outbuf_flush(&r.out);
	if (r.out.err && r.out.err != -EPIPE) {
		fprintf(stderr, "connmon: cannot write output: %s\n", strerror(-r.out.err));
		ret = 1;
	}
	outbuf_release(&r.out);
	summary_data_release(&r.d);
	return ret;
}

static const char summary_usage[] =
	"usage: connmon summary [-tuwx46] [-N NETNS] [--json] [--top N]\n"
	"                       [-w SEC [--iterations N]] [-F FILE] [FILTER]\n"
	"  Totals per protocol and family (ss -s), TCP states with shares, TIME-WAIT,\n"
	"  CLOSE-WAIT and the processes holding them, listen queues, orphans, conntrack\n"
	"  and ephemeral ports against their limits, and the top remote addresses.\n"
	"  --top N        rows per table (default 10)\n"
	"  -w SEC         repeat every SEC seconds (--iterations N times)\n"
	"  FILTER         ss's filter grammar narrows the walked sockets\n"
	"                 (docs/FILTERS.md)\n"
	"  See docs/COMMANDS-summary.md.\n";

int cmd_summary(const struct app_ctx *ctx, int argc, char **argv)
{
	static const struct summary_printer p = {
		.text = print_text,
		.json = print_json,
		.usage = summary_usage,
	};

	return summary_run(ctx, argc, argv, &p, NULL);
}
