// SPDX-License-Identifier: GPL-2.0-or-later
#include "collect/agent_link.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "base/xalloc.h"

/* ---- the parser ---- */

/* What the head says about the body. */
struct head {
	size_t len;		/* of the status line and headers, blank line included */
	int64_t content_length; /* -1: none */
	bool chunked;
};

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int hex_value(char c)
{
	if (is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* "HTTP/1.1 200 OK": the status, or -1. */
static int status_line(const char *p, size_t len)
{
	if (len < 12 || memcmp(p, "HTTP/1.", 7) || !is_digit(p[7]) || p[8] != ' ' ||
	    !is_digit(p[9]) || !is_digit(p[10]) || !is_digit(p[11]) || (len > 12 && p[12] != ' '))
		return -1;
	if (p[9] < '1' || p[9] > '5')
		return -1;
	return (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
}

/* A header's value without the blanks around it. */
static void trim(const char **v, size_t *len)
{
	while (*len && (**v == ' ' || **v == '\t')) {
		(*v)++;
		(*len)--;
	}
	while (*len && ((*v)[*len - 1] == ' ' || (*v)[*len - 1] == '\t'))
		(*len)--;
}

static int content_length(const char *v, size_t len, struct head *h, const char **why)
{
	int64_t n = 0;

	if (!len) {
		*why = "an empty Content-Length";
		return -EPROTO;
	}
	for (size_t i = 0; i < len; i++) {
		if (!is_digit(v[i]) || n > (int64_t)AGENT_LINK_MAX_BYTES) {
			*why = is_digit(v[i]) ? "a Content-Length beyond the cap" :
						"a Content-Length that is not a number";
			return is_digit(v[i]) ? -EMSGSIZE : -EPROTO;
		}
		n = n * 10 + (v[i] - '0');
	}
	if (h->content_length >= 0 && h->content_length != n) {
		*why = "two different Content-Length headers";
		return -EPROTO;
	}
	h->content_length = n;
	return 0;
}

/* One "Name: value" line (without its CRLF). */
static int header(const char *p, size_t len, struct head *h, struct agent_reply *out,
		  const char **why)
{
	const char *colon = memchr(p, ':', len), *v;
	size_t name_len, vlen;

	if (!colon || colon == p) {
		*why = "a header line without a name and a colon";
		return -EPROTO;
	}
	name_len = (size_t)(colon - p);
	for (size_t i = 0; i < name_len; i++) {
		if (p[i] <= ' ' || p[i] >= 0x7f) {
			*why = "a header name with a blank or a control character";
			return -EPROTO;
		}
	}
	v = colon + 1;
	vlen = len - name_len - 1;
	trim(&v, &vlen);
	if (name_len == 14 && !strncasecmp(p, "Content-Length", 14))
		return content_length(v, vlen, h, why);
	if (name_len == 17 && !strncasecmp(p, "Transfer-Encoding", 17)) {
		if (vlen != 7 || strncasecmp(v, "chunked", 7)) {
			*why = "a Transfer-Encoding other than chunked";
			return -EPROTO;
		}
		h->chunked = true;
	} else if (name_len == 12 && !strncasecmp(p, "Content-Type", 12)) {
		vlen = vlen < sizeof(out->content_type) ? vlen : sizeof(out->content_type) - 1;
		memcpy(out->content_type, v, vlen);
		out->content_type[vlen] = '\0';
	}
	return 0;
}

static int parse_head(const char *buf, size_t len, bool eof, struct head *h,
		      struct agent_reply *out, const char **why)
{
	size_t scan = len < AGENT_LINK_MAX_HEAD ? len : AGENT_LINK_MAX_HEAD;
	const char *end = memmem(buf, scan, "\r\n\r\n", 4), *p = buf;
	int ret;

	if (!end) {
		*why = len >= AGENT_LINK_MAX_HEAD ? "headers longer than 16 KiB" :
						    "the answer ends within its headers";
		return len >= AGENT_LINK_MAX_HEAD ? -EMSGSIZE : eof ? -EPROTO : -EAGAIN;
	}
	*h = (struct head){ .len = (size_t)(end - buf) + 4, .content_length = -1 };
	for (const char *eol = memmem(p, (size_t)(end + 2 - p), "\r\n", 2); eol;
	     eol = memmem(p, (size_t)(end + 2 - p), "\r\n", 2)) {
		if (memchr(p, '\0', (size_t)(eol - p)) || memchr(p, '\n', (size_t)(eol - p))) {
			*why = "a NUL byte or a bare LF in the headers";
			return -EPROTO;
		}
		if (p == buf)
			out->status = status_line(p, (size_t)(eol - p));
		else if ((ret = header(p, (size_t)(eol - p), h, out, why)) < 0)
			return ret;
		if (out->status < 0) {
			*why = "no HTTP/1.x status line";
			return -EPROTO;
		}
		p = eol + 2;
		if (p >= end + 2)
			break;
	}
	if (h->chunked && h->content_length >= 0) {
		*why = "both Content-Length and chunked";
		return -EPROTO;
	}
	return 0;
}

/* The chunk size line at p (hex, an optional ";extension"); its CRLF's end in *next. */
static int chunk_size(const char *p, const char *end, size_t *size, const char **next,
		      const char **why)
{
	const char *eol = memmem(p, (size_t)(end - p), "\r\n", 2);
	size_t n = 0, digits = 0;

	if (!eol)
		return -EAGAIN;
	for (; p < eol && hex_value(*p) >= 0; p++, digits++) {
		if (n > AGENT_LINK_MAX_BYTES) {
			*why = "a chunk beyond the cap";
			return -EMSGSIZE;
		}
		n = n * 16 + (size_t)hex_value(*p);
	}
	if (!digits || (p < eol && *p != ';' && *p != ' ' && *p != '\t')) {
		*why = "a chunk size that is not hexadecimal";
		return -EPROTO;
	}
	*size = n;
	*next = eol + 2;
	return 0;
}

/* Decodes a chunked body from p; trailers are skipped up to the blank line. */
static int dechunk(const char *p, const char *end, struct strbuf *body, const char **why)
{
	for (;;) {
		const char *data;
		size_t n;
		int ret = chunk_size(p, end, &n, &data, why);

		if (ret < 0)
			return ret;
		if (n == 0)
			break;
		if ((size_t)(end - data) < n + 2)
			return -EAGAIN;
		if (memcmp(data + n, "\r\n", 2)) {
			*why = "a chunk not followed by CRLF";
			return -EPROTO;
		}
		strbuf_add(body, data, n);
		p = data + n + 2;
	}
	/* Trailer lines, if any, up to the blank line that ends the answer. */
	for (;;) {
		const char *eol = memmem(p, (size_t)(end - p), "\r\n", 2);

		if (!eol)
			return -EAGAIN;
		if (eol == p)
			return 0;
		p = eol + 2;
	}
}

static int parse_body(const char *buf, size_t len, bool eof, const struct head *h,
		      struct strbuf *body, const char **why)
{
	const char *p = buf + h->len, *end = buf + len;
	int ret;

	if (h->chunked) {
		ret = dechunk(p, end, body, why);
	} else if (h->content_length >= 0) {
		ret = (size_t)(end - p) < (uint64_t)h->content_length ? -EAGAIN : 0;
		if (!ret)
			strbuf_add(body, p, (size_t)h->content_length);
	} else {
		ret = eof ? 0 : -EAGAIN;
		if (!ret)
			strbuf_add(body, p, (size_t)(end - p));
	}
	if (ret == -EAGAIN && eof) {
		*why = "a truncated body";
		ret = -EPROTO;
	}
	return ret;
}

int agent_link_parse(const char *buf, size_t len, bool eof, struct agent_reply *out,
		     const char **why)
{
	struct strbuf body = STRBUF_INIT;
	struct head h;
	int ret;

	*out = (struct agent_reply){ 0 };
	*why = "";
	ret = parse_head(buf, len, eof, &h, out, why);
	/* No body for 204 and 304, whatever the headers say. */
	if (!ret && out->status != 204 && out->status != 304)
		ret = parse_body(buf, len, eof, &h, &body, why);
	if (ret < 0) {
		strbuf_release(&body);
		*out = (struct agent_reply){ 0 };
		return ret;
	}
	out->body = strbuf_detach(&body, &out->body_len);
	return 0;
}

void agent_reply_release(struct agent_reply *out)
{
	free(out->body);
	*out = (struct agent_reply){ 0 };
}

/* ---- the exchange ---- */

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for events on fd until deadline: 0, or -ETIMEDOUT. */
static int wait_fd(int fd, short events, int64_t deadline)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int64_t left;
	int n;

	do {
		left = deadline - now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		n = poll(&pfd, 1, (int)(left > 60000 ? 60000 : left));
	} while (n == 0 || (n < 0 && errno == EINTR));
	return n < 0 ? -errno : 0;
}

static bool target_ok(const char *target)
{
	if (!target || target[0] != '/' || strlen(target) > 4096)
		return false;
	for (const char *p = target; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return false;
	return true;
}

static int send_all(int fd, const char *p, size_t len, int64_t deadline)
{
	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		int ret;

		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			ret = wait_fd(fd, POLLOUT, deadline);
			if (ret < 0)
				return ret;
			continue;
		}
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Whether the bytes so far may hold the whole answer, so that parsing is
 * worth trying: a sized answer once its length is in (the head is parsed
 * once, *need keeps the total), a chunked one when it ends like its last
 * chunk, any answer whose head is malformed or too long (to report it).
 */
static bool maybe_whole(const struct strbuf *in, size_t *need, bool *chunked)
{
	struct agent_reply r = { 0 };
	const char *why;
	struct head h;

	if (!*need && !*chunked) {
		int ret = parse_head(in->buf, in->len, false, &h, &r, &why);

		if (ret == -EAGAIN)
			return false;
		if (ret < 0)
			return true;
		*chunked = h.chunked;
		if (h.content_length >= 0)
			*need = h.len + (size_t)h.content_length;
		else if (r.status == 204 || r.status == 304)
			*need = h.len;
	}
	if (*need)
		return in->len >= *need;
	return *chunked && in->len >= 5 && !memcmp(in->buf + in->len - 5, "0\r\n\r\n", 5);
}

/* Reads until the answer parses whole, the peer closes, the cap or the deadline. */
static int receive(int fd, struct strbuf *in, size_t cap, int64_t deadline, struct agent_reply *out,
		   const char **why)
{
	size_t need = 0;
	bool chunked = false;
	int ret;

	for (;;) {
		ssize_t n;

		strbuf_grow(in, 65536);
		n = recv(fd, in->buf + in->len, in->alloc - in->len - 1, 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			ret = wait_fd(fd, POLLIN, deadline);
			if (ret < 0)
				return ret;
			continue;
		}
		if (n < 0)
			return -errno;
		in->len += (size_t)n;
		in->buf[in->len] = '\0';
		if (in->len > cap) {
			*why = "an answer beyond the size cap";
			return -EMSGSIZE;
		}
		if (n > 0 && !maybe_whole(in, &need, &chunked))
			continue;
		ret = agent_link_parse(in->buf, in->len, n == 0, out, why);
		if (ret != -EAGAIN)
			return ret;
	}
}

/* What to do about a failed connect, after strerror. */
static void connect_hint(const char *path, int err, struct strbuf *sb)
{
	char buf[4096];
	struct group gr, *found = NULL;
	struct stat st;

	if (err == ENOENT || err == ECONNREFUSED) {
		strbuf_addstr(sb, " (is the agent running? its [agent] socket names the path)");
	} else if (err == EACCES && stat(path, &st) == 0) {
		if (getgrgid_r(st.st_gid, &gr, buf, sizeof(buf), &found) == 0 && found)
			strbuf_addf(sb, " (needs root or the '%s' group)", gr.gr_name);
		else
			strbuf_addf(sb, " (needs root or group %u)", (unsigned)st.st_gid);
	}
}

static int link_connect(const char *path, int64_t deadline, struct strbuf *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len = strlen(path);
	int fd, ret = 0;

	if (!len || len >= sizeof(sa.sun_path)) {
		strbuf_addf(err, "cannot connect to '%s': %s", path,
			    len ? "the path is longer than 107 bytes" : "no path");
		return -EINVAL;
	}
	memcpy(sa.sun_path, path, len + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		ret = -errno;
		strbuf_addf(err, "cannot connect to '%s': %s", path, strerror(-ret));
		return ret;
	}
	/* A full backlog is EAGAIN on a unix socket: try again until the deadline. */
	while (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		ret = -errno;
		if (ret == -EINTR)
			continue;
		if (ret == -EAGAIN && deadline - now_ms() > 0) {
			poll(NULL, 0, 10);
			continue;
		}
		if (ret == -EINPROGRESS) {
			socklen_t sl = sizeof(ret);

			ret = wait_fd(fd, POLLOUT, deadline);
			if (!ret && getsockopt(fd, SOL_SOCKET, SO_ERROR, &ret, &sl) == 0)
				ret = -ret;
		}
		break;
	}
	if (ret == -EAGAIN)
		ret = -ETIMEDOUT;
	if (ret < 0) {
		strbuf_addf(err, "cannot connect to '%s': %s", path, strerror(-ret));
		connect_hint(path, -ret, err);
		close(fd);
		return ret;
	}
	return fd;
}

static int exchange(int fd, const char *target, size_t cap, int64_t deadline,
		    struct agent_reply *out, const char **why)
{
	struct strbuf req = STRBUF_INIT, in = STRBUF_INIT;
	int ret;

	strbuf_addf(&req,
		    "GET %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
		    "Accept: */*\r\nUser-Agent: connmon\r\n\r\n",
		    target);
	ret = send_all(fd, req.buf, req.len, deadline);
	*why = NULL;
	if (!ret)
		ret = receive(fd, &in, cap, deadline, out, why);
	strbuf_release(&req);
	strbuf_release(&in);
	return ret;
}

int agent_link_get_fd(int fd, const char *path, const char *target,
		      const struct agent_link_opts *opts, struct agent_reply *out,
		      struct strbuf *err)
{
	int timeout =
		opts && opts->timeout_ms > 0 ? opts->timeout_ms : AGENT_LINK_DEFAULT_TIMEOUT_MS;
	size_t cap = opts && opts->max_bytes ? opts->max_bytes : AGENT_LINK_MAX_BYTES;
	const char *why = NULL;
	int flags, ret;

	*out = (struct agent_reply){ 0 };
	if (!target_ok(target)) {
		strbuf_addf(err,
			    "cannot ask '%s': the target must start with '/' and hold no blank",
			    path);
		return -EINVAL;
	}
	flags = fcntl(fd, F_GETFL);
	if (flags >= 0 && !(flags & O_NONBLOCK))
		fcntl(fd, F_SETFL, flags | O_NONBLOCK);
	ret = exchange(fd, target, cap, now_ms() + timeout, out, &why);
	if (ret == -ETIMEDOUT)
		strbuf_addf(err, "'%s' did not answer GET %s within %d ms", path, target, timeout);
	else if (ret < 0 && why)
		strbuf_addf(err, "bad answer from '%s' to GET %s: %s", path, target, why);
	else if (ret < 0)
		strbuf_addf(err, "cannot read from '%s': %s", path, strerror(-ret));
	return ret;
}

int agent_link_get(const char *path, const char *target, const struct agent_link_opts *opts,
		   struct agent_reply *out, struct strbuf *err)
{
	int timeout =
		opts && opts->timeout_ms > 0 ? opts->timeout_ms : AGENT_LINK_DEFAULT_TIMEOUT_MS;
	int fd, ret;

	*out = (struct agent_reply){ 0 };
	fd = link_connect(path, now_ms() + timeout, err);
	if (fd < 0)
		return fd;
	ret = agent_link_get_fd(fd, path, target, opts, out, err);
	close(fd);
	return ret;
}
