// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The listen address parser on any bytes: it never reads past the text, and
 * what it accepts formats to a canonical text that parses back to the same
 * address.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/strbuf.h"
#include "export/listen_addr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct listen_addr a, b;
	struct strbuf text = STRBUF_INIT, again = STRBUF_INIT;

	strbuf_add(&text, data, size); /* NUL-terminated; an inner NUL ends the text early */
	if (listen_addr_parse(&a, text.buf) == 0) {
		listen_addr_format(&a, &again);
		if (listen_addr_parse(&b, again.buf) != 0 || a.len != b.len ||
		    memcmp(&a.ss, &b.ss, a.len) != 0)
			abort();
		strbuf_reset(&text);
		listen_addr_format(&b, &text);
		if (strcmp(text.buf, again.buf) != 0)
			abort();
	}
	strbuf_release(&text);
	strbuf_release(&again);
	return 0;
}
