// SPDX-License-Identifier: GPL-2.0-or-later
#include "app/sources.h"

#include "collect/snmp.h"

int link_source_open(struct link_source *ls, const char *sys_root)
{
	ls->sys_root = sys_root;
	return link_open(&ls->link);
}

static int link_sample(void *src, struct tick *t, struct snapshot *snap)
{
	struct link_source *ls = src;

	(void)t;
	snap->ifaces_err = link_dump(ls->link, snap->baseline ? NULL : ls->sys_root, snap->mono_ns,
				     &snap->ifaces, NULL);
	if (!snap->ifaces_err)
		snap->parts |= SNAP_PART_IFACES;
	return 0;
}

static void link_close_src(void *src)
{
	struct link_source *ls = src;

	link_close(ls->link);
	ls->link = NULL;
}

const struct source_ops link_source_ops = {
	.name = "link",
	.sample = link_sample,
	.close = link_close_src,
};

void snmp_source_init(struct snmp_source *ss, const char *proc_root)
{
	ss->proc_root = proc_root;
	strbuf_init(&ss->scratch, 8192);
}

static int snmp_sample(void *src, struct tick *t, struct snapshot *snap)
{
	struct snmp_source *ss = src;

	(void)t;
	snap->counters_err = snmp_read(&snap->counters, ss->proc_root, snap->mono_ns, &ss->scratch);
	if (!snap->counters_err)
		snap->parts |= SNAP_PART_COUNTERS;
	return 0;
}

static void snmp_close(void *src)
{
	struct snmp_source *ss = src;

	strbuf_release(&ss->scratch);
}

const struct source_ops snmp_source_ops = {
	.name = "snmp",
	.sample = snmp_sample,
	.close = snmp_close,
};

static int feed(const struct sock_entry *s, void *arg)
{
	return tick_feed_sock(arg, s);
}

static int walk_sample(void *src, struct tick *t, struct snapshot *snap)
{
	struct walk_source *ws = src;
	int ret;

	if (snap->baseline && ws->skip_baseline)
		return 0;
	ret = sock_walk_run(ws->walk, feed, t);
	return ret < 0 ? ret : 0;
}

const struct source_ops walk_source_ops = {
	.name = "sockets",
	.sample = walk_sample,
};
