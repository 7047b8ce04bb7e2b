// SPDX-License-Identifier: GPL-2.0-or-later
/* Reading the rule engine's inputs: the tick's series table and the hour ring. */
#include <math.h>
#include <stdio.h>

#include "analyze/rules_int.h"

const struct series_entry *rs_entry(const struct rule_inputs *in, enum metric_family_id id,
				    const char *labels)
{
	uint32_t i = series_table_find(in->series, &metric_families[id], labels);

	return i == UINT32_MAX ? NULL : &in->series->v[i];
}

double rs_now(const struct rule_inputs *in, enum metric_family_id id, const char *labels)
{
	const struct series_entry *e = rs_entry(in, id, labels);

	return e ? e->value : NAN;
}

bool rs_is(const struct rule_inputs *in, uint32_t i, enum metric_family_id id)
{
	const struct series_entry *e = &in->series->v[i];

	return e->fam == &metric_families[id] && !isnan(e->value);
}

double rs_back(const struct rule_inputs *in, const struct series_entry *e, uint32_t back)
{
	if (!e || !in->ring || e->ring_row == UINT32_MAX)
		return NAN;
	return series_ring_get(in->ring, e->ring_row, back);
}

uint32_t rs_ticks(const struct rule_inputs *in, int64_t d_ms)
{
	int64_t n = in->interval_ms > 0 ? d_ms / in->interval_ms : 1;

	return n < 1 ? 1 : n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

double rs_window_sum(const struct rule_inputs *in, const struct series_entry *e, int64_t window_ms,
		     uint32_t *nr_ticks)
{
	uint32_t n = rs_ticks(in, window_ms);
	double sum = 0;
	bool any = false;

	if (nr_ticks)
		*nr_ticks = n;
	for (uint32_t b = 0; b < n; b++) {
		double v = rs_back(in, e, b);

		if (isnan(v))
			continue;
		sum += v;
		any = true;
	}
	return any ? sum : NAN;
}

double rs_rate(const struct rule_inputs *in, const struct series_entry *e)
{
	double d = rs_back(in, e, 0);

	if (isnan(d) || in->interval_ms <= 0)
		return NAN;
	return d * 1000.0 / (double)in->interval_ms;
}

double rs_iface_rate(const struct rule_inputs *in, const char *iface)
{
	struct strbuf labels = STRBUF_INIT;
	double rx, tx;

	metric_labels_add(&labels, "iface", iface);
	rx = rs_rate(in, rs_entry(in, MF_IFACE_RX_BYTES, labels.buf));
	tx = rs_rate(in, rs_entry(in, MF_IFACE_TX_BYTES, labels.buf));
	strbuf_release(&labels);
	if (isnan(rx) && isnan(tx))
		return NAN;
	return (isnan(rx) ? 0 : rx) + (isnan(tx) ? 0 : tx);
}

void rs_fmt_count(double v, char *buf, size_t size)
{
	if (v == floor(v) && fabs(v) < 1e15)
		snprintf(buf, size, "%.0f", v);
	else if (fabs(v) < 10)
		snprintf(buf, size, "%.2f", v);
	else
		snprintf(buf, size, "%.1f", v);
}

void rs_fmt_bytes(double v, char *buf, size_t size)
{
	static const char *const units[] = { "B", "kB", "MB", "GB", "TB" };
	int u = 0;

	while (fabs(v) >= 1000 && u < 4) {
		v /= 1000;
		u++;
	}
	snprintf(buf, size, u ? "%.1f %s" : "%.0f %s", v, units[u]);
}

double rs_netstat_window(const struct rule_inputs *in, const char *counter, int64_t window_ms)
{
	struct strbuf labels = STRBUF_INIT;
	double v;

	metric_labels_add(&labels, "counter", counter);
	v = rs_window_sum(in, rs_entry(in, MF_NETSTAT_TOTAL, labels.buf), window_ms, NULL);
	strbuf_release(&labels);
	return v;
}

double rs_iface_window(const struct rule_inputs *in, enum metric_family_id id, const char *iface,
		       int64_t window_ms)
{
	struct strbuf labels = STRBUF_INIT;
	double v;

	metric_labels_add(&labels, "iface", iface);
	v = rs_window_sum(in, rs_entry(in, id, labels.buf), window_ms, NULL);
	strbuf_release(&labels);
	return v;
}

bool rs_census_fresh(const struct rule_inputs *in)
{
	return !isnan(rs_now(in, MF_TCP_SOCKETS, "state=\"established\""));
}
