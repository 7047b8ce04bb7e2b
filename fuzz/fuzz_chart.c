// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A chart (ui/chart.h) from any names and any numbers: NaN, infinities,
 * denormals, huge values, times that go back, series of every length, with
 * and without a band and marks, as lines and stacked.  Whatever the input,
 * the SVG must be well-formed: elements nest and close, attribute values are
 * quoted, text and attributes hold no '<', no raw '>' in text, no '&' but an
 * entity, no control byte but newlines, and only valid UTF-8.  The checks
 * here parse the output themselves, independently of the code under test.
 *
 * Input: byte 0 flags (bit 0 stacked, bit 1 band, bit 2 marks, bits 3-4 the
 * number of series - 1), byte 1 the step in seconds, then a name up to the
 * first NUL, then 10-byte points (a signed 16-bit time step in seconds, then
 * the 8 bytes of a double), dealt to the series in turn.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/strbuf.h"
#include "base/xalloc.h"
#include "ui/chart.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define T0_MS	   1795435200000LL
#define MAX_SERIES 4

/* The length of one valid UTF-8 character at p, or 0. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	size_t len = p[0] < 0x80	   ? 1 :
		     (p[0] & 0xe0) == 0xc0 ? 2 :
		     (p[0] & 0xf0) == 0xe0 ? 3 :
		     (p[0] & 0xf8) == 0xf0 ? 4 :
					     0;
	uint32_t cp;

	if (!len || len > n)
		return 0;
	cp = len == 1 ? p[0] : p[0] & (0xffu >> (len + 1));
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || cp == 0xfffe || cp == 0xffff ||
	    (cp < 0x20 && cp != '\n') || (cp >= 0x7f && cp <= 0x9f))
		return 0;
	return len;
}

static const char *entity_end(const char *p)
{
	static const char *const ents[] = { "&amp;", "&lt;", "&gt;", "&quot;", "&apos;" };

	for (size_t i = 0; i < sizeof(ents) / sizeof(ents[0]); i++)
		if (!strncmp(p, ents[i], strlen(ents[i])))
			return p + strlen(ents[i]);
	abort();
}

/* Text or an attribute value up to stop; returns where it stopped. */
static const char *text(const char *p, const char *end, char stop)
{
	while (p < end && *p != stop) {
		size_t n;

		if (*p == '&') {
			p = entity_end(p);
			continue;
		}
		if (*p == '>' || (stop == '"' && *p == '<'))
			abort();
		n = utf8_len((const unsigned char *)p, (size_t)(end - p));
		if (!n)
			abort();
		p += n;
	}
	return p;
}

#define NAME_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-:"

/* One tag after its '<': pushes or pops the stack of open element names. */
static const char *tag(const char *p, const char *end, const char **stack, size_t *depth)
{
	bool closing = *p == '/';
	size_t n;

	p += closing;
	n = strspn(p, NAME_CHARS);
	if (!n)
		abort();
	if (closing) {
		const char *open;

		if (!*depth)
			abort();
		open = stack[--*depth];
		if (strspn(open, NAME_CHARS) != n || strncmp(open, p, n) || p[n] != '>')
			abort();
		return p + n + 1;
	}
	if (*depth == 64)
		abort();
	stack[(*depth)++] = p;
	for (p += n;;) {
		p += strspn(p, " \n");
		if (*p == '>')
			return p + 1;
		if (*p == '/' && p[1] == '>') {
			(*depth)--;
			return p + 2;
		}
		n = strspn(p, NAME_CHARS);
		if (!n || p[n] != '=' || p[n + 1] != '"')
			abort();
		p = text(p + n + 2, end, '"');
		if (p >= end)
			abort();
		p++;
	}
}

static void check_svg(const char *s, size_t len)
{
	const char *p = s, *end = s + len, *stack[64];
	size_t depth = 0;

	if (strncmp(p, "<?xml ", 6) || !(p = strstr(p, "?>")))
		abort();
	for (p += 2; p < end;) {
		p = text(p, end, '<');
		if (p < end)
			p = tag(p + 1, end, stack, &depth);
	}
	if (depth)
		abort();
}

struct input {
	struct chart_series s[MAX_SERIES];
	int64_t *t[MAX_SERIES];
	double *v[MAX_SERIES];
	struct chart_band band;
	struct chart_mark marks[3];
};

/* Deals the points to the series; a band follows the first series. */
static void points(struct input *in, const uint8_t *p, size_t n, size_t nr_series)
{
	int64_t t = T0_MS;

	for (size_t k = 0; k < nr_series; k++) {
		in->t[k] = xcalloc(n / nr_series + 1, sizeof(int64_t));
		in->v[k] = xcalloc(n / nr_series + 1, sizeof(double));
	}
	for (size_t i = 0; i < n; i++, p += 10) {
		struct chart_series *s = &in->s[i % nr_series];
		int16_t dt;

		memcpy(&dt, p, 2);
		t += (int64_t)dt * 1000;
		in->t[i % nr_series][s->n] = t;
		memcpy(&in->v[i % nr_series][s->n], p + 2, 8);
		s->n++;
	}
	for (size_t k = 0; k < nr_series; k++) {
		in->s[k].t_ms = in->t[k];
		in->s[k].v = in->v[k];
	}
}

static void render(const struct chart *c)
{
	struct strbuf sb = STRBUF_INIT;

	chart_svg(&sb, c, 640, 240, true);
	check_svg(sb.buf, sb.len);
	strbuf_release(&sb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { 0 };
	struct chart c;
	size_t nr_series, name_len;
	const uint8_t *pts;
	char *name;

	if (size < 2 || size > 65536)
		return 0;
	nr_series = (size_t)((data[0] >> 3) & 3) + 1;
	name_len = strnlen((const char *)data + 2, size - 2);
	name = xstrndup((const char *)data + 2, name_len);
	pts = data + 2 + name_len + (name_len < size - 2); /* past the NUL, if any */
	points(&in, pts, (size - (size_t)(pts - data)) / 10, nr_series);
	for (size_t k = 0; k < nr_series; k++)
		in.s[k].label = name;
	in.band = (struct chart_band){ in.t[0], in.v[0], in.v[0], in.v[0], in.s[0].n, name };
	for (int i = 0; i < 3; i++)
		in.marks[i] =
			(struct chart_mark){ T0_MS + i * 3600000LL, T0_MS + 7200000LL, name, i };
	c = (struct chart){ .title = name,
			    .subtitle = name,
			    .unit = name,
			    .t0_ms = T0_MS,
			    .t1_ms = T0_MS + 86400000LL,
			    .step_ms = (int64_t)data[1] * 1000,
			    .tz_offset_s = (int)data[1] * 900 - 43200,
			    .tz_name = name,
			    .stacked = data[0] & 1,
			    .series = in.s,
			    .nr_series = nr_series,
			    .band = data[0] & 2 ? &in.band : NULL,
			    .marks = in.marks,
			    .nr_marks = data[0] & 4 ? 3 : 0 };
	render(&c);
	for (size_t k = 0; k < nr_series; k++) {
		free(in.t[k]);
		free(in.v[k]);
	}
	free(name);
	return 0;
}
