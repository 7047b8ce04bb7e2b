// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The display-safe form of text from other users (base/outbuf.h): exact bytes
 * for each class of input, display widths, cutting, JSON and CSV, and the
 * properties (no control byte, valid UTF-8, valid JSON string) on random input
 * checked by a validator written here, independent of the code under test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/outbuf.h"

enum kind {
	TEXT,
	TEXT_MAX,
	JSON,
	CSV
};

/* What outbuf wrote for one call, NUL-terminated; *cols gets the returned columns. */
static char *emit(enum kind k, const char *s, size_t len, size_t max_cols, size_t *cols)
{
	static char got[8192];
	struct outbuf ob;
	size_t c = 0;
	int fds[2];
	ssize_t n;

	assert_int_equal(pipe(fds), 0);
	/* A tiny buffer: every escape path also crosses flushes. */
	outbuf_init(&ob, fds[1], 16);
	ob.cap = 7;
	if (k == TEXT)
		c = outbuf_add_safe(&ob, s, len);
	else if (k == TEXT_MAX)
		c = outbuf_add_safe_max(&ob, s, len, max_cols);
	else if (k == JSON)
		outbuf_add_json_str(&ob, s, len);
	else
		outbuf_add_csv_str(&ob, s, len);
	assert_int_equal(outbuf_flush(&ob), 0);
	outbuf_release(&ob);
	close(fds[1]);
	n = read(fds[0], got, sizeof(got) - 1);
	close(fds[0]);
	assert_true(n >= 0);
	got[n] = '\0';
	if (cols)
		*cols = c;
	return got;
}

#define TEXT_IS(in, want) assert_string_equal(emit(TEXT, in, sizeof(in) - 1, 0, NULL), want)
#define JSON_IS(in, want) assert_string_equal(emit(JSON, in, sizeof(in) - 1, 0, NULL), want)
#define CSV_IS(in, want)  assert_string_equal(emit(CSV, in, sizeof(in) - 1, 0, NULL), want)

static void test_ascii_and_controls(void **state)
{
	size_t cols;

	(void)state;
	assert_string_equal(emit(TEXT, "nginx: worker", 13, 0, &cols), "nginx: worker");
	assert_int_equal(cols, 13);
	TEXT_IS("", "");
	TEXT_IS("a\x01"
		"b\nc\td\x7f",
		"a\\x01b\\x0ac\\x09d\\x7f");
	TEXT_IS("\0x", "\\x00x");
	/* the repro: ESC [ 2 J clears a terminal */
	assert_string_equal(emit(TEXT, "evil\x1b[2Jname\xff", 13, 0, &cols),
			    "evil\\x1b[2Jname\\xff");
	assert_int_equal(cols, 4 + 4 + 3 + 4 + 4);
	/* a backslash stays: the form is for display, not reversible */
	TEXT_IS("a\\x41", "a\\x41");
}

static void test_c1_controls(void **state)
{
	(void)state;
	TEXT_IS("\xc2\x9b"
		"2J",
		"\\xc2\\x9b2J"); /* CSI */
	TEXT_IS("\xc2\x80\xc2\x85\xc2\x9f", "\\xc2\\x80\\xc2\\x85\\xc2\\x9f");
	TEXT_IS("\xc2\xa0\xc2\xbf", "\xc2\xa0\xc2\xbf"); /* NBSP, inverted ? */
	/* a lone 0x9b is not valid UTF-8 either */
	TEXT_IS("\x9b", "\\x9b");
}

static void test_invalid_utf8(void **state)
{
	(void)state;
	TEXT_IS("\xc0\xaf", "\\xc0\\xaf");		     /* overlong '/' */
	TEXT_IS("\xc1\xbf", "\\xc1\\xbf");		     /* overlong */
	TEXT_IS("\xe0\x80\xaf", "\\xe0\\x80\\xaf");	     /* overlong, 3 bytes */
	TEXT_IS("\xf0\x80\x80\xaf", "\\xf0\\x80\\x80\\xaf"); /* overlong, 4 bytes */
	TEXT_IS("\xed\xa0\x80", "\\xed\\xa0\\x80");	     /* surrogate U+D800 */
	TEXT_IS("\xed\xbf\xbf", "\\xed\\xbf\\xbf");	     /* surrogate U+DFFF */
	TEXT_IS("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80"); /* U+110000 */
	TEXT_IS("\xf5\x80\x80\x80", "\\xf5\\x80\\x80\\x80");
	TEXT_IS("\xfe\xff", "\\xfe\\xff");
	TEXT_IS("\x80x\xbf", "\\x80x\\xbf"); /* stray continuations */
	/* truncated: at the end, before ASCII, before another lead byte */
	TEXT_IS("ab\xe2\x82", "ab\\xe2\\x82");
	TEXT_IS("\xe2\x82"
		"A",
		"\\xe2\\x82A");
	TEXT_IS("\xf0\x9f\x98\xe2\x82\xac", "\\xf0\\x9f\\x98\xe2\x82\xac");
	TEXT_IS("\xc3", "\\xc3");
}

