// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `connmon top`: one live screen for every view (docs/COMMANDS-top.md).
 *
 * Standalone mode: top collects itself on the shared tick (app/tick.h):
 * sources link (rtnetlink), snmp (/proc/net) and one socket walk of every
 * TCP, UDP and RAW socket with processes and tcp_info; a capture only when
 * a view needs one.  One consumer hands every item to every view module
 * (app/top_view.h) and, after the sources, has the view on screen fill its
 * table and draws the frame (ui/top_screen).  The keyboard is a watched
 * descriptor on the loop (top_keys.c); SIGWINCH reaches consume's redraw.
 *
 * While the screen is up, stderr is a pipe on the loop: what the walk or a
 * collector would print (a fallback, a refused fwmark filter) appears in
 * the status line instead of scribbling over the screen, and goes back to
 * the real stderr at exit.
 */
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app/commands.h"
#include "app/top_int.h"
#include "base/outbuf.h"
#include "base/xalloc.h"
#include "cli/cmdline.h"
#include "collect/capture.h"

#define TOP_INTERVAL_DEFAULT_S 1.0

static const char usage[] =
	"usage: connmon top [-i SEC] [--view NAME] [--sort COLUMN] [--filter EXPR]\n"
	"                   [--ascii] [--no-color] [-n] [-N NETNS]\n"
	"                   [--agent[=PATH] | --standalone] [FILTER]\n"
	"  A live full screen of the connections, traffic, processes, interfaces,\n"
	"  listeners and alerts of this host, as htop and iftop show theirs.\n"
	"  -i, --interval SEC  refresh every SEC seconds (default 1)\n"
	"  --view NAME         start in view NAME: overview, sockets, ifaces,\n"
	"                      listeners (and the other views' names on the tabs)\n"
	"  --sort COLUMN       sort the first view by COLUMN (its header's name)\n"
	"  --filter EXPR       ss's filter grammar on the sockets (docs/FILTERS.md);\n"
	"                      the words after the options do the same\n"
	"  --ascii             ASCII line drawing even in a UTF-8 locale\n"
	"  --no-color          attributes only (NO_COLOR in the environment too)\n"
	"  -n, --numeric       port numbers, not service names\n"
	"  --db PATH           the agent's database, for the alerts view (default:\n"
	"                      [agent] db of the config)\n"
	"  --agent[=PATH]      read a running agent through its local socket (default:\n"
	"                      [agent] socket of the config); unreachable: exit 2\n"
	"  --standalone        collect here even when an agent runs (without either,\n"
	"                      top reads the agent when its socket answers)\n"
	"  Keys: F1 or h shows them all; q quits.\n"
	"  See docs/COMMANDS-top.md.\n";

static const struct cli_cmd top_cmd = {
	.name = "top",
	.accepts = CLI_SCREEN | CLI_SORT | CLI_NUMERIC | CLI_ARGS | CLI_DB,
};

void top_status(struct top_run *r, bool error, const char *fmt, ...)
{
	va_list ap;

	strbuf_reset(&r->status);
	va_start(ap, fmt);
	strbuf_vaddf(&r->status, fmt, ap);
	va_end(ap);
	r->status_error = error;
}

int top_find_view(const struct top_run *r, const char *name)
{
	for (size_t i = 0; i < r->nr_views; i++)
		if (!strcmp(r->views[i].ops->name, name))
			return (int)i;
	return -1;
}

/* ---- the socket walk and its filter ---- */

