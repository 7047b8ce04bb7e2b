// SPDX-License-Identifier: GPL-2.0-or-later
#include "collect/pkt_decode.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>

/*
 * pcap link types, spelled out so the decoder does not need libpcap's
 * headers: DLT_RAW is 12 on Linux (14 on OpenBSD), LINKTYPE_RAW is 101 in
 * files; DLT_IPV4/DLT_IPV6 are 228/229.
 */
enum {
	LT_EN10MB = 1,
	LT_RAW_LINUX = 12,
	LT_RAW_BSD = 14,
	LT_RAW = 101,
	LT_LINUX_SLL = 113,
	LT_IPV4 = 228,
	LT_IPV6 = 229,
	LT_LINUX_SLL2 = 276,
};

enum {
	ETH_P_IPV4 = 0x0800,
	ETH_P_IPV6 = 0x86dd,
	ETH_P_8021Q = 0x8100,
	ETH_P_8021AD = 0x88a8,
	ETH_P_QINQ = 0x9100,
	/* SLL's packet types (linux/if_packet.h) */
	SLL_HOST = 0,
	SLL_OUTGOING = 4,
	/* IP-in-IP nesting we follow before giving up */
	MAX_IP_DEPTH = 4,
	/* at most this many VLAN tags (a frame can hold no more in 256 bytes anyway) */
	MAX_VLAN_TAGS = 8,
	/* cooked headers, and the link header an Ethernet device carries instead */
	SLL_HDR_LEN = 16,
	SLL2_HDR_LEN = 20,
	ETH_HDR_LEN = 14,
	/* linux/if_arp.h: devices that carry IP with no link header at all */
	ARPHRD_TUNNEL = 768,
	ARPHRD_TUNNEL6 = 769,
	ARPHRD_SIT = 776,
	ARPHRD_IPGRE = 778,
	ARPHRD_IP6GRE = 823,
	ARPHRD_RAWIP = 519,
	ARPHRD_NONE = 0xfffe,
};

static inline uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static int sll_direction(unsigned pkttype)
{
	if (pkttype == SLL_OUTGOING)
		return 4; /* PACKET_OUTGOING */
	if (pkttype == SLL_HOST)
		return 0; /* PACKET_HOST */
	return (int)pkttype;
}

/*
 * Finds the network header behind the link header.  Sets *off and *ethertype
 * (ETH_P_IPV4/IPV6 for raw IP), and vlan/direction in out.  Returns 0,
 * -EBADMSG (truncated) or -EPROTONOSUPPORT (unknown link type).
 */
static int decode_link(const uint8_t *f, size_t caplen, int linktype, size_t *off,
		       unsigned *ethertype, struct pkt_info *out)
{
	size_t o;
	unsigned et;

	switch (linktype) {
	case LT_EN10MB:
		if (caplen < 14)
			return -EBADMSG;
		o = 14;
		et = rd16(f + 12);
		break;
	case LT_LINUX_SLL:
		if (caplen < 16)
			return -EBADMSG;
		out->direction = (int8_t)sll_direction(rd16(f));
		o = 16;
		et = rd16(f + 14);
		break;
	case LT_LINUX_SLL2:
		if (caplen < 20)
			return -EBADMSG;
		out->direction = (int8_t)sll_direction(f[10]);
		o = 20;
		et = rd16(f);
		break;
	case LT_RAW_LINUX:
	case LT_RAW_BSD:
	case LT_RAW:
	case LT_IPV4:
	case LT_IPV6:
		if (caplen < 1)
			return -EBADMSG;
		*off = 0;
		*ethertype = (f[0] >> 4) == 6 ? ETH_P_IPV6 : ETH_P_IPV4;
		return 0;
	default:
		return -EPROTONOSUPPORT;
	}
	for (int i = 0;
	     i < MAX_VLAN_TAGS && (et == ETH_P_8021Q || et == ETH_P_8021AD || et == ETH_P_QINQ);
	     i++) {
		if (caplen < o + 4)
			return -EBADMSG;
		if (i == 0)
			out->vlan = rd16(f + o) & 0x0fff;
		et = rd16(f + o + 2);
		o += 4;
	}
	*off = o;
	*ethertype = et;
	return 0;
}

