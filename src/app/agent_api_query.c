// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The API's parsers of what clients send (docs/API.md): query arguments, the
 * unblock body, and the labels strings the answers carry.  Pure functions of
 * their input (and now_ms); the messages name the parameter and what it
 * accepts, display-safe.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/agent_api.h"
#include "base/json.h"
#include "base/xalloc.h"
#include "cli/timespec.h"

#define HOUR_MS (3600 * 1000LL)

/* A client's text in a message: printable ASCII kept, the rest as \xHH, cut at 64 bytes. */
static void add_quoted(struct strbuf *err, const char *s)
{
	size_t n = 0;

	strbuf_addch(err, '\'');
	for (; s && *s && n < 64; s++, n++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"')
			strbuf_addch(err, (char)c);
		else
			strbuf_addf(err, "\\x%02x", c);
	}
	strbuf_addstr(err, s && *s ? "...'" : "'");
}

static int bad(struct strbuf *err, const char *key, const char *value, const char *accepted)
{
	strbuf_addf(err, "invalid %s ", key);
	add_quoted(err, value);
	strbuf_addf(err, ": %s", accepted);
	return -EINVAL;
}

static int unknown_key(struct strbuf *err, const char *key, const char *known)
{
	strbuf_addstr(err, "unknown parameter ");
	add_quoted(err, key);
	strbuf_addf(err, ": accepted are %s", known);
	return -EINVAL;
}

static int repeated(struct strbuf *err, const char *key)
{
	strbuf_addf(err, "parameter %s given twice: give it once", key);
	return -EINVAL;
}

/* An unsigned decimal in [lo, hi]. */
static bool parse_uint(const char *s, unsigned long lo, unsigned long hi, unsigned long *out)
{
	unsigned long v = 0;

	if (!s || !*s || strlen(s) > 9)
		return false;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		v = v * 10 + (unsigned long)(*p - '0');
	}
	*out = v;
	return v >= lo && v <= hi;
}

static bool parse_flag(const char *s, bool *out)
{
	if (s && (!strcmp(s, "1") || !strcmp(s, "true")))
		*out = true;
	else if (s && (!strcmp(s, "0") || !strcmp(s, "false")))
		*out = false;
	else
		return false;
	return true;
}

/* A since= or until= value into *t. */
static int parse_time(const char *key, const char *value, int64_t now_ms, int64_t *t,
		      struct strbuf *err)
{
	struct strbuf why = STRBUF_INIT;
	int ret;

	if (!value || !*value)
		return bad(err, key, value, "a time such as -1h, 2026-11-29T10:00 or @1764430000");
	ret = timespec_parse(key, value, now_ms, t, &why);
	if (ret < 0)
		strbuf_add(err, why.buf, why.len);
	strbuf_release(&why);
	return ret < 0 ? -EINVAL : 0;
}

static int series_arg(struct api_series_req *r, const struct http_arg *a, unsigned *seen,
		      int64_t now_ms, struct strbuf *err)
{
	static const char known[] = "select, since, until, points and band";
	unsigned long n;

	if (!strcmp(a->key, "select")) {
		if (r->nr_sel == API_MAX_SELECT) {
			strbuf_addf(err, "too many select parameters: at most %d", API_MAX_SELECT);
			return -EINVAL;
		}
		if (!a->value || series_sel_parse(&r->sel[r->nr_sel], a->value, err) < 0)
			return a->value ? -EINVAL :
					  bad(err, "select", "",
					      "a series selector such as "
					      "connmon_tcp_sockets{state=\"established\"}");
		r->nr_sel++;
		return 0;
	}
	static const char *const keys[] = { "since", "until", "points", "band" };
	size_t k = 0;

	while (k < 4 && strcmp(a->key, keys[k]))
		k++;
	if (k == 4)
		return unknown_key(err, a->key, known);
	if (*seen & (1u << k))
		return repeated(err, keys[k]);
	*seen |= 1u << k;
	if (k == 0)
		return parse_time("since", a->value, now_ms, &r->since_ms, err);
	if (k == 1)
		return parse_time("until", a->value, now_ms, &r->until_ms, err);
	if (k == 2) {
		if (!parse_uint(a->value, 1, API_MAX_POINTS, &n))
			return bad(err, "points", a->value, "a whole number from 1 to 5000");
		r->points = (uint32_t)n;
		return 0;
	}
	return parse_flag(a->value, &r->band) ? 0 : bad(err, "band", a->value, "0 or 1");
}

