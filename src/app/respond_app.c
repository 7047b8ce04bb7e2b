// SPDX-License-Identifier: GPL-2.0-or-later
#include "app/respond_app.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "app/log.h"
#include "base/xalloc.h"
#include "collect/localaddr.h"
#include "collect/procmap.h"
#include "collect/sockdiag.h"

struct app_ops {
	struct store *st;
	void (*log)(const char *line);
};

int respond_app_options(struct agent_config *c, const struct cli_opts *o, struct strbuf *err)
{
	struct strbuf list = STRBUF_INIT;
	int ret = 0;

	if (o->respond && config_set(c, "--respond", "respond", "mode", o->respond, err) < 0)
		return -EINVAL;
	if (!o->nr_allows)
		return 0;
	strbuf_addstr(&list, c->respond.allow);
	for (size_t i = 0; i < o->nr_allows; i++)
		strbuf_addf(&list, "%s%s", list.len ? ", " : "", o->allows[i]);
	if (config_set(c, "--allow", "respond", "allow", list.buf, err) < 0)
		ret = -EINVAL;
	strbuf_release(&list);
	return ret;
}

void respond_app_params(struct respond_params *p, const struct respond_config *c)
{
	respond_params_init(p);
	p->mode = c->mode == CONFIG_RESPOND_ON	    ? RESPOND_ON :
		  c->mode == CONFIG_RESPOND_DRY_RUN ? RESPOND_DRY_RUN :
						      RESPOND_OFF;
	p->ban_ms = c->ban_time_ms;
	p->ban_factor = c->ban_factor;
	p->ban_max_ms = c->ban_max_ms;
	p->set_size = c->set_size;
	p->limit_ms = c->limit_time_ms;
	p->limit_connections = c->limit_connections;
	p->limit_syn_rate = c->limit_syn_rate;
}

/* ---- persistence ---- */

static void to_store(struct store_block *d, const struct respond_block *s)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->addr, sizeof(d->addr), "%s", s->addr);
	d->created_ms = s->created_ms;
	d->expires_ms = s->expires_ms;
	snprintf(d->rule, sizeof(d->rule), "%s", s->rule);
	snprintf(d->reason, sizeof(d->reason), "%s", s->reason);
	snprintf(d->origin, sizeof(d->origin), "%s", s->origin);
}

static int op_block_save(void *ctx, const struct respond_block *b, size_t nr)
{
	struct app_ops *a = ctx;
	struct store_block *rows = xcalloc(nr + 1, sizeof(*rows));
	int ret;

	for (size_t i = 0; i < nr; i++)
		to_store(&rows[i], &b[i]);
	ret = store_block_put(a->st, rows, nr, NULL);
	free(rows);
	return ret;
}

static int op_block_remove(void *ctx, const char *const *addrs, size_t nr, bool all)
{
	return store_block_remove(((struct app_ops *)ctx)->st, addrs, nr, all, NULL, NULL);
}

static int op_block_list(void *ctx, int64_t now_ms, struct respond_block **out, size_t *nr)
{
	struct store_block *rows;
	int ret = store_block_list(((struct app_ops *)ctx)->st, now_ms, &rows, nr, NULL);

	*out = NULL;
	if (ret)
		return ret;
	*out = xcalloc(*nr + 1, sizeof(**out));
	for (size_t i = 0; i < *nr; i++) {
		struct respond_block *d = &(*out)[i];

		snprintf(d->addr, sizeof(d->addr), "%s", rows[i].addr);
		d->created_ms = rows[i].created_ms;
		d->expires_ms = rows[i].expires_ms;
		snprintf(d->rule, sizeof(d->rule), "%s", rows[i].rule);
		snprintf(d->reason, sizeof(d->reason), "%s", rows[i].reason);
		snprintf(d->origin, sizeof(d->origin), "%s", rows[i].origin);
	}
	free(rows);
	return 0;
}

static int op_block_count(void *ctx, int64_t now_ms, size_t *nr)
{
	return store_block_count(((struct app_ops *)ctx)->st, now_ms, nr, NULL);
}

static int op_offender_get(void *ctx, const char *addr, uint32_t *bans)
{
	int64_t last;

	return store_offender_get(((struct app_ops *)ctx)->st, addr, bans, &last, NULL);
}

static int op_offender_put(void *ctx, const char *addr, uint32_t bans, int64_t last_ban_ms)
{
	return store_offender_put(((struct app_ops *)ctx)->st, addr, bans, last_ban_ms, NULL);
}

