/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The sources the commands register on the tick (app/tick.h), each a small
 * ops table over one collector:
 *
 *   link_source   rtnetlink RTM_GETLINK dump into snapshot.ifaces; link
 *                 speeds from sys_root (skipped on a baseline tick: rates
 *                 take the speed of the later sample)
 *   snmp_source   /proc/net/{snmp,netstat,snmp6} into snapshot.counters
 *   walk_source   the socket commands' walk (app/sock_walk.h): every
 *                 matching socket goes to tick_feed_sock(); skip_baseline
 *                 leaves the baseline tick alone (a state, not a rate)
 *
 * A source that fails records the -errno in its part of the snapshot
 * (ifaces_err, counters_err) and lets the run go on: the consumer decides
 * whether that is fatal (ifaces, proto) or one "n/a" line (the overview).
 * walk_source's errors end the run (sock_walk reports them).
 *
 * Each source owns what it opens; close() releases it.
 */
#ifndef CONNMON_APP_SOURCES_H
#define CONNMON_APP_SOURCES_H

#include <stdbool.h>

#include "app/sock_walk.h"
#include "app/tick.h"
#include "base/strbuf.h"
#include "collect/link.h"

struct link_source {
	struct link *link;
	const char *sys_root; /* NULL: speeds unknown */
};

struct snmp_source {
	const char *proc_root;
	struct strbuf scratch;
};

struct walk_source {
	struct sock_walk *walk; /* borrowed */
	bool skip_baseline;
};

extern const struct source_ops link_source_ops;
extern const struct source_ops snmp_source_ops;
extern const struct source_ops walk_source_ops;

/* Opens rtnetlink in the current namespace; 0 or -errno (not reported). */
int link_source_open(struct link_source *ls, const char *sys_root);
void snmp_source_init(struct snmp_source *ss, const char *proc_root);

#endif
