/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A small, strict JSON (RFC 8259) reader with size caps, and the few writing
 * helpers JSON output needs.  No dependency beyond libc.
 *
 * Two layers:
 *
 *  - struct json_reader, a pull tokenizer over a memory buffer or a stream
 *    (a read function called for more bytes as they are needed, so a file of
 *    any size is read through a fixed 64 KiB window).  It checks the whole
 *    grammar as it goes and knows where it is: line, column and the JSON path
 *    ("$.sysstat.hosts[0].statistics[12]") of the value being read.
 *  - struct json_doc, one value read into a tree (an object of a few hundred
 *    members, one line of JSON lines), for callers that look values up by
 *    key.  A large document is walked with the reader and only its parts are
 *    read into a doc, so memory stays bounded by the caps below.
 *
 * Strict means: exactly one value per input, with only JSON whitespace
 * around it; no comments, trailing commas, single quotes, NaN or Infinity,
 * leading zeros or '+'; strings are valid UTF-8 with no raw control
 * characters and no unpaired surrogate escapes; \u0000 is refused too, so
 * every decoded string is a C string.  A document (not the reader) refuses
 * duplicate keys in an object.  A byte order mark is refused.
 *
 * Numbers are converted with strtod(3), so in the "C" numeric locale (which
 * connmon never changes); a conversion that stops early is an error, never a
 * wrong value.
 *
 * Errors are negative errno values: -EINVAL for a syntax error, -ENODATA for
 * input that ends inside the value (a truncated file), -E2BIG when a cap is
 * exceeded, -ERANGE for a number beyond a double, or what the read function
 * returned.  The first error sticks: every later call returns it, and
 * json_reader_error() gives one sentence with its line, column and path.
 */
#ifndef CONNMON_BASE_JSON_H
#define CONNMON_BASE_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/strbuf.h"

struct json_limits {
	uint32_t max_depth;	 /* nesting of arrays and objects */
	uint32_t max_string_len; /* bytes of one decoded string or key */
	uint32_t max_nodes;	 /* values held by one json_doc */
	uint32_t max_text_len;	 /* bytes of all strings, keys and numbers of one json_doc */
};

/* 64 levels, 64 KiB strings, 1 Mi values and 16 MiB of text per doc. */
extern const struct json_limits json_limits_default;

enum json_token {
	JSON_TOK_ERROR = -1,
	JSON_TOK_END = 0, /* the input ended after one complete value */
	JSON_TOK_OBJECT_BEGIN,
	JSON_TOK_OBJECT_END,
	JSON_TOK_ARRAY_BEGIN,
	JSON_TOK_ARRAY_END,
	JSON_TOK_KEY, /* a member name; its ':' is consumed too */
	JSON_TOK_STRING,
	JSON_TOK_NUMBER,
	JSON_TOK_TRUE,
	JSON_TOK_FALSE,
	JSON_TOK_NULL,
};

/*
 * Reads up to cap bytes into buf; returns the count, 0 at the end of the
 * input, or a negative errno (which the reader then reports).
 */
typedef ssize_t (*json_read_fn)(void *arg, char *buf, size_t cap);

/* Fields are private: use the functions below. */
struct json_reader {
	const char *buf; /* the current window */
	size_t len, pos;
	json_read_fn read;
	void *read_arg;
	char *win; /* stream mode: the window buf points into */
	bool eof;
	int read_err;
	uint64_t line, col; /* 1-based position of the next byte */
	struct json_limits lim;
	uint8_t *stack;	   /* '{' or '[' per open container */
	uint32_t *index;   /* element index per open array */
	size_t *path_base; /* path length before each open container */
	uint32_t depth;
	int expect;
	struct strbuf text; /* the last key, string or number */
	double num;
	struct strbuf path;
	int err;
	struct strbuf err_msg;
};

/* buf must stay valid and unchanged while the reader is used. */
void json_reader_init_mem(struct json_reader *r, const char *buf, size_t len,
			  const struct json_limits *lim);
void json_reader_init_stream(struct json_reader *r, json_read_fn fn, void *arg,
			     const struct json_limits *lim);
void json_reader_release(struct json_reader *r);

/*
 * The next token.  After JSON_TOK_KEY, STRING and NUMBER, json_reader_text()
 * holds its decoded text (a number as written) until the next call.
 * JSON_TOK_END comes once, after the top-level value and trailing whitespace.
 */
enum json_token json_next(struct json_reader *r);
/* Skips the value that begins with first (a token just returned); 0 or the error. */
int json_skip(struct json_reader *r, enum json_token first);

