// SPDX-License-Identifier: GPL-2.0-or-later
#include "analyze/census.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "base/xalloc.h"

#define NR_PORTS 65536u

static const char *const cs_names[CENSUS_STATES] = {
	"established", "syn_sent", "syn_recv", "time_wait", "close_wait", "other",
};

static const char *const tcp_names[SOCK_ST_MAX] = {
	[SOCK_ST_UNKNOWN] = "unknown",	     [SOCK_ST_ESTABLISHED] = "established",
	[SOCK_ST_SYN_SENT] = "syn_sent",     [SOCK_ST_SYN_RECV] = "syn_recv",
	[SOCK_ST_FIN_WAIT1] = "fin_wait1",   [SOCK_ST_FIN_WAIT2] = "fin_wait2",
	[SOCK_ST_TIME_WAIT] = "time_wait",   [SOCK_ST_CLOSE] = "close",
	[SOCK_ST_CLOSE_WAIT] = "close_wait", [SOCK_ST_LAST_ACK] = "last_ack",
	[SOCK_ST_LISTEN] = "listen",	     [SOCK_ST_CLOSING] = "closing",
	[SOCK_ST_NEW_SYN_RECV] = "syn_recv",
};

enum census_state census_state_of(uint8_t st)
{
	switch (st) {
	case SOCK_ST_ESTABLISHED:
		return CS_ESTABLISHED;
	case SOCK_ST_SYN_SENT:
		return CS_SYN_SENT;
	case SOCK_ST_SYN_RECV:
	case SOCK_ST_NEW_SYN_RECV:
		return CS_SYN_RECV;
	case SOCK_ST_TIME_WAIT:
		return CS_TIME_WAIT;
	case SOCK_ST_CLOSE_WAIT:
		return CS_CLOSE_WAIT;
	default:
		return CS_OTHER;
	}
}

const char *census_state_name(enum census_state s)
{
	return (unsigned)s < CENSUS_STATES ? cs_names[s] : "other";
}

const char *census_tcp_state_name(uint8_t st)
{
	return st < SOCK_ST_MAX ? tcp_names[st] : "unknown";
}

void census_init(struct census *c, uint32_t max_ports, uint32_t max_peers)
{
	memset(c, 0, sizeof(*c));
	c->max_ports = max_ports;
	c->max_peers = max_peers;
	c->port_counts = xcalloc(NR_PORTS, sizeof(*c->port_counts));
	c->port_total = xcalloc(NR_PORTS, sizeof(*c->port_total));
	c->touched = xcalloc(NR_PORTS, sizeof(*c->touched));
	c->listening = xcalloc(NR_PORTS / 8, 1);
	sock_summary_init(&c->sum, 0, 0);
	strbuf_init(&c->labels, 128);
}

void census_release(struct census *c)
{
	sock_summary_release(&c->sum);
	free(c->port_counts);
	free(c->port_total);
	free(c->touched);
	free(c->listening);
	free(c->peers);
	strbuf_release(&c->labels);
	memset(c, 0, sizeof(*c));
}

void census_begin(struct census *c, uint16_t eph_lo, uint16_t eph_hi)
{
	for (uint32_t i = 0; i < c->nr_touched; i++) {
		memset(c->port_counts[c->touched[i]], 0, sizeof(c->port_counts[0]));
		c->port_total[c->touched[i]] = 0;
	}
	c->nr_touched = 0;
	memset(c->listening, 0, NR_PORTS / 8);
	if (c->peers_cap > 1024 && c->nr_peers * 4 < c->peers_cap / 4) {
		free(c->peers);
		c->peers = NULL;
		c->peers_cap = 0;
	} else if (c->peers) {
		memset(c->peers, 0, c->peers_cap * sizeof(*c->peers));
	}
	c->nr_peers = 0;
	c->nr_sockets = 0;
	sock_summary_release(&c->sum);
	sock_summary_init(&c->sum, eph_lo, eph_hi);
}

/* The peer's address as the census keys it: IPv4-mapped IPv6 as IPv4. */
static uint8_t peer_key(const struct sock_entry *e, uint8_t addr[16])
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	memset(addr, 0, 16);
	if (e->family == AF_INET6 && memcmp(e->remote, mapped, 12) == 0) {
		memcpy(addr, e->remote + 12, 4);
		return AF_INET;
	}
	memcpy(addr, e->remote, e->family == AF_INET ? 4 : 16);
	return e->family;
}

static uint64_t peer_hash(uint8_t family, const uint8_t *addr)
{
	uint64_t h = 1469598103934665603ull ^ family;

	for (int i = 0; i < 16; i++)
		h = (h ^ addr[i]) * 1099511628211ull;
	return h ^ (h >> 31);
}

static void peers_grow(struct census *c)
{
	struct census_peer *old = c->peers;
	size_t old_cap = c->peers_cap;

	c->peers_cap = old_cap ? old_cap * 2 : 256;
	c->peers = xcalloc(c->peers_cap, sizeof(*c->peers));
	c->nr_peers = 0;
	for (size_t i = 0; i < old_cap; i++) {
		if (!old[i].family)
			continue;
		size_t mask = c->peers_cap - 1;
		size_t j = peer_hash(old[i].family, old[i].addr) & mask;

		while (c->peers[j].family)
			j = (j + 1) & mask;
		c->peers[j] = old[i];
		c->nr_peers++;
	}
	free(old);
}

