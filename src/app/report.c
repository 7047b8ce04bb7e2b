// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `connmon report`: charts of the recorded history (docs/REPORT.md), one
 * self-contained HTML page (ui/report_page.h) or one SVG chart
 * (ui/chart.h), from the same queries as `connmon history`
 * (app/history_grid.h), with the stored baseline band shaded.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyze/baseline.h"
#include "app/commands.h"
#include "app/history.h"
#include "app/history_grid.h"
#include "app/loop.h"
#include "app/report_marks.h"
#include "base/xalloc.h"
#include "cli/timespec.h"
#include "model/metric.h"
#include "ui/chart.h"
#include "ui/report_page.h"

#define DEFAULT_DB "/var/lib/connmon/connmon.db"
#define HOUR_MS	   3600000LL
#define TOP_N	   5

static const char report_usage[] =
	"usage: connmon report [--since T] [--until T] [--db PATH] -o FILE.html\n"
	"       connmon report [--since T] [--until T] [--db PATH] -o FILE.svg [CHART]\n"
	"\n"
	"Charts of the recorded history (sadf -g), with the baseline band shaded:\n"
	"one self-contained HTML page (no network, no scripts, no external fonts),\n"
	"or one chart as SVG.  CHART: states (default), listeners, peers, ifaces,\n"
	"proto, procs.  T as for 'connmon history' (default: the last 24 hours).\n"
	"See docs/REPORT.md.\n";

/* One chart being assembled: its series arrays, owned here. */
struct rchart {
	struct chart c;
	struct chart_series s[TOP_N + 8];
	char *labels[TOP_N + 8];
	double *v[TOP_N + 8];
	struct chart_band band;
	double *lo, *hi, *mid;
	char band_label[96];
	char subtitle[160];
	struct chart_mark *marks; /* owned */
};

struct report {
	struct hist h;
	struct report_marks alerts;
	int tz_offset_s;
	char tz_name[16];
	struct strbuf out;
};

static void rchart_init(struct rchart *r, const struct report *rp, const char *title,
			const char *unit, bool stacked)
{
	memset(r, 0, sizeof(*r));
	r->c.title = title;
	r->c.unit = unit;
	r->c.t0_ms = rp->h.since_ms;
	r->c.t1_ms = rp->h.until_ms;
	r->c.tz_offset_s = rp->tz_offset_s;
	r->c.tz_name = rp->tz_name;
	r->c.stacked = stacked;
	r->c.series = r->s;
}

static void rchart_release(struct rchart *r)
{
	for (size_t i = 0; i < r->c.nr_series; i++) {
		free(r->labels[i]);
		free(r->v[i]);
	}
	free(r->lo);
	free(r->hi);
	free(r->mid);
	free(r->marks);
}

/* The alerts of these rules (and about this interface, or none) as the chart's marks. */
static void rchart_marks(struct rchart *r, const struct report *rp, const char *const *rules,
			 const char *iface)
{
	r->c.nr_marks = report_marks_pick(&rp->alerts, rules, iface, rp->h.until_ms, &r->marks);
	r->c.marks = r->marks;
}

/* Which rules mark which chart (docs/REPORT.md, "Alerts"). */
static const char *const marks_states[] = {
	"connections", "per_ip_connections", "syn_flood", "port_scan", "ssh_brute_force",
	"close_wait",  "time_wait_ratio",    "capacity",  "",	       NULL
};
static const char *const marks_listeners[] = { "syn_flood", "listen_overflow", "unknown_listener",
					       NULL };
static const char *const marks_peers[] = { "per_ip_connections", "port_scan", "ssh_brute_force",
					   "big_flow", NULL };
static const char *const marks_ifaces[] = { "traffic_surge", "traffic_stopped", "link_utilisation",
					    "packet_loss",   "big_flow",	NULL };
static const char *const marks_proto[] = { "packet_loss", "listen_overflow", NULL };
static const char *const marks_procs[] = { "close_wait", "capacity", NULL };

/* Adds column c of group gi of g as a series (values scaled). */
static void rchart_add(struct rchart *r, const struct hist_grid *g, size_t c, size_t gi,
		       const char *label, double scale)
{
	size_t i = r->c.nr_series;

	if (i >= sizeof(r->s) / sizeof(r->s[0]))
		return;
	r->labels[i] = xstrdup(label);
	r->v[i] = xmalloc((g->nr_times + 1) * sizeof(double));
	for (size_t t = 0; t < g->nr_times; t++)
		r->v[i][t] = *hist_grid_cell_c(g, c, gi, t) * scale;
	r->s[i] = (struct chart_series){ r->labels[i], g->times, r->v[i], g->nr_times };
	r->c.nr_series++;
	r->c.step_ms = g->step_ms;
}

