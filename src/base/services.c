// SPDX-License-Identifier: GPL-2.0-or-later
#include "base/services.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/strbuf.h"
#include "base/xalloc.h"

/* /etc/services is ~14 KiB; anything far larger is not a services file. */
#define SERVICES_MAX_LEN (4u << 20)

void services_init(struct services *s)
{
	memset(s, 0, sizeof(*s));
}

void services_release(struct services *s)
{
	free(s->tcp_name);
	free(s->udp_name);
	free(s->strings);
	free(s->entries);
	services_init(s);
}

static size_t add_string(struct services *s, const char *p, size_t len)
{
	size_t off = s->strings_len;

	ALLOC_GROW(s->strings, s->strings_len + len + 1, s->strings_alloc);
	memcpy(s->strings + off, p, len);
	s->strings[off + len] = '\0';
	s->strings_len += len + 1;
	return off;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Next blank-separated word of [*p, end), or false at the end or a comment. */
static bool next_word(const char **p, const char *end, const char **w, size_t *len)
{
	while (*p < end && is_blank(**p))
		(*p)++;
	if (*p >= end || **p == '#')
		return false;
	*w = *p;
	while (*p < end && !is_blank(**p) && **p != '#')
		(*p)++;
	*len = (size_t)(*p - *w);
	return true;
}

/* "22/tcp" -> port and transport; false for anything else. */
static bool parse_port_proto(const char *w, size_t len, uint16_t *port, int *udp)
{
	unsigned long v = 0;
	size_t i = 0;

	while (i < len && w[i] >= '0' && w[i] <= '9' && v <= 65535)
		v = v * 10 + (unsigned long)(w[i++] - '0');
	if (!i || i >= len || w[i] != '/' || v > 65535)
		return false;
	w += i + 1;
	len -= i + 1;
	if (len == 3 && !memcmp(w, "tcp", 3))
		*udp = 0;
	else if (len == 3 && !memcmp(w, "udp", 3))
		*udp = 1;
	else
		return false;
	*port = (uint16_t)v;
	return true;
}

static void parse_line(struct services *s, const char *p, const char *end)
{
	const char *name, *w;
	size_t name_len, len;
	uint16_t port;
	int udp;

	if (!next_word(&p, end, &name, &name_len) || !next_word(&p, end, &w, &len) ||
	    !parse_port_proto(w, len, &port, &udp))
		return;
	do {
		ALLOC_GROW(s->entries, s->nr_entries + 1, s->alloc_entries);
		s->entries[s->nr_entries].name_off = add_string(s, name, name_len);
		s->entries[s->nr_entries].port = port;
		s->entries[s->nr_entries].udp = (uint8_t)udp;
		s->nr_entries++;
	} while (next_word(&p, end, &name, &name_len));
}

/* Pointers into strings are set only now: strings may move while it grows. */
static void index_ports(struct services *s)
{
	if (!s->tcp_name) {
		s->tcp_name = xcalloc(65536, sizeof(*s->tcp_name));
		s->udp_name = xcalloc(65536, sizeof(*s->udp_name));
	}
	memset(s->tcp_name, 0, 65536 * sizeof(*s->tcp_name));
	memset(s->udp_name, 0, 65536 * sizeof(*s->udp_name));
	/* forwards: the first line naming a port wins, and a primary name
	 * comes before its aliases */
	for (size_t i = 0; i < s->nr_entries; i++) {
		const struct services_entry *e = &s->entries[i];
		const char **slot = e->udp ? &s->udp_name[e->port] : &s->tcp_name[e->port];

		if (!*slot)
			*slot = s->strings + e->name_off;
	}
}

void services_parse(struct services *s, const char *text, size_t len)
{
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *line_end = nl ? nl : end;

		parse_line(s, p, line_end);
		p = line_end + 1;
	}
	index_ports(s);
}

int services_load(struct services *s, const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	int ret;

	sb.max_len = SERVICES_MAX_LEN;
	ret = strbuf_read_file(&sb, path, 16384);
	if (ret == 0)
		services_parse(s, sb.buf, sb.len);
	strbuf_release(&sb);
	return ret;
}

const char *services_name(const struct services *s, uint16_t port, int udp)
{
	if (!s->tcp_name)
		return NULL;
	return udp ? s->udp_name[port] : s->tcp_name[port];
}

int services_port_proto(const struct services *s, const char *name, int udp, uint16_t *port)
{
	for (size_t i = 0; i < s->nr_entries; i++) {
		const struct services_entry *e = &s->entries[i];

		if (e->udp == (udp ? 1 : 0) && !strcmp(s->strings + e->name_off, name)) {
			*port = e->port;
			return 0;
		}
	}
	return -ENOENT;
}

int services_port(const struct services *s, const char *name, uint16_t *port)
{
	if (services_port_proto(s, name, 0, port) == 0)
		return 0;
	return services_port_proto(s, name, 1, port);
}
