/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The socket filter: ss's grammar as a tree, shared by the parser (cli/),
 * the kernel bytecode compiler (collect/sockdiag_filter) and direct
 * evaluation here.  Direct evaluation is the definition of what a filter
 * means; the bytecode is only allowed to pre-select a superset.
 *
 * A parsed command line yields a struct filter: the state mask from
 * `state`/`exclude` words and an expression tree (root -1: match everything).
 * Nodes live in the filter's own node array and are freed with it.
 *
 * What "match" means is what ss 6.1 lists.  ss evaluates every condition
 * twice: once in the kernel (its inet_diag bytecode) and once in user space
 * (run_ssfilter), and shows a socket only when both accept it.  The two
 * disagree for host conditions of the other address family (the kernel says
 * no, ss's user-space prefix compare ignores the family) and for autobound
 * (the kernel tests SOCK_BINDPORT_LOCK, user space the ephemeral port range).
 * filter_match_expr() therefore computes kernel(tree) && user(tree) for inet
 * sockets and user(tree) alone for AF_UNIX sockets, as ss does.  The kernel's
 * autobound bit is not visible in user space; the kernel half uses the port
 * range for it, and the bytecode supplies the real test during a dump.
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
	FILTER_SRC,	  /* local host condition */
	FILTER_DST,	  /* remote host condition */
	FILTER_SPORT,	  /* local port comparison */
	FILTER_DPORT,	  /* remote port comparison */
	FILTER_DEV,	  /* bound interface index */
	FILTER_MARK,	  /* fwmark & mask == value */
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
	uint8_t family;	    /* AF_UNSPEC, AF_INET, AF_INET6, AF_UNIX */
	uint8_t prefix_len; /* bits of addr that must match */
	uint8_t addr[16];
	int32_t port;	 /* -1: any */
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
			/* ss's port -1 ("*", or any operand when parsing for AF_UNIX):
			 * user space compares against -1, the kernel against 65535 */
			bool wildcard;
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
	/*
	 * AF_UNSPEC, or the family a host prefix named ("unix:", "inet:",
	 * "inet6:"); like ss, the caller then lists only that family.
	 */
	int family;
	/* ip_local_port_range for autobound; filter_init: 32768-60999 (Linux default) */
	uint16_t ephemeral_lo, ephemeral_hi;
	int root; /* index into nodes, or -1 for "match all" */
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
/*
 * One host condition as ss's user space and the kernel both see it (their
 * conjunction; for AF_UNIX sockets, ss's user-space test alone).
 */
bool filter_host_match(const struct filter_host *h, const struct sock_entry *s, bool local);
/* The kernel's view only (inet_diag's S_COND/D_COND), for inet sockets. */
bool filter_host_match_kernel(const struct filter_host *h, const struct sock_entry *s, bool local);
/* ss's user-space view only (run_ssfilter's SCOND/DCOND). */
bool filter_host_match_user(const struct filter_host *h, const struct sock_entry *s, bool local);

/* Mask of an ss state word or group ("established", "connected", "bucket", ...),
 * case-insensitive like ss; 0 when the word is unknown. */
uint32_t filter_state_mask(const char *word);
/* The states ss lists when no state word is given: -a all, -l listening and
 * unconnected, otherwise connected sockets without TIME-WAIT and SYN-RECV. */
uint32_t filter_default_states(bool listening, bool all);

#endif
