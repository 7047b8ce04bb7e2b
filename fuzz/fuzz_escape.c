// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The display-safe form (base/outbuf.h) of any bytes, written every way
 * connmon writes text from other users: plain, cut to a width, into a fixed
 * buffer, as a JSON string body, as a CSV field, and as a UNIX socket's path
 * and owning process in the sockets table, JSON and CSV.  Whatever the
 * input, the output must be valid UTF-8 holding no C0 control (but the
 * renderers' own newlines), no DEL and no C1 control, and a JSON string body
 * may hold no raw quote and no escape but \" and \\.  The checks here decode
 * UTF-8 themselves, independently of the code under test.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "base/outbuf.h"
#include "base/xalloc.h"
#include "model/proc_table.h"
#include "ui/sock_render.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One character by the Unicode definition of UTF-8: its length, or 0 when invalid. */
static size_t decode(const unsigned char *p, size_t n, uint32_t *cp)
{
	static const uint32_t min[] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t len;

	if (p[0] < 0x80)
		len = 1;
	else if ((p[0] & 0xe0) == 0xc0)
		len = 2;
	else if ((p[0] & 0xf0) == 0xe0)
		len = 3;
	else if ((p[0] & 0xf8) == 0xf0)
		len = 4;
	else
		return 0;
	if (len > n)
		return 0;
	*cp = len == 1 ? p[0] : p[0] & (0xffu >> (len + 1));
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		*cp = *cp << 6 | (p[i] & 0x3f);
	}
	if (*cp < min[len] || *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff))
		return 0;
	return len;
}

/* Aborts unless s is valid UTF-8 without C0 (newlines allowed when lines), DEL or C1. */
static void check_safe(const char *s, size_t len, bool lines)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t n = decode(p + i, len - i, &cp);

		if (!n)
			abort();
		if ((cp < 0x20 && !(lines && cp == '\n')) || (cp >= 0x7f && cp <= 0x9f))
			abort();
		i += n;
	}
}

static void check_json_body(const char *s, size_t len)
{
	check_safe(s, len, false);
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '"')
			abort();
		if (s[i] == '\\' && (++i >= len || (s[i] != '"' && s[i] != '\\')))
			abort();
	}
}

/* An outbuf that never flushes: what was written stays in ob->buf for checking. */
static void big_outbuf(struct outbuf *ob, size_t size)
{
	outbuf_init(ob, -1, 8 * size + 8192);
}

static void drop_outbuf(struct outbuf *ob)
{
	if (ob->err)
		abort(); /* a flush happened: the buffer was too small */
	ob->len = 0;
	outbuf_release(ob);
}

static void fuzz_outbuf(const char *s, size_t len, size_t max_cols)
{
	struct outbuf ob;
	size_t cols;

	big_outbuf(&ob, len);
	cols = outbuf_add_safe(&ob, s, len);
	check_safe(ob.buf, ob.len, false);
	if (cols > ob.len)
		abort(); /* no character takes more columns than bytes */
	ob.len = 0;
	if (outbuf_add_safe_max(&ob, s, len, max_cols) > max_cols)
		abort();
	check_safe(ob.buf, ob.len, false);
	ob.len = 0;
	outbuf_add_json_str(&ob, s, len);
	check_json_body(ob.buf, ob.len);
	ob.len = 0;
	outbuf_add_csv_str(&ob, s, len);
	check_safe(ob.buf, ob.len, false);
	drop_outbuf(&ob);
}

static void fuzz_buffer(const char *s, size_t len, size_t cap, size_t max_cols)
{
	char *dst = xmalloc(cap);
	size_t cols, n = text_escape(dst, cap, s, len, max_cols, &cols);

	if (n >= cap || dst[n] != '\0' || cols > max_cols)
		abort();
	check_safe(dst, n, false);
	free(dst);
}

static void fuzz_sockets(const char *s, size_t len)
{
	static const enum render_format formats[] = { RENDER_TABLE, RENDER_JSON, RENDER_CSV };

	char *comm = xmalloc(len + 1);
	struct proc_table t;
	struct sock_entry e = { .proto = PROTO_UNIX_STREAM,
				.family = AF_UNIX,
				.state = SOCK_ST_LISTEN,
				.inode = 7,
				.unix_path = s,
				.unix_path_len = len,
				.unix_abstract = len & 1 };

	/* a comm is a C string: the input up to its first NUL */
	memcpy(comm, s, len);
	comm[len] = '\0';
	proc_table_init(&t);
	proc_table_add(&t, 7, 1, 3, proc_table_add_comm(&t, comm));
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		struct sock_render_opts o = { .format = formats[i],
					      .processes = true,
					      .procs = &t };
		struct sock_render r;
		struct outbuf ob;

		big_outbuf(&ob, len);
		sock_render_init(&r, &ob, &o);
		sock_render_begin(&r);
		sock_render_one(&r, &e);
		sock_render_end(&r);
		check_safe(ob.buf, ob.len, true);
		drop_outbuf(&ob);
	}
	proc_table_release(&t);
	free(comm);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t max_cols, cap;
	const char *s;

	/* two bytes of parameters: a width and a buffer size */
	if (size < 2 || size > 65536)
		return 0;
	max_cols = data[0];
	cap = (size_t)data[1] + 1;
	s = (const char *)data + 2;
	size -= 2;
	fuzz_outbuf(s, size, max_cols);
	fuzz_buffer(s, size, cap, max_cols);
	fuzz_buffer(s, size, 5 * size + 1, SIZE_MAX);
	fuzz_sockets(s, size);
	return 0;
}
