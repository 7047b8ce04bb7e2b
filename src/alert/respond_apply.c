// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * respond_apply(): the actions of one tick's alert events.  Pass one decides
 * per (action, address): allowlisted, set full, dry-run, or into the batch;
 * one nftables transaction applies the batch; pass two records the outcome
 * (rows, offenders, audit) and writes each action's result.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "alert/respond_int.h"
#include "base/xalloc.h"

/* What became of the addresses of one action. */
struct tally {
	struct alert_action *act;
	const struct alert_event *ev;
	unsigned done, dry, refused, failed, batched;
	int64_t duration_ms;
	char first_refusal[48];
	char addr[ALERT_ADDR_LEN]; /* the first address, for the text */
	int killed;
};

/* One element waiting for the transaction. */
struct pend {
	size_t tally;
	struct respond_block row;
	uint32_t bans; /* earlier bans (blocks) */
	bool block;
	bool dup;      /* the same element earlier in this batch: not written twice */
	uint16_t port; /* limits */
};

struct apply {
	struct responder *r;
	const struct alert_event *ev;
	int64_t now_ms;
	struct tally *t;
	size_t nr_t, alloc_t;
	struct pend *p;
	size_t nr_p, alloc_p;
	size_t nr_blocked; /* rows in force plus those batched */
	bool counted;
};

static const char *verb(enum alert_action_kind k)
{
	return k == ACTION_BLOCK ? "block" : k == ACTION_LIMIT ? "limit" : "kill";
}

static void refuse(struct tally *t, const char *why)
{
	if (!t->refused++)
		snprintf(t->first_refusal, sizeof(t->first_refusal), "%s", why);
}

/* The local port a limit applies to: the subject's, or "port N" in the target. */
static int limit_port(const struct alert_event *ev, const struct alert_action *act)
{
	int port = 0;

	if (ev->subject.port > 0 && ev->subject.port <= 65535)
		return ev->subject.port;
	if (sscanf(act->target, "port %d", &port) == 1 && port > 0 && port <= 65535)
		return port;
	return 0;
}

static bool set_full(struct apply *a)
{
	struct responder *r = a->r;

	if (!a->counted) {
		a->nr_blocked = 0;
		if (r->ops.block_count)
			r->ops.block_count(r->ops.ctx, a->now_ms, &a->nr_blocked);
		a->counted = true;
	}
	return a->nr_blocked >= r->p.set_size;
}

static void log_would(struct apply *a, struct tally *t, const char *addr, int port)
{
	struct strbuf line = STRBUF_INIT;

	strbuf_addf(&line, "%s %s %s", a->r->p.mode == RESPOND_ON ? "" : "would",
		    verb(t->act->kind), addr);
	if (port)
		strbuf_addf(&line, " port %d", port);
	if (t->act->kind != ACTION_KILL) {
		strbuf_addstr(&line, " for ");
		respond_format_duration(t->duration_ms, &line);
	}
	strbuf_addf(&line, " (rule %s)", t->ev->rule);
	respond_log(a->r, line.buf + (a->r->p.mode == RESPOND_ON));
	strbuf_release(&line);
}

static void kill_now(struct apply *a, struct tally *t, const struct nft_elem *e)
{
	struct strbuf err = STRBUF_INIT;
	int n = a->r->ops.kill ? a->r->ops.kill(a->r->ops.ctx, e->family, e->addr, &err) : -ENOSYS;

	if (n >= 0) {
		t->done++;
		t->killed += n;
	} else if (!t->failed++) {
		snprintf(t->first_refusal, sizeof(t->first_refusal), "%s",
			 err.len ? err.buf : strerror(-n));
	}
	strbuf_release(&err);
}

static void batch_elem(struct apply *a, size_t ti, const struct nft_elem *e, int port,
		       uint32_t bans)
{
	struct tally *t = &a->t[ti];
	struct nft_elem x = *e;
	struct pend *p;

	ALLOC_GROW(a->p, a->nr_p + 1, a->alloc_p);
	p = &a->p[a->nr_p++];
	memset(p, 0, sizeof(*p));
	p->tally = ti;
	p->block = t->act->kind == ACTION_BLOCK;
	p->port = (uint16_t)port;
	p->bans = bans;
	respond_host_text(e, p->row.addr);
	x.timeout_ms = t->duration_ms;
	x.port = p->port;
	p->row.created_ms = a->now_ms;
	p->row.expires_ms = a->now_ms + x.timeout_ms;
	snprintf(p->row.rule, sizeof(p->row.rule), "%s", a->ev->rule);
	snprintf(p->row.reason, sizeof(p->row.reason), "%.127s", a->ev->summary);
	snprintf(p->row.origin, sizeof(p->row.origin), "agent");
	t->batched++;
	/* An element twice in one statement would fail the transaction. */
	for (size_t i = 0; i + 1 < a->nr_p && !p->dup; i++)
		p->dup = a->p[i].block == p->block && a->p[i].port == p->port &&
			 !strcmp(a->p[i].row.addr, p->row.addr);
	if (p->dup)
		return;
	nft_batch_add(&a->r->batch, &x, !p->block, true);
	a->nr_blocked += p->block;
}

