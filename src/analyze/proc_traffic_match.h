/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Internal to analyze/proc_traffic: packets to sockets by tuple (capture
 * engine).  Tuples live in pt->tuples across dumps; a socket's current tuple
 * is socks[i].tuple, older ones are stale and skipped until a rebuild drops
 * them.  See proc_traffic.h for the rules (grace, most recent socket wins).
 */
#ifndef CONNMON_ANALYZE_PROC_TRAFFIC_MATCH_H
#define CONNMON_ANALYZE_PROC_TRAFFIC_MATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "analyze/proc_traffic.h"

/* s (at index sock) is in the current dump: makes its tuple current. */
void pt_add_tuple(struct proc_traffic *pt, const struct sock_entry *s, uint8_t proto,
		  uint32_t sock);
/*
 * Keeps only the current tuples of sockets that are live or in their grace,
 * with socket indices found again by cookie (after a compaction).
 */
void pt_rebuild_tuples(struct proc_traffic *pt);
/* Drops every tuple (the sockets' links included). */
void pt_clear_tuples(struct proc_traffic *pt);
/* A dead socket's tuple still matches (within PT_GRACE_TICKS of its death). */
bool pt_sock_matchable(const struct proc_traffic *pt, const struct pt_sock *s);
/*
 * Matches the held packets against the tuples known now; those that match
 * nothing stay held, or with final go to the unattributed counts.
 */
void pt_match_pending(struct proc_traffic *pt, bool final);

#endif
