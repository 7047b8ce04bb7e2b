// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Arbitrary text as a `connmon baseline` series selector.  Invariants: an
 * error comes with a message and leaves the selector empty; a selector that
 * parses selects the series its own matchers describe (written back with
 * the text format's escapes, in reverse order), and not that series under
 * another name; the edit distance of the text to its own name is at most
 * the text's length.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/series_sel.h"
#include "model/metric.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_selected(const struct series_sel *s)
{
	struct strbuf labels = STRBUF_INIT, other = STRBUF_INIT;

	for (size_t i = s->nr_match; i-- > 0;)
		metric_labels_add(&labels, s->match[i].key, s->match[i].value);
	if (!series_sel_matches(s, s->name, labels.buf))
		abort();
	strbuf_addf(&other, "%s_", s->name);
	if (series_sel_matches(s, other.buf, labels.buf))
		abort();
	strbuf_release(&labels);
	strbuf_release(&other);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf err = STRBUF_INIT;
	struct series_sel s;
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (series_sel_parse(&s, text, &err) < 0) {
		if (!err.len || s.name || s.nr_match)
			abort();
	} else {
		if (!s.name[0] || s.nr_match > SERIES_SEL_MAX_MATCH)
			abort();
		check_selected(&s);
		if (series_sel_distance(text, s.name, SIZE_MAX) > strlen(text))
			abort();
		series_sel_release(&s);
	}
	strbuf_release(&err);
	free(text);
	return 0;
}
