// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli/cmdline.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

enum opt_id {
	OPT_HELP,
	OPT_NET,
	OPT_JSON,
	OPT_CSV,
	OPT_WATCH,
	OPT_ITER,
	OPT_SECONDS,
	OPT_IFACE,
	OPT_TOP,
	OPT_SORT,
	OPT_WIDE,
	OPT_EDEV,
	OPT_ALL,
	OPT_ENGINE,
	OPT_ALL_NETNS,
	OPT_BPF,
	OPT_PORTS,
	OPT_READ,
	OPT_NUMERIC,
	OPT_SYSFS,
	OPT_CONFIG,
	OPT_DB,
	OPT_INTERVAL,
	OPT_LISTEN,
	OPT_ONCE,
	OPT_SINCE,
	OPT_UNTIL,
	OPT_STEP,
	OPT_PORT,
	OPT_OUTPUT,
	OPT_SAR,
	OPT_RULE,
	OPT_ALERTS_FILE,
	OPT_AUTH_LOG,
	OPT_RESPOND,
	OPT_ALLOW,
	OPT_REMOVE_RULES,
	OPT_BLOCK_FILE,
	OPT_FOR,
	OPT_REASON,
	OPT_SCREEN_INTERVAL,
	OPT_VIEW,
	OPT_SCREEN_FILTER,
	OPT_ASCII,
	OPT_NO_COLOR,
};

static const struct opt {
	const char *name;
	char short_name;
	bool takes_value;
	unsigned needs; /* CLI_* the command must accept; 0: every command */
} opts[] = {
	[OPT_HELP] = { "help", 'h', false, 0 },
	[OPT_NET] = { "net", 'N', true, 0 },
	[OPT_JSON] = { "json", 0, false, 0 },
	[OPT_CSV] = { "csv", 0, false, CLI_CSV },
	[OPT_WATCH] = { "watch", 'w', true, CLI_WATCH },
	[OPT_ITER] = { "iterations", 0, true, CLI_WATCH },
	[OPT_SECONDS] = { "seconds", 's', true, CLI_SECONDS },
	[OPT_IFACE] = { "iface", 'i', true, CLI_IFACE | CLI_IFACES },
	[OPT_TOP] = { "top", 0, true, CLI_TOP },
	[OPT_SORT] = { "sort", 0, true, CLI_SORT },
	[OPT_WIDE] = { "wide", 'W', false, CLI_WIDE },
	[OPT_EDEV] = { "edev", 'e', false, CLI_EDEV },
	[OPT_ALL] = { "all", 'a', false, CLI_ALL },
	[OPT_ENGINE] = { "engine", 0, true, CLI_ENGINE },
	[OPT_ALL_NETNS] = { "all-netns", 0, false, CLI_ALL_NETNS },
	[OPT_BPF] = { "filter", 'f', true, CLI_BPF },
	[OPT_PORTS] = { "ports", 'P', false, CLI_PORTS },
	[OPT_READ] = { "read", 'r', true, CLI_READ },
	[OPT_NUMERIC] = { "numeric", 'n', false, CLI_NUMERIC },
	[OPT_SYSFS] = { "sysfs", 0, true, CLI_SYSFS },
	[OPT_CONFIG] = { "config", 'c', true, CLI_AGENT | CLI_BLOCK },
	[OPT_DB] = { "db", 0, true, CLI_DB },
	[OPT_INTERVAL] = { "interval", 0, true, CLI_AGENT },
	[OPT_LISTEN] = { "listen", 0, true, CLI_AGENT },
	[OPT_ONCE] = { "once", 0, false, CLI_AGENT },
	[OPT_SINCE] = { "since", 0, true, CLI_RANGE },
	[OPT_UNTIL] = { "until", 0, true, CLI_RANGE },
	[OPT_STEP] = { "step", 0, true, CLI_RANGE },
	[OPT_PORT] = { "port", 0, true, CLI_PORT },
	[OPT_OUTPUT] = { "output", 'o', true, CLI_OUTPUT },
	[OPT_SAR] = { "sar", 0, false, CLI_SAR },
	[OPT_RULE] = { "rule", 0, true, CLI_RULE },
	[OPT_ALERTS_FILE] = { "alerts-file", 0, true, CLI_AGENT },
	[OPT_AUTH_LOG] = { "auth-log", 0, true, CLI_AGENT },
	[OPT_RESPOND] = { "respond", 0, true, CLI_AGENT },
	[OPT_ALLOW] = { "allow", 0, true, CLI_AGENT },
	[OPT_REMOVE_RULES] = { "remove-rules", 0, false, CLI_AGENT },
	[OPT_BLOCK_FILE] = { "file", 'f', true, CLI_BLOCK },
	[OPT_FOR] = { "for", 0, true, CLI_BLOCK },
	[OPT_REASON] = { "reason", 0, true, CLI_BLOCK },
	[OPT_SCREEN_INTERVAL] = { "interval", 'i', true, CLI_SCREEN },
	[OPT_VIEW] = { "view", 0, true, CLI_SCREEN },
	[OPT_SCREEN_FILTER] = { "filter", 0, true, CLI_SCREEN },
	[OPT_ASCII] = { "ascii", 0, false, CLI_SCREEN },
	[OPT_NO_COLOR] = { "no-color", 0, false, CLI_SCREEN },
};

