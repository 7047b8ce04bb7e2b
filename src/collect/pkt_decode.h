/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Decodes a captured frame into a struct pkt_info: Ethernet (with any
 * number of 802.1Q/802.1ad tags), Linux cooked capture (SLL, SLL2), raw IP;
 * then IPv4 (options, fragments: only the first fragment has ports) or IPv6
 * (skipping extension headers), then TCP/UDP ports.
 *
 * IP-in-IP (protocols 4 and 41) is followed to the innermost header, at
 * most 4 deep; ip_len is always the outer IP header's length field (the
 * frame's length after the link header when that field is 0: TSO, jumbo).
 *
 * Pure and allocation-free: it never reads past caplen.  Returns 0, or
 * -EPROTONOSUPPORT for a frame that is not IP (out->family stays 0, but
 * wire_len is set so totals still add up), or -EBADMSG for a truncated or
 * malformed link or outer IP header (out->family 0).  A transport header
 * cut short by caplen, or a non-first fragment, is not an error: the
 * addresses are set, has_ports is false.  direction is known for the
 * cooked link types (SLL, SLL2) only.
 *
 * wire_len is the frame as the device carries it, whatever the capture's link
 * type: for cooked captures ("any") the 16-byte SLL or 20-byte SLL2 header
 * counts as the device's own link header instead, 14 bytes (Ethernet, veth,
 * loopback, unknown devices) or none (tun, WireGuard, IP tunnels: ARPHRD_NONE,
 * RAWIP, TUNNEL, TUNNEL6, SIT, IPGRE, IP6GRE).  So a 52-byte Ethernet frame
 * is 52 bytes on "any" too.
 */
#ifndef CONNMON_COLLECT_PKT_DECODE_H
#define CONNMON_COLLECT_PKT_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "model/pkt.h"

/*
 * linktype: pcap's DLT_* value (DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2,
 * DLT_RAW as 12, 14 or LINKTYPE_RAW 101, DLT_IPV4, DLT_IPV6).
 */
int pkt_decode(const uint8_t *frame, size_t caplen, uint32_t wire_len, int linktype,
	       struct pkt_info *out);

#endif
