/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The agent's configuration file (docs/CONFIG.md): an INI file read with
 * libinih, every key typed and bounded, every mistake an error that names
 * the file, the line, the key and what would be accepted, in git's grammar:
 *
 *   /etc/connmon/connmon.conf:12: [store] retention_ticks = 2x: not a duration (examples: ...)
 *   /etc/connmon/connmon.conf:3: unknown key 'intervall' in [agent] (did you mean 'interval'?)
 *   /etc/connmon/connmon.conf:7: unknown section [agnet] (did you mean [agent]?)
 *   /etc/connmon/connmon.conf:9: [agent] interval given twice (first on line 4)
 *
 * Unknown sections and keys are errors, never ignored: a typo must not fall
 * back to a default silently.  Parsing stops at the first error.
 *
 * Loading never half-applies: config_load() and config_parse_*() parse the
 * defaults plus the text into a struct of their own and copy it into *c only
 * on success, so on any error *c is exactly what it was.  That is what the
 * agent's SIGHUP reload needs: load into the running config's copy, then
 * re-apply the command-line overrides with config_set(), and swap only when
 * both succeed.
 *
 * Units: every duration is int64 milliseconds (_ms), every size uint64
 * bytes (_bytes).  struct agent_config holds no pointers (strings are
 * arrays), so it is copied by assignment and needs no release.
 *
 * Errors: 0 or a negative errno; err (when not NULL) receives one sentence
 * without a trailing newline, which the caller prints (and exits 2, or on a
 * reload logs and keeps the old config).
 */
#ifndef CONNMON_CLI_CONFIG_H
#define CONNMON_CLI_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alert/notify.h"
#include "analyze/rules.h"
#include "base/strbuf.h"

#define CONFIG_DEFAULT_PATH "/etc/connmon/connmon.conf"
/* Longest path value, NUL included (PATH_MAX). */
#define CONFIG_PATH_MAX 4096
/* A config file larger than this is refused (-EFBIG). */
#define CONFIG_FILE_MAX (1024 * 1024)
/* The longest section kind and the longest quoted name: [rule "syn flood"]. */
#define CONFIG_KIND_MAX 32
#define CONFIG_NAME_MAX 40

enum config_log_level {
	CONFIG_LOG_ERROR,
	CONFIG_LOG_WARNING,
	CONFIG_LOG_INFO,
	CONFIG_LOG_DEBUG,
};

/* A listening address: "ADDR:PORT", "[V6]:PORT" or "off". */
struct config_addr {
	bool off;	  /* "off": no listener; the fields below are zero */
	int family;	  /* AF_INET or AF_INET6 */
	uint8_t addr[16]; /* network byte order; the first 4 bytes for AF_INET */
	uint16_t port;	  /* host byte order, 1 to 65535 */
	bool loopback;	  /* 127.0.0.0/8, ::1, or ::ffff:127.0.0.0/104 */
};

/* [respond] (docs/RESPOND.md); the agent copies it into alert/respond's params. */
enum config_respond_mode {
	CONFIG_RESPOND_OFF,
	CONFIG_RESPOND_DRY_RUN,
	CONFIG_RESPOND_ON,
};

struct respond_config {
	int mode;		     /* enum config_respond_mode */
	char allow[CONFIG_PATH_MAX]; /* addresses and networks, separated by commas or blanks */
	int64_t ban_time_ms;	     /* the first ban */
	unsigned ban_factor;	     /* times this per earlier ban */
	int64_t ban_max_ms;	     /* the longest ban */
	unsigned set_size;	     /* elements per nftables set */
	int64_t limit_time_ms;	     /* how long a limit lasts */
	unsigned limit_connections;  /* open connections per limited (source, port) */
	unsigned limit_syn_rate;     /* SYNs per second per limited (source, port) */
};

struct agent_config {
	struct {
		char db[CONFIG_PATH_MAX]; /* never empty */
		int64_t interval_ms;	  /* 100 to 60,000 */
		int64_t write_interval_ms;
		int log_level; /* enum config_log_level */
		struct config_addr listen;
		bool listen_public; /* listen may be a non-loopback address */
		int64_t census_max_period_ms;
		char netns[CONFIG_PATH_MAX]; /* "": the agent's own namespace */
	} agent;

	struct {
		unsigned ports, peers, processes; /* top N per tick, plus "other" */
		int64_t ring_ms;		  /* the in-memory span */
	} series;

	struct {
		int64_t retention_ticks_ms, retention_minutes_ms, retention_hours_ms;
		uint64_t max_size_bytes;
		uint64_t backlog_max_bytes;
		int64_t idle_ms;
	} store;

	struct {
		int64_t recompute_ms;
		unsigned learning_days, weekly_after_days;
	} baseline;

	struct rules_config rules;   /* [rule "NAME"] sections: cli/config_rules.h, docs/RULES.md */
	struct notify_config alerts; /* [alerts]: the notification sinks (alert/notify.h) */

	struct {
		char capture[CONFIG_PATH_MAX];	 /* "any", an interface, or "off" */
		bool journal;			 /* read sshd's lines from the journal */
		char auth_logs[CONFIG_PATH_MAX]; /* files read besides, space-separated */
		char auth_fallback[CONFIG_PATH_MAX];
		int64_t scan_window_ms, auth_window_ms;
	} detect; /* [detect]: the inputs of port_scan and ssh_brute_force */
	struct respond_config respond;

