// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The responder's state and the agent's path (respond_apply); the manual
 * commands and reconcile are in respond_cmd.c.
 */
#include "alert/respond.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "alert/nft.h"
#include "alert/respond_int.h"
#include "base/xalloc.h"

#define MS_MIN	(60 * 1000LL)
#define MS_HOUR (60 * MS_MIN)
#define MS_DAY	(24 * MS_HOUR)

void respond_params_init(struct respond_params *p)
{
	memset(p, 0, sizeof(*p));
	p->mode = RESPOND_DRY_RUN;
	p->ban_ms = 10 * MS_MIN;
	p->ban_factor = 4;
	p->ban_max_ms = 7 * MS_DAY;
	p->set_size = 65536;
	p->limit_ms = 10 * MS_MIN;
	p->limit_connections = 20;
	p->limit_syn_rate = 10;
}

struct responder *respond_new(const struct respond_params *p, const struct respond_ops *ops)
{
	struct responder *r = xcalloc(1, sizeof(*r));

	r->p = *p;
	if (ops)
		r->ops = *ops;
	allow_init(&r->allow);
	nft_batch_init(&r->batch);
	return r;
}

void respond_free(struct responder *r)
{
	if (!r)
		return;
	allow_release(&r->allow);
	nft_batch_release(&r->batch);
	nft_free(r->nft);
	free(r);
}

struct allow_list *respond_allow(struct responder *r)
{
	return &r->allow;
}

enum respond_mode respond_mode(const struct responder *r)
{
	return r->p.mode;
}

uint64_t respond_full_refusals(const struct responder *r)
{
	return r->nr_full;
}

void *respond_ops_ctx(const struct responder *r)
{
	return r->ops.ctx;
}

const char *respond_mode_name(enum respond_mode m)
{
	return m == RESPOND_ON ? "on" : m == RESPOND_DRY_RUN ? "dry-run" : "off";
}

int64_t respond_ban_ms(const struct respond_params *p, uint32_t prior)
{
	int64_t ms = p->ban_ms;

	for (uint32_t i = 0; i < prior && ms < p->ban_max_ms; i++) {
		if (p->ban_factor <= 1 || ms > INT64_MAX / p->ban_factor)
			break;
		ms *= p->ban_factor;
	}
	return ms < p->ban_max_ms ? ms : p->ban_max_ms;
}

void respond_format_duration(int64_t ms, struct strbuf *out)
{
	static const struct {
		int64_t ms;
		char unit;
	} units[] = { { 7 * MS_DAY, 'w' },
		      { MS_DAY, 'd' },
		      { MS_HOUR, 'h' },
		      { MS_MIN, 'm' },
		      { 1000, 's' } };

	bool any = false;

	if (ms <= 0) {
		strbuf_addstr(out, "ever");
		return;
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (ms >= units[i].ms) {
			strbuf_addf(out, "%lld%c", (long long)(ms / units[i].ms), units[i].unit);
			ms %= units[i].ms;
			any = true;
		}
	}
	if (ms || !any)
		strbuf_addf(out, "%lldms", (long long)ms);
}

void respond_log(struct responder *r, const char *line)
{
	if (r->ops.log)
		r->ops.log(r->ops.ctx, line);
}

int respond_ensure_table(struct responder *r, struct strbuf *why)
{
	struct nft_table_params tp = { .set_size = r->p.set_size,
				       .limit_connections = r->p.limit_connections,
				       .limit_syn_rate = r->p.limit_syn_rate };
	int ret;

	if (r->ready)
		return 0;
	if (!r->nft)
		r->nft = nft_new();
	ret = nft_unusable(r->nft, why);
	if (ret)
		return ret;
	nft_batch_reset(&r->batch);
	nft_batch_table(&r->batch, &tp);
	ret = nft_apply(r->nft, &r->batch, why);
	nft_batch_reset(&r->batch);
	if (!ret)
		r->ready = true;
	return ret;
}

int respond_start(struct responder *r, struct strbuf *why)
{
	struct strbuf line = STRBUF_INIT;
	int ret;

	if (r->p.mode != RESPOND_ON)
		return 0;
	ret = respond_ensure_table(r, &line);
	if (ret) {
		snprintf(r->off_reason, sizeof(r->off_reason), "%s", line.buf);
		r->p.mode = RESPOND_OFF;
		r->unusable = true;
		if (why)
			strbuf_addstr(why, line.buf);
	}
	strbuf_release(&line);
	return ret;
}

int respond_parse_host(const char *text, struct nft_elem *e, struct strbuf *why)
{
	struct strbuf dummy = STRBUF_INIT;
	uint8_t family, prefix;
	int ret = 0;

	memset(e, 0, sizeof(*e));
	if (!why)
		why = &dummy;
	if (allow_parse(text, &family, e->addr, &prefix, why)) {
		ret = -EINVAL;
	} else if (prefix != (family == AF_INET ? 32 : 128)) {
		strbuf_addf(why, "'%s' is a network; only addresses are blocked", text);
		ret = -EINVAL;
	} else {
		e->family = family;
		nft_elem_set(e, false); /* v4-mapped: IPv4 */
	}
	strbuf_release(&dummy);
	return ret;
}

void respond_host_text(const struct nft_elem *e, char out[ALERT_ADDR_LEN])
{
	if (!inet_ntop(e->family == AF_INET ? AF_INET : AF_INET6, e->addr, out, ALERT_ADDR_LEN))
		out[0] = '\0';
}

/* The allowlist's verdict: NULL, or why the address must not be touched. */
const char *respond_allowed_reason(const struct responder *r, const struct nft_elem *e)
{
	const struct allow_entry *a = allow_match(&r->allow, e->family, e->addr);

	return a ? a->reason : NULL;
}

void respond_audit(struct responder *r, int64_t now_ms, const char *action, const char *target,
		   const char *result, const char *detail)
{
	struct respond_audit a = { .time_ms = now_ms };

	snprintf(a.action, sizeof(a.action), "%s", action);
	snprintf(a.target, sizeof(a.target), "%s", target);
	snprintf(a.mode, sizeof(a.mode), "%s", respond_mode_name(r->p.mode));
	snprintf(a.result, sizeof(a.result), "%s", result);
	snprintf(a.detail, sizeof(a.detail), "%s", detail);
	if (r->ops.audit)
		r->ops.audit(r->ops.ctx, &a, 1);
}
