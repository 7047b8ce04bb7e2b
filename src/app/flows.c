// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `connmon flows`: iftop.  libpcap capture on one interface (collect/capture)
 * feeds a flow table (analyze/flow_table) keyed on host pairs, or port pairs
 * with -P; the table's per-second rings give the 2/10/40 s averages, and
 * ui/flow_render prints them.  Forms: a live screen on a terminal, a text
 * block every 2 s on a pipe, one block after -s SEC, one after reading a
 * file with -r.
 *
 * The capture's descriptor and the keyboard are watches on the shared event
 * loop (app/loop.h), whose signalfd ends the run (SIGINT, SIGTERM) or
 * redraws it (SIGWINCH); the report is a consumer of the shared tick.  The
 * terminal is restored on every way out.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "analyze/flow_table.h"
#include "app/commands.h"
#include "app/loop.h"
#include "app/tick.h"
#include "base/outbuf.h"
#include "base/xalloc.h"
#include "cli/cmdline.h"
#include "collect/capture.h"
#include "ui/flow_render.h"
#include "ui/term.h"

#define OUT_BUF_LEN	(64 * 1024)
#define NS_PER_SEC	1000000000ull
#define PIPE_PERIOD_S	2.0
#define SCREEN_PERIOD_S 1.0
/* Live: flows silent this long leave the table (their bytes stay in the totals). */
#define LIVE_IDLE_SECS 60
/* After -s SEC: how long to wait for the kernel to hand over its last block. */
#define DRAIN_MS 150

static const char usage[] =
	"usage: connmon flows [-i IFACE] [-f FILTER] [-P] [-s SEC | -r FILE] [--json]\n"
	"                     [--sort COLUMN] [--top N] [-n] [-W] [-N NETNS]\n"
	"  Traffic per host pair (per port pair with -P), as iftop: rates over the last\n"
	"  2 s, 10 s and 40 s sent (=>) and received (<=) by the local side, peak and\n"
	"  cumulative bytes, totals, and the kernel's drop count.  Needs CAP_NET_RAW.\n"
	"  -i, --iface IFACE  capture on IFACE (default: the default route's interface)\n"
	"  -f, --filter EXPR  pcap filter expression, e.g. 'tcp port 443'\n"
	"  -P, --ports        per port pair (and protocol) instead of per host pair\n"
	"  -s, --seconds SEC  capture SEC seconds, print once and exit (for scripts)\n"
	"  -r, --read FILE    read a pcap file instead; the windows use its timestamps\n"
	"  --sort COLUMN      2s, 10s, 40s, total, peak, sent, recv\n"
	"                     (default 10s; -r: total)\n"
	"  --top N            show the first N flows only\n"
	"  --json             JSON instead of the table\n"
	"  -W, --wide         every column in the text table (the live screen fits the\n"
	"                     terminal)\n"
	"  -n, --numeric      numeric addresses (the default: names are never looked up)\n"
	"  Without -s/-r: a live screen on a terminal ('q' quits), else a block every\n"
	"  2 s.\n"
	"  See docs/COMMANDS-flows.md.\n";

static const struct cli_cmd flows_cmd = {
	.name = "flows",
	.accepts = CLI_SECONDS | CLI_IFACE | CLI_BPF | CLI_PORTS | CLI_READ | CLI_TOP | CLI_SORT |
		   CLI_NUMERIC | CLI_WIDE,
};

struct flows_opts {
	struct cli_opts c;
	const char *ifname, *filter, *file;
	bool ports, json;
	double seconds; /* -s, 0: run until interrupted */
	long top;	/* 0: all */
	enum flow_sort sort;
	const char *sort_name;
};

struct flows_run {
	struct flows_opts o;
	char ifname[64];
	struct capture *cap;
	struct flow_table *t;
	struct outbuf out;
	uint64_t start_ns;
	uint64_t cutoff_ns; /* packets stamped later are not counted (-s) */
	bool tty_raw;
	struct termios saved_tty;
	struct loop loop;
	struct tick tick;
	int form;   /* enum out_form */
	int key_fd; /* the keyboard of the live screen, -1 none */
	int cap_err;
};

