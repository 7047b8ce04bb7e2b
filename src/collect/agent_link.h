/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The client of a running agent's local socket (docs/AGENT.md, "Local
 * socket"): one GET over a unix stream socket, HTTP/1.1 with
 * "Connection: close", the answer read whole under a size cap and a
 * deadline.  What `connmon top` reads the agent's hour through.
 *
 * The answer is outside input: agent_link_parse() is a pure function over
 * the bytes received (status line, headers, a body by Content-Length,
 * chunked, or up to the end of the stream), unit-tested and fuzzed.
 *
 * Errors are negative errnos with one sentence in err (no newline) naming
 * the path and the cause, for example
 * "cannot connect to '/run/connmon/agent.sock': Permission denied (needs
 * root or the 'connmon' group)".
 */
#ifndef CONNMON_COLLECT_AGENT_LINK_H
#define CONNMON_COLLECT_AGENT_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/strbuf.h"

/* Where the agent's socket is unless [agent] socket says otherwise. */
#define AGENT_LINK_DEFAULT_PATH "/run/connmon/agent.sock"
/* The whole answer (status line, headers, body) is refused beyond this (-EMSGSIZE). */
#define AGENT_LINK_MAX_BYTES (64u << 20)
/* The status line and headers are refused beyond this (-EMSGSIZE). */
#define AGENT_LINK_MAX_HEAD	      (16u << 10)
#define AGENT_LINK_DEFAULT_TIMEOUT_MS 5000

/* An answer.  body is malloc'ed and NUL-terminated (the NUL is not counted). */
struct agent_reply {
	int status;		/* 100 to 599 */
	char content_type[128]; /* the Content-Type header, cut to fit; "" when absent */
	char *body;		/* never NULL after success */
	size_t body_len;
};

struct agent_link_opts {
	int timeout_ms;	  /* for the whole exchange; 0: AGENT_LINK_DEFAULT_TIMEOUT_MS */
	size_t max_bytes; /* 0: AGENT_LINK_MAX_BYTES */
};

/*
 * GETs target ("/metrics", "/api/v1/live?x=1": it must start with '/' and
 * hold no blank or control character) from the agent listening at path.
 * Returns 0 with *out filled (any status: the caller looks at it), or a
 * negative errno with *out empty and the reason in err:
 * -EINVAL (a bad target or path), the errors of socket(2) and connect(2)
 * (-ENOENT no socket, -ECONNREFUSED nobody listening, -EACCES the file's
 * mode), -ETIMEDOUT, -EMSGSIZE (beyond the cap), -EPROTO (not an HTTP
 * answer: the parser's reason), -EIO and the errors of read and write.
 * opts may be NULL.
 */
int agent_link_get(const char *path, const char *target, const struct agent_link_opts *opts,
		   struct agent_reply *out, struct strbuf *err);

/*
 * The same over a connected stream fd (not closed; made non-blocking), for
 * tests through a socketpair; path names the peer in messages.
 */
int agent_link_get_fd(int fd, const char *path, const char *target,
		      const struct agent_link_opts *opts, struct agent_reply *out,
		      struct strbuf *err);

/* Frees out's body and empties it.  Safe on an empty reply. */
void agent_reply_release(struct agent_reply *out);

/*
 * Parses a whole answer in buf[0..len).  eof says the stream has ended
 * (then a body without Content-Length or chunked runs to len).
 * Returns 0 with *out filled (body copied: release it), -EAGAIN when more
 * bytes are needed (only when !eof), -EMSGSIZE when the head is longer than
 * AGENT_LINK_MAX_HEAD, or -EPROTO; on error *out is empty and *why (not
 * NULL) points to a static phrase ("a truncated body").  Pure.
 */
int agent_link_parse(const char *buf, size_t len, bool eof, struct agent_reply *out,
		     const char **why);

#endif
