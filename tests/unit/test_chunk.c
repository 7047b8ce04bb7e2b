// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The chunk codec: round trips of seeded random series (every cadence and
 * value shape the agent records, and the awkward ones), emits in the middle
 * of a stream, the limits of add, corrupt and truncated chunks, and the
 * bytes per sample of a realistic mix.
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

#include <cmocka.h>

#include "base/strbuf.h"
#include "base/xalloc.h"
#include "store/chunk.h"

struct series {
	int64_t *t;
	double *v;
	size_t nr, cap;
};

static uint64_t rng_state;

/* splitmix64: a seeded stream, so a failing seed can be replayed */
static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rnd_below(uint64_t n)
{
	return rnd() % n;
}

static double bits_to_double(uint64_t u)
{
	double d;

	memcpy(&d, &u, sizeof(d));
	return d;
}

static void series_push(struct series *s, int64_t t, double v)
{
	if (s->nr == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		s->t = xreallocarray(s->t, s->cap, sizeof(*s->t));
		s->v = xreallocarray(s->v, s->cap, sizeof(*s->v));
	}
	s->t[s->nr] = t;
	s->v[s->nr] = v;
	s->nr++;
}

static void series_release(struct series *s)
{
	free(s->t);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* Decodes a heap copy of exactly len bytes (so ASan sees any over-read) into out. */
static int decode_all(const void *data, size_t len, struct series *out)
{
	void *copy = xmalloc(len ? len : 1);
	struct chunk_dec d;
	int64_t t;
	double v;
	int ret;

	memcpy(copy, data, len);
	ret = chunk_dec_init(&d, copy, len);
	if (ret < 0)
		goto out;
	while ((ret = chunk_dec_next(&d, &t, &v)) == 1) {
		if (out->nr > chunk_dec_count(&d))
			fail_msg("more samples than the header says");
		if (out->nr && t <= out->t[out->nr - 1])
			fail_msg("timestamps not increasing");
		series_push(out, t, v);
	}
	if (!ret && out->nr != chunk_dec_count(&d))
		fail_msg("ended after %zu of %u samples", out->nr, chunk_dec_count(&d));
	if (ret < 0)
		assert_int_equal(chunk_dec_next(&d, &t, &v), -EPROTO); /* sticky */
out:
	free(copy);
	return ret;
}

static void assert_same(const struct series *want, size_t nr, const struct series *got,
			uint64_t seed)
{
	if (got->nr != nr)
		fail_msg("seed %llu: %zu samples, want %zu", (unsigned long long)seed, got->nr, nr);
	for (size_t i = 0; i < nr; i++) {
		if (got->t[i] != want->t[i] || memcmp(&got->v[i], &want->v[i], sizeof(double)))
			fail_msg("seed %llu: sample %zu is (%lld, %a), want (%lld, %a)",
				 (unsigned long long)seed, i, (long long)got->t[i], got->v[i],
				 (long long)want->t[i], want->v[i]);
	}
}

/* Encodes s, emitting (and checking the prefix) at a few points on the way. */
static void round_trip(const struct series *s, uint64_t seed, struct strbuf *out)
{
	struct chunk_enc e;
	struct series got = { 0 };
	size_t next_emit = s->nr ? rnd_below(s->nr + 1) : 0;

	chunk_enc_init(&e);
	for (size_t i = 0; i <= s->nr; i++) {
		if (i == next_emit || i == s->nr) {
			chunk_enc_emit(&e, out);
			assert_int_equal(decode_all(out->buf, out->len, &got), 0);
			assert_same(s, i, &got, seed);
			got.nr = 0;
			next_emit = i + 1 + rnd_below(s->nr + 1);
		}
		if (i == s->nr)
			break;
		assert_int_equal(chunk_enc_add(&e, s->t[i], s->v[i]), 0);
		assert_int_equal(chunk_enc_count(&e), i + 1);
		assert_true(chunk_enc_first_t(&e) == s->t[0]);
		assert_true(chunk_enc_last_t(&e) == s->t[i]);
	}
	chunk_enc_release(&e);
	series_release(&got);
}

/* The next timestamp for one of the cadences; false when it would not fit in int64. */
static bool next_time(unsigned cadence, int64_t prev, int64_t *t)
{
	int64_t step;

	switch (cadence) {
	case 0: /* the tick's deadlines */
		step = 1000;
		break;
	case 1: /* wall clock at wake-up: a few ms of jitter */
		step = 997 + (int64_t)rnd_below(7);
		break;
	case 2: /* missed ticks and gaps of hours */
		step = rnd_below(20) ? 1000 * (int64_t)(1 + rnd_below(3)) :
				       (int64_t)rnd_below(6 * 3600 * 1000) + 1;
		break;
	case 3: /* other cadences */
		step = rnd_below(2) ? 10000 : 60000 + (int64_t)rnd_below(3);
		break;
	default: /* anything, up to the limit */
		step = (int64_t)(rnd() >> (1 + rnd_below(63))) + 1;
		break;
	}
	return !__builtin_add_overflow(prev, step, t);
}

static int64_t first_time(unsigned cadence)
{
	switch (rnd_below(4)) {
	case 0:
		return 1700000000000 + (int64_t)rnd_below(1000000);
	case 1:
		return -(int64_t)rnd_below(1000000);
	case 2:
		return cadence == 4 ? INT64_MIN : 0;
	default:
		return (int64_t)rnd();
	}
}

struct gen {
	unsigned shape;
	double level, rate;
	size_t switch_at;
};

static double special(void)
{
	static const uint64_t bits[] = {
		0x7ff8000000000000ULL, /* the default quiet NaN */
		0xfff8000000000000ULL, /* its negative twin */
		0x7ff0000000000001ULL, /* a signalling NaN */
		0x7ff4000000abcdefULL, /* a NaN with a payload */
		0x7ff0000000000000ULL, /* +Inf */
		0xfff0000000000000ULL, /* -Inf */
		0x8000000000000000ULL, /* -0.0 */
		0x0000000000000001ULL, /* the smallest subnormal */
		0x7fefffffffffffffULL, /* DBL_MAX */
		0x4340000000000001ULL, /* 2^54 + 2: an integer past 2^53 */
	};

	return bits_to_double(bits[rnd_below(sizeof(bits) / sizeof(bits[0]))]);
}

static double next_value(struct gen *g, size_t i)
{
	switch (g->shape) {
	case 0: /* a constant gauge */
		return g->level;
	case 1: /* a slowly changing count */
		if (!rnd_below(20))
			g->level += g->level >= 3 ? (double)rnd_below(7) - 3 : 1;
		return g->level;
	case 2: /* a counter with noise, rate changes and resets */
		if (!rnd_below(300))
			g->level = 0;
		if (!rnd_below(60))
			g->rate = (double)rnd_below(100000);
		g->level += g->rate + (double)rnd_below(5);
		return g->level;
	case 3: /* huge integers, up to the edge of integer mode */
		return rnd_below(8) ? (double)((int64_t)(rnd() >> 10) - (INT64_C(1) << 53)) :
				      (rnd_below(2) ? 0x1p53 : -0x1p53);
	case 4: /* a gauge with runs of NaN (gaps) */
		if (!rnd_below(30))
			g->rate = g->rate != 0 ? 0 : 1;
		return g->rate != 0 ? NAN : (double)(int64_t)rnd_below(5);
	case 5: /* fractions */
		return rnd_below(2) ? (double)(int64_t)rnd_below(1000) / 10 : (double)rnd() / 3e9;
	case 6: /* integers, then a fraction, then integers again */
		g->level += 3;
		return i == g->switch_at ? 0.5 : g->level;
	case 7: /* negative values, small and large */
		return -(double)rnd_below(1000) * (rnd_below(2) ? 1 : 1e300) - 0.25 * rnd_below(2);
	case 8: /* anything: random bits and the special values */
		return rnd_below(4) ? bits_to_double(rnd()) : special();
	default: /* integers with an occasional special value */
		return rnd_below(50) ? (double)(int64_t)rnd_below(100) : special();
	}
}

static void make_series(struct series *s, uint64_t seed)
{
	static const size_t lengths[] = { 0, 1, 2, 3, 17, 600, 3600 };
	unsigned cadence = (unsigned)rnd_below(5);
	size_t n = rnd_below(4) ? lengths[rnd_below(sizeof(lengths) / sizeof(lengths[0]))] :
				  rnd_below(1500);
	struct gen g = { .shape = (unsigned)(seed % 10),
			 .level = (double)((int64_t)rnd_below(2000) - 1000),
			 .rate = (double)rnd_below(1000),
			 .switch_at = n ? rnd_below(n) : 0 };
	int64_t t = first_time(cadence);

	s->nr = 0;
	for (size_t i = 0; i < n; i++) {
		if (i && !next_time(cadence, t, &t))
			break;
		series_push(s, t, next_value(&g, i));
	}
}

static void test_round_trip_random(void **state)
{
	struct strbuf out = STRBUF_INIT;
	struct series s = { 0 };

	(void)state;
	for (uint64_t seed = 1; seed <= 400; seed++) {
		rng_state = seed;
		make_series(&s, seed);
		round_trip(&s, seed, &out);
	}
	series_release(&s);
	strbuf_release(&out);
}

static void test_empty_and_single(void **state)
{
	struct strbuf out = STRBUF_INIT;
	struct series got = { 0 };
	struct chunk_enc e;

	(void)state;
	chunk_enc_init(&e);
	chunk_enc_emit(&e, &out);
	assert_int_equal(out.len, 3); /* version, mode, count */
	assert_int_equal(out.buf[0], CHUNK_VERSION);
	assert_int_equal(decode_all(out.buf, out.len, &got), 0);
	assert_int_equal(got.nr, 0);
	assert_int_equal(chunk_enc_add(&e, -5, -0.0), 0);
	chunk_enc_emit(&e, &out);
	assert_int_equal(decode_all(out.buf, out.len, &got), 0);
	assert_int_equal(got.nr, 1);
	assert_true(got.t[0] == -5 && got.v[0] == 0 && signbit(got.v[0]));
	chunk_enc_release(&e);
	/* a released encoder is empty and usable */
	chunk_enc_add(&e, 7, 1);
	assert_int_equal(chunk_enc_count(&e), 1);
	chunk_enc_release(&e);
	assert_int_equal(chunk_enc_count(&e), 0);
	series_release(&got);
	strbuf_release(&out);
}

/* add's refusals leave the encoder as it was: the same bytes, and appending goes on. */
static void test_add_limits(void **state)
{
	static const struct {
		int64_t prev, t;
	} bad[] = {
		{ 1000, 1000 },		  { 1000, 999 },
		{ 1000, INT64_MIN },	  { -1, INT64_MAX }, /* the difference is 2^63 */
		{ INT64_MIN, INT64_MAX },		     /* 2^64 - 1 */
		{ INT64_MIN, 0 },			     /* 2^63 */
	};
	struct strbuf before = STRBUF_INIT, after = STRBUF_INIT;
	struct series want = { 0 }, got = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct chunk_enc e;

		chunk_enc_init(&e);
		assert_int_equal(chunk_enc_add(&e, bad[i].prev, 3), 0);
		chunk_enc_emit(&e, &before);
		assert_int_equal(chunk_enc_add(&e, bad[i].t, 4.5), -EINVAL);
		chunk_enc_emit(&e, &after);
		assert_int_equal(before.len, after.len);
		assert_memory_equal(before.buf, after.buf, before.len);
		assert_true(chunk_enc_last_t(&e) == bad[i].prev);
		chunk_enc_release(&e);
	}
	/* the extremes that do fit: a difference of 2^63 - 1, both ends of int64 */
	want.nr = 0;
	series_push(&want, INT64_MIN, 1);
	series_push(&want, -1, 2);
	series_push(&want, 0, 3);
	series_push(&want, INT64_MAX - 1, 4);
	series_push(&want, INT64_MAX, 5);
	rng_state = 1;
	round_trip(&want, 0, &after);
	series_release(&want);
	series_release(&got);
	strbuf_release(&before);
	strbuf_release(&after);
}

