// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * base/json: the reader's grammar (every RFC 8259 rule it enforces, each
 * with a failing input), positions and paths in errors, caps, streaming
 * through a read function, the document tree, and the writers (round trips).
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* clang-format off: cmocka.h needs the headers above */
#include <cmocka.h>
/* clang-format on */

#include "base/json.h"
#include "base/strbuf.h"

/* Parses text from an exact-size heap copy (so ASan sees an overread). */
static int parse(struct json_doc *d, const char *text, size_t len, struct strbuf *err)
{
	char *copy = malloc(len ? len : 1);
	int ret;

	memcpy(copy, text, len);
	ret = json_doc_parse(d, copy, len, err);
	free(copy);
	return ret;
}

static int parse_str(const char *text, struct strbuf *err)
{
	struct json_doc d;
	int ret;

	json_doc_init(&d, NULL);
	ret = parse(&d, text, strlen(text), err);
	json_doc_release(&d);
	return ret;
}

static void test_valid(void **state)
{
	static const char *const ok[] = {
		"0",
		"-0",
		"1.5",
		"-1.25e-3",
		"1E+2",
		"1e2",
		"\"\"",
		"true",
		"false",
		"null",
		"[]",
		"{}",
		" [ 1 , 2 ] ",
		"\n\t{\"a\" : [ {} , [] ] }\r\n",
		"\"\\u00e9\\ud83d\\ude00\"",
		"\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"",
		"\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"",
		"123456789012345678901234567890",
		"1e308",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct strbuf err = STRBUF_INIT;

		if (parse_str(ok[i], &err))
			fail_msg("'%s' refused: %s", ok[i], err.buf);
		strbuf_release(&err);
	}
}

struct bad {
	const char *text;
	int err;
	const char *msg; /* a part of the error sentence */
};

