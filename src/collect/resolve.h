/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Host names for addresses (`sockets -r`), cached, and off the loop's path
 * when the caller must not block.
 *
 *   sync   getnameinfo(3) on the caller's thread at the first sight of an
 *          address, as ss does: a one-shot listing waits for its names.
 *   async  a worker thread does the lookups; resolver_get() never blocks:
 *          it answers from the cache, or queues the address and says
 *          "not yet" (the caller prints the number, and the name on a later
 *          pass).  resolver_fd() becomes readable when answers arrive.
 *
 * Bounded by construction: the cache is RESOLVE_SETS x RESOLVE_WAYS entries
 * (set-associative on a hash of the address; a full set evicts its least
 * recently used entry), names are cut to RESOLVE_NAME_LEN, and the queue holds
 * RESOLVE_QUEUE addresses (beyond that a lookup is dropped, counted, and
 * asked again on a later pass).  Entries expire (RESOLVE_TTL_S for names,
 * RESOLVE_NEG_TTL_S for addresses without one), so a long run sees renamed
 * hosts; an expired name is still shown while it is looked up again.
 *
 * The worker thread blocks every signal: they belong to the caller's loop.
 * Time comes from the caller (now_ns, CLOCK_MONOTONIC).  The resolver owns
 * its thread, cache and descriptor; resolver_free() stops the thread (a
 * lookup in progress is waited for).
 */
#ifndef CONNMON_COLLECT_RESOLVE_H
#define CONNMON_COLLECT_RESOLVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RESOLVE_SETS	  256
#define RESOLVE_WAYS	  4
#define RESOLVE_NAME_LEN  256
#define RESOLVE_QUEUE	  256
#define RESOLVE_TTL_S	  300
#define RESOLVE_NEG_TTL_S 60

struct resolver;

struct resolver_stats {
	size_t nr_cached;    /* entries holding an address (at most SETS * WAYS) */
	size_t nr_queued;    /* waiting for the worker */
	uint64_t nr_lookups; /* getnameinfo calls made */
	uint64_t nr_dropped; /* requests refused because the queue was full */
	uint64_t nr_evicted; /* entries replaced in a full set */
};

/*
 * The lookup itself: writes the name of addr into name (cut to len), or ""
 * when it has none.  NULL means getnameinfo(3) with NI_NAMEREQD; tests pass
 * their own (no DNS traffic).  It runs on the worker thread when async.
 */
typedef void (*resolve_fn)(int family, const uint8_t *addr, char *name, size_t len);

/* Returns 0 or -errno (the worker thread or its eventfd could not be made). */
int resolver_new(struct resolver **out, bool async, resolve_fn fn);
void resolver_free(struct resolver *r);

/*
 * The name of addr (family AF_INET: 4 bytes, AF_INET6: 16): copies it into
 * buf (NUL-terminated, cut to len) and returns its length; returns 0 when the
 * address has no name or (async) none is known yet.
 */
size_t resolver_get(struct resolver *r, int family, const uint8_t *addr, uint64_t now_ns, char *buf,
		    size_t len);

/* async: readable after answers arrived (read it to clear); -1 for sync. */
int resolver_fd(const struct resolver *r);
void resolver_get_stats(struct resolver *r, struct resolver_stats *st);

#endif
