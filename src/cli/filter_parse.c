// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The ss filter grammar (iproute2 misc/ssfilter.y and parse_hostcond() in
 * misc/ss.c), as a hand-written recursive-descent parser so that every error
 * can point at the word that caused it.  The tree it builds has exactly ss's
 * shape (`sport > X` is NOT(sport <= X), `dport != X` is NOT(dport = X)), so
 * kernel and user-space evaluation see what ss's would.
 */
#include "cli/filter_parse.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "base/xalloc.h"

enum tok_kind {
	T_END,
	T_WORD,
	T_NOT,
	T_AND,
	T_OR,
	T_LP,
	T_RP,
	T_DST,
	T_SRC,
	T_DPORT,
	T_SPORT,
	T_DEV,
	T_FWMARK,
	T_CGROUP,
	T_AUTOBOUND,
	T_GE,
	T_LE,
	T_NE,
	T_EQ,
	T_GT,
	T_LT,
};

struct token {
	enum tok_kind kind;
	int pos, len; /* in the original text */
	char *text;   /* unescaped, NUL-terminated, inside parser.words */
};

struct parser {
	const char *src;
	struct token *toks;
	size_t nr_toks, alloc_toks, cur;
	char *words;
	struct filter *f;
	const struct filter_resolver *r;
	struct filter_error *err;
	int family; /* ss's preferred_family; a "unix:" prefix changes it */
	int depth;
	/* Addresses of the host name the last parse_host() resolved, beyond the first. */
	uint8_t more_families[FILTER_MAX_HOST_ADDRS];
	uint8_t more_addrs[FILTER_MAX_HOST_ADDRS][16];
	int nr_more;
};

static const struct {
	const char *word;
	enum tok_kind kind;
} keywords[] = {
	{ "!", T_NOT },		{ "not", T_NOT },
	{ "&", T_AND },		{ "&&", T_AND },
	{ "and", T_AND },	{ "|", T_OR },
	{ "||", T_OR },		{ "or", T_OR },
	{ "(", T_LP },		{ ")", T_RP },
	{ "dst", T_DST },	{ "src", T_SRC },
	{ "dport", T_DPORT },	{ "sport", T_SPORT },
	{ "dev", T_DEV },	{ "fwmark", T_FWMARK },
	{ "cgroup", T_CGROUP }, { ">=", T_GE },
	{ "ge", T_GE },		{ "geq", T_GE },
	{ "<=", T_LE },		{ "le", T_LE },
	{ "leq", T_LE },	{ "!=", T_NE },
	{ "ne", T_NE },		{ "neq", T_NE },
	{ "=", T_EQ },		{ "==", T_EQ },
	{ "eq", T_EQ },		{ ">", T_GT },
	{ "gt", T_GT },		{ "<", T_LT },
	{ "lt", T_LT },		{ "autobound", T_AUTOBOUND },
};

