// SPDX-License-Identifier: GPL-2.0-or-later
#include "collect/sockdiag.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>

#include "base/xalloc.h"

/*
 * The kernel never builds a dump skb larger than 32 KiB (netlink_dump caps
 * max_recvmsg_len there), so a slot of that size always holds one datagram.
 * Eight slots let the receiver run ahead while the visitor formats.
 */
#define SLOT_CAP   (32u * 1024u)
#define RING_SLOTS 8u
/* Loop bound: no dump of ours has more datagrams than this. */
#define MAX_DATAGRAMS_PER_REQ (1u << 24)
#define MAX_REQS	      7
#define RCVBUF_BYTES	      (4 * 1024 * 1024)

struct sockdiag {
	struct nl_transport t;
	int fd; /* our netlink socket, or -1 for a caller's transport */
	uint32_t seq;
};

/* True when the datagram ends a dump: it holds NLMSG_DONE or NLMSG_ERROR. */
static bool datagram_ends_dump(const uint8_t *p, size_t len)
{
	while (len >= NLMSG_HDRLEN) {
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)p;
		size_t step = NLMSG_ALIGN(nlh->nlmsg_len);

		if (nlh->nlmsg_type == NLMSG_DONE || nlh->nlmsg_type == NLMSG_ERROR)
			return true;
		/* A malformed datagram ends the dump: we could not find its end. */
		if (nlh->nlmsg_len < NLMSG_HDRLEN || nlh->nlmsg_len > len)
			return true;
		if (step >= len)
			return false;
		p += step;
		len -= step;
	}
	return false;
}

/* ---- transport ---- */

static int real_send(void *ctx, const void *buf, size_t len)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	int fd = *(int *)ctx;

	for (int tries = 0; tries < 100; tries++) {
		ssize_t n = sendto(fd, buf, len, 0, (struct sockaddr *)&kernel, sizeof(kernel));

		if (n >= 0)
			return (size_t)n == len ? 0 : -EMSGSIZE;
		if (errno != EINTR)
			return -errno;
	}
	return -EINTR;
}

static ssize_t real_recv(void *ctx, void *buf, size_t len)
{
	int fd = *(int *)ctx;

	for (int tries = 0; tries < 100; tries++) {
		struct iovec iov = { .iov_base = buf, .iov_len = len };
		struct sockaddr_nl from;
		struct msghdr mh = { .msg_name = &from,
				     .msg_namelen = sizeof(from),
				     .msg_iov = &iov,
				     .msg_iovlen = 1 };
		ssize_t n = recvmsg(fd, &mh, 0);

		if (n >= 0)
			return (mh.msg_flags & MSG_TRUNC) ? -EMSGSIZE : n;
		if (errno != EINTR && errno != EAGAIN)
			return -errno;
	}
	return -EINTR;
}

int sockdiag_open(struct sockdiag **out)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	int rcvbuf = RCVBUF_BYTES;
	struct sockdiag *sd;

	*out = NULL;
	if (fd < 0)
		return -errno;
	/* FORCE needs CAP_NET_ADMIN; the plain option is capped by rmem_max. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	sd = xcalloc(1, sizeof(*sd));
	sd->fd = fd;
	sd->t.send = real_send;
	sd->t.recv = real_recv;
	sd->t.ctx = &sd->fd;
	*out = sd;
	return 0;
}

struct sockdiag *sockdiag_new_transport(const struct nl_transport *t)
{
	struct sockdiag *sd = xcalloc(1, sizeof(*sd));

	sd->t = *t;
	sd->fd = -1;
	return sd;
}

void sockdiag_close(struct sockdiag *sd)
{
	if (!sd)
		return;
	if (sd->fd >= 0)
		close(sd->fd);
	free(sd);
}

/* ---- requests ---- */

struct diag_req {
	uint8_t buf[NLMSG_HDRLEN + sizeof(struct inet_diag_req_v2) + NLA_HDRLEN];
	size_t len;
	const void *bytecode; /* appended after buf when sent */
	size_t bytecode_len;
	enum sock_proto proto;
	bool is_unix;
};

