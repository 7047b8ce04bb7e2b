// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The full screen of `connmon top` (ui/top_screen.h).  Everything is drawn
 * through put_text(), which escapes and cuts to a number of cells, so the
 * layout code never counts bytes and nothing raw reaches the terminal.
 */
#include "ui/top_screen.h"

#include <errno.h>
#include <langinfo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <curses.h>

#include "base/outbuf.h"

/* The fixed rows: header, tabs, title, summary, column header ... status. */
#define ROW_HEADER  0
#define ROW_TABS    1
#define ROW_TITLE   2
#define ROW_SUMMARY 3
#define ROW_COLS    4
#define ROW_TABLE   5
#define ROWS_FIXED  6
/* Widest line put_text() draws, in bytes after escaping. */
#define LINE_MAX_BYTES 4096

enum role {
	R_NORMAL,
	R_HEADER,
	R_TAB_ACTIVE,
	R_TITLE,
	R_COLHDR,
	R_SEL,
	R_MATCH,
	R_ERROR,
	R_BOX,
	R_TAGGED,
	R_MAX,
};

static attr_t role_attr(const struct top_screen *s, enum role r)
{
	static const attr_t mono[R_MAX] = {
		[R_HEADER] = A_REVERSE, [R_TAB_ACTIVE] = A_REVERSE | A_BOLD,
		[R_TITLE] = A_BOLD,	[R_COLHDR] = A_BOLD | A_UNDERLINE,
		[R_SEL] = A_REVERSE,	[R_MATCH] = A_UNDERLINE | A_BOLD,
		[R_ERROR] = A_BOLD,	[R_BOX] = A_BOLD,
		[R_TAGGED] = A_BOLD,
	};

	if (!s->color || r == R_NORMAL)
		return mono[r];
	switch (r) {
	case R_HEADER:
	case R_SEL:
		return COLOR_PAIR(1);
	case R_TAB_ACTIVE:
		return COLOR_PAIR(2) | A_BOLD;
	case R_COLHDR:
		return COLOR_PAIR(3);
	case R_MATCH:
		return COLOR_PAIR(4);
	case R_ERROR:
		return COLOR_PAIR(5) | A_BOLD;
	case R_TAGGED:
		return COLOR_PAIR(6) | A_BOLD;
	default:
		return mono[r];
	}
}

static bool want_color(const struct top_screen_opts *o)
{
	/* NO_COLOR: "when present and not an empty string" is the current text; any value here */
	return !o->no_color && !getenv("NO_COLOR") && has_colors();
}

static void start_colors(void)
{
	start_color();
	use_default_colors();
	init_pair(1, COLOR_BLACK, COLOR_CYAN);
	init_pair(2, COLOR_BLACK, COLOR_GREEN);
	init_pair(3, COLOR_BLACK, COLOR_GREEN);
	init_pair(4, COLOR_BLACK, COLOR_YELLOW);
	init_pair(5, COLOR_RED, -1);
	init_pair(6, COLOR_YELLOW, -1);
}

int top_screen_open(struct top_screen *s, const struct top_screen_opts *o)
{
	const char *cs = nl_langinfo(CODESET);

	memset(s, 0, sizeof(*s));
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return -ENOTTY;
	s->utf8 = !o->ascii && cs && (!strcasecmp(cs, "UTF-8") || !strcasecmp(cs, "utf8"));
	/* short: Esc backs out of a drill-down, it should not wait a second for a sequence */
	set_escdelay(25);
	if (!newterm(NULL, stdout, stdin))
		return -ENOTTY;
	s->open = true;
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	curs_set(0);
	s->color = want_color(o);
	if (s->color)
		start_colors();
	return 0;
}

void top_screen_close(struct top_screen *s)
{
	if (!s->open)
		return;
	endwin();
	s->open = false;
}

