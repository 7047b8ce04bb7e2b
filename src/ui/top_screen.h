/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The full screen of `connmon top` (docs/COMMANDS-top.md), drawn with
 * ncursesw.  It draws one frame (struct top_frame) as a whole: a header bar
 * (host, time, interval, paused), the views as tabs with their hotkeys, the
 * view's title and summary line, the column header with the sort
 * indicator, the rows (selection bar, tagged marks, search matches
 * highlighted), and a status or prompt line; over it optionally the help
 * or a confirmation.  It holds no state of the views: app/top.c decides
 * what is selected, sorted and shown.
 *
 * No flicker: each frame is drawn into curses' virtual screen after
 * erase() and sent with one doupdate(); the terminal is cleared only on
 * top_screen_resize() and top_screen_repaint() (^L).
 *
 * Terminals: colours only when the terminal has them, NO_COLOR is unset
 * (any value, https://no-color.org) and no_color was not asked; otherwise
 * attributes only (bold, reverse, underline).  Line drawing with UTF-8
 * characters when the locale's codeset is UTF-8 (the caller ran
 * setlocale(LC_ALL, "")) and ascii was not asked, else ASCII; in a non-UTF-8
 * locale every non-ASCII character is drawn as '?'.  Every string goes
 * through base/outbuf.h's text_escape on its way out: no control byte
 * reaches the terminal whatever a caller passes.
 *
 * One screen per process (curses' stdscr).  Errors: top_screen_open()
 * returns 0 or -ENOTTY (no terminal, or curses would not start).
 */
#ifndef CONNMON_UI_TOP_SCREEN_H
#define CONNMON_UI_TOP_SCREEN_H

#include <stdbool.h>
#include <stddef.h>

#include "ui/top_table.h"

struct top_screen_opts {
	bool ascii;    /* --ascii: ASCII line drawing whatever the locale */
	bool no_color; /* --no-color (NO_COLOR in the environment counts too) */
};

struct top_screen {
	bool color; /* colours in use */
	bool utf8;  /* UTF-8 line drawing and text */
	bool open;
};

/* Keys as top_screen_key() returns them: printable bytes as themselves, the rest these. */
enum top_key {
	TOP_KEY_NONE = -1,
	TOP_KEY_UP = 0x1000,
	TOP_KEY_DOWN,
	TOP_KEY_LEFT,
	TOP_KEY_RIGHT,
	TOP_KEY_PGUP,
	TOP_KEY_PGDN,
	TOP_KEY_HOME,
	TOP_KEY_END,
	TOP_KEY_ENTER,
	TOP_KEY_ESC,
	TOP_KEY_BACKSPACE,
	TOP_KEY_TAB,
	TOP_KEY_BTAB,
	TOP_KEY_F1,
	TOP_KEY_F6,
	TOP_KEY_CTRL_L,
	TOP_KEY_OTHER, /* a key top does not use */
};

struct top_tab {
	const char *name;
	char hotkey;
};

enum top_overlay {
	TOP_OVERLAY_NONE,
	TOP_OVERLAY_HELP,
	TOP_OVERLAY_CONFIRM,
};

/* One frame; everything is borrowed for the call. */
struct top_frame {
	const char *host;  /* the header: host name, */
	const char *clock; /* the time of the shown tick ("2026-11-29 22:51:03"), */
	double interval_s; /* the refresh interval, */
	bool paused;	   /* and PAUSED when the rows are held */
	const struct top_tab *tabs;
	size_t nr_tabs, active;
	const char *narrow; /* the drill-down in effect ("pid 1234 (nginx)"), NULL none */
	const struct top_table *table;
	const size_t *order; /* table->nr_rows row indexes in display order */
	size_t first;	     /* the position (in order) at the top of the table area */
	size_t sel;	     /* the selected position */
	size_t sort_col;     /* >= nr_cols: none */
	bool reverse;
	const bool *tagged; /* per table row (not position), NULL none */
	const char *search; /* highlighted in the cells, NULL or "" none */
	/* The bottom: a prompt being typed, else the status (may hold several lines), else keys. */
	const char *prompt, *input;
	const char *status;
	bool status_error;
	enum top_overlay overlay;
	const char *const *help; /* TOP_OVERLAY_HELP: the lines */
	size_t nr_help;
	const char *confirm; /* TOP_OVERLAY_CONFIRM: the question (may hold several lines) */
};

/* Starts curses on the terminal (stdin/stdout). */
int top_screen_open(struct top_screen *s, const struct top_screen_opts *o);
/* Ends curses; the shell's screen comes back.  Safe when not open. */
void top_screen_close(struct top_screen *s);
/* After SIGWINCH: takes the new size from the terminal; the next draw repaints all. */
void top_screen_resize(struct top_screen *s);
/* ^L: the next draw repaints the whole terminal. */
void top_screen_repaint(struct top_screen *s);
/* The next key, without waiting; TOP_KEY_NONE when none is pending. */
int top_screen_key(struct top_screen *s);
/* The size in cells. */
void top_screen_size(const struct top_screen *s, unsigned *rows, unsigned *cols);
/* How many table rows the frame shows at this size, given whether it has a narrow/summary. */
unsigned top_screen_table_rows(const struct top_screen *s);
/* Draws f and sends it to the terminal (one doupdate()). */
void top_screen_draw(struct top_screen *s, const struct top_frame *f);

#endif
