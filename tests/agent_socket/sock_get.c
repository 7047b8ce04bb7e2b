// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The system tests' client of the agent's local socket: one GET through
 * collect/agent_link.h.  Usage: sock_get PATH TARGET [COUNT].  Prints
 * "status N" and the body of the last answer on stdout; exits 0 when every
 * request got an answer (whatever its status), 1 with agent_link's sentence
 * on stderr otherwise.  COUNT repeats the request (for the cost bench).
 */
#include <stdio.h>
#include <stdlib.h>

#include "base/strbuf.h"
#include "collect/agent_link.h"

int main(int argc, char **argv)
{
	struct strbuf err = STRBUF_INIT;
	struct agent_reply r = { 0 };
	long count = argc > 3 ? strtol(argv[3], NULL, 10) : 1;

	if (argc < 3 || count < 1) {
		fputs("usage: sock_get PATH TARGET [COUNT]\n", stderr);
		return 2;
	}
	for (long i = 0; i < count; i++) {
		agent_reply_release(&r);
		if (agent_link_get(argv[1], argv[2], NULL, &r, &err) < 0) {
			fprintf(stderr, "sock_get: %s\n", err.buf);
			strbuf_release(&err);
			return 1;
		}
	}
	printf("status %d\n", r.status);
	fwrite(r.body, 1, r.body_len, stdout);
	agent_reply_release(&r);
	strbuf_release(&err);
	return 0;
}
