// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli/timespec.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MS 1000LL

/* Reads exactly n digits; false otherwise. */
static bool digits(const char **p, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return false;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return true;
}

static int relative(const char *s, int64_t now_ms, int64_t *t_ms)
{
	char *end;
	double v;
	int64_t unit;

	errno = 0;
	v = strtod(s + 1, &end);
	if (errno || end == s + 1 || v < 0 || v > 1e7 || !end[0] || end[1])
		return -EINVAL;
	switch (*end) {
	case 's':
		unit = MS;
		break;
	case 'm':
		unit = 60 * MS;
		break;
	case 'h':
		unit = 3600 * MS;
		break;
	case 'd':
		unit = 86400 * MS;
		break;
	case 'w':
		unit = 7 * 86400 * MS;
		break;
	default:
		return -EINVAL;
	}
	*t_ms = now_ms - (int64_t)(v * (double)unit);
	return 0;
}

/* Local midnight of the day now_ms falls in, days_back days earlier. */
static int64_t midnight(int64_t now_ms, int days_back)
{
	time_t t = (time_t)(now_ms / MS);
	struct tm tm;

	localtime_r(&t, &tm);
	tm.tm_mday -= days_back;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm) * MS;
}

/* HH:MM[:SS] at p; advances p. */
static bool clock_time(const char **p, struct tm *tm)
{
	int h, m, s = 0;

	if (!digits(p, 2, &h) || **p != ':')
		return false;
	(*p)++;
	if (!digits(p, 2, &m))
		return false;
	if (**p == ':') {
		(*p)++;
		if (!digits(p, 2, &s))
			return false;
	}
	if (h > 23 || m > 59 || s > 60)
		return false;
	tm->tm_hour = h;
	tm->tm_min = m;
	tm->tm_sec = s;
	return true;
}

/* Z, +HH:MM, +HHMM, -HH:MM at p: the offset east of UTC in seconds. */
static bool zone(const char *p, bool *has, long *off_s)
{
	int h, m = 0, sign;

	*has = false;
	if (!*p)
		return true;
	if (p[0] == 'Z' && !p[1]) {
		*has = true;
		*off_s = 0;
		return true;
	}
	if (*p != '+' && *p != '-')
		return false;
	sign = *p++ == '-' ? -1 : 1;
	if (!digits(&p, 2, &h))
		return false;
	if (*p == ':')
		p++;
	if (*p && !digits(&p, 2, &m))
		return false;
	if (*p || h > 14 || m > 59)
		return false;
	*has = true;
	*off_s = sign * (h * 3600L + m * 60L);
	return true;
}

static int absolute(const char *s, int64_t now_ms, int64_t *t_ms)
{
	const char *p = s;
	struct tm tm;
	time_t now = (time_t)(now_ms / MS), t;
	bool has_zone;
	long off = 0;
	int y, mo, d;

	localtime_r(&now, &tm);
	if (digits(&p, 4, &y) && *p == '-') {
		p++;
		if (!digits(&p, 2, &mo) || *p++ != '-' || !digits(&p, 2, &d))
			return -EINVAL;
		if (mo < 1 || mo > 12 || d < 1 || d > 31 || y < 1970 || y > 9999)
			return -EINVAL;
		tm.tm_year = y - 1900;
		tm.tm_mon = mo - 1;
		tm.tm_mday = d;
		tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
		if (*p == 'T' || *p == ' ') {
			p++;
			if (!clock_time(&p, &tm))
				return -EINVAL;
		}
	} else {
		p = s;
		if (!clock_time(&p, &tm))
			return -EINVAL;
	}
	if (!zone(p, &has_zone, &off))
		return -EINVAL;
	tm.tm_isdst = -1;
	if (has_zone) {
		t = timegm(&tm);
		t -= off;
	} else {
		t = mktime(&tm);
	}
	if (t == (time_t)-1)
		return -EINVAL;
	*t_ms = (int64_t)t * MS;
	return 0;
}

int timespec_parse(const char *opt, const char *text, int64_t now_ms, int64_t *t_ms,
		   struct strbuf *err)
{
	int ret = -EINVAL;

	if (!strcmp(text, "now")) {
		*t_ms = now_ms;
		ret = 0;
	} else if (!strcmp(text, "today")) {
		*t_ms = midnight(now_ms, 0);
		ret = 0;
	} else if (!strcmp(text, "yesterday")) {
		*t_ms = midnight(now_ms, 1);
		ret = 0;
	} else if (text[0] == '-') {
		ret = relative(text, now_ms, t_ms);
	} else if (text[0] == '@') {
		char *end;
		long long v;

		errno = 0;
		v = strtoll(text + 1, &end, 10);
		if (!errno && end != text + 1 && !*end && v >= 0 && v < 253402300800LL) {
			*t_ms = v * MS;
			ret = 0;
		}
	} else {
		ret = absolute(text, now_ms, t_ms);
	}
	if (ret < 0)
		strbuf_addf(
			err,
			"invalid time '%s' for '%s': expected now, today, yesterday, -15m, "
			"-2h, -7d, HH:MM[:SS], YYYY-MM-DD[THH:MM[:SS]][Z|+HH:MM] or @UNIXSECONDS",
			text, opt);
	return ret;
}
