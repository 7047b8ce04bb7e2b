// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The agent's config file: one table of keys, libinih for the key = value
 * split, and a line reader of our own in front of it.
 *
 * Why a reader of our own (ini_parse_stream with read_line below) rather
 * than ini_parse(): inih calls the handler only for key lines, so a header
 * like [agnet] with no keys under it would pass unnoticed; it truncates
 * section names at 49 bytes and splits lines longer than its buffer into
 * several; it reads an indented line as the continuation of the previous
 * value; and whether the handler is told the line number depends on how the
 * library was built (Debian's amd64 build passes it, its header says it
 * does not).  The reader counts lines itself, strips the indentation and
 * the comments, parses section headers (with quoted names), refuses
 * over-long lines and control bytes, and hands inih only key lines.  Every
 * line given to inih ends in '\n' and fits its buffer, so inih's line
 * count and ours agree.
 */
#include "cli/config.h"

#include <errno.h>
#include <ini.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alert/allow.h"
#include "base/xalloc.h"
#include "cli/config_rules.h"

#define KEY(sec, name, type, field, min, max, choices, def, doc)                                   \
	{                                                                                          \
		sec, name, type, offsetof(struct agent_config, field), min, max, choices, def, doc \
	}
#define SEC	     1000LL
#define MIN	     (60 * SEC)
#define HOUR	     (60 * MIN)
#define DAY	     (24 * HOUR)
#define YEAR	     (365 * DAY)
#define MIB	     (1LL << 20)
#define DURATION_EXS "90s, 15m, 48h, 90d, 2y"
#define SIZE_EXS     "1GiB, 512MiB, 1G, 500M, 65536"
#define LISTEN_EXS   "127.0.0.1:9556, [::1]:9556, off"

static const char *const log_levels[] = { "error", "warning", "info", "debug", NULL };
/* enum notify_level, in order. */
static const char *const notify_levels[] = { "off", "info", "warning", "critical", NULL };

_Static_assert(NOTIFY_PATH_MAX == CONFIG_PATH_MAX, "[alerts] texts are config paths");
static const char *const respond_modes[] = { "off", "dry-run", "on", NULL };

/*
 * Adding a key: one line here, a field in struct agent_config, its row and
 * heading in docs/CONFIG.md, its line in packaging/connmon.conf (the unit
 * test checks all four agree).
 */