static size_t emit_values(const double *v, size_t nr, struct strbuf *out)
{
	struct chunk_enc e;

	chunk_enc_init(&e);
	for (size_t i = 0; i < nr; i++)
		assert_int_equal(chunk_enc_add(&e, 1000 * (int64_t)i, v[i]), 0);
	chunk_enc_emit(&e, out);
	chunk_enc_release(&e);
	return out->len;
}

/* The mode byte: integers stay integers, anything else goes XOR, and so does a bigger integer
 * stream. */
static void test_modes(void **state)
{
	struct strbuf out = STRBUF_INIT;
	double v[64];

	(void)state;
	for (size_t i = 0; i < 64; i++)
		v[i] = (double)(i * i) - 100;
	emit_values(v, 64, &out);
	assert_int_equal(out.buf[1], 1);
	v[40] = 0.5;
	emit_values(v, 64, &out);
	assert_int_equal(out.buf[1], 2);
	v[40] = 0x1p53;
	v[41] = -0x1p53;
	emit_values(v, 64, &out);
	assert_int_equal(out.buf[1], 1);
	v[41] = 0x1p53 + 2;
	emit_values(v, 64, &out);
	assert_int_equal(out.buf[1], 2);
	/* integers that alternate between two far values: XOR repeats its window, D is huge */
	for (size_t i = 0; i < 64; i++)
		v[i] = i & 1 ? 0x1p52 + 1 : -0x1p52 + 3;
	size_t xor_len = emit_values(v, 64, &out);

	assert_int_equal(out.buf[1], 2);
	assert_true(xor_len < 64 * 70 / 8);
	strbuf_release(&out);
}

