/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The socket filter: ss's grammar as a tree, shared by the parser (cli/),
 * the kernel bytecode compiler (collect/sockdiag_filter) and direct
 * evaluation here.  Direct evaluation is the definition of what a filter
 * means; the bytecode is only allowed to pre-select a superset.
 *
 * A parsed command line yields a struct filter: the state mask from
 * `state`/`exclude` words and an expression tree (NULL: match everything).
 * Nodes live in the filter's own node array and are freed with it.
 */
#ifndef CONNMON_MODEL_FILTER_H
#define CONNMON_MODEL_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/sock.h"

enum filter_kind {
	FILTER_AND,
	FILTER_OR,
	FILTER_NOT,
	FILTER_SRC,   /* local host condition */
	FILTER_DST,   /* remote host condition */
	FILTER_SPORT, /* local port comparison */
	FILTER_DPORT, /* remote port comparison */
	FILTER_DEV,   /* bound interface index */
	FILTER_MARK,  /* fwmark & mask == value */
	FILTER_AUTOBOUND, /* local port was chosen by the kernel */
};

enum filter_cmp {
	FILTER_EQ,
	FILTER_NE,
	FILTER_LT,
	FILTER_GT,
	FILTER_LE,
	FILTER_GE,
};

/*
 * A host condition: "10.0.0.0/8", "[2001:db8::1]:22", ":80", "*:80",
 * "unix:/run/x.sock" (with '*' wildcards, as ss accepts for unix paths).
 * family AF_UNSPEC with prefix_len 0 matches any address.
 */
struct filter_host {
	uint8_t family;     /* AF_UNSPEC, AF_INET, AF_INET6, AF_UNIX */
	uint8_t prefix_len; /* bits of addr that must match */
	uint8_t addr[16];
	int32_t port; /* -1: any */
	char *unix_path; /* AF_UNIX pattern (owned by the filter), or NULL */
};

struct filter_node {
	enum filter_kind kind;
	union {
		struct {
			int left, right; /* node indices */
		} bin;
		int child; /* FILTER_NOT */
		struct filter_host host;
		struct {
			enum filter_cmp op;
			uint16_t port;
		} port;
		uint32_t ifindex;
		struct {
			uint32_t value, mask;
		} mark;
	} u;
};

struct filter {
	uint32_t states; /* SOCK_STATE_BIT mask; 0 until set, then explicit */
	bool states_set; /* a state/exclude word was given */
	int root;        /* index into nodes, or -1 for "match all" */
	struct filter_node *nodes;
	size_t nr_nodes, alloc_nodes;
};

void filter_init(struct filter *f);
void filter_release(struct filter *f);
/* Appends a node (copied); returns its index. */
int filter_add_node(struct filter *f, const struct filter_node *n);

/* True when socket s passes the expression (the state mask is not checked here). */
bool filter_match_expr(const struct filter *f, const struct sock_entry *s);
/* True when s passes both the state mask and the expression. */
bool filter_match(const struct filter *f, const struct sock_entry *s);
bool filter_cmp_ports(enum filter_cmp op, uint16_t have, uint16_t want);
bool filter_host_match(const struct filter_host *h, const struct sock_entry *s, bool local);

#endif
