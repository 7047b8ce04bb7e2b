// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `connmon top` reading a running agent (docs/COMMANDS-top.md, "Agent
 * mode"): the choice of the mode, the source that fetches the agent's frame
 * (GET /api/v1/live through its local socket, collect/agent_link.h) once a
 * tick, and the scroll back through the agent's hour (GET
 * /api/v1/live?at=T_MS).
 *
 * A failed fetch keeps the last frame, marked stale in the header and with
 * the cause in the status line; the next tick tries again, so an agent that
 * comes back is read again without a key.  While scrolled back the frame
 * is fetched when the time shown changes, not every tick.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/agent.h"
#include "app/top_int.h"
#include "app/top_views_int.h"
#include "base/json.h"
#include "base/xalloc.h"
#include "cli/cmdline.h"
#include "collect/agent_link.h"

#define FETCH_TIMEOUT_MS 500
#define PROBE_TIMEOUT_MS 500
#define MINUTE_MS	 60000

int top_agent_args(struct top_run *r, int *argc, char **argv)
{
	int out = 1;

	for (int i = 1; i < *argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--")) {
			while (i < *argc)
				argv[out++] = argv[i++];
			break;
		}
		if (!strcmp(a, "--agent") || !strncmp(a, "--agent=", 8)) {
			r->agent_want = r->agent_want < 0 ? 2 : 1;
			r->agent_arg = a[7] == '=' ? a + 8 : NULL;
			if (r->agent_arg && !r->agent_arg[0])
				return cli_usage_error("top", "--agent=PATH needs a path");
		} else if (!strcmp(a, "--standalone")) {
			r->agent_want = r->agent_want > 0 ? 2 : -1;
		} else {
			argv[out++] = argv[i];
		}
	}
	*argc = out;
	argv[out] = NULL;
	if (r->agent_want == 2)
		return cli_usage_error("top", "give one of --agent and --standalone");
	return 0;
}

/* One GET; the frame parsed into f.  0, or -errno with the sentence in err. */
static int fetch(const char *path, const char *target, int timeout_ms, struct agent_frame *f,
		 struct strbuf *err)
{
	struct agent_link_opts o = { .timeout_ms = timeout_ms };
	struct agent_reply rep;
	int ret = agent_link_get(path, target, &o, &rep, err);

	if (ret < 0)
		return ret;
	if (rep.status != 200) {
		strbuf_addf(err, "the agent at '%s' answered %d to %s", path, rep.status, target);
		ret = -EPROTO;
		if (rep.status == 404 && !strncmp(target, "/api/v1/live?", 13))
			ret = -ERANGE; /* outside the agent's hour */
		else if (rep.status == 404)
			strbuf_addstr(err, " (no JSON API, or no tick yet)");
	} else if (!f) {
		ret = 0;
	} else if (agent_frame_parse(f, rep.body, rep.body_len, err) < 0) {
		ret = -EPROTO;
	}
	agent_reply_release(&rep);
	return ret;
}

/* The socket's path: --agent=PATH, else [agent] socket of the config.  0 or the error, printed. */
static int resolve_path(struct top_run *r, bool quiet)
{
	struct strbuf err = STRBUF_INIT;
	int ret = 0;

	strbuf_reset(&r->agent_path);
	if (r->agent_arg)
		strbuf_addstr(&r->agent_path, r->agent_arg);
	else
		ret = agent_link_default_path(NULL, &r->agent_path, &err);
	if (ret < 0 && !quiet)
		fprintf(stderr, "connmon top: no agent socket: %s\n",
			err.len ? err.buf : "the config turns the socket off ([agent] socket)");
	strbuf_release(&err);
	return ret;
}

/*
 * An integer or string member of the agent's /api/v1/status: the integer in *num (-1 when
 * absent), the string into str[cap] ("" when absent).  0, or -errno.
 */
