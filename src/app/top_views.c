// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The views of `connmon top` in tab order (app/top_view.h).  One line per
 * view, so branches that add views merge cleanly.
 */
#include "app/top_view.h"

const struct top_view_ops *const top_views[] = {
	&top_overview_view, &top_sockets_view,	 &top_flows_view,  &top_procs_view,
	&top_ifaces_view,   &top_listeners_view, &top_alerts_view,
};

const size_t top_nr_views = sizeof(top_views) / sizeof(top_views[0]);
