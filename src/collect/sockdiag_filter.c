// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * filter tree -> inet_diag bytecode, the way iproute2's ss compiles it.
 *
 * Every fragment follows one convention: running off its end means "true",
 * jumping to 4 bytes past its end means "false".  Then
 *   A and B  = A B, with A's false exits moved past B;
 *   A or B   = A JMP(to end) B  (A's false exit lands on B);
 *   not A    = A JMP(to false)  (A's false exit is the end).
 * Every op's yes offset is its own length, so a fragment can be walked op by
 * op to find its false exits.
 */
#include "collect/sockdiag_filter.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/inet_diag.h>

#include "base/xalloc.h"

struct frag {
	uint8_t *buf;
	size_t len;
};

struct compiler {
	const struct filter *f;
	int family;
	bool exact, net_admin;
	int err;
};

static struct frag frag_op(const void *data, size_t len)
{
	struct frag fr = { .buf = xmalloc(len), .len = len };

	memcpy(fr.buf, data, len);
	return fr;
}

static void put_op(uint8_t *at, uint8_t code, uint8_t yes, uint16_t no)
{
	struct inet_diag_bc_op op = { .code = code, .yes = yes, .no = no };

	memcpy(at, &op, sizeof(op));
}

/* One op of len bytes (header + payload) that fails to "false". */
static struct frag leaf(uint8_t code, const void *payload, size_t payload_len)
{
	uint8_t tmp[64];
	size_t len = sizeof(struct inet_diag_bc_op) + payload_len;

	put_op(tmp, code, (uint8_t)len, (uint16_t)(len + 4));
	if (payload_len)
		memcpy(tmp + sizeof(struct inet_diag_bc_op), payload, payload_len);
	return frag_op(tmp, len);
}

static struct frag const_false(void)
{
	uint8_t tmp[4];

	put_op(tmp, INET_DIAG_BC_JMP, 4, 8);
	return frag_op(tmp, sizeof(tmp));
}

static struct frag port_cmp(uint8_t code, uint16_t port)
{
	struct inet_diag_bc_op arg = { .no = port };

	return leaf(code, &arg, sizeof(arg));
}

/* Moves a's false exits (a jump to a.len + 4) by delta bytes. */
static void patch_false(struct frag *a, size_t delta)
{
	size_t off = 0;

	while (off < a->len) {
		struct inet_diag_bc_op op;

		memcpy(&op, a->buf + off, sizeof(op));
		if (op.no == a->len - off + 4) {
			op.no = (uint16_t)(op.no + delta);
			memcpy(a->buf + off, &op, sizeof(op));
		}
		off += op.yes;
	}
}

static struct frag join(struct frag a, const void *mid, size_t mid_len, struct frag b)
{
	struct frag r = { .len = a.len + mid_len + b.len };

	r.buf = xmalloc(r.len);
	memcpy(r.buf, a.buf, a.len);
	if (mid_len)
		memcpy(r.buf + a.len, mid, mid_len);
	if (b.len)
		memcpy(r.buf + a.len + mid_len, b.buf, b.len);
	free(a.buf);
	free(b.buf);
	return r;
}

static struct frag negate(struct frag a)
{
	uint8_t jmp[4];
	struct frag none = { 0 };

	put_op(jmp, INET_DIAG_BC_JMP, 4, 8);
	return join(a, jmp, sizeof(jmp), none);
}

static struct frag host(struct compiler *c, const struct filter_host *h, bool local)
{
	struct inet_diag_hostcond hc;
	uint8_t payload[sizeof(hc) + 16];
	size_t alen = h->family == AF_INET ? 4 : h->family == AF_INET6 ? 16 : 0;
	unsigned int max = (unsigned int)alen * 8;

	if (h->family == AF_UNIX)
		return const_false(); /* ss's user space says no for inet sockets too */
	if (h->family == AF_UNSPEC && h->port != -1)
		return port_cmp(local ? INET_DIAG_BC_S_EQ : INET_DIAG_BC_D_EQ, (uint16_t)h->port);
	if (alen && h->family != c->family)
		c->exact = false;
	memset(&hc, 0, sizeof(hc));
	hc.family = alen ? h->family : AF_UNSPEC;
	hc.prefix_len = h->prefix_len < max ? h->prefix_len : (uint8_t)max;
	hc.port = h->port;
	memcpy(payload, &hc, sizeof(hc));
	if (alen)
		memcpy(payload + sizeof(hc), h->addr, alen);
	return leaf(local ? INET_DIAG_BC_S_COND : INET_DIAG_BC_D_COND, payload, sizeof(hc) + alen);
}

static struct frag ports(struct compiler *c, const struct filter_node *n)
{
	bool local = n->kind == FILTER_SPORT;
	uint16_t port = n->u.port.wildcard ? 65535 : n->u.port.port;
	uint8_t ge = local ? INET_DIAG_BC_S_GE : INET_DIAG_BC_D_GE;
	uint8_t le = local ? INET_DIAG_BC_S_LE : INET_DIAG_BC_D_LE;
	uint8_t eq = local ? INET_DIAG_BC_S_EQ : INET_DIAG_BC_D_EQ;

	if (n->u.port.wildcard)
		c->exact = false; /* ss's user space compares against -1 */
	switch (n->u.port.op) {
	case FILTER_EQ:
		return port_cmp(eq, port);
	case FILTER_NE:
		return negate(port_cmp(eq, port));
	case FILTER_LT:
		return negate(port_cmp(ge, port));
	case FILTER_GT:
		return negate(port_cmp(le, port));
	case FILTER_LE:
		return port_cmp(le, port);
	case FILTER_GE:
		break;
	}
	return port_cmp(ge, port);
}

static struct frag compile(struct compiler *c, int idx, int depth);

static struct frag binary(struct compiler *c, const struct filter_node *n, int depth)
{
	struct frag a = compile(c, n->u.bin.left, depth + 1);
	struct frag b = compile(c, n->u.bin.right, depth + 1);
	uint8_t jmp[4];

	if (a.len + b.len + 4 > SOCKDIAG_BYTECODE_MAX) {
		c->err = -E2BIG;
		free(b.buf);
		return a;
	}
	if (n->kind == FILTER_AND) {
		patch_false(&a, b.len);
		return join(a, NULL, 0, b);
	}
	put_op(jmp, INET_DIAG_BC_JMP, 4, (uint16_t)(b.len + 4));
	return join(a, jmp, sizeof(jmp), b);
}

static struct frag compile(struct compiler *c, int idx, int depth)
{
	const struct filter_node *n;

	if (idx < 0 || (size_t)idx >= c->f->nr_nodes || depth > 10000 || c->err) {
		c->err = c->err ? c->err : -EINVAL;
		return const_false();
	}
	n = &c->f->nodes[idx];
	switch (n->kind) {
	case FILTER_AND:
	case FILTER_OR:
		return binary(c, n, depth);
	case FILTER_NOT:
		return negate(compile(c, n->u.child, depth + 1));
	case FILTER_SRC:
	case FILTER_DST:
		return host(c, &n->u.host, n->kind == FILTER_SRC);
	case FILTER_SPORT:
	case FILTER_DPORT:
		return ports(c, n);
	case FILTER_DEV:
		return leaf(INET_DIAG_BC_DEV_COND, &n->u.ifindex, sizeof(n->u.ifindex));
	case FILTER_MARK: {
		struct inet_diag_markcond mc = { .mark = n->u.mark.value, .mask = n->u.mark.mask };

		c->net_admin = true;
		return leaf(INET_DIAG_BC_MARK_COND, &mc, sizeof(mc));
	}
	case FILTER_AUTOBOUND:
		c->exact = false; /* the kernel tests the bind lock, ss also the port range */
		return leaf(INET_DIAG_BC_AUTO, NULL, 0);
	}
	c->err = -EINVAL;
	return const_false();
}

int sockdiag_filter_compile(const struct filter *f, int family, struct sockdiag_bytecode *bc)
{
	struct compiler c = { .f = f, .family = family, .exact = true };
	struct frag fr;

	memset(bc, 0, sizeof(*bc));
	bc->exact = true;
	if (f->root < 0)
		return 0;
	fr = compile(&c, f->root, 0);
	if (c.err || fr.len > SOCKDIAG_BYTECODE_MAX) {
		free(fr.buf);
		bc->exact = false;
		return c.err ? c.err : -E2BIG;
	}
	bc->code = fr.buf;
	bc->len = fr.len;
	bc->exact = c.exact;
	bc->needs_net_admin = c.net_admin;
	return 0;
}

void sockdiag_bytecode_release(struct sockdiag_bytecode *bc)
{
	free(bc->code);
	memset(bc, 0, sizeof(*bc));
}
