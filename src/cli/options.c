// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli/options.h"

#include <errno.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/services.h"
#include "base/xalloc.h"
#include "cli/cmdline.h"
#include "cli/filter_parse.h"

/* ss's defaults (misc/ss.c): without -a/-l, connected sockets only. */
#define STATES_CONNECTED                                                          \
	(SOCK_STATES_ALL &                                                        \
	 ~(SOCK_STATE_BIT(SOCK_ST_LISTEN) | SOCK_STATE_BIT(SOCK_ST_CLOSE) |       \
	   SOCK_STATE_BIT(SOCK_ST_TIME_WAIT) | SOCK_STATE_BIT(SOCK_ST_SYN_RECV) | \
	   SOCK_STATE_BIT(SOCK_ST_NEW_SYN_RECV)))
#define STATES_LISTENING (SOCK_STATE_BIT(SOCK_ST_LISTEN) | SOCK_STATE_BIT(SOCK_ST_CLOSE))

void sock_opts_init(struct sock_opts *o)
{
	memset(o, 0, sizeof(*o));
	filter_init(&o->filter);
	services_init(&o->svc);
}

void sock_opts_release(struct sock_opts *o)
{
	services_release(&o->svc);
	filter_release(&o->filter);
	free(o->filter_text);
	sock_opts_init(o);
}

static bool is_number(const char *s)
{
	char *end;

	if (!s || !*s)
		return false;
	strtod(s, &end);
	return *end == '\0';
}

static int set_netns(struct sock_opts *o, const char *name, struct strbuf *err)
{
	if (o->netns && strcmp(o->netns, name)) {
		strbuf_addf(err, "option '-N' given twice ('%s', then '%s')", o->netns, name);
		return -EINVAL;
	}
	o->netns = name;
	return 0;
}

static int set_format(struct sock_opts *o, enum out_format f, struct strbuf *err)
{
	if (o->format != OUT_TABLE && o->format != f) {
		strbuf_addstr(err, "--json and --csv exclude each other");
		return -EINVAL;
	}
	o->format = f;
	return 0;
}

/* Applies one short flag; *argi advances when it consumes the next word. */
static int short_flag(struct sock_opts *o, char c, bool last, int argc, char **argv, int *argi,
		      struct strbuf *err)
{
	const char *next = *argi + 1 < argc ? argv[*argi + 1] : NULL;

	switch (c) {
	case 't':
		o->protos |= PROTO_BIT(PROTO_TCP);
		return 0;
	case 'u':
		o->protos |= PROTO_BIT(PROTO_UDP);
		return 0;
	case 'x':
		o->protos |= PROTO_UNIX_MASK;
		return 0;
	case 'w':
		/* ss's -w is RAW; a number right after it makes it --watch. */
		if (last && is_number(next)) {
			(*argi)++;
			return cli_parse_seconds("-w", next, &o->watch_sec, err);
		}
		o->protos |= PROTO_BIT(PROTO_RAW);
		return 0;
	case '4':
		o->want_v4 = true;
		return 0;
	case '6':
		o->want_v6 = true;
		return 0;
	case 'l':
		o->listening = true;
		return 0;
	case 'a':
		o->all = true;
		return 0;
	case 'n':
		o->numeric = true;
		return 0;
	case 'r':
		o->resolve = true;
		return 0;
	case 'p':
		o->processes = true;
		return 0;
	case 'i':
		o->info = true;
		return 0;
	case 'e':
		o->extended = true;
		return 0;
	case 'm':
		o->memory = true;
		return 0;
	case 'o':
		o->timers = true;
		return 0;
	case 'H':
		o->no_header = true;
		return 0;
	case 'W':
		o->wide = true;
		return 0;
	case 'y':
		o->yes = true;
		return 0;
	case 'h':
		o->help = true;
		return 0;
	case 'N':
	case 'F':
		if (!last || !next) {
			strbuf_addf(err, "option '-%c' requires a value", c);
			return -EINVAL;
		}
		(*argi)++;
		if (c == 'N')
			return set_netns(o, next, err);
		o->filter_file = next;
		return 0;
	}
	strbuf_addf(err, "unknown option '-%c'%s", c,
		    c == 's' ? " (ss's -s is 'connmon summary')" :
		    c == 'K' ? " (ss's -K is 'connmon kill')" :
			       "");
	return -EINVAL;
}

