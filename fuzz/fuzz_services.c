// SPDX-License-Identifier: GPL-2.0-or-later
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "base/services.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct services s;
	uint16_t port;

	services_init(&s);
	services_parse(&s, (const char *)data, size);
	for (size_t i = 0; i < s.nr_entries && i < 64; i++) {
		const struct services_entry *e = &s.entries[i];

		if (services_port(&s, s.strings + e->name_off, &port) != 0 ||
		    !services_name(&s, e->port, e->udp))
			abort();
	}
	services_release(&s);
	return 0;
}
