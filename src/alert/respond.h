/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The graded responses (docs/RESPOND.md): the policy between the rule
 * engine's alert events and the kernel.  For each action of a firing event
 * (log, limit, block, kill) the responder decides, acts and writes the
 * action's result:
 *
 *   "done", "done: 3 addresses"        applied (mode on)
 *   "dry-run: would block for 10m"     mode dry-run (the default): nothing in the kernel
 *   "off"                              mode off
 *   "refused: allowlisted (loopback)"  never blocked, limited or killed
 *   "refused: set full (65536)"        the bounded set is full (the app raises an alert)
 *   "failed: nftables: ..."            nftables refused the transaction
 *
 * All the limits and blocks of one respond_apply() go to nftables in ONE
 * transaction.  Blocks expire in the kernel (set element timeouts); the
 * block row (respond_ops.block_save) says when.  The ban time escalates for
 * repeat offenders: ban × factor^(earlier bans), at most ban_max; the count
 * is kept through respond_ops.offender_get/put.
 *
 * alert/ includes neither collect/ nor store/: persistence, socket kills
 * and logging reach the responder as function pointers (struct respond_ops)
 * given by app/.  Every op may be NULL (skipped).  Ops return 0 or a
 * negative errno; their failures are logged, never fatal.
 *
 * Ownership: the responder owns its allowlist, its nftables context and
 * copies of the params and ops.  One thread.
 */
#ifndef CONNMON_ALERT_RESPOND_H
#define CONNMON_ALERT_RESPOND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alert/allow.h"
#include "base/strbuf.h"
#include "model/alert.h"

enum respond_mode {
	RESPOND_OFF,
	RESPOND_DRY_RUN,
	RESPOND_ON,
};

struct respond_params {
	enum respond_mode mode;
	int64_t ban_ms;		    /* the first ban (10 min) */
	uint32_t ban_factor;	    /* times this per earlier ban (4) */
	int64_t ban_max_ms;	    /* at most (1 week) */
	uint32_t set_size;	    /* elements per set (65,536) */
	int64_t limit_ms;	    /* how long a limit lasts (10 min) */
	uint32_t limit_connections; /* open connections per limited (source, port) (20) */
	uint32_t limit_syn_rate;    /* SYNs per second per limited (source, port) (10) */
};

/* The defaults above. */
void respond_params_init(struct respond_params *p);

#define RESPOND_REASON_LEN 128
#define RESPOND_ORIGIN_LEN 16

/* One row of the block table. */
struct respond_block {
	char addr[ALERT_ADDR_LEN]; /* as inet_ntop writes it */
	int64_t created_ms;
	int64_t expires_ms; /* 0: until unblocked */
	char rule[ALERT_RULE_LEN];
	char reason[RESPOND_REASON_LEN];
	char origin[RESPOND_ORIGIN_LEN]; /* "agent", "cli" */
};

/* One row of the audit table. */
struct respond_audit {
	int64_t time_ms;
	char action[16]; /* "block", "unblock", "limit", "kill", "log", "reconcile" */
	char target[64]; /* an address, "ADDR port P", "*" */
	char mode[16];	 /* "on", "dry-run", "off" */
	char result[ALERT_RESULT_LEN];
	char detail[RESPOND_REASON_LEN]; /* rule, reason, duration */
};

struct respond_ops {
	void *ctx;
	/* Upserts nr rows (one transaction). */
	int (*block_save)(void *ctx, const struct respond_block *b, size_t nr);
	/* Deletes the rows of nr addresses; all: every row (addrs ignored). */
	int (*block_remove)(void *ctx, const char *const *addrs, size_t nr, bool all);
	/* The rows in force at now_ms (expired ones left out; INT64_MIN: all); *out is malloc'ed.
	 */
	int (*block_list)(void *ctx, int64_t now_ms, struct respond_block **out, size_t *nr);
	/* How many rows are in force at now_ms. */
	int (*block_count)(void *ctx, int64_t now_ms, size_t *nr);
	/* Earlier bans of addr (0 when unknown). */
	int (*offender_get)(void *ctx, const char *addr, uint32_t *bans);
	int (*offender_put)(void *ctx, const char *addr, uint32_t bans, int64_t last_ban_ms);
	int (*audit)(void *ctx, const struct respond_audit *a, size_t nr);
	/* Destroys the established TCP sockets of addr: the count, or a negative errno. */
	int (*kill)(void *ctx, uint8_t family, const uint8_t addr[16], struct strbuf *err);
	/* One line for the agent's log. */
	void (*log)(void *ctx, const char *line);
};

