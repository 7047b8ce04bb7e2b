// SPDX-License-Identifier: GPL-2.0-or-later
#include "collect/resolve.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/u64map.h"
#include "base/xalloc.h"

#define NS_PER_SEC 1000000000ull

enum {
	E_EMPTY,
	E_PENDING,
	E_DONE
};

struct entry {
	uint8_t family;
	uint8_t state;
	bool refreshing; /* an expired name being looked up again */
	uint8_t addr[16];
	uint64_t expires_ns;
	uint64_t used_ns; /* for the LRU choice within a set */
	char name[RESOLVE_NAME_LEN];
};

struct request {
	uint8_t family;
	uint8_t addr[16];
};

struct resolver {
	bool async;
	resolve_fn fn;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t thread;
	bool stop;
	int efd;
	uint64_t now_ns; /* the callers' latest time: the worker's clock for expiries */
	struct entry cache[RESOLVE_SETS][RESOLVE_WAYS];
	struct request queue[RESOLVE_QUEUE];
	size_t q_head, q_len;
	struct resolver_stats st;
};

static size_t set_of(int family, const uint8_t *addr)
{
	uint64_t a, b;

	memcpy(&a, addr, 8);
	memcpy(&b, addr + 8, 8);
	return (size_t)(u64_hash(a ^ u64_hash(b ^ (uint64_t)family)) % RESOLVE_SETS);
}

static struct entry *find(struct resolver *r, int family, const uint8_t *addr)
{
	struct entry *set = r->cache[set_of(family, addr)];

	for (int w = 0; w < RESOLVE_WAYS; w++)
		if (set[w].state != E_EMPTY && set[w].family == family &&
		    !memcmp(set[w].addr, addr, 16))
			return &set[w];
	return NULL;
}

/* A slot for addr: an empty way, else the least recently used one. */
static struct entry *claim(struct resolver *r, int family, const uint8_t *addr)
{
	struct entry *set = r->cache[set_of(family, addr)], *e = &set[0];

	for (int w = 0; w < RESOLVE_WAYS; w++) {
		if (set[w].state == E_EMPTY) {
			e = &set[w];
			break;
		}
		if (set[w].used_ns < e->used_ns)
			e = &set[w];
	}
	if (e->state != E_EMPTY)
		r->st.nr_evicted++;
	else
		r->st.nr_cached++;
	memset(e, 0, sizeof(*e));
	e->family = (uint8_t)family;
	memcpy(e->addr, addr, 16);
	e->used_ns = r->now_ns;
	return e;
}

static void lookup(int family, const uint8_t *addr, char *name, size_t len)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t sl;

	ss.ss_family = (sa_family_t)family;
	if (family == AF_INET) {
		memcpy(&((struct sockaddr_in *)&ss)->sin_addr, addr, 4);
		sl = sizeof(struct sockaddr_in);
	} else {
		memcpy(&((struct sockaddr_in6 *)&ss)->sin6_addr, addr, 16);
		sl = sizeof(struct sockaddr_in6);
	}
	if (getnameinfo((struct sockaddr *)&ss, sl, name, (socklen_t)len, NULL, 0, NI_NAMEREQD))
		name[0] = '\0';
}

static void store(struct resolver *r, int family, const uint8_t *addr, const char *name)
{
	struct entry *e = find(r, family, addr);

	if (!e) /* evicted while the lookup ran */
		e = claim(r, family, addr);
	snprintf(e->name, sizeof(e->name), "%s", name);
	e->state = E_DONE;
	e->refreshing = false;
	e->expires_ns = r->now_ns + (name[0] ? RESOLVE_TTL_S : RESOLVE_NEG_TTL_S) * NS_PER_SEC;
}