void top_screen_resize(struct top_screen *s)
{
	struct winsize ws;

	if (!s->open)
		return;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col)
		resizeterm(ws.ws_row, ws.ws_col);
	clearok(curscr, TRUE);
}

void top_screen_repaint(struct top_screen *s)
{
	if (s->open)
		clearok(curscr, TRUE);
}

int top_screen_key(struct top_screen *s)
{
	int c;

	if (!s->open)
		return TOP_KEY_NONE;
	c = getch();
	switch (c) {
	case ERR:
		return TOP_KEY_NONE;
	case KEY_UP:
		return TOP_KEY_UP;
	case KEY_DOWN:
		return TOP_KEY_DOWN;
	case KEY_LEFT:
		return TOP_KEY_LEFT;
	case KEY_RIGHT:
		return TOP_KEY_RIGHT;
	case KEY_PPAGE:
		return TOP_KEY_PGUP;
	case KEY_NPAGE:
		return TOP_KEY_PGDN;
	case KEY_HOME:
		return TOP_KEY_HOME;
	case KEY_END:
		return TOP_KEY_END;
	case KEY_ENTER:
	case '\r':
	case '\n':
		return TOP_KEY_ENTER;
	case 27:
		return TOP_KEY_ESC;
	case KEY_BACKSPACE:
	case 127:
	case 8:
		return TOP_KEY_BACKSPACE;
	case '\t':
		return TOP_KEY_TAB;
	case KEY_BTAB:
		return TOP_KEY_BTAB;
	case KEY_F(1):
		return TOP_KEY_F1;
	case KEY_F(6):
		return TOP_KEY_F6;
	case 12:
		return TOP_KEY_CTRL_L;
	case KEY_RESIZE:
		/* resizeterm() queues one after SIGWINCH, which the loop already handled */
		return TOP_KEY_OTHER;
	default:
		return c >= 0x20 && c < 0x100 && c != 0x7f ? c : TOP_KEY_OTHER;
	}
}

void top_screen_size(const struct top_screen *s, unsigned *rows, unsigned *cols)
{
	*rows = s->open && LINES > 0 ? (unsigned)LINES : 24;
	*cols = s->open && COLS > 0 ? (unsigned)COLS : 80;
}

unsigned top_screen_table_rows(const struct top_screen *s)
{
	unsigned rows, cols;

	top_screen_size(s, &rows, &cols);
	return rows > ROWS_FIXED ? rows - ROWS_FIXED : 1;
}

/* Without UTF-8 every multi-byte character becomes one '?' (it would be one cell). */
static void fold_ascii(char *s)
{
	char *w = s;

	for (const unsigned char *r = (const unsigned char *)s; *r; r++) {
		if (*r < 0x80)
			*w++ = (char)*r;
		else if (*r >= 0xc0)
			*w++ = '?';
	}
	*w = '\0';
}

/*
 * Draws s at (y, x) in at most max cells; pads to pad cells (0: none);
 * right-aligns in pad when right.  Returns the cells drawn, padding included.
 */
static unsigned put_text(const struct top_screen *sc, int y, int x, const char *s, unsigned max,
			 unsigned pad, bool right)
{
	char safe[LINE_MAX_BYTES], buf[LINE_MAX_BYTES];
	size_t cols = 0;

	if (!max)
		return 0;
	text_escape(safe, sizeof(safe), s, strlen(s), SIZE_MAX, NULL);
	if (!sc->utf8)
		fold_ascii(safe);
	text_escape(buf, sizeof(buf), safe, strlen(safe), max, &cols);
	if (pad > max)
		pad = max;
	if (right && pad > cols) {
		mvhline(y, x, ' ', (int)(pad - cols));
		x += (int)(pad - cols);
	}
	mvaddstr(y, x, buf);
	if (!right && pad > cols)
		mvhline(y, x + (int)cols, ' ', (int)(pad - cols));
	return pad > cols ? pad : (unsigned)cols;
}

static const char *vbar(const struct top_screen *s)
{
	return s->utf8 ? "\u2502" : "|";
}

