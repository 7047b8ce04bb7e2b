// SPDX-License-Identifier: GPL-2.0-or-later
#include "collect/scan_capture.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "base/strbuf.h"
#include "base/xalloc.h"
#include "collect/capture.h"
#include "collect/limits.h"

struct scan_capture {
	struct capture *cap;
	struct scan_capture_stats st;
	/* valid during a dispatch */
	scan_probe_fn fn;
	void *arg;
};

int scan_capture_filter(char *out, size_t out_len, unsigned lo, unsigned hi)
{
	char udp[64] = "udp";
	int n;

	if (lo <= hi && hi <= 65535)
		snprintf(udp, sizeof(udp), "(udp and not udp dst portrange %u-%u)", lo, hi);
	/*
	 * tcp[tcpflags] reads IPv4 only; for IPv6 the flags byte is read at its
	 * place behind a 40-byte header (next header 6: no extension headers).
	 */
	n = snprintf(out, out_len,
		     "inbound and not ip multicast and not ip6 multicast and ("
		     "(tcp and tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn) or "
		     "(ip6 and ip6[6] == 6 and ip6[53] & 0x12 == 0x02) or %s)",
		     udp);
	return n < 0 || (size_t)n >= out_len ? -E2BIG : 0;
}

/* The local ephemeral port range, or lo > hi when it cannot be read. */
static void ephemeral_range(const char *proc_root, unsigned *lo, unsigned *hi)
{
	struct strbuf path = STRBUF_INIT, text = STRBUF_INIT;
	int64_t l, h;

	*lo = 1;
	*hi = 0;
	strbuf_addf(&path, "%s/sys/net/ipv4/ip_local_port_range", proc_root ? proc_root : "/proc");
	if (strbuf_read_file(&text, path.buf, 64) >= 0 &&
	    limits_parse_port_range(text.buf, text.len, &l, &h) == 0 && l >= 1 && l <= h &&
	    h <= 65535) {
		*lo = (unsigned)l;
		*hi = (unsigned)h;
	}
	strbuf_release(&path);
	strbuf_release(&text);
}

int scan_capture_open(struct scan_capture **out, const struct scan_capture_opts *o, char *why,
		      size_t why_len)
{
	struct scan_capture *c;
	char filter[512], err[256];
	struct capture_opts co = {
		.snaplen = SCAN_CAPTURE_SNAPLEN,
		.buffer_len = o->buffer_len ? o->buffer_len : SCAN_CAPTURE_BUFFER_LEN,
	};
	unsigned lo, hi;
	int rc;

	if (o->file != NULL) {
		co.file = o->file;
	} else {
		co.ifname = o->ifname && o->ifname[0] ? o->ifname : "any";
		ephemeral_range(o->proc_root, &lo, &hi);
		if (scan_capture_filter(filter, sizeof(filter), lo, hi) < 0)
			return -E2BIG;
		co.bpf = filter;
	}
	c = xcalloc(1, sizeof(*c));
	rc = capture_open(&c->cap, &co, err, sizeof(err));
	if (rc < 0) {
		if (rc == -EPERM)
			snprintf(why, why_len,
				 "port scans off: capturing packets needs CAP_NET_RAW");
		else
			snprintf(why, why_len, "port scans off: cannot capture on '%s': %s",
				 co.file ? co.file : co.ifname, err);
		free(c);
		return rc;
	}
	if (why_len)
		why[0] = '\0';
	*out = c;
	return 0;
}

/* 127.0.0.0/8 or ::1: the host probing itself over lo (health checks, local clients). */
static bool from_loopback(const struct pkt_info *p)
{
	static const uint8_t one6[16] = { [15] = 1 };

	return p->family == AF_INET ? p->src[0] == 127 : !memcmp(p->src, one6, 16);
}

static void on_packet(const struct pkt_info *p, void *arg)
{
	struct scan_capture *c = arg;

	/* not for this host: broadcast (1), multicast (2), another host (3), outgoing (4) */
	if (p->direction > 0 || !p->has_ports ||
	    (p->l4proto != IPPROTO_TCP && p->l4proto != IPPROTO_UDP) ||
	    (p->l4proto == IPPROTO_TCP && (p->tcp_flags & 0x12) != 0x02) || from_loopback(p)) {
		c->st.ignored++;
		return;
	}
	c->st.probes++;
	c->fn(p->family, p->src, p->l4proto, p->dport, (int64_t)(p->ts_ns / 1000000), c->arg);
}

int scan_capture_dispatch(struct scan_capture *c, scan_probe_fn fn, void *arg)
{
	c->fn = fn;
	c->arg = arg;
	return capture_dispatch(c->cap, 0, on_packet, c);
}

int scan_capture_fd(const struct scan_capture *c)
{
	return capture_fd(c->cap);
}

void scan_capture_stats(struct scan_capture *c, struct scan_capture_stats *st)
{
	struct capture_stats cs;

	*st = c->st;
	if (capture_get_stats(c->cap, &cs) == 0)
		st->dropped = cs.dropped;
}

void scan_capture_close(struct scan_capture *c)
{
	if (c == NULL)
		return;
	capture_close(c->cap);
	free(c);
}
