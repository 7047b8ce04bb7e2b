// SPDX-License-Identifier: GPL-2.0-or-later
#include "analyze/series_emit.h"

#include <net/if.h>

static const struct {
	enum metric_family_id id;
	enum iface_counter c;
} iface_map[] = {
	{ MF_IFACE_RX_BYTES, IFC_RX_BYTES },
	{ MF_IFACE_TX_BYTES, IFC_TX_BYTES },
	{ MF_IFACE_RX_PACKETS, IFC_RX_PACKETS },
	{ MF_IFACE_TX_PACKETS, IFC_TX_PACKETS },
	{ MF_IFACE_RX_ERRORS, IFC_RX_ERRORS },
	{ MF_IFACE_TX_ERRORS, IFC_TX_ERRORS },
	{ MF_IFACE_RX_DROPPED, IFC_RX_DROPPED },
	{ MF_IFACE_TX_DROPPED, IFC_TX_DROPPED },
	{ MF_IFACE_RX_MULTICAST, IFC_MULTICAST },
	{ MF_IFACE_COLLISIONS, IFC_COLLISIONS },
	{ MF_IFACE_RX_FRAME_ERRORS, IFC_RX_FRAME_ERRORS },
	{ MF_IFACE_RX_FIFO_ERRORS, IFC_RX_FIFO_ERRORS },
	{ MF_IFACE_TX_FIFO_ERRORS, IFC_TX_FIFO_ERRORS },
	{ MF_IFACE_TX_CARRIER_ERRORS, IFC_TX_CARRIER_ERRORS },
	{ MF_IFACE_RX_COMPRESSED, IFC_RX_COMPRESSED },
	{ MF_IFACE_TX_COMPRESSED, IFC_TX_COMPRESSED },
};

static void set1(struct series_table *t, struct strbuf *sb, enum metric_family_id id,
		 const char *key, const char *value, double v)
{
	strbuf_reset(sb);
	metric_labels_add(sb, key, value);
	series_table_set(t, &metric_families[id], sb->buf, v, NULL);
}

void series_emit_ifaces(struct series_table *t, const struct iface_table *ifs,
			struct strbuf *scratch)
{
	for (size_t i = 0; i < ifs->nr; i++) {
		const struct iface_sample *s = &ifs->ifs[i];

		set1(t, scratch, MF_IFACE_UP, "iface", s->name, (s->flags & IFF_UP) ? 1 : 0);
		if (s->speed_mbps > 0)
			set1(t, scratch, MF_IFACE_SPEED, "iface", s->name,
			     (double)s->speed_mbps * 1e6 / 8);
		if (!s->counters_bits)
			continue;
		for (size_t k = 0; k < sizeof(iface_map) / sizeof(iface_map[0]); k++)
			set1(t, scratch, iface_map[k].id, "iface", s->name,
			     (double)s->c[iface_map[k].c]);
	}
}

void series_emit_counters(struct series_table *t, const struct counter_snap *cs,
			  struct strbuf *scratch)
{
	for (size_t i = 0; i < cs->nr; i++) {
		const struct counter *c = &cs->v[i];
		bool gauge = counter_is_gauge(c->name);
		enum metric_family_id id = gauge ? MF_NETSTAT_GAUGE : MF_NETSTAT_TOTAL;

		if (c->dup)
			continue;
		strbuf_reset(scratch);
		metric_labels_add(scratch, "counter", c->name);
		/* A counter that never moved is not worth a series (the kernel has ~300). */
		if (!c->value &&
		    series_table_find(t, &metric_families[id], scratch->buf) == UINT32_MAX)
			continue;
		series_table_set(t, &metric_families[id], scratch->buf,
				 gauge ? (double)(int64_t)c->value : (double)c->value, NULL);
	}
}

void series_emit_kpis(struct series_table *t, const struct proto_health *h, struct strbuf *scratch)
{
	for (int k = 0; k < PROTO_KPI_NR; k++)
		if (h->kpi[k].known)
			set1(t, scratch, MF_PROTO_KPI, "kpi", proto_kpi_key((enum proto_kpi)k),
			     h->kpi[k].pct / 100.0);
}
