// SPDX-License-Identifier: GPL-2.0-or-later
#include "alert/nft.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <nftables/libnftables.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/json.h"
#include "base/xalloc.h"

struct nft {
	struct nft_ctx *ctx;
};

struct nft *nft_new(void)
{
	struct nft *n = xcalloc(1, sizeof(*n));

	n->ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!n->ctx)
		abort(); /* libnftables fails only for memory */
	nft_ctx_buffer_output(n->ctx);
	nft_ctx_buffer_error(n->ctx);
	return n;
}

void nft_free(struct nft *n)
{
	if (!n)
		return;
	nft_ctx_free(n->ctx);
	free(n);
}

int nft_error_code(const char *msg)
{
	static const struct {
		const char *text;
		int code;
	} known[] = {
		{ "Operation not permitted", -EPERM },
		{ "Protocol not supported", -EPROTONOSUPPORT },
		{ "Address family not supported", -EPROTONOSUPPORT },
		{ "Too many open files", -ENFILE },
		{ "No such file or directory", -ENOENT },
	};

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strstr(msg, known[i].text))
			return known[i].code;
	return -EIO;
}

/* libnftables' message: "Error: X" and the offending line with carets; the first line will do. */
static void add_first_line(struct strbuf *err, const char *msg)
{
	size_t len;

	if (!err)
		return;
	if (!strncmp(msg, "Error: ", 7))
		msg += 7;
	len = strcspn(msg, "\n");
	if (!len) {
		strbuf_addstr(err, "nftables failed without a message");
		return;
	}
	strbuf_addstr(err, "nftables: ");
	for (size_t i = 0; i < len && i < 200; i++)
		strbuf_addch(err, (msg[i] >= 0x20 && msg[i] < 0x7f) ? msg[i] : '?');
}

int nft_run(struct nft *n, const char *script, struct strbuf *err)
{
	const char *msg;
	int ret;

	nft_ctx_output_set_flags(n->ctx, 0);
	if (nft_run_cmd_from_buffer(n->ctx, script) == 0) {
		nft_ctx_get_output_buffer(n->ctx); /* drop what it printed */
		return 0;
	}
	msg = nft_ctx_get_error_buffer(n->ctx);
	msg = msg ? msg : "";
	ret = nft_error_code(msg);
	add_first_line(err, msg);
	return ret;
}

int nft_apply(struct nft *n, const struct nft_batch *b, struct strbuf *err)
{
	struct strbuf text = STRBUF_INIT;
	int ret;

	if (nft_batch_is_empty(b))
		return 0;
	nft_batch_text(b, &text);
	ret = nft_run(n, text.buf, err);
	strbuf_release(&text);
	return ret;
}

/*
 * libnftables prints "Operation not permitted (you must be root)" straight
 * to stderr when it cannot open its netlink socket, besides its error
 * buffer: the probe silences fd 2 so that the user reads one line, ours.
 */
static int probe(struct nft *n, struct strbuf *err)
{
	int saved = dup(STDERR_FILENO), null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	int ret;

	if (saved >= 0 && null >= 0)
		dup2(null, STDERR_FILENO);
	ret = nft_run(n, "list tables", err);
	if (saved >= 0 && null >= 0)
		dup2(saved, STDERR_FILENO);
	if (saved >= 0)
		close(saved);
	if (null >= 0)
		close(null);
	return ret;
}

int nft_unusable(struct nft *n, struct strbuf *why)
{
	struct strbuf err = STRBUF_INIT;
	int ret = probe(n, &err);

	if (ret == -EPERM)
		strbuf_addstr(why, "responses off: no CAP_NET_ADMIN"
				   " (run as root or grant cap_net_admin)");
	else if (ret == -EPROTONOSUPPORT)
		strbuf_addstr(why, "responses off: the kernel has no nftables (nf_tables)");
	else if (ret)
		strbuf_addf(why, "responses off: %s", err.buf);
	strbuf_release(&err);
	return ret;
}

static bool parse_addr(const char *s, enum nft_set set, struct nft_elem *e)
{
	bool v6 = set == NFT_SET_BLOCK6 || set == NFT_SET_LIMIT6;

	e->family = v6 ? AF_INET6 : AF_INET;
	return inet_pton(e->family, s, e->addr) == 1;
}