const char *json_reader_text(const struct json_reader *r);
size_t json_reader_text_len(const struct json_reader *r);
double json_reader_number(const struct json_reader *r);
/* Where the last token was: "$", "$.a[2].b"; long keys are shortened. */
const char *json_reader_path(const struct json_reader *r);
/* 0 or the sticky negative errno. */
int json_reader_errno(const struct json_reader *r);
/* "line 3, column 7, at $.a[2]: expected ',' or ']', found 'x'", or "". */
const char *json_reader_error(const struct json_reader *r);
/* Numbers the reader's current line as line (for input that is one line of a file). */
void json_reader_set_line(struct json_reader *r, uint64_t line);
/* Sets the sticky error (if none is set yet) at the reader's position; returns err. */
__attribute__((format(printf, 3, 4))) int json_reader_fail(struct json_reader *r, int err,
							   const char *fmt, ...);

enum json_type {
	JSON_NULL,
	JSON_FALSE,
	JSON_TRUE,
	JSON_NUMBER,
	JSON_STRING,
	JSON_ARRAY,
	JSON_OBJECT,
};

/* A node of a json_doc; read it through the functions below. */
struct json_value {
	enum json_type type;
	uint32_t nr;	/* children of an array or object */
	uint32_t first; /* node index of the first child, 0 for none */
	uint32_t next;	/* node index of the next sibling, 0 for none */
	uint32_t key;	/* text offset of the member name, in an object */
	uint32_t text;	/* text offset of a string, or a number as written */
	double num;
};

/*
 * One value as a tree.  The doc owns its nodes and text; pointers it returns
 * stay valid until the next json_doc_read/parse or json_doc_release on it.
 */
struct json_doc {
	struct json_value *v;
	size_t nr, cap;
	struct strbuf text;
	uint32_t *scratch; /* key offsets, for the duplicate check */
	size_t scratch_cap;
	struct json_limits lim;
};

void json_doc_init(struct json_doc *d, const struct json_limits *lim);
void json_doc_release(struct json_doc *d);
/*
 * Replaces d's content with the value that begins with first, a token just
 * returned by json_next(r); reads the rest of it from r.  Returns 0 or the
 * reader's sticky error (caps of the doc and duplicate keys are reported
 * through the reader, with its position).
 */
int json_doc_read(struct json_doc *d, struct json_reader *r, enum json_token first);
/*
 * Parses buf[0..len) as one whole JSON text into d.  On error returns it and,
 * when err is not NULL, appends the sentence to err.
 */
int json_doc_parse(struct json_doc *d, const char *buf, size_t len, struct strbuf *err);

const struct json_value *json_doc_root(const struct json_doc *d);
/* First child and next sibling, NULL at the end. */
const struct json_value *json_first(const struct json_doc *d, const struct json_value *v);
const struct json_value *json_sibling(const struct json_doc *d, const struct json_value *v);
/* The member of object obj named key, or NULL (also when obj is not an object). */
const struct json_value *json_get(const struct json_doc *d, const struct json_value *obj,
				  const char *key);
/* The member name of a child of an object; "" otherwise. */
const char *json_key(const struct json_doc *d, const struct json_value *v);
/* A string's text, or a number as written; "" for other types. */
const char *json_str(const struct json_doc *d, const struct json_value *v);
/*
 * A number written as an integer (no fraction, no exponent) in int64 range:
 * 0, -EINVAL (not a number, or not written as an integer) or -ERANGE.
 */
int json_int64(const struct json_doc *d, const struct json_value *v, int64_t *out);
/* "null", "false", "true", "a number", "a string", "an array", "an object". */
const char *json_type_name(enum json_type t);

/*
 * Appends s[0..len) as a JSON string with its quotes: '"', '\\' and control
 * characters escaped, everything else as is.  Returns 0, or -EILSEQ (and
 * appends nothing) when s is not valid UTF-8 or holds a NUL.
 */
int json_add_string(struct strbuf *sb, const char *s, size_t len);
/*
 * Appends v as a JSON number that reads back as the same double: integral
 * values below 2^53 without fraction or exponent, others in the shortest of
 * %.15g, %.16g, %.17g that round-trips.  NaN is appended as null.  Returns 0,
 * or -ERANGE (and appends nothing) for an infinity, which JSON cannot hold.
 */
int json_add_number(struct strbuf *sb, double v);
/* True when s[0..len) is valid UTF-8 without NUL bytes. */
bool json_utf8_valid(const char *s, size_t len);

#endif