static const struct config_key keys[] = {
	KEY("agent", "db", CONFIG_PATH, agent.db, 1, 0, NULL, "/var/lib/connmon/connmon.db",
	    "the SQLite database the agent records into"),
	KEY("agent", "interval", CONFIG_DURATION, agent.interval_ms, 100, 60 * SEC, NULL, "1s",
	    "time between two samples (a tick)"),
	KEY("agent", "write_interval", CONFIG_DURATION, agent.write_interval_ms, SEC, 10 * MIN,
	    NULL, "10s", "time between two database transactions"),
	KEY("agent", "log_level", CONFIG_ENUM, agent.log_level, 0, 0, log_levels, "info",
	    "the least severe level logged"),
	KEY("agent", "listen", CONFIG_ADDR, agent.listen, 0, 0, NULL, "127.0.0.1:9556",
	    "where /metrics is served, or off"),
	KEY("agent", "listen_public", CONFIG_BOOL, agent.listen_public, 0, 0, NULL, "no",
	    "allow listen to name an address that is not loopback"),
	KEY("agent", "census_max_period", CONFIG_DURATION, agent.census_max_period_ms, SEC,
	    60 * SEC, NULL, "10s", "longest time between two socket censuses on a busy host"),
	KEY("agent", "netns", CONFIG_PATH, agent.netns, 0, 0, NULL, "",
	    "the network namespace to watch (a name or a path); empty: the agent's own"),
	KEY("series", "ports", CONFIG_COUNT, series.ports, 0, 1000, NULL, "64",
	    "listening ports with series of their own per tick"),
	KEY("series", "peers", CONFIG_COUNT, series.peers, 0, 1000, NULL, "32",
	    "remote addresses with series of their own per tick"),
	KEY("series", "processes", CONFIG_COUNT, series.processes, 0, 1000, NULL, "32",
	    "processes with series of their own per tick"),
	KEY("series", "ring", CONFIG_DURATION, series.ring_ms, MIN, 6 * HOUR, NULL, "1h",
	    "how much of every series stays in memory at tick resolution"),
	KEY("store", "retention_ticks", CONFIG_DURATION, store.retention_ticks_ms, HOUR, 90 * DAY,
	    NULL, "48h", "how long samples are kept at tick resolution"),
	KEY("store", "retention_minutes", CONFIG_DURATION, store.retention_minutes_ms, DAY,
	    5 * YEAR, NULL, "90d", "how long 1-minute rollups are kept"),
	KEY("store", "retention_hours", CONFIG_DURATION, store.retention_hours_ms, DAY, 20 * YEAR,
	    NULL, "2y", "how long 1-hour rollups are kept"),
	KEY("store", "max_size", CONFIG_SIZE, store.max_size_bytes, 16 * MIB, 1LL << 50, NULL,
	    "1GiB", "database size above which the oldest data is evicted"),
	KEY("store", "backlog_max", CONFIG_SIZE, store.backlog_max_bytes, MIB, 4096 * MIB, NULL,
	    "64MiB", "unwritten samples kept in memory while the disk refuses writes"),
	KEY("store", "idle", CONFIG_DURATION, store.idle_ms, MIN, DAY, NULL, "1h",
	    "a series without a sample this long leaves the writer's memory"),
	KEY("baseline", "recompute", CONFIG_DURATION, baseline.recompute_ms, MIN, DAY, NULL, "1h",
	    "time between two recomputations of the baseline"),
	KEY("baseline", "learning_days", CONFIG_COUNT, baseline.learning_days, 0, 90, NULL, "3",
	    "days of history below which a band is marked learning"),
	KEY("baseline", "weekly_after_days", CONFIG_COUNT, baseline.weekly_after_days, 7, 365, NULL,
	    "14", "days of history from which bands are per hour of the week"),
	KEY("alerts", "file", CONFIG_PATH, alerts.file, 0, 0, NULL, "",
	    "a file alert events are appended to as JSON lines; empty: none"),
	KEY("alerts", "file_severity", CONFIG_ENUM, alerts.file_severity, 0, 0, notify_levels,
	    "info", "the least severity written to file"),
	KEY("alerts", "syslog", CONFIG_ENUM, alerts.syslog, 0, 0, notify_levels, "off",
	    "the least severity sent to syslog (facility daemon)"),
	KEY("alerts", "exec", CONFIG_PATH, alerts.exec, 0, 0, NULL, "",
	    "a command (for /bin/sh -c) given alert events as JSON lines on stdin; empty: none"),
	KEY("alerts", "exec_severity", CONFIG_ENUM, alerts.exec_severity, 0, 0, notify_levels,
	    "warning", "the least severity given to exec"),
	KEY("alerts", "webhook", CONFIG_PATH, alerts.webhook, 0, 0, NULL, "",
	    "a URL alert events are POSTed to as a JSON array; empty: none"),
	KEY("alerts", "webhook_severity", CONFIG_ENUM, alerts.webhook_severity, 0, 0, notify_levels,
	    "warning", "the least severity POSTed to webhook"),
	KEY("alerts", "mail_to", CONFIG_PATH, alerts.mail_to, 0, 0, NULL, "",
	    "recipients of alert mails; empty: none"),
	KEY("alerts", "mail_severity", CONFIG_ENUM, alerts.mail_severity, 0, 0, notify_levels,
	    "critical", "the least severity mailed"),
	KEY("alerts", "sendmail", CONFIG_PATH, alerts.sendmail, 1, 0, NULL, "/usr/sbin/sendmail",
	    "the sendmail program mails are handed to"),
	KEY("alerts", "alertmanager", CONFIG_PATH, alerts.alertmanager, 0, 0, NULL, "",
	    "the base URL of a Prometheus Alertmanager; empty: none"),
	KEY("alerts", "alertmanager_severity", CONFIG_ENUM, alerts.alertmanager_severity, 0, 0,
	    notify_levels, "warning", "the least severity sent to Alertmanager"),
	KEY("alerts", "generator_url", CONFIG_PATH, alerts.generator_url, 0, 0, NULL, "",
	    "the generatorURL of alerts in Alertmanager; empty: connmon://HOST/alerts/RULE"),
	KEY("alerts", "group_wait", CONFIG_DURATION, alerts.group_wait_ms, 0, MIN, NULL, "2s",
	    "events within this time of the first go out as one notification"),
	KEY("alerts", "retries", CONFIG_COUNT, alerts.retries, 0, 20, NULL, "5",
	    "retries of a failed delivery before its events are dropped"),
	KEY("alerts", "retry_backoff", CONFIG_DURATION, alerts.retry_backoff_ms, 100, HOUR, NULL,
	    "1s", "the wait before the first retry, doubled for each next one"),
	KEY("alerts", "repeat", CONFIG_DURATION, alerts.repeat_ms, 10 * SEC, HOUR, NULL, "1m",
	    "how often a firing alert is sent to Alertmanager again"),
	KEY("alerts", "timeout", CONFIG_DURATION, alerts.timeout_ms, SEC, 5 * MIN, NULL, "10s",
	    "the longest one delivery may take (HTTP request, exec or sendmail)"),
	KEY("alerts", "queue", CONFIG_COUNT, alerts.queue, 16, 65536, NULL, "1024",
	    "alert events waiting for the notifier at most; more drop the oldest"),
	KEY("detect", "capture", CONFIG_PATH, detect.capture, 1, 0, NULL, "any",
	    "where connection attempts are captured for port_scan: any, an interface, or off"),
	KEY("detect", "journal", CONFIG_BOOL, detect.journal, 0, 0, NULL, "yes",
	    "read sshd's lines from the systemd journal"),
	KEY("detect", "auth_logs", CONFIG_PATH, detect.auth_logs, 0, 0, NULL, "",
	    "sshd log files read besides the journal, separated by spaces"),
	KEY("detect", "auth_fallback", CONFIG_PATH, detect.auth_fallback, 0, 0, NULL,
	    "/var/log/auth.log", "the file read when the journal cannot be; empty: none"),
	KEY("detect", "scan_window", CONFIG_DURATION, detect.scan_window_ms, SEC, 10 * MIN, NULL,
	    "10s", "the window port_scan counts distinct ports in"),
	KEY("detect", "auth_window", CONFIG_DURATION, detect.auth_window_ms, 10 * SEC, 24 * HOUR,
	    NULL, "10m", "the window ssh_brute_force counts failures in"),
	KEY("respond", "mode", CONFIG_ENUM, respond.mode, 0, 0, respond_modes, "dry-run",
	    "off, dry-run (log what would be done) or on (act in nftables and on sockets)"),
	KEY("respond", "allow", CONFIG_NETS, respond.allow, 0, 0, NULL, "",
	    "addresses and networks never limited, blocked or killed"),
	KEY("respond", "ban_time", CONFIG_DURATION, respond.ban_time_ms, SEC, 7 * DAY, NULL, "10m",
	    "the first ban of an address"),
	KEY("respond", "ban_factor", CONFIG_COUNT, respond.ban_factor, 1, 100, NULL, "4",
	    "each earlier ban multiplies the ban by this"),
	KEY("respond", "ban_max", CONFIG_DURATION, respond.ban_max_ms, SEC, YEAR, NULL, "1w",
	    "the longest ban"),
	KEY("respond", "set_size", CONFIG_COUNT, respond.set_size, 1, 16777216, NULL, "65536",
	    "elements per nftables set; a full set refuses more and raises an alert"),
	KEY("respond", "limit_time", CONFIG_DURATION, respond.limit_time_ms, SEC, DAY, NULL, "10m",
	    "how long a connection or SYN rate limit lasts"),
	KEY("respond", "limit_connections", CONFIG_COUNT, respond.limit_connections, 1, 1000000,
	    NULL, "20", "open connections a limited source keeps to the attacked port"),
	KEY("respond", "limit_syn_rate", CONFIG_COUNT, respond.limit_syn_rate, 1, 1000000, NULL,
	    "10", "SYNs per second a limited source sends to the attacked port"),
	KEY("agent", "state_dir", CONFIG_PATH, agent_api.state_dir, 0, 0, NULL, "",
	    "where api.token lives (the API's POST routes); empty: the db's directory"),
};

