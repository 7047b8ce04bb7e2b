// SPDX-License-Identifier: GPL-2.0-or-later
#include "model/filter.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "base/xalloc.h"

void filter_init(struct filter *f)
{
	memset(f, 0, sizeof(*f));
	f->root = -1;
	f->ephemeral_lo = 32768;
	f->ephemeral_hi = 60999;
}

void filter_release(struct filter *f)
{
	for (size_t i = 0; i < f->nr_nodes; i++)
		if ((f->nodes[i].kind == FILTER_SRC || f->nodes[i].kind == FILTER_DST))
			free(f->nodes[i].u.host.unix_path);
	free(f->nodes);
	filter_init(f);
}

int filter_add_node(struct filter *f, const struct filter_node *n)
{
	ALLOC_GROW(f->nodes, f->nr_nodes + 1, f->alloc_nodes);
	f->nodes[f->nr_nodes] = *n;
	return (int)f->nr_nodes++;
}

/* ss's state words (scan_state in misc/ss.c), matched case-insensitively. */
static const char *const state_words[SOCK_ST_NEW_SYN_RECV] = {
	[SOCK_ST_UNKNOWN] = "unknown",	     [SOCK_ST_ESTABLISHED] = "established",
	[SOCK_ST_SYN_SENT] = "syn-sent",     [SOCK_ST_SYN_RECV] = "syn-recv",
	[SOCK_ST_FIN_WAIT1] = "fin-wait-1",  [SOCK_ST_FIN_WAIT2] = "fin-wait-2",
	[SOCK_ST_TIME_WAIT] = "time-wait",   [SOCK_ST_CLOSE] = "unconnected",
	[SOCK_ST_CLOSE_WAIT] = "close-wait", [SOCK_ST_LAST_ACK] = "last-ack",
	[SOCK_ST_LISTEN] = "listening",	     [SOCK_ST_CLOSING] = "closing",
};

#define BIT(s) SOCK_STATE_BIT(SOCK_ST_##s)

uint32_t filter_state_mask(const char *word)
{
	if (!strcasecmp(word, "close") || !strcasecmp(word, "closed"))
		return BIT(CLOSE);
	if (!strcasecmp(word, "syn-rcv"))
		return BIT(SYN_RECV);
	if (!strcasecmp(word, "all"))
		return SOCK_STATES_ALL;
	if (!strcasecmp(word, "connected"))
		return SOCK_STATES_ALL & ~(BIT(CLOSE) | BIT(LISTEN));
	if (!strcasecmp(word, "synchronized"))
		return SOCK_STATES_ALL & ~(BIT(CLOSE) | BIT(LISTEN) | BIT(SYN_SENT));
	if (!strcasecmp(word, "bucket"))
		return BIT(SYN_RECV) | BIT(TIME_WAIT);
	if (!strcasecmp(word, "big"))
		return SOCK_STATES_ALL & ~(BIT(SYN_RECV) | BIT(TIME_WAIT));
	for (int i = 0; i < SOCK_ST_NEW_SYN_RECV; i++)
		if (!strcasecmp(word, state_words[i]))
			return SOCK_STATE_BIT(i);
	return 0;
}

uint32_t filter_default_states(bool listening, bool all)
{
	if (all)
		return SOCK_STATES_ALL;
	if (listening)
		return BIT(LISTEN) | BIT(CLOSE);
	return SOCK_STATES_ALL & ~(BIT(LISTEN) | BIT(CLOSE) | BIT(TIME_WAIT) | BIT(SYN_RECV));
}

bool filter_cmp_ports(enum filter_cmp op, uint16_t have, uint16_t want)
{
	switch (op) {
	case FILTER_EQ:
		return have == want;
	case FILTER_NE:
		return have != want;
	case FILTER_LT:
		return have < want;
	case FILTER_GT:
		return have > want;
	case FILTER_LE:
		return have <= want;
	case FILTER_GE:
		return have >= want;
	}
	return false;
}

/* The first bits of a and b are equal (the kernel's bitstring_match). */
static bool bits_match(const uint8_t *a, const uint8_t *b, unsigned int bits)
{
	unsigned int bytes = bits / 8, rest = bits % 8;

	if (memcmp(a, b, bytes))
		return false;
	if (rest) {
		uint8_t mask = (uint8_t)(0xff << (8 - rest));

		return !((a[bytes] ^ b[bytes]) & mask);
	}
	return true;
}

static unsigned int host_bits(const struct filter_host *h)
{
	unsigned int max = h->family == AF_INET ? 32 : h->family == AF_INET6 ? 128 : 0;

	return h->prefix_len < max ? h->prefix_len : max;
}

static bool is_v4_mapped(const uint8_t *a)
{
	static const uint8_t prefix[12] = { [10] = 0xff, [11] = 0xff };

	return !memcmp(a, prefix, sizeof(prefix));
}

/* The socket's address as 16 bytes; IPv4 sockets have zeros after the 4th. */
static void sock_addr16(const struct sock_entry *s, bool local, uint8_t out[16])
{
	memset(out, 0, 16);
	memcpy(out, local ? s->local : s->remote, s->family == AF_INET ? 4 : 16);
}

