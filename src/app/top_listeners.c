// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The listeners view of `connmon top`: every listening TCP socket and every
 * bound, unconnected UDP socket, with its process, its accept queue against
 * the backlog (sock_diag reports them in recv_q / send_q of a LISTEN
 * socket, as `ss -l` shows), and the connections to its port: the TCP
 * sockets of the walk that are not listening and have that local port.
 * Enter opens the connections of the port in the sockets view.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "app/top_view.h"
#include "app/top_views_int.h"
#include "base/u64map.h"
#include "base/xalloc.h"

enum {
	C_PROTO,
	C_LOCAL,
	C_PORT,
	C_PROC,
	C_QUEUE,
	C_BACKLOG,
	C_FILL,
	C_CONNS,
	NR_C,
};

static const struct top_col cols[NR_C] = {
	[C_PROTO] = { "Proto", 5, 3, 0, TOP_ALIGN_LEFT, false },
	[C_LOCAL] = { "Address", 24, 9, 1, TOP_ALIGN_LEFT, false },
	[C_PORT] = { "Port", 6, 5, 0, TOP_ALIGN_RIGHT, true },
	[C_PROC] = { "Process", 22, 10, 0, TOP_ALIGN_LEFT, false },
	[C_QUEUE] = { "Queue", 6, 5, 0, TOP_ALIGN_RIGHT, true },
	[C_BACKLOG] = { "Backlog", 7, 7, 0, TOP_ALIGN_RIGHT, true },
	[C_FILL] = { "Fill%", 6, 5, 0, TOP_ALIGN_RIGHT, true },
	[C_CONNS] = { "Conns", 6, 5, 0, TOP_ALIGN_RIGHT, true },
};

struct lrow {
	uint8_t proto, family;
	uint16_t port;
	uint8_t addr[16];
	uint32_t queue, backlog;
	int32_t pid;
	char comm[16];
};

struct listeners_view {
	struct lrow *rows;
	size_t nr, alloc;
	struct u64map conns; /* (proto << 16 | local port) -> non-listening sockets */
	struct proc_table *procs;
};

static uint64_t port_key(uint8_t proto, uint16_t port)
{
	return (uint64_t)proto << 16 | port;
}

static void *listeners_open(const char *filter_text, int *err)
{
	struct listeners_view *v = xcalloc(1, sizeof(*v));

	(void)filter_text;
	(void)err;
	u64map_init(&v->conns);
	return v;
}

static void listeners_close(void *p)
{
	struct listeners_view *v = p;

	u64map_release(&v->conns);
	free(v->rows);
	free(v);
}

static void listeners_begin(void *p, const struct top_ctx *ctx)
{
	struct listeners_view *v = p;

	v->nr = 0;
	u64map_reset(&v->conns);
	v->procs = ctx->procs;
}

static bool is_listener(const struct sock_entry *s)
{
	if (s->proto == PROTO_TCP)
		return s->state == SOCK_ST_LISTEN;
	/* UDP: bound and not connected (ss -l shows them as UNCONN) */
	return s->proto == PROTO_UDP && s->state == SOCK_ST_CLOSE && s->lport &&
	       sock_addr_is_any(s->family, s->remote);
}

static int listeners_sock(void *p, const struct sock_entry *s)
{
	struct listeners_view *v = p;
	const struct proc_ref *ref;
	struct lrow *r;

	if (!sock_is_inet(s))
		return 0;
	if (!is_listener(s)) {
		if (s->proto == PROTO_TCP)
			(*u64map_upsert(&v->conns, port_key(s->proto, s->lport), NULL))++;
		return 0;
	}
	ALLOC_GROW(v->rows, v->nr + 1, v->alloc);
	r = &v->rows[v->nr++];
	memset(r, 0, sizeof(*r));
	r->proto = s->proto;
	r->family = s->family;
	r->port = s->lport;
	memcpy(r->addr, s->local, 16);
	r->queue = s->proto == PROTO_TCP ? s->recv_q : 0;
	r->backlog = s->proto == PROTO_TCP ? s->send_q : 0;
	ref = v->procs && s->inode ? proc_table_first(v->procs, s->inode) : NULL;
	r->pid = ref ? ref->pid : -1;
	if (ref)
		snprintf(r->comm, sizeof(r->comm), "%s", proc_table_comm(v->procs, ref));
	return 0;
}