struct long_opt {
	const char *name;
	char short_equiv; /* 0: handled in long_flag() */
	bool takes_value;
};

static const struct long_opt long_opts[] = {
	{ "tcp", 't', false },	     { "udp", 'u', false },	  { "raw", 'w', false },
	{ "unix", 'x', false },	     { "ipv4", '4', false },	  { "ipv6", '6', false },
	{ "listening", 'l', false }, { "all", 'a', false },	  { "numeric", 'n', false },
	{ "resolve", 'r', false },   { "processes", 'p', false }, { "info", 'i', false },
	{ "extended", 'e', false },  { "memory", 'm', false },	  { "options", 'o', false },
	{ "no-header", 'H', false }, { "yes", 'y', false },	  { "net", 'N', true },
	{ "filter", 'F', true },     { "json", 0, false },	  { "csv", 0, false },
	{ "count", 0, false },	     { "group-by", 0, true },	  { "top", 0, true },
	{ "sort", 0, true },	     { "watch", 0, true },	  { "iterations", 0, true },
	{ "help", 'h', false },	     { "procfs", 0, false },	  { "wide", 'W', false },
};

static int long_value_flag(struct sock_opts *o, const char *name, const char *val,
			   struct strbuf *err)
{
	if (!strcmp(name, "group-by")) {
		o->group_by = val;
		return 0;
	}
	if (!strcmp(name, "sort")) {
		o->sort_key = val;
		return 0;
	}
	if (!strcmp(name, "top"))
		return cli_parse_count("--top", val, &o->top, err);
	if (!strcmp(name, "iterations"))
		return cli_parse_count("--iterations", val, &o->watch_count, err);
	return cli_parse_seconds("--watch", val, &o->watch_sec, err);
}

static int long_flag(struct sock_opts *o, const char *arg, int argc, char **argv, int *argi,
		     struct strbuf *err)
{
	const char *eq = strchr(arg, '=');
	size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
	const char *val = eq ? eq + 1 : NULL;

	for (size_t i = 0; i < sizeof(long_opts) / sizeof(long_opts[0]); i++) {
		const struct long_opt *lo = &long_opts[i];

		if (strlen(lo->name) != len || strncmp(lo->name, arg, len))
			continue;
		if (lo->takes_value && !val) {
			if (*argi + 1 >= argc) {
				strbuf_addf(err, "option '--%s' requires a value", lo->name);
				return -EINVAL;
			}
			val = argv[++*argi];
		} else if (!lo->takes_value && val) {
			strbuf_addf(err, "option '--%s' takes no value", lo->name);
			return -EINVAL;
		}
		if (lo->short_equiv == 'N')
			return set_netns(o, val, err);
		if (lo->short_equiv == 'F') {
			o->filter_file = val;
			return 0;
		}
		if (lo->short_equiv == 'w') {
			o->protos |= PROTO_BIT(PROTO_RAW);
			return 0;
		}
		if (lo->short_equiv)
			return short_flag(o, lo->short_equiv, false, 0, NULL, argi, err);
		if (!strcmp(lo->name, "json"))
			return set_format(o, OUT_JSON, err);
		else if (!strcmp(lo->name, "csv"))
			return set_format(o, OUT_CSV, err);
		else if (!strcmp(lo->name, "count"))
			o->count = true;
		else if (!strcmp(lo->name, "procfs"))
			o->procfs = true;
		else
			return long_value_flag(o, lo->name, val, err);
		return 0;
	}
	strbuf_addf(err, "unknown option '--%.*s'", (int)len, arg);
	return -EINVAL;
}

