// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The sockets view of `connmon top`: `connmon sockets -tuwap` as a table
 * (protocol, state, queues, both ends, the process), with the round-trip
 * time and the bytes of TCP sockets when the screen is wide enough.  The
 * walk's sockets are copied compactly as they stream past (a socket's
 * process is looked up then, while the walk's table is current) and the
 * table is built from the copy at fill time.
 *
 * Narrowings: a process (its sockets), a peer (its sockets), a local port
 * (the connections of a listener).  Enter on a socket opens its process's
 * sockets.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "app/top_view.h"
#include "base/services.h"
#include "base/units.h"
#include "base/xalloc.h"

#define TCPI_HAS(s, f)               \
	((s)->has & SOCK_HAS_INFO && \
	 offsetof(struct tcp_info, f) + sizeof((s)->tcpi.f) <= (s)->tcpi_len)

enum {
	C_PROTO,
	C_STATE,
	C_RECVQ,
	C_SENDQ,
	C_LOCAL,
	C_PEER,
	C_PROC,
	C_RTT,
	C_SENT,
	C_RECV,
	NR_C,
};

static const struct top_col cols[NR_C] = {
	[C_PROTO] = { "Proto", 5, 3, 0, TOP_ALIGN_LEFT, false },
	[C_STATE] = { "State", 10, 6, 0, TOP_ALIGN_LEFT, false },
	[C_RECVQ] = { "Recv-Q", 7, 6, 0, TOP_ALIGN_RIGHT, true },
	[C_SENDQ] = { "Send-Q", 7, 6, 0, TOP_ALIGN_RIGHT, true },
	[C_LOCAL] = { "Local", 21, 12, 0, TOP_ALIGN_LEFT, false },
	[C_PEER] = { "Peer", 21, 12, 0, TOP_ALIGN_LEFT, false },
	[C_PROC] = { "Process", 16, 8, 1, TOP_ALIGN_LEFT, false },
	[C_RTT] = { "RTT-ms", 7, 6, 3, TOP_ALIGN_RIGHT, true },
	[C_SENT] = { "Sent", 8, 7, 2, TOP_ALIGN_RIGHT, true },
	[C_RECV] = { "Rcvd", 8, 7, 2, TOP_ALIGN_RIGHT, true },
};

/* One socket of the last walk, as much as the table needs. */
struct srow {
	uint8_t proto, family, state;
	bool has_info;
	uint16_t lport, rport;
	uint8_t local[16], remote[16];
	uint32_t recv_q, send_q, ifindex;
	uint64_t cookie;
	int32_t pid; /* -1: no process known */
	char comm[16];
	double rtt_ms;
	uint64_t sent, rcvd; /* tcp_info bytes_acked / bytes_received */
};

struct sockets_view {
	struct srow *rows;
	size_t nr, alloc;
	struct proc_table *procs; /* the walk's, for this tick */
	struct services svc;
	bool svc_loaded;
	uint64_t counts[PROTO_MAX];
};

static void *sockets_open(const char *filter_text, int *err)
{
	struct sockets_view *v = xcalloc(1, sizeof(*v));

	(void)filter_text;
	(void)err;
	services_init(&v->svc);
	return v;
}

static void sockets_close(void *p)
{
	struct sockets_view *v = p;

	services_release(&v->svc);
	free(v->rows);
	free(v);
}

static void sockets_begin(void *p, const struct top_ctx *ctx)
{
	struct sockets_view *v = p;

	v->nr = 0;
	v->procs = ctx->procs;
	memset(v->counts, 0, sizeof(v->counts));
}

static void copy_proc(struct sockets_view *v, const struct sock_entry *s, struct srow *r)
{
	const struct proc_ref *ref =
		v->procs && s->inode ? proc_table_first(v->procs, s->inode) : NULL;

	r->pid = -1;
	r->comm[0] = '\0';
	if (!ref)
		return;
	r->pid = ref->pid;
	snprintf(r->comm, sizeof(r->comm), "%s", proc_table_comm(v->procs, ref));
}

