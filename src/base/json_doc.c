// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The JSON document tree (nodes in one array, text in one buffer, both
 * capped) built from the reader's tokens, and the writing helpers.
 * Nodes refer to each other by index while the tree grows, since the array
 * moves when it does.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "base/xalloc.h"

void json_doc_init(struct json_doc *d, const struct json_limits *lim)
{
	memset(d, 0, sizeof(*d));
	d->lim = lim ? *lim : json_limits_default;
	strbuf_init(&d->text, 0);
}

void json_doc_release(struct json_doc *d)
{
	free(d->v);
	free(d->scratch);
	strbuf_release(&d->text);
	memset(d, 0, sizeof(*d));
}

static int new_node(struct json_doc *d, struct json_reader *r, enum json_type type, uint32_t *idx)
{
	if (d->nr >= d->lim.max_nodes)
		return json_reader_fail(r, -E2BIG, "more than %u values", d->lim.max_nodes);
	ALLOC_GROW(d->v, d->nr + 1, d->cap);
	memset(&d->v[d->nr], 0, sizeof(d->v[0]));
	d->v[d->nr].type = type;
	*idx = (uint32_t)d->nr++;
	return 0;
}

/* Copies the reader's current text (with its NUL) into the doc. */
static int add_text(struct json_doc *d, struct json_reader *r, uint32_t *off)
{
	size_t len = json_reader_text_len(r) + 1;

	if (d->text.len + len > d->lim.max_text_len)
		return json_reader_fail(r, -E2BIG, "more than %u bytes of text",
					d->lim.max_text_len);
	*off = (uint32_t)d->text.len;
	strbuf_add(&d->text, json_reader_text(r), len);
	return 0;
}

static int cmp_key(const void *a, const void *b, void *arg)
{
	const char *text = arg;

	return strcmp(text + *(const uint32_t *)a, text + *(const uint32_t *)b);
}

/* Sorts the object's keys in scratch and looks for two equal neighbours: O(n log n). */
static int check_duplicates(struct json_doc *d, struct json_reader *r, uint32_t obj)
{
	size_t n = 0;

	ALLOC_GROW(d->scratch, d->v[obj].nr, d->scratch_cap);
	for (uint32_t c = d->v[obj].first; c; c = d->v[c].next)
		d->scratch[n++] = d->v[c].key;
	qsort_r(d->scratch, n, sizeof(*d->scratch), cmp_key, d->text.buf);
	for (size_t i = 1; i < n; i++)
		if (!strcmp(d->text.buf + d->scratch[i - 1], d->text.buf + d->scratch[i]))
			return json_reader_fail(r, -EINVAL, "duplicate key \"%s\" in an object",
						d->text.buf + d->scratch[i]);
	return 0;
}

static int build(struct json_doc *d, struct json_reader *r, enum json_token tok, uint32_t *out);

/* The members or elements of the container at index idx, up to its end token. */
static int build_children(struct json_doc *d, struct json_reader *r, uint32_t idx, bool object)
{
	uint32_t last = 0, key = 0, child;

	for (;;) {
		enum json_token t = json_next(r);

		if (t == JSON_TOK_ERROR)
			return json_reader_errno(r);
		if (t == JSON_TOK_OBJECT_END || t == JSON_TOK_ARRAY_END)
			break;
		if (object) {
			if (add_text(d, r, &key))
				return json_reader_errno(r);
			t = json_next(r);
		}
		if (build(d, r, t, &child))
			return json_reader_errno(r);
		d->v[child].key = key;
		if (last)
			d->v[last].next = child;
		else
			d->v[idx].first = child;
		last = child;
		d->v[idx].nr++;
	}
	return object && d->v[idx].nr > 1 ? check_duplicates(d, r, idx) : 0;
}

static int build(struct json_doc *d, struct json_reader *r, enum json_token tok, uint32_t *out)
{
	static const enum json_type types[] = {
		[JSON_TOK_OBJECT_BEGIN] = JSON_OBJECT, [JSON_TOK_ARRAY_BEGIN] = JSON_ARRAY,
		[JSON_TOK_STRING] = JSON_STRING,       [JSON_TOK_NUMBER] = JSON_NUMBER,
		[JSON_TOK_TRUE] = JSON_TRUE,	       [JSON_TOK_FALSE] = JSON_FALSE,
		[JSON_TOK_NULL] = JSON_NULL,
	};

	uint32_t idx = 0,
		 off = 0; /* set before use; gcc -O2 cannot see through new_node()'s errors */

	if (tok == JSON_TOK_ERROR)
		return json_reader_errno(r);
	if (tok <= JSON_TOK_END || tok == JSON_TOK_OBJECT_END || tok == JSON_TOK_ARRAY_END ||
	    tok == JSON_TOK_KEY)
		return json_reader_fail(r, -EINVAL, "expected a value");
	if (new_node(d, r, types[tok], &idx))
		return json_reader_errno(r);
	*out = idx;
	switch (tok) {
	case JSON_TOK_STRING:
	case JSON_TOK_NUMBER:
		if (add_text(d, r, &off))
			return json_reader_errno(r);
		d->v[idx].text = off;
		d->v[idx].num = tok == JSON_TOK_NUMBER ? json_reader_number(r) : 0;
		return 0;
	case JSON_TOK_OBJECT_BEGIN:
	case JSON_TOK_ARRAY_BEGIN:
		return build_children(d, r, idx, tok == JSON_TOK_OBJECT_BEGIN);
	default:
		return 0;
	}
}

