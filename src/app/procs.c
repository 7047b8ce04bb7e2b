// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `connmon procs`: traffic per process, as nethogs shows it, from one of two
 * engines (analyze/proc_traffic.h): tcp_info byte counters per socket cookie
 * (no capture, TCP), or a capture matched to sockets (TCP and UDP).
 *
 * Socket -> process: /proc/PID/fd costs about 5 us per descriptor, so it is
 * never walked per tick.  proc_traffic remembers the owner of every cookie;
 * /proc is read only when a socket that moved bytes has no known owner, and
 * then only processes that are new or whose descriptor count changed
 * (st_size of /proc/PID/fd, kernel 6.2+), stopping as soon as every wanted
 * inode is found.  A full walk happens on the first need, and again at most
 * every FULL_RESCAN_S while some owner stays unknown.
 *
 * --all-netns: socket inodes and cookies are global, so one /proc map serves
 * every namespace; a sock_diag socket is opened inside each namespace (setns
 * and back) and kept for the session.
 */
#include "app/procs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "analyze/proc_traffic.h"
#include "app/commands.h"
#include "app/loop.h"
#include "app/tick.h"
#include "base/outbuf.h"
#include "base/xalloc.h"
#include "cli/cmdline.h"
#include "collect/capture.h"
#include "collect/netns.h"
#include "collect/procscan.h"
#include "collect/sockdiag.h"
#include "ui/proc_render.h"
#include "ui/term.h"

static const char usage[] =
	"usage: connmon procs [-i IFACE] [-s SEC | -w SEC [--iterations N]] [-W]\n"
	"                     [--json|--csv] [--engine auto|tcpinfo|capture]\n"
	"                     [-N NETNS | --all-netns]\n"
	"\n"
	"Traffic per process (pid, user, command): sent and received rates and session\n"
	"totals.\n"
	"  --engine tcpinfo  no capture: tcp_info byte counters per socket (TCP, payload\n"
	"                    bytes)\n"
	"  --engine capture  packets on IFACE matched to sockets (TCP and UDP, wire\n"
	"                    bytes); needs CAP_NET_RAW\n"
	"  --engine auto     capture when it can be opened, else tcpinfo (the default)\n"
	"  -i, --iface IFACE interface to capture on (default: any)\n"
	"  -s, --seconds SEC one measurement over SEC seconds (default 1), print, exit\n"
	"  -w, --watch SEC   refresh every SEC seconds (live screen on a terminal)\n"
	"  --iterations N    stop after N refreshes\n"
	"  --json, --csv     machine-readable output (one JSON object per refresh)\n"
	"  -W, --wide        a wider PROGRAM column and nethogs' DEV column\n"
	"  -N, --net NETNS   inside a named network namespace\n"
	"  --all-netns       every network namespace; sockets attributed to their\n"
	"                    processes (tcpinfo engine only)\n"
	"Traffic no process can be found for is its own row, \"unattributed\".\n"
	"See docs/COMMANDS-procs.md.\n";

static const struct cli_cmd procs_cmd = {
	.name = "procs",
	.accepts = CLI_CSV | CLI_WATCH | CLI_SECONDS | CLI_IFACE | CLI_ENGINE | CLI_ALL_NETNS |
		   CLI_WIDE,
};

/* ---- options ---- */

static int parse_engine(const char *name, enum engine *out, struct strbuf *err)
{
	static const char *const names[] = { "auto", "tcpinfo", "capture" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(name, names[i])) {
			*out = (enum engine)i;
			return 0;
		}
	}
	strbuf_addf(err, "invalid value '%s' for '--engine': expected auto, tcpinfo or capture",
		    name);
	return -EINVAL;
}

static int check_opts(const struct procs_opts *o, struct strbuf *err)
{
	if (o->all_netns && o->netns)
		strbuf_addstr(err, "-N and --all-netns exclude each other");
	else if (o->all_netns && o->engine == ENGINE_CAPTURE)
		strbuf_addstr(err, "--all-netns works with --engine tcpinfo only "
				   "(a capture sees one namespace's interface)");
	else
		return 0;
	return -EINVAL;
}