/*
 * The stored band of one series over the chart's times: each time's slot of
 * the week (or day), its p10..p90 and median; nothing when no band is stored.
 */
static void rchart_band(struct rchart *r, struct report *rp, const char *name, const char *labels,
			enum store_kind kind, const struct hist_grid *g, double scale)
{
	struct store_baseline *b = NULL;
	size_t nr = 0;
	int64_t id;
	bool any = false;

	if (!g->nr_times || store_series(rp->h.st, name, labels, kind, &id) < 0 ||
	    store_baseline_get(rp->h.st, id, &b, &nr, NULL) < 0 || !nr)
		goto out;
	enum baseline_mode mode = nr > BASELINE_DAY_SLOTS ? BASELINE_WEEKLY : BASELINE_DAILY;

	r->lo = xmalloc(g->nr_times * sizeof(double));
	r->hi = xmalloc(g->nr_times * sizeof(double));
	r->mid = xmalloc(g->nr_times * sizeof(double));
	for (size_t t = 0; t < g->nr_times; t++) {
		int slot = baseline_slot_of(NULL, mode, g->times[t]);

		r->lo[t] = r->hi[t] = r->mid[t] = NAN;
		for (size_t k = 0; slot >= 0 && k < nr; k++)
			if (b[k].slot == slot && !b[k].learning) {
				r->lo[t] = b[k].p10 * scale;
				r->hi[t] = b[k].p90 * scale;
				r->mid[t] = b[k].median * scale;
				any = true;
			}
	}
	if (!any)
		goto out;
	snprintf(r->band_label, sizeof(r->band_label), "usual band p10-p90, median dashed (%s)",
		 mode == BASELINE_WEEKLY ? "hour of the week" : "hour of the day");
	r->band = (struct chart_band){ g->times, r->lo, r->hi, r->mid, g->nr_times, r->band_label };
	r->c.band = &r->band;
out:
	free(b);
}

static double col_max(const struct hist_grid *g, size_t c, size_t gi)
{
	return hist_grid_max(g, c, gi);
}

/* The groups of column c ranked by their largest value; the best n indices into out. */
static size_t top_groups(const struct hist_grid *g, size_t c, size_t n, size_t *out)
{
	size_t k = 0;

	for (size_t gi = 0; gi < g->nr_groups; gi++) {
		double m = col_max(g, c, gi);

		if (isnan(m) || !strcmp(g->groups[gi], "other") || !g->groups[gi][0])
			continue;
		size_t pos = k < n ? k++ : n;

		while (pos > 0 && col_max(g, c, out[pos - 1]) < m) {
			if (pos < n)
				out[pos] = out[pos - 1];
			pos--;
		}
		if (pos < n)
			out[pos] = gi;
	}
	return k;
}

#define COL(n_, k1_, v1_, f_)                                                          \
	{                                                                              \
		.head = "x", .name = n_, .k1 = k1_, .v1 = v1_, .field = f_, .scale = 1 \
	}

typedef int (*section_fn)(struct report *rp, struct report_page *page, struct strbuf *svg);

/* Emits the chart: into the page (with an optional table) or as the one SVG. */
static void emit(struct report_page *page, struct strbuf *svg, struct rchart *r,
		 const struct report_table *t)
{
	if (svg)
		chart_svg(svg, &r->c, REPORT_CHART_WIDTH, REPORT_CHART_HEIGHT, true);
	else if (t)
		report_page_chart_table(page, &r->c, t);
	else
		report_page_chart(page, &r->c);
}