#define NR_KEYS (sizeof(keys) / sizeof(keys[0]))

/* Known section kinds.  A named kind ([rule "NAME"]) has its keys in config_rules.c. */
struct section {
	const char *kind;
	bool named;
};

/* One section per line, so branches that add one merge cleanly. */
/* clang-format off */
static const struct section sections[] = {
	{ "agent", false },
	{ "series", false },
	{ "store", false },
	{ "baseline", false },
	{ "alerts", false },
	{ "detect", false },
	{ "respond", false },
	{ "rule", true }, /* config_rules.c */
};
/* clang-format on */

#define NR_SECTIONS (sizeof(sections) / sizeof(sections[0]))

const struct config_key *config_keys(size_t *nr)
{
	*nr = NR_KEYS;
	return keys;
}

const char *config_type_name(enum config_type type)
{
	static const char *const names[] = {
		[CONFIG_DURATION] = "duration", [CONFIG_SIZE] = "size",
		[CONFIG_COUNT] = "count",	[CONFIG_BOOL] = "bool",
		[CONFIG_ENUM] = "enum",		[CONFIG_ADDR] = "address",
		[CONFIG_PATH] = "path",		[CONFIG_NETS] = "networks",
	};

	return (unsigned)type < sizeof(names) / sizeof(names[0]) ? names[type] : "?";
}

/* Text from the file or the command line, with bytes outside printable ASCII as \xHH. */
static void add_safe(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 0x20 && c < 0x7f)
			strbuf_addch(sb, (char)c);
		else
			strbuf_addf(sb, "\\x%02x", c);
	}
}