static int parse_opts(struct procs_opts *o, int argc, char **argv)
{
	struct strbuf err = STRBUF_INIT;
	struct cli_opts c;
	int ret;

	memset(o, 0, sizeof(*o));
	cli_opts_init(&c);
	ret = cli_parse(&procs_cmd, &c, argc, argv, &err);
	if (!ret && c.engine)
		ret = parse_engine(c.engine, &o->engine, &err);
	o->ifname = c.nr_ifaces ? c.ifaces[0] : NULL;
	c.nr_ifaces = 0; /* o->ifname takes the string over */
	o->netns = c.netns;
	o->sample_s = c.seconds;
	o->watch_s = c.watch_s;
	o->count = c.iterations;
	o->json = c.json;
	o->csv = c.csv;
	o->all_netns = c.all_netns;
	o->help = c.help;
	o->wide = c.wide;
	if (!ret && !o->help)
		ret = check_opts(o, &err);
	if (ret < 0)
		cli_usage_error("procs", err.buf);
	strbuf_release(&err);
	cli_opts_release(&c);
	return ret;
}

/* ---- capture ---- */

static void on_packet(const struct pkt_info *p, void *arg)
{
	proc_traffic_packet(arg, p);
}

static bool is_loopback(const char *ifname)
{
	char path[128], buf[16];
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/class/net/%s/type", ifname);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	return strtol(buf, NULL, 10) == 772; /* ARPHRD_LOOPBACK */
}

static int open_engine(struct procs_run *r)
{
	/* Every frame counts: ARP and the like belong in the unattributed row. */
	struct capture_opts co = { .ifname = r->o.ifname ? r->o.ifname : "any",
				   .all_frames = true };
	char err[256] = "";
	int ret;

	/* An interface that does not exist is a mistake to say, whatever the engine. */
	if (r->o.ifname && strcmp(r->o.ifname, "any") && !if_nametoindex(r->o.ifname)) {
		fprintf(stderr, "connmon procs: no interface '%s' (see 'ip link')\n", r->o.ifname);
		return -ENODEV;
	}
	if (r->o.engine == ENGINE_TCPINFO || r->o.all_netns) {
		r->engine_why = "tcp_info byte counters per socket: TCP payload bytes, no capture";
		return 0;
	}
	ret = capture_open(&r->cap, &co, err, sizeof(err));
	if (ret < 0) {
		r->cap = NULL;
		if (ret == -ENODEV && r->o.ifname) { /* vanished since the check above */
			fprintf(stderr, "connmon procs: no interface '%s' (see 'ip link')\n",
				r->o.ifname);
			return ret;
		}
		if (r->o.engine == ENGINE_CAPTURE) {
			fprintf(stderr, "connmon procs: cannot capture on '%s': %s%s\n", co.ifname,
				err[0] ? err : strerror(-ret),
				ret == -EPERM ? " (needs CAP_NET_RAW)" : "");
			return ret;
		}
		r->engine_why =
			"capture unavailable, so tcp_info counters: TCP only, payload bytes";
		/* Asked for an interface: say why its capture is not used. */
		if (r->o.ifname)
			fprintf(stderr,
				"connmon procs: cannot capture on '%s' (%s%s); tcp_info counters instead\n",
				co.ifname, err[0] ? err : strerror(-ret),
				ret == -EPERM ? ", needs CAP_NET_RAW" : "");
		return 0;
	}
	r->pt.loopback = is_loopback(co.ifname);
	r->engine_why = "packets matched to sockets: TCP and UDP, wire bytes";
	return 0;
}

/*
 * Capture: packets of a new connection arrived; dump now, while its socket
 * and its process exist, rather than at the end of the refresh.
 */
