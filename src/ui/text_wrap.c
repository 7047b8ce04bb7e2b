// SPDX-License-Identifier: GPL-2.0-or-later
#include "ui/text_wrap.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* An item is a few names and numbers; longer ones are cut (escaped text never splits). */
#define ITEM_MAX 512

void text_wrap_begin(struct text_wrap *w, struct outbuf *out, unsigned width, const char *label,
		     unsigned indent)
{
	w->out = out;
	w->width = width;
	w->indent = indent;
	w->items = false;
	outbuf_addstr(out, label);
	w->col = strlen(label);
}

void text_wrap_resume(struct text_wrap *w, struct outbuf *out, unsigned width, size_t col,
		      unsigned indent)
{
	w->out = out;
	w->width = width;
	w->indent = indent;
	w->items = true;
	w->col = col;
}

void text_wrap_addf(struct text_wrap *w, const char *sep, const char *fmt, ...)
{
	char raw[ITEM_MAX], safe[ITEM_MAX * 4];
	size_t sep_len = strlen(sep), cols, len;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	len = (size_t)n < sizeof(raw) ? (size_t)n : sizeof(raw) - 1;
	len = text_escape(safe, sizeof(safe), raw, len, SIZE_MAX, &cols);
	if (w->items && w->width && w->col + sep_len + cols > w->width) {
		/* ", " ends the line as ",": the list goes on below */
		while (sep_len && sep[sep_len - 1] == ' ')
			sep_len--;
		outbuf_add(w->out, sep, sep_len);
		outbuf_addch(w->out, '\n');
		outbuf_pad(w->out, 0, w->indent);
		w->col = w->indent;
	} else if (w->items) {
		outbuf_addstr(w->out, sep);
		w->col += sep_len;
	}
	outbuf_add(w->out, safe, len);
	w->col += cols;
	w->items = true;
}

void text_wrap_words(struct text_wrap *w, const char *text, size_t len)
{
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *sp = memchr(p, ' ', (size_t)(end - p));
		const char *stop = sp ? sp : end;

		if (stop > p)
			text_wrap_addf(w, " ", "%.*s", (int)(stop - p), p);
		p = stop + 1;
	}
}

void text_wrap_end(struct text_wrap *w)
{
	outbuf_addch(w->out, '\n');
	w->col = 0;
	w->items = false;
}
