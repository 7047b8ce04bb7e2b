// SPDX-License-Identifier: GPL-2.0-or-later
#include "app/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static struct {
	enum log_level level;
	bool journal;
} log_state = { LOG_LVL_INFO, false };

/* $JOURNAL_STREAM is "DEV:INO" of the journal's socket; true when it is our stderr. */
static bool stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (!js || sscanf(js, "%llu:%llu", &dev, &ino) != 2 || fstat(STDERR_FILENO, &st) < 0)
		return false;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void log_setup(enum log_level level)
{
	log_state.level = level;
	log_state.journal = stderr_is_journal();
}

void log_set_level(enum log_level level)
{
	log_state.level = level;
}

bool log_level_parse(const char *s, enum log_level *out)
{
	static const struct {
		const char *name;
		enum log_level level;
	} names[] = {
		{ "error", LOG_LVL_ERROR },
		{ "warning", LOG_LVL_WARNING },
		{ "info", LOG_LVL_INFO },
		{ "debug", LOG_LVL_DEBUG },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(s, names[i].name)) {
			*out = names[i].level;
			return true;
		}
	return false;
}

static const char *level_word(enum log_level l)
{
	switch (l) {
	case LOG_LVL_ERROR:
		return "error";
	case LOG_LVL_WARNING:
		return "warning";
	case LOG_LVL_INFO:
		return "info";
	default:
		return "debug";
	}
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	char line[1024], stamp[32];
	struct timespec ts;
	struct tm tm;
	va_list ap;
	int n;

	if (level > log_state.level)
		return;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (log_state.journal) {
		fprintf(stderr, "<%d>%s\n", (int)level, line);
	} else {
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
		fprintf(stderr, "%s connmon agent: %s: %s\n", stamp, level_word(level), line);
	}
	fflush(stderr);
}
