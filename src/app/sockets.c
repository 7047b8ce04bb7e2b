// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `connmon sockets`: the ss replacement.  Streams matching sockets from the
 * collector straight into the renderer (or a counter), so memory stays flat
 * whatever the socket count; only --sort has to hold the sockets.
 */
#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "analyze/sock_group.h"
#include "app/commands.h"
#include "app/loop.h"
#include "app/sock_walk.h"
#include "app/sources.h"
#include "app/tick.h"
#include "base/outbuf.h"
#include "base/services.h"
#include "base/units.h"
#include "base/xalloc.h"
#include "collect/resolve.h"
#include "ui/sock_render.h"
#include "ui/term.h"

#define OUT_BUF_LEN (256 * 1024)

struct sockets_run {
	struct sock_opts *o;
	struct sock_walk walk;
	struct walk_source ws; /* the tick's source over walk */
	struct outbuf out;
	struct sock_render render;
	struct resolver *hosts; /* -r */
	uint64_t now_ns;	/* the current pass's time, for the name cache */
	struct group_spec group;
	struct sock_group g; /* --group-by: this pass's counts */
	bool g_open;
	uint64_t nr;		 /* matched this pass */
	struct sock_entry *held; /* --sort */
	size_t nr_held, alloc_held;
	char **held_paths; /* owned copies of held[i].unix_path */
	size_t alloc_paths;
};

static const char usage[] =
	"usage: connmon sockets [-tuwxlanrpiemoHW46] [-N NETNS] [-F FILE] [--json|--csv]\n"
	"                       [--group-by KEY [--top N] | --count |\n"
	"                        --sort KEY [--top N]]\n"
	"                       [-w SEC [--iterations N]] [--procfs] [FILTER]\n"
	"  KEY for --group-by: state proto raddr laddr rport lport pair uid proc,\n"
	"                     with /PREFIX for addresses (raddr/24)\n"
	"  KEY for --sort: state laddr raddr lport rport recv_q send_q uid inode\n"
	"  --procfs reads /proc/net/* instead of sock_diag (no cookies, memory, TCP info)\n"
	"  -W, --wide: IPv6-wide address columns (default: fit 80 columns, or the\n"
	"  terminal)\n"
	"  FILTER: ss's filter grammar, see docs/FILTERS.md\n";

static bool popcount_gt1(uint32_t v)
{
	return v & (v - 1);
}

/*
 * Host names for -r, from collect/resolve: cached, and in -w mode looked up
 * by a worker thread so a slow DNS never stalls a pass (names appear on a
 * later pass; the address is shown meanwhile).
 */
static size_t host_name(void *ctx, int family, const uint8_t *addr, char *buf, size_t len)
{
	struct sockets_run *r = ctx;

	return resolver_get(r->hosts, family, addr, r->now_ns, buf, len);
}

static int sock_render_visit(struct sockets_run *r, const struct sock_entry *s)
{
	sock_render_one(&r->render, s);
	if (r->out.err)
		return r->out.err;
	return ++r->nr >= (uint64_t)r->o->top && r->o->top ? 1 : 0;
}

static int sock_hold(struct sockets_run *r, const struct sock_entry *s)
{
	struct sock_entry *h;

	ALLOC_GROW(r->held, r->nr_held + 1, r->alloc_held);
	h = &r->held[r->nr_held++];
	*h = *s;
	ALLOC_GROW(r->held_paths, r->nr_held, r->alloc_paths);
	r->held_paths[r->nr_held - 1] = NULL;
	if (s->unix_path) {
		r->held_paths[r->nr_held - 1] = xstrndup(s->unix_path, s->unix_path_len);
		h->unix_path = r->held_paths[r->nr_held - 1];
	}
	return 0;
}