/* Optimal string alignment distance, for "did you mean"; long words are never close. */
static unsigned distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned d[3][65], *prev2 = d[0], *prev = d[1], *cur = d[2], *t;

	if (la > 64 || lb > 64)
		return ~0u;
	for (size_t j = 0; j <= lb; j++)
		prev[j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = (unsigned)i;
		for (size_t j = 1; j <= lb; j++) {
			unsigned cost = a[i - 1] != b[j - 1], v = prev[j - 1] + cost;

			if (prev[j] + 1 < v)
				v = prev[j] + 1;
			if (cur[j - 1] + 1 < v)
				v = cur[j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    prev2[j - 2] + 1 < v)
				v = prev2[j - 2] + 1;
			cur[j] = v;
		}
		t = prev2;
		prev2 = prev;
		prev = cur;
		cur = t;
	}
	return prev[lb];
}

static bool is_close(const char *typed, const char *known, unsigned *best)
{
	unsigned d = distance(typed, known), limit = strlen(typed) <= 3 ? 1 : 2;

	if (strcasecmp(typed, known) == 0)
		d = 1;
	if (d > limit || d >= *best)
		return false;
	*best = d;
	return true;
}

static const struct config_key *find_key(const char *section, const char *name)
{
	for (size_t i = 0; i < NR_KEYS; i++) {
		if (!strcmp(keys[i].section, section) && !strcmp(keys[i].name, name))
			return &keys[i];
	}
	return NULL;
}

static void add_key_hint(struct strbuf *sb, const char *section, const char *name)
{
	const char *near = NULL, *elsewhere = NULL;
	unsigned best = ~0u;

	for (size_t i = 0; i < NR_KEYS; i++) {
		if (strcmp(keys[i].section, section) != 0) {
			if (!strcmp(keys[i].name, name))
				elsewhere = keys[i].section;
		} else if (is_close(name, keys[i].name, &best)) {
			near = keys[i].name;
		}
	}
	if (elsewhere)
		strbuf_addf(sb, " (it belongs in [%s])", elsewhere);
	else if (near)
		strbuf_addf(sb, " (did you mean '%s'?)", near);
}

static const struct section *find_section(const char *kind)
{
	for (size_t i = 0; i < NR_SECTIONS; i++) {
		if (!strcmp(sections[i].kind, kind))
			return &sections[i];
	}
	return NULL;
}

static void add_section_hint(struct strbuf *sb, const char *kind)
{
	const char *near = NULL;
	unsigned best = ~0u;

	for (size_t i = 0; i < NR_SECTIONS; i++) {
		if (is_close(kind, sections[i].kind, &best))
			near = sections[i].kind;
	}
	if (near)
		strbuf_addf(sb, " (did you mean [%s]?)", near);
}

static void *field(struct agent_config *c, const struct config_key *k)
{
	return (char *)c + k->offset;
}

static const void *cfield(const struct agent_config *c, const struct config_key *k)
{
	return (const char *)c + k->offset;
}

static void add_range(struct strbuf *why, const struct config_key *k, const char *word)
{
	strbuf_addf(why, "%s (accepted: ", word);
	if (k->type == CONFIG_DURATION) {
		config_format_duration(k->min, why);
		strbuf_addstr(why, " to ");
		config_format_duration(k->max, why);
	} else if (k->type == CONFIG_SIZE) {
		config_format_size((uint64_t)k->min, why);
		strbuf_addstr(why, " to ");
		config_format_size((uint64_t)k->max, why);
	} else {
		strbuf_addf(why, "%lld to %lld", (long long)k->min, (long long)k->max);
	}
	strbuf_addch(why, ')');
}

/* 0 when min <= v <= max, else the reason in why. */
static int check_range(const struct config_key *k, int64_t v, bool too_big, struct strbuf *why)
{
	static const char *const small[] = {
		[CONFIG_DURATION] = "too short",
		[CONFIG_SIZE] = "too small",
		[CONFIG_COUNT] = "too small",
	};
	static const char *const large[] = {
		[CONFIG_DURATION] = "too long",
		[CONFIG_SIZE] = "too large",
		[CONFIG_COUNT] = "too large",
	};

	if (!too_big && v >= k->min && v <= k->max)
		return 0;
	add_range(why, k, too_big || v > k->max ? large[k->type] : small[k->type]);
	return -EINVAL;
}

static int set_count(const struct config_key *k, const char *value, unsigned *out,
		     struct strbuf *why)
{
	int64_t v = 0;
	size_t n;