/* The walk's options: every inet socket in every state, processes and tcp_info, then filter. */
static int walk_opts(struct sock_opts *o, const char *filter, struct strbuf *err)
{
	char a0[] = "top", a1[] = "-a", a2[] = "-p", a3[] = "-i";
	char *words = xstrdup(filter ? filter : "");
	char *argv[] = { a0, a1, a2, a3, words, NULL };
	int argc = words[0] ? 5 : 4, ret;
	const uint32_t inet = PROTO_BIT(PROTO_TCP) | PROTO_BIT(PROTO_UDP) | PROTO_BIT(PROTO_RAW);

	sock_opts_init(o);
	ret = sock_opts_parse(o, argc, argv, err);
	free(words);
	if (ret < 0)
		return -EINVAL;
	o->protos &= inet;
	if (!o->protos) {
		strbuf_addstr(err, "top shows inet sockets only: that filter selects unix sockets");
		return -EINVAL;
	}
	return 0;
}

int top_set_filter(struct top_run *r, const char *text)
{
	struct strbuf err = STRBUF_INIT;
	struct sock_opts o;

	if (walk_opts(&o, text, &err) < 0) {
		top_status(r, true, "%s", err.buf);
		strbuf_release(&err);
		sock_opts_release(&o);
		return -EINVAL;
	}
	strbuf_release(&err);
	if (r->walk_open)
		sock_walk_close(&r->walk);
	sock_opts_release(&r->sopts);
	r->sopts = o;
	r->walk_open = sock_walk_open(&r->walk, &r->sopts) == 0;
	/* Every second: the process map is kept and read again only where it changed. */
	r->walk.incremental_procs = true;
	r->ctx.filter_text =
		r->sopts.filter_text && r->sopts.filter_text[0] ? r->sopts.filter_text : NULL;
	if (!r->walk_open)
		top_status(r, true, "cannot list sockets with that filter");
	return 0;
}

/* The walk as a source: a failed dump is one status line, not the end of the screen. */
static int feed(const struct sock_entry *s, void *arg)
{
	return tick_feed_sock(arg, s);
}

static int walk_sample(void *src, struct tick *t, struct snapshot *snap)
{
	struct top_run *r = src;
	int ret;

	(void)snap;
	if (!r->walk_open)
		return 0;
	/* agent mode: the agent serves no socket list, so the walk runs for the sockets view only
	 */
	if (r->agent && strcmp(r->views[r->cur].ops->name, "sockets"))
		return 0;
	ret = sock_walk_run(&r->walk, feed, t);
	if (ret < 0)
		top_status(r, true, "listing sockets failed: %s", strerror(-ret));
	return 0;
}

static const struct source_ops top_walk_source = { .name = "sockets", .sample = walk_sample };

/* ---- the capture, for the views that want packets ---- */

static void on_packet(const struct pkt_info *p, void *arg)
{
	struct top_run *r = arg;

	tick_feed_packet(&r->tick, p);
}

static void on_capture(struct loop *l, int fd, short revents, void *arg)
{
	struct top_run *r = arg;
	int rc = capture_dispatch(r->cap, 0, on_packet, r);

	(void)revents;
	if (rc < 0) {
		r->cap_err = rc;
		r->ctx.capture_err = rc;
		loop_del_fd(l, fd);
	}
}

/* The source: what the ring holds now (a retired block may wait without POLLIN). */
static int capture_sample(void *src, struct tick *t, struct snapshot *snap)
{
	struct top_run *r = src;

	(void)t;
	(void)snap;
	if (r->cap && !r->cap_err && capture_dispatch(r->cap, 0, on_packet, r) < 0)
		r->cap_err = -EIO;
	return 0;
}

static const struct source_ops top_capture_source = { .name = "capture", .sample = capture_sample };

static void open_capture(struct top_run *r)
{
	struct capture_opts co = { .ifname = r->cap_iface };
	char err[256];
	bool wanted = false;

	for (size_t i = 0; i < r->nr_views; i++)
		wanted |= r->views[i].ops->needs_capture;
	if (!wanted)
		return;
	r->cap_err = capture_default_iface("/proc", r->cap_iface, sizeof(r->cap_iface));
	if (!r->cap_err)
		r->cap_err = capture_open(&r->cap, &co, err, sizeof(err));
	r->ctx.capture_iface = r->cap_err ? NULL : r->cap_iface;
	r->ctx.capture_err = r->cap_err;
	if (!r->cap_err && capture_fd(r->cap) >= 0)
		loop_add_fd(&r->loop, capture_fd(r->cap), POLLIN, on_capture, r);
}