/* Every header field checked: versions, modes, counts the streams cannot hold, lengths past the
 * end. */
static void test_bad_headers(void **state)
{
	static const struct {
		const char *bytes;
		size_t len;
	} bad[] = {
		{ "", 0 },
		{ "\x01", 1 },
		{ "\x01\x01", 2 },
		{ "\x02\x01\x00", 3 },		       /* version 2 */
		{ "\x00\x01\x00", 3 },		       /* version 0 */
		{ "\x01\x00\x00", 3 },		       /* mode 0 */
		{ "\x01\x03\x00", 3 },		       /* mode 3 */
		{ "\x01\x01\x80", 3 },		       /* a count cut short */
		{ "\x01\x01\x80\x80\x80\x80\x10", 7 }, /* a count of 2^32 */
		{ "\x01\x01\x01\x00\x00", 5 },	       /* one sample, no value bits */
		{ "\x01\x01\x01\x00", 4 },	       /* no stream length */
		{ "\x01\x01\x02\x00\x00\x00", 6 },     /* two samples, no timestamp bits */
		{ "\x01\x01\x01\x00\x05\x00", 6 },     /* a stream longer than the chunk */
		{ "\x01\x02\x01\x00\x00\x00", 6 },     /* XOR: 8 bits for a 64-bit first value */
		{ "\x01\x01\x01\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02\x00\x00", 15 },
	};
	struct series got = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		got.nr = 0;
		if (decode_all(bad[i].bytes, bad[i].len, &got) != -EPROTO)
			fail_msg("bad header %zu was accepted", i);
	}
	series_release(&got);
}