	for (n = 0; value[n] >= '0' && value[n] <= '9' && n < 10; n++)
		v = v * 10 + (value[n] - '0');
	if (n == 0 || (value[n] && !(value[n] >= '0' && value[n] <= '9'))) {
		add_range(why, k, "not a whole number");
		return -EINVAL;
	}
	if (check_range(k, v, value[n] != '\0', why))
		return -EINVAL;
	*out = (unsigned)v;
	return 0;
}

static int set_bool(const char *value, bool *out, struct strbuf *why)
{
	static const char *const words[] = { "no", "yes", "false", "true", "off", "on", "0", "1" };

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (!strcasecmp(value, words[i])) {
			*out = i % 2;
			return 0;
		}
	}
	strbuf_addstr(why, "not a boolean (accepted: yes, no, true, false, on, off, 1, 0)");
	return -EINVAL;
}

static int set_enum(const struct config_key *k, const char *value, int *out, struct strbuf *why)
{
	for (int i = 0; k->choices[i]; i++) {
		if (!strcmp(value, k->choices[i])) {
			*out = i;
			return 0;
		}
	}
	strbuf_addstr(why, "not one of ");
	for (int i = 0; k->choices[i]; i++)
		strbuf_addf(why, "%s%s", i ? ", " : "", k->choices[i]);
	return -EINVAL;
}

/* Paths are written back by config_write, so only what reads back the same is accepted. */
static int set_path(const struct config_key *k, const char *value, char *out, struct strbuf *why)
{
	size_t len = strlen(value);
	const char *bad = NULL;

	if (len >= CONFIG_PATH_MAX)
		bad = "longer than 4095 bytes";
	else if (len < (size_t)k->min)
		bad = "empty (a path is required)";
	else if (len && (value[0] == ' ' || value[0] == '\t' || value[len - 1] == ' ' ||
			 value[len - 1] == '\t'))
		bad = "starts or ends with a blank";
	else if (value[0] == ';' || value[0] == '#')
		bad = "starts with ';' or '#', which start a comment in the file";
	for (size_t i = 0; !bad && i < len; i++) {
		unsigned char c = (unsigned char)value[i];

		if (c < 0x20 || c == 0x7f)
			bad = "holds a control character";
		else if ((c == ';' || c == '#') && i &&
			 (value[i - 1] == ' ' || value[i - 1] == '\t'))
			bad = "holds ' ;' or ' #', which start a comment in the file";
	}
	if (bad) {
		strbuf_addstr(why, bad);
		return -EINVAL;
	}
	memcpy(out, value, len + 1);
	return 0;
}

/* A list of addresses and networks, each checked by allow_parse (alert/allow.h). */
static int set_nets(const struct config_key *k, const char *value, char *out, struct strbuf *why)
{
	char word[64];
	uint8_t family, prefix, addr[16];
	const char *p = value;

	while (*p) {
		size_t len = strcspn(p, ", \t");

		if (len >= sizeof(word)) {
			strbuf_addf(why, "'%.*s' is not an address or network", (int)len, p);
			return -EINVAL;
		}
		if (len) {
			memcpy(word, p, len);
			word[len] = '\0';
			if (allow_parse(word, &family, addr, &prefix, why))
				return -EINVAL;
		}
		p += len + (p[len] != '\0');
	}
	return set_path(k, value, out, why);
}

/* After a duration or size parser's ret: the syntax error, or the range check. */
static int check_parsed(const struct config_key *k, int ret, const char *why_parse,
			const char *examples, int64_t v, struct strbuf *why)
{
	if (ret == -EINVAL) {
		strbuf_addf(why, "%s (examples: %s)", why_parse, examples);
		return ret;
	}
	return check_range(k, v, ret == -ERANGE, why);
}

/* Parses value into k's field of c: 0, or -EINVAL with the reason in why (c unchanged). */
static int key_set(struct agent_config *c, const struct config_key *k, const char *value,
		   struct strbuf *why)
{
	const char *w = NULL;
	uint64_t bytes = 0;
	int64_t ms = 0; /* a size's bytes too, for the range check */
	int ret;

	switch (k->type) {
	case CONFIG_DURATION:
		ret = config_parse_duration(value, &ms, &w);
		ret = check_parsed(k, ret, w, DURATION_EXS, ms, why);
		if (!ret)
			*(int64_t *)field(c, k) = ms;
		return ret;
	case CONFIG_SIZE:
		ret = config_parse_size(value, &bytes, &w);
		ms = bytes > INT64_MAX ? INT64_MAX : (int64_t)bytes;
		ret = check_parsed(k, ret, w, SIZE_EXS, ms, why);
		if (!ret)
			*(uint64_t *)field(c, k) = bytes;
		return ret;
	case CONFIG_COUNT:
		return set_count(k, value, field(c, k), why);
	case CONFIG_BOOL:
		return set_bool(value, field(c, k), why);
	case CONFIG_ENUM:
		return set_enum(k, value, field(c, k), why);
	case CONFIG_ADDR:
		if (config_parse_listen(value, field(c, k), &w) == 0)
			return 0;
		strbuf_addf(why, "%s (examples: %s)", w, LISTEN_EXS);
		return -EINVAL;
	case CONFIG_PATH:
		return set_path(k, value, field(c, k), why);
	case CONFIG_NETS:
		return set_nets(k, value, field(c, k), why);
	}
	abort();
}

