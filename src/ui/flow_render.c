// SPDX-License-Identifier: GPL-2.0-or-later
#include "ui/flow_render.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "base/units.h"
#include "ui/term.h"
#include "ui/text_wrap.h"

enum {
	LINE_CAP = 512,
	COL_IDX = 5,	 /* "#", a flow's number, or the protocol ("icmp6") with -P */
	COL_NUM = 10,	 /* "1023 KiB/s" */
	HOST_MIN = 16,	 /* the totals' labels fit under it (an IPv4 address is 15) */
	TRIPLE_PAD = 34, /* "Cumulative (sent/received/total): " */
	HOST_FULL = 27,	 /* the full layout's least host column: its header fits */
	/* lines the screen needs besides the flows: title, header, rules, totals */
	SCREEN_FIXED_LINES = 13,
};

static const char *const window_names[FLOW_RENDER_WINDOWS] = { "2s", "10s", "40s" };
static const char host_head[] = "Host (=> sent, <= received)";
static const char host_head_ports[] = "Host:port (=> sent, <= received)";

/* One output line, built then written (cut to a width on the live screen). */
struct line {
	char buf[LINE_CAP];
	size_t len;
};

/*
 * The table's columns for one report: the host column as wide as the widest
 * host shown (cut only on the screen), the three windows always, then the
 * cumulative bytes and the peak while they fit the width.
 */
struct layout {
	size_t host_w;
	bool cumulative, peak;
	size_t line_w;	/* the rules' length */
	bool cut_hosts; /* the screen: a host longer than host_w is cut */
};

