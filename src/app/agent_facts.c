// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The per-address inputs of the rules (analyze/rule_facts.h,
 * docs/DETECT-INPUTS.md), filled every tick:
 *
 *   scans      the capture of connection attempts ([detect] capture) drained
 *              each tick into analyze/scan_track ([detect] scan_window)
 *   authfails  sshd's lines (journal, [detect] auth_logs, --auth-log, the
 *              fallback file) polled each tick into analyze/fail_track
 *   pairs      host-pair rates from the census's tcp_info (analyze/pair_bytes)
 *   listeners  the census's listening sockets, owners looked up in /proc when
 *              the set of listening ports changed (at most every LISTEN_SCAN_MS)
 *   fds        the listeners' processes and the busiest ones by traffic: open
 *              descriptors and their limit, read every FDS_READ_MS
 *
 * `connmon check` and `--once` open neither the capture nor the log readers:
 * those rules say why they are off.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/fail_track.h"
#include "analyze/listeners.h"
#include "analyze/pair_bytes.h"
#include "analyze/scan_track.h"
#include "app/agent.h"
#include "app/log.h"
#include "base/xalloc.h"
#include "collect/authlog_read.h"
#include "collect/fdcount.h"
#include "collect/procmap.h"
#include "collect/scan_capture.h"

#define MAX_REPORT	 256
#define MAX_FDS		 64
#define MAX_AUTH_FILES	 16
#define FDS_READ_MS	 10000
#define LISTEN_SCAN_MS	 30000
#define IFACE_REFRESH_MS 60000
#define SCAN_PORTS_MIN	 64

struct agent_facts {
	struct scan_capture *cap;
	struct scan_track scans;
	struct rule_scan scan_out[MAX_REPORT];
	struct authlog_reader *auth;
	struct fail_track fails;
	struct rule_authfail auth_out[MAX_REPORT];
	struct pair_bytes pairs;
	int64_t ifaces_ms;
	struct listener_set listeners;
	uint64_t listen_sig,
		resolved_sig; /* the set of (proto, port) now, and when owners were read */
	int64_t resolved_ms;
	struct proc_table procs;
	struct rule_fds fds[MAX_FDS];
	size_t nr_fds;
	int64_t fds_ms;
	bool census_done; /* a census ended since the last gather */
	int64_t census_ms;
	char detect_cfg[sizeof(((struct agent_config *)0)->detect)]; /* what it was opened with */
	double scan_ports; /* port_scan's threshold x escalation it was sized for */
};

static void probe(int family, const uint8_t *src, uint8_t proto, uint16_t dport, int64_t t_ms,
		  void *arg)
{
	scan_track_add(arg, family, src, proto, dport, t_ms);
}

static void auth_line(const struct authlog_event *ev, int64_t t_ms, void *arg)
{
	if (authlog_kind_counts(ev->kind))
		fail_track_add(arg, ev->family, ev->addr, t_ms, ev->user);
}

static void open_capture(struct agent *a, struct agent_facts *f)
{
	struct rule_input_state *st = &a->rules.facts.scan_state;
	const char *where = a->cfg.detect.capture;
	struct scan_capture_opts o = { 0 };
	char why[sizeof(st->why)];

	if (!strcmp(where, "off")) {
		snprintf(st->why, sizeof(st->why), "[detect] capture = off");
		return;
	}
	o.ifname = strcmp(where, "any") ? where : NULL;
	if (scan_capture_open(&f->cap, &o, why, sizeof(why)) < 0) {
		f->cap = NULL;
		snprintf(st->why, sizeof(st->why), "%s", why);
		log_warn("port_scan is off: %s", why);
		return;
	}
	st->available = true;
}

/* The auth_logs list (space-separated) into files; returns how many. */
static size_t split_files(char *list, const char **files, size_t cap)
{
	size_t n = 0;

	for (char *p = list; *p && n < cap;) {
		while (*p == ' ' || *p == '\t')
			*p++ = '\0';
		if (!*p)
			break;
		files[n++] = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
	}
	return n;
}

static void open_auth(struct agent *a, struct agent_facts *f)
{
	static char list[CONFIG_PATH_MAX];
	const char *files[MAX_AUTH_FILES];
	struct authlog_reader_opts o = { 0 };

	snprintf(list, sizeof(list), "%s", a->cfg.detect.auth_logs);
	o.journal = a->cfg.detect.journal;
	o.fallback = a->cfg.detect.auth_fallback[0] ? a->cfg.detect.auth_fallback : NULL;
	o.nr_files = split_files(list, files, MAX_AUTH_FILES);
	o.files = files;
	f->auth = authlog_reader_open(&o);
}

