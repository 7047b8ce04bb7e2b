// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The chunk codec (chunk.h); the layout it writes is in docs/STORE.md.
 *
 * Both streams use prefix codes of buckets: bucket k is written as k one
 * bits and a zero (the last bucket without the zero), then its payload.
 * Bucket 0 is "zero"; a payload bucket of width w holds a non-zero v in
 * [-2^(w-1), 2^(w-1)] as w bits of v - (v > 0), so no code is spent on 0
 * and the range is symmetric: with w = 2, +-1 and +-2.
 */
#include "store/chunk.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

#define CHUNK_MODE_INT 1
#define CHUNK_MODE_XOR 2
#define INT_LIMIT      (INT64_C(1) << 53)

struct bucket_code {
	uint8_t nr;	  /* buckets */
	uint8_t first;	  /* the first bucket with a payload; those before are symbols */
	uint8_t width[8]; /* payload bits of each bucket */
};

/*
 * Timestamps: the difference of each delta from the reference delta.  A tick
 * stamped with the wall clock wobbles by a millisecond or two (4 bits); a
 * missed tick or a changed cadence needs 10 or 17; a gap of up to 37 hours
 * 33; anything else 69.
 */
static const struct bucket_code ts_code = { 6, 1, { 0, 2, 7, 13, 28, 64 } };
#define TS_WOBBLE_MS 2 /* the reach of the 4-bit bucket */

/*
 * Gorilla codes the delta of deltas, so a sample that a wobbling wall clock
 * stamps 1 ms late costs three codes: +1, -2, +1.  Coding each delta against
 * a reference that a wobble does not move costs two: +1, -1.  The reference follows
 * the first delta, any larger change (a missed tick, a new cadence), and the
 * same small difference twice in a row (a shift that stays, not a wobble).
 */
static void cadence_update(struct chunk_cadence *c, int64_t delta, int64_t diff, bool first)
{
	if (first || diff > TS_WOBBLE_MS || diff < -TS_WOBBLE_MS ||
	    (diff && diff == c->last_diff_ms)) {
		c->ref_ms = delta;
		c->last_diff_ms = 0;
	} else {
		c->last_diff_ms = diff;
	}
}

/*
 * Integer values: bucket 0 is "delta of deltas 0" (an unchanged gauge, a
 * steady counter), bucket 1 is "delta 0 from now on" (a gauge that stops
 * moving after a step, in 2 bits instead of a second step), the others hold
 * the delta of deltas.
 */
static const struct bucket_code val_code = { 7, 2, { 0, 0, 3, 8, 16, 32, 64 } };

static uint64_t mask_bits(unsigned n)
{
	return n >= 64 ? UINT64_MAX : (UINT64_C(1) << n) - 1;
}

static void bits_reserve(struct chunk_bits *b, unsigned n)
{
	size_t need = (b->nr_bits + n + 7) / 8;

	if (need <= b->alloc)
		return;
	size_t cap = b->alloc ? b->alloc : 16;

	while (cap < need)
		cap *= 2;
	b->buf = xrealloc(b->buf, cap);
	memset(b->buf + b->alloc, 0, cap - b->alloc);
	b->alloc = cap;
}

/* Appends the low n bits of v (n <= 64), most significant first. */
static void bits_put(struct chunk_bits *b, uint64_t v, unsigned n)
{
	bits_reserve(b, n);
	while (n) {
		unsigned room = 8 - (unsigned)(b->nr_bits & 7);
		unsigned take = n < room ? n : room;
		uint64_t part = (v >> (n - take)) & mask_bits(take);

		b->buf[b->nr_bits >> 3] |= (uint8_t)(part << (room - take));
		b->nr_bits += take;
		n -= take;
	}
}

static void bits_release(struct chunk_bits *b)
{
	free(b->buf);
	memset(b, 0, sizeof(*b));
}

/* Reads n bits (n <= 64) into *v; -EPROTO past the end. */
static int bits_get(struct chunk_bitreader *r, unsigned n, uint64_t *v)
{
	uint64_t acc = 0;

	if (n > r->nr_bits - r->pos)
		return -EPROTO;
	while (n) {
		unsigned room = 8 - (unsigned)(r->pos & 7);
		unsigned take = n < room ? n : room;
		unsigned byte = r->data[r->pos >> 3];

		acc = acc << take | ((byte >> (room - take)) & mask_bits(take));
		r->pos += take;
		n -= take;
	}
	*v = acc;
	return 0;
}

static bool bucket_fits(int64_t v, unsigned width)
{
	int64_t half;

	if (width >= 64)
		return true;
	half = INT64_C(1) << (width - 1);
	return v >= -half && v <= half;
}