static void early_dump(struct procs_run *r)
{
	size_t held = proc_traffic_nr_pending(&r->pt);

	proc_traffic_begin_dump(&r->pt);
	r->last_dump_ns = loop_now_ns();
	if (dump_all(r, NULL, 0) == 0 && proc_traffic_end_dump(&r->pt))
		walk_owners(r);
	/* Packets no dump explains (a scan of closed ports): back off, up to 16 times. */
	if (proc_traffic_nr_pending(&r->pt) < held)
		r->early_backoff = 0;
	else if (r->early_backoff < 4)
		r->early_backoff++;
}

/* Milliseconds until an early dump is due, or -1 when none is wanted. */
static int early_dump_ms(struct procs_run *r, uint64_t now)
{
	uint64_t due = r->last_dump_ns + (EARLY_DUMP_MS * 1000000ull << r->early_backoff);

	if (!r->cap || !proc_traffic_wants_dump(&r->pt))
		return -1;
	return now >= due ? 0 : (int)((due - now + 999999) / 1000000);
}

/* Ends the run on a capture that failed (the interface vanished or went down). */
static void capture_failed(struct procs_run *r, int rc)
{
	r->cap_lost = rc == -ENODEV || rc == -ENETDOWN;
	r->cap_err = rc;
	if (!r->cap_lost)
		fprintf(stderr, "connmon procs: capture failed: %s\n", strerror(-rc));
	if (capture_fd(r->cap) >= 0)
		loop_del_fd(&r->loop, capture_fd(r->cap));
	/* The figures up to now: one last tick, then stop. */
	tick_now(&r->tick);
	loop_stop(&r->loop);
}

static void on_early_timer(struct loop *l, void *arg)
{
	struct procs_run *r = arg;

	(void)l;
	r->early_timer = -1;
	if (early_dump_ms(r, loop_now_ns()) == 0)
		early_dump(r);
}

/* After packets: a new connection's socket is dumped within EARLY_DUMP_MS, while it lives. */
static void schedule_early_dump(struct procs_run *r)
{
	uint64_t now = loop_now_ns();
	int ms = early_dump_ms(r, now);

	if (ms == 0)
		early_dump(r);
	else if (ms > 0 && r->early_timer < 0)
		r->early_timer = loop_add_timer(&r->loop, now + (uint64_t)ms * 1000000ull,
						on_early_timer, r);
}

static void on_capture(struct loop *l, int fd, short revents, void *arg)
{
	struct procs_run *r = arg;
	int rc = capture_dispatch(r->cap, 0, on_packet, &r->pt);

	(void)l;
	(void)fd;
	(void)revents;
	if (rc < 0)
		capture_failed(r, rc);
	else
		schedule_early_dump(r);
}

static void on_poll_timer(struct loop *l, void *arg)
{
	struct procs_run *r = arg;

	on_capture(l, -1, 0, r);
	if (!r->cap_err)
		r->poll_timer = loop_add_timer(l, loop_now_ns() + 100000000ull, on_poll_timer, r);
}

/* Packets reach proc_traffic as they arrive, between ticks. */
static int watch_capture(struct procs_run *r)
{
	if (!r->cap)
		return 0;
	if (capture_fd(r->cap) >= 0)
		return loop_add_fd(&r->loop, capture_fd(r->cap), POLLIN, on_capture, r);
	r->poll_timer = loop_add_timer(&r->loop, loop_now_ns(), on_poll_timer, r);
	return r->poll_timer < 0 ? r->poll_timer : 0;
}

/* ---- one tick and output ---- */

