/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The port_scan rule's packets: connection attempts addressed to this host,
 * filtered in the kernel so that nothing else is copied to user space.
 * A collect/capture (libpcap, TPACKET_V3 ring) on "any" interface or a
 * named one, with the BPF program of scan_capture_filter():
 *
 *   inbound TCP segments with SYN set and ACK clear (IPv4; IPv6 without
 *   extension headers), and inbound UDP datagrams not addressed to a port
 *   of the local ephemeral range (those are replies to this host's own
 *   queries: DNS, NTP, QUIC), never to a multicast group.
 *
 * In user space only packets of type PACKET_HOST (or unknown) go on: not
 * broadcasts, not frames for other hosts, and not from a loopback address
 * (the host probing itself over lo).  A host that routes (containers,
 * a router) also sees attempts addressed to the addresses behind it.
 *
 * Cost: a snaplen of SCAN_CAPTURE_SNAPLEN bytes (link, IP and TCP/UDP
 * headers) and an 8 MiB ring by default: at 50,000 SYN/s that is ~7 MB/s
 * of ring, about a second of slack; the ring's blocks are handed over every
 * 50 ms at most, so a flood costs one wakeup per block, not per packet.
 * The caller polls scan_capture_fd() in its loop and calls
 * scan_capture_dispatch() when it is readable (and once per tick).
 *
 * Privilege: CAP_NET_RAW.  Without it scan_capture_open says so in why.
 * Ownership: the capture owns its libpcap handle.
 */
#ifndef CONNMON_COLLECT_SCAN_CAPTURE_H
#define CONNMON_COLLECT_SCAN_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

#define SCAN_CAPTURE_SNAPLEN	96
#define SCAN_CAPTURE_BUFFER_LEN (8u << 20)

struct scan_capture_opts {
	const char *ifname;    /* NULL or "": "any" */
	const char *proc_root; /* for ip_local_port_range; NULL: "/proc" */
	uint32_t buffer_len;   /* 0: SCAN_CAPTURE_BUFFER_LEN */
	const char *file;      /* tests: read this pcap file instead (no filter applied) */
};

struct scan_capture_stats {
	uint64_t probes;  /* attempts handed to the callback */
	uint64_t ignored; /* captured but not for us (broadcast, other host, not TCP/UDP) */
	uint64_t dropped; /* dropped by the kernel: the ring was full */
};

/*
 * One connection attempt: the source, the protocol (IPPROTO_TCP or
 * IPPROTO_UDP), the local port, the capture time in ms since the epoch.
 */
typedef void (*scan_probe_fn)(int family, const uint8_t *src, uint8_t proto, uint16_t dport,
			      int64_t t_ms, void *arg);

struct scan_capture;

/*
 * Opens the capture.  Returns 0, or -errno with a sentence in why:
 * -EPERM "port scans off: capturing packets needs CAP_NET_RAW", -ENODEV
 * for an unknown interface, -EIO for other libpcap failures.
 */
int scan_capture_open(struct scan_capture **out, const struct scan_capture_opts *o, char *why,
		      size_t why_len);
/*
 * Hands every attempt available now to fn, without waiting.  Returns the
 * number of frames processed, -ENODATA at the end of a file, or -errno
 * (-ENETDOWN, -ENODEV: the interface is gone).
 */
int scan_capture_dispatch(struct scan_capture *c, scan_probe_fn fn, void *arg);
/* The descriptor to poll for POLLIN, or -1 (a file). */
int scan_capture_fd(const struct scan_capture *c);
void scan_capture_stats(struct scan_capture *c, struct scan_capture_stats *st);
void scan_capture_close(struct scan_capture *c);
/*
 * The filter expression for ephemeral ports [lo, hi] (pure; lo > hi: UDP
 * to any port counts).  Writes at most out_len bytes; returns 0 or -E2BIG.
 */
int scan_capture_filter(char *out, size_t out_len, unsigned lo, unsigned hi);

#endif
