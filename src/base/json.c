// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The JSON reader: a pull tokenizer with a container stack, the path of the
 * current value and line/column positions.  It consumes one byte at a time
 * through peek()/advance(), so a stream is read through a fixed window and a
 * token may straddle two reads; decoded text goes to r->text as it is read,
 * so nothing refers back into the window.  The document tree is in
 * json_doc.c.
 */
#include "base/json.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

#define WIN_CAP	       65536
#define NUMBER_MAX_LEN 128
#define PATH_KEY_MAX   40

const struct json_limits json_limits_default = {
	.max_depth = 64,
	.max_string_len = 65536,
	.max_nodes = 1u << 20,
	.max_text_len = 16u << 20,
};

enum expect {
	EXPECT_VALUE,
	EXPECT_VALUE_OR_END, /* just after '[' */
	EXPECT_KEY,
	EXPECT_KEY_OR_END, /* just after '{' */
	EXPECT_COMMA_OR_END,
	EXPECT_EOF,
};

static void reader_init(struct json_reader *r, const struct json_limits *lim)
{
	memset(r, 0, sizeof(*r));
	r->lim = lim ? *lim : json_limits_default;
	if (r->lim.max_depth == 0)
		r->lim.max_depth = 1;
	r->line = 1;
	r->col = 1;
	r->stack = xmalloc(r->lim.max_depth);
	r->index = xcalloc(r->lim.max_depth, sizeof(*r->index));
	r->path_base = xcalloc(r->lim.max_depth, sizeof(*r->path_base));
	r->expect = EXPECT_VALUE;
	strbuf_init(&r->text, 64);
	strbuf_init(&r->path, 64);
	strbuf_init(&r->err_msg, 0);
	strbuf_addch(&r->path, '$');
}

void json_reader_init_mem(struct json_reader *r, const char *buf, size_t len,
			  const struct json_limits *lim)
{
	reader_init(r, lim);
	r->buf = buf;
	r->len = len;
	r->eof = true;
}

void json_reader_init_stream(struct json_reader *r, json_read_fn fn, void *arg,
			     const struct json_limits *lim)
{
	reader_init(r, lim);
	r->read = fn;
	r->read_arg = arg;
	r->win = xmalloc(WIN_CAP);
	r->buf = r->win;
}

void json_reader_release(struct json_reader *r)
{
	free(r->stack);
	free(r->index);
	free(r->path_base);
	free(r->win);
	strbuf_release(&r->text);
	strbuf_release(&r->path);
	strbuf_release(&r->err_msg);
	memset(r, 0, sizeof(*r));
}

/* The next byte (0..255), or -1 at the end of the input or on a read error. */
static int peek(struct json_reader *r)
{
	ssize_t n;

	if (r->pos < r->len)
		return (unsigned char)r->buf[r->pos];
	if (r->eof)
		return -1;
	n = r->read(r->read_arg, r->win, WIN_CAP);
	if (n <= 0) {
		r->eof = true;
		r->read_err = n < 0 ? (int)n : 0;
		return -1;
	}
	r->buf = r->win;
	r->len = (size_t)n;
	r->pos = 0;
	return (unsigned char)r->buf[0];
}

static void advance(struct json_reader *r)
{
	if (r->buf[r->pos++] == '\n') {
		r->line++;
		r->col = 1;
	} else {
		r->col++;
	}
}

int json_reader_fail(struct json_reader *r, int err, const char *fmt, ...)
{
	va_list ap;

	if (r->err)
		return r->err;
	r->err = err;
	strbuf_addf(&r->err_msg, "line %llu, column %llu, at %s: ", (unsigned long long)r->line,
		    (unsigned long long)r->col, r->path.buf);
	va_start(ap, fmt);
	strbuf_vaddf(&r->err_msg, fmt, ap);
	va_end(ap);
	return err;
}