	struct {
		char state_dir[CONFIG_PATH_MAX]; /* [agent] state_dir; "": the db's directory */
	} agent_api;
};

/* Fills *c with the built-in defaults (the values of packaging/connmon.conf). */
void config_defaults(struct agent_config *c);

/*
 * Reads path and parses it over the defaults into *c (not over *c's current
 * values).  0; -ENOENT, -EACCES or another errno from open/read ("cannot
 * read 'PATH': REASON" in err); -EFBIG above CONFIG_FILE_MAX; -EINVAL with
 * "PATH:LINE: ..." in err.  On error *c is unchanged.
 */
int config_load(struct agent_config *c, const char *path, struct strbuf *err);

/* The same for text in memory; name stands for the file in messages. */
int config_parse_string(struct agent_config *c, const char *name, const char *text,
			struct strbuf *err);
/* len bytes, which may hold NUL bytes (an error, as in a file). */
int config_parse_mem(struct agent_config *c, const char *name, const char *text, size_t len,
		     struct strbuf *err);

/*
 * Sets one key from elsewhere than the file (the command line's --db,
 * --interval, --listen), with the file's validation.  origin names the
 * option in messages ("invalid value '0.01' for '--interval': too short
 * (accepted: 0.1s to 60s)"); NULL names the key instead.  0, or -EINVAL
 * (unknown key, bad value) with *c unchanged.
 */
int config_set(struct agent_config *c, const char *origin, const char *section, const char *key,
	       const char *value, struct strbuf *err);

/*
 * Appends the whole config as INI text, every key in table order, in the
 * forms the parser reads back to the same values (for --print-config and
 * the reload log).  A path longer than the parser's line limit (see
 * docs/CONFIG.md) is written but would not parse back.
 */
void config_write(const struct agent_config *c, struct strbuf *out);

/* The key table, for documentation checks and help output. */
enum config_type {
	CONFIG_DURATION, /* int64_t ms */
	CONFIG_SIZE,	 /* uint64_t bytes */
	CONFIG_COUNT,	 /* unsigned */
	CONFIG_BOOL,	 /* bool */
	CONFIG_ENUM,	 /* int: index into choices */
	CONFIG_ADDR,	 /* struct config_addr */
	CONFIG_PATH,	 /* char[CONFIG_PATH_MAX]; min 1: required, 0: may be empty */
	CONFIG_NETS,	 /* char[CONFIG_PATH_MAX]: addresses and CIDR networks (allow_parse) */
};

struct config_key {
	const char *section; /* "agent" */
	const char *name;    /* "interval" */
	enum config_type type;
	size_t offset;		    /* of the field in struct agent_config */
	int64_t min, max;	    /* in the field's unit (path: min 1 = non-empty) */
	const char *const *choices; /* CONFIG_ENUM: NULL-terminated */
	const char *default_text;   /* as packaging/connmon.conf writes it */
	const char *doc;	    /* one line */
};

/* The table, in file order; *nr receives its length. */
const struct config_key *config_keys(size_t *nr);
/* The name of a type as docs/CONFIG.md writes it ("duration"). */
const char *config_type_name(enum config_type type);

/*
 * A section header's parts: "[agent]" is kind "agent", no name;
 * `[rule "syn flood"]` is kind "rule", name "syn flood" (issue 8's rules).
 * Names are quoted with '"' and hold no '"', '\\', '[', ']', ';' or
 * control characters, nor leading or trailing spaces (no escapes).
 */
struct config_section_id {
	char kind[CONFIG_KIND_MAX + 1];
	char name[CONFIG_NAME_MAX + 1];
	bool named;
};

/*
 * Splits a header line (starting at '[', NUL-terminated, a trailing comment
 * allowed) into *id.  0, or -EINVAL with *why (when not NULL) pointing at a
 * static phrase saying what is malformed.
 */
int config_section_split(const char *line, struct config_section_id *id, const char **why);

/*
 * The value parsers the CLI shares.  Each returns 0, or -EINVAL (not that
 * kind of value) or -ERANGE (too large to hold), with *why (when not NULL)
 * pointing at a static phrase for the message; the output is untouched on
 * error.
 *
 * Durations: a decimal number and a unit, ms s m h d w y (y = 365 d), or a
 * bare number of seconds: "90s" "15m" "1.5h" "0.1" "2y".  It must come to
 * a whole number of milliseconds.
 */
int config_parse_duration(const char *s, int64_t *ms, const char **why);
/*
 * Sizes: a decimal number and a unit, SI (k M G T P, with or without B:
 * 1000^n) or IEC (KiB MiB GiB TiB PiB: 1024^n), any case, or a bare number
 * of bytes: "1GiB" "512MiB" "1G" "500M" "65536".  Whole bytes only.
 */
int config_parse_size(const char *s, uint64_t *bytes, const char **why);
/* "127.0.0.1:9556", "[::1]:9556", "0.0.0.0:9556", or "off". */
int config_parse_listen(const char *s, struct config_addr *addr, const char **why);

/* The forms config_write uses, appended to out: "1s" "0.1s" "90d"; "1GiB" "500MB"; "[::1]:9556". */
void config_format_duration(int64_t ms, struct strbuf *out);
void config_format_size(uint64_t bytes, struct strbuf *out);
void config_format_listen(const struct config_addr *addr, struct strbuf *out);

#endif
