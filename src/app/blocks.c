// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `connmon blocks`, `connmon block ADDR...`, `connmon unblock ADDR...|--all`:
 * the response sets by hand (docs/RESPOND.md, "Commands").  They work beside
 * a recording agent: the database is opened as an admin (store.h), which
 * takes no writer lock.  A block or unblock of many addresses is one
 * nftables transaction.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alert/respond.h"
#include "app/alerts_json.h"
#include "app/commands.h"
#include "app/respond_app.h"
#include "base/json.h"
#include "base/xalloc.h"
#include "cli/cmdline.h"
#include "cli/config.h"
#include "store/store.h"

#define FILE_MAX_BYTES (64u << 20) /* -f FILE: 64 MiB, about 4 million addresses */

static const char blocks_usage[] =
	"usage: connmon blocks [--json] [--db PATH] [-c FILE] [-N NETNS]\n"
	"       connmon block ADDR... [-f FILE] [--for DUR] [--reason TEXT] [--db PATH] [-c FILE]\n"
	"       connmon unblock ADDR...|--all [--db PATH] [-c FILE]\n"
	"\n"
	"  blocks     the blocks in force (the database's block table)\n"
	"  block      drops every packet from each address, in connmon's nftables table\n"
	"             inet connmon, for DUR (10m, 2h, 7d; default: until unblocked);\n"
	"             allowlisted addresses (loopback, the host's own, its gateways,\n"
	"             SSH session peers, [respond] allow) are refused with the reason\n"
	"  unblock    removes blocks; --all removes every one\n"
	"\n"
	"  -f, --file FILE  addresses to block, one per line ('-': stdin; '#' comments)\n"
	"  --for DUR        how long the block lasts\n"
	"  --reason TEXT    kept with the block and in the audit\n"
	"  --db PATH        the database (default: [agent] db of the config)\n"
	"  -c, --config FILE  the config file (default " CONFIG_DEFAULT_PATH ")\n"
	"  --json           blocks: one JSON object (docs/JSON.md)\n"
	"\n"
	"Exit status: 0 all done; 1 an address refused or invalid (the others are\n"
	"applied), no CAP_NET_ADMIN, nftables unusable, or a database error; 2 usage.\n";

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void add_iso(struct strbuf *out, int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char buf[32];

	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	strbuf_addstr(out, buf);
}

/* The config (-c FILE, else the default file when it exists, else the defaults). */
static int load_config(const char *cmd, const struct cli_opts *o, struct agent_config *c)
{
	struct strbuf err = STRBUF_INIT;
	int ret;

	config_defaults(c);
	ret = config_load(c, o->config ? o->config : CONFIG_DEFAULT_PATH, &err);
	if (ret == -ENOENT && !o->config)
		ret = 0;
	if (ret)
		fprintf(stderr, "connmon %s: %s\n", cmd, err.buf);
	if (!ret && o->db && config_set(c, "--db", "agent", "db", o->db, &err) < 0) {
		fprintf(stderr, "connmon %s: %s\n", cmd, err.buf);
		ret = -EINVAL;
	}
	strbuf_release(&err);
	return ret;
}

static int open_store(const char *cmd, const char *path, enum store_mode mode, struct store **st)
{
	struct strbuf err = STRBUF_INIT;
	int ret = store_open(st, path, mode, NULL, &err);

	if (ret)
		fprintf(stderr, "connmon %s: %s\n", cmd, err.buf);
	strbuf_release(&err);
	return ret;
}

static void warn_line(const char *line)
{
	fprintf(stderr, "connmon: %s\n", line);
}

/* "responses off: no CAP_NET_ADMIN (...)" reads better without its prefix here. */
static void print_nft_error(const char *cmd, const char *err)
{
	const char *p = strncmp(err, "responses off: ", 15) ? err : err + 15;

	fprintf(stderr, "connmon %s: %s\n", cmd, p);
}