static struct census_peer *peer_get(struct census *c, uint8_t family, const uint8_t *addr)
{
	if ((c->nr_peers + 1) * 10 > c->peers_cap * 7)
		peers_grow(c);
	size_t mask = c->peers_cap - 1;
	size_t i = peer_hash(family, addr) & mask;

	for (; c->peers[i].family; i = (i + 1) & mask)
		if (c->peers[i].family == family && memcmp(c->peers[i].addr, addr, 16) == 0)
			return &c->peers[i];
	c->peers[i].family = family;
	memcpy(c->peers[i].addr, addr, 16);
	c->nr_peers++;
	return &c->peers[i];
}

static bool has_peer(const struct sock_entry *e)
{
	static const uint8_t zero[16];

	return e->rport != 0 || memcmp(e->remote, zero, 16) != 0;
}

void census_add(struct census *c, const struct sock_entry *e)
{
	c->nr_sockets++;
	sock_summary_add(&c->sum, e);
	if (e->proto != PROTO_TCP)
		return;
	if (e->state == SOCK_ST_LISTEN) {
		c->listening[e->lport / 8] |= (uint8_t)(1u << (e->lport % 8));
		return;
	}
	enum census_state cs = census_state_of(e->state);

	if (!c->port_total[e->lport])
		c->touched[c->nr_touched++] = e->lport;
	c->port_counts[e->lport][cs]++;
	c->port_total[e->lport]++;
	if (has_peer(e)) {
		uint8_t addr[16];
		uint8_t fam = peer_key(e, addr);
		struct census_peer *p = peer_get(c, fam, addr);

		p->counts[cs]++;
		p->total++;
	}
}

struct port_rank {
	uint16_t port;
	uint64_t total;
};

static int cmp_port_rank(const void *a, const void *b)
{
	const struct port_rank *x = a, *y = b;

	if (x->total != y->total)
		return x->total > y->total ? -1 : 1;
	return (int)x->port - (int)y->port;
}

static int cmp_peer_rank(const void *a, const void *b)
{
	const struct census_peer *x = *(const struct census_peer *const *)a;
	const struct census_peer *y = *(const struct census_peer *const *)b;

	if (x->total != y->total)
		return x->total > y->total ? -1 : 1;
	if (x->family != y->family)
		return (int)x->family - (int)y->family;
	return memcmp(x->addr, y->addr, 16);
}

static void emit_states(struct census *c, struct series_table *t, enum metric_family_id id,
			const char *key, const char *value, const uint64_t counts[CENSUS_STATES])
{
	for (int s = 0; s < CENSUS_STATES; s++) {
		strbuf_reset(&c->labels);
		metric_labels_add(&c->labels, key, value);
		metric_labels_add(&c->labels, "state", cs_names[s]);
		series_table_set(t, &metric_families[id], c->labels.buf, (double)counts[s], NULL);
	}
}

static void emit_one(struct census *c, struct series_table *t, enum metric_family_id id,
		     const char *key, const char *value, double v)
{
	strbuf_reset(&c->labels);
	metric_labels_add(&c->labels, key, value);
	series_table_set(t, &metric_families[id], c->labels.buf, v, NULL);
}

/* Listening ports, unique, best first; returns how many (*out: free()). */
static size_t rank_listening(struct census *c, struct port_rank **out)
{
	size_t n = 0;
	struct port_rank *r = xcalloc(c->sum.nr_listeners + 1, sizeof(*r));

	for (size_t i = 0; i < c->sum.nr_listeners; i++) {
		uint16_t p = c->sum.listeners[i].port;

		if (!(c->listening[p / 8] & (1u << (p % 8))))
			continue;
		c->listening[p / 8] &= (uint8_t) ~(1u << (p % 8)); /* once per port */
		r[n].port = p;
		r[n++].total = c->port_total[p];
	}
	for (size_t i = 0; i < n; i++) /* restore the bitmap */
		c->listening[r[i].port / 8] |= (uint8_t)(1u << (r[i].port % 8));
	qsort(r, n, sizeof(*r), cmp_port_rank);
	*out = r;
	return n;
}