static void init_render(struct sockets_run *r)
{
	const struct sock_opts *o = r->o;
	struct sock_render_opts ro = {
		.format = o->format == OUT_JSON ? RENDER_JSON :
			  o->format == OUT_CSV	? RENDER_CSV :
						  RENDER_TABLE,
		.show_netid = popcount_gt1(o->protos),
		.show_state = popcount_gt1(o->states & ~SOCK_STATE_BIT(SOCK_ST_NEW_SYN_RECV)),
		.wide_addrs = o->want_v6,
		.width = term_width(STDOUT_FILENO, o->wide),
		.numeric = o->numeric,
		.processes = o->processes,
		.info = o->info,
		.extended = o->extended,
		.memory = o->memory,
		.timers = o->timers,
		.no_header = o->no_header,
		.procs = &r->walk.procs,
	};

	if (!o->numeric)
		ro.svc = sock_opts_services(r->o);
	if (o->resolve && resolver_new(&r->hosts, o->watch_sec > 0, NULL) == 0) {
		ro.host_name = host_name;
		ro.host_ctx = r;
	}
	sock_render_init(&r->render, &r->out, &ro);
}

enum sort_key {
	SORT_STATE,
	SORT_LADDR,
	SORT_RADDR,
	SORT_LPORT,
	SORT_RPORT,
	SORT_RECVQ,
	SORT_SENDQ,
	SORT_UID,
	SORT_INODE
};

static const char *const sort_names[] = {
	[SORT_STATE] = "state",	 [SORT_LADDR] = "laddr", [SORT_RADDR] = "raddr",
	[SORT_LPORT] = "lport",	 [SORT_RPORT] = "rport", [SORT_RECVQ] = "recv_q",
	[SORT_SENDQ] = "send_q", [SORT_UID] = "uid",	 [SORT_INODE] = "inode",
};

static int cmp_u64(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b;
}

static int cmp_addr(const struct sock_entry *a, const struct sock_entry *b, bool local)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(local ? a->local : a->remote, local ? b->local : b->remote, 16);
}

/* qsort has no context argument; qsort_r (glibc) carries the key. */
static int cmp_sock(const void *pa, const void *pb, void *ctx)
{
	const struct sock_entry *a = pa, *b = pb;
	enum sort_key k = *(const enum sort_key *)ctx;
	int c = 0;

	switch (k) {
	case SORT_STATE:
		c = cmp_u64(a->state, b->state);
		break;
	case SORT_LADDR:
		c = cmp_addr(a, b, true);
		break;
	case SORT_RADDR:
		c = cmp_addr(a, b, false);
		break;
	case SORT_LPORT:
		c = cmp_u64(a->lport, b->lport);
		break;
	case SORT_RPORT:
		c = cmp_u64(a->rport, b->rport);
		break;
	/* Biggest queues first: that is what one sorts queues for. */
	case SORT_RECVQ:
		c = cmp_u64(b->recv_q, a->recv_q);
		break;
	case SORT_SENDQ:
		c = cmp_u64(b->send_q, a->send_q);
		break;
	case SORT_UID:
		c = cmp_u64(a->uid, b->uid);
		break;
	case SORT_INODE:
		c = cmp_u64(a->inode, b->inode);
		break;
	}
	return c ? c : cmp_u64(a->inode, b->inode);
}

static int parse_sort_key(const char *name, enum sort_key *k)
{
	for (size_t i = 0; i < sizeof(sort_names) / sizeof(sort_names[0]); i++) {
		if (!strcmp(sort_names[i], name)) {
			*k = (enum sort_key)i;
			return 0;
		}
	}
	return -EINVAL;
}

static void print_sorted(struct sockets_run *r)
{
	enum sort_key key = SORT_STATE;
	size_t n = r->nr_held;

	parse_sort_key(r->o->sort_key, &key);
	if (n)
		qsort_r(r->held, n, sizeof(*r->held), cmp_sock, &key);
	if (r->o->top && (size_t)r->o->top < n)
		n = (size_t)r->o->top;
	sock_render_begin(&r->render);
	for (size_t i = 0; i < n && !r->out.err; i++)
		sock_render_one(&r->render, &r->held[i]);
	sock_render_end(&r->render);
	for (size_t i = 0; i < r->nr_held; i++)
		free(r->held_paths[i]);
	r->nr_held = 0;
}

