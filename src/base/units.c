// SPDX-License-Identifier: GPL-2.0-or-later
#include "base/units.h"

size_t units_scale(double *v, double base, size_t nr_units)
{
	size_t u = 0;

	while (*v >= base && u + 1 < nr_units) {
		*v /= base;
		u++;
	}
	return u;
}
