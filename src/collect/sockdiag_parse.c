// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The pure half of collect/sockdiag: netlink messages in, struct sock_entry
 * out.  No I/O, no threads, so the fuzzer and the recorded-dump tests drive
 * exactly the code a live dump runs.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>

#include "collect/sockdiag.h"

/* NLMSG_DATA() casts const away; this keeps it. */
static const void *nl_data(const struct nlmsghdr *nlh)
{
	return (const uint8_t *)nlh + NLMSG_HDRLEN;
}

static uint32_t get_u32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint8_t clamp_state(uint8_t st)
{
	if (st == SOCK_ST_NEW_SYN_RECV)
		return SOCK_ST_SYN_RECV;
	return st < SOCK_ST_MAX ? st : SOCK_ST_UNKNOWN;
}

static void set_skmem(struct sock_entry *out, const uint8_t *p, size_t len)
{
	size_t n = len / sizeof(uint32_t);

	if (n > SOCK_MEM_VARS)
		n = SOCK_MEM_VARS;
	memcpy(out->skmem, p, n * sizeof(uint32_t));
	out->nr_skmem = (uint8_t)n;
	out->has |= SOCK_HAS_MEM;
}

static void set_tcpi(struct sock_entry *out, const uint8_t *p, size_t len)
{
	size_t n = len < sizeof(out->tcpi) ? len : sizeof(out->tcpi);

	/* Old kernels send a shorter tcp_info, newer ones a longer one. */
	memcpy(&out->tcpi, p, n);
	memset((uint8_t *)&out->tcpi + n, 0, sizeof(out->tcpi) - n);
	out->tcpi_len = (uint16_t)n;
	out->has |= SOCK_HAS_INFO;
}

static void set_cong(struct sock_entry *out, const uint8_t *p, size_t len)
{
	size_t n = strnlen((const char *)p, len);

	if (n >= sizeof(out->cong))
		n = sizeof(out->cong) - 1;
	memcpy(out->cong, p, n);
	out->cong[n] = '\0';
	out->has |= SOCK_HAS_CONG;
}

static void inet_attr(struct sock_entry *out, unsigned type, const uint8_t *p, size_t len)
{
	switch (type) {
	case INET_DIAG_INFO:
		if (out->proto == PROTO_TCP && len > 0)
			set_tcpi(out, p, len);
		break;
	case INET_DIAG_CONG:
		set_cong(out, p, len);
		break;
	case INET_DIAG_SKMEMINFO:
		set_skmem(out, p, len);
		break;
	case INET_DIAG_SHUTDOWN:
		if (len >= 1) {
			out->shutdown = p[0] & 3;
			out->has |= SOCK_HAS_SHUTDOWN;
		}
		break;
	case INET_DIAG_MARK:
		if (len >= 4) {
			out->mark = get_u32(p);
			out->has |= SOCK_HAS_MARK;
		}
		break;
	default:
		break; /* unknown or not wanted: skip */
	}
}

static void unix_attr(struct sock_entry *out, unsigned type, const uint8_t *p, size_t len)
{
	switch (type) {
	case UNIX_DIAG_NAME:
		if (len == 0)
			break;
		if (p[0] == '\0') {
			/* Abstract names are exact-length and may hold NULs. */
			out->unix_abstract = true;
			out->unix_path = (const char *)p + 1;
			out->unix_path_len = (uint32_t)(len - 1);
		} else {
			out->unix_path = (const char *)p;
			out->unix_path_len = (uint32_t)strnlen((const char *)p, len);
		}
		break;
	case UNIX_DIAG_PEER:
		if (len >= 4)
			out->unix_peer_inode = get_u32(p);
		break;
	case UNIX_DIAG_RQLEN:
		if (len >= 8) {
			out->recv_q = get_u32(p);
			out->send_q = get_u32(p + 4);
		}
		break;
	case UNIX_DIAG_MEMINFO:
		set_skmem(out, p, len);
		break;
	case UNIX_DIAG_SHUTDOWN:
		if (len >= 1) {
			out->shutdown = p[0] & 3;
			out->has |= SOCK_HAS_SHUTDOWN;
		}
		break;
	case UNIX_DIAG_UID:
		if (len >= 4) {
			out->uid = get_u32(p);
			out->has |= SOCK_HAS_UID;
		}
		break;
	default:
		break;
	}
}

