/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kernel's protocol counters, what `netstat -s` and `nstat` read:
 *
 *   <proc_root>/net/snmp     "Tcp: ActiveOpens ..." / "Tcp: 12 ..." line pairs
 *   <proc_root>/net/netstat  the same layout: TcpExt, IpExt, MPTcpExt
 *   <proc_root>/net/snmp6    one "Ip6InReceives   42" per line (absent without IPv6)
 *
 * All three are per network namespace: read them after entering -N's.
 * proc_root is "/proc" in production and a fixture tree in tests.
 * Counters are appended to a model/counters snapshot under nstat's names
 * (group + name: "TcpRetransSegs"; snmp6 names are split after the "6" of
 * their prefix: group "Ip6", "Icmp6", "Udp6", "UdpLite6").
 *
 * The parsers are pure functions over len bytes (no NUL needed) and never read
 * past them.  Kernels add fields over the years, so a value line shorter or
 * longer than its header is taken pairwise up to the shorter of the two, a
 * header without a value line is skipped, a token that is not a number skips
 * that one counter, and anything too long is dropped (COUNTER_NAME_MAX,
 * COUNTERS_MAX, SNMP_FILE_MAX).  Nothing here prints.
 */
#ifndef CONNMON_COLLECT_SNMP_H
#define CONNMON_COLLECT_SNMP_H

#include <stddef.h>

#include "base/strbuf.h"
#include "model/counters.h"

#define SNMP_FILE_MAX (1024 * 1024) /* bytes read from any one file */

/*
 * Parses header/value line pairs ("Group: A B C\nGroup: 1 2 3\n") and appends
 * every counter to s (s is not sealed).  Returns the number of counters added
 * (0 or more); -E2BIG once s is full (what fitted is kept).
 */
int snmp_parse_pairs(struct counter_snap *s, const char *text, size_t len);

/* Parses "Name value" lines (snmp6); returns as snmp_parse_pairs(). */
int snmp_parse_lines(struct counter_snap *s, const char *text, size_t len);

/*
 * Resets s, reads the three files into it (scratch is a reusable buffer the
 * caller owns), stamps s->mono_ns with time_ns (the caller's clock), sets the COUNTER_SRC_* bits of
 * s->sources and seals s.  snmp is required: returns 0, or the -errno of opening it, or -EBADMSG
 * when it holds no counter.  netstat and snmp6 are optional.
 */
int snmp_read(struct counter_snap *s, const char *proc_root, uint64_t time_ns,
	      struct strbuf *scratch);

#endif
