/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A line of items that wraps at a width, for the summary's and the
 * overview's lines ("Capacity   orphans 0/131072 (0%)  conntrack ..."):
 * an item that would pass the width starts a new line, indented.  An item
 * is never split; one wider than a whole line gets a line of its own.
 *
 * Items are written display-safe (base/outbuf.h): text from other users
 * (process names, interface names) may go in through %s.  Since escaping is
 * idempotent, already escaped text passes unchanged.
 *
 * Borrows the outbuf; nothing to release.
 */
#ifndef CONNMON_UI_TEXT_WRAP_H
#define CONNMON_UI_TEXT_WRAP_H

#include <stdbool.h>
#include <stddef.h>

#include "base/outbuf.h"

struct text_wrap {
	struct outbuf *out;
	unsigned width;	 /* TERM_WIDTH_FULL (0): never wrap */
	unsigned indent; /* columns of spaces that start a continuation line */
	size_t col;	 /* columns on the current line so far */
	bool items;	 /* the current line has an item */
};

/* Starts a line with label (plain ASCII, may be ""); continuation lines are indented by indent. */
void text_wrap_begin(struct text_wrap *w, struct outbuf *out, unsigned width, const char *label,
		     unsigned indent);
/* Goes on with a line the caller started, col columns wide: the first item gets its sep. */
void text_wrap_resume(struct text_wrap *w, struct outbuf *out, unsigned width, size_t col,
		      unsigned indent);
/* Adds one item, after sep when it stays on the current line (sep: ASCII, may be ""). */
__attribute__((format(printf, 3, 4))) void text_wrap_addf(struct text_wrap *w, const char *sep,
							  const char *fmt, ...);
/* Adds the words of text (split at spaces) as items: a sentence that wraps between words. */
void text_wrap_words(struct text_wrap *w, const char *text, size_t len);
/* Ends the line (a newline). */
void text_wrap_end(struct text_wrap *w);

#endif