static int section_states(struct report *rp, struct report_page *page, struct strbuf *svg)
{
	static const char *const st[] = { "established", "syn_recv", "time_wait",
					  "close_wait",	 "syn_sent", "fin_wait1",
					  "fin_wait2",	 "last_ack", "closing" };
	struct hist_col cols[9];
	struct hist_grid g = { .cols = cols, .nr_cols = 9 };
	struct rchart r;

	for (size_t i = 0; i < 9; i++)
		cols[i] = (struct hist_col)COL("connmon_tcp_sockets", "state", st[i], HF_MEAN);
	if (hist_grid_build(&rp->h, &g) < 0)
		return -EIO;
	rchart_init(&r, rp, "TCP connections by state", "connections", true);
	for (size_t i = 0; i < 9 && g.nr_groups; i++)
		if (hist_grid_max(&g, i, 0) > 0 || i < 4)
			rchart_add(&r, &g, i, 0, st[i], 1);
	rchart_band(&r, rp, "connmon_tcp_sockets", "state=\"established\"", STORE_GAUGE, &g, 1);
	rchart_marks(&r, rp, marks_states, NULL);
	if (page)
		report_page_section(page, "Connections",
				    "TCP sockets by state, stacked; the band is the usual range "
				    "of ESTABLISHED for the hour.");
	emit(page, svg, &r, NULL);
	rchart_release(&r);
	hist_grid_release(&g);
	return 0;
}

/* A top-N chart: one series per group of the ranking column, and a table of the maxima. */
static int section_top(struct report *rp, struct report_page *page, struct strbuf *svg,
		       const char *metric, const char *key, const char *title, const char *unit,
		       const char *heading, const char *note, double scale,
		       const char *const *marks)
{
	static const char *head[] = { NULL, "largest", "mean" };
	const char *const keys[] = { key };
	struct hist_col col = COL(metric, NULL, NULL, HF_MEAN);
	struct hist_grid g = { .cols = &col, .nr_cols = 1, .group_keys = keys, .nr_group_keys = 1 };
	size_t top[TOP_N], n;
	struct rchart r;
	char cells[TOP_N][3][48];
	const char *cellp[TOP_N * 3];

	if (!strcmp(unit, "B/s"))
		col.field = HF_RATE;
	if (hist_grid_build(&rp->h, &g) < 0)
		return -EIO;
	n = top_groups(&g, 0, TOP_N, top);
	rchart_init(&r, rp, title, unit, false);
	for (size_t i = 0; i < n; i++) {
		rchart_add(&r, &g, 0, top[i], g.groups[top[i]], scale);
		snprintf(cells[i][0], sizeof(cells[i][0]), "%s", g.groups[top[i]]);
		snprintf(cells[i][1], sizeof(cells[i][1]), "%.0f",
			 hist_grid_max(&g, 0, top[i]) * scale);
		snprintf(cells[i][2], sizeof(cells[i][2]), "%.1f",
			 hist_grid_mean(&g, 0, top[i]) * scale);
		for (int k = 0; k < 3; k++)
			cellp[i * 3 + k] = cells[i][k];
	}
	head[0] = key;
	rchart_marks(&r, rp, marks, NULL);
	struct report_table t = { NULL, head, 3, cellp, n, 0x6 };

	if (page)
		report_page_section(page, heading, note);
	emit(page, svg, &r, n ? &t : NULL);
	rchart_release(&r);
	hist_grid_release(&g);
	return 0;
}

static int section_listeners(struct report *rp, struct report_page *page, struct strbuf *svg)
{
	return section_top(rp, page, svg, "connmon_tcp_port_sockets", "port",
			   "TCP sockets per listening port", "connections", "Listeners",
			   "The busiest listening ports (every state but LISTEN).", 1,
			   marks_listeners);
}

static int section_peers(struct report *rp, struct report_page *page, struct strbuf *svg)
{
	return section_top(rp, page, svg, "connmon_tcp_peer_sockets", "addr",
			   "TCP sockets per remote address", "connections", "Peers",
			   "The remote addresses holding the most TCP sockets.", 1, marks_peers);
}

static int section_procs(struct report *rp, struct report_page *page, struct strbuf *svg)
{
	return section_top(rp, page, svg, "connmon_process_rx_bytes_total", "comm",
			   "Bytes received per process", "B/s", "Processes",
			   "TCP payload bytes received per process (tcp_info).", 1, marks_procs);
}

