/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A named-counter snapshot: the kernel's protocol counters at one instant, as
 * a table of (group, name, value), for example group "Tcp", name "RetransSegs".
 * A counter's full name is group and name joined, exactly as nstat prints it:
 * "TcpRetransSegs", "TcpExtListenOverflows", "Ip6InReceives".
 *
 * Ownership: a counter_snap owns its arrays; counter_snap_release() frees
 * them.  Pointers returned by lookups borrow from the snapshot and stay valid
 * until the next add, reset or release.
 *
 * Building: counter_snap_reset(), counter_snap_add() for each counter in file
 * order, then counter_snap_seal() (sorts a name index for lookups).  Lookups
 * on an unsealed snapshot find nothing.  Sizes are capped: at most
 * COUNTERS_MAX counters and COUNTER_NAME_MAX bytes per full name, so input
 * from outside can never grow a snapshot without bound.
 *
 * Deltas: a counter absent from the older snapshot (but present in the newer,
 * the older not empty) counts from zero, as nstat does: the kernel lists
 * IcmpMsg and Icmp6 per-type counters only once they are non-zero.  A counter
 * whose value went down between two snapshots (a reset, a
 * namespace recreated, a module reloaded) has no delta, never a huge one.
 * Gauges (TcpCurrEstab, TcpMaxConn, ...) are not rated, as in nstat.
 */
#ifndef CONNMON_MODEL_COUNTERS_H
#define CONNMON_MODEL_COUNTERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define COUNTER_NAME_MAX 63   /* bytes of a full name, without the NUL */
#define COUNTERS_MAX	 4096 /* counters per snapshot */

struct counter {
	uint64_t value;	   /* as printed; a negative gauge (-1) is stored two's complement */
	uint8_t group_len; /* name[0, group_len) is the group ("TcpExt") */
	uint8_t name_len;  /* strlen(name) */
	bool dup;	   /* set by seal: a later occurrence of a name seen before */
	char name[COUNTER_NAME_MAX + 1]; /* full nstat-style name, NUL-terminated */
};

struct counter_snap {
	struct counter *v; /* in the order added (file order) */
	size_t nr, alloc;
	uint32_t *by_name; /* indices into v sorted by name; valid once sealed */
	size_t alloc_idx;
	bool sealed;
	bool truncated;	  /* hit COUNTERS_MAX: later counters were dropped */
	uint64_t mono_ns; /* CLOCK_MONOTONIC when sampled; 0 if unknown */
	unsigned sources; /* COUNTER_SRC_* bits: which files were read */
};

/* Bits in counter_snap.sources. */
#define COUNTER_SRC_SNMP    0x1u /* /proc/net/snmp */
#define COUNTER_SRC_NETSTAT 0x2u /* /proc/net/netstat */
#define COUNTER_SRC_SNMP6   0x4u /* /proc/net/snmp6 */

void counter_snap_init(struct counter_snap *s);
void counter_snap_release(struct counter_snap *s);
/* Empties s, keeping its memory for the next sample. */
void counter_snap_reset(struct counter_snap *s);
/* Makes dst an independent copy of src (sealed if src is). */
void counter_snap_copy(struct counter_snap *dst, const struct counter_snap *src);

/*
 * Appends group+name with value.  Returns 0, -ENAMETOOLONG when the full name
 * exceeds COUNTER_NAME_MAX or is empty, -E2BIG when s already holds
 * COUNTERS_MAX counters (s->truncated is set).  Unseals s.
 */
int counter_snap_add(struct counter_snap *s, const char *group, size_t group_len, const char *name,
		     size_t name_len, uint64_t value);

/* Builds the name index.  A duplicated name resolves to its first occurrence. */
void counter_snap_seal(struct counter_snap *s);

/* The counter with this full name, or NULL (also when s is not sealed). */
const struct counter *counter_snap_find(const struct counter_snap *s, const char *name);

/* True and *value set when s has name. */
bool counter_snap_value(const struct counter_snap *s, const char *name, uint64_t *value);

/* True for the fixed-value and gauge entries nstat skips (TcpCurrEstab ...). */
bool counter_is_gauge(const char *name);

enum counter_delta_status {
	COUNTER_DELTA_OK,
	COUNTER_DELTA_MISSING, /* absent from the newer snapshot (or the older is empty) */
	COUNTER_DELTA_RESET,   /* went backwards: no rate */
	COUNTER_DELTA_GAUGE,   /* a gauge: value only, no delta */
};

struct counter_delta {
	const struct counter *cur; /* borrowed from the newer snapshot; NULL when missing */
	enum counter_delta_status status;
	uint64_t delta; /* valid for COUNTER_DELTA_OK */
};

/* Delta of the counter called name between old and cur (both sealed). */
struct counter_delta counter_delta_get(const struct counter_snap *old,
				       const struct counter_snap *cur, const char *name);

/*
 * Delta of cur->v[i] against old; index i of old is tried first (the kernel
 * keeps its order), then the name index.  i must be < cur->nr.
 */
struct counter_delta counter_delta_at(const struct counter_snap *old,
				      const struct counter_snap *cur, size_t i);

/*
 * Rate in units per second of a delta over interval_ns; 0 when interval_ns is 0.
 */
double counter_rate(uint64_t delta, uint64_t interval_ns);

/* ---- the protocol-health KPIs (for `connmon proto` and the overview; computed by analyze/health)
 * ---- */

enum proto_kpi {
	PROTO_KPI_RETRANS, /* TcpRetransSegs / TcpOutSegs */
	PROTO_KPI_LOSS,	   /* (RetransSegs - DSACK-reported spurious) / OutSegs */
	PROTO_KPI_ERROR,   /* header, address, TCP, UDP input errors / IP packets received */
	PROTO_KPI_DROP, /* IP discards, listen drops, rcv-queue and UDP buffer drops / received */
	PROTO_KPI_NR,
};

struct proto_ratio {
	bool known;   /* false: the denominator is missing, reset or zero */
	uint64_t num; /* numerator delta */
	uint64_t den; /* denominator delta */
	double pct;   /* 100 * num / den when known */
	bool warn;    /* flagged (analyze/health.h decides) */
};

struct proto_health {
	uint64_t interval_ns;
	struct proto_ratio kpi[PROTO_KPI_NR];
	uint64_t listen_overflows; /* TcpExtListenOverflows delta, 0 if unknown */
	uint64_t listen_drops;	   /* TcpExtListenDrops delta */
	uint64_t syncookies_sent;  /* TcpExtSyncookiesSent delta */
	bool warn;		   /* any KPI flagged, or a listen overflow/drop */
};

/* JSON and text names of a KPI: "retrans_ratio", "retransmit ratio". */
const char *proto_kpi_key(enum proto_kpi k);
const char *proto_kpi_label(enum proto_kpi k);

#endif