static void key_format(const struct agent_config *c, const struct config_key *k, struct strbuf *out)
{
	const void *f = cfield(c, k);

	switch (k->type) {
	case CONFIG_DURATION:
		config_format_duration(*(const int64_t *)f, out);
		break;
	case CONFIG_SIZE:
		config_format_size(*(const uint64_t *)f, out);
		break;
	case CONFIG_COUNT:
		strbuf_addf(out, "%u", *(const unsigned *)f);
		break;
	case CONFIG_BOOL:
		strbuf_addstr(out, *(const bool *)f ? "yes" : "no");
		break;
	case CONFIG_ENUM:
		strbuf_addstr(out, k->choices[*(const int *)f]);
		break;
	case CONFIG_ADDR:
		config_format_listen(f, out);
		break;
	case CONFIG_PATH:
	case CONFIG_NETS:
		strbuf_addstr(out, f);
		break;
	}
}

void config_defaults(struct agent_config *c)
{
	struct strbuf why = STRBUF_INIT;

	memset(c, 0, sizeof(*c));
	rules_config_defaults(&c->rules);
	for (size_t i = 0; i < NR_KEYS; i++) {
		if (key_set(c, &keys[i], keys[i].default_text, &why)) {
			fprintf(stderr, "connmon: bad built-in default [%s] %s = %s: %s\n",
				keys[i].section, keys[i].name, keys[i].default_text, why.buf);
			abort();
		}
	}
}

/* The one rule across keys: serving /metrics beyond loopback is asked for explicitly. */
static bool listen_allowed(const struct agent_config *c)
{
	return c->agent.listen.off || c->agent.listen.loopback || c->agent.listen_public;
}

#define LISTEN_WHY                                                    \
	"not a loopback address; set listen_public = yes in [agent] " \
	"to serve metrics beyond this host"

int config_set(struct agent_config *c, const char *origin, const char *section, const char *key,
	       const char *value, struct strbuf *err)
{
	const struct config_key *k = find_key(section, key);
	struct strbuf why = STRBUF_INIT;
	struct agent_config next = *c;
	int ret = -EINVAL;

	if (!k) {
		if (err)
			strbuf_addf(err, "unknown key '%s' in [%s]", key, section);
		return -EINVAL;
	}
	if (key_set(&next, k, value, &why) == 0) {
		ret = 0;
		if (!listen_allowed(&next)) {
			strbuf_addstr(&why, LISTEN_WHY);
			ret = -EINVAL;
		}
	}
	if (ret == 0) {
		*c = next;
	} else if (err && origin) {
		strbuf_addstr(err, "invalid value '");
		add_safe(err, value);
		strbuf_addf(err, "' for '%s': %s", origin, why.buf);
	} else if (err) {
		strbuf_addf(err, "[%s] %s = ", section, key);
		add_safe(err, value);
		strbuf_addf(err, ": %s", why.buf);
	}
	strbuf_release(&why);
	return ret;
}

void config_write(const struct agent_config *c, struct strbuf *out)
{
	for (size_t s = 0; s < NR_SECTIONS; s++) {
		if (sections[s].named)
			continue;
		strbuf_addf(out, "%s[%s]\n", s ? "\n" : "", sections[s].kind);
		for (size_t i = 0; i < NR_KEYS; i++) {
			if (strcmp(keys[i].section, sections[s].kind) != 0)
				continue;
			strbuf_addf(out, "%s = ", keys[i].name);
			key_format(c, &keys[i], out);
			strbuf_addch(out, '\n');
		}
	}
	config_rules_write(&c->rules, out);
}

/* One parse of one text: the config it builds and where the reader stands. */
struct parse {
	struct agent_config cfg;       /* the defaults, then each key as it comes */
	const char *name;	       /* the file, for messages */
	const char *p, *end;	       /* the text not read yet */
	int line;		       /* of the line last handed to inih */
	const struct section *section; /* NULL before the first header */
	struct config_section_id id;
	int key_line[NR_KEYS]; /* where each key was set; 0: not in the file */
	struct strbuf *err;    /* the caller's, or scratch */
	struct strbuf scratch;
	bool failed;
	struct config_rules_parse *rules;
};

