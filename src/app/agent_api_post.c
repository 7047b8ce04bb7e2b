// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * POST /api/v1/unblock (docs/API.md, "POST /api/v1/unblock"), the API's one
 * route that changes state, and its token.
 *
 * The checks, in order: cross-origin (an Origin that is not this host, or
 * Sec-Fetch-Site: cross-site) 403; no token file 503; no bearer token 401,
 * a wrong one 403 (compared in constant time); a Content-Type other than
 * application/json 415 (an HTML form cannot send one, so a page elsewhere
 * cannot post here even without CORS); a bad body 400.  Then the unblock of
 * `connmon unblock` (app/respond_app.h) on an admin connection of its own,
 * audited the same way.  It is the one handler that touches the kernel
 * (one nftables transaction): an operator's explicit request, one at a time.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/agent_api_int.h"
#include "app/log.h"
#include "app/respond_app.h"
#include "base/json.h"
#include "base/xalloc.h"

static bool is_hex_token(const char *s, size_t len)
{
	if (len != API_TOKEN_HEX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* Reads an existing token file; 0, or -errno with the reason in api->token_why. */
static int token_read(struct agent_api *api, const char *path)
{
	char buf[API_TOKEN_HEX + 2];
	struct stat st;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (st.st_mode & 077)) {
		snprintf(api->token_why, sizeof(api->token_why),
			 "the token file '%s' is not a regular file of mode 0600", path);
		close(fd);
		return -EPERM;
	}
	n = read(fd, buf, sizeof(buf));
	close(fd);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	if (n < 0 || !is_hex_token(buf, (size_t)n)) {
		snprintf(api->token_why, sizeof(api->token_why),
			 "the token file '%s' does not hold 64 hex digits", path);
		return -EINVAL;
	}
	memcpy(api->token, buf, API_TOKEN_HEX);
	api->token[API_TOKEN_HEX] = '\0';
	return 0;
}

/* Creates the token file: 32 random bytes as 64 hex digits, mode 0600. */
static int token_create(struct agent_api *api, const char *path)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char raw[API_TOKEN_HEX / 2];
	char text[API_TOKEN_HEX + 1];
	int fd, ret = 0;

	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
		return -errno;
	for (size_t i = 0; i < sizeof(raw); i++) {
		text[2 * i] = hex[raw[i] >> 4];
		text[2 * i + 1] = hex[raw[i] & 15];
	}
	text[API_TOKEN_HEX] = '\n';
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	if (write(fd, text, sizeof(text)) != (ssize_t)sizeof(text) || fsync(fd) < 0)
		ret = -EIO;
	close(fd);
	if (ret < 0) {
		unlink(path);
		return ret;
	}
	memcpy(api->token, text, API_TOKEN_HEX);
	api->token[API_TOKEN_HEX] = '\0';
	return 0;
}

void api_token_setup(struct agent_api *api, const char *state_dir)
{
	char path[CONFIG_PATH_MAX + 16];
	int ret;

	api->token[0] = '\0';
	snprintf(path, sizeof(path), "%s/%s", state_dir, API_TOKEN_FILE);
	ret = token_read(api, path);
	if (ret == -ENOENT) {
		ret = token_create(api, path);
		if (ret == -EEXIST) /* another agent made it meanwhile */
			ret = token_read(api, path);
		if (ret < 0 && !api->token_why[0])
			snprintf(api->token_why, sizeof(api->token_why),
				 "cannot create the token file '%s': %s", path, strerror(-ret));
	} else if (ret < 0 && !api->token_why[0]) {
		snprintf(api->token_why, sizeof(api->token_why),
			 "cannot read the token file '%s': %s", path, strerror(-ret));
	}
	if (ret < 0)
		log_warn("api: %s; POST /api/v1/unblock answers 503", api->token_why);
}

