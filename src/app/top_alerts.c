// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The alerts view of `connmon top`: the alerts firing now, the blocks in
 * force with the time they have left, and the alert events of the last hour,
 * read from the agent's database (opened read-only, as `connmon alerts` and
 * `connmon blocks` read it, beside a recording agent).  Without a database
 * the title says where it was looked for and that `connmon agent` makes it.
 *
 * The database is read at most once a second, and a missing one is looked
 * for again every RETRY_NS.  In agent mode (ctx->agent_path) the same lists come
 * through the agent's socket (GET /api/v1/alerts, /api/v1/blocks) instead,
 * at most once a second and only while the view is on screen (in fill()).  Unblocking (`u` on a
 * block row) goes through the responder as `connmon unblock` does: top_alerts_unblock().
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alert/respond.h"
#include "app/respond_app.h"
#include "app/top_int.h"
#include "app/top_views_int.h"
#include "base/xalloc.h"
#include "cli/config.h"
#include "collect/agent_link.h"
#include "model/alert.h"
#include "store/store.h"

#define RETRY_NS     (5 * 1000000000ull)
#define REFRESH_NS   (1000000000ull)
#define HISTORY_MS   (3600 * 1000LL)
#define HISTORY_ROWS 200
#define FIRING_ROWS  500

/* ---- helpers (top_views_int.h) ---- */

const char *top_fmt_dur(char *buf, size_t len, int64_t ms)
{
	int64_t s = ms > 0 ? ms / 1000 : 0;

	if (s < 60)
		snprintf(buf, len, "%llds", (long long)s);
	else if (s < 3600)
		snprintf(buf, len, "%lldm%02llds", (long long)(s / 60), (long long)(s % 60));
	else if (s < 86400)
		snprintf(buf, len, "%lldh%02lldm", (long long)(s / 3600), (long long)(s / 60 % 60));
	else
		snprintf(buf, len, "%lldd%02lldh", (long long)(s / 86400),
			 (long long)(s / 3600 % 24));
	return buf;
}

bool top_ref_subject_peer(struct top_ref *r, const char *subject)
{
	const char *p = subject;
	char addr[64];
	size_t len;

	while (p && strncmp(p, "addr=", 5)) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	if (!p)
		return false;
	p += 5;
	len = strcspn(p, " ");
	if (len >= sizeof(addr))
		return false;
	memcpy(addr, p, len);
	addr[len] = '\0';
	return top_ref_parse_peer(r, addr);
}

/* ---- the view ---- */

struct alert_copy {
	uint64_t alert_id;
	int64_t time_ms, started_ms;
	int severity, status;
	char rule[64];
	char subject[64];
	char summary[160];
};

struct top_alerts {
	char db[CONFIG_PATH_MAX];   /* the config's database, used when the ctx names none */
	char path[CONFIG_PATH_MAX]; /* the one open, or last tried */
	struct store *st;
	char err[160]; /* why there is no database, "" with one */
	uint64_t last_try_ns, last_read_ns;
	/* what the last read found */
	struct alert_copy *firing, *history;
	size_t nr_firing, nr_history, alloc_firing, alloc_history;
	struct store_block *blocks;
	size_t nr_blocks;
	int64_t read_ms; /* wall time of the last read */
	bool agent_ok;	 /* agent mode: the last read through the socket worked */
};

static void *alerts_open(const char *filter_text, int *err)
{
	struct top_alerts *a = xcalloc(1, sizeof(*a));
	struct agent_config *cfg = xcalloc(1, sizeof(*cfg));
	struct strbuf e = STRBUF_INIT;

	(void)filter_text;
	*err = 0;
	config_defaults(cfg);
	/* A config that does not load leaves the defaults: the view only reads a path from it. */
	if (config_load(cfg, CONFIG_DEFAULT_PATH, &e) < 0)
		config_defaults(cfg);
	snprintf(a->db, sizeof(a->db), "%s", cfg->agent.db);
	strbuf_release(&e);
	free(cfg);
	return a;
}

static void alerts_close(void *v)
{
	struct top_alerts *a = v;

	if (!a)
		return;
	store_close(a->st, NULL);
	free(a->firing);
	free(a->history);
	free(a->blocks);
	free(a);
}