/* Ports and flags; a header cut short by caplen leaves has_ports false. */
static void decode_l4(const uint8_t *l4, size_t len, struct pkt_info *out)
{
	size_t need;

	switch (out->l4proto) {
	case IPPROTO_TCP:
		need = 20;
		break;
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
		need = 8;
		break;
	case IPPROTO_SCTP:
		need = 12;
		break;
	case IPPROTO_DCCP:
		need = 12;
		break;
	default:
		return;
	}
	if (len < need)
		return;
	out->sport = rd16(l4);
	out->dport = rd16(l4 + 2);
	out->has_ports = true;
	if (out->l4proto == IPPROTO_TCP)
		out->tcp_flags = l4[13] & 0x3f;
}

/*
 * IPv4: sets addresses and protocol; *l4 / *l4_len point at the payload,
 * or *l4 is NULL for a non-first fragment.  Returns 0 or -EBADMSG.
 */
static int decode_ipv4(const uint8_t *ip, size_t len, struct pkt_info *out, const uint8_t **l4,
		       size_t *l4_len)
{
	size_t hl, tot;

	if (len < 20 || (ip[0] >> 4) != 4)
		return -EBADMSG;
	hl = (size_t)(ip[0] & 0x0f) * 4;
	tot = rd16(ip + 2);
	if (hl < 20 || len < hl || tot < hl)
		return -EBADMSG;
	out->family = AF_INET;
	out->l4proto = ip[9];
	memcpy(out->src, ip + 12, 4);
	memcpy(out->dst, ip + 16, 4);
	memset(out->src + 4, 0, 12);
	memset(out->dst + 4, 0, 12);
	/* Only the first fragment (offset 0) carries the transport header. */
	if ((rd16(ip + 6) & 0x1fff) != 0) {
		*l4 = NULL;
		*l4_len = 0;
		return 0;
	}
	*l4 = ip + hl;
	/* Ethernet padding can follow a short datagram: trust tot when it is less. */
	*l4_len = (tot < len ? tot : len) - hl;
	return 0;
}

static bool is_ipv6_ext(unsigned nh)
{
	return nh == IPPROTO_HOPOPTS || nh == IPPROTO_ROUTING || nh == IPPROTO_DSTOPTS ||
	       nh == IPPROTO_FRAGMENT || nh == IPPROTO_AH || nh == 135 /* mobility */ ||
	       nh == 139 /* HIP */ || nh == 140 /* shim6 */;
}

/* IPv6 with extension headers skipped; as decode_ipv4. */
static int decode_ipv6(const uint8_t *ip, size_t len, struct pkt_info *out, const uint8_t **l4,
		       size_t *l4_len)
{
	size_t o = 40;
	unsigned nh;

	if (len < 40 || (ip[0] >> 4) != 6)
		return -EBADMSG;
	out->family = AF_INET6;
	memcpy(out->src, ip + 8, 16);
	memcpy(out->dst, ip + 24, 16);
	nh = ip[6];
	*l4 = NULL;
	*l4_len = 0;
	/* Each extension header is at least 8 bytes, so this loop is bounded by len. */
	while (is_ipv6_ext(nh)) {
		size_t ext_len;

		if (len < o + 8) {
			/* truncated inside the chain: addresses are known, the protocol not */
			out->l4proto = (uint8_t)nh;
			return 0;
		}
		if (nh == IPPROTO_FRAGMENT) {
			ext_len = 8;
			if ((rd16(ip + o + 2) & 0xfff8) != 0) {
				out->l4proto = ip[o];
				return 0;
			}
		} else if (nh == IPPROTO_AH) {
			ext_len = ((size_t)ip[o + 1] + 2) * 4;
		} else {
			ext_len = ((size_t)ip[o + 1] + 1) * 8;
		}
		nh = ip[o];
		o += ext_len;
	}
	out->l4proto = (uint8_t)nh;
	if (o > len)
		return 0;
	*l4 = ip + o;
	*l4_len = len - o;
	return 0;
}

