// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * collect/authlog: sshd's lines as OpenSSH 7 to 9 write them (bare as with
 * `sshd -E`, with classic, ISO and RFC 5424 syslog prefixes), the kind and
 * the counted/not-counted split of each, the fields, lines of other
 * programs, user names that try to name another address; and the file
 * reader following a file through appends, truncation and rotation.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* clang-format off: cmocka.h needs the headers above */
#include <cmocka.h>
/* clang-format on */

#include "collect/authlog.h"
#include "collect/authlog_read.h"

/* 2026-11-29T12:00:00Z */
#define NOW_MS 1795953600000LL

struct sample {
	const char *line;
	enum authlog_kind kind;
	const char *addr, *user;
	uint16_t port;
};

/* Real lines (addresses changed to documentation ranges). */
static const struct sample samples[] = {
	/* OpenSSH 9.2, sshd -E */
	{ "Failed password for root from 192.0.2.7 port 41620 ssh2", AUTHLOG_FAILED, "192.0.2.7",
	  "root", 41620 },
	{ "Failed password for invalid user nosuch from 192.0.2.7 port 41624 ssh2", AUTHLOG_FAILED,
	  "192.0.2.7", "nosuch", 41624 },
	{ "Invalid user nosuch from 192.0.2.7 port 41624", AUTHLOG_INVALID_USER, "192.0.2.7",
	  "nosuch", 41624 },
	{ "Connection closed by authenticating user root 192.0.2.7 port 41620 [preauth]",
	  AUTHLOG_CLOSED_PREAUTH, "192.0.2.7", "root", 41620 },
	{ "Connection closed by invalid user nosuch 192.0.2.7 port 41624 [preauth]",
	  AUTHLOG_CLOSED_PREAUTH, "192.0.2.7", "nosuch", 41624 },
	{ "Connection closed by 192.0.2.8 port 51000 [preauth]", AUTHLOG_CLOSED_PREAUTH,
	  "192.0.2.8", "", 51000 },
	{ "Disconnected from invalid user admin 2001:db8::5 port 40022 [preauth]",
	  AUTHLOG_DISCONNECTED_PREAUTH, "2001:db8::5", "admin", 40022 },
	{ "Disconnected from authenticating user root 198.51.100.2 port 22022 [preauth]",
	  AUTHLOG_DISCONNECTED_PREAUTH, "198.51.100.2", "root", 22022 },
	/* OpenSSH 7.4 (CentOS 7) journal MESSAGE fields */
	{ "Failed password for invalid user oracle from 203.0.113.9 port 33512 ssh2",
	  AUTHLOG_FAILED, "203.0.113.9", "oracle", 33512 },
	{ "Failed publickey for git from 203.0.113.9 port 33514 ssh2: RSA "
	  "SHA256:4sA4pWc3n8DbIYn1Kq8QrsL7rTjQm1X3b0bX8mVvY2c",
	  AUTHLOG_FAILED_PUBLICKEY, "203.0.113.9", "git", 33514 },
	{ "Failed keyboard-interactive/pam for invalid user pi from 203.0.113.10 port 1022 ssh2",
	  AUTHLOG_FAILED, "203.0.113.10", "pi", 1022 },
	{ "Failed none for invalid user test from 203.0.113.11 port 5555 ssh2", AUTHLOG_FAILED,
	  "203.0.113.11", "test", 5555 },
	{ "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= "
	  "rhost=203.0.113.12  user=root",
	  AUTHLOG_PAM_FAILURE, "203.0.113.12", "root", 0 },
	{ "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= "
	  "rhost=203.0.113.13",
	  AUTHLOG_PAM_FAILURE, "203.0.113.13", "", 0 },
	{ "error: PAM: Authentication failure for illegal user ftp from 203.0.113.14",
	  AUTHLOG_AUTH_FAILURE, "203.0.113.14", "ftp", 0 },
	{ "error: maximum authentication attempts exceeded for root from 203.0.113.15 port 6000 "
	  "ssh2 [preauth]",
	  AUTHLOG_MAX_ATTEMPTS, "203.0.113.15", "root", 6000 },
	{ "error: maximum authentication attempts exceeded for invalid user a from 203.0.113.16 "
	  "port 6001 ssh2 [preauth]",
	  AUTHLOG_MAX_ATTEMPTS, "203.0.113.16", "a", 6001 },
	{ "User bob from 203.0.113.17 not allowed because not listed in AllowUsers",
	  AUTHLOG_NOT_ALLOWED, "203.0.113.17", "bob", 0 },
	{ "error: banner exchange: Connection from 203.0.113.18 port 45678: invalid format",
	  AUTHLOG_BANNER_INVALID, "203.0.113.18", "", 45678 },
	{ "banner exchange: Connection from 203.0.113.18 port 45679: invalid format",
	  AUTHLOG_BANNER_INVALID, "203.0.113.18", "", 45679 },
	/* OpenSSH 6 and older */
	{ "Illegal user guest from 203.0.113.19", AUTHLOG_INVALID_USER, "203.0.113.19", "guest",
	  0 },
	{ "Invalid user  from 203.0.113.20 port 3333", AUTHLOG_INVALID_USER, "203.0.113.20", "",
	  3333 },
	{ "Accepted publickey for alice from 198.51.100.9 port 50123 ssh2: ED25519 SHA256:abc",
	  AUTHLOG_ACCEPTED, "198.51.100.9", "alice", 50123 },
	/* IPv4-mapped IPv6 becomes IPv4 */
	{ "Failed password for root from ::ffff:192.0.2.44 port 1 ssh2", AUTHLOG_FAILED,
	  "192.0.2.44", "root", 1 },
	/* A user name built to name another address: the address is the one sshd wrote last. */
	{ "Failed password for invalid user x from 6.6.6.6 port 22 ssh2 from 192.0.2.50 port 9 ssh2",
	  AUTHLOG_FAILED, "192.0.2.50", "x from 6.6.6.6 port 22 ssh2", 9 },
	{ "Invalid user evil from 6.6.6.6 from 192.0.2.51 port 10", AUTHLOG_INVALID_USER,
	  "192.0.2.51", "evil from 6.6.6.6", 10 },
};

