/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The entry point: dispatches argv to a command and returns the exit code. */
#ifndef CONNMON_APP_APP_H
#define CONNMON_APP_APP_H

int app_main(int argc, char **argv);

#endif