/* ---- the consumer: every item to every module; the view on screen fills and draws ---- */

/*
 * Whether view i gets the tick's items.  In agent mode only the sockets view (its own walk)
 * does: the others fill from the agent (the frame; the alerts view asks the agent's socket),
 * and their collection (limits, process scans, the database) is the cost agent mode avoids.
 */
static bool gets_items(const struct top_run *r, size_t i)
{
	const struct top_view_ops *ops = r->views[i].ops;

	return !r->agent || ops == &top_sockets_view;
}

static int top_begin(void *c, const struct snapshot *cur)
{
	struct top_run *r = c;

	r->ctx.prev = r->tick.prev;
	r->ctx.cur = cur;
	r->ctx.interval_ns = r->tick.o.interval_ns;
	r->ctx.procs = &r->walk.procs;
	for (size_t i = 0; i < r->nr_views; i++)
		if (r->views[i].ops->begin && gets_items(r, i))
			r->views[i].ops->begin(r->views[i].v, &r->ctx);
	return 0;
}

static int top_sock(void *c, const struct sock_entry *s)
{
	struct top_run *r = c;

	for (size_t i = 0; i < r->nr_views; i++)
		if (r->views[i].ops->sock && gets_items(r, i))
			r->views[i].ops->sock(r->views[i].v, s);
	return 0;
}

static void top_packet(void *c, const struct pkt_info *p)
{
	struct top_run *r = c;

	for (size_t i = 0; i < r->nr_views; i++)
		if (r->views[i].ops->packet)
			r->views[i].ops->packet(r->views[i].v, p);
}

void top_refresh(struct top_run *r)
{
	struct top_view_state *vs = &r->views[r->cur];
	unsigned rows, cols;
	int ret;

	if (!r->have_tick)
		return;
	top_screen_size(&r->scr, &rows, &cols);
	r->ctx.width = cols;
	r->ctx.paused = r->paused;
	ret = vs->ops->fill(vs->v, &r->ctx, vs->narrow.ref.kind ? &vs->narrow : NULL, &vs->table);
	if (ret < 0)
		top_status(r, true, "view %s: %s", vs->ops->name, strerror(-ret));
	vs->filled = true;
	top_relayout(r);
}

static int top_consume(void *c, const struct snapshot *prev, const struct snapshot *cur)
{
	struct top_run *r = c;
	struct tm tm;
	time_t now = (time_t)(cur->wall_ns / 1000000000);

	(void)prev;
	r->have_tick = true;
	if (!r->paused) {
		if (localtime_r(&now, &tm))
			strftime(r->clock, sizeof(r->clock), "%Y-%m-%d %H:%M:%S", &tm);
		top_agent_clock(r);
		top_refresh(r);
	}
	top_draw(r);
	return r->quit ? TICK_QUIT : 0;
}

static void top_redraw(void *c)
{
	struct top_run *r = c;

	top_screen_resize(&r->scr);
	top_refresh(r);
	top_draw(r);
}

static const struct consumer_ops top_consumer = {
	.name = "top",
	.begin = top_begin,
	.sock = top_sock,
	.packet = top_packet,
	.consume = top_consume,
	.redraw = top_redraw,
};

/* ---- the keyboard and the stderr pipe on the loop ---- */

static void on_key(struct loop *l, int fd, short revents, void *arg)
{
	struct top_run *r = arg;
	int key, n = 0;

	if (revents & (POLLHUP | POLLERR | POLLNVAL)) {
		loop_del_fd(l, fd);
		loop_stop(l);
		return;
	}
	while ((key = top_screen_key(&r->scr)) != TOP_KEY_NONE && n++ < 256)
		top_handle_key(r, key);
	if (r->quit)
		loop_stop(l);
	else
		top_draw(r);
}