static const char *user_name(struct procs_run *r, uint32_t uid)
{
	bool is_new;
	uint64_t *slot = u64map_upsert(&r->uid_idx, uid, &is_new);

	if (is_new) {
		struct passwd pw, *res = NULL;
		char buf[1024];

		ALLOC_GROW(r->users, r->nr_users + 1, r->alloc_users);
		if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) == 0 && res)
			snprintf(r->users[r->nr_users], sizeof(r->users[0]), "%s", res->pw_name);
		else
			snprintf(r->users[r->nr_users], sizeof(r->users[0]), "%u", uid);
		*slot = ++r->nr_users;
	}
	return r->users[*slot - 1];
}

static void fill_row(struct procs_run *r, struct proc_row *row, const struct pt_proc *p)
{
	*row = (struct proc_row){
		.pid = p->pid,
		.uid = p->uid,
		.user = p->pid < 0 ? NULL : user_name(r, p->uid),
		.comm = p->comm,
		.command = p->command,
		.exited = p->exited,
		.tcp_tx_bytes = p->tx_bytes[PT_TCP],
		.tcp_rx_bytes = p->rx_bytes[PT_TCP],
		.udp_tx_bytes = p->tx_bytes[PT_UDP],
		.udp_rx_bytes = p->rx_bytes[PT_UDP],
		.tx_bytes_per_s = p->tx_bytes_per_s,
		.rx_bytes_per_s = p->rx_bytes_per_s,
		.nr_sockets = p->nr_sockets,
	};
}

/* The live screen: rows for processes and the columns (ui/term.h); a table: its width. */
static size_t screen_fit(const struct procs_run *r, unsigned *width)
{
	unsigned rows, cols;

	*width = term_width(STDOUT_FILENO, r->o.wide);
	if (!r->live || !term_size(STDOUT_FILENO, &rows, &cols))
		return 0;
	*width = cols;
	return rows < 12 ? 0 : rows - 11u;
}

static int render(struct procs_run *r, uint64_t interval_ns, long tick)
{
	struct proc_row unatt, exited;
	struct capture_stats cs = { 0 };
	struct proc_view v = {
		.engine = r->cap ? "capture" : "tcpinfo",
		.engine_why = r->engine_why,
		.dev = r->cap ? (r->o.ifname ? r->o.ifname : "any") : NULL,
		.netns = r->o.all_netns ? "all" : r->o.netns,
		.interval_s = (double)interval_ns / 1e9,
		.session_s = (double)(r->last_ns - r->start_ns) / 1e9,
		.when = (time_t)(r->wall_ns / 1000000000LL),
		.nr_netns = r->o.all_netns ? r->nr_ns : 0,
		.nr_procs_denied = r->scan.nr_denied,
		.rows = r->rows,
		.unattributed = &unatt,
		.exited = &exited,
		.nr_exited = proc_traffic_nr_folded(&r->pt),
	};

	if (r->cap && capture_get_stats(r->cap, &cs) == 0)
		v.capture_drops = cs.dropped + cs.if_dropped;
	ALLOC_GROW(r->rows, r->pt.nr_procs, r->alloc_rows);
	r->order = xreallocarray(r->order, r->alloc_rows, sizeof(*r->order));
	v.rows = r->rows;
	v.nr_rows = proc_traffic_sorted(&r->pt, r->order);
	/*
	 * User names first: the name table may grow (and move) while it learns
	 * new uids, so no row takes a pointer into it before all are known.  It
	 * forgets everything past PROCS_MAX_USERS uids (a bound for long runs).
	 */
	if (r->nr_users > PROCS_MAX_USERS) {
		u64map_reset(&r->uid_idx);
		r->nr_users = 0;
	}
	for (size_t i = 0; i < v.nr_rows; i++)
		if (r->pt.procs[r->order[i]].pid >= 0)
			user_name(r, r->pt.procs[r->order[i]].uid);
	for (size_t i = 0; i < v.nr_rows; i++)
		fill_row(r, &r->rows[i], &r->pt.procs[r->order[i]]);
	fill_row(r, &unatt, &r->pt.procs[PT_UNATTRIBUTED]);
	fill_row(r, &exited, proc_traffic_exited_row(&r->pt));
	if (r->o.json)
		proc_render_json(&r->out, &v);
	else if (r->o.csv)
		proc_render_csv(&r->out, &v, tick == 0);
	else {
		unsigned width;
		size_t max_rows = screen_fit(r, &width);

		proc_render_table(&r->out, &v, r->live, max_rows, width);
	}
	if (!r->o.json && !r->o.csv && !r->live && r->o.watch_s > 0)
		outbuf_addch(&r->out, '\n');
	return outbuf_flush(&r->out);
}