/* A block's ban: the rule's duration (or ban_time) escalated by the earlier bans. */
static uint32_t set_duration(struct apply *a, struct tally *t)
{
	struct respond_params p = a->r->p;
	uint32_t bans = 0;

	if (t->act->kind == ACTION_LIMIT)
		t->duration_ms = p.limit_ms;
	if (t->act->kind != ACTION_BLOCK)
		return 0;
	if (a->r->ops.offender_get)
		a->r->ops.offender_get(a->r->ops.ctx, t->addr, &bans);
	if (t->act->duration_ms > 0)
		p.ban_ms = t->act->duration_ms;
	t->duration_ms = respond_ban_ms(&p, bans);
	return bans;
}

/* One address of one action. */
static void decide(struct apply *a, size_t ti, const char *text)
{
	struct tally *t = &a->t[ti];
	struct strbuf why = STRBUF_INIT;
	const char *allowed;
	struct nft_elem e;
	uint32_t bans;
	int port = 0;

	if (respond_parse_host(text, &e, &why)) {
		refuse(t, "not an address");
		goto out;
	}
	respond_host_text(&e, t->addr);
	if ((allowed = respond_allowed_reason(a->r, &e))) {
		strbuf_addf(&why, "allowlisted (%s)", allowed);
		refuse(t, why.buf);
		goto out;
	}
	if (t->act->kind == ACTION_LIMIT && !(port = limit_port(a->ev, t->act))) {
		refuse(t, "no port to limit");
		goto out;
	}
	if (t->act->kind == ACTION_BLOCK && set_full(a)) {
		a->r->nr_full++;
		strbuf_addf(&why, "set full (%u)", (unsigned)a->r->p.set_size);
		refuse(t, why.buf);
		goto out;
	}
	bans = set_duration(a, t);
	if (a->r->p.mode == RESPOND_DRY_RUN) {
		t->dry++;
		log_would(a, t, t->addr, port);
	} else if (t->act->kind == ACTION_KILL) {
		kill_now(a, t, &e);
	} else {
		batch_elem(a, ti, &e, port, bans);
	}
out:
	strbuf_release(&why);
}

/* The addresses of an action: its target, else the subject's, else the sources. */
static void each_addr(struct apply *a, size_t ti)
{
	const struct alert_event *ev = a->ev;
	struct alert_action *act = a->t[ti].act;
	struct nft_elem e;

	if (act->target[0] && respond_parse_host(act->target, &e, NULL) == 0) {
		decide(a, ti, act->target);
	} else if (ev->subject.addr[0]) {
		decide(a, ti, ev->subject.addr);
	} else if (ev->nr_sources) {
		for (uint32_t i = 0; i < ev->nr_sources && i < ALERT_MAX_SOURCES; i++)
			decide(a, ti, ev->sources[i]);
	} else {
		refuse(&a->t[ti], "no address");
	}
}

static void result_text(const struct responder *r, struct tally *t)
{
	struct strbuf s = STRBUF_INIT;
	unsigned n = t->done + t->dry;

	if (t->act->kind == ACTION_LOG)
		strbuf_addstr(&s, "done");
	else if (r->p.mode == RESPOND_OFF)
		strbuf_addf(&s, "off%s%s", r->unusable ? ": " : "",
			    r->unusable ? r->off_reason : "");
	else if (t->failed)
		strbuf_addf(&s, "failed: %s", t->first_refusal);
	else if (!n)
		strbuf_addf(&s, "refused: %s", t->refused ? t->first_refusal : "nothing to do");
	else if (t->dry)
		strbuf_addf(&s, "dry-run: would %s", verb(t->act->kind));
	else
		strbuf_addstr(&s, "done");
	if (n > 1)
		strbuf_addf(&s, " %u addresses", n);
	if (t->act->kind == ACTION_KILL && t->done)
		strbuf_addf(&s, " (%d socket%s)", t->killed, t->killed == 1 ? "" : "s");
	if (n && t->act->kind != ACTION_KILL && t->duration_ms > 0) {
		strbuf_addstr(&s, " for ");
		respond_format_duration(t->duration_ms, &s);
	}
	if (n && t->refused)
		strbuf_addf(&s, "; %u refused: %s", t->refused, t->first_refusal);
	snprintf(t->act->result, sizeof(t->act->result), "%s", s.buf);
	if (n && t->act->kind != ACTION_KILL)
		t->act->duration_ms = t->duration_ms;
	strbuf_release(&s);
}