struct responder;

/* A responder; nothing touches the kernel before respond_start(). */
struct responder *respond_new(const struct respond_params *p, const struct respond_ops *ops);
void respond_free(struct responder *r);
/* The allowlist to fill (loopback, own addresses, gateways, SSH peers, configured). */
struct allow_list *respond_allow(struct responder *r);
enum respond_mode respond_mode(const struct responder *r);
/*
 * Blocks refused so far because the block set was full (a counter that
 * only grows): the app raises an alert when it moves.
 */
uint64_t respond_full_refusals(const struct responder *r);
/* The ctx of the ops given to respond_new (for its owner to free after respond_free). */
void *respond_ops_ctx(const struct responder *r);

/*
 * Mode on: checks that nftables is usable and creates (or updates) the
 * table.  When it cannot (no CAP_NET_ADMIN, no nf_tables), returns the
 * error with ONE line for the user in why ("responses off: no
 * CAP_NET_ADMIN ..."), and the responder goes off (its actions say so);
 * detection goes on.  Other modes: 0, nothing done.
 */
int respond_start(struct responder *r, struct strbuf *why);

/*
 * Fills the result of every action of the firing events in evs (resolved
 * events are left alone) and acts according to the mode; see above.
 */
void respond_apply(struct responder *r, struct alert_event *const *evs, size_t nr, int64_t now_ms);

/* The same for an array of events (an alert_event_list's v, nr). */
void respond_apply_array(struct responder *r, struct alert_event *evs, size_t nr, int64_t now_ms);

/*
 * The kernel's sets against the block rows (at agent start): re-adds rows
 * in force that the kernel lacks (with their remaining time) and deletes
 * kernel elements without a row, in one transaction.  *added and *removed
 * (may be NULL) count them.  Mode on only (else 0).
 */
int respond_reconcile(struct responder *r, int64_t now_ms, size_t *added, size_t *removed,
		      struct strbuf *err);

/* Deletes connmon's table (`connmon agent --remove-rules`), whatever the mode. */
int respond_remove_rules(struct responder *r, struct strbuf *err);

/* The ban of an address with prior earlier bans: ban × factor^prior, at most ban_max. */
int64_t respond_ban_ms(const struct respond_params *p, uint32_t prior);

/* One address of a manual block or unblock, and what became of it. */
struct respond_req {
	const char *text; /* as typed; borrowed */
	int status;	  /* 0 done; -EINVAL invalid, -EPERM allowlisted, -ENFILE set full */
	char result[ALERT_RESULT_LEN]; /* "done", "refused: ...", "failed: ..." */
};

/*
 * `connmon block`: blocks every valid, non-allowlisted address of reqs for
 * duration_ms (0: until unblocked) in one transaction, whatever the mode
 * (an explicit request); rows and audit through the ops.  Returns 0 when
 * the transaction (if any) succeeded, else its error (every applied req
 * then says "failed"); per-address refusals are in reqs[].
 */
int respond_block(struct responder *r, struct respond_req *reqs, size_t nr, int64_t duration_ms,
		  const char *reason, int64_t now_ms, struct strbuf *err);
/* `connmon unblock ADDR...`; a valid address without a block is still removed ("done"). */
int respond_unblock(struct responder *r, struct respond_req *reqs, size_t nr, int64_t now_ms,
		    struct strbuf *err);
/* `connmon unblock --all`: empties both block sets and the table; *nr: rows removed. */
int respond_unblock_all(struct responder *r, size_t *nr, int64_t now_ms, struct strbuf *err);

/* "10m", "1h30m", "2d" */
void respond_format_duration(int64_t ms, struct strbuf *out);

#endif