static void test_valid_multibyte(void **state)
{
	size_t cols;

	(void)state;
	/* Cyrillic, CJK, the euro sign, an emoji, U+10FFFF, U+FFFD pass unchanged */
	assert_string_equal(emit(TEXT, "Привет", strlen("Привет"), 0, &cols), "Привет");
	assert_int_equal(cols, 6);
	assert_string_equal(emit(TEXT, "日本語", strlen("日本語"), 0, &cols), "日本語");
	assert_int_equal(cols, 6);
	assert_string_equal(emit(TEXT, "\xe2\x82\xac", 3, 0, &cols), "\xe2\x82\xac");
	assert_int_equal(cols, 1);
	assert_string_equal(emit(TEXT, "\xf0\x9f\x98\x80", 4, 0, &cols), "\xf0\x9f\x98\x80");
	assert_int_equal(cols, 2);
	TEXT_IS("\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf");
	TEXT_IS("\xef\xbf\xbd", "\xef\xbf\xbd");
	TEXT_IS("\xed\x9f\xbf", "\xed\x9f\xbf"); /* U+D7FF, just below the surrogates */
	/* e + combining acute accent: one column */
	assert_string_equal(emit(TEXT, "e\xcc\x81", 3, 0, &cols), "e\xcc\x81");
	assert_int_equal(cols, 1);
}

static void test_cut_and_pad(void **state)
{
	size_t cols;
	char *got;

	(void)state;
	/* wide characters are never split: 5 columns hold two of them */
	got = emit(TEXT_MAX, "日本語", strlen("日本語"), 5, &cols);
	assert_string_equal(got, "日本");
	assert_int_equal(cols, 4);
	/* an escape is never cut: "ab" + 4 columns would pass 5 */
	assert_string_equal(emit(TEXT_MAX,
				 "ab\x1b"
				 "c",
				 4, 5, &cols),
			    "ab");
	assert_int_equal(cols, 2);
	assert_string_equal(emit(TEXT_MAX,
				 "ab\x1b"
				 "c",
				 4, 6, &cols),
			    "ab\\x1b");
	assert_int_equal(cols, 6);
	/* ASCII is cut at the column */
	assert_string_equal(emit(TEXT_MAX, "abcdefgh", 8, 3, &cols), "abc");
	assert_int_equal(cols, 3);
	assert_string_equal(emit(TEXT_MAX, "abc", 3, 0, &cols), "");
	assert_int_equal(cols, 0);
}

static void emit_cells(struct outbuf *ob)
{
	outbuf_pad(ob, outbuf_add_safe_max(ob, "日本語x", strlen("日本語x"), 5), 5);
	outbuf_addch(ob, '|');
	outbuf_pad(ob, outbuf_add_safe_max(ob, "\xff", 1, 5), 5);
	outbuf_addch(ob, '|');
	outbuf_pad(ob, outbuf_add_safe(ob, "Привет", strlen("Привет")), 8);
	outbuf_addch(ob, '|');
}

static void test_cells(void **state)
{
	char got[256];
	struct outbuf ob;
	int fds[2];
	ssize_t n;

	(void)state;
	assert_int_equal(pipe(fds), 0);
	outbuf_init(&ob, fds[1], 4096);
	emit_cells(&ob);
	outbuf_release(&ob);
	close(fds[1]);
	n = read(fds[0], got, sizeof(got) - 1);
	close(fds[0]);
	assert_true(n > 0);
	got[n] = '\0';
	/* padding counts display columns, not bytes */
	assert_string_equal(got, "日本 |\\xff |Привет  |");
}

