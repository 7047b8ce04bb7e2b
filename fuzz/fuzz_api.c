// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What clients send the agent's JSON API (app/agent_api.h): the input as a
 * query string (key=value pairs split at '&', as libmicrohttpd hands them
 * over once decoded) for /api/v1/series, /api/v1/alerts and /api/v1/live
 * (at=), and as the body of POST /api/v1/unblock; and as a labels string
 * turned into JSON.
 * Invariants: an error comes with a sentence that is valid UTF-8 (it goes
 * into a JSON answer); a request that parses is within the documented
 * bounds; a parsed unblock names canonical addresses; labels JSON that is
 * written parses back as a JSON object.
 */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "app/agent_api.h"
#include "base/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW 1795990000000LL

static size_t split(char *text, struct http_arg *args, size_t max)
{
	size_t nr = 0;

	for (char *p = text; p && nr < max;) {
		char *amp = strchr(p, '&'), *eq;

		if (amp)
			*amp = '\0';
		eq = strchr(p, '=');
		if (eq)
			*eq = '\0';
		args[nr++] = (struct http_arg){ p, eq ? eq + 1 : NULL };
		p = amp ? amp + 1 : NULL;
	}
	return nr;
}

static void check_error(int ret, const struct strbuf *err)
{
	if (ret < 0 && (!err->len || !json_utf8_valid(err->buf, err->len)))
		abort();
}

static void queries(char *text)
{
	struct http_arg args[API_MAX_ARGS];
	struct strbuf err = STRBUF_INIT;
	struct api_series_req r;
	struct api_alerts_req a;
	int64_t at_ms;
	size_t nr = split(text, args, API_MAX_ARGS);
	int ret = api_series_req_parse(&r, args, nr, NOW, &err);

	check_error(ret, &err);
	if (!ret && (r.since_ms >= r.until_ms || !r.points || r.points > API_MAX_POINTS ||
		     !r.nr_sel || r.nr_sel > API_MAX_SELECT))
		abort();
	api_series_req_release(&r);
	strbuf_reset(&err);
	ret = api_alerts_req_parse(&a, args, nr, NOW, &err);
	check_error(ret, &err);
	if (!ret && a.since_ms >= a.until_ms)
		abort();
	strbuf_reset(&err);
	ret = api_live_req_parse(&at_ms, args, nr, NOW, &err);
	check_error(ret, &err);
	if (!ret && (at_ms == INT64_MAX) != (nr == 0)) /* a time given is never "the latest" */
		abort();
	strbuf_release(&err);
}

static void body(const char *text, size_t len)
{
	struct strbuf err = STRBUF_INIT;
	struct api_unblock_req u;
	unsigned char buf[16];
	int ret = api_unblock_parse(&u, text, len, &err);

	check_error(ret, &err);
	if (!ret && u.all == (u.nr > 0))
		abort();
	for (size_t i = 0; !ret && i < u.nr; i++)
		if (inet_pton(strchr(u.addrs[i], ':') ? AF_INET6 : AF_INET, u.addrs[i], buf) != 1)
			abort();
	api_unblock_req_release(&u);
	strbuf_release(&err);
}

static void labels(const char *text)
{
	struct strbuf out = STRBUF_INIT;
	struct json_doc d;

	if (api_labels_json(&out, text) == 0) {
		json_doc_init(&d, &json_limits_default);
		if (json_doc_parse(&d, out.buf, out.len, NULL) < 0 ||
		    json_doc_root(&d)->type != JSON_OBJECT)
			abort();
		json_doc_release(&d);
	} else if (out.len) {
		abort();
	}
	strbuf_release(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	body(text, size);
	labels(text);
	queries(text); /* last: it cuts text up */
	free(text);
	return 0;
}
