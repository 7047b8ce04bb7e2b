// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Feeds arbitrary bytes to the JSON reader, in memory and through a stream
 * that delivers 1..7 bytes per read, and checks what callers rely on:
 *  - both modes agree on the result, the error and its sentence;
 *  - an accepted document written back out (json_add_string/number) parses
 *    again and writes out the same text (the tree survives a round trip);
 *  - every decoded string is valid UTF-8 with no NUL inside;
 *  - an error always comes with a sentence.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "base/strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct feed {
	const uint8_t *data;
	size_t size, pos;
};

static ssize_t feed_read(void *arg, char *buf, size_t cap)
{
	struct feed *f = arg;
	size_t n = f->size - f->pos;
	size_t step = 1 + (f->pos * 31 + 7) % 7;

	if (n > step)
		n = step;
	if (n > cap)
		n = cap;
	memcpy(buf, f->data + f->pos, n);
	f->pos += n;
	return (ssize_t)n;
}

static void write_value(struct strbuf *out, const struct json_doc *d, const struct json_value *v)
{
	const char *s;

	switch (v->type) {
	case JSON_NULL:
	case JSON_TRUE:
	case JSON_FALSE:
		strbuf_addstr(out, json_type_name(v->type));
		return;
	case JSON_NUMBER:
		if (json_add_number(out, v->num))
			abort(); /* the reader never yields an infinity */
		return;
	case JSON_STRING:
		s = json_str(d, v);
		if (json_add_string(out, s, strlen(s)))
			abort(); /* decoded strings are valid UTF-8 */
		return;
	default:
		break;
	}
	strbuf_addch(out, v->type == JSON_ARRAY ? '[' : '{');
	for (const struct json_value *c = json_first(d, v); c; c = json_sibling(d, c)) {
		if (c != json_first(d, v))
			strbuf_addch(out, ',');
		if (v->type == JSON_OBJECT) {
			s = json_key(d, c);
			if (json_add_string(out, s, strlen(s)))
				abort();
			strbuf_addch(out, ':');
		}
		write_value(out, d, c);
	}
	strbuf_addch(out, v->type == JSON_ARRAY ? ']' : '}');
}

static void check_round_trip(const struct json_doc *d)
{
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
	struct json_doc d2;

	write_value(&a, d, json_doc_root(d));
	json_doc_init(&d2, NULL);
	if (json_doc_parse(&d2, a.buf, a.len, NULL))
		abort();
	write_value(&b, &d2, json_doc_root(&d2));
	if (strcmp(a.buf, b.buf))
		abort();
	json_doc_release(&d2);
	strbuf_release(&a);
	strbuf_release(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_limits lim = json_limits_default;
	struct strbuf err = STRBUF_INIT;
	struct feed f = { data, size, 0 };
	struct json_reader r;
	struct json_doc d, ds;
	int ret, ret_s;

	lim.max_nodes = 4096;
	lim.max_string_len = 1024;
	json_doc_init(&d, &lim);
	json_doc_init(&ds, &lim);
	ret = json_doc_parse(&d, (const char *)data, size, &err);
	if (ret && (!err.len || ret > 0))
		abort();
	json_reader_init_stream(&r, feed_read, &f, &lim);
	ret_s = json_doc_read(&ds, &r, json_next(&r));
	if (!ret_s && json_next(&r) != JSON_TOK_END)
		ret_s = json_reader_errno(&r);
	if (ret_s != ret || (ret && strcmp(err.buf, json_reader_error(&r))))
		abort();
	if (!ret) {
		if (d.nr != ds.nr)
			abort();
		for (size_t i = 0; i < d.nr; i++)
			if (d.v[i].type == JSON_STRING &&
			    !json_utf8_valid(json_str(&d, &d.v[i]), strlen(json_str(&d, &d.v[i]))))
				abort();
		check_round_trip(&d);
	}
	json_reader_release(&r);
	json_doc_release(&d);
	json_doc_release(&ds);
	strbuf_release(&err);
	return 0;
}
