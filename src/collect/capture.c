// SPDX-License-Identifier: GPL-2.0-or-later
#include "collect/capture.h"

#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "base/xalloc.h"
#include "collect/pkt_decode.h"

enum {
	DEFAULT_SNAPLEN = 256,
	DEFAULT_BUFFER_LEN = 32 << 20,
	/*
	 * TPACKET_V3 hands a block to user space when it is full or this old:
	 * short enough for a live screen, long enough to batch thousands of
	 * packets per wakeup at high rates (immediate mode would wake per packet).
	 */
	BLOCK_TIMEOUT_MS = 50,
	/* Offline: packets per capture_dispatch() call, so callers stay responsive. */
	FILE_BATCH = 8192,
};

struct capture {
	pcap_t *pcap;
	bool offline;
	int linktype;
	bool ts_nano;
	bool all_frames;
	uint64_t nr_seen;	    /* frames handed to us by libpcap */
	uint64_t nr_not_ip;	    /* of which not IP */
	uint64_t nr_bad;	    /* of which malformed */
	char err[PCAP_ERRBUF_SIZE]; /* libpcap's words for the last failure, "" before any */
	/* valid during capture_dispatch() only */
	capture_fn fn;
	void *arg;
};

static void put_err(char *err, size_t err_len, const char *msg)
{
	if (err_len > 0)
		snprintf(err, err_len, "%s", msg);
}

static int activate_error(int rc)
{
	switch (rc) {
	case PCAP_ERROR_PERM_DENIED:
		return -EPERM;
	case PCAP_ERROR_NO_SUCH_DEVICE:
		return -ENODEV;
	case PCAP_ERROR_IFACE_NOT_UP:
		return -ENETDOWN;
	default:
		return -EIO;
	}
}

static int open_live(struct capture *c, const struct capture_opts *o, char *err, size_t err_len)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	pcap_t *p;
	int rc;

	p = pcap_create(o->ifname, ebuf);
	if (p == NULL) {
		put_err(err, err_len, ebuf);
		return -ENODEV;
	}
	pcap_set_snaplen(p, o->snaplen ? (int)o->snaplen : DEFAULT_SNAPLEN);
	pcap_set_promisc(p, o->promisc ? 1 : 0);
	pcap_set_timeout(p, BLOCK_TIMEOUT_MS);
	pcap_set_buffer_size(p, o->buffer_len ? (int)o->buffer_len : DEFAULT_BUFFER_LEN);
	/* Nanosecond stamps where the platform has them; microseconds otherwise. */
	pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_NANO);
	rc = pcap_activate(p);
	if (rc < 0) {
		put_err(err, err_len, pcap_geterr(p));
		if (rc == PCAP_ERROR && strstr(pcap_geterr(p), "ermission") != NULL)
			rc = PCAP_ERROR_PERM_DENIED;
		pcap_close(p);
		return activate_error(rc);
	}
	if (pcap_setnonblock(p, 1, ebuf) < 0) {
		put_err(err, err_len, ebuf);
		pcap_close(p);
		return -EIO;
	}
	c->pcap = p;
	return 0;
}

static int open_file(struct capture *c, const struct capture_opts *o, char *err, size_t err_len)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	FILE *f;

	/* Open the file ourselves so that a missing file is told from a bad one. */
	f = fopen(o->file, "rb");
	if (f == NULL) {
		int e = errno;

		put_err(err, err_len, strerror(e));
		return -e;
	}
	c->pcap = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, ebuf);
	if (c->pcap == NULL) {
		fclose(f);
		put_err(err, err_len, ebuf);
		return -EINVAL;
	}
	c->offline = true;
	return 0;
}

int capture_open(struct capture **out, const struct capture_opts *o, char *err, size_t err_len)
{
	struct capture *c = xcalloc(1, sizeof(*c));
	struct bpf_program prog;
	int rc;

	put_err(err, err_len, "");
	if (o->file != NULL)
		rc = open_file(c, o, err, err_len);
	else if (o->ifname != NULL)
		rc = open_live(c, o, err, err_len);
	else
		rc = -EINVAL;
	if (rc < 0)
		goto free_c;
	c->linktype = pcap_datalink(c->pcap);
	c->all_frames = o->all_frames;
	c->ts_nano = pcap_get_tstamp_precision(c->pcap) == PCAP_TSTAMP_PRECISION_NANO;
	if (o->bpf != NULL && o->bpf[0] != '\0') {
		if (pcap_compile(c->pcap, &prog, o->bpf, 1, PCAP_NETMASK_UNKNOWN) < 0) {
			put_err(err, err_len, pcap_geterr(c->pcap));
			rc = -EINVAL;
			goto close_pcap;
		}
		rc = pcap_setfilter(c->pcap, &prog);
		pcap_freecode(&prog);
		if (rc < 0) {
			put_err(err, err_len, pcap_geterr(c->pcap));
			rc = -EINVAL;
			goto close_pcap;
		}
	}
	*out = c;
	return 0;

close_pcap:
	pcap_close(c->pcap);
free_c:
	free(c);
	return rc;
}

