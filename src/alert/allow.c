// SPDX-License-Identifier: GPL-2.0-or-later
#include "alert/allow.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "base/xalloc.h"

void allow_init(struct allow_list *l)
{
	memset(l, 0, sizeof(*l));
}

void allow_release(struct allow_list *l)
{
	free(l->v);
	allow_init(l);
}

void allow_clear(struct allow_list *l)
{
	l->nr = 0;
}

static void clear_host_bits(uint8_t *addr, unsigned bytes, unsigned prefix)
{
	for (unsigned i = 0; i < bytes; i++) {
		unsigned keep = prefix >= (i + 1) * 8 ? 8 : prefix > i * 8 ? prefix - i * 8 : 0;

		addr[i] &= (uint8_t)(0xff00u >> keep);
	}
}

int allow_parse(const char *text, uint8_t *family, uint8_t addr[16], uint8_t *prefix,
		struct strbuf *err)
{
	char buf[64];
	const char *slash = strchr(text, '/');
	size_t len = slash ? (size_t)(slash - text) : strlen(text);
	unsigned max;
	char *end;
	long p;

	memset(addr, 0, 16);
	if (len == 0 || len >= sizeof(buf)) {
		strbuf_addf(err, "'%s' is not an address or network", text);
		return -EINVAL;
	}
	memcpy(buf, text, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET, buf, addr) == 1) {
		*family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, addr) == 1) {
		*family = AF_INET6;
		max = 128;
	} else {
		strbuf_addf(err, "'%s' is not an IPv4 or IPv6 address", buf);
		return -EINVAL;
	}
	p = max;
	if (slash) {
		errno = 0;
		p = strtol(slash + 1, &end, 10);
		if (!slash[1] || *end || errno || p < 0 || p > (long)max) {
			strbuf_addf(err, "'%s': the prefix length must be 0 to %u", text, max);
			return -EINVAL;
		}
	}
	*prefix = (uint8_t)p;
	clear_host_bits(addr, max / 8, (unsigned)p);
	return 0;
}

void allow_add(struct allow_list *l, uint8_t family, const uint8_t addr[16], uint8_t prefix,
	       const char *reason)
{
	struct allow_entry *e;

	if (l->nr == l->alloc) {
		l->alloc = l->alloc ? 2 * l->alloc : 16;
		l->v = xreallocarray(l->v, l->alloc, sizeof(*l->v));
	}
	e = &l->v[l->nr++];
	memset(e, 0, sizeof(*e));
	e->family = family;
	e->prefix = prefix;
	memcpy(e->addr, addr, family == AF_INET ? 4 : 16);
	clear_host_bits(e->addr, family == AF_INET ? 4 : 16, prefix);
	snprintf(e->reason, sizeof(e->reason), "%s", reason);
}

int allow_add_text(struct allow_list *l, const char *text, const char *reason, struct strbuf *err)
{
	uint8_t family, prefix, addr[16];
	int ret = allow_parse(text, &family, addr, &prefix, err);

	if (!ret)
		allow_add(l, family, addr, prefix, reason);
	return ret;
}

static bool covers(const struct allow_entry *e, const uint8_t *addr)
{
	unsigned full = e->prefix / 8, rest = e->prefix % 8;

	if (memcmp(e->addr, addr, full))
		return false;
	return !rest || ((e->addr[full] ^ addr[full]) & (uint8_t)(0xff00u >> rest)) == 0;
}

static const uint8_t v4_mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

const struct allow_entry *allow_match(const struct allow_list *l, uint8_t family,
				      const uint8_t *addr)
{
	if (family == AF_INET6 && !memcmp(addr, v4_mapped, sizeof(v4_mapped))) {
		family = AF_INET;
		addr += 12;
	}
	for (size_t i = 0; i < l->nr; i++)
		if (l->v[i].family == family && covers(&l->v[i], addr))
			return &l->v[i];
	return NULL;
}
