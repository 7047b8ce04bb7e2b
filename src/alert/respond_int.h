/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The responder's insides, shared by respond*.c only (respond.h is the contract). */
#ifndef CONNMON_ALERT_RESPOND_INT_H
#define CONNMON_ALERT_RESPOND_INT_H

#include "alert/nft.h"
#include "alert/nft_batch.h"
#include "alert/respond.h"

struct responder {
	struct respond_params p;
	struct respond_ops ops;
	struct allow_list allow;
	struct nft *nft; /* created when first needed */
	bool ready;	 /* the table exists with our rules */
	bool unusable;	 /* respond_start failed: off_reason says why */
	char off_reason[160];
	struct nft_batch batch; /* scratch of one transaction */
	uint64_t nr_full;	/* blocks refused because the set was full */
};

const char *respond_mode_name(enum respond_mode m);
void respond_log(struct responder *r, const char *line);
/* Probes nftables and creates the table once: 0 or an nft error, with one line in why. */
int respond_ensure_table(struct responder *r, struct strbuf *why);
/* An address (not a network) in text: 0, or -EINVAL with the reason in why. */
int respond_parse_host(const char *text, struct nft_elem *e, struct strbuf *why);
void respond_host_text(const struct nft_elem *e, char out[ALERT_ADDR_LEN]);
const char *respond_allowed_reason(const struct responder *r, const struct nft_elem *e);
void respond_audit(struct responder *r, int64_t now_ms, const char *action, const char *target,
		   const char *result, const char *detail);

#endif
