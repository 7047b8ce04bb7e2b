// SPDX-License-Identifier: GPL-2.0-or-later
#include "app/app.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "app/commands.h"
#include "base/strbuf.h"
#include "cli/cmdline.h"
#include "collect/netns.h"

static const struct command {
	const char *name;
	int (*run)(const struct app_ctx *ctx, int argc, char **argv);
	const char *help;
} commands[] = {
	{ "sockets", cmd_sockets, "list and filter sockets (ss), count and group them" },
	{ "summary", cmd_summary, "totals, state shares, queues, limits (ss -s and more)" },
	{ "kill", cmd_kill, "destroy matching TCP sockets (ss -K), after confirmation" },
	{ "ifaces", cmd_ifaces,
	  "per-interface rates, errors, drops, utilisation (sar -n DEV,EDEV)" },
	{ "proto", cmd_proto,
	  "protocol counters as rates, retransmit and loss ratios (netstat -s)" },
	{ "flows", cmd_flows, "traffic per host pair or port pair, from a capture (iftop)" },
	{ "procs", cmd_procs, "traffic per process, TCP and UDP (nethogs)" },
	{ "top", cmd_top, "a live full screen of all of it (htop, iftop, nethogs)" },
	{ "agent", cmd_agent, "the daemon: records history, serves /metrics" },
	{ "history", cmd_history, "recorded history: sockets, ifaces, proto, peers... (sar -f)" },
	{ "baseline", cmd_baseline, "usual bands per hour of the week, and where values stand" },
	{ "report", cmd_report,
	  "charts of the history with baseline bands, HTML or SVG (sadf -g)" },
	{ "alerts", cmd_alerts, "alerts recorded by the agent: firing now, or every event" },
	{ "check", cmd_check, "evaluate every rule once; exit 0/1/2/3 like a Nagios plugin" },
	{ "blocks", cmd_blocks, "the blocks in force (connmon's nftables sets)" },
	{ "block", cmd_block, "block addresses in nftables, for a time or until unblocked" },
	{ "unblock", cmd_unblock, "remove blocks, or all of them" },
	{ "overview", cmd_overview, "the one-screen overview (the default)" },
};

#define NR_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < NR_COMMANDS; i++)
		if (!strcmp(name, commands[i].name))
			return &commands[i];
	return NULL;
}

/*
 * `-N NETNS` / `--net NETNS` may stand before the command or among its
 * options; it is entered here, before any command parses the rest: device
 * names in filters, /etc/services, /proc/net and the sysctls must all be
 * read inside the namespace.  Given twice with different names: bad usage.
 */
static int find_netns(int argc, char **argv, const char **out, struct strbuf *err)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *name = NULL;
		size_t len = strlen(a);

		if (!strcmp(a, "--"))
			break;
		if (!strncmp(a, "--net=", 6))
			name = a + 6;
		else if ((!strcmp(a, "--net") ||
			  (a[0] == '-' && a[1] != '-' && len > 1 && a[len - 1] == 'N')) &&
			 i + 1 < argc)
			name = argv[++i];
		if (!name)
			continue;
		if (*out && strcmp(*out, name)) {
			strbuf_addf(err, "option '-N' given twice ('%s', then '%s')", *out, name);
			return -EINVAL;
		}
		*out = name;
	}
	return 0;
}

static int enter_netns(const char *name)
{
	int ret = netns_enter(name);

	if (ret == -ENOENT)
		fprintf(stderr, "connmon: no network namespace '%s' (see 'ip netns list')\n", name);
	else if (ret < 0)
		fprintf(stderr, "connmon: cannot enter network namespace '%s': %s%s\n", name,
			strerror(-ret), ret == -EPERM ? " (needs CAP_SYS_ADMIN)" : "");
	return ret;
}

static void print_usage(FILE *f)
{
	fprintf(f, "usage: connmon [-N NETNS] [COMMAND] [OPTIONS] [FILTER]\n\ncommands:\n");
	for (size_t i = 0; i < NR_COMMANDS; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
	fprintf(f,
		"\nWith no command, connmon prints the overview.  Every command takes -h/--help,\n"
		"--json and -N NETNS; 'connmon help COMMAND' shows a command's options.\n"
		"Documentation: docs/COMMANDS.md.\n");
}

/* `connmon help [COMMAND]` */
static int help(const struct app_ctx *ctx, int argc, char **argv)
{
	const struct command *c = argc > 2 ? find_command(argv[2]) : NULL;
	char name[32], opt[] = "--help";
	char *args[] = { name, opt, NULL };

	if (argc > 2 && !c) {
		fprintf(stderr, "connmon: unknown command '%s'\n", argv[2]);
		print_usage(stderr);
		return 2;
	}
	if (!c) {
		print_usage(stdout);
		return 0;
	}
	snprintf(name, sizeof(name), "%s", c->name);
	return c->run(ctx, 2, args);
}

/* Skips the leading -N NETNS words; returns the index of the first other word. */
static int skip_global(int argc, char **argv)
{
	int i = 1;

	while (i < argc) {
		if (!strncmp(argv[i], "--net=", 6))
			i++;
		else if ((!strcmp(argv[i], "-N") || !strcmp(argv[i], "--net")) && i + 1 < argc)
			i += 2;
		else
			break;
	}
	return i;
}

int app_main(int argc, char **argv)
{
	struct app_ctx ctx = { 0 };
	struct strbuf err = STRBUF_INIT;
	const struct command *c;
	char overview[] = "overview";
	int i;

	if (find_netns(argc, argv, &ctx.netns, &err) < 0) {
		fprintf(stderr, "connmon: %s\n", err.buf);
		strbuf_release(&err);
		return 2;
	}
	strbuf_release(&err);
	i = skip_global(argc, argv);
	if (i < argc && (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))) {
		print_usage(stdout);
		return 0;
	}
	if (i < argc && !strcmp(argv[i], "--version")) {
		printf("connmon 0.1.0\n");
		return 0;
	}
	/* Global sysctls are not visible inside another namespace: read them first. */
	if (ctx.netns) {
		net_limits_read(&ctx.outside, "/proc");
		if (enter_netns(ctx.netns) < 0)
			return 1;
	}
	if (i < argc && !strcmp(argv[i], "help"))
		return help(&ctx, argc - i + 1, argv + i - 1);
	if (i >= argc || argv[i][0] == '-') {
		/* `connmon`, `connmon --json`, `connmon -N ns -t`: options of the overview */
		argv[0] = overview;
		return cmd_overview(&ctx, argc, argv);
	}
	c = find_command(argv[i]);
	if (c)
		return c->run(&ctx, argc - i, argv + i);
	fprintf(stderr, "connmon: unknown command '%s'\n", argv[i]);
	print_usage(stderr);
	return 2;
}
