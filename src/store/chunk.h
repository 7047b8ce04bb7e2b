/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The chunk codec: the (t_ms, value) samples of one series for one time
 * block, compressed as Gorilla (Pelkonen et al., VLDB 2015) and Prometheus's
 * XOR chunks do.  The byte layout is in docs/STORE.md, "Chunk encoding".
 *
 * Timestamps are int64 milliseconds since the Unix epoch, strictly
 * increasing within a chunk; the first is stored whole, the others as the
 * difference of their delta from the cadence in variable-length buckets (a
 * regular cadence costs 1 bit a sample, a wobble of a millisecond 3 or 4).  Any int64 timestamp is
 * accepted, as long as each one is greater than the previous and their difference fits in int64 (<
 * 2^63 ms).
 *
 * Values are doubles and round-trip bit-exactly: -0.0, +-Inf and NaN with
 * its payload and sign.  While every value is an integer with |v| <= 2^53
 * (-0.0 excluded) the encoder keeps them as integer deltas of deltas (an
 * unchanged gauge or a steady counter costs ~1 bit a sample), and counts
 * what Gorilla's XOR encoding would take; it emits the smaller.  The first
 * value that is not such an integer moves the chunk to XOR for good.
 *
 * Memory: an open chunk holds its two bit streams (timestamps, values), so
 * it costs about its encoded size, plus the fixed struct.  Appending is O(1)
 * amortised and allocates only to grow the streams; emitting is
 * O(encoded size).
 */
#ifndef CONNMON_STORE_CHUNK_H
#define CONNMON_STORE_CHUNK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/strbuf.h"

/* Format version 1: the first byte of every chunk. */
#define CHUNK_VERSION 1

/* A growable bit stream, written most significant bit first.  Owns buf. */
struct chunk_bits {
	uint8_t *buf;	/* NULL until the first bit; bytes past nr_bits are zero */
	size_t nr_bits; /* bits written */
	size_t alloc;	/* bytes allocated */
};

/*
 * Timestamp state: the reference delta the next delta is coded against, and
 * the last difference from it.
 */
struct chunk_cadence {
	int64_t ref_ms;
	int64_t last_diff_ms;
};

/* Gorilla XOR state: the previous value's bits and the current window. */
struct chunk_xor {
	uint64_t prev;
	uint8_t lead, trail; /* the window: leading and trailing zero bits */
	bool window;	     /* a window was set (lead, trail valid) */
	size_t nr_bits;	     /* bits the XOR encoding of the values so far takes */
};

/*
 * The encoder of one open chunk.  Embeddable: chunk_enc_init() it, and
 * chunk_enc_release() it to free its streams.  Fields are private.
 */
struct chunk_enc {
	uint32_t nr_samples;
	int64_t first_t, last_t;
	struct chunk_cadence cadence;
	struct chunk_bits ts;  /* delta codes of samples 2..n */
	struct chunk_bits val; /* integer codes while int_mode, else XOR codes */
	bool int_mode;
	int64_t int_prev, int_delta; /* integer mode: previous value and delta */
	struct chunk_xor xor ;	     /* XOR state; only counted while int_mode */
};

void chunk_enc_init(struct chunk_enc *e);
/* Frees the streams; e is then empty, as after chunk_enc_init(). */
void chunk_enc_release(struct chunk_enc *e);
/*
 * Appends one sample.  Returns 0; -EINVAL when t_ms is not greater than the
 * previous t_ms or t_ms - previous does not fit in int64; -E2BIG when the
 * chunk already holds UINT32_MAX samples.  On error e is unchanged.
 */
int chunk_enc_add(struct chunk_enc *e, int64_t t_ms, double v);
size_t chunk_enc_count(const struct chunk_enc *e);
/* The first and last timestamps added; valid when the count is > 0. */
int64_t chunk_enc_first_t(const struct chunk_enc *e);
int64_t chunk_enc_last_t(const struct chunk_enc *e);
/*
 * Writes the encoding of every sample added so far into out, replacing its
 * content (out should have no max_len).  e is unchanged: appending may go on
 * afterwards, and a later emit covers every sample.
 */
void chunk_enc_emit(const struct chunk_enc *e, struct strbuf *out);

/* Reads one bit stream of a chunk, borrowed. */
struct chunk_bitreader {
	const uint8_t *data;
	size_t nr_bits, pos;
};

/*
 * A decoder over a chunk's bytes, which it borrows: they must outlive it.
 * Nothing to release.  Fields are private.
 */
struct chunk_dec {
	struct chunk_bitreader ts, val;
	uint32_t nr_samples, nr_read;
	uint8_t mode;
	int err; /* sticky: once corrupt, always corrupt */
	int64_t t;
	struct chunk_cadence cadence;
	int64_t int_prev, int_delta;
	struct chunk_xor xor ;
};

/* Returns 0, or -EPROTO when the header is bad (unknown version or mode, sizes that do not fit). */
int chunk_dec_init(struct chunk_dec *d, const void *data, size_t len);
uint32_t chunk_dec_count(const struct chunk_dec *d);
/*
 * Returns 1 with the next sample in *t_ms and *v; 0 after the last one;
 * -EPROTO when the data is corrupt or truncated (then on every later call).
 * Never reads out of bounds and never loops forever, whatever the bytes: a
 * sequence it returns has strictly increasing timestamps.
 */
int chunk_dec_next(struct chunk_dec *d, int64_t *t_ms, double *v);

#endif
