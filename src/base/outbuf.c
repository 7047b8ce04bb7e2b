// SPDX-License-Identifier: GPL-2.0-or-later
#include "base/outbuf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
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

/* ---- display-safe text ---- */

struct cp_range {
	uint32_t lo, hi;
};

/* Combining marks and zero-width format characters: no column of their own. */
static const struct cp_range zero_width[] = {
	{ 0x0300, 0x036f }, { 0x0483, 0x0489 }, { 0x0591, 0x05bd }, { 0x05bf, 0x05bf },
	{ 0x05c1, 0x05c2 }, { 0x05c4, 0x05c5 }, { 0x05c7, 0x05c7 }, { 0x0610, 0x061a },
	{ 0x064b, 0x065f }, { 0x0670, 0x0670 }, { 0x06d6, 0x06dc }, { 0x06df, 0x06e4 },
	{ 0x06e7, 0x06e8 }, { 0x06ea, 0x06ed }, { 0x0e31, 0x0e31 }, { 0x0e34, 0x0e3a },
	{ 0x0e47, 0x0e4e }, { 0x1ab0, 0x1aff }, { 0x1dc0, 0x1dff }, { 0x200b, 0x200f },
	{ 0x202a, 0x202e }, { 0x2060, 0x2064 }, { 0x20d0, 0x20ff }, { 0xfe00, 0xfe0f },
	{ 0xfe20, 0xfe2f }, { 0xfeff, 0xfeff },
};

/* East Asian wide and fullwidth blocks, and the emoji blocks terminals draw wide. */
static const struct cp_range wide[] = {
	{ 0x1100, 0x115f },   { 0x2e80, 0x303e },   { 0x3041, 0x33ff },	  { 0x3400, 0x4dbf },
	{ 0x4e00, 0x9fff },   { 0xa000, 0xa4cf },   { 0xa960, 0xa97f },	  { 0xac00, 0xd7a3 },
	{ 0xf900, 0xfaff },   { 0xfe10, 0xfe19 },   { 0xfe30, 0xfe6f },	  { 0xff00, 0xff60 },
	{ 0xffe0, 0xffe6 },   { 0x17000, 0x18cff }, { 0x1b000, 0x1b2ff }, { 0x1f300, 0x1f64f },
	{ 0x1f680, 0x1f6ff }, { 0x1f900, 0x1f9ff }, { 0x1fa70, 0x1faff }, { 0x20000, 0x2fffd },
	{ 0x30000, 0x3fffd },
};

static bool in_ranges(uint32_t cp, const struct cp_range *r, size_t nr)
{
	size_t lo = 0, hi = nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cp < r[mid].lo)
			hi = mid;
		else if (cp > r[mid].hi)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

/*
 * The length of the printable character at p (1 to 4 bytes), or 0 when p[0]
 * must be escaped.  n >= 1 bytes are readable.  The second byte's bounds
 * follow RFC 3629's table, which rules out overlongs (c0, c1, e0 80-9f,
 * f0 80-8f), surrogates (ed a0-bf) and code points above U+10FFFF (f4 90-,
 * f5-ff); c2 80-9f are the C1 controls.
 */
