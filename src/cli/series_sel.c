// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli/series_sel.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/outbuf.h"
#include "base/xalloc.h"
#include "model/metric.h"

struct sel_parser {
	const char *text, *p;
	const char *why; /* static: what went wrong */
	struct series_sel *s;
};

static bool is_name_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_name_char(char c)
{
	return is_name_start(c) || (c >= '0' && c <= '9');
}

static void skip_spaces(struct sel_parser *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t')
		ps->p++;
}

/* A metric name (':' allowed) or a label key, copied; NULL with ps->why set. */
static char *parse_ident(struct sel_parser *ps, bool metric)
{
	const char *start = ps->p;

	if (!is_name_start(*ps->p) && !(metric && *ps->p == ':')) {
		ps->why = metric ? "a metric name starts with a letter, '_' or ':'" :
				   "a label name starts with a letter or '_'";
		return NULL;
	}
	while (is_name_char(*ps->p) || (metric && *ps->p == ':'))
		ps->p++;
	return xstrndup(start, (size_t)(ps->p - start));
}

/* A double-quoted value at ps->p, unescaped; NULL with ps->why set. */
static char *parse_value(struct sel_parser *ps)
{
	struct strbuf v = STRBUF_INIT;

	if (*ps->p != '"') {
		ps->why = "expected a double-quoted value (key=\"value\")";
		return NULL;
	}
	for (ps->p++; *ps->p != '"'; ps->p++) {
		unsigned char c = (unsigned char)*ps->p;

		if (!c) {
			ps->why = "the value has no closing '\"'";
			goto fail;
		}
		if (c < 0x20 || c == 0x7f) {
			ps->why = "a control character (write a newline as \\n)";
			goto fail;
		}
		if (c == '\\') {
			c = (unsigned char)*++ps->p;
			if (c != '\\' && c != '"' && c != 'n') {
				ps->why = "unknown escape (accepted: \\\\, \\\" and \\n)";
				goto fail;
			}
			if (c == 'n') {
				/* Stored labels hold a newline in the display-safe form
				 * (model/metric.h). */
				strbuf_addstr(&v, "\\x0a");
				continue;
			}
		}
		strbuf_addch(&v, (char)c);
	}
	ps->p++;
	return strbuf_detach(&v, NULL);
fail:
	strbuf_release(&v);
	return NULL;
}

static int parse_matcher(struct sel_parser *ps)
{
	struct series_sel *s = ps->s;
	struct series_sel_match *m;
	char *key;

	if (s->nr_match == SERIES_SEL_MAX_MATCH) {
		ps->why = "too many labels (at most 8)";
		return -EINVAL;
	}
	key = parse_ident(ps, false);
	if (!key)
		return -EINVAL;
	for (size_t i = 0; i < s->nr_match; i++)
		if (!strcmp(s->match[i].key, key)) {
			ps->why = "a label given twice";
			free(key);
			return -EINVAL;
		}
	m = &s->match[s->nr_match++];
	m->key = key;
	skip_spaces(ps);
	if (*ps->p != '=') {
		ps->why = "expected '=' after the label name";
		return -EINVAL;
	}
	ps->p++;
	skip_spaces(ps);
	m->value = parse_value(ps);
	return m->value ? 0 : -EINVAL;
}

/* The braces, from '{' to '}'. */
static int parse_matchers(struct sel_parser *ps)
{
	ps->p++;
	for (;;) {
		skip_spaces(ps);
		if (*ps->p == '}')
			break;
		if (parse_matcher(ps) < 0)
			return -EINVAL;
		skip_spaces(ps);
		if (*ps->p == ',') {
			ps->p++;
			continue;
		}
		if (*ps->p != '}') {
			ps->why = "expected ',' or '}' after a label";
			return -EINVAL;
		}
	}
	ps->p++;
	return 0;
}

static int parse_all(struct sel_parser *ps)
{
	ps->s->name = parse_ident(ps, true);
	if (!ps->s->name)
		return -EINVAL;
	if (*ps->p == '{' && parse_matchers(ps) < 0)
		return -EINVAL;
	if (*ps->p) {
		ps->why =
			"unexpected text after the series (expected NAME or NAME{key=\"value\",...})";
		return -EINVAL;
	}
	return 0;
}

int series_sel_parse(struct series_sel *s, const char *text, struct strbuf *err)
{
	struct sel_parser ps = { .text = text, .p = text, .s = s };
	size_t len = strnlen(text, SERIES_SEL_MAX_LEN + 1);
	char *safe;

	memset(s, 0, sizeof(*s));
	if (len > SERIES_SEL_MAX_LEN) {
		if (err)
			strbuf_addstr(err, "bad series: longer than 1024 bytes");
		return -EINVAL;
	}
	if (parse_all(&ps) == 0)
		return 0;
	series_sel_release(s);
	if (err) {
		safe = xmalloc(4 * len + 1);
		text_escape(safe, 4 * len + 1, text, len, SIZE_MAX, NULL);
		strbuf_addf(err, "bad series '%s' at column %zu: %s", safe,
			    (size_t)(ps.p - text) + 1, ps.why);
		free(safe);
	}
	return -EINVAL;
}

void series_sel_release(struct series_sel *s)
{
	free(s->name);
	for (size_t i = 0; i < s->nr_match; i++) {
		free(s->match[i].key);
		free(s->match[i].value);
	}
	memset(s, 0, sizeof(*s));
}

bool series_sel_matches(const struct series_sel *s, const char *name, const char *labels)
{
	if (strcmp(s->name, name))
		return false;
	for (size_t i = 0; i < s->nr_match; i++) {
		const struct series_sel_match *m = &s->match[i];
		size_t len = strlen(m->value);
		/* One byte longer than the wanted value: a longer stored value cannot match. */
		char *buf = xmalloc(len + 2);
		bool ok = metric_labels_get(labels, m->key, buf, len + 2) && strlen(buf) == len &&
			  !memcmp(buf, m->value, len);

		free(buf);
		if (!ok)
			return false;
	}
	return true;
}

size_t series_sel_distance(const char *a, const char *b, size_t cap)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t *row = xmalloc((lb + 1) * sizeof(*row));
	size_t d;

	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0], low;

		row[0] = i;
		low = row[0];
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
			if (best < low)
				low = best;
		}
		if (low >= cap) {
			free(row);
			return cap;
		}
	}
	d = row[lb];
	free(row);
	return d < cap ? d : cap;
}
