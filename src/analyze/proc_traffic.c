// SPDX-License-Identifier: GPL-2.0-or-later
#include "analyze/proc_traffic.h"

#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/if_packet.h>
#include <linux/inet_diag.h>

#include "base/xalloc.h"

/* Compaction of dead sockets starts at this many, and when they are half the table. */
#define PT_COMPACT_MIN 1024

static void copy_str(char *dst, size_t cap, const char *src)
{
	size_t len = strnlen(src, cap - 1);

	memcpy(dst, src, len);
	dst[len] = '\0';
}

static uint32_t add_proc(struct proc_traffic *pt, int32_t pid)
{
	struct pt_proc *p;

	ALLOC_GROW(pt->procs, pt->nr_procs + 1, pt->alloc_procs);
	p = &pt->procs[pt->nr_procs];
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	return (uint32_t)pt->nr_procs++;
}

void proc_traffic_init(struct proc_traffic *pt)
{
	memset(pt, 0, sizeof(*pt));
	u64map_init(&pt->by_pid);
	u64map_init(&pt->by_cookie);
	u64map_init(&pt->owners);
	u64map_init(&pt->by_tuple);
	u64map_init(&pt->by_pending);
	u64map_init(&pt->wanted);
	add_proc(pt, -1);
	copy_str(pt->procs[0].comm, PT_COMM_LEN, "unattributed");
}

void proc_traffic_release(struct proc_traffic *pt)
{
	free(pt->procs);
	free(pt->socks);
	free(pt->tuples);
	free(pt->pending);
	free(pt->locals);
	u64map_release(&pt->by_pid);
	u64map_release(&pt->by_cookie);
	u64map_release(&pt->owners);
	u64map_release(&pt->by_tuple);
	u64map_release(&pt->by_pending);
	u64map_release(&pt->wanted);
	memset(pt, 0, sizeof(*pt));
}

/* Drops dead sockets that hold no bytes; indices change, so tuples must be empty. */
static void compact(struct proc_traffic *pt)
{
	size_t j = 0;

	u64map_reset(&pt->by_cookie);
	for (size_t i = 0; i < pt->nr_socks; i++) {
		struct pt_sock *s = &pt->socks[i];

		if (s->dead && !s->pend_tx_bytes && !s->pend_rx_bytes)
			continue;
		pt->socks[j] = *s;
		*u64map_upsert(&pt->by_cookie, s->cookie, NULL) = j + 1;
		j++;
	}
	pt->nr_socks = j;
	pt->nr_dead = 0;
}

void proc_traffic_begin_tick_nodump(struct proc_traffic *pt)
{
	pt->gen++;
	pt->settled = false;
	pt->no_dump = true;
}

void proc_traffic_begin_tick(struct proc_traffic *pt)
{
	pt->gen++;
	pt->settled = false;
	pt->no_dump = false;
	pt->nr_tuples = 0;
	u64map_reset(&pt->by_tuple);
	if (pt->nr_dead >= PT_COMPACT_MIN && pt->nr_dead * 2 >= pt->nr_socks)
		compact(pt);
}

/* ---- tuples ---- */

static const uint8_t v4mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

/* IPv4-mapped IPv6 addresses become IPv4, so v4 packets find dual-stack sockets. */
static uint8_t norm_addr(uint8_t *dst, const uint8_t *src, uint8_t family)
{
	memset(dst, 0, 16);
	if (family == AF_INET6 && !memcmp(src, v4mapped_prefix, 12)) {
		memcpy(dst, src + 12, 4);
		return AF_INET;
	}
	memcpy(dst, src, family == AF_INET ? 4 : 16);
	return family;
}

