/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Points in time as an operator types them for --since and --until
 * (sar's -s/-e, friendlier):
 *
 *   now
 *   -2h, -15m, -30s, -7d, -1w     relative to now (units s m h d w)
 *   today, yesterday              local midnight of that day
 *   HH:MM, HH:MM:SS               today, local time
 *   2026-11-29                    local midnight of that date
 *   2026-11-29T14:05[:07]         local time (a space instead of T works too)
 *   ...Z or ...+01:00 / -0530     that offset instead of the local zone
 *   @1764430000                   Unix seconds
 *
 * Pure: the current time and the local zone come from the caller (now_ms,
 * and the process's TZ through mktime/localtime_r), so tests fix both.
 * Errors: -EINVAL with a sentence in err naming the text and the accepted
 * forms.
 */
#ifndef CONNMON_CLI_TIMESPEC_H
#define CONNMON_CLI_TIMESPEC_H

#include <stdint.h>

#include "base/strbuf.h"

/* Parses text into *t_ms (ms since the epoch).  opt names the option for the message. */
int timespec_parse(const char *opt, const char *text, int64_t now_ms, int64_t *t_ms,
		   struct strbuf *err);

#endif
