/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The traffic and alert views of `connmon top` (app/top_flows.c,
 * app/top_procs.c, app/top_alerts.c) and the small pure helpers they share:
 * addresses made comparable, narrowings matched, ages and durations for
 * people.  App-internal.
 *
 * Conventions these views follow for a top_ref (app/top_view.h):
 * - TOP_REF_PEER: the remote address in dst (canonical: an IPv4-mapped IPv6
 *   address is IPv4, in the first 4 bytes), its family, and its text in name.
 * - TOP_REF_PROC: pid, start_ticks (0: any process with that pid), comm in name.
 * - TOP_REF_BLOCK: the blocked address in dst and its text (as the store
 *   keeps it) in name.
 * - TOP_REF_ALERT: the alert's id in id, its rule in name; the subject, when
 *   it is an address, in dst with its family.
 */
#ifndef CONNMON_APP_TOP_VIEWS_INT_H
#define CONNMON_APP_TOP_VIEWS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app/top_view.h"
#include "base/strbuf.h"

/*
 * addr (16 bytes, network order) of family in canonical form into out (16
 * bytes): IPv4-mapped IPv6 (::ffff:a.b.c.d) becomes IPv4 in the first 4
 * bytes, IPv4 has its 12 trailing bytes zeroed.  Returns the family of the
 * result (AF_INET, AF_INET6), or 0 for another family.
 */
int top_addr_canon(int family, const uint8_t *addr, uint8_t out[16]);
/* The same address once both are canonical (IPv4 equals its mapped IPv6 form). */
bool top_addr_same(int fa, const uint8_t *a, int fb, const uint8_t *b);

/* r becomes a TOP_REF_PEER for addr (the rest of r zeroed). */
void top_ref_set_peer(struct top_ref *r, int family, const uint8_t *addr);
/* Parses an address's text into a TOP_REF_PEER; false when text is not one. */
bool top_ref_parse_peer(struct top_ref *r, const char *text);

/*
 * The address of an alert's subject as the store keeps it ("addr=10.0.0.9
 * port=22": alert_subject_text) into a TOP_REF_PEER; false without one.
 */
bool top_ref_subject_peer(struct top_ref *r, const char *subject);

/*
 * Is the host pair (a local, b remote) inside n?  NULL or TOP_REF_NONE: yes;
 * a peer or a block: b (or a) is its address; a socket: its two ends are the
 * pair's, in either order.  Kinds a host pair cannot be judged by (a
 * process, a port...) let everything through: top_narrow_applies() says
 * which kinds a view honours.
 */
bool top_flow_in_narrow(int family, const uint8_t *a, const uint8_t *b, const struct top_narrow *n);
/* Is the process (pid, start_ticks) inside n?  Only TOP_REF_PROC narrows; start 0 matches any. */
bool top_proc_in_narrow(int32_t pid, uint64_t start_ticks, const struct top_narrow *n);
/* Whether a narrowing of this kind changes what the flows (procs) view shows. */
bool top_flows_narrows(enum top_ref_kind kind);
bool top_procs_narrows(enum top_ref_kind kind);

/*
 * snprintf into a fixed buffer of a title or a message, where cutting the
 * text short is intended (the screen cuts it at its width anyway).
 */
void top_textf(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * A duration for a table cell: "0s", "42s", "5m07s", "2h03m", "3d04h";
 * negative values print as "0s".  Returns buf (len >= 16).
 */
const char *top_fmt_dur(char *buf, size_t len, int64_t ms);

/*
 * The unblock of the alerts view (`u` on a block row, after the screen's
 * confirmation): removes the blocks of addrs[0..nr) as `connmon unblock`
 * does (the agent's database as an admin, the responder's nftables set).
 * db_path: the database (NULL: the config's).  Returns 0 with a line for the
 * status bar in msg ("unblocked 203.0.113.7"), or -errno with the reason
 * there ("unblock needs CAP_NET_ADMIN", "cannot open ...").
 */
int top_alerts_unblock(const char *db_path, const char *const *addrs, size_t nr,
		       struct strbuf *msg);

/*
 * Agent mode (app/top_agent_views.c): the views' tables from ctx->frame
 * (set: the caller checks), the agent's frame, instead of their own data.
 * Each returns 0.
 */
int top_agent_fill_overview(const struct top_ctx *ctx, struct top_table *t);
int top_agent_fill_ifaces(const struct top_ctx *ctx, struct top_table *t);
int top_agent_fill_procs(const struct top_ctx *ctx, struct top_table *t);
int top_agent_fill_listeners(const struct top_ctx *ctx, struct top_table *t);
int top_agent_fill_flows(const struct top_ctx *ctx, const struct top_narrow *n,
			 struct top_table *t);
int top_agent_fill_alerts(const struct top_ctx *ctx, struct top_table *t);

#endif