/* Describes byte c (from peek) for an error message. */
static void describe(char *buf, size_t cap, int c)
{
	if (c < 0)
		snprintf(buf, cap, "the end of the input");
	else if (c > ' ' && c < 0x7f)
		snprintf(buf, cap, "'%c'", c);
	else
		snprintf(buf, cap, "byte 0x%02x", c);
}

static enum json_token fail_expected(struct json_reader *r, int c, const char *what)
{
	char found[32];

	if (c < 0 && r->read_err) {
		json_reader_fail(r, r->read_err, "cannot read the input: %s",
				 strerror(-r->read_err));
		return JSON_TOK_ERROR;
	}
	describe(found, sizeof(found), c);
	json_reader_fail(r, c < 0 ? -ENODATA : -EINVAL, "expected %s, found %s", what, found);
	return JSON_TOK_ERROR;
}

static void skip_ws(struct json_reader *r)
{
	for (;;) {
		int c = peek(r);

		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			return;
		advance(r);
	}
}

static void path_truncate(struct json_reader *r, size_t len)
{
	r->path.len = len;
	r->path.buf[len] = '\0';
}

static bool is_ident(const char *s, size_t len)
{
	if (!len || (s[0] >= '0' && s[0] <= '9') || s[0] == '-')
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-'))
			return false;
	}
	return true;
}

/* Appends the current key to the path: .key, or ["key"] when it is not a plain word. */
static void path_set_key(struct json_reader *r)
{
	size_t len = r->text.len;
	bool cut = len > PATH_KEY_MAX;

	path_truncate(r, r->path_base[r->depth - 1]);
	if (cut) {
		len = PATH_KEY_MAX;
		while (len && ((unsigned char)r->text.buf[len] & 0xc0) == 0x80)
			len--; /* never cut inside a UTF-8 sequence */
	}
	if (is_ident(r->text.buf, len)) {
		strbuf_addch(&r->path, '.');
		strbuf_add(&r->path, r->text.buf, len);
	} else {
		strbuf_addch(&r->path, '[');
		json_add_string(&r->path, r->text.buf, len);
		strbuf_addch(&r->path, ']');
	}
	if (cut)
		strbuf_addstr(&r->path, "...");
}

static void path_set_index(struct json_reader *r)
{
	path_truncate(r, r->path_base[r->depth - 1]);
	strbuf_addf(&r->path, "[%u]", r->index[r->depth - 1]);
}

static enum json_token push(struct json_reader *r, char kind)
{
	if (r->depth >= r->lim.max_depth) {
		json_reader_fail(r, -E2BIG, "arrays and objects nested deeper than %u",
				 r->lim.max_depth);
		return JSON_TOK_ERROR;
	}
	advance(r);
	r->stack[r->depth] = (uint8_t)kind;
	r->index[r->depth] = 0;
	r->path_base[r->depth] = r->path.len;
	r->depth++;
	if (kind == '[') {
		r->expect = EXPECT_VALUE_OR_END;
		return JSON_TOK_ARRAY_BEGIN;
	}
	r->expect = EXPECT_KEY_OR_END;
	return JSON_TOK_OBJECT_BEGIN;
}

static void after_value(struct json_reader *r)
{
	r->expect = r->depth ? EXPECT_COMMA_OR_END : EXPECT_EOF;
}

static enum json_token pop(struct json_reader *r)
{
	char kind = (char)r->stack[--r->depth];

	advance(r);
	path_truncate(r, r->path_base[r->depth]);
	after_value(r);
	return kind == '[' ? JSON_TOK_ARRAY_END : JSON_TOK_OBJECT_END;
}

static int text_add(struct json_reader *r, const void *p, size_t len)
{
	if (r->text.len + len > r->lim.max_string_len)
		return json_reader_fail(r, -E2BIG, "string longer than %u bytes",
					r->lim.max_string_len);
	strbuf_add(&r->text, p, len);
	return 0;
}

