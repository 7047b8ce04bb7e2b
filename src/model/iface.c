// SPDX-License-Identifier: GPL-2.0-or-later
#include "model/iface.h"

#include <stdlib.h>
#include <string.h>

#include <linux/if.h>

#include "base/xalloc.h"

static const char *const counter_names[IFC_NR] = {
	[IFC_RX_PACKETS] = "rx_packets",
	[IFC_TX_PACKETS] = "tx_packets",
	[IFC_RX_BYTES] = "rx_bytes",
	[IFC_TX_BYTES] = "tx_bytes",
	[IFC_RX_ERRORS] = "rx_errors",
	[IFC_TX_ERRORS] = "tx_errors",
	[IFC_RX_DROPPED] = "rx_dropped",
	[IFC_TX_DROPPED] = "tx_dropped",
	[IFC_MULTICAST] = "multicast",
	[IFC_COLLISIONS] = "collisions",
	[IFC_RX_LENGTH_ERRORS] = "rx_length_errors",
	[IFC_RX_OVER_ERRORS] = "rx_over_errors",
	[IFC_RX_CRC_ERRORS] = "rx_crc_errors",
	[IFC_RX_FRAME_ERRORS] = "rx_frame_errors",
	[IFC_RX_FIFO_ERRORS] = "rx_fifo_errors",
	[IFC_RX_MISSED_ERRORS] = "rx_missed_errors",
	[IFC_TX_ABORTED_ERRORS] = "tx_aborted_errors",
	[IFC_TX_CARRIER_ERRORS] = "tx_carrier_errors",
	[IFC_TX_FIFO_ERRORS] = "tx_fifo_errors",
	[IFC_TX_HEARTBEAT_ERRORS] = "tx_heartbeat_errors",
	[IFC_TX_WINDOW_ERRORS] = "tx_window_errors",
	[IFC_RX_COMPRESSED] = "rx_compressed",
	[IFC_TX_COMPRESSED] = "tx_compressed",
	[IFC_RX_NOHANDLER] = "rx_nohandler",
};

const char *iface_counter_name(int idx)
{
	return idx >= 0 && idx < IFC_NR ? counter_names[idx] : NULL;
}

const char *iface_operstate_name(uint8_t operstate)
{
	static const char *const names[] = {
		[IF_OPER_UNKNOWN] = "UNKNOWN", [IF_OPER_NOTPRESENT] = "NOTPRESENT",
		[IF_OPER_DOWN] = "DOWN",       [IF_OPER_LOWERLAYERDOWN] = "LOWERLAYERDOWN",
		[IF_OPER_TESTING] = "TESTING", [IF_OPER_DORMANT] = "DORMANT",
		[IF_OPER_UP] = "UP",
	};

	return operstate < sizeof(names) / sizeof(names[0]) ? names[operstate] : "UNKNOWN";
}

const char *iface_duplex_name(uint8_t duplex)
{
	if (duplex == IFACE_DUPLEX_FULL)
		return "full";
	if (duplex == IFACE_DUPLEX_HALF)
		return "half";
	return NULL;
}

bool iface_is_up(const struct iface_sample *s)
{
	return s->operstate == IF_OPER_UP;
}

bool iface_has_speed(const struct iface_sample *s)
{
	return s->speed_mbps > 0;
}

int iface_sample_cmp(const void *a, const void *b)
{
	const struct iface_sample *x = a, *y = b;

	if (x->ifindex != y->ifindex)
		return x->ifindex < y->ifindex ? -1 : 1;
	return strcmp(x->name, y->name);
}

bool iface_same(const struct iface_sample *a, const struct iface_sample *b)
{
	return a->ifindex == b->ifindex && !strcmp(a->name, b->name);
}

void iface_table_init(struct iface_table *t)
{
	memset(t, 0, sizeof(*t));
}

void iface_table_release(struct iface_table *t)
{
	free(t->ifs);
	iface_table_init(t);
}

void iface_table_clear(struct iface_table *t)
{
	t->nr = 0;
	t->time_ns = 0;
}

struct iface_sample *iface_table_add(struct iface_table *t)
{
	struct iface_sample *s;

	ALLOC_GROW(t->ifs, t->nr + 1, t->alloc);
	s = &t->ifs[t->nr++];
	memset(s, 0, sizeof(*s));
	s->speed_mbps = -1;
	return s;
}

void iface_table_drop_last(struct iface_table *t)
{
	if (t->nr)
		t->nr--;
}

void iface_table_sort(struct iface_table *t)
{
	if (t->nr > 1)
		qsort(t->ifs, t->nr, sizeof(t->ifs[0]), iface_sample_cmp);
}

void iface_table_swap(struct iface_table *a, struct iface_table *b)
{
	struct iface_table tmp = *a;

	*a = *b;
	*b = tmp;
}

const char *iface_rate_state_text(enum iface_rate_state st)
{
	switch (st) {
	case IFACE_NORATE_NEW:
		return "new interface";
	case IFACE_NORATE_GONE:
		return "interface vanished";
	case IFACE_NORATE_RESET:
		return "counters reset";
	case IFACE_NORATE_NOSTATS:
		return "no counters";
	default:
		return NULL;
	}
}

const char *iface_rate_state_key(enum iface_rate_state st)
{
	switch (st) {
	case IFACE_NORATE_NEW:
		return "new";
	case IFACE_NORATE_GONE:
		return "gone";
	case IFACE_NORATE_RESET:
		return "reset";
	case IFACE_NORATE_NOSTATS:
		return "no_stats";
	default:
		return NULL;
	}
}

void iface_rates_init(struct iface_rates *r)
{
	memset(r, 0, sizeof(*r));
}

void iface_rates_release(struct iface_rates *r)
{
	free(r->v);
	iface_rates_init(r);
}