static void draw_header(struct top_screen *s, const struct top_frame *f)
{
	char line[512];
	unsigned w = (unsigned)COLS;

	snprintf(line, sizeof(line), " connmon top   %s   %s   every %.1fs%s",
		 f->host ? f->host : "", f->clock ? f->clock : "", f->interval_s,
		 f->paused ? "   [PAUSED]" : "");
	attrset(role_attr(s, R_HEADER));
	put_text(s, ROW_HEADER, 0, line, w, w, false);
	attrset(A_NORMAL);
}

static void draw_tabs(struct top_screen *s, const struct top_frame *f)
{
	unsigned x = 0, w = (unsigned)COLS;
	char tab[64];

	move(ROW_TABS, 0);
	for (size_t i = 0; i < f->nr_tabs && x < w; i++) {
		snprintf(tab, sizeof(tab), " %c %s ", f->tabs[i].hotkey, f->tabs[i].name);
		if (i) {
			attrset(A_NORMAL);
			x += put_text(s, ROW_TABS, (int)x, vbar(s), w - x, 0, false);
		}
		attrset(i == f->active ? role_attr(s, R_TAB_ACTIVE) : A_NORMAL);
		x += put_text(s, ROW_TABS, (int)x, tab, w - x, 0, false);
	}
	attrset(A_NORMAL);
}

static void draw_title(struct top_screen *s, const struct top_frame *f)
{
	unsigned w = (unsigned)COLS, x;
	char label[160];

	attrset(role_attr(s, R_TITLE));
	x = put_text(s, ROW_TITLE, 0, f->table->title, w, 0, false);
	if (f->narrow && x + 2 < w) {
		snprintf(label, sizeof(label), "  [%s; Esc: back]", f->narrow);
		put_text(s, ROW_TITLE, (int)x, label, w - x, 0, false);
	}
	attrset(A_NORMAL);
	put_text(s, ROW_SUMMARY, 0, f->table->summary, w, 0, false);
}

/* The column header with the sort indicator after the sorted column's name. */
static void draw_colhdr(struct top_screen *s, const struct top_frame *f, const unsigned *widths)
{
	const struct top_table *t = f->table;
	unsigned x = 1, w = (unsigned)COLS;
	char name[64], cut[64];

	attrset(role_attr(s, R_COLHDR));
	mvhline(ROW_COLS, 0, ' ', COLS);
	for (size_t c = 0; c < t->nr_cols && x < w; c++) {
		bool sorted = c == f->sort_col;

		if (!widths[c])
			continue;
		/* the indicator always shows: the name gives way to it */
		text_escape(cut, sizeof(cut), t->cols[c].name, strlen(t->cols[c].name),
			    sorted && widths[c] > 1 ? widths[c] - 1 : widths[c], NULL);
		snprintf(name, sizeof(name), "%s%s", cut,
			 !sorted    ? "" :
			 s->utf8    ? (f->reverse ? "\u25b2" : "\u25bc") :
			 f->reverse ? "^" :
				      "v");
		put_text(s, ROW_COLS, (int)x, name, w - x, widths[c],
			 t->cols[c].align == TOP_ALIGN_RIGHT);
		x += widths[c] + 1;
	}
	attrset(A_NORMAL);
}

/* Bytes of the already-cut cell text before the match, as display cells. */
static size_t cells_of(const char *s, size_t len)
{
	char buf[LINE_MAX_BYTES];
	size_t cols = 0;

	text_escape(buf, sizeof(buf), s, len, SIZE_MAX, &cols);
	return cols;
}

