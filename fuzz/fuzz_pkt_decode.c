// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Feeds arbitrary frames to the packet decoder, and the same bytes as text
 * to the default-route parsers.  The first byte picks the link type; the
 * rest is the frame, copied to a buffer of exactly its size so that ASan
 * catches any read past caplen.  Checks what flow accounting relies on:
 * a failed decode leaves family 0, a success has a known family, ports only
 * with TCP/UDP/UDP-Lite/SCTP/DCCP, and wire_len is the frame's length with
 * a cooked header counted as the device's own (14 bytes or none).
 */
#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "collect/capture.h"
#include "collect/pkt_decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int linktypes[] = { 1, 12, 14, 101, 113, 228, 229, 276 };

static bool has_ports_proto(uint8_t p)
{
	return p == IPPROTO_TCP || p == IPPROTO_UDP || p == IPPROTO_UDPLITE || p == IPPROTO_SCTP ||
	       p == IPPROTO_DCCP;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pkt_info p;
	char name[64];
	uint8_t *frame;
	uint32_t wire = (uint32_t)size + 3, cooked;
	int rc, lt;

	if (size == 0)
		return 0;
	frame = malloc(size - 1 ? size - 1 : 1);
	if (frame == NULL)
		return 0;
	memcpy(frame, data + 1, size - 1);
	lt = linktypes[data[0] % (sizeof(linktypes) / sizeof(linktypes[0]))];
	rc = pkt_decode(frame, size - 1, wire, lt, &p);
	if (rc < 0 && (p.family != 0 || (rc != -EBADMSG && rc != -EPROTONOSUPPORT)))
		abort();
	if (rc == 0 && p.family != AF_INET && p.family != AF_INET6)
		abort();
	if (p.has_ports && !has_ports_proto(p.l4proto))
		abort();
	/* Cooked headers (16 or 20 bytes) become the device's: 14 bytes or none. */
	cooked = lt == 113 ? 16 : lt == 276 ? 20 : 0;
	if (cooked && wire >= cooked ?
		    p.wire_len != wire - cooked && p.wire_len != wire - cooked + 14 :
		    p.wire_len != wire)
		abort();
	free(frame);
	if (capture_parse_route4((const char *)data, size, name, sizeof(name)) == 0 &&
	    name[0] == '\0')
		abort();
	if (capture_parse_route6((const char *)data, size, name, sizeof(name)) == 0 &&
	    name[0] == '\0')
		abort();
	return 0;
}
