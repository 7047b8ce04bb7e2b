/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What `connmon summary` and the overview share: one collection (options,
 * one streaming walk, sockstat and limits, CLOSE_WAIT holders) and the
 * pieces of output both print.  App-internal; owned by summary.c.
 *
 * What is flagged (TIME-WAIT share, every "% of capacity" figure) is decided
 * by analyze/health.h; the text labels say the thresholds it uses.
 */
#ifndef CONNMON_APP_SUMMARY_H
#define CONNMON_APP_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyze/sock_summary.h"
#include "app/commands.h"
#include "app/tick.h"
#include "base/outbuf.h"
#include "base/strbuf.h"
#include "cli/options.h"
#include "collect/limits.h"
#include "model/proc_table.h"

struct summary_data {
	const struct app_ctx *ctx; /* borrowed: the sysctls outside -N's namespace */
	struct sock_opts opts;
	struct sock_summary sum;
	struct sockstat st; /* all -1 when sockstat could not be read */
	struct net_limits lim;
	int64_t curr_estab;	 /* TcpCurrEstab (ss -s's "estab"), -1 unreadable */
	struct proc_table procs; /* filled only when there are CLOSE_WAIT sockets */
	bool procs_scanned;
	struct sock_proc_count *cw_procs; /* comm borrowed from procs */
	size_t nr_cw_procs;
	uint64_t cw_unmapped;
	struct sock_peer_count *top_remotes, *top_eph;
	size_t nr_top_remotes, nr_top_eph;
	size_t top_n;
	struct strbuf warnings; /* one flagged condition per line */
	size_t nr_warnings;
};

/*
 * Parses argv (argv[0] the command name) into d->opts.  Reports its own
 * errors; returns 0 or 2 (usage).  Release *d in every case.
 */
int summary_parse(struct summary_data *d, int argc, char **argv);
/* Walks the sockets and reads the limits (again: earlier results are dropped).  0, or 1 (reported).
 */
int summary_collect(struct summary_data *d);
void summary_data_release(struct summary_data *d);

typedef void (*summary_print_fn)(struct outbuf *ob, const struct summary_data *d,
				 const struct snapshot *prev, const struct snapshot *cur,
				 void *ctx);

/* How a command built on the summary prints, and what else it samples. */
struct summary_printer {
	summary_print_fn text, json;
	const char *usage; /* -h/--help */
	/* Registers more sources (interface and protocol counters); then the first tick is a
	 * baseline. */
	void (*add_sources)(struct tick *t, void *ctx);
};

/* The summary's own text and JSON (summary_print.c). */
void summary_print_text(struct outbuf *ob, const struct summary_data *d,
			const struct snapshot *prev, const struct snapshot *cur, void *ctx);
void summary_print_json(struct outbuf *ob, const struct summary_data *d,
			const struct snapshot *prev, const struct snapshot *cur, void *ctx);

/*
 * The shared body of `summary` and the overview: parses, runs on the tick
 * (once, or every -w SEC), prints with p.  Returns the exit code.
 */
int summary_run(const struct app_ctx *app, int argc, char **argv, const struct summary_printer *p,
		void *ctx);

/* "a.b.c.d:port" / "[v6]:port"; port < 0 leaves it out.  Returns buf. */
const char *summary_endpoint(char *buf, size_t size, int family, const uint8_t *addr, int port);

/* The TIME-WAIT flag (analyze/health.h). */
bool summary_tw_warn(const struct sock_summary *s);
/* The flag of any "% of a limit" figure (analyze/health.h). */
bool summary_cap_warn(double pct);

/* Percent a of b; 0 when b is 0. */
double summary_pct(uint64_t a, uint64_t b);

/* JSON pieces; each appends `"key":value` members without braces. */
void summary_json_totals(struct outbuf *ob, const struct summary_data *d);
void summary_json_states(struct outbuf *ob, const struct summary_data *d);
void summary_json_health(struct outbuf *ob, const struct summary_data *d);
void summary_json_peers(struct outbuf *ob, const char *key, const struct summary_data *d);
void summary_json_warnings(struct outbuf *ob, const struct summary_data *d);

#endif
