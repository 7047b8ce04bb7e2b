// SPDX-License-Identifier: GPL-2.0-or-later
/* The [rule "NAME"] sections (config_rules.h). */
#include "cli/config_rules.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "cli/config.h"
#include "cli/series_sel.h"

#define MAX_KEYS_SEEN (RULE_BUILTINS * 20 + RULES_MAX_CUSTOM * 16)

static const char *const common_keys[] = {
	"enabled",	  "severity",	     "for",	     "clear",		"clear_for",
	"escalate_after", "escalate_factor", "actions_info", "actions_warning", "actions_critical",
};
#define NR_COMMON (sizeof(common_keys) / sizeof(common_keys[0]))

struct seen {
	char rule[RULE_NAME_LEN];
	char key[24];
	int line;
};

struct config_rules_parse {
	struct seen seen[MAX_KEYS_SEEN];
	size_t nr_seen;
	int custom_line[RULES_MAX_CUSTOM]; /* the first header of each custom rule */
};

const char *const *config_rules_common_keys(size_t *nr)
{
	*nr = NR_COMMON;
	return common_keys;
}

struct config_rules_parse *config_rules_parse_new(void)
{
	return xcalloc(1, sizeof(struct config_rules_parse));
}

void config_rules_parse_free(struct config_rules_parse *p)
{
	free(p);
}

static struct rule_custom *custom_find(struct rules_config *c, const char *name)
{
	for (unsigned i = 0; i < c->nr_custom; i++) {
		if (!strcmp(c->custom[i].name, name))
			return &c->custom[i];
	}
	return NULL;
}

int config_rules_section(struct config_rules_parse *p, struct rules_config *c, const char *name,
			 int line, struct strbuf *err)
{
	struct rule_custom *r;

	if (rules_builtin_find(name) >= 0 || custom_find(c, name))
		return 0;
	if (c->nr_custom >= RULES_MAX_CUSTOM) {
		strbuf_addf(err, "[rule \"%s\"]: too many custom rules (at most %d)", name,
			    RULES_MAX_CUSTOM);
		return -EINVAL;
	}
	p->custom_line[c->nr_custom] = line;
	r = &c->custom[c->nr_custom++];
	rules_custom_defaults(r);
	snprintf(r->name, sizeof(r->name), "%s", name);
	return 0;
}

/* A finite decimal number within [min, max]. */
static int parse_number(const char *s, double min, double max, double *out, struct strbuf *why)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end || !isfinite(v) || errno ||
	    (s[0] != '-' && s[0] != '.' && (s[0] < '0' || s[0] > '9'))) {
		strbuf_addstr(why, "not a number (examples: 50, 0.1, 1e6)");
		return -EINVAL;
	}
	if (v < min || v > max) {
		strbuf_addf(why, "out of range (accepted: %g to %g)", min, max);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static int parse_percent(const char *s, double *out, struct strbuf *why)
{
	char buf[64];
	size_t len = strlen(s);

	if (len && s[len - 1] == '%' && len < sizeof(buf)) {
		memcpy(buf, s, len - 1);
		buf[len - 1] = '\0';
		s = buf;
	}
	return parse_number(s, 1, 100, out, why);
}

static int parse_dur(const char *s, int64_t max_ms, int64_t *out, struct strbuf *why)
{
	const char *w = NULL;
	int64_t ms;

	if (config_parse_duration(s, &ms, &w)) {
		strbuf_addf(why, "%s (examples: 0, 10s, 5m, 1h)", w);
		return -EINVAL;
	}
	if (ms > max_ms) {
		strbuf_addstr(why, "too long (accepted: 0s to ");
		config_format_duration(max_ms, why);
		strbuf_addch(why, ')');
		return -EINVAL;
	}
	*out = ms;
	return 0;
}

static int parse_bool(const char *s, bool *out, struct strbuf *why)
{
	static const char *const words[] = { "no", "yes", "false", "true", "off", "on", "0", "1" };

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (!strcmp(s, words[i])) {
			*out = i % 2;
			return 0;
		}
	}
	strbuf_addstr(why, "not a boolean (accepted: yes, no, true, false, on, off, 1, 0)");
	return -EINVAL;
}