static bool json_content_type(const char *ct)
{
	size_t n = strlen("application/json");

	return ct && !strncasecmp(ct, "application/json", n) &&
	       (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

/* The checks before the body: 0 to go on, else the status with the error in body. */
static int api_post_allowed(struct agent_api *api, const struct http_request *req,
			    struct strbuf *body)
{
	const char *auth = http_request_header(req, "Authorization");

	if (!api_origin_ok(http_request_header(req, "Origin"), http_request_header(req, "Host"),
			   http_request_header(req, "Sec-Fetch-Site")))
		return api_error(body, 403,
				 "cross-origin request refused: POST from a page of this agent "
				 "only (Origin must be http:// and this Host)");
	if (!api->token[0])
		return api_error(body, 503, api->token_why);
	if (!auth || strncasecmp(auth, "Bearer ", 7)) {
		http_response_header(req, "WWW-Authenticate", "Bearer");
		return api_error(body, 401,
				 "missing Authorization: Bearer TOKEN, the content of "
				 "api.token in the agent's state directory");
	}
	if (!api_token_equal(auth + 7, api->token))
		return api_error(body, 403,
				 "wrong token: give the content of api.token in the "
				 "agent's state directory");
	if (!json_content_type(http_request_header(req, "Content-Type")))
		return api_error(body, 415, "Content-Type must be application/json");
	return 0;
}

static bool in_blocks(const struct store_block *b, size_t nr, const char *addr)
{
	for (size_t i = 0; i < nr; i++)
		if (!strcmp(b[i].addr, addr))
			return true;
	return false;
}

static void add_results(struct strbuf *body, const struct api_unblock_req *u,
			const struct respond_req *q, const struct store_block *b, size_t nr_b)
{
	size_t removed = 0;
	struct strbuf list = STRBUF_INIT;

	for (size_t i = 0; i < u->nr; i++) {
		bool was = in_blocks(b, nr_b, u->addrs[i]);
		const char *res = q[i].status ? q[i].result : was ? "removed" : "not blocked";

		removed += !q[i].status && was;
		strbuf_addf(&list, "%s{\"addr\":\"%s\",\"result\":", i ? "," : "", u->addrs[i]);
		if (json_add_string(&list, res, strlen(res)) < 0)
			strbuf_addstr(&list, "\"failed\"");
		strbuf_addch(&list, '}');
	}
	strbuf_addf(body, "{\"removed\":%zu,\"results\":[", removed);
	strbuf_add(body, list.buf, list.len);
	strbuf_addstr(body, "]}\n");
	strbuf_release(&list);
}

/* The unblock itself on an admin connection; the status. */
static int unblock(struct agent_api *api, const struct api_unblock_req *u, struct strbuf *body)
{
	struct strbuf err = STRBUF_INIT;
	struct store_block *b = NULL;
	struct respond_req *q = xcalloc(u->nr + 1, sizeof(*q));
	int64_t now = api_now_ms();
	struct responder *r;
	struct store *st;
	size_t nr_b = 0, nr_all = 0;
	int ret = store_open(&st, api->db, STORE_ADMIN, NULL, &err);

	if (ret < 0) {
		ret = api_error(body, 503, err.buf);
		goto out;
	}
	store_block_purge(st, now, NULL, NULL); /* expired rows: the kernel dropped them */
	if (store_block_list(st, now, &b, &nr_b, &err) < 0)
		nr_b = 0;
	r = respond_app_new(&api->respond, RESPOND_ON, st, NULL);
	for (size_t i = 0; i < u->nr; i++)
		q[i].text = u->addrs[i];
	strbuf_reset(&err);
	ret = u->all ? respond_unblock_all(r, &nr_all, now, &err) :
		       respond_unblock(r, q, u->nr, now, &err);
	respond_app_close(r);
	store_close(st, NULL);
	if (ret < 0) {
		ret = api_error(body, 503, err.len ? err.buf : "the unblock failed");
	} else if (u->all) {
		strbuf_addf(body, "{\"removed\":%zu,\"results\":[]}\n", nr_all);
		ret = 200;
	} else {
		add_results(body, u, q, b, nr_b);
		ret = 200;
	}
out:
	free(b);
	free(q);
	strbuf_release(&err);
	return ret;
}

int api_unblock_handler(void *ctx, const struct http_request *req, struct strbuf *body,
			const char **content_type)
{
	struct agent_api *api = ctx;
	struct strbuf err = STRBUF_INIT;
	struct api_unblock_req u;
	int ret;

	*content_type = API_JSON;
	ret = api_post_allowed(api, req, body);
	if (ret)
		return ret;
	if (api_unblock_parse(&u, req->body, req->body_len, &err) < 0) {
		ret = api_error(body, 400, err.buf);
	} else {
		pthread_mutex_lock(&api->post_lock);
		ret = unblock(api, &u, body);
		pthread_mutex_unlock(&api->post_lock);
	}
	api_unblock_req_release(&u);
	strbuf_release(&err);
	return ret;
}