__attribute__((format(printf, 2, 3))) static void line_addf(struct line *l, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (l->len >= LINE_CAP - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(l->buf + l->len, LINE_CAP - l->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		l->len += (size_t)n < LINE_CAP - l->len ? (size_t)n : LINE_CAP - 1 - l->len;
}

/*
 * Writes the line and a newline; cols > 0 cuts it at that many display columns.
 * Interface names, file names and filters in it are escaped here, and a cut
 * never splits a character or an escape.  Clears to the line's end on screens.
 */
static void line_emit(struct outbuf *ob, struct line *l, unsigned cols)
{
	outbuf_add_safe_max(ob, l->buf, l->len, cols > 0 ? cols : SIZE_MAX);
	if (cols > 0)
		outbuf_addstr(ob, "\033[K");
	outbuf_addch(ob, '\n');
	l->len = 0;
}

static void rule(struct outbuf *ob, const struct layout *lay, char c, unsigned cols)
{
	struct line l = { .len = 0 };
	size_t n = lay->line_w < LINE_CAP ? lay->line_w : LINE_CAP - 1;

	memset(l.buf, c, n);
	l.len = n;
	line_emit(ob, &l, cols);
}

static const char *proto_name(uint8_t p)
{
	switch (p) {
	case 6:
		return "tcp";
	case 17:
		return "udp";
	case 1:
		return "icmp";
	case 58:
		return "icmp6";
	case 132:
		return "sctp";
	case 33:
		return "dccp";
	case 136:
		return "udplite";
	default:
		return NULL;
	}
}

static void fmt_addr(char *buf, size_t len, uint8_t family, const uint8_t *a)
{
	if (inet_ntop(family == AF_INET6 ? AF_INET6 : AF_INET, a, buf, (socklen_t)len) == NULL)
		snprintf(buf, len, "?");
}

static void fmt_endpoint(char *buf, size_t len, const struct flow_row *r, bool side_a)
{
	char a[INET6_ADDRSTRLEN];

	fmt_addr(a, sizeof(a), r->family, side_a ? r->a_addr : r->b_addr);
	if (!r->has_ports)
		snprintf(buf, len, "%s", a);
	else if (r->family == AF_INET6)
		snprintf(buf, len, "[%s]:%u", a, side_a ? r->a_port : r->b_port);
	else
		snprintf(buf, len, "%s:%u", a, side_a ? r->a_port : r->b_port);
}

static void fmt_utc(char *buf, size_t len, uint64_t ns)
{
	units_utc(buf, len, (int64_t)(ns / 1000000000u));
}

static size_t endpoint_len(const struct flow_row *f, bool side_a)
{
	char ep[INET6_ADDRSTRLEN + 8];

	fmt_endpoint(ep, sizeof(ep), f, side_a);
	return strlen(ep);
}

/* width: TERM_WIDTH_FULL or the columns a line may use; screen: hosts are cut to fit it. */
static struct layout lay_out(const struct flow_report *r, size_t nr_rows, unsigned width,
			     bool screen)
{
	struct layout lay = { .host_w = HOST_MIN, .cut_hosts = screen };
	size_t fixed = COL_IDX + 1 + 3 + FLOW_RENDER_WINDOWS * (1 + COL_NUM);

	for (size_t i = 0; i < nr_rows; i++) {
		size_t a = endpoint_len(&r->rows[i], true), b = endpoint_len(&r->rows[i], false);

		if (a > lay.host_w)
			lay.host_w = a;
		if (b > lay.host_w)
			lay.host_w = b;
	}
	if (width == TERM_WIDTH_FULL) {
		if (lay.host_w < HOST_FULL)
			lay.host_w = HOST_FULL;
		lay.cumulative = lay.peak = true;
	} else {
		if (screen && fixed + lay.host_w > width)
			lay.host_w = width > fixed + HOST_MIN ? width - fixed : HOST_MIN;
		lay.cumulative = fixed + lay.host_w + (1 + COL_NUM) <= width;
		lay.peak = fixed + lay.host_w + 2 * (1 + COL_NUM) <= width;
	}
	lay.line_w = fixed + lay.host_w + (lay.cumulative + lay.peak) * (1 + COL_NUM);
	return lay;
}

static void add_rates(struct line *l, const struct layout *lay, const double *Bps, uint64_t peak,
		      uint64_t bytes)
{
	char b[UNITS_BUF_LEN];

	for (int w = 0; w < FLOW_RENDER_WINDOWS; w++)
		line_addf(l, " %*s", COL_NUM, units_fmt(b, sizeof(b), Bps[w], UNITS_BYTES_PER_S));
	if (lay->peak)
		line_addf(l, " %*s", COL_NUM,
			  units_fmt(b, sizeof(b), (double)peak, UNITS_BYTES_PER_S));
	if (lay->cumulative)
		line_addf(l, " %*s", COL_NUM, units_fmt(b, sizeof(b), (double)bytes, UNITS_BYTES));
}

static void render_header(struct outbuf *ob, const struct flow_report *r, const struct layout *lay,
			  unsigned cols)
{
	struct line l = { .len = 0 };
	const char *host = r->ports ? host_head_ports : host_head;

	if (strlen(host) > lay->host_w)
		host = r->ports ? "Host:port" : "Host";
	line_addf(&l, "%*s %-*s   ", COL_IDX, "#", (int)lay->host_w, host);
	for (int w = 0; w < FLOW_RENDER_WINDOWS; w++)
		line_addf(&l, " %*s%s", COL_NUM - (int)strlen(window_names[w]), "last ",
			  window_names[w]);
	if (lay->peak)
		line_addf(&l, " %*s", COL_NUM, "peak");
	if (lay->cumulative)
		line_addf(&l, " %*s", COL_NUM, "cumulative");
	line_emit(ob, &l, cols);
	rule(ob, lay, '-', cols);
}

/* A host left-aligned in its column, cut to it on the screen (addresses are ASCII). */
static void add_host(struct line *l, const struct layout *lay, const char *ep)
{
	int n = (int)strlen(ep);

	if (lay->cut_hosts && (size_t)n > lay->host_w)
		n = (int)lay->host_w;
	line_addf(l, "%-*.*s", (int)lay->host_w, n, ep);
}

static void render_row(struct outbuf *ob, const struct layout *lay, size_t idx,
		       const struct flow_row *f, unsigned cols)
{
	struct line l = { .len = 0 };
	char ep[INET6_ADDRSTRLEN + 8];
	const char *proto = f->has_ports ? proto_name(f->l4proto) : NULL;

	fmt_endpoint(ep, sizeof(ep), f, true);
	line_addf(&l, "%*zu ", COL_IDX, idx);
	add_host(&l, lay, ep);
	line_addf(&l, " =>");
	add_rates(&l, lay, f->n.sent_Bps, f->n.peak_sent_Bps, f->n.sent_bytes);
	line_emit(ob, &l, cols);
	fmt_endpoint(ep, sizeof(ep), f, false);
	if (proto != NULL)
		line_addf(&l, "%*s ", COL_IDX, proto);
	else if (f->has_ports)
		line_addf(&l, "%*u ", COL_IDX, f->l4proto);
	else
		line_addf(&l, "%*s ", COL_IDX, "");
	add_host(&l, lay, ep);
	line_addf(&l, " <=");
	add_rates(&l, lay, f->n.recv_Bps, f->n.peak_recv_Bps, f->n.recv_bytes);
	line_emit(ob, &l, cols);
}

/* Two lines: what was captured, then what was lost (wrapped in text, cut on the screen). */
static void render_capture_lines(struct outbuf *ob, const struct flow_report *r, unsigned width,
				 unsigned cols)
{
	struct line l = { .len = 0 }, parts[3] = { { .len = 0 } };
	uint64_t seen = r->packets + r->kernel_dropped;
	size_t n = 1;
	struct text_wrap w;

	/* the source: a path may be long, so text wraps before the packet count */
	if (cols) {
		line_addf(&l, "Capture: %s%s, %llu packets in %.1f s", r->file ? "file " : "",
			  r->file   ? r->file :
			  r->ifname ? r->ifname :
				      "?",
			  (unsigned long long)r->packets, r->duration_s);
		line_emit(ob, &l, cols);
	} else {
		text_wrap_begin(&w, ob, width, "Capture: ", 2);
		text_wrap_addf(&w, "", "%s%s,", r->file ? "file " : "",
			       r->file	 ? r->file :
			       r->ifname ? r->ifname :
					   "?");
		text_wrap_addf(&w, " ", "%llu packets in %.1f s", (unsigned long long)r->packets,
			       r->duration_s);
		text_wrap_end(&w);
	}
	if (r->drops_known)
		line_addf(&parts[0], "%llu dropped by the kernel (%.2f%%), %llu by the interface",
			  (unsigned long long)r->kernel_dropped,
			  seen ? 100.0 * (double)r->kernel_dropped / (double)seen : 0.0,
			  (unsigned long long)r->if_dropped);
	else
		line_addf(&parts[0], "kernel drops unknown");
	if (r->not_ip || r->malformed)
		line_addf(&parts[n++], "%llu not IP, %llu malformed", (unsigned long long)r->not_ip,
			  (unsigned long long)r->malformed);
	if (r->flows_refused)
		line_addf(&parts[n++], "%llu flows over the table limit (in totals only)",
			  (unsigned long long)r->flows_refused);
	if (cols) {
		for (size_t i = 0; i < n; i++)
			line_addf(&l, "%s%s", i ? "; " : "  ", parts[i].buf);
		line_emit(ob, &l, cols);
		return;
	}
	text_wrap_begin(&w, ob, width, "  ", 2);
	for (size_t i = 0; i < n; i++)
		text_wrap_addf(&w, "; ", "%s", parts[i].buf);
	text_wrap_end(&w);
}

/* A label padded to pad columns, then three figures. */
static void totals_line(struct outbuf *ob, size_t pad, const char *label, const double *v,
			enum units_kind kind, unsigned cols)
{
	struct line l = { .len = 0 };
	char a[UNITS_BUF_LEN];

	line_addf(&l, "%-*s", (int)pad, label);
	for (int i = 0; i < 3; i++)
		line_addf(&l, " %*s", COL_NUM, units_fmt(a, sizeof(a), v[i], kind));
	line_emit(ob, &l, cols);
}

static void render_totals(struct outbuf *ob, const struct flow_report *r, const struct layout *lay,
			  unsigned width, unsigned cols)
{
	const struct flow_numbers *t = &r->totals;
	double sum[FLOW_RENDER_WINDOWS];
	double peak[3] = { (double)t->peak_sent_Bps, (double)t->peak_recv_Bps,
			   (double)t->peak_total_Bps };
	double bytes[3] = { (double)t->sent_bytes, (double)t->recv_bytes,
			    (double)(t->sent_bytes + t->recv_bytes) };
	size_t pad = COL_IDX + 1 + lay->host_w + 3;

	for (int w = 0; w < FLOW_RENDER_WINDOWS; w++)
		sum[w] = t->sent_Bps[w] + t->recv_Bps[w];
	rule(ob, lay, '-', cols);
	/* the rates under the window columns */
	totals_line(ob, pad, "Total send rate:", t->sent_Bps, UNITS_BYTES_PER_S, cols);
	totals_line(ob, pad, "Total receive rate:", t->recv_Bps, UNITS_BYTES_PER_S, cols);
	totals_line(ob, pad, "Total send+receive rate:", sum, UNITS_BYTES_PER_S, cols);
	rule(ob, lay, '-', cols);
	/* sent/received/total: their own columns */
	pad = pad < TRIPLE_PAD ? TRIPLE_PAD : pad;
	totals_line(ob, pad, "Peak rate (sent/received/total):", peak, UNITS_BYTES_PER_S, cols);
	totals_line(ob, pad, "Cumulative (sent/received/total):", bytes, UNITS_BYTES, cols);
	render_capture_lines(ob, r, width, cols);
	rule(ob, lay, '=', cols);
}

void flow_render_text(struct outbuf *ob, const struct flow_report *r, unsigned width)
{
	struct layout lay = lay_out(r, r->nr_rows, width, false);

	render_header(ob, r, &lay, 0);
	for (size_t i = 0; i < r->nr_rows; i++)
		render_row(ob, &lay, i + 1, &r->rows[i], 0);
	if (r->nr_rows < r->nr_flows) {
		struct line l = { .len = 0 };

		line_addf(&l, "%*s (%zu more flows)", COL_IDX, "", r->nr_flows - r->nr_rows);
		line_emit(ob, &l, 0);
	}
	render_totals(ob, r, &lay, width, 0);
}

void flow_render_screen(struct outbuf *ob, const struct flow_report *r, unsigned rows,
			unsigned cols)
{
	struct line l = { .len = 0 };
	char when[32];
	size_t fit = rows > SCREEN_FIXED_LINES ? (rows - SCREEN_FIXED_LINES) / 2 : 0;
	struct layout lay;

	if (cols == 0)
		cols = 80;
	if (fit > r->nr_rows)
		fit = r->nr_rows;
	lay = lay_out(r, fit, cols, true);
	fmt_utc(when, sizeof(when), r->now_ns);
	outbuf_addstr(ob, "\033[H");
	line_addf(&l, "connmon flows on %s%s%s, sorted by %s, %s (q to quit)",
		  r->ifname ? r->ifname : "?", r->filter ? ", filter: " : "",
		  r->filter ? r->filter : "", r->sort, when);
	line_emit(ob, &l, cols);
	render_header(ob, r, &lay, cols);
	for (size_t i = 0; i < fit; i++)
		render_row(ob, &lay, i + 1, &r->rows[i], cols);
	if (fit < r->nr_flows) {
		line_addf(&l, "%*s (%zu more flows)", COL_IDX, "", r->nr_flows - fit);
		line_emit(ob, &l, cols);
	}
	render_totals(ob, r, &lay, cols, cols);
	/* whatever the previous frame left below */
	outbuf_addstr(ob, "\033[J");
}

static void json_numbers(struct outbuf *ob, const struct flow_numbers *n)
{
	for (int dir = 0; dir < 2; dir++) {
		const double *v = dir == 0 ? n->sent_Bps : n->recv_Bps;

		outbuf_addf(ob, "\"%s_bytes_per_s\":{", dir == 0 ? "sent" : "recv");
		for (int w = 0; w < FLOW_RENDER_WINDOWS; w++)
			outbuf_addf(ob, "%s\"%s\":%.1f", w ? "," : "", window_names[w], v[w]);
		outbuf_addstr(ob, "},");
	}
	outbuf_addf(ob,
		    "\"sent_bytes\":%llu,\"recv_bytes\":%llu,\"sent_packets\":%llu,"
		    "\"recv_packets\":%llu,\"peak_sent_bytes_per_s\":%llu,"
		    "\"peak_recv_bytes_per_s\":%llu,\"peak_total_bytes_per_s\":%llu",
		    (unsigned long long)n->sent_bytes, (unsigned long long)n->recv_bytes,
		    (unsigned long long)n->sent_pkts, (unsigned long long)n->recv_pkts,
		    (unsigned long long)n->peak_sent_Bps, (unsigned long long)n->peak_recv_Bps,
		    (unsigned long long)n->peak_total_Bps);
}

static void json_str_or_null(struct outbuf *ob, const char *key, const char *s)
{
	outbuf_addf(ob, "\"%s\":", key);
	if (s == NULL) {
		outbuf_addstr(ob, "null");
		return;
	}
	outbuf_addch(ob, '"');
	outbuf_add_json_str(ob, s, strlen(s));
	outbuf_addch(ob, '"');
}

static void json_flow(struct outbuf *ob, const struct flow_row *f)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN], t1[32], t2[32];
	const char *proto = proto_name(f->l4proto);

	fmt_addr(a, sizeof(a), f->family, f->a_addr);
	fmt_addr(b, sizeof(b), f->family, f->b_addr);
	fmt_utc(t1, sizeof(t1), f->first_ns);
	fmt_utc(t2, sizeof(t2), f->last_ns);
	outbuf_addf(ob, "{\"family\":\"%s\",\"local\":\"%s\",\"remote\":\"%s\",",
		    f->family == AF_INET6 ? "inet6" : "inet", a, b);
	if (f->has_ports) {
		outbuf_addf(ob, "\"local_port\":%u,\"remote_port\":%u,", f->a_port, f->b_port);
		if (proto != NULL)
			outbuf_addf(ob, "\"proto\":\"%s\",", proto);
		else
			outbuf_addf(ob, "\"proto\":%u,", f->l4proto);
	}
	outbuf_addf(ob, "\"local_known\":%s,\"first_seen\":\"%s\",\"last_seen\":\"%s\",",
		    f->local_known ? "true" : "false", t1, t2);
	json_numbers(ob, &f->n);
	outbuf_addch(ob, '}');
}