static int op_audit(void *ctx, const struct respond_audit *a, size_t nr)
{
	struct app_ops *o = ctx;
	struct store_audit *rows = xcalloc(nr + 1, sizeof(*rows));
	int ret;

	for (size_t i = 0; i < nr; i++) {
		rows[i].time_ms = a[i].time_ms;
		snprintf(rows[i].action, sizeof(rows[i].action), "%s", a[i].action);
		snprintf(rows[i].target, sizeof(rows[i].target), "%s", a[i].target);
		snprintf(rows[i].mode, sizeof(rows[i].mode), "%s", a[i].mode);
		snprintf(rows[i].result, sizeof(rows[i].result), "%s", a[i].result);
		snprintf(rows[i].detail, sizeof(rows[i].detail), "%s", a[i].detail);
	}
	ret = store_audit_add(o->st, rows, nr, NULL);
	free(rows);
	return ret;
}

static void op_log(void *ctx, const char *line)
{
	struct app_ops *o = ctx;

	if (o->log)
		o->log(line);
}

/* ---- kills (SOCK_DESTROY) ---- */

struct kill_walk {
	uint8_t family;
	uint8_t addr[16];
	struct sock_entry *v;
	size_t nr, alloc;
};

static const uint8_t v4_mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

static bool same_peer(const struct kill_walk *k, const struct sock_entry *s)
{
	if (s->family == k->family)
		return !memcmp(s->remote, k->addr, k->family == AF_INET ? 4 : 16);
	return s->family == AF_INET6 && k->family == AF_INET && !memcmp(s->remote, v4_mapped, 12) &&
	       !memcmp(s->remote + 12, k->addr, 4);
}

static int visit_kill(const struct sock_entry *s, void *arg)
{
	struct kill_walk *k = arg;

	if (!same_peer(k, s))
		return 0;
	ALLOC_GROW(k->v, k->nr + 1, k->alloc);
	k->v[k->nr] = *s;
	k->v[k->nr++].unix_path = NULL;
	return 0;
}

/* The established TCP sockets of addr, destroyed after the dump (one netlink socket). */
static int op_kill(void *ctx, uint8_t family, const uint8_t addr[16], struct strbuf *err)
{
	struct sockdiag_query q = { .protos = PROTO_BIT(PROTO_TCP),
				    .want_v4 = true,
				    .want_v6 = true,
				    .states = SOCK_STATES_ALL & ~SOCK_STATE_BIT(SOCK_ST_LISTEN) &
					      ~SOCK_STATE_BIT(SOCK_ST_TIME_WAIT),
				    .inline_recv = true };
	struct kill_walk k = { .family = family };
	struct sockdiag_stats stats;
	struct sockdiag *sd;
	int ret, killed = 0;

	(void)ctx;
	memcpy(k.addr, addr, family == AF_INET ? 4 : 16);
	ret = sockdiag_open(&sd);
	if (ret) {
		strbuf_addf(err, "sock_diag: %s", strerror(-ret));
		return ret;
	}
	ret = sockdiag_dump(sd, &q, visit_kill, &k, &stats);
	for (size_t i = 0; i < k.nr && ret >= 0; i++) {
		int r = sockdiag_destroy(sd, &k.v[i]);

		if (r == 0)
			killed++;
		else if (r != -ENOENT)
			ret = r;
	}
	if (ret < 0)
		strbuf_addf(err, "SOCK_DESTROY: %s", strerror(-ret));
	sockdiag_close(sd);
	free(k.v);
	return ret < 0 ? ret : killed;
}

/* ---- allowlist ---- */

static void allow_cb(void *ctx, uint8_t family, const uint8_t addr[16], const char *reason)
{
	allow_add(ctx, family, addr, family == AF_INET ? 32 : 128, reason);
}

struct sshd_walk {
	struct proc_table procs;
	uint16_t ports[16];
	size_t nr;
};

static int visit_listen(const struct sock_entry *s, void *arg)
{
	struct sshd_walk *w = arg;
	const struct proc_ref *r = proc_table_first(&w->procs, s->inode);

	for (; r; r = proc_table_next(&w->procs, r)) {
		if (strcmp(proc_table_comm(&w->procs, r), "sshd") || w->nr >= 16)
			continue;
		for (size_t i = 0; i < w->nr; i++)
			if (w->ports[i] == s->lport)
				return 0;
		w->ports[w->nr++] = s->lport;
		return 0;
	}
	return 0;
}

/* Port 22 and the ports processes named sshd listen on. */
static size_t sshd_ports(uint16_t ports[16])
{
	struct sockdiag_query q = { .protos = PROTO_BIT(PROTO_TCP),
				    .want_v4 = true,
				    .want_v6 = true,
				    .states = SOCK_STATE_BIT(SOCK_ST_LISTEN),
				    .inline_recv = true };
	struct sshd_walk w = { .ports = { 22 }, .nr = 1 };
	struct sockdiag_stats stats;
	struct sockdiag *sd;

	proc_table_init(&w.procs);
	if (procmap_scan(&w.procs, "/proc") >= 0 && sockdiag_open(&sd) == 0) {
		sockdiag_dump(sd, &q, visit_listen, &w, &stats);
		sockdiag_close(sd);
	}
	proc_table_release(&w.procs);
	memcpy(ports, w.ports, sizeof(w.ports));
	return w.nr;
}

