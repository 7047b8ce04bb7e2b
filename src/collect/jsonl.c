// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * JSON lines <-> series_point.  The writer builds each line in place and cuts
 * it off again on error; the reader reads each line into a small json_doc
 * and checks every key, so a typo never loses data silently.
 */
#include "collect/jsonl.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/xalloc.h"

static const char *const tier_names[] = {
	[SERIES_TIER_TICK] = "tick",
	[SERIES_TIER_MINUTE] = "minute",
	[SERIES_TIER_HOUR] = "hour",
};

#define NR_TIERS (sizeof(tier_names) / sizeof(tier_names[0]))

static bool is_alpha_(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Prometheus: [a-zA-Z_:][a-zA-Z0-9_:]* */
static bool metric_name_ok(const char *s)
{
	size_t len = strlen(s);

	if (!len || len > JSONL_NAME_MAX || is_digit(s[0]))
		return false;
	for (size_t i = 0; i < len; i++)
		if (!is_alpha_(s[i]) && !is_digit(s[i]) && s[i] != ':')
			return false;
	return true;
}

/* Length of the label name [a-zA-Z_][a-zA-Z0-9_]* at s, 0 if there is none. */
static size_t label_name_len(const char *s)
{
	size_t n = 0;

	if (!is_alpha_(s[0]))
		return 0;
	while (is_alpha_(s[n]) || is_digit(s[n]))
		n++;
	return n;
}

static bool kind_matches(const char *name, bool counter)
{
	size_t len = strlen(name);
	bool total = len >= 6 && !strcmp(name + len - 6, "_total");

	return total == counter;
}

static void cut(struct strbuf *sb, size_t len)
{
	if (sb->alloc) {
		sb->len = len;
		sb->buf[len] = '\0';
	}
}

/* One escaped label value, from just after its opening quote; *pp ends past the closing one. */
static int unescape_value(const char **pp, struct strbuf *val)
{
	const char *p = *pp;

	strbuf_reset(val);
	for (; *p && *p != '"'; p++) {
		char c = *p;

		if (c == '\\') {
			p++;
			if (*p == 'n')
				c = '\n';
			else if (*p == '\\' || *p == '"')
				c = *p;
			else
				return -EINVAL;
		}
		strbuf_addch(val, c);
	}
	if (*p != '"')
		return -EINVAL;
	*pp = p + 1;
	return 0;
}

static bool key_seen(const char *labels, const size_t *keys, const size_t *key_lens, size_t nr,
		     const char *key, size_t len)
{
	for (size_t i = 0; i < nr; i++)
		if (key_lens[i] == len && !memcmp(labels + keys[i], key, len))
			return true;
	return false;
}

int jsonl_labels_to_json(struct strbuf *out, const char *labels)
{
	size_t start = out->len, keys[JSONL_LABELS_NR_MAX], key_lens[JSONL_LABELS_NR_MAX], nr = 0;
	struct strbuf val = STRBUF_INIT;
	const char *p = labels;
	int ret = -EINVAL;

	if (strlen(labels) > JSONL_LABELS_MAX)
		return -EINVAL;
	strbuf_addch(out, '{');
	while (*p) {
		size_t len = label_name_len(p);

		if (!len || nr == JSONL_LABELS_NR_MAX || p[len] != '=' || p[len + 1] != '"' ||
		    key_seen(labels, keys, key_lens, nr, p, len))
			goto fail;
		keys[nr] = (size_t)(p - labels);
		key_lens[nr] = len;
		if (nr++)
			strbuf_addch(out, ',');
		json_add_string(out, p, len);
		strbuf_addch(out, ':');
		p += len + 2;
		if (unescape_value(&p, &val))
			goto fail;
		ret = json_add_string(out, val.buf, val.len);
		if (ret)
			goto fail;
		ret = -EINVAL;
		if (*p == ',' && p[1])
			p++;
		else if (*p)
			goto fail;
	}
	strbuf_addch(out, '}');
	strbuf_release(&val);
	return 0;
fail:
	strbuf_release(&val);
	cut(out, start);
	return ret;
}

static int add_value(struct strbuf *out, const char *key, double v)
{
	strbuf_addf(out, ",\"%s\":", key);
	return json_add_number(out, v);
}

int jsonl_format(struct strbuf *out, const struct series_point *p)
{
	size_t start = out->len;
	int ret = -EINVAL;

	if (!metric_name_ok(p->name) || !kind_matches(p->name, p->counter) ||
	    (unsigned)p->tier >= NR_TIERS)
		return -EINVAL;
	strbuf_addstr(out, "{\"name\":");
	json_add_string(out, p->name, strlen(p->name));
	strbuf_addstr(out, ",\"labels\":");
	ret = jsonl_labels_to_json(out, p->labels);
	if (ret)
		goto fail;
	strbuf_addf(out, ",\"kind\":\"%s\",\"tier\":\"%s\",\"t\":%" PRId64,
		    p->counter ? "counter" : "gauge", tier_names[p->tier], p->t_ms);
	if (p->tier == SERIES_TIER_TICK) {
		ret = add_value(out, "v", p->last);
	} else {
		ret = add_value(out, "min", p->min);
		ret = ret ? ret : add_value(out, "max", p->max);
		ret = ret ? ret : add_value(out, "mean", p->mean);
		ret = ret ? ret : add_value(out, "last", p->last);
	}
	if (ret)
		goto fail;
	strbuf_addstr(out, "}\n");
	return 0;
fail:
	cut(out, start);
	return ret;
}

void jsonl_parser_init(struct jsonl_parser *jp)
{
	struct json_limits lim = json_limits_default;

	lim.max_depth = 4;
	lim.max_string_len = JSONL_LABELS_MAX;
	lim.max_nodes = 2 * JSONL_LABELS_NR_MAX + 16;
	json_doc_init(&jp->doc, &lim);
	strbuf_init(&jp->name, 64);
	strbuf_init(&jp->labels, 64);
	strbuf_init(&jp->err, 0);
}

void jsonl_parser_release(struct jsonl_parser *jp)
{
	json_doc_release(&jp->doc);
	strbuf_release(&jp->name);
	strbuf_release(&jp->labels);
	strbuf_release(&jp->err);
}

const char *jsonl_parser_error(const struct jsonl_parser *jp)
{
	return jp->err.buf;
}

__attribute__((format(printf, 4, 5))) static int bad(struct jsonl_parser *jp, uint64_t line_nr,
						     const char *path, const char *fmt, ...)
{
	va_list ap;

	strbuf_addf(&jp->err, "line %" PRIu64 ", at %s: ", line_nr, path);
	va_start(ap, fmt);
	strbuf_vaddf(&jp->err, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* The labels object, in its order, as an escaped labels string in jp->labels. */
static int parse_labels(struct jsonl_parser *jp, const struct json_value *obj, uint64_t line_nr)
{
	const struct json_doc *d = &jp->doc;

	if (obj->type != JSON_OBJECT)
		return bad(jp, line_nr, "$.labels", "expected an object, found %s",
			   json_type_name(obj->type));
	if (obj->nr > JSONL_LABELS_NR_MAX)
		return bad(jp, line_nr, "$.labels", "more than %d labels", JSONL_LABELS_NR_MAX);
	for (const struct json_value *c = json_first(d, obj); c; c = json_sibling(d, c)) {
		const char *key = json_key(d, c), *v = json_str(d, c);

		if (!*key || label_name_len(key) != strlen(key))
			return bad(jp, line_nr, "$.labels", "\"%s\" is not a label name", key);
		if (c->type != JSON_STRING)
			return bad(jp, line_nr, "$.labels",
				   "expected a string for \"%s\", found %s", key,
				   json_type_name(c->type));
		if (jp->labels.len)
			strbuf_addch(&jp->labels, ',');
		strbuf_addf(&jp->labels, "%s=\"", key);
		for (; *v; v++) {
			if (*v == '\\' || *v == '"' || *v == '\n')
				strbuf_addch(&jp->labels, '\\');
			strbuf_addch(&jp->labels, *v == '\n' ? 'n' : *v);
		}
		strbuf_addch(&jp->labels, '"');
	}
	if (jp->labels.len > JSONL_LABELS_MAX)
		return bad(jp, line_nr, "$.labels", "labels longer than %d bytes",
			   JSONL_LABELS_MAX);
	return 0;
}

/* A string member that must be one of the names; its index. */
static int parse_enum(struct jsonl_parser *jp, const struct json_value *v, uint64_t line_nr,
		      const char *key, const char *const *names, size_t nr_names)
{
	char path[16];

	snprintf(path, sizeof(path), "$.%s", key);
	for (size_t i = 0; v->type == JSON_STRING && i < nr_names; i++)
		if (!strcmp(json_str(&jp->doc, v), names[i]))
			return (int)i;
	if (nr_names == 2)
		return bad(jp, line_nr, path, "expected \"%s\" or \"%s\"", names[0], names[1]);
	return bad(jp, line_nr, path, "expected \"%s\", \"%s\" or \"%s\"", names[0], names[1],
		   names[2]);
}

static int parse_number(struct jsonl_parser *jp, const struct json_value *v, uint64_t line_nr,
			double *out)
{
	char path[16];

	if (v->type == JSON_NULL) {
		*out = NAN;
		return 0;
	}
	if (v->type == JSON_NUMBER) {
		*out = v->num;
		return 0;
	}
	snprintf(path, sizeof(path), "$.%s", json_key(&jp->doc, v));
	return bad(jp, line_nr, path, "expected a number or null, found %s",
		   json_type_name(v->type));
}

enum {
	K_NAME,
	K_LABELS,
	K_KIND,
	K_TIER,
	K_T,
	K_V,
	K_MIN,
	K_MAX,
	K_MEAN,
	K_LAST,
	K_NR
};

static const char *const key_names[K_NR] = { "name", "labels", "kind", "tier", "t",
					     "v",    "min",    "max",  "mean", "last" };

/* The members of the line's object by key; refuses unknown keys and missing ones. */
static int collect_keys(struct jsonl_parser *jp, uint64_t line_nr, const struct json_value *m[K_NR])
{
	const struct json_doc *d = &jp->doc;
	const struct json_value *root = json_doc_root(d);

	memset(m, 0, K_NR * sizeof(m[0]));
	if (root->type != JSON_OBJECT)
		return bad(jp, line_nr, "$", "expected an object, found %s",
			   json_type_name(root->type));
	for (const struct json_value *c = json_first(d, root); c; c = json_sibling(d, c)) {
		int k = 0;

		while (k < K_NR && strcmp(json_key(d, c), key_names[k]))
			k++;
		if (k == K_NR)
			return bad(jp, line_nr, "$", "unknown key \"%s\"", json_key(d, c));
		m[k] = c;
	}
	for (int k = K_NAME; k <= K_T; k++)
		if (!m[k] && k != K_LABELS)
			return bad(jp, line_nr, "$", "no \"%s\"", key_names[k]);
	return 0;
}

static int parse_values(struct jsonl_parser *jp, const struct json_value *m[K_NR], uint64_t line_nr,
			struct series_point *p)
{
	if (p->tier == SERIES_TIER_TICK) {
		if (m[K_MIN] || m[K_MAX] || m[K_MEAN] || m[K_LAST] || !m[K_V])
			return bad(jp, line_nr, "$", "a tick point has \"v\" only");
		if (parse_number(jp, m[K_V], line_nr, &p->last))
			return -EINVAL;
		p->min = p->max = p->mean = p->last;
		return 0;
	}
	if (m[K_V] || !m[K_MIN] || !m[K_MAX] || !m[K_MEAN] || !m[K_LAST])
		return bad(jp, line_nr, "$",
			   "a %s point has \"min\", \"max\", \"mean\" and \"last\"",
			   tier_names[p->tier]);
	if (parse_number(jp, m[K_MIN], line_nr, &p->min) ||
	    parse_number(jp, m[K_MAX], line_nr, &p->max) ||
	    parse_number(jp, m[K_MEAN], line_nr, &p->mean) ||
	    parse_number(jp, m[K_LAST], line_nr, &p->last))
		return -EINVAL;
	if (p->min > p->max)
		return bad(jp, line_nr, "$.min", "min is greater than max");
	return 0;
}

static int parse_point(struct jsonl_parser *jp, uint64_t line_nr, struct series_point *p)
{
	const struct json_value *m[K_NR];
	int kind, tier;

	if (collect_keys(jp, line_nr, m))
		return -EINVAL;
	if (m[K_NAME]->type != JSON_STRING || !metric_name_ok(json_str(&jp->doc, m[K_NAME])))
		return bad(jp, line_nr, "$.name",
			   "expected a metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)");
	strbuf_addstr(&jp->name, json_str(&jp->doc, m[K_NAME]));
	if (m[K_LABELS] && parse_labels(jp, m[K_LABELS], line_nr))
		return -EINVAL;
	kind = parse_enum(jp, m[K_KIND], line_nr, "kind",
			  (const char *const[]){ "gauge", "counter" }, 2);
	if (kind < 0)
		return kind;
	if (!kind_matches(jp->name.buf, kind == 1))
		return bad(jp, line_nr, "$.kind", "a %s's name %s in _total",
			   kind ? "counter" : "gauge", kind ? "ends" : "does not end");
	tier = parse_enum(jp, m[K_TIER], line_nr, "tier", tier_names, NR_TIERS);
	if (tier < 0)
		return tier;
	if (json_int64(&jp->doc, m[K_T], &p->t_ms))
		return bad(jp, line_nr, "$.t",
			   "expected milliseconds since the epoch (an integer)");
	p->name = jp->name.buf;
	p->labels = jp->labels.buf;
	p->counter = kind == 1;
	p->tier = (enum series_tier)tier;
	return parse_values(jp, m, line_nr, p);
}

int jsonl_parse_line(struct jsonl_parser *jp, const char *line, size_t len, uint64_t line_nr,
		     struct series_point *p)
{
	struct json_reader r;
	int ret;

	strbuf_reset(&jp->err);
	strbuf_reset(&jp->name);
	strbuf_reset(&jp->labels);
	json_reader_init_mem(&r, line, len, &jp->doc.lim);
	json_reader_set_line(&r, line_nr);
	ret = json_doc_read(&jp->doc, &r, json_next(&r));
	if (!ret && json_next(&r) != JSON_TOK_END)
		ret = json_reader_errno(&r);
	if (ret)
		strbuf_addstr(&jp->err, json_reader_error(&r));
	json_reader_release(&r);
	return ret ? ret : parse_point(jp, line_nr, p);
}

/* One input: its origin, where points go, the counts and the parser. */
struct line_ctx {
	const char *origin;
	const struct point_sink *sink;
	struct import_stats st;
	struct jsonl_parser jp;
	uint64_t line_nr;
};

__attribute__((format(printf, 2, 3))) static void report(struct line_ctx *c, const char *fmt, ...)
{
	struct strbuf msg = STRBUF_INIT;
	va_list ap;

	if (++c->st.nr_errors > JSONL_ERRORS_SHOWN || !c->sink->error)
		return;
	strbuf_addf(&msg, "%s: ", c->origin);
	va_start(ap, fmt);
	strbuf_vaddf(&msg, fmt, ap);
	va_end(ap);
	c->sink->error(c->sink->arg, msg.buf);
	strbuf_release(&msg);
}

/* One line without its '\n'; returns 0 or what the sink returned to stop. */
static int take_line(struct line_ctx *c, const char *line, size_t len)
{
	struct series_point p;
	size_t i = 0;
	int ret;

	c->line_nr++;
	if (len && line[len - 1] == '\r')
		len--;
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (i == len)
		return 0;
	c->st.nr_records++;
	if (len > JSONL_LINE_MAX) {
		report(c, "line %" PRIu64 ": longer than %d bytes", c->line_nr, JSONL_LINE_MAX);
		return 0;
	}
	if (jsonl_parse_line(&c->jp, line, len, c->line_nr, &p)) {
		report(c, "%s", jsonl_parser_error(&c->jp));
		return 0;
	}
	ret = c->sink->point(c->sink->arg, &p);
	if (!ret)
		c->st.nr_points++;
	return ret;
}

static void ctx_init(struct line_ctx *c, const char *origin, const struct point_sink *sink)
{
	memset(c, 0, sizeof(*c));
	c->origin = origin;
	c->sink = sink;
	jsonl_parser_init(&c->jp);
}

static int ctx_finish(struct line_ctx *c, int ret, struct import_stats *st)
{
	if (c->st.nr_errors > JSONL_ERRORS_SHOWN && c->sink->error) {
		struct strbuf msg = STRBUF_INIT;

		strbuf_addf(&msg, "%s: %" PRIu64 " more bad lines not shown", c->origin,
			    c->st.nr_errors - JSONL_ERRORS_SHOWN);
		c->sink->error(c->sink->arg, msg.buf);
		strbuf_release(&msg);
	}
	if (st)
		*st = c->st;
	jsonl_parser_release(&c->jp);
	if (!ret && c->st.nr_errors)
		ret = -EINVAL;
	return ret;
}

int jsonl_read_mem(const char *buf, size_t len, const char *origin, const struct point_sink *sink,
		   struct import_stats *st)
{
	struct line_ctx c;
	size_t start = 0;
	int ret = 0;

	ctx_init(&c, origin, sink);
	while (!ret && start < len) {
		const char *nl = memchr(buf + start, '\n', len - start);
		size_t end = nl ? (size_t)(nl - buf) : len;

		ret = take_line(&c, buf + start, end - start);
		start = end + 1;
	}
	return ctx_finish(&c, ret, st);
}

/*
 * Reads through a buffer one line long: complete lines are taken from it, the
 * rest moves to its front.  A full buffer without a newline is a line past the
 * cap: it is reported once and skipped up to its newline.
 */
int jsonl_read_fd(int fd, const char *origin, const struct point_sink *sink,
		  struct import_stats *st)
{
	size_t cap = JSONL_LINE_MAX + 1, len = 0;
	char *buf = xmalloc(cap);
	bool skipping = false;
	struct line_ctx c;
	int ret = 0;

	ctx_init(&c, origin, sink);
	while (!ret) {
		ssize_t n = read(fd, buf + len, cap - len);
		size_t start = 0, end;
		const char *nl;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			report(&c, "cannot read: %s", strerror(-ret));
			break;
		}
		if (n == 0) {
			if (len && !skipping)
				ret = take_line(&c, buf, len);
			break;
		}
		end = len + (size_t)n;
		while (!ret && (nl = memchr(buf + start, '\n', end - start))) {
			if (!skipping)
				ret = take_line(&c, buf + start, (size_t)(nl - buf) - start);
			skipping = false;
			start = (size_t)(nl - buf) + 1;
		}
		len = end - start;
		memmove(buf, buf + start, len);
		if (len == cap) {
			if (!skipping) {
				c.line_nr++;
				c.st.nr_records++;
				report(&c, "line %" PRIu64 ": longer than %d bytes", c.line_nr,
				       JSONL_LINE_MAX);
			}
			skipping = true;
			len = 0;
		}
	}
	free(buf);
	return ctx_finish(&c, ret, st);
}
