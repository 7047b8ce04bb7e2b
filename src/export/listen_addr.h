/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The address the HTTP listener binds, as the user writes it (--listen,
 * the config file): IPV4:PORT or [IPV6]:PORT, numeric only (a name would
 * need a resolver at start), e.g. 127.0.0.1:9556, [::1]:9556, 0.0.0.0:9556.
 * Port 0 asks the kernel for a free port (tests use it).  Pure functions.
 */
#ifndef CONNMON_EXPORT_LISTEN_ADDR_H
#define CONNMON_EXPORT_LISTEN_ADDR_H

#include <sys/socket.h>

#include "base/strbuf.h"

/* What listen_addr_parse() accepts, for error messages. */
#define LISTEN_ADDR_FORMS "IPV4:PORT or [IPV6]:PORT, e.g. 127.0.0.1:9556 or [::1]:9556"

struct listen_addr {
	struct sockaddr_storage ss; /* AF_INET or AF_INET6, port in network order */
	socklen_t len;
};

/*
 * Parses text (a NUL-terminated string from outside).  Returns 0, -EINVAL
 * when it is not one of the forms above, or -ERANGE when the port is above
 * 65535.  On error *out is zeroed.
 */
int listen_addr_parse(struct listen_addr *out, const char *text);

/* Appends the canonical text of a parsed address (what listen_addr_parse() reads back). */
void listen_addr_format(const struct listen_addr *addr, struct strbuf *out);

/* The port of a parsed address, in host order. */
unsigned int listen_addr_port(const struct listen_addr *addr);

#endif