static void print_group(struct sockets_run *r, struct sock_group *g)
{
	const struct group_row *rows;
	size_t n = sock_group_sorted(g, &rows);
	struct outbuf *ob = &r->out;
	char key[256];

	if (r->o->top && (size_t)r->o->top < n)
		n = (size_t)r->o->top;
	if (r->o->format == OUT_JSON)
		outbuf_addch(ob, '[');
	else if (r->o->format == OUT_CSV && !r->o->no_header)
		outbuf_addf(ob, "%s,count\n", r->o->group_by);
	else if (r->o->format == OUT_TABLE && !r->o->no_header)
		outbuf_addf(ob, "%8s  %s\n", "Count", r->o->group_by);
	for (size_t i = 0; i < n; i++) {
		size_t len = sock_group_format_key(g, &rows[i], key);

		if (r->o->format == OUT_JSON) {
			outbuf_addstr(ob, i ? ",\n{\"key\":\"" : "\n{\"key\":\"");
			outbuf_add_json_str(ob, key, len);
			outbuf_addstr(ob, "\",\"count\":");
			outbuf_addu64(ob, rows[i].count);
			outbuf_addch(ob, '}');
		} else if (r->o->format == OUT_CSV) {
			outbuf_add_csv_str(ob, key, len);
			outbuf_addf(ob, ",%llu\n", (unsigned long long)rows[i].count);
		} else {
			outbuf_addf(ob, "%8llu  ", (unsigned long long)rows[i].count);
			outbuf_add_safe(ob, key, len); /* proc keys hold process names */
			outbuf_addch(ob, '\n');
		}
	}
	if (r->o->format == OUT_JSON)
		outbuf_addstr(ob, n ? "\n]\n" : "]\n");
}

/* -w: each pass is stamped ("--- time ---", or a JSON object around the result). */
static void stamp(struct sockets_run *r, int64_t wall_ns, bool open)
{
	char when[UNITS_UTC_LEN];

	if (r->o->watch_sec <= 0)
		return;
	units_utc(when, sizeof(when), wall_ns / 1000000000LL);
	if (r->o->format == OUT_JSON)
		outbuf_addf(&r->out, open ? "{\"time\":\"%s\",\"result\":" : "}\n", when);
	else if (open)
		outbuf_addf(&r->out, "--- %s ---\n", when);
}

static int sockets_begin(void *c, const struct snapshot *cur)
{
	struct sockets_run *r = c;

	r->nr = 0;
	r->now_ns = cur->mono_ns;
	stamp(r, cur->wall_ns, true);
	if (r->o->group_by) {
		sock_group_init(&r->g, &r->group, &r->walk.procs);
		r->g_open = true;
	} else if (!r->o->count && !r->o->sort_key)
		sock_render_begin(&r->render);
	return r->out.err;
}

static int sockets_sock(void *c, const struct sock_entry *s)
{
	struct sockets_run *r = c;

	if (r->o->count) {
		r->nr++;
		return 0;
	}
	if (r->o->group_by) {
		sock_group_account(&r->g, s);
		return 0;
	}
	if (r->o->sort_key)
		return sock_hold(r, s);
	return sock_render_visit(r, s);
}

static int sockets_consume(void *c, const struct snapshot *prev, const struct snapshot *cur)
{
	struct sockets_run *r = c;

	(void)prev;
	if (r->o->count) {
		if (r->o->format == OUT_JSON)
			outbuf_addf(&r->out, "{\"count\":%llu}\n", (unsigned long long)r->nr);
		else
			outbuf_addf(&r->out, "%llu\n", (unsigned long long)r->nr);
	} else if (r->o->group_by) {
		print_group(r, &r->g);
		sock_group_release(&r->g);
		r->g_open = false;
	} else if (r->o->sort_key) {
		print_sorted(r);
	} else {
		sock_render_end(&r->render);
	}
	stamp(r, cur->wall_ns, false);
	return outbuf_flush(&r->out);
}

static void sockets_sizes(void *c, struct table_sizes *ts)
{
	struct sockets_run *r = c;
	struct resolver_stats st = { 0 };

	if (r->hosts)
		resolver_get_stats(r->hosts, &st);
	table_sizes_add(ts, "names_cached", st.nr_cached);
	table_sizes_add(ts, "names_queued", st.nr_queued);
	table_sizes_add(ts, "sorted_alloc", r->alloc_held);
}

