/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nftables through libnftables: runs the scripts alert/nft_batch builds, in
 * one transaction each, and lists the elements of connmon's sets.
 *
 * Errors (negative errno), with libnftables' own message, shortened to its
 * first line, appended to err:
 *   -EPERM            no CAP_NET_ADMIN (in the namespace acted on)
 *   -EPROTONOSUPPORT  the kernel has no nf_tables
 *   -ENOENT           the table or set does not exist (listing)
 *   -ENFILE           a set is full (its size reached): nothing was applied
 *   -EIO              anything else nftables refused; nothing was applied
 * nft_unusable() says in one line what turns responses off.
 *
 * Ownership: a struct nft owns its libnftables context; one thread at a time.
 */
#ifndef CONNMON_ALERT_NFT_H
#define CONNMON_ALERT_NFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alert/nft_batch.h"
#include "base/strbuf.h"

struct nft;

/* A new context (never fails but for memory, which aborts). */
struct nft *nft_new(void);
void nft_free(struct nft *n);

/* Runs script (nft -f syntax) as one transaction: 0 or an error above. */
int nft_run(struct nft *n, const char *script, struct strbuf *err);
/* nft_batch_text() then nft_run(); an empty batch is 0 at once. */
int nft_apply(struct nft *n, const struct nft_batch *b, struct strbuf *err);

/*
 * Whether nftables can be used here: 0, or the error of listing the tables
 * (-EPERM, -EPROTONOSUPPORT, -EIO) with one line for the user in why:
 * "responses off: no CAP_NET_ADMIN (run as root or grant cap_net_admin)".
 */
int nft_unusable(struct nft *n, struct strbuf *why);

/*
 * The elements of one of connmon's sets, with their remaining time
 * (timeout_ms = what `expires` says, 0 for no timeout).  *out is a new array
 * (free() it) of *nr elements.  -ENOENT when the table or the set is missing.
 */
int nft_list_set(struct nft *n, enum nft_set set, struct nft_elem **out, size_t *nr,
		 struct strbuf *err);

/*
 * The pure part of nft_list_set: parses `nft -j list set` output.  Elements
 * whose value is not an address of the set's family (or, for a limit set,
 * an address and a port) are skipped.  0, or -EPROTO with the reason in err.
 */
int nft_parse_set_json(const char *json, size_t len, enum nft_set set, struct nft_elem **out,
		       size_t *nr, struct strbuf *err);

/* The errno an nftables error message stands for (see above). */
int nft_error_code(const char *msg);

#endif
