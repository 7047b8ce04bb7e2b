/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A buffered writer to a file descriptor, built for streaming hundreds of
 * thousands of rows: appends are inline copies into a fixed buffer, flushed
 * with write(2) when full.  Numbers are formatted without printf.
 *
 * Errors: the first failed write(2) is kept in err (a negative errno, for
 * example -EPIPE when the reader of `connmon ... | head` went away); later
 * writes are dropped so callers can check once, at a convenient point.
 * The outbuf owns its buffer; outbuf_release() flushes and frees it but never
 * closes fd.
 */
#ifndef CONNMON_BASE_OUTBUF_H
#define CONNMON_BASE_OUTBUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct outbuf {
	int fd;
	int err; /* 0 or the first -errno of write(2) */
	char *buf;
	size_t len;
	size_t cap;
};

void outbuf_init(struct outbuf *ob, int fd, size_t cap);
void outbuf_release(struct outbuf *ob);
/* Writes out what is buffered; returns 0 or the sticky -errno. */
int outbuf_flush(struct outbuf *ob);
void outbuf_write_slow_(struct outbuf *ob, const void *data, size_t len);

static inline void outbuf_add(struct outbuf *ob, const void *data, size_t len)
{
	if (ob->len + len <= ob->cap) {
		memcpy(ob->buf + ob->len, data, len);
		ob->len += len;
	} else {
		outbuf_write_slow_(ob, data, len);
	}
}

static inline void outbuf_addstr(struct outbuf *ob, const char *s)
{
	outbuf_add(ob, s, strlen(s));
}

static inline void outbuf_addch(struct outbuf *ob, char c)
{
	if (ob->len >= ob->cap)
		outbuf_flush(ob);
	ob->buf[ob->len++] = c;
}

/* Pads with spaces up to width columns after writing len bytes (left-aligned). */
void outbuf_pad(struct outbuf *ob, size_t written, size_t width);
void outbuf_addu64(struct outbuf *ob, uint64_t v);
void outbuf_adds64(struct outbuf *ob, int64_t v);
__attribute__((format(printf, 2, 3))) void outbuf_addf(struct outbuf *ob, const char *fmt, ...);

/*
 * Text from other users (process names, command lines, UNIX socket paths,
 * interface and user names) is written in its display-safe form, the same in
 * text, CSV and JSON (docs/JSON.md, "Text from other users"):
 *
 *  - printable UTF-8 passes unchanged;
 *  - every other byte becomes the four characters \xHH (lower-case hex): C0
 *    controls 0x00-0x1f, DEL 0x7f, both bytes of a C1 control (U+0080-U+009F,
 *    0xc2 0x80-0x9f: 0x9b is CSI), and every byte that does not belong to a
 *    valid UTF-8 sequence (overlong forms, surrogates, above U+10FFFF,
 *    truncated sequences, stray continuation bytes);
 *  - a backslash stays a backslash: the form is for display, as ps and ls
 *    show names, not a reversible encoding.
 *
 * Display columns: 4 per escape, 1 per printable ASCII byte, and for other
 * characters an approximation of wcwidth(3) that needs no locale: 2 for East
 * Asian wide and fullwidth blocks, 0 for common combining marks, else 1.
 * The all-ASCII case is one scan and one copy.
 */

/* Appends s[0..len) display-safe; returns the display columns it takes. */
size_t outbuf_add_safe(struct outbuf *ob, const char *s, size_t len);
/*
 * The same, cut before the first character or escape that would pass max_cols
 * columns (never inside a UTF-8 sequence or an escape); returns the columns
 * written.  A fixed-width cell: outbuf_pad(ob, outbuf_add_safe_max(ob, s, len, w), w).
 */
size_t outbuf_add_safe_max(struct outbuf *ob, const char *s, size_t len, size_t max_cols);
/* Appends s as the body of a JSON string (without the quotes): the display-safe
 * form, with quote and backslash escaped for JSON; always valid UTF-8. */
void outbuf_add_json_str(struct outbuf *ob, const char *s, size_t len);
/* Appends s display-safe as one CSV field, quoted when it holds a comma or a quote. */
void outbuf_add_csv_str(struct outbuf *ob, const char *s, size_t len);

/*
 * Pure: writes the display-safe form of s[0..len) into dst followed by a NUL
 * (cap bytes in all; cap 0 writes nothing), stopping before the first
 * character or escape that would pass max_cols display columns or not fit.
 * Returns the bytes written before the NUL; *cols (when not NULL) gets their
 * display columns.
 * Escaping is idempotent: the output of this function passes through unchanged.
 */
size_t text_escape(char *dst, size_t cap, const char *s, size_t len, size_t max_cols, size_t *cols);

/* Formats v in decimal into buf (at least 20 bytes); returns the length. */
size_t fmt_u64(char *buf, uint64_t v);

#endif
