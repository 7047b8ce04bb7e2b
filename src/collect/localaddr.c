// SPDX-License-Identifier: GPL-2.0-or-later
#include "collect/localaddr.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <libmnl/libmnl.h>

#include "collect/sockdiag.h"

#define ROUTE_FILE_MAX (4u << 20) /* routing tables larger than this are read in part */

struct addr_cb {
	localaddr_fn fn;
	void *ctx;
};

static int attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if (mnl_attr_type_valid(attr, IFA_MAX) < 0)
		return MNL_CB_OK; /* a newer kernel's attribute: skipped */
	tb[type] = attr;
	return MNL_CB_OK;
}

static int addr_msg(const struct nlmsghdr *nlh, void *data)
{
	const struct addr_cb *cb = data;
	const struct nlattr *tb[IFA_MAX + 1] = { 0 };
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	uint8_t addr[16] = { 0 };
	size_t len;

	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifa)))
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*ifa), attr_cb, tb);
	a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	len = ifa->ifa_family == AF_INET ? 4 : ifa->ifa_family == AF_INET6 ? 16 : 0;
	if (!a || !len || mnl_attr_get_payload_len(a) < len)
		return MNL_CB_OK;
	memcpy(addr, mnl_attr_get_payload(a), len);
	cb->fn(cb->ctx, ifa->ifa_family, addr, "local address");
	return MNL_CB_OK;
}

int localaddr_own(localaddr_fn fn, void *ctx)
{
	char buf[32768];
	struct addr_cb cb = { fn, ctx };
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	struct nlmsghdr *nlh;
	struct rtgenmsg *g;
	unsigned seq = (unsigned)time(NULL), portid;
	ssize_t n;
	int ret = 0;

	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		goto out;
	}
	portid = mnl_socket_get_portid(nl);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->rtgen_family = AF_UNSPEC;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		ret = -errno;
		goto out;
	}
	/* Bounded: a dump ends with NLMSG_DONE; a socket error ends it too. */
	for (int i = 0; i < 100000; i++) {
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0) {
			ret = -errno;
			break;
		}
		ret = mnl_cb_run(buf, (size_t)n, seq, portid, addr_msg, &cb);
		if (ret <= MNL_CB_STOP) {
			ret = ret < 0 ? -errno : 0;
			break;
		}
	}
out:
	mnl_socket_close(nl);
	return ret;
}

