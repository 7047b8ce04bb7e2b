// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The two actions of `connmon top`, each asked first (y/N) and refused up
 * front, with the reason, when the process lacks CAP_NET_ADMIN:
 *
 *   k  kills the tagged sockets, or the selected one: SOCK_DESTROY through
 *      the walk's own sock_diag socket, exactly as `connmon kill` does (only
 *      TCP; a socket already gone is not a failure);
 *   b  blocks the selected peer as `connmon block ADDR` does: the database
 *      (--db, else the config's [agent] db), the config's [respond] allow
 *      list, connmon's nftables table, until unblocked; refused when the
 *      database cannot be opened or nftables refuses, with the same words.
 *
 * Both run from the key handler, never during a walk (a SOCK_DESTROY
 * request cannot share the netlink socket with a running dump).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "alert/respond.h"
#include "app/respond_app.h"
#include "app/summary.h"
#include "app/top_int.h"
#include "base/xalloc.h"
#include "cli/config.h"
#include "store/store.h"

#define CAP_NET_ADMIN_BIT 12
/* Sockets the question lists before "and N more". */
#define QUESTION_LIST 5

bool top_has_cap(int cap)
{
	struct strbuf sb = STRBUF_INIT;
	unsigned long long eff = 0;
	const char *p;

	sb.max_len = 16384;
	if (strbuf_read_file(&sb, "/proc/self/status", 4096) == 0 &&
	    (p = strstr(sb.buf, "\nCapEff:")) != NULL)
		eff = strtoull(p + 8, NULL, 16);
	strbuf_release(&sb);
	return (eff >> cap) & 1;
}

static void describe(char *buf, size_t size, const struct top_ref *t)
{
	char l[80], r[80];

	snprintf(buf, size, "%s -> %s",
		 summary_endpoint(l, sizeof(l), t->family, (const uint8_t *)&t->src, t->sport),
		 summary_endpoint(r, sizeof(r), t->family, (const uint8_t *)&t->dst, t->dport));
}

static void add_target(struct top_run *r, const struct top_ref *ref)
{
	ALLOC_GROW(r->targets, r->nr_targets + 1, r->alloc_targets);
	r->targets[r->nr_targets++] = *ref;
}

static const struct top_ref *selected(const struct top_run *r)
{
	const struct top_view_state *vs = &r->views[r->cur];

	if (!vs->filled || !vs->table.nr_rows)
		return NULL;
	return &vs->table.ref[vs->order[vs->sel]];
}

static bool killable(const struct top_ref *ref)
{
	return ref->kind == TOP_REF_SOCK && ref->proto == IPPROTO_TCP &&
	       (ref->family == AF_INET || ref->family == AF_INET6);
}

void top_act_kill(struct top_run *r)
{
	const struct top_ref *sel = selected(r);
	char line[256];

	r->nr_targets = 0;
	if (!top_has_cap(CAP_NET_ADMIN_BIT)) {
		top_status(r, true, "cannot kill sockets: needs CAP_NET_ADMIN (run as root)");
		return;
	}
	for (size_t i = 0; i < r->nr_tags; i++)
		if (killable(&r->tags[i]))
			add_target(r, &r->tags[i]);
	if (!r->nr_tags && sel && killable(sel))
		add_target(r, sel);
	if (!r->nr_targets) {
		top_status(r, true,
			   "k kills TCP sockets: select or tag (Space) some in the "
			   "sockets view");
		return;
	}
	if (!r->walk_open || !r->walk.sd) {
		top_status(r, true,
			   "cannot kill sockets: needs sock_diag netlink (SOCK_DESTROY); "
			   "the /proc/net fallback cannot");
		return;
	}
	strbuf_reset(&r->question);
	strbuf_addf(&r->question, "Kill %zu TCP socket%s?", r->nr_targets,
		    r->nr_targets == 1 ? "" : "s");
	for (size_t i = 0; i < r->nr_targets && i < QUESTION_LIST; i++) {
		describe(line, sizeof(line), &r->targets[i]);
		strbuf_addf(&r->question, "\n  %s", line);
	}
	if (r->nr_targets > QUESTION_LIST)
		strbuf_addf(&r->question, "\n  and %zu more", r->nr_targets - QUESTION_LIST);
	r->action = TOP_ACT_KILL;
	r->mode = TOP_MODE_CONFIRM;
}

static void do_kill(struct top_run *r)
{
	size_t killed = 0, gone = 0, failed = 0;
	int first_err = 0;

	for (size_t i = 0; i < r->nr_targets; i++) {
		const struct top_ref *t = &r->targets[i];
		struct sock_entry e = {
			.proto = PROTO_TCP,
			.family = t->family,
			.state = t->state,
			.lport = t->sport,
			.rport = t->dport,
			.ifindex = t->ifindex,
			.cookie = t->cookie,
			.has = t->cookie ? SOCK_HAS_COOKIE : 0,
		};
		int ret;

		memcpy(e.local, &t->src, 16);
		memcpy(e.remote, &t->dst, 16);
		ret = sockdiag_destroy(r->walk.sd, &e);
		if (!ret)
			killed++;
		else if (ret == -ENOENT)
			gone++; /* closed between the dump and now: the goal is met */
		else
			failed++;
		if (ret && ret != -ENOENT && !first_err)
			first_err = ret;
	}
	top_status(r, failed != 0, "killed %zu of %zu socket%s%s%s", killed, r->nr_targets,
		   r->nr_targets == 1 ? "" : "s", gone ? ", some already gone" : "",
		   !failed		    ? "" :
		   first_err == -EOPNOTSUPP ? "; refused: kernel lacks CONFIG_INET_DIAG_DESTROY" :
		   first_err == -EPERM	    ? "; refused: needs CAP_NET_ADMIN" :
					      "; some refused");
	r->nr_tags = 0;
}

/* The address a row stands for: a peer, or a socket's remote end. */
static bool peer_of(const struct top_ref *ref, char *buf, size_t size)
{
	if ((ref->kind != TOP_REF_PEER && ref->kind != TOP_REF_SOCK &&
	     ref->kind != TOP_REF_BLOCK) ||
	    (ref->family != AF_INET && ref->family != AF_INET6))
		return false;
	if (sock_addr_is_any(ref->family, (const uint8_t *)&ref->dst))
		return false;
	sock_format_addr(buf, ref->family, (const uint8_t *)&ref->dst);
	(void)size;
	return true;
}

void top_act_block(struct top_run *r)
{
	const struct top_ref *sel = selected(r);
	char addr[64];

	r->nr_targets = 0;
	if (!top_has_cap(CAP_NET_ADMIN_BIT)) {
		top_status(r, true, "cannot block: needs CAP_NET_ADMIN (run as root)");
		return;
	}
	if (!sel || !peer_of(sel, addr, sizeof(addr))) {
		top_status(r, true,
			   "b blocks a peer: select a socket with a remote address, or "
			   "a peer");
		return;
	}
	add_target(r, sel);
	strbuf_reset(&r->question);
	strbuf_addf(&r->question,
		    "Block %s in nftables until unblocked?\n"
		    "(connmon unblock %s lifts it)",
		    addr, addr);
	r->action = TOP_ACT_BLOCK;
	r->mode = TOP_MODE_CONFIRM;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The config as `connmon block` reads it: the default file when it exists, else the defaults. */
static int load_config(struct agent_config *c, struct strbuf *err)
{
	int ret;

	config_defaults(c);
	ret = config_load(c, CONFIG_DEFAULT_PATH, err);
	if (ret == -ENOENT) {
		strbuf_reset(err);
		ret = 0;
	}
	return ret;
}

static void do_block(struct top_run *r)
{
	struct agent_config cfg;
	struct strbuf err = STRBUF_INIT;
	struct store *st = NULL;
	struct responder *resp;
	struct respond_req req = { 0 };
	char addr[64];

	peer_of(&r->targets[0], addr, sizeof(addr));
	req.text = addr;
	if (load_config(&cfg, &err) ||
	    store_open(&st, r->ctx.db_path ? r->ctx.db_path : cfg.agent.db, STORE_ADMIN, NULL,
		       &err)) {
		top_status(r, true, "cannot block %s: %s", addr, err.buf);
		goto out;
	}
	store_block_purge(st, now_ms(), NULL, NULL);
	resp = respond_app_new(&cfg.respond, RESPOND_ON, st, NULL);
	respond_app_allowlist(respond_allow(resp), &cfg.respond, NULL);
	if (respond_block(resp, &req, 1, 0, "connmon top", now_ms(), &err))
		top_status(r, true, "cannot block %s: %s", addr, err.buf);
	else if (req.status)
		top_status(r, true, "not blocked: %s: %s", addr, req.result);
	else
		top_status(r, false, "blocked %s until unblocked", addr);
	respond_app_close(resp);
out:
	store_close(st, NULL);
	strbuf_release(&err);
}

void top_act_confirm(struct top_run *r, bool yes)
{
	enum top_action a = r->action;

	r->action = TOP_ACT_NONE;
	if (!yes) {
		top_status(r, false, "nothing %s",
			   a == TOP_ACT_KILL	? "killed" :
			   a == TOP_ACT_UNBLOCK ? "unblocked" :
						  "blocked");
		return;
	}
	if (a == TOP_ACT_KILL)
		do_kill(r);
	else if (a == TOP_ACT_BLOCK)
		do_block(r);
	else if (a == TOP_ACT_UNBLOCK)
		top_act_unblock_confirmed(r);
}
