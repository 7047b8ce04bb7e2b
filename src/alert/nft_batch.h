/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The nftables script text of connmon's responses, built in memory and
 * applied in ONE transaction (alert/nft.c hands it to libnftables; `nft -f`
 * reads the same text).  Pure: no kernel, no I/O.
 *
 * connmon's own table, and nothing else (docs/RESPOND.md, "The table"):
 *
 *   table inet connmon
 *     set block4, block6   ipv4_addr / ipv6_addr, flags timeout, size N:
 *                          blocked sources; an element's timeout is its ban
 *     set limit4, limit6   ADDR . inet_service, flags timeout, size N:
 *                          (source, attacked TCP port) pairs under a limit
 *     set conn4, conn6     dynamic: the ct count of each limited pair
 *     set rate4, rate6     dynamic, timeout 1m: the SYN rate meter of each pair
 *     chain prerouting     filter hook prerouting priority -150 (after
 *                          conntrack at -200, before DNAT at -100, so
 *                          ports published to containers are covered)
 *       ip saddr @block4 drop, ip6 saddr @block6 drop
 *       (saddr . dport) in limit: a new connection over limit_connections
 *       open ones is dropped; SYNs over limit_syn_rate per second are dropped
 *
 * Text safety: every address is written by inet_ntop() from its binary
 * form, every number by printf, every name is a constant of this file, so
 * no input text ever reaches the script (nothing to escape).
 *
 * Elements: "add" of an element that is already in a set keeps its old
 * timeout, so an element whose timeout must change is written as
 * ensure (add without timeout) + delete + add with the timeout, all in the
 * same transaction; a delete is preceded by an ensure, so deleting an
 * element that is not there is not an error.  A batch writes all ensures,
 * then all deletes, then all adds, each set's elements in one statement.
 */
#ifndef CONNMON_ALERT_NFT_BATCH_H
#define CONNMON_ALERT_NFT_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/strbuf.h"

#define NFT_TABLE_FAMILY "inet"
#define NFT_TABLE_NAME	 "connmon"

/* The sets elements go into. */
enum nft_set {
	NFT_SET_BLOCK4,
	NFT_SET_BLOCK6,
	NFT_SET_LIMIT4,
	NFT_SET_LIMIT6,
	NFT_SETS,
};

/* The parameters of the table's sets and rules. */
struct nft_table_params {
	uint32_t set_size;	    /* elements per set, >= 1 */
	uint32_t limit_connections; /* open connections per limited pair, >= 1 */
	uint32_t limit_syn_rate;    /* SYNs per second per limited pair, >= 1 */
};

/* One element: an address (network byte order) and, in a limit set, a port. */
struct nft_elem {
	uint8_t family;	    /* AF_INET or AF_INET6 (a v4-mapped v6 address counts as AF_INET) */
	uint8_t addr[16];   /* 4 bytes for AF_INET */
	uint16_t port;	    /* limit sets: the local TCP port; else 0 */
	int64_t timeout_ms; /* > 0, or 0: until deleted */
};

enum nft_phase {
	NFT_PHASE_ENSURE,
	NFT_PHASE_DELETE,
	NFT_PHASE_ADD,
	NFT_PHASES,
};

/* A batch being built; owns its buffers.  nr_* count the elements per phase. */
struct nft_batch {
	struct strbuf head;			  /* table setup or deletion */
	struct strbuf part[NFT_PHASES][NFT_SETS]; /* element lists, "a, b, c" */
	size_t nr[NFT_PHASES][NFT_SETS];
};

void nft_batch_init(struct nft_batch *b);
void nft_batch_release(struct nft_batch *b);
/* Forgets everything added (keeps memory). */
void nft_batch_reset(struct nft_batch *b);

/*
 * Creates the table, its sets and its chain if missing and (re)writes the
 * chain's rules; existing elements stay.  Sets that exist with another size
 * make the transaction fail (nftables cannot resize a set): remove the
 * table first (`connmon agent --remove-rules`).
 */
void nft_batch_table(struct nft_batch *b, const struct nft_table_params *p);
/* Deletes the whole table (`connmon agent --remove-rules`). */
void nft_batch_delete_table(struct nft_batch *b);

/*
 * The set an element belongs in: block4/block6, or limit4/limit6 when
 * limit is set.  A v4-mapped IPv6 address is rewritten as IPv4 in *e.
 */
enum nft_set nft_elem_set(struct nft_elem *e, bool limit);
/* Adds e to its set; refresh: replace the timeout of an element already there. */
void nft_batch_add(struct nft_batch *b, const struct nft_elem *e, bool limit, bool refresh);
/* Deletes e from its set, whether it is there or not. */
void nft_batch_delete(struct nft_batch *b, const struct nft_elem *e, bool limit);
/* Elements added to (or deleted from) the batch so far. */
size_t nft_batch_elements(const struct nft_batch *b);
bool nft_batch_is_empty(const struct nft_batch *b);

/* The whole script, appended to out: head, then ensures, deletes, adds. */
void nft_batch_text(const struct nft_batch *b, struct strbuf *out);

/* The name of a set ("block4"). */
const char *nft_set_name(enum nft_set s);
/* An element as the script writes it ("10.0.0.1", "2001:db8::1 . 22"), appended to out. */
void nft_elem_text(const struct nft_elem *e, bool limit, struct strbuf *out);

#endif