static void warn_part(void (*warn)(const char *line), const char *what, int ret)
{
	char line[160];

	if (!warn || ret >= 0)
		return;
	snprintf(line, sizeof(line), "cannot read %s for the allowlist: %s", what, strerror(-ret));
	warn(line);
}

void respond_app_allowlist(struct allow_list *l, const struct respond_config *c,
			   void (*warn)(const char *line))
{
	const char *p = c->allow;
	uint16_t ports[16];
	size_t nr;

	allow_add_text(l, "127.0.0.0/8", "loopback", NULL);
	allow_add_text(l, "::1", "loopback", NULL);
	while (*p) {
		char word[64];
		size_t len = strcspn(p, ", \t");

		if (len && len < sizeof(word)) {
			struct strbuf err = STRBUF_INIT;

			memcpy(word, p, len);
			word[len] = '\0';
			allow_add_text(l, word, "configured", &err); /* checked at load */
			strbuf_release(&err);
		}
		p += len + (p[len] != '\0');
	}
	warn_part(warn, "the host's addresses", localaddr_own(allow_cb, l));
	warn_part(warn, "the default gateways", localaddr_gateways("/proc", allow_cb, l));
	nr = sshd_ports(ports);
	warn_part(warn, "the SSH sessions", localaddr_ssh_peers(ports, nr, allow_cb, l));
}

/* ---- the responder ---- */

struct responder *respond_app_new(const struct respond_config *c, enum respond_mode mode,
				  struct store *st, void (*log)(const char *line))
{
	struct app_ops *a = xcalloc(1, sizeof(*a));
	struct respond_params p;
	struct respond_ops ops = { .ctx = a, .kill = op_kill, .log = op_log };

	a->st = st;
	a->log = log;
	if (st) {
		ops.block_save = op_block_save;
		ops.block_remove = op_block_remove;
		ops.block_list = op_block_list;
		ops.block_count = op_block_count;
		ops.offender_get = op_offender_get;
		ops.offender_put = op_offender_put;
		ops.audit = op_audit;
	}
	respond_app_params(&p, c);
	p.mode = mode;
	return respond_new(&p, &ops);
}

static void log_line(const char *line)
{
	log_info("respond: %s", line);
}

static void warn_line(const char *line)
{
	log_warn("respond: %s", line);
}

struct responder *respond_app_open(const struct agent_config *c, struct store *st, int64_t now_ms)
{
	struct respond_params p;
	struct responder *r;
	struct strbuf err = STRBUF_INIT;
	size_t added = 0, removed = 0;

	respond_app_params(&p, &c->respond);
	if (st && store_version(st) >= 2)
		store_block_purge(st, now_ms, NULL,
				  NULL); /* expired rows: the kernel dropped them */
	r = respond_app_new(&c->respond, p.mode, st, log_line);
	if (p.mode != RESPOND_OFF)
		respond_app_allowlist(respond_allow(r), &c->respond, warn_line);
	if (respond_start(r, &err)) {
		log_warn("%s; detection and alerts go on", err.buf);
	} else if (p.mode == RESPOND_ON) {
		strbuf_reset(&err);
		if (respond_reconcile(r, now_ms, &added, &removed, &err))
			log_warn("respond: cannot reconcile table inet connmon: %s", err.buf);
		else
			log_info("respond: on; table inet connmon reconciled (%zu re-added, %zu "
				 "removed)",
				 added, removed);
	} else {
		log_info("respond: %s", p.mode == RESPOND_DRY_RUN ?
						"dry-run (nothing reaches the kernel)" :
						"off");
	}
	strbuf_release(&err);
	return r;
}

void respond_app_close(struct responder *r)
{
	void *ctx;

	if (!r)
		return;
	ctx = respond_ops_ctx(r);
	respond_free(r);
	free(ctx);
}

int respond_app_remove_rules(void)
{
	struct respond_config c = { 0 };
	struct responder *r = respond_app_new(&c, RESPOND_ON, NULL, NULL);
	struct strbuf err = STRBUF_INIT;
	int ret = respond_remove_rules(r, &err);

	if (ret == -EPERM)
		fprintf(stderr, "connmon agent: cannot remove table inet connmon: no CAP_NET_ADMIN"
				" (run as root or grant cap_net_admin)\n");
	else if (ret)
		fprintf(stderr, "connmon agent: cannot remove table inet connmon: %s\n", err.buf);
	else
		printf("removed table inet connmon\n");
	strbuf_release(&err);
	respond_app_close(r);
	return ret ? 1 : 0;
}
