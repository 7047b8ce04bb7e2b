// SPDX-License-Identifier: GPL-2.0-or-later
#include "collect/authlog.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

/* A piece of the line: [p, end). */
struct span {
	const char *p, *end;
};

static size_t span_len(struct span s)
{
	return (size_t)(s.end - s.p);
}

static bool eat(struct span *s, const char *prefix)
{
	size_t n = strlen(prefix);

	if (span_len(*s) < n || memcmp(s->p, prefix, n))
		return false;
	s->p += n;
	return true;
}

static bool ends_with(struct span *s, const char *suffix)
{
	size_t n = strlen(suffix);

	if (span_len(*s) < n || memcmp(s->end - n, suffix, n))
		return false;
	s->end -= n;
	return true;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* n decimal digits at s->p, consumed. */
static bool eat_num(struct span *s, int n, int *out)
{
	int v = 0;

	if (span_len(*s) < (size_t)n)
		return false;
	for (int i = 0; i < n; i++) {
		if (!is_digit(s->p[i]))
			return false;
		v = v * 10 + (s->p[i] - '0');
	}
	s->p += n;
	*out = v;
	return true;
}

/* The last occurrence of needle in s, or NULL. */
static const char *find_last(struct span s, const char *needle)
{
	size_t n = strlen(needle);

	if (span_len(s) < n)
		return NULL;
	for (const char *q = s.end - n; q >= s.p; q--)
		if (!memcmp(q, needle, n))
			return q;
	return NULL;
}

/* ---- addresses, ports, users ---- */

static bool parse_addr(struct span a, struct authlog_event *ev)
{
	char buf[INET6_ADDRSTRLEN + 1];
	size_t n = span_len(a);
	const char *pct = memchr(a.p, '%', n);

	if (pct != NULL)
		n = (size_t)(pct - a.p); /* a zone index says nothing about the peer */
	if (n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, a.p, n);
	buf[n] = '\0';
	if (inet_pton(AF_INET, buf, ev->addr) == 1) {
		ev->family = AF_INET;
	} else if (inet_pton(AF_INET6, buf, ev->addr) == 1) {
		static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };

		ev->family = AF_INET6;
		if (!memcmp(ev->addr, mapped, sizeof(mapped))) {
			memmove(ev->addr, ev->addr + 12, 4);
			memset(ev->addr + 4, 0, 12);
			ev->family = AF_INET;
		}
	} else {
		return false;
	}
	inet_ntop(ev->family, ev->addr, ev->addr_text, sizeof(ev->addr_text));
	return true;
}

static bool parse_port(struct span s, uint16_t *port)
{
	unsigned v = 0;

	if (span_len(s) == 0 || span_len(s) > 5)
		return false;
	for (const char *q = s.p; q < s.end; q++) {
		if (!is_digit(*q))
			return false;
		v = v * 10 + (unsigned)(*q - '0');
	}
	if (v > 65535)
		return false;
	*port = (uint16_t)v;
	return true;
}

static void set_user(struct authlog_event *ev, struct span u)
{
	size_t n = span_len(u);

	if (n >= sizeof(ev->user))
		n = sizeof(ev->user) - 1;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)u.p[i];

		ev->user[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	ev->user[n] = '\0';
}

/*
 * "A[ port P][ sshN][: anything| [preauth]]" to the end of s: the tail sshd
 * writes after " from ".
 */
static bool parse_tail(struct span s, struct authlog_event *ev)
{
	const char *sp;

	ends_with(&s, " [preauth]");
	sp = memchr(s.p, ' ', span_len(s));
	if (sp == NULL) {
		if (span_len(s) > 0 && s.end[-1] == ':')
			return false;
		return parse_addr(s, ev);
	}
	if (!parse_addr((struct span){ s.p, sp }, ev))
		return false;
	s.p = sp;
	if (eat(&s, " port ")) {
		const char *q = s.p;

		while (q < s.end && is_digit(*q))
			q++;
		if (!parse_port((struct span){ s.p, q }, &ev->port))
			return false;
		s.p = q;
	}
	if (eat(&s, " ssh")) {
		while (s.p < s.end && is_digit(*s.p))
			s.p++;
	}
	return s.p == s.end || eat(&s, ": ") || eat(&s, ":");
}

/* "... U from TAIL": the user before the last " from " whose tail parses. */
static bool user_from_tail(struct span s, struct authlog_event *ev)
{
	struct span head = s;
	const char *q;

	while ((q = find_last(head, " from ")) != NULL) {
		if (parse_tail((struct span){ q + 6, s.end }, ev)) {
			set_user(ev, (struct span){ s.p, q });
			return true;
		}
		head.end = q;
	}
	/* an empty user name: "Invalid user  from A" leaves "from A" */
	if (eat(&s, "from ") && parse_tail(s, ev)) {
		ev->user[0] = '\0';
		return true;
	}
	return false;
}

