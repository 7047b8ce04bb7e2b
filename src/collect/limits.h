/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Kernel socket totals and the limits they are measured against, for the
 * "% of capacity" lines of `connmon summary` and the overview:
 *
 *   <proc_root>/net/sockstat, sockstat6      what `ss -s` prints
 *   <proc_root>/sys/net/ipv4/tcp_max_orphans
 *   <proc_root>/sys/net/core/somaxconn
 *   <proc_root>/sys/net/ipv4/tcp_max_syn_backlog
 *   <proc_root>/sys/net/ipv4/ip_local_port_range
 *   <proc_root>/sys/net/netfilter/nf_conntrack_count, nf_conntrack_max
 *
 * All of these are per network namespace: read them after entering -N's.
 * proc_root is "/proc" in production and a fake tree in tests.
 *
 * Every value is an int64_t where -1 means "not reported": an older kernel's
 * sockstat without a field, a missing sockstat6 (no IPv6), conntrack not
 * loaded.  Absence is never an error.  Nothing here prints.
 */
#ifndef CONNMON_COLLECT_LIMITS_H
#define CONNMON_COLLECT_LIMITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Fields of /proc/net/sockstat{,6}; units as the kernel reports them. */
enum sockstat_field {
	SOCKSTAT_SOCKETS_USED,
	SOCKSTAT_TCP_INUSE,
	SOCKSTAT_TCP_ORPHAN,
	SOCKSTAT_TCP_TW,
	SOCKSTAT_TCP_ALLOC,
	SOCKSTAT_TCP_MEM_PAGES,
	SOCKSTAT_UDP_INUSE,
	SOCKSTAT_UDP_MEM_PAGES,
	SOCKSTAT_UDPLITE_INUSE,
	SOCKSTAT_RAW_INUSE,
	SOCKSTAT_FRAG_INUSE,
	SOCKSTAT_FRAG_MEMORY_BYTES,
	SOCKSTAT_TCP6_INUSE,
	SOCKSTAT_UDP6_INUSE,
	SOCKSTAT_UDPLITE6_INUSE,
	SOCKSTAT_RAW6_INUSE,
	SOCKSTAT_FRAG6_INUSE,
	SOCKSTAT_FRAG6_MEMORY_BYTES,
	SOCKSTAT_NR,
};

struct sockstat {
	int64_t v[SOCKSTAT_NR]; /* -1: not reported */
};

struct net_limits {
	int64_t tcp_max_orphans;
	int64_t somaxconn;
	int64_t tcp_max_syn_backlog;
	int64_t port_lo, port_hi; /* ip_local_port_range, inclusive */
	int64_t conntrack_count;  /* -1 when nf_conntrack is not loaded */
	int64_t conntrack_max;
};

/* Marks every field "not reported". */
void sockstat_init(struct sockstat *st);

/*
 * Parses sockstat or sockstat6 text ("TCP: inuse 3 orphan 0 ..."), len bytes,
 * not necessarily NUL-terminated, into *st; fields it does not carry are left
 * as they were, unknown lines and keys are skipped.  Returns 0, or -EBADMSG
 * when no known field was found.
 */
int sockstat_parse(struct sockstat *st, const char *text, size_t len);

/* Name of a field as used in JSON ("tcp_inuse"); "?" out of range. */
const char *sockstat_field_name(enum sockstat_field f);

/*
 * sockstat_init, then parses <proc_root>/net/sockstat (required) and
 * <proc_root>/net/sockstat6 (optional).  Returns 0 or the -errno of
 * opening or parsing sockstat.
 */
int sockstat_read(struct sockstat *st, const char *proc_root);

/*
 * Parses one unsigned decimal value ("65536\n"); leading/trailing blanks are
 * allowed.  Returns 0, or -EINVAL (no number, junk) / -ERANGE (> INT64_MAX).
 */
int limits_parse_value(const char *text, size_t len, int64_t *out);

/*
 * Parses ip_local_port_range ("32768\t60999\n").  Returns 0, or -EINVAL
 * unless two ports with 0 < lo <= hi <= 65535.
 */
int limits_parse_port_range(const char *text, size_t len, int64_t *lo, int64_t *hi);

/*
 * The effective capability set from the text of /proc/PID/status (its
 * "CapEff:\t000001ffffffffff" line, hexadecimal).  Returns 0, or -EINVAL
 * when the line is missing or malformed.
 */
int limits_parse_cap_eff(const char *text, size_t len, uint64_t *mask);
/* Reads <proc_root>/self/status; 0 or -errno / -EINVAL. */
int limits_read_cap_eff(const char *proc_root, uint64_t *mask);

/* Whether mask holds capability cap (CAP_NET_ADMIN is 12, linux/capability.h). */
static inline bool limits_has_cap(uint64_t mask, unsigned cap)
{
	return cap < 64 && (mask >> cap) & 1;
}

/*
 * Reads every limit under proc_root; a file that is missing or unreadable
 * leaves its field at -1.  Returns 0.
 */
int net_limits_read(struct net_limits *l, const char *proc_root);

#endif
