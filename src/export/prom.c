// SPDX-License-Identifier: GPL-2.0-or-later
#include "export/prom.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/outbuf.h"
#include "base/xalloc.h"

/* A family as the encoder gathers it: its first point and where its points go in order[]. */
struct family {
	const struct prom_point *first;
	uint64_t hash;
	size_t nr_points;
	size_t next; /* the next free slot of its run in order[] */
};

/* The scratch of one prom_encode() call; every array is sized by nr_points. */
struct grouping {
	struct family *fams;
	size_t nr_fams;
	uint32_t *slots; /* open addressing: family index + 1, 0 empty */
	size_t slots_mask;
	uint32_t *fam_of; /* per point: family index, or UINT32_MAX when left out */
	uint32_t *order;  /* point indices, grouped by family, input order within one */
};

#define LEFT_OUT UINT32_MAX

static bool is_name_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_name_char(char c)
{
	return is_name_start(c) || (c >= '0' && c <= '9');
}

bool prom_name_is_valid(const char *name)
{
	if (!name || !(is_name_start(*name) || *name == ':'))
		return false;
	for (name++; *name; name++)
		if (!is_name_char(*name) && *name != ':')
			return false;
	return true;
}

static bool label_name_is_valid(const char *key)
{
	if (!key || !is_name_start(*key) || (key[0] == '_' && key[1] == '_'))
		return false;
	for (key++; *key; key++)
		if (!is_name_char(*key))
			return false;
	return true;
}

static uint64_t name_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h;
}

static void grouping_init(struct grouping *g, size_t nr_points)
{
	size_t cap = 16;

	while (cap < 2 * nr_points)
		cap *= 2;
	g->fams = xreallocarray(NULL, nr_points, sizeof(*g->fams));
	g->nr_fams = 0;
	g->slots = xcalloc(cap, sizeof(*g->slots));
	g->slots_mask = cap - 1;
	g->fam_of = xreallocarray(NULL, nr_points, sizeof(*g->fam_of));
	g->order = xreallocarray(NULL, nr_points, sizeof(*g->order));
}

static void grouping_release(struct grouping *g)
{
	free(g->fams);
	free(g->slots);
	free(g->fam_of);
	free(g->order);
}

/* Returns the family of p, creating it; LEFT_OUT when p's name is not valid. */
static uint32_t family_of(struct grouping *g, const struct prom_point *p)
{
	uint64_t h;
	size_t i;

	if (!p->name)
		return LEFT_OUT;
	h = name_hash(p->name);
	for (i = h & g->slots_mask; g->slots[i]; i = (i + 1) & g->slots_mask) {
		struct family *f = &g->fams[g->slots[i] - 1];

		if (f->hash == h && !strcmp(f->first->name, p->name))
			return g->slots[i] - 1;
	}
	if (!prom_name_is_valid(p->name))
		return LEFT_OUT;
	g->fams[g->nr_fams] = (struct family){ .first = p, .hash = h };
	g->slots[i] = (uint32_t)++g->nr_fams;
	return (uint32_t)(g->nr_fams - 1);
}

/* Counting sort by family: linear, and stable, so the input order holds within a family. */
static size_t group(struct grouping *g, const struct prom_point *points, size_t nr_points)
{
	size_t left_out = 0, start = 0;

	for (size_t i = 0; i < nr_points; i++) {
		const struct prom_point *prev = i ? &points[i - 1] : NULL;
		uint32_t f;

		/* Producers mostly give a family's points in a row: skip the hash then. */
		if (prev && g->fam_of[i - 1] != LEFT_OUT && points[i].name &&
		    (prev->name == points[i].name || !strcmp(prev->name, points[i].name)))
			f = g->fam_of[i - 1];
		else
			f = family_of(g, &points[i]);
		g->fam_of[i] = f;
		if (f == LEFT_OUT)
			left_out++;
		else
			g->fams[f].nr_points++;
	}
	for (size_t f = 0; f < g->nr_fams; f++) {
		g->fams[f].next = start;
		start += g->fams[f].nr_points;
	}
	for (size_t i = 0; i < nr_points; i++)
		if (g->fam_of[i] != LEFT_OUT)
			g->order[g->fams[g->fam_of[i]].next++] = (uint32_t)i;
	return left_out;
}

