/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The rule engine (DESIGN.md §5, docs/RULES.md): the 15 built-in rules and
 * up to RULES_MAX_CUSTOM threshold rules of the config, evaluated once per
 * tick over the series of the tick, the in-memory hour, the baseline bands
 * and the per-address facts.  It emits alert events (model/alert.h); it
 * never acts: the app hands the events to the sinks and the responder.
 *
 * State machine, per (rule, subject):
 *
 *   idle --condition--> pending --held `for`--> firing --held below the
 *   clear level for `clear_for`--> resolved (idle again)
 *
 * A pending subject whose condition stops before `for` goes back to idle
 * silently.  While firing, the severity escalates one step (never above
 * critical, never down) each `escalate_after` of firing, and at once when
 * the value reaches `escalate_factor` x the threshold.  The clear level is
 * `clear` % of the threshold (for rules that fire below a threshold: the
 * threshold / `clear` %); between the clear level and the threshold a
 * firing alert stays firing (hysteresis).  One alert (one id) per subject.
 * A subject the inputs no longer mention counts as below the clear level;
 * an input that says nothing this tick (a census skipped on a busy host: a
 * NaN value) is "no news" and changes nothing.
 *
 * Bounds: at most RULES_MAX_SUBJECTS subjects per rule; beyond, new subjects
 * are counted (rules_status.nr_dropped) and ignored.  Subjects leave when
 * they resolve or stop pending, so the tables do not grow with time.
 *
 * Ownership: struct rules_config is plain data (no pointers), embedded in
 * struct agent_config.  The engine owns its per-rule state; rules_release()
 * frees it.  Inputs are borrowed for one rules_evaluate() call.
 * Units: times in ms since the epoch (UTC), durations in ms, rates in
 * bytes per second, ratios in percent.
 */
#ifndef CONNMON_ANALYZE_RULES_H
#define CONNMON_ANALYZE_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyze/rule_facts.h"
#include "analyze/series_ring.h"
#include "model/alert.h"
#include "model/metric.h"

enum rule_id {
	RULE_CONNECTIONS,
	RULE_PER_IP_CONNECTIONS,
	RULE_SYN_FLOOD,
	RULE_PORT_SCAN,
	RULE_SSH_BRUTE_FORCE,
	RULE_CLOSE_WAIT,
	RULE_TIME_WAIT_RATIO,
	RULE_TRAFFIC_SURGE,
	RULE_TRAFFIC_STOPPED,
	RULE_LINK_UTILISATION,
	RULE_PACKET_LOSS,
	RULE_LISTEN_OVERFLOW,
	RULE_UNKNOWN_LISTENER,
	RULE_BIG_FLOW,
	RULE_CAPACITY,
	RULE_BUILTINS,
};

#define RULE_MAX_PARAMS	    4
#define RULES_MAX_CUSTOM    64
#define RULES_MAX_SUBJECTS  4096
#define RULES_MAX_LISTENERS 4096
#define RULE_NAME_LEN	    48
#define RULE_SERIES_LEN	    256
#define RULE_MAX_MATCH	    4
#define RULE_KEY_LEN	    32
#define RULE_VALUE_LEN	    64

/* The settings every rule has; the config keys of the same names (docs/RULES.md). */
struct rule_settings {
	bool enabled;
	int severity;			   /* enum alert_severity when it fires */
	int64_t for_ms;			   /* the condition holds this long before it fires */
	double clear_pct;		   /* clear level, % of the threshold (1 to 100) */
	int64_t clear_for_ms;		   /* below the clear level this long: resolved */
	int64_t escalate_after_ms;	   /* one severity up per this much firing; 0: never */
	double escalate_factor;		   /* critical at value >= factor x threshold; 0: never */
	uint8_t actions[ALERT_SEVERITIES]; /* per severity, bit (1 << enum alert_action_kind) */
	double param[RULE_MAX_PARAMS];	   /* the rule's own thresholds (rules_builtin_params) */
};

/* A threshold rule of the config on any series: [rule "NAME"] series = ... above = ... */
struct rule_custom {
	char name[RULE_NAME_LEN];
	char series[RULE_SERIES_LEN]; /* the selector as written, for config_write */
	char family[RULE_VALUE_LEN];  /* the metric name */

	struct {
		char key[RULE_KEY_LEN];
		char value[RULE_VALUE_LEN]; /* unescaped */
	} match[RULE_MAX_MATCH];

	unsigned nr_match;
	bool below; /* fires when the value is below the threshold */
	double threshold;
	struct rule_settings s; /* param[] unused */
};

struct rules_config {
	struct rule_settings builtin[RULE_BUILTINS];
	int64_t learn_ms; /* unknown_listener: how long the inventory is learned */
	struct rule_custom custom[RULES_MAX_CUSTOM];
	unsigned nr_custom;
};

/* One threshold of a built-in rule, as a config key. */
struct rule_param {
	const char *key;  /* "max" */
	double def;	  /* the default, in unit */
	double min, max;  /* accepted range */
	const char *unit; /* "connections", "%", "bytes/s" (docs) */
	const char *doc;  /* one line */
};

