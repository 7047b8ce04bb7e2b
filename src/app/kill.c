// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `connmon kill FILTER`: ss -K with a safety catch.  The matching TCP sockets
 * are collected during the dump and destroyed after it (a SOCK_DESTROY
 * request cannot share the netlink socket with a running dump), listed, and
 * killed only after "y" on the terminal or --yes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "app/commands.h"
#include "app/sock_walk.h"
#include "app/summary.h"
#include "base/outbuf.h"
#include "base/xalloc.h"
#include "cli/cmdline.h"

struct kill_list {
	struct sock_entry *v; /* copies: SOCK_DESTROY finds a socket again by these */
	size_t nr, alloc;
};

static int visit_collect(const struct sock_entry *s, void *arg)
{
	struct kill_list *l = arg;
	struct sock_entry *t;

	if (s->proto != PROTO_TCP || !sock_is_inet(s))
		return 0;
	ALLOC_GROW(l->v, l->nr + 1, l->alloc);
	t = &l->v[l->nr++];
	*t = *s;
	t->unix_path = NULL; /* TCP only; nothing may point into the dump's buffer */
	return 0;
}

static void describe(char *buf, size_t size, const struct sock_entry *t, bool compact)
{
	char l[80], r[80];

	snprintf(buf, size, compact ? "%s %s -> %s" : "%-10s %-40s %s", sock_state_ss_name(t),
		 summary_endpoint(l, sizeof(l), t->family, t->local, t->lport),
		 summary_endpoint(r, sizeof(r), t->family, t->remote, t->rport));
}

static void print_targets(const struct kill_list *l, struct proc_table *procs, bool with_procs)
{
	char line[256];

	printf("%-10s %-40s %s\n", "State", "Local", "Peer");
	for (size_t i = 0; i < l->nr; i++) {
		const struct proc_ref *r =
			with_procs ? proc_table_first(procs, l->v[i].inode) : NULL;

		describe(line, sizeof(line), &l->v[i], false);
		if (r) {
			const char *comm = proc_table_comm(procs, r);
			char safe[4 * 64 + 1];

			text_escape(safe, sizeof(safe), comm, strlen(comm), SIZE_MAX, NULL);
			printf("%s  %s[%d]\n", line, safe, (int)r->pid);
		} else
			printf("%s\n", line);
	}
	fflush(stdout);
}

/* Reads one answer line from fd; true for "y" or "yes". */
static bool read_yes(int fd)
{
	char buf[16];
	size_t len = 0;

	while (len < sizeof(buf) - 1) {
		ssize_t n = read(fd, buf + len, 1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || buf[len] == '\n')
			break;
		len++;
	}
	buf[len] = '\0';
	return !strcasecmp(buf, "y") || !strcasecmp(buf, "yes");
}

/*
 * Asks on the terminal: stdin when it is one, else /dev/tty, so that
 * `... | connmon kill` still asks the person.  Without a terminal there is
 * nobody to ask: refuse.  Returns 1 yes, 0 no, -ENOTTY no terminal.
 */
static int confirm(size_t nr)
{
	int fd = -1, ret;
	bool own = false;

	if (isatty(STDIN_FILENO)) {
		fd = STDIN_FILENO;
	} else {
		fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
		if (fd < 0)
			return -ENOTTY;
		own = true;
	}
	dprintf(own ? fd : STDERR_FILENO, "Kill %zu socket%s? [y/N] ", nr, nr == 1 ? "" : "s");
	ret = read_yes(fd) ? 1 : 0;
	if (own)
		close(fd);
	return ret;
}

static const char *destroy_reason(int err)
{
	switch (err) {
	case -EOPNOTSUPP:
		return "kernel lacks CONFIG_INET_DIAG_DESTROY";
	case -EPERM:
	case -EACCES:
		return "needs CAP_NET_ADMIN";
	case -ENOENT:
		return "already gone";
	default:
		return strerror(-err);
	}
}

/* Returns the number of sockets the kernel refused to destroy. */
static size_t destroy_all(struct sockdiag *sd, const struct kill_list *l)
{
	size_t killed = 0, gone = 0, failed = 0;
	char line[256];

	for (size_t i = 0; i < l->nr; i++) {
		int ret = sockdiag_destroy(sd, &l->v[i]);

		if (!ret) {
			killed++;
			continue;
		}
		describe(line, sizeof(line), &l->v[i], true);
		fprintf(stderr, "connmon: cannot kill %s: %s\n", line, destroy_reason(ret));
		/* Closed between the dump and now: the goal is met, not a failure. */
		if (ret == -ENOENT)
			gone++;
		else
			failed++;
	}
	printf("killed %zu of %zu socket%s", killed, l->nr, l->nr == 1 ? "" : "s");
	if (gone)
		printf(", %zu already gone", gone);
	if (failed)
		printf(", %zu refused", failed);
	printf("\n");
	return failed;
}

