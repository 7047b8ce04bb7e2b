// SPDX-License-Identifier: GPL-2.0-or-later
#include "model/metric.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/outbuf.h"
#include "base/xalloc.h"

#define G METRIC_GAUGE
#define C METRIC_COUNTER

const struct metric_family metric_families[MF_MAX] = {
	[MF_TCP_SOCKETS] = { "connmon_tcp_sockets",
			     "TCP sockets by state (ss's states in lower case with _, e.g. time_wait).",
			     G, "state" },
	[MF_TCP_PORT_SOCKETS] = { "connmon_tcp_port_sockets",
				  "TCP sockets by local listening port and state; the busiest ports, the rest summed in port=\"other\".",
				  G, "port,state" },
	[MF_TCP_PEER_SOCKETS] = { "connmon_tcp_peer_sockets",
				  "TCP sockets by remote address and state; the busiest addresses, the rest summed in addr=\"other\".",
				  G, "addr,state" },
	[MF_SOCKETS] = { "connmon_sockets", "Sockets by protocol and address family.", G,
			 "proto,family" },
	[MF_SOCKSTAT] = { "connmon_sockstat",
			  "Socket accounting of /proc/net/sockstat and sockstat6, fields as the kernel names them (inuse, orphan, tw, alloc; mem in pages).",
			  G, "proto,field" },
	[MF_LISTEN_QUEUE] = { "connmon_listen_queue",
			      "Connections waiting in the accept queue of the listener on port.", G,
			      "port" },
	[MF_LISTEN_BACKLOG] = { "connmon_listen_backlog",
				"Capacity of the accept queue (backlog) of the listener on port.",
				G, "port" },
	[MF_PROCESS_CLOSE_WAIT] = { "connmon_process_close_wait_sockets",
				    "TCP sockets in CLOSE_WAIT held by a process: the peer has closed, the process not yet.",
				    G, "pid,comm" },
	[MF_EPHEMERAL_PORTS_USED] = { "connmon_ephemeral_ports_used",
				      "Ephemeral local ports in use towards one destination.", G,
				      "dest" },
	[MF_EPHEMERAL_PORTS_RANGE] = { "connmon_ephemeral_ports_range",
				       "Ports in net.ipv4.ip_local_port_range.", G, "" },
	[MF_CONNTRACK_ENTRIES] = { "connmon_conntrack_entries", "nf_conntrack_count.", G, "" },
	[MF_CONNTRACK_MAX] = { "connmon_conntrack_max", "nf_conntrack_max.", G, "" },
	[MF_TCP_ORPHANS_MAX] = { "connmon_tcp_orphans_max", "net.ipv4.tcp_max_orphans.", G, "" },
	[MF_IFACE_UP] = { "connmon_iface_up", "1 when the interface is up.", G, "iface" },
	[MF_IFACE_SPEED] = { "connmon_iface_speed_bytes_per_second",
			     "Link speed the driver reports, in bytes per second (bits / 8, as node_exporter does); absent when unknown.",
			     G, "iface" },
	[MF_IFACE_RX_BYTES] = { "connmon_iface_rx_bytes_total", "Bytes received by the interface.",
				C, "iface" },
	[MF_IFACE_TX_BYTES] = { "connmon_iface_tx_bytes_total", "Bytes sent by the interface.", C,
				"iface" },
	[MF_IFACE_RX_PACKETS] = { "connmon_iface_rx_packets_total",
				  "Packets received by the interface.", C, "iface" },
	[MF_IFACE_TX_PACKETS] = { "connmon_iface_tx_packets_total",
				  "Packets sent by the interface.", C, "iface" },
	[MF_IFACE_RX_ERRORS] = { "connmon_iface_rx_errors_total",
				 "Receive errors of the interface, all kinds.", C, "iface" },
	[MF_IFACE_TX_ERRORS] = { "connmon_iface_tx_errors_total",
				 "Transmit errors of the interface, all kinds.", C, "iface" },
	[MF_IFACE_RX_DROPPED] = { "connmon_iface_rx_dropped_total",
				  "Received packets the interface or the kernel dropped.", C,
				  "iface" },
	[MF_IFACE_TX_DROPPED] = { "connmon_iface_tx_dropped_total",
				  "Packets to send that the interface or the kernel dropped.", C,
				  "iface" },
	[MF_IFACE_RX_MULTICAST] = { "connmon_iface_rx_multicast_total",
				    "Multicast packets received by the interface.", C, "iface" },
	[MF_IFACE_COLLISIONS] = { "connmon_iface_collisions_total",
				  "Collisions on the interface's medium.", C, "iface" },
	[MF_IFACE_RX_FRAME_ERRORS] = { "connmon_iface_rx_frame_errors_total",
				       "Frames received with alignment errors.", C, "iface" },
	[MF_IFACE_RX_FIFO_ERRORS] = { "connmon_iface_rx_fifo_errors_total",
				      "Receive FIFO overruns of the interface.", C, "iface" },
	[MF_IFACE_TX_FIFO_ERRORS] = { "connmon_iface_tx_fifo_errors_total",
				      "Transmit FIFO underruns of the interface.", C, "iface" },
	[MF_IFACE_TX_CARRIER_ERRORS] = { "connmon_iface_tx_carrier_errors_total",
					 "Carrier errors while sending.", C, "iface" },
	[MF_IFACE_RX_COMPRESSED] = { "connmon_iface_rx_compressed_total",
				     "Compressed packets received.", C, "iface" },
	[MF_IFACE_TX_COMPRESSED] = { "connmon_iface_tx_compressed_total",
				     "Compressed packets sent.", C, "iface" },
	[MF_NETSTAT_TOTAL] = { "connmon_netstat_total",
			       "Kernel protocol counters of /proc/net/snmp, netstat and snmp6, named as nstat names them (TcpRetransSegs, TcpExtListenOverflows...).",
			       C, "counter" },
	[MF_NETSTAT_GAUGE] = { "connmon_netstat",
			       "Kernel protocol values that are not counters (TcpCurrEstab...), named as nstat names them.",
			       G, "counter" },
	[MF_PROTO_KPI] = { "connmon_proto_ratio",
			   "Protocol-health ratios over the last tick (retransmits, loss...).", G,
			   "kpi" },
	[MF_PROCESS_RX_BYTES] = { "connmon_process_rx_bytes_total",
				  "TCP bytes received by a process (tcp_info); the busiest processes, the rest summed in comm=\"other\" with pid=\"\".",
				  C, "pid,comm" },
	[MF_PROCESS_TX_BYTES] = { "connmon_process_tx_bytes_total",
				  "TCP bytes sent by a process (tcp_info); the busiest processes, the rest summed in comm=\"other\" with pid=\"\".",
				  C, "pid,comm" },
	[MF_AGENT_TICK_SECONDS] = { "connmon_agent_tick_seconds", "How long the last tick took.", G,
				    "" },
	[MF_AGENT_LATE_TICKS] = { "connmon_agent_late_ticks_total",
				  "Tick deadlines skipped because a tick ran late.", C, "" },
	[MF_AGENT_CENSUS_PERIOD] = { "connmon_agent_census_period_seconds",
				     "The period of the socket census in force.", G, "" },
	[MF_AGENT_CENSUS_SOCKETS] = { "connmon_agent_census_sockets",
				      "Sockets the last census walked.", G, "" },
	[MF_AGENT_SERIES] = { "connmon_agent_series", "Live series in the agent's registry.", G,
			      "" },
	[MF_AGENT_SAMPLES_WRITTEN] = { "connmon_agent_samples_written_total",
				       "Samples committed to the database.", C, "" },
	[MF_AGENT_WRITE_ERRORS] = { "connmon_agent_write_errors_total",
				    "Database writes that failed.", C, "" },
	[MF_AGENT_DB_BYTES] = { "connmon_agent_db_bytes", "Size of the database file.", G, "" },
	[MF_AGENT_BACKLOG] = { "connmon_agent_backlog_samples",
			       "Samples waiting in memory for the database.", G, "" },
	[MF_AGENT_SAMPLES_DROPPED] = { "connmon_agent_samples_dropped_total",
				       "Samples dropped because the backlog was full.", C, "" },
	[MF_AGENT_SCRAPES] = { "connmon_agent_scrapes_total", "Scrapes of /metrics served.", C,
			       "" },
	[MF_AGENT_SOCKET_REFUSED] = { "connmon_agent_socket_refused_total",
				      "Requests on the local socket refused (403): the peer is not root, the agent's user or in the socket's group.",
				      C, "" },
	[MF_AGENT_RSS_BYTES] = { "connmon_agent_resident_bytes", "The agent's resident memory.", G,
				 "" },
	[MF_ALERTS_FIRING] = { "connmon_alerts_firing",
			       "Alerts firing now, per rule and severity (docs/RULES.md).", G,
			       "rule,severity" },
	[MF_NOTIFY_SENT] = { "connmon_notify_sent_total", "Alert events a sink delivered.", C,
			     "sink" },
	[MF_NOTIFY_FAILURES] = { "connmon_notify_failures_total",
				 "Deliveries of alert events that failed (each attempt counts).", C,
				 "sink" },
	[MF_NOTIFY_DROPPED] = { "connmon_notify_dropped_total",
				"Alert events a sink gave up: queue full, retries exhausted or stopping.",
				C, "sink" },
	[MF_SOMAXCONN] = { "connmon_somaxconn",
			   "net.core.somaxconn: the longest accept queue a listener may have.", G,
			   "" },
};

