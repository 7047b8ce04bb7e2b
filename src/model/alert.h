/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * An alert event: what the rule engine (analyze/rules) emits when an alert
 * fires, escalates or resolves, and what every sink (alert/notify), the
 * store's alert history, `connmon alerts`, `connmon check` and /metrics
 * receive.  One JSON object per event, stable and documented in
 * docs/JSON.md ("Alert events"):
 *
 *   {"time": ISO-8601, "rule", "severity": "info"|"warning"|"critical",
 *    "status": "firing"|"resolved", "subject": {"addr"?, "local"?, "port"?,
 *    "pid"?, "comm"?, "iface"?, "resource"?}, "value", "threshold",
 *    "started_at": ISO-8601, "summary", "sources"?: [addr...],
 *    "actions": [{"action", "target"?, "duration_s"?, "result"}...]}
 *
 * Plain data: every field is inline (no pointers), so an event can be
 * copied by value into a queue and handed to another thread.
 * Units: times in ms since the Unix epoch (UTC); value and threshold in the
 * unit of the rule's measure (docs/RULES.md says which).
 */
#ifndef CONNMON_MODEL_ALERT_H
#define CONNMON_MODEL_ALERT_H

#include <stdbool.h>
#include <stdint.h>

#include "base/strbuf.h"

enum alert_severity {
	ALERT_INFO,
	ALERT_WARNING,
	ALERT_CRITICAL,
	ALERT_SEVERITIES,
};

enum alert_status {
	ALERT_FIRING,
	ALERT_RESOLVED,
};

/* The graded responses, in escalation order. */
enum alert_action_kind {
	ACTION_LOG,
	ACTION_LIMIT,
	ACTION_BLOCK,
	ACTION_KILL,
	ACTION_KINDS,
};

#define ALERT_RULE_LEN	  64
#define ALERT_ADDR_LEN	  48 /* an IPv6 address in text with room to spare */
#define ALERT_TEXT_LEN	  32
#define ALERT_SUMMARY_LEN 256
#define ALERT_RESULT_LEN  96
#define ALERT_MAX_SOURCES 8
#define ALERT_MAX_ACTIONS 4

/*
 * Who or what the alert is about.  Empty strings and -1 mean "not part of
 * this subject"; two events with equal subjects are about the same thing.
 */
struct alert_subject {
	char addr[ALERT_ADDR_LEN];  /* the remote (offending) address */
	char local[ALERT_ADDR_LEN]; /* the local address of a host pair (big_flow) */
	int32_t port;		    /* a local port, -1 */
	int32_t pid;		    /* -1 */
	char comm[ALERT_TEXT_LEN];
	char iface[ALERT_TEXT_LEN];
	char resource[ALERT_TEXT_LEN]; /* what is full (capacity): "conntrack", "orphans" ... */
};

struct alert_action {
	enum alert_action_kind kind;
	char target[ALERT_ADDR_LEN];   /* an address, "port 22"; "" for log */
	int64_t duration_ms;	       /* limit and block expiry; 0 none */
	char result[ALERT_RESULT_LEN]; /* "done", "dry-run", "refused: allowlisted", "failed: ..."
					*/
};

struct alert_event {
	uint64_t id; /* one per alert (firing to resolved), > 0 */
	int64_t time_ms;
	char rule[ALERT_RULE_LEN];
	enum alert_severity severity;
	enum alert_status status;
	struct alert_subject subject;
	double value; /* NaN: none */
	double threshold;
	int64_t started_ms; /* when the condition began to hold */
	char summary[ALERT_SUMMARY_LEN];
	char sources[ALERT_MAX_SOURCES][ALERT_ADDR_LEN];
	uint32_t nr_sources;
	struct alert_action actions[ALERT_MAX_ACTIONS];
	uint32_t nr_actions;
};

/* An empty subject: no strings, port and pid -1. */
void alert_subject_init(struct alert_subject *s);
bool alert_subject_equal(const struct alert_subject *a, const struct alert_subject *b);
/* "addr=10.0.0.9", "port=443", "pid=77 comm=java", "iface=eth0": the subject as one short text. */
void alert_subject_text(const struct alert_subject *s, struct strbuf *out);

const char *alert_severity_name(enum alert_severity s);
/* The severity called name ("info", "warning", "critical"), or -1. */
int alert_severity_parse(const char *name);
const char *alert_status_name(enum alert_status s);
const char *alert_action_name(enum alert_action_kind k);
/* The action called name ("log", "limit", "block", "kill"), or -1. */
int alert_action_parse(const char *name);

/* Appends the event's JSON object (one line, no newline) to out. */
void alert_event_json(const struct alert_event *ev, struct strbuf *out);

#endif
