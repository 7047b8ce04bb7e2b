// SPDX-License-Identifier: GPL-2.0-or-later
#include "ui/proc_render.h"

#include <stdio.h>
#include <string.h>

#include "base/units.h"
#include "ui/term.h"
#include "ui/text_wrap.h"

static uint64_t row_tx(const struct proc_row *r)
{
	return r->tcp_tx_bytes + r->udp_tx_bytes;
}

static uint64_t row_rx(const struct proc_row *r)
{
	return r->tcp_rx_bytes + r->udp_rx_bytes;
}

static void time_str(char *buf, size_t cap, time_t when)
{
	units_utc(buf, cap, when);
}

/* Columns besides PROGRAM: "    PID USER     " and " SENT/s RECV/s SENT RECV". */
#define PID_W	  7
#define USER_W	  8
#define DEV_W	  8
#define RATE_W	  10 /* "1023 KiB/s" */
#define TOTAL_W	  8  /* "1023 KiB" */
#define FIXED_W	  (PID_W + 1 + USER_W + 1 + 1 + RATE_W + 1 + RATE_W + 1 + TOTAL_W + 1 + TOTAL_W)
#define PROG_MIN  8
#define PROG_FULL 40

/* The table's layout for a width (ui/term.h): PROGRAM takes what the others leave. */
struct layout {
	size_t prog_w;
	bool dev; /* a DEV column (the full layout); else the device is in the title */
};

static struct layout lay_out(unsigned width)
{
	struct layout l = { .prog_w = PROG_FULL, .dev = true };

	if (width == TERM_WIDTH_FULL)
		return l;
	l.dev = false;
	l.prog_w = width > FIXED_W + PROG_MIN ? width - FIXED_W : PROG_MIN;
	return l;
}

/* A left-aligned cell of width columns and its separator; text from outside, escaped and cut. */
static void cell(struct outbuf *ob, const char *s, size_t width)
{
	outbuf_pad(ob, outbuf_add_safe_max(ob, s, strlen(s), width), width);
	outbuf_addch(ob, ' ');
}

static void add_numbers(struct outbuf *ob, double tx_per_s, double rx_per_s, uint64_t tx,
			uint64_t rx)
{
	char a[UNITS_BUF_LEN], b[UNITS_BUF_LEN], c[UNITS_BUF_LEN], d[UNITS_BUF_LEN];

	outbuf_addf(ob, "%*s %*s %*s %*s\n", RATE_W,
		    units_fmt(a, sizeof(a), tx_per_s, UNITS_BYTES_PER_S), RATE_W,
		    units_fmt(b, sizeof(b), rx_per_s, UNITS_BYTES_PER_S), TOTAL_W,
		    units_fmt(c, sizeof(c), (double)tx, UNITS_BYTES), TOTAL_W,
		    units_fmt(d, sizeof(d), (double)rx, UNITS_BYTES));
}

/* A command line too long for its column loses the directories of its program first. */
static const char *fit_command(const char *name, size_t width)
{
	size_t first = strcspn(name, " ");
	const char *slash = memrchr(name, '/', first);

	if (strlen(name) <= width || !slash || !slash[1] || slash[1] == ' ')
		return name;
	return slash + 1;
}

/* name: what the PROGRAM column says, NULL for the row's own command or comm */
static void table_row(struct outbuf *ob, const struct layout *l, const struct proc_row *r,
		      const char *dev, const char *name)
{
	static const char exited[] = "[exited] ";
	bool own_name = !name;
	char uid[16];
	size_t cols = 0;

	if (own_name)
		name = r->command && r->command[0] ? r->command : r->comm;
	if (r->pid < 0)
		outbuf_addf(ob, "%*s ", PID_W, "-");
	else
		outbuf_addf(ob, "%*d ", PID_W, r->pid);
	snprintf(uid, sizeof(uid), "%u", r->uid);
	cell(ob, r->pid < 0 ? "-" : r->user ? r->user : uid, USER_W);
	if (r->exited && own_name && l->prog_w > sizeof(exited)) {
		outbuf_addstr(ob, exited);
		cols = sizeof(exited) - 1;
	}
	name = name ? fit_command(name, l->prog_w - cols) : "?";
	cols += outbuf_add_safe_max(ob, name, strlen(name), l->prog_w - cols);
	outbuf_pad(ob, cols, l->prog_w);
	outbuf_addch(ob, ' ');
	if (l->dev)
		cell(ob, dev ? dev : "*", DEV_W);
	add_numbers(ob, r->tx_bytes_per_s, r->rx_bytes_per_s, row_tx(r), row_rx(r));
}

