/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The addresses responses never touch: a list of IPv4 and IPv6 networks
 * (an address is a /32 or /128), each with the reason it is there
 * ("configured", "loopback", "local address", "default gateway",
 * "SSH session peer").  The responder (alert/respond) and the CLI's
 * `connmon block` ask allow_match() before an address reaches the kernel.
 *
 * IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) match the IPv4 entries.
 * Ownership: the list owns its entries; reasons are copied.
 */
#ifndef CONNMON_ALERT_ALLOW_H
#define CONNMON_ALERT_ALLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/strbuf.h"

#define ALLOW_REASON_LEN 32

struct allow_entry {
	uint8_t family; /* AF_INET or AF_INET6 */
	uint8_t prefix; /* bits */
	uint8_t addr[16];
	char reason[ALLOW_REASON_LEN];
};

struct allow_list {
	struct allow_entry *v;
	size_t nr, alloc;
};

void allow_init(struct allow_list *l);
void allow_release(struct allow_list *l);
/* Empties the list (keeps memory). */
void allow_clear(struct allow_list *l);

/*
 * Parses an address or network in text ("10.0.0.0/8", "2001:db8::1",
 * "192.0.2.7") into family, addr (network byte order, host bits cleared)
 * and prefix.  Returns 0, or -EINVAL with the reason in err.
 */
int allow_parse(const char *text, uint8_t *family, uint8_t addr[16], uint8_t *prefix,
		struct strbuf *err);

/* Adds an entry; returns 0 or -EINVAL (a bad text, with err). */
int allow_add_text(struct allow_list *l, const char *text, const char *reason, struct strbuf *err);
void allow_add(struct allow_list *l, uint8_t family, const uint8_t addr[16], uint8_t prefix,
	       const char *reason);

/* The entry that covers addr (family AF_INET: 4 bytes), or NULL. */
const struct allow_entry *allow_match(const struct allow_list *l, uint8_t family,
				      const uint8_t *addr);

#endif