static uint64_t tuple_hash(const struct pt_tuple *t)
{
	uint64_t h = ((uint64_t)t->proto << 48) ^ ((uint64_t)t->family << 40) ^
		     ((uint64_t)t->lport << 16) ^ t->rport;
	uint64_t w;

	for (int i = 0; i < 16; i += 8) {
		memcpy(&w, t->local + i, 8);
		h = u64_hash(h ^ w);
		memcpy(&w, t->remote + i, 8);
		h = u64_hash(h ^ (w * 31));
	}
	return h;
}

static bool tuple_eq(const struct pt_tuple *a, const struct pt_tuple *b)
{
	return a->proto == b->proto && a->family == b->family && a->lport == b->lport &&
	       a->rport == b->rport && !memcmp(a->local, b->local, 16) &&
	       !memcmp(a->remote, b->remote, 16);
}

static void add_tuple(struct proc_traffic *pt, const struct sock_entry *s, uint8_t proto,
		      uint32_t sock)
{
	struct pt_tuple *t;
	uint64_t *head;
	bool inserted;

	ALLOC_GROW(pt->tuples, pt->nr_tuples + 1, pt->alloc_tuples);
	t = &pt->tuples[pt->nr_tuples];
	memset(t, 0, sizeof(*t));
	t->proto = proto;
	t->family = norm_addr(t->local, s->local, s->family);
	norm_addr(t->remote, s->remote, s->family);
	t->lport = s->lport;
	t->rport = s->rport;
	if (!t->rport) /* unconnected UDP, listeners: any peer */
		memset(t->remote, 0, 16);
	t->sock = sock;
	head = u64map_upsert(&pt->by_tuple, tuple_hash(t), &inserted);
	/* Append at the end of the chain: the first socket of a tuple wins. */
	if (inserted) {
		*head = pt->nr_tuples + 1;
	} else {
		struct pt_tuple *c = &pt->tuples[*head - 1];

		while (c->next)
			c = &pt->tuples[c->next - 1];
		c->next = (uint32_t)pt->nr_tuples + 1;
	}
	pt->nr_tuples++;
}

static struct pt_sock *find_tuple(struct proc_traffic *pt, const struct pt_tuple *key)
{
	uint64_t *head = u64map_get(&pt->by_tuple, tuple_hash(key));

	for (uint32_t i = head ? (uint32_t)*head : 0; i; i = pt->tuples[i - 1].next)
		if (tuple_eq(&pt->tuples[i - 1], key))
			return &pt->socks[pt->tuples[i - 1].sock];
	return NULL;
}

/* The socket whose local end is (la, lp) and peer (ra, rp): exact, bound, then wildcard. */
static struct pt_sock *match(struct proc_traffic *pt, uint8_t proto, uint8_t family,
			     const uint8_t *la, uint16_t lp, const uint8_t *ra, uint16_t rp)
{
	struct pt_tuple k;
	struct pt_sock *s;

	memset(&k, 0, sizeof(k));
	k.proto = proto;
	k.family = norm_addr(k.local, la, family);
	norm_addr(k.remote, ra, family);
	k.lport = lp;
	k.rport = rp;
	if ((s = find_tuple(pt, &k)) != NULL)
		return s;
	memset(k.remote, 0, 16);
	k.rport = 0;
	if ((s = find_tuple(pt, &k)) != NULL)
		return s;
	memset(k.local, 0, 16);
	if ((s = find_tuple(pt, &k)) != NULL)
		return s;
	/* A dual-stack socket bound to [::] takes IPv4 too. */
	if (k.family == AF_INET) {
		k.family = AF_INET6;
		return find_tuple(pt, &k);
	}
	return NULL;
}

/* ---- sockets ---- */

static bool has_byte_counters(const struct sock_entry *s)
{
	return (s->has & SOCK_HAS_INFO) &&
	       s->tcpi_len >= offsetof(struct tcp_info, tcpi_bytes_received) +
				      sizeof(s->tcpi.tcpi_bytes_received);
}

static uint64_t delta(uint64_t now, uint64_t last)
{
	return now >= last ? now - last : 0;
}