static int read_filter_file(const char *path, struct strbuf *out, struct strbuf *err)
{
	int ret;

	out->max_len = 1 << 20; /* a filter file is text a person wrote */
	ret = strbuf_read_file(out, strcmp(path, "-") ? path : "/dev/stdin", 0);
	if (ret < 0) {
		strbuf_addf(err, "cannot read filter file '%s': %s", path, strerror(-ret));
		return -EINVAL;
	}
	if (out->truncated) {
		strbuf_addf(err, "filter file '%s' is larger than 1 MiB", path);
		return -EINVAL;
	}
	for (size_t i = 0; i < out->len; i++) {
		if (out->buf[i] == '\n' || out->buf[i] == '\t' || out->buf[i] == '\r')
			out->buf[i] = ' ';
		else if (out->buf[i] == '\0') {
			strbuf_addf(err, "filter file '%s' contains a NUL byte", path);
			return -EINVAL;
		}
	}
	return 0;
}

static int dev_index(void *ctx, const char *name, uint32_t *ifindex)
{
	unsigned idx;

	(void)ctx;
	idx = if_nametoindex(name);
	if (!idx)
		return -ENODEV;
	*ifindex = idx;
	return 0;
}

/* getaddrinfo() for filter host names; numeric-looking words are not names. */
static int host_addrs(void *ctx, const char *name, int family, uint8_t *families,
		      uint8_t (*addrs)[16], int max)
{
	struct addrinfo hints = { .ai_family = family == AF_UNIX ? AF_UNSPEC : family,
				  .ai_socktype = SOCK_STREAM };
	struct addrinfo *res, *ai;
	int n = 0;

	(void)ctx;
	if (strspn(name, "0123456789.") == strlen(name) || getaddrinfo(name, NULL, &hints, &res))
		return -ENOENT;
	for (ai = res; ai && n < max; ai = ai->ai_next) {
		uint8_t a[16] = { 0 };
		bool dup = false;

		if (ai->ai_family == AF_INET)
			memcpy(a,
			       &((const struct sockaddr_in *)(const void *)ai->ai_addr)->sin_addr,
			       4);
		else if (ai->ai_family == AF_INET6)
			memcpy(a,
			       &((const struct sockaddr_in6 *)(const void *)ai->ai_addr)->sin6_addr,
			       16);
		else
			continue;
		for (int i = 0; i < n; i++)
			dup |= families[i] == ai->ai_family && !memcmp(addrs[i], a, 16);
		if (dup)
			continue;
		families[n] = (uint8_t)ai->ai_family;
		memcpy(addrs[n++], a, 16);
	}
	freeaddrinfo(res);
	return n ? n : -ENOENT;
}

static int service_port(void *ctx, const char *name, uint16_t *port)
{
	return services_port(ctx, name, port);
}

/* ss's preferred family for bare filter operands: -4, -6, or -x alone. */
static int preferred_family(const struct sock_opts *o)
{
	if (o->protos && !(o->protos & ~PROTO_UNIX_MASK))
		return AF_UNIX;
	if (o->want_v4 != o->want_v6)
		return o->want_v4 ? AF_INET : AF_INET6;
	return AF_UNSPEC;
}

/* `autobound` falls back to the ephemeral range in user space; read the real one. */
static void read_port_range(struct filter *f)
{
	struct strbuf sb = STRBUF_INIT;
	unsigned lo, hi;

	sb.max_len = 64;
	if (!strbuf_read_file(&sb, "/proc/sys/net/ipv4/ip_local_port_range", 64) &&
	    sscanf(sb.buf, "%u %u", &lo, &hi) == 2 && lo <= hi && hi <= 65535) {
		f->ephemeral_lo = (uint16_t)lo;
		f->ephemeral_hi = (uint16_t)hi;
	}
	strbuf_release(&sb);
}

