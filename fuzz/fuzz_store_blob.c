// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What the store reads back from a database file, which may be damaged:
 * the first byte picks the parser, the rest is its input.
 *
 * 0: a rollup chunk.  Decoding returns 0 or -EPROTO, never reads past the
 *    input; the points it returns have strictly increasing times, and when
 *    it succeeds, encoding them again and decoding that gives them back
 *    bit for bit.
 * 1: a labels string.  When labels_validate() accepts it, labels_get()
 *    never calls it malformed, and each value it returns is no longer than
 *    the escaped text.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/strbuf.h"
#include "base/xalloc.h"
#include "store/store_int.h"

#define MAX_POINTS 8192

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct points {
	int64_t t[MAX_POINTS];
	double v[MAX_POINTS][RS_NR];
	size_t nr;
	size_t cmp; /* second pass: the index to compare with */
};

static int take(void *ctx, int64_t t, const double v[RS_NR])
{
	struct points *p = ctx;

	if (p->nr && t <= p->t[p->nr - 1])
		abort();
	if (p->nr == MAX_POINTS)
		return 1;
	p->t[p->nr] = t;
	memcpy(p->v[p->nr++], v, sizeof(double) * RS_NR);
	return 0;
}

static int same(void *ctx, int64_t t, const double v[RS_NR])
{
	struct points *p = ctx;

	if (p->cmp >= p->nr || t != p->t[p->cmp] || memcmp(v, p->v[p->cmp], sizeof(double) * RS_NR))
		abort();
	p->cmp++;
	return 0;
}

static void rollup(const uint8_t *data, size_t size)
{
	struct points *p = xcalloc(1, sizeof(*p));
	struct strbuf out = STRBUF_INIT;
	struct chunk_enc enc[RS_NR];
	int ret = rollup_decode(data, size, take, p);

	if (ret != 0 && ret != -EPROTO && ret != 1)
		abort();
	if (ret == 0) {
		for (int i = 0; i < RS_NR; i++) {
			chunk_enc_init(&enc[i]);
			for (size_t k = 0; k < p->nr; k++)
				if (chunk_enc_add(&enc[i], p->t[k], p->v[k][i]))
					abort();
		}
		rollup_emit(enc, &out);
		if (rollup_decode(out.buf, out.len, same, p) != 0 || p->cmp != p->nr)
			abort();
		for (int i = 0; i < RS_NR; i++)
			chunk_enc_release(&enc[i]);
	}
	strbuf_release(&out);
	free(p);
}

static void labels(const uint8_t *data, size_t size)
{
	static const char *const keys[] = { "state", "port", "a", "iface", "comm", "" };
	struct strbuf v = STRBUF_INIT;
	const char *s = (const char *)data;

	if (labels_validate(s, size) == 0) {
		for (size_t i = 0; i < sizeof(keys) / sizeof(*keys); i++) {
			int r = labels_get(s, size, keys[i], &v);

			if (r < 0 || (r == 1 && v.len > size))
				abort();
		}
	} else {
		labels_get(s, size, "state", &v);
	}
	strbuf_release(&v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	if (data[0] == 0)
		rollup(data + 1, size - 1);
	else if (data[0] == 1)
		labels(data + 1, size - 1);
	return 0;
}