/* Writes bucket k's prefix. */
static unsigned put_prefix(struct chunk_bits *b, const struct bucket_code *c, unsigned k)
{
	unsigned n = k + 1u < c->nr ? k + 1 : k;

	if (b)
		bits_put(b, mask_bits(k) << (n - k), n);
	return n;
}

/* Writes v in the smallest payload bucket that holds it (v != 0); returns the bits. */
static unsigned put_value(struct chunk_bits *b, const struct bucket_code *c, int64_t v)
{
	unsigned k = c->first;

	while (!bucket_fits(v, c->width[k]))
		k++;
	unsigned n = put_prefix(b, c, k);
	unsigned w = c->width[k];

	if (b)
		bits_put(b, (uint64_t)(v > 0 ? v - 1 : v) & mask_bits(w), w);
	return n + w;
}

/* Reads one code: its bucket in *k, and for a payload bucket the value in *v. */
static int get_code(struct chunk_bitreader *r, const struct bucket_code *c, unsigned *k, int64_t *v)
{
	uint64_t bit = 1, u;
	unsigned w;

	*k = 0;
	while (*k + 1u < c->nr) {
		if (bits_get(r, 1, &bit) < 0)
			return -EPROTO;
		if (!bit)
			break;
		++*k;
	}
	*v = 0;
	if (*k < c->first)
		return 0;
	w = c->width[*k];
	if (bits_get(r, w, &u) < 0)
		return -EPROTO;
	if (w < 64 && (u >> (w - 1)) & 1)
		u |= ~mask_bits(w); /* sign extension */
	*v = (int64_t)u;
	if (*v == INT64_MAX)
		return -EPROTO; /* no v fits: v - 1 == INT64_MAX would need v == 2^63 */
	if (*v >= 0)
		++*v;
	return 0;
}

static uint64_t double_bits(double v)
{
	uint64_t u;

	memcpy(&u, &v, sizeof(u));
	return u;
}

static double bits_double(uint64_t u)
{
	double v;

	memcpy(&v, &u, sizeof(v));
	return v;
}

/*
 * Gorilla's XOR step: appends v's code to b (or only counts it when b is NULL)
 * and returns its size in bits.  The leading zero count is capped at 31 to fit
 * 5 bits; the significant bit count 64 is written as 0 in 6 bits.
 */
static unsigned xor_put(struct chunk_xor *x, struct chunk_bits *b, uint64_t v, bool first)
{
	uint64_t diff = v ^ x->prev;
	unsigned lead, trail, sig, n;

	x->prev = v;
	if (first) {
		n = 64;
		if (b)
			bits_put(b, v, 64);
	} else if (!diff) {
		n = 1;
		if (b)
			bits_put(b, 0, 1);
	} else {
		lead = (unsigned)__builtin_clzll(diff);
		trail = (unsigned)__builtin_ctzll(diff);
		if (lead > 31)
			lead = 31;
		if (x->window && lead >= x->lead && trail >= x->trail) {
			sig = 64 - x->lead - x->trail;
			n = 2 + sig;
			if (b) {
				bits_put(b, 2, 2);
				bits_put(b, diff >> x->trail, sig);
			}
		} else {
			sig = 64 - lead - trail;
			n = 2 + 5 + 6 + sig;
			if (b) {
				bits_put(b, 3, 2);
				bits_put(b, lead, 5);
				bits_put(b, sig & 63, 6);
				bits_put(b, diff >> trail, sig);
			}
			x->window = true;
			x->lead = (uint8_t)lead;
			x->trail = (uint8_t)trail;
		}
	}
	x->nr_bits += n;
	return n;
}

static int xor_get(struct chunk_xor *x, struct chunk_bitreader *r, bool first, uint64_t *v)
{
	uint64_t u, lead, sig;

	if (first) {
		if (bits_get(r, 64, &u) < 0)
			return -EPROTO;
		x->prev = u;
	} else {
		if (bits_get(r, 1, &u) < 0)
			return -EPROTO;
		if (!u) {
			*v = x->prev;
			return 0;
		}
		if (bits_get(r, 1, &u) < 0)
			return -EPROTO;
		if (u) {
			if (bits_get(r, 5, &lead) < 0 || bits_get(r, 6, &sig) < 0)
				return -EPROTO;
			if (!sig)
				sig = 64;
			if (lead + sig > 64)
				return -EPROTO;
			x->window = true;
			x->lead = (uint8_t)lead;
			x->trail = (uint8_t)(64 - lead - sig);
		} else if (!x->window) {
			return -EPROTO;
		}
		sig = 64u - x->lead - x->trail;
		if (bits_get(r, (unsigned)sig, &u) < 0)
			return -EPROTO;
		x->prev ^= u << x->trail;
	}
	*v = x->prev;
	return 0;
}

