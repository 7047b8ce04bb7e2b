// SPDX-License-Identifier: GPL-2.0-or-later
#include "model/counters.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

void counter_snap_init(struct counter_snap *s)
{
	memset(s, 0, sizeof(*s));
}

void counter_snap_release(struct counter_snap *s)
{
	free(s->v);
	free(s->by_name);
	counter_snap_init(s);
}

void counter_snap_reset(struct counter_snap *s)
{
	s->nr = 0;
	s->sealed = false;
	s->truncated = false;
	s->mono_ns = 0;
	s->sources = 0;
}

void counter_snap_copy(struct counter_snap *dst, const struct counter_snap *src)
{
	counter_snap_reset(dst);
	ALLOC_GROW(dst->v, src->nr, dst->alloc);
	ALLOC_GROW(dst->by_name, src->nr, dst->alloc_idx);
	if (src->nr)
		memcpy(dst->v, src->v, src->nr * sizeof(*dst->v));
	if (src->nr && src->sealed)
		memcpy(dst->by_name, src->by_name, src->nr * sizeof(*dst->by_name));
	dst->nr = src->nr;
	dst->sealed = src->sealed;
	dst->truncated = src->truncated;
	dst->mono_ns = src->mono_ns;
	dst->sources = src->sources;
}

static bool printable(const char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)p[i] <= ' ' || (unsigned char)p[i] >= 0x7f)
			return false;
	return true;
}

int counter_snap_add(struct counter_snap *s, const char *group, size_t group_len, const char *name,
		     size_t name_len, uint64_t value)
{
	struct counter *c;

	if (group_len + name_len > COUNTER_NAME_MAX || group_len + name_len == 0)
		return -ENAMETOOLONG;
	if (!printable(group, group_len) || !printable(name, name_len))
		return -EINVAL;
	if (s->nr >= COUNTERS_MAX) {
		s->truncated = true;
		return -E2BIG;
	}
	ALLOC_GROW(s->v, s->nr + 1, s->alloc);
	c = &s->v[s->nr++];
	c->value = value;
	c->group_len = (uint8_t)group_len;
	c->name_len = (uint8_t)(group_len + name_len);
	memcpy(c->name, group, group_len);
	memcpy(c->name + group_len, name, name_len);
	c->name[c->name_len] = '\0';
	s->sealed = false;
	return 0;
}

static int cmp_index(const void *pa, const void *pb, void *ctx)
{
	const struct counter *v = ctx;
	uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
	int c = strcmp(v[a].name, v[b].name);

	if (c)
		return c;
	return a < b ? -1 : a > b;
}

void counter_snap_seal(struct counter_snap *s)
{
	ALLOC_GROW(s->by_name, s->nr, s->alloc_idx);
	for (size_t i = 0; i < s->nr; i++)
		s->by_name[i] = (uint32_t)i;
	if (s->nr > 1)
		qsort_r(s->by_name, s->nr, sizeof(*s->by_name), cmp_index, s->v);
	for (size_t i = 0; i < s->nr; i++)
		s->v[s->by_name[i]].dup =
			i && !strcmp(s->v[s->by_name[i]].name, s->v[s->by_name[i - 1]].name);
	s->sealed = true;
}

const struct counter *counter_snap_find(const struct counter_snap *s, const char *name)
{
	size_t lo = 0, hi = s->nr;

	if (!s->sealed)
		return NULL;
	/* Lower bound: the first of equal names is the first occurrence. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(s->v[s->by_name[mid]].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < s->nr && !strcmp(s->v[s->by_name[lo]].name, name))
		return &s->v[s->by_name[lo]];
	return NULL;
}

bool counter_snap_value(const struct counter_snap *s, const char *name, uint64_t *value)
{
	const struct counter *c = counter_snap_find(s, name);

	if (c)
		*value = c->value;
	return c != NULL;
}

/* The same list nstat skips: fixed settings and gauges, not event counts. */
static const char *const gauges[] = {
	"IpForwarding", "IpDefaultTTL", "TcpRtoAlgorithm", "TcpRtoMin",
	"TcpRtoMax",	"TcpMaxConn",	"TcpCurrEstab",
};

bool counter_is_gauge(const char *name)
{
	for (size_t i = 0; i < sizeof(gauges) / sizeof(gauges[0]); i++)
		if (!strcmp(name, gauges[i]))
			return true;
	return false;
}

static struct counter_delta make_delta(const struct counter_snap *old, const struct counter *prev,
				       const struct counter *cur)
{
	struct counter_delta d = { .cur = cur, .status = COUNTER_DELTA_MISSING };
	uint64_t prev_value = prev ? prev->value : 0;

	/*
	 * The kernel lists IcmpMsg and Icmp6 per-type counters only once they
	 * are non-zero: a name new since a non-empty sample counts from zero.
	 */
	if (!cur || (!prev && !old->nr))
		return d;
	if (counter_is_gauge(cur->name))
		d.status = prev ? COUNTER_DELTA_GAUGE : COUNTER_DELTA_MISSING;
	else if (cur->value < prev_value)
		d.status = COUNTER_DELTA_RESET;
	else {
		d.status = COUNTER_DELTA_OK;
		d.delta = cur->value - prev_value;
	}
	return d;
}

struct counter_delta counter_delta_get(const struct counter_snap *old,
				       const struct counter_snap *cur, const char *name)
{
	return make_delta(old, counter_snap_find(old, name), counter_snap_find(cur, name));
}

struct counter_delta counter_delta_at(const struct counter_snap *old,
				      const struct counter_snap *cur, size_t i)
{
	const struct counter *c = &cur->v[i];
	const struct counter *p = NULL;

	if (i < old->nr && !old->v[i].dup && old->v[i].name_len == c->name_len &&
	    !memcmp(old->v[i].name, c->name, c->name_len))
		p = &old->v[i];
	else
		p = counter_snap_find(old, c->name);
	return make_delta(old, p, c);
}

double counter_rate(uint64_t delta, uint64_t interval_ns)
{
	return interval_ns ? (double)delta * 1e9 / (double)interval_ns : 0.0;
}

/* ---- KPIs ---- */

static const struct {
	const char *key, *label;
} kpi_names[PROTO_KPI_NR] = {
	[PROTO_KPI_RETRANS] = { "retrans_ratio", "retransmit ratio" },
	[PROTO_KPI_LOSS] = { "loss_estimate", "loss estimate" },
	[PROTO_KPI_ERROR] = { "error_ratio", "error ratio" },
	[PROTO_KPI_DROP] = { "drop_ratio", "drop ratio" },
};

const char *proto_kpi_key(enum proto_kpi k)
{
	return (unsigned)k < PROTO_KPI_NR ? kpi_names[k].key : "?";
}

const char *proto_kpi_label(enum proto_kpi k)
{
	return (unsigned)k < PROTO_KPI_NR ? kpi_names[k].label : "?";
}
