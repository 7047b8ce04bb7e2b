// SPDX-License-Identifier: GPL-2.0-or-later
// clang-format off: cmocka.h needs these system headers first
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
// clang-format on

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli/config.h"

#define F "test.conf"

/* Parses text into *c; returns the error message ("" on success) in a static-free buffer. */
static int parse(struct agent_config *c, const char *text, struct strbuf *err)
{
	strbuf_reset(err);
	return config_parse_string(c, F, text, err);
}

/* The error text of parsing text, which must fail with -EINVAL and leave *c alone. */
static void expect_error(const char *text, const char *msg)
{
	struct strbuf err = STRBUF_INIT, before = STRBUF_INIT, after = STRBUF_INIT;
	struct agent_config c;

	config_defaults(&c);
	c.agent.interval_ms = 5000; /* not a default: loading must not touch it */
	config_write(&c, &before);
	if (parse(&c, text, &err) != -EINVAL)
		fail_msg("no error for:\n%s", text);
	if (strcmp(err.buf, msg) != 0)
		fail_msg("for:\n%s\nexpected: %s\n     got: %s", text, msg, err.buf);
	config_write(&c, &after);
	assert_string_equal(before.buf, after.buf);
	strbuf_release(&err);
	strbuf_release(&before);
	strbuf_release(&after);
}

static void expect_ok(struct agent_config *c, const char *text)
{
	struct strbuf err = STRBUF_INIT;

	if (parse(c, text, &err) != 0)
		fail_msg("for:\n%s\nunexpected error: %s", text, err.buf);
	strbuf_release(&err);
}

static char *read_whole(const char *path)
{
	struct strbuf sb = STRBUF_INIT;

	assert_int_equal(strbuf_read_file(&sb, path, 0), 0);
	return strbuf_detach(&sb, NULL);
}

static void same_config(const struct agent_config *a, const struct agent_config *b)
{
	struct strbuf x = STRBUF_INIT, y = STRBUF_INIT;

	config_write(a, &x);
	config_write(b, &y);
	assert_string_equal(x.buf, y.buf);
	strbuf_release(&x);
	strbuf_release(&y);
}

static void test_duration(void **state)
{
	static const struct {
		const char *text;
		int64_t ms;
	} ok[] = {
		{ "1s", 1000 },	       { "0.1s", 100 },	     { "100ms", 100 },
		{ "0.1", 100 },	       { "90", 90000 },	     { "15m", 900000 },
		{ "1.5h", 5400000 },   { "48h", 172800000 }, { "90d", 7776000000 },
		{ "2y", 63072000000 }, { "1w", 604800000 },  { "0", 0 },
		{ "1.000s", 1000 },    { "0.001", 1 },	     { "007s", 7000 },
	};

	static const struct {
		const char *text;
		int ret;
		const char *why;
	} bad[] = {
		{ "", -EINVAL, "not a duration" },
		{ "2x", -EINVAL, "not a duration" },
		{ "1 s", -EINVAL, "not a duration" },
		{ "-1s", -EINVAL, "not a duration" },
		{ "+1s", -EINVAL, "not a duration" },
		{ ".5s", -EINVAL, "not a duration" },
		{ "5.s", -EINVAL, "not a duration" },
		{ "1S", -EINVAL, "not a duration" },
		{ "1e3", -EINVAL, "not a duration" },
		{ "1s1", -EINVAL, "not a duration" },
		{ "0.0001s", -EINVAL, "not a whole number of milliseconds" },
		{ "0.5ms", -EINVAL, "not a whole number of milliseconds" },
		{ "300000000y", -ERANGE, "too long" },
		{ "99999999999999999999", -ERANGE, "too long" },
	};

	const char *why;
	int64_t ms;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		ms = -1;
		if (config_parse_duration(ok[i].text, &ms, &why) != 0 || ms != ok[i].ms)
			fail_msg("'%s': %lld", ok[i].text, (long long)ms);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ms = -1;
		why = NULL;
		if (config_parse_duration(bad[i].text, &ms, &why) != bad[i].ret || ms != -1)
			fail_msg("'%s' was accepted or gave another error", bad[i].text);
		assert_string_equal(why, bad[i].why);
	}
}

static void test_size(void **state)
{
	static const struct {
		const char *text;
		uint64_t bytes;
	} ok[] = {
		{ "1GiB", 1ULL << 30 },
		{ "512MiB", 512ULL << 20 },
		{ "1G", 1000000000 },
		{ "500M", 500000000 },
		{ "65536", 65536 },
		{ "1.5KiB", 1536 },
		{ "2kb", 2000 },
		{ "3gib", 3ULL << 30 },
		{ "1PiB", 1ULL << 50 },
		{ "10B", 10 },
		{ "0", 0 },
	};

	static const char *const bad[] = { "", "1X", "1 GiB", "-1", "1.5", "1.1KiB", "GiB", "1Gi" };
	uint64_t bytes;
	const char *why = NULL;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		bytes = 1;
		if (config_parse_size(ok[i].text, &bytes, &why) != 0 || bytes != ok[i].bytes)
			fail_msg("'%s': %llu", ok[i].text, (unsigned long long)bytes);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		bytes = 1;
		if (config_parse_size(bad[i], &bytes, &why) != -EINVAL || bytes != 1)
			fail_msg("'%s' was accepted", bad[i]);
	}
	assert_int_equal(config_parse_size("1.5", &bytes, &why), -EINVAL);
	assert_string_equal(why, "not a whole number of bytes");
	assert_int_equal(config_parse_size("16EiB", &bytes, &why), -EINVAL);
	assert_int_equal(config_parse_size("18446744073709551615", &bytes, &why), 0);
	assert_true(bytes == UINT64_MAX);
	assert_int_equal(config_parse_size("18446744073709551616", &bytes, &why), -ERANGE);
	assert_int_equal(config_parse_size("20000PB", &bytes, &why), -ERANGE);
	assert_string_equal(why, "too large");
}

