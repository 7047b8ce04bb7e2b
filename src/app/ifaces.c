// SPDX-License-Identifier: GPL-2.0-or-later
#include "app/commands.h"

int cmd_ifaces(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return 1;
}