static void on_stderr(struct loop *l, int fd, short revents, void *arg)
{
	struct top_run *r = arg;
	char buf[1024];
	ssize_t n = read(fd, buf, sizeof(buf) - 1);

	(void)revents;
	if (n <= 0) {
		if (n == 0 || errno != EAGAIN)
			loop_del_fd(l, fd);
		return;
	}
	buf[n] = '\0';
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	top_status(r, true, "%s", buf);
	top_draw(r);
}

static void stderr_to_pipe(struct top_run *r)
{
	int p[2];

	r->err_fd = r->saved_stderr = -1;
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
		return;
	fflush(stderr);
	r->saved_stderr = dup(STDERR_FILENO);
	if (r->saved_stderr < 0 || dup2(p[1], STDERR_FILENO) < 0) {
		close(p[0]);
		close(p[1]);
		return;
	}
	close(p[1]);
	r->err_fd = p[0];
	loop_add_fd(&r->loop, r->err_fd, POLLIN, on_stderr, r);
}

static void stderr_back(struct top_run *r)
{
	if (r->saved_stderr < 0)
		return;
	fflush(stderr);
	dup2(r->saved_stderr, STDERR_FILENO);
	close(r->saved_stderr);
	if (r->err_fd >= 0) {
		loop_del_fd(&r->loop, r->err_fd);
		close(r->err_fd);
	}
	r->saved_stderr = r->err_fd = -1;
}

/* ---- the frame ---- */

void top_draw(struct top_run *r)
{
	struct top_view_state *vs = &r->views[r->cur];
	struct top_frame f = {
		.host = r->host,
		.clock = r->clock,
		.interval_s = r->interval_s,
		.paused = r->paused,
		.tabs = r->tabs,
		.nr_tabs = r->nr_views,
		.active = r->cur,
		.narrow = vs->narrow.ref.kind ? vs->narrow.label : NULL,
		.table = vs->filled ? &vs->table : NULL,
		.order = vs->order,
		.first = vs->first,
		.sel = vs->sel,
		.sort_col = vs->sort_col < 0 ? TOP_MAX_COLS : (size_t)vs->sort_col,
		.reverse = vs->reverse,
		.tagged = r->tagged,
		.search = r->search,
		.status = r->status.buf,
		.status_error = r->status_error,
	};

	if (r->mode == TOP_MODE_SEARCH || r->mode == TOP_MODE_FILTER) {
		f.prompt = r->mode == TOP_MODE_SEARCH ? "/" : "filter: ";
		f.input = r->input;
	}
	if (r->mode == TOP_MODE_SEARCH)
		f.search = r->input;
	if (r->mode == TOP_MODE_HELP) {
		f.overlay = TOP_OVERLAY_HELP;
		f.help = top_help_lines;
		f.nr_help = top_nr_help_lines;
	} else if (r->mode == TOP_MODE_CONFIRM) {
		f.overlay = TOP_OVERLAY_CONFIRM;
		f.confirm = r->question.buf;
	}
	top_screen_draw(&r->scr, &f);
}

void top_switch(struct top_run *r, size_t i, const struct top_narrow *narrow)
{
	struct top_view_state *vs;

	if (i >= r->nr_views)
		return;
	r->cur = i;
	vs = &r->views[i];
	if (narrow)
		vs->narrow = *narrow;
	else
		memset(&vs->narrow, 0, sizeof(vs->narrow));
	vs->sel = vs->first = 0;
	memset(&vs->sel_ref, 0, sizeof(vs->sel_ref));
	r->nr_tags = 0;
	top_refresh(r);
}

/* ---- the run ---- */

