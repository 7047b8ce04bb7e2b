/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Packet capture through libpcap (a TPACKET_V3 ring on Linux), live on one
 * interface or offline from a pcap file, delivering decoded packets
 * (collect/pkt_decode) to a callback.  Capturing needs CAP_NET_RAW.
 *
 * The capture owns its pcap handle.  The callback runs on the caller's
 * thread inside capture_dispatch(); the pkt_info it gets is valid during
 * the call only.
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
};

struct capture_stats {
	uint64_t received;   /* packets the capture saw */
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
 * first (live only).  Returns the number delivered, 0 on timeout, -ENODATA at
 * the end of a file, or -errno (-ENETDOWN: the interface vanished).
 */
int capture_dispatch(struct capture *c, int timeout_ms, capture_fn fn, void *arg);
int capture_get_stats(struct capture *c, struct capture_stats *st);
/* A descriptor to poll(2) for readability (live), or -1. */
int capture_fd(const struct capture *c);
void capture_close(struct capture *c);

#endif
