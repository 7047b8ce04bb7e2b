// SPDX-License-Identifier: GPL-2.0-or-later
#include "analyze/pair_bytes.h"

#include <arpa/inet.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "base/xalloc.h"

struct pair_acc {
	uint8_t family;
	uint8_t local[16], remote[16];
	uint64_t bytes;
};

void pair_bytes_init(struct pair_bytes *pb, double floor_bytes_per_s)
{
	memset(pb, 0, sizeof(*pb));
	sock_bytes_init(&pb->socks);
	u64map_init(&pb->idx);
	pb->floor_bytes_per_s =
		floor_bytes_per_s > 0 ? floor_bytes_per_s : PAIR_BYTES_DEFAULT_FLOOR;
}

void pair_bytes_release(struct pair_bytes *pb)
{
	sock_bytes_release(&pb->socks);
	u64map_release(&pb->idx);
	free(pb->acc);
	free(pb->ifaces);
	memset(pb, 0, sizeof(*pb));
}

void pair_bytes_set_ifaces(struct pair_bytes *pb, const struct addr_iface *v, size_t nr)
{
	free(pb->ifaces);
	pb->ifaces = nr ? xcalloc(nr, sizeof(*v)) : NULL;
	if (nr)
		memcpy(pb->ifaces, v, nr * sizeof(*v));
	pb->nr_ifaces = nr;
}

static bool has_byte_counters(const struct sock_entry *e)
{
	return (e->has & SOCK_HAS_INFO) &&
	       e->tcpi_len >= offsetof(struct tcp_info, tcpi_bytes_received) +
				      sizeof(e->tcpi.tcpi_bytes_received);
}

void pair_bytes_add_sock(struct pair_bytes *pb, const struct sock_entry *e)
{
	uint64_t dtx, drx;

	/* LISTEN, SYN_RECV and TIME_WAIT carry no byte counters (as agent_procs) */
	if (e->proto != PROTO_TCP || !has_byte_counters(e) || !e->cookie ||
	    e->state == SOCK_ST_LISTEN || e->state == SOCK_ST_SYN_RECV ||
	    e->state == SOCK_ST_NEW_SYN_RECV || e->state == SOCK_ST_TIME_WAIT)
		return;
	sock_bytes_update(&pb->socks, e->cookie, e->tcpi.tcpi_bytes_acked,
			  e->tcpi.tcpi_bytes_received, &dtx, &drx);
	if (dtx + drx)
		pair_bytes_add(pb, e->family, e->local, e->remote, dtx + drx);
}

static uint64_t pair_hash(int family, const uint8_t *local, const uint8_t *remote)
{
	uint64_t h = 1469598103934665603ULL ^ (uint64_t)family;

	for (int i = 0; i < 16; i++) {
		h = (h ^ local[i]) * 1099511628211ULL;
		h = (h ^ remote[i]) * 1099511628211ULL;
	}
	return h | 1; /* u64map keys: never 0 */
}

static bool acc_is(const struct pair_acc *a, int family, const uint8_t *local,
		   const uint8_t *remote)
{
	return a->family == family && !memcmp(a->local, local, 16) &&
	       !memcmp(a->remote, remote, 16);
}

static struct pair_acc *find_acc(struct pair_bytes *pb, int family, const uint8_t *local,
				 const uint8_t *remote)
{
	uint64_t key = pair_hash(family, local, remote);
	bool is_new = false;
	uint64_t *slot = u64map_upsert(&pb->idx, key, &is_new);
	struct pair_acc *a;

	if (!is_new && acc_is(&pb->acc[*slot - 1], family, local, remote))
		return &pb->acc[*slot - 1];
	if (!is_new) {
		/* a hash collision: the few colliding pairs are found by a scan */
		for (size_t i = 0; i < pb->nr_acc; i++)
			if (acc_is(&pb->acc[i], family, local, remote))
				return &pb->acc[i];
	}
	ALLOC_GROW(pb->acc, pb->nr_acc + 1, pb->alloc_acc);
	a = &pb->acc[pb->nr_acc++];
	memset(a, 0, sizeof(*a));
	a->family = (uint8_t)family;
	memcpy(a->local, local, 16);
	memcpy(a->remote, remote, 16);
	if (is_new)
		*slot = pb->nr_acc;
	return a;
}

static bool is_v4_mapped(const uint8_t *a)
{
	static const uint8_t prefix[12] = { [10] = 0xff, [11] = 0xff };

	return !memcmp(a, prefix, sizeof(prefix));
}

void pair_bytes_add(struct pair_bytes *pb, int family, const uint8_t *local, const uint8_t *remote,
		    uint64_t bytes)
{
	uint8_t l4[16] = { 0 }, r4[16] = { 0 };

	/* an IPv4 peer of a dual-stack socket is the IPv4 pair it is on the wire */
	if (family == AF_INET6 && is_v4_mapped(local) && is_v4_mapped(remote)) {
		memcpy(l4, local + 12, 4);
		memcpy(r4, remote + 12, 4);
		family = AF_INET;
		local = l4;
		remote = r4;
	}
	find_acc(pb, family, local, remote)->bytes += bytes;
}

static const char *iface_of(const struct pair_bytes *pb, int family, const uint8_t *addr)
{
	size_t n = family == AF_INET ? 4 : 16;

	for (size_t i = 0; i < pb->nr_ifaces; i++)
		if (pb->ifaces[i].family == family && !memcmp(pb->ifaces[i].addr, addr, n))
			return pb->ifaces[i].ifname;
	return "";
}

static int by_rate(const void *a, const void *b)
{
	const struct rule_pair *x = a, *y = b;

	return x->bytes_per_s < y->bytes_per_s ? 1 : x->bytes_per_s > y->bytes_per_s ? -1 : 0;
}

/* Keeps the fastest PAIR_BYTES_MAX_OUT: out is sorted, the slowest is last. */
static void offer(struct pair_bytes *pb, const struct pair_acc *a, double rate)
{
	struct rule_pair *r;

	if (pb->nr_out == PAIR_BYTES_MAX_OUT) {
		if (rate <= pb->out[PAIR_BYTES_MAX_OUT - 1].bytes_per_s)
			return;
		pb->nr_out--;
	}
	r = &pb->out[pb->nr_out++];
	memset(r, 0, sizeof(*r));
	inet_ntop(a->family, a->local, r->local, sizeof(r->local));
	inet_ntop(a->family, a->remote, r->remote, sizeof(r->remote));
	snprintf(r->iface, sizeof(r->iface), "%s", iface_of(pb, a->family, a->local));
	r->bytes_per_s = rate;
	qsort(pb->out, pb->nr_out, sizeof(*pb->out), by_rate);
}

size_t pair_bytes_end_census(struct pair_bytes *pb, int64_t now_ms)
{
	double secs = pb->last_end_ms ? (double)(now_ms - pb->last_end_ms) / 1000.0 : 0;

	pb->nr_out = 0;
	for (size_t i = 0; secs > 0 && i < pb->nr_acc; i++) {
		double rate = (double)pb->acc[i].bytes / secs;

		if (rate >= pb->floor_bytes_per_s)
			offer(pb, &pb->acc[i], rate);
	}
	sock_bytes_end_census(&pb->socks);
	u64map_reset(&pb->idx);
	pb->nr_acc = 0;
	pb->last_end_ms = now_ms;
	return pb->nr_out;
}

const struct rule_pair *pair_bytes_pairs(const struct pair_bytes *pb, size_t *nr)
{
	*nr = pb->nr_out;
	return pb->out;
}