void proc_traffic_add_sock(struct proc_traffic *pt, const struct sock_entry *s, bool with_counters)
{
	uint8_t proto;
	uint64_t *slot;
	struct pt_sock *e;
	bool inserted;

	if (s->proto == PROTO_TCP)
		proto = PT_TCP;
	else if (s->proto == PROTO_UDP)
		proto = PT_UDP;
	else
		return;
	if (!s->cookie || (s->family != AF_INET && s->family != AF_INET6))
		return;
	slot = u64map_upsert(&pt->by_cookie, s->cookie, &inserted);
	if (inserted) {
		ALLOC_GROW(pt->socks, pt->nr_socks + 1, pt->alloc_socks);
		*slot = pt->nr_socks + 1;
		e = &pt->socks[pt->nr_socks++];
		memset(e, 0, sizeof(*e));
		e->cookie = s->cookie;
		e->proto = proto;
		/* First tick: a baseline.  Later: born since the last tick, count from 0. */
		if (with_counters && has_byte_counters(s) && (pt->gen <= 1 || pt->force_baseline)) {
			e->last_tx_bytes = s->tcpi.tcpi_bytes_acked;
			e->last_rx_bytes = s->tcpi.tcpi_bytes_received;
		}
	} else {
		e = &pt->socks[*slot - 1];
		if (e->dead) {
			e->dead = false;
			pt->nr_dead--;
		}
	}
	e->lport = s->lport;
	e->rport = s->rport;
	/* Orphans (closed by their process) report inode 0: keep what we knew. */
	if (s->inode)
		e->inode = s->inode;
	e->gen = pt->gen;
	if (with_counters && has_byte_counters(s)) {
		uint64_t dtx = delta(s->tcpi.tcpi_bytes_acked, e->last_tx_bytes);
		uint64_t drx = delta(s->tcpi.tcpi_bytes_received, e->last_rx_bytes);

		if (dtx || drx)
			e->active_gen = pt->gen;
		e->pend_tx_bytes += dtx;
		e->pend_rx_bytes += drx;
		e->last_tx_bytes = s->tcpi.tcpi_bytes_acked;
		e->last_rx_bytes = s->tcpi.tcpi_bytes_received;
	}
	if (!with_counters)
		add_tuple(pt, s, proto, (uint32_t)(e - pt->socks));
}

/* ---- packets ---- */

void proc_traffic_clear_locals(struct proc_traffic *pt)
{
	pt->nr_locals = 0;
}

void proc_traffic_add_local(struct proc_traffic *pt, int family, const uint8_t *addr)
{
	uint8_t *l;

	ALLOC_GROW(pt->locals, pt->nr_locals + 1, pt->alloc_locals);
	l = pt->locals[pt->nr_locals++];
	l[0] = norm_addr(l + 1, addr, (uint8_t)family);
}

static bool is_local(const struct proc_traffic *pt, uint8_t family, const uint8_t *addr)
{
	uint8_t a[16];
	uint8_t fam = norm_addr(a, addr, family);

	for (size_t i = 0; i < pt->nr_locals; i++)
		if (pt->locals[i][0] == fam && !memcmp(pt->locals[i] + 1, a, 16))
			return true;
	return false;
}

/* Sent, received, or unknown, from the capture's word or else from the addresses. */
static enum pt_side packet_side(const struct proc_traffic *pt, const struct pkt_info *p)
{
	bool src, dst;

	if (p->direction == PACKET_OUTGOING)
		return PT_SIDE_TX;
	if (p->direction >= 0)
		return PT_SIDE_RX;
	if (!p->family)
		return PT_SIDE_EITHER;
	src = is_local(pt, p->family, p->src);
	dst = is_local(pt, p->family, p->dst);
	if (src != dst)
		return src ? PT_SIDE_TX : PT_SIDE_RX;
	return PT_SIDE_EITHER;
}