/* Walks the attributes in p[0..len); a malformed one ends the walk, keeping what came before. */
static void walk_attrs(struct sock_entry *out, const uint8_t *p, size_t len, bool is_unix)
{
	for (unsigned i = 0; len >= NLA_HDRLEN && i < 4096; i++) {
		struct nlattr nla;
		size_t step;

		memcpy(&nla, p, sizeof(nla));
		if (nla.nla_len < NLA_HDRLEN || nla.nla_len > len)
			return;
		if (is_unix)
			unix_attr(out, nla.nla_type & NLA_TYPE_MASK, p + NLA_HDRLEN,
				  nla.nla_len - NLA_HDRLEN);
		else
			inet_attr(out, nla.nla_type & NLA_TYPE_MASK, p + NLA_HDRLEN,
				  nla.nla_len - NLA_HDRLEN);
		step = NLA_ALIGN(nla.nla_len);
		if (step >= len)
			return;
		p += step;
		len -= step;
	}
}

/*
 * Fills everything but tcpi, which the caller keeps zero (the dump re-zeroes
 * only what a previous socket's tcp_info dirtied, not 232 bytes per socket).
 */
static int parse_inet_fast(const struct nlmsghdr *nlh, enum sock_proto proto,
			   struct sock_entry *out)
{
	const size_t hdr = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct inet_diag_msg));
	const struct inet_diag_msg *m;

	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*m) || (unsigned)proto >= PROTO_MAX)
		return -EBADMSG;
	m = nl_data(nlh);
	if (m->idiag_family != AF_INET && m->idiag_family != AF_INET6)
		return -EBADMSG;
	memset(out, 0, offsetof(struct sock_entry, tcpi));
	out->proto = (uint8_t)proto;
	out->family = m->idiag_family;
	out->state = clamp_state(m->idiag_state);
	out->timer = m->idiag_timer;
	out->retrans = m->idiag_retrans;
	memcpy(out->local, m->id.idiag_src, m->idiag_family == AF_INET ? 4 : 16);
	memcpy(out->remote, m->id.idiag_dst, m->idiag_family == AF_INET ? 4 : 16);
	out->lport = ntohs(m->id.idiag_sport);
	out->rport = ntohs(m->id.idiag_dport);
	out->ifindex = m->id.idiag_if;
	out->cookie = (uint64_t)m->id.idiag_cookie[1] << 32 | m->id.idiag_cookie[0];
	out->expires_ms = m->idiag_expires;
	out->recv_q = m->idiag_rqueue;
	out->send_q = m->idiag_wqueue;
	out->uid = m->idiag_uid;
	out->inode = m->idiag_inode;
	out->has = SOCK_HAS_TIMER | SOCK_HAS_COOKIE;
	/* TIME_WAIT and request sockets are mini-sockets without an owner. */
	if (m->idiag_state != SOCK_ST_TIME_WAIT && m->idiag_state != SOCK_ST_NEW_SYN_RECV)
		out->has |= SOCK_HAS_UID;
	if (nlh->nlmsg_len > hdr)
		walk_attrs(out, (const uint8_t *)nlh + hdr, nlh->nlmsg_len - hdr, false);
	return 0;
}

int sockdiag_parse_inet(const struct nlmsghdr *nlh, enum sock_proto proto, struct sock_entry *out)
{
	memset(out, 0, sizeof(*out));
	return parse_inet_fast(nlh, proto, out);
}

