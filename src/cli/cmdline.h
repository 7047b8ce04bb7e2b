/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One vocabulary for every command's options, parsed here and nowhere else
 * (docs/COMMANDS.md, "Options"):
 *
 *   -h, --help            usage on stdout, exit 0, nothing else runs
 *   -N, --net NETNS       the network namespace (entered by app_main)
 *   --json, --csv         machine-readable output; they exclude each other
 *   -w, --watch SEC       repeat every SEC seconds ...
 *   --iterations N        ... N times (default: until interrupted)
 *   -s, --seconds SEC     one-shot: measure over SEC seconds (default 1)
 *   -i, --iface IFACE     an interface (a list, or repeated, where a command takes several)
 *   --top N, --sort KEY   the first N rows, ordered by KEY
 *   -W, --wide            the wide layout (default: fit 80 columns, or the terminal)
 *
 * and the flags only some commands take (-e, -a, -P, -f, -r, -n, --engine,
 * --all-netns, --sysfs).  A command says which it accepts (struct cli_cmd);
 * anything else is "unknown option" with a hint when it is another
 * command's spelling.  The ss-compatible socket commands parse their ss
 * flags in cli/options.c with the same value parsers.
 *
 * Values: seconds from 0.001 to 86400 (a decimal number), counts from 1 to
 * 1,000,000,000.  Errors name the option, the bad value and what would be
 * accepted; cli_parse() writes that sentence into err and returns -EINVAL.
 *
 * Ownership: cli_opts borrows its strings from argv, except ifaces (owned,
 * freed by cli_opts_release()).
 */
#ifndef CONNMON_CLI_CMDLINE_H
#define CONNMON_CLI_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>

#include "base/strbuf.h"

#define CLI_SECONDS_MIN 0.001
#define CLI_SECONDS_MAX 86400.0
#define CLI_COUNT_MAX	1000000000L

/* What a command accepts besides -h, -N, --json. */
enum {
	CLI_CSV = 1u << 0,
	CLI_WATCH = 1u << 1,   /* -w SEC, --iterations N */
	CLI_SECONDS = 1u << 2, /* -s SEC */
	CLI_IFACE = 1u << 3,   /* -i IFACE, one */
	CLI_IFACES = 1u << 4,  /* -i IFACE[,IFACE...], repeatable */
	CLI_TOP = 1u << 5,
	CLI_SORT = 1u << 6,
	CLI_WIDE = 1u << 7,
	CLI_EDEV = 1u << 8,	  /* -e, --edev */
	CLI_ALL = 1u << 9,	  /* -a, --all */
	CLI_ENGINE = 1u << 10,	  /* --engine auto|tcpinfo|capture */
	CLI_ALL_NETNS = 1u << 11, /* --all-netns */
	CLI_BPF = 1u << 12,	  /* -f FILTER */
	CLI_PORTS = 1u << 13,	  /* -P */
	CLI_READ = 1u << 14,	  /* -r FILE */
	CLI_NUMERIC = 1u << 15,	  /* -n */
	CLI_SYSFS = 1u << 16,	  /* --sysfs DIR */
	CLI_SAR_COUNT = 1u << 17, /* `-w SEC COUNT`, as sar takes it */
	CLI_AGENT = 1u << 18,	  /* -c/--config FILE, --interval SEC, --listen ADDR, --once,
				     --respond MODE, --allow NET (repeatable), --remove-rules */
	CLI_DB = 1u << 19,	  /* --db PATH */
	CLI_RANGE = 1u << 20,	  /* --since T, --until T, --step SEC */
	CLI_PORT = 1u << 21,	  /* --port P */
	CLI_OUTPUT = 1u << 22,	  /* -o, --output FILE */
	CLI_ARGS = 1u << 23,	  /* words that are not options (a view, series names) */
	CLI_SAR = 1u << 24,	  /* --sar (history import) */
	CLI_RULE = 1u << 25,	  /* --rule NAME (alerts, check) */
	CLI_BLOCK = 1u << 26,	  /* -f/--file FILE, --for DUR, --reason TEXT (block) */
	CLI_SCREEN = 1u << 27,	  /* top: -i/--interval SEC, --view NAME, --filter EXPR, --ascii,
				     --no-color */
};

struct cli_cmd {
	const char *name; /* "ifaces" */
	unsigned accepts; /* CLI_* */
};

struct cli_opts {
	bool help;
	bool json, csv, wide;
	const char *netns;
	double watch_s;	 /* 0: not given */
	long iterations; /* 0: until interrupted */
	double seconds;	 /* 0: not given */
	char **ifaces;	 /* owned */
	size_t nr_ifaces, alloc_ifaces;
	long top;	  /* 0: all */
	const char *sort; /* NULL: the command's default */
	bool edev, all, all_netns, ports, numeric;
	const char *engine, *bpf, *file, *sysfs;
	const char *config, *db, *listen, *since, *until, *output;
	double interval_s, step_s; /* 0: not given */
	int port;		   /* 0: not given */
	bool once, sar;
	const char **args; /* CLI_ARGS: borrowed from argv; the array is owned */
	size_t nr_args, alloc_args;
	const char *rule;	 /* --rule NAME */
	const char *alerts_file; /* agent --alerts-file PATH */
	const char *
		*auth_logs; /* agent --auth-log PATH, repeatable: borrowed; the array is owned */
	size_t nr_auth_logs, alloc_auth_logs;
	const char *respond; /* --respond off|dry-run|on (checked by config_set) */
	const char **allows; /* --allow, in order: borrowed; the array is owned */
	size_t nr_allows, alloc_allows;
	bool remove_rules;
	const char *block_file, *block_for, *reason; /* block: -f FILE, --for DUR, --reason TEXT */
	const char *view,
		*filter;      /* top: --view NAME, --filter EXPR (ss grammar); -i sets interval_s */
	bool ascii, no_color; /* top: --ascii, --no-color */
};

void cli_opts_init(struct cli_opts *o);
void cli_opts_release(struct cli_opts *o);
/* argv[0] is the command name.  0, or -EINVAL with the sentence in err. */
int cli_parse(const struct cli_cmd *cmd, struct cli_opts *o, int argc, char **argv,
	      struct strbuf *err);

/* The shared value parsers: 0, or -EINVAL with the sentence in err. */
int cli_parse_seconds(const char *opt, const char *val, double *out, struct strbuf *err);
int cli_parse_count(const char *opt, const char *val, long *out, struct strbuf *err);
int cli_parse_port(const char *opt, const char *val, int *out, struct strbuf *err);

/* "connmon CMD: MSG\nTry 'connmon CMD --help'.\n" on stderr; returns 2 (the exit code). */
int cli_usage_error(const char *cmd, const char *msg);

#endif
