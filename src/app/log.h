/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The agent's log: one line per event on stderr, with a level.  Under
 * systemd (stderr connected to the journal: $JOURNAL_STREAM names it) each
 * line starts with the sd-daemon priority prefix "<3>".."<7>" so the
 * journal keeps the level and adds its own time; elsewhere it starts with
 * an ISO-8601 UTC time and the level word.  Messages below the configured
 * level are dropped.  Recurring conditions are the caller's to rate-limit
 * (log_once_* helpers keep a flag for them).
 *
 * Process-wide state (the level and the journal detection) lives in one
 * static struct: the log is the process's stderr, of which there is one.
 */
#ifndef CONNMON_APP_LOG_H
#define CONNMON_APP_LOG_H

#include <stdbool.h>

enum log_level {
	LOG_LVL_ERROR = 3,
	LOG_LVL_WARNING = 4,
	LOG_LVL_INFO = 6,
	LOG_LVL_DEBUG = 7,
};

void log_setup(enum log_level level);
void log_set_level(enum log_level level);
/* "error" "warning" "info" "debug"; false when s is none of them. */
bool log_level_parse(const char *s, enum log_level *out);

__attribute__((format(printf, 2, 3))) void log_msg(enum log_level level, const char *fmt, ...);

#define log_error(...) log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_LVL_WARNING, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#endif