static void emit_ports(struct census *c, struct series_table *t)
{
	struct port_rank *r;
	size_t n = rank_listening(c, &r), tracked = n < c->max_ports ? n : c->max_ports;
	uint64_t other[CENSUS_STATES] = { 0 }, counts[CENSUS_STATES];
	uint64_t q_other = 0, b_other = 0;
	char buf[8];

	for (size_t i = 0; i < tracked; i++) {
		for (int s = 0; s < CENSUS_STATES; s++)
			counts[s] = c->port_counts[r[i].port][s];
		snprintf(buf, sizeof(buf), "%u", r[i].port);
		emit_states(c, t, MF_TCP_PORT_SOCKETS, "port", buf, counts);
		c->port_total[r[i].port] |= 1ull << 63; /* tracked, for the sums below */
	}
	for (uint32_t i = 0; i < c->nr_touched; i++) {
		uint16_t p = c->touched[i];

		if (c->port_total[p] >> 63)
			continue;
		for (int s = 0; s < CENSUS_STATES; s++)
			other[s] += c->port_counts[p][s];
	}
	emit_states(c, t, MF_TCP_PORT_SOCKETS, "port", "other", other);

	/* Accept queues: the tracked ports' listeners summed per port, the rest in "other". */
	for (size_t i = 0; i < tracked; i++) {
		uint64_t q = 0, b = 0;

		for (size_t j = 0; j < c->sum.nr_listeners; j++) {
			if (c->sum.listeners[j].port != r[i].port)
				continue;
			q += c->sum.listeners[j].queue_len;
			b += c->sum.listeners[j].backlog;
		}
		snprintf(buf, sizeof(buf), "%u", r[i].port);
		emit_one(c, t, MF_LISTEN_QUEUE, "port", buf, (double)q);
		emit_one(c, t, MF_LISTEN_BACKLOG, "port", buf, (double)b);
	}
	for (size_t j = 0; j < c->sum.nr_listeners; j++) {
		if (c->port_total[c->sum.listeners[j].port] >> 63)
			continue;
		q_other += c->sum.listeners[j].queue_len;
		b_other += c->sum.listeners[j].backlog;
	}
	if (n > tracked) {
		emit_one(c, t, MF_LISTEN_QUEUE, "port", "other", (double)q_other);
		emit_one(c, t, MF_LISTEN_BACKLOG, "port", "other", (double)b_other);
	}
	for (size_t i = 0; i < tracked; i++)
		c->port_total[r[i].port] &= ~(1ull << 63);
	free(r);
}

static void addr_text(char *buf, size_t size, uint8_t family, const uint8_t *addr)
{
	if (!inet_ntop(family, addr, buf, (socklen_t)size))
		snprintf(buf, size, "?");
}

static void emit_peers(struct census *c, struct series_table *t)
{
	struct census_peer **v = xcalloc(c->nr_peers + 1, sizeof(*v));
	size_t n = 0;
	uint64_t counts[CENSUS_STATES], other[CENSUS_STATES] = { 0 };
	char buf[INET6_ADDRSTRLEN];

	for (size_t i = 0; i < c->peers_cap; i++)
		if (c->peers[i].family)
			v[n++] = &c->peers[i];
	qsort(v, n, sizeof(*v), cmp_peer_rank);
	for (size_t i = 0; i < n; i++) {
		for (int s = 0; s < CENSUS_STATES; s++)
			counts[s] = v[i]->counts[s];
		if (i >= c->max_peers) {
			for (int s = 0; s < CENSUS_STATES; s++)
				other[s] += counts[s];
			continue;
		}
		addr_text(buf, sizeof(buf), v[i]->family, v[i]->addr);
		emit_states(c, t, MF_TCP_PEER_SOCKETS, "addr", buf, counts);
	}
	emit_states(c, t, MF_TCP_PEER_SOCKETS, "addr", "other", other);
	free(v);
}

static void emit_totals(struct census *c, struct series_table *t)
{
	static const char *const fam_names[2] = { "ipv4", "ipv6" };

	for (uint8_t st = SOCK_ST_ESTABLISHED; st <= SOCK_ST_CLOSING; st++)
		emit_one(c, t, MF_TCP_SOCKETS, "state", tcp_names[st],
			 (double)c->sum.tcp_states[st]);
	for (int p = 0; p < PROTO_MAX; p++) {
		bool is_unix = p != PROTO_TCP && p != PROTO_UDP && p != PROTO_RAW;

		for (int f = 0; f < (is_unix ? 1 : 2); f++) {
			strbuf_reset(&c->labels);
			metric_labels_add(&c->labels, "proto", sock_proto_name((enum sock_proto)p));
			metric_labels_add(&c->labels, "family", is_unix ? "unix" : fam_names[f]);
			series_table_set(t, &metric_families[MF_SOCKETS], c->labels.buf,
					 (double)c->sum.by_proto[p][f], NULL);
		}
	}
}

static void emit_ephemeral(struct census *c, struct series_table *t)
{
	struct sock_peer_count *top = NULL;
	size_t n = sock_summary_top(&c->sum.eph, c->max_peers, &top);
	char addr[INET6_ADDRSTRLEN], dest[INET6_ADDRSTRLEN + 16];

	for (size_t i = 0; i < n; i++) {
		addr_text(addr, sizeof(addr), top[i].family, top[i].addr);
		if (top[i].family == AF_INET6)
			snprintf(dest, sizeof(dest), "[%s]:%u", addr, top[i].port);
		else
			snprintf(dest, sizeof(dest), "%s:%u", addr, top[i].port);
		emit_one(c, t, MF_EPHEMERAL_PORTS_USED, "dest", dest, (double)top[i].count);
	}
	free(top);
}

void census_emit(struct census *c, struct series_table *t)
{
	emit_totals(c, t);
	emit_ports(c, t);
	emit_peers(c, t);
	emit_ephemeral(c, t);
}
