/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Service names from an /etc/services-format file, loaded once into a table:
 * port -> name for output (ss prints "ssh" for 22 unless -n), name -> port
 * for filters (":ssh").  getservbyport() per socket would reread the file each
 * call; this is an array lookup.
 *
 * The table owns its strings.  Lines that do not parse are skipped.
 * Like getservbyport()/getservbyname(), the first line that names a port or
 * a name wins; aliases resolve like names.  Protocols other than tcp and udp
 * are ignored.  services_parse() may be called more than once to add text.
 */
#ifndef CONNMON_BASE_SERVICES_H
#define CONNMON_BASE_SERVICES_H

#include <stddef.h>
#include <stdint.h>

struct services {
	/* name for each port, per transport (0: tcp, 1: udp); NULL when unknown */
	const char **tcp_name;
	const char **udp_name;
	char *strings;
	size_t strings_len, strings_alloc;
	size_t nr_entries;

	/* every name and alias, in file order, for name -> port */
	struct services_entry {
		size_t name_off; /* into strings */
		uint16_t port;
		uint8_t udp;
	} * entries;

	size_t alloc_entries;
};

void services_init(struct services *s);
void services_release(struct services *s);
/* Loads path (normally /etc/services); returns 0 or -errno. */
int services_load(struct services *s, const char *path);
/* Parses a whole file's text; pure, for tests and fuzzing. */
void services_parse(struct services *s, const char *text, size_t len);
/* "tcp" -> udp=0, "udp" -> udp=1. NULL when unknown. */
const char *services_name(const struct services *s, uint16_t port, int udp);
/* Returns 0 and *port, or -ENOENT. Looks in tcp names, then udp. */
int services_port(const struct services *s, const char *name, uint16_t *port);
/* The same for one transport only (udp 0: tcp, 1: udp), for ss's ambiguity check. */
int services_port_proto(const struct services *s, const char *name, int udp, uint16_t *port);

#endif
