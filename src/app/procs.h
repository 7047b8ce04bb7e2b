/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The state of one `connmon procs` run, shared by procs.c (options, the
 * capture, the tick, output) and procs_dump.c (socket dumps across
 * namespaces, the hot-socket dumps, socket owners from /proc).  App-internal.
 */
#ifndef CONNMON_APP_PROCS_H
#define CONNMON_APP_PROCS_H

#include <stdbool.h>
#include <stdint.h>

#include "analyze/proc_traffic.h"
#include "app/loop.h"
#include "app/tick.h"
#include "base/outbuf.h"
#include "base/u64map.h"
#include "collect/capture.h"
#include "collect/netns.h"
#include "collect/procscan.h"
#include "collect/sockdiag.h"
#include "ui/proc_render.h"

#define FULL_RESCAN_S	10
#define REDUMP_S	10    /* capture: dump at least this often */
#define EARLY_DUMP_MS	150   /* capture: new connections are dumped this soon */
#define SWEEP_S		5     /* tcpinfo, many sockets: full dump at least this often */
#define HOT_MIN_SOCKETS 20000 /* below this a full dump per refresh is cheap enough */
#define HOT_TICKS	10    /* a socket is hot this many refreshes after its last byte */
#define HOT_MAX_PAIRS	2000  /* keeps the program under the kernel's 16-bit jumps */
#define MAX_NETNS	4096
#define OUT_BUF_LEN	(64 * 1024)
#define PROCS_MAX_USERS 1024 /* user names cached; beyond, the cache starts over */

enum engine {
	ENGINE_AUTO,
	ENGINE_TCPINFO,
	ENGINE_CAPTURE,
};

struct procs_opts {
	enum engine engine;
	char *ifname; /* owned */
	const char *netns;
	double sample_s; /* -s */
	double watch_s;	 /* -w */
	long count;
	bool json, csv, all_netns, help, wide;
};

struct ns_source {
	struct netns_id id;
	struct sockdiag *sd;
	uint32_t seen; /* the last discovery that reported it */
	bool swept;    /* a full dump of it has been read */
};

struct procs_run {
	struct procs_opts o;
	struct proc_traffic pt;
	struct proc_scanner scan; /* socket owners, read incrementally */
	uint64_t last_full_ns;
	/* users */
	struct u64map uid_idx; /* uid -> index+1 */
	char (*users)[33];
	size_t nr_users, alloc_users;
	/* sources */
	struct ns_source *ns;
	size_t nr_ns, alloc_ns;
	uint32_t ns_gen; /* discoveries so far */
	struct capture *cap;
	const char *engine_why;
	/* output */
	struct outbuf out;
	struct proc_row *rows;
	uint32_t *order;
	size_t alloc_rows;
	bool live;
	struct loop loop;
	struct tick tick;
	int poll_timer;	 /* a capture without a descriptor is polled on a timer */
	int early_timer; /* the next early dump, -1 none */
	uint64_t now_ns; /* the current tick's time: collectors read no clock */
	int64_t wall_ns;
	uint64_t start_ns, last_ns, last_dump_ns;
	long nr_reports;
	unsigned nr_sweeps; /* full dumps so far */
	bool hot_off;
	bool cap_lost;		/* the capture interface vanished or went down mid-run */
	int cap_err;		/* the capture's -errno once it failed */
	uint64_t interval_ns;	/* of the last tick */
	unsigned early_backoff; /* early dumps that matched nothing in a row, at most 4 */
};

/* procs_dump.c */
/* Owners of the sockets that moved bytes: an incremental /proc walk, a full one when due. */
void find_owners(struct procs_run *r);
void walk_owners(struct procs_run *r);
/* Marks processes gone from /proc as exited (their rows fold later). */
void check_exited(struct procs_run *r);
/* A sock_diag socket inside the namespace fd, once per namespace. */
int add_ns(struct procs_run *r, int fd, const struct netns_id *id);
/* --all-netns: opens sockets in new namespaces, closes those of namespaces gone. */
void discover_netns(struct procs_run *r);
/* Dumps every namespace's sockets into r->pt; code narrows the dump (inet_diag bytecode) or NULL.
 */
int dump_all(struct procs_run *r, const uint8_t *code, size_t len);
/* This tick's dump: none (capture, all matched), the hot sockets, or a full one. */
int start_tick(struct procs_run *r);

#endif
