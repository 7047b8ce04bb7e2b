// SPDX-License-Identifier: GPL-2.0-or-later
#include "app/overview_baseline.h"

#include <errno.h>
#include <math.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/baseline_store.h"
#include "app/loop.h"
#include "base/xalloc.h"
#include "cli/cmdline.h"
#include "model/metric.h"
#include "ui/text_wrap.h"

#define LABEL_W	  11 /* "Baseline   " */
#define NR_LINES  3  /* ESTABLISHED, rx, tx */
#define MS_PER_NS 1000000

int overview_baseline_args(struct overview_baseline *ob, int argc, char **argv)
{
	int n = 1;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			while (i < argc)
				argv[n++] = argv[i++];
			break;
		}
		if (!strncmp(argv[i], "--db=", 5)) {
			ob->db = argv[i] + 5;
		} else if (!strcmp(argv[i], "--db")) {
			if (i + 1 >= argc) {
				cli_usage_error(argv[0],
						"option '--db' needs a value (a database path)");
				return -1;
			}
			ob->db = argv[++i];
		} else {
			argv[n++] = argv[i];
		}
	}
	argv[n] = NULL;
	return n;
}

void overview_baseline_init(struct overview_baseline *ob)
{
	memset(ob, 0, sizeof(*ob));
	strbuf_init(&ob->why, 0);
}

void overview_baseline_release(struct overview_baseline *ob)
{
	store_series_info_free(ob->v, ob->nr);
	store_close(ob->st, NULL);
	strbuf_release(&ob->why);
	memset(ob, 0, sizeof(*ob));
}

/* Opens the database once; a missing default one is no error. */
static void ensure_open(struct overview_baseline *ob, const struct summary_data *d)
{
	int ret;

	if (ob->opened)
		return;
	ob->opened = true;
	if (!ob->db && (d->opts.netns || (d->ctx && d->ctx->netns)))
		return;
	ret = store_open(&ob->st, ob->db ? ob->db : OVERVIEW_DEFAULT_DB, STORE_READ, NULL,
			 &ob->why);
	if (!ret)
		ret = store_list(ob->st, &ob->v, &ob->nr, &ob->why);
	if (ret < 0) {
		store_close(ob->st, NULL);
		ob->st = NULL;
		if (ob->db)
			ob->err = ret;
	}
}

static const struct store_series_info *find(const struct overview_baseline *ob, const char *name,
					    const char *labels)
{
	for (size_t i = 0; i < ob->nr; i++)
		if (!strcmp(ob->v[i].name, name) && !strcmp(ob->v[i].labels, labels))
			return &ob->v[i];
	return NULL;
}

struct ob_line {
	const struct store_series_info *info;
	double cur;
	int slot;
	struct baseline *b;
	struct strbuf what, sentence;
};

/* One line of a series with stored bands; false (nothing kept) without them. */
static bool make_line(struct overview_baseline *ob, const struct store_series_info *info,
		      double cur, int64_t now_ms, struct ob_line *l)
{
	enum baseline_unit unit;
	int64_t computed_ms;

	if (!info)
		return false;
	memset(l, 0, sizeof(*l));
	l->b = xmalloc(sizeof(*l->b));
	if (baseline_store_get(ob->st, info, l->b, &computed_ms, NULL) < 0) {
		free(l->b);
		return false;
	}
	l->info = info;
	l->cur = cur;
	l->slot = baseline_slot_of(NULL, l->b->mode, now_ms);
	strbuf_init(&l->what, 32);
	strbuf_init(&l->sentence, 128);
	baseline_store_what(&l->what, info->name, info->labels, info->kind, &unit);
	baseline_describe(&l->sentence, l->what.buf, cur, unit, l->b,
			  l->slot < 0 ? BASELINE_WEEK_SLOTS : (unsigned)l->slot);
	return true;
}

/* The ESTABLISHED count means the store's series only when every TCP socket was counted. */
static bool counts_all_tcp(const struct summary_data *d)
{
	const struct sock_opts *o = &d->opts;

	return (!o->filter_text || !*o->filter_text) && o->want_v4 && o->want_v6 &&
	       (o->protos & PROTO_BIT(PROTO_TCP));
}