#undef G
#undef C

const struct metric_family *metric_family_find(const char *name)
{
	for (size_t i = 0; i < MF_MAX; i++)
		if (strcmp(metric_families[i].name, name) == 0)
			return &metric_families[i];
	return NULL;
}

static bool plain_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			return false;
	return true;
}

void metric_labels_add(struct strbuf *sb, const char *key, const char *value)
{
	char *safe = NULL;

	if (!plain_ascii(value)) {
		size_t len = strlen(value);

		safe = xmalloc(4 * len + 1);
		text_escape(safe, 4 * len + 1, value, len, SIZE_MAX, NULL);
		value = safe;
	}
	if (sb->len)
		strbuf_addch(sb, ',');
	strbuf_addstr(sb, key);
	strbuf_add(sb, "=\"", 2);
	for (const char *p = value; *p; p++) {
		if (*p == '\\')
			strbuf_add(sb, "\\\\", 2);
		else if (*p == '"')
			strbuf_add(sb, "\\\"", 2);
		else if (*p == '\n')
			strbuf_add(sb, "\\n", 2);
		else
			strbuf_addch(sb, *p);
	}
	strbuf_addch(sb, '"');
	free(safe);
}

/* Copies the escaped value starting after the opening quote; returns the end or NULL. */
static const char *label_value(const char *p, char *buf, size_t size)
{
	size_t n = 0;

	for (; *p && *p != '"'; p++) {
		char c = *p;

		if (c == '\\') {
			p++;
			if (*p == 'n')
				c = '\n';
			else if (*p == '\\' || *p == '"')
				c = *p;
			else
				return NULL;
		}
		if (buf && n + 1 < size)
			buf[n++] = c;
	}
	if (buf && size)
		buf[n] = '\0';
	return *p == '"' ? p + 1 : NULL;
}

