/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Built-in counting, replacing `awk '{print $5}' | cut -d: -f1 | sort | uniq -c
 * | sort -rn`: sockets are counted per key as they stream past, in a hash
 * table of fixed-size keys, and sorted once at the end.
 *
 * Keys: state, proto, raddr, laddr, rport, lport, pair (local address ->
 * remote address), uid, proc (first process holding the socket, or "-"),
 * and address prefixes: raddr/24, laddr/16, raddr/64 (the prefix applies to
 * IPv4 up to /32 and to IPv6 up to /128: "raddr/24" masks IPv4 to /24 and
 * leaves IPv6 at /128 unless a second prefix is given: "raddr/24,64").
 *
 * The table owns its memory; rows from sock_group_sorted() are valid until
 * the next account or release.
 */
#ifndef CONNMON_ANALYZE_SOCK_GROUP_H
#define CONNMON_ANALYZE_SOCK_GROUP_H

#include <stddef.h>
#include <stdint.h>

#include "model/proc_table.h"
#include "model/sock.h"

enum group_key {
	GROUP_STATE,
	GROUP_PROTO,
	GROUP_RADDR,
	GROUP_LADDR,
	GROUP_RPORT,
	GROUP_LPORT,
	GROUP_PAIR,
	GROUP_UID,
	GROUP_PROC,
};

struct group_spec {
	enum group_key key;
	uint8_t prefix_v4; /* 32 unless given */
	uint8_t prefix_v6; /* 128 unless given */
};

/* Key bytes: family, then up to two addresses or a number. */
struct group_keybuf {
	uint8_t b[40];
};

struct group_row {
	struct group_keybuf key;
	uint64_t count;
};

struct sock_group {
	struct group_spec spec;
	struct group_row *rows; /* open-addressing table; count 0 = empty */
	size_t cap, nr;
	uint64_t total;
	struct proc_table *procs; /* borrowed, for GROUP_PROC */
};

/* Parses "raddr/24" etc.; returns 0 or -EINVAL (the key or prefix is bad). */
int group_spec_parse(struct group_spec *g, const char *text);
void sock_group_init(struct sock_group *g, const struct group_spec *spec, struct proc_table *procs);
void sock_group_release(struct sock_group *g);
void sock_group_account(struct sock_group *g, const struct sock_entry *s);
/*
 * Sorts the rows by count, descending (ties by key bytes, so output is
 * stable), compacts them to the front; returns how many.  After this the
 * table is no longer a hash table: only release it.
 */
size_t sock_group_sorted(struct sock_group *g, const struct group_row **rows);
/* Writes the row's key as text ("10.0.0.0/24", "ESTAB", "sshd/1234") into buf (>= 128 bytes). */
size_t sock_group_format_key(const struct sock_group *g, const struct group_row *row, char *buf);

#endif
