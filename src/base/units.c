// SPDX-License-Identifier: GPL-2.0-or-later
#include "base/units.h"

#include <math.h>
#include <stdio.h>
#include <time.h>

size_t units_scale(double *v, double base, size_t nr_units)
{
	size_t u = 0;

	while (*v >= base && u + 1 < nr_units) {
		*v /= base;
		u++;
	}
	return u;
}

static int decimals_for(double v)
{
	return v < 9.995 ? 2 : v < 99.95 ? 1 : 0;
}

const char *units_fmt(char *buf, size_t len, double v, enum units_kind kind)
{
	static const char *const bytes[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	const char *suffix = kind == UNITS_BYTES_PER_S ? "/s" : "";
	size_t u;

	if (!(v > 0)) /* also NaN */
		v = 0;
	u = units_scale(&v, 1024, UNITS_NR(bytes));
	/* 1023.7 KiB would print as "1024 KiB": that is 1.00 MiB. */
	if (u > 0 && v >= 1023.5 && u + 1 < UNITS_NR(bytes)) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%.0f %s%s", v, bytes[u], suffix);
	else
		snprintf(buf, len, "%.*f %s%s", decimals_for(v), v, bytes[u], suffix);
	return buf;
}

const char *units_fmt_fit(char *buf, size_t len, double v, unsigned width, unsigned max_decimals)
{
	int n = 0;

	if (isnan(v))
		v = 0;
	for (int d = (int)max_decimals; d >= 0; d--) {
		n = snprintf(buf, len, "%*.*f", (int)width, d, v);
		if (n >= 0 && (unsigned)n <= width)
			break;
	}
	return buf;
}

const char *units_utc(char *buf, size_t len, int64_t epoch_s)
{
	time_t t = (time_t)epoch_s;
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, len, "?");
	return buf;
}