static void unattributed(struct proc_traffic *pt, bool tx, uint64_t bytes)
{
	if (tx)
		pt->unatt_tx_bytes += bytes;
	else
		pt->unatt_rx_bytes += bytes;
}

/* Tries one orientation; true when a socket took the bytes. */
static bool account_side(struct proc_traffic *pt, const struct pkt_info *p, uint8_t proto, bool tx,
			 uint64_t bytes)
{
	struct pt_sock *s;

	if (tx)
		s = match(pt, proto, p->family, p->src, p->sport, p->dst, p->dport);
	else
		s = match(pt, proto, p->family, p->dst, p->dport, p->src, p->sport);
	if (!s)
		return false;
	if (tx)
		s->pend_tx_bytes += bytes;
	else
		s->pend_rx_bytes += bytes;
	return true;
}

static bool account(struct proc_traffic *pt, const struct pkt_info *p, uint8_t proto,
		    enum pt_side side, uint64_t bytes)
{
	if (side == PT_SIDE_EITHER)
		return account_side(pt, p, proto, true, bytes) ||
		       account_side(pt, p, proto, false, bytes);
	return account_side(pt, p, proto, side == PT_SIDE_TX, bytes);
}

static void hold(struct proc_traffic *pt, const struct pkt_info *p, enum pt_side side,
		 uint64_t bytes)
{
	struct pt_tuple k;
	uint64_t *slot;
	bool inserted;

	memset(&k, 0, sizeof(k));
	k.proto = p->l4proto;
	k.family = p->family;
	memcpy(k.local, p->src, 16);
	memcpy(k.remote, p->dst, 16);
	k.lport = p->sport;
	k.rport = p->dport;
	if (pt->nr_pending >= PT_MAX_PENDING) {
		unattributed(pt, side == PT_SIDE_TX, bytes);
		return;
	}
	slot = u64map_upsert(&pt->by_pending, tuple_hash(&k) * 3 + side, &inserted);
	if (!inserted) {
		pt->pending[*slot - 1].bytes += bytes;
		return;
	}
	ALLOC_GROW(pt->pending, pt->nr_pending + 1, pt->alloc_pending);
	pt->pending[pt->nr_pending] =
		(struct pt_pending){ .pkt = *p, .bytes = bytes, .side = side };
	*slot = ++pt->nr_pending;
}

void proc_traffic_packet(struct proc_traffic *pt, const struct pkt_info *p)
{
	enum pt_side side = packet_side(pt, p);
	uint8_t proto;

	pt->nr_packets++;
	if (!p->family || !p->has_ports ||
	    (p->l4proto != IPPROTO_TCP && p->l4proto != IPPROTO_UDP)) {
		unattributed(pt, side == PT_SIDE_TX, p->wire_len);
		return;
	}
	proto = p->l4proto == IPPROTO_TCP ? PT_TCP : PT_UDP;
	if (pt->loopback) {
		/* Both ends are ours: one packet is one process's sent, another's received. */
		if (!account_side(pt, p, proto, true, p->wire_len))
			hold(pt, p, PT_SIDE_TX, p->wire_len);
		if (!account_side(pt, p, proto, false, p->wire_len))
			hold(pt, p, PT_SIDE_RX, p->wire_len);
		return;
	}
	if (!account(pt, p, proto, side, p->wire_len))
		hold(pt, p, side, p->wire_len);
}

/* ---- owners ---- */

static void want_owner(struct proc_traffic *pt, struct pt_sock *s)
{
	uint64_t *o, *w;
	bool inserted;

	if (s->proc || (!s->pend_tx_bytes && !s->pend_rx_bytes) || !s->inode)
		return;
	o = u64map_get(&pt->owners, s->inode);
	if (o) {
		s->proc = (uint32_t)*o;
		return;
	}
	w = u64map_upsert(&pt->wanted, s->inode, &inserted);
	if (inserted) {
		*w = 1;
		pt->nr_wanted++;
	}
}