static void table_title(struct outbuf *ob, const struct proc_view *v, unsigned width)
{
	struct text_wrap w;
	char when[32];

	time_str(when, sizeof(when), v->when);
	text_wrap_begin(&w, ob, width, "connmon procs  ", 2);
	text_wrap_addf(&w, "  ", "engine %s%s%s", v->engine, v->dev ? " on " : "",
		       v->dev ? v->dev : "");
	text_wrap_addf(&w, "  ", "every %.1f s", v->interval_s);
	text_wrap_addf(&w, "  ", "session %.0f s", v->session_s);
	text_wrap_addf(&w, "  ", "%s", when);
	text_wrap_end(&w);
	if (v->engine_why) {
		char why[160];
		int n = snprintf(why, sizeof(why), "(%s)", v->engine_why);

		text_wrap_begin(&w, ob, width, "  ", 3);
		text_wrap_words(&w, why, n < (int)sizeof(why) ? (size_t)n : sizeof(why) - 1);
		text_wrap_end(&w);
	}
}

static void table_head(struct outbuf *ob, const struct proc_view *v, const struct layout *l,
		       unsigned width)
{
	table_title(ob, v, width);
	if (v->netns && !strcmp(v->netns, "all"))
		outbuf_addf(ob, "  all network namespaces: %zu read\n", v->nr_netns);
	else if (v->netns) {
		outbuf_addstr(ob, "  network namespace: ");
		outbuf_add_safe(ob, v->netns, strlen(v->netns));
		outbuf_addch(ob, '\n');
	}
	if (v->capture_drops)
		outbuf_addf(ob, "  capture dropped %llu packets: totals are low\n",
			    (unsigned long long)v->capture_drops);
	if (v->nr_procs_denied)
		outbuf_addf(
			ob,
			"  %zu processes unreadable (needs CAP_SYS_PTRACE): traffic unattributed\n",
			v->nr_procs_denied);
	outbuf_addf(ob, "\n%*s %-*s %-*s ", PID_W, "PID", USER_W, "USER", (int)l->prog_w,
		    "PROGRAM");
	if (l->dev)
		outbuf_addf(ob, "%-*s ", DEV_W, "DEV");
	outbuf_addf(ob, "%*s %*s %*s %*s\n", RATE_W, "SENT/s", RATE_W, "RECV/s", TOTAL_W, "SENT",
		    TOTAL_W, "RECV");
}

static void add_total(struct proc_row *total, const struct proc_row *r)
{
	total->tcp_tx_bytes += row_tx(r);
	total->tcp_rx_bytes += row_rx(r);
	total->tx_bytes_per_s += r->tx_bytes_per_s;
	total->rx_bytes_per_s += r->rx_bytes_per_s;
}

void proc_render_table(struct outbuf *ob, const struct proc_view *v, bool live, size_t max_rows,
		       unsigned width)
{
	struct proc_row total = { .pid = -1, .comm = "TOTAL" };
	struct layout l = lay_out(width);
	size_t shown = v->nr_rows;

	if (live)
		outbuf_addstr(ob, "\033[H\033[2J");
	table_head(ob, v, &l, width);
	if (max_rows && shown > max_rows)
		shown = max_rows;
	for (size_t i = 0; i < v->nr_rows; i++) {
		if (i < shown)
			table_row(ob, &l, &v->rows[i], v->dev, NULL);
		add_total(&total, &v->rows[i]);
	}
	if (shown < v->nr_rows)
		outbuf_addf(ob, "%*s (%zu more processes)\n", PID_W, "", v->nr_rows - shown);
	if (v->exited && v->nr_exited) {
		char name[48];

		snprintf(name, sizeof(name), "%llu exited processes",
			 (unsigned long long)v->nr_exited);
		table_row(ob, &l, v->exited, v->dev, name);
		add_total(&total, v->exited);
	}
	if (v->unattributed) {
		table_row(ob, &l, v->unattributed, v->dev, NULL);
		add_total(&total, v->unattributed);
	}
	outbuf_addf(ob, "%*s %-*s %-*s ", PID_W, "", USER_W, "", (int)l.prog_w, "TOTAL");
	if (l.dev)
		outbuf_addf(ob, "%-*s ", DEV_W, "");
	add_numbers(ob, total.tx_bytes_per_s, total.rx_bytes_per_s, total.tcp_tx_bytes,
		    total.tcp_rx_bytes);
	if (live)
		outbuf_addstr(ob, "\nCtrl-C quits.\n");
}

/* ---- CSV ---- */

static void csv_str(struct outbuf *ob, const char *s)
{
	outbuf_add_csv_str(ob, s ? s : "", s ? strlen(s) : 0);
	outbuf_addch(ob, ',');
}

