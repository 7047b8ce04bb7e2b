/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Interface counters through rtnetlink: one RTM_GETLINK dump per sample,
 * parsed into a struct iface_table (model/iface.h).  Link speed and duplex
 * come from sysfs (<sys_root>/class/net/NAME/{speed,duplex}) and only for
 * devices backed by hardware (a `device` link exists): virtual links (veth,
 * bridge, tun, lo...) report made-up speeds such as veth's 10000, so they
 * stay "unknown" rather than give a wrong utilisation.
 *
 * Sampling rates takes four calls:
 *     link_dump(l, NULL, t0, &prev, NULL);
 *     sleep(1);
 *     link_dump(l, "/sys", t1, &cur, NULL);
 *     iface_rates_compute(&prev, &cur, &rates);       (analyze/rates.h)
 * Rates take speed and duplex from the later sample, so the earlier one can
 * skip sysfs (NULL).
 *
 * Namespaces: the netlink socket belongs to the namespace current at
 * link_open(); sysfs shows the namespace of whoever mounted it, so a caller
 * that entered another namespace must remount it (app does) or pass NULL as
 * sys_root.  A sysfs entry whose ifindex disagrees with netlink's is ignored.
 *
 * Testing: the transport is a parameter (struct nl_transport, as for
 * sock_diag); sys_root may point at a fake tree.
 *
 * Errors: 0 or -errno; the kernel's NLMSG_ERROR answer is returned as is.
 */
#ifndef CONNMON_COLLECT_LINK_H
#define CONNMON_COLLECT_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "collect/sockdiag.h"
#include "model/iface.h"

struct nlmsghdr;

struct link_stats {
	uint64_t nr_messages; /* RTM_NEWLINK messages seen */
	uint64_t nr_bad;      /* skipped as malformed */
	bool interrupted;     /* NLM_F_DUMP_INTR: links changed during the dump */
};

struct link;

/* Opens a NETLINK_ROUTE socket in the current network namespace. */
int link_open(struct link **out);
/* Wraps a caller-owned transport (tests, replays); never closes it. */
struct link *link_new_transport(const struct nl_transport *t);
void link_close(struct link *l);

/*
 * Dumps every interface into out (cleared first), sorted by ifindex, and
 * stamps out->time_ns with time_ns (the tick's clock; collectors read none).  sys_root NULL
 * skips speed and duplex (speed_mbps -1).  stats may be NULL.
 * Returns 0, the kernel's -errno, -EBADMSG (no NLMSG_DONE, or a bad
 * datagram), or a transport's -errno.
 */
int link_dump(struct link *l, const char *sys_root, uint64_t time_ns, struct iface_table *out,
	      struct link_stats *stats);

/*
 * Fills s->speed_mbps and s->duplex from sysfs for a device backed by
 * hardware (no link kind, not loopback, a `device` link) whose sysfs ifindex
 * matches s->ifindex; leaves them unknown otherwise ("-1", EINVAL from a
 * link without carrier, a missing file).  Costs up to four small sysfs
 * reads per physical device, nothing for virtual ones.
 */
void link_read_speed(const char *sys_root, struct iface_sample *s);

/*
 * Pure parsers, exposed for tests and fuzzing.
 *
 * link_parse_msg: one RTM_NEWLINK message (4-byte aligned; nlmsg_len bounds
 * every read) into *out (zeroed first, speed -1).  Returns 0, or -EBADMSG
 * for a message too short, of another type, or without a name.
 *
 * link_parse_datagram: every message of one received datagram; appends
 * interfaces to out, counts into stats, sets *done at NLMSG_DONE or
 * NLMSG_ERROR.  Returns 0 or the -errno an NLMSG_ERROR carries.
 */
int link_parse_msg(const struct nlmsghdr *nlh, struct iface_sample *out);
int link_parse_datagram(const void *buf, size_t len, struct iface_table *out,
			struct link_stats *stats, bool *done);

#endif
