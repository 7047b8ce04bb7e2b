/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One network interface as one sample saw it (struct iface_sample), and the
 * set of interfaces of one sample (struct iface_table).
 *
 * Counters are the kernel's cumulative interface counters, always held as
 * 64-bit values.  They come from IFLA_STATS64 when the kernel sends it; from
 * the 32-bit IFLA_STATS otherwise (counters_bits is then 32 and the values
 * wrap at 2^32).  enum iface_counter follows the field order of struct
 * rtnl_link_stats64 so a kernel struct maps onto c[] by index; counters the
 * kernel did not send (an older, shorter struct) are 0 and counted out by
 * nr_counters.
 *
 * Ownership: an iface_table owns its array; samples hold no pointers, so a
 * sample can be copied by value and outlives the table it came from.
 */
#ifndef CONNMON_MODEL_IFACE_H
#define CONNMON_MODEL_IFACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IFACE_NAME_LEN 16 /* IFNAMSIZ: 15 characters and the NUL */
#define IFACE_KIND_LEN 16

enum iface_counter {
	IFC_RX_PACKETS,
	IFC_TX_PACKETS,
	IFC_RX_BYTES,
	IFC_TX_BYTES,
	IFC_RX_ERRORS,
	IFC_TX_ERRORS,
	IFC_RX_DROPPED,
	IFC_TX_DROPPED,
	IFC_MULTICAST, /* received multicast packets (the kernel counts no tx side) */
	IFC_COLLISIONS,
	IFC_RX_LENGTH_ERRORS,
	IFC_RX_OVER_ERRORS,
	IFC_RX_CRC_ERRORS,
	IFC_RX_FRAME_ERRORS,
	IFC_RX_FIFO_ERRORS,
	IFC_RX_MISSED_ERRORS,
	IFC_TX_ABORTED_ERRORS,
	IFC_TX_CARRIER_ERRORS,
	IFC_TX_FIFO_ERRORS,
	IFC_TX_HEARTBEAT_ERRORS,
	IFC_TX_WINDOW_ERRORS,
	IFC_RX_COMPRESSED,
	IFC_TX_COMPRESSED,
	IFC_RX_NOHANDLER,
	IFC_NR
};

enum iface_duplex {
	IFACE_DUPLEX_UNKNOWN,
	IFACE_DUPLEX_HALF,
	IFACE_DUPLEX_FULL,
};

struct iface_sample {
	char name[IFACE_NAME_LEN];
	char kind[IFACE_KIND_LEN]; /* IFLA_INFO_KIND ("veth", "bridge"...), "" when none */
	int32_t ifindex;
	uint32_t flags;	       /* IFF_* */
	uint32_t mtu;	       /* bytes; 0 when not reported */
	uint8_t operstate;     /* IF_OPER_* (RFC 2863); IF_OPER_UNKNOWN when not reported */
	uint8_t counters_bits; /* 64 (IFLA_STATS64), 32 (IFLA_STATS) or 0 (no counters) */
	uint8_t nr_counters;   /* how many of c[] the kernel reported */
	uint8_t duplex;	       /* enum iface_duplex */
	int64_t speed_mbps;    /* link speed in Mbit/s; -1 unknown (virtual link, no carrier) */
	uint64_t c[IFC_NR];    /* cumulative counters, indexed by enum iface_counter */
};

/* "rx_bytes", "tx_packets"... (JSON/CSV key); NULL out of range. */
const char *iface_counter_name(int idx);
/* "UP", "DOWN", "LOWERLAYERDOWN"... as `ip link` prints operstate. */
const char *iface_operstate_name(uint8_t operstate);
/* "full", "half" or NULL when unknown. */
const char *iface_duplex_name(uint8_t duplex);
bool iface_is_up(const struct iface_sample *s);
bool iface_has_speed(const struct iface_sample *s);
/* Orders by ifindex, then name (qsort comparator on struct iface_sample). */
int iface_sample_cmp(const void *a, const void *b);
/* Same interface: same ifindex and name (a rename or a re-created device is a new one). */
bool iface_same(const struct iface_sample *a, const struct iface_sample *b);

struct iface_table {
	struct iface_sample *ifs;
	size_t nr, alloc;
	uint64_t time_ns; /* CLOCK_MONOTONIC when the sample was requested */
};

void iface_table_init(struct iface_table *t);
void iface_table_release(struct iface_table *t);
/* Forgets the interfaces, keeps the memory. */
void iface_table_clear(struct iface_table *t);
/* A new zeroed slot at the end (speed -1); valid until the next add. */
struct iface_sample *iface_table_add(struct iface_table *t);
/* Drops the last added slot (a message that did not parse). */
void iface_table_drop_last(struct iface_table *t);
void iface_table_sort(struct iface_table *t);
/* Swaps the contents of two tables (prev <- cur between ticks, no copy). */
void iface_table_swap(struct iface_table *a, struct iface_table *b);

/*
 * Rates of one interval (computed by analyze/rates.h, rendered by ui/iface_render.h).
 */
enum iface_rate_state {
	IFACE_RATE_OK,
	IFACE_NORATE_NEW,     /* not in the previous sample (appeared, renamed, re-created) */
	IFACE_NORATE_GONE,    /* not in the current sample */
	IFACE_NORATE_RESET,   /* a counter went backwards */
	IFACE_NORATE_NOSTATS, /* the kernel sent no counters, or a different kind of them */
};

/* "new interface", "interface vanished", "counters reset", "no counters"; NULL for OK. */
const char *iface_rate_state_text(enum iface_rate_state st);
/* "new", "gone", "reset", "no_stats" (JSON/CSV); NULL for OK. */
const char *iface_rate_state_key(enum iface_rate_state st);

struct iface_rate {
	struct iface_sample s; /* the current sample (the last one of a vanished interface) */
	enum iface_rate_state state;
	uint64_t interval_ns; /* time the deltas cover (for averages: the intervals with a rate) */
	uint64_t delta[IFC_NR]; /* counter increases; all 0 unless state is OK */
	double per_s[IFC_NR];
	double util_pct; /* 0..100, or -1 unknown */
	bool gone;	 /* not in the latest sample (averages: vanished during the run) */
};

struct iface_rates {
	struct iface_rate *v;
	size_t nr, alloc;
	uint64_t interval_ns; /* cur->time_ns - prev->time_ns */
};

void iface_rates_init(struct iface_rates *r);
void iface_rates_release(struct iface_rates *r);

#endif