/* The busiest interface shown by the overview that has a recorded rx or tx series. */
static const struct iface_rate *busiest(const struct overview_baseline *ob,
					const struct overview_traffic *t, struct strbuf *labels)
{
	const struct iface_rate *best = NULL;
	double best_bps = -1;

	for (size_t i = 0; !t->if_err && i < t->rates.nr; i++) {
		const struct iface_rate *r = &t->rates.v[i];
		double bps = r->per_s[IFC_RX_BYTES] + r->per_s[IFC_TX_BYTES];

		if (r->state != IFACE_RATE_OK || !(r->s.flags & IFF_UP) ||
		    (r->s.flags & IFF_LOOPBACK) || bps <= best_bps)
			continue;
		strbuf_reset(labels);
		metric_labels_add(labels, "iface", r->s.name);
		if (find(ob, "connmon_iface_rx_bytes_total", labels->buf) ||
		    find(ob, "connmon_iface_tx_bytes_total", labels->buf)) {
			best = r;
			best_bps = bps;
		}
	}
	strbuf_reset(labels);
	if (best)
		metric_labels_add(labels, "iface", best->s.name);
	return best;
}

static size_t collect(struct overview_baseline *ob, const struct summary_data *d,
		      const struct overview_traffic *t, struct ob_line *l)
{
	int64_t now_ms = loop_wall_ns() / MS_PER_NS;
	struct strbuf labels = STRBUF_INIT;
	const struct iface_rate *r;
	size_t n = 0;

	ensure_open(ob, d);
	if (!ob->st)
		return 0;
	if (counts_all_tcp(d) &&
	    make_line(ob, find(ob, "connmon_tcp_sockets", "state=\"established\""),
		      (double)d->sum.tcp_states[SOCK_ST_ESTABLISHED], now_ms, &l[n]))
		n++;
	r = busiest(ob, t, &labels);
	if (r && make_line(ob, find(ob, "connmon_iface_rx_bytes_total", labels.buf),
			   r->per_s[IFC_RX_BYTES], now_ms, &l[n]))
		n++;
	if (r && make_line(ob, find(ob, "connmon_iface_tx_bytes_total", labels.buf),
			   r->per_s[IFC_TX_BYTES], now_ms, &l[n]))
		n++;
	strbuf_release(&labels);
	return n;
}

static void lines_release(struct ob_line *l, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(l[i].b);
		strbuf_release(&l[i].what);
		strbuf_release(&l[i].sentence);
	}
}

/* "146", "KiB/s;": a unit, which stays on the line of its number. */
static bool is_unit(const char *w, size_t len)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };

	while (len && (w[len - 1] == ';' || w[len - 1] == ')' || w[len - 1] == ','))
		len--;
	if (len > 2 && !memcmp(w + len - 2, "/s", 2))
		len -= 2;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strlen(units[i]) == len && !memcmp(units[i], w, len))
			return true;
	return false;
}

/* The sentence as wrapped items: words, a number and its unit as one. */
static void add_sentence(struct text_wrap *w, const char *s, size_t len)
{
	const char *end = s + len;

	while (s < end) {
		const char *e = memchr(s, ' ', (size_t)(end - s));
		const char *next;

		e = e ? e : end;
		next = e < end ? e + 1 : end;
		if (next < end) {
			const char *e2 = memchr(next, ' ', (size_t)(end - next));

			e2 = e2 ? e2 : end;
			if (is_unit(next, (size_t)(e2 - next))) {
				e = e2;
				next = e2 < end ? e2 + 1 : end;
			}
		}
		text_wrap_addf(w, " ", "%.*s", (int)(e - s), s);
		s = next;
	}
}

void overview_baseline_text(struct outbuf *out, unsigned width, struct overview_baseline *ob,
			    const struct summary_data *d, const struct overview_traffic *t)
{
	struct ob_line l[NR_LINES];
	struct text_wrap w;
	size_t n = collect(ob, d, t, l);

	if (ob->err) {
		/* the path came from the command line: text_wrap shows it display-safe */
		struct strbuf why = STRBUF_INIT;

		strbuf_addf(&why, "n/a (%s)", ob->why.buf);
		text_wrap_begin(&w, out, width, "Baseline   ", LABEL_W);
		text_wrap_words(&w, why.buf, why.len);
		text_wrap_end(&w);
		strbuf_release(&why);
	}
	for (size_t i = 0; i < n; i++) {
		text_wrap_begin(&w, out, width, i ? "           " : "Baseline   ", LABEL_W);
		add_sentence(&w, l[i].sentence.buf, l[i].sentence.len);
		text_wrap_end(&w);
	}
	lines_release(l, n);
}