/* The source: one dump (or a hot one), the owners, the rates over the tick's interval. */
static int procs_sample(void *src, struct tick *t, struct snapshot *snap)
{
	struct procs_run *r = src;
	uint64_t interval;
	int ret;

	(void)t;
	r->now_ns = snap->mono_ns;
	r->wall_ns = snap->wall_ns;
	/* What the ring holds up to now belongs to this tick. */
	if (r->cap && !r->cap_err && (ret = capture_dispatch(r->cap, 0, on_packet, &r->pt)) < 0)
		r->cap_err = ret;
	ret = start_tick(r);
	if (ret < 0) {
		fprintf(stderr, "connmon procs: socket dump failed: %s\n", strerror(-ret));
		return ret;
	}
	find_owners(r);
	if (!r->start_ns)
		r->start_ns = snap->mono_ns;
	interval = r->last_ns ? snap->mono_ns - r->last_ns : 0;
	r->last_ns = snap->mono_ns;
	proc_traffic_end_tick(&r->pt, interval);
	r->interval_ns = interval;
	check_exited(r);
	return 0;
}

static void procs_sizes(void *src, struct table_sizes *ts)
{
	struct procs_run *r = src;

	table_sizes_add(ts, "processes", proc_traffic_nr_procs(&r->pt));
	table_sizes_add(ts, "process_slots", r->pt.nr_procs); /* live, exited and free */
	table_sizes_add(ts, "sockets", proc_traffic_nr_socks(&r->pt));
	table_sizes_add(ts, "tuples", proc_traffic_nr_tuples(&r->pt));
	table_sizes_add(ts, "pending", proc_traffic_nr_pending(&r->pt));
	table_sizes_add(ts, "owners", r->pt.owners.nr);
	table_sizes_add(ts, "cookies", r->pt.by_cookie.nr);
	table_sizes_add(ts, "scanned_pids", proc_scanner_nr_pids(&r->scan));
	table_sizes_add(ts, "netns", r->nr_ns);
	table_sizes_add(ts, "users", r->nr_users);
	table_sizes_add(ts, "rows_alloc", r->alloc_rows);
}

static const struct source_ops procs_source = {
	.name = "procs",
	.sample = procs_sample,
	.sizes = procs_sizes,
};

static int procs_consume(void *c, const struct snapshot *prev, const struct snapshot *cur)
{
	struct procs_run *r = c;

	(void)prev;
	if (cur->baseline)
		return 0;
	return render(r, r->interval_ns, r->nr_reports++);
}

static void procs_redraw(void *c)
{
	struct procs_run *r = c;

	if (r->live && r->nr_reports)
		render(r, r->interval_ns, r->nr_reports);
}

static const struct consumer_ops procs_consumer = {
	.name = "procs",
	.consume = procs_consume,
	.redraw = procs_redraw,
};

static int run(struct procs_run *r)
{
	double step_s = r->o.watch_s > 0 ? r->o.watch_s : r->o.sample_s > 0 ? r->o.sample_s : 1;
	struct tick_opts to = {
		.interval_ns = (uint64_t)(step_s * 1e9),
		.count = r->o.watch_s > 0 || r->live ? (uint64_t)r->o.count : 1,
		.baseline = true,
	};
	int ret;

	tick_init(&r->tick, &r->loop, &to);
	tick_add_source(&r->tick, &procs_source, r);
	tick_add_consumer(&r->tick, &procs_consumer, r);
	ret = watch_capture(r);
	if (ret < 0) {
		fprintf(stderr, "connmon procs: cannot watch the capture: %s\n", strerror(-ret));
		tick_release(&r->tick);
		return 1;
	}
	tick_run(&r->tick);
	ret = r->cap_err ? 1 : tick_exit_code(&r->tick);
	tick_release(&r->tick);
	return ret;
}