bool filter_host_match_kernel(const struct filter_host *h, const struct sock_entry *s, bool local)
{
	uint16_t port = local ? s->lport : s->rport;
	unsigned int bits = host_bits(h);
	uint8_t addr[16];

	if (h->family == AF_UNIX || !sock_is_inet(s))
		return false;
	if (h->port != -1 && h->port != port)
		return false;
	if (h->family == AF_UNSPEC)
		return true;
	sock_addr16(s, local, addr);
	if (h->family != s->family)
		return s->family == AF_INET6 && h->family == AF_INET && is_v4_mapped(addr) &&
		       bits_match(addr + 12, h->addr, bits);
	return bits_match(addr, h->addr, bits);
}

/* ss prints abstract names with '@' and compares them as C strings. */
static bool unix_name_match(const char *pattern, const struct sock_entry *s, bool local)
{
	char name[256] = "";

	if (!pattern)
		return true;
	if (local && s->unix_path && s->unix_path_len) {
		size_t len =
			s->unix_path_len < sizeof(name) - 1 ? s->unix_path_len : sizeof(name) - 1;

		memcpy(name, s->unix_path, len);
		name[len] = '\0';
		if (name[0] == '\0')
			name[0] = '@';
	}
	return fnmatch(pattern, name, FNM_CASEFOLD) == 0;
}

/* ss's "port" of a unix socket is its inode (local) or its peer's, as an int. */
static int64_t user_port(const struct sock_entry *s, bool local)
{
	if (sock_is_unix(s))
		return (int32_t)(uint32_t)(local ? s->inode : s->unix_peer_inode);
	return local ? s->lport : s->rport;
}

bool filter_host_match_user(const struct filter_host *h, const struct sock_entry *s, bool local)
{
	unsigned int bits = host_bits(h);
	uint8_t addr[16];

	if (h->family == AF_UNIX)
		return sock_is_unix(s) && unix_name_match(h->unix_path, s, local);
	if (h->port != -1 && h->port != user_port(s, local))
		return false;
	if (h->family == AF_UNSPEC || !bits)
		return true;
	if (!sock_is_inet(s))
		return false;
	/* ss compares the prefix bits without looking at either family. */
	sock_addr16(s, local, addr);
	if (bits_match(addr, h->addr, bits))
		return true;
	return h->family == AF_INET && s->family == AF_INET6 && is_v4_mapped(addr) &&
	       bits_match(addr + 12, h->addr, bits);
}

bool filter_host_match(const struct filter_host *h, const struct sock_entry *s, bool local)
{
	if (!sock_is_inet(s))
		return filter_host_match_user(h, s, local);
	return filter_host_match_kernel(h, s, local) && filter_host_match_user(h, s, local);
}

static bool port_node_match(const struct filter_node *n, const struct sock_entry *s, bool kernel)
{
	bool local = n->kind == FILTER_SPORT;
	int64_t have = kernel ? (local ? s->lport : s->rport) : user_port(s, local);
	int64_t want = n->u.port.wildcard ? (kernel ? 65535 : -1) : n->u.port.port;

	switch (n->u.port.op) {
	case FILTER_EQ:
		return have == want;
	case FILTER_NE:
		return have != want;
	case FILTER_LT:
		return !(have >= want);
	case FILTER_GT:
		return !(have <= want);
	case FILTER_LE:
		return have <= want;
	case FILTER_GE:
		return have >= want;
	}
	return false;
}

static bool autobound_match(const struct filter *f, const struct sock_entry *s)
{
	if (sock_is_unix(s)) {
		const char *p = s->unix_path;

		if (!p || !s->unix_path_len)
			return true;
		if (s->unix_path_len != 6 || (p[0] != '@' && p[0] != '\0'))
			return false;
		for (int i = 1; i < 6; i++)
			if (!strchr("0123456789abcdef", p[i]) || !p[i])
				return false;
		return true;
	}
	return s->lport >= f->ephemeral_lo && s->lport <= f->ephemeral_hi;
}

/* One evaluation of the tree with either the kernel's or ss's user-space leaves. */
static bool eval(const struct filter *f, int idx, const struct sock_entry *s, bool kernel)
{
	const struct filter_node *n;

	if (idx < 0 || (size_t)idx >= f->nr_nodes)
		return false;
	n = &f->nodes[idx];
	switch (n->kind) {
	case FILTER_AND:
		return eval(f, n->u.bin.left, s, kernel) && eval(f, n->u.bin.right, s, kernel);
	case FILTER_OR:
		return eval(f, n->u.bin.left, s, kernel) || eval(f, n->u.bin.right, s, kernel);
	case FILTER_NOT:
		return !eval(f, n->u.child, s, kernel);
	case FILTER_SRC:
	case FILTER_DST:
		return kernel ? filter_host_match_kernel(&n->u.host, s, n->kind == FILTER_SRC) :
				filter_host_match_user(&n->u.host, s, n->kind == FILTER_SRC);
	case FILTER_SPORT:
	case FILTER_DPORT:
		return port_node_match(n, s, kernel);
	case FILTER_DEV:
		return s->ifindex == n->u.ifindex;
	case FILTER_MARK:
		return (s->mark & n->u.mark.mask) == n->u.mark.value;
	case FILTER_AUTOBOUND:
		return autobound_match(f, s);
	}
	return false;
}

bool filter_match_expr(const struct filter *f, const struct sock_entry *s)
{
	if (f->root < 0)
		return true;
	if (sock_is_inet(s) && !eval(f, f->root, s, true))
		return false;
	return eval(f, f->root, s, false);
}

bool filter_match(const struct filter *f, const struct sock_entry *s)
{
	if (f->states_set && !(f->states & SOCK_STATE_BIT(s->state)))
		return false;
	return filter_match_expr(f, s);
}