static int parse_args(struct flows_opts *o, int argc, char **argv, bool *help)
{
	struct strbuf err = STRBUF_INIT;
	int ret = cli_parse(&flows_cmd, &o->c, argc, argv, &err);

	*help = o->c.help;
	if (!ret && o->c.sort && !flow_sort_parse(o->c.sort, &o->sort)) {
		strbuf_addf(
			&err,
			"invalid value '%s' for '--sort': expected 2s, 10s, 40s, total, peak, sent or recv",
			o->c.sort);
		ret = -EINVAL;
	}
	if (ret < 0)
		cli_usage_error("flows", err.buf);
	strbuf_release(&err);
	o->ifname = o->c.nr_ifaces ? o->c.ifaces[0] : NULL;
	o->filter = o->c.bpf;
	o->file = o->c.file;
	o->ports = o->c.ports;
	o->json = o->c.json;
	o->seconds = o->c.seconds;
	o->top = o->c.top;
	o->sort_name = o->c.sort;
	if (o->sort_name == NULL) {
		o->sort = o->file ? FLOW_SORT_TOTAL : FLOW_SORT_10S;
		o->sort_name = o->file ? "total" : "10s";
	}
	return ret;
}

static void on_packet(const struct pkt_info *p, void *arg)
{
	struct flows_run *r = arg;

	if (p->ts_ns <= r->cutoff_ns)
		flow_table_account(r->t, p);
}

static void to_numbers(const struct flow_stats *s, struct flow_numbers *n)
{
	for (int w = 0; w < FLOW_RENDER_WINDOWS; w++) {
		n->sent_Bps[w] = s->sent_Bps[w];
		n->recv_Bps[w] = s->recv_Bps[w];
	}
	n->sent_bytes = s->sent_bytes;
	n->recv_bytes = s->recv_bytes;
	n->sent_pkts = s->sent_pkts;
	n->recv_pkts = s->recv_pkts;
	n->peak_sent_Bps = s->peak_sent_Bps;
	n->peak_recv_Bps = s->peak_recv_Bps;
	n->peak_total_Bps = s->peak_total_Bps;
}

/* Builds the report as of now; rows are allocated here and freed by the caller. */
static void make_report(struct flows_run *r, uint64_t now, struct flow_report *rep,
			struct flow_row **rows_out)
{
	struct capture_stats cs;
	struct flow_stats tot;
	size_t nr;
	const struct flow_view *v = flow_table_views(r->t, now, r->o.sort, &nr);
	size_t shown = r->o.top > 0 && (size_t)r->o.top < nr ? (size_t)r->o.top : nr;
	struct flow_row *rows = xcalloc(shown ? shown : 1, sizeof(*rows));

	for (size_t i = 0; i < shown; i++) {
		rows[i] = (struct flow_row){
			.family = v[i].key.family,
			.l4proto = v[i].key.l4proto,
			.has_ports = r->o.ports,
			.local_known = v[i].a_is_local,
			.a_addr = v[i].key.a_addr,
			.b_addr = v[i].key.b_addr,
			.a_port = v[i].key.a_port,
			.b_port = v[i].key.b_port,
			.first_ns = v[i].first_ns,
			.last_ns = v[i].last_ns,
		};
		to_numbers(&v[i].st, &rows[i].n);
	}
	memset(rep, 0, sizeof(*rep));
	rep->ifname = r->o.file ? NULL : r->ifname;
	rep->file = r->o.file;
	rep->filter = r->o.filter;
	rep->sort = r->o.sort_name;
	rep->ports = r->o.ports;
	rep->now_ns = now;
	rep->duration_s = now > r->start_ns ? (double)(now - r->start_ns) / 1e9 : 0;
	rep->drops_known = capture_get_stats(r->cap, &cs) == 0 && !r->o.file;
	rep->packets = cs.received;
	rep->kernel_dropped = cs.dropped;
	rep->if_dropped = cs.if_dropped;
	rep->not_ip = cs.not_ip;
	rep->malformed = cs.bad;
	rep->flows_refused = flow_table_nr_refused(r->t);
	rep->rows = rows;
	rep->nr_rows = shown;
	rep->nr_flows = nr;
	flow_table_totals(r->t, now, &tot);
	to_numbers(&tot, &rep->totals);
	*rows_out = rows;
}

enum out_form {
	FORM_TEXT,
	FORM_JSON,
	FORM_SCREEN
};