static int copy_row(struct alert_copy **v, size_t *nr, size_t *alloc,
		    const struct store_alert_row *r)
{
	struct alert_copy *c;

	ALLOC_GROW(*v, *nr + 1, *alloc);
	c = &(*v)[(*nr)++];
	c->alert_id = r->alert_id;
	c->time_ms = r->time_ms;
	c->started_ms = r->started_ms;
	c->severity = r->severity;
	c->status = r->status;
	snprintf(c->rule, sizeof(c->rule), "%s", r->rule ? r->rule : "");
	snprintf(c->subject, sizeof(c->subject), "%s", r->subject ? r->subject : "");
	snprintf(c->summary, sizeof(c->summary), "%s", r->summary ? r->summary : "");
	return 0;
}

static int got_firing(void *ctx, const struct store_alert_row *r)
{
	struct top_alerts *a = ctx;

	return copy_row(&a->firing, &a->nr_firing, &a->alloc_firing, r);
}

static int got_history(void *ctx, const struct store_alert_row *r)
{
	struct top_alerts *a = ctx;

	return copy_row(&a->history, &a->nr_history, &a->alloc_history, r);
}

/* Opens the database when it is not open; false (with err set) when there is none. */
static bool ensure_open(struct top_alerts *a, const char *path, uint64_t now_ns)
{
	struct strbuf e = STRBUF_INIT;
	int rc;

	if (a->st && !strcmp(a->path, path))
		return true;
	store_close(a->st, NULL);
	a->st = NULL;
	if (a->last_try_ns && now_ns - a->last_try_ns < RETRY_NS && !strcmp(a->path, path))
		return false;
	a->last_try_ns = now_ns;
	snprintf(a->path, sizeof(a->path), "%s", path);
	rc = store_open(&a->st, path, STORE_READ, NULL, &e);
	if (rc < 0) {
		a->st = NULL;
		top_textf(a->err, sizeof(a->err), "%s", e.len ? e.buf : strerror(-rc));
	}
	strbuf_release(&e);
	return a->st != NULL;
}

/* Reads firing alerts, blocks and the last hour's events; a failed read closes the store. */
static void read_db(struct top_alerts *a, int64_t now_ms)
{
	struct store_alert_query q = { .since_ms = INT64_MIN, .until_ms = INT64_MAX };
	struct strbuf e = STRBUF_INIT;
	int rc;

	a->nr_firing = a->nr_history = 0;
	free(a->blocks);
	a->blocks = NULL;
	a->nr_blocks = 0;
	q.firing_only = true;
	q.limit = FIRING_ROWS;
	rc = store_alert_list(a->st, &q, got_firing, a, &e);
	if (!rc) {
		q.firing_only = false;
		q.since_ms = now_ms - HISTORY_MS;
		q.limit = HISTORY_ROWS;
		rc = store_alert_list(a->st, &q, got_history, a, &e);
	}
	if (!rc && store_version(a->st) >= 2)
		rc = store_block_list(a->st, now_ms, &a->blocks, &a->nr_blocks, &e);
	if (rc) {
		top_textf(a->err, sizeof(a->err), "cannot read %s: %s", a->path,
			  e.len ? e.buf : strerror(-rc));
		store_close(a->st, NULL);
		a->st = NULL;
	}
	a->read_ms = now_ms;
	strbuf_release(&e);
}

static void alerts_begin(void *v, const struct top_ctx *ctx)
{
	struct top_alerts *a = v;
	const char *path = ctx->db_path ? ctx->db_path : a->db;
	uint64_t now = ctx->cur->mono_ns;

	if (a->last_read_ns && now - a->last_read_ns < REFRESH_NS && a->st)
		return;
	if (!ensure_open(a, path, now))
		return;
	a->err[0] = '\0';
	a->last_read_ns = now;
	read_db(a, ctx->cur->wall_ns / 1000000);
}

/* ---- agent mode: the same lists through the agent's socket (docs/API.md) ---- */

#define AGENT_TIMEOUT_MS 500
#define AGENT_MAX_EVENTS 5000

/* GETs target; the body in rep (release it).  0, or -errno with the reason in err. */
static int agent_get(const char *path, const char *target, struct agent_reply *rep,
		     struct strbuf *err)
{
	struct agent_link_opts o = { .timeout_ms = AGENT_TIMEOUT_MS };
	int rc = agent_link_get(path, target, &o, rep, err);