/* Starts the one error message of this parse: "FILE:LINE: ". */
static struct strbuf *fail_at(struct parse *ps, int line)
{
	ps->failed = true;
	add_safe(ps->err, ps->name);
	strbuf_addf(ps->err, ":%d: ", line);
	return ps->err;
}

static void add_section(struct strbuf *sb, const struct config_section_id *id)
{
	strbuf_addf(sb, "[%s", id->kind);
	if (id->named)
		strbuf_addf(sb, " \"%s\"", id->name);
	strbuf_addch(sb, ']');
}

/* A [rule "NAME"] header (key NULL) or one of its keys: config_rules.c. */
static void rules_line(struct parse *ps, const char *name, const char *key, const char *value)
{
	struct strbuf m = STRBUF_INIT;
	int ret;

	if (key)
		ret = config_rules_key(ps->rules, &ps->cfg.rules, name, key, value, ps->line, &m);
	else
		ret = config_rules_section(ps->rules, &ps->cfg.rules, name, ps->line, &m);
	if (ret)
		strbuf_addstr(fail_at(ps, ps->line), m.buf);
	strbuf_release(&m);
}

/* A header line (NUL-terminated, comment stripped): the section the next keys belong to. */
static void section_line(struct parse *ps, const char *line)
{
	struct config_section_id id;
	const struct section *sec;
	const char *why = NULL;
	struct strbuf *e;

	if (config_section_split(line, &id, &why)) {
		e = fail_at(ps, ps->line);
		strbuf_addstr(e, "bad section header ");
		add_safe(e, line);
		strbuf_addf(e, ": %s", why);
		return;
	}
	sec = find_section(id.kind);
	if (sec && sec->named == id.named) {
		ps->section = sec;
		ps->id = id;
		if (sec->named)
			rules_line(ps, id.name, NULL, NULL);
		return;
	}
	e = fail_at(ps, ps->line);
	if (!sec) {
		strbuf_addstr(e, "unknown section ");
		add_section(e, &id);
		add_section_hint(e, id.kind);
	} else if (id.named) {
		strbuf_addf(e, "section [%s] takes no name", id.kind);
	} else {
		strbuf_addf(e, "section [%s] needs a name: [%s \"NAME\"]", id.kind, id.kind);
	}
}

/* inih's handler: one "key = value" line of the current section. */
static int on_key(void *user, const char *section, const char *name, const char *value)
{
	struct parse *ps = user;
	const struct config_key *k;
	struct strbuf why = STRBUF_INIT;
	struct strbuf *e;

	(void)section; /* the reader keeps the section: inih truncates long names */
	if (!name || !value)
		return 1; /* a build that also reports section starts */
	if (ps->failed)
		return 0;
	if (!ps->section) {
		e = fail_at(ps, ps->line);
		strbuf_addstr(e, "key '");
		add_safe(e, name);
		strbuf_addstr(e, "' comes before any [section] header");
		add_key_hint(e, "", name);
		return 0;
	}
	if (ps->section->named) {
		rules_line(ps, ps->id.name, name, value);
		return !ps->failed;
	}
	k = find_key(ps->id.kind, name);
	if (!k) {
		e = fail_at(ps, ps->line);
		strbuf_addstr(e, "unknown key '");
		add_safe(e, name);
		strbuf_addstr(e, "' in ");
		add_section(e, &ps->id);
		add_key_hint(e, ps->id.kind, name);
		return 0;
	}
	if (ps->key_line[k - keys]) {
		strbuf_addf(fail_at(ps, ps->line), "[%s] %s given twice (first on line %d)",
			    k->section, k->name, ps->key_line[k - keys]);
		return 0;
	}
	ps->key_line[k - keys] = ps->line;
	if (key_set(&ps->cfg, k, value, &why)) {
		e = fail_at(ps, ps->line);
		strbuf_addf(e, "[%s] %s = ", k->section, k->name);
		add_safe(e, value);
		strbuf_addf(e, ": %s", why.buf);
	}
	strbuf_release(&why);
	return !ps->failed;
}

/* A NUL or a control byte other than a tab ends the parse: "FILE:LINE: ..." */
static bool bad_bytes(struct parse *ps, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			strbuf_addf(fail_at(ps, ps->line), "control character 0x%02x in line", c);
			return true;
		}
	}
	return false;
}

/* The length of s without a trailing comment (';' or '#' after a blank) and blanks. */
static size_t strip_comment(const char *s, size_t len)
{
	for (size_t i = 1; i < len; i++) {
		if ((s[i] == ';' || s[i] == '#') && (s[i - 1] == ' ' || s[i - 1] == '\t')) {
			len = i;
			break;
		}
	}
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	return len;
}

