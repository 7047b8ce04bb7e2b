/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The series the agent records, named like Prometheus metrics: a family
 * (name, help, kind) plus a labels string, for example
 *   connmon_tcp_port_sockets  {port="443",state="time_wait"}
 * The labels string is the text between the braces exactly as the
 * Prometheus text format writes it (values escaped: \\ \" \n), keys in the
 * order their producer gives them.  The ring, the store, /metrics and the
 * rules all speak of the same series (DESIGN.md §2); docs/METRICS.md lists
 * every family.
 *
 * struct series_table is the agent's registry of live series: it maps
 * (family, labels) to a dense index, holds each series' value for the
 * current tick, and remembers which tick last produced it.
 *
 * Eviction: a series not produced for `ttl_ticks` ticks (the agent uses
 * its in-memory hour) is removed by series_table_expire(); its index is
 * reused.  Top-N bounds how many series a tick produces, so the table holds
 * at most (series per tick) x (distinct sets seen within the TTL).
 *
 * Ownership: the table owns its entries and their labels strings;
 * families are static.  Pointers into entries are valid until the next
 * series_table_get() or series_table_expire().
 */
#ifndef CONNMON_MODEL_METRIC_H
#define CONNMON_MODEL_METRIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/strbuf.h"

enum metric_kind {
	METRIC_GAUGE,
	METRIC_COUNTER, /* monotonic; may reset (name ends in _total) */
};

struct metric_family {
	const char *name;
	const char *help; /* the HELP line; docs/METRICS.md has the same text (a test checks) */
	enum metric_kind kind;
	const char *label_keys; /* "port,state"; "" for none */
};

enum metric_family_id {
	MF_TCP_SOCKETS,
	MF_TCP_PORT_SOCKETS,
	MF_TCP_PEER_SOCKETS,
	MF_SOCKETS,
	MF_SOCKSTAT,
	MF_LISTEN_QUEUE,
	MF_LISTEN_BACKLOG,
	MF_PROCESS_CLOSE_WAIT,
	MF_EPHEMERAL_PORTS_USED,
	MF_EPHEMERAL_PORTS_RANGE,
	MF_CONNTRACK_ENTRIES,
	MF_CONNTRACK_MAX,
	MF_TCP_ORPHANS_MAX,
	MF_IFACE_UP,
	MF_IFACE_SPEED,
	MF_IFACE_RX_BYTES,
	MF_IFACE_TX_BYTES,
	MF_IFACE_RX_PACKETS,
	MF_IFACE_TX_PACKETS,
	MF_IFACE_RX_ERRORS,
	MF_IFACE_TX_ERRORS,
	MF_IFACE_RX_DROPPED,
	MF_IFACE_TX_DROPPED,
	MF_IFACE_RX_MULTICAST,
	MF_IFACE_COLLISIONS,
	MF_IFACE_RX_FRAME_ERRORS,
	MF_IFACE_RX_FIFO_ERRORS,
	MF_IFACE_TX_FIFO_ERRORS,
	MF_IFACE_TX_CARRIER_ERRORS,
	MF_IFACE_RX_COMPRESSED,
	MF_IFACE_TX_COMPRESSED,
	MF_NETSTAT_TOTAL,
	MF_NETSTAT_GAUGE,
	MF_PROTO_KPI,
	MF_PROCESS_RX_BYTES,
	MF_PROCESS_TX_BYTES,
	MF_AGENT_TICK_SECONDS,
	MF_AGENT_LATE_TICKS,
	MF_AGENT_CENSUS_PERIOD,
	MF_AGENT_CENSUS_SOCKETS,
	MF_AGENT_SERIES,
	MF_AGENT_SAMPLES_WRITTEN,
	MF_AGENT_WRITE_ERRORS,
	MF_AGENT_DB_BYTES,
	MF_AGENT_BACKLOG,
	MF_AGENT_SAMPLES_DROPPED,
	MF_AGENT_SCRAPES,
	MF_AGENT_SOCKET_REFUSED,
	MF_AGENT_RSS_BYTES,
	MF_ALERTS_FIRING,
	MF_NOTIFY_SENT,
	MF_NOTIFY_FAILURES,
	MF_NOTIFY_DROPPED,
	MF_SOMAXCONN,
	MF_MAX,
};

extern const struct metric_family metric_families[MF_MAX];

/* The family called name, or NULL. */
const struct metric_family *metric_family_find(const char *name);

/*
 * Appends key="value" (with a comma before it unless sb is empty) to a
 * labels string, escaping the value as the text format requires (\\ \" \n).
 * Control bytes and invalid UTF-8 (a process name is anybody's bytes)
 * first take connmon's display-safe form, \xHH (base/outbuf.h), so the
 * exposition is always valid UTF-8 and safe on a terminal.
 */
void metric_labels_add(struct strbuf *sb, const char *key, const char *value);

/*
 * The value of key in a labels string, unescaped, into buf (NUL-terminated,
 * truncated to size).  Returns false when key is absent or labels is malformed.
 */
bool metric_labels_get(const char *labels, const char *key, char *buf, size_t size);

struct series_entry {
	const struct metric_family *fam; /* NULL: a free slot */
	char *labels;			 /* owned */
	uint64_t hash;
	double value;	    /* this tick's value; NaN when not produced this tick */
	double last_value;  /* the owner's: the last value it saw (NaN at birth) */
	uint64_t last_tick; /* the tick that last produced it */
	int64_t store_id;   /* the store's id; 0 until known */
	uint32_t ring_row;  /* owned by the agent's ring; UINT32_MAX when none */
	uint32_t next_free; /* free-list link while free */
};

struct series_table {
	struct series_entry *v;
	uint32_t nr, alloc; /* v[0, nr) are slots; live ones have fam != NULL */
	uint32_t nr_live;
	uint32_t free_head; /* UINT32_MAX: none */
	uint32_t *index;    /* open addressing over slot numbers + 1 (0 = empty) */
	uint32_t index_cap; /* power of two */
	uint32_t *produced; /* slots produced this tick, in order */
	uint32_t nr_produced, alloc_produced;
	uint64_t tick;
};

void series_table_init(struct series_table *t);
void series_table_release(struct series_table *t);

/* Starts a tick: every value becomes NaN, the produced list empties. */
void series_table_begin(struct series_table *t, uint64_t tick);

/*
 * Sets this tick's value of (fam, labels), creating the series when new.
 * *created tells whether it was (may be NULL).  Returns the slot.
 */
uint32_t series_table_set(struct series_table *t, const struct metric_family *fam,
			  const char *labels, double value, bool *created);

/* The slot of (fam, labels), or UINT32_MAX when the table does not hold it. */
uint32_t series_table_find(const struct series_table *t, const struct metric_family *fam,
			   const char *labels);

/* Adds to this tick's value (NaN counts as 0), creating the series when new. */
uint32_t series_table_add(struct series_table *t, const struct metric_family *fam,
			  const char *labels, double value);

/*
 * Removes the series not produced in the last ttl_ticks ticks; each one is
 * passed to gone (may be NULL) before it goes, so its owner can free its
 * ring row.  Returns how many went.
 */
uint32_t series_table_expire(struct series_table *t, uint64_t ttl_ticks,
			     void (*gone)(void *arg, struct series_entry *e), void *arg);

#endif
