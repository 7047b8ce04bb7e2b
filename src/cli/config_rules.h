/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The [rule "NAME"] sections of the config file (docs/CONFIG.md, "Rules";
 * docs/RULES.md): config.c hands each header and key line here.  Built-in
 * names take the common keys and their own thresholds; any other name is a
 * custom threshold rule (series = ..., above = or below = ...).
 *
 * A struct config_rules_parse tracks one parse (where each key was set, the
 * header line of each custom rule); it is owned by the caller.
 * Errors: -EINVAL with the message after "FILE:LINE: " in err and its line
 * in *line; the rules config may then hold part of the key (the caller
 * drops the whole parse).
 */
#ifndef CONNMON_CLI_CONFIG_RULES_H
#define CONNMON_CLI_CONFIG_RULES_H

#include "analyze/rules.h"
#include "base/strbuf.h"

struct config_rules_parse;

struct config_rules_parse *config_rules_parse_new(void);
void config_rules_parse_free(struct config_rules_parse *p);

/* A [rule "NAME"] header at line. */
int config_rules_section(struct config_rules_parse *p, struct rules_config *c, const char *name,
			 int line, struct strbuf *err);
/* key = value in [rule "NAME"] at line. */
int config_rules_key(struct config_rules_parse *p, struct rules_config *c, const char *name,
		     const char *key, const char *value, int line, struct strbuf *err);
/* After the last line: every custom rule complete. */
int config_rules_check(struct config_rules_parse *p, const struct rules_config *c,
		       struct strbuf *err, int *line);

/* Appends every rule section (built-in ones in full, then the custom ones). */
void config_rules_write(const struct rules_config *c, struct strbuf *out);

/* The common keys every rule takes, in file order (docs checks). */
const char *const *config_rules_common_keys(size_t *nr);

#endif
