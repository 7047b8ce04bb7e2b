/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Renders sockets as they stream past: an ss-like aligned table, a JSON
 * array (keys documented in docs/JSON.md), or CSV.  Nothing is buffered
 * beyond the outbuf, so 200,000 sockets cost a fixed amount of memory.
 *
 * Column widths are fixed up front (we cannot look ahead in a stream); a
 * value wider than its column widens that one line only, so a long IPv6
 * address is never cut.  The width (ui/term.h) sizes the address columns:
 * at 80 a default table of IPv4 sockets fits, and ss's extra fields (-p -i
 * -e -m -o) follow on the same line as in ss.
 *
 * Borrowed: out, svc, procs and the resolver context outlive the renderer.
 */
#ifndef CONNMON_UI_SOCK_RENDER_H
#define CONNMON_UI_SOCK_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/outbuf.h"
#include "base/services.h"
#include "model/proc_table.h"
#include "model/sock.h"

enum render_format {
	RENDER_TABLE,
	RENDER_JSON,
	RENDER_CSV,
};

struct sock_render_opts {
	enum render_format format;
	bool show_netid; /* more than one protocol selected */
	bool show_state; /* more than one state selected */
	bool wide_addrs; /* IPv6 possible: address columns up to an IPv6 address's width */
	unsigned width;	 /* table: the line width to fit (80), or 0 for the full layout */
	bool numeric;	 /* ports as numbers (-n) */
	bool processes, info, extended, memory, timers;
	bool no_header;
	const struct services *svc; /* port names when !numeric, or NULL */
	struct proc_table *procs;   /* when processes */
	/* Host name for an address (-r); returns length written to buf, 0 to print numerically. */
	size_t (*host_name)(void *ctx, int family, const uint8_t *addr, char *buf, size_t len);
	void *host_ctx;
};

struct sock_render {
	struct outbuf *out;
	struct sock_render_opts o;
	uint64_t nr; /* sockets rendered */
};

void sock_render_init(struct sock_render *r, struct outbuf *out, const struct sock_render_opts *o);
/* Table header, or "[" for JSON, or the CSV header line. */
void sock_render_begin(struct sock_render *r);
void sock_render_one(struct sock_render *r, const struct sock_entry *s);
/* Closes the JSON array. */
void sock_render_end(struct sock_render *r);

#endif