/* ---- one matcher per message shape ---- */

static bool msg_failed(struct span m, struct authlog_event *ev)
{
	const char *sp;

	if (!eat(&m, "Failed "))
		return false;
	sp = memchr(m.p, ' ', span_len(m));
	if (sp == NULL)
		return false;
	ev->kind = (size_t)(sp - m.p) == 9 && !memcmp(m.p, "publickey", 9) ?
			   AUTHLOG_FAILED_PUBLICKEY :
			   AUTHLOG_FAILED;
	m.p = sp;
	if (!eat(&m, " for "))
		return false;
	eat(&m, "invalid user ");
	return user_from_tail(m, ev);
}

static bool msg_accepted(struct span m, struct authlog_event *ev)
{
	const char *sp;

	if (!eat(&m, "Accepted "))
		return false;
	sp = memchr(m.p, ' ', span_len(m));
	if (sp == NULL)
		return false;
	m.p = sp;
	if (!eat(&m, " for "))
		return false;
	ev->kind = AUTHLOG_ACCEPTED;
	return user_from_tail(m, ev);
}

static bool msg_invalid_user(struct span m, struct authlog_event *ev)
{
	if (!eat(&m, "Invalid user ") && !eat(&m, "Illegal user ") && !eat(&m, "invalid user ") &&
	    !eat(&m, "illegal user "))
		return false;
	ev->kind = AUTHLOG_INVALID_USER;
	return user_from_tail(m, ev);
}

static bool msg_not_allowed(struct span m, struct authlog_event *ev)
{
	const char *q;

	if (!eat(&m, "User "))
		return false;
	q = find_last(m, " not allowed because ");
	if (q == NULL)
		return false;
	m.end = q;
	ev->kind = AUTHLOG_NOT_ALLOWED;
	return user_from_tail(m, ev);
}

static bool msg_auth_failure(struct span m, struct authlog_event *ev)
{
	eat(&m, "error: ");
	eat(&m, "PAM: ");
	if (!eat(&m, "Authentication failure for ") && !eat(&m, "authentication failure for ") &&
	    !eat(&m, "Authentication error for ") && !eat(&m, "Authentication failed for "))
		return false;
	if (!eat(&m, "illegal user "))
		eat(&m, "invalid user ");
	ev->kind = AUTHLOG_AUTH_FAILURE;
	return user_from_tail(m, ev);
}

/* "pam_unix(sshd:auth): authentication failure; logname= ... rhost=A[  user=U]" */
static bool msg_pam_failure(struct span m, struct authlog_event *ev)
{
	const char *r, *sp, *u;

	if (!eat(&m, "pam_unix(sshd:auth): authentication failure;"))
		return false;
	r = find_last(m, " rhost=");
	if (r == NULL)
		return false;
	r += 7;
	sp = memchr(r, ' ', (size_t)(m.end - r));
	if (!parse_addr((struct span){ r, sp ? sp : m.end }, ev))
		return false;
	ev->kind = AUTHLOG_PAM_FAILURE;
	u = sp ? find_last((struct span){ sp, m.end }, " user=") : NULL;
	if (u != NULL)
		set_user(ev, (struct span){ u + 6, m.end });
	return true;
}

static bool msg_max_attempts(struct span m, struct authlog_event *ev)
{
	eat(&m, "error: ");
	if (!eat(&m, "maximum authentication attempts exceeded for "))
		return false;
	eat(&m, "invalid user ");
	ev->kind = AUTHLOG_MAX_ATTEMPTS;
	return user_from_tail(m, ev);
}

/* "[authenticating |invalid ]user U A port P [preauth]" or "A port P [preauth]" */
static bool preauth_peer(struct span m, struct authlog_event *ev)
{
	const char *q;

	if (!ends_with(&m, " [preauth]"))
		return false;
	q = find_last(m, " port ");
	if (q == NULL || !parse_port((struct span){ q + 6, m.end }, &ev->port))
		return false;
	m.end = q;
	q = find_last(m, " ");
	if (q == NULL)
		return parse_addr(m, ev);
	if (!parse_addr((struct span){ q + 1, m.end }, ev))
		return false;
	m.end = q;
	if (eat(&m, "authenticating user ") || eat(&m, "invalid user ") || eat(&m, "user "))
		set_user(ev, m);
	return true;
}

static bool msg_preauth(struct span m, struct authlog_event *ev)
{
	if (eat(&m, "Connection closed by "))
		ev->kind = AUTHLOG_CLOSED_PREAUTH;
	else if (eat(&m, "Disconnected from "))
		ev->kind = AUTHLOG_DISCONNECTED_PREAUTH;
	else
		return false;
	return preauth_peer(m, ev);
}