struct rule_builtin_info {
	const char *name;    /* "per_ip_connections" */
	const char *subject; /* "addr", "host", "port, pid" (docs) */
	const struct rule_param *params;
	size_t nr_params;
};

/* The built-in rule id's name, parameters and defaults. */
const struct rule_builtin_info *rules_builtin_info(enum rule_id id);
/* The id of the built-in rule called name, or -1. */
int rules_builtin_find(const char *name);

/* Fills c with the built-in defaults: every rule on, no custom rule. */
void rules_config_defaults(struct rules_config *c);
/* The defaults of a custom rule (warning, for 1m, clear 100%, log). */
void rules_custom_defaults(struct rule_custom *r);

/* A baseline band of one series at one time: the agent's stored bands (analyze/baseline.h). */
struct rule_band {
	double p10, median, p90; /* counters: per-second rates */
	bool learning;		 /* too little history to judge */
};

/* true and *out filled when the series has a band at t_ms. */
typedef bool (*rule_band_fn)(void *arg, const struct metric_family *fam, const char *labels,
			     int64_t t_ms, struct rule_band *out);

struct rule_inputs {
	int64_t now_ms;
	int64_t interval_ms; /* the tick interval (> 0) */
	const struct series_table *series;
	const struct series_ring *ring; /* rows as in series (ring_row) */
	rule_band_fn band;		/* NULL: no baseline; the rules needing one are off */
	void *band_arg;
	const struct rule_facts *facts; /* NULL: none (those rules are off) */
};

/* What one evaluation appends: events by value. */
struct alert_event_list {
	struct alert_event *v;
	size_t nr, alloc;
};

void alert_event_list_init(struct alert_event_list *l);
void alert_event_list_release(struct alert_event_list *l);
void alert_event_list_clear(struct alert_event_list *l);

/* One learned listener of unknown_listener, as the store's listener table keeps it. */
struct rule_listener_known {
	uint8_t proto; /* IPPROTO_TCP or IPPROTO_UDP */
	uint16_t port;
	char comm[ALERT_TEXT_LEN];
	int64_t first_ms, last_ms;
};

struct rule_state; /* rules.c */

struct rule_engine {
	struct rules_config cfg;
	struct rule_state *rules; /* RULE_BUILTINS + cfg.nr_custom */
	size_t nr_rules;
	uint64_t next_id;
	/* unknown_listener's inventory */
	struct rule_listener_known *known;
	size_t nr_known, alloc_known;
	int64_t learn_start_ms; /* INT64_MIN: at the first evaluation */
	bool known_dirty;	/* changed since rules_inventory_clean() */
};

void rules_init(struct rule_engine *e, const struct rules_config *c);
/*
 * A new config (SIGHUP): rules still on (same name) keep their subjects and
 * alerts; a rule switched off or removed drops its alerts without events
 * (the caller may resolve them first with rules_resolve_all()).
 */
void rules_configure(struct rule_engine *e, const struct rules_config *c);
void rules_release(struct rule_engine *e);

/* One evaluation: appends this tick's events (firing, escalated, resolved); returns how many. */
size_t rules_evaluate(struct rule_engine *e, const struct rule_inputs *in,
		      struct alert_event_list *out);

/* Appends a resolved event for every firing alert and forgets them (the agent's shutdown). */
size_t rules_resolve_all(struct rule_engine *e, int64_t now_ms, struct alert_event_list *out);

/* Calls fn for each alert firing now (the latest event of each). */
void rules_foreach_firing(const struct rule_engine *e,
			  void (*fn)(void *arg, const struct alert_event *ev), void *arg);

/* Per rule, after an evaluation: on or off and why, for check and the agent's log. */
struct rules_status {
	const char *name;
	bool enabled;	 /* in the config */
	bool running;	 /* its inputs are there */
	const char *why; /* when enabled && !running: "no baseline", "cannot read ..." */
	size_t nr_pending, nr_firing;
	uint64_t nr_dropped; /* subjects ignored beyond RULES_MAX_SUBJECTS */
};

size_t rules_count(const struct rule_engine *e);
/* i below rules_count(); the strings live until the next rules_evaluate/configure. */
void rules_status_get(const struct rule_engine *e, size_t i, struct rules_status *out);

/*
 * unknown_listener's inventory.  The app loads the store's listener table
 * with rules_inventory_add() before the first evaluation (the learning
 * period then started at the oldest first_ms), and saves rules_inventory()
 * when rules_inventory_dirty() says it changed.  At most RULES_MAX_LISTENERS.
 */
void rules_inventory_add(struct rule_engine *e, const struct rule_listener_known *k);
const struct rule_listener_known *rules_inventory(const struct rule_engine *e, size_t *nr);
bool rules_inventory_dirty(const struct rule_engine *e);
void rules_inventory_clean(struct rule_engine *e);

/* The config's action list text: "log,block"; "" for none. */
void rules_actions_format(uint8_t mask, struct strbuf *out);
/* Parses "log,block" (or "none"): 0, or -EINVAL with the bad word in *bad (static or in s). */
int rules_actions_parse(const char *s, uint8_t *mask, char *bad, size_t bad_size);

#endif