void agent_facts_init(struct agent *a)
{
	struct rule_facts *rf = &a->rules.facts;
	struct agent_facts *f = xcalloc(1, sizeof(*f));
	const struct rule_settings *ps = &a->cfg.rules.builtin[RULE_PORT_SCAN];
	/* Counted up to where port_scan escalates, so the count can get there. */
	double ports = ps->param[0] * (ps->escalate_factor > 1 ? ps->escalate_factor : 1);
	struct scan_track_opts so = { .window_ms = a->cfg.detect.scan_window_ms };
	struct fail_track_opts fo = { .window_ms = a->cfg.detect.auth_window_ms };

	memset(rf, 0, sizeof(*rf));
	a->facts = f;
	so.max_ports = ports + 1 > 65535	  ? 65535 :
		       ports + 1 > SCAN_PORTS_MIN ? (uint32_t)ports + 1 :
						    SCAN_PORTS_MIN;
	scan_track_init(&f->scans, &so);
	fail_track_init(&f->fails, &fo);
	pair_bytes_init(&f->pairs, 0);
	listener_set_init(&f->listeners);
	proc_table_init(&f->procs);
	f->ifaces_ms = f->fds_ms = f->resolved_ms = INT64_MIN;
	if (a->once || a->check) {
		snprintf(rf->scan_state.why, sizeof(rf->scan_state.why),
			 "a one-shot run captures no connection attempts");
		snprintf(rf->auth_state.why, sizeof(rf->auth_state.why),
			 "a one-shot run reads no SSH log");
		return;
	}
	open_capture(a, f);
	open_auth(a, f);
}

/* ---- the census's part ---- */

void agent_facts_census_begin(struct agent *a)
{
	struct agent_facts *f = a->facts;

	listener_set_reset(&f->listeners);
	f->listen_sig = 0;
}

void agent_facts_sock(struct agent *a, const struct sock_entry *e)
{
	struct agent_facts *f = a->facts;

	pair_bytes_add_sock(&f->pairs, e);
	listener_set_add_sock(&f->listeners, e);
}

/* A signature of the listening (proto, port) set: owners are looked up again when it changes. */
static uint64_t listen_signature(const struct listener_set *ls)
{
	const struct rule_listener *v;
	uint64_t h = 0;
	size_t nr;

	v = listener_set_list(ls, &nr);
	for (size_t i = 0; i < nr; i++)
		h += (((uint64_t)v[i].proto << 16 | v[i].port) + 1) * 0x9e3779b97f4a7c15ull;
	return h ^ nr;
}

static bool fds_listed(const struct agent_facts *f, int32_t pid)
{
	for (size_t i = 0; i < f->nr_fds; i++)
		if (f->fds[i].pid == pid)
			return true;
	return false;
}

static void read_one_fds(struct agent_facts *f, int32_t pid, const char *comm)
{
	struct rule_fds *d = &f->fds[f->nr_fds];

	if (f->nr_fds == MAX_FDS || pid <= 0 || fds_listed(f, pid))
		return;
	memset(d, 0, sizeof(*d));
	d->pid = pid;
	if (fdcount_read("/proc", pid, &d->open, &d->limit) < 0)
		return;
	snprintf(d->comm, sizeof(d->comm), "%s", comm);
	f->nr_fds++;
}

/*
 * The descriptors of the listeners' processes (servers: accept() fails at
 * the limit), then of the busiest processes the agent's per-process traffic
 * shows (clients), MAX_FDS at most.
 */
static void read_fds(struct agent *a, struct agent_facts *f)
{
	int32_t pids[MAX_FDS];
	size_t nr = listener_set_pids(&f->listeners, pids, MAX_FDS);
	const struct agent_procs *tp = &a->cen.traffic;
	const struct rule_listener *v;
	const char *comm;
	size_t nr_l;

	v = listener_set_list(&f->listeners, &nr_l);
	f->nr_fds = 0;
	for (size_t i = 0; i < nr; i++) {
		comm = "";
		for (size_t k = 0; k < nr_l; k++)
			if (v[k].pid == pids[i])
				comm = v[k].comm;
		read_one_fds(f, pids[i], comm);
	}
	for (size_t i = 0; i < tp->nr; i++)
		if (tp->v[i].alive)
			read_one_fds(f, tp->v[i].pid, tp->v[i].comm);
}

