// SPDX-License-Identifier: GPL-2.0-or-later
#include "ui/proc_render.h"

#include <stdio.h>
#include <string.h>

#include "base/units.h"

static uint64_t row_tx(const struct proc_row *r)
{
	return r->tcp_tx_bytes + r->udp_tx_bytes;
}

static uint64_t row_rx(const struct proc_row *r)
{
	return r->tcp_rx_bytes + r->udp_rx_bytes;
}

/* "1.2 MiB" */
static const char *human(char *buf, size_t cap, uint64_t bytes)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	double v = (double)bytes;
	size_t u = units_scale(&v, 1024, UNITS_NR(unit));

	if (u == 0)
		snprintf(buf, cap, "%llu B", (unsigned long long)bytes);
	else
		snprintf(buf, cap, "%.1f %s", v, unit[u]);
	return buf;
}

static void time_str(char *buf, size_t cap, time_t when)
{
	struct tm tm;

	gmtime_r(&when, &tm);
	strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* A left-aligned cell of width columns and its separator; text from outside, escaped and cut. */
static void cell(struct outbuf *ob, const char *s, size_t width)
{
	outbuf_pad(ob, outbuf_add_safe_max(ob, s, strlen(s), width), width);
	outbuf_addch(ob, ' ');
}

/* name: what the PROGRAM column says, NULL for the row's own command or comm */
static void table_row(struct outbuf *ob, const struct proc_row *r, const char *dev,
		      const char *name)
{
	static const char exited[] = "[exited] ";
	bool own_name = !name;
	char uid[16], tx[24], rx[24];
	size_t cols = 0;

	if (own_name)
		name = r->command && r->command[0] ? r->command : r->comm;
	if (r->pid < 0)
		outbuf_addf(ob, "%7s ", "-");
	else
		outbuf_addf(ob, "%7d ", r->pid);
	snprintf(uid, sizeof(uid), "%u", r->uid);
	cell(ob, r->pid < 0 ? "-" : r->user ? r->user : uid, 9);
	if (r->exited && own_name) {
		outbuf_addstr(ob, exited);
		cols = sizeof(exited) - 1;
	}
	name = name ? name : "?";
	cols += outbuf_add_safe_max(ob, name, strlen(name), 36 - cols);
	outbuf_pad(ob, cols, 36);
	outbuf_addch(ob, ' ');
	cell(ob, dev ? dev : "*", 8);
	outbuf_addf(ob, "%10.3f %10.3f %11s %11s\n", r->tx_bytes_per_s / 1024,
		    r->rx_bytes_per_s / 1024, human(tx, sizeof(tx), row_tx(r)),
		    human(rx, sizeof(rx), row_rx(r)));
}

static void table_head(struct outbuf *ob, const struct proc_view *v)
{
	char when[32];

	time_str(when, sizeof(when), v->when);
	outbuf_addf(ob, "connmon procs  engine: %s  every %.1f s  session %.0f s  %s\n", v->engine,
		    v->interval_s, v->session_s, when);
	if (v->engine_why)
		outbuf_addf(ob, "  (%s)\n", v->engine_why);
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
			"  %zu processes unreadable: their traffic is unattributed (needs CAP_SYS_PTRACE)\n",
			v->nr_procs_denied);
	outbuf_addf(ob, "\n%7s %-9s %-36s %-8s %10s %10s %11s %11s\n", "PID", "USER", "PROGRAM",
		    "DEV", "SENT KB/s", "RECV KB/s", "SENT total", "RECV total");
}

void proc_render_table(struct outbuf *ob, const struct proc_view *v, bool live, size_t max_rows)
{
	struct proc_row total = { .pid = -1, .comm = "TOTAL" };
	size_t shown = v->nr_rows;

	if (live)
		outbuf_addstr(ob, "\033[H\033[2J");
	table_head(ob, v);
	if (max_rows && shown > max_rows)
		shown = max_rows;
	for (size_t i = 0; i < v->nr_rows; i++) {
		const struct proc_row *r = &v->rows[i];

		if (i < shown)
			table_row(ob, r, v->dev, NULL);
		total.tcp_tx_bytes += row_tx(r);
		total.tcp_rx_bytes += row_rx(r);
		total.tx_bytes_per_s += r->tx_bytes_per_s;
		total.rx_bytes_per_s += r->rx_bytes_per_s;
	}
	if (shown < v->nr_rows)
		outbuf_addf(ob, "%7s (%zu more processes)\n", "", v->nr_rows - shown);
	if (v->exited && v->nr_exited) {
		char name[48];

		snprintf(name, sizeof(name), "%llu exited processes",
			 (unsigned long long)v->nr_exited);
		table_row(ob, v->exited, v->dev, name);
		total.tcp_tx_bytes += row_tx(v->exited);
		total.tcp_rx_bytes += row_rx(v->exited);
		total.tx_bytes_per_s += v->exited->tx_bytes_per_s;
		total.rx_bytes_per_s += v->exited->rx_bytes_per_s;
	}
	if (v->unattributed) {
		table_row(ob, v->unattributed, v->dev, NULL);
		total.tcp_tx_bytes += row_tx(v->unattributed);
		total.tcp_rx_bytes += row_rx(v->unattributed);
		total.tx_bytes_per_s += v->unattributed->tx_bytes_per_s;
		total.rx_bytes_per_s += v->unattributed->rx_bytes_per_s;
	}
	outbuf_addf(ob, "%7s %-9s %-36s %-8s %10.3f %10.3f", "", "", "TOTAL", "",
		    total.tx_bytes_per_s / 1024, total.rx_bytes_per_s / 1024);
	{
		char tx[24], rx[24];

		outbuf_addf(ob, " %11s %11s\n", human(tx, sizeof(tx), total.tcp_tx_bytes),
			    human(rx, sizeof(rx), total.tcp_rx_bytes));
	}
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