static void *worker(void *arg)
{
	struct resolver *r = arg;
	char name[RESOLVE_NAME_LEN];
	uint64_t one = 1;

	pthread_mutex_lock(&r->mu);
	for (;;) {
		struct request q;

		while (!r->stop && !r->q_len)
			pthread_cond_wait(&r->cv, &r->mu);
		if (r->stop)
			break;
		q = r->queue[r->q_head];
		r->q_head = (r->q_head + 1) % RESOLVE_QUEUE;
		r->q_len--;
		r->st.nr_lookups++;
		pthread_mutex_unlock(&r->mu);
		r->fn(q.family, q.addr, name, sizeof(name));
		pthread_mutex_lock(&r->mu);
		store(r, q.family, q.addr, name);
		if (write(r->efd, &one, sizeof(one)) < 0) {
			/* the counter is only a wake-up: a full one wakes the reader as well */
		}
	}
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

/* Queues addr for the worker; false when the queue is full (counted). */
static bool enqueue(struct resolver *r, int family, const uint8_t *addr)
{
	struct request *q;

	if (r->q_len >= RESOLVE_QUEUE) {
		r->st.nr_dropped++;
		return false;
	}
	q = &r->queue[(r->q_head + r->q_len++) % RESOLVE_QUEUE];
	q->family = (uint8_t)family;
	memcpy(q->addr, addr, 16);
	pthread_cond_signal(&r->cv);
	return true;
}

int resolver_new(struct resolver **out, bool async, resolve_fn fn)
{
	struct resolver *r = xcalloc(1, sizeof(*r));
	sigset_t all, old;
	int ret;

	r->async = async;
	r->fn = fn ? fn : lookup;
	r->efd = -1;
	if (async) {
		r->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (r->efd < 0) {
			ret = -errno;
			free(r);
			return ret;
		}
		pthread_mutex_init(&r->mu, NULL);
		pthread_cond_init(&r->cv, NULL);
		/* Signals are for the loop's thread: the worker starts with all of them blocked. */
		sigfillset(&all);
		pthread_sigmask(SIG_BLOCK, &all, &old);
		ret = -pthread_create(&r->thread, NULL, worker, r);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		if (ret < 0) {
			close(r->efd);
			free(r);
			return ret;
		}
	}
	*out = r;
	return 0;
}

void resolver_free(struct resolver *r)
{
	if (!r)
		return;
	if (r->async) {
		pthread_mutex_lock(&r->mu);
		r->stop = true;
		pthread_cond_signal(&r->cv);
		pthread_mutex_unlock(&r->mu);
		pthread_join(r->thread, NULL);
		pthread_cond_destroy(&r->cv);
		pthread_mutex_destroy(&r->mu);
		close(r->efd);
	}
	free(r);
}

static size_t copy_name(const struct entry *e, char *buf, size_t len)
{
	size_t n = strnlen(e->name, sizeof(e->name));

	if (!len)
		return 0;
	if (n >= len)
		n = len - 1;
	memcpy(buf, e->name, n);
	buf[n] = '\0';
	return n;
}

static size_t get_sync(struct resolver *r, int family, const uint8_t *a, char *buf, size_t len)
{
	struct entry *e = find(r, family, a);

	if (!e || e->expires_ns <= r->now_ns) {
		char name[RESOLVE_NAME_LEN];

		r->st.nr_lookups++;
		r->fn(family, a, name, sizeof(name));
		store(r, family, a, name);
		e = find(r, family, a);
	}
	e->used_ns = r->now_ns;
	return copy_name(e, buf, len);
}

static size_t get_async(struct resolver *r, int family, const uint8_t *a, char *buf, size_t len)
{
	struct entry *e = find(r, family, a);
	size_t n = 0;

	if (!e) {
		e = claim(r, family, a);
		e->state = E_PENDING;
		if (!enqueue(r, family, a)) {
			e->state = E_EMPTY; /* asked again on a later pass */
			r->st.nr_cached--;
		}
		return 0;
	}
	e->used_ns = r->now_ns;
	if (e->state != E_DONE)
		return 0;
	if (e->expires_ns <= r->now_ns && !e->refreshing)
		e->refreshing = enqueue(r, family, a);
	n = copy_name(e, buf, len);
	return n;
}

size_t resolver_get(struct resolver *r, int family, const uint8_t *addr, uint64_t now_ns, char *buf,
		    size_t len)
{
	uint8_t a[16] = { 0 };
	size_t n;

	if (len)
		buf[0] = '\0';
	if (family != AF_INET && family != AF_INET6)
		return 0;
	memcpy(a, addr, family == AF_INET ? 4 : 16);
	if (!r->async) {
		r->now_ns = now_ns;
		return get_sync(r, family, a, buf, len);
	}
	pthread_mutex_lock(&r->mu);
	r->now_ns = now_ns;
	n = get_async(r, family, a, buf, len);
	pthread_mutex_unlock(&r->mu);
	return n;
}

int resolver_fd(const struct resolver *r)
{
	return r->efd;
}

void resolver_get_stats(struct resolver *r, struct resolver_stats *st)
{
	if (r->async)
		pthread_mutex_lock(&r->mu);
	*st = r->st;
	st->nr_queued = r->q_len;
	if (r->async)
		pthread_mutex_unlock(&r->mu);
}
