// SPDX-License-Identifier: GPL-2.0-or-later
#include "app/app.h"

int main(int argc, char **argv)
{
	return app_main(argc, argv);
}