static void test_listen(void **state)
{
	struct config_addr a;
	const char *why = NULL;
	uint8_t want[16];

	(void)state;
	assert_int_equal(config_parse_listen("127.0.0.1:9556", &a, &why), 0);
	assert_int_equal(a.family, AF_INET);
	assert_int_equal(a.port, 9556);
	assert_true(a.loopback && !a.off);
	inet_pton(AF_INET, "127.0.0.1", want);
	assert_memory_equal(a.addr, want, 4);

	assert_int_equal(config_parse_listen("[::1]:1", &a, &why), 0);
	assert_int_equal(a.family, AF_INET6);
	assert_int_equal(a.port, 1);
	assert_true(a.loopback);
	assert_int_equal(config_parse_listen("[::ffff:127.1.2.3]:65535", &a, &why), 0);
	assert_true(a.loopback);
	assert_int_equal(a.port, 65535);
	assert_int_equal(config_parse_listen("127.255.0.9:80", &a, &why), 0);
	assert_true(a.loopback);
	assert_int_equal(config_parse_listen("0.0.0.0:9556", &a, &why), 0);
	assert_false(a.loopback);
	assert_int_equal(config_parse_listen("[2001:db8::1]:9556", &a, &why), 0);
	assert_false(a.loopback);
	inet_pton(AF_INET6, "2001:db8::1", want);
	assert_memory_equal(a.addr, want, 16);
	assert_int_equal(config_parse_listen("[::ffff:10.0.0.1]:80", &a, &why), 0);
	assert_false(a.loopback);
	assert_int_equal(config_parse_listen("off", &a, &why), 0);
	assert_true(a.off);

	static const struct {
		const char *text, *why;
	} bad[] = {
		{ "127.0.0.1", "no ':PORT'" },
		{ "127.0.0.1:", "not a port (1 to 65535)" },
		{ "127.0.0.1:0", "not a port (1 to 65535)" },
		{ "127.0.0.1:65536", "not a port (1 to 65535)" },
		{ "127.0.0.1:123456", "not a port (1 to 65535)" },
		{ "127.0.0.1:http", "not a port (1 to 65535)" },
		{ "127.0.0.1:-1", "not a port (1 to 65535)" },
		{ "::1:9556", "an IPv6 address goes in brackets" },
		{ "[::1]", "no ':PORT'" },
		{ "[::1]9556", "no ':PORT'" },
		{ "[::1:9556", "no ']' after the IPv6 address" },
		{ "[127.0.0.1]:80", "not an IPv6 address" },
		{ "localhost:9556", "not an IPv4 address" },
		{ "1.2.3:80", "not an IPv4 address" },
		{ "", "no ':PORT'" },
		{ "OFF", "no ':PORT'" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		if (config_parse_listen(bad[i].text, &a, &why) != -EINVAL)
			fail_msg("'%s' was accepted", bad[i].text);
		if (strcmp(why, bad[i].why) != 0)
			fail_msg("'%s': %s", bad[i].text, why);
	}
}

static void check_format(int64_t ms, uint64_t bytes, const char *dur, const char *size)
{
	struct strbuf sb = STRBUF_INIT;

	config_format_duration(ms, &sb);
	assert_string_equal(sb.buf, dur);
	strbuf_reset(&sb);
	config_format_size(bytes, &sb);
	assert_string_equal(sb.buf, size);
	strbuf_release(&sb);
}

static void test_format(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	uint64_t bytes;
	int64_t ms;

	(void)state;
	check_format(100, 1ULL << 30, "0.1s", "1GiB");
	check_format(1500, 500000000, "1.5s", "500MB");
	check_format(1001, 1536, "1.001s", "1536");
	check_format(172800000, 64ULL << 20, "2d", "64MiB");
	check_format(63072000000, 1000, "2y", "1kB");
	check_format(1, 999, "0.001s", "999");
	check_format(0, 0, "0s", "0");
	check_format(5400000, 1024000, "90m", "1024kB");
	check_format(1234567, 3000000, "1234.567s", "3MB");
	/* what is printed reads back as the same value */
	srandom(7);
	for (int i = 0; i < 20000; i++) {
		int64_t v = (int64_t)(((uint64_t)random() << 31 | (uint64_t)random()) %
				      (i % 2 ? 100000 : 1000000000000LL));
		uint64_t b = ((uint64_t)random() << 31 | (uint64_t)random()) >> (i % 40);

		if (i % 3 == 0)
			b <<= i % 20;
		strbuf_reset(&sb);
		config_format_duration(v, &sb);
		assert_int_equal(config_parse_duration(sb.buf, &ms, NULL), 0);
		assert_true(ms == v);
		strbuf_reset(&sb);
		config_format_size(b, &sb);
		assert_int_equal(config_parse_size(sb.buf, &bytes, NULL), 0);
		assert_true(bytes == b);
	}
	strbuf_reset(&sb);
	struct config_addr a;
	assert_int_equal(config_parse_listen("[::ffff:127.0.0.1]:9", &a, NULL), 0);
	config_format_listen(&a, &sb);
	assert_string_equal(sb.buf, "[::ffff:127.0.0.1]:9");
	strbuf_release(&sb);
}

static void test_defaults(void **state)
{
	struct agent_config c;

	(void)state;
	config_defaults(&c);
	/* the defaults issue 7 and the brief name */
	assert_string_equal(c.agent.db, "/var/lib/connmon/connmon.db");
	assert_int_equal(c.agent.interval_ms, 1000);
	assert_int_equal(c.agent.write_interval_ms, 10000);
	assert_int_equal(c.agent.log_level, CONFIG_LOG_INFO);
	assert_true(c.agent.listen.loopback && c.agent.listen.family == AF_INET);
	assert_int_equal(c.agent.listen.port, 9556);
	assert_false(c.agent.listen_public);
	assert_int_equal(c.agent.census_max_period_ms, 10000);
	assert_string_equal(c.agent.netns, "");
	assert_int_equal(c.series.ports, 64);
	assert_int_equal(c.series.peers, 32);
	assert_int_equal(c.series.processes, 32);
	assert_int_equal(c.series.ring_ms, 3600000);
	assert_true(c.store.retention_ticks_ms == 48 * 3600000LL);
	assert_true(c.store.retention_minutes_ms == 90 * 86400000LL);
	assert_true(c.store.retention_hours_ms == 2 * 365 * 86400000LL);
	assert_true(c.store.max_size_bytes == 1ULL << 30);
	assert_true(c.store.backlog_max_bytes == 64ULL << 20);
	assert_int_equal(c.baseline.recompute_ms, 3600000);
	assert_int_equal(c.baseline.learning_days, 3);
	assert_int_equal(c.baseline.weekly_after_days, 14);
}

/* Whether text holds before NAME after. */
static bool mentions(const char *text, const char *before, const char *name, const char *after)
{
	char needle[128];

	snprintf(needle, sizeof(needle), "%s%s%s", before, name, after);
	return strstr(text, needle) != NULL;
}

static void format_size(int64_t v, struct strbuf *out)
{
	config_format_size((uint64_t)v, out);
}

static void format_duration(int64_t v, struct strbuf *out)
{
	config_format_duration(v, out);
}

static void test_shipped_file_and_docs(void **state)
{
	struct agent_config c, d;
	struct strbuf err = STRBUF_INIT, row = STRBUF_INIT;
	char *conf = read_whole("../../packaging/connmon.conf");
	char *doc = read_whole("../../docs/CONFIG.md");
	const struct config_key *k;
	size_t nr;

	(void)state;
	memset(&c, 0xa5, sizeof(c));
	assert_int_equal(config_load(&c, "../../packaging/connmon.conf", &err), 0);
	config_defaults(&d);
	same_config(&c, &d);
	k = config_keys(&nr);
	for (size_t i = 0; i < nr; i++) {
		if (!mentions(conf, "\n", k[i].name, " ="))
			fail_msg("packaging/connmon.conf does not set '%s'", k[i].name);
		if (!mentions(doc, "| `", k[i].name, "` |"))
			fail_msg("docs/CONFIG.md has no table row for '%s'", k[i].name);
		strbuf_reset(&row);
		strbuf_addf(&row, "| `%s` | %s | ", k[i].name, config_type_name(k[i].type));
		if (*k[i].default_text)
			strbuf_addf(&row, "`%s` |", k[i].default_text);
		else
			strbuf_addstr(&row, "empty |");
		if (k[i].type == CONFIG_DURATION || k[i].type == CONFIG_SIZE) {
			strbuf_addch(&row, ' ');
			(k[i].type == CONFIG_SIZE ? format_size : format_duration)(k[i].min, &row);
			strbuf_addstr(&row, " to ");
			(k[i].type == CONFIG_SIZE ? format_size : format_duration)(k[i].max, &row);
			strbuf_addstr(&row, " |");
		} else if (k[i].type == CONFIG_COUNT) {
			strbuf_addf(&row, " %lld to %lld |", (long long)k[i].min,
				    (long long)k[i].max);
		}
		if (!strstr(doc, row.buf))
			fail_msg("docs/CONFIG.md has no row starting '%s'", row.buf);
		if (!mentions(doc, "\n### `", k[i].name, "`"))
			fail_msg("docs/CONFIG.md has no heading for '%s'", k[i].name);
	}
	free(conf);
	free(doc);
	strbuf_release(&err);
	strbuf_release(&row);
}

/* Every key: its default, its bounds, one past each bound, and a word of another type. */
static void test_every_key(void **state)
{
	static const char *const junk[] = {
		[CONFIG_DURATION] = "2x",      [CONFIG_SIZE] = "lots",
		[CONFIG_COUNT] = "many",       [CONFIG_BOOL] = "maybe",
		[CONFIG_ENUM] = "loud",	       [CONFIG_ADDR] = "localhost:1",
		[CONFIG_NETS] = "example.com", [CONFIG_MODE] = "rw-rw----",
	};
	struct strbuf text = STRBUF_INIT, val = STRBUF_INIT, msg = STRBUF_INIT, err = STRBUF_INIT;
	const struct config_key *k;
	struct agent_config c;
	size_t nr;

	(void)state;
	k = config_keys(&nr);
	for (size_t i = 0; i < nr; i++, k++) {
		strbuf_reset(&text);
		strbuf_addf(&text, "[%s]\n%s = %s\n", k->section, k->name, k->default_text);
		expect_ok(&c, text.buf);
		if (k->type == CONFIG_PATH)
			continue;
		strbuf_reset(&text);
		strbuf_addf(&text, "# one\n[%s]\n\n%s = %s\n", k->section, k->name, junk[k->type]);
		strbuf_reset(&msg);
		strbuf_addf(&msg, F ":4: [%s] %s = %s: ", k->section, k->name, junk[k->type]);
		assert_int_equal(parse(&c, text.buf, &err), -EINVAL);
		if (strncmp(err.buf, msg.buf, msg.len) != 0 || err.len == msg.len)
			fail_msg("expected '%s...', got '%s'", msg.buf, err.buf);
		if (k->type != CONFIG_DURATION && k->type != CONFIG_SIZE && k->type != CONFIG_COUNT)
			continue;
		for (int side = 0; side < 4; side++) {
			int64_t v = side < 2 ? k->min : k->max;

			v += side == 0 ? -1 : side == 3 ? 1 : 0;
			if (v < 0)
				continue;
			strbuf_reset(&val);
			if (k->type == CONFIG_DURATION)
				strbuf_addf(&val, "%lldms", (long long)v);
			else
				strbuf_addf(&val, "%lld", (long long)v);
			strbuf_reset(&text);
			strbuf_addf(&text, "[%s]\n%s = %s\n", k->section, k->name, val.buf);
			if (side == 1 || side == 2) {
				expect_ok(&c, text.buf);
				continue;
			}
			assert_int_equal(parse(&c, text.buf, &err), -EINVAL);
			if (!strstr(err.buf, side ? ": too l" : ": too s") ||
			    !strstr(err.buf, "(accepted: "))
				fail_msg("%s", err.buf);
		}
	}
	strbuf_release(&err);
	strbuf_release(&text);
	strbuf_release(&val);
	strbuf_release(&msg);
}

static void test_values(void **state)
{
	struct agent_config c;

	(void)state;
	expect_ok(&c,
		  "[agent]\ninterval = 100ms\nwrite_interval = 1m\nlog_level = debug\n"
		  "listen = [::1]:9100\nlisten_public = off\ncensus_max_period = 2.5\n"
		  "netns = /run/netns/blue\ndb = relative/x.db\n"
		  "[series]\nports = 0\npeers = 1000\nprocesses = 7\nring = 6h\n"
		  "[store]\nretention_ticks = 1h\nretention_minutes = 5y\nretention_hours = 20y\n"
		  "max_size = 16MiB\nbacklog_max = 4GiB\n"
		  "[baseline]\nrecompute = 1d\nlearning_days = 0\nweekly_after_days = 365\n");
	assert_int_equal(c.agent.interval_ms, 100);
	assert_int_equal(c.agent.write_interval_ms, 60000);
	assert_int_equal(c.agent.log_level, CONFIG_LOG_DEBUG);
	assert_int_equal(c.agent.listen.family, AF_INET6);
	assert_int_equal(c.agent.listen.port, 9100);
	assert_int_equal(c.agent.census_max_period_ms, 2500);
	assert_string_equal(c.agent.netns, "/run/netns/blue");
	assert_string_equal(c.agent.db, "relative/x.db");
	assert_int_equal(c.series.ports, 0);
	assert_int_equal(c.series.peers, 1000);
	assert_int_equal(c.series.processes, 7);
	assert_true(c.store.retention_hours_ms == 20 * 365 * 86400000LL);
	assert_true(c.store.backlog_max_bytes == 4ULL << 30);
	assert_int_equal(c.baseline.learning_days, 0);

	for (int i = 0; i < 8; i++) {
		static const char *const yes[] = { "yes", "true", "on", "1",
						   "YES", "True", "On", "1" };
		static const char *const no[] = { "no", "false", "off", "0",
						  "No", "FALSE", "OFF", "0" };
		char text[64];

		snprintf(text, sizeof(text), "[agent]\nlisten_public = %s\n", yes[i]);
		expect_ok(&c, text);
		assert_true(c.agent.listen_public);
		snprintf(text, sizeof(text), "[agent]\nlisten_public = %s\n", no[i]);
		expect_ok(&c, text);
		assert_false(c.agent.listen_public);
	}
	expect_ok(&c, "[agent]\nlisten = off\n");
	assert_true(c.agent.listen.off);
	expect_ok(&c, "[agent]\nlisten = 0.0.0.0:9556\nlisten_public = yes\n");
	assert_false(c.agent.listen.loopback);
	expect_ok(&c, "[agent]\nlisten_public = yes\nlisten = 192.0.2.1:80\n");
	expect_ok(&c, "[agent]\nnetns =\n");
	assert_string_equal(c.agent.netns, "");
}

/* [agent] socket_mode: octal as chmod(1) writes it, 0 to 0777, written back with four digits. */
static void test_socket_keys(void **state)
{
	static const char *const bad[] = { "0778", "1777", "rw", "", "0o660", "00660x", "-1" };
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	struct agent_config c;

	(void)state;
	config_defaults(&c);
	assert_string_equal(c.socket.path, "/run/connmon/agent.sock");
	assert_int_equal(c.socket.mode, 0660);
	assert_string_equal(c.socket.group, "");
	expect_ok(&c, "[agent]\nsocket = \nsocket_mode = 600\nsocket_group = adm\n");
	assert_string_equal(c.socket.path, "");
	assert_int_equal(c.socket.mode, 0600);
	assert_string_equal(c.socket.group, "adm");
	expect_ok(&c, "[agent]\nsocket_mode = 0\n");
	assert_int_equal(c.socket.mode, 0);
	expect_ok(&c, "[agent]\nsocket_mode = 0777\n");
	assert_int_equal(c.socket.mode, 0777);
	config_write(&c, &out);
	assert_non_null(strstr(out.buf, "\nsocket_mode = 0777\n"));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		strbuf_reset(&err);
		assert_int_equal(config_set(&c, NULL, "agent", "socket_mode", bad[i], &err),
				 -EINVAL);
		assert_non_null(strstr(err.buf, "not a file mode"));
		assert_int_equal(c.socket.mode, 0777);
	}
	strbuf_release(&err);
	strbuf_release(&out);
}