static int section_ifaces(struct report *rp, struct report_page *page, struct strbuf *svg)
{
	static const char *const keys[] = { "iface" };
	struct hist_col cols[2] = { COL("connmon_iface_rx_bytes_total", NULL, NULL, HF_RATE),
				    COL("connmon_iface_tx_bytes_total", NULL, NULL, HF_RATE) };
	struct hist_grid g = { .cols = cols, .nr_cols = 2, .group_keys = keys, .nr_group_keys = 1 };
	char title[96], labels[96];
	size_t shown = 0;

	if (hist_grid_build(&rp->h, &g) < 0)
		return -EIO;
	if (page)
		report_page_section(page, "Interfaces",
				    "Bytes received and sent per second; the band is the usual "
				    "receive rate for the hour.");
	for (size_t gi = 0; gi < g.nr_groups && shown < 4; gi++) {
		struct rchart r;

		if (!strcmp(g.groups[gi], "lo") ||
		    !(hist_grid_max(&g, 0, gi) > 0 || hist_grid_max(&g, 1, gi) > 0))
			continue;
		snprintf(title, sizeof(title), "%s: traffic", g.groups[gi]);
		rchart_init(&r, rp, title, "B/s", false);
		rchart_add(&r, &g, 0, gi, "received", 1);
		rchart_add(&r, &g, 1, gi, "sent", 1);
		strbuf_reset(&rp->h.line);
		metric_labels_add(&rp->h.line, "iface", g.groups[gi]);
		snprintf(labels, sizeof(labels), "%s", rp->h.line.buf);
		rchart_band(&r, rp, "connmon_iface_rx_bytes_total", labels, STORE_COUNTER, &g, 1);
		rchart_marks(&r, rp, marks_ifaces, g.groups[gi]);
		emit(page, svg, &r, NULL);
		rchart_release(&r);
		shown++;
		if (svg)
			break;
	}
	hist_grid_release(&g);
	return 0;
}

static int section_proto(struct report *rp, struct report_page *page, struct strbuf *svg)
{
	struct hist_col cols[] = {
		COL("connmon_proto_ratio", "kpi", "retrans_ratio", HF_MEAN),
		COL("connmon_proto_ratio", "kpi", "loss_ratio", HF_MEAN),
		COL("connmon_proto_ratio", "kpi", "error_ratio", HF_MEAN),
		COL("connmon_proto_ratio", "kpi", "drop_ratio", HF_MEAN),
	};
	static const char *const names[] = { "retransmits", "loss", "errors", "drops" };
	struct hist_grid g = { .cols = cols, .nr_cols = 4 };
	struct rchart r;

	if (hist_grid_build(&rp->h, &g) < 0)
		return -EIO;
	rchart_init(&r, rp, "Protocol health", "%", false);
	for (size_t i = 0; i < 4 && g.nr_groups; i++)
		rchart_add(&r, &g, i, 0, names[i], 100);
	rchart_marks(&r, rp, marks_proto, NULL);
	if (page)
		report_page_section(page, "Protocol health",
				    "Retransmitted and lost segments, input errors and drops, in % "
				    "of the packets (connmon proto's ratios).");
	emit(page, svg, &r, NULL);
	rchart_release(&r);
	hist_grid_release(&g);
	return 0;
}

static const struct {
	const char *name;
	section_fn fn;
} sections[] = {
	{ "states", section_states }, { "listeners", section_listeners },
	{ "peers", section_peers },   { "ifaces", section_ifaces },
	{ "proto", section_proto },   { "procs", section_procs },
};

#define NR_SECTIONS (sizeof(sections) / sizeof(sections[0]))

