/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Socket dumps through NETLINK_SOCK_DIAG (inet_diag for TCP/UDP/RAW over IPv4
 * and IPv6, unix_diag for AF_UNIX), streamed: each socket is parsed into a
 * struct sock_entry on the stack and handed to a visitor, so 200,000 sockets
 * never sit in memory at once.
 *
 * Performance: the kernel fills each netlink buffer inside recvmsg(), so a
 * receiver thread keeps calling recv() into a small ring of buffers while the
 * caller's thread parses and visits the previous ones.  The kernel's dump and
 * our formatting overlap instead of adding up (docs/PERFORMANCE.md).
 *
 * Testing: the transport is a parameter.  sockdiag_open() talks to the kernel;
 * a test supplies its own struct nl_transport that replays recorded messages.
 *
 * Errors: 0 or -errno.  -EPROTONOSUPPORT/-ENOENT from the kernel for a family
 * it lacks (no inet_diag module, no unix_diag) are reported per protocol in
 * struct sockdiag_stats, not as a failure of the whole dump.
 */
#ifndef CONNMON_COLLECT_SOCKDIAG_H
#define CONNMON_COLLECT_SOCKDIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "model/sock.h"

struct nlmsghdr;

/* How a dump reaches the kernel (or a recording of it). */
struct nl_transport {
	/* Sends one request; returns 0 or -errno. */
	int (*send)(void *ctx, const void *buf, size_t len);
	/* Receives one datagram of netlink messages; returns bytes, 0 at EOF, or -errno. */
	ssize_t (*recv)(void *ctx, void *buf, size_t len);
	void *ctx;
};

/* What to dump.  Zero-initialise, then set what you need. */
struct sockdiag_query {
	uint32_t protos; /* PROTO_BIT() mask */
	bool want_v4, want_v6;
	uint32_t states; /* SOCK_STATE_BIT() mask; 0 means all */
	bool want_info;	 /* tcp_info, congestion algorithm (-i) */
	bool want_mem;	 /* SK_MEMINFO (-m) */
	/* Compiled inet_diag bytecode (collect/sockdiag_filter), or NULL: applied to inet dumps. */
	const void *bytecode;
	size_t bytecode_len;
	/* Bytecode for AF_INET6 requests; when NULL, bytecode above serves both families. */
	const void *bytecode6;
	size_t bytecode6_len;
	/*
	 * Receive on the calling thread instead of a receiver thread: cheaper for a small
	 * dump (the thread's creation and hand-offs cost more than they overlap below a few
	 * thousand sockets), slower for a large one.
	 */
	bool inline_recv;
};

/* Per-dump bookkeeping, for honest reporting. */
struct sockdiag_stats {
	uint64_t nr_sockets;	  /* visited */
	uint64_t nr_messages;	  /* netlink messages parsed */
	uint64_t nr_bad;	  /* messages skipped as malformed */
	int proto_err[PROTO_MAX]; /* per protocol: 0 or the -errno the kernel answered */
	bool interrupted;	  /* NLM_F_DUMP_INTR seen: the dump may be inconsistent */
};

/* Returns non-zero to stop the dump early (that value is returned by sockdiag_dump). */
typedef int (*sock_visit_fn)(const struct sock_entry *s, void *arg);

struct sockdiag;

/*
 * Threading: sockdiag_dump() runs the transport's send/recv on a receiver
 * thread of its own for the duration of the call (so a caller transport must
 * tolerate being called from another thread, one call at a time); the visitor
 * always runs on the calling thread.  A struct sockdiag serves one dump or
 * destroy at a time.
 */

/* Opens a NETLINK_SOCK_DIAG socket in the current network namespace. */
int sockdiag_open(struct sockdiag **out);
/* Wraps a caller-owned transport (tests, replays); never closes it. */
struct sockdiag *sockdiag_new_transport(const struct nl_transport *t);
void sockdiag_close(struct sockdiag *sd);

/*
 * Dumps every protocol and family q asks for, calling visit for each socket.
 * One request per (protocol, family); UNIX is one request for all three types
 * (types q does not ask for are dropped here).  Only the extensions q asks for
 * are requested; the kernel applies q->states and the bytecode.
 * stats is zeroed first.  A kernel error for one request (e.g. -ENOENT: no
 * diag module) lands in stats->proto_err and the dump goes on.
 * Returns 0, the visitor's non-zero value, or -errno of a transport failure.
 */
int sockdiag_dump(struct sockdiag *sd, const struct sockdiag_query *q, sock_visit_fn visit,
		  void *arg, struct sockdiag_stats *stats);

/*
 * Destroys one TCP socket (SOCK_DESTROY), identified by its addresses, ports,
 * interface and cookie as a previous dump reported them.  Returns 0, or the
 * kernel's -errno: -EOPNOTSUPP (kernel without CONFIG_INET_DIAG_DESTROY),
 * -EPERM (needs CAP_NET_ADMIN), -ENOENT (already gone).
 */
int sockdiag_destroy(struct sockdiag *sd, const struct sock_entry *s);

/*
 * Pure parsers, exposed for tests and fuzzing: one inet_diag or unix_diag
 * message into *out (zeroed first).  nlh must be 4-byte aligned; its
 * nlmsg_len bounds every read.  Returns 0, or -EBADMSG for a message too
 * short or malformed.  proto is the enum sock_proto the request asked for
 * (inet messages do not carry it).  Pointers in *out point into the message.
 * tcp_info (TCP only): tcpi_len bytes from the kernel, the rest zero.
 */
int sockdiag_parse_inet(const struct nlmsghdr *nlh, enum sock_proto proto, struct sock_entry *out);
int sockdiag_parse_unix(const struct nlmsghdr *nlh, struct sock_entry *out);
/* The -errno an NLMSG_ERROR message carries (0 for an ack); -EBADMSG when short. */
int sockdiag_nl_error(const struct nlmsghdr *nlh);

/*
 * Walks one received datagram of netlink messages (buf 4-byte aligned):
 * parses and visits each socket, stops at NLMSG_DONE (*done set) or
 * NLMSG_ERROR (*done set, returns its -errno).  Counts into stats (not
 * zeroed here).  Returns 0, that -errno, or the visitor's non-zero value.
 * Never reads past len.  Used by sockdiag_dump and by the fuzzer.
 */
int sockdiag_parse_datagram(const void *buf, size_t len, enum sock_proto proto, bool is_unix,
			    sock_visit_fn visit, void *arg, struct sockdiag_stats *stats,
			    bool *done);

#endif