static void test_value_errors(void **state)
{
	(void)state;
	expect_error("[store]\nretention_ticks = 2x\n",
		     F ":2: [store] retention_ticks = 2x: not a duration "
		       "(examples: 90s, 15m, 48h, 90d, 2y)");
	expect_error("[agent]\ninterval = 0.05s\n",
		     F ":2: [agent] interval = 0.05s: too short (accepted: 0.1s to 1m)");
	expect_error("[agent]\ninterval = 61\n",
		     F ":2: [agent] interval = 61: too long (accepted: 0.1s to 1m)");
	expect_error("[agent]\ninterval = 1.0005s\n",
		     F ":2: [agent] interval = 1.0005s: not a whole number of milliseconds "
		       "(examples: 90s, 15m, 48h, 90d, 2y)");
	expect_error("[agent]\ninterval = 99999999999999999999y\n",
		     F ":2: [agent] interval = 99999999999999999999y: too long "
		       "(accepted: 0.1s to 1m)");
	expect_error("[store]\nmax_size = 1MiB\n",
		     F ":2: [store] max_size = 1MiB: too small (accepted: 16MiB to 1PiB)");
	expect_error("[store]\nmax_size = 1 GiB\n", F ":2: [store] max_size = 1 GiB: not a size "
						      "(examples: 1GiB, 512MiB, 1G, 500M, 65536)");
	expect_error("[series]\nports = -1\n",
		     F ":2: [series] ports = -1: not a whole number (accepted: 0 to 1000)");
	expect_error("[series]\nports = 1001\n",
		     F ":2: [series] ports = 1001: too large (accepted: 0 to 1000)");
	expect_error("[series]\nports = 99999999999999\n",
		     F ":2: [series] ports = 99999999999999: too large (accepted: 0 to 1000)");
	expect_error("[series]\nports = 12k\n",
		     F ":2: [series] ports = 12k: not a whole number (accepted: 0 to 1000)");
	expect_error("[series]\nports =\n",
		     F ":2: [series] ports = : not a whole number (accepted: 0 to 1000)");
	expect_error("[agent]\nlisten_public = maybe\n",
		     F ":2: [agent] listen_public = maybe: not a boolean "
		       "(accepted: yes, no, true, false, on, off, 1, 0)");
	expect_error("[agent]\nlog_level = warn\n",
		     F ":2: [agent] log_level = warn: not one of error, warning, info, debug");
	expect_error("[agent]\nlisten = ::1:9556\n",
		     F ":2: [agent] listen = ::1:9556: an IPv6 address goes in brackets "
		       "(examples: 127.0.0.1:9556, [::1]:9556, off)");
	expect_error("[agent]\ndb =\n", F ":2: [agent] db = : empty (a path is required)");
	/* not loopback without listen_public: the line of listen, wherever the check runs */
	expect_error("[agent]\nlisten = 0.0.0.0:9556\nlog_level = info\n",
		     F ":2: [agent] listen = 0.0.0.0:9556: not a loopback address; set "
		       "listen_public = yes in [agent] to serve metrics beyond this host");
	expect_error("[agent]\nlisten_public = no\nlisten = [2001:db8::1]:1\n",
		     F ":3: [agent] listen = [2001:db8::1]:1: not a loopback address; set "
		       "listen_public = yes in [agent] to serve metrics beyond this host");
}