static int unix_type_proto(uint8_t type)
{
	switch (type) {
	case SOCK_STREAM:
		return PROTO_UNIX_STREAM;
	case SOCK_DGRAM:
		return PROTO_UNIX_DGRAM;
	case SOCK_SEQPACKET:
		return PROTO_UNIX_SEQPACKET;
	default:
		return -EBADMSG;
	}
}

static int parse_unix_fast(const struct nlmsghdr *nlh, struct sock_entry *out)
{
	const size_t hdr = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct unix_diag_msg));
	const struct unix_diag_msg *m;
	int proto;

	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*m))
		return -EBADMSG;
	m = nl_data(nlh);
	proto = unix_type_proto(m->udiag_type);
	if (m->udiag_family != AF_UNIX || proto < 0)
		return -EBADMSG;
	memset(out, 0, offsetof(struct sock_entry, tcpi));
	out->proto = (uint8_t)proto;
	out->family = AF_UNIX;
	out->state = clamp_state(m->udiag_state);
	out->inode = m->udiag_ino;
	out->cookie = (uint64_t)m->udiag_cookie[1] << 32 | m->udiag_cookie[0];
	out->has = SOCK_HAS_COOKIE;
	if (nlh->nlmsg_len > hdr)
		walk_attrs(out, (const uint8_t *)nlh + hdr, nlh->nlmsg_len - hdr, true);
	return 0;
}

int sockdiag_parse_unix(const struct nlmsghdr *nlh, struct sock_entry *out)
{
	memset(out, 0, sizeof(*out));
	return parse_unix_fast(nlh, out);
}

int sockdiag_nl_error(const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = nl_data(nlh);

	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(e->error))
		return -EBADMSG;
	/* error is -errno; guard against a positive or absurd value. */
	if (e->error > 0 || e->error < -4095)
		return -EPROTO;
	return e->error;
}

static int visit_one(const struct nlmsghdr *nlh, enum sock_proto proto, bool is_unix,
		     struct sock_entry *se, sock_visit_fn visit, void *arg,
		     struct sockdiag_stats *stats)
{
	int ret;

	if (nlh->nlmsg_type != SOCK_DIAG_BY_FAMILY)
		return 0;
	ret = is_unix ? parse_unix_fast(nlh, se) : parse_inet_fast(nlh, proto, se);
	if (ret < 0) {
		stats->nr_bad++;
		return 0;
	}
	stats->nr_sockets++;
	ret = visit(se, arg);
	if (se->tcpi_len) {
		memset(&se->tcpi, 0, se->tcpi_len);
		se->tcpi_len = 0;
	}
	return ret;
}

int sockdiag_parse_datagram(const void *buf, size_t len, enum sock_proto proto, bool is_unix,
			    sock_visit_fn visit, void *arg, struct sockdiag_stats *stats,
			    bool *done)
{
	const uint8_t *p = buf;
	struct sock_entry se;

	memset(&se, 0, sizeof(se));
	while (len >= NLMSG_HDRLEN) {
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)p;
		size_t step;
		int ret;

		if (nlh->nlmsg_len < NLMSG_HDRLEN || nlh->nlmsg_len > len) {
			stats->nr_bad++;
			return 0;
		}
		stats->nr_messages++;
		if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
			stats->interrupted = true;
		if (nlh->nlmsg_type == NLMSG_DONE) {
			/* The kernel ends a dump it could not start (no diag module) with
			 * DONE(-errno). */
			*done = true;
			return nlh->nlmsg_len >= NLMSG_HDRLEN + sizeof(int) ?
				       sockdiag_nl_error(nlh) :
				       0;
		}
		if (nlh->nlmsg_type == NLMSG_ERROR) {
			*done = true;
			return sockdiag_nl_error(nlh);
		}
		ret = visit_one(nlh, proto, is_unix, &se, visit, arg, stats);
		if (ret)
			return ret;
		step = NLMSG_ALIGN(nlh->nlmsg_len);
		if (step >= len)
			break;
		p += step;
		len -= step;
	}
	return 0;
}
