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
/* Appends s as the body of a JSON string (without the quotes), escaped. */
void outbuf_add_json_str(struct outbuf *ob, const char *s, size_t len);
/* Appends s as one CSV field, quoted when it holds a comma, quote or newline. */
void outbuf_add_csv_str(struct outbuf *ob, const char *s, size_t len);

/* Formats v in decimal into buf (at least 20 bytes); returns the length. */
size_t fmt_u64(char *buf, uint64_t v);

#endif
