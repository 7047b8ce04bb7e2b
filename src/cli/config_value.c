// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The config's value syntaxes (durations, sizes, listening addresses,
 * section headers) and the forms config_write() prints them in.  Numbers
 * are parsed as exact decimals: "0.1s" is 100 ms, not a double that rounds.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "cli/config.h"

struct unit {
	const char *name;
	uint64_t scale;
};

static const uint64_t pow10_tab[] = {
	1ULL,
	10ULL,
	100ULL,
	1000ULL,
	10000ULL,
	100000ULL,
	1000000ULL,
	10000000ULL,
	100000000ULL,
	1000000000ULL,
	10000000000ULL,
	100000000000ULL,
	1000000000000ULL,
	10000000000000ULL,
	100000000000000ULL,
	1000000000000000ULL,
	10000000000000000ULL,
	100000000000000000ULL,
	1000000000000000000ULL,
};

#define NR_POW10 (sizeof(pow10_tab) / sizeof(pow10_tab[0]))

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static void set_why(const char **why, const char *text)
{
	if (why)
		*why = text;
}

/*
 * Parses "123" or "1.25" at s into mant / 10^frac (trailing fraction zeros
 * dropped); *end points after it.  A sign, a leading '.', or a trailing '.'
 * is not a number.
 */
static int parse_decimal(const char *s, uint64_t *mant, unsigned *frac, const char **end)
{
	uint64_t m = 0;
	unsigned f = 0;
	bool dot = false;

	if (!is_digit(*s))
		return -EINVAL;
	for (;; s++) {
		if (is_digit(*s)) {
			if (__builtin_mul_overflow(m, 10, &m) ||
			    __builtin_add_overflow(m, (uint64_t)(*s - '0'), &m))
				return -ERANGE;
			f += dot;
		} else if (*s == '.' && !dot && is_digit(s[1])) {
			dot = true;
		} else {
			break;
		}
	}
	while (f && m % 10 == 0) {
		m /= 10;
		f--;
	}
	if (f >= NR_POW10)
		return -ERANGE;
	*mant = m;
	*frac = f;
	*end = s;
	return 0;
}

/* mant / 10^frac * scale, exactly: -EDOM when it is not whole, -ERANGE past max. */
static int scale_exact(uint64_t mant, unsigned frac, uint64_t scale, uint64_t max, uint64_t *out)
{
	uint64_t prod;

	if (__builtin_mul_overflow(mant, scale, &prod))
		return -ERANGE;
	if (prod % pow10_tab[frac])
		return -EDOM;
	prod /= pow10_tab[frac];
	if (prod > max)
		return -ERANGE;
	*out = prod;
	return 0;
}

static const struct unit *find_unit(const struct unit *units, const char *name, bool any_case)
{
	for (; units->name; units++) {
		if (any_case ? !strcasecmp(units->name, name) : !strcmp(units->name, name))
			return units;
	}
	return NULL;
}

static const struct unit duration_units[] = {
	{ "", 1000 },
	{ "ms", 1 },
	{ "s", 1000 },
	{ "m", 60 * 1000 },
	{ "h", 3600 * 1000 },
	{ "d", 86400 * 1000 },
	{ "w", 7 * 86400 * 1000ULL },
	{ "y", 365 * 86400 * 1000ULL },
	{ NULL, 0 },
};

/* What a scaled value is called in the three messages of parse_scaled(). */
struct scaled_words {
	const char *bad, *inexact, *big;
};

/* A decimal number and a unit of units, to a whole multiple of the base unit at most max. */
static int parse_scaled(const char *s, const struct unit *units, bool any_case, uint64_t max,
			const struct scaled_words *w, uint64_t *out, const char **why)
{
	const struct unit *u;
	const char *end;
	uint64_t mant;
	unsigned frac;
	int ret;

	ret = parse_decimal(s, &mant, &frac, &end);
	if (ret == 0) {
		u = find_unit(units, end, any_case);
		ret = u ? scale_exact(mant, frac, u->scale, max, out) : -EINVAL;
	}
	if (ret == -EINVAL)
		set_why(why, w->bad);
	else if (ret == -EDOM)
		set_why(why, w->inexact);
	else if (ret == -ERANGE)
		set_why(why, w->big);
	return ret == 0 || ret == -ERANGE ? ret : -EINVAL;
}

int config_parse_duration(const char *s, int64_t *ms, const char **why)
{
	static const struct scaled_words w = { "not a duration",
					       "not a whole number of milliseconds", "too long" };
	uint64_t v;
	int ret = parse_scaled(s, duration_units, false, INT64_MAX, &w, &v, why);

	if (!ret)
		*ms = (int64_t)v;
	return ret;
}