static void test_text_escape_buffer(void **state)
{
	char buf[16];
	size_t cols, n;

	(void)state;
	n = text_escape(buf, sizeof(buf),
			"a\x1b"
			"b",
			3, SIZE_MAX, &cols);
	assert_string_equal(buf, "a\\x1bb");
	assert_int_equal(n, 6);
	assert_int_equal(cols, 6);
	/* the buffer bounds it: "ab" + 4 bytes would need 7 with the NUL */
	n = text_escape(buf, 6, "ab\xff", 3, SIZE_MAX, &cols);
	assert_string_equal(buf, "ab");
	assert_int_equal(n, 2);
	/* a character is not cut by the buffer either */
	n = text_escape(buf, 3, "a\xc3\xa9", 3, SIZE_MAX, NULL);
	assert_string_equal(buf, "a");
	n = text_escape(buf, 4, "a\xc3\xa9", 3, SIZE_MAX, NULL);
	assert_string_equal(buf, "a\xc3\xa9");
	cols = 99;
	assert_int_equal(text_escape(NULL, 0, "abc", 3, SIZE_MAX, &cols), 0);
	assert_int_equal(cols, 0);
	n = text_escape(buf, 1, "abc", 3, SIZE_MAX, &cols);
	assert_string_equal(buf, "");
	assert_int_equal(cols, 0);
	/* idempotent: escaped text passes unchanged */
	n = text_escape(buf, sizeof(buf), "\\x1b\xc3\xa9", 6, SIZE_MAX, NULL);
	assert_string_equal(buf, "\\x1b\xc3\xa9");
}

static void test_json(void **state)
{
	(void)state;
	/* the decoded string holds the same display form as the text */
	JSON_IS("a\"b\\c", "a\\\"b\\\\c");
	JSON_IS("evil\x1b[2Jname\xff", "evil\\\\x1b[2Jname\\\\xff");
	JSON_IS("\n\t\x01\x7f", "\\\\x0a\\\\x09\\\\x01\\\\x7f");
	JSON_IS("\xc2\x9b", "\\\\xc2\\\\x9b");
	JSON_IS("日本\xed\xa0\x80", "日本\\\\xed\\\\xa0\\\\x80");
}

static void test_csv(void **state)
{
	(void)state;
	CSV_IS("plain", "plain");
	CSV_IS("x,y\"", "\"x,y\"\"\"");
	/* escaping leaves no line break, so no quoting for one */
	CSV_IS("a\nb\r", "a\\x0ab\\x0d");
	CSV_IS("a,\x1b\"", "\"a,\\x1b\"\"\"");
	CSV_IS("\xff\xfe", "\\xff\\xfe");
}

/* One bad byte at every offset of a long ASCII run: the word-at-a-time scan's edges. */
static void test_one_bad_byte_anywhere(void **state)
{
	static const unsigned char bad[] = { 0x00, 0x1f, 0x7f, 0x80, 0xff, '"', '\\' };
	char in[41], want[64], got[64];

	(void)state;
	for (size_t b = 0; b < sizeof(bad); b++) {
		for (size_t at = 0; at < sizeof(in) - 1; at++) {
			for (size_t i = 0; i < sizeof(in) - 1; i++)
				in[i] = (char)(' ' + (i * 7) % 95); /* every printable, no gap */
			in[at] = (char)bad[b];
			in[sizeof(in) - 1] = '\0';
			if (bad[b] == '"' || bad[b] == '\\') {
				/* printable: unchanged in text, escaped in JSON */
				assert_string_equal(emit(TEXT, in, 40, 0, NULL), in);
				snprintf(want, sizeof(want), "%.*s\\%c", (int)at, in, bad[b]);
				assert_memory_equal(emit(JSON, in, 40, 0, NULL), want, at + 2);
				continue;
			}
			snprintf(want, sizeof(want), "%.*s\\x%02x%s", (int)at, in, bad[b],
				 in + at + 1);
			text_escape(got, sizeof(got), in, 40, SIZE_MAX, NULL);
			assert_string_equal(got, want);
			assert_string_equal(emit(TEXT, in, 40, 0, NULL), want);
		}
	}
}

/* ---- properties on random input, checked independently ---- */