int api_series_req_parse(struct api_series_req *r, const struct http_arg *args, size_t nr,
			 int64_t now_ms, struct strbuf *err)
{
	unsigned seen = 0;

	memset(r, 0, sizeof(*r));
	r->points = API_DEFAULT_POINTS;
	r->until_ms = now_ms;
	for (size_t i = 0; i < nr; i++)
		if (series_arg(r, &args[i], &seen, now_ms, err) < 0)
			return -EINVAL;
	if (!r->nr_sel) {
		strbuf_addstr(err, "missing select: give at least one series selector such as "
				   "select=connmon_tcp_sockets");
		return -EINVAL;
	}
	if (!(seen & 1))
		r->since_ms = r->until_ms - HOUR_MS;
	if (r->since_ms >= r->until_ms) {
		strbuf_addstr(err, "since must be before until");
		return -EINVAL;
	}
	return 0;
}

void api_series_req_release(struct api_series_req *r)
{
	for (size_t i = 0; i < r->nr_sel; i++)
		series_sel_release(&r->sel[i]);
	r->nr_sel = 0;
}

static int alerts_arg(struct api_alerts_req *r, const struct http_arg *a, unsigned *seen,
		      int64_t now_ms, struct strbuf *err)
{
	static const char *const keys[] = { "since", "until", "all", "rule" };
	size_t k = 0;

	while (k < 4 && strcmp(a->key, keys[k]))
		k++;
	if (k == 4)
		return unknown_key(err, a->key, "since, until, all and rule");
	if (*seen & (1u << k))
		return repeated(err, keys[k]);
	*seen |= 1u << k;
	if (k == 0)
		return parse_time("since", a->value, now_ms, &r->since_ms, err);
	if (k == 1)
		return parse_time("until", a->value, now_ms, &r->until_ms, err);
	if (k == 2)
		return parse_flag(a->value, &r->all) ? 0 : bad(err, "all", a->value, "0 or 1");
	if (!a->value || !*a->value || strlen(a->value) >= sizeof(r->rule))
		return bad(err, "rule", a->value, "a rule name (docs/RULES.md)");
	for (const char *p = a->value; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' || *p == '.'))
			return bad(err, "rule", a->value, "a rule name (docs/RULES.md)");
	memcpy(r->rule, a->value, strlen(a->value) + 1);
	return 0;
}

int api_alerts_req_parse(struct api_alerts_req *r, const struct http_arg *args, size_t nr,
			 int64_t now_ms, struct strbuf *err)
{
	unsigned seen = 0;

	memset(r, 0, sizeof(*r));
	r->until_ms = INT64_MAX;
	for (size_t i = 0; i < nr; i++)
		if (alerts_arg(r, &args[i], &seen, now_ms, err) < 0)
			return -EINVAL;
	/* As `connmon alerts`: every event of the last 24 h with all, else no lower bound. */
	if (!(seen & 1))
		r->since_ms = r->all ? now_ms - 24 * HOUR_MS : INT64_MIN;
	if (r->since_ms >= r->until_ms) {
		strbuf_addstr(err, "since must be before until");
		return -EINVAL;
	}
	return 0;
}

/* Milliseconds since the epoch: 1 to 15 digits (a t_ms an answer gave). */
static bool parse_ms(const char *s, int64_t *out)
{
	int64_t v = 0;
	size_t n = 0;

	for (; s && s[n] >= '0' && s[n] <= '9' && n <= 15; n++)
		v = v * 10 + (s[n] - '0');
	if (!s || !n || s[n] || n > 15)
		return false;
	*out = v;
	return true;
}

int api_live_req_parse(int64_t *at_ms, const struct http_arg *args, size_t nr, int64_t now_ms,
		       struct strbuf *err)
{
	*at_ms = INT64_MAX;
	for (size_t i = 0; i < nr; i++) {
		if (strcmp(args[i].key, "at"))
			return unknown_key(err, args[i].key, "at");
		if (*at_ms != INT64_MAX)
			return repeated(err, "at");
		if (parse_ms(args[i].value, at_ms))
			continue;
		if (parse_time("at", args[i].value, now_ms, at_ms, err) < 0) {
			strbuf_addstr(err, ", or milliseconds since the epoch");
			return -EINVAL;
		}
		if (*at_ms ==
		    INT64_MAX) /* the "latest" marker: a time that far is the latest anyway */
			(*at_ms)--;
	}
	return 0;
}

/* One address of the body, canonical; false when it is not an IPv4 or IPv6 address. */
static bool canon_addr(const char *s, char *out, size_t len)
{
	unsigned char buf[16];

	if (inet_pton(AF_INET, s, buf) == 1)
		return inet_ntop(AF_INET, buf, out, (socklen_t)len) != NULL;
	if (inet_pton(AF_INET6, s, buf) == 1)
		return inet_ntop(AF_INET6, buf, out, (socklen_t)len) != NULL;
	return false;
}

static int unblock_addrs(struct api_unblock_req *r, const struct json_doc *d,
			 const struct json_value *arr, struct strbuf *err)
{
	char canon[INET6_ADDRSTRLEN];
	size_t n = 0;

	if (arr->type != JSON_ARRAY) {
		strbuf_addstr(err, "invalid body: \"addrs\" must be an array of addresses");
		return -EINVAL;
	}
	for (const struct json_value *v = json_first(d, arr); v; v = json_sibling(d, v), n++) {
		const char *s = v->type == JSON_STRING ? json_str(d, v) : NULL;

		if (n == API_MAX_UNBLOCK) {
			strbuf_addf(err, "too many addresses: at most %d in one request",
				    API_MAX_UNBLOCK);
			return -EINVAL;
		}
		if (!s || !canon_addr(s, canon, sizeof(canon)))
			return bad(err, "address", s ? s : "(not a string)",
				   "an IPv4 or IPv6 address such as 10.0.0.9 or 2001:db8::9");
		r->addrs = xreallocarray(r->addrs, r->nr + 1, sizeof(*r->addrs));
		r->addrs[r->nr++] = xstrdup(canon);
	}
	if (!r->nr) {
		strbuf_addstr(err, "invalid body: \"addrs\" is empty; give one address or more");
		return -EINVAL;
	}
	return 0;
}

static int unblock_member(struct api_unblock_req *r, const struct json_doc *d,
			  const struct json_value *v, bool *have, struct strbuf *err)
{
	const char *key = json_key(d, v);

	if (!strcmp(key, "addrs") && !have[0]) {
		have[0] = true;
		return unblock_addrs(r, d, v, err);
	}
	if (!strcmp(key, "all") && !have[1]) {
		have[1] = true;
		if (v->type != JSON_TRUE) {
			strbuf_addstr(err, "invalid body: \"all\" must be true");
			return -EINVAL;
		}
		r->all = true;
		return 0;
	}
	strbuf_addstr(err, "invalid body: unknown or repeated key ");
	add_quoted(err, key);
	strbuf_addstr(err, "; accepted: {\"addrs\":[...]} or {\"all\":true}");
	return -EINVAL;
}

int api_unblock_parse(struct api_unblock_req *r, const char *body, size_t len, struct strbuf *err)
{
	struct json_limits lim = { .max_depth = 4,
				   .max_string_len = 256,
				   .max_nodes = 4 * API_MAX_UNBLOCK,
				   .max_text_len = HTTP_POST_BODY_MAX };
	struct strbuf why = STRBUF_INIT;
	const struct json_value *root;
	struct json_doc d;
	bool have[2] = { false, false };
	int ret = 0;

	memset(r, 0, sizeof(*r));
	json_doc_init(&d, &lim);
	if (json_doc_parse(&d, body, len, &why) < 0) {
		strbuf_addstr(err, "invalid body: ");
		strbuf_add(err, why.buf, why.len);
		ret = -EINVAL;
		goto out;
	}
	root = json_doc_root(&d);
	if (root->type != JSON_OBJECT) {
		strbuf_addstr(err, "invalid body: expected {\"addrs\":[...]} or {\"all\":true}");
		ret = -EINVAL;
		goto out;
	}
	for (const struct json_value *v = json_first(&d, root); v && !ret; v = json_sibling(&d, v))
		ret = unblock_member(r, &d, v, have, err);
	if (!ret && have[0] == have[1]) {
		strbuf_addstr(err, "invalid body: give either \"addrs\" or \"all\"");
		ret = -EINVAL;
	}
out:
	json_doc_release(&d);
	strbuf_release(&why);
	return ret;
}

void api_unblock_req_release(struct api_unblock_req *r)
{
	for (size_t i = 0; i < r->nr; i++)
		free(r->addrs[i]);
	free(r->addrs);
	r->addrs = NULL;
	r->nr = 0;
}

/* One key="value" at *p into key/value (value unescaped); advances *p. */
static bool next_label(const char **p, struct strbuf *key, struct strbuf *value)
{
	const char *s = *p;

	strbuf_reset(key);
	strbuf_reset(value);
	while (*s && *s != '=')
		strbuf_addch(key, *s++);
	if (!key->len || s[0] != '=' || s[1] != '"')
		return false;
	for (s += 2; *s && *s != '"'; s++) {
		if (*s != '\\') {
			strbuf_addch(value, *s);
			continue;
		}
		s++;
		if (*s != '\\' && *s != '"' && *s != 'n')
			return false;
		strbuf_addch(value, *s == 'n' ? '\n' : *s);
	}
	if (*s != '"')
		return false;
	s++;
	if (*s == ',')
		s++;
	*p = s;
	return true;
}

int api_labels_json(struct strbuf *out, const char *labels)
{
	struct strbuf key = STRBUF_INIT, value = STRBUF_INIT, o = STRBUF_INIT;
	const char *p = labels;
	int ret = 0;

	strbuf_addch(&o, '{');
	while (*p && !ret) {
		if (!next_label(&p, &key, &value)) {
			ret = -EINVAL;
			break;
		}
		if (o.len > 1)
			strbuf_addch(&o, ',');
		if (json_add_string(&o, key.buf, key.len) < 0)
			ret = -EINVAL;
		strbuf_addch(&o, ':');
		if (!ret && json_add_string(&o, value.buf, value.len) < 0)
			ret = -EINVAL;
	}
	strbuf_addch(&o, '}');
	if (!ret)
		strbuf_add(out, o.buf, o.len);
	strbuf_release(&key);
	strbuf_release(&value);
	strbuf_release(&o);
	return ret;
}

bool api_token_equal(const char *presented, const char *expected)
{
	size_t lp = strlen(presented), le = strlen(expected);
	unsigned char diff = (unsigned char)(lp != le);

	/* Every byte of the expected token is looked at, whatever the first difference. */
	for (size_t i = 0; i < le; i++)
		diff |= (unsigned char)(expected[i] ^ (i < lp ? presented[i] : 0));
	return diff == 0;
}

bool api_origin_ok(const char *origin, const char *host, const char *fetch_site)
{
	if (fetch_site && !strcmp(fetch_site, "cross-site"))
		return false;
	if (!origin)
		return true;
	if (!host)
		return false;
	if (!strncmp(origin, "http://", 7))
		return !strcmp(origin + 7, host);
	if (!strncmp(origin, "https://", 8))
		return !strcmp(origin + 8, host);
	return false;
}