	if (!rc && rep->status != 200) {
		strbuf_addf(err, "the agent answered %d to %s", rep->status, target);
		agent_reply_release(rep);
		rc = -EPROTO;
	}
	return rc;
}

static void copy_agent_alert(struct alert_copy *c, const struct agent_frame_alert *x)
{
	int sev = alert_severity_parse(x->severity);

	c->alert_id = x->id > 0 ? (uint64_t)x->id : 0;
	c->time_ms = x->time_ms;
	c->started_ms = x->started_ms;
	c->severity = sev < 0 ? 0 : sev;
	c->status = strcmp(x->status, "resolved") ? ALERT_FIRING : ALERT_RESOLVED;
	top_textf(c->rule, sizeof(c->rule), "%s", x->rule);
	top_textf(c->subject, sizeof(c->subject), "%s%s", x->subject_addr ? "addr=" : "",
		  x->subject);
	top_textf(c->summary, sizeof(c->summary), "%s", x->summary);
}

/* The alerts of target into v (the last keep of them); 0 or -errno with err set. */
static int agent_alerts(const char *path, const char *target, size_t keep, struct alert_copy **v,
			size_t *nr, size_t *alloc, struct strbuf *err)
{
	struct agent_reply rep;
	struct agent_frame_alert *x = NULL;
	size_t n = 0;
	bool cut;
	int rc = agent_get(path, target, &rep, err);

	if (rc)
		return rc;
	rc = agent_alerts_parse(rep.body, rep.body_len, AGENT_MAX_EVENTS, &x, &n, &cut, err);
	agent_reply_release(&rep);
	*nr = 0;
	for (size_t i = n > keep ? n - keep : 0; !rc && i < n; i++) {
		ALLOC_GROW(*v, *nr + 1, *alloc);
		copy_agent_alert(&(*v)[(*nr)++], &x[i]);
	}
	free(x);
	return rc;
}

static int agent_blocks(struct top_alerts *a, const char *path, struct strbuf *err)
{
	struct agent_reply rep;
	struct agent_frame_block *x = NULL;
	size_t n = 0;
	bool cut;
	int rc = agent_get(path, "/api/v1/blocks", &rep, err);

	if (rc)
		return rc;
	rc = agent_blocks_parse(rep.body, rep.body_len, FIRING_ROWS, &x, &n, &cut, err);
	agent_reply_release(&rep);
	a->blocks = n ? xcalloc(n, sizeof(*a->blocks)) : NULL;
	for (size_t i = 0; i < n; i++) {
		struct store_block *b = &a->blocks[a->nr_blocks++];

		top_textf(b->addr, sizeof(b->addr), "%s", x[i].addr);
		b->created_ms = x[i].created_ms;
		b->expires_ms = x[i].expires_ms;
		top_textf(b->rule, sizeof(b->rule), "%s", x[i].rule);
		top_textf(b->reason, sizeof(b->reason), "%s", x[i].reason);
	}
	free(x);
	return rc;
}

/* Firing alerts, the last hour's events and the blocks from the agent; false (err set) on error. */
static bool read_agent(struct top_alerts *a, const char *path)
{
	struct strbuf e = STRBUF_INIT;
	int rc;

	free(a->blocks);
	a->blocks = NULL;
	a->nr_blocks = 0;
	rc = agent_alerts(path, "/api/v1/alerts", FIRING_ROWS, &a->firing, &a->nr_firing,
			  &a->alloc_firing, &e);
	if (!rc)
		rc = agent_alerts(path, "/api/v1/alerts?all=1&since=-1h", HISTORY_ROWS, &a->history,
				  &a->nr_history, &a->alloc_history, &e);
	if (!rc)
		rc = agent_blocks(a, path, &e);
	if (rc) {
		a->nr_firing = a->nr_history = 0;
		top_textf(a->err, sizeof(a->err), "%s", e.len ? e.buf : strerror(-rc));
	} else {
		a->err[0] = '\0';
	}
	top_textf(a->path, sizeof(a->path), "agent %s", path);
	strbuf_release(&e);
	return !rc;
}

