// SPDX-License-Identifier: GPL-2.0-or-later
#include "ui/term.h"

#include <sys/ioctl.h>
#include <unistd.h>

unsigned term_width_pick(bool wide, bool is_tty, unsigned term_cols)
{
	if (wide)
		return TERM_WIDTH_FULL;
	if (is_tty && term_cols > TERM_WIDTH_DEFAULT)
		return term_cols;
	return TERM_WIDTH_DEFAULT;
}

bool term_size(int fd, unsigned *rows, unsigned *cols)
{
	struct winsize ws;

	*rows = 24;
	*cols = TERM_WIDTH_DEFAULT;
	if (!isatty(fd) || ioctl(fd, TIOCGWINSZ, &ws) < 0 || !ws.ws_row || !ws.ws_col)
		return false;
	*rows = ws.ws_row;
	*cols = ws.ws_col;
	return true;
}

unsigned term_width(int fd, bool wide)
{
	unsigned rows, cols;
	bool tty = term_size(fd, &rows, &cols);

	return term_width_pick(wide, tty, cols);
}