static int add_code_point(struct json_reader *r, uint32_t cp)
{
	unsigned char b[4];
	size_t n;

	if (cp < 0x80) {
		b[0] = (unsigned char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (unsigned char)(0xc0 | cp >> 6);
		b[1] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (unsigned char)(0xe0 | cp >> 12);
		b[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		b[2] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (unsigned char)(0xf0 | cp >> 18);
		b[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
		b[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		b[3] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	return text_add(r, b, n);
}

static int hex4(struct json_reader *r, uint32_t *out)
{
	uint32_t v = 0;

	for (int i = 0; i < 4; i++) {
		int c = peek(r);

		if (c >= '0' && c <= '9')
			v = v << 4 | (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v = v << 4 | (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v = v << 4 | (uint32_t)(c - 'A' + 10);
		else {
			fail_expected(r, c, "a hex digit in a \\u escape");
			return r->err;
		}
		advance(r);
	}
	*out = v;
	return 0;
}

/* After "\u": one escaped code point, joining a surrogate pair. */
static int lex_unicode(struct json_reader *r)
{
	uint32_t cp, lo;

	if (hex4(r, &cp))
		return r->err;
	if (cp >= 0xdc00 && cp <= 0xdfff)
		return json_reader_fail(r, -EINVAL, "unpaired low surrogate \\u%04x", cp);
	if (cp >= 0xd800 && cp <= 0xdbff) {
		for (const char *p = "\\u"; *p; p++) {
			int c = peek(r);

			if (c < 0) {
				fail_expected(r, c, "the low half of a surrogate pair");
				return r->err;
			}
			if (c != *p)
				return json_reader_fail(r, -EINVAL,
							"unpaired high surrogate \\u%04x", cp);
			advance(r);
		}
		if (hex4(r, &lo))
			return r->err;
		if (lo < 0xdc00 || lo > 0xdfff)
			return json_reader_fail(r, -EINVAL, "unpaired high surrogate \\u%04x", cp);
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
	}
	if (cp == 0)
		return json_reader_fail(r, -EINVAL, "\\u0000 (a NUL character) is not accepted");
	return add_code_point(r, cp);
}

static int lex_escape(struct json_reader *r)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	int c = peek(r);
	const char *p;

	if (c == 'u') {
		advance(r);
		return lex_unicode(r);
	}
	p = c > 0 ? strchr(from, c) : NULL;
	if (!p) {
		fail_expected(r, c, "an escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)");
		return r->err;
	}
	advance(r);
	return text_add(r, &to[p - from], 1);
}

/* One multi-byte UTF-8 sequence whose lead byte c0 is at the reader's position. */
static int lex_utf8(struct json_reader *r, int c0)
{
	int need = 0, lo = 0x80, hi = 0xbf;
	unsigned char seq[4];

	if (c0 >= 0xc2 && c0 <= 0xdf)
		need = 1;
	else if (c0 >= 0xe0 && c0 <= 0xef)
		need = 2;
	else if (c0 >= 0xf0 && c0 <= 0xf4)
		need = 3;
	if (!need)
		return json_reader_fail(r, -EINVAL, "invalid UTF-8 byte 0x%02x in a string", c0);
	if (c0 == 0xe0)
		lo = 0xa0; /* overlong */
	else if (c0 == 0xed)
		hi = 0x9f; /* surrogates */
	else if (c0 == 0xf0)
		lo = 0x90; /* overlong */
	else if (c0 == 0xf4)
		hi = 0x8f; /* above U+10FFFF */
	seq[0] = (unsigned char)c0;
	advance(r);
	for (int i = 1; i <= need; i++) {
		int c = peek(r);

		if (c < lo || c > hi)
			return json_reader_fail(r, c < 0 ? -ENODATA : -EINVAL,
						"invalid UTF-8 sequence in a string");
		seq[i] = (unsigned char)c;
		advance(r);
		lo = 0x80;
		hi = 0xbf;
	}
	return text_add(r, seq, (size_t)need + 1);
}

/* After the opening quote: the string's decoded text into r->text. */
static int lex_string(struct json_reader *r)
{
	strbuf_reset(&r->text);
	for (;;) {
		int c = peek(r);
		char ch = (char)c;

		if (c < 0) {
			fail_expected(r, c, "the closing '\"' of a string");
			return r->err;
		}
		if (c == '"') {
			advance(r);
			return 0;
		}
		if (c < 0x20)
			return json_reader_fail(
				r, -EINVAL, "control character 0x%02x in a string (escape it)", c);
		if (c == '\\') {
			advance(r);
			if (lex_escape(r))
				return r->err;
		} else if (c >= 0x80) {
			if (lex_utf8(r, c))
				return r->err;
		} else {
			advance(r);
			if (text_add(r, &ch, 1))
				return r->err;
		}
	}
}

static bool digits(const char **p, const char *end)
{
	const char *s = *p;

	while (*p < end && **p >= '0' && **p <= '9')
		(*p)++;
	return *p > s;
}

/* RFC 8259: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)? */
static bool number_ok(const char *s, size_t len)
{
	const char *p = s, *end = s + len;

	if (p < end && *p == '-')
		p++;
	if (p < end && *p == '0')
		p++;
	else if (!digits(&p, end))
		return false;
	if (p < end && *p == '.') {
		p++;
		if (!digits(&p, end))
			return false;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (!digits(&p, end))
			return false;
	}
	return p == end;
}

static enum json_token lex_number(struct json_reader *r)
{
	char *end;
	int c;

	strbuf_reset(&r->text);
	while ((c = peek(r)) >= 0 && strchr("0123456789+-.eE", c)) {
		char ch = (char)c;

		if (r->text.len >= NUMBER_MAX_LEN) {
			json_reader_fail(r, -E2BIG, "number longer than %d characters",
					 NUMBER_MAX_LEN);
			return JSON_TOK_ERROR;
		}
		strbuf_add(&r->text, &ch, 1);
		advance(r);
	}
	if (!number_ok(r->text.buf, r->text.len)) {
		/* "-", "1." or "1e" at the very end: the input was cut there */
		bool cut = c < 0 && !r->read_err && strchr("-+.eE", r->text.buf[r->text.len - 1]);

		json_reader_fail(r, cut ? -ENODATA : -EINVAL, "'%s' is not a JSON number",
				 r->text.buf);
		return JSON_TOK_ERROR;
	}
	errno = 0;
	r->num = strtod(r->text.buf, &end);
	if (end != r->text.buf + r->text.len) {
		json_reader_fail(r, -EINVAL, "cannot convert '%s' (numeric locale?)", r->text.buf);
		return JSON_TOK_ERROR;
	}
	if (isinf(r->num)) {
		json_reader_fail(r, -ERANGE, "number '%s' out of range", r->text.buf);
		return JSON_TOK_ERROR;
	}
	after_value(r);
	return JSON_TOK_NUMBER;
}

static enum json_token lex_literal(struct json_reader *r, const char *word, enum json_token tok)
{
	for (const char *p = word; *p; p++) {
		if (peek(r) != *p) {
			char what[16];

			snprintf(what, sizeof(what), "'%s'", word);
			return fail_expected(r, peek(r), what);
		}
		advance(r);
	}
	after_value(r);
	return tok;
}

static enum json_token lex_value(struct json_reader *r, int c)
{
	switch (c) {
	case '{':
		return push(r, '{');
	case '[':
		return push(r, '[');
	case '"':
		advance(r);
		if (lex_string(r))
			return JSON_TOK_ERROR;
		after_value(r);
		return JSON_TOK_STRING;
	case 't':
		return lex_literal(r, "true", JSON_TOK_TRUE);
	case 'f':
		return lex_literal(r, "false", JSON_TOK_FALSE);
	case 'n':
		return lex_literal(r, "null", JSON_TOK_NULL);
	default:
		if (c == '-' || (c >= '0' && c <= '9'))
			return lex_number(r);
		if (c == 0xef && r->line == 1 && r->col == 1)
			return fail_expected(r, c, "a value (a byte order mark is not JSON)");
		return fail_expected(
			r, c, r->expect == EXPECT_VALUE_OR_END ? "a value or ']'" : "a value");
	}
}

static enum json_token lex_key(struct json_reader *r, int c)
{
	if (c == '}' && r->expect == EXPECT_KEY_OR_END)
		return pop(r);
	if (c != '"')
		return fail_expected(r, c,
				     r->expect == EXPECT_KEY_OR_END ?
					     "a key in double quotes or '}'" :
					     "a key in double quotes");
	advance(r);
	if (lex_string(r))
		return JSON_TOK_ERROR;
	path_set_key(r);
	skip_ws(r);
	c = peek(r);
	if (c != ':')
		return fail_expected(r, c, "':' after the key");
	advance(r);
	r->expect = EXPECT_VALUE;
	return JSON_TOK_KEY;
}

static enum json_token after_comma_or_end(struct json_reader *r, int c)
{
	bool in_array = r->stack[r->depth - 1] == '[';

	if (c == (in_array ? ']' : '}'))
		return pop(r);
	if (c != ',')
		return fail_expected(r, c, in_array ? "',' or ']'" : "',' or '}'");
	advance(r);
	if (in_array) {
		r->index[r->depth - 1]++;
		path_set_index(r);
		r->expect = EXPECT_VALUE;
	} else {
		r->expect = EXPECT_KEY;
	}
	return JSON_TOK_END; /* not a token: the caller goes on */
}

enum json_token json_next(struct json_reader *r)
{
	for (;;) {
		enum json_token tok;
		int c;

		if (r->err)
			return JSON_TOK_ERROR;
		skip_ws(r);
		c = peek(r);
		switch (r->expect) {
		case EXPECT_EOF:
			if (c >= 0)
				return fail_expected(r, c, "the end of the input after the value");
			if (r->read_err)
				return fail_expected(r, c, "");
			return JSON_TOK_END;
		case EXPECT_COMMA_OR_END:
			tok = after_comma_or_end(r, c);
			if (tok != JSON_TOK_END)
				return tok;
			break;
		case EXPECT_KEY:
		case EXPECT_KEY_OR_END:
			return lex_key(r, c);
		default:
			if (r->expect == EXPECT_VALUE_OR_END) {
				if (c == ']')
					return pop(r);
				path_set_index(r); /* the first element */
			}
			return lex_value(r, c);
		}
	}
}

int json_skip(struct json_reader *r, enum json_token first)
{
	uint32_t depth;

	if (first == JSON_TOK_ERROR)
		return r->err;
	if (first != JSON_TOK_OBJECT_BEGIN && first != JSON_TOK_ARRAY_BEGIN)
		return 0;
	depth = 1;
	while (depth) {
		enum json_token t = json_next(r);

		if (t == JSON_TOK_ERROR)
			return r->err;
		if (t == JSON_TOK_OBJECT_BEGIN || t == JSON_TOK_ARRAY_BEGIN)
			depth++;
		else if (t == JSON_TOK_OBJECT_END || t == JSON_TOK_ARRAY_END)
			depth--;
	}
	return 0;
}

const char *json_reader_text(const struct json_reader *r)
{
	return r->text.buf;
}

size_t json_reader_text_len(const struct json_reader *r)
{
	return r->text.len;
}

double json_reader_number(const struct json_reader *r)
{
	return r->num;
}

const char *json_reader_path(const struct json_reader *r)
{
	return r->path.buf;
}

int json_reader_errno(const struct json_reader *r)
{
	return r->err;
}

void json_reader_set_line(struct json_reader *r, uint64_t line)
{
	r->line = line;
}

const char *json_reader_error(const struct json_reader *r)
{
	return r->err_msg.buf;
}