static void add_help(struct strbuf *out, const char *help)
{
	const char *run = help;

	for (const char *s = help; *s; s++) {
		if (*s != '\\' && *s != '\n')
			continue;
		strbuf_add(out, run, (size_t)(s - run));
		strbuf_addstr(out, *s == '\\' ? "\\\\" : "\\n");
		run = s + 1;
	}
	strbuf_addstr(out, run);
}

static void add_family_header(struct strbuf *out, const struct prom_point *first)
{
	if (first->help) {
		strbuf_addstr(out, "# HELP ");
		strbuf_addstr(out, first->name);
		strbuf_addch(out, ' ');
		add_help(out, first->help);
		strbuf_addch(out, '\n');
	}
	strbuf_addstr(out, "# TYPE ");
	strbuf_addstr(out, first->name);
	strbuf_addstr(out, first->kind == PROM_COUNTER ? " counter\n" : " gauge\n");
}

static void add_point(struct strbuf *out, const struct prom_point *p)
{
	char value[PROM_VALUE_MAX];
	size_t len = prom_format_value(value, p->value);

	strbuf_addstr(out, p->name);
	if (p->labels && *p->labels) {
		strbuf_addch(out, '{');
		strbuf_addstr(out, p->labels);
		strbuf_addch(out, '}');
	}
	strbuf_addch(out, ' ');
	strbuf_add(out, value, len);
	strbuf_addch(out, '\n');
}

size_t prom_encode(struct strbuf *out, const struct prom_point *points, size_t nr_points)
{
	struct grouping g;
	size_t left_out, pos = 0;

	if (!nr_points)
		return 0;
	if (nr_points >= UINT32_MAX / 2)
		abort(); /* far beyond any exposition: a caller bug */
	grouping_init(&g, nr_points);
	left_out = group(&g, points, nr_points);
	for (size_t f = 0; f < g.nr_fams; f++) {
		add_family_header(out, g.fams[f].first);
		for (size_t k = 0; k < g.fams[f].nr_points; k++)
			add_point(out, &points[g.order[pos++]]);
	}
	grouping_release(&g);
	return left_out;
}

size_t prom_format_value(char *buf, double v)
{
	const char *word = NULL;
	int n = 0;

	if (isnan(v))
		word = "NaN";
	else if (isinf(v))
		word = v > 0 ? "+Inf" : "-Inf";
	if (word) {
		memcpy(buf, word, strlen(word) + 1);
		return strlen(word);
	}
	if (fabs(v) <= 0x1p53 && v == (double)(int64_t)v) {
		/* Exact below 2^53, and no exponent: counters read as the integers they are. */
		size_t len = 0;

		if (v < 0)
			buf[len++] = '-';
		len += fmt_u64(buf + len, (uint64_t)fabs(v));
		buf[len] = '\0';
		return len;
	}
	/* The shortest of 15, 16 or 17 digits that reads back as v (the C locale's '.'). */
	for (int prec = 15; prec <= 17; prec++) {
		n = snprintf(buf, PROM_VALUE_MAX, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	return n > 0 ? (size_t)n : 0;
}

/* Appends text (display-safe already) with the format's escapes for a label value. */
static void add_escaped_value(struct strbuf *labels, const char *text, size_t len)
{
	const char *run = text, *end = text + len;

	for (const char *s = text; s < end; s++) {
		const char *esc = *s == '\\' ? "\\\\" :
				  *s == '"'  ? "\\\"" :
				  *s == '\n' ? "\\n" :
					       NULL;

		if (!esc)
			continue;
		strbuf_add(labels, run, (size_t)(s - run));
		strbuf_addstr(labels, esc);
		run = s + 1;
	}
	strbuf_add(labels, run, (size_t)(end - run));
}

static bool is_plain_ascii(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return false;
	return true;
}

int prom_labels_add(struct strbuf *labels, const char *key, const char *value)
{
	size_t len;

	if (!value)
		value = "";
	len = strlen(value);
	if (!label_name_is_valid(key))
		return -EINVAL;
	if (labels->len)
		strbuf_addch(labels, ',');
	strbuf_addstr(labels, key);
	strbuf_addstr(labels, "=\"");
	if (is_plain_ascii(value, len)) {
		add_escaped_value(labels, value, len);
	} else {
		/* Each byte becomes at most the 4 characters of \xHH. */
		char *safe = xmalloc(4 * len + 1);
		size_t safe_len = text_escape(safe, 4 * len + 1, value, len, SIZE_MAX, NULL);

		add_escaped_value(labels, safe, safe_len);
		free(safe);
	}
	strbuf_addch(labels, '"');
	return 0;
}
