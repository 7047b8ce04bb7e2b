// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The chunk codec, two ways on every input.
 *
 * 1. The input as a chunk: the decoder must return samples with strictly
 *    increasing timestamps, no more than its count, then 0 or -EPROTO (and
 *    -EPROTO again after that), never read past the input or loop.
 * 2. The input as a program of samples for the encoder: each op byte picks
 *    a timestamp step and a value from the bytes after it, and asks for an
 *    emit on the way.  add must refuse exactly the timestamps that do not
 *    follow the previous one (checked independently here), and every emit
 *    must decode to exactly the samples accepted so far, bit for bit.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/strbuf.h"
#include "base/xalloc.h"
#include "store/chunk.h"

#define MAX_SAMPLES 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct program {
	const uint8_t *p, *end;
	int64_t *t;
	double *v;
	size_t nr;
};

static void decode_raw(const uint8_t *data, size_t size)
{
	struct chunk_dec d;
	int64_t t, prev = 0;
	uint32_t nr = 0;
	double v;
	int ret;

	if (chunk_dec_init(&d, data, size) < 0)
		return;
	while ((ret = chunk_dec_next(&d, &t, &v)) == 1) {
		if (++nr > chunk_dec_count(&d) || (nr > 1 && t <= prev))
			abort();
		prev = t;
	}
	if ((ret == 0 && nr != chunk_dec_count(&d)) || (ret < 0 && ret != -EPROTO))
		abort();
	if (chunk_dec_next(&d, &t, &v) != ret)
		abort();
}

/* Reads n bytes (n <= 8) big-endian; false when the program ran out. */
static bool take(struct program *pg, size_t n, uint64_t *out)
{
	*out = 0;
	if ((size_t)(pg->end - pg->p) < n)
		return false;
	for (size_t i = 0; i < n; i++)
		*out = *out << 8 | *pg->p++;
	return true;
}

static bool next_time(struct program *pg, unsigned op, int64_t prev, int64_t *t)
{
	uint64_t u;
	int64_t step;

	switch (op & 3) {
	case 0:
		step = 1000;
		break;
	case 1: /* a small step, zero or backwards included */
		if (!take(pg, 1, &u))
			return false;
		step = (int8_t)u;
		break;
	case 2: /* a long step, past the int64 range included */
		if (!take(pg, 8, &u))
			return false;
		step = (int64_t)(u >> (u & 63));
		break;
	default: /* any timestamp */
		if (!take(pg, 8, &u))
			return false;
		*t = (int64_t)u;
		return true;
	}
	if (__builtin_add_overflow(prev, step, t))
		*t = step > 0 ? INT64_MIN : INT64_MAX; /* refused, as the real sum would be */
	return true;
}

static bool next_value(struct program *pg, unsigned op, double prev, double *v)
{
	uint64_t u;

	switch ((op >> 2) & 7) {
	case 0:
		*v = prev;
		return true;
	case 1:
		if (!take(pg, 1, &u))
			return false;
		*v = prev + (int8_t)u;
		return true;
	case 2: /* any bits */
		if (!take(pg, 8, &u))
			return false;
		memcpy(v, &u, sizeof(*v));
		return true;
	case 3: /* a NaN with a payload */
		if (!take(pg, 2, &u))
			return false;
		u |= 0x7ff0000000000001ULL | (u & 1) << 63;
		memcpy(v, &u, sizeof(*v));
		return true;
	case 4:
		if (!take(pg, 1, &u))
			return false;
		*v = (double)(int8_t)u / 8;
		return true;
	case 5: /* an integer near the edge of integer mode */
		if (!take(pg, 1, &u))
			return false;
		*v = 0x1p53 + (double)(int8_t)u * (u & 1 ? -1 : 1);
		return true;
	default:
		*v = prev == 0 ? -0.0 : prev * -2;
		return true;
	}
}

static void check_emit(const struct chunk_enc *e, const struct program *pg, struct strbuf *out)
{
	struct chunk_dec d;
	int64_t t;
	double v;

	chunk_enc_emit(e, out);
	if (chunk_dec_init(&d, out->buf, out->len) < 0 || chunk_dec_count(&d) != pg->nr)
		abort();
	for (size_t i = 0; i < pg->nr; i++) {
		if (chunk_dec_next(&d, &t, &v) != 1 || t != pg->t[i] ||
		    memcmp(&v, &pg->v[i], sizeof(v)))
			abort();
	}
	if (chunk_dec_next(&d, &t, &v) != 0)
		abort();
}

static void run_program(const uint8_t *data, size_t size)
{
	struct program pg = { data, data + size, xmalloc(MAX_SAMPLES * sizeof(int64_t)),
			      xmalloc(MAX_SAMPLES * sizeof(double)), 0 };
	struct strbuf out = STRBUF_INIT;
	struct chunk_enc e;
	int64_t t, gap;
	double v;

	chunk_enc_init(&e);
	while (pg.p < pg.end && pg.nr < MAX_SAMPLES) {
		unsigned op = *pg.p++;
		int64_t prev_t = pg.nr ? pg.t[pg.nr - 1] : 0;

		if (!next_time(&pg, op, prev_t, &t) ||
		    !next_value(&pg, op, pg.nr ? pg.v[pg.nr - 1] : 0, &v))
			break;
		bool ok = !pg.nr || (t > prev_t && !__builtin_sub_overflow(t, prev_t, &gap));

		if (chunk_enc_add(&e, t, v) != (ok ? 0 : -EINVAL))
			abort();
		if (ok) {
			pg.t[pg.nr] = t;
			pg.v[pg.nr++] = v;
		}
		if (op & 0x80)
			check_emit(&e, &pg, &out);
	}
	check_emit(&e, &pg, &out);
	chunk_enc_release(&e);
	strbuf_release(&out);
	free(pg.t);
	free(pg.v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	decode_raw(data, size);
	run_program(data, size);
	return 0;
}
