/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Packet capture through libpcap (a TPACKET_V3 ring on Linux), live on one
 * interface or offline from a pcap file, delivering decoded packets
 * (collect/pkt_decode) to a callback.  Capturing needs CAP_NET_RAW.
 *
 * The capture owns its pcap handle.  The callback runs on the caller's
 * thread inside capture_dispatch(); the pkt_info it gets is valid during
 * the call only.  Only frames that decode to an IP packet reach the
 * callback, unless all_frames asks for the rest too (family 0, wire_len and
 * direction set: totals that must add up to the interface's, as in procs);
 * either way they are counted in capture_stats (not_ip, bad).
 * Timestamps are nanoseconds (microsecond-precision files are scaled).
 *
 * Live captures are non-blocking with a 50 ms TPACKET_V3 block timeout:
 * packets arrive in batches at most ~50 ms late.
 */
#ifndef CONNMON_COLLECT_CAPTURE_H
#define CONNMON_COLLECT_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/pkt.h"

struct capture_opts {
	const char *ifname;  /* live capture on this interface, or NULL with file */
	const char *file;    /* offline: read this pcap file */
	const char *bpf;     /* pcap filter expression, or NULL */
	uint32_t snaplen;    /* 0: enough for headers (256 bytes) */
	uint32_t buffer_len; /* kernel ring size in bytes, 0: 32 MiB */
	bool promisc;
	bool all_frames; /* also deliver frames that are not IP (family 0) */
};

struct capture_stats {
	uint64_t received;   /* frames delivered to us by libpcap (IP or not) */
	uint64_t dropped;    /* dropped by the kernel: ring full (ps_drop) */
	uint64_t if_dropped; /* dropped by the interface/driver (ps_ifdrop) */
	uint64_t not_ip;     /* frames that decoded to no IP packet */
	uint64_t bad;	     /* frames with truncated or malformed headers */
};

typedef void (*capture_fn)(const struct pkt_info *p, void *arg);

struct capture;

/*
 * Opens and activates the capture.  Returns 0, or -errno with a message in
 * err (libpcap's text): -EPERM without CAP_NET_RAW, -ENODEV for an unknown
 * interface, -EINVAL for a filter that does not compile, -ENOENT for a file.
 */
int capture_open(struct capture **out, const struct capture_opts *o, char *err, size_t err_len);
/*
 * Delivers the packets available now, waiting at most timeout_ms for the
 * first (live only; 0: do not wait).  Returns the number of frames
 * processed (IP or not), 0 on timeout or EINTR, -ENODATA at the end of a
 * file (files are read in batches of 8192 frames per call), or -errno
 * (-ENETDOWN: the interface vanished, -EIO: other libpcap failures).
 * A file cut short (or with a damaged record) gives -EBADMSG after every
 * intact packet before the bad record has been delivered, as tcpdump shows
 * them before its warning: a caller reports what it has, then the error.
 * After an error, capture_error() has libpcap's words for it.
 */
int capture_dispatch(struct capture *c, int timeout_ms, capture_fn fn, void *arg);
/* libpcap's message for the last failed capture_dispatch(), "" before any; owned by c. */
const char *capture_error(const struct capture *c);
/* Cumulative since capture_open().  0, or -EIO when the kernel cannot say. */
int capture_get_stats(struct capture *c, struct capture_stats *st);
/* A descriptor to poll(2) for readability (live), or -1. */
int capture_fd(const struct capture *c);
void capture_close(struct capture *c);

/*
 * The interface of the default route: the IPv4 default with the lowest
 * metric in PROC_ROOT/net/route, else the IPv6 one in net/ipv6_route (up,
 * not a reject route, not lo).  proc_root: "/proc" normally.  Returns 0 with
 * the name in out, -ENOENT without a default route, or -errno of the reads.
 */
int capture_default_iface(const char *proc_root, char *out, size_t out_len);
/* The pure parsers behind it: text of /proc/net/route or ipv6_route.  0 or -ENOENT. */
int capture_parse_route4(const char *text, size_t len, char *out, size_t out_len);
int capture_parse_route6(const char *text, size_t len, char *out, size_t out_len);

/*
 * The addresses of interface ifname (getifaddrs), at most cap: 16 bytes each
 * (IPv4 in the first 4, the rest zero) and the family (AF_INET, AF_INET6).
 * Returns the number stored, or -errno.
 */
int capture_local_addrs(const char *ifname, uint8_t (*addrs)[16], uint8_t *families, size_t cap);

#endif