static int write_file(const char *path, const struct strbuf *sb)
{
	char tmp[4096];
	int fd, ret = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	for (size_t off = 0; off < sb->len;) {
		ssize_t n = write(fd, sb->buf + off, sb->len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			break;
		}
		off += (size_t)n;
	}
	if (close(fd) < 0 && !ret)
		ret = -errno;
	if (!ret && rename(tmp, path) < 0)
		ret = -errno;
	if (ret)
		unlink(tmp);
	return ret;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

static int parse(struct report *rp, int argc, char **argv, bool *svg)
{
	static const struct cli_cmd cmd = { "report", CLI_DB | CLI_RANGE | CLI_OUTPUT | CLI_ARGS };
	struct strbuf err = STRBUF_INIT;
	int64_t now = loop_wall_ns() / 1000000;
	int ret = 0;

	rp->h.until_ms = now;
	rp->h.since_ms = now - 24 * HOUR_MS;
	if (cli_parse(&cmd, &rp->h.o, argc, argv, &err) < 0)
		ret = cli_usage_error("report", err.buf);
	else if (rp->h.o.help)
		return fputs(report_usage, stdout) < 0 ? 1 : -1;
	else if (!rp->h.o.output)
		ret = cli_usage_error("report",
				      "where to? -o FILE.html (or FILE.svg for one chart)");
	else if (!(*svg = ends_with(rp->h.o.output, ".svg")) && !ends_with(rp->h.o.output, ".html"))
		ret = cli_usage_error("report",
				      "-o takes FILE.html (the report) or FILE.svg (one chart)");
	else if (rp->h.o.nr_args > (*svg ? 1u : 0u))
		ret = cli_usage_error("report",
				      *svg ? "one CHART per SVG" : "CHART goes with -o FILE.svg");
	else if ((rp->h.o.since &&
		  timespec_parse("--since", rp->h.o.since, now, &rp->h.since_ms, &err) < 0) ||
		 (rp->h.o.until &&
		  timespec_parse("--until", rp->h.o.until, now, &rp->h.until_ms, &err) < 0))
		ret = cli_usage_error("report", err.buf);
	else if (rp->h.since_ms >= rp->h.until_ms)
		ret = cli_usage_error("report", "--since must be before --until");
	strbuf_release(&err);
	return ret;
}

static int find_section(const char *name)
{
	for (size_t i = 0; i < NR_SECTIONS; i++)
		if (!strcmp(sections[i].name, name))
			return (int)i;
	return -1;
}

static int render(struct report *rp, bool svg)
{
	struct report_page page;
	struct report_page_info info = {
		.title = "connmon network report",
		.since_ms = rp->h.since_ms,
		.until_ms = rp->h.until_ms,
		.generated_ms = loop_wall_ns() / 1000000,
		.tz_offset_s = rp->tz_offset_s,
		.tz_name = rp->tz_name,
		.generator = "connmon 0.1.0",
	};
	char host[256] = "";
	int ret = 0;

	if (svg) {
		int i = find_section(rp->h.o.nr_args ? rp->h.o.args[0] : "states");

		if (i < 0) {
			fprintf(stderr,
				"connmon report: no chart '%s' (states, listeners, peers, "
				"ifaces, proto, procs)\n",
				rp->h.o.args[0]);
			return 2;
		}
		return sections[i].fn(rp, NULL, &rp->out) < 0 ? 1 : 0;
	}
	gethostname(host, sizeof(host) - 1);
	info.host = host;
	report_page_begin(&page, &rp->out, &info);
	for (size_t i = 0; i < NR_SECTIONS && !ret; i++)
		ret = sections[i].fn(rp, &page, NULL);
	report_page_end(&page);
	return ret < 0 ? 1 : 0;
}

int cmd_report(const struct app_ctx *ctx, int argc, char **argv)
{
	struct report rp;
	struct strbuf err = STRBUF_INIT;
	bool svg = false;
	int64_t span;
	int rc, ret;

	(void)ctx;
	memset(&rp, 0, sizeof(rp));
	cli_opts_init(&rp.h.o);
	strbuf_init(&rp.h.line, 256);
	strbuf_init(&rp.out, 1 << 16);
	rc = parse(&rp, argc, argv, &svg);
	if (rc) {
		rc = rc < 0 ? 0 : rc;
		goto out;
	}
	rp.h.db = rp.h.o.db ? rp.h.o.db : DEFAULT_DB;
	rp.h.view = "report";
	rp.h.data_lo_ms = INT64_MIN; /* the tiers are chosen from the range asked for */
	rp.h.data_hi_ms = INT64_MAX;
	span = rp.h.until_ms - rp.h.since_ms;
	/* About a point per pixel column or fewer: the chart decimates the rest. */
	rp.h.step_ms = span <= 2 * HOUR_MS ? 0 : span <= 48 * HOUR_MS ? 60000 : HOUR_MS;
	report_local_zone(rp.h.until_ms, &rp.tz_offset_s, rp.tz_name, sizeof(rp.tz_name));
	ret = store_open(&rp.h.st, rp.h.db, STORE_READ, NULL, &err);
	if (ret < 0) {
		fprintf(stderr, "connmon report: %s\n", err.buf);
		rc = 1;
		goto out;
	}
	report_marks_load(&rp.alerts, rp.h.st, rp.h.since_ms, rp.h.until_ms);
	rc = render(&rp, svg);
	report_marks_release(&rp.alerts);
	store_close(rp.h.st, NULL);
	if (!rc && (ret = write_file(rp.h.o.output, &rp.out)) < 0) {
		fprintf(stderr, "connmon report: cannot write '%s': %s\n", rp.h.o.output,
			strerror(-ret));
		rc = 1;
	}
out:
	strbuf_release(&rp.out);
	strbuf_release(&rp.h.line);
	strbuf_release(&err);
	cli_opts_release(&rp.h.o);
	return rc;
}
