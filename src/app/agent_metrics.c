// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The agent's /metrics: after each tick the series the tick produced are
 * encoded once (export/prom.h) and published (export/http.h).  A scrape
 * serves that body from the listener's thread and never calls back into
 * the agent, so a scrape costs the agent nothing but this encoding, and a
 * slow client cannot delay a tick.  A port in use is logged and the agent
 * goes on recording without metrics.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "app/agent.h"
#include "app/log.h"
#include "base/xalloc.h"
#include "export/http.h"
#include "export/prom.h"

int agent_metrics_open(struct agent *a, const char *listen)
{
	struct http_server_config cfg = { .listen = listen };
	struct strbuf err = STRBUF_INIT;
	int ret;

	if (!listen || !*listen || !strcmp(listen, "off"))
		return 0;
	ret = http_server_open(&a->http, &cfg, &err);
	if (ret < 0)
		log_error("%s; metrics are off, recording goes on", err.buf);
	else
		log_info("serving /metrics on %s", listen);
	strbuf_release(&err);
	return ret;
}

void agent_metrics_close(struct agent *a)
{
	http_server_close(a->http);
	a->http = NULL;
	free(a->points);
	a->points = NULL;
	a->alloc_points = 0;
}

void agent_metrics_emit_health(struct agent *a)
{
	struct http_server_stats s;

	if (!a->http)
		return;
	http_server_get_stats(a->http, &s);
	agent_set(a, MF_AGENT_SCRAPES, (double)s.served);
	if (http_server_serves_unix(a->http))
		agent_set(a, MF_AGENT_SOCKET_REFUSED, (double)s.refused);
}

static struct prom_point point_of(const struct series_entry *e, double value)
{
	return (struct prom_point){
		.name = e->fam->name,
		.help = e->fam->help,
		.kind = e->fam->kind == METRIC_COUNTER ? PROM_COUNTER : PROM_GAUGE,
		.labels = e->labels,
		.value = value,
	};
}

/* Encodes the tick's series and publishes them. */
void agent_metrics_publish(struct agent *a)
{
	const struct series_table *st = &a->series;
	struct strbuf out = STRBUF_INIT;
	size_t n = 0, len;

	if (!a->http)
		return;
	ALLOC_GROW(a->points, st->nr_produced + a->nr_kept + 1, a->alloc_points);
	/* Between censuses, the last census's series (it always ran this tick or before). */
	for (size_t i = 0; !a->cen.ran && i < a->nr_kept; i++) {
		const struct kept_series *k = &a->kept[i];
		const struct series_entry *e = k->slot < st->nr ? &st->v[k->slot] : NULL;

		if (e && e->fam && e->hash == k->hash && !isnan(k->value))
			a->points[n++] = point_of(e, k->value);
	}
	for (uint32_t i = 0; i < st->nr_produced; i++) {
		const struct series_entry *e = &st->v[st->produced[i]];

		if (!isnan(e->value))
			a->points[n++] = point_of(e, e->value);
	}
	strbuf_init(&out, a->last_body_len + 4096);
	prom_encode(&out, a->points, n);
	a->last_body_len = out.len;
	char *body = strbuf_detach(&out, &len);

	http_server_publish(a->http, "/metrics", body, len, HTTP_CONTENT_TYPE_PROM);
}
