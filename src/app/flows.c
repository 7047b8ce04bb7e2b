// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `connmon flows`: iftop.  libpcap capture on one interface (collect/capture)
 * feeds a flow table (analyze/flow_table) keyed on host pairs, or port pairs
 * with -P; the table's per-second rings give the 2/10/40 s averages, and
 * ui/flow_render prints them.  Forms: a live screen on a terminal, a text
 * block every 2 s on a pipe, one block after -s SEC, one after reading a
 * file with -r.
 *
 * Signals (SIGINT, SIGTERM, SIGWINCH) are blocked and read from a signalfd
 * in the same poll(2) as the capture and the keyboard: no handlers, no
 * globals, and the terminal is restored on every way out.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "analyze/flow_table.h"
#include "app/commands.h"
#include "base/outbuf.h"
#include "base/xalloc.h"
#include "collect/capture.h"
#include "ui/flow_render.h"

#define OUT_BUF_LEN	(64 * 1024)
#define MAX_SECONDS	(7 * 86400.0)
#define NS_PER_SEC	1000000000ull
#define PIPE_PERIOD_S	2.0
#define SCREEN_PERIOD_S 1.0
/* Live: flows silent this long leave the table (their bytes stay in the totals). */
#define LIVE_IDLE_SECS 60
/* After -s SEC: how long to wait for the kernel to hand over its last block. */
#define DRAIN_MS 150

static const char usage[] =
	"usage: connmon flows [-i IFACE] [-f FILTER] [-P] [-s SEC | -r FILE] [--json]\n"
	"                     [--sort COLUMN] [--top N] [-n] [-N NETNS]\n"
	"  Traffic per host pair (per port pair with -P), as iftop: rates over the last\n"
	"  2 s, 10 s and 40 s sent (=>) and received (<=) by the local side, peak and\n"
	"  cumulative bytes, totals, and the kernel's drop count.  Needs CAP_NET_RAW.\n"
	"  -i IFACE       capture on IFACE (default: the default route's interface)\n"
	"  -f FILTER      pcap filter expression, e.g. 'tcp port 443'\n"
	"  -P             per port pair (and protocol) instead of per host pair\n"
	"  -s SEC         capture SEC seconds, print once and exit (for scripts)\n"
	"  -r FILE        read a pcap file instead; the windows use its timestamps\n"
	"  --sort COLUMN  2s, 10s, 40s, total, peak, sent, recv (default 10s; -r: total)\n"
	"  --top N        show the first N flows only\n"
	"  --json         JSON (docs/JSON-flows.md) instead of the table\n"
	"  -n             numeric addresses (the default: names are never looked up)\n"
	"  Without -s/-r: a live screen on a terminal ('q' quits), else a block every 2 s.\n";

struct flows_opts {
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
	int sig_fd;
	bool tty_raw;
	struct termios saved_tty;
};

__attribute__((format(printf, 1, 2))) static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("connmon flows: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'connmon flows --help'.\n", stderr);
	return -EINVAL;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int parse_args(struct flows_opts *o, int argc, char **argv, bool *help)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },	  { "json", no_argument, NULL, 'J' },
		{ "sort", required_argument, NULL, 'S' }, { "top", required_argument, NULL, 'T' },
		{ "net", required_argument, NULL, 'N' },  { NULL, 0, NULL, 0 },
	};
	char *end;
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":hi:f:Ps:r:nN:", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			*help = true;
			return 0;
		case 'i':
			o->ifname = optarg;
			break;
		case 'f':
			o->filter = optarg;
			break;
		case 'P':
			o->ports = true;
			break;
		case 's':
			errno = 0;
			o->seconds = strtod(optarg, &end);
			if (errno || end == optarg || *end || !(o->seconds > 0) ||
			    o->seconds > MAX_SECONDS)
				return usage_error("invalid seconds '%s': expected a number > 0",
						   optarg);
			break;
		case 'r':
			o->file = optarg;
			break;
		case 'n':
		case 'N': /* entered by app_main already */
			break;
		case 'J':
			o->json = true;
			break;
		case 'S':
			if (!flow_sort_parse(optarg, &o->sort))
				return usage_error("invalid sort column '%s': expected 2s, 10s, "
						   "40s, total, peak, sent or recv",
						   optarg);
			o->sort_name = optarg;
			break;
		case 'T':
			errno = 0;
			o->top = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || o->top <= 0)
				return usage_error(
					"invalid --top '%s': expected a positive integer", optarg);
			break;
		case ':':
			return usage_error("option '%s' needs a value", argv[optind - 1]);
		default:
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (o->file && o->seconds > 0)
		return usage_error("-s and -r do not go together");
	if (o->file && o->ifname)
		return usage_error("-i and -r do not go together");
	if (o->sort_name == NULL) {
		o->sort = o->file ? FLOW_SORT_TOTAL : FLOW_SORT_10S;
		o->sort_name = o->file ? "total" : "10s";
	}
	return 0;
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

