/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What responses must never touch, read from the kernel (in the current
 * network namespace): the host's own addresses (rtnetlink RTM_GETADDR),
 * its default gateways (/proc/net/route, /proc/net/ipv6_route) and the
 * peers of current SSH sessions (established TCP sockets whose local port
 * is one sshd listens on, through sock_diag).  app/ puts them on the
 * responder's allowlist (alert/allow.h).
 *
 * Each found address goes to a callback with the reason for the list:
 * "local address", "default gateway", "SSH session peer".  Addresses are in
 * network byte order (4 bytes for AF_INET); prefix is the full length.
 *
 * Errors: 0 or a negative errno (the callbacks already made stay made).
 */
#ifndef CONNMON_COLLECT_LOCALADDR_H
#define CONNMON_COLLECT_LOCALADDR_H

#include <stddef.h>
#include <stdint.h>

typedef void (*localaddr_fn)(void *ctx, uint8_t family, const uint8_t addr[16], const char *reason);

/* Every address of every interface (RTM_GETADDR dump). */
int localaddr_own(localaddr_fn fn, void *ctx);
/* The gateways of the default routes in proc_root/net/route and proc_root/net/ipv6_route. */
int localaddr_gateways(const char *proc_root, localaddr_fn fn, void *ctx);
/*
 * The remote addresses of established TCP sockets whose local port is one of
 * ports[0..nr) (sshd's: 22, and whatever else the caller found).
 */
int localaddr_ssh_peers(const uint16_t *ports, size_t nr, localaddr_fn fn, void *ctx);

/*
 * Pure parsers, for tests and fuzzing: the text of /proc/net/route and of
 * /proc/net/ipv6_route; call fn for each default route's gateway (a zero
 * gateway is skipped).  Malformed lines are skipped; returns the number of
 * gateways found.
 */
int localaddr_parse_route(const char *text, size_t len, localaddr_fn fn, void *ctx);
int localaddr_parse_ipv6_route(const char *text, size_t len, localaddr_fn fn, void *ctx);

#endif