static int sockets_sock(void *p, const struct sock_entry *s)
{
	struct sockets_view *v = p;
	struct srow *r;

	if (!sock_is_inet(s))
		return 0;
	ALLOC_GROW(v->rows, v->nr + 1, v->alloc);
	r = &v->rows[v->nr++];
	r->proto = s->proto;
	r->family = s->family;
	r->state = s->state;
	r->lport = s->lport;
	r->rport = s->rport;
	memcpy(r->local, s->local, 16);
	memcpy(r->remote, s->remote, 16);
	r->recv_q = s->recv_q;
	r->send_q = s->send_q;
	r->ifindex = s->ifindex;
	r->cookie = s->has & SOCK_HAS_COOKIE ? s->cookie : 0;
	r->has_info = s->proto == PROTO_TCP && TCPI_HAS(s, tcpi_bytes_received);
	r->rtt_ms = s->has & SOCK_HAS_INFO ? s->tcpi.tcpi_rtt / 1000.0 : 0;
	r->sent = r->has_info ? s->tcpi.tcpi_bytes_acked : 0;
	r->rcvd = r->has_info ? s->tcpi.tcpi_bytes_received : 0;
	copy_proc(v, s, r);
	if (s->proto < PROTO_MAX)
		v->counts[s->proto]++;
	return 0;
}

static bool row_passes(const struct srow *r, const struct top_narrow *n)
{
	if (!n)
		return true;
	switch (n->ref.kind) {
	case TOP_REF_PROC:
		return r->pid == n->ref.pid;
	case TOP_REF_PEER:
		return r->family == n->ref.family && !memcmp(r->remote, &n->ref.dst, 16);
	case TOP_REF_PORT:
		return r->lport == n->ref.sport &&
		       (r->proto == PROTO_TCP) == (n->ref.proto == IPPROTO_TCP);
	default:
		return true;
	}
}

/* "addr:port" with [] around IPv6, the port by its service name unless numeric. */
static void endpoint(struct sockets_view *v, const struct top_ctx *ctx, const struct srow *r,
		     bool local, char *buf, size_t size)
{
	const uint8_t *a = local ? r->local : r->remote;
	uint16_t port = local ? r->lport : r->rport;
	const char *name = NULL;
	char addr[64];

	if (!ctx->numeric && port) {
		if (!v->svc_loaded)
			services_load(&v->svc, "/etc/services");
		v->svc_loaded = true;
		name = services_name(&v->svc, port, r->proto == PROTO_UDP);
	}
	if (sock_addr_is_any(r->family, a))
		snprintf(addr, sizeof(addr), "*");
	else
		sock_format_addr(addr, r->family, a);
	if (r->family == AF_INET6 && addr[0] != '*')
		snprintf(buf, size, "[%s]", addr);
	else
		snprintf(buf, size, "%s", addr);
	if (!port)
		snprintf(buf + strlen(buf), size - strlen(buf), ":*");
	else if (name)
		snprintf(buf + strlen(buf), size - strlen(buf), ":%s", name);
	else
		snprintf(buf + strlen(buf), size - strlen(buf), ":%u", port);
}

static void make_ref(const struct srow *r, struct top_ref *ref)
{
	memset(ref, 0, sizeof(*ref));
	ref->kind = TOP_REF_SOCK;
	ref->family = r->family;
	ref->proto = r->proto == PROTO_TCP ? IPPROTO_TCP :
		     r->proto == PROTO_UDP ? IPPROTO_UDP :
					     IPPROTO_RAW;
	ref->pid = r->pid;
	ref->cookie = r->cookie;
	memcpy(&ref->src, r->local, 16);
	memcpy(&ref->dst, r->remote, 16);
	ref->sport = r->lport;
	ref->dport = r->rport;
	ref->state = r->state;
	ref->ifindex = r->ifindex;
	snprintf(ref->name, sizeof(ref->name), "%s", r->comm);
}