static void json_line(struct outbuf *out, const struct ob_line *l)
{
	struct strbuf slot = STRBUF_INIT;

	outbuf_addstr(out, "{\"name\":\"");
	outbuf_add_json_str(out, l->info->name, strlen(l->info->name));
	outbuf_addstr(out, "\",\"labels\":\"");
	outbuf_add_json_str(out, l->info->labels, strlen(l->info->labels));
	outbuf_addstr(out, "\",\"what\":\"");
	outbuf_add_json_str(out, l->what.buf, l->what.len);
	outbuf_addf(out, "\",\"current\":%.17g,\"slot\":", l->cur);
	baseline_slot_json(&slot, l->b, l->slot < 0 ? BASELINE_WEEK_SLOTS : (unsigned)l->slot);
	outbuf_add(out, slot.buf, slot.len);
	outbuf_addstr(out, ",\"sentence\":\"");
	outbuf_add_json_str(out, l->sentence.buf, l->sentence.len);
	outbuf_addstr(out, "\"}");
	strbuf_release(&slot);
}

void overview_baseline_json(struct outbuf *out, struct overview_baseline *ob,
			    const struct summary_data *d, const struct overview_traffic *t)
{
	struct ob_line l[NR_LINES];
	size_t n = collect(ob, d, t, l);

	outbuf_addstr(out, "\"baseline\":");
	if (!ob->st) {
		outbuf_addstr(out, "null");
		return;
	}
	outbuf_addch(out, '[');
	for (size_t i = 0; i < n; i++) {
		if (i)
			outbuf_addch(out, ',');
		json_line(out, &l[i]);
	}
	outbuf_addch(out, ']');
	lines_release(l, n);
}

/* ---- the agent's firing alerts, in Warnings ---- */

struct alert_lines {
	struct strbuf *lines;
	struct outbuf *out;
	size_t nr;
	int64_t fresh_ms; /* older events count only when the store is fresh */
};

static int alert_line(void *ctx, const struct store_alert_row *r)
{
	struct alert_lines *a = ctx;

	if (r->time_ms < a->fresh_ms)
		return 0;
	if (a->out) {
		outbuf_addstr(a->out, a->nr ? "," : "");
		outbuf_addstr(a->out, r->json);
	} else {
		strbuf_addf(a->lines, "%s %s (%s): %s\n", alert_severity_name(r->severity), r->rule,
			    r->subject, r->summary);
	}
	a->nr++;
	return 0;
}

/*
 * The firing alerts, when an agent recorded into the database in the last
 * ALERTS_FRESH_MS (a sample, or the alert's own event: an agent that just
 * started may not have written its first samples yet).
 */
static size_t list_alerts(struct overview_baseline *ob, const struct summary_data *d,
			  struct alert_lines *a)
{
	struct store_alert_query q = { INT64_MIN, INT64_MAX, NULL, true, OVERVIEW_ALERTS };
	int64_t newest = INT64_MIN, now = (int64_t)time(NULL) * 1000;

	ensure_open(ob, d);
	if (!ob->st)
		return 0;
	if (store_newest(ob->st, &newest) < 0 || newest < now - ALERTS_FRESH_MS)
		a->fresh_ms = now - ALERTS_FRESH_MS;
	if (store_alert_list(ob->st, &q, alert_line, a, NULL) < 0)
		return 0;
	return a->nr;
}

size_t overview_alerts_lines(struct overview_baseline *ob, const struct summary_data *d,
			     struct strbuf *lines)
{
	struct alert_lines a = { lines, NULL, 0, INT64_MIN };

	return list_alerts(ob, d, &a);
}

void overview_alerts_json(struct outbuf *out, struct overview_baseline *ob,
			  const struct summary_data *d)
{
	struct alert_lines a = { NULL, out, 0, INT64_MIN };

	outbuf_addstr(out, "\"alerts\":[");
	list_alerts(ob, d, &a);
	outbuf_addch(out, ']');
}
