/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One socket as connmon sees it: the record every collector fills (sock_diag,
 * /proc/net fallback) and every renderer, filter and aggregate reads.
 *
 * Numbering follows the kernel so values from netlink need no translation:
 * state is the kernel's TCP_* state (sock_diag reports UNIX and UDP sockets in
 * the same space: TCP_CLOSE is "UNCONN" for them, TCP_ESTABLISHED connected).
 * Addresses are in network byte order as the kernel gives them (IPv4 in the
 * first 4 bytes); ports are in host order.
 *
 * Lifetime: a sock_entry handed to a visitor is valid only during the call.
 * unix_path points into the collector's receive buffer; copy what you keep.
 */
#ifndef CONNMON_MODEL_SOCK_H
#define CONNMON_MODEL_SOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/tcp.h>

enum sock_proto {
	PROTO_TCP,
	PROTO_UDP,
	PROTO_RAW,
	PROTO_UNIX_STREAM,
	PROTO_UNIX_DGRAM,
	PROTO_UNIX_SEQPACKET,
	PROTO_MAX,
};

#define PROTO_BIT(p) (1u << (p))
#define PROTO_UNIX_MASK                                               \
	(PROTO_BIT(PROTO_UNIX_STREAM) | PROTO_BIT(PROTO_UNIX_DGRAM) | \
	 PROTO_BIT(PROTO_UNIX_SEQPACKET))

/* Kernel TCP states (include/net/tcp_states.h). */
enum sock_state {
	SOCK_ST_UNKNOWN = 0,
	SOCK_ST_ESTABLISHED = 1,
	SOCK_ST_SYN_SENT,
	SOCK_ST_SYN_RECV,
	SOCK_ST_FIN_WAIT1,
	SOCK_ST_FIN_WAIT2,
	SOCK_ST_TIME_WAIT,
	SOCK_ST_CLOSE,
	SOCK_ST_CLOSE_WAIT,
	SOCK_ST_LAST_ACK,
	SOCK_ST_LISTEN,
	SOCK_ST_CLOSING,
	SOCK_ST_NEW_SYN_RECV, /* kernel-internal; collectors report it as SYN_RECV */
	SOCK_ST_MAX,
};

#define SOCK_STATE_BIT(s) (1u << (s))
#define SOCK_STATES_ALL	  (((1u << SOCK_ST_MAX) - 1) & ~1u)

/* Timer kinds as inet_diag reports them in idiag_timer. */
enum sock_timer {
	SOCK_TIMER_NONE = 0,
	SOCK_TIMER_ON = 1, /* retransmit */
	SOCK_TIMER_KEEPALIVE = 2,
	SOCK_TIMER_TIMEWAIT = 3,
	SOCK_TIMER_PERSIST = 4, /* zero window probe */
};

/* SK_MEMINFO_* indices (linux/sock_diag.h); we keep the first nine. */
#define SOCK_MEM_VARS 9

enum sock_has {
	SOCK_HAS_INFO = 1 << 0, /* tcp_info (tcpi_len bytes valid, rest zero) */
	SOCK_HAS_MEM = 1 << 1,	/* skmem[0..nr_skmem) */
	SOCK_HAS_TIMER = 1 << 2,
	SOCK_HAS_CONG = 1 << 3,
	SOCK_HAS_UID = 1 << 4,
	SOCK_HAS_COOKIE = 1 << 5,
	SOCK_HAS_SHUTDOWN = 1 << 6,
	SOCK_HAS_MARK = 1 << 7,
};

struct sock_entry {
	uint8_t proto;	   /* enum sock_proto */
	uint8_t family;	   /* AF_INET, AF_INET6, AF_UNIX */
	uint8_t state;	   /* enum sock_state */
	uint8_t timer;	   /* enum sock_timer */
	uint8_t retrans;   /* timer retransmit/probe count */
	uint8_t shutdown;  /* bit 0: no receive, bit 1: no send */
	uint16_t tcpi_len; /* bytes of tcpi the kernel gave (old kernels: fewer) */
	uint32_t has;	   /* enum sock_has */
	uint8_t local[16];
	uint8_t remote[16];
	uint16_t lport;
	uint16_t rport;
	uint32_t ifindex; /* bound device, 0 for none */
	uint32_t recv_q;  /* bytes (listen: accept-queue length) */
	uint32_t send_q;  /* bytes (listen: accept-queue limit) */
	uint32_t uid;
	uint32_t expires_ms; /* timer expiry */
	uint32_t mark;
	uint64_t inode;
	uint64_t cookie;
	uint64_t unix_peer_inode; /* AF_UNIX: peer socket inode, 0 when unknown */
	/*
	 * AF_UNIX: bound name or NULL, not NUL-terminated.  For an abstract name
	 * (unix_abstract) it excludes the leading NUL: print '@' before it, as ss does.
	 */
	const char *unix_path;
	uint32_t unix_path_len;
	bool unix_abstract;
	uint8_t nr_skmem;
	uint32_t skmem[SOCK_MEM_VARS];
	char cong[16]; /* congestion control algorithm, NUL-terminated */
	struct tcp_info tcpi;
};

/* Names as ss prints them ("ESTAB", "TIME-WAIT", "UNCONN" ...). */
const char *sock_state_ss_name(const struct sock_entry *s);
/* Stable JSON names ("ESTABLISHED", "TIME_WAIT", "UNCONN" ...). */
const char *sock_state_json_name(const struct sock_entry *s);
/* "tcp", "udp", "raw", "u_str", "u_dgr", "u_seq". */
const char *sock_proto_name(enum sock_proto p);
bool sock_is_inet(const struct sock_entry *s);
bool sock_is_unix(const struct sock_entry *s);

/*
 * Formats an address ("10.0.0.1", "2001:db8::1", "0.0.0.0")
 * into buf (at least 46 bytes); returns the length.  Fast path for output.
 */
size_t sock_format_addr(char *buf, int family, const uint8_t *addr);
bool sock_addr_is_any(int family, const uint8_t *addr);

#endif
