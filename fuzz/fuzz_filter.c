// SPDX-License-Identifier: GPL-2.0-or-later
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cli/filter_parse.h"
#include "collect/sockdiag_filter.h"

/* The fuzz build links one source per target, so the test interpreter of
 * the kernel's bytecode comes in as source. */
#include "../tests/unit/bc_interp.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct filter *f, int family, const struct sock_entry *socks, size_t n)
{
	struct sockdiag_bytecode bc;

	if (sockdiag_filter_compile(f, family, &bc) < 0)
		return;
	if (bc.code && bc_audit(bc.code, bc.len, true) != 0)
		abort();
	for (size_t i = 0; bc.code && i < n; i++) {
		bool autob = socks[i].lport >= f->ephemeral_lo && socks[i].lport <= f->ephemeral_hi;
		bool want = filter_match_expr(f, &socks[i]);
		bool got = socks[i].family != family || bc_run(bc.code, bc.len, &socks[i], autob);

		if ((want && !got) || (bc.exact && socks[i].family == family && want != got))
			abort();
	}
	sockdiag_bytecode_release(&bc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct sock_entry socks[] = {
		{ .family = AF_INET, .lport = 22, .rport = 40000, .local = { 10, 0, 0, 1 } },
		{ .family = AF_INET,
		  .lport = 33000,
		  .rport = 80,
		  .remote = { 127, 0, 0, 1 },
		  .mark = 1 },
		{ .family = AF_INET6, .lport = 443, .ifindex = 2, .local = { [15] = 1 } },
		{ .family = AF_INET6,
		  .lport = 50000,
		  .rport = 1005,
		  .local = { [10] = 0xff, [11] = 0xff, 10, 1, 2, 3 } },
		{ .family = AF_INET6, .rport = 53, .remote = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 } },
	};
	char *text = malloc(size + 1);
	struct filter f;
	struct filter_error err;

	memcpy(text, data, size);
	text[size] = '\0';
	filter_init(&f);
	if (filter_parse(&f, text, NULL, &err) == 0) {
		check(&f, AF_INET, socks, sizeof(socks) / sizeof(socks[0]));
		check(&f, AF_INET6, socks, sizeof(socks) / sizeof(socks[0]));
	} else if (err.pos < 0 || (size_t)err.pos + (size_t)err.len > strlen(text)) {
		abort();
	}
	filter_release(&f);
	free(text);
	return 0;
}
