// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The keys of `connmon top` and the state they move: selection, scrolling,
 * sort, search, the filter prompt, pause, drill-down and back, tags
 * (docs/COMMANDS-top.md, "Keys").  The selection follows the row's
 * top_ref across refreshes, so a socket stays selected while others come
 * and go above it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/top_int.h"
#include "base/xalloc.h"

const char *const top_help_lines[] = {
	"connmon top: keys",
	"",
	"F1 h ?        this help (any key closes it)",
	"q             quit",
	"Tab S-Tab     next / previous view;  1-9 the view with that number",
	"Up Down PgUp PgDn Home End   move the selection",
	"< > F6        sort by the previous / next column;  r reverse",
	"/             search (as you type; Enter keeps it, Esc drops it)",
	"n N           next / previous match",
	"f             filter the sockets, ss's grammar (dport = :443)",
	"p             pause / resume the refresh",
	"Space t       tag / untag the row (for k on several sockets)",
	"Enter         drill down (a process -> its sockets, a peer -> its flows)",
	"Esc Bksp      back out of a drill-down; clear the search",
	"k             kill the selected or tagged sockets (CAP_NET_ADMIN)",
	"b             block the selected peer in nftables (CAP_NET_ADMIN)",
	"u             unblock the selected block (alerts view; CAP_NET_ADMIN)",
	"[ ] Left Right   one tick back / forward in the agent's hour (agent mode)",
	"{ }           one minute back / forward;  L (or ] past the latest) back to live",
	"Ctrl-L        repaint the screen",
};

const size_t top_nr_help_lines = sizeof(top_help_lines) / sizeof(top_help_lines[0]);

static bool is_tagged(const struct top_run *r, const struct top_ref *ref)
{
	for (size_t i = 0; i < r->nr_tags; i++)
		if (top_ref_same(&r->tags[i], ref))
			return true;
	return false;
}

static void apply_sort_name(struct top_run *r, struct top_view_state *vs)
{
	const struct top_table *t = &vs->table;
	int c = top_table_col_by_name(t->cols, t->nr_cols, r->sort_name);

	vs->sort_col = c;
	if (c < 0)
		top_status(r, true, "no column '%s' in the %s view: '<' and '>' choose one",
			   r->sort_name, vs->ops->name);
}

static void scroll_to_sel(struct top_run *r, struct top_view_state *vs)
{
	size_t n = vs->table.nr_rows, page = top_screen_table_rows(&r->scr);

	if (!n) {
		vs->sel = vs->first = 0;
		return;
	}
	if (vs->sel >= n)
		vs->sel = n - 1;
	if (vs->sel < vs->first)
		vs->first = vs->sel;
	if (vs->sel >= vs->first + page)
		vs->first = vs->sel - page + 1;
	if (vs->first + page > n)
		vs->first = n > page ? n - page : 0;
	vs->sel_ref = vs->table.ref[vs->order[vs->sel]];
}

void top_relayout(struct top_run *r)
{
	struct top_view_state *vs = &r->views[r->cur];
	struct top_table *t = &vs->table;

	if (vs->sort_col == -2)
		apply_sort_name(r, vs);
	if (t->nr_rows > vs->alloc_order) {
		vs->alloc_order = t->nr_rows * 2;
		vs->order = xreallocarray(vs->order, vs->alloc_order, sizeof(*vs->order));
		r->tagged = xreallocarray(r->tagged, vs->alloc_order, sizeof(*r->tagged));
		r->alloc_tagged = vs->alloc_order;
	} else if (t->nr_rows > r->alloc_tagged) {
		r->alloc_tagged = t->nr_rows;
		r->tagged = xreallocarray(r->tagged, r->alloc_tagged, sizeof(*r->tagged));
	}
	top_table_sort(t, vs->sort_col < 0 ? SIZE_MAX : (size_t)vs->sort_col, vs->reverse,
		       vs->order);
	for (size_t pos = 0; vs->sel_ref.kind && pos < t->nr_rows; pos++) {
		if (top_ref_same(&t->ref[vs->order[pos]], &vs->sel_ref)) {
			vs->sel = pos;
			break;
		}
	}
	for (size_t i = 0; i < t->nr_rows; i++)
		r->tagged[i] = r->nr_tags && is_tagged(r, &t->ref[i]);
	scroll_to_sel(r, vs);
}

static void move_sel(struct top_run *r, long delta)
{
	struct top_view_state *vs = &r->views[r->cur];
	long n = (long)vs->table.nr_rows, s = (long)vs->sel + delta;

	if (!n)
		return;
	vs->sel = (size_t)(s < 0 ? 0 : s >= n ? n - 1 : s);
	scroll_to_sel(r, vs);
}