static void put_nlh(struct diag_req *r, uint16_t type, uint16_t flags, uint32_t seq, size_t len)
{
	struct nlmsghdr nlh = { .nlmsg_len = (uint32_t)len,
				.nlmsg_type = type,
				.nlmsg_flags = flags,
				.nlmsg_seq = seq };

	memcpy(r->buf, &nlh, sizeof(nlh));
}

static int build_inet(struct diag_req *r, const struct sockdiag_query *q, enum sock_proto proto,
		      int family, uint32_t seq)
{
	static const uint8_t ipproto[] = {
		[PROTO_TCP] = IPPROTO_TCP, [PROTO_UDP] = IPPROTO_UDP, [PROTO_RAW] = IPPROTO_RAW
	};
	struct inet_diag_req_v2 req = { .sdiag_family = (uint8_t)family,
					.sdiag_protocol = ipproto[proto] };
	const void *bc = family == AF_INET6 && q->bytecode6 ? q->bytecode6 : q->bytecode;
	size_t bc_len = family == AF_INET6 && q->bytecode6 ? q->bytecode6_len : q->bytecode_len;
	size_t len = NLMSG_HDRLEN + sizeof(req);

	req.idiag_states = q->states ? q->states : SOCK_STATES_ALL;
	/* The kernel matches request sockets as SYN_RECV itself; be explicit anyway. */
	if (req.idiag_states & SOCK_STATE_BIT(SOCK_ST_SYN_RECV))
		req.idiag_states |= SOCK_STATE_BIT(SOCK_ST_NEW_SYN_RECV);
	if (q->want_info && proto == PROTO_TCP)
		req.idiag_ext |= 1u << (INET_DIAG_INFO - 1) | 1u << (INET_DIAG_CONG - 1);
	if (q->want_mem)
		req.idiag_ext |= 1u << (INET_DIAG_SKMEMINFO - 1);
	req.id.idiag_cookie[0] = req.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
	memcpy(r->buf + NLMSG_HDRLEN, &req, sizeof(req));
	r->bytecode = NULL;
	r->bytecode_len = 0;
	if (bc && bc_len) {
		struct nlattr nla = { .nla_type = INET_DIAG_REQ_BYTECODE };

		if (bc_len > UINT16_MAX - NLA_HDRLEN)
			return -E2BIG;
		nla.nla_len = (uint16_t)(NLA_HDRLEN + bc_len);
		memcpy(r->buf + len, &nla, sizeof(nla));
		len += NLA_HDRLEN;
		r->bytecode = bc;
		r->bytecode_len = bc_len;
	}
	r->len = len;
	put_nlh(r, SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST | NLM_F_DUMP, seq,
		len + NLA_ALIGN(r->bytecode_len));
	r->proto = proto;
	r->is_unix = false;
	return 0;
}

static void build_unix(struct diag_req *r, const struct sockdiag_query *q, uint32_t seq)
{
	struct unix_diag_req req = { .sdiag_family = AF_UNIX };

	req.udiag_states = q->states ? q->states : SOCK_STATES_ALL;
	req.udiag_show = UDIAG_SHOW_NAME | UDIAG_SHOW_PEER | UDIAG_SHOW_RQLEN | UDIAG_SHOW_UID;
	if (q->want_mem)
		req.udiag_show |= UDIAG_SHOW_MEMINFO;
	req.udiag_cookie[0] = req.udiag_cookie[1] = INET_DIAG_NOCOOKIE;
	memcpy(r->buf + NLMSG_HDRLEN, &req, sizeof(req));
	r->len = NLMSG_HDRLEN + sizeof(req);
	r->bytecode = NULL;
	r->bytecode_len = 0;
	put_nlh(r, SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST | NLM_F_DUMP, seq, r->len);
	r->proto = PROTO_UNIX_STREAM;
	r->is_unix = true;
}