static int parse_actions(const char *s, uint8_t *out, struct strbuf *why)
{
	char bad[32];

	if (rules_actions_parse(s, out, bad, sizeof(bad)) == 0)
		return 0;
	strbuf_addf(why,
		    "unknown action '%s' (accepted: a list of log, limit, block, kill; or none)",
		    bad);
	return -EINVAL;
}

#define DAY_MS (86400000LL)

/* A key every rule takes: 0, -EINVAL, or 1 when key is not one of them. */
static int set_common(struct rule_settings *s, const char *key, const char *value,
		      struct strbuf *why)
{
	int sev;

	if (!strcmp(key, "enabled"))
		return parse_bool(value, &s->enabled, why);
	if (!strcmp(key, "severity")) {
		sev = alert_severity_parse(value);
		if (sev < 0) {
			strbuf_addstr(why, "not a severity (accepted: info, warning, critical)");
			return -EINVAL;
		}
		s->severity = sev;
		return 0;
	}
	if (!strcmp(key, "for"))
		return parse_dur(value, DAY_MS, &s->for_ms, why);
	if (!strcmp(key, "clear"))
		return parse_percent(value, &s->clear_pct, why);
	if (!strcmp(key, "clear_for"))
		return parse_dur(value, DAY_MS, &s->clear_for_ms, why);
	if (!strcmp(key, "escalate_after"))
		return parse_dur(value, 30 * DAY_MS, &s->escalate_after_ms, why);
	if (!strcmp(key, "escalate_factor"))
		return parse_number(value, 0, 1e6, &s->escalate_factor, why);
	for (int k = 0; k < ALERT_SEVERITIES; k++) {
		char name[32];

		snprintf(name, sizeof(name), "actions_%s", alert_severity_name(k));
		if (!strcmp(key, name))
			return parse_actions(value, &s->actions[k], why);
	}
	return 1;
}

static bool family_has_key(const struct metric_family *f, const char *key)
{
	size_t n = strlen(key);

	for (const char *p = f->label_keys; *p;) {
		size_t len = strcspn(p, ",");

		if (len == n && !memcmp(p, key, n))
			return true;
		p += len + (p[len] == ',');
	}
	return false;
}

static int set_selector(struct rule_custom *r, const char *value, struct strbuf *why)
{
	struct series_sel sel;
	const struct metric_family *f;
	int ret = -EINVAL;

	if (strlen(value) >= sizeof(r->series)) {
		strbuf_addf(why, "longer than %zu characters", sizeof(r->series) - 1);
		return -EINVAL;
	}
	if (series_sel_parse(&sel, value, why))
		return -EINVAL;
	f = metric_family_find(sel.name);
	if (!f) {
		strbuf_addf(why, "no series is called '%s' (docs/METRICS.md lists them)", sel.name);
		goto out;
	}
	if (sel.nr_match > RULE_MAX_MATCH) {
		strbuf_addf(why, "more than %d label matchers", RULE_MAX_MATCH);
		goto out;
	}
	r->nr_match = 0;
	for (size_t i = 0; i < sel.nr_match; i++) {
		if (!family_has_key(f, sel.match[i].key)) {
			strbuf_addf(why, "%s has no label '%s' (its labels: %s)", f->name,
				    sel.match[i].key, f->label_keys[0] ? f->label_keys : "none");
			goto out;
		}
		if (strlen(sel.match[i].value) >= RULE_VALUE_LEN) {
			strbuf_addf(why, "a label value longer than %d characters",
				    RULE_VALUE_LEN - 1);
			goto out;
		}
		snprintf(r->match[i].key, RULE_KEY_LEN, "%s", sel.match[i].key);
		snprintf(r->match[i].value, RULE_VALUE_LEN, "%s", sel.match[i].value);
		r->nr_match++;
	}
	snprintf(r->family, sizeof(r->family), "%s", f->name);
	snprintf(r->series, sizeof(r->series), "%s", value);
	ret = 0;
out:
	series_sel_release(&sel);
	return ret;
}