static void test_unknown(void **state)
{
	(void)state;
	expect_error("[agent]\ndb = /x\nintervall = 1s\n",
		     F ":3: unknown key 'intervall' in [agent] (did you mean 'interval'?)");
	expect_error("[agent]\nInterval = 1s\n",
		     F ":2: unknown key 'Interval' in [agent] (did you mean 'interval'?)");
	expect_error("[agent]\nlog-level = info\n",
		     F ":2: unknown key 'log-level' in [agent] (did you mean 'log_level'?)");
	expect_error("[agent]\nports = 3\n",
		     F ":2: unknown key 'ports' in [agent] (it belongs in [series])");
	expect_error("[agent]\nfrobnicate = 3\n", F ":2: unknown key 'frobnicate' in [agent]");
	expect_error("[agent]\n= 3\n", F ":2: unknown key '' in [agent]");
	expect_error("interval = 1s\n[agent]\n",
		     F ":1: key 'interval' comes before any [section] header "
		       "(it belongs in [agent])");
	expect_error("\n\n[agnet]\n", F ":3: unknown section [agnet] (did you mean [agent]?)");
	expect_error("[Store]\n", F ":1: unknown section [Store] (did you mean [store]?)");
	expect_error("[responder]\n",
		     F ":1: unknown section [responder] (did you mean [respond]?)");
	expect_error("[agent]\ndb = /x\n[nope]\ndb = /y\n", F ":3: unknown section [nope]");
	expect_error("[agent]\ninterval\n",
		     F ":2: expected 'key = value', a [section] header or a comment");
	expect_error("[agent]\nhello world ; interval = 1\n",
		     F ":2: expected 'key = value', a [section] header or a comment");
}