static int status_member(const char *path, const char *key, int64_t *num, char *str, size_t cap)
{
	struct agent_link_opts o = { .timeout_ms = FETCH_TIMEOUT_MS };
	struct strbuf err = STRBUF_INIT;
	struct agent_reply rep;
	struct json_doc d;
	const struct json_value *v = NULL;
	int ret = agent_link_get(path, "/api/v1/status", &o, &rep, &err);

	strbuf_release(&err);
	if (num)
		*num = -1;
	if (str)
		str[0] = '\0';
	if (ret < 0)
		return ret;
	json_doc_init(&d, NULL);
	if (rep.status != 200 || json_doc_parse(&d, rep.body, rep.body_len, NULL) < 0)
		ret = -EPROTO;
	else
		v = json_get(&d, json_doc_root(&d), key);
	if (v && num && json_int64(&d, v, num) < 0)
		*num = -1;
	if (v && str && v->type == JSON_STRING)
		top_textf(str, cap, "%s", json_str(&d, v));
	json_doc_release(&d);
	agent_reply_release(&rep);
	return ret;
}

/* The oldest tick the agent's ring holds (/api/v1/status ring_since_ms), or -1. */
static int64_t ring_since(struct top_run *r)
{
	int64_t since;

	status_member(r->agent_path.buf, "ring_since_ms", &since, NULL, 0);
	return since;
}

int top_agent_choose(struct top_run *r)
{
	struct strbuf err = STRBUF_INIT;
	int ret;

	if (r->agent_want < 0)
		goto standalone;
	if (resolve_path(r, r->agent_want == 0) < 0) {
		if (r->agent_want > 0)
			return 2;
		goto standalone;
	}
	ret = fetch(r->agent_path.buf, "/api/v1/status", PROBE_TIMEOUT_MS, NULL, &err);
	if (ret < 0 && r->agent_want > 0) {
		fprintf(stderr, "connmon top: cannot read the agent: %s\n", err.buf);
		strbuf_release(&err);
		return 2;
	}
	/* an agent is there but not readable (the socket's mode, a deadline): say why, once */
	if (ret < 0 && ret != -ENOENT && ret != -ECONNREFUSED)
		top_status(r, false, "standalone: %s", err.buf);
	strbuf_release(&err);
	if (ret < 0)
		goto standalone;
	r->agent = true;
	r->frame = xcalloc(1, sizeof(*r->frame));
	r->ctx.agent_path = r->agent_path.buf; /* not changed again during the run */
	/* u in the alerts view unblocks in the agent's database unless --db names another */
	if (!r->ctx.db_path &&
	    !status_member(r->agent_path.buf, "db", NULL, r->agent_db, sizeof(r->agent_db)) &&
	    r->agent_db[0])
		r->ctx.db_path = r->agent_db;
	snprintf(r->host + strlen(r->host), sizeof(r->host) - strlen(r->host), "  agent %s",
		 r->agent_path.buf);
	return 0;
standalone:
	snprintf(r->host + strlen(r->host), sizeof(r->host) - strlen(r->host), "  standalone");
	return 0;
}

/*
 * Fetches the frame for the time shown into r->frame; a failure keeps the
 * frame, stale.  Returns 0, or -ERANGE when the agent answered 404 to a past
 * time (outside its hour: nothing is marked), or the fetch's error.
 */
static int refetch(struct top_run *r)
{
	struct agent_frame *f = xmalloc(sizeof(*f));
	struct strbuf err = STRBUF_INIT;
	char target[64] = "/api/v1/live";
	int ret;

	if (r->back_ms)
		snprintf(target, sizeof(target), "/api/v1/live?at=%lld", (long long)r->back_ms);
	ret = fetch(r->agent_path.buf, target, FETCH_TIMEOUT_MS, f, &err);
	if (ret == -ERANGE) {
		free(f);
		strbuf_release(&err);
		return ret;
	}
	if (ret < 0) {
		r->frame_stale = r->ctx.frame != NULL;
		top_status(r, true, "%s%s", err.buf,
			   r->ctx.frame ? "; the last frame stays (stale)" : "");
		free(f);
	} else {
		if (r->frame_stale)
			top_status(r, false, "the agent answers again");
		if (r->back_ms &&
		    f->at_ms < 0) { /* an agent that ignores ?at= sent its live frame */
			r->back_ms = 0;
			top_status(r, true,
				   "this agent cannot scroll back (it serves no past frames): "
				   "live");
		}
		r->frame_stale = false;
		memcpy(r->frame, f, sizeof(*f));
		free(f);
		r->ctx.frame = r->frame;
		if (!r->back_ms && r->frame->t_ms > r->latest_ms)
			r->latest_ms = r->frame->t_ms;
	}
	r->ctx.frame_stale = r->frame_stale;
	strbuf_release(&err);
	return ret;
}