/*
 * A cooked capture ("any") replaces the device's link header by its own 16
 * (SLL) or 20 (SLL2) bytes, and wire_len counts those.  Give back the length
 * the device itself carries, so that wire bytes mean the same on "any" as on
 * the interface: the frame with a 14-byte Ethernet header (Ethernet, veth,
 * loopback, and any device we know nothing of), or the bare IP packet for
 * devices that have no link header (tun, WireGuard, IP tunnels).
 */
static uint32_t device_wire_len(const uint8_t *f, size_t caplen, uint32_t wire_len, int linktype)
{
	size_t cooked, hatype_at;
	unsigned hatype = 1; /* ARPHRD_ETHER when the header is cut before it */
	uint32_t link;

	if (linktype == LT_LINUX_SLL) {
		cooked = SLL_HDR_LEN;
		hatype_at = 2;
	} else if (linktype == LT_LINUX_SLL2) {
		cooked = SLL2_HDR_LEN;
		hatype_at = 8;
	} else {
		return wire_len;
	}
	if (wire_len < cooked)
		return wire_len;
	if (caplen >= hatype_at + 2)
		hatype = rd16(f + hatype_at);
	switch (hatype) {
	case ARPHRD_TUNNEL:
	case ARPHRD_TUNNEL6:
	case ARPHRD_SIT:
	case ARPHRD_IPGRE:
	case ARPHRD_IP6GRE:
	case ARPHRD_RAWIP:
	case ARPHRD_NONE:
		link = 0;
		break;
	default:
		link = ETH_HDR_LEN;
	}
	return wire_len - (uint32_t)cooked + link;
}

/*
 * What iftop counts: the outer IP header's own length field, so that the
 * padding of short Ethernet frames is not counted; the frame's length when
 * the field is 0 (TSO super-packets, IPv6 jumbograms).
 */
static uint32_t outer_ip_len(const uint8_t *ip, size_t caplen, unsigned et, uint32_t wire_len,
			     size_t off)
{
	uint32_t n = 0;

	if (et == ETH_P_IPV4 && caplen >= 4)
		n = rd16(ip + 2);
	else if (et == ETH_P_IPV6 && caplen >= 6 && rd16(ip + 4) != 0)
		n = 40u + rd16(ip + 4);
	if (n == 0)
		n = wire_len > off ? wire_len - (uint32_t)off : 0;
	return n;
}

int pkt_decode(const uint8_t *frame, size_t caplen, uint32_t wire_len, int linktype,
	       struct pkt_info *out)
{
	const uint8_t *ip, *l4 = NULL;
	size_t off, ip_caplen, l4_len = 0;
	unsigned et;
	int rc;

	memset(out, 0, sizeof(*out));
	out->wire_len = device_wire_len(frame, caplen, wire_len, linktype);
	out->direction = -1;
	rc = decode_link(frame, caplen, linktype, &off, &et, out);
	if (rc < 0)
		return rc;
	if (et != ETH_P_IPV4 && et != ETH_P_IPV6)
		return -EPROTONOSUPPORT;
	ip = frame + off;
	ip_caplen = caplen - off;
	out->ip_len = outer_ip_len(ip, ip_caplen, et, wire_len, off);
	for (int depth = 0; depth < MAX_IP_DEPTH; depth++) {
		if (et == ETH_P_IPV4)
			rc = decode_ipv4(ip, ip_caplen, out, &l4, &l4_len);
		else
			rc = decode_ipv6(ip, ip_caplen, out, &l4, &l4_len);
		if (rc < 0) {
			if (depth == 0) {
				out->family = 0;
				return rc;
			}
			/* a broken inner header: report the outer one as it was */
			return 0;
		}
		if (l4 == NULL || (out->l4proto != IPPROTO_IPIP && out->l4proto != IPPROTO_IPV6))
			break;
		et = out->l4proto == IPPROTO_IPIP ? ETH_P_IPV4 : ETH_P_IPV6;
		ip = l4;
		ip_caplen = l4_len;
	}
	if (l4 != NULL)
		decode_l4(l4, l4_len, out);
	return 0;
}
