// SPDX-License-Identifier: GPL-2.0-or-later
#include "model/sock.h"

#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

static const char *const ss_names[SOCK_ST_MAX] = {
	[SOCK_ST_UNKNOWN] = "UNKNOWN",	     [SOCK_ST_ESTABLISHED] = "ESTAB",
	[SOCK_ST_SYN_SENT] = "SYN-SENT",     [SOCK_ST_SYN_RECV] = "SYN-RECV",
	[SOCK_ST_FIN_WAIT1] = "FIN-WAIT-1",  [SOCK_ST_FIN_WAIT2] = "FIN-WAIT-2",
	[SOCK_ST_TIME_WAIT] = "TIME-WAIT",   [SOCK_ST_CLOSE] = "UNCONN",
	[SOCK_ST_CLOSE_WAIT] = "CLOSE-WAIT", [SOCK_ST_LAST_ACK] = "LAST-ACK",
	[SOCK_ST_LISTEN] = "LISTEN",	     [SOCK_ST_CLOSING] = "CLOSING",
	[SOCK_ST_NEW_SYN_RECV] = "SYN-RECV",
};

static const char *const json_names[SOCK_ST_MAX] = {
	[SOCK_ST_UNKNOWN] = "UNKNOWN",	     [SOCK_ST_ESTABLISHED] = "ESTABLISHED",
	[SOCK_ST_SYN_SENT] = "SYN_SENT",     [SOCK_ST_SYN_RECV] = "SYN_RECV",
	[SOCK_ST_FIN_WAIT1] = "FIN_WAIT1",   [SOCK_ST_FIN_WAIT2] = "FIN_WAIT2",
	[SOCK_ST_TIME_WAIT] = "TIME_WAIT",   [SOCK_ST_CLOSE] = "CLOSE",
	[SOCK_ST_CLOSE_WAIT] = "CLOSE_WAIT", [SOCK_ST_LAST_ACK] = "LAST_ACK",
	[SOCK_ST_LISTEN] = "LISTEN",	     [SOCK_ST_CLOSING] = "CLOSING",
	[SOCK_ST_NEW_SYN_RECV] = "SYN_RECV",
};

const char *sock_state_ss_name(const struct sock_entry *s)
{
	return s->state < SOCK_ST_MAX ? ss_names[s->state] : "UNKNOWN";
}

const char *sock_state_json_name(const struct sock_entry *s)
{
	if (s->state >= SOCK_ST_MAX)
		return "UNKNOWN";
	/* A TCP socket in CLOSE is CLOSE; anything else unconnected is UNCONN. */
	if (s->state == SOCK_ST_CLOSE && s->proto != PROTO_TCP)
		return "UNCONN";
	return json_names[s->state];
}

const char *sock_proto_name(enum sock_proto p)
{
	static const char *const names[PROTO_MAX] = {
		[PROTO_TCP] = "tcp",	      [PROTO_UDP] = "udp",
		[PROTO_RAW] = "raw",	      [PROTO_UNIX_STREAM] = "u_str",
		[PROTO_UNIX_DGRAM] = "u_dgr", [PROTO_UNIX_SEQPACKET] = "u_seq",
	};

	return (unsigned)p < PROTO_MAX ? names[p] : "?";
}

bool sock_is_inet(const struct sock_entry *s)
{
	return s->family == AF_INET || s->family == AF_INET6;
}

bool sock_is_unix(const struct sock_entry *s)
{
	return s->family == AF_UNIX;
}

bool sock_addr_is_any(int family, const uint8_t *addr)
{
	static const uint8_t zero[16];

	return !memcmp(addr, zero, family == AF_INET ? 4 : 16);
}

static size_t fmt_octet(char *p, unsigned v)
{
	if (v >= 100) {
		p[0] = (char)('0' + v / 100);
		p[1] = (char)('0' + v / 10 % 10);
		p[2] = (char)('0' + v % 10);
		return 3;
	}
	if (v >= 10) {
		p[0] = (char)('0' + v / 10);
		p[1] = (char)('0' + v % 10);
		return 2;
	}
	p[0] = (char)('0' + v);
	return 1;
}

size_t sock_format_addr(char *buf, int family, const uint8_t *addr)
{
	size_t n = 0;
	int i;

	if (family == AF_INET) {
		for (i = 0; i < 4; i++) {
			if (i)
				buf[n++] = '.';
			n += fmt_octet(buf + n, addr[i]);
		}
		buf[n] = '\0';
		return n;
	}
	if (!inet_ntop(AF_INET6, addr, buf, 46)) {
		buf[0] = '?';
		buf[1] = '\0';
		return 1;
	}
	return strlen(buf);
}