static bool has_filter(const struct sock_opts *o)
{
	return o->filter.root >= 0 || o->filter.states_set;
}

static const char usage[] =
	"usage: connmon kill [-46p] [-N NETNS] [-y|--yes] [-F FILE] FILTER\n"
	"  Destroys the TCP sockets FILTER matches (SOCK_DESTROY, as ss -K), after\n"
	"  listing them and asking on the terminal; --yes kills without asking.\n"
	"  Needs CAP_NET_ADMIN.\n"
	"  FILTER: ss's filter grammar (docs/FILTERS.md); a filter is required.\n"
	"  See docs/COMMANDS-summary.md.\n";

static int parse(struct sock_opts *o, int argc, char **argv)
{
	struct strbuf err = STRBUF_INIT;

	if (sock_opts_parse(o, argc, argv, &err) < 0) {
		cli_usage_error("kill", err.buf);
		strbuf_release(&err);
		return 2;
	}
	strbuf_release(&err);
	if (o->help) {
		fputs(usage, stdout);
		return -1;
	}
	if (o->format != OUT_TABLE || o->watch_sec > 0 || o->group_by || o->sort_key || o->count ||
	    o->wide) {
		cli_usage_error("kill", "--json, --csv, -w, --group-by, --sort, --count and --wide "
					"do not apply to kill");
		return 2;
	}
	if (!has_filter(o)) {
		fprintf(stderr,
			"connmon kill: a filter is required, so that no command kills every "
			"socket by accident\n  for example: connmon kill dport = :443\n");
		return 2;
	}
	if (!(o->protos & PROTO_BIT(PROTO_TCP))) {
		fprintf(stderr, "connmon kill: only TCP sockets can be killed (drop -u/-w/-x)\n");
		return 2;
	}
	o->protos = PROTO_BIT(PROTO_TCP);
	return 0;
}

static int run(struct sock_walk *w, const struct sock_opts *o, struct kill_list *l)
{
	int ret = sock_walk_run(w, visit_collect, l);

	if (ret < 0) /* reported by sock_walk */
		return 1;
	if (!l->nr) {
		fprintf(stderr, "connmon kill: no TCP socket matches '%s'\n",
			o->filter_text ? o->filter_text : "");
		return 0;
	}
	print_targets(l, &w->procs, o->processes);
	if (!o->yes) {
		ret = confirm(l->nr);
		if (ret == -ENOTTY) {
			fprintf(stderr,
				"connmon kill: no terminal to confirm on; pass --yes to kill "
				"without asking\n");
			return 1;
		}
		if (!ret) {
			fprintf(stderr, "connmon kill: nothing killed\n");
			return 1;
		}
	}
	return destroy_all(w->sd, l) ? 1 : 0;
}

int cmd_kill(const struct app_ctx *ctx, int argc, char **argv)
{
	struct kill_list l = { 0 };
	struct sock_opts o;
	struct sock_walk w;
	int ret;

	(void)ctx;

	sock_opts_init(&o);
	ret = parse(&o, argc, argv);
	if (ret) {
		ret = ret < 0 ? 0 : ret; /* --help */
		goto out_opts;
	}
	if (sock_walk_open(&w, &o) < 0) {
		ret = 1;
		goto out_walk;
	}
	if (!w.sd) {
		fprintf(stderr,
			"connmon kill: killing sockets needs sock_diag netlink (SOCK_DESTROY); "
			"the /proc/net fallback cannot\n");
		ret = 1;
		goto out_walk;
	}
	ret = run(&w, &o, &l);
	free(l.v);
	/* What was killed must reach the reader; a full disk or closed pipe is said. */
	if (fflush(stdout) == EOF || ferror(stdout)) {
		if (errno != EPIPE)
			fprintf(stderr, "connmon kill: cannot write output: %s\n", strerror(errno));
		ret = errno == EPIPE ? ret : 1;
	}
out_walk:
	sock_walk_close(&w);
out_opts:
	sock_opts_release(&o);
	return ret;
}