static int build_reqs(struct sockdiag *sd, const struct sockdiag_query *q, struct diag_req *reqs)
{
	static const enum sock_proto inet[] = { PROTO_TCP, PROTO_UDP, PROTO_RAW };

	int n = 0;

	for (size_t i = 0; i < sizeof(inet) / sizeof(inet[0]); i++) {
		if (!(q->protos & PROTO_BIT(inet[i])))
			continue;
		for (int v6 = 0; v6 < 2; v6++) {
			int err;

			if (!(v6 ? q->want_v6 : q->want_v4))
				continue;
			err = build_inet(&reqs[n], q, inet[i], v6 ? AF_INET6 : AF_INET, ++sd->seq);
			if (err)
				return err;
			n++;
		}
	}
	if (q->protos & PROTO_UNIX_MASK)
		build_unix(&reqs[n++], q, ++sd->seq);
	return n;
}

static int send_req(struct sockdiag *sd, const struct diag_req *r)
{
	uint8_t *buf;
	size_t len;
	int err;

	if (!r->bytecode)
		return sd->t.send(sd->t.ctx, r->buf, r->len);
	len = r->len + NLA_ALIGN(r->bytecode_len);
	buf = xcalloc(1, len);
	memcpy(buf, r->buf, r->len);
	memcpy(buf + r->len, r->bytecode, r->bytecode_len);
	err = sd->t.send(sd->t.ctx, buf, len);
	free(buf);
	return err;
}

/* ---- the receiver thread and its ring ---- */

struct slot {
	uint8_t *buf;
	ssize_t len; /* bytes, or -errno of a failed send/recv */
	int req;     /* index into pump.reqs */
};

/*
 * A single-producer single-consumer ring under one mutex: handing over a
 * slot costs a lock per 32 KiB (a few hundred sockets), which is noise next
 * to the per-socket work, and is much simpler to get right than atomics.
 */
struct pump {
	struct sockdiag *sd;
	const struct diag_req *reqs;
	int nr_reqs;
	pthread_mutex_t lock;
	pthread_cond_t filled, freed;
	unsigned head, tail; /* slots produced / consumed */
	bool stop;	     /* consumer: send no further request */
	bool finished;	     /* producer: nothing more will come */
	struct slot slots[RING_SLOTS];
};

static struct slot *pump_wait_free(struct pump *p)
{
	struct slot *s;

	pthread_mutex_lock(&p->lock);
	while (p->head - p->tail >= RING_SLOTS)
		pthread_cond_wait(&p->freed, &p->lock);
	s = &p->slots[p->head % RING_SLOTS];
	pthread_mutex_unlock(&p->lock);
	return s;
}

static void pump_publish(struct pump *p)
{
	pthread_mutex_lock(&p->lock);
	p->head++;
	pthread_cond_signal(&p->filled);
	pthread_mutex_unlock(&p->lock);
}

static bool pump_stopped(struct pump *p)
{
	bool stop;

	pthread_mutex_lock(&p->lock);
	stop = p->stop;
	pthread_mutex_unlock(&p->lock);
	return stop;
}

/* Receives one request's whole dump; returns false when the pump must end. */
static bool pump_one(struct pump *p, int i)
{
	struct slot *s = pump_wait_free(p);
	int err = send_req(p->sd, &p->reqs[i]);

	if (err) {
		s->len = err;
		s->req = i;
		pump_publish(p);
		return false;
	}
	for (unsigned n = 0; n < MAX_DATAGRAMS_PER_REQ; n++) {
		ssize_t len;

		s = pump_wait_free(p);
		len = p->sd->t.recv(p->sd->t.ctx, s->buf, SLOT_CAP);
		s->len = len;
		s->req = i;
		if (len <= 0) {
			/* EOF (a replay ran out) or a broken socket: nothing more to read. */
			if (len < 0)
				pump_publish(p);
			return false;
		}
		pump_publish(p);
		if (datagram_ends_dump(s->buf, (size_t)len))
			return true;
	}
	return false;
}