/* Draws one cell; the first match of the search is highlighted. */
static void draw_cell(struct top_screen *s, int y, unsigned x, const char *text, unsigned width,
		      bool right, const char *search, attr_t base)
{
	char in[LINE_MAX_BYTES], buf[LINE_MAX_BYTES];
	size_t cols = 0;
	const char *m;

	snprintf(in, sizeof(in), "%s", text);
	if (!s->utf8)
		fold_ascii(in);
	text_escape(buf, sizeof(buf), in, strlen(in), width, &cols);
	attrset(base);
	put_text(s, y, (int)x, buf, width, width, right);
	m = search && search[0] ? strcasestr(buf, search) : NULL;
	if (!m)
		return;
	x += (right && width > cols ? width - (unsigned)cols : 0) +
	     (unsigned)cells_of(buf, (size_t)(m - buf));
	buf[m - buf + strlen(search)] = '\0';
	/* colour pairs do not combine: the match's own pair replaces the row's */
	attrset(s->color ? (base & ~A_COLOR) | role_attr(s, R_MATCH) :
			   base | role_attr(s, R_MATCH));
	put_text(s, y, (int)x, m, width, 0, false);
	attrset(base);
}

static void draw_row(struct top_screen *s, const struct top_frame *f, int y, size_t pos,
		     const unsigned *widths)
{
	const struct top_table *t = f->table;
	size_t row = f->order[pos];
	bool tagged = f->tagged && f->tagged[row];
	attr_t base = pos == f->sel ? role_attr(s, R_SEL) : tagged ? role_attr(s, R_TAGGED) : 0;
	unsigned x = 1, w = (unsigned)COLS;

	attrset(base);
	mvhline(y, 0, ' ', COLS);
	put_text(s, y, 0, tagged ? "*" : " ", 1, 1, false);
	for (size_t c = 0; c < t->nr_cols && x < w; c++) {
		if (!widths[c])
			continue;
		draw_cell(s, y, x, top_table_cell(t, row, c), widths[c] < w - x ? widths[c] : w - x,
			  t->cols[c].align == TOP_ALIGN_RIGHT, f->search, base);
		x += widths[c] + 1;
	}
	attrset(A_NORMAL);
}

static void draw_table(struct top_screen *s, const struct top_frame *f)
{
	unsigned widths[TOP_MAX_COLS] = { 0 };
	unsigned n = top_screen_table_rows(s);

	top_table_fit(f->table->cols, f->table->nr_cols, COLS > 1 ? (unsigned)COLS - 1 : 1, widths);
	draw_colhdr(s, f, widths);
	for (unsigned i = 0; i < n && f->first + i < f->table->nr_rows; i++)
		draw_row(s, f, ROW_TABLE + (int)i, f->first + i, widths);
}