/* After a complete census at now_ms: the host pairs' rates, the listeners' owners, their fds. */
void agent_facts_census_end(struct agent *a, int err, const struct proc_table *cw_procs,
			    int64_t now_ms)
{
	struct agent_facts *f = a->facts;
	struct addr_iface ifs[256];
	int n;

	if (err < 0)
		return;
	if (f->ifaces_ms == INT64_MIN || now_ms - f->ifaces_ms >= IFACE_REFRESH_MS) {
		n = fdcount_iface_addrs(ifs, sizeof(ifs) / sizeof(ifs[0]));
		if (n >= 0)
			pair_bytes_set_ifaces(&f->pairs, ifs, (size_t)n);
		f->ifaces_ms = now_ms;
	}
	pair_bytes_end_census(&f->pairs, now_ms);
	f->census_done = true;
	/* One look (check, --once) learns no inventory: no /proc walk for owners. */
	if (a->check || a->once)
		return;
	f->listen_sig = listen_signature(&f->listeners);
	if (f->listen_sig != f->resolved_sig &&
	    (f->resolved_ms == INT64_MIN || now_ms - f->resolved_ms >= LISTEN_SCAN_MS)) {
		proc_table_reset(&f->procs);
		procmap_scan(&f->procs, "/proc");
		f->resolved_sig = f->listen_sig;
		f->resolved_ms = now_ms;
	}
	(void)cw_procs;
	listener_set_resolve(&f->listeners, &f->procs);
	if (f->fds_ms == INT64_MIN || now_ms - f->fds_ms >= FDS_READ_MS) {
		read_fds(a, f);
		f->fds_ms = now_ms;
	}
}

/* ---- every tick ---- */

void agent_facts_gather(struct agent *a, int64_t t_ms)
{
	struct agent_facts *f = a->facts;
	struct rule_facts *rf = &a->rules.facts;
	char why[sizeof(rf->auth_state.why)];
	int ret;

	if (f->cap) {
		ret = scan_capture_dispatch(f->cap, probe, &f->scans);
		if (ret < 0 && ret != -EINTR && ret != -EAGAIN) {
			snprintf(rf->scan_state.why, sizeof(rf->scan_state.why),
				 "the capture stopped: %s", strerror(-ret));
			log_warn("port_scan is off: %s", rf->scan_state.why);
			rf->scan_state.available = false;
			scan_capture_close(f->cap);
			f->cap = NULL;
		}
	}
	scan_track_expire(&f->scans, t_ms);
	rf->scans = f->scan_out;
	rf->nr_scans = scan_track_report(&f->scans, t_ms, f->scan_out, MAX_REPORT);
	if (f->auth) {
		authlog_reader_poll(f->auth, t_ms, auth_line, &f->fails);
		rf->auth_state.available = authlog_reader_state(f->auth, why, sizeof(why));
		snprintf(rf->auth_state.why, sizeof(rf->auth_state.why), "%s", why);
	}
	fail_track_expire(&f->fails, t_ms);
	rf->authfails = f->auth_out;
	rf->nr_authfails = fail_track_report(&f->fails, t_ms, f->auth_out, MAX_REPORT);
	rf->pairs = pair_bytes_pairs(&f->pairs, &rf->nr_pairs);
	rf->pairs_fresh = f->census_done;
	rf->listeners = listener_set_list(&f->listeners, &rf->nr_listeners);
	rf->listeners_fresh = f->census_done;
	rf->fds = f->fds;
	rf->nr_fds = f->nr_fds;
	f->census_done = false;
}

/* A reload: the inputs start again when [detect] or port_scan's sizing changed. */
void agent_facts_reload(struct agent *a)
{
	const struct rule_settings *ps = &a->cfg.rules.builtin[RULE_PORT_SCAN];
	double ports = ps->param[0] * (ps->escalate_factor > 1 ? ps->escalate_factor : 1);
	struct agent_facts *f = a->facts;

	if (!f || (!memcmp(f->detect_cfg, &a->cfg.detect, sizeof(f->detect_cfg)) &&
		   ports == f->scan_ports))
		return;
	agent_facts_release(a);
	agent_facts_init(a);
	log_info("detection inputs reopened with the new [detect]");
}

void agent_facts_release(struct agent *a)
{
	struct agent_facts *f = a->facts;

	if (!f)
		return;
	if (f->cap)
		scan_capture_close(f->cap);
	if (f->auth)
		authlog_reader_close(f->auth);
	scan_track_release(&f->scans);
	fail_track_release(&f->fails);
	pair_bytes_release(&f->pairs);
	listener_set_release(&f->listeners);
	proc_table_release(&f->procs);
	free(f);
	a->facts = NULL;
}
