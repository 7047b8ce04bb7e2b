// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Label values from anywhere through prom_labels_add() and prom_encode():
 * the exposition is valid UTF-8 with no control byte but the line ends, and
 * reading a label value back with the format's escapes gives exactly the
 * display-safe form of the input (docs/JSON.md).  The first input byte picks
 * the value's split into two labels.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/outbuf.h"
#include "base/strbuf.h"
#include "base/xalloc.h"
#include "export/prom.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Length of the valid UTF-8 sequence at s (RFC 3629), or 0. */
static size_t utf8_len(const unsigned char *s, size_t left)
{
	size_t n = s[0] < 0x80			? 1 :
		   s[0] >= 0xc2 && s[0] <= 0xdf ? 2 :
		   s[0] >= 0xe0 && s[0] <= 0xef ? 3 :
		   s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 :
						  0;
	uint32_t cp;

	if (!n || n > left)
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	cp = n == 1 ? s[0] : n == 2 ? (s[0] & 0x1fu) : n == 3 ? (s[0] & 0x0fu) : (s[0] & 0x07u);
	for (size_t i = 1; i < n; i++)
		cp = cp << 6 | (s[i] & 0x3fu);
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

static void check_text(const char *s, size_t len)
{
	for (size_t i = 0; i < len;) {
		size_t n = utf8_len((const unsigned char *)s + i, len - i);

		if (!n || ((unsigned char)s[i] < 0x20 && s[i] != '\n') || s[i] == 0x7f)
			abort();
		if (n == 2 && (unsigned char)s[i] == 0xc2 && (unsigned char)s[i + 1] < 0xa0)
			abort(); /* a C1 control */
		i += n;
	}
}

/* Reads the quoted value at *p (after key="), undoing \\ \" \n; returns it (free it). */
static char *unquote(const char **p)
{
	struct strbuf v = STRBUF_INIT;
	const char *s = *p;

	for (; *s != '"'; s++) {
		if (!*s || *s == '\n')
			abort();
		if (*s == '\\') {
			s++;
			if (*s != '\\' && *s != '"' && *s != 'n')
				abort();
			strbuf_addch(&v, *s == 'n' ? '\n' : *s);
		} else {
			strbuf_addch(&v, *s);
		}
	}
	*p = s + 1;
	return strbuf_detach(&v, NULL);
}

static void check_value(const char **p, const char *key, const char *raw, size_t raw_len)
{
	char *safe = xmalloc(4 * raw_len + 1), *got;

	text_escape(safe, 4 * raw_len + 1, raw, raw_len, SIZE_MAX, NULL);
	if (strncmp(*p, key, strlen(key)) || (*p)[strlen(key)] != '=' ||
	    (*p)[strlen(key) + 1] != '"')
		abort();
	*p += strlen(key) + 2;
	got = unquote(p);
	if (strcmp(got, safe))
		abort();
	free(got);
	free(safe);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf labels = STRBUF_INIT, out = STRBUF_INIT;
	char *a, *b;
	size_t cut;
	const char *p;

	if (!size)
		return 0;
	cut = data[0] % size; /* a NUL in the input ends a value early, as C strings do */
	a = xstrndup((const char *)data + 1, cut);
	b = xstrndup((const char *)data + 1 + cut, size - 1 - cut);
	prom_labels_add(&labels, "comm", a);
	prom_labels_add(&labels, "iface", b);
	prom_encode(&out, &(struct prom_point){ "m", "h", PROM_GAUGE, labels.buf, 1 }, 1);
	check_text(out.buf, out.len);
	p = strstr(out.buf, "\nm{");
	if (!p)
		abort();
	p += 3;
	check_value(&p, "comm", a, strlen(a));
	if (*p++ != ',')
		abort();
	check_value(&p, "iface", b, strlen(b));
	if (strcmp(p, "} 1\n"))
		abort();
	free(a);
	free(b);
	strbuf_release(&labels);
	strbuf_release(&out);
	return 0;
}