static void test_duplicates(void **state)
{
	struct agent_config c;

	(void)state;
	expect_error("[agent]\ninterval = 1s\n\n# again\ninterval = 2s\n",
		     F ":5: [agent] interval given twice (first on line 2)");
	/* a section may come back; its keys still count once */
	expect_error("[agent]\ninterval = 1s\n[series]\nports = 1\n[agent]\ninterval = 1s\n",
		     F ":6: [agent] interval given twice (first on line 2)");
	expect_ok(&c, "[agent]\ninterval = 2s\n[series]\nports = 1\n[agent]\ndb = /x\n");
	assert_int_equal(c.agent.interval_ms, 2000);
	assert_string_equal(c.agent.db, "/x");
}

static void test_sections(void **state)
{
	static const struct {
		const char *line, *kind, *name;
	} ok[] = {
		{ "[agent]", "agent", NULL },
		{ "[ agent\t]", "agent", NULL },
		{ "[rule \"syn flood\"]", "rule", "syn flood" },
		{ "[rule\"x\"] ; comment", "rule", "x" },
		{ "[rule  \"a-b.c:d/e@f\" ] # comment", "rule", "a-b.c:d/e@f" },
		{ "[my_kind-2 \"1234567890123456789012345678901234567890\"]", "my_kind-2",
		  "1234567890123456789012345678901234567890" },
	};

	static const struct {
		const char *line, *why;
	} bad[] = {
		{ "[rule \"x]", "no '\"' closing the name" },
		{ "[rule \"x\"", "no ']' closing the section header" },
		{ "[agent", "no ']' closing the section header" },
		{ "[rule x]", "expected ']' (a name is quoted: [kind \"name\"])" },
		{ "[rule \"a\"b\"]", "expected ']' (a name is quoted: [kind \"name\"])" },
		{ "[rule \"a\\\"b\"]",
		  "a quoted name holds no '\\', '[', ']', ';' or control characters" },
		{ "[rule \"a]b\"]",
		  "a quoted name holds no '\\', '[', ']', ';' or control characters" },
		{ "[rule \"a\tb\"]",
		  "a quoted name holds no '\\', '[', ']', ';' or control characters" },
		{ "[rule \"\"]", "an empty name" },
		{ "[rule \" a\"]", "a name neither starts nor ends with a space" },
		{ "[rule \"a \"]", "a name neither starts nor ends with a space" },
		{ "[rule \"12345678901234567890123456789012345678901\"]",
		  "a name longer than 40 characters" },
		{ "[]", "a section is a word of letters, digits, '_' or '-'" },
		{ "[\"x\"]", "a section is a word of letters, digits, '_' or '-'" },
		{ "[agent] x", "text after ']'" },
		{ "[agent]]", "text after ']'" },
		{ "[a.b]", "expected ']' (a name is quoted: [kind \"name\"])" },
		{ "[abcdefghijabcdefghijabcdefghijabc]",
		  "a section kind longer than 32 characters" },
	};
	struct config_section_id id;
	const char *why;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		memset(&id, 0x55, sizeof(id));
		if (config_section_split(ok[i].line, &id, &why) != 0)
			fail_msg("'%s': %s", ok[i].line, why);
		assert_string_equal(id.kind, ok[i].kind);
		assert_int_equal(id.named, ok[i].name != NULL);
		assert_string_equal(id.name, ok[i].name ? ok[i].name : "");
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		if (config_section_split(bad[i].line, &id, &why) != -EINVAL)
			fail_msg("'%s' was accepted", bad[i].line);
		if (strcmp(why, bad[i].why) != 0)
			fail_msg("'%s': %s", bad[i].line, why);
	}
	/* in a file: the header's line, the header as written */
	expect_error("[agent]\n[rule \"syn flood\"]\n",
		     F ":2: [rule \"syn flood\"]: a custom rule needs series = and above = or "
		       "below = (did you mean the built-in [rule \"syn_flood\"]?)");
	expect_error("; c\n[agent \"x\"]\n", F ":2: section [agent] takes no name");
	expect_error("[agent]\ndb = /x\n[rule \"x]\n",
		     F ":3: bad section header [rule \"x]: no '\"' closing the name");
	expect_error("[rule \"a\\\"b\"]\n",
		     F ":1: bad section header [rule \"a\\\"b\"]: a quoted name holds no '\\', "
		       "'[', ']', ';' or control characters");
	/* inih keeps 49 bytes of a section name; the reader keeps it whole */
	expect_error("[agent]\n[rule \"1234567890123456789012345678901234567890\"]\n",
		     F ":2: [rule \"1234567890123456789012345678901234567890\"]: a custom rule "
		       "needs series = and above = or below =");
}

