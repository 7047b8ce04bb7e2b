// SPDX-License-Identifier: GPL-2.0-or-later
#include "collect/procnet.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/limits.h>

#include "base/xalloc.h"

/*
 * The files are read in fixed chunks, never whole: /proc/net/tcp of 200,000
 * sockets is 30 MB.  A line never comes near this size.
 */
#define CHUNK (64u * 1024u)
/* /proc/net/tcp prints timers in clock_t, i.e. USER_HZ, which is 100 in the ABI. */
#define USER_HZ_MS 10u

struct cursor {
	const char *p, *end;
};

static void skip_spaces(struct cursor *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t'))
		c->p++;
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Reads 1..max_digits digits in base 16 or 10. */
static bool read_num(struct cursor *c, unsigned base, unsigned max_digits, uint64_t *out)
{
	uint64_t v = 0;
	unsigned n = 0;

	for (; c->p < c->end && n < max_digits; c->p++, n++) {
		int d = hexval(*c->p);

		if (d < 0 || (unsigned)d >= base)
			break;
		v = v * base + (unsigned)d;
	}
	*out = v;
	return n > 0;
}

static bool expect(struct cursor *c, char ch)
{
	if (c->p >= c->end || *c->p != ch)
		return false;
	c->p++;
	return true;
}

/* "0100007F:0CEA": the kernel prints each 32-bit word of the address in host order. */
static bool read_endpoint(struct cursor *c, int family, uint8_t *addr, uint16_t *port)
{
	unsigned words = family == AF_INET6 ? 4 : 1;
	uint64_t v;

	skip_spaces(c);
	for (unsigned i = 0; i < words; i++) {
		uint32_t w;

		if (c->end - c->p < 8 || !read_num(c, 16, 8, &v))
			return false;
		w = (uint32_t)v;
		memcpy(addr + 4 * i, &w, sizeof(w));
	}
	if (!expect(c, ':') || !read_num(c, 16, 4, &v))
		return false;
	*port = (uint16_t)v;
	return true;
}

static bool read_field(struct cursor *c, unsigned base, unsigned max_digits, uint64_t *out)
{
	skip_spaces(c);
	return read_num(c, base, max_digits, out);
}

static bool read_pair(struct cursor *c, uint64_t *a, uint64_t *b)
{
	return read_field(c, 16, 16, a) && expect(c, ':') && read_num(c, 16, 16, b);
}

static uint8_t clamp_state(uint64_t st)
{
	if (st == SOCK_ST_NEW_SYN_RECV)
		return SOCK_ST_SYN_RECV;
	return st < SOCK_ST_MAX ? (uint8_t)st : SOCK_ST_UNKNOWN;
}

int procnet_parse_inet_line(const char *line, size_t len, enum sock_proto proto, int family,
			    struct sock_entry *out)
{
	struct cursor c = { line, line + len };
	uint64_t sl, st, tx, rx, tr, when, retr, uid, probes, inode;

	memset(out, 0, sizeof(*out));
	if ((family != AF_INET && family != AF_INET6) || proto > PROTO_RAW)
		return -EBADMSG;
	if (!read_field(&c, 10, 10, &sl) || !expect(&c, ':') ||
	    !read_endpoint(&c, family, out->local, &out->lport) ||
	    !read_endpoint(&c, family, out->remote, &out->rport) || !read_field(&c, 16, 2, &st) ||
	    !read_pair(&c, &tx, &rx) || !read_pair(&c, &tr, &when) ||
	    !read_field(&c, 16, 8, &retr) || !read_field(&c, 10, 10, &uid) ||
	    !read_field(&c, 10, 10, &probes) || !read_field(&c, 10, 20, &inode))
		return -EBADMSG;
	out->proto = (uint8_t)proto;
	out->family = (uint8_t)family;
	out->state = clamp_state(st);
	out->send_q = (uint32_t)tx;
	out->recv_q = (uint32_t)rx;
	out->timer = tr <= SOCK_TIMER_PERSIST ? (uint8_t)tr : SOCK_TIMER_NONE;
	out->expires_ms = when > UINT32_MAX / USER_HZ_MS ? UINT32_MAX : (uint32_t)when * USER_HZ_MS;
	out->retrans = retr > UINT8_MAX ? UINT8_MAX : (uint8_t)retr;
	out->uid = (uint32_t)uid;
	out->inode = inode;
	out->has = SOCK_HAS_UID | (proto == PROTO_TCP ? SOCK_HAS_TIMER : 0);
	return 0;
}

/* Socket-layer states (SS_*) as /proc/net/unix prints them, in TCP numbering as ss shows them. */
static uint8_t unix_state(uint64_t flags, uint64_t st)
{
	static const uint8_t map[] = { SOCK_ST_CLOSE, SOCK_ST_SYN_SENT, SOCK_ST_ESTABLISHED,
				       SOCK_ST_CLOSING };

	if (flags & (1u << 16)) /* __SO_ACCEPTCON: listening */
		return SOCK_ST_LISTEN;
	return st >= 1 && st <= 4 ? map[st - 1] : SOCK_ST_UNKNOWN;
}

int procnet_parse_unix_line(const char *line, size_t len, struct sock_entry *out)
{
	struct cursor c = { line, line + len };
	uint64_t num, refs, proto, flags, type, st, inode;

	memset(out, 0, sizeof(*out));
	if (!read_field(&c, 16, 16, &num) || !expect(&c, ':') || !read_field(&c, 16, 8, &refs) ||
	    !read_field(&c, 16, 8, &proto) || !read_field(&c, 16, 8, &flags) ||
	    !read_field(&c, 16, 4, &type) || !read_field(&c, 16, 2, &st) ||
	    !read_field(&c, 10, 20, &inode))
		return -EBADMSG;
	switch (type) {
	case SOCK_STREAM:
		out->proto = PROTO_UNIX_STREAM;
		break;
	case SOCK_DGRAM:
		out->proto = PROTO_UNIX_DGRAM;
		break;
	case SOCK_SEQPACKET:
		out->proto = PROTO_UNIX_SEQPACKET;
		break;
	default:
		return -EBADMSG;
	}
	out->family = AF_UNIX;
	out->state = unix_state(flags, st);
	out->inode = inode;
	skip_spaces(&c);
	if (c.p < c.end) {
		/* The kernel prints an abstract name's leading NUL as '@'. */
		out->unix_abstract = *c.p == '@';
		out->unix_path = c.p + out->unix_abstract;
		out->unix_path_len = (uint32_t)(c.end - out->unix_path);
	}
	return 0;
}

struct pn_file {
	const char *name;
	enum sock_proto proto; /* PROTO_UNIX_STREAM stands for all UNIX types */
	int family;
};

struct pn_ctx {
	const struct sockdiag_query *q;
	const struct pn_file *file;
	sock_visit_fn visit;
	void *arg;
	struct sockdiag_stats *stats;
};

static int pn_line(struct pn_ctx *x, const char *line, size_t len)
{
	uint32_t states = x->q->states ? x->q->states : SOCK_STATES_ALL;
	struct sock_entry se;
	int ret;

	if (x->file->family == AF_UNIX)
		ret = procnet_parse_unix_line(line, len, &se);
	else
		ret = procnet_parse_inet_line(line, len, x->file->proto, x->file->family, &se);
	x->stats->nr_messages++;
	if (ret < 0) {
		x->stats->nr_bad++;
		return 0;
	}
	if (!(x->q->protos & PROTO_BIT(se.proto)) || !(states & SOCK_STATE_BIT(se.state)))
		return 0;
	x->stats->nr_sockets++;
	return x->visit(&se, x->arg);
}

/* Feeds every complete line after the header to pn_line; returns non-zero to stop. */
static int pn_read(struct pn_ctx *x, int fd, char *buf)
{
	size_t have = 0;
	bool header = true, skipping = false;

	for (unsigned chunks = 0; chunks < (1u << 24); chunks++) {
		ssize_t n = read(fd, buf + have, CHUNK - have);
		size_t start = 0;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : 0; /* a last line without newline is cut: drop it */
		have += (size_t)n;
		for (char *nl; (nl = memchr(buf + start, '\n', have - start)) != NULL;) {
			size_t len = (size_t)(nl - (buf + start));
			int ret = header || skipping ? 0 : pn_line(x, buf + start, len);

			header = skipping = false;
			start += len + 1;
			if (ret)
				return ret;
		}
		memmove(buf, buf + start, have - start);
		have -= start;
		if (have == CHUNK) {
			/* A line longer than a chunk is not a socket line. */
			x->stats->nr_bad++;
			have = 0;
			skipping = true;
		}
	}
	return 0;
}

int procnet_dump(const char *proc_root, const struct sockdiag_query *q, sock_visit_fn visit,
		 void *arg, struct sockdiag_stats *stats)
{
	static const struct pn_file files[] = {
		{ "tcp", PROTO_TCP, AF_INET },		{ "tcp6", PROTO_TCP, AF_INET6 },
		{ "udp", PROTO_UDP, AF_INET },		{ "udp6", PROTO_UDP, AF_INET6 },
		{ "raw", PROTO_RAW, AF_INET },		{ "raw6", PROTO_RAW, AF_INET6 },
		{ "unix", PROTO_UNIX_STREAM, AF_UNIX },
	};
	struct pn_ctx x = { .q = q, .visit = visit, .arg = arg, .stats = stats };
	int first_err = 0, nr_read = 0, nr_tried = 0, ret = 0;
	char *buf = xmalloc(CHUNK);

	memset(stats, 0, sizeof(*stats));
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]) && !ret; i++) {
		const struct pn_file *f = &files[i];
		char path[PATH_MAX];
		int fd;

		if (f->family == AF_UNIX ?
			    !(q->protos & PROTO_UNIX_MASK) :
			    !(q->protos & PROTO_BIT(f->proto)) ||
				    !(f->family == AF_INET ? q->want_v4 : q->want_v6))
			continue;
		nr_tried++;
		if ((size_t)snprintf(path, sizeof(path), "%s/net/%s", proc_root, f->name) >=
		    sizeof(path))
			return free(buf), -ENAMETOOLONG;
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			/* No IPv6 or no raw support: that file is simply absent. */
			if (!first_err)
				first_err = -errno;
			continue;
		}
		nr_read++;
		x.file = f;
		ret = pn_read(&x, fd, buf);
		close(fd);
	}
	free(buf);
	if (ret)
		return ret;
	return nr_tried && !nr_read ? first_err : 0;
}
