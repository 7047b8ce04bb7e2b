// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Feeds arbitrary bytes to the parser of `nft -j list set` output, as each
 * kind of connmon set: it must return 0 or -EPROTO, and every element it
 * returns must be of the set's family with a non-negative remaining time.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "alert/nft.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf err = STRBUF_INIT;

	for (int set = 0; set < NFT_SETS; set++) {
		struct nft_elem *e = NULL;
		size_t nr = 0;
		int ret = nft_parse_set_json((const char *)data, size, (enum nft_set)set, &e, &nr,
					     &err);
		int family = set == NFT_SET_BLOCK4 || set == NFT_SET_LIMIT4 ? AF_INET : AF_INET6;

		if (ret != 0 && ret != -EPROTO)
			abort();
		if (ret && nr)
			abort();
		for (size_t i = 0; i < nr; i++)
			if (e[i].family != family || e[i].timeout_ms < 0)
				abort();
		free(e);
		strbuf_reset(&err);
	}
	strbuf_release(&err);
	return 0;
}