void blocks_json(struct strbuf *out, const struct store_block *b, size_t nr, int64_t now)
{
	strbuf_addstr(out, "{\"time\":\"");
	add_iso(out, now);
	strbuf_addf(out, "\",\"count\":%zu,\"blocks\":[", nr);
	for (size_t i = 0; i < nr; i++) {
		strbuf_addf(out, "%s{\"addr\":\"%s\",\"created\":\"", i ? "," : "", b[i].addr);
		add_iso(out, b[i].created_ms);
		strbuf_addstr(out, "\",\"expires\":");
		if (b[i].expires_ms > 0) {
			strbuf_addch(out, '"');
			add_iso(out, b[i].expires_ms);
			strbuf_addf(out, "\",\"remaining_s\":%lld",
				    (long long)((b[i].expires_ms - now + 999) / 1000));
		} else {
			strbuf_addstr(out, "null,\"remaining_s\":null");
		}
		strbuf_addstr(out, ",\"rule\":");
		json_add_string(out, b[i].rule, strlen(b[i].rule));
		strbuf_addstr(out, ",\"reason\":");
		if (json_add_string(out, b[i].reason, strlen(b[i].reason)))
			strbuf_addstr(out, "\"\"");
		strbuf_addstr(out, ",\"origin\":");
		json_add_string(out, b[i].origin, strlen(b[i].origin));
		strbuf_addch(out, '}');
	}
	strbuf_addstr(out, "]}\n");
}

static void print_block_json(const struct store_block *b, size_t nr, int64_t now)
{
	struct strbuf out = STRBUF_INIT;

	blocks_json(&out, b, nr, now);
	fwrite(out.buf, 1, out.len, stdout);
	strbuf_release(&out);
}

static void print_block_text(const struct store_block *b, size_t nr, int64_t now)
{
	struct strbuf line = STRBUF_INIT;

	printf("%-40s %-20s %-10s %-16s %s\n", "Address", "Expires", "Left", "Rule", "Reason");
	for (size_t i = 0; i < nr; i++) {
		strbuf_reset(&line);
		if (b[i].expires_ms > 0)
			add_iso(&line, b[i].expires_ms);
		else
			strbuf_addstr(&line, "never");
		printf("%-40s %-20s ", b[i].addr, line.buf);
		strbuf_reset(&line);
		if (b[i].expires_ms > 0)
			respond_format_duration((b[i].expires_ms - now + 999) / 1000 * 1000, &line);
		else
			strbuf_addstr(&line, "-");
		printf("%-10s %-16s %s\n", line.buf, b[i].rule, b[i].reason);
	}
	printf("%zu block%s in force\n", nr, nr == 1 ? "" : "s");
	strbuf_release(&line);
}

int cmd_blocks(const struct app_ctx *ctx, int argc, char **argv)
{
	static const struct cli_cmd cmd = { "blocks", CLI_DB | CLI_BLOCK };
	struct cli_opts o;
	struct strbuf err = STRBUF_INIT;
	struct agent_config cfg;
	struct store *st = NULL;
	struct store_block *rows = NULL;
	size_t nr = 0;
	int64_t now = now_ms();
	int rc = 1;

	(void)ctx;
	cli_opts_init(&o);
	if (cli_parse(&cmd, &o, argc, argv, &err) < 0 || o.block_file || o.block_for || o.reason) {
		rc = cli_usage_error("blocks",
				     err.len ? err.buf : "-f, --for and --reason go with 'block'");
		goto out;
	}
	if (o.help) {
		fputs(blocks_usage, stdout);
		rc = 0;
		goto out;
	}
	if (load_config("blocks", &o, &cfg) || open_store("blocks", cfg.agent.db, STORE_READ, &st))
		goto out;
	if (store_version(st) >= 2 && store_block_list(st, now, &rows, &nr, &err)) {
		fprintf(stderr, "connmon blocks: %s\n", err.buf);
		goto out;
	}
	if (o.json)
		print_block_json(rows, nr, now);
	else
		print_block_text(rows, nr, now);
	rc = 0;
out:
	free(rows);
	store_close(st, NULL);
	strbuf_release(&err);
	cli_opts_release(&o);
	return rc;
}