/* A new order starts at its top: the selection goes to the first row. */
static void to_top(struct top_view_state *vs)
{
	vs->sel = vs->first = 0;
	memset(&vs->sel_ref, 0, sizeof(vs->sel_ref));
}

static void cycle_sort(struct top_run *r, int dir)
{
	struct top_view_state *vs = &r->views[r->cur];
	int n = (int)vs->table.nr_cols;

	if (!n)
		return;
	/* -1 (the module's order) is one stop of the cycle */
	vs->sort_col = (vs->sort_col + 1 + dir + n + 1) % (n + 1) - 1;
	to_top(vs);
	if (vs->sort_col >= 0)
		top_status(r, false, "sorted by %s", vs->table.cols[vs->sort_col].name);
	else
		top_status(r, false, "the view's own order");
	top_relayout(r);
}

static void find_next(struct top_run *r, const char *needle, int dir, bool from_here)
{
	struct top_view_state *vs = &r->views[r->cur];
	size_t n = vs->table.nr_rows;
	size_t from = from_here ? vs->sel : dir > 0 ? vs->sel + 1 : vs->sel + n - 1;
	long pos;

	if (!needle[0] || !n)
		return;
	pos = top_table_find(&vs->table, vs->order, from, dir, needle);
	if (pos < 0) {
		top_status(r, true, "not found: %s", needle);
		return;
	}
	strbuf_reset(&r->status);
	vs->sel = (size_t)pos;
	scroll_to_sel(r, vs);
}

static void toggle_tag(struct top_run *r)
{
	struct top_view_state *vs = &r->views[r->cur];
	const struct top_ref *ref;

	if (!vs->table.nr_rows)
		return;
	ref = &vs->table.ref[vs->order[vs->sel]];
	if (ref->kind == TOP_REF_NONE)
		return;
	for (size_t i = 0; i < r->nr_tags; i++) {
		if (top_ref_same(&r->tags[i], ref)) {
			r->tags[i] = r->tags[--r->nr_tags];
			r->tagged[vs->order[vs->sel]] = false;
			move_sel(r, 1);
			return;
		}
	}
	ALLOC_GROW(r->tags, r->nr_tags + 1, r->alloc_tags);
	r->tags[r->nr_tags++] = *ref;
	r->tagged[vs->order[vs->sel]] = true;
	move_sel(r, 1);
}

static void drill(struct top_run *r)
{
	struct top_view_state *vs = &r->views[r->cur];
	struct top_narrow n;
	const char *to = NULL;
	int i;

	memset(&n, 0, sizeof(n));
	if (!vs->table.nr_rows || !vs->ops->drill ||
	    !vs->ops->drill(vs->v, &vs->table.ref[vs->order[vs->sel]], &to, &n) || !to) {
		top_status(r, false, "nothing to open on this row");
		return;
	}
	i = top_find_view(r, to);
	/* a build without the view asked for: the sockets of the same thing */
	if (i < 0 && n.ref.kind == TOP_REF_PEER)
		i = top_find_view(r, "sockets");
	if (i < 0) {
		top_status(r, true, "no view '%s'", to);
		return;
	}
	if (r->nr_back == TOP_MAX_BACK) {
		memmove(&r->back[0], &r->back[1], (TOP_MAX_BACK - 1) * sizeof(r->back[0]));
		r->nr_back--;
	}
	r->back[r->nr_back].view = r->cur;
	r->back[r->nr_back++].narrow = vs->narrow;
	strbuf_reset(&r->status);
	top_switch(r, (size_t)i, &n);
}

static void back(struct top_run *r)
{
	struct top_view_state *vs = &r->views[r->cur];

	if (r->nr_back) {
		r->nr_back--;
		top_switch(r, r->back[r->nr_back].view,
			   r->back[r->nr_back].narrow.ref.kind ? &r->back[r->nr_back].narrow :
								 NULL);
	} else if (vs->narrow.ref.kind) {
		top_switch(r, r->cur, NULL);
	} else if (r->search[0]) {
		r->search[0] = '\0';
	} else if (r->nr_tags) {
		r->nr_tags = 0;
		top_relayout(r);
	}
	strbuf_reset(&r->status);
}

static void start_prompt(struct top_run *r, enum top_mode mode, const char *initial)
{
	r->mode = mode;
	snprintf(r->input, sizeof(r->input), "%s", initial ? initial : "");
	r->input_len = strlen(r->input);
	strbuf_reset(&r->status);
}