/* A custom rule's own keys: 0, -EINVAL, or 1 when unknown. */
static int set_custom(struct rule_custom *r, const char *key, const char *value, struct strbuf *why)
{
	if (!strcmp(key, "series"))
		return set_selector(r, value, why);
	if (!strcmp(key, "above") || !strcmp(key, "below")) {
		if (parse_number(value, -1e300, 1e300, &r->threshold, why))
			return -EINVAL;
		r->below = key[0] == 'b';
		return 0;
	}
	return 1;
}

/* A built-in rule's own keys: 0, -EINVAL, or 1 when unknown. */
static int set_builtin(struct rules_config *c, int id, const char *key, const char *value,
		       struct strbuf *why)
{
	const struct rule_builtin_info *info = rules_builtin_info(id);

	if (id == RULE_UNKNOWN_LISTENER && !strcmp(key, "learn"))
		return parse_dur(value, 365 * DAY_MS, &c->learn_ms, why);
	for (size_t i = 0; i < info->nr_params; i++) {
		const struct rule_param *p = &info->params[i];

		if (!strcmp(key, p->key))
			return parse_number(value, p->min, p->max, &c->builtin[id].param[i], why);
	}
	return 1;
}

/* The keys of a rule, for "did you mean": the common ones, then its own. */
static size_t rule_keys(int id, const char **keys, size_t cap)
{
	size_t n = 0;

	for (size_t i = 0; i < NR_COMMON && n < cap; i++)
		keys[n++] = common_keys[i];
	if (id < 0) {
		keys[n++] = "series";
		keys[n++] = "above";
		keys[n++] = "below";
		return n;
	}
	for (size_t i = 0; i < rules_builtin_info(id)->nr_params && n < cap; i++)
		keys[n++] = rules_builtin_info(id)->params[i].key;
	if (id == RULE_UNKNOWN_LISTENER && n < cap)
		keys[n++] = "learn";
	return n;
}

static void unknown_key(int id, const char *name, const char *key, struct strbuf *err)
{
	const char *keys[32], *near = NULL;
	size_t nr = rule_keys(id, keys, 32), best = 3;

	strbuf_addf(err, "unknown key '%s' in [rule \"%s\"]", key, name);
	for (size_t i = 0; i < nr; i++) {
		size_t d = series_sel_distance(key, keys[i], best);

		if (d < best) {
			best = d;
			near = keys[i];
		}
	}
	if (near)
		strbuf_addf(err, " (did you mean '%s'?)", near);
	else if (id < 0)
		strbuf_addstr(err, " (a custom rule takes series, above or below, and the common "
				   "keys; docs/RULES.md)");
}

/* 0 the first time (name, key) is set; else the message. */
static int check_twice(struct config_rules_parse *p, const char *name, const char *key, int line,
		       struct strbuf *err)
{
	const char *k = !strcmp(key, "below") ? "above" : key; /* one of the two */

	for (size_t i = 0; i < p->nr_seen; i++) {
		if (!strcmp(p->seen[i].rule, name) && !strcmp(p->seen[i].key, k)) {
			strbuf_addf(err, "[rule \"%s\"] %s given twice (first on line %d)", name,
				    key, p->seen[i].line);
			return -EINVAL;
		}
	}
	if (p->nr_seen < MAX_KEYS_SEEN && strlen(k) < sizeof(p->seen[0].key)) {
		snprintf(p->seen[p->nr_seen].rule, RULE_NAME_LEN, "%s", name);
		snprintf(p->seen[p->nr_seen].key, sizeof(p->seen[0].key), "%s", k);
		p->seen[p->nr_seen++].line = line;
	}
	return 0;
}

int config_rules_key(struct config_rules_parse *p, struct rules_config *c, const char *name,
		     const char *key, const char *value, int line, struct strbuf *err)
{
	int id = rules_builtin_find(name);
	struct rule_custom *r = id < 0 ? custom_find(c, name) : NULL;
	struct rule_settings *s = id >= 0 ? &c->builtin[id] : &r->s;
	struct strbuf why = STRBUF_INIT;
	int ret;

	ret = set_common(s, key, value, &why);
	if (ret == 1)
		ret = id >= 0 ? set_builtin(c, id, key, value, &why) :
				set_custom(r, key, value, &why);
	if (ret == 1) {
		unknown_key(id, name, key, err);
		ret = -EINVAL;
	} else if (check_twice(p, name, key, line, err)) {
		ret = -EINVAL;
	} else if (ret) {
		strbuf_addf(err, "[rule \"%s\"] %s = %s: %s", name, key, value, why.buf);
	}
	strbuf_release(&why);
	return ret;
}