static void test_samples(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		const struct sample *s = &samples[i];
		struct authlog_event ev;
		int rc = authlog_parse_line(s->line, strlen(s->line), NOW_MS, &ev);

		if (rc != 0)
			fail_msg("no event from: %s", s->line);
		assert_int_equal(ev.kind, s->kind);
		assert_string_equal(ev.addr_text, s->addr);
		assert_string_equal(ev.user, s->user);
		assert_int_equal(ev.port, s->port);
		assert_int_equal(ev.time_ms, 0);
	}
}

static void test_counts(void **state)
{
	(void)state;
	/* what fail2ban's sshd filter counts in its normal mode, and nothing else */
	assert_true(authlog_kind_counts(AUTHLOG_FAILED));
	assert_true(authlog_kind_counts(AUTHLOG_INVALID_USER));
	assert_true(authlog_kind_counts(AUTHLOG_NOT_ALLOWED));
	assert_true(authlog_kind_counts(AUTHLOG_AUTH_FAILURE));
	assert_true(authlog_kind_counts(AUTHLOG_MAX_ATTEMPTS));
	assert_false(authlog_kind_counts(AUTHLOG_FAILED_PUBLICKEY));
	assert_false(authlog_kind_counts(AUTHLOG_PAM_FAILURE));
	assert_false(authlog_kind_counts(AUTHLOG_CLOSED_PREAUTH));
	assert_false(authlog_kind_counts(AUTHLOG_DISCONNECTED_PREAUTH));
	assert_false(authlog_kind_counts(AUTHLOG_BANNER_INVALID));
	assert_false(authlog_kind_counts(AUTHLOG_ACCEPTED));
	for (int k = 0; k < AUTHLOG_KINDS; k++)
		assert_string_not_equal(authlog_kind_name((enum authlog_kind)k), "unknown");
}

static void expect(const char *line, const char *addr, int64_t time_ms)
{
	struct authlog_event ev;

	if (authlog_parse_line(line, strlen(line), NOW_MS, &ev) != 0)
		fail_msg("no event from: %s", line);
	assert_string_equal(ev.addr_text, addr);
	if (time_ms >= 0)
		assert_int_equal(ev.time_ms, time_ms);
}

static void expect_none(const char *line)
{
	struct authlog_event ev;

	if (authlog_parse_line(line, strlen(line), NOW_MS, &ev) != -ENOENT)
		fail_msg("an event from: %s", line);
}

