/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One function per command.  argv[0] is the command name; the return value is
 * the process exit code (docs/COMMANDS.md, "Exit status": 0 done, 1 runtime
 * failure, 2 bad command line, 128 + N when signal N cut a finite run short;
 * `check` later uses 0..3 like Nagios).  Each command reports its own errors
 * on stderr in git's grammar ("connmon: cannot open '%s': %s").
 *
 * ctx carries what app_main learned before the command runs: the namespace
 * it entered for -N, and the global sysctls read before entering it (they
 * are not visible inside another namespace).
 */
#ifndef CONNMON_APP_COMMANDS_H
#define CONNMON_APP_COMMANDS_H

#include <stdbool.h>

#include "collect/limits.h"

struct app_ctx {
	const char *netns;	   /* -N NETNS, entered; NULL: our own */
	struct net_limits outside; /* with netns: the sysctls of the namespace we started in */
};

int cmd_sockets(const struct app_ctx *ctx, int argc, char **argv);
int cmd_summary(const struct app_ctx *ctx, int argc, char **argv);
int cmd_kill(const struct app_ctx *ctx, int argc, char **argv);
int cmd_overview(const struct app_ctx *ctx, int argc, char **argv);
int cmd_ifaces(const struct app_ctx *ctx, int argc, char **argv);
int cmd_proto(const struct app_ctx *ctx, int argc, char **argv);
int cmd_flows(const struct app_ctx *ctx, int argc, char **argv);
int cmd_procs(const struct app_ctx *ctx, int argc, char **argv);
int cmd_agent(const struct app_ctx *ctx, int argc, char **argv);
int cmd_history(const struct app_ctx *ctx, int argc, char **argv);
int cmd_report(const struct app_ctx *ctx, int argc, char **argv);
int cmd_baseline(const struct app_ctx *ctx, int argc, char **argv);
int cmd_alerts(const struct app_ctx *ctx, int argc, char **argv);
int cmd_check(const struct app_ctx *ctx, int argc, char **argv);
int cmd_blocks(const struct app_ctx *ctx, int argc, char **argv);
int cmd_block(const struct app_ctx *ctx, int argc, char **argv);
int cmd_unblock(const struct app_ctx *ctx, int argc, char **argv);
int cmd_top(const struct app_ctx *ctx, int argc, char **argv);

#endif