__attribute__((format(printf, 3, 4))) static int fail(struct parser *p, const struct token *t,
						      const char *fmt, ...)
{
	va_list ap;

	p->err->pos = t ? t->pos : (int)strlen(p->src);
	p->err->len = t ? t->len : 0;
	va_start(ap, fmt);
	vsnprintf(p->err->msg, sizeof(p->err->msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Splits at blanks like ss's get_token_from_line(); '\' escapes any byte. */
static void tokenize(struct parser *p)
{
	const char *s = p->src;
	size_t n = strlen(s), i = 0;
	char *out = p->words = xmalloc(n + 1);

	while (i < n) {
		struct token t = { .kind = T_WORD };

		while (i < n && is_space(s[i]))
			i++;
		if (i >= n)
			break;
		t.pos = (int)i;
		t.text = out;
		while (i < n && !is_space(s[i])) {
			if (s[i] == '\\' && i + 1 < n)
				i++;
			*out++ = s[i++];
		}
		*out++ = '\0';
		t.len = (int)i - t.pos;
		for (size_t k = 0; k < sizeof(keywords) / sizeof(keywords[0]); k++)
			if (!strcmp(t.text, keywords[k].word))
				t.kind = keywords[k].kind;
		ALLOC_GROW(p->toks, p->nr_toks + 1, p->alloc_toks);
		p->toks[p->nr_toks++] = t;
	}
}

static const struct token *peek(const struct parser *p)
{
	return p->cur < p->nr_toks ? &p->toks[p->cur] : NULL;
}

static enum tok_kind peek_kind(const struct parser *p)
{
	return p->cur < p->nr_toks ? p->toks[p->cur].kind : T_END;
}

static const struct token *next(struct parser *p)
{
	return p->cur < p->nr_toks ? &p->toks[p->cur++] : NULL;
}

static int parse_states(struct parser *p)
{
	const struct token *t;

	while ((t = peek(p)) && t->kind == T_WORD &&
	       (!strcmp(t->text, "state") || !strcmp(t->text, "exclude") ||
		!strcmp(t->text, "excl"))) {
		bool excl = t->text[0] == 'e';
		const struct token *w;
		uint32_t mask;

		p->cur++;
		w = next(p);
		if (!w)
			return fail(p, NULL, "expected a state name after '%s'", t->text);
		mask = filter_state_mask(w->text);
		if (!mask)
			return fail(
				p, w,
				"unknown state '%.40s'; expected established, syn-sent, syn-recv, fin-wait-1, fin-wait-2, time-wait, closed, close-wait, last-ack, listening, closing, or all, connected, synchronized, bucket, big",
				w->text);
		if (!p->f->states_set)
			p->f->states = excl ? SOCK_STATES_ALL : 0;
		if (excl)
			p->f->states &= ~mask;
		else
			p->f->states |= mask;
		p->f->states_set = true;
	}
	return 0;
}

/* get_integer(..., 0) as ss uses it: strtol base 0, the whole word. */
static bool parse_long(const char *s, long long *out)
{
	char *end;

	if (!*s)
		return false;
	errno = 0;
	*out = strtoll(s, &end, 0);
	return !errno && !*end;
}

static int parse_port(struct parser *p, const struct token *t, const char *s, int32_t *port)
{
	long long v;
	uint16_t svc;

	if (parse_long(s, &v)) {
		if (v < 0 || v > 65535)
			return fail(p, t, "port %.40s is out of range 0-65535", s);
		*port = (int32_t)v;
		return 0;
	}
	if (p->r && p->r->service_port && p->r->service_port(p->r->ctx, s, &svc) == 0) {
		*port = svc;
		return 0;
	}
	return fail(p, t, "'%.40s' is not a port number or a known service name", s);
}

/* iproute2's get_addr_ipv4(): one to four parts, each strtoul base 0, <= 255. */
static bool parse_ipv4(const char *s, uint8_t out[4])
{
	memset(out, 0, 4);
	for (int i = 0; i < 4; i++) {
		char *end;
		unsigned long n;

		if (*s < '0' || *s > '9')
			return false;
		n = strtoul(s, &end, 0);
		if (n > 255)
			return false;
		out[i] = (uint8_t)n;
		if (!*end)
			return true;
		if (i == 3 || *end != '.')
			return false;
		s = end + 1;
	}
	return false;
}

static bool parse_plen(const char *s, int family, unsigned int max, unsigned int *plen)
{
	long long v;
	uint8_t m[4];
	uint32_t mask;

	if (parse_long(s, &v) && v >= 0 && v <= (long long)max) {
		*plen = (unsigned int)v;
		return true;
	}
	if (family != AF_INET || !parse_ipv4(s, m))
		return false;
	mask = (uint32_t)m[0] << 24 | (uint32_t)m[1] << 16 | (uint32_t)m[2] << 8 | m[3];
	if (mask & (~mask >> 1))
		return false; /* not contiguous */
	*plen = (unsigned int)__builtin_popcount(mask);
	return true;
}

/* A host name: the first address goes into h, the rest into p->more_* (an OR). */
static int resolve_host(struct parser *p, const struct token *t, const char *name,
			struct filter_host *h)
{
	uint8_t fams[FILTER_MAX_HOST_ADDRS];
	uint8_t addrs[FILTER_MAX_HOST_ADDRS][16];
	int n = p->r->host_addrs(p->r->ctx, name, p->family, fams, addrs, FILTER_MAX_HOST_ADDRS);

	if (n <= 0)
		return fail(
			p, t,
			"'%.60s' is neither an address nor a host name that resolves; expected a.b.c.d[/len], [v6addr][/len], a host name or :port",
			name);
	h->family = fams[0];
	memcpy(h->addr, addrs[0], 16);
	h->prefix_len = fams[0] == AF_INET ? 32 : 128;
	p->nr_more = n - 1;
	memcpy(p->more_families, fams + 1, (size_t)(n - 1));
	memcpy(p->more_addrs, addrs + 1, (size_t)(n - 1) * 16);
	return 0;
}

/* get_prefix_1(): "any"/"all"/"default", IPv4 or IPv6 with optional /len. */
static int parse_prefix(struct parser *p, const struct token *t, char *addr, struct filter_host *h)
{
	char *slash;
	unsigned int max, plen;

	if (!strcmp(addr, "any") || !strcmp(addr, "all") || !strcmp(addr, "default")) {
		h->family = (uint8_t)p->family;
		h->prefix_len = 0;
		return 0;
	}
	slash = strchr(addr, '/');
	if (slash)
		*slash++ = '\0';
	if (strchr(addr, ':')) {
		if ((p->family != AF_UNSPEC && p->family != AF_INET6) ||
		    inet_pton(AF_INET6, addr, h->addr) != 1)
			return fail(
				p, t,
				"'%.60s' is not an IPv6 address; write IPv6 in brackets: [::1] or [::1]:22",
				addr);
		h->family = AF_INET6;
		max = 128;
	} else if (!slash && !parse_ipv4(addr, h->addr) && p->r && p->r->host_addrs) {
		return resolve_host(p, t, addr, h);
	} else {
		if ((p->family != AF_UNSPEC && p->family != AF_INET) || !parse_ipv4(addr, h->addr))
			return fail(
				p, t,
				"'%.60s' is not an address; expected a.b.c.d[/len], [v6addr][/len] or :port (host names are not resolved)",
				addr);
		h->family = AF_INET;
		max = 32;
	}
	plen = max;
	if (slash && !parse_plen(slash, h->family, max, &plen))
		return fail(p, t, "bad prefix length '/%.40s'; expected 0-%u", slash, max);
	h->prefix_len = (uint8_t)plen;
	return 0;
}

static int family_prefix(struct parser *p, const struct token *t, char **s)
{
	static const struct {
		const char *prefix;
		int family;
	} fams[] = { { "unix:", AF_UNIX }, { "inet:", AF_INET }, { "inet6:", AF_INET6 },
		     { "link:", -1 },	   { "netlink:", -1 },	 { "vsock:", -1 } };

	for (size_t i = 0; i < sizeof(fams) / sizeof(fams[0]); i++) {
		size_t n = strlen(fams[i].prefix);

		if (strncmp(*s, fams[i].prefix, n))
			continue;
		if (fams[i].family < 0)
			return fail(p, t, "'%s' sockets are not supported by connmon",
				    fams[i].prefix);
		*s += n;
		/* ss switches its preferred family here, for the rest of the filter too */
		p->family = p->f->family = fams[i].family;
		return 0;
	}
	return 0;
}

/* parse_hostcond(): [family:]addr[/len][:port], [v6][:port], *[:port], :port. */
static int parse_host(struct parser *p, const struct token *t, bool is_port, struct filter_host *h)
{
	char *buf = xstrdup(t->text), *addr = buf, *port;
	int ret;

	memset(h, 0, sizeof(*h));
	h->port = -1;
	ret = family_prefix(p, t, &addr);
	if (ret < 0)
		goto out;
	if (p->family == AF_UNIX) {
		h->family = AF_UNIX;
		h->unix_path = xstrdup(addr);
		goto out;
	}
	if (addr[0] == '[') {
		port = strchr(++addr, ']');
		if (!port) {
			ret = fail(p, t, "missing ']' after the IPv6 address");
			goto out;
		}
		*port++ = '\0';
	} else if (addr[0] == '*') {
		port = addr + 1;
	} else {
		char *slash = strchr(addr, '/');

		port = strrchr(slash ? slash : addr, ':');
	}
	if (is_port)
		port = addr;
	if (port && *port) {
		if (*port == ':')
			*port++ = '\0';
		if (*port && *port != '*') {
			ret = parse_port(p, t, port, &h->port);
			if (ret < 0)
				goto out;
		}
	}
	if (!is_port && *addr && *addr != '*')
		ret = parse_prefix(p, t, addr, h);
out:
	free(buf);
	return ret;
}

static int add(struct parser *p, const struct filter_node *n)
{
	return filter_add_node(p->f, n);
}

static int add_not(struct parser *p, int child)
{
	struct filter_node n = { .kind = FILTER_NOT, .u.child = child };

	return add(p, &n);
}

static const struct token *operand(struct parser *p, const struct token *kw, const char *op,
				   const char *what)
{
	const struct token *t = peek(p);

	if (!t || t->kind != T_WORD) {
		fail(p, t, "expected %s after '%s%s%s'%s%.30s%s", what, kw->text, op ? " " : "",
		     op ? op : "", t ? ", not '" : "", t ? t->text : "", t ? "'" : "");
		return NULL;
	}
	p->cur++;
	return t;
}

static int host_term(struct parser *p, const struct token *kw)
{
	struct filter_node n = { .kind = kw->kind == T_SRC ? FILTER_SRC : FILTER_DST };
	const struct token *t;
	int ret;

	if (peek_kind(p) == T_EQ)
		p->cur++;
	t = operand(p, kw, NULL, "an address such as 10.0.0.0/8, [::1]:22 or :80");
	if (!t)
		return -EINVAL;
	p->nr_more = 0;
	ret = parse_host(p, t, false, &n.u.host);
	if (ret < 0)
		return ret;
	ret = add(p, &n);
	/* A name with several addresses matches any of them, as in ss. */
	for (int i = 0; i < p->nr_more && ret >= 0; i++) {
		struct filter_node alt = n, or = { .kind = FILTER_OR };

		alt.u.host.family = p->more_families[i];
		memcpy(alt.u.host.addr, p->more_addrs[i], 16);
		alt.u.host.prefix_len = alt.u.host.family == AF_INET ? 32 : 128;
		or.u.bin.left = ret;
		or.u.bin.right = add(p, &alt);
		ret = add(p, & or);
	}
	return ret;
}

/* ss: sport >= X is S_GE, > is NOT(S_LE), < is NOT(S_GE), = is SCOND, != NOT(SCOND). */
static int port_term(struct parser *p, const struct token *kw)
{
	bool local = kw->kind == T_SPORT;
	const struct token *opt = peek(p), *t;
	enum tok_kind op = T_EQ;
	struct filter_node n = { 0 };
	int ret, idx;

	if (opt && (opt->kind == T_GE || opt->kind == T_LE || opt->kind == T_GT ||
		    opt->kind == T_LT || opt->kind == T_EQ || opt->kind == T_NE)) {
		op = opt->kind;
		p->cur++;
	} else {
		opt = NULL;
	}
	t = operand(p, kw, opt ? opt->text : NULL, "a port such as :22, 22, :ssh or *");
	if (!t)
		return -EINVAL;
	ret = parse_host(p, t, true, &n.u.host);
	if (ret < 0)
		return ret;
	if (op == T_EQ || op == T_NE) {
		n.kind = local ? FILTER_SRC : FILTER_DST;
		idx = add(p, &n);
		return op == T_NE ? add_not(p, idx) : idx;
	}
	free(n.u.host.unix_path);
	{
		int32_t port = n.u.host.port;
		struct filter_node c = { .kind = local ? FILTER_SPORT : FILTER_DPORT };

		c.u.port.op = (op == T_GE || op == T_LT) ? FILTER_GE : FILTER_LE;
		c.u.port.wildcard = port < 0;
		c.u.port.port = port < 0 ? 0 : (uint16_t)port;
		idx = add(p, &c);
	}
	return (op == T_GT || op == T_LT) ? add_not(p, idx) : idx;
}

/* parse_devcond(): a device name, else a number (ifindex). */
static int dev_value(struct parser *p, const struct token *t, uint32_t *ifindex)
{
	long long v;
	unsigned int idx;
	char c;

	if (p->r && p->r->dev_index && p->r->dev_index(p->r->ctx, t->text, ifindex) == 0)
		return 0;
	if (sscanf(t->text, "if%u%c", &idx, &c) == 1) {
		*ifindex = idx;
		return 0;
	}
	if (parse_long(t->text, &v) && v >= 0 && v <= UINT32_MAX) {
		*ifindex = (uint32_t)v;
		return 0;
	}
	return fail(p, t, "unknown device '%.40s'; expected an interface name or index", t->text);
}

/* parse_markmask(): VALUE or VALUE/MASK, as sscanf %i reads them. */
static int mark_value(struct parser *p, const struct token *t, uint32_t *value, uint32_t *mask)
{
	char *buf = xstrdup(t->text), *slash = strchr(buf, '/');
	long long v, m = 0xffffffffLL;
	bool ok;

	if (slash)
		*slash++ = '\0';
	ok = parse_long(buf, &v) && v >= INT32_MIN && v <= UINT32_MAX &&
	     (!slash || (parse_long(slash, &m) && m >= INT32_MIN && m <= UINT32_MAX));
	free(buf);
	if (!ok)
		return fail(p, t, "bad mark '%.40s'; expected VALUE or VALUE/MASK", t->text);
	*value = (uint32_t)v;
	*mask = (uint32_t)m;
	return 0;
}

static int dev_mark_term(struct parser *p, const struct token *kw)
{
	struct filter_node n = { .kind = kw->kind == T_DEV ? FILTER_DEV : FILTER_MARK };
	const struct token *opt = peek(p), *t;
	bool negate = false;
	int ret, idx;

	if (opt && (opt->kind == T_EQ || opt->kind == T_NE)) {
		negate = opt->kind == T_NE;
		p->cur++;
	} else {
		opt = NULL;
	}
	t = operand(p, kw, opt ? opt->text : NULL,
		    kw->kind == T_DEV ? "an interface name or index" : "a mark VALUE[/MASK]");
	if (!t)
		return -EINVAL;
	ret = kw->kind == T_DEV ? dev_value(p, t, &n.u.ifindex) :
				  mark_value(p, t, &n.u.mark.value, &n.u.mark.mask);
	if (ret < 0)
		return ret;
	idx = add(p, &n);
	return negate ? add_not(p, idx) : idx;
}

static int parse_exprlist(struct parser *p);

static int parse_expr(struct parser *p)
{
	const struct token *t = peek(p);
	struct filter_node n = { .kind = FILTER_AUTOBOUND };
	int ret;

	if (!t)
		return fail(p, NULL, "expected a condition at the end of the filter");
	if (++p->depth > FILTER_PARSE_MAX_DEPTH)
		return fail(p, t, "filter nested too deeply");
	p->cur++;
	switch (t->kind) {
	case T_LP:
		if (peek_kind(p) == T_RP)
			return fail(p, peek(p), "empty parentheses; expected a condition");
		ret = parse_exprlist(p);
		if (ret >= 0 && peek_kind(p) != T_RP)
			ret = fail(p, peek(p), "missing ')' for the '(' at offset %d", t->pos);
		p->cur++;
		break;
	case T_NOT:
		ret = parse_expr(p);
		if (ret >= 0)
			ret = add_not(p, ret);
		break;
	case T_SRC:
	case T_DST:
		ret = host_term(p, t);
		break;
	case T_SPORT:
	case T_DPORT:
		ret = port_term(p, t);
		break;
	case T_DEV:
	case T_FWMARK:
		ret = dev_mark_term(p, t);
		break;
	case T_AUTOBOUND:
		ret = add(p, &n);
		break;
	case T_CGROUP:
		ret = fail(p, t, "cgroup filters are not supported");
		break;
	case T_WORD:
		if (!strcmp(t->text, "state") || !strcmp(t->text, "exclude") ||
		    !strcmp(t->text, "excl"))
			return fail(p, t, "'%s' must come before the other conditions", t->text);
		if (t->text[0] == '(' || t->text[strlen(t->text) - 1] == ')')
			return fail(p, t, "unknown word '%.40s'; put spaces around parentheses",
				    t->text);
		__attribute__((fallthrough));
	default:
		ret = fail(
			p, t,
			"unexpected '%.40s'; expected a condition: src, dst, sport, dport, dev, fwmark, autobound, not or '('",
			t->text);
		break;
	}
	p->depth--;
	return ret;
}

static bool starts_expr(enum tok_kind k)
{
	return k == T_LP || k == T_NOT || k == T_SRC || k == T_DST || k == T_SPORT ||
	       k == T_DPORT || k == T_DEV || k == T_FWMARK || k == T_CGROUP || k == T_AUTOBOUND;
}

/* ssfilter.y's exprlist: left to right, '&', '|' and juxtaposition alike. */
static int parse_exprlist(struct parser *p)
{
	int left = parse_expr(p);

	while (left >= 0) {
		enum tok_kind k = peek_kind(p);
		struct filter_node n = { .kind = k == T_OR ? FILTER_OR : FILTER_AND };
		int right;

		if (k == T_AND || k == T_OR) {
			const struct token *op = next(p);

			if (peek_kind(p) == T_END)
				return fail(p, NULL, "expected a condition after '%s'", op->text);
		} else if (!starts_expr(k)) {
			break;
		}
		right = parse_expr(p);
		if (right < 0)
			return right;
		n.u.bin.left = left;
		n.u.bin.right = right;
		left = add(p, &n);
	}
	return left;
}

int filter_parse(struct filter *f, const char *text, const struct filter_resolver *r,
		 struct filter_error *err)
{
	struct parser p = { .src = text, .f = f, .r = r, .err = err };
	int ret;

	p.family = r ? r->family : AF_UNSPEC;
	memset(err, 0, sizeof(*err));
	tokenize(&p);
	ret = parse_states(&p);
	if (ret >= 0 && peek(&p)) {
		ret = parse_exprlist(&p);
		if (ret >= 0 && peek(&p))
			ret = peek_kind(&p) == T_RP ?
				      fail(&p, peek(&p), "')' without a matching '('") :
				      parse_expr(&p); /* explains the stray word */
		f->root = ret >= 0 ? ret : -1;
	}
	free(p.toks);
	free(p.words);
	return ret < 0 ? -EINVAL : 0;
}
