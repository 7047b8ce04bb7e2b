// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * RTM_GETLINK dump with libmnl (see libmnl's examples/rtnl/rtnl-link-dump.c
 * for the bare shape).  Counters: IFLA_STATS64 (Linux >= 2.6.35) preferred,
 * the 32-bit IFLA_STATS otherwise, whichever order they arrive in.
 */
#include "collect/link.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <libmnl/libmnl.h>

#include "base/xalloc.h"

/* The kernel sizes a dump's skb by our receive buffer, up to 32 KiB. */
#define LINK_RECV_LEN 32768
/* A dump longer than this many datagrams is a broken peer, not a host. */
#define LINK_MAX_DATAGRAMS 100000

struct link {
	struct mnl_socket *nl; /* NULL for a caller's transport */
	struct nl_transport t;
	uint32_t seq;
	void *buf; /* LINK_RECV_LEN bytes, 8-byte aligned */
};

/* ---- parsing ---- */

struct parse_ctx {
	struct iface_sample *s;
	uint32_t stats32[IFC_NR];
	uint8_t nr32, nr64;
	bool have_name;
};

static int parse_linkinfo_cb(const struct nlattr *a, void *data)
{
	struct iface_sample *s = data;
	size_t len;

	if (mnl_attr_get_type(a) != IFLA_INFO_KIND)
		return MNL_CB_OK;
	len = mnl_attr_get_payload_len(a);
	len = strnlen(mnl_attr_get_payload(a), len);
	if (len >= sizeof(s->kind))
		len = sizeof(s->kind) - 1;
	memcpy(s->kind, mnl_attr_get_payload(a), len);
	s->kind[len] = '\0';
	return MNL_CB_OK;
}

/* Copies min(kernel's, ours) counters: the struct grew over the years. */
static void parse_stats(struct parse_ctx *x, const struct nlattr *a, bool wide)
{
	const uint8_t *p = mnl_attr_get_payload(a);
	size_t width = wide ? 8 : 4, n = mnl_attr_get_payload_len(a) / width;

	if (n > IFC_NR)
		n = IFC_NR;
	for (size_t i = 0; i < n; i++) {
		if (wide)
			memcpy(&x->s->c[i], p + i * 8, 8);
		else
			memcpy(&x->stats32[i], p + i * 4, 4);
	}
	if (wide)
		x->nr64 = (uint8_t)n;
	else
		x->nr32 = (uint8_t)n;
}

static int parse_link_cb(const struct nlattr *a, void *data)
{
	struct parse_ctx *x = data;
	struct iface_sample *s = x->s;
	size_t len = mnl_attr_get_payload_len(a);

	switch (mnl_attr_get_type(a)) {
	case IFLA_IFNAME:
		len = strnlen(mnl_attr_get_payload(a), len);
		if (len == 0 || len >= sizeof(s->name))
			return MNL_CB_OK;
		memcpy(s->name, mnl_attr_get_payload(a), len);
		s->name[len] = '\0';
		x->have_name = true;
		break;
	case IFLA_MTU:
		if (len >= sizeof(uint32_t))
			s->mtu = mnl_attr_get_u32(a);
		break;
	case IFLA_OPERSTATE:
		if (len >= sizeof(uint8_t))
			s->operstate = mnl_attr_get_u8(a);
		break;
	case IFLA_STATS64:
		parse_stats(x, a, true);
		break;
	case IFLA_STATS:
		parse_stats(x, a, false);
		break;
	case IFLA_LINKINFO:
		/* Nested attributes are bounds-checked by libmnl like the outer ones. */
		mnl_attr_parse_nested(a, parse_linkinfo_cb, s);
		break;
	default:
		break;
	}
	return MNL_CB_OK;
}

