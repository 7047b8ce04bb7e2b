// SPDX-License-Identifier: GPL-2.0-or-later
#include "app/baseline_store.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/outbuf.h"
#include "base/xalloc.h"
#include "model/metric.h"

#define DAY_MS	  86400000LL
#define MINUTE_MS 60000LL
/* How far back the computation reads: the newest BASELINE_MAX_POINTS minutes. */
#define WINDOW_MS ((int64_t)BASELINE_MAX_POINTS * MINUTE_MS)
/* A label value as shown: longer ones are cut (they are names, not data). */
#define LABEL_MAX 256

void baseline_store_spans(struct baseline_spans *sp, const struct agent_config *c)
{
	sp->weekly_ms = (int64_t)c->baseline.weekly_after_days * DAY_MS;
	sp->learning_ms = (int64_t)c->baseline.learning_days * DAY_MS;
}

void baseline_store_default_spans(struct baseline_spans *sp)
{
	struct agent_config c;

	config_defaults(&c);
	/* On error c is still the defaults. */
	config_load(&c, CONFIG_DEFAULT_PATH, NULL);
	baseline_store_spans(sp, &c);
}

int baseline_store_compute(struct store *st, int64_t series_id, int64_t until_ms,
			   const struct baseline_spans *sp, struct baseline *b, struct strbuf *err)
{
	struct baseline_point *pts;
	int64_t *t = NULL;
	double *mean = NULL;
	size_t nr = 0;
	int ret;

	ret = store_minute_means(st, series_id, until_ms - WINDOW_MS, until_ms, &t, &mean, &nr,
				 err);
	if (ret < 0)
		return ret;
	pts = xcalloc(nr ? nr : 1, sizeof(*pts));
	for (size_t i = 0; i < nr; i++) {
		pts[i].t_ms = t[i];
		pts[i].value = mean[i];
	}
	free(t);
	free(mean);
	ret = baseline_compute_spans(b, pts, nr, NULL, sp);
	free(pts);
	if (ret < 0 && err)
		strbuf_addf(err, "the 1-minute rollups of series %lld are out of order",
			    (long long)series_id);
	return ret;
}

int baseline_store_put(struct store *st, int64_t series_id, const struct baseline *b,
		       int64_t computed_ms, struct strbuf *err)
{
	struct store_baseline rows[BASELINE_WEEK_SLOTS];
	size_t nr = b->nr_points ? b->nr_slots : 0;
	int ret;

	for (size_t i = 0; i < nr; i++) {
		const struct baseline_slot *s = &b->slot[i];

		rows[i] = (struct store_baseline){
			.slot = (uint16_t)i,
			.median = s->median,
			.p10 = s->p10,
			.p90 = s->p90,
			.nr_samples = s->nr_samples,
			.nr_days = s->nr_days,
			.learning = b->learning,
			.computed_ms = computed_ms,
		};
	}
	/* No rollups: no bands, and none left over from an earlier computation. */
	ret = store_baseline_put(st, series_id, rows, nr, err);
	return ret;
}

static int64_t floor_minute(int64_t t_ms)
{
	int64_t m = t_ms / MINUTE_MS;

	return (t_ms % MINUTE_MS < 0 ? m - 1 : m) * MINUTE_MS;
}

/* The span the stored bands stand on, from the series' range within the window they read. */
static void stored_span(struct baseline *b, const struct store_series_info *info,
			int64_t computed_ms)
{
	int64_t last, first;

	if (!b->nr_points || info->first_ms == INT64_MIN)
		return;
	last = floor_minute(info->last_ms < computed_ms ? info->last_ms : computed_ms);
	first = floor_minute(info->first_ms);
	if (first < last + MINUTE_MS - WINDOW_MS)
		first = last + MINUTE_MS - WINDOW_MS;
	if (first > last)
		first = last;
	b->first_ms = first;
	b->last_ms = last;
	b->span_ms = last - first + BASELINE_ROLLUP_MS;
}

static int rows_to_baseline(struct baseline *b, const struct store_baseline *rows, size_t nr)
{
	memset(b, 0, sizeof(*b));
	if (nr != BASELINE_WEEK_SLOTS && nr != BASELINE_DAY_SLOTS)
		return -ENOENT;
	b->mode = nr == BASELINE_WEEK_SLOTS ? BASELINE_WEEKLY : BASELINE_DAILY;
	b->nr_slots = (unsigned)nr;
	b->learning = rows[0].learning;
	for (size_t i = 0; i < BASELINE_WEEK_SLOTS; i++)
		b->slot[i].median = b->slot[i].p10 = b->slot[i].p90 = NAN;
	for (size_t i = 0; i < nr; i++) {
		struct baseline_slot *s;

		if (rows[i].slot != i)
			return -ENOENT;
		s = &b->slot[i];
		s->median = rows[i].median;
		s->p10 = rows[i].p10;
		s->p90 = rows[i].p90;
		s->nr_samples = rows[i].nr_samples;
		s->nr_days = rows[i].nr_days;
		b->nr_points += rows[i].nr_samples;
	}
	return 0;
}

int baseline_store_get(struct store *st, const struct store_series_info *info, struct baseline *b,
		       int64_t *computed_ms, struct strbuf *err)
{
	struct store_baseline *rows = NULL;
	size_t nr = 0;
	int ret;

	ret = store_baseline_get(st, info->id, &rows, &nr, err);
	if (ret < 0)
		return ret;
	ret = rows_to_baseline(b, rows, nr);
	if (!ret) {
		*computed_ms = rows[0].computed_ms;
		stored_span(b, info, *computed_ms);
	}
	free(rows);
	return ret;
}