static void csv_row(struct outbuf *ob, const struct proc_view *v, const struct proc_row *r)
{
	if (r->pid >= 0)
		outbuf_adds64(ob, r->pid);
	outbuf_addch(ob, ',');
	csv_str(ob, r->pid < 0 ? "" : r->user);
	if (r->pid >= 0)
		outbuf_addu64(ob, r->uid);
	outbuf_addch(ob, ',');
	csv_str(ob, r->comm);
	csv_str(ob, r->command);
	csv_str(ob, v->dev);
	outbuf_addstr(ob, r->exited ? "1," : "0,");
	outbuf_addf(ob, "%.1f,%.1f,", r->tx_bytes_per_s, r->rx_bytes_per_s);
	outbuf_addu64(ob, row_tx(r));
	outbuf_addch(ob, ',');
	outbuf_addu64(ob, row_rx(r));
	outbuf_addch(ob, ',');
	outbuf_addu64(ob, r->tcp_tx_bytes);
	outbuf_addch(ob, ',');
	outbuf_addu64(ob, r->tcp_rx_bytes);
	outbuf_addch(ob, ',');
	outbuf_addu64(ob, r->udp_tx_bytes);
	outbuf_addch(ob, ',');
	outbuf_addu64(ob, r->udp_rx_bytes);
	outbuf_addch(ob, '\n');
}

void proc_render_csv(struct outbuf *ob, const struct proc_view *v, bool header)
{
	if (header)
		outbuf_addstr(
			ob,
			"pid,user,uid,comm,command,dev,exited,tx_bytes_per_s,rx_bytes_per_s,"
			"tx_bytes,rx_bytes,tcp_tx_bytes,tcp_rx_bytes,udp_tx_bytes,udp_rx_bytes\n");
	for (size_t i = 0; i < v->nr_rows; i++)
		csv_row(ob, v, &v->rows[i]);
	if (v->exited && v->nr_exited)
		csv_row(ob, v, v->exited);
	if (v->unattributed)
		csv_row(ob, v, v->unattributed);
}

/* ---- JSON ---- */

static void json_str(struct outbuf *ob, const char *s)
{
	if (!s) {
		outbuf_addstr(ob, "null");
		return;
	}
	outbuf_addch(ob, '"');
	outbuf_add_json_str(ob, s, strlen(s));
	outbuf_addch(ob, '"');
}

static void json_u64(struct outbuf *ob, const char *key, uint64_t v)
{
	outbuf_addf(ob, "\"%s\":", key);
	outbuf_addu64(ob, v);
}

static void json_counts(struct outbuf *ob, const struct proc_row *r)
{
	json_u64(ob, "tx_bytes", row_tx(r));
	outbuf_addch(ob, ',');
	json_u64(ob, "rx_bytes", row_rx(r));
	outbuf_addf(ob, ",\"tx_bytes_per_s\":%.1f,\"rx_bytes_per_s\":%.1f,\"tcp\":{",
		    r->tx_bytes_per_s, r->rx_bytes_per_s);
	json_u64(ob, "tx_bytes", r->tcp_tx_bytes);
	outbuf_addch(ob, ',');
	json_u64(ob, "rx_bytes", r->tcp_rx_bytes);
	outbuf_addstr(ob, "},\"udp\":{");
	json_u64(ob, "tx_bytes", r->udp_tx_bytes);
	outbuf_addch(ob, ',');
	json_u64(ob, "rx_bytes", r->udp_rx_bytes);
	outbuf_addch(ob, '}');
}

static void json_proc(struct outbuf *ob, const struct proc_row *r)
{
	outbuf_addf(ob, "{\"pid\":%d,\"uid\":%u,\"user\":", r->pid, r->uid);
	json_str(ob, r->user);
	outbuf_addstr(ob, ",\"comm\":");
	json_str(ob, r->comm);
	outbuf_addstr(ob, ",\"command\":");
	json_str(ob, r->command);
	outbuf_addf(ob, ",\"exited\":%s,\"sockets\":%u,", r->exited ? "true" : "false",
		    r->nr_sockets);
	json_counts(ob, r);
	outbuf_addch(ob, '}');
}

void proc_render_json(struct outbuf *ob, const struct proc_view *v)
{
	static const struct proc_row none = { .pid = -1 };
	char when[32];

	time_str(when, sizeof(when), v->when);
	outbuf_addf(ob, "{\"time\":\"%s\",\"engine\":", when);
	json_str(ob, v->engine);
	outbuf_addstr(ob, ",\"dev\":");
	json_str(ob, v->dev);
	outbuf_addstr(ob, ",\"netns\":");
	json_str(ob, v->netns);
	outbuf_addf(ob,
		    ",\"interval_s\":%.3f,\"session_s\":%.3f,\"capture_dropped\":", v->interval_s,
		    v->session_s);
	outbuf_addu64(ob, v->capture_drops);
	outbuf_addf(ob, ",\"procs_denied\":%zu,\"processes\":[", v->nr_procs_denied);
	for (size_t i = 0; i < v->nr_rows; i++) {
		if (i)
			outbuf_addch(ob, ',');
		json_proc(ob, &v->rows[i]);
	}
	outbuf_addstr(ob, "],\"exited_processes\":{\"processes\":");
	outbuf_addu64(ob, v->exited ? v->nr_exited : 0);
	outbuf_addch(ob, ',');
	json_counts(ob, v->exited ? v->exited : &none);
	outbuf_addstr(ob, "},\"unattributed\":{");
	json_counts(ob, v->unattributed ? v->unattributed : &none);
	outbuf_addstr(ob, "}}\n");
}