/* The lines of a multi-line string, drawn upward from the last row. */
static size_t count_lines(const char *s)
{
	size_t n = 1;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void draw_lines(struct top_screen *s, int y, int x, const char *text, unsigned width,
		       bool pad)
{
	char line[LINE_MAX_BYTES];

	while (text) {
		const char *nl = strchr(text, '\n');
		size_t len = nl ? (size_t)(nl - text) : strlen(text);

		if (len >= sizeof(line))
			len = sizeof(line) - 1;
		memcpy(line, text, len);
		line[len] = '\0';
		put_text(s, y++, x, line, width, pad ? width : 0, false);
		text = nl ? nl + 1 : NULL;
	}
}

static void draw_bottom(struct top_screen *s, const struct top_frame *f)
{
	unsigned w = (unsigned)COLS;
	int last = LINES - 1;
	char line[LINE_MAX_BYTES];

	if (f->prompt) {
		snprintf(line, sizeof(line), "%s%s_", f->prompt, f->input ? f->input : "");
		attrset(A_BOLD);
		put_text(s, last, 0, line, w, w, false);
	} else if (f->status && f->status[0]) {
		size_t n = count_lines(f->status);
		int y = last - (int)n + 1;

		attrset(f->status_error ? role_attr(s, R_ERROR) : A_NORMAL);
		draw_lines(s, y > ROW_TABLE ? y : ROW_TABLE, 0, f->status, w, true);
	} else {
		attrset(A_NORMAL);
		put_text(s, last, 0,
			 "F1/h help  Tab view  < > sort  / search  f filter  p pause  Enter drill  "
			 "k kill  b block  q quit",
			 w, w, false);
	}
	attrset(A_NORMAL);
}

/* A box of w x h cells centred on the screen, its inside cleared; returns its top-left. */
static void draw_box(struct top_screen *s, unsigned w, unsigned h, int *y0, int *x0)
{
	const char *hz = s->utf8 ? "\u2500" : "-";
	const char *c[4] = { "+", "+", "+", "+" };
	int y = (LINES - (int)h) / 2, x = (COLS - (int)w) / 2;

	if (s->utf8) {
		c[0] = "\u250c";
		c[1] = "\u2510";
		c[2] = "\u2514";
		c[3] = "\u2518";
	}
	y = y < 0 ? 0 : y;
	x = x < 0 ? 0 : x;
	attrset(role_attr(s, R_BOX));
	for (unsigned i = 0; i < h; i++) {
		const char *l = i == 0 ? c[0] : i == h - 1 ? c[2] : vbar(s);
		const char *r = i == 0 ? c[1] : i == h - 1 ? c[3] : vbar(s);

		mvaddstr(y + (int)i, x, l);
		if (i == 0 || i == h - 1)
			for (unsigned j = 1; j + 1 < w; j++)
				mvaddstr(y + (int)i, x + (int)j, hz);
		else
			mvhline(y + (int)i, x + 1, ' ', (int)w - 2);
		mvaddstr(y + (int)i, x + (int)w - 1, r);
	}
	attrset(A_NORMAL);
	*y0 = y;
	*x0 = x;
}

static void draw_help(struct top_screen *s, const struct top_frame *f)
{
	unsigned w = 0, h = (unsigned)f->nr_help + 2;
	int y, x;

	for (size_t i = 0; i < f->nr_help; i++)
		if (top_text_cols(f->help[i]) > w)
			w = (unsigned)top_text_cols(f->help[i]);
	w += 4;
	w = w > (unsigned)COLS ? (unsigned)COLS : w;
	h = h > (unsigned)LINES ? (unsigned)LINES : h;
	draw_box(s, w, h, &y, &x);
	for (unsigned i = 0; i + 2 < h && i < f->nr_help; i++)
		put_text(s, y + 1 + (int)i, x + 2, f->help[i], w - 4, 0, false);
}

static void draw_confirm(struct top_screen *s, const struct top_frame *f)
{
	unsigned n = (unsigned)count_lines(f->confirm), w = 0, h = n + 4;
	const char *p = f->confirm;
	int y, x;

	for (unsigned i = 0; i < n; i++) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		if (cells_of(p, len) > w)
			w = (unsigned)cells_of(p, len);
		p = nl ? nl + 1 : p + len;
	}
	w = (w < 20 ? 20 : w) + 4;
	w = w > (unsigned)COLS ? (unsigned)COLS : w;
	h = h > (unsigned)LINES ? (unsigned)LINES : h;
	draw_box(s, w, h, &y, &x);
	attrset(A_BOLD);
	draw_lines(s, y + 1, x + 2, f->confirm, w - 4, false);
	put_text(s, y + (int)h - 2, x + 2, "[y/N]", w - 4, 0, false);
	attrset(A_NORMAL);
}

void top_screen_draw(struct top_screen *s, const struct top_frame *f)
{
	if (!s->open)
		return;
	erase();
	draw_header(s, f);
	draw_tabs(s, f);
	if (f->table) {
		draw_title(s, f);
		draw_table(s, f);
	}
	draw_bottom(s, f);
	if (f->overlay == TOP_OVERLAY_HELP)
		draw_help(s, f);
	else if (f->overlay == TOP_OVERLAY_CONFIRM && f->confirm)
		draw_confirm(s, f);
	wnoutrefresh(stdscr);
	doupdate();
}
