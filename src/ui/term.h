/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * How wide text output may be (docs/COMMANDS.md, "Output width").
 *
 * Every command's default text fits 80 columns.  When stdout is a terminal
 * wider than that, tables use the terminal's width; -W/--wide asks for each
 * command's full layout whatever the width (lines may then be long).  Pipes
 * and files get 80 columns unless --wide: what a script sees does not
 * depend on the terminal it was started from.  JSON and CSV have no width.
 *
 * Renderers take the result as `unsigned width`: TERM_WIDTH_FULL (0) for the
 * full layout, else the columns a line may use.
 */
#ifndef CONNMON_UI_TERM_H
#define CONNMON_UI_TERM_H

#include <stdbool.h>

#define TERM_WIDTH_DEFAULT 80u
#define TERM_WIDTH_FULL	   0u

/*
 * Pure: the width for -W (wide), whether stdout is a terminal and its
 * columns (0 when unknown).  wide: TERM_WIDTH_FULL; a terminal wider than 80:
 * its columns; anything else: 80.
 */
unsigned term_width_pick(bool wide, bool is_tty, unsigned term_cols);
/* term_width_pick() for a descriptor (isatty, TIOCGWINSZ). */
unsigned term_width(int fd, bool wide);
/* The terminal's size; false (and 24x80) when fd is not a terminal or will not say. */
bool term_size(int fd, unsigned *rows, unsigned *cols);

#endif