static void *pump_main(void *arg)
{
	struct pump *p = arg;

	for (int i = 0; i < p->nr_reqs && !pump_stopped(p); i++)
		if (!pump_one(p, i))
			break;
	pthread_mutex_lock(&p->lock);
	p->finished = true;
	pthread_cond_signal(&p->filled);
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

/* Next filled slot, or NULL when the producer is done and the ring is empty. */
static struct slot *pump_next(struct pump *p)
{
	struct slot *s = NULL;

	pthread_mutex_lock(&p->lock);
	while (p->head == p->tail && !p->finished)
		pthread_cond_wait(&p->filled, &p->lock);
	if (p->head != p->tail)
		s = &p->slots[p->tail % RING_SLOTS];
	pthread_mutex_unlock(&p->lock);
	return s;
}

static void pump_release(struct pump *p, bool stop)
{
	pthread_mutex_lock(&p->lock);
	p->tail++;
	if (stop)
		p->stop = true;
	pthread_cond_signal(&p->freed);
	pthread_mutex_unlock(&p->lock);
}

/* Drops UNIX sockets of types the query did not ask for. */
struct unix_filter {
	uint32_t protos;
	sock_visit_fn visit;
	void *arg;
};

static int unix_filter_visit(const struct sock_entry *s, void *arg)
{
	const struct unix_filter *f = arg;

	return (f->protos & PROTO_BIT(s->proto)) ? f->visit(s, f->arg) : 0;
}

static void note_proto_err(const struct sockdiag_query *q, const struct diag_req *r, int err,
			   struct sockdiag_stats *stats)
{
	if (!r->is_unix) {
		stats->proto_err[r->proto] = err;
		return;
	}
	for (int p = PROTO_UNIX_STREAM; p <= PROTO_UNIX_SEQPACKET; p++)
		if (q->protos & PROTO_BIT(p))
			stats->proto_err[p] = err;
}

/* Parses one slot; returns non-zero (visitor value or transport -errno) to stop. */
static int consume(const struct slot *s, const struct pump *p, const struct sockdiag_query *q,
		   struct unix_filter *uf, struct sockdiag_stats *stats)
{
	const struct diag_req *r = &p->reqs[s->req];
	bool done = false;
	int ret;

	if (s->len < 0)
		return (int)s->len;
	if (r->is_unix && (q->protos & PROTO_UNIX_MASK) != PROTO_UNIX_MASK)
		ret = sockdiag_parse_datagram(s->buf, (size_t)s->len, r->proto, true,
					      unix_filter_visit, uf, stats, &done);
	else
		ret = sockdiag_parse_datagram(s->buf, (size_t)s->len, r->proto, r->is_unix,
					      uf->visit, uf->arg, stats, &done);
	if (ret < 0 && done) {
		/* NLMSG_ERROR: this protocol failed, the others go on. */
		note_proto_err(q, r, ret, stats);
		return 0;
	}
	return ret;
}

static int run_pump(struct pump *p, const struct sockdiag_query *q, sock_visit_fn visit, void *arg,
		    struct sockdiag_stats *stats)
{
	struct unix_filter uf = { .protos = q->protos, .visit = visit, .arg = arg };
	pthread_t th;
	int ret = 0, err;

	err = pthread_create(&th, NULL, pump_main, p);
	if (err)
		return -err;
	/* Bounded by the producer, which stops after MAX_DATAGRAMS_PER_REQ per request. */
	for (struct slot *s; (s = pump_next(p)) != NULL;) {
		/* After a stop, keep draining so the receiver can finish the current dump. */
		if (!ret)
			ret = consume(s, p, q, &uf, stats);
		pump_release(p, ret != 0);
	}
	pthread_join(th, NULL);
	return ret;
}

/*
 * The same dump without the thread: each request sent, its datagrams received
 * and parsed in turn into one slot.  After a stop the rest of the request's
 * dump is still read (not parsed), so the socket is clean for the next dump.
 */
static int run_inline(struct pump *p, const struct sockdiag_query *q, sock_visit_fn visit,
		      void *arg, struct sockdiag_stats *stats)
{
	struct unix_filter uf = { .protos = q->protos, .visit = visit, .arg = arg };
	struct slot *s = &p->slots[0];
	int ret = 0;

	for (int i = 0; i < p->nr_reqs && !ret; i++) {
		int err = send_req(p->sd, &p->reqs[i]);

		if (err)
			return err;
		for (unsigned n = 0; n < MAX_DATAGRAMS_PER_REQ; n++) {
			s->len = p->sd->t.recv(p->sd->t.ctx, s->buf, SLOT_CAP);
			s->req = i;
			if (s->len <= 0)
				return ret ? ret : (int)s->len;
			if (!ret)
				ret = consume(s, p, q, &uf, stats);
			if (datagram_ends_dump(s->buf, (size_t)s->len))
				break;
		}
	}
	return ret;
}

int sockdiag_dump(struct sockdiag *sd, const struct sockdiag_query *q, sock_visit_fn visit,
		  void *arg, struct sockdiag_stats *stats)
{
	struct diag_req reqs[MAX_REQS];
	struct pump p;
	int nr, ret;

	memset(stats, 0, sizeof(*stats));
	nr = build_reqs(sd, q, reqs);
	if (nr <= 0)
		return nr;
	memset(&p, 0, sizeof(p));
	p.sd = sd;
	p.reqs = reqs;
	p.nr_reqs = nr;
	pthread_mutex_init(&p.lock, NULL);
	pthread_cond_init(&p.filled, NULL);
	pthread_cond_init(&p.freed, NULL);
	/* One allocation per dump; 4-byte alignment of netlink messages holds. */
	p.slots[0].buf = xmalloc((size_t)SLOT_CAP * RING_SLOTS);
	for (unsigned i = 1; i < RING_SLOTS; i++)
		p.slots[i].buf = p.slots[0].buf + (size_t)i * SLOT_CAP;
	ret = q->inline_recv ? run_inline(&p, q, visit, arg, stats) :
			       run_pump(&p, q, visit, arg, stats);
	free(p.slots[0].buf);
	pthread_cond_destroy(&p.freed);
	pthread_cond_destroy(&p.filled);
	pthread_mutex_destroy(&p.lock);
	return ret;
}

/* ---- SOCK_DESTROY ---- */

static void fill_destroy(struct inet_diag_req_v2 *req, const struct sock_entry *s)
{
	memset(req, 0, sizeof(*req));
	req->sdiag_family = s->family;
	req->sdiag_protocol = IPPROTO_TCP;
	req->idiag_states = SOCK_STATES_ALL;
	req->id.idiag_sport = htons(s->lport);
	req->id.idiag_dport = htons(s->rport);
	memcpy(req->id.idiag_src, s->local, s->family == AF_INET ? 4 : 16);
	memcpy(req->id.idiag_dst, s->remote, s->family == AF_INET ? 4 : 16);
	req->id.idiag_if = s->ifindex;
	req->id.idiag_cookie[0] = (uint32_t)s->cookie;
	req->id.idiag_cookie[1] = (uint32_t)(s->cookie >> 32);
	if (!(s->has & SOCK_HAS_COOKIE))
		req->id.idiag_cookie[0] = req->id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
}

int sockdiag_destroy(struct sockdiag *sd, const struct sock_entry *s)
{
	struct diag_req r;
	struct inet_diag_req_v2 req;
	uint8_t *buf;
	int ret = -EPROTO;

	if (s->proto != PROTO_TCP || (s->family != AF_INET && s->family != AF_INET6))
		return -EOPNOTSUPP;
	fill_destroy(&req, s);
	memcpy(r.buf + NLMSG_HDRLEN, &req, sizeof(req));
	r.len = NLMSG_HDRLEN + sizeof(req);
	r.bytecode = NULL;
	r.bytecode_len = 0;
	put_nlh(&r, SOCK_DESTROY, NLM_F_REQUEST | NLM_F_ACK, ++sd->seq, r.len);
	ret = send_req(sd, &r);
	if (ret)
		return ret;
	buf = xmalloc(SLOT_CAP);
	/* The ack is one NLMSG_ERROR (error 0 on success); skip anything else. */
	for (int tries = 0; tries < 16; tries++) {
		ssize_t n = sd->t.recv(sd->t.ctx, buf, SLOT_CAP);
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;

		if (n <= 0) {
			ret = n < 0 ? (int)n : -EPROTO;
			break;
		}
		if ((size_t)n >= NLMSG_HDRLEN && nlh->nlmsg_len >= NLMSG_HDRLEN &&
		    nlh->nlmsg_len <= (size_t)n && nlh->nlmsg_type == NLMSG_ERROR) {
			ret = sockdiag_nl_error(nlh);
			break;
		}
	}
	free(buf);
	return ret;
}