int json_doc_read(struct json_doc *d, struct json_reader *r, enum json_token first)
{
	uint32_t root;

	d->nr = 0;
	strbuf_reset(&d->text);
	strbuf_addch(&d->text, '\0'); /* offset 0 is "" */
	if (build(d, r, first, &root)) {
		d->nr = 0;
		return json_reader_errno(r);
	}
	return 0;
}

int json_doc_parse(struct json_doc *d, const char *buf, size_t len, struct strbuf *err)
{
	struct json_reader r;
	int ret;

	json_reader_init_mem(&r, buf, len, &d->lim);
	ret = json_doc_read(d, &r, json_next(&r));
	if (!ret && json_next(&r) != JSON_TOK_END)
		ret = json_reader_errno(&r);
	if (ret) {
		d->nr = 0;
		if (err)
			strbuf_addstr(err, json_reader_error(&r));
	}
	json_reader_release(&r);
	return ret;
}

const struct json_value *json_doc_root(const struct json_doc *d)
{
	return d->nr ? &d->v[0] : NULL;
}

const struct json_value *json_first(const struct json_doc *d, const struct json_value *v)
{
	return v && v->first ? &d->v[v->first] : NULL;
}

const struct json_value *json_sibling(const struct json_doc *d, const struct json_value *v)
{
	return v && v->next ? &d->v[v->next] : NULL;
}

const struct json_value *json_get(const struct json_doc *d, const struct json_value *obj,
				  const char *key)
{
	if (!obj || obj->type != JSON_OBJECT)
		return NULL;
	for (const struct json_value *c = json_first(d, obj); c; c = json_sibling(d, c))
		if (!strcmp(d->text.buf + c->key, key))
			return c;
	return NULL;
}

const char *json_key(const struct json_doc *d, const struct json_value *v)
{
	return d->text.buf + v->key;
}

const char *json_str(const struct json_doc *d, const struct json_value *v)
{
	if (v->type != JSON_STRING && v->type != JSON_NUMBER)
		return "";
	return d->text.buf + v->text;
}

int json_int64(const struct json_doc *d, const struct json_value *v, int64_t *out)
{
	const char *s = json_str(d, v);
	bool neg = *s == '-';
	uint64_t acc = 0, limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;

	if (v->type != JSON_NUMBER || strpbrk(s, ".eE"))
		return -EINVAL;
	for (const char *p = s + neg; *p; p++) {
		uint64_t digit = (uint64_t)(*p - '0');

		if (acc > (limit - digit) / 10)
			return -ERANGE;
		acc = acc * 10 + digit;
	}
	*out = neg ? (int64_t)(0 - acc) : (int64_t)acc;
	return 0;
}

const char *json_type_name(enum json_type t)
{
	static const char *const names[] = {
		[JSON_NULL] = "null",	     [JSON_FALSE] = "false",	 [JSON_TRUE] = "true",
		[JSON_NUMBER] = "a number",  [JSON_STRING] = "a string", [JSON_ARRAY] = "an array",
		[JSON_OBJECT] = "an object",
	};

	return (unsigned)t < sizeof(names) / sizeof(names[0]) ? names[t] : "?";
}

/* Length of the UTF-8 sequence at s[0..len) (1..4), or 0 when it is not valid or a NUL. */
static size_t utf8_seq(const unsigned char *s, size_t len)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t need;

	if (c >= 0x01 && c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		need = 1;
	else if (c >= 0xe0 && c <= 0xef)
		need = 2;
	else if (c >= 0xf0 && c <= 0xf4)
		need = 3;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (need >= len)
		return 0;
	for (size_t i = 1; i <= need; i++) {
		if (s[i] < lo || s[i] > hi)
			return 0;
		lo = 0x80;
		hi = 0xbf;
	}
	return need + 1;
}

bool json_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t i = 0; i < len;) {
		size_t n = utf8_seq(p + i, len - i);

		if (!n)
			return false;
		i += n;
	}
	return true;
}

int json_add_string(struct strbuf *sb, const char *s, size_t len)
{
	size_t start = 0;

	if (!json_utf8_valid(s, len))
		return -EILSEQ;
	strbuf_addch(sb, '"');
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *esc = NULL;
		char u[8];

		if (c == '"')
			esc = "\\\"";
		else if (c == '\\')
			esc = "\\\\";
		else if (c == '\n')
			esc = "\\n";
		else if (c == '\t')
			esc = "\\t";
		else if (c == '\r')
			esc = "\\r";
		if (!esc && c < 0x20) {
			snprintf(u, sizeof(u), "\\u%04x", c);
			esc = u;
		}
		if (!esc)
			continue;
		strbuf_add(sb, s + start, i - start);
		strbuf_addstr(sb, esc);
		start = i + 1;
	}
	strbuf_add(sb, s + start, len - start);
	strbuf_addch(sb, '"');
	return 0;
}

int json_add_number(struct strbuf *sb, double v)
{
	char buf[40];

	if (isnan(v)) {
		strbuf_addstr(sb, "null");
		return 0;
	}
	if (isinf(v))
		return -ERANGE;
	if (v > -9007199254740992.0 && v < 9007199254740992.0 && v == (double)(int64_t)v) {
		snprintf(buf, sizeof(buf), "%.0f", v);
	} else {
		for (int prec = 15; prec <= 17; prec++) {
			snprintf(buf, sizeof(buf), "%.*g", prec, v);
			if (strtod(buf, NULL) == v)
				break;
		}
	}
	strbuf_addstr(sb, buf);
	return 0;
}
