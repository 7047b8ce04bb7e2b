/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * JSON lines, the format of `connmon history export` and `import`: one
 * series_point per line, one JSON object per point, documented (and to be
 * kept stable) in docs/EXPORT.md:
 *
 *   {"name":"connmon_tcp_sockets","labels":{"state":"established"},
 *    "kind":"gauge","tier":"tick","t":1764430000000,"v":412}
 *
 * and for the minute and hour tiers "min","max","mean","last" in place of
 * "v".  Keys are written in that order; a value that is NaN (no value) is
 * written null.  The labels string becomes a JSON object with the keys in the
 * string's order and the values unescaped, and back.
 *
 * A reader is strict: a line with a missing, unknown or repeated key, a value
 * of the wrong type, a name that is not a Prometheus metric name, a label name
 * that is not a Prometheus label name, or a kind that does not match the name
 * (counters, and only counters, end in _total) is refused with a sentence
 * naming its line, the JSON path and what was expected.  Blank lines are
 * skipped; a '\r' before the '\n' is ignored.
 *
 * Caps: a line of JSONL_LINE_MAX bytes, a name of JSONL_NAME_MAX, a labels
 * string of JSONL_LABELS_MAX bytes and JSONL_LABELS_NR_MAX labels.
 */
#ifndef CONNMON_COLLECT_JSONL_H
#define CONNMON_COLLECT_JSONL_H

#include <stddef.h>

#include "base/json.h"
#include "base/strbuf.h"
#include "model/series_point.h"

#define JSONL_LINE_MAX	    65536
#define JSONL_NAME_MAX	    256
#define JSONL_LABELS_MAX    4096
#define JSONL_LABELS_NR_MAX 64
/* Bad lines reported one by one; the rest are counted in one last sentence. */
#define JSONL_ERRORS_SHOWN 20

/*
 * Appends p to out as one line, with its '\n'.  Returns 0, or (leaving out
 * unchanged) -EINVAL for a name that is not a metric name or does not match
 * the kind, a labels string that does not parse or breaks a cap, or a tier out
 * of range; -EILSEQ for a label value that is not UTF-8; -ERANGE for an
 * infinite value, which JSON cannot hold.
 */
int jsonl_format(struct strbuf *out, const struct series_point *p);

/* Converts one labels string to its JSON object (appended to out); same errors. */
int jsonl_labels_to_json(struct strbuf *out, const char *labels);

/* Holds the strings of the last parsed point.  Fields are private. */
struct jsonl_parser {
	struct json_doc doc;
	struct strbuf name, labels, err;
};

void jsonl_parser_init(struct jsonl_parser *jp);
void jsonl_parser_release(struct jsonl_parser *jp);
/*
 * Parses one line (without its '\n') numbered line_nr into *p, whose strings
 * stay valid until the next call.  Returns 0, or -EINVAL (or a JSON error:
 * -ENODATA for a cut line, -E2BIG past a cap) with jsonl_parser_error() set
 * to "line N, at $.path: what was expected".
 */
int jsonl_parse_line(struct jsonl_parser *jp, const char *line, size_t len, uint64_t line_nr,
		     struct series_point *p);
const char *jsonl_parser_error(const struct jsonl_parser *jp);

/*
 * Reads JSON lines from fd (to its end) or from buf[0..len), handing each
 * good line's point to sink->point and each bad line's sentence, prefixed
 * with "ORIGIN: ", to sink->error.  Every line is read even when some are
 * bad.  Returns 0 when all lines were good, -EINVAL when some were not, the
 * negative errno of a failed read(2), or what sink->point returned to stop.
 * st (may be NULL) gets the counts: records are the non-blank lines.
 */
int jsonl_read_fd(int fd, const char *origin, const struct point_sink *sink,
		  struct import_stats *st);
int jsonl_read_mem(const char *buf, size_t len, const char *origin, const struct point_sink *sink,
		   struct import_stats *st);

#endif
