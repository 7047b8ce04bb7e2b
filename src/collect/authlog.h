/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sshd's log lines about authentication, parsed: one line in, at most one
 * event out (the address it names, the user, the time, the kind).  Pure:
 * no I/O, no allocation; the only outside state is the local time zone for
 * syslog stamps without a zone.  The readers (collect/authlog_read.h) feed
 * it lines from files and MESSAGE fields from the journal.
 *
 * Accepted line shapes (docs/DETECT-INPUTS.md):
 *   bare, as `sshd -E FILE` and the journal's MESSAGE give it:
 *     "Failed password for root from 10.0.0.9 port 4242 ssh2"
 *   with a classic syslog prefix (day may be space-padded):
 *     "Nov 29 10:00:01 host sshd[123]: Failed password ..."
 *   with an ISO 8601 stamp (rsyslog's RSYSLOG_FileFormat):
 *     "2026-11-29T10:00:01.123456+01:00 host sshd[123]: ..."
 *   RFC 5424: "<38>1 2026-11-29T10:00:01Z host sshd 123 - - ..."
 * A prefixed line counts only when its tag is sshd (sshd, sshd-session,
 * sshd-auth): auth.log also holds sudo's and login's PAM failures.
 *
 * Which kinds count as failures (authlog_kind_counts) follows fail2ban's
 * sshd filter in its default ("normal") mode: failed passwords and other
 * methods except publickey, invalid or disallowed users, PAM's
 * "Authentication failure for", "maximum authentication attempts
 * exceeded".  Not counted, as there: "Failed publickey" (clients offer
 * several keys before a password), pam_unix's "authentication failure;
 * ... rhost=" (sshd logs the same attempt as "Failed password"), the
 * connection-closed and disconnected lines of [preauth] (they follow a
 * counted line or are a client that gave up), and "banner exchange ...
 * invalid format" (fail2ban's ddos mode: a scanner, not a login attempt).
 * They are still parsed and reported with their kind.
 *
 * Addresses are taken only where sshd writes them (anchored at the end of
 * the line where the user name comes before), so a user name that contains
 * " from 1.2.3.4" cannot name someone else.  Host names (UseDNS yes) are
 * not addresses: such lines give no event.
 */
#ifndef CONNMON_COLLECT_AUTHLOG_H
#define CONNMON_COLLECT_AUTHLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/alert.h"

enum authlog_kind {
	AUTHLOG_FAILED,		  /* "Failed password|keyboard-interactive/pam|none for ..." */
	AUTHLOG_FAILED_PUBLICKEY, /* "Failed publickey for ..." (not counted) */
	AUTHLOG_INVALID_USER,	  /* "Invalid user U from A" ("Illegal user" before 7) */
	AUTHLOG_NOT_ALLOWED,	  /* "User U from A not allowed because ..." */
	AUTHLOG_AUTH_FAILURE,	  /* "[error: PAM: ]Authentication failure for U from A" */
	AUTHLOG_PAM_FAILURE,	  /* "pam_unix(sshd:auth): authentication failure; ... rhost=A" */
	AUTHLOG_MAX_ATTEMPTS,	  /* "maximum authentication attempts exceeded for U from A" */
	AUTHLOG_CLOSED_PREAUTH,	  /* "Connection closed by [... user U] A port P [preauth]" */
	AUTHLOG_DISCONNECTED_PREAUTH, /* "Disconnected from [... user U] A port P [preauth]" */
	AUTHLOG_BANNER_INVALID, /* "banner exchange: Connection from A port P: invalid format" */
	AUTHLOG_ACCEPTED,	/* "Accepted METHOD for U from A" (a success, not counted) */
	AUTHLOG_KINDS,
};

#define AUTHLOG_USER_LEN ALERT_TEXT_LEN

struct authlog_event {
	enum authlog_kind kind;
	int family;			/* AF_INET or AF_INET6 (IPv4-mapped IPv6 becomes AF_INET) */
	uint8_t addr[16];		/* network order; IPv4 in the first 4 bytes */
	char addr_text[ALERT_ADDR_LEN]; /* inet_ntop form */
	char user[AUTHLOG_USER_LEN];	/* display-safe (bytes outside 0x20-0x7e become '?'), cut */
	uint16_t port;			/* the client's port, 0 when the line has none */
	int64_t time_ms;		/* the line's stamp, 0 when it has none */
};

/*
 * Parses one line (len bytes, need not be NUL-terminated; a trailing
 * newline is ignored).  now_ms supplies the year of stamps without one
 * (a stamp more than a day ahead of now is taken from the year before).
 * Returns 0 with *ev filled, or -ENOENT for a line that is not an sshd
 * authentication line with an address.
 */
int authlog_parse_line(const char *line, size_t len, int64_t now_ms, struct authlog_event *ev);
/* True for the kinds that count as a failed authentication (see above). */
bool authlog_kind_counts(enum authlog_kind k);
/* "failed", "failed_publickey", "invalid_user" ... (stable, for JSON). */
const char *authlog_kind_name(enum authlog_kind k);

#endif