/* True when v is kept as an integer: exact in int64, |v| <= 2^53, not -0.0. */
static bool is_int_value(double v, int64_t *i)
{
	/* the range check first: converting a double outside int64 is undefined */
	if (!(v >= -(double)INT_LIMIT && v <= (double)INT_LIMIT))
		return false;
	*i = (int64_t)v;
	return (double)*i == v && !(v == 0 && signbit(v));
}

/* Appends integer v's code (the first value is a delta of deltas from 0). */
static void int_put(struct chunk_enc *e, int64_t v)
{
	int64_t delta = v - e->int_prev;
	int64_t dod = delta - e->int_delta;

	if (!dod)
		put_prefix(&e->val, &val_code, 0);
	else if (!delta)
		put_prefix(&e->val, &val_code, 1);
	else
		put_value(&e->val, &val_code, dod);
	e->int_prev = v;
	e->int_delta = delta;
}

/* Reads one integer value; -EPROTO when it leaves int64 or |v| <= 2^53. */
static int int_get(int64_t *prev, int64_t *delta, struct chunk_bitreader *r)
{
	int64_t dod, v;
	unsigned k;

	if (get_code(r, &val_code, &k, &dod) < 0)
		return -EPROTO;
	if (k == 1)
		*delta = 0;
	else if (__builtin_add_overflow(*delta, dod, delta))
		return -EPROTO;
	if (__builtin_add_overflow(*prev, *delta, &v) || v > INT_LIMIT || v < -INT_LIMIT)
		return -EPROTO;
	*prev = v;
	return 0;
}

/*
 * The XOR stream of the integer values in e->val, written into out: for the
 * switch to XOR mode and for an emit where XOR is smaller.  O(samples).
 */
static void xor_from_int(const struct chunk_enc *e, struct chunk_bits *out)
{
	struct chunk_bitreader r = { e->val.buf, e->val.nr_bits, 0 };
	struct chunk_xor x = { 0 };
	int64_t prev = 0, delta = 0;

	for (uint32_t i = 0; i < e->nr_samples; i++) {
		/* the encoder's own stream: it cannot fail */
		if (int_get(&prev, &delta, &r) < 0)
			abort();
		xor_put(&x, out, double_bits((double)prev), i == 0);
	}
}

void chunk_enc_init(struct chunk_enc *e)
{
	memset(e, 0, sizeof(*e));
	e->int_mode = true;
}

void chunk_enc_release(struct chunk_enc *e)
{
	bits_release(&e->ts);
	bits_release(&e->val);
	chunk_enc_init(e);
}

static void enc_switch_to_xor(struct chunk_enc *e)
{
	struct chunk_bits x = { 0 };

	xor_from_int(e, &x);
	bits_release(&e->val);
	e->val = x;
	e->int_mode = false;
}

int chunk_enc_add(struct chunk_enc *e, int64_t t_ms, double v)
{
	int64_t delta = 0, iv = 0;
	uint64_t vb = double_bits(v);

	if (e->nr_samples == UINT32_MAX)
		return -E2BIG;
	if (e->nr_samples) {
		if (t_ms <= e->last_t || __builtin_sub_overflow(t_ms, e->last_t, &delta))
			return -EINVAL;
		/* delta and the reference are in [0, INT64_MAX]: no overflow */
		int64_t diff = delta - e->cadence.ref_ms;

		if (diff)
			put_value(&e->ts, &ts_code, diff);
		else
			put_prefix(&e->ts, &ts_code, 0);
		cadence_update(&e->cadence, delta, diff, e->nr_samples == 1);
	} else {
		e->first_t = t_ms;
	}
	e->last_t = t_ms;
	if (e->int_mode && !is_int_value(v, &iv))
		enc_switch_to_xor(e);
	if (e->int_mode) {
		int_put(e, iv);
		xor_put(&e->xor, NULL, vb, e->nr_samples == 0);
	} else {
		xor_put(&e->xor, &e->val, vb, e->nr_samples == 0);
	}
	e->nr_samples++;
	return 0;
}

size_t chunk_enc_count(const struct chunk_enc *e)
{
	return e->nr_samples;
}

int64_t chunk_enc_first_t(const struct chunk_enc *e)
{
	return e->first_t;
}

int64_t chunk_enc_last_t(const struct chunk_enc *e)
{
	return e->last_t;
}

