// SPDX-License-Identifier: GPL-2.0-or-later
#include "app/app.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "app/commands.h"
#include "collect/netns.h"

static const struct command {
	const char *name;
	int (*run)(int argc, char **argv);
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
	{ "overview", cmd_overview, "the one-screen overview (the default)" },
};

/*
 * `-N NETNS` / `--net NETNS` is found and entered before any command parses
 * its options: device names in filters, /etc/services, /proc/net and the
 * sysctls must all be read inside the namespace.  Returns NULL, or the name.
 */
static const char *find_netns(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		size_t len = strlen(a);

		if (!strcmp(a, "--"))
			break;
		if (!strncmp(a, "--net=", 6))
			return a + 6;
		if ((!strcmp(a, "--net") ||
		     (a[0] == '-' && a[1] != '-' && len > 1 && a[len - 1] == 'N')) &&
		    i + 1 < argc)
			return argv[i + 1];
	}
	return NULL;
}

static int enter_netns(int argc, char **argv)
{
	const char *name = find_netns(argc, argv);
	int ret;

	if (!name)
		return 0;
	ret = netns_enter(name);
	if (ret == -ENOENT)
		fprintf(stderr, "connmon: no network namespace '%s' (see 'ip netns list')\n", name);
	else if (ret < 0)
		fprintf(stderr, "connmon: cannot enter network namespace '%s': %s%s\n", name,
			strerror(-ret), ret == -EPERM ? " (needs CAP_SYS_ADMIN)" : "");
	return ret;
}

static void print_usage(FILE *f)
{
	fprintf(f, "usage: connmon [COMMAND] [OPTIONS] [FILTER]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
	fprintf(f,
		"\nWith no command, connmon prints the overview. Every command takes --json and -N NETNS.\n"
		"See README.md and docs/ for details.\n");
}

int app_main(int argc, char **argv)
{
	char overview[] = "overview";

	if (enter_netns(argc, argv) < 0)
		return 1;
	if (argc < 2 || argv[1][0] == '-') {
		if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
			print_usage(stdout);
			return 0;
		}
		if (argc >= 2 && !strcmp(argv[1], "--version")) {
			printf("connmon 0.1.0\n");
			return 0;
		}
		/* `connmon --json`, `connmon -N ns`: options of the overview */
		argv[0] = overview;
		return cmd_overview(argc, argv);
	}
	if (!strcmp(argv[1], "help")) {
		print_usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "connmon: unknown command '%s'\n", argv[1]);
	print_usage(stderr);
	return 2;
}