#define NR_OPTS (sizeof(opts) / sizeof(opts[0]))

/* Spellings of other tools, or of older connmon versions, and what to use instead. */
static const struct {
	const char *word, *hint;
} hints[] = {
	{ "--interval", "use -s SEC for a one-shot measurement" },
	{ "--count", "use --iterations N with -w SEC" },
	{ "-c", "use --iterations N with -w SEC" },
};

void cli_opts_init(struct cli_opts *o)
{
	memset(o, 0, sizeof(*o));
}

void cli_opts_release(struct cli_opts *o)
{
	for (size_t i = 0; i < o->nr_ifaces; i++)
		free(o->ifaces[i]);
	free(o->ifaces);
	free(o->args);
	free(o->auth_logs);
	free(o->allows);
	cli_opts_init(o);
}

int cli_usage_error(const char *cmd, const char *msg)
{
	fprintf(stderr, "connmon %s: %s\nTry 'connmon %s --help'.\n", cmd, msg, cmd);
	return 2;
}

int cli_parse_seconds(const char *opt, const char *val, double *out, struct strbuf *err)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(val, &end);
	if (errno || end == val || *end || !isfinite(v) || v < CLI_SECONDS_MIN ||
	    v > CLI_SECONDS_MAX) {
		strbuf_addf(
			err,
			"invalid value '%s' for '%s': expected seconds from 0.001 to 86400, e.g. 1 or 0.5",
			val, opt);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

int cli_parse_port(const char *opt, const char *val, int *out, struct strbuf *err)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(val, &end, 10);
	if (errno || end == val || *end || v < 1 || v > 65535) {
		strbuf_addf(err, "invalid value '%s' for '%s': expected a port from 1 to 65535",
			    val, opt);
		return -EINVAL;
	}
	*out = (int)v;
	return 0;
}

