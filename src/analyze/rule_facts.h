/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the rule engine (analyze/rules.h) reads at each evaluation, besides
 * the series: facts that are not series because they are per address or
 * per packet and unbounded in number.  The agent (and `connmon check`)
 * fills a struct rule_facts every tick from its inputs:
 *
 *   scans      analyze/scan_track: sources that probed many local ports
 *   authfails  analyze/fail_track over collect/authlog: failed SSH logins
 *   pairs      per host pair TCP traffic, from the census's tcp_info deltas
 *   listeners  the listening sockets now, with their owners when known
 *   fds        processes near their open-file limit
 *
 * Each list holds only what may matter (the trackers report sources above
 * a small floor, not every address seen), so the lists stay short.  The
 * arrays are borrowed for the duration of one evaluation.
 * Addresses are text (inet_ntop form), as alert subjects carry them.
 */
#ifndef CONNMON_ANALYZE_RULE_FACTS_H
#define CONNMON_ANALYZE_RULE_FACTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/alert.h"

/* One source address and the distinct local ports it probed within the window. */
struct rule_scan {
	char addr[ALERT_ADDR_LEN];
	uint32_t nr_ports;    /* distinct local ports (TCP SYN or UDP) in the window */
	uint32_t nr_probes;   /* connection attempts in the window */
	int64_t first_ms;     /* the first probe still in the window */
	uint16_t sample_port; /* one of the ports, for the summary */
};

/* One source address and its failed SSH authentications within the window. */
struct rule_authfail {
	char addr[ALERT_ADDR_LEN];
	uint32_t nr_failures;
	int64_t first_ms;
	char user[ALERT_TEXT_LEN]; /* the last user name tried (display-safe), "" */
};

/* One host pair's TCP payload rate over the last census interval. */
struct rule_pair {
	char local[ALERT_ADDR_LEN];
	char remote[ALERT_ADDR_LEN];
	char iface[ALERT_TEXT_LEN]; /* the interface of the local address, "" unknown */
	double bytes_per_s;	    /* both directions */
};

struct rule_listener {
	uint8_t proto; /* IPPROTO_TCP or IPPROTO_UDP */
	uint16_t port;
	int32_t pid; /* -1 unknown */
	char comm[ALERT_TEXT_LEN];
};

struct rule_fds {
	int32_t pid;
	char comm[ALERT_TEXT_LEN];
	uint64_t open, limit; /* descriptors open; the soft RLIMIT_NOFILE */
};

/* An input that cannot run says so: the rule that needs it is off, and why. */
struct rule_input_state {
	bool available;
	char why[128]; /* "cannot read the journal: Permission denied" */
};

struct rule_facts {
	const struct rule_scan *scans;
	size_t nr_scans;
	struct rule_input_state scan_state;
	const struct rule_authfail *authfails;
	size_t nr_authfails;
	struct rule_input_state auth_state;
	const struct rule_pair *pairs;
	size_t nr_pairs;
	bool pairs_fresh; /* a census measured pairs this tick */
	const struct rule_listener *listeners;
	size_t nr_listeners;
	bool listeners_fresh; /* a census listed the listeners this tick */
	const struct rule_fds *fds;
	size_t nr_fds;
};

#endif
