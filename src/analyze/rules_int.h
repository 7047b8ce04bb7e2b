/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Inside the rule engine: what a rule's evaluation function sees and the
 * calls by which it reports its subjects.  Shared by rules.c (the state
 * machine), rules_builtin.c, rules_traffic.c, rules_listener.c and
 * rules_custom.c (the rules), rules_series.c (reading the inputs).
 *
 * A rule's eval function is called once per evaluation.  It reports each
 * subject it has news about with rule_observe(); a subject it does not
 * report has vanished (below the clear level).  When its inputs say
 * nothing this tick it calls rule_no_news() (every subject stays as it
 * is); when an input is missing, rule_off() with the reason.
 */
#ifndef CONNMON_ANALYZE_RULES_INT_H
#define CONNMON_ANALYZE_RULES_INT_H

#include "analyze/rules.h"

#define RULE_ACT(k) ((uint8_t)(1u << (k)))

struct rule_obs {
	struct alert_subject subject;
	double value; /* NaN: no news about this subject this tick */
	double threshold;
	bool cond; /* the rule's condition holds now */
	bool hold; /* not cleared whatever the value (another part of the condition holds) */
	char summary[ALERT_SUMMARY_LEN];
	char sources[ALERT_MAX_SOURCES][ALERT_ADDR_LEN];
	uint32_t nr_sources;
};

struct rule_ctx {
	const struct rule_inputs *in;
	const struct rule_settings *s;
	const struct rule_custom *custom; /* a custom rule's definition, else NULL */
	struct rule_engine *e;
	struct rule_state *st;
	struct alert_event_list *out; /* this evaluation's events */
};

typedef void (*rule_eval_fn)(struct rule_ctx *cx);

struct rule_builtin {
	struct rule_builtin_info info;
	rule_eval_fn eval;
	bool below;		       /* fires below its threshold */
	struct rule_settings defaults; /* param[] filled from info.params */
};

extern const struct rule_builtin rule_builtins[RULE_BUILTINS];

void rule_observe(struct rule_ctx *cx, const struct rule_obs *o);
void rule_no_news(struct rule_ctx *cx);
void rule_off(struct rule_ctx *cx, const char *why);

/* An observation with an empty subject (the host), value and threshold, no summary. */
void rule_obs_init(struct rule_obs *o, double value, double threshold, bool cond);
/* printf into o->summary. */
void rule_obs_summary(struct rule_obs *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void rule_obs_copy(char *dst, size_t size, const char *src);

/* The rules (rules_builtin.c, rules_traffic.c, rules_listener.c, rules_custom.c). */
void rule_eval_connections(struct rule_ctx *cx);
void rule_eval_per_ip(struct rule_ctx *cx);
void rule_eval_syn_flood(struct rule_ctx *cx);
void rule_eval_port_scan(struct rule_ctx *cx);
void rule_eval_ssh(struct rule_ctx *cx);
void rule_eval_close_wait(struct rule_ctx *cx);
void rule_eval_time_wait(struct rule_ctx *cx);
void rule_eval_listen_overflow(struct rule_ctx *cx);
void rule_eval_capacity(struct rule_ctx *cx);
void rule_eval_traffic_surge(struct rule_ctx *cx);
void rule_eval_traffic_stopped(struct rule_ctx *cx);
void rule_eval_link_util(struct rule_ctx *cx);
void rule_eval_packet_loss(struct rule_ctx *cx);
void rule_eval_big_flow(struct rule_ctx *cx);
void rule_eval_unknown_listener(struct rule_ctx *cx);
void rule_eval_custom(struct rule_ctx *cx);

/* Reading the inputs (rules_series.c). */

/* This tick's value of (family, labels); NaN when not produced. */
double rs_now(const struct rule_inputs *in, enum metric_family_id id, const char *labels);
/* The same for one entry of the table. */
const struct series_entry *rs_entry(const struct rule_inputs *in, enum metric_family_id id,
				    const char *labels);
/* The ring's value `back` ticks ago of an entry (a counter's increase); NaN when none. */
double rs_back(const struct rule_inputs *in, const struct series_entry *e, uint32_t back);
/*
 * The sum of an entry's ring values over the last window_ms (at least the
 * latest tick); NaN when every one is a gap.  *nr_ticks (may be NULL)
 * receives how many ticks the window spans.
 */
double rs_window_sum(const struct rule_inputs *in, const struct series_entry *e, int64_t window_ms,
		     uint32_t *nr_ticks);
/* A counter's per-second rate over its latest tick; NaN when unknown. */
double rs_rate(const struct rule_inputs *in, const struct series_entry *e);
/* Ticks in d (at least 1). */
uint32_t rs_ticks(const struct rule_inputs *in, int64_t d_ms);
/* Whether entry i of the table is live, of family id, and produced this tick. */
bool rs_is(const struct rule_inputs *in, uint32_t i, enum metric_family_id id);
/* An interface's rx + tx rate in bytes per second now; NaN when unknown. */
double rs_iface_rate(const struct rule_inputs *in, const char *iface);
/* The census ran this tick (its totals are there): its series say something. */
bool rs_census_fresh(const struct rule_inputs *in);
/* The sum over the window of connmon_netstat_total{counter}'s increases; NaN when unknown. */
double rs_netstat_window(const struct rule_inputs *in, const char *counter, int64_t window_ms);
/* The same for an interface counter family (MF_IFACE_...). */
double rs_iface_window(const struct rule_inputs *in, enum metric_family_id id, const char *iface,
		       int64_t window_ms);
/* Appends "1,234" / "12.5" / "3.2 MB" style text of v. */
void rs_fmt_count(double v, char *buf, size_t size);
void rs_fmt_bytes(double v, char *buf, size_t size);

#endif
