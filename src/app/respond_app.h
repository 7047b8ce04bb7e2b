/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * app/'s side of the responses (alert/respond.h): the responder wired to
 * the store (block, offender, audit rows), to SOCK_DESTROY (kills), to the
 * log, and its allowlist filled from the kernel (collect/localaddr) and the
 * config.  The agent and the block commands share it.  App-internal.
 *
 * For cmd_agent (the lead wires these):
 *   respond_app_options()  after agent_config_load(): --respond and --allow
 *   respond_app_remove_rules()  for --remove-rules (then exit with its code)
 *   respond_app_open()     after the store opened: the responder, started and reconciled
 *   respond_apply_array(r, l->v, l->nr, now_ms)  in agent_respond_events(), each tick,
 *                          instead of its "not applied: no responder" placeholder
 *   respond_full_refusals(r)  after each apply: when it grew, raise the "set full" alert
 *   store_block_purge(st, now_ms, NULL, NULL)  now and then (hourly): expired block rows
 *   respond_app_close()    at exit (the table and its blocks stay)
 */
#ifndef CONNMON_APP_RESPOND_APP_H
#define CONNMON_APP_RESPOND_APP_H

#include <stdint.h>

#include "alert/respond.h"
#include "base/strbuf.h"
#include "cli/cmdline.h"
#include "cli/config.h"
#include "store/store.h"

/* --respond MODE and each --allow NET over c ([respond] mode, allow); 0 or -EINVAL with err. */
int respond_app_options(struct agent_config *c, const struct cli_opts *o, struct strbuf *err);

/* c's [respond] as the responder's params. */
void respond_app_params(struct respond_params *p, const struct respond_config *c);

/*
 * Loopback, the configured allow list, the host's own addresses, its
 * default gateways and the peers of SSH sessions (port 22 and every port a
 * process named sshd listens on).  A part that cannot be read is logged
 * through warn (may be NULL) and skipped.
 */
void respond_app_allowlist(struct allow_list *l, const struct respond_config *c,
			   void (*warn)(const char *line));

/*
 * A responder in mode (usually c->respond.mode), its rows in st (borrowed;
 * NULL: no persistence), its lines logged through log (may be NULL).
 * Nothing touches the kernel yet.
 */
struct responder *respond_app_new(const struct respond_config *c, enum respond_mode mode,
				  struct store *st, void (*log)(const char *line));

/*
 * The agent's responder: respond_app_new() with the config's mode, the
 * allowlist filled, started (no CAP_NET_ADMIN or no nftables: one warning
 * line, responses off, the agent goes on) and reconciled with st's block
 * table (expired rows purged first).  Never NULL.
 */
struct responder *respond_app_open(const struct agent_config *c, struct store *st, int64_t now_ms);
void respond_app_close(struct responder *r);

/* `connmon agent --remove-rules`: deletes table inet connmon; the exit code (0, or 1 with a line).
 */
int respond_app_remove_rules(void);

#endif
