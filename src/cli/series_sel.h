/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A series selector, as `connmon baseline SERIES...` takes it: a metric name
 * with optional label matchers written as the Prometheus text format writes
 * labels (docs/COMMANDS.md, "connmon baseline"):
 *
 *   connmon_tcp_sockets
 *   connmon_tcp_sockets{state="established"}
 *   connmon_tcp_port_sockets{port="443", state="time_wait"}
 *
 * The name is [a-zA-Z_:][a-zA-Z0-9_:]*; a key [a-zA-Z_][a-zA-Z0-9_]*; a
 * value is double-quoted with the escapes \\ \" \n and holds no other
 * control character.  Spaces may stand around the braces' contents, the
 * '=' and the ','; a trailing ',' is accepted, as Prometheus does.  At most
 * SERIES_SEL_MAX_MATCH matchers, each key once, and SERIES_SEL_MAX_LEN bytes.
 *
 * A series matches when its name is the selector's and each matcher's key
 * has exactly that value among its labels; keys the selector does not give
 * may hold anything (PromQL's equality matchers).  `name{}` is `name`.
 *
 * Ownership: the selector owns its strings (series_sel_release()).
 * Errors: series_sel_parse() returns 0, or -EINVAL with one sentence in err
 * naming the selector (display-safe), the column and what would be accepted;
 * on error the selector is empty.
 */
#ifndef CONNMON_CLI_SERIES_SEL_H
#define CONNMON_CLI_SERIES_SEL_H

#include <stdbool.h>
#include <stddef.h>

#include "base/strbuf.h"

#define SERIES_SEL_MAX_MATCH 8
#define SERIES_SEL_MAX_LEN   1024

struct series_sel_match {
	char *key;
	char *value; /* unescaped */
};

struct series_sel {
	char *name;
	struct series_sel_match match[SERIES_SEL_MAX_MATCH];
	size_t nr_match;
};

int series_sel_parse(struct series_sel *s, const char *text, struct strbuf *err);
void series_sel_release(struct series_sel *s);

/* Whether the series (name, labels string in the text format) is selected. */
bool series_sel_matches(const struct series_sel *s, const char *name, const char *labels);

/*
 * The Levenshtein distance between a and b (bytes), for "did you mean"
 * lists; counting stops at cap (the result is then cap).  O(len(a) x
 * len(b)) time, O(len(b)) memory.
 */
size_t series_sel_distance(const char *a, const char *b, size_t cap);

#endif
