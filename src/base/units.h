/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Scaling a quantity to a human unit ("1.2 MB/s", "218Gbps", "47.7 MiB").
 * Each output keeps the unit names and number format its peer tool uses
 * (ss, iftop, nethogs); this is the shared part: dividing by the base until
 * the value fits and picking the unit.
 */
#ifndef CONNMON_BASE_UNITS_H
#define CONNMON_BASE_UNITS_H

#include <stddef.h>

/*
 * Divides *v by base (1000 or 1024) while it is at least base and a larger
 * unit exists among nr_units; returns the index of the unit *v is now in.
 */
size_t units_scale(double *v, double base, size_t nr_units);

#define UNITS_NR(a) (sizeof(a) / sizeof((a)[0]))

#endif