/* "10.0.0.1", {"elem": {"val": V, "expires": S}}, V = addr or {"concat": [addr, port]} */
static bool parse_elem(const struct json_doc *d, const struct json_value *v, enum nft_set set,
		       struct nft_elem *e)
{
	bool limit = set == NFT_SET_LIMIT4 || set == NFT_SET_LIMIT6;
	const struct json_value *val = v, *x, *a, *p;
	int64_t n;

	memset(e, 0, sizeof(*e));
	if (v->type == JSON_OBJECT && (x = json_get(d, v, "elem"))) {
		val = json_get(d, x, "val");
		p = json_get(d, x, "expires");
		if (p && json_int64(d, p, &n) == 0 && n > 0 && n < INT64_MAX / 1000)
			e->timeout_ms = n * 1000;
		if (!val)
			return false;
	}
	if (!limit)
		return val->type == JSON_STRING && parse_addr(json_str(d, val), set, e);
	x = val->type == JSON_OBJECT ? json_get(d, val, "concat") : NULL;
	if (!x || x->type != JSON_ARRAY || x->nr != 2)
		return false;
	a = json_first(d, x);
	p = json_sibling(d, a);
	if (a->type != JSON_STRING || !parse_addr(json_str(d, a), set, e))
		return false;
	if (json_int64(d, p, &n) || n < 0 || n > 65535)
		return false;
	e->port = (uint16_t)n;
	return true;
}

static const struct json_value *find_set(const struct json_doc *d)
{
	const struct json_value *root = json_doc_root(d), *arr, *it, *s;

	arr = json_get(d, root, "nftables");
	if (!arr || arr->type != JSON_ARRAY)
		return NULL;
	for (it = json_first(d, arr); it; it = json_sibling(d, it))
		if ((s = json_get(d, it, "set")) && s->type == JSON_OBJECT)
			return s;
	return NULL;
}

int nft_parse_set_json(const char *json, size_t len, enum nft_set set, struct nft_elem **out,
		       size_t *nr, struct strbuf *err)
{
	const struct json_value *s, *elems, *it;
	struct json_doc d;
	size_t alloc = 0;
	int ret = 0;

	*out = NULL;
	*nr = 0;
	json_doc_init(&d, NULL);
	if (json_doc_parse(&d, json, len, err)) {
		ret = -EPROTO;
		goto out;
	}
	s = find_set(&d);
	if (!s) {
		strbuf_addstr(err, "nftables listed no set");
		ret = -EPROTO;
		goto out;
	}
	elems = json_get(&d, s, "elem");
	if (!elems || elems->type != JSON_ARRAY)
		goto out; /* an empty set has no "elem" */
	for (it = json_first(&d, elems); it; it = json_sibling(&d, it)) {
		ALLOC_GROW(*out, *nr + 1, alloc);
		if (parse_elem(&d, it, set, &(*out)[*nr]))
			(*nr)++;
	}
out:
	json_doc_release(&d);
	return ret;
}

int nft_list_set(struct nft *n, enum nft_set set, struct nft_elem **out, size_t *nr,
		 struct strbuf *err)
{
	struct strbuf cmd = STRBUF_INIT;
	const char *msg, *json;
	int ret = 0;

	*out = NULL;
	*nr = 0;
	strbuf_addf(&cmd, "list set " NFT_TABLE_FAMILY " " NFT_TABLE_NAME " %s", nft_set_name(set));
	nft_ctx_output_set_flags(n->ctx, NFT_CTX_OUTPUT_JSON);
	if (nft_run_cmd_from_buffer(n->ctx, cmd.buf) != 0) {
		msg = nft_ctx_get_error_buffer(n->ctx);
		msg = msg ? msg : "";
		ret = nft_error_code(msg);
		add_first_line(err, msg);
	} else {
		json = nft_ctx_get_output_buffer(n->ctx);
		json = json ? json : "";
		ret = nft_parse_set_json(json, strlen(json), set, out, nr, err);
	}
	nft_ctx_output_set_flags(n->ctx, 0);
	strbuf_release(&cmd);
	return ret;
}