/* After the transaction: rows, offenders, audit, log. */
static void record(struct apply *a, int ret, const char *nft_err)
{
	struct responder *r = a->r;
	struct respond_block *rows = xcalloc(a->nr_p + 1, sizeof(*rows));
	struct strbuf detail = STRBUF_INIT;
	size_t nr_rows = 0;

	for (size_t i = 0; i < a->nr_p; i++) {
		struct pend *p = &a->p[i];
		struct tally *t = &a->t[p->tally];
		char target[64];

		if (ret) {
			if (!t->failed++)
				snprintf(t->first_refusal, sizeof(t->first_refusal), "%s", nft_err);
		} else {
			t->done++;
		}
		snprintf(target, sizeof(target), p->block ? "%s" : "%s port %u", p->row.addr,
			 (unsigned)p->port);
		strbuf_reset(&detail);
		strbuf_addf(&detail, "rule %s, for ", p->row.rule);
		respond_format_duration(t->duration_ms, &detail);
		respond_audit(r, a->now_ms, p->block ? "block" : "limit", target,
			      ret ? "failed" : "done", detail.buf);
		if (ret || !p->block || p->dup)
			continue;
		rows[nr_rows++] = p->row;
		if (r->ops.offender_put)
			r->ops.offender_put(r->ops.ctx, p->row.addr, p->bans + 1, a->now_ms);
	}
	if (nr_rows && r->ops.block_save)
		r->ops.block_save(r->ops.ctx, rows, nr_rows);
	strbuf_release(&detail);
	free(rows);
}

static void commit(struct apply *a)
{
	struct responder *r = a->r;
	struct strbuf err = STRBUF_INIT;
	int ret = 0;

	if (a->nr_p) {
		ret = nft_apply(r->nft, &r->batch, &err);
		if (ret == -ENFILE) {
			strbuf_reset(&err);
			strbuf_addf(&err, "set full (%u)", (unsigned)r->p.set_size);
		}
		if (ret) {
			struct strbuf line = STRBUF_INIT;

			strbuf_addf(&line, "responses failed: %s", err.buf);
			respond_log(r, line.buf);
			strbuf_release(&line);
		}
	}
	for (size_t i = 0; i < a->nr_p && !ret; i++) {
		struct tally *t = &a->t[a->p[i].tally];

		log_would(a, t, a->p[i].row.addr, a->p[i].port);
	}
	record(a, ret, err.buf);
	nft_batch_reset(&r->batch);
	strbuf_release(&err);
}

static void audit_unbatched(struct apply *a)
{
	for (size_t i = 0; i < a->nr_t; i++) {
		struct tally *t = &a->t[i];

		if (t->batched || t->act->kind == ACTION_LOG)
			continue;
		respond_audit(a->r, a->now_ms, verb(t->act->kind), t->addr[0] ? t->addr : "-",
			      t->act->result, "");
	}
}

void respond_apply(struct responder *r, struct alert_event *const *evs, size_t nr, int64_t now_ms)
{
	struct apply a = { .r = r, .now_ms = now_ms };
	struct strbuf why = STRBUF_INIT;

	if (r->p.mode == RESPOND_ON && !r->ready && respond_ensure_table(r, &why)) {
		snprintf(r->off_reason, sizeof(r->off_reason), "%s", why.buf);
		r->p.mode = RESPOND_OFF;
		r->unusable = true;
		respond_log(r, why.buf);
	}
	nft_batch_reset(&r->batch);
	for (size_t i = 0; i < nr; i++) {
		if (evs[i]->status != ALERT_FIRING)
			continue;
		a.ev = evs[i];
		for (uint32_t k = 0; k < evs[i]->nr_actions && k < ALERT_MAX_ACTIONS; k++) {
			ALLOC_GROW(a.t, a.nr_t + 1, a.alloc_t);
			memset(&a.t[a.nr_t], 0, sizeof(a.t[0]));
			a.t[a.nr_t].act = &evs[i]->actions[k];
			a.t[a.nr_t].ev = evs[i];
			if (r->p.mode != RESPOND_OFF && evs[i]->actions[k].kind != ACTION_LOG)
				each_addr(&a, a.nr_t);
			a.nr_t++;
		}
	}
	commit(&a);
	for (size_t i = 0; i < a.nr_t; i++)
		result_text(r, &a.t[i]);
	audit_unbatched(&a);
	free(a.t);
	free(a.p);
	strbuf_release(&why);
}

void respond_apply_array(struct responder *r, struct alert_event *evs, size_t nr, int64_t now_ms)
{
	struct alert_event **p = xcalloc(nr + 1, sizeof(*p));

	for (size_t i = 0; i < nr; i++)
		p[i] = &evs[i];
	respond_apply(r, p, nr, now_ms);
	free(p);
}
