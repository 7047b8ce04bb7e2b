// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `connmon history export` and `history import [--sar] FILE`: the store's
 * points as JSON lines (collect/jsonl.h, docs/EXPORT.md), and back; an
 * operator's sar history (`sadf -j`, collect/sadf.h) into the minute tier,
 * so a baseline has data on day one.  Import is a writer: it takes the
 * database's lock, so it refuses a database an agent is recording into
 * (stop the agent, or import into another file and let the agent use it).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/history.h"
#include "collect/jsonl.h"
#include "collect/sadf.h"
#include "model/metric.h"

static enum store_tier tier_of(enum series_tier t)
{
	return t == SERIES_TIER_HOUR   ? STORE_TIER_HOUR :
	       t == SERIES_TIER_MINUTE ? STORE_TIER_MINUTE :
					 STORE_TIER_TICK;
}

static enum series_tier series_tier_of(enum store_tier t)
{
	return t == STORE_TIER_HOUR   ? SERIES_TIER_HOUR :
	       t == STORE_TIER_MINUTE ? SERIES_TIER_MINUTE :
					SERIES_TIER_TICK;
}

/* A SERIES argument: NAME or NAME{labels}; true when the series matches. */
static bool wanted(const struct hist *h, const struct store_series_info *info)
{
	if (h->o.nr_args <= 1)
		return true;
	for (size_t i = 1; i < h->o.nr_args; i++) {
		const char *a = h->o.args[i], *brace = strchr(a, '{');
		size_t n = brace ? (size_t)(brace - a) : strlen(a);

		if (strlen(info->name) != n || strncmp(info->name, a, n))
			continue;
		if (!brace)
			return true;
		if (strlen(brace) >= 2 && !strncmp(brace + 1, info->labels, strlen(brace) - 2) &&
		    strlen(info->labels) == strlen(brace) - 2)
			return true;
	}
	return false;
}

struct export_ctx {
	struct hist *h;
	struct strbuf line;
	uint64_t nr;
};

static int export_point(void *arg, const struct store_series_info *info, enum store_tier tier,
			const struct store_sample *s)
{
	struct export_ctx *x = arg;
	struct series_point p = {
		.name = info->name,
		.labels = info->labels,
		.counter = info->kind == STORE_COUNTER,
		.tier = series_tier_of(tier),
		.t_ms = s->t_ms,
		.min = s->min,
		.max = s->max,
		.mean = s->mean,
		.last = s->last,
	};

	if (!wanted(x->h, info))
		return 0;
	strbuf_reset(&x->line);
	if (jsonl_format(&x->line, &p) < 0)
		return 0; /* a name the format refuses cannot have been stored by connmon */
	outbuf_add(&x->h->out, x->line.buf, x->line.len);
	x->nr++;
	return 0;
}

int hist_export(struct hist *h)
{
	struct export_ctx x = { .h = h };
	struct store_query q = { .since_ms = h->since_ms, .until_ms = h->until_ms };
	struct strbuf err = STRBUF_INIT;
	int ret;

	strbuf_init(&x.line, 256);
	ret = store_export(h->st, &q, export_point, &x, &err);
	if (ret < 0)
		fprintf(stderr, "connmon history: %s\n", err.len ? err.buf : strerror(-ret));
	else if (!x.nr)
		hist_no_data(h, "points");
	strbuf_release(&x.line);
	strbuf_release(&err);
	return ret < 0 ? 1 : 0;
}

struct import_ctx {
	struct store *st;
	uint64_t nr_ok, nr_refused;
	struct strbuf err;
};

static int import_point(void *arg, const struct series_point *p)
{
	struct import_ctx *x = arg;
	struct store_sample s = {
		.t_ms = p->t_ms,
		.min = p->min,
		.max = p->max,
		.mean = p->mean,
		.last = p->last,
		.count = 1,
	};
	int ret;

	strbuf_reset(&x->err);
	ret = store_import(x->st, p->name, p->labels, p->counter ? STORE_COUNTER : STORE_GAUGE,
			   tier_of(p->tier), &s, &x->err);
	if (ret < 0) {
		if (x->nr_refused++ < 20)
			fprintf(stderr, "connmon history: import: %s\n",
				x->err.len ? x->err.buf : strerror(-ret));
		return ret == -ENOSPC || ret == -EIO ? ret : 0; /* the disk: stop; a point: skip */
	}
	x->nr_ok++;
	return 0;
}

static void import_error(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "connmon history: %s\n", msg);
}

int hist_import(struct hist *h, bool sar)
{
	struct import_ctx x = { 0 };
	struct point_sink sink = { import_point, import_error, &x };
	struct import_stats stats = { 0 };
	struct strbuf err = STRBUF_INIT;
	const char *file = h->o.nr_args > 1 ? h->o.args[1] : "-";
	int fd = strcmp(file, "-") ? open(file, O_RDONLY | O_CLOEXEC) : STDIN_FILENO;
	int ret, rc = 0;

	if (fd < 0) {
		fprintf(stderr, "connmon history: cannot open '%s': %s\n", file, strerror(errno));
		return 1;
	}
	ret = store_open(&x.st, h->db, STORE_WRITE, NULL, &err);
	if (ret < 0) {
		fprintf(stderr, "connmon history: %s\n", err.buf);
		if (fd != STDIN_FILENO)
			close(fd);
		strbuf_release(&err);
		return 1;
	}
	strbuf_init(&x.err, 128);
	ret = sar ? sadf_read_fd(fd, file, &sink, &stats) : jsonl_read_fd(fd, file, &sink, &stats);
	if (ret < 0 && ret != -EINVAL && ret != -ENODATA)
		rc = 1;
	strbuf_reset(&err);
	if (store_close(x.st, &err) < 0) {
		fprintf(stderr, "connmon history: %s\n", err.buf);
		rc = 1;
	}
	fprintf(stderr,
		"connmon history: imported %llu points from '%s' into '%s'%s%llu refused, %llu problems in the input)\n",
		(unsigned long long)x.nr_ok, file, h->db, " (", (unsigned long long)x.nr_refused,
		(unsigned long long)stats.nr_errors);
	if (x.nr_refused || stats.nr_errors)
		rc = 1;
	if (fd != STDIN_FILENO)
		close(fd);
	strbuf_release(&x.err);
	strbuf_release(&err);
	return rc;
}