static void test_prefixes(void **state)
{
	(void)state;
	/* rsyslog's RSYSLOG_FileFormat: ISO stamps with a zone */
	expect("2026-11-29T10:00:01.123456+01:00 web1 sshd[123]: Failed password for root from "
	       "192.0.2.1 port 22 ssh2\n",
	       "192.0.2.1", NOW_MS - 3 * 3600000 + 1123); /* 09:00:01.123Z */
	expect("2026-11-29T12:00:00Z web1 sshd-session[9]: Invalid user a from 192.0.2.2 port 1",
	       "192.0.2.2", NOW_MS);
	expect("2026-11-29T12:00:00-0130 h sshd[1]: Invalid user a from 192.0.2.2 port 1",
	       "192.0.2.2", NOW_MS + 5400000);
	/* RFC 5424, with and without structured data */
	expect("<38>1 2026-11-29T12:00:00.5Z h sshd 77 - - Failed password for root from 192.0.2.3 "
	       "port 2 ssh2",
	       "192.0.2.3", NOW_MS + 500);
	expect("<38>1 2026-11-29T12:00:00Z h sshd 77 ID1 [ex@1 a=\"b\"] Failed password for root "
	       "from 192.0.2.4 port 2 ssh2",
	       "192.0.2.4", NOW_MS);
	/* classic syslog: local time, the year of now */
	expect("Nov 29 10:00:01 host sshd[123]: Failed password for root from 192.0.2.5 port 3 ssh2",
	       "192.0.2.5", -1);
	expect("Nov  9 10:00:01 host sshd[123]: Failed password for root from 192.0.2.6 port 3 ssh2",
	       "192.0.2.6", -1);
	expect("sshd[123]: Failed password for root from 192.0.2.8 port 3 ssh2", "192.0.2.8", 0);
	expect("Failed password for root from 192.0.2.9 port 3 ssh2\r\n", "192.0.2.9", 0);
}

static void test_bsd_year(void **state)
{
	struct authlog_event ev;
	const char *dec = "Dec 31 23:59:59 h sshd[1]: Invalid user a from 192.0.2.1 port 1";
	struct tm tm;
	time_t t;

	(void)state;
	/* a stamp far ahead of now is from the year before */
	assert_int_equal(authlog_parse_line(dec, strlen(dec), NOW_MS, &ev), 0);
	t = (time_t)(ev.time_ms / 1000);
	localtime_r(&t, &tm);
	assert_int_equal(tm.tm_year + 1900, 2025);
	assert_int_equal(tm.tm_mon, 11);
	assert_int_equal(tm.tm_mday, 31);
	assert_true(ev.time_ms < NOW_MS);
}

static void test_not_ours(void **state)
{
	(void)state;
	/* other programs in auth.log */
	expect_none("Nov 29 10:00:01 host sudo: pam_unix(sudo:auth): authentication failure; "
		    "logname=a uid=1000 euid=0 tty=/dev/pts/0 ruser=a rhost=  user=a");
	expect_none("Nov 29 10:00:01 host login[5]: FAILED LOGIN (1) on '/dev/tty1' FOR 'root', "
		    "Authentication failure");
	expect_none("Nov 29 10:00:01 host su[5]: Failed password for root from 192.0.2.1 port 1 "
		    "ssh2");
	expect_none("<38>1 2026-11-29T12:00:00Z h cron 77 - - Invalid user a from 192.0.2.1");
	/* sshd lines without an address, or with a host name */
	expect_none("Server listening on 0.0.0.0 port 22.");
	expect_none("Received signal 15; terminating.");
	expect_none("Failed password for root from attacker.example port 22 ssh2");
	expect_none("Accepted password for root from 192.0.2.1 port 99999 ssh2");
	expect_none("Failed password for root from 192.0.2.1 port 22 ssh2 trailing");
	expect_none("Connection closed by 192.0.2.1 port 22");
	expect_none("");
	expect_none("Failed ");
	expect_none("Nov 29 10:00:01");
}

static void test_display_safe_user(void **state)
{
	const char line[] = "Invalid user a\x1b[2Jb\xc3\xa9 from 192.0.2.1 port 1";
	struct authlog_event ev;

	(void)state;
	assert_int_equal(authlog_parse_line(line, sizeof(line) - 1, NOW_MS, &ev), 0);
	assert_string_equal(ev.user, "a?[2Jb??");
}

/* ---- the file reader ---- */

struct got {
	int n;
	char last[ALERT_ADDR_LEN];
};

static void on_event(const struct authlog_event *ev, int64_t t_ms, void *arg)
{
	struct got *g = arg;

	assert_int_equal(t_ms, NOW_MS);
	g->n++;
	snprintf(g->last, sizeof(g->last), "%s", ev->addr_text);
}