size_t proc_traffic_settle(struct proc_traffic *pt)
{
	if (pt->settled)
		return pt->nr_wanted;
	pt->settled = true;
	for (size_t i = 0; i < pt->nr_pending; i++) {
		const struct pt_pending *h = &pt->pending[i];
		uint8_t proto = h->pkt.l4proto == IPPROTO_TCP ? PT_TCP : PT_UDP;

		if (!account(pt, &h->pkt, proto, h->side, h->bytes))
			unattributed(pt, h->side == PT_SIDE_TX, h->bytes);
	}
	pt->nr_pending = 0;
	u64map_reset(&pt->by_pending);
	u64map_reset(&pt->wanted);
	pt->nr_wanted = 0;
	for (size_t i = 0; i < pt->nr_socks; i++)
		want_owner(pt, &pt->socks[i]);
	return pt->nr_wanted;
}

size_t proc_traffic_nr_unowned(const struct proc_traffic *pt)
{
	return pt->nr_wanted;
}

void proc_traffic_set_owner(struct proc_traffic *pt, uint64_t inode, int32_t pid, uint32_t uid,
			    const char *comm, const char *command)
{
	uint64_t *slot = u64map_upsert(&pt->by_pid, (uint64_t)(uint32_t)pid, NULL);
	uint64_t *w;
	struct pt_proc *p;

	if (!*slot)
		*slot = add_proc(pt, pid);
	p = &pt->procs[*slot];
	p->uid = uid;
	p->exited = false;
	if (comm)
		copy_str(p->comm, PT_COMM_LEN, comm);
	if (command)
		copy_str(p->command, PT_CMD_LEN, command);
	*u64map_upsert(&pt->owners, inode, NULL) = *slot;
	w = u64map_get(&pt->wanted, inode);
	if (w && *w) {
		*w = 0;
		pt->nr_wanted--;
	}
}

void proc_traffic_reset_owners(struct proc_traffic *pt)
{
	u64map_reset(&pt->owners);
}

void proc_traffic_set_exited(struct proc_traffic *pt, int32_t pid)
{
	uint64_t *slot = u64map_get(&pt->by_pid, (uint64_t)(uint32_t)pid);

	if (slot && *slot)
		pt->procs[*slot].exited = true;
}

/* ---- the tick's end ---- */

static void give(struct proc_traffic *pt, struct pt_sock *s)
{
	struct pt_proc *p;

	if (!s->proc && s->inode) {
		uint64_t *o = u64map_get(&pt->owners, s->inode);

		if (o)
			s->proc = (uint32_t)*o;
	}
	if (!s->pend_tx_bytes && !s->pend_rx_bytes)
		return;
	if (!s->proc && !s->owner_tried) {
		s->owner_tried = true;
		pt->nr_unowned++;
	}
	p = &pt->procs[s->proc];
	p->tick_tx_bytes += s->pend_tx_bytes;
	p->tick_rx_bytes += s->pend_rx_bytes;
	p->tx_bytes[s->proto] += s->pend_tx_bytes;
	p->rx_bytes[s->proto] += s->pend_rx_bytes;
	s->pend_tx_bytes = s->pend_rx_bytes = 0;
}

