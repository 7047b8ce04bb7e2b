// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Two formats read back from the database, so from outside: rollup chunks
 * (five codec chunks in one blob, docs/STORE.md "Rollup chunks") and labels
 * strings (the Prometheus text format's, between the braces).  Both are
 * fuzzed (fuzz/fuzz_store_blob.c).
 */
#include <errno.h>
#include <string.h>

#include "store/store_int.h"

static void put_varint(struct strbuf *out, uint64_t v)
{
	while (v >= 0x80) {
		strbuf_addch(out, (char)(v | 0x80));
		v >>= 7;
	}
	strbuf_addch(out, (char)v);
}

static int get_varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	*v = 0;
	for (int shift = 0; shift < 64; shift += 7) {
		if (*p >= end)
			return -EPROTO;
		*v |= (uint64_t)(**p & 0x7f) << shift;
		if (!(*(*p)++ & 0x80))
			return 0;
	}
	return -EPROTO;
}

void rollup_emit(const struct chunk_enc enc[RS_NR], struct strbuf *out)
{
	struct strbuf one = STRBUF_INIT;

	strbuf_reset(out);
	strbuf_addch(out, ROLLUP_FORMAT);
	strbuf_addch(out, RS_NR);
	for (int i = 0; i < RS_NR; i++) {
		chunk_enc_emit(&enc[i], &one);
		put_varint(out, one.len);
		strbuf_add(out, one.buf, one.len);
	}
	strbuf_release(&one);
}

int rollup_decode(const void *data, size_t len,
		  int (*fn)(void *ctx, int64_t t, const double v[RS_NR]), void *ctx)
{
	const uint8_t *p = data, *end = p + len;
	struct chunk_dec d[RS_NR];
	uint32_t nr = 0;
	uint64_t n;
	int64_t t, ti;
	double v[RS_NR];
	int rc;

	if (len < 2 || p[0] != ROLLUP_FORMAT || p[1] != RS_NR)
		return -EPROTO;
	p += 2;
	for (int i = 0; i < RS_NR; i++) {
		if (get_varint(&p, end, &n) || n > (uint64_t)(end - p) ||
		    chunk_dec_init(&d[i], p, (size_t)n))
			return -EPROTO;
		if (i && chunk_dec_count(&d[i]) != nr)
			return -EPROTO;
		nr = chunk_dec_count(&d[i]);
		p += n;
	}
	if (p != end)
		return -EPROTO;
	for (uint32_t k = 0; k < nr; k++) {
		for (int i = 0; i < RS_NR; i++) {
			rc = chunk_dec_next(&d[i], i ? &ti : &t, &v[i]);
			if (rc != 1 || (i && ti != t))
				return -EPROTO;
		}
		rc = fn(ctx, t, v);
		if (rc)
			return rc;
	}
	return 0;
}

static bool is_key_char(char c, bool first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	       (!first && c >= '0' && c <= '9');
}

/*
 * Parses the pair at *p: its key [key, key + key_len) and its escaped value
 * [val, val + val_len).  Moves *p past the pair and its comma.
 */
static int next_pair(const char **p, const char *end, const char **key, size_t *key_len,
		     const char **val, size_t *val_len)
{
	const char *s = *p;

	*key = s;
	while (s < end && is_key_char(*s, s == *key))
		s++;
	*key_len = (size_t)(s - *key);
	if (!*key_len || end - s < 2 || s[0] != '=' || s[1] != '"')
		return -EINVAL;
	s += 2;
	*val = s;
	while (s < end && *s != '"') {
		if (*s == '\n')
			return -EINVAL;
		if (*s == '\\') {
			if (end - s < 2 || (s[1] != '\\' && s[1] != '"' && s[1] != 'n'))
				return -EINVAL;
			s++;
		}
		s++;
	}
	if (s >= end)
		return -EINVAL;
	*val_len = (size_t)(s - *val);
	s++;
	if (s < end) {
		if (*s != ',' || s + 1 >= end)
			return -EINVAL;
		s++;
	}
	*p = s;
	return 0;
}

int labels_validate(const char *labels, size_t len)
{
	const char *p = labels, *end = labels + len, *key, *val;
	size_t key_len, val_len;

	while (p < end)
		if (next_pair(&p, end, &key, &key_len, &val, &val_len))
			return -EINVAL;
	return 0;
}

int labels_get(const char *labels, size_t len, const char *key, struct strbuf *value)
{
	const char *p = labels, *end = labels + len, *k, *v;
	size_t key_len = strlen(key), k_len, v_len;

	strbuf_reset(value);
	while (p < end) {
		if (next_pair(&p, end, &k, &k_len, &v, &v_len))
			return -EINVAL;
		if (k_len != key_len || memcmp(k, key, key_len))
			continue;
		for (size_t i = 0; i < v_len; i++) {
			char c = v[i];

			if (c == '\\')
				c = v[++i] == 'n' ? '\n' : v[i];
			strbuf_addch(value, c);
		}
		return 1;
	}
	return 0;
}
