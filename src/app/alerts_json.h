/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The JSON that `connmon alerts --json` and `connmon blocks --json` print,
 * written into a buffer, so the agent's API (app/agent_api.h) answers with
 * the same text.  App-internal.
 */
#ifndef CONNMON_APP_ALERTS_JSON_H
#define CONNMON_APP_ALERTS_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "base/strbuf.h"
#include "store/store.h"

/*
 * The alert events q selects, as a JSON array ("[\n" events joined by ",\n"
 * "\n]\n", or "[]\n"), appended to out; *nr (may be NULL) counts them.
 * Returns 0, or store_alert_list's error with its sentence in err.
 */
int alerts_json(struct store *st, const struct store_alert_query *q, struct strbuf *out, size_t *nr,
		struct strbuf *err);

/* The blocks b[0..nr) in force at now_ms, as `blocks --json` prints them (docs/JSON.md). */
void blocks_json(struct strbuf *out, const struct store_block *b, size_t nr, int64_t now_ms);

#endif