static int open_views(struct top_run *r)
{
	for (size_t i = 0; i < top_nr_views && r->nr_views < TOP_MAX_VIEWS; i++) {
		struct top_view_state *vs = &r->views[r->nr_views];
		int err = 0;

		vs->ops = top_views[i];
		vs->v = vs->ops->open(r->ctx.filter_text, &err);
		if (!vs->v) {
			fprintf(stderr, "connmon top: cannot open the %s view: %s\n", vs->ops->name,
				strerror(err ? -err : EINVAL));
			return -EINVAL;
		}
		vs->sort_col = -1;
		top_table_init(&vs->table);
		r->tabs[r->nr_views].name = vs->ops->name;
		r->tabs[r->nr_views].hotkey = vs->ops->hotkey;
		r->nr_views++;
	}
	return 0;
}

static void close_views(struct top_run *r)
{
	for (size_t i = 0; i < r->nr_views; i++) {
		r->views[i].ops->close(r->views[i].v);
		top_table_release(&r->views[i].table);
		free(r->views[i].order);
	}
	r->nr_views = 0;
}

/* --view and --sort, checked before the screen starts (a usage error is exit 2). */
static int pick_start(struct top_run *r)
{
	struct strbuf msg = STRBUF_INIT;
	int v = r->view_name ? top_find_view(r, r->view_name) : 0;

	if (v < 0) {
		strbuf_addf(&msg, "invalid value '%s' for '--view': expected", r->view_name);
		for (size_t i = 0; i < r->nr_views; i++)
			strbuf_addf(&msg, "%s %s", i ? "," : "", r->views[i].ops->name);
		cli_usage_error("top", msg.buf);
		strbuf_release(&msg);
		return 2;
	}
	r->cur = (size_t)v;
	strbuf_release(&msg);
	if (r->sort_name) {
		/* the columns are known after the first fill: top_relayout() applies sort_name */
		r->views[r->cur].sort_col = -2;
	}
	return 0;
}

static void setup(struct top_run *r)
{
	struct tick_opts to = {
		.interval_ns = (uint64_t)(r->interval_s * 1e9),
		.count = 0,
	};

	tick_init(&r->tick, &r->loop, &to);
	if (r->agent)
		tick_add_source(&r->tick, &top_agent_source, r);
	if (r->link_open)
		tick_add_source(&r->tick, &link_source_ops, &r->link);
	if (!r->agent)
		tick_add_source(&r->tick, &snmp_source_ops, &r->snmp);
	tick_add_source(&r->tick, &top_walk_source, r);
	if (r->cap)
		tick_add_source(&r->tick, &top_capture_source, r);
	tick_add_consumer(&r->tick, &top_consumer, r);
}

static int run_screen(struct top_run *r)
{
	int rc = top_screen_open(&r->scr, &r->screen_opts);

	if (rc == -ENOENT) {
		fprintf(stderr,
			"connmon top: cannot start the screen: unknown terminal type '%s' "
			"(TERM)\n",
			getenv("TERM") ? getenv("TERM") : "");
		return 1;
	}
	if (rc < 0) {
		fprintf(stderr, "connmon top: needs a terminal (stdin and stdout); for a "
				"script use 'connmon sockets', 'summary', 'ifaces' or '--json'\n");
		return 1;
	}
	r->key_fd = STDIN_FILENO;
	loop_add_fd(&r->loop, r->key_fd, POLLIN, on_key, r);
	stderr_to_pipe(r);
	top_draw(r);
	tick_run(&r->tick);
	stderr_back(r);
	top_screen_close(&r->scr);
	return tick_exit_code(&r->tick);
}

static int run(struct top_run *r)
{
	int rc = loop_open(&r->loop);

	if (rc < 0) {
		fprintf(stderr, "connmon top: cannot set up the event loop: %s\n", strerror(-rc));
		return 1;
	}
	if (!r->agent) { /* agent mode collects nothing but the sockets view's walk */
		r->link_open = link_source_open(&r->link, "/sys") == 0;
		snmp_source_init(&r->snmp, "/proc");
		open_capture(r);
	}
	setup(r);
	rc = run_screen(r);
	tick_release(&r->tick);
	if (r->cap)
		capture_close(r->cap);
	loop_close(&r->loop);
	return rc;
}

