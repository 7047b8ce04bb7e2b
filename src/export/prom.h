/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The Prometheus text exposition format, version 0.0.4 (what /metrics
 * serves): a pure encoder from an array of points to text, and the builder
 * of a labels string.  docs/METRICS.md describes the output.
 *
 * A point is one sample of one series.  Points with the same name form a
 * family: the output writes each family once, contiguously, as
 *
 *	# HELP name help          (help escaped: backslash as \\, newline as \n)
 *	# TYPE name gauge|counter
 *	name{labels} value        (one line per point, in input order)
 *
 * with the families in the order of their first point.  No timestamps: a
 * scrape is stamped by the scraper.  Values: integers up to 2^53 in magnitude
 * exactly, without exponent; other finite values in the shortest form that
 * reads back as the same double (at most 17 significant digits); NaN, +Inf
 * and -Inf as Prometheus writes them ("NaN", "+Inf", "-Inf").
 *
 * Everything here is pure and allocates only scratch memory it frees.
 */
#ifndef CONNMON_EXPORT_PROM_H
#define CONNMON_EXPORT_PROM_H

#include <stdbool.h>
#include <stddef.h>

#include "base/strbuf.h"

enum prom_kind {
	PROM_GAUGE,
	PROM_COUNTER, /* monotonic but may reset; its name ends in _total */
};

/*
 * One sample.  Every pointer is borrowed for the duration of the encoding.
 * name: a metric name ([a-zA-Z_:][a-zA-Z0-9_:]*).
 * help: the family's HELP text, raw (the encoder escapes it); NULL: no HELP line.
 * labels: the labels string of the shared vocabulary (the text between the
 *	braces, already escaped, e.g. built with prom_labels_add()); NULL or ""
 *	for a series without labels.  Not checked: the producer owns it.
 * The family's help and kind are those of its first point.
 */
struct prom_point {
	const char *name;
	const char *help;
	enum prom_kind kind;
	const char *labels;
	double value;
};

/*
 * Appends the exposition of points[0..nr_points) to out, which should have
 * no max_len (a cut would leave half a line).  A point whose name is not a
 * valid metric name is left out (one bad line would make Prometheus reject
 * the whole scrape).  Returns the number of points left out, 0 normally.
 * No points: nothing is appended (an empty exposition is valid).
 * Work and scratch memory are linear in nr_points.
 */
size_t prom_encode(struct strbuf *out, const struct prom_point *points, size_t nr_points);

/*
 * Appends key="value" to a labels string, preceded by ',' when labels is
 * not empty.  key must be a label name ([a-zA-Z_][a-zA-Z0-9_]*, not starting
 * with "__"); otherwise nothing is appended and -EINVAL returned.
 * value is text from anywhere (process names, interface names): it is written
 * in connmon's display-safe form (docs/JSON.md, "Text from other users": a
 * byte that is a control or not valid UTF-8 becomes the characters \xHH, so a
 * newline is \x0a as in every output), then escaped for the format (a
 * backslash as \\, a double quote as \").  So the exposition is always valid
 * UTF-8 and Prometheus stores the same text JSON shows.  Returns 0.
 */
int prom_labels_add(struct strbuf *labels, const char *key, const char *value);

/* Bytes prom_format_value() needs at most, the NUL included. */
#define PROM_VALUE_MAX 32

/* Writes v as the encoder writes it into buf (PROM_VALUE_MAX bytes); returns its length. */
size_t prom_format_value(char *buf, double v);

/* Whether name is a valid metric name (what prom_encode() accepts). */
bool prom_name_is_valid(const char *name);

#endif