bool metric_labels_get(const char *labels, const char *key, char *buf, size_t size)
{
	size_t klen = strlen(key);
	const char *p = labels;

	while (*p) {
		const char *eq = strchr(p, '=');

		if (!eq || eq[1] != '"')
			return false;
		bool match = (size_t)(eq - p) == klen && memcmp(p, key, klen) == 0;
		const char *end = label_value(eq + 2, match ? buf : NULL, size);

		if (!end)
			return false;
		if (match)
			return true;
		if (*end == ',')
			end++;
		else if (*end)
			return false;
		p = end;
	}
	return false;
}

static uint64_t series_hash(const struct metric_family *fam, const char *labels)
{
	uint64_t h = 1469598103934665603ull ^ (uint64_t)(fam - metric_families);

	for (const unsigned char *p = (const unsigned char *)labels; *p; p++)
		h = (h ^ *p) * 1099511628211ull;
	return h ^ (h >> 29);
}

void series_table_init(struct series_table *t)
{
	memset(t, 0, sizeof(*t));
	t->free_head = UINT32_MAX;
}

void series_table_release(struct series_table *t)
{
	for (uint32_t i = 0; i < t->nr; i++)
		free(t->v[i].labels);
	free(t->v);
	free(t->index);
	free(t->produced);
	series_table_init(t);
}

void series_table_begin(struct series_table *t, uint64_t tick)
{
	for (uint32_t i = 0; i < t->nr_produced; i++)
		t->v[t->produced[i]].value = NAN;
	t->nr_produced = 0;
	t->tick = tick;
}