static void on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct capture *c = (struct capture *)(void *)user;
	struct pkt_info p;
	int rc;

	c->nr_seen++;
	rc = pkt_decode(bytes, h->caplen, h->len, c->linktype, &p);
	if (rc < 0) {
		if (rc == -EPROTONOSUPPORT)
			c->nr_not_ip++;
		else
			c->nr_bad++;
		if (!c->all_frames)
			return;
		p.family = 0; /* only its size and direction count */
	}
	p.ts_ns = (uint64_t)h->ts.tv_sec * 1000000000u +
		  (uint64_t)h->ts.tv_usec * (c->ts_nano ? 1u : 1000u);
	c->fn(&p, c->arg);
}

static int dispatch_error(struct capture *c, int rc)
{
	if (rc == PCAP_ERROR_BREAK)
		return 0;
	snprintf(c->err, sizeof(c->err), "%s", pcap_geterr(c->pcap));
	/*
	 * A file: libpcap delivered every record before the bad one, then said
	 * "truncated dump file; tried to read N ..." (cut short) or named the
	 * bad record; only a failing read(2) is "error reading dump file".
	 */
	if (c->offline)
		return strstr(c->err, "error reading dump file") != NULL ? -EIO : -EBADMSG;
	if (rc == PCAP_ERROR_IFACE_NOT_UP || strstr(pcap_geterr(c->pcap), "went down") != NULL)
		return -ENETDOWN;
	/* libpcap's words when the device is deleted under a live capture */
	if (strstr(pcap_geterr(c->pcap), "disappeared") != NULL ||
	    strstr(pcap_geterr(c->pcap), "No such device") != NULL)
		return -ENODEV;
	return -EIO;
}

int capture_dispatch(struct capture *c, int timeout_ms, capture_fn fn, void *arg)
{
	struct pollfd pfd;
	int rc;

	c->fn = fn;
	c->arg = arg;
	if (c->offline) {
		rc = pcap_dispatch(c->pcap, FILE_BATCH, on_packet, (u_char *)c);
		if (rc == 0)
			return -ENODATA;
		return rc < 0 ? dispatch_error(c, rc) : rc;
	}
	rc = pcap_dispatch(c->pcap, -1, on_packet, (u_char *)c);
	if (rc != 0 || timeout_ms == 0)
		return rc < 0 ? dispatch_error(c, rc) : rc;
	pfd = (struct pollfd){ .fd = pcap_get_selectable_fd(c->pcap), .events = POLLIN };
	rc = poll(&pfd, 1, timeout_ms);
	if (rc < 0)
		return errno == EINTR ? 0 : -errno;
	if (rc == 0)
		return 0;
	if (pfd.revents & (POLLERR | POLLNVAL)) {
		/* libpcap reads the socket error and says what it was */
		rc = pcap_dispatch(c->pcap, -1, on_packet, (u_char *)c);
		return rc < 0 ? dispatch_error(c, rc) : -ENETDOWN;
	}
	rc = pcap_dispatch(c->pcap, -1, on_packet, (u_char *)c);
	return rc < 0 ? dispatch_error(c, rc) : rc;
}

int capture_get_stats(struct capture *c, struct capture_stats *st)
{
	struct pcap_stat ps;

	memset(st, 0, sizeof(*st));
	st->not_ip = c->nr_not_ip;
	st->bad = c->nr_bad;
	if (c->offline) {
		st->received = c->nr_seen;
		return 0;
	}
	if (pcap_stats(c->pcap, &ps) < 0)
		return -EIO;
	/* Linux's ps_recv counts the kernel's drops too; received is what we saw. */
	st->received = c->nr_seen;
	st->dropped = ps.ps_drop;
	st->if_dropped = ps.ps_ifdrop;
	return 0;
}

const char *capture_error(const struct capture *c)
{
	return c->err;
}

int capture_fd(const struct capture *c)
{
	if (c->offline)
		return -1;
	return pcap_get_selectable_fd(c->pcap);
}

void capture_close(struct capture *c)
{
	if (c == NULL)
		return;
	pcap_close(c->pcap);
	free(c);
}

/* Copies the line starting at text[*pos] (without '\n') into buf; false at the end. */
static bool next_line(const char *text, size_t len, size_t *pos, char *buf, size_t buf_len)
{
	size_t start = *pos, n;

	if (start >= len)
		return false;
	while (*pos < len && text[*pos] != '\n')
		(*pos)++;
	n = *pos - start;
	if (n >= buf_len)
		n = buf_len - 1;
	memcpy(buf, text + start, n);
	buf[n] = '\0';
	if (*pos < len)
		(*pos)++;
	return true;
}