static int parse_args(struct top_run *r, struct cli_opts *o, int argc, char **argv,
		      struct strbuf *filter)
{
	struct strbuf err = STRBUF_INIT;
	int ret = top_agent_args(r, &argc, argv);

	if (ret)
		return ret;
	ret = cli_parse(&top_cmd, o, argc, argv, &err);

	if (!ret && o->filter && o->nr_args)
		strbuf_addstr(&err, "give the filter once: --filter EXPR or the words after the "
				    "options");
	if (err.len) {
		cli_usage_error("top", err.buf);
		strbuf_release(&err);
		return 2;
	}
	strbuf_release(&err);
	if (o->filter)
		strbuf_addstr(filter, o->filter);
	for (size_t i = 0; i < o->nr_args; i++)
		strbuf_addf(filter, "%s%s", i ? " " : "", o->args[i]);
	r->interval_s = o->interval_s > 0 ? o->interval_s : TOP_INTERVAL_DEFAULT_S;
	r->view_name = o->view;
	r->sort_name = o->sort;
	r->numeric = o->numeric;
	r->ctx.numeric = o->numeric;
	r->ctx.db_path = o->db;
	r->screen_opts.ascii = o->ascii;
	r->screen_opts.no_color = o->no_color;
	return 0;
}

static void run_release(struct top_run *r)
{
	close_views(r);
	if (r->walk_open)
		sock_walk_close(&r->walk);
	sock_opts_release(&r->sopts);
	strbuf_release(&r->status);
	strbuf_release(&r->question);
	free(r->tags);
	free(r->tagged);
	free(r->targets);
	top_agent_release(r);
}

/* The start: options, the filter (a bad one shows the caret and is exit 2), the views. */
static int start(struct top_run *r, int argc, char **argv, struct cli_opts *o)
{
	struct strbuf filter = STRBUF_INIT;
	int rc = parse_args(r, o, argc, argv, &filter);

	if (rc || o->help) {
		if (o->help)
			fputs(usage, stdout);
		strbuf_release(&filter);
		return rc;
	}
	if (top_set_filter(r, filter.buf) < 0) {
		cli_usage_error("top", r->status.buf);
		strbuf_release(&filter);
		return 2;
	}
	strbuf_reset(&r->status);
	strbuf_release(&filter);
	if (!r->walk_open)
		return 1;
	if (open_views(r) < 0)
		return 1;
	rc = pick_start(r);
	return rc ? rc : top_agent_choose(r);
}

int cmd_top(const struct app_ctx *ctx, int argc, char **argv)
{
	struct top_run *r = xcalloc(1, sizeof(*r));
	struct cli_opts o;
	int rc;

	cli_opts_init(&o);
	sock_opts_init(&r->sopts);
	strbuf_init(&r->status, 0);
	strbuf_init(&r->question, 0);
	strbuf_init(&r->agent_path, 0);
	r->netns = ctx->netns;
	r->ctx.outside = ctx->netns ? &ctx->outside : NULL;
	r->ctx.is_root = top_has_cap(12);
	r->ctx.procs = &r->walk.procs;
	setlocale(LC_ALL, "");
	if (gethostname(r->host, sizeof(r->host) - 1) < 0)
		snprintf(r->host, sizeof(r->host), "?");
	if (ctx->netns) /* the screen escapes the name, as every string it draws */
		snprintf(r->host + strlen(r->host), sizeof(r->host) - strlen(r->host), "  netns %s",
			 ctx->netns);
	rc = start(r, argc, argv, &o);
	if (!rc && !o.help)
		rc = run(r);
	run_release(r);
	cli_opts_release(&o);
	free(r);
	return rc;
}