static bool msg_banner(struct span m, struct authlog_event *ev)
{
	eat(&m, "error: ");
	if (!eat(&m, "banner exchange: Connection from ") || !ends_with(&m, ": invalid format"))
		return false;
	ev->kind = AUTHLOG_BANNER_INVALID;
	return parse_tail(m, ev);
}

static bool parse_message(struct span m, struct authlog_event *ev)
{
	static bool (*const matchers[])(struct span, struct authlog_event *) = {
		msg_failed,	 msg_invalid_user, msg_preauth, msg_not_allowed, msg_auth_failure,
		msg_pam_failure, msg_max_attempts, msg_banner,	msg_accepted,
	};

	for (size_t i = 0; i < sizeof(matchers) / sizeof(matchers[0]); i++) {
		struct authlog_event tmp = { .port = 0 };

		if (matchers[i](m, &tmp)) {
			tmp.time_ms = ev->time_ms;
			*ev = tmp;
			return true;
		}
	}
	return false;
}

/* ---- prefixes ---- */

static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
				      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

/* "Nov 29 10:00:01 " (day space-padded or not): local time, the year of now. */
static bool eat_bsd_stamp(struct span *s, int64_t now_ms, int64_t *t_ms)
{
	struct span c = *s;
	struct tm tm = { .tm_isdst = -1 }, now_tm;
	time_t now = (time_t)(now_ms / 1000), t;
	int mon = -1;

	for (int i = 0; i < 12; i++)
		if (span_len(c) >= 4 && !memcmp(c.p, months[i], 3) && c.p[3] == ' ')
			mon = i;
	if (mon < 0)
		return false;
	c.p += 4;
	eat(&c, " "); /* "Nov  9" */
	if (!eat_num(&c, 2, &tm.tm_mday) && !eat_num(&c, 1, &tm.tm_mday))
		return false;
	if (!eat(&c, " ") || !eat_num(&c, 2, &tm.tm_hour) || !eat(&c, ":") ||
	    !eat_num(&c, 2, &tm.tm_min) || !eat(&c, ":") || !eat_num(&c, 2, &tm.tm_sec) ||
	    !eat(&c, " "))
		return false;
	if (tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
	    tm.tm_sec > 60)
		return false;
	localtime_r(&now, &now_tm);
	tm.tm_mon = mon;
	tm.tm_year = now_tm.tm_year;
	t = mktime(&tm);
	if (t != (time_t)-1 && t > now + 86400) {
		tm = (struct tm){ .tm_isdst = -1,
				  .tm_year = now_tm.tm_year - 1,
				  .tm_mon = mon,
				  .tm_mday = tm.tm_mday,
				  .tm_hour = tm.tm_hour,
				  .tm_min = tm.tm_min,
				  .tm_sec = tm.tm_sec };
		t = mktime(&tm);
	}
	*t_ms = t == (time_t)-1 ? 0 : (int64_t)t * 1000;
	*s = c;
	return true;
}

/* ".123456" after the seconds: milliseconds from the first three digits. */
static int eat_fraction(struct span *c)
{
	int ms = 0, n = 0;

	if (!eat(c, ".") && !eat(c, ","))
		return 0;
	while (c->p < c->end && is_digit(*c->p)) {
		if (n < 3)
			ms = ms * 10 + (*c->p - '0');
		n++;
		c->p++;
	}
	while (n < 3) {
		ms *= 10;
		n++;
	}
	return ms;
}

/* "2026-11-29T10:00:01[.frac](Z|+HH:MM|-HH:MM) " */
static bool eat_iso_stamp(struct span *s, int64_t *t_ms)
{
	struct span c = *s;
	struct tm tm = { 0 };
	int year, ms, oh = 0, om = 0, sign = 0;

	if (!eat_num(&c, 4, &year) || !eat(&c, "-") || !eat_num(&c, 2, &tm.tm_mon) ||
	    !eat(&c, "-") || !eat_num(&c, 2, &tm.tm_mday) || (!eat(&c, "T") && !eat(&c, " ")) ||
	    !eat_num(&c, 2, &tm.tm_hour) || !eat(&c, ":") || !eat_num(&c, 2, &tm.tm_min) ||
	    !eat(&c, ":") || !eat_num(&c, 2, &tm.tm_sec))
		return false;
	ms = eat_fraction(&c);
	if (eat(&c, "+"))
		sign = -1;
	else if (eat(&c, "-"))
		sign = 1;
	if (sign) {
		if (!eat_num(&c, 2, &oh))
			return false;
		eat(&c, ":"); /* "+0100" and "+01:00" */
		if (!eat_num(&c, 2, &om))
			return false;
	}
	if (!sign)
		eat(&c, "Z");
	if (!eat(&c, " "))
		return false;
	if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
	    tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60 || oh > 23 || om > 59)
		return false;
	tm.tm_mon -= 1;
	tm.tm_year = year - 1900;
	*t_ms = ((int64_t)timegm(&tm) + sign * (oh * 3600 + om * 60)) * 1000 + ms;
	*s = c;
	return true;
}