static void add_row(struct sockets_view *v, const struct top_ctx *ctx, const struct srow *r,
		    struct top_table *t)
{
	struct sock_entry e = { .proto = r->proto, .state = r->state };
	struct top_ref ref;
	char buf[128], u[UNITS_BUF_LEN];
	size_t i;

	make_ref(r, &ref);
	i = top_table_add(t, &ref);
	top_table_set(t, i, C_PROTO, sock_proto_name(r->proto), 0);
	top_table_set(t, i, C_STATE, sock_state_ss_name(&e), r->state);
	top_table_setf(t, i, C_RECVQ, r->recv_q, "%u", r->recv_q);
	top_table_setf(t, i, C_SENDQ, r->send_q, "%u", r->send_q);
	endpoint(v, ctx, r, true, buf, sizeof(buf));
	top_table_set(t, i, C_LOCAL, buf, 0);
	endpoint(v, ctx, r, false, buf, sizeof(buf));
	top_table_set(t, i, C_PEER, buf, 0);
	if (r->pid >= 0)
		top_table_setf(t, i, C_PROC, r->pid, "%s[%d]", r->comm, (int)r->pid);
	if (r->proto == PROTO_TCP && r->rtt_ms > 0)
		top_table_setf(t, i, C_RTT, r->rtt_ms, "%.1f", r->rtt_ms);
	if (r->has_info) {
		top_table_set(t, i, C_SENT, units_fmt(u, sizeof(u), (double)r->sent, UNITS_BYTES),
			      (double)r->sent);
		top_table_set(t, i, C_RECV, units_fmt(u, sizeof(u), (double)r->rcvd, UNITS_BYTES),
			      (double)r->rcvd);
	}
}

static int sockets_fill(void *p, const struct top_ctx *ctx, const struct top_narrow *n,
			struct top_table *t)
{
	struct sockets_view *v = p;
	uint64_t tcp = 0, udp = 0, raw = 0;

	top_table_reset(t, cols, NR_C);
	for (size_t i = 0; i < v->nr; i++) {
		const struct srow *r = &v->rows[i];

		if (!row_passes(r, n))
			continue;
		add_row(v, ctx, r, t);
		tcp += r->proto == PROTO_TCP;
		udp += r->proto == PROTO_UDP;
		raw += r->proto == PROTO_RAW;
	}
	snprintf(t->title, sizeof(t->title), "sockets: %zu%s%s%s%s", t->nr_rows,
		 ctx->filter_text ? " (filter: " : "", ctx->filter_text ? ctx->filter_text : "",
		 ctx->filter_text ? ")" : "",
		 ctx->frame ?
			 " (listed by top itself, live, while this view is on screen: the agent "
			 "serves no socket list)" :
			 "");
	snprintf(t->summary, sizeof(t->summary), "TCP %llu  UDP %llu  RAW %llu",
		 (unsigned long long)tcp, (unsigned long long)udp, (unsigned long long)raw);
	return 0;
}

static bool sockets_drill(void *p, const struct top_ref *row, const char **to_view,
			  struct top_narrow *out)
{
	(void)p;
	if (row->kind != TOP_REF_SOCK || row->pid < 0)
		return false;
	*to_view = "sockets";
	memset(out, 0, sizeof(*out));
	out->ref.kind = TOP_REF_PROC;
	out->ref.pid = row->pid;
	snprintf(out->ref.name, sizeof(out->ref.name), "%s", row->name);
	snprintf(out->label, sizeof(out->label), "pid %d (%s)", (int)row->pid, row->name);
	return true;
}

const struct top_view_ops top_sockets_view = {
	.name = "sockets",
	.title = "Sockets",
	.hotkey = '2',
	.open = sockets_open,
	.close = sockets_close,
	.begin = sockets_begin,
	.sock = sockets_sock,
	.fill = sockets_fill,
	.drill = sockets_drill,
};