int cli_parse_count(const char *opt, const char *val, long *out, struct strbuf *err)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(val, &end, 10);
	if (errno || end == val || *end || v < 1 || v > CLI_COUNT_MAX) {
		strbuf_addf(
			err,
			"invalid value '%s' for '%s': expected a whole number from 1 to 1000000000",
			val, opt);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static void add_ifaces(struct cli_opts *o, const char *list)
{
	const char *p = list;

	while (*p) {
		size_t len = strcspn(p, ",");

		if (len) {
			ALLOC_GROW(o->ifaces, o->nr_ifaces + 1, o->alloc_ifaces);
			o->ifaces[o->nr_ifaces++] = xstrndup(p, len);
		}
		p += len + (p[len] == ',');
	}
}

static int set_value(const struct cli_cmd *cmd, struct cli_opts *o, enum opt_id id,
		     const char *spelled, const char *val, struct strbuf *err)
{
	switch (id) {
	case OPT_NET:
		if (o->netns && strcmp(o->netns, val)) {
			strbuf_addf(err, "option '-N' given twice ('%s', then '%s')", o->netns,
				    val);
			return -EINVAL;
		}
		o->netns = val;
		return 0;
	case OPT_WATCH:
		return cli_parse_seconds(spelled, val, &o->watch_s, err);
	case OPT_ITER:
		return cli_parse_count(spelled, val, &o->iterations, err);
	case OPT_SECONDS:
		return cli_parse_seconds(spelled, val, &o->seconds, err);
	case OPT_TOP:
		return cli_parse_count(spelled, val, &o->top, err);
	case OPT_IFACE:
		if (!(cmd->accepts & CLI_IFACES) && o->nr_ifaces) {
			strbuf_addf(err, "'%s' takes one interface", spelled);
			return -EINVAL;
		}
		add_ifaces(o, val);
		if (!(cmd->accepts & CLI_IFACES) && o->nr_ifaces > 1) {
			strbuf_addf(err, "'%s' takes one interface, not a list ('%s')", spelled,
				    val);
			return -EINVAL;
		}
		return 0;
	case OPT_SORT:
		o->sort = val;
		return 0;
	case OPT_ENGINE:
		o->engine = val;
		return 0;
	case OPT_BPF:
		o->bpf = val;
		return 0;
	case OPT_READ:
		o->file = val;
		return 0;
	case OPT_SYSFS:
		o->sysfs = val;
		return 0;
	case OPT_CONFIG:
		o->config = val;
		return 0;
	case OPT_DB:
		o->db = val;
		return 0;
	case OPT_INTERVAL:
		return cli_parse_seconds(spelled, val, &o->interval_s, err);
	case OPT_LISTEN:
		o->listen = val;
		return 0;
	case OPT_SINCE:
		o->since = val;
		return 0;
	case OPT_UNTIL:
		o->until = val;
		return 0;
	case OPT_STEP:
		return cli_parse_seconds(spelled, val, &o->step_s, err);
	case OPT_PORT:
		return cli_parse_port(spelled, val, &o->port, err);
	case OPT_OUTPUT:
		o->output = val;
		return 0;
	case OPT_RULE:
		o->rule = val;
		return 0;
	case OPT_ALERTS_FILE:
		o->alerts_file = val;
		return 0;
	case OPT_AUTH_LOG:
		ALLOC_GROW(o->auth_logs, o->nr_auth_logs + 1, o->alloc_auth_logs);
		o->auth_logs[o->nr_auth_logs++] = val;
		return 0;
	case OPT_RESPOND:
		o->respond = val;
		return 0;
	case OPT_ALLOW:
		ALLOC_GROW(o->allows, o->nr_allows + 1, o->alloc_allows);
		o->allows[o->nr_allows++] = val;
		return 0;
	case OPT_BLOCK_FILE:
		o->block_file = val;
		return 0;
	case OPT_FOR:
		o->block_for = val;
		return 0;
	case OPT_REASON:
		o->reason = val;
		return 0;
	case OPT_SCREEN_INTERVAL:
		return cli_parse_seconds(spelled, val, &o->interval_s, err);
	case OPT_VIEW:
		o->view = val;
		return 0;
	case OPT_SCREEN_FILTER:
		o->filter = val;
		return 0;
	default:
		return 0;
	}
}

static void set_flag(struct cli_opts *o, enum opt_id id)
{
	switch (id) {
	case OPT_HELP:
		o->help = true;
		break;
	case OPT_JSON:
		o->json = true;
		break;
	case OPT_CSV:
		o->csv = true;
		break;
	case OPT_WIDE:
		o->wide = true;
		break;
	case OPT_EDEV:
		o->edev = true;
		break;
	case OPT_ALL:
		o->all = true;
		break;
	case OPT_ALL_NETNS:
		o->all_netns = true;
		break;
	case OPT_PORTS:
		o->ports = true;
		break;
	case OPT_NUMERIC:
		o->numeric = true;
		break;
	case OPT_ONCE:
		o->once = true;
		break;
	case OPT_SAR:
		o->sar = true;
		break;
	case OPT_REMOVE_RULES:
		o->remove_rules = true;
		break;
	case OPT_ASCII:
		o->ascii = true;
		break;
	case OPT_NO_COLOR:
		o->no_color = true;
		break;
	default:
		break;
	}
}

static int unknown(const char *cmd, const char *word, size_t len, struct strbuf *err)
{
	strbuf_addf(err, "unknown option '%.*s'", (int)len, word);
	for (size_t i = 0; i < sizeof(hints) / sizeof(hints[0]); i++)
		if (strlen(hints[i].word) == len && !strncmp(hints[i].word, word, len))
			strbuf_addf(err, " (%s)", hints[i].hint);
	if (len == 2 && word[1] == 's' && !strcmp(cmd, "sockets"))
		strbuf_addstr(err, " (ss's -s is 'connmon summary')");
	return -EINVAL;
}

static int find_opt(const struct cli_cmd *cmd, const char *name, size_t len, char short_name)
{
	for (size_t i = 0; i < NR_OPTS; i++) {
		if (opts[i].needs && !(opts[i].needs & cmd->accepts))
			continue;
		if (short_name ? opts[i].short_name == short_name :
				 strlen(opts[i].name) == len && !strncmp(opts[i].name, name, len))
			return (int)i;
	}
	return -1;
}

static int long_opt(const struct cli_cmd *cmd, struct cli_opts *o, int argc, char **argv, int *i,
		    struct strbuf *err)
{
	const char *arg = argv[*i], *eq = strchr(arg, '=');
	size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
	int id = find_opt(cmd, arg + 2, len - 2, 0);
	const char *val = eq ? eq + 1 : NULL;
	char spelled[32];

	if (id < 0)
		return unknown(cmd->name, arg, len, err);
	snprintf(spelled, sizeof(spelled), "--%s", opts[id].name);
	if (!opts[id].takes_value) {
		if (val) {
			strbuf_addf(err, "option '--%s' takes no value", opts[id].name);
			return -EINVAL;
		}
		set_flag(o, (enum opt_id)id);
		return 0;
	}
	if (!val) {
		if (*i + 1 >= argc) {
			strbuf_addf(err, "option '--%s' needs a value", opts[id].name);
			return -EINVAL;
		}
		val = argv[++*i];
	}
	return set_value(cmd, o, (enum opt_id)id, spelled, val, err);
}

/* -abc, -w 2, -w2, -iIFACE */
static int short_opts(const struct cli_cmd *cmd, struct cli_opts *o, int argc, char **argv, int *i,
		      struct strbuf *err)
{
	const char *arg = argv[*i];

	for (const char *c = arg + 1; *c; c++) {
		int id = find_opt(cmd, NULL, 0, *c);
		char spelled[3] = { '-', *c, '\0' };
		const char *val;

		if (id < 0)
			return unknown(cmd->name, spelled, 2, err);
		if (!opts[id].takes_value) {
			set_flag(o, (enum opt_id)id);
			continue;
		}
		val = c[1] ? c + 1 : *i + 1 < argc ? argv[++*i] : NULL;
		if (!val) {
			strbuf_addf(err, "option '%s' needs a value", spelled);
			return -EINVAL;
		}
		return set_value(cmd, o, (enum opt_id)id, spelled, val, err);
	}
	return 0;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static int check(const struct cli_cmd *cmd, const struct cli_opts *o, struct strbuf *err)
{
	if (o->json && o->csv)
		strbuf_addstr(err, "--json and --csv exclude each other");
	else if (o->iterations && o->watch_s <= 0)
		strbuf_addstr(err, "--iterations needs -w SEC");
	else if (o->seconds > 0 && o->watch_s > 0)
		strbuf_addstr(err,
			      "-s SEC (one measurement) and -w SEC (repeat) exclude each other");
	else if (o->file && (o->seconds > 0 || o->watch_s > 0))
		strbuf_addstr(err, "-r FILE reads a recording; -s and -w do not apply");
	else if (o->file && o->nr_ifaces)
		strbuf_addstr(err, "-i and -r do not go together");
	else
		return 0;
	(void)cmd;
	return -EINVAL;
}

int cli_parse(const struct cli_cmd *cmd, struct cli_opts *o, int argc, char **argv,
	      struct strbuf *err)
{
	bool after_watch = false;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int ret;

		if (a[0] != '-' || !a[1]) {
			/* sar's `-w 1 5`: a count right after the interval */
			if (after_watch && (cmd->accepts & CLI_SAR_COUNT) && all_digits(a) &&
			    !o->iterations) {
				ret = cli_parse_count("COUNT", a, &o->iterations, err);
				if (ret < 0)
					return ret;
				after_watch = false;
				continue;
			}
			if (cmd->accepts & CLI_ARGS) {
				ALLOC_GROW(o->args, o->nr_args + 1, o->alloc_args);
				o->args[o->nr_args++] = a;
				continue;
			}
			strbuf_addf(err, "unexpected argument '%s'", a);
			return -EINVAL;
		}
		after_watch =
			!strcmp(a, "-w") || !strcmp(a, "--watch") || !strncmp(a, "--watch=", 8);
		ret = a[1] == '-' ? long_opt(cmd, o, argc, argv, &i, err) :
				    short_opts(cmd, o, argc, argv, &i, err);
		if (ret < 0)
			return ret;
		if (o->help)
			return 0;
	}
	return check(cmd, o, err);
}