/* Line numbers through everything that is not a key line. */
static void test_lines(void **state)
{
	struct agent_config c;
	char big[400];

	(void)state;
	expect_error("\xef\xbb\xbf# bom\r\n[agent]\r\n\r\n  ; indented comment\r\n"
		     "\tinterval = 3s   ; inline\r\ninterval = 2s\r\n",
		     F ":6: [agent] interval given twice (first on line 5)");
	expect_ok(&c, "\xef\xbb\xbf[agent]\r\n    interval = 3s # inline\r\n"
		      "  db = /var/x;y#z   # a comment\n; last line has no newline\n"
		      "netns = blue");
	assert_int_equal(c.agent.interval_ms, 3000);
	assert_string_equal(c.agent.db, "/var/x;y#z");
	assert_string_equal(c.agent.netns, "blue");
	/* an indented line is a key of its own, not inih's continuation of the previous value */
	expect_error("[agent]\ndb = /x\n   /y\n",
		     F ":3: expected 'key = value', a [section] header or a comment");
	expect_error("[agent]\ndb = /x\n  write_interval = 0\n",
		     F ":3: [agent] write_interval = 0: too short (accepted: 1s to 10m)");
	/* the :: of an address is no separator inih trips on */
	expect_ok(&c, "[agent]\nlisten:[::1]:9556\n");
	assert_int_equal(c.agent.listen.family, AF_INET6);

	/* inih's line buffer: lines up to 197 characters, comments aside */
	memcpy(big, "[agent]\ndb = /", 14);
	memset(big + 14, 'a', 191);
	memcpy(big + 14 + 191, "\n", 2);
	expect_ok(&c, big);
	assert_int_equal(strlen(c.agent.db), 192);
	memcpy(big + 14 + 191, "a\n", 3);
	expect_error(big, F ":2: line longer than 197 characters (comments aside)");
	memset(big, 0, sizeof(big));
	memcpy(big, "[agent] ; ", 10);
	memset(big + 10, 'c', 300);
	memcpy(big + 310, "\ndb = /x\nbad\n", 13);
	expect_error(big, F ":3: expected 'key = value', a [section] header or a comment");

	expect_error("[agent]\ndb = /x\x1b[2J\n", F ":2: control character 0x1b in line");
	expect_error("[agent]\n\ndb = /x\x7f\n", F ":3: control character 0x7f in line");
	expect_ok(&c, "");
	expect_ok(&c, "\n\n# nothing\n[agent]\n");
}