void proc_traffic_end_tick(struct proc_traffic *pt, uint64_t interval_ns)
{
	double sec = (double)interval_ns / 1e9;
	struct pt_proc *u = &pt->procs[0];

	proc_traffic_settle(pt);
	for (size_t i = 0; i < pt->nr_procs; i++) {
		pt->procs[i].tick_tx_bytes = pt->procs[i].tick_rx_bytes = 0;
		pt->procs[i].nr_sockets = 0;
	}
	/* The unattributed row keeps packets without a socket in its TCP slot. */
	u->tick_tx_bytes = pt->unatt_tx_bytes;
	u->tick_rx_bytes = pt->unatt_rx_bytes;
	u->tx_bytes[PT_TCP] += pt->unatt_tx_bytes;
	u->rx_bytes[PT_TCP] += pt->unatt_rx_bytes;
	pt->unatt_tx_bytes = pt->unatt_rx_bytes = 0;
	for (size_t i = 0; i < pt->nr_socks; i++) {
		struct pt_sock *s = &pt->socks[i];

		give(pt, s);
		if (s->gen != pt->gen && !s->dead && !pt->no_dump) {
			s->dead = true;
			pt->nr_dead++;
		}
		if (!s->dead && s->proc)
			pt->procs[s->proc].nr_sockets++;
	}
	for (size_t i = 0; i < pt->nr_procs; i++) {
		struct pt_proc *p = &pt->procs[i];

		p->tx_bytes_per_s = sec > 0 ? (double)p->tick_tx_bytes / sec : 0;
		p->rx_bytes_per_s = sec > 0 ? (double)p->tick_rx_bytes / sec : 0;
	}
}

/* ---- reading ---- */

uint64_t pt_proc_tx_bytes(const struct pt_proc *p)
{
	return p->tx_bytes[PT_TCP] + p->tx_bytes[PT_UDP];
}

uint64_t pt_proc_rx_bytes(const struct pt_proc *p)
{
	return p->rx_bytes[PT_TCP] + p->rx_bytes[PT_UDP];
}

static int cmp_procs(const struct pt_proc *a, const struct pt_proc *b)
{
	double ra = a->tx_bytes_per_s + a->rx_bytes_per_s;
	double rb = b->tx_bytes_per_s + b->rx_bytes_per_s;
	uint64_t ta = pt_proc_tx_bytes(a) + pt_proc_rx_bytes(a);
	uint64_t tb = pt_proc_tx_bytes(b) + pt_proc_rx_bytes(b);

	if (ra != rb)
		return ra > rb ? -1 : 1;
	if (ta != tb)
		return ta > tb ? -1 : 1;
	return (a->pid > b->pid) - (a->pid < b->pid);
}

size_t proc_traffic_sorted(const struct proc_traffic *pt, uint32_t *order)
{
	size_t n = 0;

	for (size_t i = 1; i < pt->nr_procs; i++) {
		const struct pt_proc *p = &pt->procs[i];
		size_t j;

		if (!pt_proc_tx_bytes(p) && !pt_proc_rx_bytes(p))
			continue;
		/* Insertion sort: a few hundred busy processes at most per screen. */
		for (j = n; j > 0 && cmp_procs(p, &pt->procs[order[j - 1]]) < 0; j--)
			order[j] = order[j - 1];
		order[j] = (uint32_t)i;
		n++;
	}
	return n;
}

/* ---- hot-socket bytecode ---- */

size_t proc_traffic_nr_live(const struct proc_traffic *pt)
{
	return pt->nr_socks - pt->nr_dead;
}

/* The program under construction: ops whose "no" is an absolute offset until fixed up. */
struct bc_build {
	struct inet_diag_bc_op *ops;
	int32_t *target; /* per op: absolute target of "no", BC_ACCEPT/BC_REJECT, or -3 for port
			    words */
	size_t nr, alloc;
};

#define BC_ACCEPT (-1)
#define BC_REJECT (-2)
#define BC_PORTW  (-3)
#define BC_LEAF	  8 /* pairs tested one by one below this */

static size_t bc_emit(struct bc_build *b, uint8_t code, int32_t target)
{
	ALLOC_GROW(b->ops, b->nr + 1, b->alloc);
	b->target = xreallocarray(b->target, b->alloc, sizeof(*b->target));
	b->ops[b->nr] = (struct inet_diag_bc_op){ .code = code, .yes = 4 };
	b->target[b->nr] = target;
	return b->nr++;
}