/* The addresses: the words of the command line, then the lines of -f FILE. */
struct addr_list {
	struct strbuf text; /* the file's bytes, cut into lines in place */
	const char **v;
	size_t nr, alloc;
};

static int read_all(const char *path, struct strbuf *sb)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "re") : stdin;
	char buf[65536];
	size_t n;
	int ret = 0;

	if (!f)
		return -errno;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		if (sb->len + n > FILE_MAX_BYTES) {
			ret = -EFBIG;
			break;
		}
		strbuf_add(sb, buf, n);
	}
	if (!ret && ferror(f))
		ret = -EIO;
	if (f != stdin)
		fclose(f);
	return ret;
}

static void add_lines(struct addr_list *l)
{
	char *p = l->text.buf, *end = l->text.buf + l->text.len;

	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p)), *e;

		if (!nl)
			nl = end;
		*nl = '\0';
		e = p + strcspn(p, "#");
		*e = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		while (e > p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
			*--e = '\0';
		if (*p) {
			ALLOC_GROW(l->v, l->nr + 1, l->alloc);
			l->v[l->nr++] = p;
		}
		p = nl + 1;
	}
}

static int collect_addrs(const char *cmd, const struct cli_opts *o, struct addr_list *l)
{
	int ret;

	strbuf_init(&l->text, 0);
	for (size_t i = 0; i < o->nr_args; i++) {
		ALLOC_GROW(l->v, l->nr + 1, l->alloc);
		l->v[l->nr++] = o->args[i];
	}
	if (!o->block_file)
		return 0;
	ret = read_all(o->block_file, &l->text);
	if (ret) {
		fprintf(stderr, "connmon %s: cannot read '%s': %s\n", cmd, o->block_file,
			strerror(-ret));
		return ret;
	}
	add_lines(l);
	return 0;
}

static void addr_list_release(struct addr_list *l)
{
	strbuf_release(&l->text);
	free(l->v);
}

/* Reports each refusal; the number of addresses not done. */
static size_t report(const char *cmd, const struct respond_req *q, size_t nr)
{
	size_t bad = 0;

	for (size_t i = 0; i < nr; i++) {
		if (!q[i].status)
			continue;
		bad++;
		if (bad <= 20)
			fprintf(stderr, "connmon %s: %s: %s\n", cmd, q[i].text, q[i].result);
	}
	if (bad > 20)
		fprintf(stderr, "connmon %s: %zu more not done\n", cmd, bad - 20);
	return bad;
}

/* The shared start of block and unblock: options, config, addresses, store, responder. */
struct hand {
	struct cli_opts o;
	struct agent_config cfg;
	struct addr_list addrs;
	struct store *st;
	struct responder *r;
	struct respond_req *reqs;
};

static int hand_open(struct hand *h, const char *name, unsigned accepts, int argc, char **argv)
{
	static struct cli_cmd cmd;
	struct strbuf err = STRBUF_INIT;
	int rc = -1;

	cmd.name = name;
	cmd.accepts = accepts;
	memset(h, 0, sizeof(*h));
	cli_opts_init(&h->o);
	if (cli_parse(&cmd, &h->o, argc, argv, &err) < 0) {
		rc = cli_usage_error(name, err.buf);
	} else if (h->o.help) {
		fputs(blocks_usage, stdout);
		rc = 0;
	} else if (!h->o.nr_args && !h->o.block_file && !h->o.all) {
		rc = cli_usage_error(name, "which addresses?");
	} else if (h->o.all && (h->o.nr_args || h->o.block_file)) {
		rc = cli_usage_error(name, "--all takes no addresses");
	} else if (load_config(name, &h->o, &h->cfg) || collect_addrs(name, &h->o, &h->addrs) ||
		   open_store(name, h->cfg.agent.db, STORE_ADMIN, &h->st)) {
		rc = 1;
	}
	strbuf_release(&err);
	if (rc >= 0)
		return rc;
	store_block_purge(h->st, now_ms(), NULL, NULL); /* expired rows: the kernel dropped them */
	h->r = respond_app_new(&h->cfg.respond, RESPOND_ON, h->st, NULL);
	h->reqs = xcalloc(h->addrs.nr + 1, sizeof(*h->reqs));
	for (size_t i = 0; i < h->addrs.nr; i++)
		h->reqs[i].text = h->addrs.v[i];
	return -1;
}