static void term_size(unsigned *rows, unsigned *cols)
{
	struct winsize ws;

	*rows = 24;
	*cols = 80;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0) {
		*rows = ws.ws_row;
		*cols = ws.ws_col;
	}
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
		term_size(&rows_n, &cols);
		flow_render_screen(&r->out, &rep, rows_n, cols);
	} else {
		flow_render_text(&r->out, &rep);
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

/*
 * Polls the capture, the signals and (live screen) the keyboard until the
 * deadline (mono ms, 0: none) or a quit; prints every period_ms (0: never).
 * Returns 0, or -errno from the capture or the output.
 */
static int live_loop(struct flows_run *r, uint64_t deadline_ms, uint64_t period_ms,
		     enum out_form form)
{
	struct pollfd pfd[3];
	uint64_t next_ms = mono_ms() + period_ms;
	int key_fd = form == FORM_SCREEN && r->tty_raw ? STDIN_FILENO : -1;

	for (;;) {
		uint64_t now = mono_ms(), wake = deadline_ms;
		int rc;

		if (period_ms && (wake == 0 || next_ms < wake))
			wake = next_ms;
		if (deadline_ms && now >= deadline_ms)
			return 0;
		if (period_ms && now >= next_ms) {
			flow_table_expire(r->t, now_ns(), LIVE_IDLE_SECS);
			rc = emit(r, now_ns(), form);
			if (rc < 0)
				return rc;
			next_ms = now + period_ms;
			continue;
		}
		pfd[0] = (struct pollfd){ .fd = capture_fd(r->cap), .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = r->sig_fd, .events = POLLIN };
		pfd[2] = (struct pollfd){ .fd = key_fd, .events = POLLIN };
		rc = poll(pfd, 3, wake ? (int)(wake - now) : -1);
		if (rc < 0 && errno != EINTR)
			return -errno;
		if (pfd[1].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(r->sig_fd, &si, sizeof(si)) == sizeof(si) &&
			    si.ssi_signo != SIGWINCH)
				return 1; /* interrupted: the caller prints the last state */
			next_ms = now;	  /* SIGWINCH: redraw */
		}
		if (key_fd >= 0 && (pfd[2].revents & (POLLIN | POLLHUP)) && read_keys(&key_fd))
			return 1;
		/* Always drain: a retired block may be waiting even without POLLIN. */
		rc = capture_dispatch(r->cap, 0, on_packet, r);
		if (rc < 0)
			return rc;
	}
}

/* After -s: what the kernel still holds for the last DRAIN_MS, up to the cutoff. */
static int drain(struct flows_run *r)
{
	uint64_t end = mono_ms() + DRAIN_MS;
	int rc;

	while (mono_ms() < end) {
		rc = capture_dispatch(r->cap, 20, on_packet, r);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int run_live(struct flows_run *r)
{
	bool screen = !r->o.json && r->o.seconds == 0 && isatty(STDOUT_FILENO);
	enum out_form form = r->o.json ? FORM_JSON : screen ? FORM_SCREEN : FORM_TEXT;
	int rc;

	r->start_ns = now_ns();
	flow_table_set_start(r->t, r->start_ns);
	r->cutoff_ns = UINT64_MAX;
	if (r->o.seconds > 0) {
		rc = live_loop(r, mono_ms() + (uint64_t)(r->o.seconds * 1000), 0, form);
		r->cutoff_ns = now_ns();
		if (rc >= 0)
			rc = drain(r);
		/* An interface that vanished or went down ends the capture, not the results. */
		if (rc >= 0 || rc == -ENODEV || rc == -ENETDOWN) {
			int erc = emit(r, r->cutoff_ns, form);

			rc = rc < 0 ? rc : erc;
		}
		return rc;
	}
	tty_enter(r, screen);
	if (screen)
		emit(r, now_ns(), form);
	rc = live_loop(r, 0, (uint64_t)((screen ? SCREEN_PERIOD_S : PIPE_PERIOD_S) * 1000), form);
	tty_leave(r, screen);
	/* Interrupted on a pipe: a last block, as iftop -t does not but scripts want. */
	if (rc == 1 && !screen)
		rc = emit(r, now_ns(), form);
	return rc == 1 ? 0 : rc;
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

static int block_signals(struct flows_run *r, sigset_t *old)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGWINCH);
	if (sigprocmask(SIG_BLOCK, &set, old) < 0)
		return -errno;
	r->sig_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	return r->sig_fd < 0 ? -errno : 0;
}

int cmd_flows(int argc, char **argv)
{
	struct flows_run r = { .sig_fd = -1 };
	bool help = false;
	sigset_t old;
	int rc;

	if (parse_args(&r.o, argc, argv, &help) < 0)
		return 2;
	if (help) {
		fputs(usage, stdout);
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
		rc = block_signals(&r, &old);
		if (rc == 0)
			rc = run_live(&r);
		if (r.sig_fd >= 0)
			close(r.sig_fd);
		sigprocmask(SIG_SETMASK, &old, NULL);
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
	else
		rc = 0;
	outbuf_release(&r.out);
	flow_table_free(r.t);
	return rc;
}
