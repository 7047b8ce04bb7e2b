// SPDX-License-Identifier: GPL-2.0-or-later
#include "model/filter.h"

#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

void filter_init(struct filter *f)
{
	memset(f, 0, sizeof(*f));
	f->root = -1;
}

void filter_release(struct filter *f)
{
	for (size_t i = 0; i < f->nr_nodes; i++)
		if ((f->nodes[i].kind == FILTER_SRC || f->nodes[i].kind == FILTER_DST))
			free(f->nodes[i].u.host.unix_path);
	free(f->nodes);
	filter_init(f);
}

int filter_add_node(struct filter *f, const struct filter_node *n)
{
	ALLOC_GROW(f->nodes, f->nr_nodes + 1, f->alloc_nodes);
	f->nodes[f->nr_nodes] = *n;
	return (int)f->nr_nodes++;
}