static int agent_sample(void *src, struct tick *t, struct snapshot *snap)
{
	struct top_run *r = src;

	(void)t;
	(void)snap;
	if (!r->back_ms || !r->ctx.frame || r->frame_stale)
		refetch(r);
	return 0;
}

const struct source_ops top_agent_source = { .name = "agent", .sample = agent_sample };

static void fmt_hms(char *buf, size_t cap, int64_t t_ms)
{
	time_t s = (time_t)(t_ms / 1000);
	struct tm tm;

	if (!localtime_r(&s, &tm) || !strftime(buf, cap, "%H:%M:%S", &tm))
		snprintf(buf, cap, "?");
}

void top_agent_clock(struct top_run *r)
{
	const struct agent_frame *f = r->ctx.frame;
	struct timespec now;
	char hms[16];
	int64_t ago;

	if (!r->agent || !f)
		return;
	fmt_hms(hms, sizeof(hms), f->at_ms >= 0 ? f->at_ms : f->t_ms);
	clock_gettime(CLOCK_REALTIME, &now);
	ago = ((int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000 -
	       (f->at_ms >= 0 ? f->at_ms : f->t_ms)) /
	      1000;
	if (!r->back_ms)
		top_textf(r->clock, sizeof(r->clock), "%s%s", hms,
			  r->frame_stale ? " (stale)" : "");
	else if (ago < 60)
		top_textf(r->clock, sizeof(r->clock), "%s, %llds ago%s", hms, (long long)ago,
			  r->frame_stale ? " stale" : "");
	else
		top_textf(r->clock, sizeof(r->clock), "%s, %lld min ago%s", hms,
			  (long long)(ago / 60), r->frame_stale ? " stale" : "");
}

/* Moves the time shown by delta ms (0 with live: back to live), then shows that frame. */
static void scroll(struct top_run *r, int64_t delta, bool live)
{
	int64_t step = r->frame && r->frame->interval_ms > 0 ? r->frame->interval_ms : 1000;
	int64_t from = r->back_ms ? r->back_ms : r->latest_ms, was = r->back_ms;
	int ret;

	if (!r->ctx.frame) {
		top_status(r, true, "no frame from the agent yet");
		return;
	}
	if (live || from + delta * step >= r->latest_ms) {
		r->back_ms = 0;
		top_status(r, false, "live");
	} else {
		r->back_ms = from + delta * step;
		top_status(r, false, "scrolled back (paused): ] forward, L live");
	}
	ret = refetch(r);
	if (ret == -ERANGE && delta < 0) { /* before the hour: its oldest tick */
		int64_t since = ring_since(r);

		if (since > 0 && since < r->latest_ms && since != was) {
			r->back_ms = since;
			ret = refetch(r);
			if (!ret)
				top_status(r, false,
					   "the oldest tick of the agent's hour: ] forward, "
					   "L live");
		}
	}
	if (ret == -ERANGE) {
		r->back_ms = was;
		top_status(r, true, "outside the agent's hour: nothing there");
	}
	top_agent_clock(r);
	top_refresh(r);
}

bool top_agent_key(struct top_run *r, int key)
{
	int64_t per_min;

	if (key != '[' && key != ']' && key != '{' && key != '}' && key != 'L' &&
	    key != TOP_KEY_LEFT && key != TOP_KEY_RIGHT)
		return false;
	if (!r->agent) {
		top_status(r, true, "scroll back needs an agent (connmon top --agent)");
		return true;
	}
	per_min = r->frame && r->frame->interval_ms > 0 ? MINUTE_MS / r->frame->interval_ms : 60;
	if (per_min < 1)
		per_min = 1;
	if (key == '[' || key == TOP_KEY_LEFT)
		scroll(r, -1, false);
	else if (key == ']' || key == TOP_KEY_RIGHT)
		scroll(r, r->back_ms ? 1 : 0, !r->back_ms);
	else if (key == '{')
		scroll(r, -per_min, false);
	else if (key == '}')
		scroll(r, r->back_ms ? per_min : 0, !r->back_ms);
	else
		scroll(r, 0, true);
	return true;
}

void top_agent_release(struct top_run *r)
{
	free(r->frame);
	r->frame = NULL;
	strbuf_release(&r->agent_path);
}
