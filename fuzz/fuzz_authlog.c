// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Feeds arbitrary bytes to the sshd log line parser, whole and line by line,
 * and checks what it reports: only 0 or -ENOENT; an event with a known kind,
 * an address that inet_pton reads back to the same bytes (IPv4 never in a
 * mapped IPv6 form), a user of printable ASCII only, NUL-terminated fields.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "collect/authlog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_event(const struct authlog_event *ev)
{
	uint8_t back[16] = { 0 };

	if ((unsigned)ev->kind >= AUTHLOG_KINDS)
		abort();
	if (ev->family != AF_INET && ev->family != AF_INET6)
		abort();
	if (memchr(ev->addr_text, '\0', sizeof(ev->addr_text)) == NULL ||
	    memchr(ev->user, '\0', sizeof(ev->user)) == NULL)
		abort();
	if (inet_pton(ev->family, ev->addr_text, back) != 1 ||
	    memcmp(back, ev->addr, ev->family == AF_INET ? 4 : 16))
		abort();
	if (ev->family == AF_INET6 && IN6_IS_ADDR_V4MAPPED((const struct in6_addr *)ev->addr))
		abort();
	for (const char *u = ev->user; *u; u++)
		if (*u < 0x20 || *u > 0x7e)
			abort();
	(void)authlog_kind_counts(ev->kind);
}

static void parse(const char *p, size_t len)
{
	struct authlog_event ev;
	int rc = authlog_parse_line(p, len, 1795953600000LL, &ev);

	if (rc == 0)
		check_event(&ev);
	else if (rc != -ENOENT)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;

	parse(p, size);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);

		parse(p, len);
		p += len + 1;
	}
	return 0;
}