static void index_insert(struct series_table *t, uint32_t slot)
{
	uint32_t mask = t->index_cap - 1;
	uint32_t i = (uint32_t)t->v[slot].hash & mask;

	while (t->index[i])
		i = (i + 1) & mask;
	t->index[i] = slot + 1;
}

static void index_rebuild(struct series_table *t, uint32_t cap)
{
	free(t->index);
	t->index_cap = cap;
	t->index = xcalloc(cap, sizeof(*t->index));
	for (uint32_t i = 0; i < t->nr; i++)
		if (t->v[i].fam)
			index_insert(t, i);
}

static uint32_t series_find(const struct series_table *t, const struct metric_family *fam,
			    const char *labels, uint64_t h)
{
	if (!t->index_cap)
		return UINT32_MAX;
	uint32_t mask = t->index_cap - 1;

	for (uint32_t i = (uint32_t)h & mask; t->index[i]; i = (i + 1) & mask) {
		const struct series_entry *e = &t->v[t->index[i] - 1];

		if (e->hash == h && e->fam == fam && strcmp(e->labels, labels) == 0)
			return t->index[i] - 1;
	}
	return UINT32_MAX;
}

static uint32_t series_create(struct series_table *t, const struct metric_family *fam,
			      const char *labels, uint64_t h)
{
	uint32_t slot;

	if (t->free_head != UINT32_MAX) {
		slot = t->free_head;
		t->free_head = t->v[slot].next_free;
	} else {
		ALLOC_GROW(t->v, (size_t)t->nr + 1, t->alloc);
		slot = t->nr++;
	}
	struct series_entry *e = &t->v[slot];

	memset(e, 0, sizeof(*e));
	e->fam = fam;
	e->labels = xstrdup(labels);
	e->hash = h;
	e->value = NAN;
	e->last_value = NAN;
	e->ring_row = UINT32_MAX;
	t->nr_live++;
	if ((uint64_t)t->nr_live * 10 >= (uint64_t)t->index_cap * 7)
		index_rebuild(t, t->index_cap ? t->index_cap * 2 : 256);
	else
		index_insert(t, slot);
	return slot;
}

static uint32_t series_lookup(struct series_table *t, const struct metric_family *fam,
			      const char *labels, bool *created)
{
	uint64_t h = series_hash(fam, labels);
	uint32_t slot = series_find(t, fam, labels, h);
	bool fresh = slot == UINT32_MAX;

	if (fresh)
		slot = series_create(t, fam, labels, h);
	if (created)
		*created = fresh;
	struct series_entry *e = &t->v[slot];

	if (fresh || e->last_tick != t->tick) {
		ALLOC_GROW(t->produced, (size_t)t->nr_produced + 1, t->alloc_produced);
		t->produced[t->nr_produced++] = slot;
		e->last_tick = t->tick;
	}
	return slot;
}

uint32_t series_table_find(const struct series_table *t, const struct metric_family *fam,
			   const char *labels)
{
	return series_find(t, fam, labels, series_hash(fam, labels));
}

uint32_t series_table_set(struct series_table *t, const struct metric_family *fam,
			  const char *labels, double value, bool *created)
{
	uint32_t slot = series_lookup(t, fam, labels, created);

	t->v[slot].value = value;
	return slot;
}

uint32_t series_table_add(struct series_table *t, const struct metric_family *fam,
			  const char *labels, double value)
{
	uint32_t slot = series_lookup(t, fam, labels, NULL);
	struct series_entry *e = &t->v[slot];

	e->value = isnan(e->value) ? value : e->value + value;
	return slot;
}

uint32_t series_table_expire(struct series_table *t, uint64_t ttl_ticks,
			     void (*gone)(void *arg, struct series_entry *e), void *arg)
{
	uint32_t nr_gone = 0;

	for (uint32_t i = 0; i < t->nr; i++) {
		struct series_entry *e = &t->v[i];

		if (!e->fam || t->tick - e->last_tick <= ttl_ticks)
			continue;
		if (gone)
			gone(arg, e);
		free(e->labels);
		memset(e, 0, sizeof(*e));
		e->next_free = t->free_head;
		t->free_head = i;
		t->nr_live--;
		nr_gone++;
	}
	if (nr_gone)
		index_rebuild(t, t->index_cap);
	return nr_gone;
}