/* A port comparison is two ops: the test, then a word holding the port in "no". */
static size_t bc_port(struct bc_build *b, uint8_t code, uint16_t port, int32_t target)
{
	size_t i = bc_emit(b, code, target);

	b->ops[i].yes = 8;
	bc_emit(b, INET_DIAG_BC_NOP, BC_PORTW);
	b->ops[i + 1].yes = 0;
	b->ops[i + 1].no = port;
	return i;
}

static int32_t bc_here(const struct bc_build *b)
{
	return (int32_t)(b->nr * 4);
}

/* keys: (lport << 16 | rport), sorted, unique.  Remote ports of one local port. */
static void bc_rports(struct bc_build *b, const uint32_t *k, size_t n)
{
	size_t test, split;

	if (n <= BC_LEAF) {
		for (size_t i = 0; i < n; i++) {
			test = bc_port(b, INET_DIAG_BC_D_EQ, (uint16_t)k[i], BC_REJECT);
			bc_emit(b, INET_DIAG_BC_JMP, BC_ACCEPT);
			if (i + 1 < n)
				b->target[test] = bc_here(b);
		}
		return;
	}
	split = n / 2;
	test = bc_port(b, INET_DIAG_BC_D_GE, (uint16_t)k[split], BC_REJECT);
	bc_rports(b, k + split, n - split);
	b->target[test] = bc_here(b);
	bc_rports(b, k, split);
}

static void bc_lports(struct bc_build *b, const uint32_t *k, size_t n)
{
	size_t split = n / 2, test;

	if ((k[0] >> 16) == (k[n - 1] >> 16)) {
		bc_port(b, INET_DIAG_BC_S_EQ, (uint16_t)(k[0] >> 16), BC_REJECT);
		bc_rports(b, k, n);
		return;
	}
	/* Split where the local port changes, so both halves are non-empty. */
	while (split > 0 && (k[split - 1] >> 16) == (k[split] >> 16))
		split--;
	if (split == 0)
		while ((k[split] >> 16) == (k[0] >> 16))
			split++;
	test = bc_port(b, INET_DIAG_BC_S_GE, (uint16_t)(k[split] >> 16), BC_REJECT);
	bc_lports(b, k + split, n - split);
	b->target[test] = bc_here(b);
	bc_lports(b, k, split);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

int proc_traffic_hot_bytecode(const struct proc_traffic *pt, uint32_t hot_ticks, size_t max_pairs,
			      uint8_t **code, size_t *len)
{
	struct bc_build b = { 0 };
	uint32_t *keys = NULL;
	size_t n = 0, alloc = 0, u = 0, total;

	*code = NULL;
	*len = 0;
	for (size_t i = 0; i < pt->nr_socks; i++) {
		const struct pt_sock *s = &pt->socks[i];

		if (s->dead || !s->active_gen || pt->gen - s->active_gen >= hot_ticks)
			continue;
		ALLOC_GROW(keys, n + 1, alloc);
		keys[n++] = (uint32_t)s->lport << 16 | s->rport;
	}
	if (n)
		qsort(keys, n, sizeof(*keys), cmp_u32);
	for (size_t i = 0; i < n; i++)
		if (!u || keys[u - 1] != keys[i])
			keys[u++] = keys[i];
	if (u > max_pairs) {
		free(keys);
		return -E2BIG;
	}
	if (u) {
		bc_lports(&b, keys, u);
		total = b.nr * 4;
		/* "no" offsets are relative; accept lands exactly at the end, reject 4 past it. */
		for (size_t i = 0; i < b.nr; i++) {
			int32_t t = b.target[i], at = (int32_t)(i * 4);

			if (t == BC_PORTW)
				continue;
			t = t == BC_ACCEPT ? (int32_t)total :
			    t == BC_REJECT ? (int32_t)total + 4 :
					     t;
			b.ops[i].no = (uint16_t)(t - at);
		}
		*code = (uint8_t *)b.ops;
		*len = total;
	}
	free(b.target);
	free(keys);
	return (int)u;
}