static void add_row(struct listeners_view *v, const struct lrow *r, struct top_table *t)
{
	struct top_ref ref = { .kind = TOP_REF_PORT, .family = r->family, .pid = r->pid };
	uint64_t *conns =
		r->proto == PROTO_TCP ? u64map_get(&v->conns, port_key(r->proto, r->port)) : NULL;
	char addr[64];
	size_t i;

	ref.proto = r->proto == PROTO_TCP ? IPPROTO_TCP : IPPROTO_UDP;
	ref.sport = r->port;
	memcpy(&ref.src, r->addr, 16);
	snprintf(ref.name, sizeof(ref.name), "%s", r->comm);
	i = top_table_add(t, &ref);
	top_table_set(t, i, C_PROTO, sock_proto_name(r->proto), 0);
	if (sock_addr_is_any(r->family, r->addr))
		snprintf(addr, sizeof(addr), r->family == AF_INET6 ? "[::]" : "*");
	else
		sock_format_addr(addr, r->family, r->addr);
	top_table_set(t, i, C_LOCAL, addr, 0);
	top_table_setf(t, i, C_PORT, r->port, "%u", r->port);
	if (r->pid >= 0)
		top_table_setf(t, i, C_PROC, r->pid, "%s[%d]", r->comm, (int)r->pid);
	if (r->proto != PROTO_TCP)
		return;
	top_table_setf(t, i, C_QUEUE, r->queue, "%u", r->queue);
	top_table_setf(t, i, C_BACKLOG, r->backlog, "%u", r->backlog);
	if (r->backlog)
		top_table_setf(t, i, C_FILL, 100.0 * r->queue / r->backlog, "%.0f",
			       100.0 * r->queue / r->backlog);
	top_table_setf(t, i, C_CONNS, conns ? (double)*conns : 0, "%llu",
		       (unsigned long long)(conns ? *conns : 0));
}

static int listeners_fill(void *p, const struct top_ctx *ctx, const struct top_narrow *n,
			  struct top_table *t)
{
	struct listeners_view *v = p;
	size_t tcp = 0;

	if (ctx->frame)
		return top_agent_fill_listeners(ctx, t);

	(void)ctx;
	top_table_reset(t, cols, NR_C);
	for (size_t i = 0; i < v->nr; i++) {
		if (n && n->ref.kind == TOP_REF_PROC && v->rows[i].pid != n->ref.pid)
			continue;
		add_row(v, &v->rows[i], t);
		tcp += v->rows[i].proto == PROTO_TCP;
	}
	snprintf(t->title, sizeof(t->title), "listeners: %zu", t->nr_rows);
	snprintf(t->summary, sizeof(t->summary), "TCP %zu  UDP %zu", tcp, t->nr_rows - tcp);
	return 0;
}

static bool listeners_drill(void *p, const struct top_ref *row, const char **to_view,
			    struct top_narrow *out)
{
	(void)p;
	if (row->kind != TOP_REF_PORT || row->proto != IPPROTO_TCP)
		return false;
	*to_view = "sockets";
	memset(out, 0, sizeof(*out));
	out->ref = *row;
	snprintf(out->label, sizeof(out->label), "local port %u", row->sport);
	return true;
}

const struct top_view_ops top_listeners_view = {
	.name = "listeners",
	.title = "Listeners",
	.hotkey = '6',
	.open = listeners_open,
	.close = listeners_close,
	.begin = listeners_begin,
	.sock = listeners_sock,
	.fill = listeners_fill,
	.drill = listeners_drill,
};