static void put_name(char *out, size_t out_len, const char *name)
{
	if (out_len > 0)
		snprintf(out, out_len, "%s", name);
}

int capture_parse_route4(const char *text, size_t len, char *out, size_t out_len)
{
	char line[512], ifname[64], best[64] = "";
	unsigned dest, gw, flags, mask;
	unsigned long metric, best_metric = 0;
	size_t pos = 0;
	int refcnt, use;

	while (next_line(text, len, &pos, line, sizeof(line))) {
		if (sscanf(line, "%63s %x %x %x %d %d %lu %x", ifname, &dest, &gw, &flags, &refcnt,
			   &use, &metric, &mask) != 8)
			continue; /* the header, or garbage */
		if (dest != 0 || mask != 0 || !(flags & 0x1))
			continue;
		if (best[0] == '\0' || metric < best_metric) {
			snprintf(best, sizeof(best), "%s", ifname);
			best_metric = metric;
		}
	}
	if (best[0] == '\0')
		return -ENOENT;
	put_name(out, out_len, best);
	return 0;
}

int capture_parse_route6(const char *text, size_t len, char *out, size_t out_len)
{
	char line[512], dest[40], src[40], hop[40], ifname[64], best[64] = "";
	unsigned dplen, splen, metric, refcnt, use, flags, best_metric = 0;
	size_t pos = 0;

	while (next_line(text, len, &pos, line, sizeof(line))) {
		if (sscanf(line, "%39s %x %39s %x %39s %x %x %x %x %63s", dest, &dplen, src, &splen,
			   hop, &metric, &refcnt, &use, &flags, ifname) != 10)
			continue;
		if (dplen != 0 || strspn(dest, "0") != strlen(dest) || strlen(dest) != 32)
			continue;
		/* RTF_UP, not RTF_REJECT (the kernel's "unreachable" defaults on lo) */
		if (!(flags & 0x1) || (flags & 0x200) || strcmp(ifname, "lo") == 0)
			continue;
		if (best[0] == '\0' || metric < best_metric) {
			snprintf(best, sizeof(best), "%s", ifname);
			best_metric = metric;
		}
	}
	if (best[0] == '\0')
		return -ENOENT;
	put_name(out, out_len, best);
	return 0;
}

/* Reads at most 1 MiB of a /proc file into *buf (owned by the caller). */
static int read_small_file(const char *path, char **buf, size_t *len)
{
	enum {
		CAP = 1 << 20
	};

	FILE *f = fopen(path, "r");

	if (f == NULL)
		return -errno;
	*buf = xmalloc(CAP);
	*len = fread(*buf, 1, CAP, f);
	fclose(f);
	return 0;
}

int capture_default_iface(const char *proc_root, char *out, size_t out_len)
{
	static const char *const files[] = { "net/route", "net/ipv6_route" };
	char path[4096];
	int rc = -ENOENT;

	for (size_t i = 0; i < 2 && rc < 0; i++) {
		char *buf = NULL;
		size_t len = 0;

		snprintf(path, sizeof(path), "%s/%s", proc_root, files[i]);
		int r = read_small_file(path, &buf, &len);

		if (r < 0) {
			if (r != -ENOENT)
				rc = r;
			continue;
		}
		rc = i == 0 ? capture_parse_route4(buf, len, out, out_len) :
			      capture_parse_route6(buf, len, out, out_len);
		free(buf);
	}
	return rc;
}

int capture_local_addrs(const char *ifname, uint8_t (*addrs)[16], uint8_t *families, size_t cap)
{
	struct ifaddrs *ifa, *i;
	size_t n = 0;

	if (getifaddrs(&ifa) < 0)
		return -errno;
	for (i = ifa; i != NULL && n < cap; i = i->ifa_next) {
		if (i->ifa_addr == NULL || strcmp(i->ifa_name, ifname) != 0)
			continue;
		memset(addrs[n], 0, 16);
		if (i->ifa_addr->sa_family == AF_INET) {
			memcpy(addrs[n], &((struct sockaddr_in *)(void *)i->ifa_addr)->sin_addr, 4);
		} else if (i->ifa_addr->sa_family == AF_INET6) {
			memcpy(addrs[n], &((struct sockaddr_in6 *)(void *)i->ifa_addr)->sin6_addr,
			       16);
		} else {
			continue;
		}
		families[n++] = (uint8_t)i->ifa_addr->sa_family;
	}
	freeifaddrs(ifa);
	return (int)n;
}