static void append(const char *path, const char *text, int flags)
{
	int fd = open(path, O_WRONLY | O_CREAT | flags, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static void test_follow(void **state)
{
	char dir[] = "/tmp/connmon-authlog-XXXXXX", path[64], old[80];
	const char *files[1] = { path };
	struct authlog_reader_opts o = { .files = files, .nr_files = 1 };
	struct authlog_reader *r;
	struct got g = { 0 };
	char why[256];

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/auth.log", dir);
	snprintf(old, sizeof(old), "%s/auth.log.1", dir);
	append(path, "Invalid user old from 192.0.2.1 port 1\n", O_TRUNC);
	r = authlog_reader_open(&o);
	assert_true(authlog_reader_state(r, why, sizeof(why)));
	assert_string_equal(why, "");
	assert_int_equal(authlog_reader_fd(r), -1);
	/* starts at the end: the old line is not read */
	assert_int_equal(authlog_reader_poll(r, NOW_MS, on_event, &g), 0);
	/* a line in two writes is one line */
	append(path, "Invalid user a from 192.0.2.2", O_APPEND);
	authlog_reader_poll(r, NOW_MS, on_event, &g);
	assert_int_equal(g.n, 0);
	append(path, " port 2\nnoise\n", O_APPEND);
	assert_int_equal(authlog_reader_poll(r, NOW_MS, on_event, &g), 2);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.last, "192.0.2.2");
	/* truncated (copytruncate): read from the start */
	append(path, "Invalid user b from 192.0.2.3 port 3\n", O_TRUNC);
	authlog_reader_poll(r, NOW_MS, on_event, &g);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.last, "192.0.2.3");
	/* rotated: the tail of the old file, then the new one from its start */
	append(path, "Invalid user c from 192.0.2.4 port 4\n", O_APPEND);
	assert_int_equal(rename(path, old), 0);
	append(path, "Invalid user d from 192.0.2.5 port 5\n", O_EXCL);
	authlog_reader_poll(r, NOW_MS, on_event, &g);
	assert_int_equal(g.n, 4);
	assert_string_equal(g.last, "192.0.2.5");
	/* removed: the state says so once the name is gone and a new file is awaited */
	unlink(path);
	authlog_reader_poll(r, NOW_MS, on_event, &g);
	append(path, "Invalid user e from 192.0.2.6 port 6\n", O_EXCL);
	authlog_reader_poll(r, NOW_MS, on_event, &g);
	assert_int_equal(g.n, 5);
	authlog_reader_close(r);
	unlink(path);
	unlink(old);
	rmdir(dir);
}

static void test_missing_and_long(void **state)
{
	char dir[] = "/tmp/connmon-authlog-XXXXXX", path[64];
	const char *files[1] = { path };
	struct authlog_reader_opts o = { .files = files, .nr_files = 1 };
	struct authlog_reader *r;
	struct got g = { 0 };
	char why[256], *big;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/sshd.log", dir);
	r = authlog_reader_open(&o);
	assert_false(authlog_reader_state(r, why, sizeof(why)));
	assert_non_null(strstr(why, "No such file or directory"));
	/* appears later: read whole */
	big = malloc(AUTHLOG_LINE_MAX * 2 + 2);
	memset(big, 'x', AUTHLOG_LINE_MAX * 2);
	big[AUTHLOG_LINE_MAX * 2] = '\n';
	big[AUTHLOG_LINE_MAX * 2 + 1] = '\0';
	append(path, "Invalid user a from 192.0.2.7 port 1\n", O_EXCL);
	append(path, big, O_APPEND);
	append(path, "Invalid user a from 192.0.2.8 port 1\n", O_APPEND);
	authlog_reader_poll(r, NOW_MS, on_event, &g);
	assert_true(authlog_reader_state(r, why, sizeof(why)));
	assert_int_equal(g.n, 2);
	assert_string_equal(g.last, "192.0.2.8");
	free(big);
	authlog_reader_close(r);
	unlink(path);
	rmdir(dir);
}

static void test_journal_unreadable(void **state)
{
	char dir[] = "/tmp/connmon-journal-XXXXXX", why[256];
	struct authlog_reader_opts o = { .journal = true, .fallback = "/nonexistent/auth.log" };
	struct authlog_reader *r;
	struct got g = { 0 };

	(void)state;
	/* a journal directory without a readable file: the state says why, nothing runs */
	assert_non_null(mkdtemp(dir));
	o.journal_dir = dir;
	r = authlog_reader_open(&o);
	assert_int_equal(authlog_reader_fd(r), -1);
	assert_false(authlog_reader_state(r, why, sizeof(why)));
	assert_string_equal(why, "cannot read the journal: no journal file is readable; "
				 "cannot read '/nonexistent/auth.log': No such file or directory");
	assert_int_equal(authlog_reader_poll(r, NOW_MS, on_event, &g), 0);
	authlog_reader_close(r);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_samples),
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_bsd_year),
		cmocka_unit_test(test_not_ours),
		cmocka_unit_test(test_display_safe_user),
		cmocka_unit_test(test_follow),
		cmocka_unit_test(test_missing_and_long),
		cmocka_unit_test(test_journal_unreadable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