/* Typing in the search or filter prompt. */
static void prompt_key(struct top_run *r, int key)
{
	bool search = r->mode == TOP_MODE_SEARCH;

	if (key == TOP_KEY_ESC) {
		r->mode = TOP_MODE_NORMAL;
		return;
	}
	if (key == TOP_KEY_ENTER) {
		r->mode = TOP_MODE_NORMAL;
		if (search) {
			snprintf(r->search, sizeof(r->search), "%s", r->input);
			find_next(r, r->search, 1, true);
		} else if (top_set_filter(r, r->input) == 0) {
			top_status(r, false,
				   r->input[0] ? "filter: %s (from the next refresh)" :
						 "no filter%s (from the next refresh)",
				   r->input);
		}
		return;
	}
	if (key == TOP_KEY_BACKSPACE) {
		if (r->input_len)
			r->input[--r->input_len] = '\0';
	} else if (key >= 0x20 && key < 0x100 && r->input_len + 1 < sizeof(r->input)) {
		r->input[r->input_len++] = (char)key;
		r->input[r->input_len] = '\0';
	} else {
		return;
	}
	if (search)
		find_next(r, r->input, 1, true);
}

static bool view_key(struct top_run *r, int key)
{
	size_t n = r->nr_views;

	if (key == TOP_KEY_TAB || key == TOP_KEY_BTAB) {
		r->nr_back = 0;
		top_switch(r, (r->cur + (key == TOP_KEY_TAB ? 1 : n - 1)) % n, NULL);
		return true;
	}
	for (size_t i = 0; i < n && key >= '1' && key <= '9'; i++) {
		if (r->views[i].ops->hotkey == key) {
			r->nr_back = 0;
			top_switch(r, i, NULL);
			return true;
		}
	}
	return false;
}

static bool move_key(struct top_run *r, int key)
{
	long page = (long)top_screen_table_rows(&r->scr);

	switch (key) {
	case TOP_KEY_UP:
		move_sel(r, -1);
		return true;
	case TOP_KEY_DOWN:
		move_sel(r, 1);
		return true;
	case TOP_KEY_PGUP:
		move_sel(r, -page);
		return true;
	case TOP_KEY_PGDN:
		move_sel(r, page);
		return true;
	case TOP_KEY_HOME:
		move_sel(r, -(long)r->views[r->cur].table.nr_rows);
		return true;
	case TOP_KEY_END:
		move_sel(r, (long)r->views[r->cur].table.nr_rows);
		return true;
	default:
		return false;
	}
}

static void normal_key(struct top_run *r, int key)
{
	if (view_key(r, key) || move_key(r, key) || top_agent_key(r, key))
		return;
	switch (key) {
	case 'q':
	case 'Q':
		r->quit = true;
		break;
	case TOP_KEY_F1:
	case 'h':
	case '?':
		r->mode = TOP_MODE_HELP;
		break;
	case '<':
	case '>':
	case TOP_KEY_F6:
		cycle_sort(r, key == '<' ? -1 : 1);
		break;
	case 'r':
		r->views[r->cur].reverse = !r->views[r->cur].reverse;
		to_top(&r->views[r->cur]);
		top_relayout(r);
		break;
	case '/':
		start_prompt(r, TOP_MODE_SEARCH, NULL);
		break;
	case 'n':
	case 'N':
		find_next(r, r->search, key == 'n' ? 1 : -1, false);
		break;
	case 'f':
		start_prompt(r, TOP_MODE_FILTER, r->ctx.filter_text);
		break;
	case 'p':
		r->paused = !r->paused;
		top_status(r, false, r->paused ? "paused: p resumes" : "resumed");
		break;
	case ' ':
	case 't':
		toggle_tag(r);
		break;
	case TOP_KEY_ENTER:
		drill(r);
		break;
	case TOP_KEY_ESC:
	case TOP_KEY_BACKSPACE:
		back(r);
		break;
	case 'k':
		top_act_kill(r);
		break;
	case 'b':
		top_act_block(r);
		break;
	case 'u':
		top_act_unblock(r);
		break;
	case TOP_KEY_CTRL_L:
		top_screen_repaint(&r->scr);
		break;
	default:
		break;
	}
}

void top_handle_key(struct top_run *r, int key)
{
	switch (r->mode) {
	case TOP_MODE_HELP:
		r->mode = TOP_MODE_NORMAL;
		if (key == 'q')
			r->quit = true;
		break;
	case TOP_MODE_CONFIRM:
		r->mode = TOP_MODE_NORMAL;
		top_act_confirm(r, key == 'y' || key == 'Y');
		break;
	case TOP_MODE_SEARCH:
	case TOP_MODE_FILTER:
		prompt_key(r, key);
		break;
	case TOP_MODE_NORMAL:
		normal_key(r, key);
		break;
	}
}