static void test_nul_byte(void **state)
{
	static const char text[] = "[agent]\ndb = /x\0y\n";
	struct strbuf err = STRBUF_INIT;
	struct agent_config c;

	(void)state;
	config_defaults(&c);
	assert_int_equal(config_parse_mem(&c, F, text, sizeof(text) - 1, &err), -EINVAL);
	assert_string_equal(err.buf, F ":2: control character 0x00 in line");
	assert_string_equal(c.agent.db, "/var/lib/connmon/connmon.db");
	strbuf_release(&err);
	/* NULL err: still refused */
	assert_int_equal(config_parse_mem(&c, F, text, sizeof(text) - 1, NULL), -EINVAL);
	assert_int_equal(config_parse_string(&c, F, "[x]\n", NULL), -EINVAL);
}

static void test_fresh_load(void **state)
{
	struct agent_config c;

	(void)state;
	config_defaults(&c);
	c.agent.interval_ms = 5000;
	c.series.ports = 9;
	/* a good file replaces everything: keys it does not give are the defaults, not c's */
	expect_ok(&c, "[agent]\ndb = /x\n");
	assert_int_equal(c.agent.interval_ms, 1000);
	assert_int_equal(c.series.ports, 64);
	assert_string_equal(c.agent.db, "/x");
}

static void test_set(void **state)
{
	struct strbuf err = STRBUF_INIT;
	struct agent_config c;

	(void)state;
	config_defaults(&c);
	assert_int_equal(config_set(&c, "--interval", "agent", "interval", "5", &err), 0);
	assert_int_equal(c.agent.interval_ms, 5000);
	assert_int_equal(config_set(&c, "--db", "agent", "db", "./here.db", &err), 0);
	assert_string_equal(c.agent.db, "./here.db");

	assert_int_equal(config_set(&c, "--interval", "agent", "interval", "0.05", &err), -EINVAL);
	assert_string_equal(
		err.buf, "invalid value '0.05' for '--interval': too short (accepted: 0.1s to 1m)");
	assert_int_equal(c.agent.interval_ms, 5000);
	strbuf_reset(&err);
	assert_int_equal(config_set(&c, NULL, "store", "max_size", "2x", &err), -EINVAL);
	assert_string_equal(err.buf, "[store] max_size = 2x: not a size "
				     "(examples: 1GiB, 512MiB, 1G, 500M, 65536)");
	strbuf_reset(&err);
	assert_int_equal(config_set(&c, "--db", "agent", "db", "a\033b", &err), -EINVAL);
	assert_string_equal(err.buf,
			    "invalid value 'a\\x1bb' for '--db': holds a control character");
	strbuf_reset(&err);
	assert_int_equal(config_set(&c, "--db", "agent", "db", "a ;b", &err), -EINVAL);
	assert_string_equal(err.buf, "invalid value 'a ;b' for '--db': holds ' ;' or ' #', which "
				     "start a comment in the file");
	strbuf_reset(&err);
	assert_int_equal(config_set(&c, "--db", "agent", "db", " a", &err), -EINVAL);
	assert_int_equal(config_set(&c, "--db", "agent", "db", "#a", &err), -EINVAL);
	assert_int_equal(config_set(&c, "--db", "agent", "db", ";a", &err), -EINVAL);
	strbuf_reset(&err);
	assert_int_equal(config_set(&c, "--x", "agent", "nope", "1", &err), -EINVAL);
	assert_string_equal(err.buf, "unknown key 'nope' in [agent]");

	/* listen beyond loopback needs listen_public, in either order of setting */
	strbuf_reset(&err);
	assert_int_equal(config_set(&c, "--listen", "agent", "listen", "0.0.0.0:80", &err),
			 -EINVAL);
	assert_string_equal(err.buf, "invalid value '0.0.0.0:80' for '--listen': not a loopback "
				     "address; set listen_public = yes in [agent] to serve metrics "
				     "beyond this host");
	assert_true(c.agent.listen.loopback);
	assert_int_equal(config_set(&c, NULL, "agent", "listen_public", "yes", NULL), 0);
	assert_int_equal(config_set(&c, "--listen", "agent", "listen", "0.0.0.0:80", NULL), 0);
	assert_int_equal(c.agent.listen.port, 80);
	assert_int_equal(config_set(&c, NULL, "agent", "listen_public", "no", NULL), -EINVAL);
	assert_true(c.agent.listen_public);
	assert_int_equal(config_set(&c, "--listen", "agent", "listen", "off", NULL), 0);
	assert_int_equal(config_set(&c, NULL, "agent", "listen_public", "no", NULL), 0);
	strbuf_release(&err);
}