static int open_sources(struct procs_run *r)
{
	struct stat st;
	int ret, self;

	if (r->o.all_netns) {
		discover_netns(r);
		if (!r->nr_ns) {
			fprintf(stderr, "connmon procs: cannot open any network namespace\n");
			return -ENOENT;
		}
		return open_engine(r);
	}
	self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	ret = self < 0 ? -errno :
	      fstat(self, &st) < 0 ?
			 -errno :
			 add_ns(r, self, &(struct netns_id){ .dev = st.st_dev, .ino = st.st_ino });
	if (self >= 0)
		close(self);
	if (ret < 0) {
		fprintf(stderr, "connmon procs: cannot open sock_diag: %s\n", strerror(-ret));
		return ret;
	}
	return open_engine(r);
}

static void release(struct procs_run *r)
{
	if (r->live)
		outbuf_addstr(&r->out, "\033[?25h");
	outbuf_release(&r->out);
	if (r->cap)
		capture_close(r->cap);
	for (size_t i = 0; i < r->nr_ns; i++)
		sockdiag_close(r->ns[i].sd);
	free(r->ns);
	free(r->rows);
	free(r->order);
	free(r->users);
	proc_scanner_release(&r->scan);
	u64map_release(&r->uid_idx);
	proc_traffic_release(&r->pt);
	loop_close(&r->loop);
	free(r->o.ifname);
}

int cmd_procs(const struct app_ctx *ctx, int argc, char **argv)
{
	struct procs_run r;
	int ret;

	(void)ctx;

	memset(&r, 0, sizeof(r));
	r.loop.sig_fd = r.loop.timer_fd = -1;
	r.early_timer = -1;
	if (parse_opts(&r.o, argc, argv) < 0) {
		free(r.o.ifname);
		return 2;
	}
	if (r.o.help) {
		fputs(usage, stdout);
		free(r.o.ifname);
		return 0;
	}
	proc_traffic_init(&r.pt);
	proc_scanner_init(&r.scan, "/proc");
	u64map_init(&r.uid_idx);
	outbuf_init(&r.out, STDOUT_FILENO, OUT_BUF_LEN);
	/* On a terminal without -s, --json or --csv: the live screen, as nethogs. */
	r.live = isatty(STDOUT_FILENO) && !r.o.json && !r.o.csv && r.o.sample_s <= 0;
	if (r.live && r.o.watch_s <= 0)
		r.o.watch_s = 1;
	/* A closed pipe (`| head`) must end us quietly: see EPIPE below. */
	signal(SIGPIPE, SIG_IGN);
	ret = loop_open(&r.loop);
	if (ret < 0)
		fprintf(stderr, "connmon procs: cannot set up the event loop: %s\n",
			strerror(-ret));
	if (ret == 0)
		ret = open_sources(&r);
	if (ret == 0) {
		if (r.live)
			outbuf_addstr(&r.out, "\033[?25l");
		ret = run(&r);
	} else {
		ret = 1;
	}
	outbuf_flush(&r.out);
	if (r.cap_lost)
		fprintf(stderr,
			"connmon procs: interface '%s' %s during the capture; the figures above cover the time until then\n",
			r.o.ifname ? r.o.ifname : "any",
			r.cap_err == -ENODEV ? "vanished" : "went down");
	if (r.out.err && r.out.err != -EPIPE) {
		fprintf(stderr, "connmon procs: cannot write output: %s\n", strerror(-r.out.err));
		ret = 1;
	}
	release(&r);
	return ret;
}
