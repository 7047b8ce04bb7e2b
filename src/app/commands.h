/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One function per command.  argv[0] is the command name; the return value is
 * the process exit code (0 ok, 1 runtime failure, 2 usage error; `check` later
 * uses 0..3 like Nagios).  Each command reports its own errors on stderr in
 * git's grammar ("connmon: cannot open '%s': %s").
 */
#ifndef CONNMON_APP_COMMANDS_H
#define CONNMON_APP_COMMANDS_H

int cmd_sockets(int argc, char **argv);
int cmd_summary(int argc, char **argv);
int cmd_kill(int argc, char **argv);
int cmd_overview(int argc, char **argv);
int cmd_ifaces(int argc, char **argv);
int cmd_proto(int argc, char **argv);
int cmd_flows(int argc, char **argv);
int cmd_procs(int argc, char **argv);

#endif
