/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Quantities for people: one convention for every text output
 * (docs/COMMANDS.md, "Units").
 *
 * Bytes are shown in binary IEC units with their IEC names: B, KiB, MiB,
 * GiB, TiB, PiB (1 KiB = 1024 B), rates the same per second (KiB/s).  That
 * is what sar, iftop and nethogs compute; the IEC name makes it
 * unambiguous.  JSON and CSV carry raw bytes and bytes per second.
 *
 * Exceptions, each where a peer's format is the contract: `sockets -i`
 * prints ss's own rate format ("1.5Mbps", decimal bits), and link speeds
 * are the nominal decimal ratings drivers report ("1000Mb/s", as ethtool).
 */
#ifndef CONNMON_BASE_UNITS_H
#define CONNMON_BASE_UNITS_H

#include <stddef.h>
#include <stdint.h>

/*
 * Divides *v by base (1000 or 1024) while it is at least base and a larger
 * unit exists among nr_units; returns the index of the unit *v is now in.
 */
size_t units_scale(double *v, double base, size_t nr_units);

#define UNITS_NR(a) (sizeof(a) / sizeof((a)[0]))

enum units_kind {
	UNITS_BYTES,	   /* "512 B", "1.50 KiB", "47.7 MiB" */
	UNITS_BYTES_PER_S, /* "0 B/s", "12.3 KiB/s", "1.02 GiB/s" */
};

/* Room for any units_fmt() result and its NUL ("1023 PiB/s", "-" for NaN). */
#define UNITS_BUF_LEN 16

/*
 * Formats v (bytes, or bytes per second) into buf with the largest binary
 * unit that keeps it at or above 1: three significant digits (two decimals
 * below 10, one below 100, none from 100), a whole number in B and B/s.
 * At most 10 characters: "1023 KiB/s" is the widest.  Negative values and
 * NaN print as 0.  Returns buf (len >= UNITS_BUF_LEN).
 */
const char *units_fmt(char *buf, size_t len, double v, enum units_kind kind);

/*
 * A plain number right-aligned in width characters for fixed-width tables:
 * max_decimals decimals when that fits, fewer when not, and wider than width
 * only when even the whole number does not fit.  Returns buf (len >= 32).
 */
const char *units_fmt_fit(char *buf, size_t len, double v, unsigned width, unsigned max_decimals);

/* Room for a units_utc() result and its NUL. */
#define UNITS_UTC_LEN 24

/*
 * Seconds since the epoch as UTC ISO 8601, as every JSON time and
 * timestamp line of connmon spells it: "2026-11-24T06:00:00Z".  Returns buf
 * (len >= UNITS_UTC_LEN).
 */
const char *units_utc(char *buf, size_t len, int64_t epoch_s);

#endif