/* Random valid configs: written, parsed back, written again, the same text. */
static void test_write_roundtrip(void **state)
{
	static const char *const addrs[] = { "127.0.0.1:9556", "[::1]:1", "off", "0.0.0.0:65535",
					     "[2001:db8::7]:80" };
	static const char *const paths[] = { "/var/lib/connmon/connmon.db", "x", "/a b/c;d#e",
					     "r\xc3\xa9seau" };
	struct strbuf out = STRBUF_INIT, again = STRBUF_INIT, val = STRBUF_INIT;
	struct agent_config c, d;
	const struct config_key *k;
	size_t nr;

	(void)state;
	k = config_keys(&nr);
	srandom(11);
	for (int round = 0; round < 300; round++) {
		config_defaults(&c);
		assert_int_equal(config_set(&c, NULL, "agent", "listen_public", "yes", NULL), 0);
		for (size_t i = 0; i < nr; i++) {
			uint64_t span = (uint64_t)(k[i].max - k[i].min) + 1;
			int64_t v = k[i].min +
				    (int64_t)(((uint64_t)random() << 31 | (uint64_t)random()) %
					      (span ? span : 1));

			strbuf_reset(&val);
			switch (k[i].type) {
			case CONFIG_DURATION:
				strbuf_addf(&val, "%lldms", (long long)v);
				break;
			case CONFIG_SIZE:
			case CONFIG_COUNT:
				strbuf_addf(&val, "%lld", (long long)v);
				break;
			case CONFIG_BOOL:
				strbuf_addstr(&val, random() % 2 ? "on" : "0");
				break;
			case CONFIG_ENUM: {
				size_t n = 0;

				while (k[i].choices[n])
					n++;
				strbuf_addstr(&val, k[i].choices[(size_t)random() % n]);
				break;
			}
			case CONFIG_ADDR:
				strbuf_addstr(&val, addrs[random() % 5]);
				break;
			case CONFIG_PATH:
				strbuf_addstr(&val, paths[random() % 4]);
				break;
			case CONFIG_NETS:
				strbuf_addstr(&val, random() % 2 ? "10.0.0.0/8, ::1" : "");
				break;
			case CONFIG_MODE:
				strbuf_addf(&val, "%llo", (long long)v);
				break;
			}
			if (!strcmp(k[i].name, "listen_public"))
				continue;
			if (config_set(&c, NULL, k[i].section, k[i].name, val.buf, &out))
				fail_msg("%s", out.buf);
		}
		strbuf_reset(&out);
		config_write(&c, &out);
		memset(&d, 0, sizeof(d));
		expect_ok(&d, out.buf);
		same_config(&c, &d);
		strbuf_reset(&again);
		config_write(&d, &again);
		assert_string_equal(out.buf, again.buf);
	}
	strbuf_release(&out);
	strbuf_release(&again);
	strbuf_release(&val);
}

static void test_load(void **state)
{
	char path[] = "/tmp/connmon-test-config-XXXXXX";
	struct strbuf err = STRBUF_INIT;
	struct agent_config c;
	int fd;
	FILE *f;

	(void)state;
	config_defaults(&c);
	assert_int_equal(config_load(&c, "/nonexistent/connmon.conf", &err), -ENOENT);
	assert_string_equal(err.buf,
			    "cannot read '/nonexistent/connmon.conf': No such file or directory");
	strbuf_reset(&err);
	assert_int_equal(config_load(&c, "/", &err), -EISDIR);
	strbuf_reset(&err);

	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs("[agent]\n\ninterval = 7s\nlog_level = none\n", f);
	fclose(f);
	assert_int_equal(config_load(&c, path, &err), -EINVAL);
	assert_non_null(strstr(err.buf, ":4: [agent] log_level = none: not one of"));
	assert_memory_equal(err.buf, path, strlen(path));
	assert_int_equal(c.agent.interval_ms, 1000);

	f = fopen(path, "w");
	for (int i = 0; i < CONFIG_FILE_MAX / 8; i++)
		fputs("# pad..\n", f);
	fclose(f);
	strbuf_reset(&err);
	assert_int_equal(config_load(&c, path, &err), 0);
	f = fopen(path, "a");
	fputs("\n", f);
	fclose(f);
	assert_int_equal(config_load(&c, path, &err), -EFBIG);
	assert_non_null(strstr(err.buf, "': larger than 1024 KiB"));
	unlink(path);
	strbuf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_size),
		cmocka_unit_test(test_listen),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_shipped_file_and_docs),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_value_errors),
		cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_sections),
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_fresh_load),
		cmocka_unit_test(test_set),
		cmocka_unit_test(test_write_roundtrip),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_socket_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
