// SPDX-License-Identifier: GPL-2.0-or-later
#include "app/agent.h"

#include <errno.h>
#include <grp.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#include "analyze/health.h"
#include "analyze/series_emit.h"
#include "app/agent_api.h"
#include "app/agent_page.h"
#include "app/commands.h"
#include "app/log.h"
#include "app/respond_app.h"
#include "base/xalloc.h"
#include "cli/cmdline.h"
#include "cli/config.h"
#include "collect/agent_link.h"
#include "collect/netns.h"
#include "collect/procmap.h"
#include "export/http.h"

#define NS_PER_S  1000000000ull
#define NS_PER_MS 1000000ull

static uint64_t cpu_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

/* ---- the census source ---- */

static int census_visit(const struct sock_entry *e, void *arg)
{
	struct agent_census *c = arg;

	census_add(&c->census, e);
	agent_procs_add_sock(&c->traffic, e);
	agent_facts_sock(c->a, e);
	return 0;
}

static void census_open(struct agent_census *c, struct agent *a)
{
	memset(c, 0, sizeof(*c));
	c->a = a;
	sock_opts_init(&c->opts);
	c->opts.protos = (1u << PROTO_MAX) - 1;
	c->opts.states = SOCK_STATES_ALL;
	c->opts.want_v4 = c->opts.want_v6 = true;
	c->opts.info = true; /* tcp_info: the byte counters of agent_procs */
	census_init(&c->census, a->set.max_ports, a->set.max_peers);
	sockstat_init(&c->st);
	proc_table_init(&c->procs);
	agent_procs_init(&c->traffic, "/proc");
	c->period_ns = a->set.interval_ns;
}

static void census_close(struct agent_census *c)
{
	if (c->walk_open)
		sock_walk_close(&c->walk);
	census_release(&c->census);
	proc_table_release(&c->procs);
	agent_procs_release(&c->traffic);
	sock_opts_release(&c->opts);
}

/* The next period: every tick up to CENSUS_EVERY_TICK sockets, then within the CPU budget. */
static uint64_t census_period(const struct agent_census *c)
{
	uint64_t iv = c->a->set.interval_ns, p;

	if (c->census.nr_sockets <= CENSUS_EVERY_TICK)
		return iv;
	p = (uint64_t)((double)c->cost_ns / CENSUS_CPU_BUDGET);
	p = (p + iv - 1) / iv * iv;
	if (p > c->a->set.census_max_period_ns)
		p = c->a->set.census_max_period_ns / iv * iv;
	return p < iv ? iv : p;
}

static int census_sample(void *src, struct tick *t, struct snapshot *snap)
{
	struct agent_census *c = src;
	uint64_t cpu0 = cpu_now_ns();
	int ret;

	(void)t;
	c->ran = false;
	/* The kernel's socket totals and the limits are cheap: every tick. */
	sockstat_init(&c->st);
	c->st_err = sockstat_read(&c->st, "/proc");
	net_limits_read(&c->lim, "/proc");
	if (snap->mono_ns < c->next_ns)
		return 0;
	if (!c->walk_open) {
		ret = sock_walk_open(&c->walk, &c->opts);
		if (ret < 0) {
			sock_walk_close(&c->walk);
			c->err = ret;
			c->next_ns = snap->mono_ns + c->a->set.census_max_period_ns;
			return 0;
		}
		c->walk_open = true;
	}
	census_begin(&c->census, c->lim.port_hi > 0 ? (uint16_t)c->lim.port_lo : 0,
		     c->lim.port_hi > 0 ? (uint16_t)c->lim.port_hi : 0);
	/* A small table: the dump without its receiver thread (cheaper at idle). */
	c->walk.small = c->census.nr_sockets < CENSUS_SMALL;
	agent_facts_census_begin(c->a);
	ret = sock_walk_run(&c->walk, census_visit, c);
	c->err = ret < 0 ? ret : 0;
	agent_procs_sample(&c->traffic, c->err, snap->mono_ns);
	proc_table_reset(&c->procs);
	if (!c->err && c->census.sum.nr_cw_inodes)
		procmap_scan(&c->procs, "/proc");
	agent_facts_census_end(c->a, c->err, &c->procs, snap->wall_ns / 1000000);
	c->cost_ns = cpu_now_ns() - cpu0;
	c->period_ns = census_period(c);
	/* Half an interval of slack: a tick that fires a little early still counts. */
	c->next_ns = snap->mono_ns + c->period_ns - c->a->set.interval_ns / 2;
	c->ran = !c->err;
	return 0;
}

