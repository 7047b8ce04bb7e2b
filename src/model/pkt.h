/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One captured packet, decoded down to what traffic accounting needs: the
 * addresses, ports and protocol of its innermost IP header, and its size on
 * the wire.  Filled by collect/pkt_decode from a link-layer frame; read by
 * flow tables (flows) and socket attribution (procs).  Plain data, no
 * pointers: a pkt_info can be copied and kept.
 */
#ifndef CONNMON_MODEL_PKT_H
#define CONNMON_MODEL_PKT_H

#include <stdbool.h>
#include <stdint.h>

struct pkt_info {
	uint64_t ts_ns;		  /* capture timestamp, CLOCK_REALTIME nanoseconds */
	uint32_t wire_len;	  /* bytes on the wire, as the device carries the frame */
	uint32_t ip_len;	  /* bytes from the IP header on (what iftop counts) */
	uint8_t family;		  /* AF_INET or AF_INET6; 0 for non-IP frames */
	uint8_t l4proto;	  /* IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP ... */
	uint8_t tcp_flags;	  /* TCP only: FIN 0x01, SYN 0x02, RST 0x04, ACK 0x10 */
	bool has_ports;		  /* TCP/UDP/SCTP with a complete, unfragmented header */
	uint16_t vlan;		  /* outermost 802.1Q VLAN id, 0 when untagged */
	uint16_t sport, dport;	  /* host order */
	uint8_t src[16], dst[16]; /* network order; IPv4 in the first 4 bytes */
	int8_t direction;	  /* PACKET_OUTGOING/PACKET_HOST as known, -1 unknown */
};

#endif