static size_t char_len(const unsigned char *p, size_t n)
{
	unsigned char c = p[0], lo = 0x80, hi = 0xbf;
	size_t need, i;

	if (c >= 0x20 && c < 0x7f)
		return 1;
	if (c < 0xc2 || c > 0xf4)
		return 0;
	need = c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
	if (c == 0xc2 || c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (n < need || p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < need; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return need;
}

/* Display columns of the valid character p[0..n). */
static size_t char_cols(const unsigned char *p, size_t n)
{
	uint32_t cp;

	if (n == 1)
		return 1;
	cp = p[0] & (0x7f >> n);
	for (size_t i = 1; i < n; i++)
		cp = cp << 6 | (p[i] & 0x3f);
	if (in_ranges(cp, zero_width, sizeof(zero_width) / sizeof(zero_width[0])))
		return 0;
	return in_ranges(cp, wide, sizeof(wide) / sizeof(wide[0])) ? 2 : 1;
}

enum esc_mode {
	ESC_TEXT,
	ESC_JSON, /* inside a JSON string: quote and backslash escaped for JSON */
	ESC_CSV,  /* inside a quoted CSV field: quotes doubled */
};

/* Where escaped text goes: an outbuf, or dst with room bytes left. */
struct esc_sink {
	struct outbuf *ob;
	char *dst;
	size_t room, len;
};

static inline bool is_plain(unsigned char c, enum esc_mode m)
{
	if (c < 0x20 || c >= 0x7f)
		return false;
	if (m == ESC_JSON)
		return c != '"' && c != '\\';
	return m != ESC_CSV || c != '"';
}

/* True when a byte of v is zero (exact as a whole, not per byte). */
static inline bool has_zero_byte(uint64_t v)
{
	return (v - 0x0101010101010101ull) & ~v & 0x8080808080808080ull;
}

/*
 * The length of the prefix of s[0..len) that passes unchanged in mode m.
 * The hot case (200,000 endpoints and process names) is tested eight bytes
 * at a time: with every byte below 0x80 (no high bit), adding 0x60 sets the
 * high bit exactly of the bytes >= 0x20, adding 1 exactly of 0x7f, and no
 * byte carries into the next.
 */
__attribute__((always_inline)) static inline size_t plain_len(const char *s, size_t len,
							      enum esc_mode m)
{
	const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
	size_t i = 0;

	for (; m != ESC_CSV && i + 8 <= len; i += 8) {
		uint64_t v;

		memcpy(&v, s + i, sizeof(v));
		if ((v & high) || ((v + 0x60 * ones) & high) != high || ((v + ones) & high))
			break;
		if (m == ESC_JSON &&
		    (has_zero_byte(v ^ ('"' * ones)) || has_zero_byte(v ^ ('\\' * ones))))
			break;
	}
	while (i < len && is_plain((unsigned char)s[i], m))
		i++;
	return i;
}

static void sink_put(struct esc_sink *k, const char *p, size_t n)
{
	if (k->ob) {
		outbuf_add(k->ob, p, n);
	} else {
		memcpy(k->dst + k->len, p, n);
		k->room -= n;
	}
	k->len += n;
}

/* The replacement of p[0] in mode m into rep (>= 6 bytes); sets *cols; returns its length. */
static size_t replacement(char *rep, unsigned char c, bool printable, enum esc_mode m, size_t *cols)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;

	*cols = 1;
	rep[n++] = m == ESC_CSV && printable ? '"' : '\\';
	if (printable) { /* JSON's \" and \\, CSV's "" */
		rep[n++] = (char)c;
		return n;
	}
	if (m == ESC_JSON)
		rep[n++] = '\\';
	rep[n++] = 'x';
	rep[n++] = hex[c >> 4];
	rep[n++] = hex[c & 15];
	*cols = 4;
	return n;
}

/* Writes s[0..len) escaped for mode m into k, up to max_cols columns; returns the columns. */
static size_t escape(struct esc_sink *k, const char *s, size_t len, size_t max_cols,
		     enum esc_mode m)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i, start = 0, cols, lim = len;

	/* The common case: printable ASCII that fits, one scan and one copy. */
	if (lim > max_cols)
		lim = max_cols;
	if (!k->ob && lim > k->room)
		lim = k->room;
	i = plain_len(s, lim, m);
	cols = i;
	while (i < len) {
		size_t n = char_len(p + i, len - i), w, rep_len = 0;
		char rep[6];

		if (n == 1 && !is_plain(p[i], m))
			rep_len = replacement(rep, p[i], true, m, &w);
		else if (n)
			w = char_cols(p + i, n);
		else
			rep_len = replacement(rep, p[i], false, m, &w);
		if (cols + w > max_cols ||
		    (!k->ob && i - start + (rep_len ? rep_len : n) > k->room))
			break;
		cols += w;
		if (!rep_len) {
			i += n;
			continue;
		}
		sink_put(k, s + start, i - start);
		sink_put(k, rep, rep_len);
		start = ++i;
	}
	sink_put(k, s + start, i - start);
	return cols;
}

size_t outbuf_add_safe(struct outbuf *ob, const char *s, size_t len)
{
	struct esc_sink k = { .ob = ob };
	size_t i = plain_len(s, len, ESC_TEXT);

	outbuf_add(ob, s, i);
	return i == len ? len : i + escape(&k, s + i, len - i, SIZE_MAX, ESC_TEXT);
}

size_t outbuf_add_safe_max(struct outbuf *ob, const char *s, size_t len, size_t max_cols)
{
	struct esc_sink k = { .ob = ob };

	return escape(&k, s, len, max_cols, ESC_TEXT);
}

void outbuf_add_json_str(struct outbuf *ob, const char *s, size_t len)
{
	struct esc_sink k = { .ob = ob };

	escape(&k, s, len, SIZE_MAX, ESC_JSON);
}

void outbuf_add_csv_str(struct outbuf *ob, const char *s, size_t len)
{
	struct esc_sink k = { .ob = ob };

	/* Escaping leaves no line break, so only commas and quotes need quoting. */
	if (!memchr(s, ',', len) && !memchr(s, '"', len)) {
		escape(&k, s, len, SIZE_MAX, ESC_TEXT);
		return;
	}
	outbuf_addch(ob, '"');
	escape(&k, s, len, SIZE_MAX, ESC_CSV);
	outbuf_addch(ob, '"');
}

size_t text_escape(char *dst, size_t cap, const char *s, size_t len, size_t max_cols, size_t *cols)
{
	struct esc_sink k = { .dst = dst, .room = cap ? cap - 1 : 0 };
	size_t c = cap ? escape(&k, s, len, max_cols, ESC_TEXT) : 0;

	if (cap)
		dst[k.len] = '\0';
	if (cols)
		*cols = c;
	return k.len;
}