/* "sshd[123]: ", "sshd-session[9]: " or "sshd: " after the host. */
static bool eat_sshd_tag(struct span *s)
{
	const char *q = s->p;

	if (!eat(s, "sshd"))
		return false;
	if (!eat(s, "-session"))
		eat(s, "-auth");
	if (eat(s, "[")) {
		while (s->p < s->end && is_digit(*s->p))
			s->p++;
		if (!eat(s, "]"))
			goto fail;
	}
	if (eat(s, ": "))
		return true;
fail:
	s->p = q;
	return false;
}

/* "HOST TAG[PID]: " after a stamp; false (not ours) for another program. */
static bool eat_host_tag(struct span *s)
{
	const char *sp = memchr(s->p, ' ', span_len(*s));

	if (sp == NULL)
		return false;
	s->p = sp + 1;
	return eat_sshd_tag(s);
}

/* "<PRI>1 STAMP HOST APP PROCID MSGID SD MSG" (RFC 5424). */
static bool eat_rfc5424(struct span *s, int64_t *t_ms)
{
	struct span c = *s;
	const char *sp;

	if (!eat(&c, "<"))
		return false;
	while (c.p < c.end && is_digit(*c.p))
		c.p++;
	if (!eat(&c, ">1 ") || !eat_iso_stamp(&c, t_ms))
		return false;
	sp = memchr(c.p, ' ', span_len(c)); /* the host */
	if (sp == NULL)
		return false;
	c.p = sp + 1;
	if (!eat(&c, "sshd ") && !eat(&c, "sshd-session ") && !eat(&c, "sshd-auth "))
		return false;
	for (int field = 0; field < 2; field++) { /* PROCID, MSGID */
		sp = memchr(c.p, ' ', span_len(c));
		if (sp == NULL)
			return false;
		c.p = sp + 1;
	}
	if (!eat(&c, "- ")) { /* structured data: skip "[...]" elements */
		sp = find_last(c, "] ");
		if (c.p >= c.end || *c.p != '[' || sp == NULL)
			return false;
		c.p = sp + 2;
	}
	eat(&c, "\xEF\xBB\xBF"); /* the BOM RFC 5424 allows before MSG */
	*s = c;
	return true;
}

static bool strip_prefix(struct span *s, int64_t now_ms, int64_t *t_ms)
{
	if (s->p < s->end && *s->p == '<')
		return eat_rfc5424(s, t_ms);
	if (eat_bsd_stamp(s, now_ms, t_ms) || eat_iso_stamp(s, t_ms))
		return eat_host_tag(s);
	eat_sshd_tag(s); /* bare, perhaps with only the tag */
	return true;
}

int authlog_parse_line(const char *line, size_t len, int64_t now_ms, struct authlog_event *ev)
{
	struct span s = { line, line + len };

	memset(ev, 0, sizeof(*ev));
	while (s.end > s.p && (s.end[-1] == '\n' || s.end[-1] == '\r'))
		s.end--;
	if (!strip_prefix(&s, now_ms, &ev->time_ms))
		return -ENOENT;
	return parse_message(s, ev) ? 0 : -ENOENT;
}

bool authlog_kind_counts(enum authlog_kind k)
{
	switch (k) {
	case AUTHLOG_FAILED:
	case AUTHLOG_INVALID_USER:
	case AUTHLOG_NOT_ALLOWED:
	case AUTHLOG_AUTH_FAILURE:
	case AUTHLOG_MAX_ATTEMPTS:
		return true;
	default:
		return false;
	}
}

const char *authlog_kind_name(enum authlog_kind k)
{
	static const char *const names[AUTHLOG_KINDS] = {
		[AUTHLOG_FAILED] = "failed",
		[AUTHLOG_FAILED_PUBLICKEY] = "failed_publickey",
		[AUTHLOG_INVALID_USER] = "invalid_user",
		[AUTHLOG_NOT_ALLOWED] = "not_allowed",
		[AUTHLOG_AUTH_FAILURE] = "auth_failure",
		[AUTHLOG_PAM_FAILURE] = "pam_failure",
		[AUTHLOG_MAX_ATTEMPTS] = "max_attempts",
		[AUTHLOG_CLOSED_PREAUTH] = "closed_preauth",
		[AUTHLOG_DISCONNECTED_PREAUTH] = "disconnected_preauth",
		[AUTHLOG_BANNER_INVALID] = "banner_invalid",
		[AUTHLOG_ACCEPTED] = "accepted",
	};

	return (unsigned)k < AUTHLOG_KINDS ? names[k] : "unknown";
}
