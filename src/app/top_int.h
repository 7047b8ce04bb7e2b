/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Inside `connmon top` (app/top*.c; docs/COMMANDS-top.md): the run, shared
 * by the command and its tick (top.c), the keys and the screen state
 * (top_keys.c), and the actions kill and block (top_act.c).  App-internal.
 *
 * Ownership: struct top_run owns every view's module state and table, the
 * socket walk and its options, the capture, the screen and the strings
 * it shows; all of it lives for the run.
 */
#ifndef CONNMON_APP_TOP_INT_H
#define CONNMON_APP_TOP_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "app/loop.h"
#include "app/sock_walk.h"
#include "app/sources.h"
#include "app/tick.h"
#include "app/top_view.h"
#include "base/strbuf.h"
#include "cli/options.h"
#include "ui/top_screen.h"

#define TOP_MAX_VIEWS 12
#define TOP_MAX_BACK  8
#define TOP_INPUT_MAX 256

struct capture;

/* One view as the screen keeps it: its module, table, order, sort, selection, narrowing. */
struct top_view_state {
	const struct top_view_ops *ops;
	void *v;
	struct top_table table;
	size_t *order, alloc_order;
	int sort_col; /* -1: the module's order */
	bool reverse;
	size_t sel, first; /* positions in order */
	struct top_ref sel_ref;
	struct top_narrow narrow; /* kind TOP_REF_NONE: none */
	bool filled;
};

enum top_mode {
	TOP_MODE_NORMAL,
	TOP_MODE_SEARCH, /* typing after '/' */
	TOP_MODE_FILTER, /* typing after 'f' */
	TOP_MODE_HELP,
	TOP_MODE_CONFIRM,
};

enum top_action {
	TOP_ACT_NONE,
	TOP_ACT_KILL,
	TOP_ACT_BLOCK,
	TOP_ACT_UNBLOCK, /* top_alerts.c */
};

struct top_run {
	/* options */
	double interval_s;
	const char *view_name, *sort_name, *netns;
	bool numeric;
	struct top_screen_opts screen_opts;

	/* the sources */
	struct sock_opts sopts;
	struct sock_walk walk;
	bool walk_open;
	struct walk_source ws;
	struct link_source link;
	struct snmp_source snmp;
	bool link_open;
	struct capture *cap;
	char cap_iface[64];
	int cap_err;

	struct loop loop;
	struct tick tick;
	struct top_screen scr;
	int key_fd;
	int err_fd, saved_stderr; /* stderr goes to a pipe shown in the status line */

	/* the views */
	struct top_view_state views[TOP_MAX_VIEWS];
	struct top_tab tabs[TOP_MAX_VIEWS];
	size_t nr_views, cur;

	struct {
		size_t view;
		struct top_narrow narrow;
	} back[TOP_MAX_BACK];

	size_t nr_back;
	struct top_ctx ctx; /* the last tick's */
	bool have_tick;

	/* the screen's state */
	enum top_mode mode;
	bool paused;
	char input[TOP_INPUT_MAX];
	size_t input_len;
	char search[TOP_INPUT_MAX];
	struct strbuf status;
	bool status_error;
	struct top_ref *tags;
	size_t nr_tags, alloc_tags;
	bool *tagged; /* per row of the current table, for the frame */
	size_t alloc_tagged;
	enum top_action action;
	struct top_ref *targets; /* what the confirmation is about */
	size_t nr_targets, alloc_targets;
	struct strbuf question;
	char host[256], clock[32];
	bool quit;

	/* agent mode (top_agent.c) */
	int agent_want;	       /* 1 --agent[=PATH], -1 --standalone, 0 autodetect */
	const char *agent_arg; /* --agent=PATH, borrowed from argv; NULL: the default */
	bool agent;	       /* reading an agent */
	struct strbuf agent_path;
	char agent_db[4096];	   /* the agent's database (its /api/v1/status), "" unknown */
	struct agent_frame *frame; /* the last frame fetched (owned), NULL before the first */
	bool frame_stale;
	int64_t back_ms;   /* 0: live; else the time scrolled back to (ms) */
	int64_t latest_ms; /* the newest live frame's time */
};

/* top.c: fills the current view from the last tick and draws the frame. */
void top_refresh(struct top_run *r);
void top_draw(struct top_run *r);
/* Sets the status line (printf-style); error: drawn as an error. */
void top_status(struct top_run *r, bool error, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Applies a new ss filter to the walk; 0, or -EINVAL with the caret message in the status. */
int top_set_filter(struct top_run *r, const char *text);
/* Switches to view i (narrow may be NULL: none). */
void top_switch(struct top_run *r, size_t i, const struct top_narrow *narrow);
/* The view named name, or -1. */
int top_find_view(const struct top_run *r, const char *name);

/* top_agent.c: --agent[=PATH] and --standalone out of argv (argc updated); 0 or 2 (usage). */
int top_agent_args(struct top_run *r, int *argc, char **argv);
/* Picks the mode before the screen: 0; or 2 with the message printed (--agent unreachable). */
int top_agent_choose(struct top_run *r);
/* Agent mode: the source that fetches the frame each tick. */
extern const struct source_ops top_agent_source;
/* The scroll-back keys ([ ] { } Left Right L); true when key was one. */
bool top_agent_key(struct top_run *r, int key);
/* The header's clock text for the frame shown (live, scrolled back, stale). */
void top_agent_clock(struct top_run *r);
void top_agent_release(struct top_run *r);

/* top_keys.c */
void top_handle_key(struct top_run *r, int key);
/* After a refill: the order for the sort, the selection following its row, the tags. */
void top_relayout(struct top_run *r);
extern const char *const top_help_lines[];
extern const size_t top_nr_help_lines;

/* top_act.c: kill and block ask first; top_act_confirm() does it after 'y'. */
void top_act_kill(struct top_run *r);
void top_act_block(struct top_run *r);
void top_act_confirm(struct top_run *r, bool yes);
/* top_alerts.c: u lifts the selected block of the alerts view; the same after 'y'. */
void top_act_unblock(struct top_run *r);
void top_act_unblock_confirmed(struct top_run *r);
/* Whether this process has capability bit cap in its effective set (CAP_NET_ADMIN = 12). */
bool top_has_cap(int cap);

#endif