static void hand_close(struct hand *h)
{
	respond_app_close(h->r);
	store_close(h->st, NULL);
	addr_list_release(&h->addrs);
	free(h->reqs);
	cli_opts_release(&h->o);
}

int cmd_block(const struct app_ctx *ctx, int argc, char **argv)
{
	struct hand h;
	struct strbuf err = STRBUF_INIT, dur = STRBUF_INIT;
	int64_t for_ms = 0;
	const char *why;
	size_t bad;
	int rc = hand_open(&h, "block", CLI_DB | CLI_BLOCK | CLI_ARGS, argc, argv);

	(void)ctx;
	if (rc >= 0)
		goto out;
	if (h.o.block_for && (config_parse_duration(h.o.block_for, &for_ms, &why) || for_ms <= 0)) {
		strbuf_addf(&err, "invalid value '%s' for '--for': a duration such as 10m, 2h, 7d",
			    h.o.block_for);
		rc = cli_usage_error("block", err.buf);
		goto out;
	}
	respond_app_allowlist(respond_allow(h.r), &h.cfg.respond, warn_line);
	rc = respond_block(h.r, h.reqs, h.addrs.nr, for_ms, h.o.reason, now_ms(), &err) ? 1 : 0;
	if (rc) {
		print_nft_error("block", err.buf);
		goto out;
	}
	bad = report("block", h.reqs, h.addrs.nr);
	respond_format_duration(for_ms, &dur);
	printf("blocked %zu address%s %s%s\n", h.addrs.nr - bad, h.addrs.nr - bad == 1 ? "" : "es",
	       for_ms ? "for " : "until unblocked", for_ms ? dur.buf : "");
	rc = bad ? 1 : 0;
out:
	strbuf_release(&dur);
	strbuf_release(&err);
	hand_close(&h);
	return rc;
}

int cmd_unblock(const struct app_ctx *ctx, int argc, char **argv)
{
	struct hand h;
	struct strbuf err = STRBUF_INIT;
	size_t nr = 0, bad;
	int rc = hand_open(&h, "unblock", CLI_DB | CLI_BLOCK | CLI_ARGS | CLI_ALL, argc, argv);

	(void)ctx;
	if (rc >= 0)
		goto out;
	if (h.o.all) {
		rc = respond_unblock_all(h.r, &nr, now_ms(), &err) ? 1 : 0;
		if (rc)
			print_nft_error("unblock", err.buf);
		else
			printf("unblocked every address (%zu block%s)\n", nr, nr == 1 ? "" : "s");
		goto out;
	}
	rc = respond_unblock(h.r, h.reqs, h.addrs.nr, now_ms(), &err) ? 1 : 0;
	if (rc) {
		print_nft_error("unblock", err.buf);
		goto out;
	}
	bad = report("unblock", h.reqs, h.addrs.nr);
	printf("unblocked %zu address%s\n", h.addrs.nr - bad, h.addrs.nr - bad == 1 ? "" : "es");
	rc = bad ? 1 : 0;
out:
	strbuf_release(&err);
	hand_close(&h);
	return rc;
}
