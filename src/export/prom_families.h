/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The metric families connmon exposes: name, type, label names and HELP
 * text, in one table, so the agent's points, /metrics and docs/METRICS.md
 * say the same thing (the unit test 'prom' compares the table with the
 * document, both ways).  A family added to the exposition is added here and
 * to the document's table.
 *
 * The table is constant and static: every pointer lives as long as the program.
 */
#ifndef CONNMON_EXPORT_PROM_FAMILIES_H
#define CONNMON_EXPORT_PROM_FAMILIES_H

#include <stddef.h>

#include "export/prom.h"

struct prom_family {
	const char *name;
	enum prom_kind kind;
	/* The label names, comma-separated, in the order producers give them ("port,state"). */
	const char *label_keys;
	const char *help; /* raw; the encoder escapes it */
};

extern const struct prom_family prom_families[];
extern const size_t prom_nr_families;

/* Returns the family called name, or NULL.  A linear scan: look up once, not per point. */
const struct prom_family *prom_family_find(const char *name);

#endif
