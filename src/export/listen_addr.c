// SPDX-License-Identifier: GPL-2.0-or-later
#include "export/listen_addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <string.h>

/* "[" + the longest IPv6 text + "]:" + 5 digits, with room to spare. */
#define TEXT_MAX 64

/* Parses 1 to 5 decimal digits filling the whole of s. */
static int parse_port(const char *s, unsigned int *port)
{
	size_t len = strlen(s);
	unsigned int v = 0;

	if (!len || len > 5)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned int)(s[i] - '0');
	}
	if (v > 65535)
		return -ERANGE;
	*port = v;
	return 0;
}

static int parse_host(struct listen_addr *out, const char *host, bool v6, unsigned int port)
{
	if (v6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&out->ss;

		if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1)
			return -EINVAL;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		out->len = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&out->ss;

		if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
			return -EINVAL;
		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		out->len = sizeof(*a);
	}
	return 0;
}

/* Splits copy (a writable copy of the text) into host and port; returns 0 or -EINVAL. */
static int split(char *copy, char **host, char **port, bool *v6)
{
	char *colon;

	*v6 = copy[0] == '[';
	if (*v6) {
		char *close = strchr(copy, ']');

		if (!close || close[1] != ':')
			return -EINVAL;
		*close = '\0';
		*host = copy + 1;
		*port = close + 2;
		return 0;
	}
	colon = strchr(copy, ':');
	/* A second colon: an IPv6 address without brackets, where the port is ambiguous. */
	if (!colon || strchr(colon + 1, ':'))
		return -EINVAL;
	*colon = '\0';
	*host = copy;
	*port = colon + 1;
	return 0;
}

int listen_addr_parse(struct listen_addr *out, const char *text)
{
	char copy[TEXT_MAX], *host, *port_text;
	unsigned int port = 0;
	bool v6;
	int ret;

	memset(out, 0, sizeof(*out));
	if (!text || strlen(text) >= sizeof(copy))
		return -EINVAL;
	memcpy(copy, text, strlen(text) + 1);
	ret = split(copy, &host, &port_text, &v6);
	if (!ret)
		ret = parse_port(port_text, &port);
	if (!ret)
		ret = parse_host(out, host, v6, port);
	if (ret)
		memset(out, 0, sizeof(*out));
	return ret;
}

void listen_addr_format(const struct listen_addr *addr, struct strbuf *out)
{
	char host[INET6_ADDRSTRLEN];

	if (addr->ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&addr->ss;

		inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
		strbuf_addf(out, "[%s]:%u", host, ntohs(a->sin6_port));
	} else if (addr->ss.ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)&addr->ss;

		inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
		strbuf_addf(out, "%s:%u", host, ntohs(a->sin_port));
	}
}

unsigned int listen_addr_port(const struct listen_addr *addr)
{
	if (addr->ss.ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)&addr->ss)->sin6_port);
	if (addr->ss.ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)&addr->ss)->sin_port);
	return 0;
}