void flow_render_json(struct outbuf *ob, const struct flow_report *r)
{
	char when[32];

	fmt_utc(when, sizeof(when), r->now_ns);
	outbuf_addf(ob, "{\"time\":\"%s\",", when);
	json_str_or_null(ob, "interface", r->ifname);
	outbuf_addch(ob, ',');
	json_str_or_null(ob, "file", r->file);
	outbuf_addch(ob, ',');
	json_str_or_null(ob, "filter", r->filter);
	outbuf_addf(ob, ",\"ports\":%s,\"sort\":\"%s\",\"duration_s\":%.3f,",
		    r->ports ? "true" : "false", r->sort, r->duration_s);
	outbuf_addf(ob, "\"capture\":{\"packets\":%llu,", (unsigned long long)r->packets);
	if (r->drops_known)
		outbuf_addf(ob, "\"kernel_dropped\":%llu,\"interface_dropped\":%llu,",
			    (unsigned long long)r->kernel_dropped,
			    (unsigned long long)r->if_dropped);
	else
		outbuf_addstr(ob, "\"kernel_dropped\":null,\"interface_dropped\":null,");
	outbuf_addf(ob, "\"not_ip\":%llu,\"malformed\":%llu,\"flows_refused\":%llu},",
		    (unsigned long long)r->not_ip, (unsigned long long)r->malformed,
		    (unsigned long long)r->flows_refused);
	outbuf_addf(ob, "\"nr_flows\":%zu,\"flows\":[", r->nr_flows);
	for (size_t i = 0; i < r->nr_rows; i++) {
		if (i)
			outbuf_addch(ob, ',');
		json_flow(ob, &r->rows[i]);
	}
	outbuf_addstr(ob, "],\"totals\":{");
	json_numbers(ob, &r->totals);
	outbuf_addstr(ob, "}}\n");
}
