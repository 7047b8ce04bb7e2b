/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The ss filter grammar, parsed into a struct filter (model/filter.h).
 *
 *   FILTER := [ (state|exclude) STATE ]... [ EXPR ]
 *   EXPR   := TERM | EXPR (and|&&|&) EXPR | EXPR (or|'||'|'|') EXPR | EXPR EXPR (implicit and)
 *   TERM   := (not|!) TERM | '(' EXPR ')' | (src|dst) HOST | (sport|dport) [OP] :PORT
 *           | dev [=] NAME | fwmark [=] VALUE[/MASK] | autobound | (dport|sport|src|dst) OP HOST
 *   OP     := = | == | != | < | > | <= | >= | eq | ne | lt | gt | le | ge
 *
 * STATE is any ss state name (established, syn-sent, syn-recv, fin-wait-1,
 * fin-wait-2, time-wait, closed, close-wait, last-ack, listening, closing)
 * or group (all, connected, synchronized, bucket, big).
 *
 * Text is the command-line words joined by single spaces, as ss does.
 * Errors: returns -EINVAL and fills *err with the byte offset of the
 * offending token, its length, and a message naming what was expected.
 * f must be initialised (filter_init); on error it holds no expression.
 *
 * Words are split at spaces and tabs; a backslash escapes the next byte.
 * Operators bind left to right with equal precedence, exactly as in ss:
 * "a or b and c" is "(a or b) and c"; "not" applies to the next term.
 * Host names are not resolved (ss would ask DNS): use addresses.
 * Nesting deeper than FILTER_PARSE_MAX_DEPTH is refused.
 */
#define FILTER_PARSE_MAX_DEPTH 200
#ifndef CONNMON_CLI_FILTER_PARSE_H
#define CONNMON_CLI_FILTER_PARSE_H

#include <stdint.h>

#include "model/filter.h"

struct filter_error {
	int pos;       /* byte offset of the offending token in the text */
	int len;       /* its length (0 at end of input) */
	char msg[512]; /* the longest message (unknown state: every state word) fits */
};

struct filter_resolver {
	/* Interface name -> index; returns 0 or -ENODEV. NULL: numeric only. */
	int (*dev_index)(void *ctx, const char *name, uint32_t *ifindex);
	/* Service name ("ssh", "http") -> port; returns 0 or -ENOENT. NULL: numeric only. */
	int (*service_port)(void *ctx, const char *name, uint16_t *port);
	/*
	 * Host name -> addresses, as ss resolves "dst example.com": fills up to
	 * max (family, 16-byte address) pairs and returns how many, or -ENOENT.
	 * family restricts the lookup (AF_UNSPEC: both).  NULL: numeric only.
	 */
	int (*host_addrs)(void *ctx, const char *name, int family, uint8_t *families,
			  uint8_t (*addrs)[16], int max);
	void *ctx;
	/*
	 * ss's preferred family (-4, -6, -x, -f): AF_UNSPEC (0) normally.
	 * AF_INET/AF_INET6 restrict addresses to that family; AF_UNIX makes
	 * every host operand a unix path pattern, as in ss.
	 */
	int family;
};

/* How many addresses of one host name a filter condition matches (an OR of them). */
#define FILTER_MAX_HOST_ADDRS 16

int filter_parse(struct filter *f, const char *text, const struct filter_resolver *r,
		 struct filter_error *err);

#endif