static void put_varint(struct strbuf *out, uint64_t v)
{
	uint8_t b[10];
	size_t n = 0;

	do {
		b[n] = (uint8_t)(v & 0x7f);
		v >>= 7;
		if (v)
			b[n] |= 0x80;
		n++;
	} while (v);
	strbuf_add(out, b, n);
}

static uint64_t zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static int64_t unzigzag(uint64_t u)
{
	return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

void chunk_enc_emit(const struct chunk_enc *e, struct strbuf *out)
{
	struct chunk_bits x = { 0 };
	const struct chunk_bits *val = &e->val;
	uint8_t mode = e->int_mode ? CHUNK_MODE_INT : CHUNK_MODE_XOR;

	if (e->int_mode && e->xor.nr_bits < e->val.nr_bits) {
		xor_from_int(e, &x);
		val = &x;
		mode = CHUNK_MODE_XOR;
	}
	strbuf_reset(out);
	strbuf_addch(out, CHUNK_VERSION);
	strbuf_addch(out, (char)mode);
	put_varint(out, e->nr_samples);
	if (e->nr_samples) {
		size_t ts_len = (e->ts.nr_bits + 7) / 8;

		put_varint(out, zigzag(e->first_t));
		put_varint(out, ts_len);
		if (ts_len) /* a chunk of one sample has no timestamp bits */
			strbuf_add(out, e->ts.buf, ts_len);
		strbuf_add(out, val->buf, (val->nr_bits + 7) / 8);
	}
	bits_release(&x);
}

static int get_varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	uint64_t acc = 0;

	for (unsigned shift = 0; shift < 64; shift += 7) {
		if (*p == end)
			return -EPROTO;
		uint8_t b = *(*p)++;

		if (shift == 63 && b > 1)
			return -EPROTO;
		acc |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*v = acc;
			return 0;
		}
	}
	return -EPROTO;
}

int chunk_dec_init(struct chunk_dec *d, const void *data, size_t len)
{
	const uint8_t *p = data, *end = p + len;
	uint64_t count, first, ts_len;

	memset(d, 0, sizeof(*d));
	d->err = -EPROTO;
	if (len < 3 || p[0] != CHUNK_VERSION)
		return -EPROTO;
	d->mode = p[1];
	if (d->mode != CHUNK_MODE_INT && d->mode != CHUNK_MODE_XOR)
		return -EPROTO;
	p += 2;
	if (get_varint(&p, end, &count) < 0 || count > UINT32_MAX)
		return -EPROTO;
	if (count) {
		if (get_varint(&p, end, &first) < 0 || get_varint(&p, end, &ts_len) < 0)
			return -EPROTO;
		if (ts_len > (size_t)(end - p))
			return -EPROTO;
		d->ts = (struct chunk_bitreader){ p, ts_len * 8, 0 };
		p += ts_len;
		d->val = (struct chunk_bitreader){ p, (size_t)(end - p) * 8, 0 };
		/* every sample takes at least one bit of each stream (the first no timestamp bit)
		 */
		if (count - 1 > d->ts.nr_bits || count > d->val.nr_bits)
			return -EPROTO;
		d->t = unzigzag(first);
	}
	d->nr_samples = (uint32_t)count;
	d->err = 0;
	return 0;
}

uint32_t chunk_dec_count(const struct chunk_dec *d)
{
	return d->nr_samples;
}

static int dec_time(struct chunk_dec *d)
{
	int64_t diff, delta;
	unsigned k;

	if (!d->nr_read)
		return 0; /* the first timestamp came with the header */
	if (get_code(&d->ts, &ts_code, &k, &diff) < 0)
		return -EPROTO;
	if (__builtin_add_overflow(d->cadence.ref_ms, diff, &delta) || delta <= 0)
		return -EPROTO;
	if (__builtin_add_overflow(d->t, delta, &d->t))
		return -EPROTO;
	cadence_update(&d->cadence, delta, diff, d->nr_read == 1);
	return 0;
}

int chunk_dec_next(struct chunk_dec *d, int64_t *t_ms, double *v)
{
	uint64_t u;

	if (d->err)
		return d->err;
	if (d->nr_read == d->nr_samples)
		return 0;
	if (dec_time(d) < 0)
		goto corrupt;
	if (d->mode == CHUNK_MODE_INT) {
		if (int_get(&d->int_prev, &d->int_delta, &d->val) < 0)
			goto corrupt;
		*v = (double)d->int_prev;
	} else {
		if (xor_get(&d->xor, &d->val, d->nr_read == 0, &u) < 0)
			goto corrupt;
		*v = bits_double(u);
	}
	*t_ms = d->t;
	d->nr_read++;
	return 1;
corrupt:
	d->err = -EPROTO;
	return -EPROTO;
}
