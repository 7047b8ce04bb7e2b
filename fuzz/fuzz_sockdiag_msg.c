// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sock_diag reply parser.  The first input byte selects what the datagram is
 * parsed as (bits 0-1: TCP/UDP/RAW/UNIX); the rest is one netlink datagram.
 * It is copied into an exact-size heap buffer so ASan sees any over-read and
 * netlink alignment holds.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collect/sockdiag.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int touch(const struct sock_entry *s, void *arg)
{
	size_t *sum = arg;

	/* Read what points into the buffer, as a renderer would. */
	for (uint32_t i = 0; s->unix_path && i < s->unix_path_len; i++)
		*sum += (uint8_t)s->unix_path[i];
	*sum += s->tcpi_len + s->lport + s->nr_skmem + strlen(s->cong);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum sock_proto protos[] = { PROTO_TCP, PROTO_UDP, PROTO_RAW, PROTO_TCP };
	struct sockdiag_stats st = { 0 };
	bool done = false, is_unix;
	size_t sum = 0;
	uint8_t *buf;

	if (size < 1)
		return 0;
	is_unix = (data[0] & 3) == 3;
	buf = malloc(size - 1 ? size - 1 : 1);
	memcpy(buf, data + 1, size - 1);
	(void)sockdiag_parse_datagram(buf, size - 1, protos[data[0] & 3], is_unix, touch, &sum, &st,
				      &done);
	free(buf);
	return sum == 1 ? 1 : 0;
}