struct services *sock_opts_services(struct sock_opts *o)
{
	if (!o->svc_loaded)
		services_load(&o->svc, "/etc/services"); /* missing file: numeric ports only */
	o->svc_loaded = true;
	return &o->svc;
}

static int parse_filter(struct sock_opts *o, struct strbuf *text, struct strbuf *err)
{
	struct filter_resolver r = { .dev_index = dev_index,
				     .service_port = service_port,
				     .host_addrs = host_addrs,
				     .family = preferred_family(o) };
	struct filter_error ferr = { 0 };
	int ret;

	r.ctx = text->len ? sock_opts_services(o) : NULL;
	ret = filter_parse(&o->filter, text->buf, &r, &ferr);
	if (ret < 0) {
		strbuf_addf(err, "bad filter: %s\n  %s\n  %*s", ferr.msg, text->buf, ferr.pos + 1,
			    "^");
		for (int i = 1; i < ferr.len; i++)
			strbuf_addch(err, '~');
		return -EINVAL;
	}
	o->filter_text = strbuf_detach(text, NULL);
	read_port_range(&o->filter);
	return 0;
}

/* ss's rules: explicit state words win; then -a, -l; else connected sockets. */
static void apply_defaults(struct sock_opts *o)
{
	if (!o->protos)
		o->protos = o->want_v4 || o->want_v6 ? PROTO_BIT(PROTO_TCP) | PROTO_BIT(PROTO_UDP) |
							       PROTO_BIT(PROTO_RAW) :
						       (1u << PROTO_MAX) - 1;
	if (!o->want_v4 && !o->want_v6)
		o->want_v4 = o->want_v6 = true;
	/* "unix:PATH", "inet:ADDR", "inet6:ADDR" in the filter select the family, as in ss. */
	if (o->filter.family == AF_UNIX)
		o->protos &= PROTO_UNIX_MASK;
	else if (o->filter.family == AF_INET || o->filter.family == AF_INET6) {
		o->protos &= ~PROTO_UNIX_MASK;
		o->want_v4 = o->filter.family == AF_INET;
		o->want_v6 = o->filter.family == AF_INET6;
	}
	if (o->filter.states_set)
		o->states = o->filter.states;
	else if (o->all)
		o->states = SOCK_STATES_ALL;
	else if (o->listening)
		o->states = STATES_LISTENING;
	else
		o->states = STATES_CONNECTED;
}

int sock_opts_parse(struct sock_opts *o, int argc, char **argv, struct strbuf *err)
{
	struct strbuf text = STRBUF_INIT;
	bool dashdash = false;
	int ret = 0;

	for (int i = 1; i < argc && !ret && !o->help; i++) {
		const char *a = argv[i];

		if (dashdash || a[0] != '-' || !a[1] || !strcmp(a, "-")) {
			if (text.len)
				strbuf_addch(&text, ' ');
			strbuf_addstr(&text, a);
		} else if (!strcmp(a, "--")) {
			dashdash = true;
		} else if (a[1] == '-') {
			ret = long_flag(o, a + 2, argc, argv, &i, err);
		} else {
			for (const char *c = a + 1; *c && !ret; c++)
				ret = short_flag(o, *c, !c[1], argc, argv, &i, err);
		}
	}
	if (!ret && o->help) {
		strbuf_release(&text);
		return 0;
	}
	if (!ret && o->watch_count && o->watch_sec <= 0) {
		strbuf_addstr(err, "--iterations needs -w SEC");
		ret = -EINVAL;
	}
	if (!ret && o->filter_file) {
		if (text.len) {
			strbuf_addstr(
				err, "a filter on the command line and -F FILE cannot be combined");
			ret = -EINVAL;
		} else {
			ret = read_filter_file(o->filter_file, &text, err);
		}
	}
	if (!ret)
		ret = parse_filter(o, &text, err);
	strbuf_release(&text);
	if (!ret)
		apply_defaults(o);
	return ret;
}