enum {
	COL_KIND,
	COL_SEV,
	COL_STATUS,
	COL_TIME,
	COL_RULE,
	COL_SUBJECT,
	COL_LEFT,
	COL_DETAIL,
	NR_COLS,
};

static const struct top_col alert_cols[NR_COLS] = {
	[COL_KIND] = { "KIND", 5, 5, 0, TOP_ALIGN_LEFT, false },
	[COL_SEV] = { "SEVERITY", 8, 4, 2, TOP_ALIGN_LEFT, false },
	[COL_STATUS] = { "STATUS", 9, 7, 0, TOP_ALIGN_LEFT, false },
	[COL_TIME] = { "TIME", 11, 8, 1, TOP_ALIGN_LEFT, true },
	[COL_RULE] = { "RULE", 20, 10, 0, TOP_ALIGN_LEFT, false },
	[COL_SUBJECT] = { "SUBJECT", 28, 15, 0, TOP_ALIGN_LEFT, false },
	[COL_LEFT] = { "LEFT", 7, 6, 1, TOP_ALIGN_RIGHT, true },
	[COL_DETAIL] = { "DETAIL", 60, 10, 1, TOP_ALIGN_LEFT, false },
};

/* Local time of day for today's events, the date too for older ones. */
static void set_time(struct top_table *out, size_t row, int64_t ms, int64_t now_ms)
{
	time_t t = (time_t)(ms / 1000), now = (time_t)(now_ms / 1000);
	struct tm tm, tn;
	char buf[32];

	localtime_r(&t, &tm);
	localtime_r(&now, &tn);
	strftime(buf, sizeof(buf),
		 tm.tm_yday == tn.tm_yday && tm.tm_year == tn.tm_year ? "%H:%M:%S" : "%m-%d %H:%M",
		 &tm);
	top_table_set(out, row, COL_TIME, buf, (double)ms);
}

/* The row's ref: the alert, with its subject's address when it is one. */
static void alert_ref(struct top_ref *ref, const struct alert_copy *c)
{
	if (!top_ref_subject_peer(ref, c->subject))
		memset(ref, 0, sizeof(*ref));
	ref->kind = TOP_REF_ALERT;
	ref->id = c->alert_id;
	top_textf(ref->name, sizeof(ref->name), "%s", c->rule);
}

static void block_ref(struct top_ref *ref, const struct store_block *b)
{
	if (!top_ref_parse_peer(ref, b->addr))
		memset(ref, 0, sizeof(*ref));
	ref->kind = TOP_REF_BLOCK;
	top_textf(ref->name, sizeof(ref->name), "%s", b->addr);
}

static void add_alert(struct top_table *out, const struct top_ref *ref, const struct alert_copy *c,
		      bool firing, int64_t now_ms)
{
	char age[16];
	size_t row = top_table_add(out, ref);

	top_table_set(out, row, COL_KIND, "alert", 0);
	top_table_set(out, row, COL_SEV, alert_severity_name(c->severity), c->severity);
	top_table_set(out, row, COL_STATUS, alert_status_name(c->status), 0);
	set_time(out, row, firing ? c->started_ms : c->time_ms, now_ms);
	top_table_set(out, row, COL_RULE, c->rule, 0);
	top_table_set(out, row, COL_SUBJECT, c->subject, 0);
	if (firing)
		top_table_set(out, row, COL_LEFT,
			      top_fmt_dur(age, sizeof(age), now_ms - c->started_ms),
			      (double)(now_ms - c->started_ms));
	top_table_set(out, row, COL_DETAIL, c->summary, 0);
}

static void add_block(struct top_table *out, const struct top_ref *ref, const struct store_block *b,
		      int64_t now_ms)
{
	char left[16];
	size_t row = top_table_add(out, ref);

	top_table_set(out, row, COL_KIND, "block", 0);
	top_table_set(out, row, COL_STATUS, "blocked", 0);
	set_time(out, row, b->created_ms, now_ms);
	top_table_set(out, row, COL_RULE, b->rule, 0);
	top_table_set(out, row, COL_SUBJECT, b->addr, 0);
	if (b->expires_ms > 0)
		top_table_set(out, row, COL_LEFT,
			      top_fmt_dur(left, sizeof(left), b->expires_ms - now_ms + 999),
			      (double)(b->expires_ms - now_ms));
	else
		top_table_set(out, row, COL_LEFT, "never", 1e18);
	top_table_set(out, row, COL_DETAIL, b->reason, 0);
}