/* One line at a time: the next line of text[*pos..len) into line (cut to its size). */
static bool next_line(const char *text, size_t len, size_t *pos, char *line, size_t size)
{
	size_t start = *pos, end, n;

	if (start >= len)
		return false;
	end = start;
	while (end < len && text[end] != '\n')
		end++;
	*pos = end + 1;
	n = end - start < size - 1 ? end - start : size - 1;
	memcpy(line, text + start, n);
	line[n] = '\0';
	return true;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Exactly 2 * n hex digits into out. */
static bool hex_bytes(const char *s, size_t slen, uint8_t *out, size_t n)
{
	if (slen != 2 * n)
		return false;
	for (size_t i = 0; i < n; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

/* Splits line into up to max blank-separated fields (in place). */
static size_t fields(char *line, char **f, size_t max)
{
	size_t nr = 0;
	char *p = line;

	while (nr < max) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		f[nr++] = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		if (*p)
			*p++ = '\0';
	}
	return nr;
}

/*
 * "Iface Destination Gateway Flags ...": destination 00000000 with mask
 * 00000000 is a default route; addresses are the kernel's u32 in host order
 * printed as %08X, i.e. the bytes of the address reversed on little-endian.
 * The bytes are taken as they are in memory: we read them back on the same
 * host that wrote them.
 */
int localaddr_parse_route(const char *text, size_t len, localaddr_fn fn, void *ctx)
{
	char line[512], *f[11];
	size_t pos = 0;
	int found = 0;

	while (next_line(text, len, &pos, line, sizeof(line))) {
		uint32_t dst, gw, mask;
		uint8_t addr[16] = { 0 };
		char *end;

		if (fields(line, f, 11) < 8)
			continue;
		errno = 0;
		dst = (uint32_t)strtoul(f[1], &end, 16);
		if (*end || strlen(f[1]) != 8)
			continue;
		gw = (uint32_t)strtoul(f[2], &end, 16);
		if (*end || strlen(f[2]) != 8)
			continue;
		mask = (uint32_t)strtoul(f[7], &end, 16);
		if (*end || strlen(f[7]) != 8 || errno || dst || mask || !gw)
			continue;
		memcpy(addr, &gw, 4);
		fn(ctx, AF_INET, addr, "default gateway");
		found++;
	}
	return found;
}

/* "DST DSTLEN SRC SRCLEN NEXTHOP METRIC REFCNT USE FLAGS IFACE", addresses as 32 hex digits. */
int localaddr_parse_ipv6_route(const char *text, size_t len, localaddr_fn fn, void *ctx)
{
	static const uint8_t zero[16];
	char line[512], *f[10];
	size_t pos = 0;
	int found = 0;

	while (next_line(text, len, &pos, line, sizeof(line))) {
		uint8_t dst[16], gw[16], dlen;

		if (fields(line, f, 10) < 5)
			continue;
		if (!hex_bytes(f[0], strlen(f[0]), dst, 16) ||
		    !hex_bytes(f[1], strlen(f[1]), &dlen, 1) ||
		    !hex_bytes(f[4], strlen(f[4]), gw, 16))
			continue;
		if (dlen || memcmp(dst, zero, 16) || !memcmp(gw, zero, 16))
			continue;
		fn(ctx, AF_INET6, gw, "default gateway");
		found++;
	}
	return found;
}

static int read_text(const char *path, char **out, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t cap = 65536;
	ssize_t n;

	*len = 0;
	*out = NULL;
	if (fd < 0)
		return -errno;
	*out = malloc(cap);
	if (!*out)
		abort();
	while (*len < ROUTE_FILE_MAX && (n = read(fd, *out + *len, cap - *len)) > 0) {
		*len += (size_t)n;
		if (*len == cap && cap < ROUTE_FILE_MAX) {
			cap *= 2;
			*out = realloc(*out, cap);
			if (!*out)
				abort();
		}
	}
	close(fd);
	return 0;
}

int localaddr_gateways(const char *proc_root, localaddr_fn fn, void *ctx)
{
	char path[512];
	char *text;
	size_t len;
	int ret, any = -ENOENT;

	snprintf(path, sizeof(path), "%s/net/route", proc_root);
	ret = read_text(path, &text, &len);
	if (!ret) {
		localaddr_parse_route(text, len, fn, ctx);
		any = 0;
	}
	free(text);
	snprintf(path, sizeof(path), "%s/net/ipv6_route", proc_root);
	ret = read_text(path, &text, &len);
	if (!ret) {
		localaddr_parse_ipv6_route(text, len, fn, ctx);
		any = 0;
	}
	free(text);
	return any;
}

struct peer_walk {
	const uint16_t *ports;
	size_t nr;
	localaddr_fn fn;
	void *ctx;
};

static int visit_peer(const struct sock_entry *s, void *arg)
{
	const struct peer_walk *w = arg;

	for (size_t i = 0; i < w->nr; i++)
		if (s->lport == w->ports[i])
			w->fn(w->ctx, s->family, s->remote, "SSH session peer");
	return 0;
}

int localaddr_ssh_peers(const uint16_t *ports, size_t nr, localaddr_fn fn, void *ctx)
{
	struct sockdiag_query q = { .protos = PROTO_BIT(PROTO_TCP),
				    .want_v4 = true,
				    .want_v6 = true,
				    .states = SOCK_STATE_BIT(SOCK_ST_ESTABLISHED),
				    .inline_recv = true };
	struct peer_walk w = { ports, nr, fn, ctx };
	struct sockdiag_stats stats;
	struct sockdiag *sd;
	int ret = sockdiag_open(&sd);

	if (ret)
		return ret;
	ret = sockdiag_dump(sd, &q, visit_peer, &w, &stats);
	sockdiag_close(sd);
	return ret;
}