static int emit(struct flows_run *r, uint64_t now, enum out_form form)
{
	struct flow_report rep;
	struct flow_row *rows;
	unsigned rows_n, cols;

	make_report(r, now, &rep, &rows);
	if (form == FORM_JSON) {
		flow_render_json(&r->out, &rep);
	} else if (form == FORM_SCREEN) {
		term_size(STDOUT_FILENO, &rows_n, &cols);
		flow_render_screen(&r->out, &rep, rows_n, cols);
	} else {
		flow_render_text(&r->out, &rep, term_width(STDOUT_FILENO, r->o.c.wide));
	}
	free(rows);
	return outbuf_flush(&r->out);
}

static int run_file(struct flows_run *r)
{
	int rc, erc;

	r->cutoff_ns = UINT64_MAX;
	while ((rc = capture_dispatch(r->cap, 0, on_packet, r)) >= 0)
		;
	if (rc != -ENODATA && rc != -EBADMSG) {
		fprintf(stderr, "connmon flows: cannot read '%s': %s\n", r->o.file, strerror(-rc));
		return rc;
	}
	r->start_ns = flow_table_first_ns(r->t);
	erc = emit(r, flow_table_last_ns(r->t), r->o.json ? FORM_JSON : FORM_TEXT);
	/* As tcpdump: the intact packets first, then the warning, and a failure. */
	if (rc == -EBADMSG) {
		fprintf(stderr,
			"connmon flows: '%s' is cut short or damaged: %s; the figures above cover the packets before that point\n",
			r->o.file, capture_error(r->cap));
		return rc;
	}
	return erc;
}

static void tty_enter(struct flows_run *r, bool screen)
{
	struct termios raw;

	if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &r->saved_tty) == 0) {
		raw = r->saved_tty;
		raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
		raw.c_cc[VMIN] = 0;
		raw.c_cc[VTIME] = 0;
		if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0)
			r->tty_raw = true;
	}
	if (screen) {
		/* the alternate screen, cursor hidden: the shell's screen comes back at exit */
		outbuf_addstr(&r->out, "\033[?1049h\033[?25l\033[2J");
		outbuf_flush(&r->out);
	}
}

static void tty_leave(struct flows_run *r, bool screen)
{
	if (screen) {
		outbuf_addstr(&r->out, "\033[?25h\033[?1049l");
		outbuf_flush(&r->out);
	}
	if (r->tty_raw)
		tcsetattr(STDIN_FILENO, TCSANOW, &r->saved_tty);
	r->tty_raw = false;
}

/* True when a key asks to quit; stdin at EOF stops being polled (*fd = -1). */
static bool read_keys(int *fd)
{
	char buf[64];
	ssize_t n = read(*fd, buf, sizeof(buf));

	if (n <= 0) {
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			*fd = -1;
		return false;
	}
	return memchr(buf, 'q', (size_t)n) != NULL || memchr(buf, 'Q', (size_t)n) != NULL;
}

static void on_key(struct loop *l, int fd, short revents, void *arg)
{
	struct flows_run *r = arg;

	(void)revents;
	if (read_keys(&r->key_fd))
		loop_stop(l);
	else if (r->key_fd < 0)
		loop_del_fd(l, fd);
}

/* Ends the run on a capture that failed; the figures so far are printed by finish(). */
static void capture_failed(struct flows_run *r, int rc)
{
	r->cap_err = rc;
	if (capture_fd(r->cap) >= 0)
		loop_del_fd(&r->loop, capture_fd(r->cap));
	loop_stop(&r->loop);
}

static void on_capture(struct loop *l, int fd, short revents, void *arg)
{
	struct flows_run *r = arg;
	int rc = capture_dispatch(r->cap, 0, on_packet, r);

	(void)l;
	(void)fd;
	(void)revents;
	if (rc < 0)
		capture_failed(r, rc);
}