static bool narrows(const struct top_narrow *n)
{
	return n && (n->ref.kind == TOP_REF_PEER || n->ref.kind == TOP_REF_BLOCK);
}

/* A row is inside a peer narrowing when its subject is that address. */
static bool in_narrow(const struct top_ref *r, const struct top_narrow *n)
{
	if (!narrows(n))
		return true;
	return top_addr_same(r->family, (const uint8_t *)&r->dst, n->ref.family,
			     (const uint8_t *)&n->ref.dst);
}

/* Firing alerts, then the blocks, then the last hour's events, newest first. */
static void fill_rows(struct top_alerts *a, const struct top_narrow *n, struct top_table *out,
		      int64_t now_ms)
{
	struct top_ref ref;

	for (size_t i = 0; i < a->nr_firing; i++) {
		alert_ref(&ref, &a->firing[i]);
		if (in_narrow(&ref, n))
			add_alert(out, &ref, &a->firing[i], true, now_ms);
	}
	for (size_t i = 0; i < a->nr_blocks; i++) {
		block_ref(&ref, &a->blocks[i]);
		if (in_narrow(&ref, n))
			add_block(out, &ref, &a->blocks[i], now_ms);
	}
	for (size_t i = a->nr_history; i-- > 0;) {
		alert_ref(&ref, &a->history[i]);
		if (in_narrow(&ref, n))
			add_alert(out, &ref, &a->history[i], false, now_ms);
	}
}

static int alerts_fill(void *v, const struct top_ctx *ctx, const struct top_narrow *n,
		       struct top_table *out)
{
	struct top_alerts *a = v;
	int64_t now_ms = ctx->cur->wall_ns / 1000000;
	bool narrowed = narrows(n);
	uint64_t mono = ctx->cur->mono_ns;

	if (ctx->agent_path && (!a->last_read_ns || mono - a->last_read_ns >= REFRESH_NS)) {
		a->last_read_ns = mono;
		a->agent_ok = read_agent(a, ctx->agent_path);
	}
	if (ctx->agent_path && !a->agent_ok) { /* the frame's firing alerts, and why no more */
		top_agent_fill_alerts(ctx, out);
		top_textf(out->summary, sizeof(out->summary), "%s", a->err);
		return 0;
	}
	top_table_reset(out, alert_cols, NR_COLS);
	if (!a->st && !ctx->agent_path) {
		top_textf(out->title, sizeof(out->title),
			  "alerts: no agent database at %s: alerts and blocks come from "
			  "`connmon agent`",
			  ctx->db_path ? ctx->db_path : a->db);
		top_textf(out->summary, sizeof(out->summary), "%s", a->err);
		return 0;
	}
	fill_rows(a, n, out, now_ms);
	top_textf(out->title, sizeof(out->title),
		  "alerts%s: %zu firing, %zu block%s in force%s%s%s",
		  ctx->agent_path ? " (agent)" : "", a->nr_firing, a->nr_blocks,
		  a->nr_blocks == 1 ? "" : "s", narrowed ? " (" : "", narrowed ? n->label : "",
		  narrowed ? ")" : "");
	top_textf(out->summary, sizeof(out->summary), "%s; events of the last hour below", a->path);
	return 0;
}

static bool alerts_drill(void *v, const struct top_ref *row, const char **to_view,
			 struct top_narrow *out)
{
	(void)v;
	if ((row->kind != TOP_REF_ALERT && row->kind != TOP_REF_BLOCK) || !row->family)
		return false;
	memset(out, 0, sizeof(*out));
	top_ref_set_peer(&out->ref, row->family, (const uint8_t *)&row->dst);
	top_textf(out->label, sizeof(out->label), "peer %s", out->ref.name);
	*to_view = row->kind == TOP_REF_BLOCK ? "flows" : "sockets";
	return true;
}