static void census_sizes(void *src, struct table_sizes *ts)
{
	struct agent_census *c = src;

	table_sizes_add(ts, "census_peers", c->census.nr_peers);
	table_sizes_add(ts, "census_listeners", c->census.sum.nr_listeners);
	table_sizes_add(ts, "cw_proc_refs", c->procs.nr_refs);
	agent_procs_sizes(&c->traffic, ts);
}

static const struct source_ops census_source_ops = {
	.name = "census",
	.sample = census_sample,
	.sizes = census_sizes,
};

/* ---- series from the census's side data ---- */

static void set_labeled(struct agent *a, enum metric_family_id id, const char *k1, const char *v1,
			const char *k2, const char *v2, double v)
{
	strbuf_reset(&a->scratch);
	if (k1)
		metric_labels_add(&a->scratch, k1, v1);
	if (k2)
		metric_labels_add(&a->scratch, k2, v2);
	series_table_set(&a->series, &metric_families[id], a->scratch.buf, v, NULL);
}

void agent_set(struct agent *a, enum metric_family_id id, double v)
{
	series_table_set(&a->series, &metric_families[id], "", v, NULL);
}

static void emit_sockstat(struct agent *a, const struct sockstat *st)
{
	static const struct {
		enum sockstat_field f;
		const char *proto, *field;
	} map[] = {
		{ SOCKSTAT_SOCKETS_USED, "sockets", "used" },
		{ SOCKSTAT_TCP_INUSE, "tcp", "inuse" },
		{ SOCKSTAT_TCP_ORPHAN, "tcp", "orphan" },
		{ SOCKSTAT_TCP_TW, "tcp", "tw" },
		{ SOCKSTAT_TCP_ALLOC, "tcp", "alloc" },
		{ SOCKSTAT_TCP_MEM_PAGES, "tcp", "mem" },
		{ SOCKSTAT_UDP_INUSE, "udp", "inuse" },
		{ SOCKSTAT_UDP_MEM_PAGES, "udp", "mem" },
		{ SOCKSTAT_RAW_INUSE, "raw", "inuse" },
		{ SOCKSTAT_FRAG_INUSE, "frag", "inuse" },
		{ SOCKSTAT_FRAG_MEMORY_BYTES, "frag", "memory" },
		{ SOCKSTAT_TCP6_INUSE, "tcp6", "inuse" },
		{ SOCKSTAT_UDP6_INUSE, "udp6", "inuse" },
		{ SOCKSTAT_RAW6_INUSE, "raw6", "inuse" },
		{ SOCKSTAT_FRAG6_INUSE, "frag6", "inuse" },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (st->v[map[i].f] >= 0)
			set_labeled(a, MF_SOCKSTAT, "proto", map[i].proto, "field", map[i].field,
				    (double)st->v[map[i].f]);
}

static void emit_capacity(struct agent *a, const struct net_limits *l)
{
	if (l->conntrack_count >= 0)
		set_labeled(a, MF_CONNTRACK_ENTRIES, NULL, NULL, NULL, NULL,
			    (double)l->conntrack_count);
	if (l->conntrack_max > 0)
		set_labeled(a, MF_CONNTRACK_MAX, NULL, NULL, NULL, NULL, (double)l->conntrack_max);
	if (l->tcp_max_orphans > 0)
		set_labeled(a, MF_TCP_ORPHANS_MAX, NULL, NULL, NULL, NULL,
			    (double)l->tcp_max_orphans);
	if (l->port_hi > 0)
		set_labeled(a, MF_EPHEMERAL_PORTS_RANGE, NULL, NULL, NULL, NULL,
			    (double)(l->port_hi - l->port_lo + 1));
	if (l->somaxconn > 0)
		set_labeled(a, MF_SOMAXCONN, NULL, NULL, NULL, NULL, (double)l->somaxconn);
}

static void emit_close_wait(struct agent *a, struct agent_census *c)
{
	struct sock_proc_count *v = NULL;
	size_t n = 0;
	uint64_t unmapped = 0, other = 0;
	char pid[16];

	if (!c->census.sum.nr_cw_inodes)
		return;
	sock_summary_cw_procs(&c->census.sum, &c->procs, &v, &n, &unmapped);
	for (size_t i = 0; i < n; i++) {
		if (i >= a->set.max_procs) {
			other += v[i].count;
			continue;
		}
		snprintf(pid, sizeof(pid), "%d", v[i].pid);
		set_labeled(a, MF_PROCESS_CLOSE_WAIT, "pid", pid, "comm",
			    v[i].comm ? v[i].comm : "?", (double)v[i].count);
	}
	if (other + unmapped)
		set_labeled(a, MF_PROCESS_CLOSE_WAIT, "pid", "", "comm", "other",
			    (double)(other + unmapped));
	free(v);
}

static void emit_self(struct agent *a)
{
	const struct agent_census *c = &a->cen;

	set_labeled(a, MF_AGENT_TICK_SECONDS, NULL, NULL, NULL, NULL,
		    (double)a->stats.tick_ns / 1e9);
	set_labeled(a, MF_AGENT_LATE_TICKS, NULL, NULL, NULL, NULL,
		    a->tick ? (double)a->tick->nr_late : 0);
	set_labeled(a, MF_AGENT_CENSUS_PERIOD, NULL, NULL, NULL, NULL, (double)c->period_ns / 1e9);
	set_labeled(a, MF_AGENT_CENSUS_SOCKETS, NULL, NULL, NULL, NULL,
		    (double)c->census.nr_sockets);
	set_labeled(a, MF_AGENT_SERIES, NULL, NULL, NULL, NULL, (double)a->series.nr_live);
}

/* ---- the consumer: series, ring ---- */

/* Wall time in ms, never before the previous tick's (a clock stepped back holds still). */
int64_t agent_stamp(int64_t wall_ns, int64_t iv_ms, int64_t last_ms, bool *held)
{
	/* Snapped to the interval's grid: a regular cadence costs the store 1 bit a sample. */
	int64_t t = iv_ms > 0 ? (wall_ns / (int64_t)NS_PER_MS + iv_ms / 2) / iv_ms * iv_ms :
				wall_ns / (int64_t)NS_PER_MS;

	*held = last_ms != INT64_MIN && t <= last_ms;
	return *held ? last_ms + 1 : t;
}

static int64_t tick_time_ms(struct agent *a, const struct snapshot *cur)
{
	int64_t last = a->stats.ticks ? a->stats.last_t_ms : INT64_MIN;
	bool held;
	int64_t t =
		agent_stamp(cur->wall_ns, (int64_t)(a->set.interval_ns / NS_PER_MS), last, &held);

	if (held && !a->stats.clock_held) {
		a->stats.clock_backsteps++;
		log_warn("the wall clock went back %.3f s; samples are stamped just after %lld "
			 "until it catches up",
			 (double)(last - cur->wall_ns / (int64_t)NS_PER_MS) / 1e3, (long long)last);
	} else if (!held && a->stats.clock_held) {
		log_info("the wall clock caught up; samples are stamped with it again");
	}
	a->stats.clock_held = held;
	a->stats.last_t_ms = t;
	return t;
}

static void ring_gone(void *arg, struct series_entry *e)
{
	struct agent *a = arg;

	series_ring_row_free(&a->ring, e->ring_row);
	e->ring_row = UINT32_MAX;
}

/* The ring holds a gauge's value and a counter's increase since the previous tick. */
static void feed_ring(struct agent *a, int64_t t_ms)
{
	struct series_table *st = &a->series;

	series_ring_advance(&a->ring, t_ms);
	for (uint32_t i = 0; i < st->nr_produced; i++) {
		struct series_entry *e = &st->v[st->produced[i]];
		double v = e->value;

		if (e->ring_row == UINT32_MAX)
			e->ring_row = series_ring_row_new(&a->ring);
		if (e->fam->kind == METRIC_COUNTER) {
			double last = e->last_value;

			v = isnan(last) || v < last ? NAN : v - last;
			e->last_value = e->value;
		}
		series_ring_put(&a->ring, e->ring_row, v);
	}
}

static void print_series(struct agent *a)
{
	const struct series_table *st = &a->series;

	for (uint32_t i = 0; i < st->nr_produced; i++) {
		const struct series_entry *e = &st->v[st->produced[i]];

		if (isnan(e->value))
			continue;
		printf("%s{%s} %.17g\n", e->fam->name, e->labels, e->value);
	}
	fflush(stdout);
}

/*
 * The census's series of its last tick (the first ones the tick produced),
 * so /metrics serves them between censuses: a scrape at any phase sees the
 * socket counts, as it would from a collector that counts on every scrape.
 */
static void keep_census(struct agent *a)
{
	const struct series_table *st = &a->series;

	a->nr_kept = 0;
	ALLOC_GROW(a->kept, st->nr_produced + 1, a->alloc_kept);
	for (uint32_t i = 0; i < st->nr_produced; i++) {
		const struct series_entry *e = &st->v[st->produced[i]];

		a->kept[a->nr_kept++] = (struct kept_series){ st->produced[i], e->hash, e->value };
	}
}

static int agent_consume(void *arg, const struct snapshot *prev, const struct snapshot *cur)
{
	struct agent *a = arg;
	int64_t t_ms = tick_time_ms(a, cur);
	struct proto_health h;

	series_table_begin(&a->series, ++a->stats.ticks);
	if (a->cen.ran) {
		census_emit(&a->cen.census, &a->series);
		emit_close_wait(a, &a->cen);
		agent_procs_emit(&a->cen.traffic, &a->series, a->set.max_procs, &a->scratch);
		keep_census(a);
	}
	if (!a->cen.st_err)
		emit_sockstat(a, &a->cen.st);
	emit_capacity(a, &a->cen.lim);
	if ((cur->parts & SNAP_PART_IFACES) && !cur->ifaces_err)
		series_emit_ifaces(&a->series, &cur->ifaces, &a->scratch);
	if ((cur->parts & SNAP_PART_COUNTERS) && !cur->counters_err) {
		series_emit_counters(&a->series, &cur->counters, &a->scratch);
		if (prev && (prev->parts & SNAP_PART_COUNTERS) && !prev->counters_err) {
			health_proto_compute(&health_default, &h, &prev->counters, &cur->counters);
			series_emit_kpis(&a->series, &h, &a->scratch);
		}
	}
	emit_self(a);
	agent_store_emit_health(a);
	agent_metrics_emit_health(a);
	agent_api_ring_lock(a);
	feed_ring(a, t_ms);
	agent_api_ring_unlock(a);
	agent_rules_tick(a, t_ms);
	agent_store_add(a, t_ms);
	agent_metrics_publish(a);
	agent_api_publish(a, t_ms);
	if (a->stats.ticks % 60 == 0) {
		agent_api_ring_lock(a);
		series_table_expire(&a->series, a->ring.nr_slots, ring_gone, a);
		agent_api_ring_unlock(a);
	}
	a->stats.tick_ns = loop_now_ns() - cur->mono_ns;
	if (a->watchdog)
		sd_notify(0, "WATCHDOG=1");
	if (a->once) {
		print_series(a);
		return TICK_QUIT;
	}
	return 0;
}

static void agent_sizes(void *arg, struct table_sizes *ts)
{
	struct agent *a = arg;

	table_sizes_add(ts, "series", a->series.nr_live);
	table_sizes_add(ts, "series_slots", a->series.nr);
	table_sizes_add(ts, "ring_rows", a->ring.nr_live);
	table_sizes_add(ts, "census_kept", a->nr_kept);
	agent_store_sizes(a, ts);
}

static const struct consumer_ops agent_consumer_ops = {
	.name = "agent",
	.consume = agent_consume,
	.sizes = agent_sizes,
};

/* ---- the local socket (docs/AGENT.md, "Local socket") ---- */

/* [agent] socket_group as a gid: a number, a group's name, or "" ((gid_t)-1: the agent's). */
static int socket_gid(const char *group, gid_t *gid, struct strbuf *err)
{
	struct group gr, *found = NULL;
	char buf[16384], *end;
	unsigned long v;
	int ret;

	*gid = (gid_t)-1;
	if (!group[0])
		return 0;
	errno = 0;
	v = strtoul(group, &end, 10);
	if (group[0] >= '0' && group[0] <= '9' && !*end) {
		if (errno || v >= (gid_t)-1) {
			strbuf_addf(err, "[agent] socket_group = %s: not a group id", group);
			return -ERANGE;
		}
		*gid = (gid_t)v;
		return 0;
	}
	ret = getgrnam_r(group, &gr, buf, sizeof(buf), &found);
	if (!found) {
		strbuf_addf(err, "[agent] socket_group = %s: %s", group,
			    ret ? strerror(ret) : "no such group");
		return ret ? -ret : -ENOENT;
	}
	*gid = gr.gr_gid;
	return 0;
}

/* Makes the socket file at start, so that a path in the way stops the agent (exit 2). */
static int agent_socket_bind(struct agent *a, struct strbuf *err)
{
	struct http_unix_config uc = { .path = a->cfg.socket.path, .mode = a->cfg.socket.mode };
	int ret;

	if (!a->cfg.socket.path[0])
		return 0;
	ret = socket_gid(a->cfg.socket.group, &uc.gid, err);
	if (ret < 0)
		return ret;
	ret = http_unix_bind(&a->sock, &uc, err);
	/*
	 * Like a port in use, another agent's socket is not a reason to stop
	 * recording; nor is the default path's directory missing (systemd's
	 * RuntimeDirectory= makes it; an agent started by hand has none).
	 */
	if (ret == -EADDRINUSE || (ret == -ENOENT && !strcmp(uc.path, AGENT_LINK_DEFAULT_PATH))) {
		log_warn("%s; the local socket is off", err->buf);
		strbuf_reset(err);
		return 0;
	}
	return ret;
}

void agent_socket_attach(struct agent *a, struct http_unix *u)
{
	struct http_server_config cfg = { .listen = NULL };
	struct strbuf err = STRBUF_INIT;

	if (!u)
		return;
	if (!a->http)
		http_server_open(&a->http, &cfg, &err); /* without a listener, it cannot fail */
	if (http_server_listen_unix(a->http, u, NULL, &err) < 0)
		log_error("%s; the local socket is off", err.buf);
	else
		log_info("serving the local socket %s", a->cfg.socket.path);
	strbuf_release(&err);
}

int agent_link_default_path(const char *config_file, struct strbuf *out, struct strbuf *err)
{
	const char *file = config_file ? config_file : CONFIG_DEFAULT_PATH;
	struct agent_config *c = xmalloc(sizeof(*c));
	int ret = config_load(c, file, err);

	if ((ret == -ENOENT || ret == -EACCES) && !config_file) {
		/* No default config (or not ours to read): the built-in default is the best guess.
		 */
		strbuf_reset(err);
		strbuf_addstr(out, AGENT_LINK_DEFAULT_PATH);
		ret = 0;
	} else if (!ret && !c->socket.path[0]) {
		strbuf_addf(err, "no local socket: [agent] socket is empty in '%s'", file);
		ret = -ENOENT;
	} else if (!ret) {
		strbuf_addstr(out, c->socket.path);
	}
	free(c);
	return ret;
}

/* ---- the command ---- */

static const char agent_usage[] =
	"usage: connmon agent [--config FILE] [--db PATH] [--interval SEC] [--listen ADDR:PORT]\n"
	"                     [--alerts-file PATH] [--respond MODE] [--allow ADDR|CIDR]...\n"
	"                     [--auth-log PATH]... [--once] [--remove-rules]\n"
	"\n"
	"Samples sockets, interfaces and protocol counters every tick, keeps the last\n"
	"hour in memory, records history into SQLite, evaluates the rules (alerts and\n"
	"graded responses: docs/RULES.md) and serves Prometheus /metrics.\n"
	"Runs in the foreground; SIGHUP reloads the config, SIGTERM/SIGINT write what\n"
	"is pending and exit.\n"
	"\n"
	"  -c, --config FILE   the config file (default /etc/connmon/connmon.conf)\n"
	"  --db PATH           the database (overrides [agent] db)\n"
	"  --interval SEC      seconds between ticks (overrides [agent] interval)\n"
	"  --listen ADDR:PORT  the /metrics listener, or 'off' (overrides [agent] listen)\n"
	"  --alerts-file PATH  append every alert event to PATH as JSON lines ([alerts] file)\n"
	"  --auth-log PATH     an sshd log file to read besides the journal (repeatable)\n"
	"  --once              one tick: print every series on stdout and exit\n"
	"  --respond MODE      off, dry-run or on (overrides [respond] mode; docs/RESPOND.md)\n"
	"  --allow ADDR|CIDR   never limit, block or kill it (repeatable; adds to [respond] allow)\n"
	"  --remove-rules      delete connmon's nftables table inet connmon and exit\n";

static void agent_hup(void *arg)
{
	struct agent *a = arg;

	sd_notify(0, "RELOADING=1");
	agent_reload(a);
	sd_notify(0, "READY=1");
}

static void agent_setup(struct tick *t, void *arg)
{
	struct agent *a = arg;
	uint64_t wd_us = 0;

	a->tick = t;
	t->on_hup = agent_hup;
	t->hup_arg = a;
	a->watchdog = !a->check && sd_watchdog_enabled(0, &wd_us) > 0;
	if (!a->once && !a->check) {
		sd_notifyf(0, "READY=1\nSTATUS=recording every %.3g s",
			   (double)a->set.interval_ns / 1e9);
		log_info("started: a tick every %.3g s%s", (double)a->set.interval_ns / 1e9,
			 a->watchdog ? ", systemd watchdog on" : "");
	}
	if (a->ls_open)
		tick_add_source(t, &link_source_ops, &a->ls);
	tick_add_source(t, &snmp_source_ops, &a->ss);
	tick_add_source(t, &census_source_ops, &a->cen);
	tick_add_consumer(t, &agent_consumer_ops, a);
	agent_store_start(a, t->loop);
	agent_baseline_start(a, t->loop);
	/* After the loop blocked its signals: the listener's thread inherits the mask. */
	if (!a->once && !a->check && !a->cfg.agent.listen.off) {
		struct strbuf addr = STRBUF_INIT;

		config_format_listen(&a->cfg.agent.listen, &addr);
		agent_metrics_open(a, addr.buf);
		strbuf_release(&addr);
	}
	agent_socket_attach(a, a->sock);
	a->sock = NULL;
	/* After both listeners: the API's routes serve the socket even with listen = off. */
	if (!a->once && !a->check) {
		agent_api_open(a);
		agent_page_open(a->http);
	}
}

static void agent_init(struct agent *a)
{
	uint64_t slots = a->set.ring_ns / a->set.interval_ns;
	int ret;

	series_table_init(&a->series);
	series_ring_init(&a->ring, (uint32_t)(slots ? slots : 1));
	strbuf_init(&a->scratch, 256);
	snmp_source_init(&a->ss, "/proc");
	census_open(&a->cen, a);
	ret = link_source_open(&a->ls, "/sys");
	a->ls_open = ret == 0;
	if (ret < 0)
		log_warn("cannot open rtnetlink: %s; interface series are off", strerror(-ret));
}

static void agent_release(struct agent *a)
{
	if (a->ls_open)
		link_source_ops.close(&a->ls);
	snmp_source_ops.close(&a->ss);
	census_close(&a->cen);
	series_ring_release(&a->ring);
	series_table_release(&a->series);
	free(a->kept);
	strbuf_release(&a->scratch);
}

int agent_run_check(struct agent *a, unsigned ticks)
{
	struct tick_opts to = { 0 };

	a->check = true;
	agent_settings_from(&a->set, &a->cfg);
	agent_init(a);
	agent_rules_init(a);
	/* One census has no byte rates to give: no tcp_info in its dump (cheaper). */
	a->cen.opts.info = false;
	/* The census only at the last tick: the rates need two, the socket counts one. */
	a->cen.next_ns = loop_now_ns() + (ticks - 1) * a->set.interval_ns - a->set.interval_ns / 2;
	to.interval_ns = a->set.interval_ns;
	to.count = ticks;
	return tick_run_command("check", &to, agent_setup, a);
}

void agent_check_done(struct agent *a)
{
	agent_rules_release(a);
	agent_release(a);
}

int cmd_agent(const struct app_ctx *ctx, int argc, char **argv)
{
	static const struct cli_cmd cmd = { "agent", CLI_AGENT | CLI_DB };
	struct cli_opts o;
	struct strbuf err = STRBUF_INIT;
	struct agent a;
	struct tick_opts to = { 0 };
	int rc, ret;

	cli_opts_init(&o);
	if (cli_parse(&cmd, &o, argc, argv, &err) < 0) {
		rc = cli_usage_error("agent", err.buf);
		goto out;
	}
	if (o.help) {
		fputs(agent_usage, stdout);
		rc = 0;
		goto out;
	}
	if (o.remove_rules) {
		rc = respond_app_remove_rules();
		goto out;
	}
	memset(&a, 0, sizeof(a));
	log_setup(LOG_LVL_INFO);
	a.opts = &o;
	a.once = o.once;
	ret = agent_config_load(&a.cfg, &o, &err);
	if (ret < 0) {
		fprintf(stderr, "connmon agent: %s\n", err.buf);
		rc = ret == -EINVAL || ret == -ENOENT ? 2 : 1;
		goto out;
	}
	agent_settings_from(&a.set, &a.cfg);
	/* [agent] netns, unless -N already chose one: entered before any socket opens. */
	if (a.cfg.agent.netns[0] && !ctx->netns) {
		ret = netns_enter(a.cfg.agent.netns);
		if (ret < 0) {
			fprintf(stderr, "connmon agent: cannot enter network namespace '%s': %s\n",
				a.cfg.agent.netns, strerror(-ret));
			rc = 1;
			goto out;
		}
	}
	if (!a.once) {
		ret = agent_store_open(&a, a.cfg.agent.db, &err);
		if (ret < 0) {
			fprintf(stderr, "connmon agent: %s\n", err.buf);
			rc = 1;
			goto out;
		}
	}
	if (!a.once && agent_socket_bind(&a, &err) < 0) {
		fprintf(stderr, "connmon agent: %s\n", err.buf);
		agent_store_close(&a);
		rc = 2;
		goto out;
	}
	agent_init(&a);
	agent_rules_init(&a);
	if (!a.once)
		agent_respond_open(&a);
	if (!a.once && agent_notify_open(&a, &err) < 0) {
		fprintf(stderr, "connmon agent: [alerts] %s\n", err.buf);
		rc = 2;
		agent_respond_close(&a);
		agent_rules_release(&a);
		agent_release(&a);
		agent_store_close(&a);
		http_unix_release(a.sock);
		goto out;
	}
	to.interval_ns = a.set.interval_ns;
	to.count = a.once ? 1 : 0;
	rc = tick_run_command("agent", &to, agent_setup, &a);
	if (!a.once) {
		sd_notify(0, "STOPPING=1");
		agent_rules_stop(&a, loop_wall_ns() / 1000000);
		agent_notify_close(&a);
		agent_respond_close(&a);
		agent_metrics_close(&a); /* removes the local socket's file */
		agent_api_close(&a);
		http_unix_release(a.sock); /* the loop never started: not served yet */
		agent_baseline_stop(&a);
		if (agent_store_close(&a) < 0 && !rc)
			rc = 1;
		log_info("stopped after %llu ticks", (unsigned long long)a.stats.ticks);
	}
	agent_rules_release(&a);
	agent_release(&a);
out:
	strbuf_release(&err);
	cli_opts_release(&o);
	return rc;
}
