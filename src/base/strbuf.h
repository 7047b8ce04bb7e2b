/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A growable, always NUL-terminated byte string.
 *
 * Invariants: buf is never NULL (an empty strbuf points at a shared empty
 * string until it first grows), buf[len] == '\0', len < alloc once grown.
 * max_len, when non-zero, caps len: appends past it are truncated and set
 * truncated, so a buffer fed from outside can never grow without bound.
 *
 * Ownership: the strbuf owns buf.  strbuf_release() frees it and leaves an
 * empty strbuf; strbuf_detach() hands buf to the caller (free() it).
 */
#ifndef CONNMON_BASE_STRBUF_H
#define CONNMON_BASE_STRBUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

struct strbuf {
	char *buf;
	size_t len;
	size_t alloc;
	size_t max_len; /* 0: unbounded */
	bool truncated;
};

extern char strbuf_empty_[1];
#define STRBUF_INIT                  \
	{                            \
		.buf = strbuf_empty_ \
	}

void strbuf_init(struct strbuf *sb, size_t hint);
void strbuf_release(struct strbuf *sb);
char *strbuf_detach(struct strbuf *sb, size_t *len);
void strbuf_reset(struct strbuf *sb);
void strbuf_grow(struct strbuf *sb, size_t extra);
void strbuf_add(struct strbuf *sb, const void *data, size_t len);
void strbuf_addstr(struct strbuf *sb, const char *s);
void strbuf_addch(struct strbuf *sb, char c);
__attribute__((format(printf, 2, 3))) void strbuf_addf(struct strbuf *sb, const char *fmt, ...);
__attribute__((format(printf, 2, 0))) void strbuf_vaddf(struct strbuf *sb, const char *fmt,
							va_list ap);
/* Reads the whole file (up to max_len when set); returns 0 or -errno. */
int strbuf_read_file(struct strbuf *sb, const char *path, size_t hint);

#endif