/* The next line of the text, as the NUL-terminated s/len: false at the end. */
static bool next_line(struct parse *ps, const char **s, size_t *len)
{
	const char *nl;

	if (ps->failed || ps->p >= ps->end)
		return false;
	*s = ps->p;
	nl = memchr(*s, '\n', (size_t)(ps->end - *s));
	*len = nl ? (size_t)(nl - *s) : (size_t)(ps->end - *s);
	ps->p = nl ? nl + 1 : ps->end;
	ps->line++;
	if (*len && (*s)[*len - 1] == '\r')
		(*len)--;
	if (ps->line == 1 && *len >= 3 && !memcmp(*s, "\xef\xbb\xbf", 3)) {
		*s += 3;
		*len -= 3;
	}
	return true;
}

/*
 * inih's reader: hands it each line's key = value, or an empty line for a
 * blank line, a comment or a section header (parsed here), so that inih
 * never sees indentation, comments or headers.  NULL ends the parse.
 */
static char *read_line(char *str, int num, void *stream)
{
	struct parse *ps = stream;
	const char *s;
	size_t len;

	if (!next_line(ps, &s, &len) || bad_bytes(ps, s, len))
		return NULL;
	while (len && (*s == ' ' || *s == '\t')) {
		s++;
		len--;
	}
	len = len && (*s == ';' || *s == '#') ? 0 : strip_comment(s, len);
	if (num < 3 || len > (size_t)num - 3) {
		strbuf_addf(fail_at(ps, ps->line),
			    "line longer than %d characters (comments aside)", num - 3);
		return NULL;
	}
	memcpy(str, s, len);
	str[len] = '\0';
	if (len && *s == '[') {
		section_line(ps, str);
		len = 0;
	} else if (len && !strpbrk(str, "=:")) {
		strbuf_addstr(fail_at(ps, ps->line),
			      "expected 'key = value', a [section] header or a comment");
	}
	if (ps->failed)
		return NULL;
	str[len] = '\n';
	str[len + 1] = '\0';
	return str;
}

/* After the last line: what can only be checked across keys. */
static void check_whole(struct parse *ps)
{
	const struct config_key *k = find_key("agent", "listen");
	struct strbuf *e;
	struct strbuf m = STRBUF_INIT;
	int line = 0;

	if (config_rules_check(ps->rules, &ps->cfg.rules, &m, &line)) {
		strbuf_addstr(fail_at(ps, line), m.buf);
		strbuf_release(&m);
		return;
	}
	if (listen_allowed(&ps->cfg))
		return;
	e = fail_at(ps, ps->key_line[k - keys] ? ps->key_line[k - keys] : ps->line);
	strbuf_addstr(e, "[agent] listen = ");
	config_format_listen(&ps->cfg.agent.listen, e);
	strbuf_addstr(e, ": " LISTEN_WHY);
}

int config_parse_mem(struct agent_config *c, const char *name, const char *text, size_t len,
		     struct strbuf *err)
{
	struct parse *ps = xcalloc(1, sizeof(*ps));
	int ret;

	config_defaults(&ps->cfg);
	ps->name = name;
	ps->p = text;
	ps->end = text + len;
	strbuf_init(&ps->scratch, 0);
	ps->err = err ? err : &ps->scratch;
	ps->rules = config_rules_parse_new();
	ret = ini_parse_stream(read_line, ps, on_key, ps);
	if (ret == -2) {
		fputs("connmon: out of memory in libinih\n", stderr);
		abort();
	}
	if (!ps->failed && ret)
		strbuf_addstr(fail_at(ps, ret > 0 ? ret : ps->line), "cannot parse this line");
	if (!ps->failed)
		check_whole(ps);
	ret = ps->failed ? -EINVAL : 0;
	if (!ret)
		*c = ps->cfg;
	strbuf_release(&ps->scratch);
	config_rules_parse_free(ps->rules);
	free(ps);
	return ret;
}

int config_parse_string(struct agent_config *c, const char *name, const char *text,
			struct strbuf *err)
{
	return config_parse_mem(c, name, text, strlen(text), err);
}

int config_load(struct agent_config *c, const char *path, struct strbuf *err)
{
	struct strbuf sb = STRBUF_INIT;
	int ret;

	sb.max_len = CONFIG_FILE_MAX;
	ret = strbuf_read_file(&sb, path, 0);
	if (ret == 0 && sb.truncated)
		ret = -EFBIG;
	if (ret == 0) {
		ret = config_parse_mem(c, path, sb.buf, sb.len, err);
	} else if (err) {
		strbuf_addstr(err, "cannot read '");
		add_safe(err, path);
		if (ret == -EFBIG)
			strbuf_addf(err, "': larger than %d KiB", CONFIG_FILE_MAX / 1024);
		else
			strbuf_addf(err, "': %s", strerror(-ret));
	}
	strbuf_release(&sb);
	return ret;
}