/* Decodes one UTF-8 character by the Unicode definition; returns its length or 0. */
static size_t decode(const unsigned char *p, size_t n, uint32_t *cp)
{
	size_t len = p[0] < 0x80       ? 1 :
		     (p[0] >> 5) == 6  ? 2 :
		     (p[0] >> 4) == 14 ? 3 :
		     (p[0] >> 3) == 30 ? 4 :
					 0;
	static const uint32_t min[] = { 0, 0, 0x80, 0x800, 0x10000 };

	if (!len || len > n)
		return 0;
	*cp = len == 1 ? p[0] : p[0] & (0xff >> (len + 1));
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		*cp = *cp << 6 | (p[i] & 0x3f);
	}
	if (*cp < min[len] || *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff))
		return 0;
	return len;
}

/* Valid UTF-8 with no C0, DEL or C1 code point. */
static void assert_safe(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t i = 0; i < len;) {
		uint32_t cp = 0;
		size_t n = decode(p + i, len - i, &cp);

		if (!n)
			fail_msg("invalid UTF-8 at %zu", i);
		if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
			fail_msg("control U+%04X at %zu", (unsigned)cp, i);
		i += n;
	}
}

/* The body of a JSON string (RFC 8259): no raw quote, escapes only \" and \\ here. */
static void assert_json_body(const char *s, size_t len)
{
	assert_safe(s, len);
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '"')
			fail_msg("raw quote at %zu", i);
		if (s[i] != '\\')
			continue;
		if (i + 1 >= len || (s[i + 1] != '"' && s[i + 1] != '\\'))
			fail_msg("bad JSON escape at %zu", i);
		i++;
	}
}

static uint32_t rnd_state = 12345;

static uint32_t rnd(void)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return rnd_state >> 8;
}

/* Random bytes biased toward the interesting ones: controls, leads, continuations, ASCII. */
static size_t random_input(unsigned char *buf, size_t cap)
{
	static const unsigned char pick[] = { 0x00, 0x1b, 0x7f, 0x80, 0x9b, 0xbf, 0xc0, 0xc2,
					      0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff,
					      '"',  '\\', ',',	'a',  '[',  'J' };
	size_t len = rnd() % cap;

	for (size_t i = 0; i < len; i++)
		buf[i] = rnd() % 3 ? pick[rnd() % sizeof(pick)] : (unsigned char)(rnd() & 0xff);
	return len;
}

static void test_random_properties(void **state)
{
	unsigned char in[40];
	char out[200], again[200];

	(void)state;
	for (int round = 0; round < 20000; round++) {
		size_t len = random_input(in, sizeof(in)), n, cols, cols2;
		char *got;

		n = text_escape(out, sizeof(out), (const char *)in, len, SIZE_MAX, &cols);
		assert_safe(out, n);
		assert_int_equal(strlen(out), n);
		/* the outbuf form is the same text */
		got = emit(TEXT, (const char *)in, len, 0, &cols2);
		assert_string_equal(got, out);
		assert_int_equal(cols, cols2);
		/* idempotent */
		text_escape(again, sizeof(again), out, n, SIZE_MAX, NULL);
		assert_string_equal(again, out);
		/* a cut is a prefix, within the columns */
		got = emit(TEXT_MAX, (const char *)in, len, round % 17, &cols2);
		assert_true(cols2 <= (size_t)(round % 17));
		assert_memory_equal(got, out, strlen(got));
		got = emit(JSON, (const char *)in, len, 0, NULL);
		assert_json_body(got, strlen(got));
		got = emit(CSV, (const char *)in, len, 0, NULL);
		assert_safe(got, strlen(got));
	}
}

/* Every single byte and every 2-byte sequence. */
static void test_exhaustive_pairs(void **state)
{
	char out[32];

	(void)state;
	for (unsigned a = 0; a < 256; a++) {
		for (unsigned b = 0; b < 256; b++) {
			char in[2] = { (char)a, (char)b };
			size_t n = text_escape(out, sizeof(out), in, 2, SIZE_MAX, NULL);

			assert_safe(out, n);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ascii_and_controls),
		cmocka_unit_test(test_c1_controls),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_valid_multibyte),
		cmocka_unit_test(test_cut_and_pad),
		cmocka_unit_test(test_cells),
		cmocka_unit_test(test_text_escape_buffer),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_one_bad_byte_anywhere),
		cmocka_unit_test(test_random_properties),
		cmocka_unit_test(test_exhaustive_pairs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