int link_parse_msg(const struct nlmsghdr *nlh, struct iface_sample *out)
{
	struct parse_ctx x = { .s = out };
	const struct ifinfomsg *ifi;

	memset(out, 0, sizeof(*out));
	out->speed_mbps = -1;
	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*ifi) || nlh->nlmsg_type != RTM_NEWLINK)
		return -EBADMSG;
	ifi = mnl_nlmsg_get_payload(nlh);
	out->ifindex = ifi->ifi_index;
	out->flags = ifi->ifi_flags;
	/* A truncated trailing attribute ends the walk; what came before stands. */
	mnl_attr_parse(nlh, sizeof(*ifi), parse_link_cb, &x);
	if (!x.have_name) {
		memset(out, 0, sizeof(*out));
		out->speed_mbps = -1;
		return -EBADMSG;
	}
	if (x.nr64) {
		out->counters_bits = 64;
		out->nr_counters = x.nr64;
	} else if (x.nr32) {
		out->counters_bits = 32;
		out->nr_counters = x.nr32;
		for (size_t i = 0; i < x.nr32; i++)
			out->c[i] = x.stats32[i];
	}
	return 0;
}

static int nl_error(const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(e->error))
		return -EBADMSG;
	if (e->error > 0 || e->error < -4095)
		return -EPROTO;
	return e->error;
}

int link_parse_datagram(const void *buf, size_t len, struct iface_table *out,
			struct link_stats *stats, bool *done)
{
	const uint8_t *p = buf;

	/*
	 * Not mnl_nlmsg_ok(): it compares (int)nlmsg_len, so a length of
	 * 0xfffffff0 passes as negative and the walk jumps 4 GiB ahead.
	 */
	for (size_t off = 0, step; len - off >= NLMSG_HDRLEN; off += step) {
		const struct nlmsghdr *nlh = (const void *)(p + off);

		if (nlh->nlmsg_len < NLMSG_HDRLEN || nlh->nlmsg_len > len - off)
			break;
		step = NLMSG_ALIGN(nlh->nlmsg_len);
		if (step > len - off)
			step = len - off;
		if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
			stats->interrupted = true;
		if (nlh->nlmsg_type == NLMSG_DONE) {
			*done = true;
			return 0;
		}
		if (nlh->nlmsg_type == NLMSG_ERROR) {
			*done = true;
			return nl_error(nlh);
		}
		if (nlh->nlmsg_type != RTM_NEWLINK)
			continue;
		stats->nr_messages++;
		if (link_parse_msg(nlh, iface_table_add(out)) < 0) {
			iface_table_drop_last(out);
			stats->nr_bad++;
		}
	}
	return 0;
}

/* ---- sysfs ---- */