/* The last point of the series in [since, until) of a tier: its value as "current". */
static int last_point(struct store *st, const struct store_series_info *info, int tier,
		      int64_t since, double *value)
{
	struct store_query q = {
		.name = info->name,
		.since_ms = since,
		.until_ms = info->last_ms + 1,
		.step_ms = MINUTE_MS,
		.tier = tier,
	};
	struct store_result res = { 0 };
	int ret = store_query(st, &q, &res, NULL);

	if (ret < 0)
		return ret;
	ret = -ENOENT;
	for (size_t i = 0; i < res.nr_series; i++) {
		const struct store_result_series *s = &res.series[i];

		if (s->info.id != info->id)
			continue;
		/* A counter's last step may hold no interval yet: then the one before. */
		for (size_t k = s->nr_points; k-- > 0 && ret;) {
			double v =
				info->kind == STORE_COUNTER ? s->points[k].rate : s->points[k].last;

			if (isfinite(v)) {
				*value = v;
				ret = 0;
			}
		}
		break;
	}
	store_result_release(&res);
	return ret;
}

int baseline_store_current(struct store *st, const struct store_series_info *info, double *value,
			   int64_t *t_ms)
{
	int64_t since = floor_minute(info->last_ms) - MINUTE_MS;

	if (info->last_ms == INT64_MIN)
		return -ENOENT;
	*t_ms = info->last_ms;
	if (last_point(st, info, STORE_TIER_TICK, since, value) == 0)
		return 0;
	return last_point(st, info, STORE_TIER_MINUTE, since - 4 * MINUTE_MS, value);
}

bool baseline_store_worth(const char *name, const char *labels)
{
	char pid[32];

	if (!strncmp(name, "connmon_agent_", 14))
		return false;
	/* Processes come and go: a pid's history says nothing about the next one. */
	return !metric_labels_get(labels, "pid", pid, sizeof(pid));
}

/* A label's value, display-safe, appended; false when absent. */
static bool add_label(struct strbuf *out, const char *labels, const char *key)
{
	char raw[LABEL_MAX], safe[4 * LABEL_MAX];

	if (!metric_labels_get(labels, key, raw, sizeof(raw)))
		return false;
	text_escape(safe, sizeof(safe), raw, strlen(raw), SIZE_MAX, NULL);
	strbuf_addstr(out, safe);
	return true;
}

/* "tcp [port P |peer A ]STATE" */
static bool what_tcp(struct strbuf *out, const char *name, const char *labels)
{
	const char *key = !strcmp(name, "connmon_tcp_port_sockets") ? "port" :
			  !strcmp(name, "connmon_tcp_peer_sockets") ? "addr" :
								      NULL;

	if (!key && strcmp(name, "connmon_tcp_sockets"))
		return false;
	strbuf_addstr(out, "tcp ");
	if (key) {
		strbuf_addstr(out, !strcmp(key, "port") ? "port " : "peer ");
		if (!add_label(out, labels, key))
			return false;
		strbuf_addch(out, ' ');
	}
	return add_label(out, labels, "state");
}

/* "eth0 rx", "eth0 rx_packets/s": the interface counters. */
static bool what_iface(struct strbuf *out, const char *name, const char *labels,
		       enum baseline_unit *unit)
{
	static const char prefix[] = "connmon_iface_", suffix[] = "_total";
	size_t nlen = strlen(name), plen = sizeof(prefix) - 1, slen = sizeof(suffix) - 1;

	if (nlen <= plen + slen || strncmp(name, prefix, plen) ||
	    strcmp(name + nlen - slen, suffix))
		return false;
	if (!add_label(out, labels, "iface"))
		return false;
	strbuf_addch(out, ' ');
	if (!strcmp(name + plen, "rx_bytes_total") || !strcmp(name + plen, "tx_bytes_total")) {
		strbuf_add(out, name + plen, 2);
		*unit = BASELINE_UNIT_BYTES_PER_S;
		return true;
	}
	strbuf_add(out, name + plen, nlen - plen - slen);
	strbuf_addstr(out, "/s");
	return true;
}

/* name{labels}, display-safe, "/s" for a counter. */
static void what_raw(struct strbuf *out, const char *name, const char *labels, enum store_kind kind)
{
	char safe[4 * LABEL_MAX];

	text_escape(safe, sizeof(safe), name, strlen(name), SIZE_MAX, NULL);
	strbuf_addstr(out, safe);
	if (*labels) {
		strbuf_addch(out, '{');
		text_escape(safe, sizeof(safe), labels, strlen(labels), SIZE_MAX, NULL);
		strbuf_addstr(out, safe);
		strbuf_addch(out, '}');
	}
	if (kind == STORE_COUNTER)
		strbuf_addstr(out, "/s");
}

void baseline_store_what(struct strbuf *out, const char *name, const char *labels,
			 enum store_kind kind, enum baseline_unit *unit)
{
	struct strbuf w = STRBUF_INIT;

	*unit = BASELINE_UNIT_NONE;
	if (what_tcp(&w, name, labels))
		goto done;
	strbuf_reset(&w);
	if (what_iface(&w, name, labels, unit))
		goto done;
	strbuf_reset(&w);
	*unit = BASELINE_UNIT_NONE;
	if (!strcmp(name, "connmon_netstat_total") && add_label(&w, labels, "counter")) {
		strbuf_addstr(&w, "/s");
		goto done;
	}
	strbuf_reset(&w);
	what_raw(&w, name, labels, kind);
done:
	strbuf_add(out, w.buf, w.len);
	strbuf_release(&w);
}
