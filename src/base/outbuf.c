// SPDX-License-Identifier: GPL-2.0-or-later
#include "base/outbuf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/xalloc.h"

void outbuf_init(struct outbuf *ob, int fd, size_t cap)
{
	ob->fd = fd;
	ob->err = 0;
	ob->cap = cap < 4096 ? 4096 : cap;
	ob->buf = xmalloc(ob->cap);
	ob->len = 0;
}

void outbuf_release(struct outbuf *ob)
{
	outbuf_flush(ob);
	free(ob->buf);
	ob->buf = NULL;
	ob->cap = ob->len = 0;
}

int outbuf_flush(struct outbuf *ob)
{
	size_t off = 0;

	while (off < ob->len && !ob->err) {
		ssize_t n = write(ob->fd, ob->buf + off, ob->len - off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			ob->err = -errno;
			break;
		}
		off += (size_t)n;
	}
	ob->len = 0;
	return ob->err;
}

void outbuf_write_slow_(struct outbuf *ob, const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		size_t room;

		if (ob->len == ob->cap)
			outbuf_flush(ob);
		room = ob->cap - ob->len;
		if (room > len)
			room = len;
		memcpy(ob->buf + ob->len, p, room);
		ob->len += room;
		p += room;
		len -= room;
	}
}

void outbuf_pad(struct outbuf *ob, size_t written, size_t width)
{
	static const char spaces[64] =
		"                                                                ";

	while (written < width) {
		size_t n = width - written;

		if (n > sizeof(spaces))
			n = sizeof(spaces);
		outbuf_add(ob, spaces, n);
		written += n;
	}
}

size_t fmt_u64(char *buf, uint64_t v)
{
	char tmp[20];
	size_t n = 0, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	return n;
}

void outbuf_addu64(struct outbuf *ob, uint64_t v)
{
	char tmp[20];

	outbuf_add(ob, tmp, fmt_u64(tmp, v));
}

void outbuf_adds64(struct outbuf *ob, int64_t v)
{
	if (v < 0) {
		outbuf_addch(ob, '-');
		outbuf_addu64(ob, (uint64_t)0 - (uint64_t)v);
	} else {
		outbuf_addu64(ob, (uint64_t)v);
	}
}

void outbuf_addf(struct outbuf *ob, const char *fmt, ...)
{
	char small[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(small)) {
		outbuf_add(ob, small, (size_t)n);
		return;
	}
	char *big = xmalloc((size_t)n + 1);

	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	outbuf_add(ob, big, (size_t)n);
	free(big);
}

void outbuf_add_json_str(struct outbuf *ob, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, start = 0;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		outbuf_add(ob, s + start, i - start);
		start = i + 1;
		if (c == '"' || c == '\\') {
			esc[1] = (char)c;
			outbuf_add(ob, esc, 2);
		} else if (c == '\n') {
			outbuf_add(ob, "\\n", 2);
		} else if (c == '\t') {
			outbuf_add(ob, "\\t", 2);
		} else {
			outbuf_add(ob, esc, 6);
		}
	}
	outbuf_add(ob, s + start, len - start);
}

void outbuf_add_csv_str(struct outbuf *ob, const char *s, size_t len)
{
	size_t i;

	if (!memchr(s, ',', len) && !memchr(s, '"', len) && !memchr(s, '\n', len) &&
	    !memchr(s, '\r', len)) {
		outbuf_add(ob, s, len);
		return;
	}
	outbuf_addch(ob, '"');
	for (i = 0; i < len; i++) {
		if (s[i] == '"')
			outbuf_addch(ob, '"');
		outbuf_addch(ob, s[i]);
	}
	outbuf_addch(ob, '"');
}