/* Reads a small sysfs file into buf (NUL-terminated, newline cut); -errno. */
static int read_small(const char *sys_root, const char *name, const char *file, char *buf,
		      size_t size)
{
	char path[512];
	ssize_t n;
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/class/net/%s/%s", sys_root, name, file) >=
	    sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	if (n < 0)
		n = -errno;
	close(fd);
	if (n < 0)
		return (int)n;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static bool parse_i64(const char *s, long long *v)
{
	char *end;

	errno = 0;
	*v = strtoll(s, &end, 10);
	return !errno && end != s && !*end;
}

void link_read_speed(const char *sys_root, struct iface_sample *s)
{
	char buf[64], path[512];
	long long v;

	s->speed_mbps = -1;
	s->duplex = IFACE_DUPLEX_UNKNOWN;
	/*
	 * Virtual devices (anything with an rtnl link kind: veth, bridge, tun,
	 * bond, vlan...; and loopback) report invented speeds, or borrowed
	 * ones: skip them without a syscall.  Of the rest, only devices
	 * with a `device` link are backed by hardware.
	 */
	if (s->kind[0] || (s->flags & IFF_LOOPBACK))
		return;
	if ((size_t)snprintf(path, sizeof(path), "%s/class/net/%s/device", sys_root, s->name) >=
		    sizeof(path) ||
	    access(path, F_OK) < 0)
		return;
	/* Guards against a sysfs mounted for another namespace. */
	if (read_small(sys_root, s->name, "ifindex", buf, sizeof(buf)) < 0 || !parse_i64(buf, &v) ||
	    v != s->ifindex)
		return;
	/* "-1" (SPEED_UNKNOWN) or EINVAL when the link has no carrier. */
	if (read_small(sys_root, s->name, "speed", buf, sizeof(buf)) < 0 || !parse_i64(buf, &v) ||
	    v <= 0 || v > 100000000)
		return;
	s->speed_mbps = v;
	if (read_small(sys_root, s->name, "duplex", buf, sizeof(buf)) < 0)
		return;
	if (!strcmp(buf, "full"))
		s->duplex = IFACE_DUPLEX_FULL;
	else if (!strcmp(buf, "half"))
		s->duplex = IFACE_DUPLEX_HALF;
}

/* ---- transport and dump ---- */

static int mnl_send(void *ctx, const void *buf, size_t len)
{
	ssize_t n = mnl_socket_sendto(ctx, buf, len);

	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EMSGSIZE;
}

static ssize_t mnl_recv(void *ctx, void *buf, size_t len)
{
	for (int tries = 0; tries < 100; tries++) {
		ssize_t n = mnl_socket_recvfrom(ctx, buf, len);

		if (n >= 0)
			return n;
		if (errno == ENOSPC) /* MSG_TRUNC */
			return -EMSGSIZE;
		if (errno != EINTR && errno != EAGAIN)
			return -errno;
	}
	return -EINTR;
}

static struct link *link_alloc(void)
{
	struct link *l = xcalloc(1, sizeof(*l));

	l->buf = xmalloc(LINK_RECV_LEN);
	l->seq = (uint32_t)time(NULL);
	return l;
}

int link_open(struct link **out)
{
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	struct link *l;
	int err;

	*out = NULL;
	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		mnl_socket_close(nl);
		return err;
	}
	l = link_alloc();
	l->nl = nl;
	l->t.send = mnl_send;
	l->t.recv = mnl_recv;
	l->t.ctx = nl;
	*out = l;
	return 0;
}

struct link *link_new_transport(const struct nl_transport *t)
{
	struct link *l = link_alloc();

	l->t = *t;
	return l;
}

void link_close(struct link *l)
{
	if (!l)
		return;
	if (l->nl)
		mnl_socket_close(l->nl);
	free(l->buf);
	free(l);
}

static int send_request(struct link *l)
{
	struct {
		struct nlmsghdr nlh;
		struct ifinfomsg ifi;
	} req;

	memset(&req, 0, sizeof(req));
	req.nlh.nlmsg_len = sizeof(req);
	req.nlh.nlmsg_type = RTM_GETLINK;
	req.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.nlh.nlmsg_seq = ++l->seq;
	req.ifi.ifi_family = AF_UNSPEC;
	return l->t.send(l->t.ctx, &req, sizeof(req));
}

int link_dump(struct link *l, const char *sys_root, uint64_t time_ns, struct iface_table *out,
	      struct link_stats *stats)
{
	struct link_stats dummy;
	bool done = false;
	int ret;

	if (!stats)
		stats = &dummy;
	memset(stats, 0, sizeof(*stats));
	iface_table_clear(out);
	out->time_ns = time_ns;
	ret = send_request(l);
	for (unsigned n = 0; !ret && !done && n < LINK_MAX_DATAGRAMS; n++) {
		ssize_t len = l->t.recv(l->t.ctx, l->buf, LINK_RECV_LEN);

		if (len <= 0) {
			ret = len < 0 ? (int)len : -EBADMSG;
			break;
		}
		ret = link_parse_datagram(l->buf, (size_t)len, out, stats, &done);
	}
	if (!ret && !done)
		ret = -EBADMSG;
	if (ret < 0)
		return ret;
	iface_table_sort(out);
	for (size_t i = 0; sys_root && i < out->nr; i++)
		link_read_speed(sys_root, &out->ifs[i]);
	return 0;
}
