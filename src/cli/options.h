/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Command-line options shared by the socket commands (sockets, summary, kill,
 * the overview): ss's flags with ss's meanings, connmon's output and counting
 * options, and the trailing filter words.
 *
 *   -t -u -w -x   TCP, UDP, RAW, UNIX (none given: all of them, like ss)
 *   -4 -6         IPv4 / IPv6 only
 *   -l -a         listening only / all states (default: connected, as ss)
 *   -n -r         numeric ports / resolve host names
 *   -p -i -e -m -o   processes, tcp_info, extended, memory, timers
 *   -H            no header line
 *   -W            the full table layout (default: fit 80 columns, or the terminal)
 *   -N NETNS      run inside a named network namespace
 *   -F FILE       read the filter from FILE ('-' for stdin)
 *   -w SEC is the only flag whose meaning depends on an argument: `-w` alone
 *   (or followed by another flag) is ss's RAW; `-w 2` / `--watch 2` repeats.
 *   --json --csv --group-by KEY --top N --count --sort KEY --watch SEC
 *   --iterations N --yes --help --procfs
 *
 * sock_opts_parse() fills *o from argv (argv[0] is the command name) and
 * returns 0, or -EINVAL with a message naming the bad word in *err (the
 * caller prints it and exits 2).  The filter is parsed with cli/filter_parse.
 * sock_opts_release() frees the filter and strings.
 */
#ifndef CONNMON_CLI_OPTIONS_H
#define CONNMON_CLI_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "base/services.h"
#include "base/strbuf.h"
#include "model/filter.h"

enum out_format {
	OUT_TABLE,
	OUT_JSON,
	OUT_CSV,
};

struct sock_opts {
	uint32_t protos; /* PROTO_BIT() mask */
	bool want_v4, want_v6;
	uint32_t states; /* effective SOCK_STATE_BIT mask after -l/-a/state words */
	bool listening, all;
	bool numeric, resolve;
	bool processes, info, extended, memory, timers;
	bool no_header;
	bool wide; /* -W, --wide */
	enum out_format format;
	const char *netns;	 /* -N, borrowed from argv */
	const char *filter_file; /* -F, borrowed from argv */
	const char *group_by;	 /* --group-by KEY, borrowed */
	const char *sort_key;	 /* --sort KEY, borrowed */
	long top;		 /* --top N, 0 = all */
	bool count;		 /* --count */
	bool yes;		 /* --yes (kill) */
	bool help;		 /* -h/--help: print usage, nothing else */
	bool procfs;		 /* --procfs: read /proc/net even when sock_diag works */
	double watch_sec;	 /* -w/--watch SEC, 0 = once */
	long watch_count;	 /* --iterations N, 0 = forever */
	struct filter filter;
	char *filter_text;   /* the joined filter words, owned */
	struct services svc; /* /etc/services, loaded once on first need */
	bool svc_loaded;
};

void sock_opts_init(struct sock_opts *o);
void sock_opts_release(struct sock_opts *o);
int sock_opts_parse(struct sock_opts *o, int argc, char **argv, struct strbuf *err);
/* Port names, read from /etc/services on the first call (empty when it is missing). */
struct services *sock_opts_services(struct sock_opts *o);

#endif