const struct top_view_ops top_alerts_view = {
	.name = "alerts",
	.title = "Alerts",
	.hotkey = '7',
	.open = alerts_open,
	.close = alerts_close,
	.begin = alerts_begin,
	.fill = alerts_fill,
	.drill = alerts_drill,
};

/* ---- unblock ---- */

static int64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int load_db_config(struct agent_config *cfg, const char *db_path, struct strbuf *msg)
{
	int rc;

	config_defaults(cfg);
	rc = config_load(cfg, CONFIG_DEFAULT_PATH, msg);
	if (rc == -ENOENT) { /* no config file: the defaults, and no message from it */
		rc = 0;
		strbuf_reset(msg);
	}
	if (!rc && db_path)
		rc = config_set(cfg, "top", "agent", "db", db_path, msg);
	return rc;
}

int top_alerts_unblock(const char *db_path, const char *const *addrs, size_t nr, struct strbuf *msg)
{
	struct agent_config *cfg = xcalloc(1, sizeof(*cfg));
	struct respond_req *reqs = xcalloc(nr + 1, sizeof(*reqs));
	struct store *st = NULL;
	struct responder *r = NULL;
	size_t bad = 0;
	int rc;

	strbuf_reset(msg);
	rc = load_db_config(cfg, db_path, msg);
	if (!rc)
		rc = store_open(&st, cfg->agent.db, STORE_ADMIN, NULL, msg);
	if (rc)
		goto out;
	store_block_purge(st, wall_ms(), NULL, NULL);
	r = respond_app_new(&cfg->respond, RESPOND_ON, st, NULL);
	for (size_t i = 0; i < nr; i++)
		reqs[i].text = addrs[i];
	rc = respond_unblock(r, reqs, nr, wall_ms(), msg);
	if (rc)
		goto out;
	for (size_t i = 0; i < nr; i++) {
		if (!reqs[i].status)
			continue;
		if (!bad++)
			strbuf_addf(msg, "%s: %s", reqs[i].text, reqs[i].result);
		rc = reqs[i].status;
	}
	if (!bad)
		strbuf_addf(msg, "unblocked %s%s", nr ? addrs[0] : "",
			    nr > 1 ? " and the others" : "");
out:
	if (rc && !msg->len)
		strbuf_addstr(msg, strerror(-rc));
	respond_app_close(r);
	store_close(st, NULL);
	free(reqs);
	free(cfg);
	return rc < 0 ? rc : rc ? -EIO : 0;
}

/*
 * ---- the `u` key (app/top_int.h) ----
 * Screen glue kept beside the view it acts on: it reads the selection and
 * sets the confirmation, as top_act.c does for k and b.
 */

static const struct top_ref *selected_block(const struct top_run *r)
{
	const struct top_view_state *vs = &r->views[r->cur];
	const struct top_ref *ref;

	if (!vs->filled || !vs->table.nr_rows)
		return NULL;
	ref = &vs->table.ref[vs->order[vs->sel]];
	return ref->kind == TOP_REF_BLOCK ? ref : NULL;
}

void top_act_unblock(struct top_run *r)
{
	const struct top_ref *sel = selected_block(r);

	r->nr_targets = 0;
	if (!sel) {
		top_status(r, true, "u lifts a block: select a block in the alerts view (7)");
		return;
	}
	if (!top_has_cap(12 /* CAP_NET_ADMIN */)) {
		top_status(r, true, "cannot unblock: needs CAP_NET_ADMIN (run as root)");
		return;
	}
	ALLOC_GROW(r->targets, 1, r->alloc_targets);
	r->targets[r->nr_targets++] = *sel;
	strbuf_reset(&r->question);
	strbuf_addf(&r->question, "Unblock %s?\n(its packets pass again)", sel->name);
	r->action = TOP_ACT_UNBLOCK;
	r->mode = TOP_MODE_CONFIRM;
}

void top_act_unblock_confirmed(struct top_run *r)
{
	struct strbuf msg = STRBUF_INIT;
	const char *addr;

	if (!r->nr_targets)
		return;
	addr = r->targets[0].name;
	if (top_alerts_unblock(r->ctx.db_path, &addr, 1, &msg) < 0)
		top_status(r, true, "cannot unblock %s: %s", addr, msg.buf);
	else
		top_status(r, false, "%s", msg.buf);
	strbuf_release(&msg);
}