/* After -s: what the kernel still holds for the last DRAIN_MS, up to the cutoff. */
static int drain(struct flows_run *r)
{
	uint64_t end = loop_now_ns() + DRAIN_MS * 1000000ull;
	int rc;

	while (loop_now_ns() < end) {
		rc = capture_dispatch(r->cap, 20, on_packet, r);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* The source: what the ring holds now; a retired block may wait without POLLIN. */
static int flows_sample(void *src, struct tick *t, struct snapshot *snap)
{
	struct flows_run *r = src;
	int rc = 0;

	(void)t;
	if (snap->baseline) {
		/* the windows count from here, not from the first packet */
		r->start_ns = (uint64_t)snap->wall_ns;
		flow_table_set_start(r->t, r->start_ns);
		return 0;
	}
	if (snap->final && r->o.seconds > 0) {
		r->cutoff_ns = (uint64_t)snap->wall_ns;
		rc = r->cap_err ? 0 : drain(r);
	} else if (!r->cap_err) {
		rc = capture_dispatch(r->cap, 0, on_packet, r);
	}
	if (rc < 0 && !r->cap_err)
		capture_failed(r, rc);
	flow_table_expire(r->t, (uint64_t)snap->wall_ns, LIVE_IDLE_SECS);
	return 0;
}

static const struct source_ops flows_source = { .name = "capture", .sample = flows_sample };

static int flows_consume(void *c, const struct snapshot *prev, const struct snapshot *cur)
{
	struct flows_run *r = c;

	(void)prev;
	/* The live screen shows up at once; a pipe gets its first block after a period. */
	if (cur->baseline && r->form != FORM_SCREEN)
		return 0;
	if (r->o.seconds > 0 && !cur->final)
		return 0;
	return emit(r, r->o.seconds > 0 ? r->cutoff_ns : (uint64_t)cur->wall_ns, r->form);
}

/*
 * The end: interrupted on a pipe, a last block (as iftop -t does not, but
 * scripts want); a capture that ended (the interface vanished) still
 * reports what it saw.
 */
static int flows_finish(void *c, const struct snapshot *last, enum tick_end why)
{
	struct flows_run *r = c;

	if (!last || r->form == FORM_SCREEN)
		return 0;
	if (r->o.seconds > 0 && last->final)
		return 0;
	if (why == TICK_END_SIGNAL || r->cap_err) {
		if (r->o.seconds > 0 && !r->cutoff_ns)
			r->cutoff_ns = (uint64_t)loop_wall_ns();
		return emit(r, r->o.seconds > 0 ? r->cutoff_ns : (uint64_t)loop_wall_ns(), r->form);
	}
	return 0;
}

static void flows_redraw(void *c)
{
	struct flows_run *r = c;

	if (r->form == FORM_SCREEN)
		emit(r, (uint64_t)loop_wall_ns(), r->form);
}

static void flows_sizes(void *c, struct table_sizes *ts)
{
	struct flows_run *r = c;

	table_sizes_add(ts, "flows", flow_table_nr_flows(r->t));
}

static const struct consumer_ops flows_consumer = {
	.name = "flows",
	.consume = flows_consume,
	.finish = flows_finish,
	.redraw = flows_redraw,
	.sizes = flows_sizes,
};

static int run_live(struct flows_run *r)
{
	bool screen = !r->o.json && r->o.seconds == 0 && isatty(STDOUT_FILENO);
	double period = r->o.seconds > 0 ? r->o.seconds : screen ? SCREEN_PERIOD_S : PIPE_PERIOD_S;
	struct tick_opts to = {
		.interval_ns = (uint64_t)(period * 1e9),
		.count = r->o.seconds > 0 ? 1 : 0,
		.baseline = true,
	};
	int rc;

	r->form = r->o.json ? FORM_JSON : screen ? FORM_SCREEN : FORM_TEXT;
	r->cutoff_ns = UINT64_MAX;
	r->key_fd = -1;
	rc = loop_open(&r->loop);
	if (rc < 0)
		return rc;
	tick_init(&r->tick, &r->loop, &to);
	tick_add_source(&r->tick, &flows_source, r);
	tick_add_consumer(&r->tick, &flows_consumer, r);
	if (capture_fd(r->cap) >= 0)
		loop_add_fd(&r->loop, capture_fd(r->cap), POLLIN, on_capture, r);
	if (r->o.seconds == 0)
		tty_enter(r, screen);
	if (screen && r->tty_raw) {
		r->key_fd = STDIN_FILENO;
		loop_add_fd(&r->loop, r->key_fd, POLLIN, on_key, r);
	}
	tick_run(&r->tick);
	if (r->o.seconds == 0)
		tty_leave(r, screen);
	rc = r->cap_err ? r->cap_err : r->tick.err;
	if (!rc && r->tick.end == TICK_END_SIGNAL && r->o.seconds > 0)
		rc = 128 + r->loop.stop_signo;
	tick_release(&r->tick);
	loop_close(&r->loop);
	return rc;
}

static int open_capture(struct flows_run *r)
{
	struct capture_opts co = { .ifname = r->ifname, .file = r->o.file, .bpf = r->o.filter };
	uint8_t addrs[FLOW_MAX_LOCAL][16], fams[FLOW_MAX_LOCAL];
	char err[512];
	int rc;

	if (r->o.file == NULL) {
		if (r->o.ifname) {
			snprintf(r->ifname, sizeof(r->ifname), "%s", r->o.ifname);
		} else if ((rc = capture_default_iface("/proc", r->ifname, sizeof(r->ifname))) <
			   0) {
			fprintf(stderr, "connmon flows: no default route to pick an interface; "
					"name one with -i IFACE\n");
			return rc;
		}
	}
	rc = capture_open(&r->cap, &co, err, sizeof(err));
	if (rc == -EPERM) {
		fprintf(stderr,
			"connmon flows: cannot capture on '%s': %s\n"
			"connmon flows: capturing needs CAP_NET_RAW (run as root, or "
			"setcap cap_net_raw+ep on the binary)\n",
			r->ifname, err);
	} else if (rc == -EINVAL && r->o.filter && err[0]) {
		fprintf(stderr,
			"connmon flows: invalid filter '%s': %s\nTry 'connmon flows --help'.\n",
			r->o.filter, err);
	} else if (rc < 0) {
		fprintf(stderr, "connmon flows: cannot %s '%s': %s\n",
			r->o.file ? "read" : "capture on", r->o.file ? r->o.file : r->ifname,
			err[0] ? err : strerror(-rc));
	}
	if (rc < 0)
		return rc;
	if (r->o.file == NULL) {
		rc = capture_local_addrs(r->ifname, addrs, fams, FLOW_MAX_LOCAL);
		if (rc > 0)
			flow_table_set_local(r->t, (const uint8_t(*)[16])addrs, fams, (size_t)rc);
	}
	return 0;
}

int cmd_flows(const struct app_ctx *ctx, int argc, char **argv)
{
	struct flows_run r = { .key_fd = -1 };
	bool help = false;
	int rc;

	(void)ctx;

	if (parse_args(&r.o, argc, argv, &help) < 0) {
		cli_opts_release(&r.o.c);
		return 2;
	}
	if (help) {
		fputs(usage, stdout);
		cli_opts_release(&r.o.c);
		return 0;
	}
	/* A closed pipe (`| head`) ends us quietly: EPIPE is not an error. */
	signal(SIGPIPE, SIG_IGN);
	outbuf_init(&r.out, STDOUT_FILENO, OUT_BUF_LEN);
	r.t = flow_table_new(&(struct flow_table_opts){ .ports = r.o.ports });
	rc = open_capture(&r);
	if (rc < 0)
		goto free_table;
	if (r.o.file) {
		rc = run_file(&r);
	} else {
		rc = run_live(&r);
		if (rc == -ENODEV || rc == -ENETDOWN)
			fprintf(stderr,
				"connmon flows: interface '%s' %s during the capture; the figures above cover the time until then\n",
				r.ifname, rc == -ENODEV ? "vanished" : "went down");
		else if (rc < 0 && rc != -EPIPE && !r.out.err)
			fprintf(stderr, "connmon flows: capture on '%s' failed: %s\n", r.ifname,
				strerror(-rc));
	}
	capture_close(r.cap);
free_table:
	outbuf_flush(&r.out);
	if (r.out.err && r.out.err != -EPIPE)
		fprintf(stderr, "connmon flows: cannot write output: %s\n", strerror(-r.out.err));
	/* A filter that does not compile is bad usage, like a bad socket filter. */
	if (rc == -EINVAL && r.o.filter && !r.cap)
		rc = 2;
	else if ((rc < 0 && rc != -EPIPE) || (r.out.err && r.out.err != -EPIPE))
		rc = 1;
	else if (rc < 0)
		rc = 0;
	outbuf_release(&r.out);
	flow_table_free(r.t);
	cli_opts_release(&r.o.c);
	return rc;
}