/*
 * Every truncation and every single bit flip of valid chunks of each shape
 * decodes to -EPROTO or to a sample sequence (decode_all checks it is sane),
 * never a crash or a read past the end (ASan).  A truncated chunk must not
 * pass for a whole one.
 */
static void test_corruption(void **state)
{
	struct strbuf out = STRBUF_INIT;
	struct series s = { 0 }, got = { 0 };
	struct chunk_enc e;
	size_t nr_corrupt = 0, nr_decoded = 0;

	(void)state;
	for (uint64_t seed = 1; seed <= 20; seed++) {
		rng_state = seed * 7919;
		make_series(&s, seed);
		if (s.nr > 120)
			s.nr = 120;
		chunk_enc_init(&e);
		for (size_t i = 0; i < s.nr; i++)
			assert_int_equal(chunk_enc_add(&e, s.t[i], s.v[i]), 0);
		chunk_enc_emit(&e, &out);
		chunk_enc_release(&e);
		for (size_t len = 0; len < out.len; len++) {
			got.nr = 0;
			if (decode_all(out.buf, len, &got) == 0 && s.nr)
				fail_msg("seed %llu: cut to %zu of %zu bytes, still whole",
					 (unsigned long long)seed, len, out.len);
		}
		for (size_t bit = 0; bit < 8 * out.len; bit++) {
			out.buf[bit / 8] ^= (char)(1u << (bit % 8));
			got.nr = 0;
			if (decode_all(out.buf, out.len, &got) < 0)
				nr_corrupt++;
			else
				nr_decoded++;
			out.buf[bit / 8] ^= (char)(1u << (bit % 8));
		}
	}
	print_message("bit flips: %zu found corrupt, %zu decoded to other samples\n", nr_corrupt,
		      nr_decoded);
	assert_true(nr_corrupt > 0 && nr_decoded > 0);
	series_release(&s);
	series_release(&got);
	strbuf_release(&out);
}