/* " (did you mean [rule "NAME"]?)" for a name close to a built-in one. */
static void near_builtin(const char *name, struct strbuf *err)
{
	size_t best = 4;
	int near = -1;

	for (int b = 0; b < RULE_BUILTINS; b++) {
		size_t d = series_sel_distance(name, rules_builtin_info(b)->name, best);

		if (d < best) {
			best = d;
			near = b;
		}
	}
	if (near >= 0)
		strbuf_addf(err, " (did you mean the built-in [rule \"%s\"]?)",
			    rules_builtin_info(near)->name);
}

int config_rules_check(struct config_rules_parse *p, const struct rules_config *c,
		       struct strbuf *err, int *line)
{
	for (unsigned i = 0; i < c->nr_custom; i++) {
		const struct rule_custom *r = &c->custom[i];
		bool has_limit = false;

		for (size_t j = 0; j < p->nr_seen; j++)
			has_limit |= !strcmp(p->seen[j].rule, r->name) &&
				     !strcmp(p->seen[j].key, "above");
		if (r->family[0] && has_limit)
			continue;
		*line = p->custom_line[i];
		strbuf_addf(err, "[rule \"%s\"]: a custom rule needs %s", r->name,
			    r->family[0] ? "above = or below =" :
					   "series = and above = or below =");
		near_builtin(r->name, err);
		return -EINVAL;
	}
	return 0;
}

/* The shortest text strtod reads back to v. */
static void add_number(struct strbuf *out, double v)
{
	char buf[40];

	snprintf(buf, sizeof(buf), "%.15g", v);
	if (strtod(buf, NULL) != v)
		snprintf(buf, sizeof(buf), "%.17g", v);
	strbuf_addstr(out, buf);
}

static void write_common(const struct rule_settings *s, struct strbuf *out)
{
	strbuf_addf(out, "enabled = %s\nseverity = %s\nfor = ", s->enabled ? "yes" : "no",
		    alert_severity_name(s->severity));
	config_format_duration(s->for_ms, out);
	strbuf_addstr(out, "\nclear = ");
	add_number(out, s->clear_pct);
	strbuf_addstr(out, "%\nclear_for = ");
	config_format_duration(s->clear_for_ms, out);
	strbuf_addstr(out, "\nescalate_after = ");
	config_format_duration(s->escalate_after_ms, out);
	strbuf_addstr(out, "\nescalate_factor = ");
	add_number(out, s->escalate_factor);
	for (int k = 0; k < ALERT_SEVERITIES; k++) {
		strbuf_addf(out, "\nactions_%s = ", alert_severity_name(k));
		rules_actions_format(s->actions[k], out);
	}
	strbuf_addch(out, '\n');
}

void config_rules_write(const struct rules_config *c, struct strbuf *out)
{
	for (int id = 0; id < RULE_BUILTINS; id++) {
		const struct rule_builtin_info *info = rules_builtin_info(id);

		strbuf_addf(out, "\n[rule \"%s\"]\n", info->name);
		write_common(&c->builtin[id], out);
		for (size_t i = 0; i < info->nr_params; i++) {
			strbuf_addf(out, "%s = ", info->params[i].key);
			add_number(out, c->builtin[id].param[i]);
			strbuf_addch(out, '\n');
		}
		if (id == RULE_UNKNOWN_LISTENER) {
			strbuf_addstr(out, "learn = ");
			config_format_duration(c->learn_ms, out);
			strbuf_addch(out, '\n');
		}
	}
	for (unsigned i = 0; i < c->nr_custom; i++) {
		const struct rule_custom *r = &c->custom[i];

		strbuf_addf(out, "\n[rule \"%s\"]\nseries = %s\n%s = ", r->name, r->series,
			    r->below ? "below" : "above");
		add_number(out, r->threshold);
		strbuf_addch(out, '\n');
		write_common(&r->s, out);
	}
}