/* A pass that failed half-way leaves its group counts behind. */
static int sockets_finish(void *c, const struct snapshot *last, enum tick_end why)
{
	struct sockets_run *r = c;

	(void)last;
	(void)why;
	if (r->g_open)
		sock_group_release(&r->g);
	r->g_open = false;
	return 0;
}

static const struct consumer_ops sockets_consumer = {
	.name = "sockets",
	.begin = sockets_begin,
	.sock = sockets_sock,
	.consume = sockets_consume,
	.finish = sockets_finish,
	.sizes = sockets_sizes,
};

static void setup(struct tick *t, void *arg)
{
	struct sockets_run *r = arg;

	tick_add_source(t, &walk_source_ops, &r->ws);
	tick_add_consumer(t, &sockets_consumer, r);
}

static int run(struct sockets_run *r)
{
	struct tick_opts to = {
		.interval_ns = (uint64_t)(r->o->watch_sec * 1e9),
		.count = r->o->watch_sec > 0 ? (uint64_t)r->o->watch_count : 1,
	};

	r->ws.walk = &r->walk;
	return tick_run_command("sockets", &to, setup, r); /* sock_walk reports its failures */
}

static int check_opts(struct sock_opts *o, struct group_spec *g)
{
	enum sort_key k;

	if (o->group_by && group_spec_parse(g, o->group_by) < 0) {
		fprintf(stderr,
			"connmon sockets: invalid --group-by key '%s': expected state, proto, raddr, laddr, rport, lport, pair, uid or proc (addresses take /PREFIX, e.g. raddr/24)\n",
			o->group_by);
		return -EINVAL;
	}
	if (o->sort_key && parse_sort_key(o->sort_key, &k) < 0) {
		fprintf(stderr,
			"connmon sockets: invalid --sort key '%s': expected state, laddr, raddr, lport, rport, recv_q, send_q, uid or inode\n",
			o->sort_key);
		return -EINVAL;
	}
	if (!!o->group_by + !!o->sort_key + o->count > 1) {
		fprintf(stderr,
			"connmon sockets: --group-by, --sort and --count exclude each other\n");
		return -EINVAL;
	}
	return 0;
}

int cmd_sockets(const struct app_ctx *ctx, int argc, char **argv)
{
	struct sockets_run r = { 0 };
	struct sock_opts o;
	struct strbuf err = STRBUF_INIT;
	int ret;

	(void)ctx;

	sock_opts_init(&o);
	if (sock_opts_parse(&o, argc, argv, &err) < 0) {
		fprintf(stderr, "connmon sockets: %s\nTry 'connmon sockets --help'.\n", err.buf);
		strbuf_release(&err);
		sock_opts_release(&o);
		return 2;
	}
	strbuf_release(&err);
	if (o.help) {
		fputs(usage, stdout);
		sock_opts_release(&o);
		return 0;
	}
	r.o = &o;
	if (check_opts(&o, &r.group) < 0) {
		sock_opts_release(&o);
		return 2;
	}
	/* A closed pipe (`| head`) must end us quietly: see EPIPE below. */
	signal(SIGPIPE, SIG_IGN);
	if (sock_walk_open(&r.walk, &o) < 0) {
		sock_opts_release(&o);
		return 1;
	}
	r.walk.want_procs = o.group_by && r.group.key == GROUP_PROC;
	outbuf_init(&r.out, STDOUT_FILENO, OUT_BUF_LEN);
	init_render(&r);
	ret = run(&r);
	outbuf_flush(&r.out);
	if (r.out.err && r.out.err != -EPIPE) {
		fprintf(stderr, "connmon sockets: cannot write output: %s\n", strerror(-r.out.err));
		ret = 1;
	}
	outbuf_release(&r.out);
	free(r.held);
	free(r.held_paths);
	resolver_free(r.hosts);
	sock_walk_close(&r.walk);
	sock_opts_release(&o);
	return ret;
}
