/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The alerts of the report's range as chart marks (docs/REPORT.md,
 * "Alerts"): one span per alert, from the time its condition began to its
 * resolution (or the end of the range while it fires), at its highest
 * severity, labelled "RULE SUBJECT".  Each chart shows the rules about
 * what it draws (report.c passes their names).
 *
 * Owns its alerts and label strings; the marks handed out point into them
 * and stay valid until report_marks_release().
 */
#ifndef CONNMON_APP_REPORT_MARKS_H
#define CONNMON_APP_REPORT_MARKS_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "ui/chart.h"

struct report_alert {
	uint64_t id;
	int64_t t0_ms, t1_ms; /* t1 INT64_MAX: not resolved */
	int severity;
	char rule[ALERT_RULE_LEN];
	char *subject; /* owned */
	char *label;   /* owned: "rule subject" */
};

struct report_marks {
	struct report_alert *v;
	size_t nr, alloc;
};

/* Reads the alerts overlapping [since, until) (0, or the store's -errno). */
int report_marks_load(struct report_marks *m, struct store *st, int64_t since_ms, int64_t until_ms);

/*
 * The marks of the alerts whose rule is in rules (NULL-terminated; an
 * entry "" stands for every rule the config added) and,
 * when iface is not NULL, whose subject names no other interface; into a
 * new array (*out, free()) of the returned length.
 */
size_t report_marks_pick(const struct report_marks *m, const char *const *rules, const char *iface,
			 int64_t until_ms, struct chart_mark **out);

void report_marks_release(struct report_marks *m);

#endif
