/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One frame of a running agent: the body of GET /api/v1/live (docs/API.md)
 * read into fixed-size records, for `connmon top` in agent mode
 * (docs/COMMANDS-top.md).  The body is outside input: agent_frame_parse()
 * is pure, strict about types and lenient about members it does not know
 * (a newer agent may add some), unit-tested and fuzzed (fuzz_agent_frame).
 *
 * Numbers that are null in the JSON (a rate before the second tick, a port
 * without a listener) are NaN here; integers that are null are -1.  Arrays
 * beyond their cap keep their first rows (the agent orders them, largest
 * first) and set truncated.  Strings longer than their field are cut at a
 * UTF-8 boundary.
 */
#ifndef CONNMON_COLLECT_AGENT_FRAME_H
#define CONNMON_COLLECT_AGENT_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/strbuf.h"

#define AGENT_FRAME_STATES  11
#define AGENT_FRAME_TOP	    32
#define AGENT_FRAME_IFACES  128
#define AGENT_FRAME_SOCKETS 32
#define AGENT_FRAME_ALERTS  64

/* health.* in the order of agent_frame_health_names[]. */
enum agent_frame_health {
	AFH_RETRANS_SEGS,
	AFH_RETRANS_RATIO,
	AFH_OUT_SEGS,
	AFH_IN_SEGS,
	AFH_LISTEN_OVERFLOWS,
	AFH_LISTEN_DROPS,
	AFH_ATTEMPT_FAILS,
	AFH_ESTAB_RESETS,
	AFH_IN_ERRS,
	AFH_OUT_RSTS,
	AFH_ACTIVE_OPENS,
	AFH_PASSIVE_OPENS,
	AFH_SYNCOOKIES_SENT,
	AFH_UDP_IN_ERRORS,
	AFH_UDP_RCVBUF_ERRORS,
	AFH_NR
};

struct agent_frame_sockets {
	char proto[16], family[16];
	double count;
};

struct agent_frame_peer {
	char addr[64];
	double sockets, established;
};

struct agent_frame_port {
	int port; /* 0 to 65535 */
	double sockets, queue, backlog;
};

/* A process of top_procs (rx, tx in bytes/s) or of close_wait (sockets in rx; tx NaN). */
struct agent_frame_proc {
	int64_t pid; /* -1: null (the others' row) */
	char comm[64];
	double rx, tx;
};

struct agent_frame_iface {
	char name[64];
	double rx_bps, tx_bps, rx_pps, tx_pps; /* bytes/s and packets/s */
	double errors, drops, speed;	       /* per second; speed in bits/s */
};

struct agent_frame_alert {
	int64_t id;
	char rule[64], severity[16], status[16];
	char subject[96]; /* subject.addr, else iface, comm, resource or port; "" for the host */
	char summary[192];
	char started_at[32];	     /* as the agent writes it, ISO 8601 UTC */
	int64_t time_ms, started_ms; /* time and started_at in ms; -1: absent or not a time */
	bool subject_addr;	     /* subject is subject.addr */
};

/* A block in force, as GET /api/v1/blocks gives it (docs/JSON.md, "Blocks"). */
struct agent_frame_block {
	char addr[48];
	int64_t created_ms; /* -1: not a time */
	int64_t expires_ms; /* 0: until unblocked */
	char rule[64], reason[128];
};

struct agent_frame {
	int64_t t_ms, interval_ms, seq;
	int64_t at_ms;	   /* a past frame (?at=T): the ring slot's time; -1: the live frame */
	int64_t census_ms; /* -1: no census yet */
	double states[AGENT_FRAME_STATES]; /* in agent_frame_state_names[] order */
	struct agent_frame_sockets sockets[AGENT_FRAME_SOCKETS];
	size_t nr_sockets;
	struct agent_frame_peer peers[AGENT_FRAME_TOP];
	size_t nr_peers;
	struct agent_frame_port ports[AGENT_FRAME_TOP];
	size_t nr_ports;
	struct agent_frame_proc procs[AGENT_FRAME_TOP], close_wait[AGENT_FRAME_TOP];
	size_t nr_procs, nr_close_wait;
	struct agent_frame_iface ifaces[AGENT_FRAME_IFACES];
	size_t nr_ifaces;
	double health[AFH_NR];
	struct agent_frame_alert alerts[AGENT_FRAME_ALERTS];
	size_t nr_alerts;
	int64_t blocks_active; /* -1: absent */
	bool truncated;	       /* some array had more rows than its cap */
};

/* The keys of tcp_states, in the frame's order ("established", ... "closing"). */
extern const char *const agent_frame_state_names[AGENT_FRAME_STATES];
/* The keys of health ("retrans_segs_per_s", ...). */
extern const char *const agent_frame_health_names[AFH_NR];

/*
 * Parses the body buf[0..len) into *f (fully overwritten).  Returns 0, or
 * -EINVAL (not JSON, not an object, a known member of the wrong type, t_ms
 * missing) with one sentence in err (may be NULL), or -E2BIG / -ENODATA
 * from the JSON reader.  Pure; allocates only inside the call.
 */
int agent_frame_parse(struct agent_frame *f, const char *buf, size_t len, struct strbuf *err);

/*
 * The alert events of GET /api/v1/alerts (`{"alerts":[...]}`) and the blocks
 * of GET /api/v1/blocks (`{"blocks":[...]}`): *out (malloc'ed, the caller
 * frees it; NULL when none) gets at most max rows (beyond: *truncated set).
 * 0 or the errors of agent_frame_parse(), with *out NULL and *nr 0.  Pure.
 */
int agent_alerts_parse(const char *buf, size_t len, size_t max, struct agent_frame_alert **out,
		       size_t *nr, bool *truncated, struct strbuf *err);
int agent_blocks_parse(const char *buf, size_t len, size_t max, struct agent_frame_block **out,
		       size_t *nr, bool *truncated, struct strbuf *err);

/* "2027-01-15T08:00:00.123Z" or without the fraction: ms since the epoch; -1 otherwise. */
int64_t agent_frame_time_ms(const char *iso);

#endif