static void test_invalid(void **state)
{
	static const struct bad bad[] = {
		{ "", -ENODATA, "expected a value, found the end of the input" },
		{ "[1,]", -EINVAL, "expected a value, found ']'" },
		{ "{\"a\":1,}", -EINVAL, "expected a key in double quotes, found '}'" },
		{ "01", -EINVAL, "'01' is not a JSON number" },
		{ "+1", -EINVAL, "expected a value, found '+'" },
		{ "1.", -ENODATA, "not a JSON number" },
		{ "1.}", -EINVAL, "not a JSON number" },
		{ ".5", -EINVAL, "expected a value" },
		{ "-", -ENODATA, "not a JSON number" },
		{ "1e", -ENODATA, "not a JSON number" },
		{ "[1e]", -EINVAL, "'1e' is not a JSON number" },
		{ "[-]", -EINVAL, "'-' is not a JSON number" },
		{ "NaN", -EINVAL, "expected a value, found 'N'" },
		{ "Infinity", -EINVAL, "found 'I'" },
		{ "1e400", -ERANGE, "out of range" },
		{ "'a'", -EINVAL, "found '''" },
		{ "[1] // c", -EINVAL, "expected the end of the input after the value, found '/'" },
		{ "[1] [2]", -EINVAL, "after the value" },
		{ "tru", -ENODATA, "expected 'true'" },
		{ "nul!", -EINVAL, "expected 'null', found '!'" },
		{ "\"a\tb\"", -EINVAL, "control character 0x09" },
		{ "\"\\x\"", -EINVAL, "expected an escape" },
		{ "\"\\u12G4\"", -EINVAL, "a hex digit" },
		{ "\"\\ud800\"", -EINVAL, "unpaired high surrogate \\ud800" },
		{ "\"\\ud800\\u0041\"", -EINVAL, "unpaired high surrogate" },
		{ "\"\\udc00\"", -EINVAL, "unpaired low surrogate" },
		{ "\"\\u0000\"", -EINVAL, "NUL" },
		{ "\"\xc0\x80\"", -EINVAL, "invalid UTF-8 byte 0xc0" },
		{ "\"\xe0\x80\x80\"", -EINVAL, "invalid UTF-8 sequence" },
		{ "\"\xed\xa0\x80\"", -EINVAL, "invalid UTF-8 sequence" },
		{ "\"\xf4\x90\x80\x80\"", -EINVAL, "invalid UTF-8 sequence" },
		{ "\"\xff\"", -EINVAL, "invalid UTF-8 byte 0xff" },
		{ "\"\x80\"", -EINVAL, "invalid UTF-8 byte 0x80" },
		{ "\xef\xbb\xbf[]", -EINVAL, "byte order mark" },
		{ "{\"a\" 1}", -EINVAL, "expected ':' after the key, found '1'" },
		{ "{1:2}", -EINVAL, "expected a key in double quotes or '}', found '1'" },
		{ "[1 2]", -EINVAL, "expected ',' or ']', found '2'" },
		{ "{\"a\":1 \"b\":2}", -EINVAL, "expected ',' or '}'" },
		{ "{\"a\":1,\"a\":2}", -EINVAL, "duplicate key \"a\"" },
		{ "[\x01]", -EINVAL, "found byte 0x01" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct strbuf err = STRBUF_INIT;
		int ret = parse_str(bad[i].text, &err);

		if (ret != bad[i].err || !strstr(err.buf, bad[i].msg))
			fail_msg("'%s': got %d '%s', want %d '%s'", bad[i].text, ret, err.buf,
				 bad[i].err, bad[i].msg);
		strbuf_release(&err);
	}
}

/* Every proper prefix of a document is a truncated document: -ENODATA, never a crash or a pass. */
static void test_truncated_prefixes(void **state)
{
	static const char doc[] =
		"{\"a\": [1, -2.5e3, {\"b\": \"c\\u00e9\\ud83d\\ude00\xc3\xa9\"}],"
		" \"d\": true, \"e\": null, \"f\": false, \"g\": \"\\n\"}";

	(void)state;
	for (size_t len = 0; len < sizeof(doc) - 1; len++) {
		struct json_doc d;
		int ret;

		json_doc_init(&d, NULL);
		ret = parse(&d, doc, len, NULL);
		if (ret != -ENODATA)
			fail_msg("prefix of %zu bytes: %d", len, ret);
		json_doc_release(&d);
	}
	assert_int_equal(parse_str(doc, NULL), 0);
}

static void test_positions_and_paths(void **state)
{
	struct strbuf err = STRBUF_INIT;

	(void)state;
	assert_int_equal(
		parse_str("{\n  \"sysstat\": {\"hosts\": [\n    {\"a\": 1},\n    {\"b\": x}]}}",
			  &err),
		-EINVAL);
	assert_string_equal(err.buf,
			    "line 4, column 11, at $.sysstat.hosts[1].b: expected a value, "
			    "found 'x'");
	strbuf_reset(&err);
	assert_int_equal(parse_str("{\"net-dev\": [{\"if ace\": [1, 2, 3, }]}", &err), -EINVAL);
	assert_non_null(strstr(err.buf, "at $.net-dev[0][\"if ace\"][3]: expected a value"));
	strbuf_reset(&err);
	/* A long key is shortened in the path, never cut inside a UTF-8 sequence. */
	assert_int_equal(
		parse_str("{\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3"
			  "\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3"
			  "\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\": ?}",
			  &err),
		-EINVAL);
	assert_non_null(strstr(err.buf, "\"]...: expected a value"));
	strbuf_release(&err);
}

static void test_caps(void **state)
{
	struct json_limits lim = json_limits_default;
	struct strbuf text = STRBUF_INIT, err = STRBUF_INIT;
	struct json_doc d;

	(void)state;
	lim.max_depth = 4;
	lim.max_string_len = 8;
	lim.max_nodes = 5;
	lim.max_text_len = 16;
	json_doc_init(&d, &lim);
	assert_int_equal(parse(&d, "[[[[1]]]]", 9, NULL), 0);
	assert_int_equal(parse(&d, "[[[[[1]]]]]", 11, &err), -E2BIG);
	assert_non_null(strstr(err.buf, "nested deeper than 4"));
	assert_int_equal(parse(&d, "\"12345678\"", 10, NULL), 0);
	strbuf_reset(&err);
	assert_int_equal(parse(&d, "\"123456789\"", 11, &err), -E2BIG);
	assert_non_null(strstr(err.buf, "string longer than 8 bytes"));
	/* a multi-byte character that would pass the cap is refused whole */
	assert_int_equal(parse(&d, "\"1234567\xc3\xa9\"", 11, NULL), -E2BIG);
	assert_int_equal(parse(&d, "[1,2,3,4]", 9, NULL), 0);
	strbuf_reset(&err);
	assert_int_equal(parse(&d, "[1,2,3,4,5]", 11, &err), -E2BIG);
	assert_non_null(strstr(err.buf, "more than 5 values"));
	strbuf_reset(&err);
	assert_int_equal(parse(&d, "[\"1234567\",\"1234567\"]", 21, &err), -E2BIG);
	assert_non_null(strstr(err.buf, "more than 16 bytes of text"));
	json_doc_release(&d);
	/* numbers are capped at 128 characters */
	for (int i = 0; i < 129; i++)
		strbuf_addch(&text, '1');
	strbuf_reset(&err);
	assert_int_equal(parse_str(text.buf, &err), -E2BIG);
	assert_non_null(strstr(err.buf, "number longer than 128"));
	strbuf_release(&text);
	strbuf_release(&err);
}

static void test_doc(void **state)
{
	static const char text[] =
		"{\"name\": \"x\", \"list\": [1, 2.5, -3e2], \"t\": "
		"-9223372036854775808, \"big\": 9223372036854775808, \"f\": 1.0, "
		"\"e\": 1e3, \"s\": \"caf\\u00e9\", \"o\": {}, \"n\": null}";
	const struct json_value *root, *v, *c;
	struct json_doc d;
	int64_t i64 = 0;
	double sum = 0;

	(void)state;
	json_doc_init(&d, NULL);
	assert_int_equal(parse(&d, text, sizeof(text) - 1, NULL), 0);
	root = json_doc_root(&d);
	assert_int_equal(root->type, JSON_OBJECT);
	assert_int_equal(root->nr, 9);
	assert_string_equal(json_str(&d, json_get(&d, root, "name")), "x");
	assert_null(json_get(&d, root, "nope"));
	v = json_get(&d, root, "list");
	assert_int_equal(v->type, JSON_ARRAY);
	assert_int_equal(v->nr, 3);
	for (c = json_first(&d, v); c; c = json_sibling(&d, c)) {
		assert_string_equal(json_key(&d, c), "");
		sum += c->num;
	}
	assert_true(sum == 1 + 2.5 - 300);
	assert_null(json_get(&d, v, "x")); /* not an object */
	assert_int_equal(json_int64(&d, json_get(&d, root, "t"), &i64), 0);
	assert_true(i64 == INT64_MIN);
	assert_int_equal(json_int64(&d, json_get(&d, root, "big"), &i64), -ERANGE);
	assert_int_equal(json_int64(&d, json_get(&d, root, "f"), &i64), -EINVAL);
	assert_int_equal(json_int64(&d, json_get(&d, root, "e"), &i64), -EINVAL);
	assert_int_equal(json_int64(&d, json_get(&d, root, "name"), &i64), -EINVAL);
	assert_string_equal(json_str(&d, json_get(&d, root, "s")), "caf\xc3\xa9");
	assert_string_equal(json_str(&d, json_get(&d, root, "f")), "1.0");
	assert_int_equal(json_get(&d, root, "o")->nr, 0);
	assert_null(json_first(&d, json_get(&d, root, "o")));
	assert_int_equal(json_get(&d, root, "n")->type, JSON_NULL);
	assert_string_equal(json_type_name(JSON_OBJECT), "an object");
	/* keys keep the document's order */
	c = json_first(&d, root);
	assert_string_equal(json_key(&d, c), "name");
	assert_string_equal(json_key(&d, json_sibling(&d, c)), "list");
	json_doc_release(&d);
}

struct chunks {
	const char *text;
	size_t len, pos, step;
	int fail_at; /* return -EIO once pos reaches this (when >= 0) */
};

static ssize_t read_chunks(void *arg, char *buf, size_t cap)
{
	struct chunks *c = arg;
	size_t n = c->len - c->pos;

	if (c->fail_at >= 0 && c->pos >= (size_t)c->fail_at)
		return -EIO;
	if (n > c->step)
		n = c->step;
	if (n > cap)
		n = cap;
	memcpy(buf, c->text + c->pos, n);
	c->pos += n;
	return (ssize_t)n;
}

/* Tokens and their texts, one line per token, for comparing two readers. */
static void tokens(struct json_reader *r, struct strbuf *out)
{
	for (;;) {
		enum json_token t = json_next(r);

		strbuf_addf(out, "%d %s %s\n", t,
			    t == JSON_TOK_KEY || t == JSON_TOK_STRING || t == JSON_TOK_NUMBER ?
				    json_reader_text(r) :
				    "",
			    json_reader_path(r));
		if (t == JSON_TOK_END || t == JSON_TOK_ERROR)
			return;
	}
}

static void test_stream(void **state)
{
	static const char text[] =
		"{\"a\": [1, \"x\\u00e9\xc3\xa9\", {\"b\": [true, false, null]}],"
		"\n \"long\": 123456789.125e-3}";
	struct strbuf mem = STRBUF_INIT, str = STRBUF_INIT;
	struct json_reader r;

	(void)state;
	json_reader_init_mem(&r, text, sizeof(text) - 1, NULL);
	tokens(&r, &mem);
	json_reader_release(&r);
	assert_non_null(strstr(mem.buf, "5 long $.long\n"));
	assert_non_null(strstr(mem.buf, "6 x\xc3\xa9\xc3\xa9 $.a[1]\n"));
	for (size_t step = 1; step <= 7; step++) {
		struct chunks c = { text, sizeof(text) - 1, 0, step, -1 };

		strbuf_reset(&str);
		json_reader_init_stream(&r, read_chunks, &c, NULL);
		tokens(&r, &str);
		json_reader_release(&r);
		assert_string_equal(str.buf, mem.buf);
	}
	/* a read error is reported as itself, with the position it stopped at */
	{
		struct chunks c = { text, sizeof(text) - 1, 0, 4, 12 };

		json_reader_init_stream(&r, read_chunks, &c, NULL);
		assert_int_equal(json_skip(&r, json_next(&r)), -EIO);
		assert_non_null(strstr(json_reader_error(&r), "line 1, column 13"));
		assert_non_null(strstr(json_reader_error(&r), "cannot read the input"));
		/* the error sticks */
		assert_int_equal(json_next(&r), JSON_TOK_ERROR);
		json_reader_release(&r);
	}
	strbuf_release(&mem);
	strbuf_release(&str);
}

static void test_skip(void **state)
{
	static const char text[] = "{\"skip\": {\"x\": [1, {\"y\": []}]}, \"keep\": 7}";
	struct json_reader r;

	(void)state;
	json_reader_init_mem(&r, text, sizeof(text) - 1, NULL);
	assert_int_equal(json_next(&r), JSON_TOK_OBJECT_BEGIN);
	assert_int_equal(json_next(&r), JSON_TOK_KEY);
	assert_int_equal(json_skip(&r, json_next(&r)), 0);
	assert_int_equal(json_next(&r), JSON_TOK_KEY);
	assert_string_equal(json_reader_text(&r), "keep");
	assert_int_equal(json_skip(&r, json_next(&r)), 0); /* a scalar: nothing more to skip */
	assert_true(json_reader_number(&r) == 7);
	assert_int_equal(json_next(&r), JSON_TOK_OBJECT_END);
	assert_int_equal(json_next(&r), JSON_TOK_END);
	assert_int_equal(json_reader_errno(&r), 0);
	assert_string_equal(json_reader_error(&r), "");
	json_reader_release(&r);
}

static void test_add_string(void **state)
{
	static const char in[] = "a\"b\\c\nd\te\rf\x01g\x1f\x7fh\xc3\xa9/";
	struct strbuf sb = STRBUF_INIT;
	struct json_doc d;

	(void)state;
	assert_int_equal(json_add_string(&sb, in, sizeof(in) - 1), 0);
	assert_string_equal(sb.buf, "\"a\\\"b\\\\c\\nd\\te\\rf\\u0001g\\u001f\x7fh\xc3\xa9/\"");
	json_doc_init(&d, NULL);
	assert_int_equal(json_doc_parse(&d, sb.buf, sb.len, NULL), 0);
	assert_string_equal(json_str(&d, json_doc_root(&d)), in);
	json_doc_release(&d);
	strbuf_reset(&sb);
	assert_int_equal(json_add_string(&sb, "a\xff", 2), -EILSEQ);
	assert_int_equal(json_add_string(&sb, "a\0b", 3), -EILSEQ);
	assert_int_equal(json_add_string(&sb, "\xed\xa0\x80", 3), -EILSEQ);
	assert_int_equal(json_add_string(&sb, "\xc3", 1), -EILSEQ);
	assert_int_equal(sb.len, 0);
	assert_true(json_utf8_valid("\xf0\x9f\x98\x80", 4));
	assert_false(json_utf8_valid("\xf0\x9f\x98", 3));
	strbuf_release(&sb);
}

static double number_round_trip(double v, struct strbuf *sb)
{
	struct json_doc d;
	double back;

	strbuf_reset(sb);
	assert_int_equal(json_add_number(sb, v), 0);
	json_doc_init(&d, NULL);
	if (json_doc_parse(&d, sb->buf, sb->len, NULL))
		fail_msg("%.17g wrote '%s', which does not parse", v, sb->buf);
	back = json_doc_root(&d)->num;
	json_doc_release(&d);
	return back;
}

static void test_add_number(void **state)
{
	static const double fixed[] = { 0,
					1,
					-1,
					0.1,
					1.0 / 3,
					1e300,
					-2.5e-300,
					4.9e-324,
					9007199254740991.0,
					9007199254740992.0,
					1.7976931348623157e308,
					123456789.125,
					1764430000000.0 };
	struct strbuf sb = STRBUF_INIT;
	uint64_t x = 0x9e3779b97f4a7c15ull;

	(void)state;
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		assert_true(number_round_trip(fixed[i], &sb) == fixed[i]);
	number_round_trip(1764430000000.0, &sb);
	assert_string_equal(sb.buf, "1764430000000");
	number_round_trip(0.1, &sb);
	assert_string_equal(sb.buf, "0.1");
	number_round_trip(-42, &sb);
	assert_string_equal(sb.buf, "-42");
	/* random bit patterns: every finite double comes back exactly */
	for (int i = 0; i < 20000; i++) {
		double v;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(&v, &x, sizeof(v));
		if (!isfinite(v))
			continue;
		if (number_round_trip(v, &sb) != v)
			fail_msg("%a wrote '%s'", v, sb.buf);
	}
	strbuf_reset(&sb);
	assert_int_equal(json_add_number(&sb, NAN), 0);
	assert_string_equal(sb.buf, "null");
	strbuf_reset(&sb);
	assert_int_equal(json_add_number(&sb, INFINITY), -ERANGE);
	assert_int_equal(json_add_number(&sb, -INFINITY), -ERANGE);
	assert_int_equal(sb.len, 0);
	strbuf_release(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_truncated_prefixes),
		cmocka_unit_test(test_positions_and_paths),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_doc),
		cmocka_unit_test(test_stream),
		cmocka_unit_test(test_skip),
		cmocka_unit_test(test_add_string),
		cmocka_unit_test(test_add_number),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