static const struct unit size_units[] = {
	{ "", 1 },
	{ "b", 1 },
	{ "k", 1000ULL },
	{ "kb", 1000ULL },
	{ "kib", 1ULL << 10 },
	{ "m", 1000000ULL },
	{ "mb", 1000000ULL },
	{ "mib", 1ULL << 20 },
	{ "g", 1000000000ULL },
	{ "gb", 1000000000ULL },
	{ "gib", 1ULL << 30 },
	{ "t", 1000000000000ULL },
	{ "tb", 1000000000000ULL },
	{ "tib", 1ULL << 40 },
	{ "p", 1000000000000000ULL },
	{ "pb", 1000000000000000ULL },
	{ "pib", 1ULL << 50 },
	{ NULL, 0 },
};

int config_parse_size(const char *s, uint64_t *bytes, const char **why)
{
	static const struct scaled_words w = { "not a size", "not a whole number of bytes",
					       "too large" };

	return parse_scaled(s, size_units, true, UINT64_MAX, &w, bytes, why);
}

static int parse_port(const char *s, uint16_t *port)
{
	unsigned v = 0;
	size_t n;

	for (n = 0; is_digit(s[n]); n++) {
		if (n == 5)
			return -EINVAL;
		v = v * 10 + (unsigned)(s[n] - '0');
	}
	if (n == 0 || s[n] || v < 1 || v > 65535)
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

static bool addr_is_loopback(const struct config_addr *a)
{
	static const uint8_t v6_loop[16] = { [15] = 1 };
	static const uint8_t v4_mapped[12] = { [10] = 0xff, [11] = 0xff };

	if (a->family == AF_INET)
		return a->addr[0] == 127;
	if (!memcmp(a->addr, v6_loop, 16))
		return true;
	return !memcmp(a->addr, v4_mapped, 12) && a->addr[12] == 127;
}

/* Splits s into host text (copied into host) and the port's text. */
static int split_host_port(const char *s, char *host, size_t host_cap, const char **port,
			   int *family, const char **why)
{
	const char *h = s, *h_end, *colon;

	if (*s == '[') {
		h = s + 1;
		h_end = strchr(h, ']');
		if (!h_end) {
			set_why(why, "no ']' after the IPv6 address");
			return -EINVAL;
		}
		colon = h_end + 1;
		*family = AF_INET6;
	} else {
		colon = strrchr(s, ':');
		h_end = colon;
		if (colon && memchr(s, ':', (size_t)(colon - s))) {
			set_why(why, "an IPv6 address goes in brackets");
			return -EINVAL;
		}
		*family = AF_INET;
	}
	if (!colon || *colon != ':') {
		set_why(why, "no ':PORT'");
		return -EINVAL;
	}
	if ((size_t)(h_end - h) >= host_cap) {
		set_why(why, "not an address");
		return -EINVAL;
	}
	memcpy(host, h, (size_t)(h_end - h));
	host[h_end - h] = '\0';
	*port = colon + 1;
	return 0;
}

int config_parse_listen(const char *s, struct config_addr *addr, const char **why)
{
	struct config_addr a = { 0 };
	char host[INET6_ADDRSTRLEN];
	const char *port;

	if (!strcmp(s, "off")) {
		a.off = true;
		*addr = a;
		return 0;
	}
	if (split_host_port(s, host, sizeof(host), &port, &a.family, why))
		return -EINVAL;
	if (inet_pton(a.family, host, a.addr) != 1) {
		set_why(why, a.family == AF_INET ? "not an IPv4 address" : "not an IPv6 address");
		return -EINVAL;
	}
	if (parse_port(port, &a.port)) {
		set_why(why, "not a port (1 to 65535)");
		return -EINVAL;
	}
	a.loopback = addr_is_loopback(&a);
	*addr = a;
	return 0;
}

void config_format_duration(int64_t ms, struct strbuf *out)
{
	static const struct unit units[] = {
		{ "y", 365 * 86400 * 1000ULL },
		{ "d", 86400 * 1000 },
		{ "h", 3600 * 1000 },
		{ "m", 60 * 1000 },
		{ "s", 1000 },
	};
	uint64_t v = ms < 0 ? 0 : (uint64_t)ms;
	unsigned frac = 3;
	uint64_t rest;

	for (size_t i = 0; v && i < sizeof(units) / sizeof(units[0]); i++) {
		if (v % units[i].scale == 0) {
			strbuf_addf(out, "%" PRIu64 "%s", v / units[i].scale, units[i].name);
			return;
		}
	}
	rest = v % 1000;
	while (rest % 10 == 0 && frac > 1) {
		rest /= 10;
		frac--;
	}
	if (v % 1000 == 0)
		strbuf_addf(out, "%" PRIu64 "s", v / 1000);
	else
		strbuf_addf(out, "%" PRIu64 ".%0*" PRIu64 "s", v / 1000, (int)frac, rest);
}

/* The largest unit of the list (3 of them per power, base first) that divides v. */
static void best_size(uint64_t v, const struct unit *units, size_t nr, char *buf, size_t cap)
{
	for (size_t i = nr; i-- > 0;) {
		if (v % units[i].scale == 0) {
			snprintf(buf, cap, "%" PRIu64 "%s", v / units[i].scale, units[i].name);
			return;
		}
	}
	snprintf(buf, cap, "%" PRIu64, v);
}

void config_format_size(uint64_t bytes, struct strbuf *out)
{
	static const struct unit iec[] = {
		{ "KiB", 1ULL << 10 }, { "MiB", 1ULL << 20 }, { "GiB", 1ULL << 30 },
		{ "TiB", 1ULL << 40 }, { "PiB", 1ULL << 50 },
	};
	static const struct unit si[] = {
		{ "kB", 1000ULL },	    { "MB", 1000000ULL },	   { "GB", 1000000000ULL },
		{ "TB", 1000000000000ULL }, { "PB", 1000000000000000ULL },
	};
	char a[32], b[32];

	if (bytes == 0) {
		strbuf_addch(out, '0');
		return;
	}
	best_size(bytes, iec, sizeof(iec) / sizeof(iec[0]), a, sizeof(a));
	best_size(bytes, si, sizeof(si) / sizeof(si[0]), b, sizeof(b));
	strbuf_addstr(out, strlen(b) < strlen(a) ? b : a);
}

void config_format_listen(const struct config_addr *addr, struct strbuf *out)
{
	char host[INET6_ADDRSTRLEN];

	if (addr->off || !inet_ntop(addr->family, addr->addr, host, sizeof(host))) {
		strbuf_addstr(out, "off");
		return;
	}
	if (addr->family == AF_INET6)
		strbuf_addf(out, "[%s]:%u", host, addr->port);
	else
		strbuf_addf(out, "%s:%u", host, addr->port);
}

static const char *skip_blanks(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

static bool is_kind_char(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	       c == '-';
}

/* The quoted name at s (after the opening '"'); *end points after the closing one. */
static int split_name(const char *s, struct config_section_id *id, const char **end,
		      const char **why)
{
	const char *close = strchr(s, '"');
	size_t n;

	if (!close) {
		set_why(why, "no '\"' closing the name");
		return -EINVAL;
	}
	n = (size_t)(close - s);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f || strchr("\\[];", c)) {
			set_why(why,
				"a quoted name holds no '\\', '[', ']', ';' or control characters");
			return -EINVAL;
		}
	}
	if (n == 0 || s[0] == ' ' || s[n - 1] == ' ') {
		set_why(why, n ? "a name neither starts nor ends with a space" : "an empty name");
		return -EINVAL;
	}
	if (n > CONFIG_NAME_MAX) {
		set_why(why, "a name longer than 40 characters");
		return -EINVAL;
	}
	memcpy(id->name, s, n);
	id->name[n] = '\0';
	id->named = true;
	*end = close + 1;
	return 0;
}

int config_section_split(const char *line, struct config_section_id *id, const char **why)
{
	struct config_section_id res = { 0 };
	const char *p;
	size_t n;

	if (*line != '[') {
		set_why(why, "not a section header");
		return -EINVAL;
	}
	p = skip_blanks(line + 1);
	for (n = 0; is_kind_char(p[n]); n++)
		;
	if (n == 0 || n > CONFIG_KIND_MAX) {
		set_why(why, n ? "a section kind longer than 32 characters" :
				 "a section is a word of letters, digits, '_' or '-'");
		return -EINVAL;
	}
	memcpy(res.kind, p, n);
	p = skip_blanks(p + n);
	if (*p == '"' && split_name(p + 1, &res, &p, why))
		return -EINVAL;
	p = skip_blanks(p);
	if (*p != ']') {
		set_why(why, *p ? "expected ']' (a name is quoted: [kind \"name\"])" :
				  "no ']' closing the section header");
		return -EINVAL;
	}
	p = skip_blanks(p + 1);
	if (*p && *p != ';' && *p != '#') {
		set_why(why, "text after ']'");
		return -EINVAL;
	}
	*id = res;
	return 0;
}