enum density_shape {
	GAUGE_CONST,
	GAUGE_SLOW,
	COUNTER_STEADY,
	COUNTER_NOISY,
	NR_SHAPES
};

static const char *const shape_names[NR_SHAPES] = {
	"constant gauge (listen sockets)",
	"slowly changing count (established)",
	"steady counter (keepalive bytes)",
	"busy byte counter (noise in every delta)",
};

/* 10 minutes at 1 s of one series; the timestamps from the deadlines or from a wall clock. */
static double density(enum density_shape shape, bool jitter, uint64_t seed, struct strbuf *out)
{
	int64_t t = 1700000000000 + (int64_t)rnd_below(1000), base = t;
	double v = 120, rate = 1380;
	struct chunk_enc e;

	rng_state = seed;
	chunk_enc_init(&e);
	for (int i = 0; i < 600; i++) {
		if (shape == GAUGE_SLOW && !rnd_below(30))
			v += (double)rnd_below(5) - 2;
		else if (shape == COUNTER_STEADY)
			v += rnd_below(60) ? rate : (rate = 1380 + 52 * (double)rnd_below(4));
		else if (shape == COUNTER_NOISY)
			v += 100000 + (double)rnd_below(20000);
		t = base + 1000 * i + (jitter ? (int64_t)rnd_below(3) : 0);
		assert_int_equal(chunk_enc_add(&e, t, v), 0);
	}
	chunk_enc_emit(&e, out);
	chunk_enc_release(&e);
	return (double)out->len / 600;
}

/*
 * The target: <= 1.0 byte a sample on average for connmon's integer series.
 * Printed for each shape, from the tick's deadlines and from a jittery wall
 * clock; asserted for the first three shapes at the deadlines' cadence.  The
 * busy counter is printed for comparison: the noise is the information.
 */
static void test_density(void **state)
{
	struct strbuf out = STRBUF_INIT;
	double sum = 0;

	(void)state;
	for (int shape = 0; shape < NR_SHAPES; shape++) {
		double regular = 0, jittery = 0;

		for (uint64_t seed = 1; seed <= 10; seed++) {
			regular += density(shape, false, seed, &out) / 10;
			assert_int_equal(out.buf[1], 1); /* integer mode */
			jittery += density(shape, true, seed, &out) / 10;
		}
		print_message("%-42s %.3f bytes/sample (deadlines), %.3f (wall clock)\n",
			      shape_names[shape], regular, jittery);
		if (shape != COUNTER_NOISY) {
			assert_true(regular < 1.0);
			sum += regular;
		}
	}
	print_message("the integer mix, from the deadlines: %.3f bytes/sample\n", sum / 3);
	strbuf_release(&out);
}

/*
 * An open chunk holds about its encoded size (the agent keeps ~1,000 of them):
 * its streams' allocations stay within twice what an emit writes, before and
 * after the switch to XOR, which drops the integer stream.
 */
static void test_memory(void **state)
{
	struct strbuf out = STRBUF_INIT;
	struct chunk_enc e;

	(void)state;
	chunk_enc_init(&e);
	for (int i = 0; i < 7200; i++) {
		assert_int_equal(chunk_enc_add(&e, 1000 * (int64_t)i, i < 3600 ? 57 : i * 0.25), 0);
		if (i % 600 == 599) {
			chunk_enc_emit(&e, &out);
			if (e.ts.alloc + e.val.alloc > 2 * out.len + 32)
				fail_msg("%d samples: %zu bytes allocated for %zu emitted", i + 1,
					 e.ts.alloc + e.val.alloc, out.len);
		}
	}
	assert_int_equal(out.buf[1], 2);
	chunk_enc_release(&e);
	strbuf_release(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_random), cmocka_unit_test(test_empty_and_single),
		cmocka_unit_test(test_add_limits),	  cmocka_unit_test(test_modes),
		cmocka_unit_test(test_bad_headers),	  cmocka_unit_test(test_corruption),
		cmocka_unit_test(test_density),		  cmocka_unit_test(test_memory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
